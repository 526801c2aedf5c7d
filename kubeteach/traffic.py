"""Simulated clients (`cluster.traffic`): a steady stream of HTTP requests to a Service's ClusterIP, the way a
client process on the nodes would send them, so a lesson can count what a rollout drops and why.

Each request leaves from one node (round-robin over the nodes in name order), goes through that node's kube-proxy
rules as they were at its last sync (`route`: DNAT to one endpoint, REJECT, DROP or no rule), then to the kubelet
of the node whose podCIDR holds the endpoint (`serve_request`), which answers for the pod. What a client sees:
an HTTP status, or `connection refused` (REJECT, or nothing listening) or `i/o timeout` (DROP, no rule, a dark
node, an address no pod has). The client runs on the node itself; its packets leave through the node's bridge, so
the source address a pod sees (and logs) is the bridge's, the podCIDR's first address (10.244.1.1 on node-1).

Requests go out at exact virtual times, 1/per_second apart from `start` on (the first one 1/per_second after
it, so `run(seconds=1)` sends `per_second`), as loop work of kind "client": like heartbeats they do not keep
`run()` busy, and they leave no record of their own; the trace gets one summary per virtual second and Service
(second k holds the requests sent after t=k up to t=k+1, recorded with the last of them). Routing randomness comes from `random.Random(f"{seed}/traffic/{namespace}/{service}")` only, so
adding traffic changes no name or other draw of the cluster. The clusterIP is resolved once, at `start` (a client
that looked the name up once); a Service deleted later leaves the client sending to an address with no rules.
"""

from __future__ import annotations

import ipaddress
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .apiserver.errors import not_found
from .apiserver.resources import lookup
from .loop import Component
from .trace import narrative, plural

if TYPE_CHECKING:
    from .assembly import Assembly

#: what the client puts in its User-Agent header (the access-log lines show it)
USER_AGENT = "kubeteach-traffic/1.0"
REFUSED, TIMEOUT = "connection refused", "i/o timeout"
#: what a client sees for each kube-proxy verdict that does not reach a pod (§3.8 of the traffic sheet)
VERDICT_ERRORS = {"REJECT": REFUSED, "DROP": TIMEOUT, "NONE": TIMEOUT}
MAX_PER_SECOND = 1000


@dataclass(frozen=True, slots=True)
class Request:
    """One request as the client saw it: when, from which node (and source address), where kube-proxy sent it,
    which pod answered, the HTTP status, and `ok` (a 2xx/3xx answer) or the error."""

    time: float
    node: str
    source: str
    ok: bool
    status: int | None = None
    error: str = ""
    pod: str = ""
    endpoint: str = ""
    verdict: str = ""


@dataclass(eq=False)
class Stream:
    """One Service's client: its schedule, its routing randomness and what it has seen (the loop calls `send`)."""

    cluster: Any = field(repr=False)
    namespace: str
    service: str
    cluster_ip: str
    port: int
    protocol: str
    per_second: int
    path: str
    start: float
    component: Component = field(repr=False)
    rnd: random.Random = field(repr=False)
    requests: list[Request] = field(default_factory=list, repr=False)
    second: list[Request] = field(default_factory=list, repr=False)   # the requests of the second not summarised yet
    entry: Any = field(default=None, repr=False)
    running: bool = True

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.service}"

    def slot(self, i: int) -> float:
        """The virtual time of request `i` (computed from `i`, so no rounding drift piles up)."""
        return self.start + i / self.per_second

    def schedule(self, i: int) -> None:
        delay = self.slot(i) - self.cluster.loop.now
        self.entry = self.cluster.loop.schedule(delay, self.component, self, "send", i, kind="client",
                                                label=f"traffic {self.key}")

    def send(self, i: int) -> None:
        """Request `i`: schedule the next one, send this one, and summarise its second if it was the last."""
        now = self.cluster.loop.now
        nxt = i + 1
        while self.slot(nxt) < now - 1e-9:        # slots missed while the loop was elsewhere are skipped
            nxt += 1
        self.schedule(nxt)
        self.requests.append(req := self.request(i, round(now, 9)))    # 2.51, not 2.5100000000000002
        self.second.append(req)
        if _second(self.slot(nxt)) != _second(self.slot(i)):
            self.summarise()

    def request(self, i: int, now: float) -> Request:
        """Send one request from the next node in turn; what the client sees."""
        nodes = sorted(self.cluster.list("nodes"), key=lambda n: n["metadata"]["name"])
        if not nodes:
            return Request(now, "", "", False, error=TIMEOUT)
        node = nodes[(i - 1) % len(nodes)]          # request 1 leaves from the first node
        name = node["metadata"]["name"]
        source = bridge_address(node)
        proxy = self.cluster.started.get(f"kube-proxy/{name}")
        if proxy is None:                          # no kube-proxy, no rules: the packet leaves for nowhere
            return Request(now, name, source, False, error=TIMEOUT, verdict="NONE")
        route = proxy.route(self.cluster_ip, self.port, self.protocol, self.rnd)
        if route.verdict != "DNAT":
            return Request(now, name, source, False, error=VERDICT_ERRORS.get(route.verdict, TIMEOUT),
                           verdict=route.verdict)
        ip, _, port = route.endpoint.rpartition(":")
        base = {"time": now, "node": name, "source": source, "endpoint": route.endpoint, "verdict": "DNAT"}
        owner = node_of(nodes, ip)
        kubelet = self.cluster.started.get(f"kubelet/{owner}") if owner else None
        switch = self.cluster.components.get(f"kubelet/{owner}")
        if kubelet is None or (switch is not None and not switch.running):
            return Request(ok=False, error=TIMEOUT, **base)   # no such node, or a dark one: nothing answers
        status, error, pod = kubelet.serve_request(ip, int(port), source, self.path)
        if status is not None and status >= 400 and not error:
            error = f"HTTP {status}"
        return Request(ok=status is not None and status < 400 and not error, status=status, error=error, pod=pod,
                       **base)

    def summarise(self) -> None:
        """One trace record for the requests of the second just finished (or cut short by `stop`)."""
        if not self.second:
            return
        reqs, self.second = self.second, []
        ok = sum(r.ok for r in reqs)
        self.cluster.record("traffic", "traffic-summary", self.key, second=_second(reqs[0].time), sent=len(reqs),
                            ok=ok, failed=len(reqs) - ok, errors=dict(sorted(Counter(
                                r.error for r in reqs if not r.ok).items())),
                            pods=dict(sorted(Counter(r.pod for r in reqs if r.pod).items())))


def _second(t: float) -> int:
    """The virtual second k a send time falls in, (k, k+1] (a slot computed as 0.3·10 may be a hair off 3)."""
    return math.ceil(t - 1e-9) - 1


def bridge_address(node: dict) -> str:
    """The node's bridge (cbr0) address: the first address of its podCIDR, which host-local IPAM keeps as the
    gateway; the node's InternalIP if it has no podCIDR."""
    cidr = (node.get("spec") or {}).get("podCIDR")
    if cidr:
        return str(ipaddress.ip_network(cidr, strict=False).network_address + 1)
    addresses = (node.get("status") or {}).get("addresses") or []
    return next((a["address"] for a in addresses if a.get("type") == "InternalIP"), "")


def node_of(nodes: list[dict], ip: str) -> str:
    """The name of the node whose podCIDR holds `ip`, or ""."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    for node in nodes:
        for cidr in (node.get("spec") or {}).get("podCIDRs") or [(node.get("spec") or {}).get("podCIDR")]:
            if cidr and addr in ipaddress.ip_network(cidr, strict=False):
                return node["metadata"]["name"]
    return ""


class Traffic:
    """`cluster.traffic`: start, stop and read simulated clients of Services (one per Service at a time)."""

    def __init__(self, cluster: Assembly):
        self.cluster = cluster
        self.streams: dict[str, Stream] = {}
        self.component = Component("traffic")     # its own switch, not one of the cluster's components

    def start(self, service: str, per_second: int = 20, namespace: str = "default", path: str = "/",
              port: int | str | None = None) -> None:
        """Send `per_second` requests a second to the Service's clusterIP and port (its first, or the one named or
        numbered `port`) from now on, while the clock runs. Starting again after `stop` begins a new run: fresh
        results and the routing randomness from its start."""
        key = f"{namespace}/{service}"
        if key in self.streams and self.streams[key].running:
            raise ValueError(f"traffic to service {key} is already running; stop it first")
        if isinstance(per_second, bool) or not isinstance(per_second, int) or \
                not 1 <= per_second <= MAX_PER_SECOND:
            raise ValueError(f"per_second must be an integer from 1 to {MAX_PER_SECOND}, not {per_second!r}")
        svc = self.cluster.get("services", service, namespace)
        if svc is None:
            raise not_found(lookup("services"), service)
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP") or ""
        if not ip or ip == "None":
            raise ValueError(f"service {key} has no clusterIP ({spec.get('type', 'ClusterIP')}"
                             f"{', headless' if ip == 'None' else ''}): clients cannot send to it")
        ports = spec.get("ports") or []
        chosen = ports[0] if ports and port is None else next(
            (p for p in ports if port in (p.get("port"), p.get("name"))), None)
        if chosen is None:
            raise ValueError(f"service {key} has no port {port!r}" if port is not None else
                             f"service {key} has no ports")
        stream = Stream(self.cluster, namespace, service, ip, int(chosen["port"]), chosen.get("protocol", "TCP"),
                        per_second, path, self.cluster.now, self.component,
                        random.Random(f"{self.cluster.seed}/traffic/{namespace}/{service}"))
        self.streams[key] = stream
        self.cluster.record("traffic", "traffic-start", key, cluster_ip=ip, port=stream.port,
                            protocol=stream.protocol, per_second=per_second, path=path)
        stream.schedule(1)

    def stop(self, service: str, namespace: str = "default") -> None:
        """Stop sending to the Service; its results stay until the next `start`."""
        stream = self._stream(service, namespace)
        if not stream.running:
            raise ValueError(f"traffic to service {stream.key} is not running")
        stream.running = False
        if stream.entry is not None:
            self.cluster.loop.cancel(stream.entry)
        stream.summarise()
        ok = sum(r.ok for r in stream.requests)
        self.cluster.record("traffic", "traffic-stop", stream.key, sent=len(stream.requests), ok=ok,
                            failed=len(stream.requests) - ok)

    def results(self, service: str, namespace: str = "default") -> list[Request]:
        """Every request of the latest run to the Service, in the order they were sent."""
        return list(self._stream(service, namespace).requests)

    def __repr__(self) -> str:
        runs = [f"{k} {s.per_second}/s {'running' if s.running else 'stopped'}, {len(s.requests)} sent"
                for k, s in sorted(self.streams.items())]
        return f"<traffic: {'; '.join(runs) or 'none started'}>"

    def _stream(self, service: str, namespace: str) -> Stream:
        stream = self.streams.get(f"{namespace}/{service}")
        if stream is None:
            raise KeyError(f"no traffic to service {namespace}/{service} was started")
        return stream


def _summary(f: dict) -> str:
    text = (f"traffic to {f['object']} from t={f['second']}s to {f['second'] + 1}s: {plural(f['sent'], 'request')}, "
            f"{f['ok']} ok")
    if f["failed"]:
        text += f", {f['failed']} failed (" + ", ".join(f"{n} {e}" for e, n in f["errors"].items()) + ")"
    if f["pods"]:
        text += "; answered by " + ", ".join(f"{pod.rsplit('/', 1)[-1]} ×{n}" for pod, n in f["pods"].items())
    return text


narrative({
    "traffic-start": ("a client starts sending {per_second} requests per second (GET {path}) to service {object} "
                      "at {cluster_ip}:{port}/{protocol}, from each node in turn through that node's kube-proxy "
                      "rules"),
    "traffic-summary": _summary,
    "traffic-stop": "the client stops sending to service {object}: {sent} requests, {ok} ok, {failed} failed",
})

__all__ = ["Request", "Traffic", "bridge_address", "node_of"]
