"""The scheduler cache (pkg/scheduler/backend/cache): one NodeInfo per node with its pods' requests kept up to date
pod by pod (kubeteach.pods.pod_requests), assumed pods, image states, and the zone-interleaved node order
(node_tree.go) snapshots use.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from ..pods import Resource, pod_requests, resource_list


def host_ports(pod: dict) -> list[tuple[str, str, int]]:
    """The (hostIP, protocol, hostPort) triples a pod's containers ask for (defaults 0.0.0.0 and TCP)."""
    out = []
    for c in (pod.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("hostPort"):
                out.append((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", int(p["hostPort"])))
    return out


def ports_conflict(used: dict[tuple[str, str, int], int], ip: str, protocol: str, port: int) -> bool:
    """HostPortInfo.CheckConflict: 0.0.0.0 clashes with every IP on that protocol and port."""
    if port <= 0:
        return False
    if ip == "0.0.0.0":
        return any(p == protocol and n == port for (_, p, n) in used)
    return (ip, protocol, port) in used or ("0.0.0.0", protocol, port) in used


@dataclass
class NodeInfo:
    """framework.NodeInfo: a node, its pods, and the sums the filters and scorers read."""

    name: str
    node: dict | None = None
    pods: dict[str, dict] = field(default_factory=dict)
    requested: Resource = field(default_factory=Resource)
    non_zero_requested: Resource = field(default_factory=Resource)
    allocatable: Resource = field(default_factory=Resource)
    used_ports: dict[tuple[str, str, int], int] = field(default_factory=dict)
    images: dict[str, int] = field(default_factory=dict)      # image name -> size, from node.status.images
    unschedulable: bool = False                                # spec.unschedulable, read by every Filter pass
    taints: list[dict] = field(default_factory=list)           # spec.taints
    #: what plugins computed for this node, by plugin and pod request (see `memoized`); emptied whenever the node
    #: or its pods change, so an entry is always the arithmetic on the node as it is now
    memo: dict[str, tuple] = field(default_factory=dict, repr=False, compare=False)

    def set_node(self, node: dict) -> None:
        self.memo.clear()
        self.node = node
        spec = node.get("spec") or {}
        self.unschedulable, self.taints = bool(spec.get("unschedulable")), spec.get("taints") or []
        self.allocatable = resource_list((node.get("status") or {}).get("allocatable"))
        self.images = {name: int(img.get("sizeBytes") or 0)
                       for img in (node.get("status") or {}).get("images") or [] for name in img.get("names") or []}

    def add_pod(self, pod: dict) -> None:
        self.pods[pod["metadata"]["uid"]] = pod
        self._account(pod, 1)

    def remove_pod(self, pod: dict) -> None:
        old = self.pods.pop(pod["metadata"]["uid"], None)
        if old is not None:
            self._account(old, -1)

    def _account(self, pod: dict, sign: int) -> None:
        self.memo.clear()
        self.requested.add(pod_requests(pod), sign)
        self.non_zero_requested.add(pod_requests(pod, non_zero=True), sign)
        for triple in host_ports(pod):
            self.used_ports[triple] = self.used_ports.get(triple, 0) + sign
            if self.used_ports[triple] <= 0:
                del self.used_ports[triple]


#: a node's memo is emptied when it holds this many entries (pods of many shapes between two changes of the node)
MEMO_LIMIT = 64


def memoized(nodes: list[NodeInfo], key: str, compute: Callable[[NodeInfo], tuple]) -> list[tuple]:
    """`compute(node)` for every node, taken from the node's memo when the node has not changed since.

    A scheduling attempt visits hundreds of nodes, and between two attempts only the node that got the last pod
    changed: the other nodes' Filter and Score arithmetic for a pod of the same requests is the same as before.
    `key` names the plugin and every pod value `compute` reads."""
    key = sys.intern(key)       # found by identity in every node's memo, without comparing the text
    out = [ni.memo.get(key) for ni in nodes]
    if not all(out):            # entries are non-empty tuples: a falsy one is a miss
        for i, value in enumerate(out):
            if value is None:
                ni = nodes[i]
                if len(ni.memo) >= MEMO_LIMIT:
                    ni.memo.clear()
                out[i] = ni.memo[key] = compute(ni)
    return out


def zone_key(node: dict) -> str:
    """utilnode.GetZoneKey: region and zone labels, or "" when the node has neither."""
    labels = node.get("metadata", {}).get("labels") or {}
    region = labels.get("topology.kubernetes.io/region", "")
    zone = labels.get("topology.kubernetes.io/zone", "")
    return f"{region}:\x00:{zone}" if region or zone else ""


class Cache:
    """The scheduler's own view of nodes and the pods on them, updated from informer events and assumptions."""

    def __init__(self) -> None:
        self.nodes: dict[str, NodeInfo] = {}
        self.pod_nodes: dict[str, str] = {}            # pod uid -> node name
        self.assumed: set[str] = set()
        self.image_nodes: dict[str, set[str]] = {}     # image name -> nodes that have it
        self.zones: dict[str, list[str]] = {}          # nodeTree: zone -> node names, in insertion order
        self._order: list[NodeInfo] | None = None      # node_infos(), until the tree changes

    # --- nodes ------------------------------------------------------------------------------------------------

    def add_node(self, node: dict) -> None:
        name = node["metadata"]["name"]
        info = self.nodes.setdefault(name, NodeInfo(name))
        old = info.node
        if old is not None:
            self._remove_images(info)
        info.set_node(node)
        for image in info.images:
            self.image_nodes.setdefault(image, set()).add(name)
        if old is None or zone_key(old) != zone_key(node):
            if old is not None:
                self._tree_remove(old)
            self.zones.setdefault(zone_key(node), []).append(name)
            self._order = None

    def update_node(self, node: dict) -> None:
        self.add_node(node)

    def remove_node(self, node: dict) -> None:
        info = self.nodes.get(node["metadata"]["name"])
        if info is None or info.node is None:
            return
        self._remove_images(info)
        self._tree_remove(info.node)
        info.node = None
        if not info.pods:
            del self.nodes[info.name]

    def _remove_images(self, info: NodeInfo) -> None:
        for image in info.images:
            holders = self.image_nodes.get(image)
            if holders is not None:
                holders.discard(info.name)
                if not holders:
                    del self.image_nodes[image]

    def _tree_remove(self, node: dict) -> None:
        self._order = None
        zone = zone_key(node)
        names = self.zones.get(zone, [])
        if node["metadata"]["name"] in names:
            names.remove(node["metadata"]["name"])
        if not names:
            self.zones.pop(zone, None)

    def node_infos(self) -> list[NodeInfo]:
        """The snapshot's node list: nodeTree.list(), one node from each zone in turn (rebuilt when it changes)."""
        if self._order is None:
            out, zones, i = [], list(self.zones.values()), 0
            while any(i < len(z) for z in zones):
                out += [self.nodes[z[i]] for z in zones if i < len(z)]
                i += 1
            self._order = out
        return self._order

    def image_spread(self, image: str) -> int:
        """How many nodes report this image (ImageStateSummary.NumNodes)."""
        return len(self.image_nodes.get(image, ()))

    # --- pods -------------------------------------------------------------------------------------------------

    def add_pod(self, pod: dict) -> None:
        """A pod with spec.nodeName arrived from the informer: confirm it if assumed, else account for it."""
        uid = pod["metadata"]["uid"]
        if uid in self.pod_nodes:
            self._remove(uid)
        self.assumed.discard(uid)
        self._add(pod)

    def update_pod(self, pod: dict) -> None:
        self.add_pod(pod)

    def remove_pod(self, pod: dict) -> bool:
        uid = pod["metadata"]["uid"]
        self.assumed.discard(uid)
        return self._remove(uid)

    def assume_pod(self, pod: dict) -> None:
        """AssumePod: count the pod on its chosen node before the binding is confirmed."""
        self._add(pod)
        self.assumed.add(pod["metadata"]["uid"])

    def forget_pod(self, pod: dict) -> None:
        """ForgetPod: the binding failed; give the node its resources back."""
        uid = pod["metadata"]["uid"]
        if uid in self.assumed:
            self.assumed.discard(uid)
            self._remove(uid)

    def is_assumed(self, pod: dict) -> bool:
        return pod["metadata"]["uid"] in self.assumed

    def _add(self, pod: dict) -> None:
        name = pod["spec"]["nodeName"]
        self.nodes.setdefault(name, NodeInfo(name)).add_pod(pod)
        self.pod_nodes[pod["metadata"]["uid"]] = name

    def _remove(self, uid: str) -> bool:
        name = self.pod_nodes.pop(uid, None)
        info = self.nodes.get(name or "")
        if info is None:
            return False
        pod = info.pods.get(uid)
        if pod is not None:
            info.remove_pod(pod)
        if info.node is None and not info.pods:
            del self.nodes[info.name]
        return True
