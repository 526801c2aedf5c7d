"""kubeteach.pods: one pod_requests for the scheduler and the kubelet (sidecars counted as PodRequests counts them,
staging/src/k8s.io/component-helpers/resource/helpers.go), and the phase and readiness helpers."""

from kubeteach.cluster import Cluster
from kubeteach.objects import timestamp
from kubeteach.pods import (
    DEFAULT_MEMORY_REQUEST,
    DEFAULT_MILLI_CPU_REQUEST,
    is_pod_active,
    is_pod_available,
    is_pod_ready,
    is_terminal,
    pod_requests,
)

MI = 1024 * 1024


def ctr(name, cpu=None, memory=None, sidecar=False):
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    c = {"name": name, "image": "nginx:1.25", "resources": {"requests": requests} if requests else {}}
    if sidecar:
        c["restartPolicy"] = "Always"
    return c


def pod(name, containers, init=(), node="", **spec):
    s = {"containers": list(containers), **spec}
    if init:
        s["initContainers"] = list(init)
    if node:
        s["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"}, "spec": s}


# --- the arithmetic ---------------------------------------------------------------------------------------------

def test_sidecars_add_to_the_containers_and_to_every_later_init_container():
    # containers 500m; init 100m; sidecar 200m (runs on); init 300m while the sidecar runs: 300 + 200 = 500
    p = pod("p", [ctr("main", "500m", "64Mi")],
            init=[ctr("setup", "100m", "32Mi"), ctr("proxy", "200m", "16Mi", sidecar=True), ctr("migrate", "300m")])
    r = pod_requests(p)
    assert (r.milli_cpu, r.memory) == (700, 80 * MI)          # max(500 + 200, 100, 200, 300 + 200); max(64+16, 32, 16)


def test_an_init_container_after_sidecars_can_dominate():
    p = pod("p", [ctr("main", "500m")], init=[ctr("proxy", "200m", sidecar=True), ctr("big", "2")])
    assert pod_requests(p).milli_cpu == 2200                 # 2000 + the 200 sidecar started before it > 700


def test_plain_init_containers_are_a_running_max_and_overhead_is_added():
    p = pod("p", [ctr("a", "250m"), ctr("b", "250m")], init=[ctr("i", "800m")], overhead={"cpu": "50m"})
    assert pod_requests(p).milli_cpu == 850                  # max(500, 800) + 50


def test_non_zero_requests_fill_only_what_is_missing():
    p = pod("p", [ctr("a"), ctr("b", cpu="0")])
    r = pod_requests(p, non_zero=True)
    assert r.milli_cpu == DEFAULT_MILLI_CPU_REQUEST + 0      # an explicit 0 stays 0
    assert r.memory == 2 * DEFAULT_MEMORY_REQUEST
    assert (pod_requests(p).milli_cpu, pod_requests(p).memory) == (0, 0)


# --- the kubelet and the scheduler agree --------------------------------------------------------------------------

def test_kubelet_admission_and_scheduler_count_a_sidecar_alike():
    """node-1 has 1900m. Pod `a` asks 500m plus a 1000m sidecar: 1500m for both components (the kubelet used to
    count max(500, 1000) = 1000m). So 700m more is too much for the kubelet's admission of `b` (bound by hand)
    and for the scheduler's Filter of `c`, with the same numbers."""
    c = Cluster(nodes=1, seed=0)
    admin = c.client("admin")
    admin.create("pods", pod("a", [ctr("main", "500m")], init=[ctr("proxy", "1000m", sidecar=True)],
                             node="node-1"), "default")
    c.run()
    assert c.get("pod", "a")["status"]["phase"] == "Running"
    admitted = [r for r in c.trace if r.action == "kubelet-admit" and r.object == "default/a"]
    assert [r.detail["cpu"] for r in admitted] == [1500]

    admin.create("pods", pod("b", [ctr("main", "700m")], node="node-1"), "default")
    c.run()
    b = c.get("pod", "b")
    assert (b["status"]["phase"], b["status"]["reason"]) == ("Failed", "OutOfcpu")
    assert b["status"]["message"] == ("Pod was rejected: Node didn't have enough resource: cpu, requested: 700, "
                                      "used: 1500, capacity: 1900")

    admin.create("pods", pod("c", [ctr("main", "700m")]), "default")
    c.run()
    scheduled = next(cond for cond in c.get("pod", "c")["status"]["conditions"] if cond["type"] == "PodScheduled")
    assert scheduled["reason"] == "Unschedulable"
    assert scheduled["message"].startswith("0/1 nodes are available: 1 Insufficient cpu.")
    d = c.started["kube-scheduler"].decisions["default/c"][-1]
    assert d.rejected["node-1"].detail == ({"why": "insufficient", "resource": "cpu", "requested": 700,
                                             "free": 400},)                                  # 1900 - 1500
    assert d.rejected["node-1"].explain() == "cpu 700m requested > 400m free"


# --- phase and readiness -------------------------------------------------------------------------------------------

def with_status(phase=None, ready=None, since=0.0, deleting=False):
    p = pod("p", [ctr("main")])
    if phase or ready:
        p["status"] = {"phase": phase} if phase else {}
        if ready:
            p["status"]["conditions"] = [{"type": "Ready", "status": ready, "lastTransitionTime": timestamp(since)}]
    if deleting:
        p["metadata"]["deletionTimestamp"] = timestamp(0)
    return p


def test_terminal_and_active():
    assert [is_terminal(with_status(ph)) for ph in (None, "Pending", "Running", "Succeeded", "Failed")] == \
        [False, False, False, True, True]
    assert is_pod_active(with_status("Running")) and not is_pod_active(with_status("Running", deleting=True))
    assert not is_pod_active(with_status("Failed"))
    assert not is_terminal({"metadata": {}, "status": None})


def test_ready_and_available_after_min_ready_seconds():
    assert not is_pod_ready(with_status("Running")) and not is_pod_ready(with_status("Running", "False"))
    ready = with_status("Running", "True", since=10)
    assert is_pod_ready(ready)
    assert is_pod_available(ready, 0, 10)
    assert not is_pod_available(ready, 5, 15)                # Ready for exactly minReadySeconds is not enough
    assert is_pod_available(ready, 5, 15.5)
