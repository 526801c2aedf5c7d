"""The CSI node plugin a kubelet talks to (pkg/volume/csi: csi_attacher.go MountDevice, csi_mounter.go SetUp).

NodeStageVolume runs only when the driver advertises STAGE_UNSTAGE_VOLUME (a global mount per volume on the
node); NodePublishVolume bind-mounts it into the pod's directory. Teardown is the reverse. `failures` makes the
next calls fail, for fault injection.
"""

from __future__ import annotations

import hashlib


class CSIError(Exception):
    """A failed CSI call, with the gRPC error text the kubelet puts in its FailedMount event."""


def attachment_name(volume_handle: str, driver: str, node: str) -> str:
    """The VolumeAttachment name the attacher uses: csi-<sha256(volumeHandle + driver + node)>."""
    return "csi-" + hashlib.sha256(f"{volume_handle}{driver}{node}".encode()).hexdigest()


def staging_path(driver: str, volume_handle: str) -> str:
    """The global mount directory MountDevice uses (one per volume per node)."""
    digest = hashlib.sha256(volume_handle.encode()).hexdigest()
    return f"/var/lib/kubelet/plugins/kubernetes.io/csi/{driver}/{digest}/globalmount"


def publish_path(pod_uid: str, pv_name: str) -> str:
    """The pod's mount directory SetUp publishes to."""
    return f"/var/lib/kubelet/pods/{pod_uid}/volumes/kubernetes.io~csi/{pv_name}/mount"


class CSINodePlugin:
    """A CSI driver's node service: stage, publish, unpublish, unstage, with an injectable failure counter."""

    def __init__(self, driver: str, stage_unstage: bool = True):
        self.driver, self.stage_unstage = driver, stage_unstage
        self.staged: dict[str, str] = {}                   # volume handle -> staging path
        self.published: dict[str, tuple[str, str]] = {}    # target path -> (volume handle, staging path)
        self.failures = 0

    def node_stage_volume(self, volume_handle: str, path: str) -> None:
        """NodeStageVolume: format if needed and mount the device at the staging path (idempotent)."""
        self._maybe_fail("NodeStageVolume", volume_handle)
        self.staged[volume_handle] = path

    def node_publish_volume(self, volume_handle: str, staging: str, target: str) -> None:
        """NodePublishVolume: bind-mount the staged volume into the pod's directory (idempotent)."""
        self._maybe_fail("NodePublishVolume", volume_handle)
        self.published[target] = (volume_handle, staging)

    def node_unpublish_volume(self, volume_handle: str, target: str) -> None:
        """NodeUnpublishVolume: unmount the pod's directory."""
        self.published.pop(target, None)

    def node_unstage_volume(self, volume_handle: str, path: str) -> bool:
        """NodeUnstageVolume once no pod on the node publishes the volume any more; returns whether it did."""
        if any(handle == volume_handle for handle, _ in self.published.values()):
            return False
        return self.staged.pop(volume_handle, None) is not None

    def _maybe_fail(self, call: str, volume_handle: str) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise CSIError(f"rpc error: code = Internal desc = {call} failed for volume {volume_handle}: "
                           "injected fault (kubeteach faults.fail_csi)")
