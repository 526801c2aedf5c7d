"""PriorityClasses (scheduling.k8s.io/v1).

Mirrors ValidatePriorityClass and ValidatePriorityClassUpdate of pkg/apis/scheduling/validation/validation.go, with
the system classes of pkg/apis/scheduling/types.go and IsKnownSystemPriorityClass (pkg/apis/scheduling/v1/helpers.go).
"""

from __future__ import annotations

from .field import Errs, _d, forbidden, invalid, required, unsupported
from .meta import IMMUTABLE, name_subdomain, object_meta

#: HighestUserDefinablePriority and SystemCriticalPriority (pkg/apis/scheduling/types.go)
HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY
SYSTEM_PRIORITY_CLASS_PREFIX = "system-"
#: the classes kube-apiserver creates at boot: name -> (value, description)
SYSTEM_PRIORITY_CLASSES = {
    "system-node-critical": (SYSTEM_CRITICAL_PRIORITY + 1000,
                             "Used for system critical pods that must not be moved from their current node."),
    "system-cluster-critical": (SYSTEM_CRITICAL_PRIORITY, "Used for system critical pods that must run in the "
                                                          "cluster, but can be moved to another node if necessary."),
}
PREEMPTION_POLICIES = ["PreemptLowerPriority", "Never"]


def _known_system_class(name: str, value: object, global_default: bool) -> str:
    """IsKnownSystemPriorityClass: "" when `name` is a system class with its value and no globalDefault."""
    if name not in SYSTEM_PRIORITY_CLASSES:
        return f"{name} is not a known system priority class"
    if value != SYSTEM_PRIORITY_CLASSES[name][0]:
        return f"value of {name} PriorityClass must be {SYSTEM_PRIORITY_CLASSES[name][0]}"
    if global_default:
        return f"globalDefault of {name} PriorityClass must be false"
    return ""


def priority_class(obj: dict) -> Errs:
    """ValidatePriorityClass: the `system-` prefix is reserved, user values are at most 1000000000."""
    meta = _d(obj, "metadata")
    errs = object_meta(meta, name_subdomain)
    name, value = meta.get("name") or "", obj.get("value") or 0
    if name.startswith(SYSTEM_PRIORITY_CLASS_PREFIX):
        why = _known_system_class(name, value, bool(obj.get("globalDefault")))
        if why:
            errs.append(forbidden("metadata.name", f"priority class names with '{SYSTEM_PRIORITY_CLASS_PREFIX}' "
                                                   f"prefix are reserved for system use only. error: {why}"))
    elif isinstance(value, int) and value > HIGHEST_USER_DEFINABLE_PRIORITY:
        errs.append(forbidden("value", "maximum allowed value of a user defined priority is "
                                       f"{HIGHEST_USER_DEFINABLE_PRIORITY}"))
    pp = obj.get("preemptionPolicy")
    if pp is not None and pp not in PREEMPTION_POLICIES:        # ValidatePreemptionPolicy
        errs.append(required("preemptionPolicy") if pp == "" else
                    unsupported("preemptionPolicy", pp, PREEMPTION_POLICIES))
    return errs


def priority_class_update(obj: dict, old: dict) -> Errs:
    """ValidatePriorityClassUpdate (after ObjectMeta's): value and preemptionPolicy are immutable."""
    errs: Errs = []
    if obj.get("value") != old.get("value"):
        errs.append(forbidden("value", "may not be changed in an update."))
    if obj.get("preemptionPolicy") != old.get("preemptionPolicy"):
        errs.append(invalid("preemptionPolicy", obj.get("preemptionPolicy"), IMMUTABLE))
    return errs
