"""What a served request names and carries, read before the API server sees it: the route of a resource path and
the verb of its method (staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go RequestInfoFactory, for
the resources, subresources and verbs this server serves), the credentials, the Impersonate-* headers, and the
query parameters' integer and resourceVersion syntax; with the errors go-restful and the codecs answer for them.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from ..apiserver import APIError, Credentials
from ..apiserver.decoding import go_quote
from ..apiserver.errors import bad_request
from ..apiserver.resources import BY_GROUP_RESOURCE, REVIEW_RESOURCES, Resource
from . import discovery

NAMESPACE_SUBRESOURCES = ("status", "finalize")   # RequestInfoFactory: /namespaces/<name>/<these> name a namespace
ITEM_VERBS = {"GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
COLLECTION_VERBS = {"GET": "list", "HEAD": "list", "POST": "create", "DELETE": "deletecollection"}
SUBRESOURCE_VERBS = {"GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch", "POST": "create"}
IMPERSONATE_EXTRA = "impersonate-extra-"
#: the request's `Warning` header texts (its kind's deprecation warnings), set by the resource handler
WARNINGS = web.RequestKey("warnings", list)
#: the review endpoints: POSTed, answered from the request's own user, never stored
REVIEWS = {r.path(): r for r in REVIEW_RESOURCES.values()}


def generic_error(code: int) -> APIError:
    """What go-restful's ServiceErrorHandler answers for a path or method it has no route for
    (staging/src/k8s.io/apiserver/pkg/server/handler.go serviceErrorHandler → NewGenericServerResponse)."""
    if code == 405:
        return APIError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
    return APIError(404, "NotFound", "the server could not find the requested resource")


def not_found_path() -> APIError:
    return generic_error(404)


def unsupported_media_type(accepted: tuple[str, ...] | list[str]) -> APIError:
    """negotiation.NewUnsupportedMediaTypeError (endpoints/handlers/negotiation/errors.go)."""
    return APIError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media "
                    f"types include: {', '.join(accepted)}")


def parse_int(value: str) -> int:
    """strconv.ParseInt(value, 10, 64) with its error, as the query parameter codec reports it (400 BadRequest)."""
    if not re.fullmatch(r"[+-]?[0-9]+", value):
        raise bad_request(f"strconv.ParseInt: parsing {go_quote(value)}: invalid syntax")
    number = int(value)
    if not -(2**63) <= number < 2**63:
        raise bad_request(f"strconv.ParseInt: parsing {go_quote(value)}: value out of range")
    return number


def resource_version_error(rv: str) -> str | None:
    """APIObjectVersioner.ParseResourceVersion (apiserver/pkg/storage/api_object_versioner.go): the field error for
    a resourceVersion that is not an unsigned 64-bit integer, else None."""
    if rv in ("", "0"):
        return None
    why = "invalid syntax" if not re.fullmatch(r"[0-9]+", rv) else "value out of range" if int(rv) >= 2**64 else ""
    if not why:
        return None
    return f"resourceVersion: Invalid value: {go_quote(rv)}: strconv.ParseUint: parsing {go_quote(rv)}: {why}"


@dataclass
class Route:
    """What a resource path names: resource, namespace, name, subresource (request.RequestInfo)."""

    resource: Resource
    namespace: str
    name: str
    subresource: str


def route(path: str) -> Route | str | None:
    """`/apis/apps/v1/namespaces/default/deployments/nginx/scale` → Route; a served group-version path → "gv";
    anything this server does not serve (an unknown resource or subresource, a wrong scope) → None."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        gv, rest = parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        gv, rest = f"{parts[1]}/{parts[2]}", parts[3:]
    else:
        return None
    if not rest:
        return gv
    namespace = ""
    if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] not in NAMESPACE_SUBRESOURCES:
        namespace, rest = rest[1], rest[2:]
    res = BY_GROUP_RESOURCE.get((gv, rest[0]))
    if res is None or len(rest) > 3:
        return None
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    if namespace and not res.namespaced:
        return None
    if res.namespaced and name and not namespace:          # only lists and watches span every namespace
        return None
    if sub and not discovery.served_verbs(res, sub):
        return None
    return Route(res, namespace, name, sub)


def verb_for(method: str, r: Route, query: dict[str, str]) -> str | None:
    """The API verb of a method on a route; None when the route does not serve that method (405)."""
    if r.subresource:
        verb = SUBRESOURCE_VERBS.get(method)
        return verb if verb in discovery.served_verbs(r.resource, r.subresource) else None
    if r.name:
        return ITEM_VERBS.get(method)
    verb = COLLECTION_VERBS.get(method)
    if verb == "list" and "watch" in query and query["watch"] != "0" and query["watch"].lower() != "false":
        return "watch"                                      # runtime.Convert_Slice_string_To_bool
    return verb


# --- request parts --------------------------------------------------------------------------------------------


def credentials(request: web.BaseRequest) -> Credentials | None:
    """The client certificate the TLS handshake verified, else the bearer token, else nothing (anonymous)."""
    tls = request.transport.get_extra_info("ssl_object") if request.transport is not None else None
    der = tls.getpeercert(binary_form=True) if tls is not None else None
    if der:
        return Credentials(cert_pem=ssl.DER_cert_to_PEM_cert(der).encode())
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return Credentials(token=auth[7:].strip())
    return None


def actor(request: web.BaseRequest) -> str:
    """Who the trace names as the client: the User-Agent's program name (kubectl/v1.35.2 ... → kubectl)."""
    return request.headers.get("User-Agent", "").split("/", 1)[0].lower() or "client"


def impersonation(request: web.BaseRequest) -> dict[str, Any]:
    """The Impersonate-* headers (impersonation.go buildImpersonationRequests): one user, every group, one UID,
    and every Impersonate-Extra-<key> value (the key lower-cased and %-unescaped)."""
    headers = request.headers
    extra: dict[str, list[str]] = {}
    for name, value in headers.items():
        if name.lower().startswith(IMPERSONATE_EXTRA):
            extra.setdefault(unquote(name[len(IMPERSONATE_EXTRA):].lower()), []).append(value)
    return {"impersonate_user": headers.get("Impersonate-User", ""),
            "impersonate_groups": tuple(headers.getall("Impersonate-Group", ())),
            "impersonate_uid": headers.get("Impersonate-Uid", ""),
            "impersonate_extra": tuple((k, tuple(v)) for k, v in extra.items())}


def media_type(request: web.BaseRequest) -> str:
    """The Content-Type without its parameters, lower-cased."""
    return request.headers.get("Content-Type", "").split(";")[0].strip().lower()


__all__ = ["REVIEWS", "Route", "actor", "credentials", "generic_error", "impersonation", "media_type",
           "not_found_path", "parse_int", "resource_version_error", "route", "unsupported_media_type", "verb_for"]
