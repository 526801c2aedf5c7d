"""The connections of `kubeteach serve`: aiohttp's low-level server with net/http's limits as kube-apiserver sets
them (staging/src/k8s.io/apiserver/pkg/server/secure_serving.go): a header block that must arrive in time and stay
under MaxHeaderBytes, idle keep-alive connections closed, TLS alerts sent before a refused handshake closes.

It leans on two private parts that have held since aiohttp 3.9 and Python 3.11: aiohttp's RequestHandler state
(`_messages`, `_request_in_progress`, `_request_count`) and asyncio's `SSLProtocol._do_handshake`.
"""

from __future__ import annotations

import asyncio
import asyncio.sslproto
import ssl
from http import HTTPStatus
from typing import Any

from aiohttp import HttpVersion11, web

from .http import text_response

MAX_HEADER_BYTES = 1 << 20                 # secure_serving.go MaxHeaderBytes; net/http reads 4096 bytes beyond it
READ_HEADER_TIMEOUT = 32.0                 # secure_serving.go ReadHeaderTimeout (also bounds the TLS handshake)
IDLE_TIMEOUT = 90.0                        # secure_serving.go IdleTimeout: a keep-alive connection left idle


class Connection(web.RequestHandler):
    """aiohttp's connection handler with net/http's limits: the header block must arrive within `header_timeout`
    of the connection (or of the next request's first byte) and stay within MaxHeaderBytes; an unparsable request
    gets net/http's plain-text answer (`400 Bad Request`, `431 Request Header Fields Too Large`) and a close."""

    header_timeout = READ_HEADER_TIMEOUT
    max_header_bytes = MAX_HEADER_BYTES

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._header_bytes = 0
        self._payload: Any = None
        self._header_timer: asyncio.TimerHandle | None = self._loop.call_later(self.header_timeout, self._too_slow)

    def _between_requests(self) -> bool:
        return not self._messages and not self._request_in_progress and \
            (self._payload is None or self._payload.is_eof())

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and self._between_requests():
            self._header_timer = self._loop.call_later(self.header_timeout, self._too_slow)
            self._header_bytes = 0
        if self._header_timer is not None:
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes + 4096:
                self._refuse(431)
                return
        before = self._request_count
        super().data_received(data)
        if self._request_count > before:
            self._payload = self._messages[-1][1] if self._messages else None
            self._cancel_timer()

    def _cancel_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        """ReadHeaderTimeout: net/http closes the connection without an answer."""
        self._header_timer = None
        if self.transport is not None and not self._request_in_progress:
            self.force_close()
            self.transport.close()

    def _refuse(self, code: int) -> None:
        self._cancel_timer()
        if self.transport is not None:
            self.transport.write(_go_error(code))
            self.force_close()
            self.transport.close()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._cancel_timer()
        super().connection_lost(exc)

    def handle_error(self, request: Any, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if status == 500:
            return super().handle_error(request, status, exc, message)
        text = f"{status} {HTTPStatus(status).phrase}"      # net/http: the status line again as the body
        try:                        # an unparsable request has no version of its own; net/http answers in HTTP/1.1
            request._version = HttpVersion11
        except AttributeError:
            pass
        resp = text_response(status, text)
        resp.force_close()
        return resp


def _go_error(code: int) -> bytes:
    text = f"{code} {HTTPStatus(code).phrase}"
    return (f"HTTP/1.1 {text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n{text}"
            ).encode()


class TLS(asyncio.sslproto.SSLProtocol):
    """asyncio's TLS layer, except that a failed handshake (a client certificate the CA did not sign) sends its
    alert before the connection closes, as Go's crypto/tls does: the client learns why (`remote error: tls: ...`)
    instead of seeing a reset."""

    def _do_handshake(self) -> None:
        try:
            self._sslobj.do_handshake()
        except asyncio.sslproto.SSLAgainErrors:
            self._process_outgoing()
        except ssl.SSLError as exc:
            self._process_outgoing()                        # flush the alert OpenSSL wrote
            self._on_handshake_complete(exc)
        else:
            self._on_handshake_complete(None)


class Connections(web.Server):
    """aiohttp's low-level server making `Connection`s, with kube-apiserver's limits."""

    def __init__(self, handler: Any, header_timeout: float = READ_HEADER_TIMEOUT, idle_timeout: float = IDLE_TIMEOUT,
                 **kwargs: Any):
        # aiohttp's per-line limits stay above net/http's whole-header limit, which Connection enforces itself
        limit = MAX_HEADER_BYTES + 4096
        # auto_decompress=False: net/http hands the handler the body as sent; a gzip body is not JSON, and no
        # `Content-Encoding: gzip` bomb is inflated here
        super().__init__(handler, handler_cancellation=True, keepalive_timeout=idle_timeout, access_log=None,
                         auto_decompress=False,
                         max_line_size=limit, max_field_size=limit, max_headers=limit // 4, **kwargs)
        self.header_timeout = header_timeout

    def __call__(self) -> Connection:
        conn = Connection(self, loop=self._loop, **self._kwargs)
        conn.header_timeout = self.header_timeout
        return conn


__all__ = ["IDLE_TIMEOUT", "MAX_HEADER_BYTES", "READ_HEADER_TIMEOUT", "TLS", "Connection", "Connections"]
