"""NodeUnschedulable (pkg/scheduler/framework/plugins/nodeunschedulable)."""

from __future__ import annotations

from ...objects import tolerates
from ..cache import NodeInfo
from ..framework import PASS, UNRESOLVABLE, CycleState, Plugin, Status

ERR_UNSCHEDULABLE = "node(s) were unschedulable"


class NodeUnschedulable(Plugin):
    """Rejects cordoned nodes (spec.unschedulable) unless the pod tolerates node.kubernetes.io/unschedulable."""

    name = "NodeUnschedulable"

    def filter(self, state: CycleState, pod: dict, ni: NodeInfo) -> Status:
        if not ni.unschedulable:
            return PASS
        taint = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
        if any(tolerates(t, taint) for t in pod["spec"].get("tolerations") or []):
            return PASS
        return self.fail(UNRESOLVABLE, ERR_UNSCHEDULABLE)

    def filter_rejects(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> dict[int, Status]:
        return {k: status for k, ni in enumerate(nodes)
                if ni.unschedulable and (status := self.filter(state, pod, ni)) is not PASS}
