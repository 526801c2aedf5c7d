"""The kubelet's volume manager for PVC-backed CSI volumes (pkg/kubelet/volumemanager, pkg/volume/csi).

WaitForAttachAndMount: each claim must be Bound; if the driver needs attaching, the attach/detach controller's
VolumeAttachment `csi-<sha256>` must say attached=true; then MountDevice (NodeStageVolume, only with
STAGE_UNSTAGE_VOLUME) and SetUp (NodePublishVolume). Until then the pod stays ContainerCreating. A failed CSI
call is a Warning FailedMount and is retried with exponential back-off (500 ms doubling to 2m2s); after 2m3s
of waiting the kubelet reports "Unable to attach or mount volumes: …".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..client import APIError
from ..objects import go_duration
from ..trace import narrative, phrase
from .csi import CSIError, CSINodePlugin, attachment_name, publish_path, staging_path

if TYPE_CHECKING:
    from ..client import Informer
    from .handle import PodHandle
    from .status import PodRecord

ATTACH_AND_MOUNT_TIMEOUT = 123.0        # podAttachAndMountTimeout = 2m3s
RETRY_INITIAL, RETRY_MAX = 0.5, 122.0   # exponentialbackoff: initialDurationBeforeRetry, maxDurationBeforeRetry


def claim_volumes(pod: dict) -> list[tuple[str, str]]:
    """(volume name, claim name) for every persistentVolumeClaim volume of the pod, in spec order."""
    return [(v["name"], v["persistentVolumeClaim"]["claimName"]) for v in pod["spec"].get("volumes") or []
            if v.get("persistentVolumeClaim")]


def local_volumes(pod: dict) -> list[tuple[str, str]]:
    """(volume name, plugin) for every volume that needs no attach (projected, emptyDir, configMap, secret, …)."""
    out = []
    for v in pod["spec"].get("volumes") or []:
        if v.get("persistentVolumeClaim"):
            continue
        out.append((v["name"], next((k for k in v if k != "name"), "emptyDir")))
    return out


#: plugin key -> the kubelet's volume plugin directory (kubernetes.io~<plugin>) under the pod's volumes dir
_PLUGIN_DIRS = {"projected": "projected", "emptyDir": "empty-dir", "configMap": "configmap", "secret": "secret",
                "downwardAPI": "downward-api", "hostPath": "host-path"}


def local_volume_path(uid: str, name: str, plugin: str) -> str:
    """/var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~<plugin>/<name> (getPodVolumeDir)."""
    return f"/var/lib/kubelet/pods/{uid}/volumes/kubernetes.io~{_PLUGIN_DIRS.get(plugin, plugin)}/{name}"


class VolumeManager:
    """Mounts and unmounts one node's CSI volumes, one CSI call chain per loop entry."""

    def __init__(self, kubelet: PodHandle, csi: CSINodePlugin, attach_required: bool, claims: Informer,
                 attachments: Informer):
        """`kubelet`: the pod workers' state (informer, records, queue, recorder); `csi`: the node plugin;
        `attach_required`: the CSIDriver's attachRequired; `claims`, `attachments`: the PVC and VolumeAttachment
        informers."""
        self.kubelet, self.csi, self.attach_required = kubelet, csi, attach_required
        self.claims, self.attachments = claims, attachments
        self.in_use: set[str] = set()                  # node.status.volumesInUse
        self.waiters: dict[str, set[str]] = {}         # "pvc:ns/name" or "va:name" -> pod keys waiting

    def get_volumes_in_use(self) -> list[str]:
        """GetVolumesInUse: the volumes node.status.volumesInUse lists, sorted."""
        return sorted(self.in_use)

    # --- informer hooks -----------------------------------------------------------------------------------------

    def claim_changed(self, pvc: dict) -> None:
        """A claim got its volume: wake the pods waiting for it."""
        if pvc.get("spec", {}).get("volumeName"):
            self._wake(f"pvc:{pvc['metadata']['namespace']}/{pvc['metadata']['name']}")

    def attachment_changed(self, va: dict) -> None:
        """A VolumeAttachment to this node became attached: wake the pods waiting for it."""
        if va.get("spec", {}).get("nodeName") == self.kubelet.node_name and va.get("status", {}).get("attached"):
            self._wake(f"va:{va['metadata']['name']}")

    def _wake(self, what: str) -> None:
        for key in sorted(self.waiters.pop(what, set())):
            self.kubelet.queue.add(key)

    # --- mount --------------------------------------------------------------------------------------------------

    def set_up_local_volumes(self, pod: dict, rec: PodRecord) -> None:
        """MountVolume.SetUp of the volumes that need no attach, the projected `kube-api-access-*` above all (the
        service account token, kube-root-ca.crt's ca.crt, the namespace). Approximation: the kubelet gets that token
        from the TokenRequest API; kubeteach's token file is written without that request."""
        for vol, plugin in local_volumes(pod):
            if rec.mounts.get(vol, {}).get("published"):
                continue
            path = local_volume_path(rec.uid, vol, plugin)
            rec.mounts[vol] = {"plugin": plugin, "published": True, "target": path}
            self.kubelet.record("kubelet-volume-setup", rec.key, volume=vol, plugin=plugin, path=path)

    def wait_for_attach_and_mount(self, pod: dict, rec: PodRecord) -> None:
        """Advance the pod's volumes by one CSI call chain; mark them ready when all are published."""
        k = self.kubelet
        key, ns = rec.key, pod["metadata"]["namespace"]
        pending: list[tuple[str, bool]] = []        # (volume, unattached)
        for vol, claim in claim_volumes(pod):
            m = rec.mounts.setdefault(vol, {"claim": claim})
            if m.get("published"):
                continue
            pvc = self.claims.get(f"{ns}/{claim}")
            pv_name = (pvc or {}).get("spec", {}).get("volumeName")
            if not pv_name or (pvc or {}).get("status", {}).get("phase") != "Bound":
                self._wait(rec, vol, f"pvc:{ns}/{claim}", "pvc-not-bound", claim=claim)
                pending.append((vol, True))
                continue
            try:
                pv = k.client.get("persistentvolumes", "", pv_name)
            except APIError:
                self._wait(rec, vol, f"pvc:{ns}/{claim}", "pv-not-found", pv=pv_name)
                pending.append((vol, True))
                continue
            csi = pv.get("spec", {}).get("csi")
            m["pv"] = pv_name
            if not csi:
                m["published"] = True
                k.record("kubelet-volume", key, volume=vol, pv=pv_name, csi=False)
                continue
            driver, handle = csi["driver"], csi["volumeHandle"]
            m.update(driver=driver, handle=handle)
            self.in_use.add(f"kubernetes.io/csi/{driver}^{handle}")
            if self.attach_required:
                va_name = attachment_name(handle, driver, k.node_name)
                va = self.attachments.get(va_name)
                if not (va and va.get("status", {}).get("attached")):
                    self._wait(rec, vol, f"va:{va_name}", "va-not-attached", attachment=va_name)
                    pending.append((vol, True))
                    continue
            if not self._mount(pod, rec, vol, m):
                return
            k.queue.add(key)
            return
        if pending:
            if rec.waiting_since is None:
                rec.waiting_since = k.now
                k.schedule(ATTACH_AND_MOUNT_TIMEOUT, self, "_timeout", rec.uid, kind="retry",
                           label=f"mount timeout {key}")
            return
        rec.volumes_ready, rec.waiting_since = True, None
        k.record("kubelet-volumes-ready", key, volumes=[v["name"] for v in pod["spec"].get("volumes") or []])
        k.queue.add(key)

    def _wait(self, rec: PodRecord, vol: str, what: str, why: str, **facts: str) -> None:
        """Park the pod's volume on `what` (a claim or an attachment); `why` keys the trace's reason."""
        self.waiters.setdefault(what, set()).add(rec.key)
        m = rec.mounts[vol]
        if m.get("waiting") != what:
            m["waiting"] = what
            self.kubelet.record("kubelet-volume-wait", rec.key, volume=vol, why=why, **facts)

    def _mount(self, pod: dict, rec: PodRecord, vol: str, m: dict) -> bool:
        """MountDevice (NodeStageVolume when advertised), then SetUp (NodePublishVolume)."""
        k, csi = self.kubelet, self.csi
        m.pop("waiting", None)
        staging = staging_path(m["driver"], m["handle"])
        target = publish_path(rec.uid, m["pv"])
        step = "MountVolume.MountDevice"
        try:
            if csi.stage_unstage and m["handle"] not in csi.staged:
                csi.node_stage_volume(m["handle"], staging)
                k.record("kubelet-csi", rec.key, call="NodeStageVolume", pv=m["pv"], driver=m["driver"],
                         path=staging)
            step = "MountVolume.SetUp"
            csi.node_publish_volume(m["handle"], staging if csi.stage_unstage else "", target)
        except CSIError as err:
            rec.mount_failures += 1
            delay = min(RETRY_INITIAL * 2 ** (rec.mount_failures - 1), RETRY_MAX)
            k.recorder.event(pod, "Warning", "FailedMount", f'{step} failed for volume "{m["pv"]}" : {err}')
            k.record("kubelet-mount-failed", rec.key, step=step, pv=m["pv"], error=str(err), retry=delay)
            k.queue.add_after(rec.key, delay, kind="retry")
            return False
        rec.mount_failures = 0
        m.update(published=True, staging=staging, target=target)
        k.record("kubelet-csi", rec.key, call="NodePublishVolume", pv=m["pv"], driver=m["driver"], path=target)
        return True

    def _timeout(self, uid: str) -> None:
        """WaitForAttachAndMount gave up after 2m3s: say which volumes are missing; the pod worker tries again."""
        k = self.kubelet
        rec = k.records.get(uid)
        if rec is None or rec.volumes_ready or rec.terminating:
            return
        pod = k.pods.get(rec.key)
        if pod is None:
            return
        waiting = sorted(v for v, m in rec.mounts.items() if not m.get("published"))
        unattached = sorted(v for v, m in rec.mounts.items()
                            if not m.get("published") and str(m.get("waiting", "")).startswith(("va:", "pvc:")))
        message = (f"Unable to attach or mount volumes: unmounted volumes=[{' '.join(waiting)}], unattached "
                   f"volumes=[{' '.join(unattached)}], failed to process volumes=[]: timed out waiting for the "
                   "condition")
        k.recorder.event(pod, "Warning", "FailedMount", message)
        k.record("kubelet-mount-timeout", rec.key, waited=go_duration(ATTACH_AND_MOUNT_TIMEOUT), message=message)
        k.schedule(ATTACH_AND_MOUNT_TIMEOUT, self, "_timeout", uid, kind="retry", label=f"mount timeout {rec.key}")

    # --- unmount ------------------------------------------------------------------------------------------------

    def tear_down(self, rec: PodRecord) -> None:
        """NodeUnpublishVolume for each of the pod's volumes, then NodeUnstageVolume when no pod uses it."""
        k, csi = self.kubelet, self.csi
        for _, m in sorted(rec.mounts.items(), key=lambda kv: kv[0]):
            if not m.get("published") or "handle" not in m:
                continue
            csi.node_unpublish_volume(m["handle"], m["target"])
            k.record("kubelet-csi", rec.key, call="NodeUnpublishVolume", pv=m["pv"], driver=m["driver"],
                     path=m["target"])
            if csi.stage_unstage and csi.node_unstage_volume(m["handle"], m["staging"]):
                k.record("kubelet-csi", rec.key, call="NodeUnstageVolume", pv=m["pv"], driver=m["driver"],
                         path=m["staging"])
            m["published"] = False
            if not any(other is not rec and any(o.get("handle") == m["handle"] and o.get("published")
                                                for o in other.mounts.values())
                       for other in k.records.values()):
                self.in_use.discard(f"kubernetes.io/csi/{m['driver']}^{m['handle']}")
        for what in list(self.waiters):
            self.waiters[what].discard(rec.key)
            if not self.waiters[what]:
                del self.waiters[what]


_CALLS = {
    "NodeStageVolume": "mounted the device at the node's staging path",
    "NodePublishVolume": "bind-mounted it into the pod",
    "NodeUnpublishVolume": "unmounted it from the pod",
    "NodeUnstageVolume": "unmounted the staging path (no pod on the node uses it any more)",
}

_LOCAL = {"projected": ": the service account token, ca.crt from ConfigMap kube-root-ca.crt, the namespace"}

narrative({
    "kubelet-csi": lambda f: (f"CSI {f['call']} {f['pv']} (driver {f['driver']}): {_CALLS[f['call']]} "
                              f"{f['path']}"),
    "kubelet-volume-wait": lambda f: (f"volume {f['volume']} of {f['object']} waits: "
                                      f"{phrase('kubelet-volume-wait:' + f['why'], f)}; the pod stays ContainerCreating"),
    "kubelet-volume-wait:pvc-not-bound": 'PersistentVolumeClaim "{claim}" is not bound yet',
    "kubelet-volume-wait:pv-not-found": 'PersistentVolume "{pv}" not found',
    "kubelet-volume-wait:va-not-attached": ("VolumeAttachment {attachment} is not attached yet (the attach/detach "
                                            "controller and the external attacher do that)"),
    "kubelet-volume": "volume {volume} of {object} ({pv}): not a CSI volume: mounted as is",
    "kubelet-volume-setup": lambda f: (f"MountVolume.SetUp volume {f['volume']} of {f['object']} ({f['plugin']}"
                                       f"{_LOCAL.get(f['plugin'], '')}) at {f['path']}"),
    "kubelet-volumes-ready": lambda f: (f"all volumes of {f['object']} are mounted ({', '.join(f['volumes'])}); "
                                        "next: the pod sandbox"),
    "kubelet-mount-failed": lambda f: (f"{f['step']} failed for volume {f['pv']} of {f['object']}: {f['error']}; "
                                       f"retry in {go_duration(f['retry'])} (exponential back-off)"),
    "kubelet-mount-timeout": "{object} waited {waited} for its volumes: {message}",
})
