"""StorageClasses and VolumeAttachments.

Mirrors pkg/apis/storage/validation/validation.go (ValidateStorageClass, ValidateVolumeAttachment,
ValidateVolumeAttachmentV1).
"""

from __future__ import annotations

from .field import Errs, _d, _each, _l, _s, duplicate, forbidden, required, too_long, unsupported
from .meta import _blen, is_dns1123_subdomain, is_qualified_name, name_subdomain, object_meta
from .volume import csi_driver_name


def storage_class(obj: dict) -> Errs:
    """ValidateStorageClass."""
    errs = object_meta(_d(obj, "metadata"), name_subdomain)
    prov = _s(obj, "provisioner")
    errs += [required("provisioner")] if not prov else _each("provisioner", prov.lower(),
                                                             is_qualified_name(prov.lower()))
    params = _d(obj, "parameters")
    if len(params) > 512:
        errs.append(too_long("parameters", 512))
    elif sum(_blen(k) + _blen(str(v)) for k, v in params.items()) > 256 * 1024:
        errs.append(too_long("parameters", 256 * 1024))
    rp = obj.get("reclaimPolicy")
    errs += [unsupported("reclaimPolicy", rp, ["Delete", "Retain"])] if rp and rp not in ("Delete", "Retain") else []
    vbm = obj.get("volumeBindingMode")
    if "volumeBindingMode" in obj and vbm not in ("Immediate", "WaitForFirstConsumer"):
        errs.append(required("volumeBindingMode") if vbm is None else
                    unsupported("volumeBindingMode", vbm, ["Immediate", "WaitForFirstConsumer"]))
    for i, term in enumerate(_l(obj, "allowedTopologies")):
        keys: set[str] = set()
        for j, r in enumerate(_l(term, "matchLabelExpressions")):
            p, values = f"allowedTopologies[{i}].matchLabelExpressions[{j}]", _l(r, "values")
            errs += [required(f"{p}.values")] if not values else []
            errs += [duplicate(f"{p}.values[{k}]", v) for k, v in enumerate(values) if v in values[:k]]
            errs += _each(f"{p}.key", _s(r, "key"), is_qualified_name(_s(r, "key")))
            errs += [duplicate(f"{p}.key", _s(r, "key"))] if _s(r, "key") in keys else []
            keys.add(_s(r, "key"))
    return errs


def volume_attachment(obj: dict) -> Errs:
    """ValidateVolumeAttachment, then ValidateVolumeAttachmentV1 (the strategy runs both for storage/v1)."""
    spec, errs = _d(obj, "spec"), object_meta(_d(obj, "metadata"), name_subdomain)
    src, attacher = _d(spec, "source"), _s(spec, "attacher")
    errs += [required("spec.attacher")] if not attacher else []
    pv, inline = src.get("persistentVolumeName"), src.get("inlineVolumeSpec")
    if pv is None and inline is None:
        errs.append(required("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
    elif pv is not None and inline is not None:
        errs.append(forbidden("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
    elif pv is not None and not pv:
        errs.append(required("spec.source.persistentVolumeName", "must specify non empty persistentVolumeName"))
    errs += _each("spec.nodeName", _s(spec, "nodeName"), is_dns1123_subdomain(_s(spec, "nodeName")))
    errs += csi_driver_name(attacher, "spec.attacher")
    return errs + (_each("spec.source.persistentVolumeName", pv, is_dns1123_subdomain(pv)) if pv else [])
