"""What the kubelet's parts see of the kubelet: three narrow, typed handles (Protocols) that `Kubelet` satisfies.

Go's kubelet hands its managers interfaces and functions, not itself (the volume manager gets a pod manager and
a client, the node status setters get funcs such as imageManager.GetImageList, the runtime manager a
RuntimeHelper). Here the node status manager sees a `NodeHandle`, the volume manager a `PodHandle`, the runtime
manager a `RuntimeHandle`; none of them imports the Kubelet, so the package has no import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..client import Client, Informer, WorkQueue
    from ..events import EventRecorder
    from ..loop import Entry, Loop
    from .cni import HostLocal
    from .runtime import Runtime
    from .status import PodRecord


class NodeHandle(Protocol):
    """Identity, API client, clock, trace and loop entries: what the Lease and node status need."""

    node_name: str
    client: Client

    @property
    def now(self) -> float:
        """The virtual clock."""

    def record(self, action: str, obj: str = "", **detail: Any) -> None:
        """A trace record by kubelet/<node>."""

    def schedule(self, delay: float, target: Any, handler: str, *args: Any, kind: str = "work",
                 label: str = "") -> Entry:
        """One loop entry of this kubelet, `target.handler(*args)` (parked while the kubelet is stopped)."""


class PodHandle(NodeHandle, Protocol):
    """Plus the pod workers' state: the pod informer, the pod records, the work queue and the event recorder."""

    recorder: EventRecorder
    queue: WorkQueue                       # add(key) / add_after(key, delay): sync that pod again
    pods: Informer                         # this node's pods, by namespace/name
    records: dict[str, PodRecord]          # the kubelet's memory of each pod, by UID


class ProbeHandle(Protocol):
    """What the runtime manager tells the prober (prober.py ProberManager): a container started, or changed."""

    def container_started(self, uid: str, container: str) -> None:
        """A new container runs: its probes start over, readiness at once."""

    def changed(self, uid: str) -> None:
        """A container of the pod exited, was signalled, or the pod is being deleted: the workers re-plan."""


class RuntimeHandle(PodHandle, Protocol):
    """Plus CRI and CNI (set when the kubelet starts), the prober, the loop (to cancel a planned probe) and the
    status manager's SetPodStatus."""

    runtime: Runtime
    cni: HostLocal
    prober: ProbeHandle
    env: Loop

    def write_status(self, pod: dict, rec: PodRecord, terminal: bool = False) -> None:
        """statusManager.SetPodStatus: regenerate the pod's status, write it when it changed."""
