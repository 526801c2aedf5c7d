"""Validation (the strategy's Validate / ValidateUpdate), with Kubernetes' field paths and messages.

One module per Go package or concern, each read next to the source it mirrors: `field` (apimachinery's
field.Error and ErrorBody texts), `meta` (apimachinery util/validation, ObjectMeta, labels, selectors), the
pkg/apis/core/validation family split by subject (`quantity`, `volume`, `scheduling`, `pods`, `core` for Node
and Event), `apps` (Deployment, ReplicaSet), `rbac`, `storage`, `coordination`, and `strategy` (each kind's
Validate / ValidateUpdate, the entry point). Errors are field.Error values rendered by ErrorBody (v1.34+: JSON
values); Go structs print with Go field names in Go field order, passed pre-rendered as GoJSON. Fields that
defaulting always fills are checked only when present; maps are visited in document order. This package
re-exports the names callers import, so `from kubeteach.apiserver.validation import validate` keeps working.
"""

from __future__ import annotations

from .apps import deployment_spec, deployment_status, replicaset_spec, replicaset_status
from .coordination import lease
from .core import legacy_event, node
from .field import (
                    Error,
                    Errs,
                    GoJSON,
                    duplicate,
                    forbidden,
                    go_json,
                    invalid,
                    not_found,
                    required,
                    too_long,
                    unsupported,
)
from .meta import (
                    IMMUTABLE,
                    LABEL_FMT,
                    LABEL_VALUE_FMT,
                    NEGATIVE,
                    QNAME_FMT,
                    QNAME_MSG,
                    STANDARD_FINALIZERS,
                    SUBDOMAIN_FMT,
                    annotations,
                    go_selector,
                    is_dns1123_label,
                    is_dns1123_subdomain,
                    is_label_value,
                    is_percent,
                    is_port_name,
                    is_qualified_name,
                    label_selector,
                    labels,
                    max_len,
                    name_label,
                    name_path_segment,
                    name_subdomain,
                    object_meta,
                    object_meta_update,
                    port_range,
                    regex_error,
                    selector_converts,
)
from .pods import pod_spec, pod_template
from .quantity import (
                    INTEGER_RESOURCES,
                    STANDARD_CONTAINER_RESOURCES,
                    STANDARD_RESOURCES,
                    container_resource_name,
                    qty,
                    qty_string,
                    resource_quantity,
                    resource_requirements,
)
from .rbac import RBAC_GROUP, rbac_binding, rbac_rules
from .scheduling import TAINT_EFFECTS, node_selector, tolerations
from .storage import storage_class, volume_attachment
from .strategy import validate, validate_status
from .volume import (
                    ACCESS_MODES,
                    FILE_MODE,
                    HOST_PATH_TYPES,
                    PV_SOURCES,
                    VOLUME_SOURCES,
                    csi_driver_name,
                    pv_spec,
                    pvc_spec,
                    volumes,
)

__all__ = [
    # field
    "Error", "Errs", "GoJSON", "duplicate", "forbidden", "go_json", "invalid", "not_found", "required", "too_long",
    "unsupported",
    # meta
    "IMMUTABLE", "LABEL_FMT", "LABEL_VALUE_FMT", "NEGATIVE", "QNAME_FMT", "QNAME_MSG", "STANDARD_FINALIZERS",
    "SUBDOMAIN_FMT", "annotations", "go_selector", "is_dns1123_label", "is_dns1123_subdomain", "is_label_value",
    "is_percent", "is_port_name", "is_qualified_name", "label_selector", "labels", "max_len", "name_label",
    "name_path_segment", "name_subdomain", "object_meta", "object_meta_update", "port_range", "regex_error",
    "selector_converts",
    # quantity
    "INTEGER_RESOURCES", "STANDARD_CONTAINER_RESOURCES", "STANDARD_RESOURCES", "container_resource_name", "qty",
    "qty_string", "resource_quantity", "resource_requirements",
    # volume, scheduling, pods, core
    "ACCESS_MODES", "FILE_MODE", "HOST_PATH_TYPES", "PV_SOURCES", "VOLUME_SOURCES", "csi_driver_name", "pv_spec",
    "pvc_spec", "volumes", "TAINT_EFFECTS", "node_selector", "tolerations", "pod_spec", "pod_template",
    "legacy_event", "node",
    # apps, rbac, storage, coordination
    "deployment_spec", "deployment_status", "replicaset_spec", "replicaset_status", "RBAC_GROUP", "rbac_binding",
    "rbac_rules", "storage_class", "volume_attachment", "lease",
    # strategy: the entry point
    "validate", "validate_status",
]
