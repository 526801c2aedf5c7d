"""The review resources' registry: SelfSubjectAccessReview, SelfSubjectRulesReview (over RBAC's RulesFor,
pkg/registry/rbac/validation/rule.go) and SelfSubjectReview. A review is a POST like any other (APIServer.handle
runs its filters); its `create` answers from the requesting user, reads no stored object of its own and writes
nothing. Every authenticated user may create them through the bootstrap ClusterRole `system:basic-user`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ..objects import timestamp
from ..trace import narrative
from .authentication import UserInfo
from .errors import bad_request
from .rbac import Attributes, Authorizer, subject_matches
from .registry import Storage
from .resources import Resource

Log = Callable[..., None]


class ReviewServer(Protocol):
    """What a review reads of the API server: the authorizer, the stored RBAC objects and the clock."""

    authz: Authorizer
    storage: Storage
    now: Callable[[], float]


def create(api: ReviewServer, res: Resource, user: UserInfo, body: Any, log: Log) -> dict:
    """The registry's `create` for a review resource: the answer for `user`, who has passed the filters."""
    return REGISTRY[res.resource](api, user, body if isinstance(body, dict) else {}, log)


def _spec(body: dict) -> dict:
    spec = body.get("spec")
    return spec if isinstance(spec, dict) else {}


def access_review(api: ReviewServer, user: UserInfo, body: dict, log: Log) -> dict:
    """SelfSubjectAccessReview (pkg/registry/authorization/selfsubjectaccessreview): would the authorizer allow
    this user the request in spec.resourceAttributes? (kubectl auth can-i)."""
    spec = _spec(body)
    attrs = spec.get("resourceAttributes")
    if not isinstance(attrs, dict) or not attrs:
        raise bad_request("nonResourceAttributes are not supported by this server")
    a = Attributes(user, attrs.get("verb", ""), attrs.get("group", ""), attrs.get("resource", ""),
                   attrs.get("subresource", ""), attrs.get("namespace", ""), attrs.get("name", ""))
    decision = api.authz.authorize(a)
    log("kube-apiserver", "access-review", "", user=user.name, verb=a.verb, resource=a.resource, group=a.group,
        namespace=a.namespace, allowed=decision.allowed, reason=decision.reason)
    return {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": None}, "spec": spec, "status": {"allowed": decision.allowed}}


def self_subject_review(api: ReviewServer, user: UserInfo, body: dict, log: Log) -> dict:
    """SelfSubjectReview (pkg/registry/authentication/selfsubjectreview): the user.Info the API server sees for
    this request (kubectl auth whoami)."""
    info: dict = {"username": user.name}
    if getattr(user, "uid", ""):
        info["uid"] = user.uid  # type: ignore[attr-defined]
    if user.groups:
        info["groups"] = list(user.groups)
    if user.extra:
        info["extra"] = {k: list(v) for k, v in user.extra}
    log("kube-apiserver", "self-subject-review", "", user=user.name, groups=list(user.groups))
    return {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
            "metadata": {"creationTimestamp": timestamp(api.now())}, "status": {"userInfo": info}}


def rules_for(api: ReviewServer, user: UserInfo, namespace: str) -> tuple[list[dict], list[str]]:
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


def self_subject_rules_review(api: ReviewServer, user: UserInfo, body: dict, log: Log) -> dict:
    """SelfSubjectRulesReview (pkg/registry/authorization/selfsubjectrulesreview): the resource and non-resource
    rules that apply in spec.namespace (kubectl auth can-i --list)."""
    namespace = _spec(body).get("namespace") or ""
    namespace = namespace if isinstance(namespace, str) else ""
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
    log("kube-apiserver", "rules-review", "", user=user.name, namespace=namespace,
        rules=len(resource_rules) + len(non_resource), errors=errors)
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
            "metadata": {"creationTimestamp": timestamp(api.now())},
            "spec": {"namespace": namespace} if namespace else {}, "status": status}


REGISTRY: dict[str, Callable[[ReviewServer, UserInfo, dict, Log], dict]] = {
    "selfsubjectaccessreviews": access_review,
    "selfsubjectrulesreviews": self_subject_rules_review,
    "selfsubjectreviews": self_subject_review,
}


narrative({
    "self-subject-review": lambda f: f'SelfSubjectReview: the request is from "{f["user"]}"'
                                     f' (groups {", ".join(f["groups"]) or "none"})',
    "rules-review": lambda f: f'SelfSubjectRulesReview: {f["rules"]} rule{"s" if f["rules"] != 1 else ""} apply to '
                              f'"{f["user"]}"' + (f' in "{f["namespace"]}"' if f["namespace"] else "")
                              + (f' (incomplete: {"; ".join(f["errors"])})' if f["errors"] else ""),
})
