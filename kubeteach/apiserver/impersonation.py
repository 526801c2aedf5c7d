"""Impersonation (staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation/impersonation.go): `kubectl
--as=jane --as-group=dev --as-uid=1234` sends Impersonate-User, Impersonate-Group, Impersonate-Uid and
Impersonate-Extra-<key> headers; between authentication and authorization the API server checks the `impersonate`
verb on each `users`, `groups` or `serviceaccounts` name, each `userextras/<key>` value and the `uids` value (group
authentication.k8s.io) through the authorizer, then serves the request as the impersonated user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..trace import narrative
from .authentication import UserInfo
from .errors import bad_request, forbidden, forbidden_message
from .narratives import authz_reason
from .rbac import Attributes, Authorizer
from .resources import BY_RESOURCE, Resource

SA_PREFIX = "system:serviceaccount:"
# users and groups are not stored resources, but RBAC rules and Forbidden messages name them like resources
_USERS = Resource("User", "users", "user", "", "v1", False)
_GROUPS = Resource("Group", "groups", "group", "", "v1", False)
_EXTRAS = Resource("UserExtra", "userextras", "userextra", "authentication.k8s.io", "v1", False)
_UIDS = Resource("UID", "uids", "uid", "authentication.k8s.io", "v1", False)


@dataclass(frozen=True)
class ImpersonatedUser(UserInfo):
    """The user an impersonation builds: user.DefaultInfo with the UID the Impersonate-Uid header asked for."""

    uid: str = field(default="", compare=False)


def _reference(res: Resource, ns: str, name: str, key: str) -> str:
    """One v1.ObjectReference as Go's %v prints it: {Kind Namespace Name UID APIVersion ResourceVersion FieldPath}."""
    api_version = "authentication.k8s.io/v1" if res in (_EXTRAS, _UIDS) else ""
    return "{" + " ".join((res.kind, ns, name, "", api_version, "", key)) + "}"


def impersonate(authz: Authorizer, requestor: UserInfo, user: str, groups: tuple[str, ...],
                record: Callable[..., Any], uid: str = "",
                extra: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> UserInfo:
    """WithImpersonation: authorize `impersonate` on every requested name, then build the user the rest of the
    pipeline sees (a service account gets its two groups; everyone but system:anonymous gets
    system:authenticated). 400 BadRequest for groups, extras or a UID without a user (buildImpersonationRequests);
    403 Forbidden on the first thing the requestor may not impersonate."""
    wanted: list[tuple[Resource, str, str, str]] = []    # (resource, namespace, name, extra key), the filter's order
    if user.startswith(SA_PREFIX) and user.count(":") == 3:
        ns, name = user[len(SA_PREFIX):].split(":")
        wanted.append((BY_RESOURCE["serviceaccounts"], ns, name, ""))
    elif user:
        wanted.append((_USERS, "", user, ""))
    wanted += [(_GROUPS, "", g, "") for g in groups]
    wanted += [(_EXTRAS, "", value, key) for key, values in extra for value in values]
    if uid:
        wanted.append((_UIDS, "", uid, ""))
    if not user and wanted:
        refs = " ".join(_reference(res, ns, name, key) for res, ns, name, key in wanted)
        raise bad_request(f"requested [{refs}] without impersonating a user")
    new_groups: list[str] = []
    new_extra: dict[str, list[str]] = {}
    reasons: list[dict] = []
    for res, ns, name, key in wanted:
        decision = authz.authorize(Attributes(requestor, "impersonate", res.group, res.resource, key, ns, name))
        if not decision.allowed:
            record("kube-apiserver", "impersonation-forbidden", "", requestor=requestor.name,
                   resource=f"{res.resource}/{key}" if key else res.resource, name=name, reason=decision.reason)
            raise forbidden(forbidden_message(requestor.name, "impersonate", res, key, ns, name))
        reasons.append({"resource": f"{res.resource}/{key}" if key else res.resource, "name": name,
                        "reason": decision.reason})
        if res.resource == "serviceaccounts" and not groups:
            new_groups += ["system:serviceaccounts", f"system:serviceaccounts:{ns}"]
        elif res is _GROUPS:
            new_groups.append(name)
        elif res is _EXTRAS:
            new_extra.setdefault(key, []).append(name)
    if user == "system:anonymous":
        if "system:unauthenticated" not in new_groups:
            new_groups.append("system:unauthenticated")
    elif not {"system:authenticated", "system:unauthenticated"} & set(new_groups):
        new_groups.append("system:authenticated")
    acting = ImpersonatedUser(user, tuple(new_groups), f'impersonation by "{requestor.name}"',
                              tuple((k, tuple(v)) for k, v in new_extra.items()), uid)
    record("kube-apiserver", "impersonated", "", requestor=requestor.name, user=user, groups=list(new_groups),
           reasons=reasons)
    return acting


def _impersonated(f: dict) -> str:
    head = f'"{f["requestor"]}" is acting as "{f["user"]}" (groups {", ".join(f["groups"])}): impersonate '
    reasons = [(f'{r["resource"]} "{r["name"]}"', authz_reason(r["reason"], f["_lang"])) for r in f["reasons"]]
    if len({why for _, why in reasons}) == 1:
        return head + ", ".join(what for what, _ in reasons) + f" allowed ({reasons[0][1]})"
    return head + "; ".join(f"{what} allowed ({why})" for what, why in reasons)


narrative({
    "impersonated": _impersonated,
    "impersonation-forbidden": lambda f: (f'RBAC: "{f["requestor"]}" may not impersonate {f["resource"]} '
                                          f'"{f["name"]}" ({authz_reason(f["reason"], f["_lang"])})'),
})
