"""Pod helpers every component shares: resource requests (k8s.io/component-helpers/resource), phase and readiness
(pkg/api/v1/pod/util.go, pkg/controller/controller_utils.go). One copy, so the scheduler, the kubelet, the
controllers, kubectl and the pictures agree on what a pod asks for and whether it counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from .objects import get_condition, int_value, is_being_deleted, milli_value, parse_timestamp

DEFAULT_MILLI_CPU_REQUEST = 100                 # util/pod_resources.go DefaultMilliCPURequest
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024      # DefaultMemoryRequest, 200 MiB
#: the phases a pod never leaves (PodSucceeded, PodFailed)
TERMINAL_PHASES = ("Succeeded", "Failed")


# --- phase and readiness --------------------------------------------------------------------------------------


def phase_of(pod: dict) -> str | None:
    """status.phase, or None before the kubelet has written one."""
    return (pod.get("status") or {}).get("phase")


def is_terminal(pod: dict) -> bool:
    """Succeeded or Failed: the pod's containers will not run again (podutil.IsPodTerminal)."""
    return phase_of(pod) in TERMINAL_PHASES


def is_pod_active(pod: dict) -> bool:
    """controller.IsPodActive: not Succeeded, not Failed, not being deleted."""
    return not is_terminal(pod) and not is_being_deleted(pod)


def is_pod_ready(pod: dict) -> bool:
    """podutil.IsPodReady: the Ready condition is True."""
    cond = get_condition(pod, "Ready")
    return cond is not None and cond.get("status") == "True"


def is_pod_available(pod: dict, min_ready_seconds: int, now: float) -> bool:
    """podutil.IsPodAvailable: Ready, and Ready for longer than minReadySeconds."""
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    since = get_condition(pod, "Ready").get("lastTransitionTime")
    return since is not None and parse_timestamp(since) + min_ready_seconds < now


# --- resource requests (component-helpers/resource/helpers.go) ------------------------------------------------


@dataclass
class Resource:
    """framework.Resource for the resources the lessons use: CPU (millicores), memory and ephemeral storage
    (bytes), and the allowed pod count."""

    milli_cpu: int = 0
    memory: int = 0
    ephemeral_storage: int = 0
    allowed_pod_number: int = 0

    def add(self, other: Resource, sign: int = 1) -> None:
        self.milli_cpu += sign * other.milli_cpu
        self.memory += sign * other.memory
        self.ephemeral_storage += sign * other.ephemeral_storage

    def max_with(self, other: Resource) -> None:
        self.milli_cpu = max(self.milli_cpu, other.milli_cpu)
        self.memory = max(self.memory, other.memory)
        self.ephemeral_storage = max(self.ephemeral_storage, other.ephemeral_storage)


def resource_list(values: dict | None) -> Resource:
    """A ResourceList (`{"cpu": "250m", "memory": "64Mi"}`) as a Resource."""
    values = values or {}
    return Resource(milli_value(values["cpu"]) if "cpu" in values else 0,
                    int_value(values["memory"]) if "memory" in values else 0,
                    int_value(values["ephemeral-storage"]) if "ephemeral-storage" in values else 0,
                    int_value(values["pods"]) if "pods" in values else 0)


def _container_requests(container: dict, non_zero: bool) -> Resource:
    requests = (container.get("resources") or {}).get("requests") or {}
    r = resource_list(requests)
    if non_zero:
        if "cpu" not in requests:
            r.milli_cpu = DEFAULT_MILLI_CPU_REQUEST
        if "memory" not in requests:
            r.memory = DEFAULT_MEMORY_REQUEST
    return r


def is_restartable_init_container(container: dict) -> bool:
    """IsRestartableInitContainer: an init container with `restartPolicy: Always`, a sidecar."""
    return container.get("restartPolicy") == "Always"


def pod_requests(pod: dict, non_zero: bool = False) -> Resource:
    """PodRequests (aggregateContainerResourcesByFn): the containers and the sidecars (restartable init containers)
    summed; at least, for each init container, its request plus the sidecars started before it; plus overhead.

    What the scheduler filters and scores on and what the kubelet admits on. `non_zero` gives a container without
    a request 100m CPU and 200 MiB (NonMissingContainerRequests, for scoring). Pod-level resources
    (spec.resources) and in-place resize status are not modelled.
    """
    spec = pod.get("spec") or {}
    total = Resource()
    for c in spec.get("containers") or []:
        total.add(_container_requests(c, non_zero))
    init_max, sidecars = Resource(), Resource()
    for c in spec.get("initContainers") or []:
        req = _container_requests(c, non_zero)
        if is_restartable_init_container(c):
            total.add(req)
            sidecars.add(req)
            req = Resource(sidecars.milli_cpu, sidecars.memory, sidecars.ephemeral_storage)
        else:
            req.add(sidecars)
        init_max.max_with(req)
    total.max_with(init_max)
    total.add(resource_list(spec.get("overhead")))
    return total
