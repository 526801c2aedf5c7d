"""The subresources with logic of their own: pods/binding (BindingREST in pkg/registry/core/pod/storage/storage.go)
and the scale of a Deployment or ReplicaSet (ScaleREST in pkg/registry/apps/{deployment,replicaset}/storage).
The handler reads and writes the object; these say what changes and what is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..objects import deep_copy, selector_string, timestamp
from . import decoding
from .errors import APIError
from .podtopologylabels import copy_labels_with_overwriting


def assign_pod(pod: dict, name: str, target: str, body: dict, now: Callable[[], float]) -> None:
    """BindingREST.setPodHostAndAnnotations: set spec.nodeName, the binding's annotations and labels (the latter
    overwriting) and PodScheduled=True, once; 409 Conflict for another pod's UID, a pod being deleted, already bound, or still gated."""
    uid = body.get("metadata", {}).get("uid")
    if uid and uid != pod["metadata"]["uid"]:
        raise APIError(409, "Conflict", f'Operation cannot be fulfilled on pods "{name}": Precondition '
                       f"failed: UID in precondition: {uid}, UID in object meta: {pod['metadata']['uid']}")
    if pod["metadata"].get("deletionTimestamp"):
        raise APIError(409, "Conflict", f"pod {name} is being deleted, cannot be assigned to a host")
    if pod["spec"].get("nodeName"):
        raise APIError(409, "Conflict", f'pod {name} is already assigned to node "{pod["spec"]["nodeName"]}"')
    if pod["spec"].get("schedulingGates"):
        raise APIError(409, "Conflict", f"pod {name} has non-empty .spec.schedulingGates")
    pod["spec"]["nodeName"] = target
    for k, v in (body.get("metadata", {}).get("annotations") or {}).items():
        pod["metadata"].setdefault("annotations", {})[k] = v
    copy_labels_with_overwriting(pod, body)            # PodTopologyLabelsAdmission is on in v1.35
    conds = [c for c in pod["status"].get("conditions", []) if c["type"] != "PodScheduled"]
    conds.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                  "lastTransitionTime": timestamp(now())})
    pod["status"]["conditions"] = conds


def scale_of(obj: dict) -> dict:
    """The autoscaling/v1 Scale of a Deployment or ReplicaSet (scaleFromDeployment, scaleFromReplicaSet)."""
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: obj["metadata"][k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                         "creationTimestamp") if k in obj["metadata"]},
            "spec": {"replicas": obj["spec"].get("replicas", 0)},
            "status": {"replicas": obj.get("status", {}).get("replicas", 0),
                       "selector": selector_string(obj["spec"].get("selector"))}}


def scaled(old: dict, name: str, body: Any, patched: bool = False) -> dict:
    """ScaleREST.Update: the Scale decodes (unless a patch already did) and passes ValidateScale, then only its
    spec.replicas moves over to a copy of the object."""
    scale = body if patched else decoding.decode_scale(body)
    decoding.validate_scale(name, scale)
    replicas = (scale.get("spec") or {}).get("replicas") or 0
    obj = deep_copy(old)
    obj["spec"]["replicas"] = int(replicas)
    return obj


__all__ = ["assign_pod", "scale_of", "scaled"]
