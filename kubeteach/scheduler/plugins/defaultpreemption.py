"""DefaultPreemption (pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go): the PostFilter that
makes room for an unschedulable pod by evicting lower-priority pods (preemption.py is the Evaluator it drives).

Its answer is `preemption: ` + the Evaluator's message: "not eligible due to preemptionPolicy=Never.", "not
eligible due to a terminating pod on the nominated node.", or a FitError of the candidate nodes (`No preemption
victims found for incoming pod` where no pod has a lower priority, the Filter reason where removing them all would
not be enough, `Preemption is not helpful for scheduling` where removing pods cannot help). A successful
preemption answers Success with no message.
"""

from __future__ import annotations

from typing import Any

from ..framework import SUCCESS, UNRESOLVABLE, UNSCHEDULABLE, CycleState, Diagnosis, Plugin, Status
from ..preemption import NO_VICTIMS, Evaluator, filter_pods_with_pdb_violation, importance, pod_priority


class DefaultPreemption(Plugin):
    """PostFilter only; `handle` is the scheduler (framework.Handle: cache, filter plugins, client, recorder)."""

    name = "DefaultPreemption"

    def __init__(self, handle: Any):
        self.handle = handle
        self.evaluator = Evaluator(handle, self.select_victims_on_node)

    def post_filter(self, state: CycleState, pod: dict, diagnosis: Diagnosis) -> tuple[Status, str | None]:
        """PostFilter: Preempt, its message prefixed with `preemption: `; also the node to nominate (None: leave
        the pod's nomination as it is, "": clear it)."""
        status, nominated = self.evaluator.preempt(state, pod, diagnosis, self.pod_eligible_to_preempt_others(pod))
        if status.message():
            return Status(status.code, (f"preemption: {status.message()}",), self.name), nominated
        return status, nominated

    def pod_eligible_to_preempt_others(self, pod: dict) -> Status:
        """PodEligibleToPreemptOthers: not with preemptionPolicy Never, nor while a lower-priority pod on the node
        it is already nominated to is still terminating (the room it asked for is on its way)."""
        if pod["spec"].get("preemptionPolicy") == "Never":
            return Status(UNSCHEDULABLE, ("not eligible due to preemptionPolicy=Never.",))
        nominated = (pod.get("status") or {}).get("nominatedNodeName")
        ni = self.handle.cache.nodes.get(nominated or "")
        if nominated and ni is not None:
            prio = pod_priority(pod)
            if any(p["metadata"].get("deletionTimestamp") and pod_priority(p) < prio for p in ni.pods.values()):
                return Status(UNSCHEDULABLE, ("not eligible due to a terminating pod on the nominated node.",))
        return Status(SUCCESS)

    def _fits(self, state: CycleState, pod: dict, ni: Any) -> Status:
        """RunFilterPlugins on one node: the first rejection, or Success."""
        for pl in state.values.get("filter_plugins", self.handle.filter_plugins):     # those PreFilter kept
            status = pl.filter_rejects(state, pod, [ni]).get(0)
            if status is not None and not status.is_success():
                return status
        return Status(SUCCESS)

    def select_victims_on_node(self, state: CycleState, pod: dict, ni: Any, pdbs: list[dict]
                               ) -> tuple[list[dict], int, Status]:
        """SelectVictimsOnNode: remove every lower-priority pod; if the pod then fits, add them back one by one,
        most important first (PDB-violating ones before the others), keeping out those without which it no longer
        fits. Returns the victims (most important first), how many violate a PDB, and the status."""
        prio = pod_priority(pod)
        potential = [p for p in ni.pods.values() if pod_priority(p) < prio]
        if not potential:
            return [], 0, Status(UNRESOLVABLE, (NO_VICTIMS,))
        for p in potential:
            ni.remove_pod(p)
        status = self._fits(state, pod, ni)
        if not status.is_success():
            return [], 0, status
        potential.sort(key=importance)
        violating, non_violating = filter_pods_with_pdb_violation(potential, pdbs)
        victims: list[dict] = []
        violations = 0
        for group, counts in ((violating, True), (non_violating, False)):
            for p in group:
                ni.add_pod(p)
                if not self._fits(state, pod, ni).is_success():
                    ni.remove_pod(p)
                    victims.append(p)
                    violations += counts
        victims.sort(key=importance)
        return victims, violations, Status(SUCCESS)
