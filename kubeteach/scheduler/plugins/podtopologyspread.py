"""PodTopologySpread (pkg/scheduler/framework/plugins/podtopologyspread): the system default constraints.

A pod without topologySpreadConstraints of its own is spread by the defaults (plugin.go systemDefaultConstraints):
kubernetes.io/hostname maxSkew 3 and topology.kubernetes.io/zone maxSkew 5, both ScheduleAnyway, so they only
score (PreFilter skips). Their selector is DefaultSelector's (helper/spread.go): the selector of the pod's
controlling ReplicaSet (kubeteach has no Services, ReplicationControllers or StatefulSets), and a pod with none
is not spread.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ...objects import controller_ref, selector_is_empty, selector_matches
from ..cache import Cache, NodeInfo
from ..framework import MAX_NODE_SCORE, SKIP, CycleState, Explain, ExplainRows, Plugin, Status
from .helper import node_affinity, term_matches

LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_ZONE = "topology.kubernetes.io/zone"
#: systemDefaultConstraints, in order: (topologyKey, maxSkew)
SYSTEM_DEFAULT_CONSTRAINTS = ((LABEL_HOSTNAME, 3), (LABEL_ZONE, 5))


def topology_normalizing_weight(size: int) -> float:
    """topologyNormalizingWeight: ln(size + 2), so a topology with few domains does not drown the others."""
    return math.log(size + 2)


def score_for_count(count: int, max_skew: int, weight: float) -> float:
    """scoreForCount: count × weight + (maxSkew − 1); the added maxSkew − 1 waters skews down."""
    return count * weight + (max_skew - 1)


def count_pods_match_selector(ni: NodeInfo, selector: dict, namespace: str) -> int:
    """countPodsMatchSelector: the node's pods in `namespace`, not being deleted, that the selector matches."""
    return sum(1 for p in ni.pods.values()
               if not p["metadata"].get("deletionTimestamp") and p["metadata"].get("namespace") == namespace
               and selector_matches(selector, p["metadata"].get("labels") or {}))


def required_node_affinity_matches(pod: dict, node: dict) -> bool:
    """GetRequiredNodeAffinity(pod).Match(node): spec.nodeSelector and the required node affinity terms."""
    labels = node.get("metadata", {}).get("labels") or {}
    if any(labels.get(k) != v for k, v in (pod["spec"].get("nodeSelector") or {}).items()):
        return False
    required = node_affinity(pod).get("requiredDuringSchedulingIgnoredDuringExecution")
    return not required or any(term_matches(t, node) for t in required.get("nodeSelectorTerms") or [])


class PodTopologySpread(Plugin):
    """Score with the system default constraints; PreFilter skips (they are ScheduleAnyway).

    Approximation: a pod's own topologySpreadConstraints are not modelled (such a pod is neither filtered nor
    scored by this plugin). ln() is Python's, which may differ from Go's math.Log in the last bit; scores are
    rounded to integers before anyone sees them.
    """

    name = "PodTopologySpread"
    weight = 2

    def __init__(self, cache: Cache | None = None, replicasets: Any = None):
        """`cache`: every node and its pods (PreScore counts over all nodes); `replicasets`: the RS informer."""
        self.cache, self.replicasets = cache, replicasets

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        return Status(SKIP, plugin=self.name)

    def default_selector(self, pod: dict) -> dict | None:
        """DefaultSelector: the controlling ReplicaSet's selector, or None (no spreading) without one."""
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != "ReplicaSet" or ref.get("apiVersion") != "apps/v1" \
                or self.replicasets is None:
            return None
        rs = self.replicasets.get(f"{pod['metadata'].get('namespace', '')}/{ref.get('name')}")
        selector = (rs or {}).get("spec", {}).get("selector")
        return None if selector is None or selector_is_empty(selector) else selector

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        """initPreScoreState and PreScore: the domains among the feasible nodes, their weights, and the matching
        pods per zone counted over every node that satisfies the pod's required node affinity."""
        all_nodes = self.cache.node_infos() if self.cache is not None else []
        if not all_nodes or pod["spec"].get("topologySpreadConstraints"):
            return Status(SKIP, plugin=self.name)
        selector = self.default_selector(pod)
        if selector is None:
            return Status(SKIP, plugin=self.name)
        zones: dict[str, int] = {}
        for ni in nodes:
            zones.setdefault(((ni.node or {}).get("metadata", {}).get("labels") or {}).get(LABEL_ZONE, ""), 0)
        weights = {LABEL_HOSTNAME: topology_normalizing_weight(len(nodes)),
                   LABEL_ZONE: topology_normalizing_weight(len(zones))}
        ns = pod["metadata"].get("namespace", "")
        for ni in all_nodes:
            node = ni.node or {}
            if not ni.pods or not required_node_affinity_matches(pod, node):
                continue
            value = (node.get("metadata", {}).get("labels") or {}).get(LABEL_ZONE, "")
            if value in zones:
                zones[value] += count_pods_match_selector(ni, selector, ns)
        state.values[self.name] = (selector, zones, weights)
        return Status()

    def score(self, state: CycleState, pod: dict, ni: NodeInfo) -> tuple[int, Explain]:
        score, parts = self._row(state, pod, ni)
        return score, _explain(parts, score)

    def score_all(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> tuple[list[int], Sequence[Explain]]:
        """Score every node; the sentences are written when read (ExplainRows over plain tuples of numbers)."""
        rows = [self._row(state, pod, ni) for ni in nodes]
        return [r[0] for r in rows], ExplainRows(_explain_row, rows)

    def _row(self, state: CycleState, pod: dict, ni: NodeInfo) -> tuple:
        selector, zones, weights = state.values[self.name]
        labels = (ni.node or {}).get("metadata", {}).get("labels") or {}
        total, parts = 0.0, []
        for key, max_skew in SYSTEM_DEFAULT_CONSTRAINTS:
            if key not in labels:
                continue
            if key == LABEL_HOSTNAME:
                count = count_pods_match_selector(ni, selector, pod["metadata"].get("namespace", ""))
                where = "on the node"
            else:
                count, where = zones[labels[key]], f"in {labels[key]}"
            total += score_for_count(count, max_skew, weights[key])
            parts.append((count, where, weights[key], max_skew - 1))
        score = math.floor(total + 0.5)            # math.Round, for a score that is never negative
        return (score, tuple(parts))

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        """NormalizeScore: fewer matching pods is better, 100 × (max + min − s) / max; all 100 when max is 0."""
        if not scores:
            return {}
        lo, hi = min(scores.values()), max(scores.values())
        if hi == 0:
            return dict.fromkeys(scores, MAX_NODE_SCORE)
        return {n: MAX_NODE_SCORE * (hi + lo - s) // hi for n, s in scores.items()}


def _explain_row(parts: tuple) -> str:
    """ExplainRows passes a row's numbers after its score; the score is their rounded sum."""
    total = sum(count * weight + extra for count, _, weight, extra in parts)
    return _explain(parts, math.floor(total + 0.5))


def _explain(parts: tuple, score: int) -> str:
    terms = [f"{count} matching pod(s) {where} × ln {weight:.2f} + {extra}" for count, where, weight, extra in parts]
    return f"{' + '.join(terms) or 'no topology labels'} ≈ {score} (fewer is better)"
