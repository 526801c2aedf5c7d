"""InterPodAffinity (pkg/scheduler/framework/plugins/interpodaffinity), without terms."""

from __future__ import annotations

from ..cache import NodeInfo
from ..framework import SKIP, CycleState, Plugin, Status


class InterPodAffinity(Plugin):
    """No pod (anti-)affinity → Skip at PreFilter and PreScore: passes every node and scores 0.

    Approximation: podAffinity/podAntiAffinity terms are not evaluated.
    """

    name = "InterPodAffinity"
    weight = 2

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        return Status(SKIP, plugin=self.name)

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        return Status(SKIP, plugin=self.name)
