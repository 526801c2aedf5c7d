"""Roles, ClusterRoles and their bindings.

Mirrors pkg/apis/rbac/validation/validation.go (ValidatePolicyRule, ValidateRoleBinding,
ValidateClusterRoleBinding); RBAC object names follow path.ValidatePathSegmentName, not DNS rules.
"""

from __future__ import annotations

from .field import Errs, _d, _each, _l, _s, invalid, required, unsupported
from .meta import is_dns1123_subdomain, name_path_segment, object_meta

RBAC_GROUP = "rbac.authorization.k8s.io"


def rbac_rules(rules: list, namespaced: bool) -> Errs:
    """validatePolicyRule for each rule of a Role or ClusterRole."""
    errs: Errs = []
    for i, r in enumerate(rules):
        p = f"rules[{i}]"
        errs += [required(f"{p}.verbs", "verbs must contain at least one value")] if not _l(r, "verbs") else []
        if _l(r, "nonResourceURLs"):
            urls = _l(r, "nonResourceURLs")
            errs += [invalid(f"{p}.nonResourceURLs", urls, "namespaced rules cannot apply to non-resource URLs")] \
                if namespaced else []
            if _l(r, "apiGroups") or _l(r, "resources") or _l(r, "resourceNames"):
                errs.append(invalid(f"{p}.nonResourceURLs", urls, "rules cannot apply to both regular resources and "
                                                                  "non-resource URLs"))
            continue
        if not _l(r, "apiGroups"):
            errs.append(required(f"{p}.apiGroups", "resource rules must supply at least one api group"))
        if not _l(r, "resources"):
            errs.append(required(f"{p}.resources", "resource rules must supply at least one resource"))
        if _l(r, "resourceNames") and len(_l(r, "resources")) > 1:
            errs.append(required(f"{p}.resourceNames", "resource names cannot apply to multiple resources"))
    return errs


def rbac_binding(obj: dict, namespaced: bool) -> Errs:
    """ValidateRoleBinding / ValidateClusterRoleBinding."""
    ref = _d(obj, "roleRef")
    errs = object_meta(_d(obj, "metadata"), name_path_segment, kube_finalizers=False)
    if ref.get("apiGroup") and ref["apiGroup"] != RBAC_GROUP:   # an empty apiGroup is defaulted
        errs.append(unsupported("roleRef.apiGroup", ref["apiGroup"], [RBAC_GROUP]))
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    errs += [unsupported("roleRef.kind", _s(ref, "kind"), kinds)] if _s(ref, "kind") not in kinds else []
    name = _s(ref, "name")
    errs += [required("roleRef.name")] if not name else _each("roleRef.name", name, name_path_segment(name, False))
    for i, s in enumerate(_l(obj, "subjects")):
        p, kind, sname, group = f"subjects[{i}]", _s(s, "kind"), _s(s, "name"), s.get("apiGroup")
        errs += [required(f"{p}.name")] if not sname else []
        if kind == "ServiceAccount":
            errs += _each(f"{p}.name", sname, is_dns1123_subdomain(sname)) if sname else []
            errs += [unsupported(f"{p}.apiGroup", group, [""])] if group else []
            errs += [required(f"{p}.namespace")] if not namespaced and not _s(s, "namespace") else []
        elif kind in ("User", "Group"):
            errs += [invalid(f"{p}.name", sname, f"{kind.lower()} name cannot be empty")] if not sname else []
            errs += [unsupported(f"{p}.apiGroup", group, [RBAC_GROUP])] if group and group != RBAC_GROUP else []
        else:
            errs.append(unsupported(f"{p}.kind", kind, ["ServiceAccount", "User", "Group"]))
    return errs
