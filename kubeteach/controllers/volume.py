"""kube-controller-manager's volume controllers for claims: the PersistentVolume binder
(pkg/controller/volume/persistentvolume/pv_controller.go) and the pvc/pv protection controllers
(pkg/controller/volume/pvcprotection, pvprotection).

The binder matches claims to volumes. A claim whose StorageClass names an external provisioner (a CSI driver)
gets the `volume.kubernetes.io/storage-provisioner` annotation and an ExternalProvisioning event; the
csi-provisioner (provisioner.py) then creates a PV pre-bound to it, and the binder completes the binding: PV
phase Bound, claim spec.volumeName, annotations bind-completed and bound-by-controller, claim phase Bound with
the volume's capacity and access modes. When the claim goes, the PV becomes Released and, with reclaim policy
Delete, waits for the external provisioner to delete it. Kubernetes also resyncs every 15 s; here only events
drive it. The protection controllers remove the `kubernetes.io/pvc-protection` and `kubernetes.io/pv-protection`
finalizers once nothing uses the object.
"""

from __future__ import annotations

from ..client import APIError, OnNew
from ..events import EventRecorder
from ..objects import annotations_of, deep_copy, int_value, is_being_deleted, selector_matches
from ..pods import is_terminal
from ..trace import narrative
from . import Controller

ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
NO_PROVISIONER = "kubernetes.io/no-provisioner"
PVC_PROTECTION = "kubernetes.io/pvc-protection"
PV_PROTECTION = "kubernetes.io/pv-protection"


def claim_key(claim: dict) -> str:
    return f"{claim['metadata']['namespace']}/{claim['metadata']['name']}"


def claim_ref_key(volume: dict) -> str:
    ref = volume.get("spec", {}).get("claimRef") or {}
    return f"{ref.get('namespace', '')}/{ref.get('name', '')}" if ref else ""


def is_volume_bound_to_claim(volume: dict, claim: dict) -> bool:
    ref = volume.get("spec", {}).get("claimRef") or {}
    m = claim["metadata"]
    return ref.get("name") == m["name"] and ref.get("namespace") == m["namespace"] and ref.get("uid") == m["uid"]


def requested_bytes(claim: dict) -> int:
    return int_value(claim.get("spec", {}).get("resources", {}).get("requests", {}).get("storage", 0))


class PersistentVolumeBinderController(Controller):
    """persistentvolume-binder-controller: binds claims to volumes and hands dynamic provisioning to the driver."""

    name = "persistentvolume-binder-controller"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.recorder = EventRecorder(self.client.quiet_copy(), "persistentvolume-controller", record=self.record)
        self.claims = factory.informer("persistentvolumeclaims")
        self.volumes = factory.informer("persistentvolumes")
        self.classes = factory.informer("storageclasses")
        self.volumes.add_index("claimRef", lambda v: [claim_ref_key(v)] if claim_ref_key(v) else [])
        self.claims.add_handler(self._claim_changed, OnNew(self._claim_changed), self._claim_deleted)
        self.volumes.add_handler(self._volume_changed, OnNew(self._volume_changed), self._volume_changed)

    def _claim_changed(self, claim: dict) -> None:
        self.queue.add(f"claim/{claim_key(claim)}")

    def _claim_deleted(self, claim: dict) -> None:
        name = claim.get("spec", {}).get("volumeName")
        if name:
            self.queue.add(f"volume/{name}")

    def _volume_changed(self, volume: dict) -> None:
        self.queue.add(f"volume/{volume['metadata']['name']}")

    def sync(self, key: str) -> None:
        kind, _, rest = key.partition("/")
        obj = (self.claims if kind == "claim" else self.volumes).get(rest)
        if obj is not None:
            (self.sync_claim if kind == "claim" else self.sync_volume)(obj)
        obj = (self.claims if kind == "claim" else self.volumes).get(rest) or obj
        self.nothing_to_do(key, "pv-in-sync" if obj else "pv-gone", phase=(obj or {}).get("status", {}).get("phase"),
                           bound=(obj or {}).get("spec", {}).get("volumeName") or claim_ref_key(obj or {}))

    # --- claims --------------------------------------------------------------------------------------------------

    def sync_claim(self, claim: dict) -> None:
        if ANN_BIND_COMPLETED in annotations_of(claim):
            self.sync_bound_claim(claim)
        else:
            self.sync_unbound_claim(claim)

    def sync_unbound_claim(self, claim: dict) -> None:
        key = claim_key(claim)
        name = claim["spec"].get("volumeName")
        if name:
            volume = self.volumes.get(name)
            if volume is None:
                self.record("pv-claim-waits", key, volume=name)
                self.update_claim_status(claim, "Pending", None)
            elif not volume["spec"].get("claimRef") or is_volume_bound_to_claim(volume, claim):
                self.bind(volume, claim)
            else:
                self.recorder.event(claim, "Warning", "FailedBinding",
                                    f'volume "{name}" already bound to a different claim.')
                self.update_claim_status(claim, "Pending", None)
            return
        volume = self.find_best_match(claim)
        if volume is not None:
            self.bind(volume, claim)
            return
        class_name = claim["spec"].get("storageClassName") or ""
        sc = self.classes.get(class_name) if class_name else None
        if sc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer" \
                and ANN_SELECTED_NODE not in annotations_of(claim):
            self.recorder.event(claim, "Normal", "WaitForFirstConsumer",
                                "waiting for first consumer to be created before binding")
        elif class_name:
            self.provision_claim(claim, sc)
            return
        else:
            self.recorder.event(claim, "Normal", "FailedBinding",
                                "no persistent volumes available for this claim and no storage class is set")
        self.update_claim_status(claim, "Pending", None)

    def find_best_match(self, claim: dict) -> dict | None:
        """findBestMatchForClaim: a volume pre-bound to this claim, else the smallest Available one that fits."""
        for volume in self.volumes.by_index("claimRef", claim_key(claim)):
            if is_volume_bound_to_claim(volume, claim) or not volume["spec"]["claimRef"].get("uid"):
                return volume
        want, modes = requested_bytes(claim), set(claim["spec"].get("accessModes") or [])
        cls = claim["spec"].get("storageClassName") or ""
        best = None
        for volume in sorted(self.volumes.list(), key=lambda v: v["metadata"]["name"]):
            spec = volume.get("spec", {})
            if spec.get("claimRef") or is_being_deleted(volume) or (spec.get("storageClassName") or "") != cls:
                continue
            size = int_value(spec.get("capacity", {}).get("storage", 0))
            if size < want or not modes <= set(spec.get("accessModes") or []):
                continue
            sel = claim["spec"].get("selector")
            if sel is not None and not selector_matches(sel, volume["metadata"].get("labels") or {}):
                continue
            if best is None or size < int_value(best["spec"]["capacity"]["storage"]):
                best = volume
        return best

    def provision_claim(self, claim: dict, sc: dict | None) -> None:
        """provisionClaimOperationExternal: name the provisioner on the claim and wait for it."""
        if sc is None:
            self.recorder.event(claim, "Warning", "ProvisioningFailed",
                                f'storageclass.storage.k8s.io "{claim["spec"]["storageClassName"]}" not found')
            return
        provisioner = sc.get("provisioner", "")
        if provisioner == NO_PROVISIONER:
            self.recorder.event(claim, "Normal", "FailedBinding",
                                "no persistent volumes available for this claim and no storage class is set")
            return
        ann = annotations_of(claim)
        if ann.get(ANN_STORAGE_PROVISIONER) != provisioner or ann.get(ANN_BETA_STORAGE_PROVISIONER) != provisioner:
            claim = deep_copy(claim)
            claim["metadata"].setdefault("annotations", {}).update(
                {ANN_BETA_STORAGE_PROVISIONER: provisioner, ANN_STORAGE_PROVISIONER: provisioner})
            self.record("pv-external-provisioning", claim_key(claim), provisioner=provisioner,
                        storage_class=sc["metadata"]["name"])
            try:
                claim = self.client.update("persistentvolumeclaims", claim)
            except APIError as err:
                self.record("pv-update-failed", claim_key(claim), error=err.message)
                return
        self.recorder.event(claim, "Normal", "ExternalProvisioning",
                            f"Waiting for a volume to be created either by the external provisioner '{provisioner}' "
                            "or manually by the system administrator. If volume creation is delayed, please verify "
                            "that the provisioner is running and correctly registered.")

    def sync_bound_claim(self, claim: dict) -> None:
        name = claim["spec"].get("volumeName")
        volume = self.volumes.get(name) if name else None
        if not name or volume is None:
            msg = "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!" if not name \
                else "Bound claim has lost its PersistentVolume. Data on the volume is lost!"
            self.update_claim_status(claim, "Lost", None)
            self.recorder.event(claim, "Warning", "ClaimLost", msg)
        elif not volume["spec"].get("claimRef"):
            self.bind(volume, claim)
        elif is_volume_bound_to_claim(volume, claim):
            self.update_claim_status(claim, "Bound", volume)
        else:
            self.update_claim_status(claim, "Lost", None)
            self.recorder.event(claim, "Warning", "ClaimMisbound",
                                "Two claims are bound to the same volume, this one is bound incorrectly")

    # --- binding -------------------------------------------------------------------------------------------------

    def bind(self, volume: dict, claim: dict) -> None:
        """bind: volume claimRef → volume phase Bound → claim volumeName and annotations → claim phase Bound."""
        set_ref = not is_volume_bound_to_claim(volume, claim)
        self.record("pv-bound", claim_key(claim), volume=volume["metadata"]["name"], set_ref=set_ref,
                    capacity=volume["spec"].get("capacity", {}).get("storage", ""),
                    modes=volume["spec"].get("accessModes") or [])
        try:
            if set_ref:
                volume = deep_copy(volume)
                m = claim["metadata"]
                volume["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": m["namespace"],
                                              "name": m["name"], "uid": m["uid"], "apiVersion": "v1",
                                              "resourceVersion": m["resourceVersion"]}
                volume["metadata"].setdefault("annotations", {})[ANN_BOUND_BY_CONTROLLER] = "yes"
                volume = self.client.update("persistentvolumes", volume)
            volume = self.update_volume_phase(volume, "Bound")
            claim = deep_copy(claim)
            ann = claim["metadata"].setdefault("annotations", {})
            dirty = False
            if claim["spec"].get("volumeName") != volume["metadata"]["name"]:
                claim["spec"]["volumeName"] = volume["metadata"]["name"]
                ann.setdefault(ANN_BOUND_BY_CONTROLLER, "yes")
                dirty = True
            if ANN_BIND_COMPLETED not in ann:
                ann[ANN_BIND_COMPLETED] = "yes"
                dirty = True
            if dirty:
                claim = self.client.update("persistentvolumeclaims", claim)
            self.update_claim_status(claim, "Bound", volume)
        except APIError as err:
            self.record("pv-update-failed", claim_key(claim), error=err.message)
            self.queue.add_rate_limited(f"claim/{claim_key(claim)}")

    def update_claim_status(self, claim: dict, phase: str, volume: dict | None) -> dict:
        status = claim.get("status") or {}
        new = deep_copy(status)
        new["phase"] = phase
        if volume is not None:
            new["accessModes"] = list(volume["spec"].get("accessModes") or [])
            new["capacity"] = deep_copy(volume["spec"].get("capacity") or {})
        elif phase != "Bound":
            new.pop("accessModes", None)
            new.pop("capacity", None)
        if new == status:
            return claim
        claim = deep_copy(claim)
        claim["status"] = new
        return self.client.update_status("persistentvolumeclaims", claim)

    def update_volume_phase(self, volume: dict, phase: str) -> dict:
        if (volume.get("status") or {}).get("phase") == phase:
            return volume
        volume = deep_copy(volume)
        volume.setdefault("status", {})["phase"] = phase
        return self.client.update_status("persistentvolumes", volume)

    # --- volumes -------------------------------------------------------------------------------------------------

    def sync_volume(self, volume: dict) -> None:
        name, ref = volume["metadata"]["name"], volume["spec"].get("claimRef")
        phase = (volume.get("status") or {}).get("phase")
        try:
            if not ref or not ref.get("uid"):
                if phase != "Available":
                    self.update_volume_phase(volume, "Available")
                return
            claim = self.claims.get(claim_ref_key(volume))
            if claim is not None and claim["metadata"]["uid"] != ref.get("uid"):
                claim = None
            if claim is None:
                if phase not in ("Released", "Failed"):
                    self.record("pv-released", name, claim=claim_ref_key(volume),
                                policy=volume["spec"].get("persistentVolumeReclaimPolicy", "Retain"))
                    volume = self.update_volume_phase(volume, "Released")
                    self.reclaim_volume(volume)
                return
            if not claim["spec"].get("volumeName"):
                self.queue.add(f"claim/{claim_key(claim)}")   # provisioned for it: let the claim sync bind
            elif claim["spec"]["volumeName"] == name:
                self.update_volume_phase(volume, "Bound")
            elif ANN_BOUND_BY_CONTROLLER in annotations_of(volume):
                volume = deep_copy(volume)
                volume["spec"].pop("claimRef", None)
                volume = self.client.update("persistentvolumes", volume)
                self.update_volume_phase(volume, "Available")
            else:
                self.update_volume_phase(volume, "Released")
        except APIError as err:
            self.record("pv-update-failed", name, error=err.message)
            self.queue.add_rate_limited(f"volume/{name}")

    def reclaim_volume(self, volume: dict) -> None:
        """reclaimVolume: Retain keeps it, Delete by an external provisioner is that provisioner's job."""
        policy = volume["spec"].get("persistentVolumeReclaimPolicy", "Retain")
        if policy == "Delete" and ANN_PROVISIONED_BY not in annotations_of(volume):
            self.recorder.event(volume, "Warning", "VolumeFailedDelete",
                                "error getting deleter volume plugin for volume "
                                f"\"{volume['metadata']['name']}\": no deletable volume plugin matched")


class PVCProtectionController(Controller):
    """pvc-protection-controller: a deleted claim keeps its finalizer while a scheduled pod still uses it."""

    name = "pvc-protection-controller"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.claims = factory.informer("persistentvolumeclaims")
        self.pods = factory.informer("pods")
        self.pods.add_index("pvc", lambda p: [f"{p['metadata']['namespace']}/{v['persistentVolumeClaim']['claimName']}"
                                              for v in p.get("spec", {}).get("volumes") or []
                                              if v.get("persistentVolumeClaim")])
        self.claims.add_handler(self._claim, OnNew(self._claim))
        self.pods.add_handler(None, self._pod_updated, self._pod)

    def _claim(self, claim: dict) -> None:
        if is_being_deleted(claim) and PVC_PROTECTION in (claim["metadata"].get("finalizers") or []):
            self.queue.add(claim_key(claim))

    def _pod_updated(self, old: dict, new: dict) -> None:
        if is_terminal(new):
            self._pod(new)

    def _pod(self, pod: dict) -> None:
        for v in pod.get("spec", {}).get("volumes") or []:
            if v.get("persistentVolumeClaim"):
                claim = self.claims.get(f"{pod['metadata']['namespace']}/{v['persistentVolumeClaim']['claimName']}")
                if claim is not None:
                    self._claim(claim)

    def sync(self, key: str) -> None:
        claim = self.claims.get(key)
        if claim is None or not is_being_deleted(claim) or PVC_PROTECTION not in claim["metadata"].get("finalizers", []):
            self.nothing_to_do(key, "protection", finalizer=PVC_PROTECTION)
            return
        users = sorted(p["metadata"]["name"] for p in self.pods.by_index("pvc", key)
                       if p.get("spec", {}).get("nodeName") and not is_terminal(p))
        if users:
            self.record("pvc-in-use", key, pods=users)
            return
        remove_finalizer(self, "persistentvolumeclaims", claim, PVC_PROTECTION)


class PVProtectionController(Controller):
    """pv-protection-controller: a deleted volume keeps its finalizer while it is Bound."""

    name = "pv-protection-controller"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.volumes = factory.informer("persistentvolumes")
        self.volumes.add_handler(self._volume, OnNew(self._volume))

    def _volume(self, volume: dict) -> None:
        if is_being_deleted(volume) and PV_PROTECTION in (volume["metadata"].get("finalizers") or []):
            self.queue.add(volume["metadata"]["name"])

    def sync(self, key: str) -> None:
        volume = self.volumes.get(key)
        if volume is None or not is_being_deleted(volume) or PV_PROTECTION not in volume["metadata"].get("finalizers",
                                                                                                           []):
            self.nothing_to_do(key, "protection", finalizer=PV_PROTECTION)
            return
        if (volume.get("status") or {}).get("phase") == "Bound":
            self.record("pv-in-use", key)
            return
        remove_finalizer(self, "persistentvolumes", volume, PV_PROTECTION)


def remove_finalizer(ctrl: Controller, resource: str, obj: dict, finalizer: str) -> None:
    """Drop one finalizer with an update; the object goes once its last finalizer does."""
    obj = deep_copy(obj)
    obj["metadata"]["finalizers"] = [f for f in obj["metadata"]["finalizers"] if f != finalizer]
    key = f"{obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}".lstrip("/")
    ctrl.record("finalizer-removed", key, finalizer=finalizer, resource=resource)
    try:
        ctrl.client.update(resource, obj)
    except APIError as err:
        if err.code == 409:
            ctrl.queue.add_rate_limited(key)
        elif err.code != 404:
            raise


def _bound(f: dict) -> str:
    how = "set its claimRef and bound" if f["set_ref"] else "bound the pre-bound volume"
    return (f"claim {f['object']}: {how} {f['volume']} ({f['capacity']}, {', '.join(f['modes'])}); "
            f"PV phase Bound, claim spec.volumeName set, {ANN_BIND_COMPLETED}=yes, claim phase Bound")


narrative({
    "pv-external-provisioning": lambda f: (
        f"claim {f['object']}: no PersistentVolume matches; StorageClass {f['storage_class']} names the external "
        f"provisioner {f['provisioner']}: annotate {ANN_STORAGE_PROVISIONER}={f['provisioner']} and wait for it"),
    "pv-claim-waits": "claim {object} names volume {volume}, which does not exist yet: stay Pending",
    "pv-bound": _bound,
    "pv-released": lambda f: (f"volume {f['object']}: its claim {f['claim']} is gone: phase Released "
                              f"(reclaim policy {f['policy']}"
                              + ("; the external provisioner deletes it)" if f["policy"] == "Delete" else ")")),
    "pv-update-failed": "could not update {object}: {error}; retry",
    "pvc-in-use": lambda f: (f"claim {f['object']} is being deleted but pod{'s' if len(f['pods']) > 1 else ''} "
                             f"{', '.join(f['pods'])} still use{'s' if len(f['pods']) == 1 else ''} it: keep "
                             f"{PVC_PROTECTION}"),
    "pv-in-use": f"volume {{object}} is being deleted but is still Bound: keep {PV_PROTECTION}",
    "finalizer-removed": "{object} is no longer in use: remove finalizer {finalizer}",
    "nothing-to-do:pv-gone": "it is gone",
    "nothing-to-do:pv-in-sync": lambda f: (f"phase {f['phase'] or 'unset'}"
                                           + (f", bound to {f['bound']}" if f["bound"] else ", not bound")),
    "nothing-to-do:protection": "it is not being deleted with finalizer {finalizer}",
})

__all__ = ["PersistentVolumeBinderController", "PVCProtectionController", "PVProtectionController"]
