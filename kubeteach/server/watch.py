"""A served watch: a chunked stream of WatchEvents (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/watch.go),
fed from a watcher registered through `APIServer.handle` in a worker thread and written out on the event loop.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from ..apiserver import APIError, Credentials, Request
from ..apiserver.fields import field_matches
from ..objects import selector_matches
from . import requestinfo
from .backend import Backend, in_worker
from .requestinfo import Route, resource_version_error
from .tables import table, wants_table

WATCH_TIMEOUT = 1800.0                     # real seconds a watch stays open without timeoutSeconds
WATCH_BUFFER = 10000                       # events queued for a client that does not read before its watch ends


async def serve_watch(server: Backend, pool: ThreadPoolExecutor, request: web.BaseRequest, r: Route,
                      query: dict[str, str], params: dict, fields: list,
                      creds: Credentials | None) -> web.StreamResponse:
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
    watcher = await in_worker(server, pool, start_watch, server, r, query, params, fields, creds,
                              requestinfo.actor(request), requestinfo.impersonation(request),
                              request.headers.get("Accept", ""), deliver)
    try:
        resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        resp.enable_chunked_encoding()
        for text in request.get(requestinfo.WARNINGS) or ():         # a watch carries its deprecation warnings too
            resp.headers.add("Warning", f'299 - "{text}"')
        await resp.prepare(request)
        deadline = loop.time() + (timeout if timeout else WATCH_TIMEOUT)
        while not server.stopping.is_set():
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
        pool.submit(server.call, watcher.stop)


def start_watch(server: Backend, r: Route, query: dict[str, str], params: dict, fields: list,
                creds: Credentials | None, actor: str, imp: dict, accept: str, deliver: Any) -> Any:
    """Register the watcher (through the whole pipeline) and queue the initial events, under the lock."""
    res, ns = r.resource, r.namespace if r.resource.namespaced else ""
    as_table = wants_table(accept)
    selector = params.get("labelSelector")

    def matches(obj: dict) -> bool:
        if ns and obj["metadata"].get("namespace") != ns:
            return False
        if selector is not None and not selector_matches(selector, obj["metadata"].get("labels") or {}):
            return False
        return field_matches(fields, obj)

    def event(etype: str, obj: Any) -> bytes:
        return json.dumps({"type": etype, "object": obj}).encode() + b"\n"

    def send(etype: str, obj: dict) -> None:
        if etype in ("ERROR", "BOOKMARK"):              # about the watch itself, not an object to filter
            deliver(event(etype, obj))
            if etype == "ERROR":                        # cacher: an ERROR event, then the watch ends
                deliver(None)
            return
        if not matches(obj):
            return
        shown = table(res, [obj], server.cluster.now, query.get("includeObject", "Object"),
                      obj["metadata"].get("resourceVersion", "")) if as_table else obj
        deliver(event(etype, shown))

    initial = {"resourceVersion": query.get("resourceVersion", "")}
    if query.get("sendInitialEvents") == "true":
        initial["sendInitialEvents"] = True
    req = Request("watch", res, ns, "", "", None, creds, actor, {"callback": send, **initial}, verbose=True, **imp)
    watcher = server.cluster.api.handle(req)
    return watcher


__all__ = ["WATCH_BUFFER", "WATCH_TIMEOUT", "serve_watch", "start_watch"]
