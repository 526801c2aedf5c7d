"""Every unit of work leaves a record (#16, item 10): a sync that finds nothing to do says so — that is what
level-triggered reconciliation looks like — and the loop treats a unit of work that recorded nothing as a component
bug (`work-silent`). The scenarios below drive every component of the default cluster through the lessons' stories
and the paths where a sync usually finds nothing to do."""

from __future__ import annotations

import collections

import pytest
from conftest import ROOT
from test_trace_facts import SCENARIOS

import kubeteach as kt
from kubeteach import loop as loop_module
from kubeteach.loop import Component, Loop

DATA = ROOT / "data"
GOLDEN = ROOT / "tests" / "golden"


def _namespace_deleted() -> kt.Cluster:
    c = kt.Cluster()
    c.kubectl("create namespace team")
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=2 -n team")
    c.run()
    c.kubectl("delete namespace team --wait=false")
    c.run(seconds=60)
    return c


def _node_deleted() -> kt.Cluster:
    c = kt.Cluster()
    c.kubectl(f"create -f {DATA / 'deployment.yaml'}")
    c.kubectl("scale deployment/nginx --replicas=3")
    c.run()
    c.faults.fail_node("node-3")
    c.kubectl("delete node node-3")
    c.run(seconds=120)
    return c


def _volume_released() -> kt.Cluster:
    """Provision, attach, then delete the pod and the claim: detach, pvc/pv protection, reclaim policy Delete."""
    c = kt.Cluster()
    c.kubectl(f"create -f {DATA / '05-volume.yaml'}")
    c.run()
    c.kubectl("delete pvc data --wait=false")
    c.run(seconds=5)
    c.kubectl("delete pod db")
    c.run(seconds=120)
    return c


def _taints_and_restarts() -> kt.Cluster:
    """A NoExecute taint and its removal, a broken image, and a controller-manager restart: every controller
    resyncs objects that are already as they should be."""
    c = kt.Cluster()
    c.kubectl(f"create -f {DATA / 'deployment.yaml'}")
    c.kubectl("scale deployment/nginx --replicas=3")
    c.run()
    c.kubectl("taint node node-1 dedicated=db:NoExecute")
    c.run(seconds=10)
    c.kubectl("taint node node-1 dedicated=db:NoExecute-")
    c.faults.break_image("nginx:1.26")
    c.kubectl("set image deployment/nginx nginx=nginx:1.26")
    c.run(seconds=60)
    c.kubectl("rollout undo deployment/nginx")
    c.run()
    c.stop("kube-controller-manager")
    c.start("kube-controller-manager")
    c.run(seconds=30)
    return c


def _scheduler_queue() -> kt.Cluster:
    """A pod deleted while its scheduling attempt waits: the attempt finds nothing in activeQ."""
    c = kt.Cluster()
    c.stop("kube-scheduler")
    c.kubectl(f"create -f {DATA / 'deployment.yaml'}")
    c.run()
    c.kubectl("delete deployment nginx")
    c.run()
    c.start("kube-scheduler")
    c.run(seconds=30)
    return c


def _disruption_budget() -> kt.Cluster:
    """A PodDisruptionBudget over a Deployment that scales: the disruption-controller recounts on every pod event,
    and most of them leave the status as it is."""
    c = kt.Cluster()
    c.kubectl("create deployment web --image=nginx --replicas=2")
    c.kubectl("create pdb web-pdb --selector=app=web --max-unavailable=1")
    c.run()
    c.kubectl("scale deployment web --replicas=3")
    c.run()
    return c


ALL = {**SCENARIOS, "disruption-budget": _disruption_budget, "scheduler-queue": _scheduler_queue, "namespace-deleted": _namespace_deleted, "node-deleted": _node_deleted,
       "volume-released": _volume_released, "taints-and-restarts": _taints_and_restarts}


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple[kt.Cluster, collections.Counter, list[str]]]:
    """Each scenario's cluster, the units of work each component ran, and the units that recorded nothing but
    the loop's own `work-silent` (counted here independently of the loop's check)."""
    out = {}
    real = Loop._advance

    def counting(self: Loop, end: float | None) -> list | None:
        self._drop_dead()
        head = self._heap[0] if self._heap else None
        got = real(self, end)
        if got is not None and head is not None and head.component.running:
            units[head.component.name] += 1
            if all(r.action == "work-silent" for r in got):
                silent.append(f"{head.component.name}: {head.name()}")
        return got

    Loop._advance = counting
    try:
        for name, scenario in ALL.items():
            units: collections.Counter = collections.Counter()
            silent: list[str] = []
            out[name] = (scenario(), units, silent)
    finally:
        Loop._advance = real
    return out


@pytest.mark.parametrize("scenario", ALL)
def test_no_unit_of_work_of_a_scenario_leaves_no_record(runs, scenario: str):
    c, units, silent = runs[scenario]
    assert sum(units.values()) > 20
    assert silent == []
    assert [str(r) for r in c.loop.errors if r.action == "work-silent"] == []


def test_the_scenarios_run_every_component_and_each_syncs_with_nothing_to_do(runs):
    """Every component of the default cluster ran units of work, and every controller and kubelet has recorded
    at least once that a sync found nothing to do."""
    ran = collections.Counter()
    idle = set()
    for c, units, _ in runs.values():
        ran.update(units)
        idle |= {r.actor.split("/")[0] if r.actor.startswith("kubelet/") else r.actor
                 for r in c.trace.actions("nothing-to-do")}
    components = set(kt.Cluster().loop.components)
    assert components <= set(ran), components - set(ran)
    controllers = {name.split("/", 1)[1] for name in components
                   if "/" in name and not name.startswith(("kubelet/", "kube-proxy/"))}
    busy_only = {"pod-garbage-collector-controller", "namespace-controller", "pv-protection-controller",
                 "pvc-protection-controller"}       # each of their units here did something
    assert controllers - busy_only <= idle, controllers - idle
    assert "kubelet" in idle


def test_a_scheduler_queue_entry_whose_pod_left_says_so():
    """The queue cancels a deleted pod's entries; one that still runs (its pod bound or gone) records why."""
    c = kt.Cluster()
    c.started["kube-scheduler"].queue._schedule(0.0, "work", "_flush", "default/ghost", "flush default/ghost")
    records = c.step()
    assert [(r.actor, r.action, r.object, r.detail) for r in records] == [
        ("default-scheduler", "nothing-to-do", "default/ghost",
         {"why": "scheduler-queue", "pass": "flushUnschedulablePodsLeftover"})]
    assert str(records[0]).endswith("flushUnschedulablePodsLeftover default/ghost: nothing to do: the pod it was "
                                    "queued for has left the queue (bound, assumed or deleted)")


def test_a_deployment_resync_says_nothing_to_do_with_the_numbers():
    c = kt.Cluster()
    c.kubectl(f"create -f {DATA / 'deployment.yaml'}")
    c.run()
    rs = c.list("replicasets")[0]["metadata"]["name"]
    c.stop("deployment-controller")
    c.start("deployment-controller")
    records = c.step()
    assert [r.action for r in records] == ["nothing-to-do"]
    assert records[0].detail == {"why": "deployment-in-sync", "rs": rs, "want": 1, "replicas": 1, "available": 1,
                                 "old": [], "paused": False}
    assert str(records[0]).endswith(f"deployment-controller   sync default/nginx: nothing to do: ReplicaSet {rs} has "
                                    "1 of 1 replicas (1 available); status unchanged")


def test_periodic_passes_that_change_nothing_say_so():
    c = kt.Cluster()
    c.run(seconds=30)
    monitor = [r for r in c.trace.actions("nothing-to-do") if r.detail.get("pass") == "monitorNodeHealth"]
    assert monitor and str(monitor[-1]).endswith(
        "monitorNodeHealth: nothing to do: 3 nodes Ready=True; the longest unheard is node-1, for 0s "
        "(node-monitor-grace-period 50s)")
    assert monitor[-1].detail["ready"] == [("True", 3)]
    status = [r for r in c.trace.actions("nothing-to-do") if r.detail.get("pass") == "updateNodeStatus"]
    assert status and status[0].actor == "kubelet/node-1" and "updateNodeStatus node-1: nothing to do: status " \
        "unchanged, last posted 10s ago: not posted (posted on a change or every 300s, nodeStatusReportFrequency)" \
        in str(status[0])


@pytest.mark.component_errors
def test_the_loop_records_a_silent_unit_of_work_as_a_component_bug():
    class Quiet:
        def sync(self, key: str) -> None:
            pass

    loop = Loop()
    loop.schedule(0.0, Component("kube-controller-manager/quiet-controller"), Quiet(), "sync", "default/x",
                  label="quiet-controller default/x")
    records = loop.step()
    assert [(r.actor, r.action, r.object, r.detail) for r in records] == [
        ("quiet-controller", "work-silent", "quiet-controller default/x", {"kind": "SilentWork"})]
    assert loop.errors == records and loop in loop_module.FAILING
    assert records[0].text().startswith("quiet-controller default/x ran and left no trace record")


def test_recorded_counts_the_running_unit_of_work_only():
    loop = Loop()
    seen = []

    class Counter:
        def work(self) -> None:
            seen.append(loop.recorded())
            loop.record("x", "did")
            seen.append(loop.recorded())

    loop.record("x", "before")
    loop.schedule(0.0, Component("x"), Counter(), "work")
    loop.step()
    assert seen == [0, 1] and loop.recorded() == 0


def test_the_lessons_golden_traces_have_no_silent_unit_of_work():
    """The golden traces are every lesson's clusters, record by record: none has a `work-silent` record."""
    traces = sorted(GOLDEN.glob("*.trace.txt"))
    assert len(traces) >= 9
    for path in traces:
        text = path.read_text()
        assert "nothing to do" in text or path.name.startswith(("01-", "02-")), path.name
        assert "left no trace record" not in text, path.name


def test_a_kubelet_timer_whose_pod_is_gone_says_so():
    c = kt.Cluster()
    kubelet = c.started["kubelet/node-1"]
    kubelet.schedule(0.0, kubelet.runtime_manager, "app_exits", "no-such-uid", "c0ffee", 1, label="nginx crashes")
    records = c.step()
    assert [(r.actor, r.action, r.object, r.detail) for r in records] == [
        ("kubelet/node-1", "nothing-to-do", "no-such-uid", {"why": "kubelet-stale-timer", "timer": "app_exits"})]
    assert str(records[0]).endswith("sync no-such-uid: nothing to do: the pod or container its app_exits timer was "
                                    "set for is gone or has changed")
