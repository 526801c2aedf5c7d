"""One HTTP request to the served API: route the path (staging/src/k8s.io/apiserver/pkg/endpoints/request
RequestInfoFactory), read the credentials, hand the request to `APIServer.handle`, and write the answer as JSON,
as a Table, or as a stream of watch events.
"""

from __future__ import annotations

import json
import queue
import select
import ssl
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ..apiserver import APIError, Credentials, Request, reviews
from ..apiserver.errors import bad_request
from ..apiserver.fields import field_matches, parse_field_selector
from ..apiserver.registry import to_object
from ..apiserver.resources import BY_RESOURCE, Resource
from ..objects import parse_selector
from . import discovery, protobuf
from .tables import table, wants_table

if TYPE_CHECKING:
    from .app import Server

PATCH_TYPES = {"application/strategic-merge-patch+json": "strategic", "application/merge-patch+json": "merge",
               "application/json-patch+json": "json"}
WATCH_TIMEOUT = 1800.0        # real seconds a watch stays open without timeoutSeconds (the server's default)


def not_found_path() -> APIError:
    return APIError(404, "NotFound", "the server could not find the requested resource", {})


class Route:
    """What a resource path names: resource, namespace, name, subresource (request.RequestInfo)."""

    def __init__(self, resource: Resource, namespace: str, name: str, subresource: str):
        self.resource, self.namespace, self.name, self.subresource = resource, namespace, name, subresource


def route(path: str) -> Route | str | None:
    """`/apis/apps/v1/namespaces/default/deployments/nginx/scale` → Route; a group-version path → "gv"; else None."""
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
    if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] in BY_RESOURCE:
        namespace, rest = rest[1], rest[2:]             # else /api/v1/namespaces/<name>/status: the namespace
    res = BY_RESOURCE.get(rest[0])
    if res is None or res.api_version != gv or len(rest) > 3 or (namespace and not res.namespaced):
        return None
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    return Route(res, namespace, name, sub)


class Handler(BaseHTTPRequestHandler):
    """Serves one connection (HTTP/1.1 keep-alive, as client-go uses it)."""

    protocol_version = "HTTP/1.1"
    server_version = "kube-apiserver"
    sys_version = ""

    @property
    def app(self) -> Server:
        return self.server.app  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:   # the trace records requests; no stderr noise
        pass

    # --- credentials --------------------------------------------------------------------------------------------

    def credentials(self) -> Credentials | None:
        """The client certificate the TLS handshake verified, else the bearer token, else nothing (anonymous)."""
        if isinstance(self.connection, ssl.SSLSocket):
            der = self.connection.getpeercert(binary_form=True)
            if der:
                return Credentials(cert_pem=ssl.DER_cert_to_PEM_cert(der).encode())
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            return Credentials(token=auth[7:].strip())
        return None

    def actor(self) -> str:
        agent = self.headers.get("User-Agent", "")
        return agent.split("/", 1)[0].lower() or "client"

    # --- answers ------------------------------------------------------------------------------------------------

    def send_json(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_text(self, code: int, text: str) -> None:
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_error_status(self, err: APIError) -> None:
        self.send_json(err.code, err.status())

    def body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        if self.headers.get("Content-Type", "").split(";")[0].strip() == protobuf.MEDIA_TYPE:
            return protobuf.decode(raw)
        try:
            return json.loads(raw)
        except ValueError:
            raise bad_request("the body of the request was in an unknown format") from None

    # --- dispatch -----------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def dispatch(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path in ("/healthz", "/readyz", "/livez"):         # open to anyone, as system:public-info-viewer
            return self.send_text(200, "ok")
        try:
            body = self.body() if self.command in ("POST", "PUT", "PATCH", "DELETE") else None
            creds = self.credentials()
            if self.app.call(self.app.cluster.api.authn.authenticate, creds) is None:
                raise APIError(401, "Unauthorized", "Unauthorized", {})
            answer = self.non_resource(url.path)
            if answer is not None:
                return self.send_json(200, answer)
            target = route(url.path)
            if target is None:
                review = REVIEWS.get(url.path.rstrip("/")) if self.command == "POST" else None
                if review is not None:
                    return self.send_json(201, review(self, creds, body))
                raise not_found_path()
            if isinstance(target, str):
                listing = discovery.resource_list(target)
                if listing is None:
                    raise not_found_path()
                return self.send_json(200, listing)
            self.resource_request(target, query, body, creds)
        except APIError as err:
            self.send_error_status(err)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def non_resource(self, path: str) -> dict | None:
        """/version, /api, /apis, /apis/<group>, /openapi/v3[/<gv>]; None for anything else."""
        path = path.rstrip("/") or "/"
        if path == "/version":
            return discovery.version()
        if path == "/api":
            return discovery.api_versions(f"{self.app.address}:{self.app.port}")
        if path == "/apis":
            return discovery.api_groups()
        if path.startswith("/apis/") and path.count("/") == 2:
            return discovery.api_group(path.split("/")[2]) or _raise(not_found_path())
        if path == "/openapi/v3":
            return discovery.openapi_index()
        if path.startswith("/openapi/v3/"):
            rel = path[len("/openapi/v3/"):]
            gv = rel[len("api/"):] if rel.startswith("api/") else rel[len("apis/"):]
            return discovery.openapi_document(gv) or _raise(not_found_path())
        return None

    def impersonation(self) -> tuple[str, tuple[str, ...]]:
        """The Impersonate-User and Impersonate-Group headers (kubectl --as, --as-group)."""
        return self.headers.get("Impersonate-User", ""), tuple(self.headers.get_all("Impersonate-Group") or ())

    def access_review(self, creds: Credentials | None, body: Any) -> dict:
        """POST selfsubjectaccessreviews (kubectl auth can-i): the answer in status.allowed."""
        spec = (body or {}).get("spec", {})
        attrs = spec.get("resourceAttributes")
        if not attrs:
            raise bad_request("nonResourceAttributes are not supported by this server")
        as_user, as_groups = self.impersonation()
        allowed = self.app.call(self.app.cluster.api.access_review, creds, attrs, self.actor(), as_user, as_groups)
        return {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                "metadata": {"creationTimestamp": None}, "spec": spec, "status": {"allowed": allowed}}

    def self_subject_review(self, creds: Credentials | None, body: Any) -> dict:
        """POST selfsubjectreviews (kubectl auth whoami)."""
        as_user, as_groups = self.impersonation()
        return self.app.call(reviews.self_subject_review, self.app.cluster.api, creds, self.actor(), as_user,
                             as_groups)

    def self_subject_rules_review(self, creds: Credentials | None, body: Any) -> dict:
        """POST selfsubjectrulesreviews (kubectl auth can-i --list)."""
        as_user, as_groups = self.impersonation()
        namespace = ((body or {}).get("spec") or {}).get("namespace", "")
        return self.app.call(reviews.self_subject_rules_review, self.app.cluster.api, creds, namespace,
                             self.actor(), as_user, as_groups)

    # --- resources ----------------------------------------------------------------------------------------------

    def resource_request(self, r: Route, query: dict, body: Any, creds: Credentials | None) -> None:
        method, res = self.command, r.resource
        params: dict[str, Any] = {}
        if query.get("labelSelector"):
            try:
                params["labelSelector"] = parse_selector(query["labelSelector"])
            except ValueError as err:
                raise bad_request(str(err)) from None
        fields = parse_field_selector(query.get("fieldSelector", ""), res.resource)
        if query.get("fieldSelector"):
            params["fieldSelector"] = query["fieldSelector"]
        for key in ("fieldValidation", "dryRun", "propagationPolicy", "gracePeriodSeconds"):
            if key in query:
                params[key] = int(query[key]) if key == "gracePeriodSeconds" else query[key]
        if method in ("GET", "HEAD"):
            verb = "get" if r.name else "watch" if query.get("watch") in ("true", "1") else "list"
        elif method == "POST":
            verb = "create"
        elif method == "PUT":
            verb = "update"
        elif method == "PATCH":
            verb = "patch"
            ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
            if ctype not in PATCH_TYPES:
                raise APIError(415, "UnsupportedMediaType", f'the body of the request was in an unknown format - '
                               f'accepted media types include: {", ".join(PATCH_TYPES)}', {})
            params["patchType"] = PATCH_TYPES[ctype]
        else:
            verb = "delete" if r.name else "deletecollection"
            opts = body if isinstance(body, dict) else {}
            for key in ("propagationPolicy", "gracePeriodSeconds"):
                if opts.get(key) is not None:
                    params[key] = opts[key]
            if (opts.get("preconditions") or {}).get("uid"):
                params["uid"] = opts["preconditions"]["uid"]
            if opts.get("dryRun"):
                params["dryRun"] = opts["dryRun"]
            body = None
        if verb == "create" and r.name and r.subresource != "binding":
            raise not_found_path()
        if verb == "watch":
            return self.watch(r, query, params, fields, creds)
        as_user, as_groups = self.impersonation()
        req = Request(verb, res, r.namespace if res.namespaced else "", r.name, r.subresource, body, creds,
                      self.actor(), params, verbose=True, impersonate_user=as_user, impersonate_groups=as_groups)
        api = self.app.cluster.api
        with self.app.lock:
            result = api.handle(req)
            if verb == "delete" and r.name:
                result = self.deleted(req, result)
            if wants_table(self.headers.get("Accept", "")) and verb in ("get", "list") and not r.subresource:
                items = result["items"] if verb == "list" else [result]
                result = table(res, items, self.app.cluster.now, query.get("includeObject", "Metadata"),
                               result["metadata"].get("resourceVersion", ""))
        self.send_json(201 if verb == "create" else 200, result)

    def deleted(self, req: Request, obj: dict) -> dict:
        """What DELETE answers: the object while it lingers (graceful, finalizers); once gone, a Success Status
        (pods return the deleted object, registry/core/pod/storage ReturnDeletedObject)."""
        still = self.app.cluster.api.storage.read(req.resource.resource, req.namespace, req.name)
        if still is not None or req.resource.resource == "pods":
            return still or obj
        m = obj.get("metadata", {})
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": req.name, "group": req.resource.group, "kind": req.resource.resource,
                            "uid": m.get("uid", "")}}

    # --- watch --------------------------------------------------------------------------------------------------

    def watch(self, r: Route, query: dict, params: dict, fields: list, creds: Credentials | None) -> None:
        """A chunked stream of WatchEvents: what changed since `resourceVersion` (or every object, for "" and
        "0"), then every change as it happens, until timeoutSeconds, the client leaving, or the server stopping."""
        events: queue.Queue[bytes] = queue.Queue()
        res, ns = r.resource, r.namespace if r.resource.namespaced else ""
        as_table = wants_table(self.headers.get("Accept", ""))
        selector = params.get("labelSelector")
        app = self.app

        def matches(obj: dict) -> bool:
            from ..objects import selector_matches

            if ns and obj["metadata"].get("namespace") != ns:
                return False
            if selector is not None and not selector_matches(selector, obj["metadata"].get("labels") or {}):
                return False
            return field_matches(fields, obj)

        def send(etype: str, obj: dict) -> None:
            if not matches(obj):
                return
            shown = table(res, [obj], app.cluster.now, query.get("includeObject", "Object"),
                          obj["metadata"].get("resourceVersion", "")) if as_table else obj
            events.put(json.dumps({"type": etype, "object": shown}).encode() + b"\n")

        rv = query.get("resourceVersion", "")
        initial = query.get("sendInitialEvents") == "true"
        with app.lock:
            req = Request("watch", res, ns, "", "", None, creds, self.actor(), {"callback": send}, verbose=True)
            watcher = app.cluster.api.handle(req)
            if rv in ("", "0") or initial:
                for obj in app.cluster.api.storage.list(res.resource, ns):
                    send("ADDED", obj)
                if initial:                             # WatchList: the bookmark that ends the initial events
                    events.put(json.dumps({"type": "BOOKMARK", "object": {
                        "kind": res.kind, "apiVersion": res.api_version, "metadata": {
                            "resourceVersion": str(app.cluster.etcd.revision),
                            "annotations": {"k8s.io/initial-events-end": "true"}}}}).encode() + b"\n")
            else:
                prefix = f"{res.prefix}{ns}/" if ns else res.prefix
                for ev in app.cluster.etcd.events(int(rv), prefix):
                    obj = to_object(ev.kv)
                    if ev.type == "DELETED":
                        obj["metadata"]["resourceVersion"] = str(ev.revision)
                    send(ev.type, obj)
        timeout = float(query.get("timeoutSeconds") or WATCH_TIMEOUT)
        try:
            self.stream(events, time.monotonic() + timeout)
        finally:
            watcher.stop()

    def stream(self, events: queue.Queue[bytes], deadline: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        while time.monotonic() < deadline and not self.app.stopping.is_set():
            try:
                data = events.get(timeout=0.2)
            except queue.Empty:
                if self.client_left():
                    return
                continue
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def client_left(self) -> bool:
        """A client with a watch open sends nothing more: a readable socket means it closed the connection."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)


def _raise(err: Exception) -> Any:
    raise err


__all__ = ["Handler", "Route", "route"]


#: the review endpoints: POSTed, answered from the request's own user, never stored
REVIEWS = {"/apis/authorization.k8s.io/v1/selfsubjectaccessreviews": Handler.access_review,
           "/apis/authentication.k8s.io/v1/selfsubjectreviews": Handler.self_subject_review,
           "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews": Handler.self_subject_rules_review}
