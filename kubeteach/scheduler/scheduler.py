"""kube-scheduler (pkg/scheduler): informers feed the cache and the queue; scheduleOne runs one pod's scheduling
cycle (PreFilter, Filter, PreScore, Score, selectHost, assume) and its binding cycle (POST pods/<name>/binding).

Kubernetes runs the binding cycle in a goroutine; here it runs in the same step, right after the pod is assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from itertools import repeat
from operator import add, mul
from typing import TYPE_CHECKING, Any

from ..client import RESOURCES, APIError, Client, InformerFactory, OnNew
from ..events import EventsRecorder
from ..objects import deep_copy, get_condition, key_of, timestamp
from ..pods import is_terminal, pod_requests
from . import narratives  # noqa: F401  (registers the sentences)
from .cache import Cache, NodeInfo
from .decisions import Decisions
from .eventhandlers import node_scheduling_property_changes
from .framework import (
    ERROR,
    NO_NODES_AVAILABLE,
    NUMBER_OF_HIGHEST_SCORED_NODES_TO_REPORT,
    PASS,
    SKIP,
    UNRESOLVABLE,
    UNSCHEDULABLE,
    Decision,
    Diagnosis,
    FitError,
    Status,
    Totals,
    num_feasible_nodes_to_find,
    select_host_of,
)
from .nominator import Nominator
from .plugins import CycleState, default_plugins
from .plugins.defaultpreemption import DefaultPreemption
from .plugins.dynamicresources import DynamicResources
from .queue import QueuedPodInfo, SchedulingQueue

if TYPE_CHECKING:
    from ..loop import Loop
    from ..objects import Randomness

SCHEDULER_NAME = "default-scheduler"
#: the host kube-scheduler runs on (its events' reportingInstance is `default-scheduler-<hostname>`); kubeteach's
#: control plane has no Node, so this is a stand-in for the control-plane machine's hostname
CONTROL_PLANE_HOST = "control-plane"
MESSAGE_SIZE_LIMIT = 1024


class _NoNodes(Exception):
    """ErrNoNodesAvailable."""


@dataclass
class ScheduleResult:
    """ScheduleResult (scheduler.go): the chosen node, how many nodes Filter evaluated, and how many fit."""

    suggested_host: str = ""
    evaluated_nodes: int = 0
    feasible_nodes: int = 0
    nominated_node: str | None = None     # nominatingInfo: the node preemption made room on ("" clears)


class Scheduler:
    """The default scheduler: identity `system:kube-scheduler`, its own informers, switch `kube-scheduler`."""

    def __init__(self, env: Loop, client: Client, rnd: Randomness, percentage_of_nodes_to_score: int = 0):
        """`env`: clock, scheduling, trace, the switch; `client`: system:kube-scheduler's; `rnd`: the seeded source
        selectHost draws its tie-breaks from."""
        self.env, self.client, self.rnd = env, client, rnd
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.factory = InformerFactory(self.client)
        self.classes = self.factory.informer("storageclasses")
        self.pvs = self.factory.informer("persistentvolumes")
        self.pvcs = self.factory.informer("persistentvolumeclaims")
        self.nodes = self.factory.informer("nodes")
        self.pods = self.factory.informer("pods")
        self.replicasets = self.factory.informer("replicasets")     # PodTopologySpread's DefaultSelector
        self.pdbs = self.factory.informer("poddisruptionbudgets") if any(
            r.resource == "poddisruptionbudgets" for r in RESOURCES) else None      # DefaultPreemption's
        self.component = env.component("kube-scheduler")
        self.component.on_start = self.on_start
        self.cache = Cache()
        self.queue = SchedulingQueue(env, self.component, self.schedule_one)
        self.recorder = EventsRecorder(self.client.quiet_copy(), SCHEDULER_NAME,
                                       f"{SCHEDULER_NAME}-{CONTROL_PLANE_HOST}", record=self.record)
        self.filter_plugins, self.score_plugins = default_plugins(self.cache, self.pvcs, self.pvs, self.classes,
                                                                  self.replicasets)
        self.dynamic_resources = DynamicResources()
        self.default_preemption = DefaultPreemption(self)
        self.nominator = Nominator()
        self.decisions = Decisions()
        self.next_start_node_index = 0
        self.cycle = 0
        self._add_event_handlers()

    def start(self) -> None:
        """List and watch: nodes fill the cache, pending pods enter activeQ."""
        self.factory.start()

    @property
    def now(self) -> float:
        return self.env.now

    def record(self, action: str, obj: str = "", **detail: Any) -> None:
        self.env.record(SCHEDULER_NAME, action, obj, **detail)

    def on_start(self) -> None:
        """After `c.start("kube-scheduler")`: a fresh process puts every pending pod in activeQ."""
        moved = self.queue.activate_all()
        if moved:
            self.record("requeue", "", event="restart", what="kube-scheduler", pods=moved, queue=["activeQ"])

    # --- event handlers (eventhandlers.go) ----------------------------------------------------------------------

    def _add_event_handlers(self) -> None:
        self.pods.add_handler(self._on_pod_add, self._on_pod_update, self._on_pod_delete)
        self.nodes.add_handler(self._on_node_add, self._on_node_update, self.cache.remove_node)
        for inf, kind in ((self.pvcs, "PersistentVolumeClaim"), (self.pvs, "PersistentVolume")):
            inf.add_handler(partial(self._object_event, f"{kind}Add"),
                            OnNew(partial(self._object_event, f"{kind}Update")))
        self.classes.add_handler(partial(self._object_event, "StorageClassAdd"))

    def _object_event(self, event: str, obj: dict) -> None:
        self._event(event, key_of(obj))

    @staticmethod
    def responsible(pod: dict) -> bool:
        """Pending pods this profile schedules: schedulerName default-scheduler and no nodeName."""
        return pod["spec"].get("schedulerName", SCHEDULER_NAME) == SCHEDULER_NAME and not pod["spec"].get("nodeName")

    def _on_pod_add(self, pod: dict) -> None:
        if is_terminal(pod):
            return
        self.nominator.update(None, pod)
        if pod["spec"].get("nodeName"):
            self.cache.add_pod(pod)
        elif self.responsible(pod):
            self.queue.add(pod, self.now)

    def _on_pod_update(self, old: dict, new: dict) -> None:
        self.nominator.update(old, new)
        if new["spec"].get("nodeName"):
            self.queue.delete(new)
            if is_terminal(new):
                if self.cache.remove_pod(new):
                    self._event("AssignedPodDelete", key_of(new))
                return
            shrank = old["spec"].get("nodeName") and self._requests_shrank(old, new)
            self.cache.update_pod(new)
            if shrank:
                self._event("AssignedPodUpdate", key_of(new))
        elif is_terminal(new) or not self.responsible(new):
            self.queue.delete(new)
        else:
            self.queue.update(old, new, self.now)

    @staticmethod
    def _requests_shrank(old: dict, new: dict) -> bool:
        a, b = pod_requests(old), pod_requests(new)
        return b.milli_cpu < a.milli_cpu or b.memory < a.memory

    def _on_pod_delete(self, pod: dict) -> None:
        self.nominator.forget(pod)
        self.decisions.pod_deleted(key_of(pod), lambda key: self.pods.get(key) is not None)
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
        self.queue.move(pods, self.now)
        where = sorted({"backoffQ" if p.key in self.queue.backoff else "activeQ" for p in pods})
        self.record("requeue", "", event=event, what=what, pods=[p.key for p in pods], queue=where)

    # --- scheduleOne (schedule_one.go) ------------------------------------------------------------------------------

    def schedule_one(self) -> None:
        """ScheduleOne: pop one pod, run its scheduling cycle, then its binding cycle (or the failure handler)."""
        pinfo = self.queue.pop()
        if pinfo is None:
            return
        pod = self.pods.get(pinfo.key)
        if pod is None or not self.responsible(pod):
            return
        pinfo.pod = pod
        if self.skip_pod_schedule(pod):
            return
        self.cycle += 1
        d = Decision(f"{pod['metadata']['namespace']}/{pod['metadata']['name']}", self.now, pinfo.attempts,
                     self.cycle, filter_plugins=[p.name for p in self.filter_plugins],
                     score_weights={p.name: p.weight for p in self.score_plugins})
        self.decisions.add(d)
        state = CycleState(pod)
        result, diagnosis, status = self.scheduling_cycle(state, pinfo, d)
        if not status.is_success():
            self.handle_scheduling_failure(pinfo, status, diagnosis, d, result.nominated_node)
            return
        status = self.binding_cycle(state, result, pinfo, d)
        if not status.is_success():
            self.handle_binding_cycle_error(pinfo, status, d)

    def skip_pod_schedule(self, pod: dict) -> bool:
        """skipPodSchedule: an assumed pod (its binding is under way), or a pod being deleted (with an event)."""
        if self.cache.is_assumed(pod):
            return True
        if not pod["metadata"].get("deletionTimestamp"):
            return False
        name = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        self.record("skip-deleting", name)
        self.recorder.eventf(pod, "Warning", "FailedScheduling", "Scheduling",
                             f"skip schedule deleting pod: {name}")
        return True

    def scheduling_cycle(self, state: CycleState, pinfo: QueuedPodInfo, d: Decision
                         ) -> tuple[ScheduleResult, Diagnosis, Status]:
        """schedulingCycle: SchedulePod; on a FitError, PostFilter (DefaultPreemption's message); on success, assume
        the pod on the suggested host (`pinfo.pod` becomes the assumed copy, as Go's assumedPodInfo)."""
        pod = pinfo.pod
        try:
            result, diagnosis = self.schedule_pod(state, pod, d)
        except _NoNodes:
            return ScheduleResult(), Diagnosis(), Status(UNRESOLVABLE, (NO_NODES_AVAILABLE,))
        except FitError as fit:
            self.decisions.keep_tables(d)
            fit.diagnosis.post_filter_msg, nominated = self.post_filter(state, pod, fit.diagnosis)
            if nominated is not None:
                self.nominator.add(pod, nominated)
            return ScheduleResult(nominated_node=nominated), fit.diagnosis, Status(UNSCHEDULABLE, (fit.error(),))
        self.decisions.keep_tables(d)
        assumed = deep_copy(pod)
        assumed["spec"]["nodeName"] = result.suggested_host
        self.cache.assume_pod(assumed)
        self.nominator.forget(pod)
        pinfo.pod = assumed
        self.record("scheduled", d.pod, **_summary(d))
        return result, diagnosis, PASS

    def schedule_pod(self, state: CycleState, pod: dict, d: Decision) -> tuple[ScheduleResult, Diagnosis]:
        """schedulePod: the nodes that fit, then (when more than one does) Score and selectHost.

        Raises _NoNodes (ErrNoNodesAvailable) on an empty cluster and FitError when no node fits."""
        nodes = self.nominator.with_nominated_pods(self.cache.node_infos(), pod)
        d.num_all_nodes = len(nodes)
        if not nodes:
            raise _NoNodes()
        state.values["num_all_nodes"] = len(nodes)
        feasible, diagnosis = self.find_nodes_that_fit_pod(state, pod, nodes, d)
        if not feasible:
            raise FitError(len(nodes), diagnosis)
        evaluated = len(feasible) + len(diagnosis.node_to_status)
        if len(feasible) == 1:
            d.winner, d.tie_break = feasible[0].name, {"how": "only-feasible"}
            return ScheduleResult(d.winner, evaluated, 1), diagnosis
        totals = self.prioritize_nodes(state, pod, feasible, d)
        host, tied, draws = select_host_of(d.feasible, totals, NUMBER_OF_HIGHEST_SCORED_NODES_TO_REPORT,
                                           self.rnd)
        d.winner, d.tied = host, tied
        best = max(totals)           # the winner's total
        d.tie_break = {"how": "reservoir" if len(tied) > 1 else "highest", "tied": len(tied), "best": best,
                       "draws": draws, "winner": host}
        return ScheduleResult(host, evaluated, len(feasible)), diagnosis

    def find_nodes_that_fit_pod(self, state: CycleState, pod: dict, nodes: list[NodeInfo], d: Decision
                                ) -> tuple[list[NodeInfo], Diagnosis]:
        """findNodesThatFitPod: PreFilter (a rejection there rejects every node), then Filter over up to
        numFeasibleNodesToFind nodes, round-robin from where the last attempt stopped."""
        diagnosis = Diagnosis()
        skip: set[str] = set()
        for pl in self.filter_plugins:
            status = pl.pre_filter(state, pod)
            if status is None:
                continue
            d.prefilter[pl.name] = status
            if status.code == SKIP:
                skip.add(pl.name)
            elif not status.is_success():
                if status.code == UNSCHEDULABLE:       # Go runs the remaining PreFilters (DynamicResources' too)
                    self.dynamic_resources.pre_filter(state, pod)
                for ni in nodes:
                    d.filters[ni.name] = {}
                diagnosis.node_to_status = {ni.name: status for ni in nodes}
                diagnosis.pre_filter_msg, diagnosis.unschedulable_plugins = status.message(), {pl.name}
                return [], diagnosis
        self.dynamic_resources.pre_filter(state, pod)   # last of the PreFilters (Skip: no claims; not tabled)
        d.skipped_filter_plugins = sorted(skip)
        plugins = state.values["filter_plugins"] = [pl for pl in self.filter_plugins if pl.name not in skip]
        nominated = self.cache.nodes.get((pod.get("status") or {}).get("nominatedNodeName") or "")
        if nominated is not None and nominated.node is not None:        # evaluateNominatedNode: that node first
            ok, _ = filter_nodes(state, pod, plugins, [nominated], 0, 1, d.filters)
            if ok:
                d.feasible = [nominated.name]
                return ok, diagnosis
        d.num_feasible_nodes_to_find = num_feasible_nodes_to_find(len(nodes), self.percentage_of_nodes_to_score)
        d.start_index = self.next_start_node_index
        feasible, failed = filter_nodes(state, pod, plugins, nodes, d.start_index, d.num_feasible_nodes_to_find,
                                        d.filters)
        d.rejected = diagnosis.node_to_status = failed
        diagnosis.unschedulable_plugins = {s.plugin for s in failed.values()}
        self.next_start_node_index = (d.start_index + len(feasible) + len(failed)) % len(nodes)
        d.feasible = [ni.name for ni in feasible]
        return feasible, diagnosis

    def prioritize_nodes(self, state: CycleState, pod: dict, feasible: list[NodeInfo], d: Decision) -> list[int]:
        """prioritizeNodes: PreScore, Score, NormalizeScore and weights; each feasible node's total, in order."""
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
        return totals

    def post_filter(self, state: CycleState, pod: dict, diagnosis: Diagnosis) -> tuple[str, str | None]:
        """RunPostFilterPlugins: DynamicResources, then DefaultPreemption; a Success (room made) ends the run with no
        message, an Error (DRA's `not found`) is the whole part, rejections' reasons are joined with ", ". Also
        the node to nominate (None: leave the nomination)."""
        dra = self.dynamic_resources.post_filter(state, pod, diagnosis)
        if dra.code == ERROR:
            return dra.message(), None
        status, nominated = self.default_preemption.post_filter(state, pod, diagnosis)
        if status.is_success() or status.code == ERROR:
            return status.message(), nominated
        return ", ".join([*dra.reasons, *status.reasons]), nominated

    # --- failure and binding --------------------------------------------------------------------------------------

    def handle_scheduling_failure(self, pinfo: QueuedPodInfo, status: Status, diagnosis: Diagnosis,
                                  d: Decision, nominated: str | None = None) -> None:
        """handleSchedulingFailure: requeue, Warning FailedScheduling, and PodScheduled=False on the pod's status.

        A rejection (Unschedulable, UnschedulableAndUnresolvable) waits in unschedulablePods for the plugins that
        rejected it; any other status is a SchedulerError and backs off."""
        message = status.message()
        reason = UNSCHEDULABLE if status.is_rejected() else "SchedulerError"
        d.message, d.outcome = message, reason
        pod = self.pods.get(pinfo.key)
        queue = "none"                  # not requeued: the pod is gone or assigned
        if pod is not None and not pod["spec"].get("nodeName"):
            pinfo.pod = pod
            queue = self.queue.add_unschedulable(pinfo, status.is_rejected(), diagnosis.unschedulable_plugins,
                                                 self.now)
        retry = self.queue.backoff_duration(pinfo) if queue == "backoffQ" else None
        why, more = _details(d)
        self.record("unschedulable", d.pod, message=message, reason=reason, queue=queue, retry=retry,
                    why=why, more=more)
        if pod is None:
            return
        if len(message) > MESSAGE_SIZE_LIMIT:
            note = message[:MESSAGE_SIZE_LIMIT - 4] + " ..."
        else:
            note = message
        self.recorder.eventf(pod, "Warning", "FailedScheduling", "Scheduling", note)
        self.update_pod_condition(pod, reason, message, nominated)

    def update_pod_condition(self, pod: dict, reason: str, message: str, nominated: str | None = None) -> None:
        """updatePod: patch PodScheduled=False and status.nominatedNodeName, only when either changes."""
        old = get_condition(pod, "PodScheduled") or {}
        nnn = nominated is not None and (pod.get("status") or {}).get("nominatedNodeName", "") != nominated
        if old.get("status") == "False" and old.get("reason") == reason and old.get("message") == message \
                and not nnn:
            return
        cond = {"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                "lastTransitionTime": old.get("lastTransitionTime") if old.get("status") == "False"
                else timestamp(self.now), "reason": reason, "message": message}
        m = pod["metadata"]
        try:
            self.client.patch("pods", m["namespace"], m["name"], {"status": {"conditions": [cond], **(
                {"nominatedNodeName": nominated or None} if nnn else {})}}, subresource="status")
        except APIError:
            pass

    def binding_cycle(self, state: CycleState, result: ScheduleResult, pinfo: QueuedPodInfo, d: Decision
                      ) -> Status:
        """bindingCycle: DefaultBinder POSTs the Binding of the assumed pod; on success, the Scheduled event."""
        assumed, node = pinfo.pod, result.suggested_host
        m = assumed["metadata"]
        try:
            self.client.bind(assumed, node)
        except APIError as err:
            return Status(ERROR, (f'running Bind plugin "DefaultBinder": {err.message}',), "DefaultBinder")
        d.outcome = "bound"
        self.record("bound", d.pod, pod=m["name"], node=node)
        self.recorder.eventf(assumed, "Normal", "Scheduled", "Binding",
                             f"Successfully assigned {m['namespace']}/{m['name']} to {node}")
        return PASS

    def handle_binding_cycle_error(self, pinfo: QueuedPodInfo, status: Status, d: Decision) -> None:
        """handleBindingCycleError: forget the assumed pod (its node gets the resources back), then fail as above."""
        self.cache.forget_pod(pinfo.pod)
        self.handle_scheduling_failure(pinfo, status, Diagnosis(), d)


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


def _rejections(d: Decision) -> list[str]:
    """FitError-style histogram of this attempt's Filter rejections (for the trace line)."""
    return FitError(d.num_all_nodes, Diagnosis(d.rejected)).histogram()


def _details(d: Decision, limit: int = 3) -> tuple[list[dict], int]:
    """The facts behind the first few Filter rejections (`{"node": "node-1", "detail": [{"why": "insufficient",
    "resource": "cpu", ...}]}`), and how many more rejections have some."""
    out = [{"node": n, "detail": list(status.detail)} for n, status in d.rejected.items() if status.detail]
    return out[:limit], max(len(out) - limit, 0)


def _summary(d: Decision) -> dict:
    return {"feasible": len(d.feasible), "visited": len(d.filters), "all_nodes": d.num_all_nodes,
            "to_find": d.num_feasible_nodes_to_find, "totals": d.totals, "winner": d.winner,
            "tied": list(d.tied), "rejected": _rejections(d)}
