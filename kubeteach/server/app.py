"""`kubeteach serve`: the simulated cluster's API over HTTPS, for the real kubectl and client libraries.

Every request goes through the same pipeline as the embedded kubectl's (`APIServer.handle`: authentication from the
TLS client certificate or the bearer token, RBAC, admission, validation, etcd). The cluster advances on its own: a
background thread steps the loop at `speed` times real time. One lock serialises the loop and every request, so a
request sees the cluster between two units of work, as a real client sees a real one between two writes.

The virtual clock follows the wall clock here, so when things happen depends on when requests arrive: a served
cluster is interactive, not replayable (its trace is still complete).
"""

from __future__ import annotations

import ssl
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from ..cluster import Cluster
from .http import Handler

TICK = 0.05          # real seconds between two advances of the loop


class Server:
    """The cluster behind an HTTPS listener on `address:port` (port 0: any free port)."""

    def __init__(self, cluster: Cluster, port: int = 6443, address: str = "127.0.0.1", speed: float = 1.0):
        self.cluster, self.speed = cluster, speed
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.httpd = _HTTPServer((address, port), Handler)
        self.httpd.app = self
        self.address, self.port = self.httpd.server_address[0], self.httpd.server_address[1]
        self.httpd.tls = self._tls_context()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host = self.address if ":" not in self.address else f"[{self.address}]"
        return f"https://{host}:{self.port}"

    def _tls_context(self) -> ssl.SSLContext:
        """A serving certificate from the cluster CA for 127.0.0.1/localhost; client certificates are optional
        at the TLS layer (a token user has none) and checked against the same CA."""
        names = ("127.0.0.1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                 *((self.address,) if self.address not in ("127.0.0.1", "0.0.0.0", "") else ()))
        cert, key = self.cluster.ca.issue("kube-apiserver", (), server_names=names)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as tmp:      # load_cert_chain reads files only
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
        p = Path(path).expanduser()
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(yaml.safe_dump(self.kubeconfig(), sort_keys=False))
        p.chmod(0o600)
        return p

    # --- running ----------------------------------------------------------------------------------------------

    def start(self) -> Server:
        """Serve and tick in background threads; returns at once."""
        for target in (self.httpd.serve_forever, self._tick):
            t = threading.Thread(target=target, daemon=True, name=f"kubeteach-serve-{target.__name__}")
            t.start()
            self._threads.append(t)
        return self

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
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _tick(self) -> None:
        """Advance the virtual clock by `speed` × the real time that passed, doing the work that falls due."""
        last = time.monotonic()
        while not self.stopping.wait(TICK):
            now = time.monotonic()
            with self.lock:
                self.cluster.run(seconds=(now - last) * self.speed)
            last = now

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run `fn` with the cluster held still."""
        with self.lock:
            return fn(*args, **kwargs)


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer whose connections are TLS, the handshake done in the connection's own thread."""

    daemon_threads = True
    allow_reuse_address = True
    app: Server
    tls: ssl.SSLContext

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        self.RequestHandlerClass(request, client_address, self)


def serve(cluster: Cluster, port: int = 6443, kubeconfig: str | Path | None = None, address: str = "127.0.0.1",
          speed: float = 1.0) -> Server:
    """Start serving `cluster` (in background threads) and write the kubeconfig; returns the running server."""
    server = Server(cluster, port, address, speed)
    if kubeconfig:
        server.write_kubeconfig(kubeconfig)
    return server.start()


__all__ = ["Server", "serve"]
