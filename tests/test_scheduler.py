"""kube-scheduler: filters, scores, selectHost, the queue, binding and failure reporting (reference sheet §3)."""

import re

import pytest
from conftest import new_scheduler

from kubeteach.cluster import Cluster
from kubeteach.scheduler import num_feasible_nodes_to_find
from kubeteach.trace import phrase

INSUFFICIENT_CPU = ("0/3 nodes are available: 3 Insufficient cpu. no new claims to deallocate, preemption: "
                    "0/3 nodes are available: 3 No preemption victims found for incoming pod.")


def make(seed=0, nodes=None):
    c = Cluster(components=[], seed=seed, nodes=nodes)
    s = new_scheduler(c)
    s.start()
    return c, s


def pod(name, cpu=None, memory=None, image="nginx:1.25", **spec):
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    container = {"name": "app", "image": image}
    if requests:
        container["resources"] = {"requests": requests}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [container], **spec}}


def create(c, *pods):
    for p in pods:
        c.client("admin").create("pods", p, "default")


def edit_node(c, name, fn, status=False):
    admin = c.client("admin")
    node = admin.get("nodes", "", name)
    fn(node)
    (admin.update_status if status else admin.update)("nodes", node)


def condition(obj, ctype):
    return next(x for x in obj["status"].get("conditions", []) if x["type"] == ctype)


def scheduled_events(c):
    return [(e["reason"], e["message"]) for e in c.events() if e["reportingComponent"] == "default-scheduler"]


def test_pod_is_bound_with_scheduled_event_and_trace():
    c, s = make()
    create(c, pod("web"))
    c.run()
    p = c.get("pod", "web")
    node = p["spec"]["nodeName"]
    assert node in {"node-1", "node-2", "node-3"}
    assert condition(p, "PodScheduled")["status"] == "True"
    assert scheduled_events(c) == [("Scheduled", f"Successfully assigned default/web to {node}")]
    (d,) = s.decisions["default/web"]
    assert d.winner == node and d.outcome == "bound" and d.feasible_count == 3
    lines = [str(r) for r in c.trace.by("default-scheduler")]
    assert any(re.search(rf"default/web: 3 of 3 nodes pass Filter; Score node-1 394, node-2 394, node-3 394 "
                         rf"\(tie: reservoir pick {node}\)", line) for line in lines)
    assert any(f"POST pods/web/binding -> {node}" in line for line in lines)
    assert c.trace.by("default-scheduler")[0].actor == "default-scheduler"


def test_best_effort_pod_scores():
    """No requests: LeastAllocated counts 100m and 200Mi; BalancedAllocation skips best-effort pods."""
    c, s = make()
    create(c, pod("be"))
    c.run()
    d = s.decisions["default/be"][-1]
    assert d.skipped_score_plugins == ["NodeAffinity", "PodTopologySpread", "InterPodAffinity",
                                       "NodeResourcesBalancedAllocation"]
    fit = d.scores["node-1"]["NodeResourcesFit"]
    # cpu (1900-100)*100/1900 = 94, memory (3840-200)*100/3840 = 94
    assert (fit.raw, fit.weighted) == (94, 94)
    taint = d.scores["node-1"]["TaintToleration"]
    assert (taint.raw, taint.normalized, taint.weighted) == (0, 100, 300)
    assert d.totals == {"node-1": 394, "node-2": 394, "node-3": 394}


def test_least_and_balanced_allocation_on_a_loaded_node():
    c, s = make()
    create(c, pod("first", cpu="1", memory="2Gi"))
    c.run()
    busy = c.get("pod", "first")["spec"]["nodeName"]
    create(c, pod("second", cpu="500m", memory="512Mi"))
    c.run()
    d = s.decisions["default/second"][-1]
    idle = [n for n in d.scores if n != busy]
    # busy: cpu (1900-1500)*100/1900 = 21, memory (3840-2560)*100/3840 = 33 -> 27;
    #       fractions 1500/1900 = 0.789, 2560/3840 = 0.667 -> (1 - 0.061) * 100 = 93
    assert d.scores[busy]["NodeResourcesFit"].raw == 27
    assert d.scores[busy]["NodeResourcesBalancedAllocation"].raw == 93
    # idle: cpu (1900-500)*100/1900 = 73, memory (3840-512)*100/3840 = 86 -> 79;
    #       fractions 0.263 and 0.133 -> (1 - 0.065) * 100 = 93
    for n in idle:
        assert d.scores[n]["NodeResourcesFit"].raw == 79
        assert d.scores[n]["NodeResourcesBalancedAllocation"].raw == 93
    assert d.totals[busy] == 300 + 27 + 93 and all(d.totals[n] == 300 + 79 + 93 for n in idle)
    assert d.winner in idle and sorted(d.tied) == sorted(idle)
    assert c.get("pod", "second")["spec"]["nodeName"] == d.winner


def test_insufficient_cpu_fit_error():
    c, s = make()
    create(c, pod("huge", cpu="2"))
    c.run()
    p = c.get("pod", "huge")
    assert not p["spec"].get("nodeName")
    cond = condition(p, "PodScheduled")
    assert (cond["status"], cond["reason"], cond["message"]) == ("False", "Unschedulable", INSUFFICIENT_CPU)
    assert scheduled_events(c) == [("FailedScheduling", INSUFFICIENT_CPU)]
    d = s.decisions["default/huge"][-1]
    assert d.feasible_count == 0 and d.message == INSUFFICIENT_CPU
    assert d.filters["node-2"]["NodeResourcesFit"].describe() == "Insufficient cpu"
    assert "NodeResourcesFit" in d.filters["node-2"] and "VolumeBinding" not in d.filters["node-2"]
    assert s.queue.pending()["unschedulablePods"] == ["default/huge"]
    # nothing changed: later flushes retry, but patch nothing new; the events.k8s.io recorder keys an event on the
    # pod's resourceVersion too, so the first condition patch starts a new event and the third attempt makes it a series
    c.run(seconds=601)
    assert len(s.decisions["default/huge"]) == 3
    first, second = [e for e in c.events() if e["reason"] == "FailedScheduling"]
    assert "series" not in first and second["series"]["count"] == 2
    assert first["involvedObject"]["resourceVersion"] != second["involvedObject"]["resourceVersion"]


def test_untolerated_taint_filter_and_toleration():
    c, s = make()
    edit_node(c, "node-1", lambda n: n["spec"].update(taints=[{"key": "dedicated", "value": "gpu",
                                                                "effect": "NoSchedule"}]))
    create(c, pod("hungry", cpu="1500m"), pod("filler2", cpu="1"))
    c.run()
    create(c, pod("x", cpu="1200m"))
    c.run()
    message = c.get("pod", "x")["status"]["conditions"][0]["message"]
    assert message == ("0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. "
                       "no new claims to deallocate, preemption: 0/3 nodes are available: 1 Preemption is not "
                       "helpful for scheduling, 2 No preemption victims found for incoming pod.")
    row = s.decisions["default/x"][-1].filters["node-1"]
    assert list(row) == ["NodeUnschedulable", "NodeName", "TaintToleration"]
    assert row["TaintToleration"].code == "UnschedulableAndUnresolvable"
    assert row["TaintToleration"].detail == ({"why": "untolerated-taint", "key": "dedicated", "value": "gpu",
                                              "effect": "NoSchedule"},)
    assert row["TaintToleration"].explain() == "untolerated taint dedicated=gpu:NoSchedule"

    tolerant = pod("t", cpu="1200m", tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu",
                                                   "effect": "NoSchedule"}])
    create(c, tolerant)
    c.run()
    assert c.get("pod", "t")["spec"]["nodeName"] == "node-1"
    assert s.decisions["default/t"][-1].tie_break == {"how": "only-feasible"}


def test_all_nodes_tainted_preemption_not_helpful():
    c, _ = make()
    for n in ("node-1", "node-2", "node-3"):
        edit_node(c, n, lambda node: node["spec"].update(taints=[{"key": "node-role.kubernetes.io/control-plane",
                                                                   "effect": "NoSchedule"}]))
    create(c, pod("p"))
    c.run()
    assert scheduled_events(c) == [("FailedScheduling", "0/3 nodes are available: 3 node(s) had untolerated "
                                    "taint(s). no new claims to deallocate, preemption: 0/3 nodes are available: "
                                    "3 Preemption is not helpful for scheduling.")]


def test_node_selector_and_preferred_affinity():
    c, s = make()
    create(c, pod("sel", nodeSelector={"topology.kubernetes.io/zone": "zone-b"}))
    pref = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 30, "preference": {"matchExpressions": [
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["zone-c"]}]}}]}}
    create(c, pod("pref", cpu="100m", affinity=pref))
    create(c, pod("nowhere", nodeSelector={"disktype": "ssd"}))
    c.run()
    assert c.get("pod", "sel")["spec"]["nodeName"] == "node-2"
    d = s.decisions["default/pref"][-1]
    assert d.scores["node-3"]["NodeAffinity"].normalized == 100 and d.scores["node-1"]["NodeAffinity"].raw == 0
    assert d.scores["node-3"]["NodeAffinity"].weighted == 200
    assert c.get("pod", "pref")["spec"]["nodeName"] == "node-3"
    assert s.decisions["default/nowhere"][-1].message.startswith(
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. no new claims to "
        "deallocate, preemption:")


def test_host_port_conflict():
    c, _ = make()
    ports = [{"name": "app", "image": "nginx:1.25", "ports": [{"containerPort": 80, "hostPort": 8080}]}]
    for i in range(4):
        create(c, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"hp{i}"},
                   "spec": {"containers": ports}})
    c.run()
    nodes = sorted(c.get("pod", f"hp{i}")["spec"].get("nodeName") or "-" for i in range(4))
    assert nodes == ["-", "node-1", "node-2", "node-3"]
    assert ("FailedScheduling", "0/3 nodes are available: 3 node(s) didn't have free ports for the requested "
            "pod ports. no new claims to deallocate, preemption: 0/3 nodes are available: 3 No preemption victims "
            "found for incoming pod.") \
        in scheduled_events(c)


def test_image_locality_uses_image_size_and_spread():
    c, s = make()
    for n in ("node-1", "node-2"):
        edit_node(c, n, lambda node: node["status"].update(images=[
            {"names": ["docker.io/library/redis:7.2", "redis:7.2"], "sizeBytes": 117212510}]), status=True)
    create(c, pod("cache", cpu="100m", image="redis:7.2"))
    c.run()
    d = s.decisions["default/cache"][-1]
    # int(117212510 * 2/3) = 78141673; 100 * (78141673 - 23Mi) / (1000Mi - 23Mi) = 5
    assert [d.scores[n]["ImageLocality"].raw for n in ("node-1", "node-2", "node-3")] == [5, 5, 0]
    assert d.winner in ("node-1", "node-2")


@pytest.mark.parametrize("nodes, percentage, expected", [
    (3, 0, 3), (50, 0, 50), (99, 0, 99), (100, 0, 100), (1000, 0, 420), (5000, 0, 500), (6000, 0, 300),
    (100_000, 0, 5000), (1000, 10, 100), (1000, 5, 100), (1000, 30, 300)])
def test_num_feasible_nodes_to_find(nodes, percentage, expected):
    assert num_feasible_nodes_to_find(nodes, percentage) == expected


def test_filter_stops_early_and_rotates_the_start_node():
    c, s = make(nodes=250)                   # 250 * (50 - 2) / 100 = 120 feasible nodes are enough
    create(c, pod("a"), pod("b"))
    c.run()
    a, b = s.decisions["default/a"][-1], s.decisions["default/b"][-1]
    assert (a.num_all_nodes, a.num_feasible_nodes_to_find, a.start_index, len(a.visited)) == (250, 120, 0, 120)
    # the node tree takes one node per zone in turn, each zone in the order the informer listed its nodes
    # (etcd key order: node-1, node-10, node-100, ...); node-1 is in zone-a, node-101 in zone-b, node-102 in zone-c
    order = [ni.name for ni in s.cache.node_infos()]
    assert order[:4] == ["node-1", "node-101", "node-102", "node-10"]
    assert a.visited == order[:120] and b.start_index == 120 and b.visited == order[120:240]
    assert s.next_start_node_index == 240
    assert re.search(r"default/a: 120 of 250 nodes pass Filter \(searched 120 of 250 nodes", str(
        next(r for r in c.trace.by("default-scheduler") if r.action == "scheduled")))


def test_tie_breaks_are_deterministic_per_seed():
    def placements(seed):
        c, s = make(seed=seed)
        create(c, *[pod(f"p{i}", cpu="100m") for i in range(6)])
        c.run()
        return [c.get("pod", f"p{i}")["spec"]["nodeName"] for i in range(6)], s

    first, s = placements(7)
    again, _ = placements(7)
    assert first == again
    d = s.decisions["default/p0"][-1]
    assert sorted(d.tied) == ["node-1", "node-2", "node-3"] and d.tie_break["how"] == "reservoir"
    assert phrase("tie-break:reservoir", d.tie_break).startswith("reservoir sampling among 3 nodes tied at")
    assert sorted(first) == ["node-1", "node-1", "node-2", "node-2", "node-3", "node-3"]   # LeastAllocated spreads


def test_stopped_scheduler_leaves_pods_pending_until_started():
    c, s = make()
    c.stop("kube-scheduler")
    create(c, pod("wait"), pod("huge", cpu="2"))
    c.run()
    assert not c.get("pod", "wait")["spec"].get("nodeName") and s.decisions == {}
    c.start("kube-scheduler")
    c.run()
    assert c.get("pod", "wait")["spec"].get("nodeName")
    assert s.queue.pending()["unschedulablePods"] == ["default/huge"]
    c.stop("kube-scheduler")
    c.start("kube-scheduler")                 # a restart retries the unschedulable pod at once
    c.run()
    assert len(s.decisions["default/huge"]) == 2
    assert any("restarted: 1 pending pod(s) back to activeQ: default/huge" in str(r) for r in c.trace)


def test_unschedulable_pod_is_retried_when_a_node_is_added():
    c, s = make()
    create(c, pod("big", cpu="3"))
    c.run()
    assert s.queue.pending()["unschedulablePods"] == ["default/big"]
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "node-4", "labels": {"kubernetes.io/hostname": "node-4"}},
            "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                       "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}}
    c.client("admin").create("nodes", node)
    assert any("NodeAdd node-4 may help 1 unschedulable pod(s): default/big" in str(r) for r in c.trace)
    c.run()
    p = c.get("pod", "big")                   # TaintNodesByCondition: a new node is not-ready:NoSchedule at first
    assert not p["spec"].get("nodeName") and c.now == 1.0      # the retry waited out the 1 s back-off
    assert condition(p, "PodScheduled")["message"].startswith(
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient cpu.")
    edit_node(c, "node-4", lambda n: n["spec"].pop("taints"))    # what the node lifecycle does once it is Ready
    assert any("NodeTaintChange node-4 may help 1 unschedulable pod(s): default/big -> backoffQ" in str(r)
               for r in c.trace)
    c.run()
    p = c.get("pod", "big")
    assert p["spec"]["nodeName"] == "node-4"
    assert phrase("tie-break:only-feasible", s.decisions["default/big"][-1].tie_break) == \
        "the only feasible node: no scoring"
    assert c.now == 3.0                       # second back-off: 2 s after the failure at 1 s


def test_deleted_unschedulable_pod_leaves_the_queue():
    c, s = make()
    create(c, pod("huge", cpu="2"))
    c.run()
    c.client("admin").delete("pods", "default", "huge")
    assert s.queue.pending() == {"activeQ": [], "backoffQ": [], "unschedulablePods": []}
    c.run(seconds=400)
    assert len(s.decisions["default/huge"]) == 1


def test_unbound_immediate_pvc_then_bound():
    c, s = make()
    admin = c.client("admin")
    admin.create("persistentvolumeclaims", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                 "resources": {"requests": {"storage": "1Gi"}}}}, "default")
    create(c, pod("db", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]))
    c.run()
    assert condition(c.get("pod", "db"), "PodScheduled")["message"] == (
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. not found")
    admin.create("persistentvolumes", {
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-data"},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                 "csi": {"driver": "hostpath.csi.k8s.io", "volumeHandle": "v1"},
                 "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                     {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-3"]}]}]}}}})
    pvc = admin.get("persistentvolumeclaims", "default", "data")
    pvc["spec"]["volumeName"] = "pv-data"
    admin.update("persistentvolumeclaims", pvc)
    c.run()
    assert c.get("pod", "db")["spec"]["nodeName"] == "node-3"


# --- scheduleOne's parts (schedule_one.go) ------------------------------------------------------------------------

def attempt(s, name):
    """Pop the pod's attempt from activeQ and start a Decision for it, as schedule_one does."""
    from kubeteach.scheduler import Decision
    from kubeteach.scheduler.plugins import CycleState

    pinfo = s.queue.pop()
    assert pinfo.key == f"default/{name}"
    pinfo.pod = s.pods.get(pinfo.key)
    return CycleState(pinfo.pod), pinfo, Decision(pinfo.key, 0.0, pinfo.attempts, 1)


def test_scheduling_cycle_returns_the_result_and_the_diagnosis():
    c, s = make()
    edit_node(c, "node-3", lambda n: n["spec"].update(unschedulable=True))
    create(c, pod("web", cpu="100m"))
    state, pinfo, d = attempt(s, "web")
    result, diagnosis, status = s.scheduling_cycle(state, pinfo, d)
    assert status.is_success() and result.suggested_host in ("node-1", "node-2")
    assert (result.evaluated_nodes, result.feasible_nodes) == (3, 2)
    assert list(diagnosis.node_to_status) == ["node-3"] and diagnosis.unschedulable_plugins == {"NodeUnschedulable"}
    assert pinfo.pod["spec"]["nodeName"] == result.suggested_host and s.cache.is_assumed(pinfo.pod)
    assert not c.get("pod", "web")["spec"].get("nodeName")        # nothing is bound before the binding cycle
    assert s.binding_cycle(state, result, pinfo, d).is_success()
    assert c.get("pod", "web")["spec"]["nodeName"] == result.suggested_host and d.outcome == "bound"


def test_a_fit_error_is_a_status_with_its_diagnosis_and_no_host():
    c, s = make()
    create(c, pod("huge", cpu="64"))
    state, pinfo, d = attempt(s, "huge")
    result, diagnosis, status = s.scheduling_cycle(state, pinfo, d)
    assert result.suggested_host == "" and (status.code, status.message()) == ("Unschedulable", INSUFFICIENT_CPU)
    assert {n: st.reasons for n, st in diagnosis.node_to_status.items()} == \
        {f"node-{i}": ("Insufficient cpu",) for i in (1, 2, 3)}
    assert diagnosis.unschedulable_plugins == {"NodeResourcesFit"} and diagnosis.pre_filter_msg == ""
    assert diagnosis.post_filter_msg == "no new claims to deallocate, preemption: 0/3 nodes are available: " \
                                        "3 No preemption victims found for incoming pod."
    assert not s.cache.assumed


def test_a_failed_binding_forgets_the_assumed_pod():
    c, s = make(nodes=1)
    create(c, pod("gone", cpu="500m"))
    state, pinfo, d = attempt(s, "gone")
    result, _, status = s.scheduling_cycle(state, pinfo, d)
    assert status.is_success() and s.cache.nodes["node-1"].requested.milli_cpu == 500
    c.client("admin").delete("pods", "default", "gone")
    status = s.binding_cycle(state, result, pinfo, d)
    assert (status.code, status.plugin) == ("Error", "DefaultBinder")
    assert status.message() == 'running Bind plugin "DefaultBinder": pods "gone" not found'
    s.handle_binding_cycle_error(pinfo, status, d)
    assert s.cache.nodes["node-1"].requested.milli_cpu == 0 and not s.cache.assumed
    assert (d.outcome, d.message) == ("SchedulerError", status.message())
    last = c.trace[-1]
    assert (last.action, last.detail["reason"], last.detail["queue"]) == \
        ("unschedulable", "SchedulerError", "none")                  # the pod is gone: not requeued


def test_no_nodes_is_unschedulable():
    c, s = make(nodes=0)
    create(c, pod("lonely"))
    c.run()
    assert s.decisions["default/lonely"][-1].outcome == "Unschedulable"
    assert condition(c.get("pod", "lonely"), "PodScheduled")["message"] == "no nodes available to schedule pods"
