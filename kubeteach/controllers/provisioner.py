"""The CSI external-provisioner sidecar (kubernetes-csi/external-provisioner on
sigs.k8s.io/sig-storage-lib-external-provisioner): it runs next to the CSI driver's controller plugin, not in
kube-controller-manager.

It provisions a claim annotated `volume.kubernetes.io/storage-provisioner: <driver>` (by the PV binder) whose
StorageClass is Immediate (or that has a selected node): CSI CreateVolume, then a PersistentVolume `pvc-<claim
uid>` pre-bound to the claim, which the binder then binds. When such a volume is Released with reclaim policy
Delete it calls DeleteVolume and deletes the PV.

Identity: the real sidecar runs as `system:serviceaccount:kube-system:csi-provisioner` with its own RBAC. The
bootstrap policy (apiserver/rbac.py) has no ClusterRole for it yet, so it uses the kube-controller-manager's
credentials and the shared informers it is given; its actor, trace records and component switch are its own
(`csi-controller/csi-provisioner`).
"""

from __future__ import annotations

import hashlib
import uuid

from ..client import APIError, OnNew
from ..events import EventRecorder
from ..objects import EPOCH, annotations_of, format_bytes, is_being_deleted
from ..trace import narrative
from . import Controller
from .volume import (
    ANN_BETA_STORAGE_PROVISIONER,
    ANN_PROVISIONED_BY,
    ANN_SELECTED_NODE,
    ANN_STORAGE_PROVISIONER,
    claim_key,
    requested_bytes,
)

PV_FINALIZER = "external-provisioner.volume.kubernetes.io/finalizer"
DEFAULT_FS_TYPE = "ext4"


def stable_uuid(text: str) -> str:
    """A UUID derived from `text`, so names and handles stay the same for the same seed (no RNG draw)."""
    return str(uuid.UUID(bytes=hashlib.sha256(text.encode()).digest()[:16], version=4))


class CSIProvisioner(Controller):
    """csi-provisioner: CreateVolume and a pre-bound PV for each claim its driver is asked to provision."""

    name = "csi-provisioner"
    process = "csi-controller"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.driver = config.driver_name
        seed = config.seed
        # the sidecar's event source: <driver>_<host>_<uuid>, as `kubectl describe pvc` shows it
        self.source = f"{self.driver}_csi-hostpathplugin-0_{stable_uuid(f'{seed}/{self.driver}/source')}"
        ms = int(EPOCH.timestamp() * 1000)
        suffix = int(hashlib.sha256(f"{seed}/{self.driver}".encode()).hexdigest(), 16) % 10000
        self.identity = f"{ms}-{suffix}-{self.driver}"            # csiProvisionerIdentity
        self.recorder = EventRecorder(self.client.quiet_copy(), self.source, record=self.record)
        self.claims = factory.informer("persistentvolumeclaims")
        self.volumes = factory.informer("persistentvolumes")
        self.classes = factory.informer("storageclasses")
        self.claims.add_handler(self._claim, OnNew(self._claim))
        self.volumes.add_handler(self._volume, OnNew(self._volume))

    def _claim(self, claim: dict) -> None:
        if self.should_provision(claim):
            self.queue.add(f"claim/{claim_key(claim)}")

    def _volume(self, volume: dict) -> None:
        if self.should_delete(volume):
            self.queue.add(f"volume/{volume['metadata']['name']}")

    def sync(self, key: str) -> None:
        kind, _, rest = key.partition("/")
        if kind == "claim":
            claim = self.claims.get(rest)
            if claim is not None and self.should_provision(claim):
                self.provision_claim_operation(claim)
        else:
            volume = self.volumes.get(rest)
            if volume is not None and self.should_delete(volume):
                self.delete_volume_operation(volume)
        self.nothing_to_do(key, "csi-provisioner", driver=self.driver)

    # --- provisioning --------------------------------------------------------------------------------------------

    def should_provision(self, claim: dict) -> bool:
        """shouldProvision: unbound, addressed to this driver, its class is ours, and not waiting for a node."""
        if claim["spec"].get("volumeName") or is_being_deleted(claim):
            return False
        ann = annotations_of(claim)
        if (ann.get(ANN_STORAGE_PROVISIONER) or ann.get(ANN_BETA_STORAGE_PROVISIONER)) != self.driver:
            return False
        sc = self.classes.get(claim["spec"].get("storageClassName") or "")
        if sc is None or sc.get("provisioner") != self.driver:
            return False
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and ANN_SELECTED_NODE not in ann:
            return False
        return self.volumes.get(f"pvc-{claim['metadata']['uid']}") is None

    def provision_claim_operation(self, claim: dict) -> None:
        """Provisioning event, CSI CreateVolume, create the PV, ProvisioningSucceeded event."""
        key = claim_key(claim)
        sc = self.classes.get(claim["spec"]["storageClassName"])
        name = f"pvc-{claim['metadata']['uid']}"
        self.recorder.event(claim, "Normal", "Provisioning",
                            f'External provisioner is provisioning volume for claim "{key}"')
        size = requested_bytes(claim)
        handle = stable_uuid(f"{self.driver}/{claim['metadata']['uid']}")
        self.record("csi-create-volume", key, driver=self.driver, volume=name, bytes=size, handle=handle)
        m = claim["metadata"]
        volume = {
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "annotations": {
                ANN_PROVISIONED_BY: self.driver,
                "volume.kubernetes.io/provisioner-deletion-secret-name": "",
                "volume.kubernetes.io/provisioner-deletion-secret-namespace": ""},
                "finalizers": [PV_FINALIZER]},
            "spec": {
                "accessModes": list(claim["spec"].get("accessModes") or []),
                "capacity": {"storage": format_bytes(size)},
                "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": m["name"],
                             "namespace": m["namespace"], "resourceVersion": m["resourceVersion"], "uid": m["uid"]},
                "csi": {"driver": self.driver, "fsType": DEFAULT_FS_TYPE, "volumeHandle": handle,
                        "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity": self.identity}},
                "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                "storageClassName": sc["metadata"]["name"],
                "volumeMode": claim["spec"].get("volumeMode") or "Filesystem",
            },
        }
        try:
            self.client.create("persistentvolumes", volume)
        except APIError as err:
            if err.code != 409:
                self.recorder.event(claim, "Warning", "ProvisioningFailed", f"failed to provision volume: {err}")
                self.queue.add_rate_limited(f"claim/{key}")
                return
        self.recorder.event(claim, "Normal", "ProvisioningSucceeded", f"Successfully provisioned volume {name}")

    # --- deleting ------------------------------------------------------------------------------------------------

    def should_delete(self, volume: dict) -> bool:
        """shouldDelete: ours, Released, reclaim policy Delete (and, if being deleted, still carrying our finalizer)."""
        if annotations_of(volume).get(ANN_PROVISIONED_BY) != self.driver:
            return False
        if (volume.get("status") or {}).get("phase") != "Released":
            return False
        if volume["spec"].get("persistentVolumeReclaimPolicy") != "Delete":
            return False
        return not is_being_deleted(volume) or PV_FINALIZER in (volume["metadata"].get("finalizers") or [])

    def delete_volume_operation(self, volume: dict) -> None:
        """CSI DeleteVolume, then DELETE the PV and drop this sidecar's finalizer from it."""
        name = volume["metadata"]["name"]
        self.record("csi-delete-volume", name, driver=self.driver,
                    handle=volume["spec"].get("csi", {}).get("volumeHandle", ""))
        try:
            if not is_being_deleted(volume):
                volume = self.client.delete("persistentvolumes", "", name)
            if PV_FINALIZER in (volume["metadata"].get("finalizers") or []):
                volume = dict(volume, metadata=dict(volume["metadata"]))
                volume["metadata"]["finalizers"] = [f for f in volume["metadata"]["finalizers"] if f != PV_FINALIZER]
                self.client.update("persistentvolumes", volume)
        except APIError as err:
            if err.code != 404:
                self.queue.add_rate_limited(f"volume/{name}")


narrative({
    "nothing-to-do:csi-provisioner": lambda f: (
        "the claim needs no volume from " if f["object"].startswith("claim/") else "the volume needs no deletion by ")
        + f["driver"],
    "csi-create-volume": lambda f: (f"claim {f['object']}: CSI CreateVolume(name={f['volume']}, capacity "
                                    f"{f['bytes']} bytes) on {f['driver']} gave volume_id {f['handle']}; create "
                                    f"PersistentVolume {f['volume']} pre-bound to the claim"),
    "csi-delete-volume": lambda f: (f"volume {f['object']} was Released with reclaim policy Delete: CSI "
                                    f"DeleteVolume(volume_id={f['handle']}) on {f['driver']}, then delete the PV"),
})

__all__ = ["CSIProvisioner", "PV_FINALIZER", "stable_uuid"]
