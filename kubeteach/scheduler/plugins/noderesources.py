"""NodeResourcesFit and NodeResourcesBalancedAllocation (pkg/scheduler/framework/plugins/noderesources:
fit.go, least_allocated.go, balanced_allocation.go).
"""

from __future__ import annotations

from collections.abc import Sequence

from ...pods import Resource, pod_requests
from ..cache import NodeInfo, memoized
from ..framework import (
    MAX_NODE_SCORE,
    PASS,
    SKIP,
    UNSCHEDULABLE,
    CycleState,
    Explain,
    ExplainRows,
    Plugin,
    Status,
)

MB = 1024 * 1024


def least_requested_score(requested: int, capacity: int) -> int:
    """((capacity - requested) * 100) / capacity, or 0 when the node would be over-committed."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


class NodeResourcesFit(Plugin):
    """Filter: requests fit allocatable minus what the node's pods request. Score: LeastAllocated (cpu 1,
    memory 1) over NonZeroRequested, where a container without requests counts 100m and 200Mi."""

    name = "NodeResourcesFit"
    weight = 1

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        state.values["request"] = pod_requests(pod)
        return Status()

    def filter(self, state: CycleState, pod: dict, ni: NodeInfo) -> Status:
        req: Resource = state.values["request"]
        alloc, used = ni.allocatable, ni.requested
        if len(ni.pods) < alloc.allowed_pod_number and req.milli_cpu <= alloc.milli_cpu - used.milli_cpu and \
                req.memory <= alloc.memory - used.memory and \
                req.ephemeral_storage <= alloc.ephemeral_storage - used.ephemeral_storage:
            return PASS
        reasons: list[str] = []
        details: list[dict] = []
        if len(ni.pods) + 1 > alloc.allowed_pod_number:
            reasons.append("Too many pods")
            details.append({"why": "too-many-pods", "pods": len(ni.pods), "allowed": alloc.allowed_pod_number})
        for res, want, free in (
                ("cpu", req.milli_cpu, alloc.milli_cpu - used.milli_cpu),
                ("memory", req.memory, alloc.memory - used.memory),
                ("ephemeral-storage", req.ephemeral_storage, alloc.ephemeral_storage - used.ephemeral_storage)):
            if want > 0 and want > free:
                reasons.append(f"Insufficient {res}")
                details.append({"why": "insufficient", "resource": res, "requested": want, "free": free})
        if not reasons:
            return PASS
        return Status(UNSCHEDULABLE, tuple(reasons), self.name, tuple(details))

    def filter_rejects(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> dict[int, Status]:
        req: Resource = state.values["request"]
        key = f"{self.name} filter {req.milli_cpu} {req.memory} {req.ephemeral_storage}"
        verdicts = memoized(nodes, key, lambda ni: (self.filter(state, pod, ni),))
        return {k: v[0] for k, v in enumerate(verdicts) if v[0] is not PASS}

    def score(self, state: CycleState, pod: dict, ni: NodeInfo) -> tuple[int, Explain]:
        req = state.values.get("request_non_zero")
        if req is None:
            req = state.values["request_non_zero"] = pod_requests(pod, non_zero=True)
        args = (ni.allocatable.milli_cpu, ni.non_zero_requested.milli_cpu + req.milli_cpu,
                ni.allocatable.memory, ni.non_zero_requested.memory + req.memory)
        return least_allocated(*args), (least_allocated_text, *args)

    def score_all(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> tuple[list[int], Sequence[Explain]]:
        req = state.values.get("request_non_zero")
        if req is None:
            req = state.values["request_non_zero"] = pod_requests(pod, non_zero=True)
        cpu, mem = req.milli_cpu, req.memory

        def compute(ni: NodeInfo) -> tuple:
            args = (ni.allocatable.milli_cpu, ni.non_zero_requested.milli_cpu + cpu,
                    ni.allocatable.memory, ni.non_zero_requested.memory + mem)
            return least_allocated(*args), *args

        rows = memoized(nodes, f"{self.name} score {cpu} {mem}", compute)
        return [row[0] for row in rows], ExplainRows(least_allocated_text, rows)


def least_allocated(cpu_alloc: int, cpu_used: int, mem_alloc: int, mem_used: int) -> int:
    """LeastAllocated over cpu and memory (weights 1 and 1); a resource with no allocatable is left out."""
    total = weights = 0
    if cpu_alloc:
        total, weights = least_requested_score(cpu_used, cpu_alloc), 1
    if mem_alloc:
        total, weights = total + least_requested_score(mem_used, mem_alloc), weights + 1
    return total // weights if weights else 0


def least_allocated_text(cpu_alloc: int, cpu_used: int, mem_alloc: int, mem_used: int) -> str:
    """The arithmetic behind least_allocated, for the decision table."""
    parts = []
    for res, alloc, used in (("cpu", cpu_alloc, cpu_used), ("memory", mem_alloc, mem_used)):
        if alloc == 0:
            continue
        a, u = (f"{alloc}m", f"{used}m") if res == "cpu" else (_mib(alloc), _mib(used))
        parts.append(f"{res} ({a}-{u})*100/{a}={least_requested_score(used, alloc)}")
    return f"LeastAllocated ({' + '.join(parts)}) / {len(parts)} = {least_allocated(cpu_alloc, cpu_used, mem_alloc, mem_used)}"


def _mib(n: int) -> str:
    return f"{n // MB}Mi" if n % MB == 0 else str(n)


class NodeResourcesBalancedAllocation(Plugin):
    """Favours nodes whose cpu and memory fractions stay close: (1 - |f_cpu - f_mem| / 2) * 100 over the real
    requests (useRequested). Best-effort pods (no requests at all) are skipped (kubernetes#129138)."""

    name = "NodeResourcesBalancedAllocation"
    weight = 1

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        req = pod_requests(pod)
        state.values["balanced_request"] = req
        if req.milli_cpu == 0 and req.memory == 0:
            return Status(SKIP, plugin=self.name)
        return Status()

    def score(self, state: CycleState, pod: dict, ni: NodeInfo) -> tuple[int, Explain]:
        req: Resource = state.values["balanced_request"]
        args = (ni.allocatable.milli_cpu, ni.requested.milli_cpu + req.milli_cpu,
                ni.allocatable.memory, ni.requested.memory + req.memory)
        return balanced_allocation(*args)[0], (balanced_allocation_text, *args)

    def score_all(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> tuple[list[int], Sequence[Explain]]:
        req: Resource = state.values["balanced_request"]
        cpu, mem = req.milli_cpu, req.memory

        def compute(ni: NodeInfo) -> tuple:
            args = (ni.allocatable.milli_cpu, ni.requested.milli_cpu + cpu, ni.allocatable.memory,
                    ni.requested.memory + mem)
            return balanced_allocation(*args)[0], *args

        rows = memoized(nodes, f"{self.name} score {cpu} {mem}", compute)
        return [row[0] for row in rows], ExplainRows(balanced_allocation_text, rows)


def balanced_allocation(cpu_alloc: int, cpu_used: int, mem_alloc: int, mem_used: int
                        ) -> tuple[int, list[tuple[str, float]], float]:
    """The score, the per-resource fractions, and their standard deviation."""
    fractions, parts = [], []
    for res, alloc, used in (("cpu", cpu_alloc, cpu_used), ("memory", mem_alloc, mem_used)):
        if alloc == 0:
            continue
        f = min(used / alloc, 1.0)
        fractions.append(f)
        parts.append(res)
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = sum(fractions) / len(fractions)
        std = (sum((f - mean) ** 2 for f in fractions) / len(fractions)) ** 0.5
    return int((1 - std) * MAX_NODE_SCORE), list(zip(parts, fractions)), std


def balanced_allocation_text(cpu_alloc: int, cpu_used: int, mem_alloc: int, mem_used: int) -> str:
    """The arithmetic behind balanced_allocation, for the decision table."""
    score, fractions, std = balanced_allocation(cpu_alloc, cpu_used, mem_alloc, mem_used)
    parts = ", ".join(f"{r} {f:.4f}" for r, f in fractions)
    return f"fractions {parts}; std {std:.4f}; (1 - std) * 100 = {score}"
