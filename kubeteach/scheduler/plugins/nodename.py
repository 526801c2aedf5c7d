"""NodeName (pkg/scheduler/framework/plugins/nodename)."""

from __future__ import annotations

from ..cache import NodeInfo
from ..framework import PASS, UNRESOLVABLE, CycleState, Plugin, Status

ERR_NODE_NAME = "node(s) didn't match the requested node name"


class NodeName(Plugin):
    """Rejects every node but spec.nodeName when a pod names one (never, for pods this scheduler sees)."""

    name = "NodeName"

    def filter(self, state: CycleState, pod: dict, ni: NodeInfo) -> Status:
        wanted = pod["spec"].get("nodeName")
        if wanted and wanted != ni.name:
            return self.fail(UNRESOLVABLE, ERR_NODE_NAME)
        return PASS

    def filter_rejects(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> dict[int, Status]:
        return super().filter_rejects(state, pod, nodes) if pod["spec"].get("nodeName") else {}
