"""The default cluster of DESIGN.md, its definition file, and the public face of kubeteach."""

from pathlib import Path

import pytest

import kubeteach as kt
from kubeteach.cluster import default_definition

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_v1_35():
    assert kt.KUBERNETES_VERSION == "v1.35"


def test_data_cluster_yaml_is_the_default_definition():
    assert (ROOT / "data" / "cluster.yaml").read_text() == (ROOT / "kubeteach" / "catalog" / "cluster.yaml").read_text()
    c = kt.Cluster.from_file(ROOT / "data" / "cluster.yaml")
    assert c.definition == default_definition()


def test_default_cluster_has_three_worker_nodes_with_pod_cidrs():
    c = kt.Cluster()
    nodes = c.list("nodes")
    assert [n["metadata"]["name"] for n in nodes] == ["node-1", "node-2", "node-3"]
    assert [n["spec"]["podCIDR"] for n in nodes] == ["10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"]
    for n in nodes:
        assert not any(k.startswith("node-role.kubernetes.io/") for k in n["metadata"]["labels"])
        assert n["status"]["capacity"]["cpu"] == "2" and n["status"]["allocatable"]["cpu"] == "1900m"
        assert n["status"]["allocatable"]["memory"] == "3840Mi"
        assert not n["spec"].get("taints")
    assert c.etcd.get("/registry/minions/node-1") is not None


def test_default_storage_class_and_users():
    c = kt.Cluster()
    (sc,) = c.list("storageclasses")
    assert sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    assert set(c.users) == {"admin", "dev"}
    assert c.users["admin"].credentials.cert_pem and c.users["dev"].credentials.token
    kc = c.kubeconfig()
    assert kc["current-context"] == "admin" and {u["name"] for u in kc["users"]} == {"admin", "dev"}


def test_more_nodes_and_seed():
    c = kt.Cluster(nodes=10, seed=7)
    assert len(c.list("nodes")) == 10 and c.seed == 7
    assert c.get("node", "node-10")["spec"]["podCIDR"] == "10.244.10.0/24"


def test_same_seed_same_uids():
    a, b = kt.Cluster(seed=3), kt.Cluster(seed=3)
    for c in (a, b):
        c.kubectl("create -f " + str(ROOT / "data" / "deployment.yaml"))
    assert a.get("deployment", "nginx")["metadata"]["uid"] == b.get("deployment", "nginx")["metadata"]["uid"]
    assert [str(r) for r in a.trace] == [str(r) for r in b.trace]


def test_stored_is_not_running_without_controllers():
    c = kt.Cluster(components=[])
    r = c.kubectl("create -f " + str(ROOT / "data" / "deployment.yaml"))
    assert r.stdout == "deployment.apps/nginx created\n"
    assert c.step() is None and c.list("replicasets") == [] and c.list("pods") == []
    text = c.trace.text()
    assert "put /registry/deployments/default/nginx at revision" in text
    assert "to 0 watchers" in text


def test_big_clusters_get_a_wider_cluster_cidr_and_unique_node_addresses():
    specs = kt.Cluster(nodes=1000, components=[]).node_specs()
    cidrs = [n["spec"]["podCIDR"] for n in specs]
    addresses = [n["status"]["addresses"][0]["address"] for n in specs]
    assert len(set(cidrs)) == 1000 and len(set(addresses)) == 1000
    # 10.244.0.0/16 holds 255 worker /24s; 1,000 nodes need a /14, which still starts at 10.244.0.0
    assert cidrs[0] == "10.244.1.0/24" and cidrs[-1] == "10.247.232.0/24"
    assert kt.Cluster(components=[]).node_specs()[2]["status"]["addresses"][0]["address"] == "172.18.0.4"


def test_a_component_the_cluster_was_built_without_can_be_started_later(in_repo):
    c = kt.Cluster(components=[])
    assert c.kubectl("create -f data/deployment.yaml").returncode == 0
    c.run()
    assert c.list("replicasets") == []          # stored is not running
    for name in ("deployment-controller", "replicaset-controller", "kube-scheduler", "kubelet"):
        c.start(name)
    assert repr(c.run()).endswith("settled>")
    assert [p["status"]["phase"] for p in c.list("pods")] == ["Running"]
    assert sorted(c.started) == ["deployment-controller", "kube-scheduler", "kubelet/node-1", "kubelet/node-2",
                                 "kubelet/node-3", "replicaset-controller"]
    with pytest.raises(KeyError):
        c.start("coredns")          # kube-proxy is a component since issue #17


def test_a_timed_run_that_leaves_work_due_says_so_not_that_it_hit_the_bound(in_repo):
    c = kt.Cluster()
    c.kubectl("create -f data/deployment.yaml")
    result = c.run(seconds=1)  # the image pull takes 2.41 s: the pod's start is still due
    assert not result.settled and "bound" not in repr(result)
    assert repr(result).endswith("work still due>")
    assert c.run(seconds=5).settled


def test_a_new_cluster_has_booted_and_the_trace_starts_with_the_first_command(in_repo):
    c = kt.Cluster()
    assert len(c.trace) == 0 and c.now == 0.0
    assert [e["reason"] for e in c.events(namespace=None)] == ["RegisteredNode"] * 3
    assert len(c.list("leases", namespace="kube-node-lease")) == 3
    c.kubectl("create -f data/deployment.yaml")
    assert (c.trace[0].actor, c.trace[0].action) == ("kubectl", "request")
    assert not any(r.actor == "node-lifecycle-controller" for r in c.trace)
