"""The container runtime behind CRI (containerd's CRI plugin), reduced to its observable contract.

RunPodSandbox creates the pause sandbox and runs CNI ADD inside it (the kubelet never calls CNI itself);
StopPodSandbox runs CNI DEL. Containers go CREATED -> RUNNING -> EXITED; containerd reports the exit reason:
`Completed` for exit code 0, `Error` otherwise (pkg/cri/server/container_status.go).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..objects import Randomness
from .cni import CNIError, HostLocal, add_error

PAUSE_IMAGE = "registry.k8s.io/pause:3.10"


class CRIError(Exception):
    """A failed CRI call, as the kubelet receives it over gRPC."""


@dataclass
class Sandbox:
    """A pod sandbox: the pause container holding the pod's network namespace."""

    id: str
    pod_uid: str
    pod_key: str
    ip: str
    ready: bool = True


@dataclass
class Container:
    """One container instance (a restart creates a new one with a new ID)."""

    id: str
    sandbox_id: str
    name: str
    image: str           # the fully qualified reference containerd reports
    image_id: str
    created_at: float
    state: str = "CONTAINER_CREATED"
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    reason: str = ""
    logs: list[tuple[float, str]] = field(default_factory=list)   # (virtual time, line) the process wrote
    app: Any = None      # what the process does (apps.App): listens, answers, reacts to its stop signal

    @property
    def running(self) -> bool:
        """The process is up."""
        return self.state == "CONTAINER_RUNNING"

    @property
    def exited(self) -> bool:
        """The process ended (exit_code and reason say how)."""
        return self.state == "CONTAINER_EXITED"


class Runtime:
    """containerd on one node: sandboxes, containers, and the CNI plugin it calls."""

    def __init__(self, rnd: Randomness, cni: HostLocal):
        self.rnd, self.cni = rnd, cni
        self.sandboxes: dict[str, Sandbox] = {}
        self.containers: dict[str, Container] = {}

    def new_id(self) -> str:
        """A 64-hex container or sandbox ID, as containerd generates them."""
        return f"{self.rnd.rng.getrandbits(256):064x}"

    def run_pod_sandbox(self, pod_uid: str, pod_key: str) -> Sandbox:
        """RunPodSandbox: start the pause container, then CNI ADD for eth0; fails if IPAM has no address."""
        sid = self.new_id()
        try:
            ip = self.cni.add(sid, "eth0")
        except CNIError as err:
            raise CRIError(f"rpc error: code = Unknown desc = {add_error(sid, err)}") from None
        sandbox = Sandbox(sid, pod_uid, pod_key, ip)
        self.sandboxes[sid] = sandbox
        return sandbox

    def stop_pod_sandbox(self, sandbox_id: str) -> list[str]:
        """StopPodSandbox: CNI DEL (releasing the IP) and stop the pause container; returns released IPs."""
        sandbox = self.sandboxes.get(sandbox_id)
        if sandbox is None:
            return []
        sandbox.ready = False
        return self.cni.delete(sandbox_id, "eth0")

    def remove_pod_sandbox(self, sandbox_id: str) -> None:
        """RemovePodSandbox: forget the sandbox and its containers."""
        self.sandboxes.pop(sandbox_id, None)
        for cid in [c.id for c in self.containers.values() if c.sandbox_id == sandbox_id]:
            del self.containers[cid]

    def create_container(self, sandbox_id: str, name: str, image: str, image_id: str, now: float) -> Container:
        """CreateContainer: a new container in the sandbox, not yet started."""
        ctr = Container(self.new_id(), sandbox_id, name, image, image_id, now)
        self.containers[ctr.id] = ctr
        return ctr

    def start_container(self, container_id: str, now: float) -> Container:
        """StartContainer: the process runs."""
        ctr = self.containers[container_id]
        ctr.state, ctr.started_at = "CONTAINER_RUNNING", now
        return ctr

    def exit_container(self, container_id: str, now: float, exit_code: int, reason: str = "") -> Container:
        """The process ended (by itself, by StopContainer's signal, or killed); containerd records why."""
        ctr = self.containers[container_id]
        if ctr.exited:
            return ctr
        ctr.state, ctr.finished_at, ctr.exit_code = "CONTAINER_EXITED", now, exit_code
        ctr.reason = reason or ("Completed" if exit_code == 0 else "Error")
        if ctr.started_at is None:
            ctr.started_at = now
        return ctr

    def stop_container(self, container_id: str, now: float, grace: int) -> Container:
        """StopContainer: SIGTERM, then SIGKILL after `grace` seconds; our processes exit on SIGTERM with 0."""
        return self.exit_container(container_id, now, 0)
