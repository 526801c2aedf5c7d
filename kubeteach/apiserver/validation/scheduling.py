"""Where a Pod may run: node selectors, node and pod (anti-)affinity, tolerations, topology spread.

Mirrors the scheduling parts of pkg/apis/core/validation/validation.go: ValidateNodeSelector,
ValidateNodeSelectorTerm, validateAffinity, validatePodAffinityTerm, ValidateTolerations and
validateTopologySpreadConstraints.
"""

from __future__ import annotations

from .field import Errs, _d, _each, _l, _s, duplicate, forbidden, invalid, required, unsupported
from .meta import (
    _requirement,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_label_value,
    is_qualified_name,
    label_selector,
)


def _node_selector_term(term: dict, path: str, check_values: bool) -> Errs:
    """ValidateNodeSelectorTerm (label values checked only for required affinity)."""
    errs: Errs = []
    for j, r in enumerate(_l(term, "matchExpressions")):
        p, op, values = f"{path}.matchExpressions[{j}]", r.get("operator"), _l(r, "values")
        if op in ("In", "NotIn", "Exists", "DoesNotExist"):
            errs += _requirement(r, p, check_values)
            continue
        if op in ("Gt", "Lt"):
            if len(values) != 1:
                errs.append(required(f"{p}.values", "must be specified single value when `operator` is 'Lt' or 'Gt'"))
        else:
            errs.append(invalid(f"{p}.operator", op or "", "not a valid selector operator"))
        errs += _each(f"{p}.key", _s(r, "key"), is_qualified_name(_s(r, "key")))
        for i, v in enumerate(values if check_values else []):
            errs += _each(f"{p}.values[{i}]", v, is_label_value(str(v)))
    for j, r in enumerate(_l(term, "matchFields")):
        p, values = f"{path}.matchFields[{j}]", _l(r, "values")
        if r.get("operator") not in ("In", "NotIn"):
            errs.append(invalid(f"{p}.operator", r.get("operator") or "", "not a valid selector operator"))
        elif len(values) != 1:
            errs.append(required(f"{p}.values", "must be only one value when `operator` is 'In' or 'NotIn' for node "
                                                "field selector"))
        if _s(r, "key") != "metadata.name":
            errs.append(invalid(f"{p}.key", _s(r, "key"), "not a valid field selector key"))
        else:
            for i, v in enumerate(values):
                errs += _each(f"{p}.values[{i}]", v, is_dns1123_subdomain(str(v)))
    return errs


def node_selector(ns: dict, path: str) -> Errs:
    """ValidateNodeSelector: at least one term."""
    terms = _l(ns, "nodeSelectorTerms")
    if not terms:
        return [required(f"{path}.nodeSelectorTerms", "must have at least one node selector term")]
    return [e for i, t in enumerate(terms) for e in _node_selector_term(t, f"{path}.nodeSelectorTerms[{i}]", True)]


def _affinity_term(t: dict, path: str) -> Errs:
    """validatePodAffinityTerm."""
    errs = label_selector(t.get("labelSelector"), f"{path}.labelSelector")
    errs += label_selector(t.get("namespaceSelector"), f"{path}.namespaceSelector")
    for ns in _l(t, "namespaces"):
        errs += _each(f"{path}.namespace", ns, is_dns1123_label(ns))
    for key in ("matchLabelKeys", "mismatchLabelKeys"):
        if _l(t, key) and t.get("labelSelector") is None:
            errs.append(forbidden(f"{path}.{key}", "must not be specified when labelSelector is not set"))
        else:
            errs += [e for i, k in enumerate(_l(t, key)) for e in _each(f"{path}.{key}[{i}]", k, is_qualified_name(k))]
    key = _s(t, "topologyKey")
    errs += [required(f"{path}.topologyKey", "can not be empty")] if not key else []
    return errs + _each(f"{path}.topologyKey", key, is_qualified_name(key))


def _affinity(aff: dict, path: str) -> Errs:
    """validateAffinity: node, pod and pod anti-affinity."""
    errs: Errs = []
    na = _d(aff, "nodeAffinity")
    if isinstance(na.get("requiredDuringSchedulingIgnoredDuringExecution"), dict):
        errs += node_selector(na["requiredDuringSchedulingIgnoredDuringExecution"],
                              f"{path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution")
    for i, t in enumerate(_l(na, "preferredDuringSchedulingIgnoredDuringExecution")):
        p = f"{path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
        if not 0 < (t.get("weight") or 0) <= 100:
            errs.append(invalid(f"{p}.weight", t.get("weight") or 0, "must be in the range 1-100"))
        errs += _node_selector_term(_d(t, "preference"), f"{p}.preference", False)
    for kind in ("podAffinity", "podAntiAffinity"):
        pa = _d(aff, kind)
        for i, t in enumerate(_l(pa, "requiredDuringSchedulingIgnoredDuringExecution")):
            errs += _affinity_term(t, f"{path}.{kind}.requiredDuringSchedulingIgnoredDuringExecution[{i}]")
        for i, t in enumerate(_l(pa, "preferredDuringSchedulingIgnoredDuringExecution")):
            p = f"{path}.{kind}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            if not 0 < (t.get("weight") or 0) <= 100:
                errs.append(invalid(f"{p}.weight", t.get("weight") or 0, "must be in the range 1-100"))
            errs += _affinity_term(_d(t, "podAffinityTerm"), f"{p}.podAffinityTerm")
    return errs


TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]


def tolerations(items: list, path: str) -> Errs:
    """ValidateTolerations."""
    errs: Errs = []
    for i, t in enumerate(items):
        p, key, op, value, effect = f"{path}[{i}]", _s(t, "key"), t.get("operator") or "", _s(t, "value"), \
            t.get("effect") or ""
        errs += _each(f"{p}.key", key, is_qualified_name(key)) if key else []
        if not key and op != "Exists":
            errs.append(invalid(f"{p}.operator", op, 'operator must be Exists when `key` is empty, which means '
                                                     '"match all values and all keys"'))
        if t.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.append(invalid(f"{p}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if op in ("Equal", ""):
            if is_label_value(value):
                errs.append(invalid(f"{p}.operator", value, ";".join(is_label_value(value))))
        elif op == "Exists":
            errs += [invalid(f"{p}.operator", value, "value must be empty when `operator` is 'Exists'")] \
                if value else []
        else:
            errs.append(unsupported(f"{p}.operator", op, ["Equal", "Exists"]))
        if effect and effect not in TAINT_EFFECTS:
            errs.append(unsupported(f"{p}.effect", effect, TAINT_EFFECTS))
    return errs


def _spread(items: list, path: str) -> Errs:
    """validateTopologySpreadConstraints."""
    errs: Errs = []
    for i, c in enumerate(items):
        p, key, when = f"{path}[{i}]", _s(c, "topologyKey"), c.get("whenUnsatisfiable") or ""
        if (c.get("maxSkew") or 0) <= 0:
            errs.append(invalid(f"{p}.maxSkew", c.get("maxSkew") or 0, "must be greater than zero"))
        errs += [required(f"{p}.topologyKey", "can not be empty")] if not key else []
        if when not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(unsupported(f"{p}.whenUnsatisfiable", when, ["DoNotSchedule", "ScheduleAnyway"]))
        if any(_s(o, "topologyKey") == key and (o.get("whenUnsatisfiable") or "") == when for o in items[i + 1:]):
            errs.append(duplicate(f"{p}.{{topologyKey, whenUnsatisfiable}}", f"{{{key}, {when}}}"))
        md = c.get("minDomains")
        if md is not None:
            errs += [invalid(f"{p}.minDomains", md, "must be greater than zero")] if md <= 0 else []
            if when != "DoNotSchedule":
                errs.append(invalid(f"{p}.minDomains", md, "can only use minDomains if whenUnsatisfiable="
                                                           f"DoNotSchedule, not {when}"))
        for key2 in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            if c.get(key2) is not None and c[key2] not in ("Honor", "Ignore"):
                errs.append(unsupported(f"{p}.{key2}", c[key2], ["Honor", "Ignore"]))
        errs += label_selector(c.get("labelSelector"), f"{p}.labelSelector")
    return errs
