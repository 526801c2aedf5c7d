"""Fault injection for the lessons: break one thing, then watch the control loops repair (or fail to).

Each fault is one call and leaves a trace record with actor `faults`; one that cannot apply (no such pod, node
or image) raises before it changes anything. Faults act on the simulated machines (a node's kubelet, runtime,
IPAM, CSI plugin, the registry); whatever then happens to the API objects is done by the components, through the
API server, as it would be on a real cluster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .kubelet.images import remove_tag
from .objects import split_key
from .trace import narrative

if TYPE_CHECKING:
    from .assembly import Assembly
    from .kubelet import Kubelet


class Faults:
    """`cluster.faults`: kill_pod, crash_container, fail_node / recover_node, break_image, exhaust_ips, fail_csi."""

    def __init__(self, cluster: Assembly):
        self.cluster = cluster
        self._client = None

    @property
    def client(self):
        """An administrator's client (the "someone" who force-deletes a lost pod)."""
        if self._client is None:
            self._client = self.cluster.system_client("kubeteach:faults", ("system:masters",), "faults")
        return self._client

    def record(self, action: str, obj: str = "", **detail: Any) -> None:
        """A trace record by `faults`."""
        self.cluster.record("faults", action, obj, **detail)

    def kubelet(self, node: str) -> Kubelet:
        """The running Kubelet object of a node (the cluster wiring keeps them in `cluster.started`)."""
        kubelet = self.cluster.started.get(f"kubelet/{node}")
        if kubelet is None:
            raise KeyError(f"no kubelet for node {node!r}")
        return kubelet

    def _pod(self, pod: str, namespace: str = "default") -> dict:
        ns, name = split_key(pod) if "/" in pod else (namespace, pod)
        return self.client.get("pods", ns, name)

    def kill_pod(self, name: str, namespace: str = "default") -> None:
        """Force-delete the pod (grace period 0, as `kubectl delete pod --force --grace-period=0`): its containers are
        SIGKILLed (exit 137) and the object is gone at once, so its controller must make a new one. (A container
        that merely dies is `crash_container`: the kubelet restarts it in place.)"""
        pod = self._pod(name, namespace)
        node = pod["spec"].get("nodeName", "")
        key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        killed = []
        if node and f"kubelet/{node}" in self.cluster.started:
            killed = self.kubelet(node).kill_pod_containers(key)
        self.record("fault-kill-pod", key, node=node or "(unscheduled)", killed=killed)
        self.client.delete("pods", pod["metadata"]["namespace"], pod["metadata"]["name"], gracePeriodSeconds=0)

    def crash_container(self, pod: str, container: str | None = None, times: int = 1) -> None:
        """The container's process exits with code 1 now, and again right after each of its next `times - 1`
        restarts (so the kubelet's CrashLoopBackOff shows)."""
        obj = self._pod(pod)
        key = f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"
        name = self.kubelet(obj["spec"].get("nodeName", "")).crash_container(key, container, times)
        self.record("fault-crash", key, container=name, times=times)

    def _check_node(self, node: str) -> None:
        """Raise KeyError (before anything happens) unless `node` has a kubelet to fail or recover."""
        if f"kubelet/{node}" not in self.cluster.started and f"kubelet/{node}" not in self.cluster.components:
            raise KeyError(f"no kubelet for node {node!r}")

    def fail_node(self, node: str) -> None:
        """The node goes dark: its kubelet stops (no syncs, no Lease renewals, no status posts)."""
        self._check_node(node)
        self.record("fault-fail-node", node)
        if f"kubelet/{node}" in self.cluster.started:
            self.kubelet(node).fail()
        else:
            self.cluster.loop.stop(f"kubelet/{node}")       # a switch without a kubelet object (a test's)

    def recover_node(self, node: str) -> None:
        """The node comes back: its kubelet resumes, posts Ready and syncs its pods again."""
        self._check_node(node)
        self.record("fault-recover-node", node)
        if f"kubelet/{node}" in self.cluster.started:
            self.kubelet(node).recover()
        else:
            self.cluster.loop.start(f"kubelet/{node}")

    def break_image(self, image: str) -> None:
        """Remove `name:tag` (or the whole image `name`) from the registry, so pulls of it fail as not found
        (kubelet/images.py: the registry's `removed` tags)."""
        name, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "")
        remove_tag(self.cluster.images, name, tag)
        self.record("fault-break-image", image, whole=not tag)

    def exhaust_ips(self, node: str) -> int:
        """Leak every free address of the node's host-local range, so the next sandbox's CNI ADD fails."""
        kubelet = self.kubelet(node)
        n = kubelet.cni.exhaust("leaked-by-faults")
        self.record("fault-exhaust-ips", node, taken=n, range=kubelet.cni.range_set())
        return n

    def fail_csi(self, times: int = 1, node: str | None = None) -> None:
        """The CSI node plugin fails its next `times` NodeStage/NodePublish calls (on every node, or on `node`)."""
        names = [node] if node else sorted(k.split("/", 1)[1] for k in self.cluster.started
                                           if k.startswith("kubelet/"))
        kubelets = [self.kubelet(n) for n in names]      # all found before any is changed
        for kubelet in kubelets:
            kubelet.csi.failures += times
        self.record("fault-fail-csi", ", ".join(names), times=times)


narrative({
    "fault-kill-pod": lambda f: (f"fault: pod {f['object']} is force-deleted (grace period 0, as `kubectl delete "
                                 f"pod --force --grace-period=0` does); its containers on {f['node']} are killed "
                                 f"({', '.join(f['killed']) or 'none running'}, exit 137)"),
    "fault-crash": lambda f: (f"fault: container {f['container']} of {f['object']} will exit with code 1 "
                              f"{f['times']} time{'s' if f['times'] != 1 else ''}"),
    "fault-fail-node": "fault: node {object} fails; its kubelet stops syncing pods and renewing its Lease",
    "fault-recover-node": "fault repaired: node {object} is back; its kubelet resumes",
    "fault-break-image": lambda f: (f"fault: the registry no longer has {'any tag of ' if f['whole'] else ''}"
                                    f"{f['object']}; pulls of it fail"),
    "fault-exhaust-ips": "fault: {taken} free addresses of {object}'s range {range} leaked; CNI ADD will fail",
    "fault-fail-csi": lambda f: (f"fault: the CSI node plugin on {f['object']} fails its next {f['times']} "
                                 f"NodeStage/NodePublish call{'s' if f['times'] != 1 else ''}"),
})

__all__ = ["Faults"]
