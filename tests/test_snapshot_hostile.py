"""Snapshots are data, not instructions: `Cluster.load` refuses a malformed or hostile file with SnapshotError, writes
only into a scratch directory of its own (gone afterwards), reads no file of this machine that the snapshot does not
embed, and calls nothing but what `journaled` records; journaled calls that raised round-trip."""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import DEPLOYMENT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubeteach import snapshot
from kubeteach.apiserver import APIError
from kubeteach.cluster import Cluster
from kubeteach.etcd import Etcd
from kubeteach.faults import Faults
from kubeteach.snapshot import MAX_BYTES, MAX_ENTRIES, MAX_STRING, SnapshotError, store_contents


@pytest.fixture
def scratch_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tempfile's directory during the test: load() makes its scratch directory here and must remove it."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    """A directory that must stay empty: whatever a snapshot says, load() writes nothing here."""
    path = tmp_path / "sentinel"
    path.mkdir()
    return path


def build_base(directory: Path) -> dict:
    """A small valid snapshot, fast to load: a kubectl command with its file, a client call, a fault, run, step."""
    manifest = directory / "deployment.yaml"
    manifest.write_text(DEPLOYMENT)
    c = Cluster(components=[])
    assert c.kubectl(f"create -f {manifest}").ok
    c.client("admin").patch("deployments", "default", "nginx", {"metadata": {"labels": {"tier": "web"}}})
    c.faults.break_image("nginx:1.27")
    c.run(seconds=5)
    c.step()
    c.save(directory / "base.json")
    return json.loads((directory / "base.json").read_text())


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return build_base(tmp_path_factory.mktemp("base"))


def write(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def kubectl_entry(command: str, files: dict) -> dict:
    return {"call": "kubectl", "args": [command], "kwargs": {}, "files": files}


# --- paths: nothing is written outside the scratch directory --------------------------------------------------


def evil_names(sentinel: Path) -> list[str]:
    return [str(sentinel / "pwned.yaml"),                                   # absolute
            "../" * 30 + str(sentinel / "pwned.yaml").lstrip("/"),           # relative, up and over
            "sub/../../../../../../../../../../pwned.yaml",
            "..", ".", "", "x\0y.yaml", "a" * 300 + ".yaml"]


@pytest.mark.parametrize("n", range(8))
def test_directory_entries_cannot_escape(tmp_path: Path, base: dict, sentinel: Path, scratch_root: Path, n: int):
    """The names of a directory's files come from the snapshot: each must be one plain file name."""
    name = evil_names(sentinel)[n]
    data = copy.deepcopy(base)
    data["journal"].append(kubectl_entry(f"create -f {tmp_path / 'manifests'}", {str(tmp_path / "manifests"): {
        name: DEPLOYMENT.replace("name: nginx", "name: evil")}}))
    with pytest.raises(SnapshotError, match="is not a plain file name"):
        Cluster.load(write(tmp_path / "s.json", data))
    assert list(sentinel.iterdir()) == []
    assert list(scratch_root.iterdir()) == []


def test_a_file_named_outside_is_written_inside(tmp_path: Path, sentinel: Path, scratch_root: Path,
                                               monkeypatch: pytest.MonkeyPatch):
    """`-f ../sentinel/x.yaml` and `-f /abs/sentinel/y.yaml` saved honestly: the replay's copies go to the scratch
    directory, not back to where the paths point."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (sentinel / "x.yaml").write_text(DEPLOYMENT)
    (sentinel / "y.yaml").write_text(DEPLOYMENT.replace("name: nginx", "name: web"))
    a = Cluster(components=[])
    assert a.kubectl("create -f ../sentinel/x.yaml").ok
    assert a.kubectl(f"create --filename={sentinel / 'y.yaml'}").ok
    a.save(tmp_path / "a.json")
    for f in sentinel.iterdir():
        f.unlink()
    b = Cluster.load(tmp_path / "a.json")
    assert {d["metadata"]["name"] for d in b.list("deployments")} == {"nginx", "web"}
    assert list(sentinel.iterdir()) == []
    assert list(scratch_root.iterdir()) == []


def test_a_symlink_on_this_machine_is_not_followed(tmp_path: Path, sentinel: Path, scratch_root: Path):
    """The -f path was a symlink to a directory when saved; now it points at the sentinel: nothing lands there."""
    real = tmp_path / "real"
    real.mkdir()
    (real / "deployment.yaml").write_text(DEPLOYMENT)
    link = tmp_path / "link"
    link.symlink_to(real)
    a = Cluster(components=[])
    assert a.kubectl(f"create -f {link}").ok
    a.save(tmp_path / "a.json")
    link.unlink()
    link.symlink_to(sentinel)
    b = Cluster.load(tmp_path / "a.json")
    assert b.get("deployment", "nginx") is not None
    assert list(sentinel.iterdir()) == []
    assert list(scratch_root.iterdir()) == []


def test_a_path_missing_when_saved_is_not_read_now(tmp_path: Path, scratch_root: Path):
    """A file that did not exist when the command ran is not read from this machine on load, even if it exists."""
    path = tmp_path / "later.yaml"
    a = Cluster(components=[])
    assert not a.kubectl(f"create -f {path}").ok
    a.save(tmp_path / "a.json")
    path.write_text(DEPLOYMENT)
    b = Cluster.load(tmp_path / "a.json")
    assert b.list("deployments") == []
    assert store_contents(b) == store_contents(a)
    assert list(scratch_root.iterdir()) == []


def test_the_scratch_directory_is_removed_when_a_replay_fails(tmp_path: Path, base: dict, scratch_root: Path):
    data = copy.deepcopy(base)
    data["journal"].append(kubectl_entry(f"create -f {tmp_path / 'd.yaml'}", {
        str(tmp_path / "d.yaml"): DEPLOYMENT.replace("name: nginx", "name: web")}))
    with pytest.raises(SnapshotError, match="does not replay to the store it saved"):
        Cluster.load(write(tmp_path / "s.json", data))      # the replay made a deployment the store lacks
    assert list(scratch_root.iterdir()) == []


# --- a table of hostile snapshots --------------------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def setting(*path_and_value: Any) -> Callable[[dict], Any]:
    """A mutation that sets data[path...] = value."""
    *path, value = path_and_value

    def mutate(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


def deleting(*path: Any) -> Callable[[dict], Any]:
    def mutate(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return mutate


def appending(entry: dict) -> Callable[[dict], Any]:
    return lambda data: data["journal"].append(entry)


def raw(fn: Callable[[str], str]) -> Callable[[dict], str]:
    """A mutation of the file's text."""
    return lambda data: fn(json.dumps(data))


def fault(method: str, *margs: Any, **mkwargs: Any) -> dict:
    return {"call": "faults", "method": method, "margs": list(margs), "mkwargs": mkwargs}


# journal of the base: 0 kubectl create -f, 1 client-call patch, 2 faults break_image, 3 run(seconds=5), 4 step
HOSTILE: list[tuple[str, Callable[[dict], Any], str]] = [
    ("truncated JSON", raw(lambda t: t[: len(t) // 2]), "cannot read snapshot"),
    ("empty file", raw(lambda t: ""), "cannot read snapshot"),
    ("list at top level", lambda d: [d], r"is not a kubeteach snapshot \(format 2\)"),
    ("string at top level", lambda d: json.dumps("snapshot"), "is not a kubeteach snapshot"),
    ("format as a string", setting("format", "2"), "a snapshot of format '2'"),
    ("format true", setting("format", True), "a snapshot of format True"),
    ("a future format", setting("format", 3), "reads formats 1, 2"),
    ("missing init", deleting("init"), "has no init"),
    ("missing journal", deleting("journal"), "has no journal"),
    ("missing store", deleting("store"), "has no store"),
    ("writer not a string", setting("kubeteach", ["0.1"]), "kubeteach must be a version string"),
    ("init a list", setting("init", []), "init must be an object"),
    ("init unknown key", setting("init", "exec", "rm -rf /"), r"init has unknown keys \['exec'\]"),
    ("huge nodes", setting("init", "nodes", 10**9), "init.nodes must be 0 to 5000"),
    ("negative nodes", setting("init", "nodes", -1), "init.nodes must be 0 to 5000"),
    ("nodes true", setting("init", "nodes", True), "init.nodes must be"),
    ("seed a string", setting("init", "seed", "0"), "init.seed must be an integer"),
    ("unknown component", setting("init", "components", ["rm -rf /"]), "init.components must be"),
    ("definition a string", setting("init", "definition", "x"), "definition must be an object"),
    ("definition with 10**9 nodes", setting("init", "definition", {"nodes": {"count": 10**9}}),
     "definition.nodes.count must be an integer from 0 to 5000"),
    ("definition with too many node items", setting("init", "definition", {"nodes": {"items": [{}] * 5001}}),
     "definition.nodes.items must be a list of at most 5000"),
    ("definition user without a name", setting("init", "definition", {"users": [{"name": ["admin"]}]}),
     "every user needs a name"),
    ("definition users an object", setting("init", "definition", {"users": {"admin": {}}}),
     "definition.users must be a list"),
    ("definition podCIDR nonsense", setting("init", "definition", {"cluster": {"podCIDR": "nonsense"}}),
     "its cluster cannot be built: ValueError"),
    ("definition object the API refuses",
     setting("init", "definition", {"objects": [{"apiVersion": "v1", "kind": "Pod", "metadata": {}}]}),
     "its cluster cannot be built: APIError"),
    ("definition quantity nonsense", setting("init", "definition", {"nodes": {"capacity": {"cpu": "lots"}}}),
     "its cluster cannot be built"),
    ("journal an object", setting("journal", {}), "journal must be a list"),
    ("entry a string", setting("journal", 0, "kubectl get pods"), "journal entry 0: not an object"),
    ("unknown entry kind", appending({"call": "exec", "args": ["sh"]}),
     "journal entry 5: unknown journal entry 'exec'"),
    ("private cluster method", appending({"call": "_bootstrap", "args": [], "kwargs": {}}),
     "unknown journal entry '_bootstrap'"),
    ("the API server as an entry", appending({"call": "api", "args": [], "kwargs": {}}), "unknown journal entry 'api'"),
    ("etcd as an entry", appending({"call": "etcd", "args": [], "kwargs": {}}), "unknown journal entry 'etcd'"),
    ("save as an entry", appending({"call": "save", "args": ["/tmp/x"], "kwargs": {}}), "unknown journal entry 'save'"),
    ("private fault method", appending(fault("_pod", "x")), "'_pod' is not a journaled method of faults"),
    ("dunder fault method", appending(fault("__class__")), "'__class__' is not a journaled method of faults"),
    ("fault __init__", appending(fault("__init__", None)), "'__init__' is not a journaled method of faults"),
    ("fault attribute", appending(fault("cluster")), "'cluster' is not a journaled method of faults"),
    ("fault property", appending(fault("client")), "'client' is not a journaled method of faults"),
    ("client attribute", setting("journal", 1, "method", "api"), "'api' is not a journaled method of client-call"),
    ("method not a string", setting("journal", 2, "method", ["break_image"]), "is not a journaled method"),
    ("entry with extra keys", setting("journal", 3, "exec", "x"), r"unexpected keys \['exec'\] in a run entry"),
    ("args a string", setting("journal", 3, "args", "10"), "args must be a list"),
    ("kwargs a list", setting("journal", 3, "kwargs", [10]), "args must be a list and kwargs an object"),
    ("unknown keyword", setting("journal", 3, "kwargs", {"until": 5}), "run\\(\\): arguments do not fit"),
    ("too many arguments", setting("journal", 4, "args", [1, 2]), "step\\(\\): arguments do not fit"),
    ("huge seconds", setting("journal", 3, "kwargs", {"seconds": 1e308}), "seconds=1e\\+308 is not from 0 to"),
    ("infinite seconds", raw(lambda t: t.replace('"seconds": 5', '"seconds": 1e999')), "a number out of range"),
    ("NaN seconds", raw(lambda t: t.replace('"seconds": 5', '"seconds": NaN')), "NaN is not JSON"),
    ("negative seconds", setting("journal", 3, "kwargs", {"seconds": -1}), "seconds=-1 is not from 0 to"),
    ("seconds true", setting("journal", 3, "kwargs", {"seconds": True}), "seconds=True is not float \\| None"),
    ("seconds a string", setting("journal", 3, "kwargs", {"seconds": "5"}), "seconds='5' is not float \\| None"),
    ("negative count", appending(fault("fail_csi", times=-1)), "times=-1 is not from 0 to"),
    ("huge count", appending(fault("crash_container", "x", times=10**12)), "times=1000000000000 is not from 0"),
    ("huge string", appending(kubectl_entry("get pods " + "x" * MAX_STRING, {})), "command is longer than"),
    ("command not a string", setting("journal", 0, "args", [["create"]]), "command=\\['create'\\] is not str"),
    ("deep nesting", raw(lambda t: t.replace('"seconds": 5', f'"seconds": {nested(100_000)}')),
     "nested deeper than 100 levels"),
    ("moderate nesting past the bound", raw(lambda t: t.replace('"seconds": 5', f'"seconds": {nested(150)}')),
     "nested deeper than 100 levels"),
    ("a 5000-digit integer", raw(lambda t: t.replace('"seconds": 5', '"seconds": ' + "9" * 5000)),
     "cannot read snapshot"),
    ("non-embedded file", appending(kubectl_entry("create -f /etc/passwd", {})),
     "journal entry 5 \\(kubectl\\): the command reads '/etc/passwd', which the snapshot does not embed"),
    ("second file not embedded", appending(kubectl_entry("apply -f a.yaml -f/etc/shadow", {"a.yaml": DEPLOYMENT})),
     "reads '/etc/shadow', which the snapshot does not embed"),
    ("files a list", setting("journal", 0, "files", []), "files must be an object"),
    ("file path too long", setting("journal", 0, "files", {"x" * 5000: None}), "a file path is longer than 4096"),
    ("file content a number", setting("journal", 0, "files", {"x.yaml": 5}), "the content of 'x.yaml' must be text"),
    ("directory content a number", setting("journal", 0, "files", {"d": {"x.yaml": 5}}),
     "the content of 'd' must be text"),
    ("store a list", setting("store", []), "store must have revision and items"),
    ("store revision a string", setting("store", "revision", "7"), "store.revision must be a count"),
    ("store item without key", deleting("store", "items", 0, "key"), "each item has key"),
    ("store item key a number", setting("store", "items", 0, "key", 7), "a key must be a string"),
    ("store that does not replay", lambda d: d["store"].update(revision=d["store"]["revision"] + 1),
     "does not replay to the store it saved \\(store revision"),
    ("error not an object", setting("journal", 4, "error", "boom"), "error must be an object with a type"),
    ("error that does not come", setting("journal", 4, "error", {"type": "KeyError", "message": ""}),
     "journal entry 4 \\(step\\): it raised KeyError when it was journaled, but not on replay"),
    ("a different error", appending({**fault("break_image", "nope"), "error": {"type": "ValueError"}}),
     "it raises KeyError on replay: .*; it raised ValueError when it was journaled"),
    ("an unexpected error", appending(fault("break_image", "nope")), "it raises KeyError on replay"),
    ("a client of an unknown user", setting("journal", 1, "args", ["mallory"]), "cannot prepare it: KeyError"),
    ("client arguments do not fit", setting("journal", 1, "kwargs", {"root": True}),
     "client\\(\\): arguments do not fit"),
    ("too many entries", setting("journal", [{"call": "step", "args": [], "kwargs": {}}] * (MAX_ENTRIES + 1)),
     "journal has more than 100000 entries"),
]


@pytest.mark.parametrize(("mutate", "match"), [(m, r) for _, m, r in HOSTILE], ids=[i for i, _, _ in HOSTILE])
def test_a_hostile_snapshot_is_refused(tmp_path: Path, base: dict, scratch_root: Path,
                                       mutate: Callable[[dict], Any], match: str):
    data = copy.deepcopy(base)
    out = mutate(data)
    path = write(tmp_path / "s.json", data if out is None else out)
    with pytest.raises(SnapshotError, match=match):
        Cluster.load(path)
    assert list(scratch_root.iterdir()) == []


def test_the_base_snapshot_of_the_table_loads(tmp_path: Path, base: dict, scratch_root: Path):
    b = Cluster.load(write(tmp_path / "s.json", base))
    assert store_contents(b) == base["store"]
    assert "pop" not in vars(b.loop)                 # the replay's step budget is not left behind


def test_an_oversize_file_is_not_read(tmp_path: Path):
    path = tmp_path / "big.json"
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)                      # sparse: nothing to write
    with pytest.raises(SnapshotError, match=f"larger than {MAX_BYTES} bytes"):
        Cluster.load(path)


def test_only_a_regular_file_is_read(tmp_path: Path):
    with pytest.raises(SnapshotError, match="not a regular file"):
        Cluster.load("/dev/zero")
    os.mkfifo(tmp_path / "fifo")                      # no writer: opening it must not wait for one
    with pytest.raises(SnapshotError, match="not a regular file"):
        Cluster.load(tmp_path / "fifo")
    with pytest.raises(SnapshotError, match="cannot read snapshot"):
        Cluster.load(tmp_path)


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default cluster's snapshot after a deployment and half an hour: over a thousand steps to replay."""
    a = Cluster()
    a.kubectl("create deployment web --image=nginx:1.25 --replicas=3")
    assert a.run().steps < 50
    assert a.run(seconds=1800).steps > 1024
    path = tmp_path_factory.mktemp("busy") / "a.json"
    a.save(path)
    return path


def test_a_replay_that_runs_too_long_is_stopped(busy: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(snapshot, "MAX_REPLAY_STEPS", 50)
    with pytest.raises(SnapshotError, match=r"the replay runs more than 50 steps \(at journal entry 2\)"):
        Cluster.load(busy)


def test_a_replay_that_makes_too_many_objects_is_stopped(busy: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(snapshot, "MAX_OBJECTS", 10)
    with pytest.raises(SnapshotError, match=r"the replay makes more than 10 objects \(at journal entry 2\)"):
        Cluster.load(busy)


def test_a_replay_that_writes_past_the_saved_revision_stops_there(busy: Path, tmp_path: Path):
    data = json.loads(busy.read_text())
    data["store"]["revision"] = 20                  # the cluster's bootstrap alone wrote more
    with pytest.raises(SnapshotError, match=r"does not replay to the store it saved \(the replay writes past store "
                                            r"revision 20 at journal entry 1\); it was written by kubeteach "):
        Cluster.load(write(tmp_path / "s.json", data))


def test_the_busy_snapshot_loads(busy: Path):
    b = Cluster.load(busy)
    assert store_contents(b) == json.loads(busy.read_text())["store"]


def test_the_etcd_a_snapshot_names_is_not_contacted(tmp_path: Path, base: dict):
    """Loading replays into the embedded store: a file must not make the loader empty someone's etcd."""
    data = copy.deepcopy(base)
    data["init"]["etcd"] = "http://127.0.0.1:9"
    b = Cluster.load(write(tmp_path / "s.json", data))
    assert type(b.etcd) is Etcd
    assert store_contents(b) == base["store"]


# --- journaled calls that raised -----------------------------------------------------------------------------------


def test_failed_calls_round_trip(tmp_path: Path):
    """A fault on a pod that does not exist, stopping an unknown component, a call with a missing or mistyped
    argument: journaled with their error, replayed to raise it again, so save -> load -> save is the same file."""
    a = Cluster()
    a.kubectl("create deployment web --image=nginx:1.25")
    a.run()
    with pytest.raises(APIError, match='pods "no-such-pod" not found'):
        a.faults.kill_pod("no-such-pod")
    with pytest.raises(KeyError, match="no component 'nope'"):
        a.stop("nope")
    with pytest.raises(TypeError):
        a.faults.kill_pod()
    with pytest.raises(TypeError):
        a.run(seconds="10")
    with pytest.raises(APIError):
        a.faults.crash_container("no-such-pod", times=-1)
    with pytest.raises(KeyError):
        a.faults.break_image("nope")
    a.faults.kill_pod(a.list("pods")[0]["metadata"]["name"])
    a.run(seconds=30)
    errors = [e.get("error", {}).get("type") for e in a.journal.entries]
    assert errors == [None, None, "APIError", "KeyError", "TypeError", "TypeError", "APIError", "KeyError", None, None]
    a.save(tmp_path / "a.json")
    b = Cluster.load(tmp_path / "a.json")
    assert [str(r) for r in b.trace] == [str(r) for r in a.trace]
    assert store_contents(b) == store_contents(a)
    b.save(tmp_path / "b.json")
    assert (tmp_path / "b.json").read_text() == (tmp_path / "a.json").read_text()


def test_a_fault_that_cannot_apply_changes_nothing():
    """It raises before its trace record and before it touches any machine."""
    c = Cluster()
    before = len(c.trace)
    for call in (lambda: c.faults.fail_node("node-9"), lambda: c.faults.recover_node("node-9"),
                 lambda: c.faults.fail_csi(node="node-9"), lambda: c.faults.break_image("nope")):
        with pytest.raises(KeyError):
            call()
    assert len(c.trace) == before
    assert all(c.faults.kubelet(n).csi.failures == 0 for n in ("node-1", "node-2", "node-3"))


def test_a_format_1_snapshot_still_loads(tmp_path: Path, base: dict):
    data = {**copy.deepcopy(base), "format": 1}
    b = Cluster.load(write(tmp_path / "s.json", data))
    assert store_contents(b) == base["store"]


def test_only_public_methods_are_journaled():
    c = Cluster(components=[])
    assert c.client("admin").api is c.api                     # an attribute passes through, unjournaled
    assert c.faults.client.actor == "faults"                  # so does a property
    assert c.journal.entries == []
    methods = snapshot.journaled_methods(Faults)
    assert {"kill_pod", "crash_container", "fail_node", "recover_node", "break_image", "exhaust_ips",
            "fail_csi"} <= methods
    assert not any(m.startswith("_") for m in methods) and "client" not in methods


# --- fuzzing ---------------------------------------------------------------------------------------------------------


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON value (the value itself included)."""
    out = [prefix]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        out.extend(paths(child, (*prefix, key)))
    return out


FUZZ_BASE = None


def fuzz_base() -> dict:
    global FUZZ_BASE
    if FUZZ_BASE is None:
        with tempfile.TemporaryDirectory() as d:
            FUZZ_BASE = build_base(Path(d))
    return FUZZ_BASE


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.integers(-3, 10)
                    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
                    | st.sampled_from(["..", "/etc/passwd", "__class__", "_bootstrap", "kubectl", "faults", "run",
                                       "create -f /etc/passwd", "kill_pod", "client-call", "admin"]),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
                    max_leaves=8)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """The base snapshot's text after one mutation: a value replaced or removed (mostly in init and the journal),
    or the text cut or spliced."""
    data = copy.deepcopy(fuzz_base())
    everywhere = paths(data)
    focus = [p for p in everywhere if p[:1] in (("init",), ("journal",), ("format",))]
    path = draw(st.one_of(*[st.sampled_from(focus)] * 4, st.sampled_from(everywhere)))
    how = draw(st.sampled_from(["replace"] * 5 + ["delete"] * 2 + ["cut", "splice"]))
    if how in ("cut", "splice"):
        text = json.dumps(data)
        at = draw(st.integers(0, len(text)))
        return text[:at] + (draw(st.sampled_from(['"', "{", "]", "0", ",", "\\", "NaN"])) if how == "splice" else "")
    if not path:
        return json.dumps(draw(JSON))
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if how == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JSON)
    return json.dumps(data)


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_a_mutated_snapshot_loads_the_same_store_or_is_refused(text: str):
    with tempfile.TemporaryDirectory() as d, pytest.MonkeyPatch.context() as mp:
        root = Path(d) / "tmp"
        root.mkdir()
        mp.setattr(tempfile, "tempdir", str(root))
        mp.setattr(snapshot, "MAX_REPLAY_STEPS", 20_000)      # a mutated run() may not take long
        path = Path(d) / "s.json"
        path.write_text(text)
        try:
            b = Cluster.load(path)
        except SnapshotError:
            pass
        else:
            assert store_contents(b) == json.loads(text)["store"]
        assert os.listdir(root) == []


def test_a_served_cluster_keeps_no_journal_and_cannot_be_saved(tmp_path):
    """Served requests are inputs no journal replays, and the clock's ticks would grow it without bound."""
    from kubeteach.cluster import Cluster
    from kubeteach.server import Server

    c = Cluster()
    c.kubectl("create -f data/deployment.yaml")
    server = Server(c, port=0, speed=50).start()
    try:
        c.run(seconds=1)
        assert c.journal.entries == [] and "served" in c.journal.closed
        with pytest.raises(SnapshotError, match="cannot be saved: it was served"):
            c.save(tmp_path / "served.json")
        assert not (tmp_path / "served.json").exists()
    finally:
        server.stop()
