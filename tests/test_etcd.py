"""The MVCC store: one global revision, per-key revisions, compare-and-swap, tombstones, watch replay, layout."""

from __future__ import annotations

import pytest

from kubeteach.etcd import CompareFailed, Etcd, WatchEvent


def test_a_fresh_store_is_at_revision_1_and_empty():
    e = Etcd()
    assert e.revision == 1
    assert e.get("/registry/pods/default/a") is None
    assert e.keys() == []


def test_every_write_bumps_the_one_global_revision():
    e = Etcd()
    e.put("/a", {"n": 1})
    e.put("/b", {"n": 1})
    e.put("/a", {"n": 2})
    assert e.revision == 4


def test_create_and_mod_revision_and_version_per_key():
    e = Etcd()
    first = e.put("/a", {"n": 1})
    assert (first.create_revision, first.mod_revision, first.version) == (2, 2, 1)
    e.put("/b", {"n": 1})                        # another key moves the global revision only
    second = e.put("/a", {"n": 2})
    assert (second.create_revision, second.mod_revision, second.version) == (2, 4, 2)
    kv = e.get("/a")
    assert kv.value == {"n": 2} and kv.mod_revision == 4 and kv.version == 2
    assert e.get("/b").version == 1 and e.get("/b").create_revision == 3


def test_compare_and_swap_on_mod_revision():
    e = Etcd()
    kv = e.put("/a", {"n": 1})
    swapped = e.put("/a", {"n": 2}, expected_mod_revision=kv.mod_revision)
    assert swapped.mod_revision == 3


def test_failed_compare_writes_nothing():
    e = Etcd()
    e.put("/a", {"n": 1})                        # mod revision 2
    e.put("/a", {"n": 2})                        # mod revision 3
    with pytest.raises(CompareFailed) as err:
        e.put("/a", {"n": 3}, expected_mod_revision=2)
    assert (err.value.key, err.value.expected, err.value.actual) == ("/a", 2, 3)
    assert e.revision == 3
    assert e.get("/a").value == {"n": 2} and e.get("/a").version == 2
    assert len(e.history("/a")) == 2


def test_create_only_if_absent_is_compare_on_zero():
    e = Etcd()
    e.put("/a", {"n": 1}, expected_mod_revision=0)
    with pytest.raises(CompareFailed) as err:
        e.put("/a", {"n": 2}, expected_mod_revision=0)
    assert err.value.actual == 2
    assert e.revision == 2


def test_delete_with_a_stale_revision_fails_and_keeps_the_key():
    e = Etcd()
    e.put("/a", {"n": 1})
    e.put("/a", {"n": 2})
    with pytest.raises(CompareFailed):
        e.delete("/a", expected_mod_revision=2)
    assert e.revision == 3 and e.get("/a") is not None


def test_delete_leaves_a_tombstone_in_history():
    e = Etcd()
    e.put("/a", {"n": 1})
    e.put("/a", {"n": 2})
    prev = e.delete("/a")
    assert prev.value == {"n": 2} and prev.mod_revision == 3
    assert e.revision == 4
    assert e.get("/a") is None and e.keys() == []
    history = e.history("/a")
    assert [ev.type for ev in history] == ["ADDED", "MODIFIED", "DELETED"]
    tomb = history[-1]
    assert tomb.revision == 4
    assert tomb.kv.mod_revision == 4 and tomb.kv.version == 0 and tomb.kv.create_revision == 0
    assert tomb.prev.value == {"n": 2}


def test_deleting_a_missing_key_writes_nothing():
    e = Etcd()
    assert e.delete("/nothing") is None
    assert e.revision == 1


def test_a_key_created_again_after_delete_starts_over():
    e = Etcd()
    e.put("/a", {"n": 1})
    e.delete("/a")
    again = e.put("/a", {"n": 1})
    assert (again.create_revision, again.mod_revision, again.version) == (4, 4, 1)


def test_keys_are_sorted_and_prefix_bounded():
    e = Etcd()
    for key in ("/registry/pods/default/c", "/registry/pods/default/a", "/registry/podsx/b",
                "/registry/pods/kube-system/b", "/registry/deployments/default/a"):
        e.put(key, {})
    assert e.keys("/registry/pods/") == ["/registry/pods/default/a", "/registry/pods/default/c",
                                         "/registry/pods/kube-system/b"]
    assert e.keys("/registry/pods/default/") == ["/registry/pods/default/a", "/registry/pods/default/c"]
    assert e.keys() == sorted(e.keys())
    assert e.count("/registry/pods/") == 3
    assert [kv.key for kv in e.range("/registry/deployments/")] == ["/registry/deployments/default/a"]


def _changes(e: Etcd) -> tuple[int, int, int]:
    a = e.put("/registry/pods/default/a", {"v": 1}).mod_revision
    m = e.put("/registry/pods/default/a", {"v": 2}).mod_revision
    e.put("/registry/deployments/default/x", {"v": 1})
    e.delete("/registry/pods/default/a")
    return a, m, e.revision


def test_watch_from_a_revision_replays_in_order():
    e = Etcd()
    added, modified, deleted = _changes(e)
    seen: list[WatchEvent] = []
    e.watch("/registry/pods/", seen.append, start_revision=added)
    assert [(ev.type, ev.revision) for ev in seen] == [("ADDED", added), ("MODIFIED", modified),
                                                       ("DELETED", deleted)]
    assert seen[1].prev.value == {"v": 1} and seen[1].kv.value == {"v": 2}


def test_watch_from_a_later_revision_skips_what_came_before():
    e = Etcd()
    _, modified, deleted = _changes(e)
    seen: list[WatchEvent] = []
    e.watch("/registry/pods/", seen.append, start_revision=modified)
    assert [ev.type for ev in seen] == ["MODIFIED", "DELETED"]


def test_watch_delivers_live_changes_under_its_prefix_only():
    e = Etcd()
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


def test_events_since_a_revision():
    e = Etcd()
    added, modified, deleted = _changes(e)
    assert [ev.revision for ev in e.events(modified)] == [modified + 1, deleted]
    assert [ev.type for ev in e.events(0, "/registry/pods/")] == ["ADDED", "MODIFIED", "DELETED"]


# --- the layout the API server writes --------------------------------------------------------------------------


def test_registry_layout_of_a_new_cluster(bare):
    keys = bare.etcd.keys("/registry/")
    assert "/registry/minions/node-1" in keys
    assert [k for k in keys if k.startswith("/registry/minions/")] == [
        "/registry/minions/node-1", "/registry/minions/node-2", "/registry/minions/node-3"]
    assert not [k for k in keys if k.startswith("/registry/nodes/")]
    # cluster-scoped objects have no namespace segment
    assert "/registry/namespaces/default" in keys
    assert "/registry/clusterroles/cluster-admin" in keys
    assert "/registry/clusterrolebindings/cluster-admin" in keys
    assert "/registry/storageclasses/standard" in keys
    # namespaced ones do
    assert "/registry/serviceaccounts/kube-system/default" in keys


def test_node_value_and_resource_version(bare):
    kv = bare.etcd.get("/registry/minions/node-1")
    assert kv.value["kind"] == "Node" and kv.value["metadata"]["name"] == "node-1"
    assert "namespace" not in kv.value["metadata"]
    assert bare.get("node", "node-1")["metadata"]["resourceVersion"] == str(kv.mod_revision)


def test_a_created_deployment_lands_under_its_plain_resource_name(bare):
    from conftest import deployment

    before = bare.etcd.revision
    bare.client("admin").create("deployments", deployment(), "default")
    assert bare.etcd.revision == before + 1
    kv = bare.etcd.get("/registry/deployments/default/nginx")
    assert kv is not None and kv.create_revision == kv.mod_revision == bare.etcd.revision and kv.version == 1
    assert not bare.etcd.keys("/registry/deployments.apps/") and not bare.etcd.keys("/registry/apps/")
    # resourceVersion is never stored; it is the key's mod revision, set on every read
    assert "resourceVersion" not in kv.value["metadata"]
