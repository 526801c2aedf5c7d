"""RBAC escalation prevention: nobody grants, through a Role, ClusterRole or binding, permissions they do not hold.

The RBAC storages wrap create and update (pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/
policybased/storage.go) with the checks of pkg/registry/rbac/escalation_check.go: system:masters passes
(EscalationAllowed); a Role or ClusterRole passes with the `escalate` verb on it (RoleEscalationAuthorized), a binding
with `bind` on the role it references (BindingAuthorized); otherwise the requester's own rules in the request's
namespace must cover the granted ones (ConfirmNoEscalation in pkg/registry/rbac/validation/rule.go, with Covers from
staging/src/k8s.io/component-helpers/auth/rbac/validation/policy_comparator.go). The check runs after mutating
admission and before validation, as the storage wrapper does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..trace import narrative, phrase
from .authentication import UserInfo
from .decoding import go_quote
from .errors import APIError
from .narratives import authz_reason
from .rbac import Attributes, Authorizer, Decision, role_reference_rules
from .request import Request

RBAC_GROUP = "rbac.authorization.k8s.io"
ROLES = ("roles", "clusterroles")
BINDINGS = ("rolebindings", "clusterrolebindings")
#: what the aggregationRule needs: * on *.* and on every URL (clusterrole/policybased/storage.go fullAuthority)
FULL_AUTHORITY = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                  {"nonResourceURLs": ["*"], "verbs": ["*"]}]


# --- Covers (component-helpers/auth/rbac/validation/policy_comparator.go) ------------------------------------------

def breakdown_rule(rule: dict) -> list[dict]:
    """BreakdownRule: one rule per (group, resource, verb[, resourceName]), and per (nonResourceURL, verb)."""
    out: list[dict] = []
    names = rule.get("resourceNames") or []
    verbs = rule.get("verbs") or []
    for group in rule.get("apiGroups") or []:
        for resource in rule.get("resources") or []:
            for verb in verbs:
                base = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                out += [{**base, "resourceNames": [n]} for n in names] if names else [base]
    for url in rule.get("nonResourceURLs") or []:
        out += [{"nonResourceURLs": [url], "verbs": [verb]} for verb in verbs]
    return out


def _resource_covers(owned: list[str], wanted: list[str]) -> bool:
    """resourceCoversAll: `*`, the exact name, or `*/sub` for a `resource/sub` subresource."""
    if "*" in owned or set(wanted) <= set(owned):
        return True
    return all(path in owned or ("/" in path and "*/" + path.split("/", 1)[1] in owned) for path in wanted)


def _url_covers(owned: list[str], wanted: list[str]) -> bool:
    """nonResourceURLsCoversAll: each URL equal to an owned one, or under an owned `prefix*`."""
    return all(any(o == url or (o.endswith("*") and url.startswith(o.rstrip("*"))) for o in owned) for url in wanted)


def rule_covers(owner: dict, sub: dict) -> bool:
    """ruleCovers: does one owner rule cover a broken-down rule (one verb, resource or URL, resource name)?"""
    def field(rule: dict, name: str) -> list[str]:
        return list(rule.get(name) or [])

    verbs, groups = field(owner, "verbs"), field(owner, "apiGroups")
    names, sub_names = field(owner, "resourceNames"), field(sub, "resourceNames")
    return (("*" in verbs or set(field(sub, "verbs")) <= set(verbs))
            and ("*" in groups or set(field(sub, "apiGroups")) <= set(groups))
            and _resource_covers(field(owner, "resources"), field(sub, "resources"))
            and _url_covers(field(owner, "nonResourceURLs"), field(sub, "nonResourceURLs"))
            and (not names if not sub_names else not names or set(sub_names) <= set(names)))


def covers(owner_rules: list[dict], servant_rules: list[dict]) -> tuple[bool, list[dict]]:
    """Covers: whether the owner's rules allow everything the servant rules do, and the broken-down rules they miss."""
    missing = [sub for rule in servant_rules for sub in breakdown_rule(rule)
               if not any(rule_covers(owner, sub) for owner in owner_rules)]
    return not missing, missing


# --- the message (pkg/registry/rbac/validation/rule.go, policy_compact.go; pkg/apis/rbac/v1/evaluation_helpers.go) --

def compact_rules(rules: list[dict]) -> list[dict]:
    """CompactRules: merge the verbs of rules naming one group, one resource and at most one resource name."""
    compacted: list[dict] = []
    simple: dict[tuple, dict] = {}
    for rule in rules:
        names = rule.get("resourceNames") or []
        groups, resources = rule.get("apiGroups") or [], rule.get("resources") or []
        if len(names) > 1 or rule.get("nonResourceURLs") or len(groups) != 1 or len(resources) != 1:
            compacted.append(rule)
            continue
        key = (groups[0], resources[0], bool(names), names[0] if names else "")
        if key in simple:
            simple[key]["verbs"] = simple[key].get("verbs", []) + list(rule.get("verbs") or [])
        else:
            simple[key] = {k: list(v) for k, v in rule.items()}
    return compacted + list(simple.values())


def go_quote_list(values: list[str] | tuple[str, ...]) -> str:
    """%q of a []string: `["a" "b"]`."""
    return "[" + " ".join(go_quote(v) for v in values) + "]"


def compact_string(rule: dict) -> str:
    """rbacv1helpers.CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}`."""
    parts = [f"{label}:{go_quote_list(rule[key])}" for label, key in (
        ("APIGroups", "apiGroups"), ("Resources", "resources"), ("NonResourceURLs", "nonResourceURLs"),
        ("ResourceNames", "resourceNames"), ("Verbs", "verbs")) if rule.get(key)]
    return "{" + ", ".join(parts) + "}"


def _aggregate(errors: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message alone, several (deduplicated) in brackets."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def confirm_no_escalation(authz: Authorizer, user: UserInfo, namespace: str, rules: list[dict]) -> str | None:
    """ConfirmNoEscalation: None when the user's own rules in `namespace` cover `rules`; else the refusal, listing
    the missing rules (compacted, sorted) and any bindings whose role could not be resolved."""
    owner_rules, errors = authz.rules_for(user, namespace)
    ok, missing = covers(owner_rules, rules)
    if ok:
        return None
    lines = sorted({compact_string(r) for r in compact_rules(missing)})
    message = (f"user {go_quote(user.name)} (groups={go_quote_list(user.groups)}) is attempting to grant RBAC "
               "permissions not currently held:\n" + "\n".join(lines))
    if errors:
        message += f"; resolution errors: [{_aggregate(errors)}]"
    return message


# --- who may skip the comparison (pkg/registry/rbac/escalation_check.go) ----------------------------------------

def escalation_allowed(user: UserInfo) -> bool:
    """EscalationAllowed: system:masters may grant anything."""
    return "system:masters" in user.groups


def role_escalation_authorized(authz: Authorizer, user: UserInfo, resource: str, namespace: str,
                               name: str) -> Decision:
    """RoleEscalationAuthorized: the `escalate` verb on this role (named as in the URL: empty on create)."""
    return authz.authorize(Attributes(user, "escalate", RBAC_GROUP, resource, "", namespace, name))


def binding_authorized(authz: Authorizer, user: UserInfo, ref: dict, namespace: str) -> Decision:
    """BindingAuthorized: the `bind` verb on the referenced role, in the binding's namespace ("" for a
    ClusterRoleBinding); never for a roleRef of another kind."""
    resource = {"ClusterRole": "clusterroles", "Role": "roles"}.get(ref.get("kind") or "")
    if resource is None:
        return Decision(False, {"by": "bad-role-ref", "kind": str(ref.get("kind") or "")})
    return authz.authorize(Attributes(user, "bind", ref.get("apiGroup") or "", resource, "", namespace,
                                      ref.get("name") or ""))


def _semantic(value: Any) -> Any:
    """Drop empty fields, as Semantic.DeepEqual treats a nil and an empty value alike."""
    if isinstance(value, dict):
        return {k: _semantic(v) for k, v in value.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_semantic(v) for v in value]
    return value


def only_gc_fields_change(obj: dict, old: dict) -> bool:
    """IsOnlyMutatingGCFields (pkg/registry/rbac/helpers.go): an update touching only ownerReferences, finalizers
    (and managedFields) is how the garbage collector deletes; it needs no escalation check."""
    ignored = ("ownerReferences", "finalizers", "selfLink", "managedFields", "resourceVersion")

    def stripped(o: dict) -> Any:
        meta = {k: v for k, v in (o.get("metadata") or {}).items() if k not in ignored}
        return _semantic({**o, "metadata": meta})
    return stripped(obj) == stripped(old)


# --- the hook -------------------------------------------------------------------------------------------------

def _forbidden(resource: str, name: str, message: str) -> APIError:
    """errors.NewForbidden(rbac.Resource(resource), name, err)."""
    what = f"{resource}.{RBAC_GROUP}" + (f" {go_quote(name)}" if name else "")
    details = {"name": name, "group": RBAC_GROUP, "kind": resource} if name else {"group": RBAC_GROUP,
                                                                                    "kind": resource}
    return APIError(403, "Forbidden", f"{what} is forbidden: {message}", details)


def check(authz: Authorizer, req: Request, obj: dict, old: dict | None, log: Callable[..., None]) -> None:
    """Refuse (403) a create or update of an RBAC role or binding that grants more than its requester holds."""
    res = req.resource
    if res.group != RBAC_GROUP or res.resource not in ROLES + BINDINGS or req.user is None:
        return
    user = req.user
    if escalation_allowed(user):
        return
    namespace = req.namespace if res.namespaced else ""
    name = obj.get("metadata", {}).get("name") or ""

    exempt, rules = _exemption(authz, req, user, namespace, obj, old)
    if exempt is None:
        refusal = confirm_no_escalation(authz, user, namespace, rules)
        if refusal is None and res.resource == "clusterroles" and (_aggregates(obj) or _aggregates(old or {})) \
                and confirm_no_escalation(authz, user, "", FULL_AUTHORITY) is not None:
            refusal = "must have cluster-admin privileges to use the aggregationRule"
        if refusal is not None:
            log("kube-apiserver", "escalation-forbidden", "", user=user.name, resource=res.resource, name=name,
                refusal=refusal)
            raise _forbidden(res.resource, name, refusal)
    how, reason = exempt or ("covered", {})
    log("kube-apiserver", "escalation-checked", "", user=user.name, resource=res.resource, name=name, how=how,
        reason=reason)


def _exemption(authz: Authorizer, req: Request, user: UserInfo, namespace: str, obj: dict,
               old: dict | None) -> tuple[tuple[str, dict] | None, list[dict]]:
    """Why the comparison is skipped (escalate, bind, or a garbage-collector-only update), in the storages' order;
    otherwise the rules granted: a role's own, or those of the role a binding references."""
    gc_only = old is not None and only_gc_fields_change(obj, old)
    if req.resource.resource in ROLES:
        escalate = role_escalation_authorized(authz, user, req.resource.resource, namespace,
                                              "" if req.verb == "create" else req.name)
        if escalate.allowed:
            return ("escalate", escalate.reason), []
        return (("gc", {}), []) if gc_only else (None, list(obj.get("rules") or []))
    if gc_only:
        return ("gc", {}), []
    ref = obj.get("roleRef") or {}
    bind = binding_authorized(authz, user, ref, namespace)
    if bind.allowed:
        return ("bind", bind.reason), []
    return None, role_reference_rules(authz.roles(), ref, namespace)


def _aggregates(cluster_role: dict) -> bool:
    """hasAggregationRule: an aggregationRule with at least one clusterRoleSelector."""
    return bool((cluster_role.get("aggregationRule") or {}).get("clusterRoleSelectors"))


def _checked(f: dict) -> str:
    what = f'{f["resource"][:-1]} "{f["name"]}"' if f["name"] else f["resource"][:-1]
    head = f'RBAC escalation check: "{f["user"]}" may write {what}: '
    reason = authz_reason(f["reason"], f["_lang"]) if f["reason"] else ""
    return head + phrase(f"escalation-checked:{f['how']}", {**f, "reason": reason})


narrative({
    "escalation-checked": _checked,
    "escalation-checked:escalate": "it may escalate ({reason})",
    "escalation-checked:bind": "it may bind the role it references ({reason})",
    "escalation-checked:gc": "only ownerReferences or finalizers change",
    "escalation-checked:covered": "its own rules cover every rule granted",
    "escalation-forbidden": lambda f: f'RBAC escalation check: "{f["user"]}" may not write {f["resource"][:-1]} '
                                      f'"{f["name"]}": ' + f["refusal"].split(":\n", 1)[-1].replace("\n", ", "),
})
