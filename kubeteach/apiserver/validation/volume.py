"""Volumes, PersistentVolumeClaims and PersistentVolumes.

Mirrors the volume parts of pkg/apis/core/validation/validation.go: ValidateVolumes and its per-source checks
(hostPath, secret, configMap, projected, NFS, CSI, ephemeral...), ValidatePersistentVolumeClaimSpec and
ValidatePersistentVolumeSpec.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .field import Errs, _d, _each, _l, _s, duplicate, forbidden, invalid, required, too_long, unsupported
from .meta import is_dns1123_label, is_dns1123_subdomain, label_selector
from .quantity import qty, qty_string
from .scheduling import node_selector

# --- volumes --------------------------------------------------------------------------------------------------

FILE_MODE = "must be a number between 0 and 0777 (octal), both inclusive"
ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]


def _mode(value: Any, path: str) -> Errs:
    """A file mode must be within 0..0777."""
    return [invalid(path, value, FILE_MODE)] if isinstance(value, int) and not 0 <= value <= 0o777 else []


def _no_backsteps(p: str, path: str) -> Errs:
    """validatePathNoBacksteps: no `..` element."""
    return [invalid(path, p, "must not contain '..'")] if ".." in p.replace("\\", "/").split("/") else []


def _local_path(p: str, path: str) -> Errs:
    """ValidateLocalNonReservedPath."""
    errs = [invalid(path, p, "must be a relative path")] if p.startswith("/") else []
    errs += _no_backsteps(p, path)
    if p.startswith("..") and not p.startswith("../"):
        errs.append(invalid(path, p, "must not start with '..'"))
    return errs


def _items(src: dict, path: str) -> Errs:
    """validateKeyToPath for secret/configMap items."""
    errs: Errs = []
    for i, kp in enumerate(_l(src, "items")):
        p = f"{path}.items[{i}]"
        errs += [required(f"{p}.key")] if not _s(kp, "key") else []
        errs += [required(f"{p}.path")] if not _s(kp, "path") else []
        errs += _local_path(_s(kp, "path"), f"{p}.path") + _mode(kp.get("mode"), f"{p}.mode")
    return errs


def csi_driver_name(name: str, path: str) -> Errs:
    """ValidateCSIDriverName: required, at most 63 bytes, a DNS subdomain (case-insensitive)."""
    errs = [required(path)] if not name else []
    errs += [too_long(path, 63)] if len(name) > 63 else []
    return errs + _each(path, name, is_dns1123_subdomain(name.lower()))


HOST_PATH_TYPES = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate",
                   "Socket"]


def _host_path(src: dict, path: str) -> Errs:
    """validateHostPathVolumeSource."""
    if not _s(src, "path"):
        return [required(f"{path}.path")]
    errs = _no_backsteps(_s(src, "path"), f"{path}.path")
    if "type" in src and src["type"] is not None and src["type"] not in HOST_PATH_TYPES:
        errs.append(unsupported(f"{path}.type", src["type"], HOST_PATH_TYPES))
    return errs


def _projected(src: dict, path: str) -> Errs:
    """validateProjectedVolumeSource (names required, one source per entry)."""
    errs = _mode(src.get("defaultMode"), f"{path}.defaultMode")
    for i, source in enumerate(_l(src, "sources")):
        sp = f"{path}.sources[{i}]"
        for kind in ("secret", "configMap"):
            if isinstance(source.get(kind), dict):
                errs += [required(f"{sp}.{kind}.name")] if not _s(source[kind], "name") else []
                errs += _items(source[kind], f"{sp}.{kind}")
        if sum(1 for k in ("secret", "configMap", "downwardAPI", "serviceAccountToken", "clusterTrustBundle",
                           "podCertificate") if source.get(k) is not None) > 1:
            errs.append(forbidden(sp, "may not specify more than 1 volume type per source"))
    return errs


def _nfs(src: dict, path: str) -> Errs:
    """validateNFSVolumeSource."""
    errs = [required(f"{path}.{k}") for k in ("server", "path") if not _s(src, k)]
    return errs + ([] if _s(src, "path").startswith("/") else [invalid(f"{path}.path", _s(src, "path"),
                                                                       "must be an absolute path")])


VOLUME_SOURCES: list[tuple[str, str, Callable[[dict, str], Errs] | None]] = [
    ("emptyDir", "emptyDir", lambda s, p: [forbidden(f"{p}.sizeLimit", "SizeLimit field must be a valid resource "
                                                     "quantity")] if qty(s.get("sizeLimit") or 0) < 0 else []),
    ("hostPath", "hostPath", _host_path), ("gitRepo", "gitRepo", None),
    ("gcePersistentDisk", "gcePersistentDisk", None), ("awsElasticBlockStore", "awsElasticBlockStore", None),
    ("secret", "secret", lambda s, p: ([required(f"{p}.secretName")] if not _s(s, "secretName") else []) +
     _mode(s.get("defaultMode"), f"{p}.defaultMode") + _items(s, p)),
    ("nfs", "nfs", lambda s, p: _nfs(s, p)),
    ("iscsi", "iscsi", None), ("glusterfs", "glusterfs", None), ("flocker", "flocker", None),
    ("persistentVolumeClaim", "persistentVolumeClaim",
     lambda s, p: [required(f"{p}.claimName")] if not _s(s, "claimName") else []),
    ("rbd", "rbd", None), ("cinder", "cinder", None), ("cephfs", "cephFS", None), ("quobyte", "quobyte", None),
    ("downwardAPI", "downwarAPI", lambda s, p: _mode(s.get("defaultMode"), f"{p}.defaultMode")),
    ("fc", "fc", None), ("flexVolume", "flexVolume", None),
    ("configMap", "configMap", lambda s, p: ([required(f"{p}.name")] if not _s(s, "name") else []) +
     _mode(s.get("defaultMode"), f"{p}.defaultMode") + _items(s, p)),
    ("azureFile", "azureFile", None), ("vsphereVolume", "vsphereVolume", None),
    ("photonPersistentDisk", "photonPersistentDisk", None), ("portworxVolume", "portworxVolume", None),
    ("azureDisk", "azureDisk", None), ("storageos", "storageos", None), ("projected", "projected", _projected),
    ("scaleIO", "scaleIO", None), ("csi", "csi", lambda s, p: csi_driver_name(_s(s, "driver"), f"{p}.driver")),
    ("ephemeral", "ephemeral", lambda s, p: [] if s.get("volumeClaimTemplate") else
     [required(f"{p}.volumeClaimTemplate")]),
    ("image", "image", None),
]


def volumes(vols: list, path: str) -> tuple[dict, Errs]:
    """ValidateVolumes: one source each, DNS-label names, no duplicates; returns the valid ones by name."""
    valid: dict[str, dict] = {}
    errs: Errs = []
    for i, vol in enumerate(vols):
        p, el, count = f"{path}[{i}]", [], 0
        for key, forbid_name, check in VOLUME_SOURCES:
            if isinstance(vol, dict) and vol.get(key) is not None:
                if count:
                    el.append(forbidden(f"{p}.{forbid_name}", "may not specify more than 1 volume type"))
                    continue
                count += 1
                el += check(vol[key] if isinstance(vol[key], dict) else {}, f"{p}.{key}") if check else []
        if not count:
            el.append(required(p, "must specify a volume type"))
        name = _s(vol, "name")
        el += [required(f"{p}.name")] if not name else _each(f"{p}.name", name, is_dns1123_label(name))
        if name in valid:
            el.append(duplicate(f"{p}.name", name))
        if el:
            errs += el
        else:
            valid[name] = vol
    return valid, errs


# --- PersistentVolumeClaim, PersistentVolume ---------------------------------------------------------------


def pvc_spec(spec: dict, path: str = "spec") -> Errs:
    """ValidatePersistentVolumeClaimSpec."""
    modes = _l(spec, "accessModes")
    errs = [required(f"{path}.accessModes", "at least 1 access mode is required")] if not modes else []
    errs += label_selector(spec.get("selector"), f"{path}.selector")
    errs += [unsupported(f"{path}.accessModes", m, ACCESS_MODES) for m in modes if m not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and any(m in ACCESS_MODES and m != "ReadWriteOncePod" for m in modes):
        errs.append(forbidden(f"{path}.accessModes", "may not use ReadWriteOncePod with other access modes"))
    storage, sp = _d(_d(spec, "resources"), "requests").get("storage"), f"{path}.resources[storage]"
    if storage is None:
        errs.append(required(sp))
    elif qty(storage) <= 0:
        errs.append(invalid(sp, qty_string(storage), "must be greater than zero"))
    if _s(spec, "storageClassName"):
        errs += _each(f"{path}.storageClassName", spec["storageClassName"], is_dns1123_subdomain(
            spec["storageClassName"]))
    if spec.get("volumeMode") is not None and spec["volumeMode"] not in ("Block", "Filesystem"):
        errs.append(unsupported(f"{path}.volumeMode", spec["volumeMode"], ["Block", "Filesystem"]))
    return errs


PV_SOURCES = [("hostPath", "hostPath"), ("gcePersistentDisk", "gcePersistentDisk"),
              ("awsElasticBlockStore", "awsElasticBlockStore"), ("glusterfs", "glusterfs"), ("flocker", "flocker"),
              ("nfs", "nfs"), ("rbd", "rbd"), ("quobyte", "quobyte"), ("cephfs", "cephFS"), ("iscsi", "iscsi"),
              ("cinder", "cinder"), ("fc", "fc"), ("flexVolume", ""), ("azureFile", "azureFile"),
              ("vsphereVolume", "vsphereVolume"), ("photonPersistentDisk", "photonPersistentDisk"),
              ("portworxVolume", "portworxVolume"), ("azureDisk", "azureDisk"), ("scaleIO", "scaleIO"),
              ("local", "local"), ("storageos", "storageos"), ("csi", "csi")]


def pv_spec(spec: dict, path: str = "spec") -> Errs:
    """ValidatePersistentVolumeSpec (not inline)."""
    modes, cap = _l(spec, "accessModes"), _d(spec, "capacity")
    errs = [required(f"{path}.accessModes")] if not modes else []
    errs += [unsupported(f"{path}.accessModes", m, ACCESS_MODES) for m in modes if m not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and any(m in ACCESS_MODES and m != "ReadWriteOncePod" for m in modes):
        errs.append(forbidden(f"{path}.accessModes", "may not use ReadWriteOncePod with other access modes"))
    errs += [required(f"{path}.capacity")] if not cap else []
    if "storage" not in cap or len(cap) > 1:
        errs.append(unsupported(f"{path}.capacity", {k: qty_string(v) for k, v in cap.items()}, ["storage"]))
    for name, value in cap.items():
        q, p = qty(value), f"{path}.capacity[{name}]"
        errs += [invalid(p, -((-q.numerator) // q.denominator), "must be a valid resource quantity")] if q < 0 else []
        errs += [invalid(p, qty_string(value), "must be greater than zero")] if q <= 0 else []
    policy = spec.get("persistentVolumeReclaimPolicy")
    if policy and policy not in ("Delete", "Recycle", "Retain"):
        errs.append(unsupported(f"{path}.persistentVolumeReclaimPolicy", policy, ["Delete", "Recycle", "Retain"]))
    affinity = spec.get("nodeAffinity")
    if isinstance(affinity, dict):
        errs += node_selector(affinity["required"], f"{path}.nodeAffinity.required") \
            if isinstance(affinity.get("required"), dict) else [required(f"{path}.nodeAffinity.required",
                                                                         "must specify required node constraints")]
    count = 0
    for key, forbid_name in PV_SOURCES:
        src = spec.get(key)
        if src is None:
            continue
        if count and forbid_name:
            errs.append(forbidden(f"{path}.{forbid_name}", "may not specify more than 1 volume type"))
            continue
        count, p = count + 1, f"{path}.{key}"
        src = src if isinstance(src, dict) else {}
        if key == "hostPath":
            errs += _host_path(src, p)
        elif key == "nfs":
            errs += _nfs(src, p)
        elif key == "local":
            errs += [required(f"{p}.path")] if not _s(src, "path") else _no_backsteps(_s(src, "path"), f"{p}.path")
            errs += [] if isinstance(affinity, dict) else [required(f"{path}.nodeAffinity",
                                                                    "Local volume requires node affinity")]
        elif key == "csi":
            errs += csi_driver_name(_s(src, "driver"), f"{p}.driver")
            errs += [required(f"{p}.volumeHandle")] if not _s(src, "volumeHandle") else []
    if not count:
        errs.append(required(path, "must specify a volume type"))
    host_path = _s(_d(spec, "hostPath"), "path")
    if host_path and host_path.strip("/") == "" and policy == "Recycle":
        errs.append(forbidden(f"{path}.persistentVolumeReclaimPolicy", "may not be 'recycle' for a hostPath mount of '/'"))
    if _s(spec, "storageClassName"):
        errs += _each(f"{path}.storageClassName", spec["storageClassName"],
                      is_dns1123_subdomain(spec["storageClassName"]))
    if spec.get("volumeMode") is not None and spec["volumeMode"] not in ("Block", "Filesystem"):
        errs.append(unsupported(f"{path}.volumeMode", spec["volumeMode"], ["Block", "Filesystem"]))
    return errs
