"""The layout the API server writes into the store: registry keys, values without resourceVersion.

The store's own behaviour (revisions, compare-and-swap, watch) is tested on both backends in test_etcd_backends.py.
"""

from __future__ import annotations

import pytest

from kubeteach.etcd import Etcd


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


def test_compaction_forgets_old_changes_keeps_values_and_refuses_reads_below_it():
    from kubeteach.etcd import Compacted

    store = Etcd()
    for i in range(5):
        store.put("/registry/a", {"i": i})
    store.put("/registry/b", {"i": 0})
    last_a = store.get("/registry/a").mod_revision
    assert store.compact(last_a - 1) == 4                      # the first four writes of /registry/a go
    assert store.get("/registry/a").value == {"i": 4} and store.get("/registry/b").value == {"i": 0}
    assert [e.revision for e in store.history("/registry/a")] == [last_a]
    assert [e.kv.key for e in store.events(last_a - 1)] == ["/registry/a", "/registry/b"]
    with pytest.raises(Compacted):
        store.events(last_a - 2)
    assert store.compact(last_a - 1) == 0                      # compacting again at the same revision is a no-op
