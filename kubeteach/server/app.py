"""`kubeteach serve`: the simulated cluster's API over HTTPS, for the real kubectl and client libraries.

Every request goes through the same pipeline as the embedded kubectl's (`APIServer.handle`: authentication from the
TLS client certificate or the bearer token, RBAC, admission, validation, etcd). The cluster advances on its own: a
background thread steps the loop at `speed` times real time. One lock serialises the loop and every request, so a
request sees the cluster between two units of work, as a real client sees a real one between two writes.

The virtual clock follows the wall clock here, so when things happen depends on when requests arrive: a served
cluster is interactive, not replayable (its trace is still complete).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from ..apiserver.fieldpath import release_shared_trees
from ..cluster import Cluster
from .connection import IDLE_TIMEOUT, READ_HEADER_TIMEOUT, TLS, Connections
from .http import API, WORKERS
from .pki import refuse_seeded_ca_off_loopback

TICK = 0.05          # real seconds between two advances of the loop
#: kube-apiserver's --etcd-compaction-interval (real time): each round compacts to the revision of the round before
COMPACTION_INTERVAL = 300.0
#: trace records a served cluster keeps (the newest); a long-running server must not grow without bound
TRACE_LIMIT = 100_000


class Server:
    """The cluster behind an HTTPS listener on `address:port` (port 0: any free port)."""

    def __init__(self, cluster: Cluster, port: int = 6443, address: str = "127.0.0.1", speed: float = 1.0, *,
                 header_timeout: float = READ_HEADER_TIMEOUT, idle_timeout: float = IDLE_TIMEOUT,
                 compaction_interval: float = COMPACTION_INTERVAL, trace_limit: int = TRACE_LIMIT):
        """`header_timeout` and `idle_timeout` are kube-apiserver's ReadHeaderTimeout and IdleTimeout (seconds);
        `compaction_interval` its --etcd-compaction-interval; `trace_limit` how many trace records to keep."""
        self.cluster, self.speed = cluster, speed
        self.compaction_interval, self.trace_limit = compaction_interval, trace_limit
        self._compact_to = 0                 # the revision seen at the last compaction round, compacted at the next
        self.header_timeout, self.idle_timeout = header_timeout, idle_timeout
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.httpd = _Listener(address, port)
        self.address, self.port = self.httpd.server_address[0], self.httpd.server_address[1]
        self.tls = self._tls_context()
        self.pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="kubeteach-api")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: Connections | None = None
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host = self.address if ":" not in self.address else f"[{self.address}]"
        return f"https://{host}:{self.port}"

    def _tls_context(self) -> ssl.SSLContext:
        """The serving certificate (CN kube-apiserver, for 127.0.0.1, localhost and the listen address) from the
        cluster CA, dated on the real clock; client certificates are optional at the TLS layer (a token user has
        none) and, when sent, verified against the same CA. A seed-derived CA is refused off loopback."""
        try:
            refuse_seeded_ca_off_loopback(self.cluster.ca, self.address)
        except ValueError:
            listener = getattr(self, "httpd", None)          # already bound: close it before refusing
            if listener is not None:
                listener.server_close()
            raise
        self.cluster.use_real_clock_certificates()
        names = ("127.0.0.1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                 *((self.address,) if self.address not in ("127.0.0.1", "0.0.0.0", "::", "") else ()))
        cert, key = self.cluster.ca.issue("kube-apiserver", (), server_names=names)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as tmp:      # load_cert_chain reads files only; the directory is 0700
            (Path(tmp) / "tls.crt").write_bytes(cert + self.cluster.ca.cert_pem)
            (Path(tmp) / "tls.key").write_bytes(key)
            ctx.load_cert_chain(Path(tmp) / "tls.crt", Path(tmp) / "tls.key")
        ctx.load_verify_locations(cadata=self.cluster.ca.cert_pem.decode())
        ctx.verify_mode = ssl.CERT_OPTIONAL
        return ctx

    def kubeconfig(self) -> dict:
        """The cluster's kubeconfig (contexts `admin` and `dev`, one per user) pointing at this server."""
        config = self.cluster.kubeconfig()
        for c in config["clusters"]:
            c["cluster"]["server"] = self.url
        return config

    def write_kubeconfig(self, path: str | Path) -> Path:
        """Write the kubeconfig, mode 0600 from its first byte (it holds admin's private key), replacing any file."""
        import os

        p = Path(path).expanduser()
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)       # created 0600
        with os.fdopen(fd, "w") as f:
            f.write(yaml.safe_dump(self.kubeconfig(), sort_keys=False))
        os.replace(tmp, p)
        return p

    # --- running ----------------------------------------------------------------------------------------------

    def start(self) -> Server:
        """Serve (an asyncio loop in its own thread) and tick in background threads; returns once listening."""
        # requests from real clients are inputs no journal replays, and the ticks would grow it without bound
        self.cluster.journal.close("it was served (kubeteach serve): its inputs came from real clients, unjournaled")
        ready = threading.Event()
        for target, args in ((self._serve_http, (ready,)), (self._tick, ())):
            t = threading.Thread(target=target, args=args, daemon=True, name=f"kubeteach-serve-{target.__name__}")
            t.start()
            self._threads.append(t)
        ready.wait()
        return self

    def _serve_http(self, ready: threading.Event) -> None:
        """The HTTP thread: aiohttp on the bound socket, TLS from `_tls_context`, until `stop()`."""
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            connections = self._connections = Connections(API(self, self.pool), self.header_timeout,
                                                          self.idle_timeout, loop=loop)
            listener = loop.run_until_complete(loop.create_server(
                lambda: TLS(loop, connections(), self.tls, None, server_side=True,
                            ssl_handshake_timeout=self.header_timeout), sock=self.httpd.sock))
        finally:
            ready.set()
        try:
            loop.run_forever()
        finally:
            listener.close()
            loop.close()

    async def _shutdown(self) -> None:
        if self._connections is not None:
            await self._connections.shutdown(2.0)

    def serve_forever(self) -> None:
        """Serve until interrupted (Ctrl-C) or `stop()`."""
        self.start()
        try:
            while not self.stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving: watches end, open connections close, the port is released."""
        self.stopping.set()
        loop = self._loop
        if loop is not None and loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=5)
            except Exception:                   # noqa: BLE001 - stopping anyway
                pass
            loop.call_soon_threadsafe(loop.stop)
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout=5)
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.httpd.server_close()

    def _tick(self) -> None:
        """Advance the virtual clock by `speed` × the real time that passed, doing the work that falls due.

        Nothing may end this thread: the components' failures (recorded and retried by the cluster) are logged to
        stderr, and anything else an advance raises is logged and the next tick goes on."""
        import sys
        import traceback
        from datetime import datetime

        def log(text: str) -> None:
            sys.stderr.write(f"{datetime.now().astimezone().isoformat(timespec='milliseconds')} {text}\n")
            sys.stderr.flush()

        last, logged = time.monotonic(), len(self.cluster.errors)
        compacted = last
        while not self.stopping.wait(TICK):
            now = time.monotonic()
            try:
                with self.lock:
                    self.cluster.run(seconds=(now - last) * self.speed)
                    errors = self.cluster.errors
                for rec in errors[logged:]:
                    log(f"E t={rec.time:.3f}s {rec.actor}: {rec.text()}")
                logged = len(errors)
                if now - compacted >= self.compaction_interval:
                    compacted = now
                    self.housekeeping()
                    logged = len(self.cluster.errors)      # all logged above; the list may be shorter now
            except Exception:                       # noqa: BLE001 - the clock must keep going
                log("E advancing the cluster failed:\n" + traceback.format_exc().rstrip())
            last = now

    def housekeeping(self, lag: bool = True) -> None:
        """What keeps a long-running server's memory bounded: compact the store as kube-apiserver's compactor does
        (storage/etcd3/compact.go: each round compacts to the revision the previous round saw, so watchers keep one
        interval of history; `lag=False` compacts to now), and keep only the newest `trace_limit` trace records."""
        with self.lock:
            current = self.cluster.etcd.revision
            target = self._compact_to if lag else current
            if target:
                self.cluster.etcd.compact(target)
            self._compact_to = current
            self.cluster.trim_trace(self.trace_limit)
            release_shared_trees()

    def compact_now(self) -> None:
        """Compact the store to its current revision and trim the trace at once (tests, `kubeteach serve` on exit)."""
        self.housekeeping(lag=False)

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run `fn` with the cluster held still."""
        with self.lock:
            return fn(*args, **kwargs)


class _Listener:
    """The listening socket, bound at once so the port (and any bind error) is known before serving starts."""

    def __init__(self, address: str, port: int):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.create_server((address, port), family=family, reuse_port=False)
        self.server_address = self.sock.getsockname()

    def server_close(self) -> None:
        self.sock.close()


def serve(cluster: Cluster, port: int = 6443, kubeconfig: str | Path | None = None, address: str = "127.0.0.1",
          speed: float = 1.0) -> Server:
    """Start serving `cluster` (in background threads) and write the kubeconfig; returns the running server."""
    server = Server(cluster, port, address, speed)
    if kubeconfig:
        server.write_kubeconfig(kubeconfig)
    return server.start()


__all__ = ["Server", "serve"]
