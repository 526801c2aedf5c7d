"""Container output, kept as data: what a container wrote, line by line, at which virtual time.

On a node the runtime writes each container's stdout/stderr to /var/log/pods/…/<restart>.log and the kubelet's
/containerLogs endpoint reads it back (pkg/kubelet/kuberuntime/logs/logs.go ReadLogs: `tailLines`, `timestamps`
as RFC3339Nano with nine digits). Here a container gets its lines when it starts: for the nginx image, the
official image's startup output (docker-entrypoint.sh and nginx's [notice] lines) — the text is the image's,
reproduced; other images print nothing we could honestly claim. Lines are plain data: no trace records.
"""

from __future__ import annotations

import datetime as _dt

from ..objects import EPOCH

ENTRYPOINT = "/docker-entrypoint.sh"
NGINX_VERSIONS = {"1.25": "1.25.5", "1.26": "1.26.3", "1.27": "1.27.5", "1.28": "1.28.0", "1.29": "1.29.1"}


def _clock(seconds: float) -> _dt.datetime:
    return EPOCH + _dt.timedelta(microseconds=round(seconds * 1_000_000))


def rfc3339_nano(seconds: float) -> str:
    """RFC3339NanoFixed, as the kubelet prefixes lines with `timestamps=true`: 2026-01-01T00:00:02.410000000Z."""
    return _clock(seconds).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def nginx_version(tag: str) -> str:
    """The nginx release a tag runs (a full x.y.z tag is its own; a minor tag its last patch release)."""
    parts = tag.split(".")
    if len(parts) >= 3 and all(p.isdigit() for p in parts[:3]):
        return ".".join(parts[:3])
    return NGINX_VERSIONS.get(".".join(parts[:2]), NGINX_VERSIONS["1.25"])


def startup_lines(repository: str, tag: str, now: float) -> list[tuple[float, str]]:
    """The lines a container of this image writes as it starts (the nginx image's, reproduced; others: none)."""
    if repository.rsplit("/", 1)[-1] != "nginx":
        return []
    ipv6 = "10-listen-on-ipv6-by-default.sh: info:"
    script = [
        f"{ENTRYPOINT}: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
        f"{ENTRYPOINT}: Looking for shell scripts in /docker-entrypoint.d/",
        f"{ENTRYPOINT}: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
        f"{ipv6} Getting the checksum of /etc/nginx/conf.d/default.conf",
        f"{ipv6} Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
        f"{ENTRYPOINT}: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
        f"{ENTRYPOINT}: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
        f"{ENTRYPOINT}: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
        f"{ENTRYPOINT}: Configuration complete; ready for start up",
    ]
    lines = [(now + 0.001 * i, text) for i, text in enumerate(script)]
    at = now + 0.010
    stamp = _clock(at).strftime("%Y/%m/%d %H:%M:%S")
    notices = ['using the "epoll" event method', f"nginx/{nginx_version(tag)}",
               "built by gcc 12.2.0 (Debian 12.2.0-14)", "getrlimit(RLIMIT_NOFILE): 1048576:1048576",
               "start worker processes", "start worker process 29", "start worker process 30"]
    return lines + [(at, f"{stamp} [notice] 1#1: {text}") for text in notices]


def exit_line(now: float, exit_code: int) -> tuple[float, str]:
    """The line a simulated crash leaves (kubeteach's own words: the process did not write it)."""
    return now, f"kubeteach: the container crashed (simulated fault), exit code {exit_code}"


def read_logs(lines: list[tuple[float, str]], tail: int | None = None, timestamps: bool = False) -> str:
    """ReadLogs: the last `tail` lines (all when None or negative), each prefixed with its time on request."""
    chosen = lines if tail is None or tail < 0 else lines[len(lines) - tail:] if tail else []
    return "".join(f"{rfc3339_nano(t)} {text}\n" if timestamps else f"{text}\n" for t, text in chosen)


__all__ = ["exit_line", "read_logs", "rfc3339_nano", "startup_lines"]
