"""kube-scheduler (pkg/scheduler): informers feed the cache and the queue; scheduleOne runs one pod's scheduling
cycle (PreFilter, Filter, PreScore, Score, selectHost, assume) and its binding cycle (POST pods/<name>/binding).

Kubernetes runs the binding cycle in a goroutine; here it runs in the same step, right after the pod is assumed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..apiserver import APIError
from ..client import InformerFactory
from ..events import EventRecorder
from ..objects import deep_copy, get_condition, key_of, timestamp
from . import narratives  # noqa: F401  (registers the sentences)
from .cache import Cache, pod_requests
from .framework import (
    NO_NODES_AVAILABLE,
    NUMBER_OF_HIGHEST_SCORED_NODES_TO_REPORT,
    SKIP,
    UNRESOLVABLE,
    UNSCHEDULABLE,
    Decision,
    FitError,
    PluginScore,
    Status,
    num_feasible_nodes_to_find,
    select_host,
)
from .plugins import CycleState, default_plugins
from .queue import QueuedPodInfo, SchedulingQueue

if TYPE_CHECKING:
    from ..cluster import Cluster

SCHEDULER_NAME = "default-scheduler"
MESSAGE_SIZE_LIMIT = 1024


class _NoNodes(Exception):
    """ErrNoNodesAvailable."""


class Scheduler:
    """The default scheduler: identity `system:kube-scheduler`, its own informers, switch `kube-scheduler`."""

    def __init__(self, cluster: Cluster, percentage_of_nodes_to_score: int = 0):
        self.cluster = cluster
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.client = cluster.system_client("system:kube-scheduler", (), SCHEDULER_NAME)
        self.factory = InformerFactory(self.client)
        self.classes = self.factory.informer("storageclasses")
        self.pvs = self.factory.informer("persistentvolumes")
        self.pvcs = self.factory.informer("persistentvolumeclaims")
        self.nodes = self.factory.informer("nodes")
        self.pods = self.factory.informer("pods")
        self.component = cluster.component("kube-scheduler")
        self.component.on_start = self.on_start
        self.cache = Cache()
        self.queue = SchedulingQueue(cluster.loop, self.component, self.schedule_one)
        self.recorder = EventRecorder(self.client.quiet_copy(), SCHEDULER_NAME, record=self.record)
        self.filter_plugins, self.score_plugins = default_plugins(self.cache, self.pvcs, self.pvs, self.classes)
        self.decisions: dict[str, list[Decision]] = {}
        self.next_start_node_index = 0
        self.cycle = 0
        self._add_event_handlers()

    def start(self) -> None:
        """List and watch: nodes fill the cache, pending pods enter activeQ."""
        self.factory.start()

    def record(self, action: str, obj: str = "", **detail: Any) -> None:
        self.cluster.record(SCHEDULER_NAME, action, obj, **detail)

    def on_start(self) -> None:
        """After `c.start("kube-scheduler")`: a fresh process puts every pending pod in activeQ."""
        moved = self.queue.activate_all()
        if moved:
            self.record("requeue", "", event="restart", what="kube-scheduler", pods=moved, queue="activeQ")

    # --- event handlers (eventhandlers.go) ----------------------------------------------------------------------

    def _add_event_handlers(self) -> None:
        self.pods.add_handler(self._on_pod_add, self._on_pod_update, self._on_pod_delete)
        self.nodes.add_handler(self._on_node_add, self._on_node_update, self.cache.remove_node)
        for inf, kind in ((self.pvcs, "PersistentVolumeClaim"), (self.pvs, "PersistentVolume")):
            inf.add_handler(lambda o, k=kind: self._event(f"{k}Add", key_of(o)),
                            lambda old, new, k=kind: self._event(f"{k}Update", key_of(new)))
        self.classes.add_handler(lambda o: self._event("StorageClassAdd", key_of(o)))

    @staticmethod
    def responsible(pod: dict) -> bool:
        """Pending pods this profile schedules: schedulerName default-scheduler and no nodeName."""
        return pod["spec"].get("schedulerName", SCHEDULER_NAME) == SCHEDULER_NAME and not pod["spec"].get("nodeName")

    @staticmethod
    def _terminal(pod: dict) -> bool:
        return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")

    def _on_pod_add(self, pod: dict) -> None:
        if self._terminal(pod):
            return
        if pod["spec"].get("nodeName"):
            self.cache.add_pod(pod)
        elif self.responsible(pod):
            self.queue.add(pod, self.cluster.now)

    def _on_pod_update(self, old: dict, new: dict) -> None:
        if new["spec"].get("nodeName"):
            self.queue.delete(new)
            if self._terminal(new):
                if self.cache.remove_pod(new):
                    self._event("AssignedPodDelete", key_of(new))
                return
            shrank = old["spec"].get("nodeName") and self._requests_shrank(old, new)
            self.cache.update_pod(new)
            if shrank:
                self._event("AssignedPodUpdate", key_of(new))
        elif self._terminal(new) or not self.responsible(new):
            self.queue.delete(new)
        else:
            self.queue.update(old, new, self.cluster.now)

    @staticmethod
    def _requests_shrank(old: dict, new: dict) -> bool:
        a, b = pod_requests(old), pod_requests(new)
        return b.milli_cpu < a.milli_cpu or b.memory < a.memory

    def _on_pod_delete(self, pod: dict) -> None:
        if pod["spec"].get("nodeName"):
            if self.cache.remove_pod(pod):
                self._event("AssignedPodDelete", key_of(pod))
        else:
            self.queue.delete(pod)

    def _on_node_add(self, node: dict) -> None:
        self.cache.add_node(node)
        self._event("NodeAdd", node["metadata"]["name"])

    def _on_node_update(self, old: dict, new: dict) -> None:
        self.cache.update_node(new)
        for event in node_scheduling_property_changes(old, new):
            self._event(event, new["metadata"]["name"])

    def _event(self, event: str, what: str) -> None:
        """A cluster event that may make unschedulable pods schedulable: move those it concerns."""
        pods = self.queue.waiting_for(event)
        if not pods:
            return
        self.queue.move(pods, self.cluster.now)
        where = sorted({"backoffQ" if p.key in self.queue.backoff else "activeQ" for p in pods})
        self.record("requeue", "", event=event, what=what, pods=[p.key for p in pods], queue=" / ".join(where))

    # --- scheduleOne ----------------------------------------------------------------------------------------------

    def schedule_one(self) -> None:
        """Pop one pod and run its scheduling cycle, then its binding cycle."""
        pinfo = self.queue.pop()
        if pinfo is None:
            return
        pod = self.pods.get(pinfo.key)
        if pod is None or not self.responsible(pod) or self.cache.is_assumed(pod):
            return
        pinfo.pod = pod
        name = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        if pod["metadata"].get("deletionTimestamp"):
            self.record("skip-deleting", name)
            self.recorder.event(pod, "Warning", "FailedScheduling", f"skip schedule deleting pod: {name}",
                                action="Scheduling")
            return
        self.cycle += 1
        d = Decision(name, self.cluster.now, pinfo.attempts, self.cycle,
                     filter_plugins=[p.name for p in self.filter_plugins],
                     score_weights={p.name: p.weight for p in self.score_plugins})
        self.decisions.setdefault(name, []).append(d)
        try:
            host = self.schedule_pod(pod, d)
        except FitError as fit:
            fit.post_filter_msg = self.post_filter(pod, fit, d)
            self.handle_scheduling_failure(pinfo, fit.error(), UNSCHEDULABLE, fit.unschedulable_plugins, d)
            return
        except _NoNodes:
            self.handle_scheduling_failure(pinfo, NO_NODES_AVAILABLE, UNSCHEDULABLE, set(), d)
            return
        assumed = deep_copy(pod)
        assumed["spec"]["nodeName"] = host
        self.cache.assume_pod(assumed)
        self.record("scheduled", name, **_summary(d))
        self.binding_cycle(pinfo, assumed, d)

    def schedule_pod(self, pod: dict, d: Decision) -> str:
        """SchedulePod: PreFilter, Filter over up to numFeasibleNodesToFind nodes, then Score and selectHost."""
        nodes = self.cache.node_infos()
        d.num_all_nodes = len(nodes)
        if not nodes:
            raise _NoNodes()
        state = CycleState(pod, {"num_all_nodes": len(nodes)})
        skip: set[str] = set()
        for pl in self.filter_plugins:
            status = pl.pre_filter(state, pod)
            if status is None:
                continue
            d.prefilter[pl.name] = status
            if status.code == SKIP:
                skip.add(pl.name)
            elif not status.is_success():
                for ni in nodes:
                    d.filters[ni.name] = {}
                raise FitError(len(nodes), {ni.name: status for ni in nodes}, pre_filter_msg=status.message(),
                               unschedulable_plugins={pl.name})
        d.skipped_filter_plugins = sorted(skip)
        d.num_feasible_nodes_to_find = num_feasible_nodes_to_find(len(nodes), self.percentage_of_nodes_to_score)
        d.start_index = self.next_start_node_index
        feasible, failed = [], {}
        for i in range(len(nodes)):
            ni = nodes[(d.start_index + i) % len(nodes)]
            row: dict[str, Status] = {}
            verdict = Status()
            for pl in self.filter_plugins:
                if pl.name in skip:
                    continue
                row[pl.name] = status = pl.filter(state, pod, ni)
                if not status.is_success():
                    verdict = status
                    break
            d.filters[ni.name] = row
            if verdict.is_success():
                feasible.append(ni)
                if len(feasible) >= d.num_feasible_nodes_to_find:
                    break
            else:
                failed[ni.name] = verdict
        self.next_start_node_index = (d.start_index + len(feasible) + len(failed)) % len(nodes)
        d.feasible = [ni.name for ni in feasible]
        if not feasible:
            raise FitError(len(nodes), failed, unschedulable_plugins={s.plugin for s in failed.values()})
        if len(feasible) == 1:
            d.winner, d.tie_break = feasible[0].name, "the only feasible node: no scoring"
            return d.winner
        return self.prioritize_nodes(state, pod, feasible, d)

    def prioritize_nodes(self, state: CycleState, pod: dict, feasible: list, d: Decision) -> str:
        """PreScore, Score, NormalizeScore, weights, totals; then selectHost."""
        active = []
        for pl in self.score_plugins:
            if pl.pre_score(state, pod, feasible).code == SKIP:
                d.skipped_score_plugins.append(pl.name)
            else:
                active.append(pl)
        d.scores = {ni.name: {} for ni in feasible}
        for pl in active:
            raw, explain = {}, {}
            for ni in feasible:
                raw[ni.name], explain[ni.name] = pl.score(state, pod, ni)
            normalized = pl.normalize(raw)
            for ni in feasible:
                d.scores[ni.name][pl.name] = PluginScore(raw[ni.name], normalized[ni.name], pl.weight,
                                                         explain[ni.name])
        d.totals = {n: sum(s.weighted for s in per.values()) for n, per in d.scores.items()}
        host, tied, draws = select_host(list(d.totals.items()), NUMBER_OF_HIGHEST_SCORED_NODES_TO_REPORT,
                                        self.cluster.rnd)
        d.winner, d.tied = host, tied
        d.tie_break = (f"reservoir sampling among {len(tied)} nodes tied at {d.totals[host]} "
                       f"({draws} draw{'s' if draws != 1 else ''}) picked {host}"
                       if len(tied) > 1 else f"highest score {d.totals[host]}")
        return host

    def post_filter(self, pod: dict, fit: FitError, d: Decision) -> str:
        """DefaultPreemption's message. Nodes rejected as unresolvable: preemption is not helpful; the others:
        kubeteach evicts no one, so no victims are found (real preemption would look for lower-priority pods)."""
        if pod["spec"].get("preemptionPolicy") == "Never":
            return "preemption: not eligible due to preemptionPolicy=Never."
        statuses = {}
        for node, status in fit.node_to_status.items():
            reason = "Preemption is not helpful for scheduling" if status.code == UNRESOLVABLE else \
                "No preemption victims found for incoming pod"
            statuses[node] = Status(UNRESOLVABLE, (reason,))
        return "preemption: " + FitError(len(statuses), statuses).error()

    # --- failure and binding --------------------------------------------------------------------------------------

    def handle_scheduling_failure(self, pinfo: QueuedPodInfo, message: str, reason: str, plugins: set[str],
                                  d: Decision) -> None:
        """handleSchedulingFailure: requeue, Warning FailedScheduling, and PodScheduled=False on the pod's status."""
        d.message, d.outcome = message, reason if reason != UNSCHEDULABLE else "Unschedulable"
        pod = self.pods.get(pinfo.key)
        queue = "none (pod is gone or assigned)"
        if pod is not None and not pod["spec"].get("nodeName"):
            queue = self.queue.add_unschedulable(pinfo, reason == UNSCHEDULABLE, plugins, self.cluster.now)
        retry = self.queue.backoff_duration(pinfo) if queue == "backoffQ" else None
        self.record("unschedulable", d.pod, message=message, reason=reason, queue=queue, retry=retry,
                    why=_details(d))
        if pod is None:
            return
        if len(message) > MESSAGE_SIZE_LIMIT:
            note = message[:MESSAGE_SIZE_LIMIT - 4] + " ..."
        else:
            note = message
        self.recorder.event(pod, "Warning", "FailedScheduling", note, action="Scheduling")
        self.update_pod_condition(pod, reason, message)

    def update_pod_condition(self, pod: dict, reason: str, message: str) -> None:
        """updatePod: patch status.conditions PodScheduled=False, only when it changes."""
        old = get_condition(pod, "PodScheduled") or {}
        if old.get("status") == "False" and old.get("reason") == reason and old.get("message") == message:
            return
        cond = {"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                "lastTransitionTime": old.get("lastTransitionTime") if old.get("status") == "False"
                else timestamp(self.cluster.now), "reason": reason, "message": message}
        m = pod["metadata"]
        try:
            self.client.patch("pods", m["namespace"], m["name"], {"status": {"conditions": [cond]}},
                              subresource="status")
        except APIError:
            pass

    def binding_cycle(self, pinfo: QueuedPodInfo, assumed: dict, d: Decision) -> None:
        """DefaultBinder: POST the Binding; on success the Scheduled event, on failure forget and retry."""
        node = assumed["spec"]["nodeName"]
        m = assumed["metadata"]
        try:
            self.client.bind(assumed, node)
        except APIError as err:
            self.cache.forget_pod(assumed)
            message = f'running Bind plugin "DefaultBinder": {err.message}'
            self.handle_scheduling_failure(pinfo, message, "SchedulerError", set(), d)
            return
        d.outcome = "bound"
        self.record("bound", d.pod, pod=m["name"], node=node)
        self.recorder.event(assumed, "Normal", "Scheduled",
                            f"Successfully assigned {m['namespace']}/{m['name']} to {node}", action="Binding")


def node_scheduling_property_changes(old: dict, new: dict) -> list[str]:
    """nodeSchedulingPropertiesChange: which node changes may make pods schedulable (heartbeats are not one)."""
    events = []
    if old.get("spec", {}).get("unschedulable") != new.get("spec", {}).get("unschedulable"):
        events.append("NodeSpecUnschedulableChange")
    if old.get("status", {}).get("allocatable") != new.get("status", {}).get("allocatable"):
        events.append("NodeAllocatableChange")
    if old["metadata"].get("labels") != new["metadata"].get("labels"):
        events.append("NodeLabelChange")
    if old.get("spec", {}).get("taints") != new.get("spec", {}).get("taints"):
        events.append("NodeTaintChange")
    return events


def _rejections(d: Decision) -> list[str]:
    """FitError-style histogram of this attempt's Filter rejections (for the trace line)."""
    return FitError(d.num_all_nodes, {n: d.filter_result(n) for n in d.filters
                                      if not d.filter_result(n).is_success()}).histogram()


def _details(d: Decision, limit: int = 3) -> list[str]:
    """The numbers behind the first few Filter rejections (`node-1: cpu 3000m requested > 1900m free`)."""
    out = [f"{n}: {d.filter_result(n).detail}" for n in d.filters if d.filter_result(n).detail]
    return out[:limit] + ([f"{len(out) - limit} more"] if len(out) > limit else [])


def _summary(d: Decision) -> dict:
    return {"feasible": len(d.feasible), "visited": len(d.filters), "all_nodes": d.num_all_nodes,
            "to_find": d.num_feasible_nodes_to_find, "totals": dict(d.totals), "winner": d.winner,
            "tied": list(d.tied), "rejected": _rejections(d)}
