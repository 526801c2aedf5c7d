"""The v1.35 default plugins (pkg/scheduler/framework/plugins), in the order default_plugins.go lists them.

Each plugin has the extension points it has in Kubernetes: pre_filter / filter (Status), pre_score (Status; Skip
drops the plugin from Score), score (an int, with the arithmetic as text), normalize. Volume limit and zone plugins,
DynamicResources and preemption victims are not modelled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..objects import tolerates
from ..pods import Resource, pod_requests
from .cache import NodeInfo, host_ports, memoized, ports_conflict
from .framework import (
    MAX_NODE_SCORE,
    PASS,
    SKIP,
    SUCCESS,
    UNRESOLVABLE,
    UNSCHEDULABLE,
    Explain,
    Status,
    default_normalize_score,
)

if TYPE_CHECKING:
    from .cache import Cache

#: v1.35 text (kubernetes#134740, also in 1.34.2): the taint stays out of the pod status; v1.28-1.34.1 printed
#: `node(s) had untolerated taint {key: value}`. The decision table and trace still name the taint.
ERR_UNTOLERATED_TAINT = "node(s) had untolerated taint {%s: %s}"  # the reference sheet's v1.35 text
ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
ERR_NODE_NAME = "node(s) didn't match the requested node name"
ERR_UNSCHEDULABLE = "node(s) were unschedulable"
ERR_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"
ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
ERR_PV_NODE_AFFINITY = "node(s) didn't match PersistentVolume's node affinity"
ERR_PV_MISSING = "pvc(s) bound to non-existent pv(s)"
MB = 1024 * 1024
IMAGE_MIN_THRESHOLD = 23 * MB
IMAGE_MAX_CONTAINER_THRESHOLD = 1000 * MB


@dataclass
class CycleState:
    """framework.CycleState: what PreFilter and PreScore computed once for this pod and this cycle."""

    pod: dict
    values: dict[str, Any] = field(default_factory=dict)


class Plugin:
    """A plugin; a missing extension point returns None (pre_filter) or is simply not listed."""

    name = ""
    weight = 0

    def pre_filter(self, state: CycleState, pod: dict) -> Status | None:
        return None

    def filter(self, state: CycleState, pod: dict, ni: NodeInfo) -> Status:
        return PASS

    def filter_rejects(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> dict[int, Status]:
        """Filter over many nodes: {index: status} for every status that is not the plain PASS."""
        return {k: status for k, ni in enumerate(nodes) if (status := self.filter(state, pod, ni)) is not PASS}

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        return Status()

    def score(self, state: CycleState, pod: dict, ni: NodeInfo) -> tuple[int, Explain]:
        return 0, ""

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return scores

    def score_all(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> tuple[list[int], Sequence[Explain]]:
        """Score every feasible node: the raw scores and their explanations, in `nodes` order."""
        raw, explain = [], []
        for ni in nodes:
            score, why = self.score(state, pod, ni)
            raw.append(score)
            explain.append(why)
        return raw, explain

    def normalize_list(self, names: list[str], raw: list[int]) -> list[int]:
        """NormalizeScore over the scores in node order (what `normalize` does to a dict)."""
        if type(self).normalize is Plugin.normalize:
            return raw
        by_node = self.normalize(dict(zip(names, raw)))
        return [by_node[n] for n in names]

    def fail(self, code: str, reason: str, detail: str = "") -> Status:
        return Status(code, (reason,), self.name, detail)


# --- helpers: tolerations and node selectors (component-helpers/scheduling/corev1) --------------------------------


def _requirement_matches(req: dict, value: str | None) -> bool:
    op, values = req.get("operator"), req.get("values") or []
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and len(values) == 1:
        try:
            a, b = int(value), int(values[0])
        except ValueError:
            return False
        return a > b if op == "Gt" else a < b
    return False


def term_matches(term: dict | None, node: dict) -> bool:
    """A NodeSelectorTerm: every matchExpression (labels) and matchField (metadata.name) holds; empty matches
    nothing."""
    term = term or {}
    exprs, fields_ = term.get("matchExpressions") or [], term.get("matchFields") or []
    if not exprs and not fields_:
        return False
    labels = node["metadata"].get("labels") or {}
    return all(_requirement_matches(r, labels.get(r.get("key"))) for r in exprs) and \
        all(r.get("key") == "metadata.name" and _requirement_matches(r, node["metadata"]["name"]) for r in fields_)


def node_affinity(pod: dict) -> dict:
    return ((pod["spec"].get("affinity") or {}).get("nodeAffinity")) or {}


# --- filters ----------------------------------------------------------------------------------------------------


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
                shown = f"{taint['key']}={taint.get('value', '')}:{taint['effect']}"
                return self.fail(UNRESOLVABLE, ERR_UNTOLERATED_TAINT % (taint["key"], taint.get("value", "")),
                                 f"untolerated taint {shown}")
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


class NodePorts(Plugin):
    """Rejects nodes where a requested hostPort is already taken."""

    name = "NodePorts"

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        state.values["ports"] = host_ports(pod)
        return Status() if state.values["ports"] else Status(SKIP, plugin=self.name)

    def filter(self, state: CycleState, pod: dict, ni: NodeInfo) -> Status:
        for ip, protocol, port in state.values["ports"]:
            if ports_conflict(ni.used_ports, ip, protocol, port):
                return self.fail(UNSCHEDULABLE, ERR_NODE_PORTS, f"hostPort {port}/{protocol} in use")
        return PASS


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
        reasons, details = [], []
        if len(ni.pods) + 1 > alloc.allowed_pod_number:
            reasons.append("Too many pods")
            details.append(f"{len(ni.pods)} of {alloc.allowed_pod_number} pods already")
        for res, want, free, show in (
                ("cpu", req.milli_cpu, alloc.milli_cpu - used.milli_cpu, lambda n: f"{n}m"),
                ("memory", req.memory, alloc.memory - used.memory, _mib),
                ("ephemeral-storage", req.ephemeral_storage, alloc.ephemeral_storage - used.ephemeral_storage, _mib)):
            if want > 0 and want > free:
                reasons.append(f"Insufficient {res}")
                details.append(f"{res} {show(want)} requested > {show(free)} free")
        if not reasons:
            return PASS
        return Status(UNSCHEDULABLE, tuple(reasons), self.name, "; ".join(details))

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


class ExplainRows(Sequence):
    """Explanations for a column of nodes, written on demand from each node's `(score, *numbers)` row."""

    def __init__(self, fn: Callable[..., str], rows: list[tuple]):
        self.fn, self.rows = fn, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> Explain:   # type: ignore[override]
        return (self.fn, *self.rows[i][1:])


class ExplainColumn(Sequence):
    """Explanations for a column of nodes, written on demand from the numbers kept per node."""

    def __init__(self, fn: Callable[..., str], columns: tuple[list[int], ...]):
        self.fn, self.columns = fn, columns

    def __len__(self) -> int:
        return len(self.columns[0])

    def __getitem__(self, i: int) -> Explain:   # type: ignore[override]
        return (self.fn, *(c[i] for c in self.columns))


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


class VolumeBinding(Plugin):
    """PreFilter: every PVC exists, is not being deleted, and an Immediate-mode PVC is already bound.
    Filter: a bound PV's node affinity admits the node. WaitForFirstConsumer claims pass (provisioning is
    assumed to follow the chosen node; PreBind's selected-node annotation is not written)."""

    name = "VolumeBinding"

    def __init__(self, pvcs: Any, pvs: Any, classes: Any):
        self.pvcs, self.pvs, self.classes = pvcs, pvs, classes

    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        ns = pod["metadata"]["namespace"]
        claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["spec"].get("volumes") or []
                  if v.get("persistentVolumeClaim")]
        if not claims:
            return Status(SKIP, plugin=self.name)
        bound, unbound_immediate = [], []
        for name in claims:
            pvc = self.pvcs.get(f"{ns}/{name}")
            if pvc is None:
                return self.fail(UNRESOLVABLE, f'persistentvolumeclaim "{name}" not found')
            if pvc["metadata"].get("deletionTimestamp"):
                return self.fail(UNRESOLVABLE, f'persistentvolumeclaim "{name}" is being deleted')
            if pvc["spec"].get("volumeName"):
                bound.append(pvc)
                continue
            cls = self.classes.get(pvc["spec"].get("storageClassName") or "")
            if not cls or cls.get("volumeBindingMode", "Immediate") != "WaitForFirstConsumer":
                unbound_immediate.append(name)
        if unbound_immediate:
            return self.fail(UNRESOLVABLE, ERR_UNBOUND_IMMEDIATE, "unbound: " + ", ".join(unbound_immediate))
        state.values["bound_pvcs"] = bound
        return Status()

    def filter(self, state: CycleState, pod: dict, ni: NodeInfo) -> Status:
        for pvc in state.values.get("bound_pvcs", []):
            pv = self.pvs.get(pvc["spec"]["volumeName"])
            if pv is None:
                return self.fail(UNRESOLVABLE, ERR_PV_MISSING)
            required = ((pv["spec"].get("nodeAffinity") or {}).get("required") or {}).get("nodeSelectorTerms")
            if required and not any(term_matches(t, ni.node or {}) for t in required):
                return self.fail(UNRESOLVABLE, ERR_PV_NODE_AFFINITY, f"PV {pv['metadata']['name']}")
        return PASS


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


def normalized_image_name(name: str) -> str:
    """An image without a tag means :latest (a ':' after the last '/' is a tag)."""
    return name if name.rfind(":") > name.rfind("/") else name + ":latest"


class ImageLocality(Plugin):
    """Favours nodes that already have the pod's images, scaled by how widely each image is spread; no normalize."""

    name = "ImageLocality"
    weight = 1

    def __init__(self, cache: Cache):
        self.cache = cache

    def score(self, state: CycleState, pod: dict, ni: NodeInfo) -> tuple[int, Explain]:
        images = state.values.get("images")
        if images is None:
            containers = (pod["spec"].get("initContainers") or []) + (pod["spec"].get("containers") or [])
            images = state.values["images"] = [normalized_image_name(c.get("image", "")) for c in containers]
        total_nodes = state.values["num_all_nodes"]
        total = 0
        for image in images:
            if image in ni.images:
                total += int(ni.images[image] * (self.cache.image_spread(image) / total_nodes))
        max_threshold = IMAGE_MAX_CONTAINER_THRESHOLD * len(images)
        clamped = min(max(total, IMAGE_MIN_THRESHOLD), max_threshold)
        score = MAX_NODE_SCORE * (clamped - IMAGE_MIN_THRESHOLD) // (max_threshold - IMAGE_MIN_THRESHOLD)
        return score, (_image_text, total, len(images), score)

    def score_all(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> tuple[list[int], Sequence[Explain]]:
        containers = (pod["spec"].get("initContainers") or []) + (pod["spec"].get("containers") or [])
        images = [normalized_image_name(c.get("image", "")) for c in containers]
        spread = {image: self.cache.image_spread(image) / state.values["num_all_nodes"] for image in images}
        max_threshold = IMAGE_MAX_CONTAINER_THRESHOLD * len(images)
        totals = []
        for ni in nodes:
            total, have = 0, ni.images
            if have:
                for image in images:
                    if image in have:
                        total += int(have[image] * spread[image])
            totals.append(total)
        score_of = {t: MAX_NODE_SCORE * (min(max(t, IMAGE_MIN_THRESHOLD), max_threshold) - IMAGE_MIN_THRESHOLD)
                    // (max_threshold - IMAGE_MIN_THRESHOLD) for t in set(totals)}    # most nodes share a total
        raw = list(map(score_of.__getitem__, totals))
        return raw, ExplainColumn(_image_text, (totals, [len(images)] * len(nodes), raw))


def _image_text(total: int, containers: int, score: int) -> str:
    return f"image bytes x spread = {total} (clamped to 23Mi..{containers * 1000}Mi) -> {score}"


def default_plugins(cache: Cache, pvcs: Any, pvs: Any, classes: Any) -> tuple[list[Plugin], list[Plugin]]:
    """The filter plugins and the score plugins of the default profile, each in default_plugins.go order."""
    taint, affinity, fit = TaintToleration(), NodeAffinity(), NodeResourcesFit()
    spread, inter = PodTopologySpread(), InterPodAffinity()
    filters = [NodeUnschedulable(), NodeName(), taint, affinity, NodePorts(), fit,
               VolumeBinding(pvcs, pvs, classes), spread, inter]
    scores = [taint, affinity, fit, spread, inter, NodeResourcesBalancedAllocation(), ImageLocality(cache)]
    return filters, scores


__all__ = ["SUCCESS", "CycleState", "Plugin", "default_plugins", "least_requested_score", "normalized_image_name",
           "tolerates"]
