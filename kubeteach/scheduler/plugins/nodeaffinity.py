"""NodeAffinity (pkg/scheduler/framework/plugins/nodeaffinity): spec.nodeSelector and node affinity."""

from __future__ import annotations

from ..cache import NodeInfo
from ..framework import PASS, SKIP, UNRESOLVABLE, CycleState, Explain, Plugin, Status, default_normalize_score
from .helper import node_affinity, term_matches

ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"


class NodeAffinity(Plugin):
    """Filter: spec.nodeSelector and required node affinity. Score: the weights of matching preferred terms."""

    name = "NodeAffinity"
    weight = 2

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        required = node_affinity(pod).get("requiredDuringSchedulingIgnoredDuringExecution")
        if not required and not pod["spec"].get("nodeSelector"):
            return Status(SKIP, plugin=self.name)
        return Status()

    def filter(self, state: CycleState, pod: dict, ni: NodeInfo) -> Status:
        node = ni.node or {}
        labels = node.get("metadata", {}).get("labels") or {}
        selector_ok = all(labels.get(k) == v for k, v in (pod["spec"].get("nodeSelector") or {}).items())
        required = node_affinity(pod).get("requiredDuringSchedulingIgnoredDuringExecution")
        affinity_ok = not required or any(term_matches(t, node) for t in required.get("nodeSelectorTerms") or [])
        return PASS if selector_ok and affinity_ok else self.fail(UNRESOLVABLE, ERR_NODE_AFFINITY)

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        if not node_affinity(pod).get("preferredDuringSchedulingIgnoredDuringExecution"):
            return Status(SKIP, plugin=self.name)
        return Status()

    def score(self, state: CycleState, pod: dict, ni: NodeInfo) -> tuple[int, Explain]:
        terms = node_affinity(pod).get("preferredDuringSchedulingIgnoredDuringExecution") or []
        weights = [int(t.get("weight", 0)) for t in terms if term_matches(t.get("preference"), ni.node or {})]
        return sum(weights), "matching preferred terms: " + (" + ".join(map(str, weights)) or "none")

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return default_normalize_score(scores, reverse=False)
