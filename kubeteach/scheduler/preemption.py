"""Preemption (pkg/scheduler/framework/preemption/preemption.go): the Evaluator DefaultPreemption drives.

Preempt: is the pod eligible; the candidate nodes (those whose Filter failure removing pods could resolve); a dry
run of victim selection on each; the node to pick (pickOneNodeForPreemption); then prepareCandidate: each victim
gets DisruptionTarget=True (PreemptionByScheduler), a graceful DELETE and a `Preempted` event, and the preemptor
is nominated to the node.

Approximations, each the real shape: the victims are deleted in the scheduling step (Go's prepareCandidateAsync
runs a goroutine); the dry run takes the candidate nodes in the cache's order from the first (Go draws a random
offset and ranges a map, so the seed's other draws stay as they were); nominated pods are not added back when
filtering (RunFilterPluginsWithNominatedPods) and PreFilter state is not adjusted per removed pod.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..client import APIError
from ..objects import get_condition, selector_is_empty, selector_matches, timestamp
from ..trace import narrative
from .cache import NodeInfo
from .framework import ERROR, SUCCESS, UNRESOLVABLE, UNSCHEDULABLE, Diagnosis, FitError, Status

#: DefaultPreemptionArgs defaults (apis/config/v1/defaults.go)
MIN_CANDIDATE_NODES_PERCENTAGE = 10
MIN_CANDIDATE_NODES_ABSOLUTE = 100
MAX_INT32 = 2**31 - 1
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"


def pod_priority(pod: dict) -> int:
    """corev1helpers.PodPriority: spec.priority, 0 when unset."""
    return int((pod.get("spec") or {}).get("priority") or 0)


def start_time(pod: dict) -> str:
    """GetPodStartTime: status.startTime, else the creation time (RFC 3339 strings sort as times)."""
    return (pod.get("status") or {}).get("startTime") or pod["metadata"].get("creationTimestamp") or ""


def importance(pod: dict) -> tuple[int, str]:
    """A sort key for MoreImportantPod: higher priority first, then the one that started earlier (negated
    priority, start time: sort ascending)."""
    return (-pod_priority(pod), start_time(pod))


@dataclass
class Candidate:
    """A node where preemption would make room: its victims (most important first) and their PDB violations."""

    name: str
    victims: list[dict] = field(default_factory=list)
    num_pdb_violations: int = 0


def clone_node_info(ni: NodeInfo) -> NodeInfo:
    """NodeInfo.Snapshot: a copy to remove victims from without touching the cache."""
    out = NodeInfo(ni.name)
    if ni.node is not None:
        out.set_node(ni.node)
    for pod in ni.pods.values():
        out.add_pod(pod)
    return out


def calculate_num_candidates(num_nodes: int) -> int:
    """calculateNumCandidates: 10% of the nodes, at least 100, at most all of them."""
    n = num_nodes * MIN_CANDIDATE_NODES_PERCENTAGE // 100
    return min(max(n, MIN_CANDIDATE_NODES_ABSOLUTE), num_nodes)


def filter_pods_with_pdb_violation(pods: list[dict], pdbs: list[dict]) -> tuple[list[dict], list[dict]]:
    """filterPodsWithPDBViolation: (violating, non-violating), each in `pods` order. A pod whose matching budget
    (same namespace, non-empty selector, not already in disruptedPods) has no disruption left violates it."""
    allowed = [int((p.get("status") or {}).get("disruptionsAllowed") or 0) for p in pdbs]
    violating, fine = [], []
    for pod in pods:
        m = pod["metadata"]
        hit = False
        for i, pdb in enumerate(pdbs):
            sel = (pdb.get("spec") or {}).get("selector")
            if pdb["metadata"].get("namespace") != m.get("namespace") or selector_is_empty(sel):
                continue
            if not selector_matches(sel, m.get("labels") or {}):
                continue
            if m["name"] in ((pdb.get("status") or {}).get("disruptedPods") or {}):
                continue
            allowed[i] -= 1
            if allowed[i] < 0:
                hit = True
        (violating if hit else fine).append(pod)
    return violating, fine


def pick_one_node_for_preemption(candidates: list[Candidate]) -> Candidate:
    """pickOneNodeForPreemption: fewest PDB violations; then the lowest highest-priority victim; then the smallest
    sum of priorities (each shifted by MaxInt32+1 to be positive); then the fewest victims; then the latest start
    time among the highest-priority victims; then the first."""
    def earliest_top_start(c: Candidate) -> str:
        top = pod_priority(c.victims[0])
        return min(start_time(v) for v in c.victims if pod_priority(v) == top)
    rules = (lambda c: -c.num_pdb_violations,
             lambda c: -pod_priority(c.victims[0]),
             lambda c: -sum(pod_priority(v) + MAX_INT32 + 1 for v in c.victims),
             lambda c: -len(c.victims),
             earliest_top_start)
    left = candidates
    for rule in rules:
        best = max(rule(c) for c in left)
        left = [c for c in left if rule(c) == best]
        if len(left) == 1:
            break
    return left[0]


class Evaluator:
    """The preemption Evaluator over a scheduler handle (its cache, filter plugins, client, recorder, pods)."""

    def __init__(self, handle: Any, select_victims_on_node: Any):
        self.handle, self.select_victims_on_node = handle, select_victims_on_node

    def preempt(self, state: Any, pod: dict, diagnosis: Diagnosis, eligible: Status) -> tuple[Status, str | None]:
        """Preempt: the status and the node to nominate (None: leave the nomination; "": clear it)."""
        if not eligible.is_success():
            return eligible, None
        nodes = self.handle.cache.node_infos()
        candidates, statuses = self.find_candidates(state, pod, nodes, diagnosis)
        if not candidates:
            for ni in nodes:
                statuses.setdefault(ni.name, Status(UNRESOLVABLE, (NOT_HELPFUL,)))
            if any(s.code == ERROR for s in statuses.values()):
                return Status(ERROR, tuple(s.message() for s in statuses.values() if s.code == ERROR)), None
            return Status(UNSCHEDULABLE, (FitError(len(nodes), Diagnosis(statuses)).error(),)), ""
        best = pick_one_node_for_preemption(candidates)
        self.prepare_candidate(best, pod)
        return Status(SUCCESS), best.name

    def find_candidates(self, state: Any, pod: dict, nodes: list[NodeInfo], diagnosis: Diagnosis
                        ) -> tuple[list[Candidate], dict[str, Status]]:
        """findCandidates: nodes where preemption might help (rejected Unschedulable, not Unresolvable), then
        dryRunPreemption over up to calculateNumCandidates of them."""
        potential = [ni for ni in nodes if (s := diagnosis.node_to_status.get(ni.name)) is not None and
                     s.code == UNSCHEDULABLE]
        if not potential:
            return [], {}
        pdbs = self.handle.pdbs.list() if self.handle.pdbs is not None else []   # none without policy/v1
        want = calculate_num_candidates(len(potential))
        candidates: list[Candidate] = []
        statuses: dict[str, Status] = {}
        for ni in potential:
            victims, violations, status = self.select_victims_on_node(state, pod, clone_node_info(ni), pdbs)
            if status.is_success() and victims:
                candidates.append(Candidate(ni.name, victims, violations))
                if len(candidates) >= want:
                    break
                continue
            if status.is_success():
                status = Status(ERROR, (f'expected at least one victim pod on node "{ni.name}"',))
            statuses[ni.name] = status
        return candidates, statuses

    def prepare_candidate(self, c: Candidate, pod: dict) -> None:
        """prepareCandidate: each victim gets DisruptionTarget=True, a graceful DELETE and a `Preempted` event;
        lower-priority pods nominated to the node lose their nomination."""
        h = self.handle
        scheduler = pod["spec"].get("schedulerName") or "default-scheduler"
        for victim in c.victims:
            m = victim["metadata"]
            cond = get_condition(victim, "DisruptionTarget") or {}
            try:
                if cond.get("status") != "True" or cond.get("reason") != "PreemptionByScheduler":
                    new = {"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                           "lastTransitionTime": timestamp(h.now), "reason": "PreemptionByScheduler",
                           "message": f"{scheduler}: preempting to accommodate a higher priority pod"}
                    if m.get("generation") is not None:
                        new["observedGeneration"] = m["generation"]
                    h.client.patch("pods", m["namespace"], m["name"], {"status": {"conditions": [new]}},
                                   subresource="status")
                h.client.delete("pods", m["namespace"], m["name"])
            except APIError as err:
                if err.code != 404:
                    continue
            h.recorder.eventf(victim, "Normal", "Preempted", "Preempting",
                              f"Preempted by pod {pod['metadata']['uid']} on node {c.name}", related=pod)
        h.record("preempt", f"{pod['metadata']['namespace']}/{pod['metadata']['name']}", node=c.name,
                 victims=[f"{v['metadata']['namespace']}/{v['metadata']['name']}" for v in c.victims],
                 priorities=[pod_priority(v) for v in c.victims], priority=pod_priority(pod),
                 pdb_violations=c.num_pdb_violations)
        for other in h.pods.list():
            st = other.get("status") or {}
            if (st.get("nominatedNodeName") == c.name and pod_priority(other) < pod_priority(pod)
                    and other["metadata"]["uid"] != pod["metadata"]["uid"]):
                try:
                    h.client.patch("pods", other["metadata"]["namespace"], other["metadata"]["name"],
                                   {"status": {"nominatedNodeName": None}}, subresource="status")
                except APIError:
                    pass


narrative({
    "preempt": lambda f: (f"{f['object']} (priority {f['priority']}) preempts on node {f['node']}: "
                          + ", ".join(f"{v} (priority {p})" for v, p in zip(f["victims"], f["priorities"]))
                          + " get DisruptionTarget=True and a graceful DELETE; the pod is nominated to "
                          + f["node"] + (f" ({f['pdb_violations']} PDB violation(s))" if f["pdb_violations"]
                                         else "")),
})
