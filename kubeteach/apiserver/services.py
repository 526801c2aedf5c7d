"""Services in the API server: the ClusterIP allocator, the registry's IP-family fields, and the `kubernetes`
Service with its apiserver-written EndpointSlice and Endpoints.

Mirrors pkg/registry/core/service/ipallocator (allocateNextService, calculateRangeOffset, ErrNotInRange,
ErrAllocated), pkg/registry/core/service/storage/alloc.go (initIPFamilyFields, allocClusterIPs,
patchAllocatedValues), pkg/controlplane/controller/kubernetesservice and pkg/controlplane/reconcilers
(endpointsadapter.go, lease.go). The set of allocated IPs is read from the stored Services (kube-apiserver keeps
IPAddress objects; the answer is the same), so a delete releases its IP and a dry run reserves nothing.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ..trace import narrative
from .errors import APIError, invalid
from .resources import BY_RESOURCE
from .validation.field import invalid as field_invalid

#: kubeadm's DefaultServicesSubnet; a cluster definition's `cluster.serviceSubnet` replaces it
DEFAULT_SERVICE_CIDR = "10.96.0.0/12"
#: kube-apiserver --service-node-port-range's default
NODE_PORTS = (30000, 32767)
#: the apiserver's advertise address: on the nodes' network (172.18.0.2, .3, … are the nodes), no node's address
APISERVER_ADDRESS = "172.18.0.1"
APISERVER_PORT = 6443
#: core/v1 Endpoints' deprecation (staging/src/k8s.io/api/core/v1/lifecycle.go, deprecation.WarningMessage)
ENDPOINTS_WARNING = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"


def range_offset(size: int) -> int:
    """calculateRangeOffset: the lower band kept for static IPs, min(max(16, size/16), 256); 0 below 16."""
    if size < 16:
        return 0
    return min(max(16, size // 16), 256)


def _random_scan(lo: int, hi: int, offset: int, free: Any, rnd: Any) -> int | None:
    """randomScanStrategyWithOffset: a random start in the upper band [lo+offset, hi], scanning up and wrapping
    within it; the lower band [lo, lo+offset-1] only when the upper one is full. None when both are full.

    The draws are Go's rand.Intn shape on the seeded RNG (`rnd.intn`), not Go's exact numbers."""
    for start, end in ((lo + offset, hi), (lo, lo + offset - 1)):
        size = end - start + 1
        if size <= 0:
            continue
        first = rnd.intn(size)
        for k in range(size):
            value = start + (first + k) % size
            if free(value):
                return value
    return None


def allocate_next(cidr: str, used: set[str], rnd: Any) -> str | None:
    """allocateNextService over a service CIDR: the network (and IPv4 broadcast) address never handed out."""
    net = ipaddress.ip_network(cidr)
    first = int(net.network_address) + 1
    last = int(net.broadcast_address) - (1 if net.version == 4 else 0)
    found = _random_scan(first, last, range_offset(net.num_addresses), lambda v: str(ipaddress.ip_address(v))
                         not in used, rnd)
    return None if found is None else str(ipaddress.ip_address(found))


def node_port_offset(size: int) -> int:
    """The port allocator's calculateRangeOffset: min(max(16, size/32), 128); 0 up to 16 ports."""
    return 0 if size <= 16 else min(max(16, size // 32), 128)


def _in_range(ip: str, cidr: str) -> bool:
    net = ipaddress.ip_network(cidr)
    addr = ipaddress.ip_address(ip)
    if addr not in net:
        return False
    return net.version != 4 or addr not in (net.network_address, net.broadcast_address)


def _allocated(api: Any, skip: tuple[str, str] = ("", "")) -> set[str]:
    """The clusterIPs every stored Service holds (but `skip`: the one being updated)."""
    out: set[str] = set()
    for svc in api.storage.values("services"):
        meta = svc.get("metadata") or {}
        if (meta.get("namespace"), meta.get("name")) == skip:
            continue
        out.update(ip for ip in (svc.get("spec") or {}).get("clusterIPs") or [] if ip != "None")
    return out


def _node_ports(api: Any, skip: tuple[str, str]) -> set[int]:
    """The nodePorts every stored Service holds (but `skip`)."""
    out: set[int] = set()
    for svc in api.storage.values("services"):
        meta = svc.get("metadata") or {}
        if (meta.get("namespace"), meta.get("name")) != skip:
            out.update(p.get("nodePort") for p in (svc.get("spec") or {}).get("ports") or [] if p.get("nodePort"))
    return out


def allocate_node_ports(api: Any, res_name: str, obj: dict, old: dict | None) -> list[int]:
    """txnAllocNodePorts for NodePort and LoadBalancer Services: a nodePort the Service already held stays; a
    user's new one must be in range and free; a port without one gets a random free one (returned)."""
    picked: list[int] = []
    spec, meta = obj["spec"], obj.get("metadata") or {}
    held = {p.get("nodePort") for p in ((old or {}).get("spec") or {}).get("ports") or []
            if isinstance(p, dict) and p.get("nodePort")}
    used = _node_ports(api, (meta.get("namespace"), meta.get("name")))
    lo, hi = NODE_PORTS
    for i, port in enumerate(spec.get("ports") or []):
        if not isinstance(port, dict):
            continue
        wanted = port.get("nodePort")
        if isinstance(wanted, int) and wanted:
            why = "" if wanted in held or lo <= wanted <= hi and wanted not in used else \
                "provided port is already allocated" if lo <= wanted <= hi else \
                f"provided port is not in the valid range. The range of valid ports is {lo}-{hi}"
            if why:
                raise invalid(BY_RESOURCE[res_name], meta.get("name", ""), [
                    field_invalid(f"spec.ports[{i}].nodePort", wanted, why)])
        else:
            found = _random_scan(lo, hi, node_port_offset(hi - lo + 1), lambda v: v not in used, api.rnd)
            if found is None:
                raise APIError(500, "InternalError", "Internal error occurred: failed to allocate a nodePort: "
                                                     "range is full")
            port["nodePort"] = wanted = found
            picked.append(found)
        used.add(wanted)
    return picked


def service_cidr(api: Any) -> str:
    """kube-apiserver --service-cluster-ip-range: set at boot from the definition (bootstrap)."""
    return getattr(api, "service_cidr", DEFAULT_SERVICE_CIDR)


def _normalize(spec: dict, old_spec: dict | None) -> None:
    """normalizeClusterIPs: a create that sets only clusterIP gets clusterIPs from it; an update that changes
    clusterIP but keeps the old clusterIPs gets them from the new clusterIP (or cleared with it). Anything else is
    left for validation to judge."""
    ip, ips = spec.get("clusterIP") or "", spec.get("clusterIPs") or []
    if old_spec is None:
        if ip and not ips:
            spec["clusterIPs"] = [ip]
        return
    old_ip, old_ips = old_spec.get("clusterIP") or "", old_spec.get("clusterIPs") or []
    if old_ips and not ips and old_ip == ip:
        spec["clusterIPs"] = ips = list(old_ips)
    if old_ip != ip and ips == old_ips:
        if ip:
            spec["clusterIPs"] = [ip]
        else:
            spec.pop("clusterIPs", None)


def _needs_cluster_ip(spec: dict) -> bool:
    return spec.get("type") != "ExternalName" and spec.get("clusterIP") != "None"


def _patch_allocated(spec: dict, old_spec: dict) -> None:
    """patchAllocatedValues: an update that leaves out the allocated clusterIP(s) and nodePorts keeps them
    (nodePorts matched by port name, unless another port now holds the old value)."""
    if _needs_cluster_ip(old_spec) and _needs_cluster_ip(spec):
        if not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
        if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
            spec["clusterIPs"] = list(old_spec["clusterIPs"])
    node_port_types = ("NodePort", "LoadBalancer")
    if old_spec.get("type") in node_port_types and spec.get("type") in node_port_types:
        ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
        used = {p.get("nodePort") for p in ports if p.get("nodePort")}
        by_name = {p.get("name") or "": p.get("nodePort") for p in old_spec.get("ports") or []
                   if isinstance(p, dict)}
        for p in ports:
            old = by_name.get(p.get("name") or "")
            if not p.get("nodePort") and old and old not in used:
                p["nodePort"] = old


def begin_write(api: Any, res_name: str, obj: dict, old: dict | None) -> dict | None:
    """The Service REST's BeginCreate / BeginUpdate: allocated values kept, clusterIP(s) in sync, the IP-family
    fields, then a clusterIP (on create, or when an update first needs one) and nodePorts. Raises the
    allocators' errors as the API does; returns what it allocated, for the trace (None: nothing)."""
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return None
    old_spec = (old or {}).get("spec") or {} if old is not None else None
    if old_spec is not None:
        _patch_allocated(spec, old_spec)
    _normalize(spec, old_spec)
    if spec.get("type") == "ExternalName":
        return None
    headless = spec.get("clusterIP") == "None"
    if spec.get("ipFamilyPolicy") is None:        # initIPFamilyFields
        spec["ipFamilyPolicy"] = "RequireDualStack" if headless and not spec.get("selector") else "SingleStack"
    cidr = service_cidr(api)
    if not spec.get("ipFamilies"):
        spec["ipFamilies"] = ["IPv4" if ipaddress.ip_network(cidr).version == 4 else "IPv6"]
    had_ip = old_spec is not None and _needs_cluster_ip(old_spec) and bool(old_spec.get("clusterIPs"))
    facts: dict = {"name": (obj.get("metadata") or {}).get("name", ""), "cidr": cidr, "cluster_ip": "",
                   "requested": bool(spec.get("clusterIPs")), "node_ports": []}
    if not headless and not had_ip and (spec.get("clusterIPs") or not spec.get("clusterIP")):
        _allocate_cluster_ip(api, res_name, obj, cidr)
        facts["cluster_ip"] = spec["clusterIPs"][0]
    if spec.get("type") in ("NodePort", "LoadBalancer"):
        facts["node_ports"] = allocate_node_ports(api, res_name, obj, old)
    return facts if facts["cluster_ip"] or facts["node_ports"] else None


def _allocate_cluster_ip(api: Any, res_name: str, obj: dict, cidr: str) -> None:
    """allocClusterIPs: the next free IP, or the user's one if it is in the range and free."""
    spec, meta = obj["spec"], obj.get("metadata") or {}
    res = BY_RESOURCE[res_name]
    ips = spec.get("clusterIPs") or []
    if not ips:
        ip = allocate_next(cidr, _allocated(api), api.rnd)
        if ip is None:
            raise APIError(500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: "
                                                 "range is full")
        spec["clusterIP"], spec["clusterIPs"] = ip, [ip]
        return
    ip = ips[0]
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        return                            # validation reports the malformed address
    if not _in_range(ip, cidr):
        why = f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is {cidr}"
    elif ip in _allocated(api, (meta.get("namespace"), meta.get("name"))):
        why = "provided IP is already allocated"
    else:
        return
    raise invalid(res, meta.get("name", ""), [field_invalid("spec.clusterIPs", list(ips),
                                                            f"failed to allocate IP {ip}: {why}")])


def bootstrap(client: Any, api: Any, definition: dict) -> None:
    """kube-apiserver at start: the service range from the definition, the `kubernetes` Service at index 1 of it
    (kubernetesservice controller), then the lease reconciler's Endpoints and the EndpointsAdapter's slice."""
    api.service_cidr = (definition.get("cluster") or {}).get("serviceSubnet") or DEFAULT_SERVICE_CIDR
    first = str(ipaddress.ip_network(api.service_cidr)[1])
    client.create("services", {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"ports": [{"name": "https", "protocol": "TCP", "port": 443, "targetPort": APISERVER_PORT}],
                 "clusterIP": first, "sessionAffinity": "None", "type": "ClusterIP",
                 "ipFamilyPolicy": "SingleStack"}}, "default")
    client.create("endpoints", {
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "kubernetes", "namespace": "default", "labels": {LABEL_SKIP_MIRROR: "true"}},
        "subsets": [{"addresses": [{"ip": APISERVER_ADDRESS}],
                     "ports": [{"name": "https", "port": APISERVER_PORT, "protocol": "TCP"}]}]}, "default")
    client.create("endpointslices", {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "kubernetes", "namespace": "default", "labels": {LABEL_SERVICE_NAME: "kubernetes"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [APISERVER_ADDRESS], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": APISERVER_PORT, "protocol": "TCP"}]}, "default")


def _allocated_sentence(f: dict) -> str:
    ip = f["cluster_ip"]
    parts = [f"ClusterIP {ip} " + (f"(requested; inside {f['cidr']} and free)" if f["requested"] else
                                   f"(a random free address of {f['cidr']}, upper band first)")] if ip else []
    if f["node_ports"]:
        parts.append("nodePort " + ", ".join(map(str, f["node_ports"])) + " (random free port of 30000-32767)")
    return f'allocated for Service "{f["name"]}": ' + "; ".join(parts)


narrative({"allocated": _allocated_sentence})


def deprecation_warnings(group: str, kind: str) -> list[str]:
    """The warnings every request for a deprecated kind carries (apiserver/pkg/endpoints/deprecation): core/v1
    Endpoints only, among the served kinds."""
    return [ENDPOINTS_WARNING] if group == "" and kind == "Endpoints" else []
