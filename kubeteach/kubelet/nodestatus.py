"""The kubelet's heartbeats: the node Lease (renewed every 10 s) and the Node status (pkg/kubelet/nodelease,
kubelet_node_status.go).

The Lease is the cheap heartbeat the node lifecycle controller watches; the full Node status is computed every
10 s (nodeStatusUpdateFrequency) but posted only when something changed or 5 minutes passed
(nodeStatusReportFrequency). Both stop when the kubelet is stopped, which is how a node "fails".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..client import APIError
from ..objects import deep_copy, get_condition, micro_timestamp, parse_timestamp, timestamp
from ..trace import narrative, phrase, plural

if TYPE_CHECKING:
    from .handle import NodeHandle

LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40          # nodeLeaseDurationSeconds
RENEW_INTERVAL = 10.0                # 0.25 × lease duration
NODE_STATUS_UPDATE_FREQUENCY = 10.0
NODE_STATUS_REPORT_FREQUENCY = 300.0

#: the four conditions a healthy kubelet posts (nodestatus/setters.go), in order
HEALTHY = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)


class NodeStatusManager:
    """Lease renewals and node status posts for one kubelet, as periodic loop entries. It keeps the Node as the
    kubelet last read or wrote it (`node`)."""

    def __init__(self, kubelet: NodeHandle, image_list: Callable[[], list[dict]],
                 volumes_in_use: Callable[[], list[str]]):
        """`kubelet`: identity, client, clock, trace, loop; `image_list` and `volumes_in_use`: what the Images and
        VolumesInUse setters read (imageManager.GetImageList, volumeManager.GetVolumesInUse)."""
        self.kubelet, self.image_list, self.volumes_in_use = kubelet, image_list, volumes_in_use
        self.node: dict | None = None
        self.lease: dict | None = None
        self.last_report = 0.0

    def start(self, node: dict) -> None:
        """Create the Lease at once (the kubelet does it on start-up), then schedule both heartbeats."""
        self.node = node
        ready = get_condition(node, "Ready")
        if ready and ready.get("lastHeartbeatTime"):
            self.last_report = parse_timestamp(ready["lastHeartbeatTime"])
        self.ensure_lease()
        k = self.kubelet
        k.schedule(RENEW_INTERVAL, self, "renew_lease", kind="periodic", label="renew lease")
        k.schedule(NODE_STATUS_UPDATE_FREQUENCY, self, "sync_node_status", kind="periodic", label="node status")

    # --- the Lease ----------------------------------------------------------------------------------------------

    def _lease_body(self) -> dict:
        k = self.kubelet
        node = self.node or {}
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": k.node_name, "namespace": LEASE_NAMESPACE,
                             "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": k.node_name,
                                                  "uid": node.get("metadata", {}).get("uid", "")}]},
                "spec": {"holderIdentity": k.node_name, "leaseDurationSeconds": LEASE_DURATION_SECONDS,
                         "renewTime": micro_timestamp(k.now)}}

    def ensure_lease(self) -> None:
        """ensureLease: create the Lease, or adopt the existing one (after a restart)."""
        k = self.kubelet
        try:
            self.lease = k.client.create("leases", self._lease_body(), LEASE_NAMESPACE)
            k.record("kubelet-lease", f"{LEASE_NAMESPACE}/{k.node_name}", op="created",
                     duration=LEASE_DURATION_SECONDS, every=RENEW_INTERVAL)
        except APIError:
            self.lease = k.client.get("leases", LEASE_NAMESPACE, k.node_name)
            self.renew()

    def renew_lease(self) -> None:
        """One renewal; the next one is due in 10 s whatever happens."""
        self.kubelet.schedule(RENEW_INTERVAL, self, "renew_lease", kind="periodic", label="renew lease")
        self.renew()

    def renew(self) -> None:
        """PUT the Lease with renewTime = now (re-reading it after a conflict, re-creating it if gone)."""
        k = self.kubelet
        lease = deep_copy(self.lease) if self.lease else self._lease_body()
        lease["spec"]["renewTime"] = micro_timestamp(k.now)
        lease["spec"]["holderIdentity"] = k.node_name
        try:
            self.lease = k.client.update("leases", lease)
        except APIError as err:
            if err.code == 404:
                self.ensure_lease()
                return
            fresh = k.client.get("leases", LEASE_NAMESPACE, k.node_name)
            fresh["spec"]["renewTime"] = micro_timestamp(k.now)
            self.lease = k.client.update("leases", fresh)
        k.record("kubelet-lease", f"{LEASE_NAMESPACE}/{k.node_name}", op="renewed",
                 duration=LEASE_DURATION_SECONDS, every=RENEW_INTERVAL)

    # --- the Node status ----------------------------------------------------------------------------------------

    def sync_node_status(self) -> None:
        """updateNodeStatus: compute the status; post it if it changed or the report is 5 minutes old."""
        k = self.kubelet
        k.schedule(NODE_STATUS_UPDATE_FREQUENCY, self, "sync_node_status", kind="periodic", label="node status")
        self.post(force=False)

    def post(self, force: bool) -> bool:
        """Post the node status when something changed (or when forced); returns whether it wrote."""
        k = self.kubelet
        try:
            node = k.client.get("nodes", "", k.node_name)
        except APIError as err:
            k.record("kubelet-node-status-failed", k.node_name, error=err.message)
            return False
        now, stamp = k.now, timestamp(k.now)
        status = node.setdefault("status", {})
        old = {c["type"]: c for c in status.get("conditions", [])}
        why: list[dict] = []          # the facts that call for a report, each with its `kind`
        conditions = []
        for ctype, value, reason, message in HEALTHY:
            prev = old.get(ctype)
            changed = prev is None or prev.get("status") != value
            if changed:
                why.append({"kind": "condition", "type": ctype, "old": prev.get("status") if prev else None,
                            "new": value})
            conditions.append({"type": ctype, "status": value, "lastHeartbeatTime": stamp,
                               "lastTransitionTime": stamp if changed else prev.get("lastTransitionTime", stamp),
                               "reason": reason, "message": message})
        images = self.image_list()
        if (status.get("images") or []) != images:
            why.append({"kind": "images", "count": len(images)})
        in_use = self.volumes_in_use()
        if (status.get("volumesInUse") or []) != in_use:
            why.append({"kind": "volumes-in-use", "volumes": in_use})
        if not why and not force and now - self.last_report < NODE_STATUS_REPORT_FREQUENCY:
            k.record("nothing-to-do", k.node_name, why="node-status-unchanged", since=round(now - self.last_report, 3),
                     **{"pass": "updateNodeStatus"})
            return False
        if not why:
            why.append({"kind": "since-last-report", "seconds": now - self.last_report})
        status["conditions"] = conditions
        status["images"] = images
        if in_use:
            status["volumesInUse"] = in_use
        else:
            status.pop("volumesInUse", None)
        try:
            self.node = k.client.update_status("nodes", node)
        except APIError as err:
            k.record("kubelet-node-status-failed", k.node_name, error=err.message)
            return False
        self.last_report = now
        k.record("kubelet-node-status", k.node_name, why=why, ready="True")
        return True


narrative({
    "kubelet-lease": lambda f: (f"{f['op']} Lease {f['object']} (leaseDurationSeconds {f['duration']}, renewed "
                                f"every {f['every']:g}s): the node lifecycle controller reads it as a heartbeat"),
    "kubelet-node-status": lambda f: (f"post node status {f['object']}: Ready=True (KubeletReady), heartbeat "
                                      f"now; because "
                                      + ", ".join(phrase(f"kubelet-node-status:{w['kind']}", w, f["_lang"])
                                                  for w in f["why"])),
    "kubelet-node-status:condition": lambda f: f"{f['type']} {f['old'] or 'missing'} -> {f['new']}",
    "kubelet-node-status:images": lambda f: plural(f["count"], "image") + " on the node",
    "kubelet-node-status:volumes-in-use": "volumesInUse {volumes}",
    "kubelet-node-status:since-last-report": "{seconds:.0f}s since the last report (nodeStatusReportFrequency 5m)",
    "kubelet-node-status-failed": "could not post node status {object}: {error}",
    "nothing-to-do:node-status-unchanged": lambda f: (
        f"status unchanged, last posted {f['since']:g}s ago: not posted (posted on a change or every "
        f"{NODE_STATUS_REPORT_FREQUENCY:g}s, nodeStatusReportFrequency)"),
})
