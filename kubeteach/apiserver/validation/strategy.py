"""The entry point: each kind's strategy Validate (create) and ValidateUpdate (update), in Kubernetes' order.

Mirrors the Validate / ValidateUpdate methods of pkg/registry/<group>/<resource>/strategy.go: which validation
functions a kind's create runs, what its update re-validates, and which fields it holds immutable.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import FieldError
from ..resources import Resource
from .admissionregistration import mutating_webhook_configuration
from .apps import deployment_spec, deployment_status, replicaset_spec, replicaset_status
from .coordination import lease
from .core import _node_update, legacy_event, node
from .field import Errs, _d, _each, _l, _s, forbidden, go_json, invalid
from .meta import (
    IMMUTABLE,
    STANDARD_FINALIZERS,
    go_selector,
    is_qualified_name,
    name_label,
    name_path_segment,
    name_subdomain,
    object_meta,
    object_meta_update,
)
from .pods import _pod
from .policy import pod_disruption_budget, pod_disruption_budget_status
from .priorityclass import priority_class, priority_class_update
from .rbac import rbac_binding, rbac_rules
from .services import endpoint_slice, endpoints, service, service_update
from .storage import storage_class, volume_attachment
from .volume import pv_spec, pvc_spec


def _create(kind: str, obj: dict) -> Errs:
    """The strategy's Validate for a new object of `kind`."""
    meta, spec = _d(obj, "metadata"), _d(obj, "spec")
    if kind in ("Deployment", "ReplicaSet"):
        fn = deployment_spec if kind == "Deployment" else replicaset_spec
        return object_meta(meta, name_subdomain) + fn(spec)
    if kind == "Pod":
        errs = _pod(obj)
        errs += [forbidden("spec.ephemeralContainers", "cannot be set on create")] \
            if _l(spec, "ephemeralContainers") else []
        return errs + ([forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared")]
                       if _s(spec, "nodeName") and _l(spec, "schedulingGates") else [])
    if kind == "Namespace":
        errs = object_meta(meta, name_label)
        for f in _l(spec, "finalizers"):
            errs += _each("spec.finalizers", f, is_qualified_name(f))
            errs += [invalid("spec.finalizers", f, "name is neither a standard finalizer name nor is it fully "
                                                   "qualified")] if "/" not in f and f not in STANDARD_FINALIZERS else []
        return errs
    if kind == "PodDisruptionBudget":   # the strategy's spec checks, then BeforeCreate's generic ObjectMeta checks
        return pod_disruption_budget(obj) + object_meta(meta, name_path_segment, kube_finalizers=False)
    if kind in ("Role", "ClusterRole"):
        return object_meta(meta, name_path_segment, kube_finalizers=False) + rbac_rules(_l(obj, "rules"),
                                                                                     kind == "Role")
    simple: dict[str, Callable[[dict], Errs]] = {
        "Node": node, "Event": legacy_event, "RoleBinding": lambda o: rbac_binding(o, True),
        "ClusterRoleBinding": lambda o: rbac_binding(o, False), "StorageClass": storage_class,
        "VolumeAttachment": volume_attachment, "Lease": lease, "PriorityClass": priority_class,
        "ServiceAccount": lambda o: object_meta(meta, name_subdomain),
        "PersistentVolumeClaim": lambda o: object_meta(meta, name_subdomain) + pvc_spec(spec),
        "PersistentVolume": lambda o: object_meta(meta, name_subdomain) + pv_spec(spec),
        "Service": service, "Endpoints": endpoints, "EndpointSlice": endpoint_slice,
        "MutatingWebhookConfiguration": mutating_webhook_configuration}
    return simple[kind](obj) if kind in simple else object_meta(meta, name_subdomain)


def _update(kind: str, obj: dict, old: dict) -> Errs:
    """Each strategy's ValidateUpdate: what it re-validates, and what it holds immutable."""
    spec, old_spec = _d(obj, "spec"), _d(old, "spec")
    plain_meta = kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Lease")
    mu = object_meta_update(_d(obj, "metadata"), _d(old, "metadata"), kube_finalizers=not plain_meta)
    if kind in ("Deployment", "ReplicaSet"):
        errs = mu + (deployment_spec(spec) if kind == "Deployment" else replicaset_spec(spec))
        if spec.get("selector") != old_spec.get("selector"):   # apps/v1: the selector is immutable
            errs.append(invalid("spec.selector", go_selector(spec.get("selector")), IMMUTABLE))
        return errs
    if kind == "Pod":   # ValidatePodUpdate (its spec-immutability diff is not reproduced)
        return mu + _pod(obj)
    if kind in ("ServiceAccount", "PersistentVolumeClaim", "Endpoints", "EndpointSlice"):
        return mu + _create(kind, obj)
    if kind == "Service":
        return mu + service_update(obj, old)
    if kind == "Namespace":
        return mu
    if kind == "PriorityClass":
        return mu + priority_class_update(obj, old)
    if kind == "PodDisruptionBudget":
        return pod_disruption_budget(obj) + mu
    if kind == "Event":
        return legacy_event(obj)
    if kind == "Lease":
        return mu + lease(obj)[len(object_meta(_d(obj, "metadata"), name_subdomain, kube_finalizers=False)):]
    errs = _create(kind, obj)
    if kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Node", "StorageClass",
                "MutatingWebhookConfiguration"):
        errs += mu
    if kind.endswith("RoleBinding") and _d(obj, "roleRef") != _d(old, "roleRef"):
        ref = _d(obj, "roleRef")
        errs.append(invalid("roleRef", go_json([("APIGroup", _s(ref, "apiGroup")), ("Kind", _s(ref, "kind")),
                                                ("Name", _s(ref, "name"))]), "cannot change roleRef"))
    if kind == "Node":
        errs += _node_update(obj, old)
    if kind == "StorageClass":
        errs += [forbidden(k, f"updates to {k} are forbidden.") for k in ("parameters", "provisioner",
                                                                          "reclaimPolicy") if obj.get(k) != old.get(k)]
        if obj.get("volumeBindingMode") != old.get("volumeBindingMode"):
            errs.append(invalid("volumeBindingMode", obj.get("volumeBindingMode"), IMMUTABLE))
    if kind == "VolumeAttachment" and spec != old_spec:
        src = _d(spec, "source")
        errs.append(invalid("spec", go_json([("Attacher", _s(spec, "attacher")), ("Source", go_json(
            [("PersistentVolumeName", src.get("persistentVolumeName")), ("InlineVolumeSpec", None)])),
            ("NodeName", _s(spec, "nodeName"))]), IMMUTABLE))
    return errs


def validate(res: Resource, obj: dict, old: dict | None = None) -> list[FieldError]:
    """The strategy's Validate (create) or ValidateUpdate (old given) for `res`, in Kubernetes' order."""
    errs = _create(res.kind, obj) if old is None else _update(res.kind, obj, old)
    return list(errs)


def validate_status(res: Resource, obj: dict, old: dict) -> list[FieldError]:
    """The status strategy's ValidateUpdate: ObjectMeta may not change what it guards, and the counts of
    Deployments (ValidateDeploymentStatusUpdate) and ReplicaSets (ValidateReplicaSetStatusUpdate) must be sane.
    Other kinds' status checks (ValidatePodStatusUpdate's container statuses, ...) are not reproduced."""
    plain_meta = res.kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Lease")
    errs = object_meta_update(_d(obj, "metadata"), _d(old, "metadata"), kube_finalizers=not plain_meta)
    if res.kind == "Deployment":
        errs += deployment_status(_d(obj, "status"), _d(old, "status"))
    elif res.kind == "ReplicaSet":
        errs += replicaset_status(_d(obj, "status"))
    elif res.kind == "PodDisruptionBudget":
        errs += pod_disruption_budget_status(_d(obj, "status"))
    return list(errs)
