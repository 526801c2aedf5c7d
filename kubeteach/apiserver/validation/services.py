"""Service, Endpoints and EndpointSlice validation, with Kubernetes' field paths and messages.

Mirrors pkg/apis/core/validation/validation.go (ValidateService, validateServicePort, ValidatePortNumOrName,
ValidateServiceClusterIPsRelatedFields and validateUpgradeDowngradeClusterIPs for single-stack, ValidateEndpoints)
and pkg/apis/discovery/validation (ValidateEndpointSlice, lightly: address type, addresses, ports; its exact v1.35
address message is unverified). Name rule: DNS-1035 labels
(staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go IsDNS1035Label).
"""

from __future__ import annotations

import ipaddress
import re

from .field import Errs, _d, _l, _s, duplicate, forbidden, go_json, invalid, required, unsupported
from .meta import (
    _mask_dash,
    is_dns1123_label,
    is_port_name,
    labels,
    max_len,
    name_subdomain,
    object_meta,
    port_range,
    regex_error,
)

DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
PROTOCOLS = ["SCTP", "TCP", "UDP"]
SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
AFFINITIES = ["ClientIP", "None"]
POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"]
ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]
IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"


def is_dns1035_label(v: str) -> list[str]:
    """IsDNS1035Label: Service names."""
    errs = [max_len(63)] if len(v.encode()) > 63 else []
    if not re.fullmatch(DNS1035_FMT, v):
        errs.append(regex_error("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
                                "with an alphabetic character, and end with an alphanumeric character", DNS1035_FMT,
                                "my-name", "abc-123"))
    return errs


def name_dns1035(name: str, prefix: bool) -> list[str]:
    """NameIsDNS1035Label (ValidateServiceName)."""
    return is_dns1035_label(_mask_dash(name) if prefix else name)


def _port_num_or_name(value: object, path: str) -> Errs:
    """ValidatePortNumOrName on an IntOrString."""
    if isinstance(value, int):
        return [invalid(path, value, m) for m in port_range(value)]
    if isinstance(value, str):
        return [invalid(path, value, m) for m in is_port_name(value)]
    return []


def _service_port(sp: dict, require_name: bool, names: set, path: str) -> Errs:
    """validateServicePort."""
    errs: Errs = []
    name = _s(sp, "name")
    if require_name and not name:
        errs.append(required(f"{path}.name"))
    elif name:
        errs += [invalid(f"{path}.name", name, m) for m in is_dns1123_label(name)]
        if name in names:
            errs.append(duplicate(f"{path}.name", name))
        names.add(name)
    port = sp.get("port") if isinstance(sp.get("port"), int) else 0
    errs += [invalid(f"{path}.port", port, m) for m in port_range(port)]
    errs += _protocol(sp, f"{path}.protocol")
    return errs + _port_num_or_name(sp.get("targetPort"), f"{path}.targetPort")


def _protocol(port: dict, path: str) -> Errs:
    """A port's protocol: required (defaulting set TCP if it was left out), and TCP, UDP or SCTP."""
    protocol = _s(port, "protocol")
    if not protocol:
        return [required(path)]
    return [unsupported(path, protocol, PROTOCOLS)] if protocol not in PROTOCOLS else []


def _valid_ip(v: str) -> bool:
    try:
        ipaddress.ip_address(v)
    except ValueError:
        return False
    return True


def service(obj: dict) -> Errs:
    """ValidateService, in its order: metadata, ports present, each port, selector, session affinity, type,
    nodePorts, duplicate (protocol, port) pairs, clusterIPs."""
    spec = _d(obj, "spec")
    errs = object_meta(_d(obj, "metadata"), name_dns1035)
    headless = _s(spec, "clusterIP") == "None"
    stype = _s(spec, "type")
    ports = [p if isinstance(p, dict) else {} for p in _l(spec, "ports")]
    if not ports and not headless and stype != "ExternalName":
        errs.append(required("spec.ports"))
    names: set[str] = set()
    for i, p in enumerate(ports):
        errs += _service_port(p, len(ports) > 1, names, f"spec.ports[{i}]")
    if isinstance(spec.get("selector"), dict):
        errs += labels(spec["selector"], "spec.selector")
    affinity = _s(spec, "sessionAffinity")
    if not affinity:
        errs.append(required("spec.sessionAffinity"))
    elif affinity not in AFFINITIES:
        errs.append(unsupported("spec.sessionAffinity", affinity, AFFINITIES))
    if not stype:
        errs.append(required("spec.type"))
    elif stype not in SERVICE_TYPES:
        errs.append(unsupported("spec.type", stype, SERVICE_TYPES))
    for i, p in enumerate(ports):
        if stype == "ClusterIP" and p.get("nodePort"):
            errs.append(forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"))
    seen: set[tuple] = set()
    for i, p in enumerate(ports):
        key = (_s(p, "protocol"), p.get("port") if isinstance(p.get("port"), int) else 0)
        if key in seen:
            errs.append(duplicate(f"spec.ports[{i}]", go_json([
                ("Name", ""), ("Protocol", key[0]), ("AppProtocol", None), ("Port", key[1]),
                ("TargetPort", go_json([("IntVal", 0), ("StrVal", "")])), ("NodePort", 0)])))
        seen.add(key)
    errs += _cluster_ips(spec)
    policy = spec.get("internalTrafficPolicy")
    if stype != "ExternalName" and policy is not None and policy not in ("Cluster", "Local"):
        errs.append(unsupported("spec.internalTrafficPolicy", policy, ["Cluster", "Local"]))
    return errs


def _cluster_ips(spec: dict) -> Errs:
    """ValidateServiceClusterIPsRelatedFields (single-stack part): clusterIP and clusterIPs agree, the IPs parse,
    `None` alone, at most two, the families and policy supported."""
    if _s(spec, "type") == "ExternalName":
        return []
    errs: Errs = []
    ip, ips = _s(spec, "clusterIP"), [str(x) for x in _l(spec, "clusterIPs")]
    if ip:
        if not ips:
            errs.append(required("spec.clusterIPs"))
        elif ips[0] != ip:
            errs.append(invalid("spec.clusterIPs", ips, "first value must match `clusterIP`"))
    elif ips:
        errs.append(invalid("spec.clusterIPs", ips, "must be empty when `clusterIP` is not specified"))
    seen: set[str] = set()
    for i, family in enumerate(_l(spec, "ipFamilies")):
        if family not in ("IPv4", "IPv6"):
            errs.append(unsupported(f"spec.ipFamilies[{i}]", family, ["IPv4", "IPv6"]))
        if family in seen:
            errs.append(duplicate(f"spec.ipFamilies[{i}]", family))
        seen.add(family)
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in POLICIES:
        errs.append(unsupported("spec.ipFamilyPolicy", policy, POLICIES))
    for i, value in enumerate(ips):
        if i == 0 and value == "None":
            if len(ips) > 1:
                errs.append(invalid("spec.clusterIPs", ips, "'None' must be the first and only value"))
            continue
        if not _valid_ip(value):
            errs.append(invalid(f"spec.clusterIPs[{i}]", value, IP_MSG))
    if len(ips) > 2:
        errs.append(invalid("spec.clusterIPs", ips, "may only hold up to 2 values"))
    return errs


def service_update(obj: dict, old: dict) -> Errs:
    """ValidateServiceUpdate's validateUpgradeDowngradeClusterIPs (same count: none may change), then
    ValidateService."""
    spec, old_spec = _d(obj, "spec"), _d(old, "spec")
    errs: Errs = []
    external = "ExternalName" in (_s(spec, "type"), _s(old_spec, "type"))
    ips, old_ips = _l(spec, "clusterIPs"), _l(old_spec, "clusterIPs")
    both_headless = ips == ["None"] and old_ips == ["None"]
    if not external and not both_headless:
        if len(ips) == len(old_ips):
            errs += [invalid(f"spec.clusterIPs[{i}]", ips, "may not change once set")
                     for i, ip in enumerate(old_ips) if ip != ips[i]]
        elif not ips:
            errs.append(invalid("spec.clusterIPs[0]", ips, "primary clusterIP can not be unset"))
        elif old_ips and ips[0] != old_ips[0]:
            errs.append(invalid("spec.clusterIPs[0]", ips, "may not change once set"))
    return errs + service(obj)


def endpoints(obj: dict) -> Errs:
    """ValidateEndpoints (create/update): addresses are IPs, ports in range with a protocol."""
    errs = object_meta(_d(obj, "metadata"), name_subdomain)
    for i, subset in enumerate(_l(obj, "subsets")):
        subset = subset if isinstance(subset, dict) else {}
        for which in ("addresses", "notReadyAddresses"):
            for j, a in enumerate(_l(subset, which)):
                ip = _s(a, "ip")
                if not _valid_ip(ip):
                    errs.append(invalid(f"subsets[{i}].{which}[{j}].ip", ip, IP_MSG))
        for j, p in enumerate(_l(subset, "ports")):
            port = p.get("port") if isinstance(p, dict) and isinstance(p.get("port"), int) else 0
            errs += [invalid(f"subsets[{i}].ports[{j}].port", port, m) for m in port_range(port)]
            errs += _protocol(p, f"subsets[{i}].ports[{j}].protocol")
    return errs


def endpoint_slice(obj: dict) -> Errs:
    """ValidateEndpointSlice, lightly: addressType, each endpoint's addresses (1 to 100), ports."""
    errs = object_meta(_d(obj, "metadata"), name_subdomain)
    atype = _s(obj, "addressType")
    if not atype:
        errs.append(required("addressType"))
    elif atype not in ADDRESS_TYPES:
        errs.append(unsupported("addressType", atype, ADDRESS_TYPES))
    for i, ep in enumerate(_l(obj, "endpoints")):
        addrs = _l(ep, "addresses")
        if not addrs:
            errs.append(required(f"endpoints[{i}].addresses", "must contain at least 1 address"))
        for j, a in enumerate(addrs):
            if atype in ("IPv4", "IPv6") and not _valid_ip(str(a)):
                errs.append(invalid(f"endpoints[{i}].addresses[{j}]", a, IP_MSG))
    for i, p in enumerate(_l(obj, "ports")):
        port = p.get("port") if isinstance(p, dict) else None
        if isinstance(port, int):
            errs += [invalid(f"ports[{i}].port", port, m) for m in port_range(port)]
        protocol = _s(p, "protocol")
        if protocol and protocol not in PROTOCOLS:
            errs.append(unsupported(f"ports[{i}].protocol", protocol, PROTOCOLS))
    return errs
