"""TaintToleration (pkg/scheduler/framework/plugins/tainttoleration)."""

from __future__ import annotations

from collections.abc import Sequence

from ...objects import tolerates
from ..cache import NodeInfo
from ..framework import (
    MAX_NODE_SCORE,
    PASS,
    UNRESOLVABLE,
    CycleState,
    Explain,
    Plugin,
    Status,
    default_normalize_score,
)

#: v1.35 text (CHANGELOG-1.35, kubernetes#134740): the taint stays out of the pod status; releases up to v1.34
#: printed `node(s) had untolerated taint {key: value}`. The decision table and trace still name the taint.
ERR_UNTOLERATED_TAINT = "node(s) had untolerated taint(s)"


class TaintToleration(Plugin):
    """Filter: the first NoSchedule/NoExecute taint no toleration matches. Score: untolerated PreferNoSchedule
    taints, normalized in reverse (fewer is better)."""

    name = "TaintToleration"
    weight = 3

    def filter(self, state: CycleState, pod: dict, ni: NodeInfo) -> Status:
        if not ni.taints:
            return PASS
        tolerations = pod["spec"].get("tolerations") or []
        for taint in ni.taints:
            if taint.get("effect") not in ("NoSchedule", "NoExecute"):
                continue
            if not any(tolerates(t, taint) for t in tolerations):
                return self.fail(UNRESOLVABLE, ERR_UNTOLERATED_TAINT,
                                 why="untolerated-taint", key=taint["key"], value=taint.get("value", ""),
                                 effect=taint["effect"])
        return PASS

    def filter_rejects(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> dict[int, Status]:
        return {k: status for k, ni in enumerate(nodes)
                if ni.taints and (status := self.filter(state, pod, ni)) is not PASS}

    def score(self, state: CycleState, pod: dict, ni: NodeInfo) -> tuple[int, Explain]:
        taints = ni.taints
        if not taints:
            return 0, _NO_PREFER_NO_SCHEDULE
        tolerations = [t for t in pod["spec"].get("tolerations") or []
                       if t.get("effect") in (None, "", "PreferNoSchedule")]
        count = sum(1 for taint in taints
                    if taint.get("effect") == "PreferNoSchedule" and not any(tolerates(t, taint) for t in tolerations))
        return count, f"{count} untolerated PreferNoSchedule taint(s)"

    def score_all(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> tuple[list[int], Sequence[Explain]]:
        if any(ni.taints for ni in nodes):
            return super().score_all(state, pod, nodes)
        return [0] * len(nodes), [_NO_PREFER_NO_SCHEDULE] * len(nodes)

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return default_normalize_score(scores, reverse=True)

    def normalize_list(self, names: list[str], raw: list[int]) -> list[int]:
        if not any(raw):
            return [MAX_NODE_SCORE] * len(raw)      # DefaultNormalizeScore, reverse, maxCount 0
        return super().normalize_list(names, raw)


_NO_PREFER_NO_SCHEDULE = "0 untolerated PreferNoSchedule taint(s)"
