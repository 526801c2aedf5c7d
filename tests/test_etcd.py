"""The layout the API server writes into the store: registry keys, values without resourceVersion.

The store's own behaviour (revisions, compare-and-swap, watch) is tested on both backends in test_etcd_backends.py.
"""

from __future__ import annotations


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
