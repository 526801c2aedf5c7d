"""One API request as the handler chain sees it after routing: the RequestInfo (verb, resource, namespace, name,
subresource; staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go) plus the body, the credentials and
the client's impersonation headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .authentication import Credentials, UserInfo
from .resources import Resource

METHODS = {"create": "POST", "get": "GET", "list": "GET", "watch": "GET", "update": "PUT", "patch": "PATCH",
           "delete": "DELETE", "deletecollection": "DELETE"}


@dataclass
class Request:
    """One API request, as the handler chain sees it after routing (request.RequestInfo plus the body)."""

    verb: str
    resource: Resource
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    body: Any = None
    credentials: Credentials | None = None
    actor: str = "kubectl"
    params: dict = field(default_factory=dict)
    user: UserInfo | None = None
    verbose: bool = False
    as_user: str = ""
    quiet: bool = False
    impersonate_user: str = ""                  # the Impersonate-User header (kubectl --as)
    impersonate_groups: tuple[str, ...] = ()    # Impersonate-Group headers (kubectl --as-group)
    impersonate_uid: str = ""                   # the Impersonate-Uid header
    impersonate_extra: tuple[tuple[str, tuple[str, ...]], ...] = ()   # Impersonate-Extra-<key> headers
    user_agent: str | None = None               # a served request's User-Agent (a write's default field manager)

    @property
    def method(self) -> str:
        if self.subresource == "binding":
            return "POST"
        return METHODS[self.verb]

    @property
    def path(self) -> str:
        name = self.name if self.verb not in ("create", "list", "watch", "deletecollection") or self.subresource \
            else ""
        path = self.resource.path(self.namespace, name, self.subresource)
        return path + ("?watch=true" if self.verb == "watch" else "")

    def facts(self) -> dict[str, str]:
        """What the request asks, for the trace (the `request:what` sentence renders it): the verb, subresource,
        kind and resource, and the object's name (from the URL or the body) or generateName."""
        meta = self.body.get("metadata") if isinstance(self.body, dict) else None
        meta = meta if isinstance(meta, dict) else {}        # a hostile body is described, then refused
        name = self.name or str(meta.get("name") or "")
        generate_name = "" if name else str(meta.get("generateName") or "")
        return {"verb": self.verb, "subresource": self.subresource, "kind": self.resource.kind,
                "resource": self.resource.resource, "name": name, "generate_name": generate_name}


__all__ = ["METHODS", "Request"]
