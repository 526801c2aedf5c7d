"""The Priority admission plugin (plugin/pkg/admission/priority/admission.go): a new Pod gets the priority (and the
preemption policy) of its PriorityClass, or of the global default class, or 0; a PriorityClass may not become a
second global default.

Go checks the global default in the plugin's Validate phase, after field validation; kubeteach has one admission
phase, so that check runs before field validation (only the order of two errors on one bad object differs).
"""

from __future__ import annotations

from typing import Any

from .errors import forbidden
from .validation.priorityclass import SYSTEM_PRIORITY_CLASSES

#: DefaultPriorityWhenNoDefaultClassExists (pkg/apis/scheduling/types.go)
DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0
PREEMPT_LOWER_PRIORITY = "PreemptLowerPriority"


def _default_class(api: Any) -> dict | None:
    """getDefaultPriorityClass: of several global defaults (a race), the one with the lowest value."""
    best = None
    for pc in api.storage.list("priorityclasses", ""):
        if pc.get("globalDefault") and (best is None or (best.get("value") or 0) > (pc.get("value") or 0)):
            best = pc
    return best


def admit_pod(api: Any, req: Any, obj: dict) -> dict | None:
    """admitPod on create: resolve the class (or the default), refuse a priority or preemptionPolicy the pod set
    that differs from the class's, and set both."""
    spec = obj.setdefault("spec", {})
    name = (obj.get("metadata") or {}).get("name") or (obj.get("metadata") or {}).get("generateName", "")
    class_name = spec.get("priorityClassName") or ""
    if not class_name:
        pc = _default_class(api)
        if pc is None:
            value, policy = DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS, PREEMPT_LOWER_PRIORITY
        else:
            spec["priorityClassName"] = class_name = pc["metadata"]["name"]
            value, policy = pc.get("value") or 0, pc.get("preemptionPolicy")
    else:
        pc = api.storage.read("priorityclasses", "", class_name)
        if pc is None:
            raise forbidden(f'pods "{name}" is forbidden: no PriorityClass with name {class_name} was found')
        value, policy = pc.get("value") or 0, pc.get("preemptionPolicy")
    if spec.get("priority") is not None and spec["priority"] != value:
        raise forbidden(f'pods "{name}" is forbidden: the integer value of priority ({spec["priority"]}) must not be '
                        f"provided in pod spec; priority admission controller computed {value} from the given "
                        "PriorityClass name")
    spec["priority"] = value
    if policy is not None:
        if spec.get("preemptionPolicy") is not None and spec["preemptionPolicy"] != policy:
            raise forbidden(f'pods "{name}" is forbidden: the string value of PreemptionPolicy '
                            f'({spec["preemptionPolicy"]}) must not be provided in pod spec; priority admission '
                            f"controller computed {policy} from the given PriorityClass name")
        spec["preemptionPolicy"] = policy
    note: dict = {"priority": value}
    if class_name:
        note["class"] = class_name
    return note


def validate_priority_class(api: Any, req: Any, obj: dict) -> None:
    """validatePriorityClass: only one PriorityClass may be the global default."""
    if not obj.get("globalDefault"):
        return
    dpc = _default_class(api)
    name = (obj.get("metadata") or {}).get("name") or req.name or ""
    if dpc is not None and (req.verb == "create" or dpc["metadata"]["name"] != name):
        raise forbidden(f'priorityclasses.scheduling.k8s.io "{name}" is forbidden: PriorityClass '
                        f'{dpc["metadata"]["name"]} is already marked as default. Only one default can exist')


def admit(api: Any, req: Any, obj: dict) -> dict | None:
    """Admit (pods, create) and Validate (priorityclasses, create and update); subresources are ignored."""
    if req.subresource:
        return None
    if req.resource.kind == "Pod" and req.verb == "create":
        return admit_pod(api, req, obj)
    if req.resource.kind == "PriorityClass" and req.verb in ("create", "update", "patch"):
        validate_priority_class(api, req, obj)
    return None


def system_priority_classes() -> list[dict]:
    """What the `scheduling/bootstrap-system-priority-classes` post-start hook creates
    (pkg/registry/scheduling/rest/storage_scheduling.go): system-node-critical, then system-cluster-critical."""
    return [{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
             "value": value, "description": description}
            for name, (value, description) in SYSTEM_PRIORITY_CLASSES.items()]
