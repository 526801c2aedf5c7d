"""The served API's HTTP layer, on aiohttp: route a path and read the credentials (requestinfo.py), read the body
within kube-apiserver's limits, hand the request to `APIServer.handle` in a worker thread, and answer with JSON, a
Table, text (pods/log) or a stream of watch events (watch.py).

aiohttp frames HTTP/1.1 (keep-alive, chunked bodies, pipelining). `Connection` adds what Go's net/http.Server does
for kube-apiserver and aiohttp does not (staging/src/k8s.io/apiserver/pkg/server/secure_serving.go): a
ReadHeaderTimeout, MaxHeaderBytes over the whole header block, and net/http's plain-text answers to requests it
cannot parse.
"""

from __future__ import annotations

import asyncio
import asyncio.sslproto
import json
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import yaml
from aiohttp import web

from ..apiserver import APIError, Credentials, Request
from ..apiserver.connect import CONNECT_SUBRESOURCES
from ..apiserver.decoding import loads
from ..apiserver.errors import bad_request
from ..apiserver.fields import parse_field_selector
from ..apiserver.resources import Resource
from ..apiserver.services import deprecation_warnings
from ..kubectl.manifests import YAMLToJSONError, load_yaml, yaml_problem
from ..objects import parse_selector
from . import discovery, openapiv2, protobuf
from .backend import Backend, in_worker
from .logstream import serve_log_follow
from .requestinfo import (
    REVIEWS,
    WARNINGS,
    Route,
    actor,
    credentials,
    generic_error,
    impersonation,
    media_type,
    not_found_path,
    parse_int,
    resource_version_error,
    route,
    unsupported_media_type,
    verb_for,
)
from .tables import table, wants_table
from .watch import serve_watch

MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024   # server/config.go MaxRequestBodyBytes; handlers/rest.go limitedReadBody
WORKERS = 16                               # threads serving requests against the cluster

#: what NegotiateInputSerializer accepts for a body (runtime codecs: JSON, YAML, protobuf)
MEDIA_TYPES = ("application/json", "application/yaml", protobuf.MEDIA_TYPE)
#: the kinds a subresource's body decodes into (others: the resource's own)
SUBRESOURCE_KINDS = {"scale": ("autoscaling/v1", "Scale"), "eviction": ("policy/v1", "Eviction"),
                     "binding": ("v1", "Binding")}
PATCH_TYPES = {"application/strategic-merge-patch+json": "strategic", "application/merge-patch+json": "merge",
               "application/json-patch+json": "json", "application/apply-patch+yaml": "apply"}


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


def negotiated(request: web.BaseRequest, code: int, body: Any) -> web.Response:
    """JSON, or protobuf when the client's Accept prefers it and the body's kind has a message (protobuf.py)."""
    if protobuf.preferred(request.headers.get("Accept", "")):
        raw = protobuf.encode(body)
        if raw is not None:
            return web.Response(status=code, body=raw, content_type=protobuf.MEDIA_TYPE)
    return json_response(code, body)


def text_response(code: int, text: str) -> web.Response:
    return web.Response(status=code, text=text, content_type="text/plain", charset="utf-8")


# --- the API ----------------------------------------------------------------------------------------------------

class API:
    """The request handler: async around the edges (framing, bodies, streams), the cluster calls in worker threads
    so the event loop never waits on `Server.lock`."""

    def __init__(self, server: Backend, pool: ThreadPoolExecutor):
        self.app, self.pool = server, pool

    async def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run `fn` in a worker thread with the cluster held still."""
        return await in_worker(self.app, self.pool, fn, *args, **kwargs)

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        try:
            response = await self.serve(request)
        except APIError as err:
            response = negotiated(request, err.code, status_body(err))
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception:                                   # noqa: BLE001 - a bug answers as a Go panic does
            sys.stderr.write(f"E {request.method} {request.path_qs}:\n{traceback.format_exc()}")
            # apiserver/pkg/server/filters/wrap.go WithPanicRecovery
            return text_response(500, "This request caused apiserver to panic. Look in the logs for details.\n")
        if request.get(WARNINGS) and response.status not in (401, 403) and not response.prepared:
            for text in request[WARNINGS]:      # the warning recorder's header: code 299, agent "-"
                response.headers.add("Warning", f'299 - "{text}"')
        return response

    # --- request parts ----------------------------------------------------------------------------------------

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

    def decode(self, request: web.BaseRequest, raw: bytes, into: tuple[str, str] = ("", "")) -> Any:
        """A body in one of MEDIA_TYPES (empty Content-Type: JSON, as NegotiateInputSerializer defaults); `into` is
        the (apiVersion, kind) a protobuf body decodes into."""
        ctype = media_type(request)
        if ctype == protobuf.MEDIA_TYPE:
            return protobuf.decode(raw, into)
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
        ctype = media_type(request)
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
        creds = credentials(request)
        if await self.call(self.app.cluster.api.authn.authenticate, creds) is None:
            raise APIError(401, "Unauthorized", "Unauthorized")
        if path.rstrip("/") == "/openapi/v2" and method in ("GET", "HEAD"):
            return self.openapi_v2(request.headers.get("Accept", ""))
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
            body = self.decode(request, raw, (review.api_version, review.kind)) if raw else None
            return negotiated(request, 201, await self.review(request, review, creds, body))
        return await self.resource_request(request, target, query, creds)

    def non_resource(self, path: str) -> dict | None:
        """/version, /api, /apis, /apis/<group>, /openapi/v3[/<gv>], /openapi/v2 (apiserver/discovery.py answers
        them for the embedded kubectl too); None for anything else."""
        try:
            return discovery.get(path, f"{self.app.address}:{self.app.port}")
        except KeyError:
            return _raise(not_found_path())

    @staticmethod
    def openapi_v2(accept: str) -> web.Response:
        """/openapi/v2 as kube-openapi's handler serves it: JSON or gnostic protobuf by Accept, else 406."""
        media = openapiv2.negotiate(accept)
        if media is None:
            return web.Response(status=406)
        if media == openapiv2.JSON:
            return json_response(200, discovery.get("/openapi/v2"))
        # both protobuf media types are answered as the one without "@", which is not valid in a Content-Type
        return web.Response(status=200, body=openapiv2.document_proto(), content_type=openapiv2.PROTOBUF_ALT)

    # --- the review endpoints -----------------------------------------------------------------------------------

    async def review(self, request: web.BaseRequest, res: Resource, creds: Credentials | None, body: Any) -> dict:
        """POST a review (kubectl auth can-i, can-i --list, whoami): a create through `APIServer.handle`, as the
        embedded kubectl sends it."""
        req = Request("create", res, "", "", "", body, creds, actor(request), {}, verbose=True,
                      **impersonation(request))
        return await self.call(self.app.cluster.api.handle, req)

    # --- resources --------------------------------------------------------------------------------------------

    async def resource_request(self, request: web.BaseRequest, r: Route, query: dict[str, str],
                               creds: Credentials | None) -> web.StreamResponse:
        verb = verb_for(request.method, r, query)
        if verb is None:
            raise generic_error(405)
        res = r.resource
        request[WARNINGS] = deprecation_warnings(res.group, res.kind)
        params: dict[str, Any] = {}
        fields: list = []
        body: Any = None
        if verb in ("list", "watch", "deletecollection"):
            fields = self.list_params(r, query, params)
        imp = impersonation(request)
        if r.subresource in CONNECT_SUBRESOURCES:           # exec, attach, portforward: a stream, never a body
            params = {"container": query.get("container", ""), "upgrade": bool(request.headers.get("Upgrade"))}
            req = Request(verb, res, r.namespace, r.name, r.subresource, None, creds, actor(request), params,
                          verbose=True, **imp)
            await self.call(self.app.cluster.api.handle, req)
            raise generic_error(500)                        # connect always answers an error (connect.py)
        if verb in ("create", "update", "patch", "delete", "deletecollection"):
            # the filters run before the handler reads the body: a 401/403 never depends on it
            await self.call(self.app.cluster.api.check_access, Request(
                verb, res, r.namespace if res.namespaced else "", r.name, r.subresource, None, creds,
                actor(request), {}, verbose=True, **imp))
        if verb in ("create", "update", "patch"):
            for key in ("fieldValidation", "dryRun", "fieldManager", "force"):
                if key in query:
                    params[key] = query[key]
            if verb == "patch":
                ctype = media_type(request)
                if ctype not in PATCH_TYPES:
                    raise unsupported_media_type(list(PATCH_TYPES))
                params["patchType"] = PATCH_TYPES[ctype]
            else:
                self.check_media_type(request)
            raw = await self.read_body(request)
            body = apply_body(raw) if params.get("patchType") == "apply" else \
                self.decode(request, raw, SUBRESOURCE_KINDS.get(r.subresource, (res.api_version, res.kind))) \
                if raw else None
        elif verb in ("delete", "deletecollection"):
            self.delete_options(request, query, params, await self.read_body(request))
        if r.subresource == "log":
            params["container"] = query.get("container", "")
            if query.get("tailLines"):
                params["tailLines"] = parse_int(query["tailLines"])
            for key in ("timestamps", "previous"):
                params[key] = query.get(key, "") == "true"
        if verb == "watch":
            return await serve_watch(self.app, self.pool, request, r, query, params, fields, creds)
        req = Request(verb, res, r.namespace if res.namespaced else "", r.name, r.subresource, body, creds,
                      actor(request), params, verbose=True, user_agent=request.headers.get("User-Agent", ""), **imp)
        if r.subresource == "log" and verb == "get" and query.get("follow") == "true":
            return await serve_log_follow(self.app, self.pool, request, req)
        result = await self.call(self.respond, req, query, request.headers.get("Accept", ""))
        if isinstance(result, str):
            return text_response(200, result)
        return negotiated(request, 201 if verb == "create" or params.get("created") else 200, result)

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
        ctype = media_type(request)
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


def apply_body(raw: bytes) -> Any:
    """An apply patch's YAML (yaml.Unmarshal in patch.go's applyPatcher); what cannot be read becomes the 400 the
    handler answers once the patch options are checked."""
    try:
        return load_yaml(raw.decode("utf-8")) if raw.strip() else {}
    except UnicodeDecodeError:
        problem = "yaml: invalid leading UTF-8 octet"
    except yaml.YAMLError as err:
        problem = yaml_problem(err)
    except YAMLToJSONError as err:
        problem = str(err)
    return bad_request(f"error decoding YAML: error converting YAML to JSON: {problem}")


def _json_kind(value: Any) -> str:
    """How Go's encoding/json names a JSON value's type in an UnmarshalTypeError."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "value")


def _raise(err: Exception) -> Any:
    raise err


__all__ = ["API", "MAX_REQUEST_BODY_BYTES", "Route", "parse_int", "route", "text_response"]
