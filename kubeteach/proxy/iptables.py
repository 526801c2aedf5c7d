"""kube-proxy's iptables rules (pkg/proxy/iptables/proxier.go syncProxyRules, pkg/proxy/topology.go
CategorizeEndpoints, pkg/proxy/endpointslicecache.go): from the Services and EndpointSlices a proxier has seen, the
per-Service chains KUBE-SVC-… (or KUBE-SVL-… for internalTrafficPolicy Local) → KUBE-SEP-… with their
probabilities, the REJECT/DROP filter rules of Services without usable endpoints, and the iptables-restore text.

ClusterIP traffic only (NodePort, LoadBalancer and external IPs get no rules here); the Services inside KUBE-SERVICES
come in name order, where Go's map iteration gives an order that changes between syncs.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

MASQ_MARK = "0x4000"            # --iptables-masquerade-bit 14


def port_proto_hash(service_port_name: str, protocol: str) -> str:
    """portProtoHash: the first 16 characters of base32(sha256(servicePortName + protocol))."""
    digest = hashlib.sha256((service_port_name + protocol).encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def service_chain(service_port_name: str, protocol: str, local: bool = False) -> str:
    """servicePortPolicyClusterChain (KUBE-SVC-) / servicePortPolicyLocalChainName (KUBE-SVL-)."""
    return ("KUBE-SVL-" if local else "KUBE-SVC-") + port_proto_hash(service_port_name, protocol)


def endpoint_chain(service_port_name: str, protocol: str, endpoint: str) -> str:
    """servicePortEndpointChainName: KUBE-SEP- + base32(sha256(servicePortName + protocol + "ip:port"))[:16]."""
    digest = hashlib.sha256((service_port_name + protocol + endpoint).encode()).digest()
    return "KUBE-SEP-" + base64.b32encode(digest).decode()[:16]


def probability(n: int) -> str:
    """proxier.probability: fmt.Sprintf("%0.10f", 1.0/float64(n))."""
    return f"{1.0 / n:0.10f}"


@dataclass(frozen=True)
class ServicePort:
    """One port of one Service as the proxier sees it (ServicePortName.String(): ns/name, plus :port if named)."""

    name: str
    cluster_ip: str
    port: int
    protocol: str                        # TCP, UDP, SCTP
    local: bool = False                  # internalTrafficPolicy: Local
    affinity_seconds: int = 0            # sessionAffinity ClientIP timeout (0: None)


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of a Service port: `ip:port` and its conditions (missing ready/serving count as true)."""

    ip: str
    port: int
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    node: str = ""

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


def categorize_endpoints(endpoints: list[Endpoint], svc: ServicePort, node: str) -> tuple[list[Endpoint], bool]:
    """CategorizeEndpoints for ClusterIP traffic: (the endpoints the service chain uses, whether the Service has any
    usable endpoint anywhere). Cluster policy: the ready ones, else the serving-and-terminating ones (the fallback).
    Local policy: this node's ready ones, else this node's serving-and-terminating ones."""
    if not svc.local:
        used = [e for e in endpoints if e.ready] or [e for e in endpoints if e.serving and e.terminating]
        return used, bool(used)
    has_any = any(e.ready or (e.serving and e.terminating) for e in endpoints)
    mine = [e for e in endpoints if e.node == node]
    used = [e for e in mine if e.ready] or [e for e in mine if e.serving and e.terminating]
    return used, has_any


@dataclass
class ServiceRules:
    """What one sync wrote for one Service port: the verdict for its cluster IP (DNAT through `chain`, REJECT,
    DROP) and, for DNAT, the endpoints in rule order as (KUBE-SEP chain, ip:port, probability or None: last)."""

    svc: ServicePort
    verdict: str
    chain: str = ""
    endpoints: list[tuple[str, str, str | None]] = field(default_factory=list)

    def summary(self) -> str:
        """The trace's words for these rules."""
        head = f"{self.svc.name} {self.svc.cluster_ip}:{self.svc.port}"
        if self.verdict == "REJECT":
            return f"{self.svc.name} has no endpoints: REJECT"
        if self.verdict == "DROP":
            return f"{self.svc.name} has no local endpoints: DROP"
        probs = ", ".join(p or "last" for _, _, p in self.endpoints)
        n = len(self.endpoints)
        return f"{head} -> {n} endpoint{'' if n == 1 else 's'} ({self.chain}: {probs})"


def service_rules(svc: ServicePort, endpoints: list[Endpoint], node: str) -> ServiceRules:
    """The chains of one Service port, as syncProxyRules writes them."""
    used, has_any = categorize_endpoints(endpoints, svc, node)
    if not has_any:
        return ServiceRules(svc, "REJECT")
    if not used:
        return ServiceRules(svc, "DROP")
    proto = svc.protocol.lower()
    ordered = sorted({str(e): e for e in used}.values(), key=str)
    n = len(ordered)
    eps = [(endpoint_chain(svc.name, proto, str(e)), str(e), probability(n - i) if i < n - 1 else None)
           for i, e in enumerate(ordered)]
    return ServiceRules(svc, "DNAT", service_chain(svc.name, proto, svc.local), eps)


def restore_text(rules: list[ServiceRules], cluster_cidr: str) -> str:
    """The iptables-restore input of a full sync: the filter table, then the nat table, chains declared first."""
    filter_rules = []
    for r in rules:
        if r.verdict in ("REJECT", "DROP"):
            comment = f'"{r.svc.name} has no {"" if r.verdict == "REJECT" else "local "}endpoints"'
            proto = r.svc.protocol.lower()
            filter_rules.append(f"-A KUBE-SERVICES -m comment --comment {comment} -m {proto} -p {proto} "
                                f"-d {r.svc.cluster_ip} --dport {r.svc.port} -j {r.verdict}")
    filter_chains = ["KUBE-NODEPORTS", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD",
                     "KUBE-PROXY-FIREWALL"]
    out = ["*filter", *[f":{c} - [0:0]" for c in filter_chains], *filter_rules,
           f'-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark {MASQ_MARK}/{MASQ_MARK} '
           "-j ACCEPT",
           '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate '
           "RELATED,ESTABLISHED -j ACCEPT", "COMMIT"]
    nat_chains = ["KUBE-NODEPORTS", "KUBE-SERVICES", "KUBE-MARK-MASQ", "KUBE-POSTROUTING"]
    nat_rules = [f"-A KUBE-POSTROUTING -m mark ! --mark {MASQ_MARK}/{MASQ_MARK} -j RETURN",
                 f"-A KUBE-POSTROUTING -j MARK --xor-mark {MASQ_MARK}",
                 '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE '
                 "--random-fully",
                 f"-A KUBE-MARK-MASQ -j MARK --or-mark {MASQ_MARK}"]
    for r in rules:
        if r.verdict != "DNAT":
            continue
        svc, proto = r.svc, r.svc.protocol.lower()
        nat_chains.append(r.chain)
        nat_chains += [sep for sep, _, _ in r.endpoints]
        match = (f'-m comment --comment "{svc.name} cluster IP" -m {proto} -p {proto} -d {svc.cluster_ip} '
                 f"--dport {svc.port}")
        if cluster_cidr:
            nat_rules.append(f"-A {r.chain} {match} ! -s {cluster_cidr} -j KUBE-MARK-MASQ")
        nat_rules.append(f"-A KUBE-SERVICES {match} -j {r.chain}")
        if svc.affinity_seconds:
            nat_rules += [f'-A {r.chain} -m comment --comment "{svc.name} -> {ep}" -m recent --name {sep} --rcheck '
                          f"--seconds {svc.affinity_seconds} --reap -j {sep}" for sep, ep, _ in r.endpoints]
        for sep, ep, p in r.endpoints:
            stat = f" -m statistic --mode random --probability {p}" if p else ""
            nat_rules.append(f'-A {r.chain} -m comment --comment "{svc.name} -> {ep}"{stat} -j {sep}')
        for sep, ep, _ in r.endpoints:
            recent = f" -m recent --name {sep} --set" if svc.affinity_seconds else ""
            nat_rules.append(f"-A {sep} -m comment --comment {svc.name} -s {ep.rsplit(':', 1)[0]} -j KUBE-MARK-MASQ")
            nat_rules.append(f"-A {sep} -m comment --comment {svc.name}{recent} -m {proto} -p {proto} -j DNAT "
                             f"--to-destination {ep}")
    nat_rules.append('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the '
                     'last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS')
    out += ["*nat", *[f":{c} - [0:0]" for c in nat_chains], *nat_rules, "COMMIT"]
    return "\n".join(out) + "\n"
