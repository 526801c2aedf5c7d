"""kube-proxy on one node (cmd/kube-proxy, pkg/proxy/iptables/proxier.go, pkg/proxy/runner), in **iptables mode**:
v1.35's default on Linux (an empty `mode` becomes iptables; nftables is GA since v1.33 but must be chosen).

It watches Services and EndpointSlices; every change of what it balances over asks the bounded-frequency runner for
a sync: at once if the last sync ended at least minSyncPeriod (1 s) ago, else at last sync + 1 s, with the changes
in between coalesced into that one run. Each sync is one unit of work whose record lists the rules it wrote.
`route()` answers from the rules of the LAST SYNC only, never from the API: a node that has not synced yet still
sends new connections to an endpoint the EndpointSlice no longer lists. Not modelled: the 30 s periodic resync
(--iptables-sync-period) and the KUBE-PROXY-CANARY check, which only repair rules nobody here deletes; conntrack
(each route() is a new connection); ClientIP affinity in route() (its rules are written); NodePort/LoadBalancer;
the informer on its own Node (topology labels matter only for hints, which are not simulated).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..client import Client, InformerFactory
from ..loop import Entry
from ..trace import narrative, plural
from .iptables import Endpoint, ServicePort, ServiceRules, restore_text, service_rules

if TYPE_CHECKING:
    from ..loop import Loop

MIN_SYNC_PERIOD = 1.0          # --iptables-min-sync-period
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


@dataclass(frozen=True)
class Route:
    """Where a new connection to a Service IP goes from this node: DNAT to `endpoint`, REJECT (no endpoints:
    connection refused), DROP (Local policy, none here: timeout) or NONE (no rule: the packet leaves unchanged)."""

    verdict: str
    endpoint: str | None
    service: str
    chain: str
    sep: str


class _Pending:
    """What ComponentView.queue reads: the pending sync, if any."""

    def __init__(self, proxy: KubeProxy):
        self.proxy = proxy

    @property
    def queued(self) -> set[str]:
        return {"syncProxyRules"} if self.proxy.pending is not None else set()


def _slice_service(eps: dict) -> list[str]:
    name = (eps["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL)
    return [f"{eps['metadata']['namespace']}/{name}"] if name else []


def _service_view(svc: dict | None) -> Any:
    """What of a Service kube-proxy's ServiceChangeTracker compares."""
    if svc is None:
        return None
    spec = svc.get("spec") or {}
    return (spec.get("type"), spec.get("clusterIP"), repr(spec.get("ports")), spec.get("internalTrafficPolicy"),
            spec.get("sessionAffinity"), repr(spec.get("sessionAffinityConfig")))


def _slice_view(eps: dict | None) -> Any:
    """What of an EndpointSlice the EndpointSliceCache compares (ports, endpoints with conditions and node)."""
    if eps is None:
        return None
    return (_slice_service(eps), eps.get("addressType"), repr(eps.get("ports")),
            repr([(e.get("addresses"), e.get("conditions"), e.get("nodeName"), e.get("zone"))
                  for e in eps.get("endpoints") or []]))


class KubeProxy:
    """kube-proxy/<node>: identity ServiceAccount kube-system/kube-proxy (kubeadm's), switch `kube-proxy/<node>`."""

    def __init__(self, env: Loop, client: Client, node_name: str, cluster_cidr: str = "10.244.0.0/16"):
        self.env, self.client, self.node_name, self.cluster_cidr = env, client, node_name, cluster_cidr
        self.actor = f"kube-proxy/{node_name}"
        self.component = env.component(self.actor)
        self.component.on_start = self.resync
        self.factory = InformerFactory(client)
        self.services = self.factory.informer("services")
        self.slices = self.factory.informer("endpointslices")
        self.slices.add_index("service", _slice_service)
        self.services.add_handler(self._added, self._service_updated, self._added)
        self.slices.add_handler(self._added, self._slice_updated, self._added)
        self.pending: Entry | None = None
        self.last_sync: float | None = None      # when the last sync ended
        self.rules: list[ServiceRules] = []      # what the last sync wrote
        self._by_dest: dict[tuple[str, int, str], ServiceRules] = {}
        self._text = ""
        self.queue = _Pending(self)

    def start(self) -> KubeProxy:
        """Informers list and watch; the first (full) sync runs once both have synced."""
        self.factory.start()
        self.request_sync()
        return self

    def resync(self) -> None:
        """Switched back on: sync at once from the current caches."""
        self.request_sync()

    # --- informer handlers -------------------------------------------------------------------------------------

    def _added(self, obj: dict) -> None:
        self.request_sync()

    def _service_updated(self, old: dict, new: dict) -> None:
        if _service_view(old) != _service_view(new):
            self.request_sync()

    def _slice_updated(self, old: dict, new: dict) -> None:
        if _slice_view(old) != _slice_view(new):
            self.request_sync()

    def request_sync(self) -> None:
        """BoundedFrequencyRunner.Run: one pending run at most; at least MIN_SYNC_PERIOD after the last one ended."""
        if self.pending is not None and not self.pending.cancelled:
            return
        delay = 0.0 if self.last_sync is None else max(0.0, self.last_sync + MIN_SYNC_PERIOD - self.env.now)
        self.pending = self.env.schedule(delay, self.component, self, "sync_proxy_rules",
                                         label=f"{self.actor} syncProxyRules")

    # --- syncProxyRules ----------------------------------------------------------------------------------------

    def service_ports(self) -> list[tuple[ServicePort, list[Endpoint]]]:
        """The proxier's ServicePortMap and EndpointsMap from the caches: ClusterIP Services (not headless, not
        ExternalName), each port with the endpoints of the slices' port of the same name and protocol."""
        out = []
        for svc in sorted(self.services.list(), key=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"])):
            spec = svc.get("spec") or {}
            ip = spec.get("clusterIP") or ""
            if not ip or ip == "None" or spec.get("type") == "ExternalName":
                continue
            ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
            affinity = 0
            if spec.get("sessionAffinity") == "ClientIP":
                affinity = int(((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {})
                               .get("timeoutSeconds", 10800))
            slices = sorted(self.slices.by_index("service", f"{ns}/{name}"), key=lambda s: s["metadata"]["name"])
            for sp in spec.get("ports") or []:
                port_name, protocol = sp.get("name") or "", sp.get("protocol") or "TCP"
                sport = ServicePort(f"{ns}/{name}" + (f":{port_name}" if port_name else ""), ip, sp.get("port", 0),
                                    protocol, spec.get("internalTrafficPolicy") == "Local", affinity)
                out.append((sport, self._endpoints(slices, port_name, protocol)))
        return out

    @staticmethod
    def _endpoints(slices: list[dict], port_name: str, protocol: str) -> list[Endpoint]:
        eps: dict[str, Endpoint] = {}
        for eps_obj in slices:
            if eps_obj.get("addressType", "IPv4") != "IPv4":
                continue
            port = next((p.get("port") for p in eps_obj.get("ports") or []
                         if (p.get("name") or "") == port_name and (p.get("protocol") or "TCP") == protocol), None)
            if port is None:
                continue
            for e in eps_obj.get("endpoints") or []:
                if not e.get("addresses"):
                    continue
                c = e.get("conditions") or {}
                ep = Endpoint(e["addresses"][0], port, c.get("ready") is not False, c.get("serving") is not False,
                              c.get("terminating") is True, e.get("nodeName") or "")
                eps.setdefault(str(ep), ep)
        return sorted(eps.values(), key=str)

    def sync_proxy_rules(self) -> None:
        """One sync: compute every Service port's chains, write them, record the ones that changed."""
        self.pending = None
        first = self.last_sync is None
        rules = [service_rules(sp, eps, self.node_name) for sp, eps in self.service_ports()]
        before = {r.svc.name: r for r in self.rules}
        after = {r.svc.name: r for r in rules}
        written = [r.summary() for r in rules if first or before.get(r.svc.name) != r]
        removed = [name for name in before if name not in after]
        self.rules = rules
        self._by_dest = {(r.svc.cluster_ip, r.svc.port, r.svc.protocol): r for r in rules}
        self._text = restore_text(rules, self.cluster_cidr)
        self.last_sync = self.env.now
        if written or removed or first:
            self.env.record(self.actor, "iptables-synced", self.node_name, written=written, removed=removed,
                            first=first, services=len(rules),
                            endpoints=sum(len(r.endpoints) for r in rules))
        else:
            self.env.record(self.actor, "nothing-to-do", self.node_name, why="iptables-current", services=len(rules),
                            endpoints=sum(len(r.endpoints) for r in rules), **{"pass": "syncProxyRules"})

    # --- what others read --------------------------------------------------------------------------------------

    def iptables_save(self) -> str:
        """The filter and nat rules the last sync wrote (its iptables-restore input)."""
        return self._text

    def route(self, cluster_ip: str, port: int, protocol: str, rnd: random.Random) -> Route:
        """A new connection to cluster_ip:port from this node, through the last sync's rules: KUBE-SERVICES, then
        the service chain's statistic matches in order (one `rnd.random()` per probability rule tried)."""
        r = self._by_dest.get((cluster_ip, int(port), protocol.upper()))
        if r is None:
            return Route("NONE", None, "", "", "")
        if r.verdict != "DNAT":
            return Route(r.verdict, None, r.svc.name, "", "")
        for sep, ep, p in r.endpoints:
            if p is None or rnd.random() < float(p):
                return Route("DNAT", ep, r.svc.name, r.chain, sep)
        raise AssertionError("the last rule of a service chain always matches")


def _synced(f: dict) -> str:
    head = "synced iptables" + (" (iptables mode, v1.35's Linux default; first full sync)" if f["first"] else "")
    parts = list(f["written"]) + [f"{name} removed (its chains deleted)" for name in f["removed"]]
    if not parts:
        return f"{head}: no Services yet"
    return f"{head}: " + "; ".join(parts)


narrative({
    "iptables-synced": _synced,
    "nothing-to-do:iptables-current": lambda f: (f"the rules of its {plural(f['services'], 'Service port')} "
                                                 f"({plural(f['endpoints'], 'endpoint')} in use) are unchanged"),
})
