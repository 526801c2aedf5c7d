"""The nominator (pkg/scheduler/backend/queue/nominator.go): pods preemption nominated to a node, which Filter
counts on that node for pods of lower or equal priority (RunFilterPluginsWithNominatedPods), so the room made for
the preemptor is not taken by a lower-priority pod (a ReplicaSet's replacement of the victim, say) meanwhile."""

from __future__ import annotations

from .cache import NodeInfo
from .preemption import clone_node_info, pod_priority


def nominated_node_name(pod: dict | None) -> str:
    return ((pod or {}).get("status") or {}).get("nominatedNodeName") or ""


class Nominator:
    """nominatedPodToNode: pod uid -> (node, pod)."""

    def __init__(self) -> None:
        self.pods: dict[str, tuple[str, dict]] = {}

    def add(self, pod: dict, node: str | None) -> None:
        """AddNominatedPod after preemption (node "" or None: the nomination is gone)."""
        uid = pod["metadata"]["uid"]
        if node:
            self.pods[uid] = (node, pod)
        else:
            self.pods.pop(uid, None)

    def forget(self, pod: dict) -> None:
        """DeleteNominatedPodIfExists: the pod was assumed, bound or deleted."""
        self.pods.pop(pod["metadata"]["uid"], None)

    def update(self, old: dict | None, new: dict) -> None:
        """UpdateNominatedPod: follow status.nominatedNodeName, but keep an in-memory nomination while neither the
        old nor the new status has one (the status patch has not come back yet)."""
        if new["spec"].get("nodeName"):
            self.forget(new)
            return
        node = nominated_node_name(new)
        if not node and not nominated_node_name(old):
            node = self.pods.get(new["metadata"]["uid"], ("", None))[0]
        self.add(new, node)

    def with_nominated_pods(self, nodes: list[NodeInfo], pod: dict) -> list[NodeInfo]:
        """addGENominatedPods: each node with pods of priority >= the pod's nominated to it, as a copy holding
        them too; the other nodes as they are."""
        if not self.pods:
            return nodes
        prio, uid = pod_priority(pod), pod["metadata"]["uid"]
        extra: dict[str, list[dict]] = {}
        for other_uid, (node, other) in self.pods.items():
            if other_uid != uid and pod_priority(other) >= prio:
                extra.setdefault(node, []).append(other)
        if not extra:
            return nodes
        out = []
        for ni in nodes:
            if ni.name in extra:
                ni = clone_node_info(ni)
                for other in extra[ni.name]:
                    ni.add_pod({**other, "spec": {**other["spec"], "nodeName": ni.name}})
            out.append(ni)
        return out
