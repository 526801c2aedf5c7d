"""A served `GET pods/<name>/log?follow=true`: the log so far, then a chunked text stream of what the container
instance writes as the served clock advances (the kubelet's ReadLogs with follow, proxied by kube-apiserver),
until the instance ends, its pod goes, the client leaves or the server stops.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from ..apiserver import Request
from ..apiserver.podlogs import LogFollower
from .backend import Backend, in_worker

POLL = 0.2                 # real seconds between reads of the followed container's output


def open_follow(server: Backend, req: Request) -> tuple[str, LogFollower | None]:
    """Under the lock: the request through the whole pipeline (authn, authz, the container's text so far), and a
    follower positioned at its end, so no line written between the two is lost or sent twice."""
    api = server.cluster.api
    text = api.handle(req)
    try:
        follower = LogFollower(lambda: api.storage.read("pods", req.namespace, req.name), api.node_proxies,
                               req.params.get("container", ""), bool(req.params.get("timestamps")),
                               bool(req.params.get("previous")))
    except LookupError:
        follower = None
    return text, follower


async def serve_log_follow(server: Backend, pool: ThreadPoolExecutor, request: web.BaseRequest,
                           req: Request) -> web.StreamResponse:
    """Answer 200 with the text so far, then each poll's new text as a chunk; errors before the stream starts
    answer as any request's do (the caller turns an APIError into a Status)."""
    text, follower = await in_worker(server, pool, open_follow, server, req)
    resp = web.StreamResponse(status=200, headers={"Content-Type": "text/plain"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    if text:
        await resp.write(text.encode())
    while follower is not None and not server.stopping.is_set():
        await asyncio.sleep(POLL)
        if request.transport is None or request.transport.is_closing():
            return resp                                 # the client left
        new, ended = await in_worker(server, pool, follower.poll)
        if new:
            await resp.write(new.encode())
        if ended:
            break
    await resp.write_eof()
    return resp


__all__ = ["open_follow", "serve_log_follow"]
