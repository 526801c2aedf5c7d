"""The kube-controller-manager's system controllers: garbage collector, node lifecycle and taint eviction, the
PV binder with the CSI provisioner, and attach/detach with the CSI attacher (reference sheet §6, §4.8)."""

from __future__ import annotations

import hashlib
import re

import pytest
from conftest import new_controllers

from kubeteach.cluster import Cluster
from kubeteach.controllers.attachdetach import AttachDetachController, CSIAttacher
from kubeteach.controllers.garbagecollector import GarbageCollector
from kubeteach.controllers.nodelifecycle import NodeLifecycleController
from kubeteach.controllers.provisioner import CSIProvisioner
from kubeteach.controllers.tainteviction import TaintEvictionController, get_min_toleration_time
from kubeteach.controllers.volume import (
    PersistentVolumeBinderController,
    PVCProtectionController,
    PVProtectionController,
)
from kubeteach.objects import get_condition, micro_timestamp, timestamp


def start(*classes):
    """A cluster with no default components, and just these controllers on one kcm informer factory."""
    c = Cluster(components=[])
    ctrls = new_controllers(c, *classes)
    ctrls[0].factory.start()
    admin = c.client("admin")
    admin.verbose = False
    return c, admin, ctrls


def texts(c: Cluster, actor: str) -> list[str]:
    return [r.text() for r in c.trace.by(actor)]


def events(c: Cluster, reason: str) -> list[dict]:
    return [e for e in c.events() if e["reason"] == reason]


# --- garbage collector ---------------------------------------------------------------------------------------------

def owner_ref(obj: dict, block: bool = True) -> dict:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": block}


def template() -> dict:
    return {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}


def family(admin) -> tuple[dict, dict, list[dict]]:
    """A Deployment owning a ReplicaSet owning two (unscheduled) pods, created by hand."""
    d = admin.create("deployments", {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nginx"},
                                     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "nginx"}},
                                              "template": template()}}, "default")
    rs = admin.create("replicasets", {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                      "metadata": {"name": "nginx-6b7f", "ownerReferences": [owner_ref(d)]},
                                      "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "nginx"}},
                                               "template": template()}}, "default")
    pods = [admin.create("pods", {"apiVersion": "v1", "kind": "Pod",
                                  "metadata": {"name": f"nginx-6b7f-{s}", "labels": {"app": "nginx"},
                                               "ownerReferences": [owner_ref(rs)]},
                                  "spec": template()["spec"]}, "default") for s in ("abcde", "fghij")]
    return d, rs, pods


def test_gc_deletes_dependents_of_a_deleted_owner_in_background():
    c, admin, _ = start(GarbageCollector)
    d, rs, _ = family(admin)
    admin.delete("deployments", "default", "nginx")            # apps/v1 default: background
    assert c.get("deployment", "nginx") is None
    c.run()
    assert c.list("replicasets") == [] and c.list("pods") == []
    said = texts(c, "garbage-collector")
    assert (f"ReplicaSet default/nginx-6b7f has no live owner (Deployment nginx, uid {d['metadata']['uid']} is "
            f"gone): delete it in background") in said
    assert (f"Pod default/nginx-6b7f-abcde has no live owner (ReplicaSet nginx-6b7f, uid {rs['metadata']['uid']} "
            f"is gone): delete it in background") in said


def test_gc_foreground_waits_for_blocking_dependents_then_removes_the_finalizer():
    c, admin, _ = start(GarbageCollector)
    family(admin)
    admin.delete("deployments", "default", "nginx", propagationPolicy="Foreground")
    d = c.get("deployment", "nginx")
    assert d["metadata"]["finalizers"] == ["foregroundDeletion"] and d["metadata"]["deletionTimestamp"]
    c.step()                                                    # first unit: the ReplicaSet, in foreground too
    rs = c.get("replicaset", "nginx-6b7f")
    assert rs["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert c.get("deployment", "nginx") is not None
    c.run()
    assert c.get("deployment", "nginx") is None and c.list("replicasets") == [] and c.list("pods") == []
    said = texts(c, "garbage-collector")
    assert ("Deployment default/nginx is being deleted in foreground: waiting for 1 dependent with "
            "blockOwnerDeletion: ReplicaSet default/nginx-6b7f") in said
    done = [s for s in said if s.endswith("has no blocking dependents left: remove its foregroundDeletion finalizer")]
    assert done == ["ReplicaSet default/nginx-6b7f has no blocking dependents left: remove its foregroundDeletion "
                    "finalizer", "Deployment default/nginx has no blocking dependents left: remove its "
                    "foregroundDeletion finalizer"]
    # the pods went before the ReplicaSet, which went before the Deployment
    deleted = [r.object for r in c.trace if r.action == "stored" and r.detail.get("op") == "deleted"]
    assert deleted == ["/registry/pods/default/nginx-6b7f-abcde", "/registry/pods/default/nginx-6b7f-fghij",
                       "/registry/replicasets/default/nginx-6b7f", "/registry/deployments/default/nginx"]


def test_gc_foreground_does_not_wait_for_non_blocking_dependents():
    c, admin, _ = start(GarbageCollector)
    d = admin.create("deployments", {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nginx"},
                                     "spec": {"selector": {"matchLabels": {"app": "nginx"}},
                                              "template": template()}}, "default")
    admin.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "loose", "ownerReferences": [owner_ref(d, block=False)]}, "spec": template()["spec"]}, "default")
    admin.delete("deployments", "default", "nginx", propagationPolicy="Foreground")
    c.run()
    assert c.get("deployment", "nginx") is None and c.list("pods") == []
    said = texts(c, "garbage-collector")
    assert not [s for s in said if "waiting for" in s]          # nothing blocks it
    assert "Deployment default/nginx has no blocking dependents left: remove its foregroundDeletion finalizer" in said


def test_gc_orphan_strips_owner_references_then_the_finalizer():
    c, admin, _ = start(GarbageCollector)
    _, rs, _ = family(admin)
    admin.delete("deployments", "default", "nginx", propagationPolicy="Orphan")
    assert c.get("deployment", "nginx")["metadata"]["finalizers"] == ["orphan"]
    c.run()
    assert c.get("deployment", "nginx") is None
    (left,) = c.list("replicasets")
    assert not left["metadata"].get("ownerReferences")
    assert [p["metadata"]["ownerReferences"][0]["uid"] for p in c.list("pods")] == [rs["metadata"]["uid"]] * 2
    assert ("Deployment default/nginx was deleted with propagationPolicy Orphan: remove its ownerReference from 1 "
            "dependent: ReplicaSet default/nginx-6b7f, then its orphan finalizer") in texts(c, "garbage-collector")


def test_gc_uid_mismatch_counts_as_gone_and_a_live_owner_keeps_its_reference():
    c, admin, _ = start(GarbageCollector)
    d, rs, _ = family(admin)
    stale = {**owner_ref(rs), "uid": "00000000-0000-4000-8000-000000000000"}
    admin.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stale", "ownerReferences": [stale]},
                          "spec": template()["spec"]}, "default")
    two = [owner_ref(d, block=False) | {"controller": False}, stale]
    admin.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "two", "ownerReferences": two},
                          "spec": template()["spec"]}, "default")
    c.run()
    assert c.get("pod", "stale") is None
    refs = c.get("pod", "two")["metadata"]["ownerReferences"]
    assert [r["uid"] for r in refs] == [d["metadata"]["uid"]]
    assert len(c.list("pods")) == 3                             # the ReplicaSet's two pods are untouched


# --- node lifecycle and taint eviction -----------------------------------------------------------------------------

class Kubelets:
    """Stand-in kubelets: each renews its node's Lease every 10 s while it is alive."""

    def __init__(self, c: Cluster, admin):
        self.c, self.admin = c, admin
        self.alive = {n["metadata"]["name"] for n in c.list("nodes")}
        for name in sorted(self.alive):
            admin.create("leases", {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                    "metadata": {"name": name, "namespace": "kube-node-lease"},
                                    "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                                             "renewTime": micro_timestamp(c.now)}})
        self.component = c.component("test-kubelets")
        c.loop.schedule(10.0, self.component, self, "renew", kind="periodic")

    def renew(self) -> None:
        for name in sorted(self.alive):
            lease = self.admin.get("leases", "kube-node-lease", name)
            lease["spec"]["renewTime"] = micro_timestamp(self.c.now)
            self.admin.update("leases", lease)
        self.c.loop.schedule(10.0, self.component, self, "renew", kind="periodic")

    def post_ready(self, name: str) -> None:
        """What a kubelet coming back does: post Ready=True with a fresh heartbeat."""
        node = self.admin.get("nodes", "", name)
        for cond in node["status"]["conditions"]:
            status = "True" if cond["type"] == "Ready" else "False"
            if cond["status"] != status:
                cond["lastTransitionTime"] = timestamp(self.c.now)
            cond.update(status=status, lastHeartbeatTime=timestamp(self.c.now))
        self.admin.update_status("nodes", node)
        self.alive.add(name)


def ready_pod(c: Cluster, admin, name: str = "web", node: str = "node-2", **spec) -> dict:
    pod = admin.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                                "spec": {"nodeName": node, "containers": [{"name": "web", "image": "nginx"}],
                                         **spec}}, "default")
    pod["status"]["conditions"] = [{"type": "Ready", "status": "True", "lastProbeTime": None,
                                    "lastTransitionTime": timestamp(c.now)}]
    return admin.update_status("pods", pod)


def taint_keys(node: dict) -> list[tuple[str, str]]:
    return [(t["key"], t["effect"]) for t in node["spec"].get("taints") or []]


@pytest.fixture
def dying_node():
    """Three nodes with leases renewed at 0, 10 and 20 s; then node-2's kubelet stops (last renewal at t=20)."""
    c, admin, _ = start(NodeLifecycleController, TaintEvictionController)
    kubelets = Kubelets(c, admin)
    ready_pod(c, admin)
    c.run(seconds=20)
    kubelets.alive.discard("node-2")
    return c, admin, kubelets


def test_node_goes_unknown_after_the_grace_period(dying_node):
    c, admin, _ = dying_node
    c.run(seconds=50)                                           # t=70: 50 s since the last renewal, not more
    assert get_condition(c.get("node", "node-2"), "Ready")["status"] == "True"
    c.run(seconds=5)                                            # t=75: the monitor pass after 70
    node = c.get("node", "node-2")
    for ctype in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure"):
        cond = get_condition(node, ctype)
        assert (cond["status"], cond["reason"], cond["message"]) == (
            "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
        assert cond["lastTransitionTime"] == timestamp(75)
    assert get_condition(c.get("node", "node-1"), "Ready")["status"] == "True"
    (ev,) = events(c, "NodeNotReady")[:1]
    assert ev["message"] == "Node node-2 status is now: NodeNotReady" and ev["source"]["component"] == "node-controller"
    assert get_condition(c.get("pod", "web"), "Ready")["status"] == "False"
    assert ("node node-2: nothing heard for 55s (Lease renewTime 2026-01-01T00:00:20.000000Z, Ready lastHeartbeatTime "
            "2026-01-01T00:00:00Z) > node-monitor-grace-period 50s: Ready, MemoryPressure, DiskPressure, PIDPressure "
            "→ Unknown (NodeStatusUnknown: Kubelet stopped posting node status.)") in texts(c, "node-lifecycle-controller")
    assert taint_keys(node) == [("node.kubernetes.io/unreachable", "NoSchedule")]


def test_unreachable_node_gets_the_noexecute_taint_and_pods_go_after_300s(dying_node):
    c, admin, _ = dying_node
    c.run(seconds=61)                                           # t=80: observed Unknown -> queued; tainted at 80.1
    node = c.get("node", "node-2")
    assert taint_keys(node) == [("node.kubernetes.io/unreachable", "NoSchedule"),
                                ("node.kubernetes.io/unreachable", "NoExecute")]
    assert node["spec"]["taints"][1]["timeAdded"] == timestamp(80)
    c.run(seconds=299)                                          # t=380: the eviction is due at 380.1
    assert not c.get("pod", "web")["metadata"].get("deletionTimestamp")
    c.run(seconds=1)
    pod = c.get("pod", "web")
    assert pod["metadata"]["deletionTimestamp"]                 # its kubelet is down: it stays Terminating
    cond = get_condition(pod, "DisruptionTarget")
    assert (cond["status"], cond["reason"], cond["message"]) == (
        "True", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint")
    (ev,) = events(c, "TaintManagerEviction")
    assert ev["message"] == "Marking for deletion Pod default/web"
    assert ev["source"]["component"] == "taint-eviction-controller"
    assert ("pod default/web on node node-2 tolerates node.kubernetes.io/unreachable:NoExecute for 300s (the minimum "
            "tolerationSeconds of the matching tolerations): delete it at t=380.100s") in texts(
        c, "taint-eviction-controller")


def test_heartbeats_returning_remove_the_taints_and_cancel_the_eviction(dying_node):
    c, admin, kubelets = dying_node
    c.run(seconds=100)                                          # t=120: tainted, eviction due at 380.1
    kubelets.post_ready("node-2")
    c.run(seconds=10)
    assert taint_keys(c.get("node", "node-2")) == []
    assert [e["message"] for e in events(c, "TaintManagerEviction")] == ["Cancelling deletion of Pod default/web"]
    c.run(seconds=400)
    assert not c.get("pod", "web")["metadata"].get("deletionTimestamp")


def test_tolerations_decide_when_a_pod_goes():
    c, admin, _ = start(TaintEvictionController)
    ready_pod(c, admin, "plain", "node-1")
    ready_pod(c, admin, "brief", "node-1", tolerations=[
        {"key": "example.com/maintenance", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30}])
    ready_pod(c, admin, "forever", "node-1", tolerations=[{"key": "example.com/maintenance", "operator": "Exists"}])
    node = admin.get("nodes", "", "node-1")
    node["spec"]["taints"] = [{"key": "example.com/maintenance", "value": "true", "effect": "NoExecute"}]
    admin.update("nodes", node)
    c.run(seconds=1)
    assert c.get("pod", "plain") is None or c.get("pod", "plain")["metadata"].get("deletionTimestamp")
    assert not c.get("pod", "brief")["metadata"].get("deletionTimestamp")
    c.run(seconds=30)
    assert c.get("pod", "brief")["metadata"].get("deletionTimestamp")
    c.run(seconds=600)
    assert not c.get("pod", "forever")["metadata"].get("deletionTimestamp")
    assert ("pod default/plain on node node-1 does not tolerate example.com/maintenance=true:NoExecute: delete it now"
            in texts(c, "taint-eviction-controller"))


def test_min_toleration_time():
    assert get_min_toleration_time([]) == 0
    assert get_min_toleration_time([{"tolerationSeconds": 300}, {"tolerationSeconds": 60}]) == 60
    assert get_min_toleration_time([{"tolerationSeconds": 300}, {"tolerationSeconds": -5}]) == 0
    assert get_min_toleration_time([{"key": "a"}]) == -1


def test_node_that_never_posted_status_gets_the_startup_grace_period():
    c, admin, _ = start(NodeLifecycleController)
    Kubelets(c, admin)
    admin.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-4"}})
    c.run(seconds=60)
    assert get_condition(c.get("node", "node-4"), "Ready") is None
    c.run(seconds=5)
    cond = get_condition(c.get("node", "node-4"), "Ready")
    assert (cond["status"], cond["reason"], cond["message"]) == (
        "Unknown", "NodeStatusNeverUpdated", "Kubelet never posted node status.")


def test_noschedule_taints_follow_unschedulable_and_all_nodes_silent_means_no_noexecute():
    c, admin, _ = start(NodeLifecycleController)
    node = admin.get("nodes", "", "node-1")
    node["spec"]["unschedulable"] = True
    admin.update("nodes", node)
    c.run(seconds=1)
    assert taint_keys(c.get("node", "node-1")) == [("node.kubernetes.io/unschedulable", "NoSchedule")]
    node = admin.get("nodes", "", "node-1")
    del node["spec"]["unschedulable"]
    admin.update("nodes", node)
    c.run(seconds=100)                                          # no leases at all: every node goes Unknown
    for name in ("node-1", "node-2", "node-3"):
        assert taint_keys(c.get("node", name)) == [("node.kubernetes.io/unreachable", "NoSchedule")]
    assert ("all 3 zones have no Ready node: entering master disruption mode, no NoExecute taints"
            in texts(c, "node-lifecycle-controller"))


# --- volumes -------------------------------------------------------------------------------------------------------

VOLUME_CONTROLLERS = (PersistentVolumeBinderController, PVCProtectionController, PVProtectionController,
                      CSIProvisioner, AttachDetachController, CSIAttacher)


def claim(admin, name: str = "data", **spec) -> dict:
    return admin.create("persistentvolumeclaims", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, **spec}},
        "default")


def pod_with_claim(admin, name: str = "web", node: str = "node-2") -> dict:
    return admin.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                                 "spec": {"nodeName": node, "containers": [{"name": "web", "image": "nginx"}],
                                          "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]}},
                        "default")


def test_dynamic_provisioning_and_binding():
    c, admin, _ = start(*VOLUME_CONTROLLERS)
    pvc = claim(admin)
    c.run()
    uid = pvc["metadata"]["uid"]
    (pv,) = c.list("persistentvolumes", None)
    assert pv["metadata"]["name"] == f"pvc-{uid}"
    assert pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == "hostpath.csi.k8s.io"
    spec = pv["spec"]
    assert spec["csi"]["driver"] == "hostpath.csi.k8s.io" and spec["csi"]["fsType"] == "ext4"
    assert spec["capacity"] == {"storage": "1Gi"} and spec["accessModes"] == ["ReadWriteOnce"]
    assert spec["persistentVolumeReclaimPolicy"] == "Delete" and spec["storageClassName"] == "standard"
    assert (spec["claimRef"]["name"], spec["claimRef"]["uid"]) == ("data", uid)
    assert pv["status"]["phase"] == "Bound"
    pvc = c.get("pvc", "data")
    assert pvc["spec"]["volumeName"] == f"pvc-{uid}"
    assert pvc["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] == "yes"
    assert pvc["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] == "yes"
    assert pvc["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"] == "hostpath.csi.k8s.io"
    assert pvc["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}}
    assert [e["message"] for e in events(c, "ProvisioningSucceeded")] == [f"Successfully provisioned volume pvc-{uid}"]
    assert events(c, "ExternalProvisioning")[0]["source"]["component"] == "persistentvolume-controller"
    # the same seed gives the same volume handle
    c2, admin2, _ = start(*VOLUME_CONTROLLERS)
    claim(admin2)
    c2.run()
    assert c2.list("persistentvolumes", None)[0]["spec"]["csi"] == spec["csi"]


def test_static_volume_is_bound_by_the_controller():
    c, admin, _ = start(PersistentVolumeBinderController)
    admin.create("persistentvolumes", {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "big"},
                                       "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"],
                                                "hostPath": {"path": "/big"}}})
    admin.create("persistentvolumes", {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "small"},
                                       "spec": {"capacity": {"storage": "2Gi"}, "accessModes": ["ReadWriteOnce"],
                                                "hostPath": {"path": "/small"}}})
    claim(admin, storageClassName="")
    c.run()
    pv = c.get("pv", "small")
    assert pv["spec"]["claimRef"]["name"] == "data" and pv["status"]["phase"] == "Bound"
    assert pv["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] == "yes"
    assert c.get("pv", "big")["status"]["phase"] == "Available"
    assert c.get("pvc", "data")["status"]["capacity"] == {"storage": "2Gi"}


def test_attach_creates_a_volume_attachment_and_detach_removes_it():
    c, admin, _ = start(*VOLUME_CONTROLLERS)
    claim(admin)
    c.run()
    pod_with_claim(admin)
    c.run()
    pv = c.list("persistentvolumes", None)[0]
    (va,) = c.list("volumeattachments", None)
    name = va["metadata"]["name"]
    assert re.fullmatch(r"csi-[0-9a-f]{64}", name)
    digest = hashlib.sha256((pv["spec"]["csi"]["volumeHandle"] + "hostpath.csi.k8s.io" + "node-2").encode())
    assert name == "csi-" + digest.hexdigest()
    assert va["spec"] == {"attacher": "hostpath.csi.k8s.io", "nodeName": "node-2",
                          "source": {"persistentVolumeName": pv["metadata"]["name"]}}
    assert va["status"]["attached"] is True
    (ev,) = events(c, "SuccessfulAttachVolume")
    assert ev["message"] == f'AttachVolume.Attach succeeded for volume "{pv["metadata"]["name"]}" '
    assert ev["involvedObject"]["name"] == "web" and ev["source"]["component"] == "attachdetach-controller"
    unique = f"kubernetes.io/csi/hostpath.csi.k8s.io^{pv['spec']['csi']['volumeHandle']}"
    assert c.get("node", "node-2")["status"]["volumesAttached"] == [{"name": unique, "devicePath": ""}]
    assert "ControllerPublishVolume" in "\n".join(texts(c, "csi-attacher"))

    node = admin.get("nodes", "", "node-2")                     # the kubelet still has it mounted
    node["status"]["volumesInUse"] = [unique]
    admin.update_status("nodes", node)
    admin.delete("pods", "default", "web", gracePeriodSeconds=0)
    c.run()
    assert len(c.list("volumeattachments", None)) == 1
    node = admin.get("nodes", "", "node-2")                     # unmounted: now it may go
    del node["status"]["volumesInUse"]
    admin.update_status("nodes", node)
    c.run()
    assert c.list("volumeattachments", None) == []
    assert not c.get("node", "node-2")["status"].get("volumesAttached")
    assert "ControllerUnpublishVolume" in "\n".join(texts(c, "csi-attacher"))


def test_deleting_the_claim_deletes_the_volume():
    c, admin, _ = start(*VOLUME_CONTROLLERS)
    claim(admin)
    pod_with_claim(admin)
    c.run()
    admin.delete("persistentvolumeclaims", "default", "data")
    c.run()
    assert c.get("pvc", "data")["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]   # still in use
    admin.delete("pods", "default", "web", gracePeriodSeconds=0)
    c.run()
    assert c.list("pvc") == [] and c.list("persistentvolumes", None) == []
    assert any("DeleteVolume" in t for t in texts(c, "csi-provisioner"))


def test_orphaning_leaves_no_empty_owner_references_field(in_repo):
    """ObjectMeta.ownerReferences is `omitempty`: once the last owner is removed, the field is gone, not []."""
    import kubeteach as kt

    c = kt.Cluster()
    c.kubectl("create -f data/deployment.yaml")
    c.run()
    assert c.kubectl("delete deployment nginx --cascade=orphan").returncode == 0
    c.run()
    rs = c.list("replicasets")[0]
    assert "ownerReferences" not in rs["metadata"]
    assert "ownerReferences:" not in c.kubectl(f"get rs {rs['metadata']['name']} -o yaml").stdout


def test_pods_of_a_deleted_node_are_collected_after_the_quarantine_and_replaced(in_repo):
    """podgc gcOrphaned: 40 s after the Node is gone, its pods are marked Failed (DisruptionTarget, DeletionByPodGC)
    and force-deleted; the ReplicaSet then makes a new pod on a node that exists."""
    import kubeteach as kt

    c = kt.Cluster()
    c.kubectl("create -f data/deployment.yaml")
    c.kubectl("scale deployment nginx --replicas=3")
    c.run()
    lost = next(p for p in c.list("pods") if p["spec"]["nodeName"] == "node-3")["metadata"]["name"]
    deleted_at = c.now
    assert c.kubectl("delete node node-3").stdout == 'node "node-3" deleted\n'
    c.run(seconds=39)
    assert c.get("pod", lost) is not None                      # still quarantined
    c.run()
    gc = next(r for r in c.trace if r.action == "podgc-orphaned")
    assert (gc.actor, gc.object, gc.time) == ("pod-garbage-collector-controller", "node-3", deleted_at + 40)
    history = [e.kv.value for e in c.etcd.history(f"/registry/pods/default/{lost}") if e.kv.value]
    cond = next(x for x in history[-1]["status"]["conditions"] if x["type"] == "DisruptionTarget")
    assert (history[-1]["status"]["phase"], cond["reason"], cond["message"]) == (
        "Failed", "DeletionByPodGC", "PodGC: node no longer exists")
    assert c.get("pod", lost) is None
    pods = c.list("pods")
    assert len(pods) == 3 and all(p["spec"]["nodeName"] in ("node-1", "node-2") for p in pods)
