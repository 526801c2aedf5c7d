"""Snapshots: `cluster.save(path)` and `Cluster.load(path)`, by deterministic replay.

A cluster is a pure function of its inputs, so rather than its objects (components, informers, queues) the cluster
keeps a journal (journal.py) of what came from outside — its constructor arguments (definition and seed included),
kubectl commands with their user and the `-f` files they read, calls on `c.client(...)` clients, faults, traffic,
stop/start, and step/run calls — and a snapshot is that journal plus the store's contents. Loading builds a new
cluster from the same arguments, replays the journal, and checks that the store came out identical: same inputs,
same trace, byte for byte. Calls made by kubeteach itself (kubectl running the loop for `--wait`, a fault stopping a
kubelet) are not journaled: replaying the outer call makes them again. A call that raised is journaled with the
error's type, and its replay must raise the same (format 2; format 1 files load too).

Not journaled, so not in a snapshot: `wait_until(...)` called directly (its argument is a function), and
anything done by reaching inside (`c.api`, `c.etcd`, `c.loop`, a kubelet object from `c.faults.kubelet(...)`).

A snapshot file is data, not code: `load` checks every field before it acts, replays only the calls `journaled`
records (public methods of Cluster, Client, Faults and Traffic, with arguments bound to their signatures and
bounded), writes the embedded `-f` files only into a fresh scratch directory it removes afterwards, never lets a
replayed kubectl read a file the snapshot does not embed, never connects to the etcd a snapshot names (it replays
into the embedded store), and reports whatever is wrong as `SnapshotError`.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .assembly import COMPONENTS
from .client import Client
from .faults import Faults
from .journal import journaled_methods, plain
from .snapshot_files import SnapshotError, safe_name, with_files
from .traffic import Traffic
from .version import KUBERNETES_VERSION

if TYPE_CHECKING:
    from .assembly import Assembly

FORMAT = 2
READABLE = (1, 2)   # 1: as 2, but a journaled call that raised was not marked (and could not be replayed)

# What load() accepts; anything beyond is refused before it is acted on.
MAX_BYTES = 32 * 2**20          # the snapshot file (a 1,000-node lesson saves about 5 MB)
MAX_DEPTH = 100                 # nesting of JSON values (API objects nest a dozen levels deep)
MAX_ENTRIES = 100_000           # journal entries
MAX_REPLAY_STEPS = 2_000_000    # loop steps over the whole replay: 10 runs to cluster.MAX_STEPS
MAX_OBJECTS = 200_000           # keys in the store at any moment of a replay
MAX_NODES = 5_000               # the largest cluster Kubernetes supports ("Considerations for large clusters")
MAX_ITEMS = 10_000              # users, images, storage classes, objects of a definition
MAX_STRING = 128 * 1024         # one argument (Linux MAX_ARG_STRLEN: the longest a shell hands to kubectl)
MAX_FILE = 16 * 2**20           # one embedded -f file
MAX_PATH = 4096                 # bytes in a path as the command wrote it (PATH_MAX)
MAX_RUN_SECONDS = 30 * 86_400   # one run(seconds=...), in virtual time
MAX_COUNT = 1_000_000           # an integer argument such as `times`
CLUSTER_CALLS = ("step", "run", "stop", "start", "kubectl")
FACES = {"faults": Faults, "traffic": Traffic}      # c.faults, c.traffic: journaled like a client
INIT_KEYS = ("nodes", "seed", "definition", "components", "etcd")


# --- the store ----------------------------------------------------------------------------------------------------

def store_contents(cluster: Assembly) -> dict:
    """The store as plain data: its revision and every key with value and revisions."""
    items = []
    for key in cluster.etcd.keys():
        kv = cluster.etcd.get(key)
        items.append({"key": key, "create_revision": kv.create_revision, "mod_revision": kv.mod_revision,
                      "version": kv.version, "value": kv.value})
    return plain({"revision": cluster.etcd.revision, "items": items})


def save(cluster: Assembly, path: str | Path) -> None:
    """Write the journal and the store's contents as JSON."""
    if cluster.journal.closed:
        raise SnapshotError(f"this cluster cannot be saved: {cluster.journal.closed}")
    from importlib.metadata import PackageNotFoundError, version


    try:
        kubeteach_version = version("kubeteach")
    except PackageNotFoundError:
        kubeteach_version = "unknown"
    data = {"format": FORMAT, "kubeteach": kubeteach_version, "kubernetes": KUBERNETES_VERSION,
            "init": cluster.journal.init, "journal": cluster.journal.entries, "store": store_contents(cluster)}
    Path(path).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


# --- checking a snapshot ------------------------------------------------------------------------------------------

def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _need(ok: bool, message: str) -> None:
    if not ok:
        raise SnapshotError(message)


def _read(path: str | Path) -> Any:
    """The parsed JSON of a regular file of at most MAX_BYTES: no NaN or Infinity, nested at most MAX_DEPTH."""
    try:                                  # O_NONBLOCK: opening a FIFO must not wait for a writer
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise SnapshotError(f"cannot read snapshot {path}: not a regular file")
            raw = f.read(MAX_BYTES + 1)
    except OSError as err:
        raise SnapshotError(f"cannot read snapshot {path}: {err}") from None
    if len(raw) > MAX_BYTES:
        raise SnapshotError(f"cannot read snapshot {path}: larger than {MAX_BYTES} bytes")

    def constant(name: str) -> None:
        raise ValueError(f"{name} is not JSON")
    try:
        data = json.loads(raw.decode(), parse_constant=constant)
    except RecursionError:
        raise SnapshotError(f"cannot read snapshot {path}: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as err:             # JSONDecodeError, UnicodeDecodeError, too many digits, NaN
        raise SnapshotError(f"cannot read snapshot {path}: {err}") from None
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            _need(depth <= MAX_DEPTH, f"cannot read snapshot {path}: nested deeper than {MAX_DEPTH} levels")
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
        elif isinstance(value, float):
            _need(math.isfinite(value), f"cannot read snapshot {path}: a number out of range")
    return data


def _check_definition(d: Any) -> None:
    """The shape of a cluster definition (data/cluster.yaml): what Cluster() reads, with counts bounded. What is
    left (a quantity that does not parse, an object the API server refuses) is caught when the cluster is built."""
    _need(isinstance(d, dict), "definition must be an object")
    sections = {"cluster": dict, "nodes": dict, "csiDriver": dict, "users": list, "storageClasses": list,
                "images": list, "objects": list}
    for key, kind in sections.items():
        _need(d.get(key) is None or isinstance(d[key], kind),
              f"definition.{key} must be {'an object' if kind is dict else 'a list'}")
    if d.get("seed") is not None:
        _need(_is_int(d["seed"]) and abs(d["seed"]) < 2**63, "definition.seed must be an integer")
    for key in ("users", "storageClasses", "images", "objects"):
        items = d.get(key) or []
        _need(len(items) <= MAX_ITEMS, f"definition.{key} has more than {MAX_ITEMS} items")
        _need(all(isinstance(i, dict) for i in items), f"definition.{key} must hold objects")
    for item in d.get("users") or []:
        _need(isinstance(item.get("name"), str), "definition.users: every user needs a name")
        _need(isinstance(item.get("groups", []), list) and all(isinstance(g, str) for g in item.get("groups", [])),
              "definition.users: groups must be a list of strings")
    for item in d.get("images") or []:
        _need(isinstance(item.get("name"), str), "definition.images: every image needs a name")
    for item in d.get("objects") or []:
        _need(isinstance(item.get("kind"), str), "definition.objects: every object needs a kind")
    for key in ("name", "server", "podCIDR"):
        value = (d.get("cluster") or {}).get(key)
        _need(value is None or isinstance(value, str), f"definition.cluster.{key} must be a string")
    nodes = d.get("nodes") or {}
    count, items = nodes.get("count"), nodes.get("items")
    _need(count is None or _is_int(count) and 0 <= count <= MAX_NODES,
          f"definition.nodes.count must be an integer from 0 to {MAX_NODES}")
    _need(items is None or isinstance(items, list) and len(items) <= MAX_NODES
          and all(i is None or isinstance(i, dict) for i in items),
          f"definition.nodes.items must be a list of at most {MAX_NODES} objects")
    for key in ("capacity", "reserved", "labels"):
        _need(isinstance(nodes.get(key, {}), dict), f"definition.nodes.{key} must be an object")
    _need(isinstance(nodes.get("zones") or [], list), "definition.nodes.zones must be a list")


def _check_init(init: Any) -> dict:
    """The constructor arguments to rebuild with. `etcd` is dropped: a file must not make the loader connect to
    an etcd (and empty its /registry/); the replay runs on the embedded store, whose revisions a fresh etcd has."""

    _need(isinstance(init, dict), "init must be an object")
    unknown = sorted(set(init) - set(INIT_KEYS))
    _need(not unknown, f"init has unknown keys {unknown}")
    nodes, seed, components = init.get("nodes"), init.get("seed"), init.get("components")
    _need(nodes is None or _is_int(nodes) and 0 <= nodes <= MAX_NODES, f"init.nodes must be 0 to {MAX_NODES}")
    _need(seed is None or _is_int(seed) and abs(seed) < 2**63, "init.seed must be an integer")
    _need(components is None or isinstance(components, list)
          and all(isinstance(c, str) and c in COMPONENTS for c in components)
          and len(set(components)) == len(components),
          f"init.components must be distinct names of {', '.join(COMPONENTS)}")
    _need(init.get("etcd") is None or isinstance(init["etcd"], str), "init.etcd must be a string")
    if init.get("definition") is not None:
        _check_definition(init["definition"])
    return {k: init[k] for k in INIT_KEYS if k != "etcd" and init.get(k) is not None}


def _check_store(store: Any) -> dict:
    _need(isinstance(store, dict) and set(store) == {"revision", "items"}, "store must have revision and items")
    _need(_is_int(store["revision"]) and store["revision"] >= 0, "store.revision must be a count")
    _need(isinstance(store["items"], list), "store.items must be a list")
    for item in store["items"]:
        _need(isinstance(item, dict) and set(item) == {"key", "create_revision", "mod_revision", "version", "value"},
              "store.items: each item has key, create_revision, mod_revision, version and value")
        _need(isinstance(item["key"], str), "store.items: a key must be a string")
        _need(all(_is_int(item[k]) for k in ("create_revision", "mod_revision", "version")),
              "store.items: revisions and versions must be integers")
    return store


@dataclass
class _Call:
    """A checked journal entry: what to call, with which arguments, and how it ended when it was journaled."""

    entry: dict                   # as the journal records it (the loaded cluster journals it again)
    kind: str
    method: str
    args: list
    kwargs: dict
    source: tuple[list, dict] | None = None     # a client-call: the arguments of c.client(...)
    error: str | None = None      # the type of the exception it raised
    skip: str = ""                # why a call that raised is not made again: its arguments did not bind


ARG_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "str | None": (str, type(None)), "int": (int,),
                                          "float | None": (int, float, type(None)), "dict": (dict,),
                                          "bool": (bool,)}


def _check_arguments(fn: Callable, args: list, kwargs: dict) -> tuple[bool, str]:
    """Whether the arguments bind to the signature of `fn` (a method, unbound), and why `fn(*args, **kwargs)` is
    not a call a journal may replay ("" if it is): the arguments must also match its annotations and bounds."""
    try:
        bound = inspect.signature(fn).bind(None, *args, **kwargs)
    except TypeError as err:
        return False, f"arguments do not fit: {err}"
    params = inspect.signature(fn).parameters
    for name, value in list(bound.arguments.items())[1:]:
        param = params[name]
        values = value.values() if param.kind is param.VAR_KEYWORD else \
            value if param.kind is param.VAR_POSITIONAL else [value]
        for v in values:
            types = ARG_TYPES.get(param.annotation if isinstance(param.annotation, str) else "")
            if types and (not isinstance(v, types) or isinstance(v, bool) and bool not in types):
                return True, f"{name}={v!r:.80} is not {param.annotation}"
            if isinstance(v, str) and len(v) > MAX_STRING:
                return True, f"{name} is longer than {MAX_STRING} characters"
            if name == "seconds" and isinstance(v, int | float) and not 0 <= v <= MAX_RUN_SECONDS:
                return True, f"seconds={v!r} is not from 0 to {MAX_RUN_SECONDS}"
            if _is_int(v) and param.annotation == "int" and not 0 <= v <= MAX_COUNT:
                return True, f"{name}={v!r} is not from 0 to {MAX_COUNT}"
    return True, ""


def _check_files(files: Any) -> dict:
    _need(isinstance(files, dict), "files must be an object")
    for name, content in files.items():
        _need(len(name.encode(errors="replace")) <= MAX_PATH, f"a file path is longer than {MAX_PATH} bytes")
        _need(content is None or isinstance(content, str | dict), f"the content of {name!r} must be text")
        for fname, text in (content.items() if isinstance(content, dict) else [("", content)]):
            _need(not isinstance(content, dict) or safe_name(fname),
                  f"{fname!r} in {name!r} is not a plain file name")
            _need(text is None or isinstance(text, str) and len(text) <= MAX_FILE,
                  f"the content of {name!r} must be text of at most {MAX_FILE} characters")
    return files


def _check_entry(entry: Any, cluster_class: type) -> _Call:
    """A journal entry as a _Call, or SnapshotError: only the kinds and methods `journaled` records."""

    _need(isinstance(entry, dict), "not an object")
    kind = entry.get("call")
    _need(kind in (*CLUSTER_CALLS, *FACES, "client-call"), f"unknown journal entry {kind!r:.80}")
    error = entry.get("error")
    _need(error is None or isinstance(error, dict) and isinstance(error.get("type"), str)
          and isinstance(error.get("message", ""), str), "error must be an object with a type")
    keys = {"call", "error", *(("args", "kwargs") if kind not in FACES else ()),
            *(("method", "margs", "mkwargs") if kind in (*FACES, "client-call") else ()),
            *(("files",) if kind == "kubectl" else ())}
    _need(set(entry) <= keys, f"unexpected keys {sorted(set(entry) - keys)} in a {kind} entry")
    source = None
    if kind in CLUSTER_CALLS:
        method, args, kwargs, fn = kind, entry.get("args", []), entry.get("kwargs", {}), getattr(cluster_class, kind)
    else:
        method, args, kwargs = entry.get("method"), entry.get("margs", []), entry.get("mkwargs", {})
        cls = FACES.get(kind, Client)
        allowed = journaled_methods(cls)
        _need(isinstance(method, str) and method in allowed,
              f"{method!r:.80} is not a journaled method of {kind} ({', '.join(sorted(allowed))})")
        fn = getattr(cls, method)
        if kind == "client-call":
            source = (entry.get("args", []), entry.get("kwargs", {}))
            _need(isinstance(source[0], list) and isinstance(source[1], dict),
                  "client args must be a list and kwargs an object")
            _, problem = _check_arguments(cluster_class.client, *source)
            _need(not problem, f"client(): {problem}")
    _need(isinstance(args, list) and isinstance(kwargs, dict), "args must be a list and kwargs an object")
    call = _Call(plain(entry), kind, method, args, kwargs, source, error and error["type"])
    if kind == "kubectl":
        call.entry["files"] = _check_files(entry.get("files", {}))
    # A call that raised when it was journaled is replayed to raise again, out-of-bounds arguments and all (the
    # replay's step budget bounds it); one whose arguments did not even bind raised TypeError before it began.
    fits, problem = _check_arguments(fn, args, kwargs)
    if problem and (call.error is None or not fits and call.error != "TypeError"):
        raise SnapshotError(f"{method}(): {problem}")
    call.skip = "" if fits else problem
    return call


def _check(data: Any, path: str | Path, cluster_class: type) -> tuple[dict, list[_Call], dict, str]:
    """Init arguments, journal, store and writer of a parsed snapshot, each checked; or SnapshotError."""
    _need(isinstance(data, dict) and "format" in data, f"{path} is not a kubeteach snapshot (format {FORMAT})")
    _need(_is_int(data["format"]) and data["format"] in READABLE,
          f"{path} is a snapshot of format {data['format']!r:.20}; this kubeteach reads formats "
          f"{', '.join(map(str, READABLE))}")
    missing = [k for k in ("init", "journal", "store") if k not in data]
    _need(not missing, f"snapshot {path} has no {', '.join(missing)}")
    for key in ("kubeteach", "kubernetes"):
        _need(isinstance(data.get(key, ""), str), f"snapshot {path}: {key} must be a version string")
    try:
        init, store = _check_init(data["init"]), _check_store(data["store"])
        _need(isinstance(data["journal"], list), "journal must be a list")
        _need(len(data["journal"]) <= MAX_ENTRIES, f"journal has more than {MAX_ENTRIES} entries")
    except SnapshotError as err:
        raise SnapshotError(f"snapshot {path}: {err}") from None
    calls = []
    for n, entry in enumerate(data["journal"]):
        try:
            calls.append(_check_entry(entry, cluster_class))
        except SnapshotError as err:
            raise SnapshotError(f"snapshot {path}: journal entry {n}: {err}") from None
    return init, calls, store, data.get("kubeteach", "unknown")


# --- loading ------------------------------------------------------------------------------------------------------

class _OverBudget(BaseException):
    """The replay went past a bound (a BaseException, so that no handler inside the cluster keeps it)."""


class _Diverged(_OverBudget):
    """The replay wrote past the saved store's revision, so it cannot end at that store."""


def load(cls: type[Assembly], path: str | Path) -> Any:
    """Rebuild a cluster by replaying a snapshot's journal; raise SnapshotError if the file is not a well-formed
    snapshot or the store differs."""
    init, calls, saved, written_by = _check(_read(path), path, cls)
    try:
        cluster = cls(**init)
    except Exception as err:             # a definition the cluster refuses (a bad quantity, an invalid object)
        raise SnapshotError(f"snapshot {path}: its cluster cannot be built: {type(err).__name__}: {err}") from err
    loop, steps, etcd = cluster.loop, [0], cluster.etcd
    pop = loop.pop

    def counted_pop() -> Any:
        """The loop's pop, within bounds: a replay that cannot end as saved stops as soon as that shows."""
        steps[0] += 1
        if steps[0] > MAX_REPLAY_STEPS:
            raise _OverBudget(f"the replay runs more than {MAX_REPLAY_STEPS} steps")
        if etcd.revision > saved["revision"]:
            raise _Diverged(f"the replay writes past store revision {saved['revision']}")
        if steps[0] % 1024 == 0 and etcd.count("") > MAX_OBJECTS:
            raise _OverBudget(f"the replay makes more than {MAX_OBJECTS} objects")
        return pop()
    loop.pop = counted_pop               # an instance attribute, removed again below
    scratch = Path(tempfile.mkdtemp(prefix="kubeteach-replay-"))
    try:
        for n, call in enumerate(calls):
            try:
                replay(cluster, call, scratch / str(n))
            except SnapshotError as err:
                raise SnapshotError(f"snapshot {path}: journal entry {n} ({call.method}): {err}") from err.__cause__
            except _Diverged as err:
                raise SnapshotError(f"snapshot {path} does not replay to the store it saved ({err} at journal "
                                    f"entry {n}); it was written by kubeteach {written_by}, which may simulate "
                                    "differently") from None
            except _OverBudget as err:
                raise SnapshotError(f"snapshot {path}: {err} (at journal entry {n})") from None
    finally:
        del loop.pop
        shutil.rmtree(scratch, ignore_errors=True)
    now = store_contents(cluster)
    if saved != now:
        raise SnapshotError(f"snapshot {path} does not replay to the store it saved ({_first_difference(saved, now)})"
                            f"; it was written by kubeteach {written_by}, which may simulate "
                            "differently")
    return cluster


def replay(cluster: Assembly, call: _Call, scratch: Path) -> None:
    """Make one checked journal call again, on `cluster` (which journals it anew); it must end as it ended then."""
    if call.skip:                       # it raised then without running: nothing to do but journal it
        cluster.journal.entries.append(call.entry)
        return
    args, kwargs = list(call.args), dict(call.kwargs)
    try:
        if call.kind == "kubectl":
            if args:
                args[0] = with_files(args[0], call.entry["files"], scratch)
            else:
                kwargs["command"] = with_files(kwargs["command"], call.entry["files"], scratch)
        if call.kind in CLUSTER_CALLS:
            fn = getattr(cluster, call.kind)
        elif call.kind in FACES:
            fn = getattr(getattr(cluster, call.kind), call.method)
        else:
            fn = getattr(cluster.client(*call.source[0], **call.source[1]), call.method)
    except SnapshotError:
        raise
    except Exception as err:             # a scratch file that cannot be written, a client of an unknown user
        raise SnapshotError(f"cannot prepare it: {type(err).__name__}: {err}") from err
    try:
        fn(*args, **kwargs)
    except Exception as err:
        if type(err).__name__ != call.error:
            saved = f"; it raised {call.error} when it was journaled" if call.error else ""
            raise SnapshotError(f"it raises {type(err).__name__} on replay: {err}{saved}") from err
    else:
        if call.error:
            raise SnapshotError(f"it raised {call.error} when it was journaled, but not on replay")
    finally:
        if call.kind == "kubectl":
            cluster.journal.entries[-1] = call.entry     # journal the original paths, not the scratch copies


def _first_difference(saved: dict, now: dict) -> str:
    if saved["revision"] != now["revision"]:
        return f"store revision {saved['revision']} saved, {now['revision']} replayed"
    ours = {i["key"]: i for i in now["items"]}
    for item in saved["items"]:
        if ours.get(item["key"]) != item:
            return f"{item['key']} differs"
    extra = sorted(set(ours) - {i["key"] for i in saved["items"]})
    return f"{extra[0]} was not saved" if extra else "the stores differ"


__all__ = ["SnapshotError", "load", "save", "store_contents"]
