"""PodTopologySpread (pkg/scheduler/framework/plugins/podtopologyspread), without constraints."""

from __future__ import annotations

from ..cache import NodeInfo
from ..framework import SKIP, CycleState, Plugin, Status


class PodTopologySpread(Plugin):
    """No topologySpreadConstraints → Skip at PreFilter and PreScore: passes every node and scores 0.

    Approximation: Kubernetes also applies system-default constraints (zone maxSkew 5, hostname maxSkew 3,
    ScheduleAnyway) to pods owned by a ReplicaSet or Service; kubeteach does not score them.
    """

    name = "PodTopologySpread"
    weight = 2

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        return Status(SKIP, plugin=self.name)

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        return Status(SKIP, plugin=self.name)
