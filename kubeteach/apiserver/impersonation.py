"""Impersonation (staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go): `kubectl --as=jane
--as-group=dev` sends Impersonate-User and Impersonate-Group headers; between authentication and authorization
the API server checks the `impersonate` verb on each `users`, `groups` or `serviceaccounts` name through the
authorizer, then serves the request as the impersonated user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..trace import narrative
from .authentication import UserInfo
from .errors import forbidden, forbidden_message
from .rbac import Attributes, Authorizer
from .resources import BY_RESOURCE, Resource

SA_PREFIX = "system:serviceaccount:"
# users and groups are not stored resources, but RBAC rules and Forbidden messages name them like resources
_USERS = Resource("User", "users", "user", "", "v1", False)
_GROUPS = Resource("Group", "groups", "group", "", "v1", False)


def impersonate(authz: Authorizer, requestor: UserInfo, user: str, groups: tuple[str, ...],
                record: Callable[..., Any]) -> UserInfo:
    """WithImpersonation: authorize `impersonate` on every requested name, then build the user the rest of the
    pipeline sees (a service account gets its two groups; everyone but system:anonymous gets
    system:authenticated). Raises 403 Forbidden on the first name the requestor may not impersonate."""
    wanted: list[tuple[Resource, str, str]] = []     # (resource, namespace, name), in the filter's order
    if user.startswith(SA_PREFIX) and user.count(":") == 3:
        ns, name = user[len(SA_PREFIX):].split(":")
        wanted.append((BY_RESOURCE["serviceaccounts"], ns, name))
    elif user:
        wanted.append((_USERS, "", user))
    wanted += [(_GROUPS, "", g) for g in groups]
    new_groups: list[str] = []
    reasons: list[tuple[str, str]] = []
    for res, ns, name in wanted:
        decision = authz.authorize(Attributes(requestor, "impersonate", res.group, res.resource, "", ns, name))
        if not decision.allowed:
            record("kube-apiserver", "impersonation-forbidden", "", requestor=requestor.name, resource=res.resource,
                   name=name, reason=decision.reason)
            raise forbidden(forbidden_message(requestor.name, "impersonate", res, "", ns, name))
        reasons.append((f'{res.resource} "{name}"', decision.reason))
        if res.resource == "serviceaccounts" and not groups:
            new_groups += ["system:serviceaccounts", f"system:serviceaccounts:{ns}"]
        elif res is _GROUPS:
            new_groups.append(name)
    if user == "system:anonymous":
        if "system:unauthenticated" not in new_groups:
            new_groups.append("system:unauthenticated")
    elif not {"system:authenticated", "system:unauthenticated"} & set(new_groups):
        new_groups.append("system:authenticated")
    acting = UserInfo(user, tuple(new_groups), f'impersonation by "{requestor.name}"')
    record("kube-apiserver", "impersonated", "", requestor=requestor.name, user=user, groups=list(new_groups),
           reasons=reasons)
    return acting


def _impersonated(f: dict) -> str:
    head = f'"{f["requestor"]}" is acting as "{f["user"]}" (groups {", ".join(f["groups"])}): impersonate '
    if len({why for _, why in f["reasons"]}) == 1:
        return head + ", ".join(what for what, _ in f["reasons"]) + f' allowed ({f["reasons"][0][1]})'
    return head + "; ".join(f"{what} allowed ({why})" for what, why in f["reasons"])


narrative({
    "impersonated": _impersonated,
    "impersonation-forbidden": 'RBAC: "{requestor}" may not impersonate {resource} "{name}" ({reason})',
})
