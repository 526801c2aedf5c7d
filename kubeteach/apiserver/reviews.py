"""The "who am I" endpoints: SelfSubjectReview (pkg/registry/authentication/selfsubjectreview) and
SelfSubjectRulesReview (pkg/registry/authorization/selfsubjectrulesreview over RBAC's RulesFor,
pkg/registry/rbac/validation/rule.go). They read no stored object of their own and write nothing. Every
authenticated user may create them through the bootstrap ClusterRole `system:basic-user`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..objects import timestamp
from ..trace import narrative
from .authentication import Credentials, UserInfo
from .errors import forbidden, unauthorized
from .impersonation import impersonate
from .rbac import Attributes, subject_matches

if TYPE_CHECKING:
    from .handler import APIServer


Extra = tuple[tuple[str, tuple[str, ...]], ...]


def _requester(api: APIServer, credentials: Credentials | None, path: str, what: str, actor: str,
               as_user: str, as_groups: tuple[str, ...], as_uid: str = "", as_extra: Extra = ()) -> UserInfo:
    """Record the POST, authenticate, and impersonate when asked: the user the review is about."""
    api.record(actor, "request", path, method="POST", what=what, user="", verbose=True)
    user = api.authn.authenticate(credentials)
    if user is None:
        raise unauthorized()
    if as_user or as_groups or as_uid or as_extra:
        user = impersonate(api.authz, user, as_user, as_groups, api.record, as_uid, as_extra)
    group, _, resource = path.removeprefix("/apis/").partition("/v1/")
    if not api.authz.authorize(Attributes(user, "create", group, resource)).allowed:
        raise forbidden(f'{resource}.{group} is forbidden: User "{user.name}" cannot create resource "{resource}" '
                        f'in API group "{group}" at the cluster scope')
    return user


def self_subject_review(api: APIServer, credentials: Credentials | None, actor: str = "kubectl",
                        as_user: str = "", as_groups: tuple[str, ...] = (), as_uid: str = "",
                        as_extra: Extra = ()) -> dict:
    """POST selfsubjectreviews (authentication.k8s.io/v1): the user.Info the API server sees for this request."""
    user = _requester(api, credentials, "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                      "create selfsubjectreview", actor, as_user, as_groups, as_uid, as_extra)
    info: dict = {"username": user.name}
    if getattr(user, "uid", ""):
        info["uid"] = user.uid  # type: ignore[attr-defined]
    if user.groups:
        info["groups"] = list(user.groups)
    if user.extra:
        info["extra"] = {k: list(v) for k, v in user.extra}
    api.record("kube-apiserver", "self-subject-review", "", user=user.name, groups=list(user.groups))
    return {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
            "metadata": {"creationTimestamp": timestamp(api.now())}, "status": {"userInfo": info}}


def rules_for(api: APIServer, user: UserInfo, namespace: str) -> tuple[list[dict], list[str]]:
    """DefaultRuleResolver.RulesFor: the rules of every ClusterRoleBinding, then every RoleBinding in the namespace,
    that names the user or one of its groups; a binding to a missing role is an evaluation error."""
    rules: list[dict] = []
    errors: list[str] = []
    bindings = [(b, "") for b in api.storage.values("clusterrolebindings", "")]
    if namespace:
        bindings += [(b, namespace) for b in api.storage.values("rolebindings", namespace)]
    for binding, ns in bindings:
        if not any(subject_matches(s, user, ns) for s in binding.get("subjects") or []):
            continue
        ref = binding.get("roleRef") or {}
        kind, name = ref.get("kind"), ref.get("name")
        pool = api.storage.values("clusterroles", "") if kind == "ClusterRole" else api.storage.values("roles", ns)
        role = next((r for r in pool if r["metadata"]["name"] == name), None)
        if role is None:
            what = "clusterrole" if kind == "ClusterRole" else "role"
            errors.append(f'{what}.rbac.authorization.k8s.io "{name}" not found')
            continue
        rules.extend(role.get("rules") or [])
    return rules, errors


def self_subject_rules_review(api: APIServer, credentials: Credentials | None, namespace: str,
                              actor: str = "kubectl", as_user: str = "", as_groups: tuple[str, ...] = (),
                              as_uid: str = "", as_extra: Extra = ()) -> dict:
    """POST selfsubjectrulesreviews (authorization.k8s.io/v1): the resource and non-resource rules that apply."""
    user = _requester(api, credentials, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
                      "create selfsubjectrulesreview", actor, as_user, as_groups, as_uid, as_extra)
    rules, errors = rules_for(api, user, namespace)
    resource_rules = [{k: list(r[k]) for k in ("verbs", "apiGroups", "resources", "resourceNames") if r.get(k)}
                      for r in rules if r.get("resources")]
    for rr in resource_rules:
        rr.setdefault("verbs", [])
    non_resource = [{"verbs": list(r.get("verbs") or []), "nonResourceURLs": list(r["nonResourceURLs"])}
                    for r in rules if r.get("nonResourceURLs")]
    status: dict = {"resourceRules": resource_rules, "nonResourceRules": non_resource, "incomplete": False}
    if errors:
        status["evaluationError"] = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    api.record("kube-apiserver", "rules-review", "", user=user.name, namespace=namespace,
               rules=len(resource_rules) + len(non_resource), errors=errors)
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
            "metadata": {"creationTimestamp": timestamp(api.now())},
            "spec": {"namespace": namespace} if namespace else {}, "status": status}


narrative({
    "self-subject-review": lambda f: f'SelfSubjectReview: the request is from "{f["user"]}"'
                                     f' (groups {", ".join(f["groups"]) or "none"})',
    "rules-review": lambda f: f'SelfSubjectRulesReview: {f["rules"]} rule{"s" if f["rules"] != 1 else ""} apply to '
                              f'"{f["user"]}"' + (f' in "{f["namespace"]}"' if f["namespace"] else "")
                              + (f' (incomplete: {"; ".join(f["errors"])})' if f["errors"] else ""),
})
