"""kube-scheduler (pkg/scheduler): informers feed the cache and the queue; scheduleOne runs one pod's scheduling
cycle (PreFilter, Filter, PreScore, Score, selectHost, assume) and its binding cycle (POST pods/<name>/binding).

Kubernetes runs the binding cycle in a goroutine; here it runs in the same step, right after the pod is assumed.
"""

from __future__ import annotations

from collections import deque
from itertools import repeat
from operator import add, mul
from typing import TYPE_CHECKING, Any

from ..apiserver import APIError
from ..client import InformerFactory
from ..events import EventRecorder
from ..objects import deep_copy, get_condition, key_of, timestamp
from . import narratives  # noqa: F401  (registers the sentences)
from .cache import Cache, NodeInfo, pod_requests
from .framework import (
    NO_NODES_AVAILABLE,
    NUMBER_OF_HIGHEST_SCORED_NODES_TO_REPORT,
    PASS,
    SKIP,
    UNRESOLVABLE,
    UNSCHEDULABLE,
    Decision,
    FitError,
    Status,
    Totals,
    num_feasible_nodes_to_find,
    select_host_of,
)
from .plugins import CycleState, default_plugins
from .queue import QueuedPodInfo, SchedulingQueue

if TYPE_CHECKING:
    from ..cluster import Cluster

SCHEDULER_NAME = "default-scheduler"
MESSAGE_SIZE_LIMIT = 1024
#: node rows of Filter/Score tables kept in `decisions` (newest first); older attempts keep their outcome only
KEEP_TABLE_ROWS = 100_000


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
        self.keep_table_rows = KEEP_TABLE_ROWS
        self._tables: deque[Decision] = deque()
        self._table_rows = 0
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
            self._keep_tables(d)
            fit.post_filter_msg = self.post_filter(pod, fit, d)
            self.handle_scheduling_failure(pinfo, fit.error(), UNSCHEDULABLE, fit.unschedulable_plugins, d)
            return
        except _NoNodes:
            self.handle_scheduling_failure(pinfo, NO_NODES_AVAILABLE, UNSCHEDULABLE, set(), d)
            return
        self._keep_tables(d)
        assumed = deep_copy(pod)
        assumed["spec"]["nodeName"] = host
        self.cache.assume_pod(assumed)
        self.record("scheduled", name, **_summary(d))
        self.binding_cycle(pinfo, assumed, d)

    def _keep_tables(self, d: Decision) -> None:
        """Keep the per-node tables of the latest attempts, at most `keep_table_rows` node rows in all; older
        attempts are compacted (a 1000-node cluster filters hundreds of nodes per pod)."""
        self._tables.append(d)
        self._table_rows += len(d.filters)
        while self._table_rows > self.keep_table_rows and len(self._tables) > 1:
            old = self._tables.popleft()
            self._table_rows -= len(old.filters)
            old.compact()

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
        plugins = [pl for pl in self.filter_plugins if pl.name not in skip]
        feasible, failed = filter_nodes(state, pod, plugins, nodes, d.start_index, d.num_feasible_nodes_to_find,
                                        d.filters)
        d.rejected = failed
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
        names = d.feasible
        totals = [0] * len(feasible)
        for pl in active:
            raw, explain = pl.score_all(state, pod, feasible)
            normalized = pl.normalize_list(names, raw)
            d.score_columns.append((pl.name, pl.weight, raw, normalized, explain))
            weighted = normalized if pl.weight == 1 else map(mul, normalized, repeat(pl.weight))
            totals = list(map(add, totals, weighted))
        d.totals = Totals(d.feasible, totals)
        host, tied, draws = select_host_of(d.feasible, totals, NUMBER_OF_HIGHEST_SCORED_NODES_TO_REPORT,
                                           self.cluster.rnd)
        d.winner, d.tied = host, tied
        best = max(totals)           # the winner's total
        d.tie_break = (f"reservoir sampling among {len(tied)} nodes tied at {best} "
                       f"({draws} draw{'s' if draws != 1 else ''}) picked {host}"
                       if len(tied) > 1 else f"highest score {best}")
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


def filter_nodes(state: CycleState, pod: dict, plugins: list, nodes: list[NodeInfo], start: int, to_find: int,
                 filters: dict[str, dict[str, Status]]) -> tuple[list[NodeInfo], dict[str, Status]]:
    """findNodesThatPassFilters: visit nodes round-robin from `start`, each through the plugins in order until one
    rejects it, and stop once `to_find` nodes pass. Fills `filters` (node -> plugin -> status, the plugins that
    ran) in visiting order; returns the feasible nodes and the rejected ones with their first failing status.

    The outcome is Kubernetes' node-by-node loop; the work is done a chunk of nodes at a time, plugin by plugin
    (`Plugin.filter_rejects` reports only what is not a plain pass), which is what makes 1000-node clusters cheap.
    """
    n = len(nodes)
    passed = {pl.name: PASS for pl in plugins}        # one shared row for every node that passes outright
    feasible: list[NodeInfo] = []
    failed: dict[str, Status] = {}
    pos = 0
    in_order = nodes[start:] + nodes[:start]          # the round-robin visiting order
    while pos < n and len(feasible) < to_find:
        chunk = in_order[pos:pos + min(max(to_find - len(feasible), 16), n - pos)]
        alive = list(range(len(chunk)))
        notes: dict[int, dict[str, Status]] = {}      # chunk index -> plugin -> a status that is not PASS
        stopped_at: dict[int, int] = {}               # chunk index -> index of the plugin that rejected it
        for p, pl in enumerate(plugins):
            if not alive:
                break
            rejects = pl.filter_rejects(state, pod, [chunk[i] for i in alive])
            if not rejects:
                continue
            still = []
            for k, i in enumerate(alive):
                status = rejects.get(k)
                if status is None:
                    still.append(i)
                    continue
                notes.setdefault(i, {})[pl.name] = status
                if status.is_success():
                    still.append(i)
                else:
                    stopped_at[i] = p
            alive = still
        if not notes:                                 # every node of the chunk passed every plugin
            take = chunk[:to_find - len(feasible)]
            filters.update(dict.fromkeys([ni.name for ni in take], passed))
            feasible += take
            pos += len(take)
            continue
        for i, ni in enumerate(chunk):
            pos += 1
            note = notes.get(i)
            if i in stopped_at:
                ran = plugins[:stopped_at[i] + 1]
                filters[ni.name] = {pl.name: note.get(pl.name, PASS) for pl in ran}
                failed[ni.name] = note[ran[-1].name]
                continue
            filters[ni.name] = passed if note is None else {pl.name: note.get(pl.name, PASS) for pl in plugins}
            feasible.append(ni)
            if len(feasible) >= to_find:
                break
    return feasible, failed


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
    return FitError(d.num_all_nodes, d.rejected).histogram()


def _details(d: Decision, limit: int = 3) -> list[str]:
    """The numbers behind the first few Filter rejections (`node-1: cpu 3000m requested > 1900m free`)."""
    out = [f"{n}: {status.detail}" for n, status in d.rejected.items() if status.detail]
    return out[:limit] + ([f"{len(out) - limit} more"] if len(out) > limit else [])


def _summary(d: Decision) -> dict:
    return {"feasible": len(d.feasible), "visited": len(d.filters), "all_nodes": d.num_all_nodes,
            "to_find": d.num_feasible_nodes_to_find, "totals": d.totals, "winner": d.winner,
            "tied": list(d.tied), "rejected": _rejections(d)}
