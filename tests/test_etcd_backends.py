"""The store's behaviour, on both backends: the embedded MVCC store and a real etcd through its v3 JSON gateway.

One global revision, per-key revisions, compare-and-swap, tombstones, watch replay. A real etcd store starts at
whatever revision the etcd server is at, so revisions are asserted relative to the store's start (`rev(n)`: the
embedded store's revision n). The etcd tests start a throwaway etcd on a free loopback port and skip only when no
`etcd` binary exists (`.ci/run` installs Debian's etcd-server).
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator

import pytest
from conftest import ETCD, ETCDCTL, NO_ETCD

from kubeteach.etcd import CompareFailed, Etcd, WatchEvent
from kubeteach.etcd_remote import EtcdUnavailable, RemoteEtcd, prefix_end

needs_etcd = pytest.mark.skipif(NO_ETCD is not None, reason=str(NO_ETCD))

Store = Etcd | RemoteEtcd


def _free_ports(n: int = 1) -> list[int]:
    """`n` distinct free loopback ports (held open together, so the kernel cannot hand out one twice)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@pytest.fixture(scope="module")
def etcd_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway single-member etcd on loopback (client and peer on free ports, a temp data dir), killed after."""
    if NO_ETCD:
        pytest.skip(NO_ETCD)
    data = tmp_path_factory.mktemp("etcd")
    client, peer = _free_ports(2)
    url, peer_url = f"http://127.0.0.1:{client}", f"http://127.0.0.1:{peer}"
    proc = subprocess.Popen([ETCD, "--name", "kubeteach", "--data-dir", str(data / "data"),
                             "--listen-client-urls", url, "--advertise-client-urls", url,
                             "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
                             "--initial-cluster", f"kubeteach={peer_url}"],
                            stdout=subprocess.DEVNULL, stderr=(data / "etcd.log").open("wb"))
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("etcd did not start: " + (data / "etcd.log").read_text()[-2000:]) from None
                time.sleep(0.1)
        yield url
    finally:
        proc.kill()
        proc.wait()


def _wipe(url: str) -> None:
    """Delete every key, so each test starts from an empty store (the revision keeps counting, as in etcd)."""
    body = json.dumps({"key": "AA==", "range_end": "AA=="}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{url}/v3/kv/deleterange", body), timeout=5).read()


@pytest.fixture(params=["embedded", pytest.param("etcd", marks=needs_etcd)])
def e(request: pytest.FixtureRequest) -> Store:
    """An empty store of each kind."""
    if request.param == "embedded":
        return Etcd()
    url = request.getfixturevalue("etcd_url")
    _wipe(url)
    return RemoteEtcd(url)


@pytest.fixture
def rev(e: Store) -> Callable[[int], int]:
    """The store's revision that the embedded store would call `n`."""
    offset = getattr(e, "offset", 0)
    return lambda n: n + offset


def test_a_fresh_store_is_at_revision_1_and_empty(e, rev):
    assert e.revision == rev(1)
    assert e.get("/registry/pods/default/a") is None
    assert e.keys() == []


def test_every_write_bumps_the_one_global_revision(e, rev):
    e.put("/a", {"n": 1})
    e.put("/b", {"n": 1})
    e.put("/a", {"n": 2})
    assert e.revision == rev(4)


def test_create_and_mod_revision_and_version_per_key(e, rev):
    first = e.put("/a", {"n": 1})
    assert (first.create_revision, first.mod_revision, first.version) == (rev(2), rev(2), 1)
    e.put("/b", {"n": 1})                        # another key moves the global revision only
    second = e.put("/a", {"n": 2})
    assert (second.create_revision, second.mod_revision, second.version) == (rev(2), rev(4), 2)
    kv = e.get("/a")
    assert kv.value == {"n": 2} and kv.mod_revision == rev(4) and kv.version == 2
    assert e.get("/b").version == 1 and e.get("/b").create_revision == rev(3)


def test_compare_and_swap_on_mod_revision(e, rev):
    kv = e.put("/a", {"n": 1})
    swapped = e.put("/a", {"n": 2}, expected_mod_revision=kv.mod_revision)
    assert swapped.mod_revision == rev(3)


def test_failed_compare_writes_nothing(e, rev):
    e.put("/a", {"n": 1})                        # mod revision 2
    e.put("/a", {"n": 2})                        # mod revision 3
    with pytest.raises(CompareFailed) as err:
        e.put("/a", {"n": 3}, expected_mod_revision=rev(2))
    assert (err.value.key, err.value.expected, err.value.actual) == ("/a", rev(2), rev(3))
    assert e.revision == rev(3)
    assert e.get("/a").value == {"n": 2} and e.get("/a").version == 2
    assert len(e.history("/a")) == 2


def test_create_only_if_absent_is_compare_on_zero(e, rev):
    e.put("/a", {"n": 1}, expected_mod_revision=0)
    with pytest.raises(CompareFailed) as err:
        e.put("/a", {"n": 2}, expected_mod_revision=0)
    assert err.value.actual == rev(2)
    assert e.revision == rev(2)


def test_delete_with_a_stale_revision_fails_and_keeps_the_key(e, rev):
    e.put("/a", {"n": 1})
    e.put("/a", {"n": 2})
    with pytest.raises(CompareFailed):
        e.delete("/a", expected_mod_revision=rev(2))
    assert e.revision == rev(3) and e.get("/a") is not None


def test_delete_leaves_a_tombstone_in_history(e, rev):
    e.put("/a", {"n": 1})
    e.put("/a", {"n": 2})
    prev = e.delete("/a")
    assert prev.value == {"n": 2} and prev.mod_revision == rev(3)
    assert e.revision == rev(4)
    assert e.get("/a") is None and e.keys() == []
    history = e.history("/a")
    assert [ev.type for ev in history] == ["ADDED", "MODIFIED", "DELETED"]
    tomb = history[-1]
    assert tomb.revision == rev(4)
    assert tomb.kv.mod_revision == rev(4) and tomb.kv.version == 0 and tomb.kv.create_revision == 0
    assert tomb.prev.value == {"n": 2}


def test_deleting_a_missing_key_writes_nothing(e, rev):
    assert e.delete("/nothing") is None
    assert e.revision == rev(1)


def test_a_key_created_again_after_delete_starts_over(e, rev):
    e.put("/a", {"n": 1})
    e.delete("/a")
    again = e.put("/a", {"n": 1})
    assert (again.create_revision, again.mod_revision, again.version) == (rev(4), rev(4), 1)


def test_keys_are_sorted_and_prefix_bounded(e):
    for key in ("/registry/pods/default/c", "/registry/pods/default/a", "/registry/podsx/b",
                "/registry/pods/kube-system/b", "/registry/deployments/default/a"):
        e.put(key, {})
    assert e.keys("/registry/pods/") == ["/registry/pods/default/a", "/registry/pods/default/c",
                                         "/registry/pods/kube-system/b"]
    assert e.keys("/registry/pods/default/") == ["/registry/pods/default/a", "/registry/pods/default/c"]
    assert e.keys() == sorted(e.keys())
    assert e.count("/registry/pods/") == 3
    assert [kv.key for kv in e.range("/registry/deployments/")] == ["/registry/deployments/default/a"]


def _changes(e: Store) -> tuple[int, int, int]:
    a = e.put("/registry/pods/default/a", {"v": 1}).mod_revision
    m = e.put("/registry/pods/default/a", {"v": 2}).mod_revision
    e.put("/registry/deployments/default/x", {"v": 1})
    e.delete("/registry/pods/default/a")
    return a, m, e.revision


def test_watch_from_a_revision_replays_in_order(e):
    added, modified, deleted = _changes(e)
    seen: list[WatchEvent] = []
    e.watch("/registry/pods/", seen.append, start_revision=added)
    assert [(ev.type, ev.revision) for ev in seen] == [("ADDED", added), ("MODIFIED", modified),
                                                       ("DELETED", deleted)]
    assert seen[1].prev.value == {"v": 1} and seen[1].kv.value == {"v": 2}


def test_watch_from_a_later_revision_skips_what_came_before(e):
    _, modified, deleted = _changes(e)
    seen: list[WatchEvent] = []
    e.watch("/registry/pods/", seen.append, start_revision=modified)
    assert [ev.type for ev in seen] == ["MODIFIED", "DELETED"]


def test_watch_delivers_live_changes_under_its_prefix_only(e):
    seen: list[WatchEvent] = []
    w = e.watch("/registry/pods/", seen.append)
    e.put("/registry/pods/default/a", {})
    e.put("/registry/deployments/default/a", {})
    e.put("/registry/pods/default/a", {"x": 1})
    assert [(ev.type, ev.kv.key) for ev in seen] == [("ADDED", "/registry/pods/default/a"),
                                                     ("MODIFIED", "/registry/pods/default/a")]
    w.cancel()
    e.delete("/registry/pods/default/a")
    assert len(seen) == 2


def test_events_since_a_revision(e):
    added, modified, deleted = _changes(e)
    assert [ev.revision for ev in e.events(modified)] == [modified + 1, deleted]
    assert [ev.type for ev in e.events(0, "/registry/pods/")] == ["ADDED", "MODIFIED", "DELETED"]


# --- the real etcd only --------------------------------------------------------------------------------------


def test_prefix_end_is_the_last_byte_plus_one():
    import base64

    assert base64.b64decode(prefix_end("/registry/pods/")) == b"/registry/pods0"
    assert base64.b64decode(prefix_end("/registry/minions/")) == b"/registry/minions0"


@needs_etcd
def test_values_are_json_in_etcd_and_revisions_are_etcds(etcd_url):
    _wipe(etcd_url)
    store = RemoteEtcd(etcd_url)
    kv = store.put("/registry/pods/default/a", {"kind": "Pod", "metadata": {"name": "a"}})
    raw = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"{etcd_url}/v3/kv/range", json.dumps({"key": "L3JlZ2lzdHJ5L3BvZHMvZGVmYXVsdC9h"}).encode()),
        timeout=5).read())
    import base64

    assert json.loads(base64.b64decode(raw["kvs"][0]["value"])) == {"kind": "Pod", "metadata": {"name": "a"}}
    assert int(raw["kvs"][0]["mod_revision"]) == kv.mod_revision == int(raw["header"]["revision"])


@needs_etcd
def test_a_store_opened_fresh_forgets_the_registry_but_not_other_keys(etcd_url):
    _wipe(etcd_url)
    first = RemoteEtcd(etcd_url)
    first.put("/registry/pods/default/a", {})
    first.put("/other/key", {"n": 1})
    second = RemoteEtcd(etcd_url)
    assert second.keys("/registry/") == []
    assert second.get("/other/key").value == {"n": 1}
    assert second.offset == second.revision - 1


@needs_etcd
def test_an_etcd_holding_someone_elses_registry_is_refused_and_left_alone(etcd_url):
    _wipe(etcd_url)
    body = json.dumps({"key": base64.b64encode(b"/registry/pods/prod/web").decode(), "value": "e30="}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{etcd_url}/v3/kv/put", body), timeout=5).read()
    with pytest.raises(EtcdUnavailable, match="already holds 1 keys under /registry/ that kubeteach did not write"):
        RemoteEtcd(etcd_url)
    assert RemoteEtcd(etcd_url, fresh=False).get("/registry/pods/prod/web") is not None
    _wipe(etcd_url)


@needs_etcd
def test_the_seed_story_on_a_real_etcd_matches_the_embedded_one_modulo_the_revision_offset(etcd_url, in_repo):
    """Same seed, same trace: records, objects and revisions (less the etcd's starting revision) are equal."""
    from kubeteach.cluster import Cluster

    def story(**kw) -> tuple[Cluster, list]:
        c = Cluster(**kw)
        assert c.kubectl("create -f data/deployment.yaml").returncode == 0
        c.run()
        assert c.kubectl("set image deployment/nginx nginx=nginx:1.26").returncode == 0
        c.run()
        off = getattr(c.etcd, "offset", 0)
        return c, [(r.time, r.actor, r.action, r.object,
                    {k: v - off if k == "revision" and isinstance(v, int) else v for k, v in r.detail.items()})
                   for r in c.trace]

    _wipe(etcd_url)
    RemoteEtcd(etcd_url).put("/registry/leftover", {})     # a used etcd: the story's revisions start later
    embedded, a = story()
    real, b = story(etcd=etcd_url)
    assert real.etcd.offset > 0
    assert len(a) > 100 and a == b
    assert real.etcd.revision - real.etcd.offset == embedded.etcd.revision
    d = real.get("deployment", "nginx")
    assert int(d["metadata"]["resourceVersion"]) == real.etcd.get("/registry/deployments/default/nginx").mod_revision
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert [k for k in real.etcd.keys("/registry/minions/")] == [
        "/registry/minions/node-1", "/registry/minions/node-2", "/registry/minions/node-3"]
    out = subprocess.run([ETCDCTL, "--endpoints", etcd_url, "get", "/registry/deployments/default/nginx",
                          "--print-value-only"], capture_output=True, text=True, check=True,
                         env={"ETCDCTL_API": "3", "PATH": "/usr/bin:/bin"}).stdout
    stored = json.loads(out)
    assert stored["metadata"]["name"] == "nginx" and "resourceVersion" not in stored["metadata"]
    assert stored["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"


@needs_etcd
def test_an_unreachable_etcd_is_a_clear_error():
    from kubeteach.etcd_remote import EtcdUnavailable

    with pytest.raises(EtcdUnavailable, match="etcd at http://127.0.0.1:"):
        RemoteEtcd(f"http://127.0.0.1:{_free_ports()[0]}", timeout=1)
