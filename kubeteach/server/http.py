"""The served API's HTTP layer, on aiohttp: route a path (staging/src/k8s.io/apiserver/pkg/endpoints/request
RequestInfoFactory, and only the resources, subresources and verbs this server serves), read the credentials and
the body within kube-apiserver's limits, hand the request to `APIServer.handle` in a worker thread, and answer
with JSON, a Table, text (pods/log) or a stream of watch events.

aiohttp frames HTTP/1.1 (keep-alive, chunked bodies, pipelining). `Connection` adds what Go's net/http.Server does
for kube-apiserver and aiohttp does not (staging/src/k8s.io/apiserver/pkg/server/secure_serving.go): a
ReadHeaderTimeout, MaxHeaderBytes over the whole header block, and net/http's plain-text answers to requests it
cannot parse.
"""

from __future__ import annotations

import asyncio
import asyncio.sslproto
import json
import re
import ssl
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import yaml
from aiohttp import web

from ..apiserver import APIError, Credentials, Request
from ..apiserver.decoding import go_quote, loads
from ..apiserver.errors import bad_request
from ..apiserver.fields import field_matches, parse_field_selector
from ..apiserver.registry import to_object
from ..apiserver.resources import BY_RESOURCE, REVIEW_RESOURCES, Resource
from ..etcd import Compacted
from ..kubectl.manifests import YAMLToJSONError, load_yaml, yaml_problem
from ..objects import parse_selector, selector_matches
from . import discovery, protobuf
from .tables import table, wants_table

if TYPE_CHECKING:
    from .app import Server

MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024   # server/config.go MaxRequestBodyBytes; handlers/rest.go limitedReadBody
WATCH_TIMEOUT = 1800.0                     # real seconds a watch stays open without timeoutSeconds
WATCH_BUFFER = 10000                       # events queued for a client that does not read before its watch ends
WORKERS = 16                               # threads serving requests against the cluster

#: what NegotiateInputSerializer accepts for a body (runtime codecs: JSON, YAML, protobuf)
MEDIA_TYPES = ("application/json", "application/yaml", protobuf.MEDIA_TYPE)
PATCH_TYPES = {"application/strategic-merge-patch+json": "strategic", "application/merge-patch+json": "merge",
               "application/json-patch+json": "json"}
NAMESPACE_SUBRESOURCES = ("status", "finalize")   # RequestInfoFactory: /namespaces/<name>/<these> name a namespace
ITEM_VERBS = {"GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
COLLECTION_VERBS = {"GET": "list", "HEAD": "list", "POST": "create", "DELETE": "deletecollection"}
SUBRESOURCE_VERBS = {"GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch", "POST": "create"}
IMPERSONATE_EXTRA = "impersonate-extra-"


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
    res = BY_RESOURCE.get(rest[0])
    if res is None or res.api_version != gv or len(rest) > 3:
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


def status_body(err: APIError) -> dict:
    """The metav1.Status of an error; an empty reason is left out, as Go's omitempty does."""
    body = err.status()
    if not body.get("reason"):
        body.pop("reason", None)
    if (err.code, err.message) in ((e.code, e.message) for e in (generic_error(404), generic_error(405))):
        body["details"] = {}                                # NewGenericServerResponse's empty StatusDetails
    return body


def json_response(code: int, body: Any) -> web.Response:
    return web.Response(status=code, body=json.dumps(body).encode(), content_type="application/json")


def text_response(code: int, text: str) -> web.Response:
    return web.Response(status=code, text=text, content_type="text/plain", charset="utf-8")


# --- the API ----------------------------------------------------------------------------------------------------

class API:
    """The request handler: async around the edges (framing, bodies, streams), the cluster calls in worker threads
    so the event loop never waits on `Server.lock`."""

    def __init__(self, server: Server, pool: ThreadPoolExecutor):
        self.app, self.pool = server, pool

    async def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run `fn` in a worker thread with the cluster held still."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, lambda: self.app.call(fn, *args, **kwargs))

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        try:
            return await self.serve(request)
        except APIError as err:
            return json_response(err.code, status_body(err))
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception:                                   # noqa: BLE001 - a bug answers as a Go panic does
            sys.stderr.write(f"E {request.method} {request.path_qs}:\n{traceback.format_exc()}")
            # apiserver/pkg/server/filters/wrap.go WithPanicRecovery
            return text_response(500, "This request caused apiserver to panic. Look in the logs for details.\n")

    # --- request parts ----------------------------------------------------------------------------------------

    @staticmethod
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

    @staticmethod
    def actor(request: web.BaseRequest) -> str:
        return request.headers.get("User-Agent", "").split("/", 1)[0].lower() or "client"

    @staticmethod
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

    @staticmethod
    def media_type(request: web.BaseRequest) -> str:
        return request.headers.get("Content-Type", "").split(";")[0].strip().lower()

    async def read_body(self, request: web.BaseRequest) -> bytes:
        """The body, read at most MAX_REQUEST_BODY_BYTES + 1 bytes deep (limitedReadBody): 413 beyond the limit."""
        data = bytearray()
        try:
            while chunk := await request.content.read(64 * 1024):
                data += chunk
                if len(data) > MAX_REQUEST_BODY_BYTES:
                    raise APIError(413, "RequestEntityTooLarge",
                                   f"Request entity too large: limit is {MAX_REQUEST_BODY_BYTES}")
        except web.RequestPayloadError as err:
            # a body that breaks off mid-way: the read error reaches ErrorToAPIStatus, which answers 500 with no reason
            raise APIError(500, "", str(err.__cause__ or err) or "unexpected EOF") from None
        return bytes(data)

    def decode(self, request: web.BaseRequest, raw: bytes) -> Any:
        """A body in one of MEDIA_TYPES (empty Content-Type: JSON, as NegotiateInputSerializer defaults)."""
        ctype = self.media_type(request)
        if ctype == protobuf.MEDIA_TYPE:
            return protobuf.decode(raw)
        if ctype == "application/yaml":     # sigs.k8s.io/yaml, as kubectl reads manifests: no bombs, plain JSON out
            try:
                return load_yaml(raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise bad_request("error converting YAML to JSON: yaml: invalid leading UTF-8 octet") from None
            except yaml.YAMLError as err:
                raise bad_request(f"error converting YAML to JSON: {yaml_problem(err)}") from None
            except YAMLToJSONError as err:
                raise bad_request(f"error converting YAML to JSON: {err}") from None
        return loads(raw)

    def check_media_type(self, request: web.BaseRequest) -> None:
        ctype = self.media_type(request)
        if ctype and ctype not in MEDIA_TYPES:
            raise unsupported_media_type(MEDIA_TYPES)

    # --- dispatch ---------------------------------------------------------------------------------------------

    async def serve(self, request: web.BaseRequest) -> web.StreamResponse:
        path, method = request.path, request.method
        query: dict[str, str] = {}
        for key, value in request.query.items():            # the first value counts, as in url.Values.Get
            query.setdefault(key, value)
        if path in ("/healthz", "/readyz", "/livez"):       # open to anyone, as system:public-info-viewer
            return text_response(200, "ok")
        creds = self.credentials(request)
        if await self.call(self.app.cluster.api.authn.authenticate, creds) is None:
            raise APIError(401, "Unauthorized", "Unauthorized")
        answer = self.non_resource(path)
        target = route(path) if answer is None else None
        if answer is not None or isinstance(target, str):
            if method not in ("GET", "HEAD"):
                raise generic_error(405)
            if answer is None:
                answer = discovery.resource_list(str(target)) or _raise(not_found_path())
            return json_response(200, answer)
        if target is None:
            review = REVIEWS.get(path.rstrip("/"))
            if review is None:
                raise not_found_path()
            if method != "POST":
                raise generic_error(405)
            self.check_media_type(request)
            raw = await self.read_body(request)
            body = self.decode(request, raw) if raw else None
            return json_response(201, await self.review(request, review, creds, body))
        return await self.resource_request(request, target, query, creds)

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

    # --- the review endpoints -----------------------------------------------------------------------------------

    async def review(self, request: web.BaseRequest, res: Resource, creds: Credentials | None, body: Any) -> dict:
        """POST a review (kubectl auth can-i, can-i --list, whoami): a create through `APIServer.handle`, as the
        embedded kubectl sends it."""
        req = Request("create", res, "", "", "", body, creds, self.actor(request), {}, verbose=True,
                      **self.impersonation(request))
        return await self.call(self.app.cluster.api.handle, req)

    # --- resources --------------------------------------------------------------------------------------------

    async def resource_request(self, request: web.BaseRequest, r: Route, query: dict[str, str],
                               creds: Credentials | None) -> web.StreamResponse:
        verb = verb_for(request.method, r, query)
        if verb is None:
            raise generic_error(405)
        res = r.resource
        params: dict[str, Any] = {}
        fields: list = []
        body: Any = None
        if verb in ("list", "watch", "deletecollection"):
            fields = self.list_params(r, query, params)
        imp = self.impersonation(request)
        if verb in ("create", "update", "patch", "delete", "deletecollection"):
            # the filters run before the handler reads the body: a 401/403 never depends on it
            await self.call(self.app.cluster.api.check_access, Request(
                verb, res, r.namespace if res.namespaced else "", r.name, r.subresource, None, creds,
                self.actor(request), {}, verbose=True, **imp))
        if verb in ("create", "update", "patch"):
            for key in ("fieldValidation", "dryRun"):
                if key in query:
                    params[key] = query[key]
            if verb == "patch":
                ctype = self.media_type(request)
                if ctype not in PATCH_TYPES:
                    raise unsupported_media_type(list(PATCH_TYPES))
                params["patchType"] = PATCH_TYPES[ctype]
            else:
                self.check_media_type(request)
            raw = await self.read_body(request)
            body = self.decode(request, raw) if raw else None
        elif verb in ("delete", "deletecollection"):
            self.delete_options(request, query, params, await self.read_body(request))
        if r.subresource == "log":
            params["container"] = query.get("container", "")
        if verb == "watch":
            return await self.watch(request, r, query, params, fields, creds)
        req = Request(verb, res, r.namespace if res.namespaced else "", r.name, r.subresource, body, creds,
                      self.actor(request), params, verbose=True, **imp)
        result = await self.call(self.respond, req, query, request.headers.get("Accept", ""))
        if isinstance(result, str):
            return text_response(200, result)
        return json_response(201 if verb == "create" else 200, result)

    def list_params(self, r: Route, query: dict[str, str], params: dict[str, Any]) -> list:
        """ListOptions from the query, in the parameter codec's order; 400 BadRequest for what it cannot parse."""
        if query.get("labelSelector"):
            try:
                params["labelSelector"] = parse_selector(query["labelSelector"])
            except ValueError as err:
                raise bad_request(str(err)) from None
        fields = parse_field_selector(query.get("fieldSelector", ""), r.resource.resource)
        if query.get("fieldSelector"):
            params["fieldSelector"] = query["fieldSelector"]
        for key in ("timeoutSeconds", "limit"):
            if query.get(key):
                params[key] = parse_int(query[key])
        return fields

    @staticmethod
    def delete_options(request: web.BaseRequest, query: dict[str, str], params: dict[str, Any], raw: bytes) -> None:
        """DeleteOptions (endpoints/handlers/delete.go): from the body when there is one, else from the query."""
        if not raw:
            if query.get("gracePeriodSeconds"):
                params["gracePeriodSeconds"] = parse_int(query["gracePeriodSeconds"])
            for key in ("propagationPolicy", "dryRun"):
                if query.get(key):
                    params[key] = query[key]
            return
        ctype = API.media_type(request)
        if ctype and ctype not in MEDIA_TYPES:
            raise unsupported_media_type(MEDIA_TYPES)
        opts = protobuf.decode(raw) if ctype == protobuf.MEDIA_TYPE else loads(raw)
        if not isinstance(opts, dict):
            raise bad_request("decoded object cannot be converted to DeleteOptions")
        if opts.get("kind", "DeleteOptions") != "DeleteOptions":
            raise bad_request("decoded object cannot be converted to DeleteOptions")
        expected = {"gracePeriodSeconds": (int, "int64"), "propagationPolicy": (str, "string"),
                    "orphanDependents": (bool, "bool"), "dryRun": (list, "[]string"),
                    "preconditions": (dict, "v1.Preconditions")}
        for key, (kind, go_type) in expected.items():
            value = opts.get(key)
            if value is not None and (not isinstance(value, kind) or isinstance(value, bool) and kind is int):
                raise bad_request(f"json: cannot unmarshal {_json_kind(value)} into Go struct field "
                                  f"DeleteOptions.{key} of type {go_type}")
        pre = opts.get("preconditions") or {}
        for key in ("uid", "resourceVersion"):
            if pre.get(key) is not None and not isinstance(pre[key], str):
                raise bad_request(f"json: cannot unmarshal {_json_kind(pre[key])} into Go struct field "
                                  f"Preconditions.preconditions.{key} of type "
                                  f"{'types.UID' if key == 'uid' else 'string'}")
        for key in ("propagationPolicy", "gracePeriodSeconds"):
            if opts.get(key) is not None:
                params[key] = opts[key]
        if opts.get("dryRun"):
            params["dryRun"] = opts["dryRun"]
        if pre:
            params["preconditions"] = {k: pre[k] for k in ("uid", "resourceVersion") if pre.get(k) is not None}
            if pre.get("uid"):
                params["uid"] = pre["uid"]

    def respond(self, req: Request, query: dict[str, str], accept: str) -> Any:
        """Serve a non-watch request (under the lock): the object, a Table of it, a Status, or log text."""
        api = self.app.cluster.api
        if req.verb == "list":
            rv = query.get("resourceVersion", "")
            error = resource_version_error(rv)
            if error:                                       # storage.ValidateListOptions
                raise bad_request(f"invalid resource version: {error}")
        result = api.handle(req)
        if req.verb == "delete" and req.name:
            result = self.deleted(req, result)
        if wants_table(accept) and req.verb in ("get", "list") and not req.subresource:
            items = result["items"] if req.verb == "list" else [result]
            result = table(req.resource, items, self.app.cluster.now, query.get("includeObject", "Metadata"),
                           result["metadata"].get("resourceVersion", ""))
        return result

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

    # --- watch ------------------------------------------------------------------------------------------------

    async def watch(self, request: web.BaseRequest, r: Route, query: dict[str, str], params: dict,
                    fields: list, creds: Credentials | None) -> web.StreamResponse:
        """A chunked stream of WatchEvents: what changed since `resourceVersion` (or every object, for "" and
        "0"), then every change as it happens, until timeoutSeconds, the client leaving, or the server stopping.
        The watcher is registered only once everything about the request has been checked, and always removed."""
        error = resource_version_error(query.get("resourceVersion", ""))
        if error:               # cacher.Watch returns the storage error unconverted: ErrorToAPIStatus makes it a 500
            raise APIError(500, "", error)
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[bytes | None] = asyncio.Queue()

        def put(data: bytes | None) -> None:
            if events.qsize() >= WATCH_BUFFER:              # the client stopped reading: end its watch
                data = None
            events.put_nowait(data)

        def deliver(data: bytes | None) -> None:            # from the thread that wrote to the cluster
            try:
                loop.call_soon_threadsafe(put, data)
            except RuntimeError:                            # the loop is closed: the server stopped
                pass

        timeout = params.get("timeoutSeconds") or 0
        watcher = await self.call(self.start_watch, r, query, params, fields, creds, self.actor(request),
                                  self.impersonation(request), request.headers.get("Accept", ""), deliver)
        try:
            resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
            resp.enable_chunked_encoding()
            await resp.prepare(request)
            deadline = loop.time() + (timeout if timeout else WATCH_TIMEOUT)
            while not self.app.stopping.is_set():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    data = await asyncio.wait_for(events.get(), min(remaining, 0.5))
                except TimeoutError:
                    if request.transport is None or request.transport.is_closing():
                        return resp                         # the client left
                    continue
                if data is None:
                    break
                await resp.write(data)
            await resp.write_eof()
            return resp
        finally:
            self.pool.submit(self.app.call, watcher.stop)

    def start_watch(self, r: Route, query: dict[str, str], params: dict, fields: list, creds: Credentials | None,
                    actor: str, imp: dict, accept: str, deliver: Any) -> Any:
        """Register the watcher (through the whole pipeline) and queue the initial events, under the lock."""
        res, ns = r.resource, r.namespace if r.resource.namespaced else ""
        as_table = wants_table(accept)
        selector = params.get("labelSelector")
        app = self.app

        def matches(obj: dict) -> bool:
            if ns and obj["metadata"].get("namespace") != ns:
                return False
            if selector is not None and not selector_matches(selector, obj["metadata"].get("labels") or {}):
                return False
            return field_matches(fields, obj)

        def event(etype: str, obj: Any) -> bytes:
            return json.dumps({"type": etype, "object": obj}).encode() + b"\n"

        def send(etype: str, obj: dict) -> None:
            if not matches(obj):
                return
            shown = table(res, [obj], app.cluster.now, query.get("includeObject", "Object"),
                          obj["metadata"].get("resourceVersion", "")) if as_table else obj
            deliver(event(etype, shown))

        rv = query.get("resourceVersion", "")
        initial = query.get("sendInitialEvents") == "true"
        req = Request("watch", res, ns, "", "", None, creds, actor, {"callback": send}, verbose=True, **imp)
        watcher = app.cluster.api.handle(req)
        try:
            if rv in ("", "0") or initial:
                for obj in app.cluster.api.storage.list(res.resource, ns):
                    send("ADDED", obj)
                if initial:                                 # WatchList: the bookmark that ends the initial events
                    deliver(event("BOOKMARK", {"kind": res.kind, "apiVersion": res.api_version, "metadata": {
                        "resourceVersion": str(app.cluster.etcd.revision),
                        "annotations": {"k8s.io/initial-events-end": "true"}}}))
            else:
                prefix = f"{res.prefix}{ns}/" if ns else res.prefix
                try:
                    history = app.cluster.etcd.events(int(rv), prefix)
                except Compacted as err:                    # cacher: an ERROR event, then the watch ends
                    gone = APIError(410, "Expired", f"too old resource version: {err.requested} ({err.compacted})")
                    deliver(event("ERROR", gone.status()))
                    deliver(None)
                    history = []
                for ev in history:
                    obj = to_object(ev.kv)
                    if ev.type == "DELETED":
                        obj["metadata"]["resourceVersion"] = str(ev.revision)
                    send(ev.type, obj)
        except BaseException:
            watcher.stop()
            raise
        return watcher


def _json_kind(value: Any) -> str:
    """How Go's encoding/json names a JSON value's type in an UnmarshalTypeError."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "value")


def _raise(err: Exception) -> Any:
    raise err


#: the review endpoints: POSTed, answered from the request's own user, never stored
REVIEWS = {r.path(): r for r in REVIEW_RESOURCES.values()}


__all__ = ["API", "MAX_REQUEST_BODY_BYTES", "Route", "parse_int", "route", "text_response"]
