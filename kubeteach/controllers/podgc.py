"""The pod garbage collector (pkg/controller/podgc/gc_controller.go), its `gcOrphaned` part: pods bound to a Node
that no longer exists are marked Failed with a DisruptionTarget condition and force-deleted, so their controllers
replace them elsewhere.

Kubernetes checks every 20 s (gcCheckPeriod) and quarantines a missing node for 40 s (quarantineTime) before it
trusts that the node is gone. Here a pod seen on a missing node, or a Node deletion, queues that node name for
40 s later, and the check then asks the API server whether the node is really gone: the same quarantine, without
the 20 s polling (so collection comes at 40 s, not somewhere between 40 and 60 s). The terminated-pod threshold
(12,500) and the unscheduled-terminating sweep are not simulated.
"""

from __future__ import annotations

from ..client import APIError, OnNew
from ..objects import key_of, node_name_of, timestamp
from ..pods import is_terminal
from ..trace import narrative
from . import Controller

QUARANTINE = 40.0   # quarantineTime: how long a node must stay missing before its pods are collected


class PodGCController(Controller):
    """pod-garbage-collector-controller: collects the pods of deleted Nodes after the quarantine."""

    name = "pod-garbage-collector-controller"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.pod_informer = factory.informer("pods")
        self.node_informer = factory.informer("nodes")
        self.pod_informer.add_index("spec.nodeName", node_name_of)
        self.pod_informer.add_handler(self.pod_seen, OnNew(self.pod_seen), None)
        self.node_informer.add_handler(None, None, self.node_deleted)

    def pod_seen(self, pod: dict) -> None:
        """A pod bound to a node the cache does not know: quarantine that node name."""
        node = pod.get("spec", {}).get("nodeName")
        if node and self.node_informer.get(node) is None:
            self.queue.add_after(node, QUARANTINE)

    def node_deleted(self, node: dict) -> None:
        name = node["metadata"]["name"]
        if self.pod_informer.by_index("spec.nodeName", name):
            self.queue.add_after(name, QUARANTINE)

    def sync(self, node: str) -> None:
        """discoverDeletedNodes, then markFailedAndDeletePodWithCondition for each pod still bound to the node."""
        try:
            self.client.get("nodes", "", node)
            self.nothing_to_do(node, "podgc-node-back")
            return                                  # it came back (re-registered): nothing to collect
        except APIError as err:
            if err.code != 404:
                raise
        pods = sorted(self.pod_informer.by_index("spec.nodeName", node), key=key_of)
        if not pods:
            self.nothing_to_do(node, "podgc-no-pods")
            return
        self.record("podgc-orphaned", node, pods=[key_of(p) for p in pods], quarantine=QUARANTINE)
        for pod in pods:
            self.mark_failed_and_delete(pod)

    def mark_failed_and_delete(self, pod: dict) -> None:
        """Phase Failed (unless already terminal) with DisruptionTarget/DeletionByPodGC, then DELETE with grace 0."""
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        status: dict = {"conditions": [{"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                                        "lastTransitionTime": timestamp(self.now), "reason": "DeletionByPodGC",
                                        "message": "PodGC: node no longer exists"}]}
        if not is_terminal(pod):
            status["phase"] = "Failed"
        try:
            self.client.patch("pods", ns, name, {"status": status}, subresource="status")
            self.client.delete("pods", ns, name, gracePeriodSeconds=0)
        except APIError as err:
            if err.code != 404:
                raise


narrative({
    "nothing-to-do:podgc-node-back": "the node exists again",
    "nothing-to-do:podgc-no-pods": "no pod is bound to the deleted node",
    "podgc-orphaned": lambda f: (f"node {f['object']} is still gone after the {f['quarantine']:g} s quarantine: "
                                 f"{len(f['pods'])} pod(s) bound to it are marked Failed (DisruptionTarget, "
                                 f"DeletionByPodGC) and force-deleted: {', '.join(f['pods'])}"),
})
