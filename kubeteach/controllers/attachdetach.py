"""The attach/detach controller (pkg/controller/volume/attachdetach, with pkg/volume/csi/csi_attacher.go) and the
CSI external-attacher sidecar (kubernetes-csi/external-attacher).

The controller's desired state of the world is "volume V attached to node N" for every scheduled, not yet
terminated pod on N that uses a claim bound to a CSI PersistentVolume whose driver needs attaching. Its
reconciler attaches by creating a VolumeAttachment `csi-<sha256(volumeHandle + driver + node)>`; the
external-attacher calls ControllerPublishVolume and sets status.attached=true; the controller then records the
volume in node.status.volumesAttached and tells each pod `SuccessfulAttachVolume`. Detach is the reverse, once no
pod on N needs V and the kubelet no longer lists V in node.status.volumesInUse: delete the VolumeAttachment; the
attacher calls ControllerUnpublishVolume and drops its finalizer.

Kubernetes reconciles every 100 ms over all (volume, node) pairs; here each pair is a work-queue key
`<node>/<pv>`, queued by the pod, claim, volume, node and VolumeAttachment events that can change it. Whether a
driver needs attaching comes from the cluster definition's `csiDriver.attachRequired` (CSIDriver objects are not
served yet); other drivers are assumed to need it. The 6-minute force detach (maxWaitForUnmountDuration) is not
modelled.
"""

from __future__ import annotations

import hashlib

from ..client import APIError, OnNew
from ..objects import deep_copy, is_being_deleted
from ..pods import is_terminal
from ..trace import narrative
from . import Controller

MANAGED_ANNOTATION = "volumes.kubernetes.io/controller-managed-attach-detach"


def volume_attachment_name(volume_handle: str, driver: str, node: str) -> str:
    """csi_attacher.getAttachmentName: "csi-" + hex(sha256(volumeHandle + driverName + nodeName))."""
    return "csi-" + hashlib.sha256(f"{volume_handle}{driver}{node}".encode()).hexdigest()


def unique_volume_name(volume: dict) -> str:
    """The attach/detach unique name of a CSI volume: kubernetes.io/csi/<driver>^<volumeHandle>."""
    csi = volume["spec"]["csi"]
    return f"kubernetes.io/csi/{csi['driver']}^{csi['volumeHandle']}"


def claim_names(pod: dict) -> list[str]:
    ns = pod["metadata"]["namespace"]
    return [f"{ns}/{v['persistentVolumeClaim']['claimName']}" for v in pod.get("spec", {}).get("volumes") or []
            if v.get("persistentVolumeClaim")]


def is_pod_terminated(pod: dict) -> bool:
    """volumeutil.IsPodTerminated: Succeeded/Failed, or being deleted with no container running."""
    if is_terminal(pod):
        return True
    if not is_being_deleted(pod):
        return False
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return all("running" not in (cs.get("state") or {}) for cs in statuses)


class AttachDetachController(Controller):
    """attachdetach-controller: VolumeAttachments for the CSI volumes of scheduled pods, and their removal."""

    name = "attachdetach-controller"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        driver = config.csi_driver
        self.attach_required = {driver.get("name", ""): driver.get("attachRequired", True)}
        self.pods = factory.informer("pods")
        self.claims = factory.informer("persistentvolumeclaims")
        self.volumes = factory.informer("persistentvolumes")
        self.nodes = factory.informer("nodes")
        self.attachments = factory.informer("volumeattachments")
        self.pods.add_index("pvc", claim_names)
        self.attachments.add_index("node", lambda va: [va["spec"]["nodeName"]])
        self.attachments.add_index("node/pv", lambda va: [
            f"{va['spec']['nodeName']}/{va['spec'].get('source', {}).get('persistentVolumeName', '')}"])
        self.pods.add_handler(self._pod, self._pod_updated, self._pod_deleted)
        self.claims.add_handler(self._claim, OnNew(self._claim))
        self.volumes.add_handler(self._volume, OnNew(self._volume), self._volume)
        self.attachments.add_handler(self._attachment, OnNew(self._attachment), self._attachment)
        self.nodes.add_handler(None, self._node_updated)
        self.attached: dict[str, list[str]] = {}     # actual state: "<node>/<pv>" -> pods told about the attach

    # --- event handlers ------------------------------------------------------------------------------------------

    def _pod_updated(self, old: dict, new: dict) -> None:
        self._pod(old)
        self._pod(new)

    def _pod(self, pod: dict) -> None:
        node = pod.get("spec", {}).get("nodeName")
        if not node:
            return
        for key in claim_names(pod):
            claim = self.claims.get(key)
            if claim is not None and claim["spec"].get("volumeName"):
                self.queue.add(f"{node}/{claim['spec']['volumeName']}")

    def _pod_deleted(self, pod: dict) -> None:
        self._pod(pod)
        node = pod.get("spec", {}).get("nodeName")
        if node:
            for va in self.attachments.by_index("node", node):
                self.queue.add(f"{node}/{va['spec']['source']['persistentVolumeName']}")

    def _claim(self, claim: dict) -> None:
        name = claim["spec"].get("volumeName")
        if not name:
            return
        for pod in self.pods.by_index("pvc", f"{claim['metadata']['namespace']}/{claim['metadata']['name']}"):
            if pod["spec"].get("nodeName"):
                self.queue.add(f"{pod['spec']['nodeName']}/{name}")

    def _volume(self, volume: dict) -> None:
        ref = volume["spec"].get("claimRef")
        if ref:
            claim = self.claims.get(f"{ref.get('namespace')}/{ref.get('name')}")
            if claim is not None:
                self._claim(claim)

    def _attachment(self, va: dict) -> None:
        self.queue.add(f"{va['spec']['nodeName']}/{va['spec']['source'].get('persistentVolumeName', '')}")

    def _node_updated(self, old: dict, new: dict) -> None:
        if old.get("status", {}).get("volumesInUse") != new.get("status", {}).get("volumesInUse"):
            for va in self.attachments.by_index("node", new["metadata"]["name"]):
                self._attachment(va)

    # --- the reconciler ------------------------------------------------------------------------------------------

    def desired_pods(self, node: str, volume: dict | None) -> list[dict]:
        """The scheduled, running pods on `node` that need `volume` attached there (the desired state)."""
        if volume is None or "csi" not in volume["spec"]:
            return []
        if not self.attach_required.get(volume["spec"]["csi"]["driver"], True):
            return []
        n = self.nodes.get(node)
        if n is None or (n["metadata"].get("annotations") or {}).get(MANAGED_ANNOTATION) != "true":
            return []
        ref = volume["spec"].get("claimRef") or {}
        key = f"{ref.get('namespace')}/{ref.get('name')}"
        claim = self.claims.get(key)
        if claim is None or claim["spec"].get("volumeName") != volume["metadata"]["name"]:
            return []
        pods = [p for p in self.pods.by_index("pvc", key)
                if p["spec"].get("nodeName") == node and not is_pod_terminated(p)]
        return sorted(pods, key=lambda p: p["metadata"]["name"])

    def sync(self, key: str) -> None:
        node, _, pv = key.partition("/")
        volume = self.volumes.get(pv)
        pods = self.desired_pods(node, volume)
        vas = sorted(self.attachments.by_index("node/pv", key), key=lambda va: va["metadata"]["name"])
        va = vas[0] if vas else None
        if pods:
            if va is None:
                self.attached.pop(key, None)
                self.attach(node, volume, pods)
            elif (va.get("status") or {}).get("attached") and key not in self.attached and not is_being_deleted(va):
                self.mark_attached(key, node, volume, va, pods)
        elif va is not None and not is_being_deleted(va):
            self.detach(key, node, va)
        elif va is None and key in self.attached:
            del self.attached[key]
            self.record("ad-detached", key, volume=pv, node=node)
            self.update_node_status(node)
        self.nothing_to_do(key, "ad-in-sync", volume=pv, node=node, pods=[p["metadata"]["name"] for p in pods],
                           va=va["metadata"]["name"] if va else None, deleting=bool(va and is_being_deleted(va)),
                           attached=bool(va and (va.get("status") or {}).get("attached")))

    def attach(self, node: str, volume: dict, pods: list[dict]) -> None:
        """csiAttacher.Attach: create the VolumeAttachment; the external-attacher does the rest."""
        csi = volume["spec"]["csi"]
        name = volume_attachment_name(csi["volumeHandle"], csi["driver"], node)
        self.record("ad-attach", name, volume=volume["metadata"]["name"], node=node, driver=csi["driver"],
                    handle=csi["volumeHandle"], pods=[p["metadata"]["name"] for p in pods])
        va = {"apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment", "metadata": {"name": name},
              "spec": {"attacher": csi["driver"], "nodeName": node,
                       "source": {"persistentVolumeName": volume["metadata"]["name"]}}}
        try:
            self.client.create("volumeattachments", va)
        except APIError as err:
            if err.code != 409:
                self.queue.add_rate_limited(f"{node}/{volume['metadata']['name']}")

    def mark_attached(self, key: str, node: str, volume: dict, va: dict, pods: list[dict]) -> None:
        """The attach operation succeeded: actual state, node.status.volumesAttached, an event on each pod."""
        name = volume["metadata"]["name"]
        self.attached[key] = [p["metadata"]["name"] for p in pods]
        self.record("ad-attached", va["metadata"]["name"], volume=name, node=node, pods=self.attached[key])
        self.update_node_status(node)
        for pod in pods:
            self.recorder.event(pod, "Normal", "SuccessfulAttachVolume",
                                f'AttachVolume.Attach succeeded for volume "{name}" ')

    def detach(self, key: str, node: str, va: dict) -> None:
        """Wait while the kubelet still reports the volume in use, then delete the VolumeAttachment."""
        volume = self.volumes.get(va["spec"]["source"].get("persistentVolumeName", ""))
        n = self.nodes.get(node)
        in_use = (n or {}).get("status", {}).get("volumesInUse") or []
        if volume is not None and "csi" in volume["spec"] and unique_volume_name(volume) in in_use:
            self.record("ad-wait-unmount", va["metadata"]["name"], volume=volume["metadata"]["name"], node=node)
            return
        self.record("ad-detach", va["metadata"]["name"], volume=va["spec"]["source"].get("persistentVolumeName"),
                    node=node)
        try:
            self.client.delete("volumeattachments", "", va["metadata"]["name"])
        except APIError as err:
            if err.code != 404:
                self.queue.add_rate_limited(key)

    def update_node_status(self, node: str) -> None:
        """nodeStatusUpdater: node.status.volumesAttached lists what this controller has attached there."""
        attached = []
        for key in sorted(self.attached):
            n, _, pv = key.partition("/")
            volume = self.volumes.get(pv)
            if n == node and volume is not None and "csi" in volume["spec"]:
                attached.append({"name": unique_volume_name(volume), "devicePath": ""})
        current = self.nodes.get(node)
        if current is None or (current.get("status") or {}).get("volumesAttached", []) == attached:
            return
        try:
            self.client.patch("nodes", "", node, {"status": {"volumesAttached": attached or None}},
                              subresource="status")
        except APIError as err:
            if err.code != 404:
                raise


class CSIAttacher(Controller):
    """csi-attacher (the external-attacher sidecar): ControllerPublishVolume for each VolumeAttachment of its driver.

    Like csi-provisioner it would run as its own service account; without a ClusterRole for it in the bootstrap
    policy it uses the kube-controller-manager's credentials, with its own actor and switch (csi-controller/...).
    """

    name = "csi-attacher"
    process = "csi-controller"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.driver = config.driver_name
        self.finalizer = "external-attacher/" + self.driver.replace(".", "-")
        self.attachments = factory.informer("volumeattachments")
        self.volumes = factory.informer("persistentvolumes")
        self.attachments.add_handler(self._changed, OnNew(self._changed))

    def _changed(self, va: dict) -> None:
        if va["spec"].get("attacher") != self.driver:
            return
        attached = (va.get("status") or {}).get("attached")
        if (is_being_deleted(va) and self.finalizer in (va["metadata"].get("finalizers") or [])) or \
                (not is_being_deleted(va) and not attached):
            self.queue.add(va["metadata"]["name"])

    def sync(self, key: str) -> None:
        va = self.attachments.get(key)
        if va is None or va["spec"].get("attacher") != self.driver:
            self.nothing_to_do(key, "csi-not-mine", driver=self.driver)
            return
        pv = va["spec"].get("source", {}).get("persistentVolumeName", "")
        volume = self.volumes.get(pv)
        handle = (volume or {}).get("spec", {}).get("csi", {}).get("volumeHandle", "")
        node = va["spec"]["nodeName"]
        try:
            if is_being_deleted(va):
                self.record("csi-unpublish", key, handle=handle, node=node, driver=self.driver)
                va = deep_copy(va)
                va["metadata"]["finalizers"] = [f for f in va["metadata"].get("finalizers") or []
                                                if f != self.finalizer]
                self.client.update("volumeattachments", va)
                return
            if (va.get("status") or {}).get("attached"):
                self.nothing_to_do(key, "csi-attached", node=node)
                return
            if self.finalizer not in (va["metadata"].get("finalizers") or []):
                va = deep_copy(va)
                va["metadata"].setdefault("finalizers", []).append(self.finalizer)
                va = self.client.update("volumeattachments", va)
            self.record("csi-publish", key, handle=handle, node=node, driver=self.driver, volume=pv)
            va = deep_copy(va)
            va["status"] = {"attached": True}
            self.client.update_status("volumeattachments", va)
        except APIError as err:
            if err.code != 404:
                self.queue.add_rate_limited(key)


def _ad_in_sync(f: dict) -> str:
    text = (f"{', '.join(f['pods'])} need{'s' if len(f['pods']) == 1 else ''} volume {f['volume']} on node {f['node']}"
            if f["pods"] else f"no pod on node {f['node']} needs volume {f['volume']}")
    if not f["va"]:
        return text + "; no VolumeAttachment"
    state = "is being deleted" if f["deleting"] else "is attached" if f["attached"] else "waits for the attacher"
    return f"{text}; VolumeAttachment {f['va']} {state}"


narrative({
    "nothing-to-do:ad-in-sync": _ad_in_sync,
    "nothing-to-do:csi-not-mine": "no VolumeAttachment of {driver} by that name",
    "nothing-to-do:csi-attached": "the volume is attached to node {node} already (status.attached=true)",
    "ad-attach": lambda f: (f"volume {f['volume']} is needed on node {f['node']} by "
                            f"{', '.join(f['pods'])}: attach it: create VolumeAttachment {f['object']} "
                            f"(csi- + sha256 of volumeHandle {f['handle']} + driver {f['driver']} + node "
                            f"{f['node']})"),
    "ad-attached": lambda f: (f"VolumeAttachment {f['object']} is attached: volume {f['volume']} recorded in node "
                              f"{f['node']} status.volumesAttached; AttachVolume.Attach succeeded"),
    "ad-wait-unmount": ("no pod on node {node} needs volume {volume} any more, but the kubelet still lists it in "
                        "volumesInUse: wait for the unmount before detaching"),
    "ad-detach": "no pod on node {node} needs volume {volume}: detach it: delete VolumeAttachment {object}",
    "ad-detached": "DetachVolume.Detach succeeded for volume {volume} from node {node}",
    "csi-publish": lambda f: (f"VolumeAttachment {f['object']}: CSI ControllerPublishVolume(volume_id={f['handle']}, "
                              f"node_id={f['node']}) on {f['driver']} succeeded: status.attached=true"),
    "csi-unpublish": lambda f: (f"VolumeAttachment {f['object']} is being deleted: CSI ControllerUnpublishVolume("
                                f"volume_id={f['handle']}, node_id={f['node']}) on {f['driver']}; remove the "
                                f"attacher finalizer"),
})

__all__ = ["AttachDetachController", "CSIAttacher", "unique_volume_name", "volume_attachment_name"]
