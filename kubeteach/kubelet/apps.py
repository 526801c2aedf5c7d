"""What a container's process does: a deterministic model of the app inside, for probes, traffic and shutdown.

kubeteach runs no processes; each started container gets an `App` that answers connections, probes and its stop
signal as a function of virtual time. Images:

* `nginx` (any tag) behaves like the official image: it listens at once on each declared containerPort (80 when
  none is declared), answers 200 with its 615-byte welcome page on every path, and stops on its image's
  `STOPSIGNAL SIGQUIT`: the listener closes at once, in-flight requests drain (instant here), it exits 0.
* `kubeteach/demo-app` (tags 1.0, 2.0) exists only in this simulation; its behaviour comes from env vars
  (`env[].value` of the container spec; valueFrom is not resolved):

  ====================  =======  ==================================================================================
  PORT                  8080     the port it listens on
  STARTUP_SECONDS       0        seconds after start before it listens (connections are refused until then)
  READY                 true     `false`: its readiness path answers 503 (every other path answers 200)
  READY_PATH            /ready   that readiness path
  LIVE                  true     `false`: its liveness path answers 500 (a hung app)
  LIVE_PATH             /healthz that liveness path
  CRASH_AFTER_SECONDS   (none)   the process exits with code 1 this many seconds after it started
  IGNORE_SIGTERM        false    `true`: it ignores its stop signal (SIGTERM); only SIGKILL at the deadline ends it
  DRAIN_SECONDS         0        after SIGTERM it closes its listener at once and exits 0 this many seconds later
  ====================  =======  ==================================================================================

* Every other image listens on its declared containerPorts, answers 200, and exits 0 at once on SIGTERM.

Exec probes and exec hooks pass unless their command reads `exit N` with N != 0 or is `false`; `sleep N` in them
takes N seconds (the init-container reading of kuberuntime.py). A request is answered instantly, so "draining"
only delays the exit. Access-log lines follow nginx's `combined` format plus `"$http_x_forwarded_for"`; they are
written for served requests (Kubelet.serve_request) only, not for the kubelet's probes (a real nginx logs each
`kube-probe/1.35` request too: left out, it would need a log line per quiet probe tick).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .logs import _clock

DEMO_IMAGE = "kubeteach/demo-app"
NGINX_BODY_BYTES = 615          # nginx's default index.html
SIGKILL_EXIT_CODE = 137         # 128 + 9
USER_AGENT = "kubeteach-traffic/1.0"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _env(spec: dict) -> dict[str, str]:
    return {e["name"]: str(e.get("value", "")) for e in spec.get("env") or [] if isinstance(e, dict) and "name" in e}


def _number(text: str | None, default: float | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else default
    except ValueError:
        return default


def _ports(spec: dict, default: int) -> list[int]:
    ports = [p["containerPort"] for p in spec.get("ports") or [] if isinstance(p.get("containerPort"), int)]
    return ports or [default]


@dataclass
class App:
    """One container instance's process. Times are virtual seconds; `signalled_at` is set by the stop signal."""

    kind: str                       # "nginx", "demo", "other"
    ports: list[int]
    started_at: float
    listen_at: float
    stop_signal: str = "SIGTERM"
    ignores_signal: bool = False
    drain_seconds: float = 0.0
    crash_after: float | None = None
    ready_ok: bool = True
    ready_path: str = "/ready"
    live_ok: bool = True
    live_path: str = "/healthz"
    version: str = ""
    signalled_at: float | None = None
    served: int = field(default=0)

    def listening(self, port: int, now: float) -> bool:
        """Whether a connection to `port` is accepted now (the process runs; the caller checks that)."""
        return port in self.ports and now >= self.listen_at - 1e-9 and self.signalled_at is None

    def answer(self, port: int, path: str, now: float) -> tuple[int | None, str]:
        """(HTTP status, "") for an accepted request, or (None, "connection refused")."""
        if not self.listening(port, now):
            return None, "connection refused"
        if self.kind == "demo":
            if path == self.ready_path and not self.ready_ok:
                return 503, ""
            if path == self.live_path and not self.live_ok:
                return 500, ""
        return 200, ""

    def body_bytes(self, status: int, pod: str) -> int:
        """The size of the answer's body, as the access log reports it."""
        if self.kind == "nginx":
            return NGINX_BODY_BYTES
        return len(f"{status} from {pod} (demo-app {self.version})\n")

    def on_signal(self, now: float) -> float | None:
        """The stop signal arrives: the listener closes; returns when the process exits by itself (None: never,
        it ignores the signal and waits for SIGKILL)."""
        if self.ignores_signal:
            return None
        self.signalled_at = now
        return now + self.drain_seconds


def app_for(spec: dict, repository: str, tag: str, started_at: float) -> App:
    """The app a container of this spec runs (its image decides which model, its env tunes the demo app)."""
    name = repository.removeprefix("docker.io/").removeprefix("library/")
    if name == "nginx":
        return App("nginx", _ports(spec, 80), started_at, started_at, stop_signal="SIGQUIT", version=tag)
    if name == DEMO_IMAGE:
        env = _env(spec)
        port = int(_number(env.get("PORT"), 8080) or 8080)
        return App("demo", [port], started_at, started_at + max(_number(env.get("STARTUP_SECONDS"), 0.0), 0.0),
                   ignores_signal=env.get("IGNORE_SIGTERM", "").lower() == "true",
                   drain_seconds=max(_number(env.get("DRAIN_SECONDS"), 0.0), 0.0),
                   crash_after=_number(env.get("CRASH_AFTER_SECONDS"), None),
                   ready_ok=env.get("READY", "true").lower() != "false",
                   ready_path=env.get("READY_PATH") or "/ready",
                   live_ok=env.get("LIVE", "true").lower() != "false",
                   live_path=env.get("LIVE_PATH") or "/healthz", version=tag)
    return App("other", _ports(spec, 80), started_at, started_at, version=tag)


def startup_line(app: App, now: float) -> list[tuple[float, str]]:
    """The demo app's own first line (nginx's startup output is logs.py's)."""
    if app.kind != "demo":
        return []
    wait = f" in {app.listen_at - app.started_at:g}s" if app.listen_at > app.started_at else ""
    return [(now, f"demo-app {app.version}: starting, listening on :{app.ports[0]}{wait}")]


def exec_outcome(command: list) -> tuple[float, int]:
    """How long an exec probe or hook runs and its exit code: `sleep N`, `exit N` / `false` in its words."""
    words = " ".join(str(w) for w in command or [])
    sleep = re.search(r"\bsleep\s+(\d+(?:\.\d+)?)\b", words)
    code = re.search(r"\bexit\s+(\d+)\b", words)
    exit_code = int(code.group(1)) % 256 if code else (1 if re.search(r"(^|\s|/)false\b", words) else 0)
    return (float(sleep.group(1)) if sleep else 0.0), exit_code


def access_line(source_ip: str, now: float, path: str, status: int, size: int,
                agent: str = USER_AGENT) -> str:
    """One access-log line, nginx's default format: `10.244.2.1 - - [01/Jan/2026:00:01:05 +0000] "GET / …`."""
    t = _clock(now)
    stamp = f"{t.day:02d}/{MONTHS[t.month - 1]}/{t.year}:{t:%H:%M:%S} +0000"   # %b would follow the locale
    return f'{source_ip} - - [{stamp}] "GET {path} HTTP/1.1" {status} {size} "-" "{agent}" "-"'


__all__ = ["App", "DEMO_IMAGE", "SIGKILL_EXIT_CODE", "access_line", "app_for", "exec_outcome", "startup_line"]
