"""What kubectl shows of Services, EndpointSlices and Endpoints: the server-side table rows
(pkg/printers/internalversion/printers.go printService, printEndpointSlice, printEndpoints) and the describers
(staging/src/k8s.io/kubectl/pkg/describe/describe.go describeService, describeEndpointSliceV1, describeEndpoints).
"""

from __future__ import annotations

from collections.abc import Callable

from ..objects import human_age, labels_string, parse_timestamp
from .describe_writer import PrefixWriter, describe_events, print_annotations_multiline, print_labels_multiline


def _age(obj: dict, now: float) -> str:
    created = obj.get("metadata", {}).get("creationTimestamp")
    return human_age(now - parse_timestamp(created)) if created else "<unknown>"


def _host_port(ip: str, port: object) -> str:
    """net.JoinHostPort: IPv6 addresses in brackets."""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _with_more(items: list[str], more: bool, count: int, unset: str = "") -> str:
    """listWithMoreString: at most 3 shown, then ` + N more...`."""
    text = ",".join(items)
    if more:
        return f"{text} + {count - 3} more..."
    return text or unset


# --- get ----------------------------------------------------------------------------------------------------------

def port_string(ports: list[dict]) -> str:
    """makePortString: `80/TCP`, `80:30080/TCP` with a nodePort, joined by commas."""
    out = []
    for p in ports:
        node_port = p.get("nodePort") or 0
        out.append(f"{p.get('port', 0)}:{node_port}/{p.get('protocol', '')}" if node_port > 0
                   else f"{p.get('port', 0)}/{p.get('protocol', '')}")
    return ",".join(out)


def external_ip(svc: dict) -> str:
    """getServiceExternalIP."""
    spec, ips = svc.get("spec") or {}, (svc.get("spec") or {}).get("externalIPs") or []
    stype = spec.get("type", "")
    if stype in ("ClusterIP", "NodePort"):
        return ",".join(ips) or "<none>"
    if stype == "LoadBalancer":
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        lb = [i.get("ip") or i.get("hostname") or "" for i in ingress]
        return ",".join([x for x in lb if x] + ips) or "<pending>"
    if stype == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def service_row(svc: dict, now: float, wide: bool) -> list[str]:
    """printService: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE [SELECTOR]."""
    spec = svc.get("spec") or {}
    ips = spec.get("clusterIPs") or []
    row = [svc["metadata"]["name"], spec.get("type", ""), ips[0] if ips else "<none>", external_ip(svc),
           port_string(spec.get("ports") or []) or "<none>", _age(svc, now)]
    if wide:
        row.append(labels_string(spec.get("selector")) or "<none>")
    return row


def format_endpoints(ep: dict) -> str:
    """formatEndpoints: the ready addresses as ip:port, at most 3; `<none>` without subsets."""
    subsets = ep.get("subsets") or []
    if not subsets:
        return "<none>"
    items: list[str] = []
    more, count = False, 0
    for ss in subsets:
        addrs = ss.get("addresses") or []
        for port in ss.get("ports") or [None]:
            count += len(addrs)
            for a in addrs:
                if len(items) == 3:
                    more = True
                    break
                items.append(a.get("ip", "") if port is None else _host_port(a.get("ip", ""), port.get("port", 0)))
    return _with_more(items, more, count)


def endpoints_row(ep: dict, now: float, wide: bool) -> list[str]:
    return [ep["metadata"]["name"], format_endpoints(ep), _age(ep, now)]


def _discovery_list(values: list[str]) -> str:
    items = values[:3]
    return _with_more(items, len(values) > 3, len(values), "<unset>")


def endpointslice_row(eps: dict, now: float, wide: bool) -> list[str]:
    """printEndpointSlice: NAME ADDRESSTYPE PORTS ENDPOINTS AGE (every endpoint, whatever its conditions)."""
    ports = []
    for p in eps.get("ports") or []:
        ports.append(str(p["port"]) if p.get("port") is not None else p["name"] if p.get("name") is not None
                     else "*")
    addrs = [a for e in eps.get("endpoints") or [] for a in e.get("addresses") or []]
    return [eps["metadata"]["name"], eps.get("addressType", ""), _discovery_list(ports), _discovery_list(addrs),
            _age(eps, now)]


COLUMNS: dict[str, tuple[list[str], list[str], Callable[[dict, float, bool], list[str]]]] = {
    "services": (["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], ["SELECTOR"], service_row),
    "endpoints": (["NAME", "ENDPOINTS", "AGE"], [], endpoints_row),
    "endpointslices": (["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], [], endpointslice_row),
}


# --- describe -----------------------------------------------------------------------------------------------------

def format_endpoint_slices(slices: list[dict], port_name: str) -> str:
    """formatEndpointSlices for one Service port: ready (or unknown) endpoints as ip:port, at most 3. kubectl
    marks `more` before skipping a not-ready endpoint, so the count after `+` counts ready ones only."""
    if not slices:
        return "<none>"
    items: list[str] = []
    more, count = False, 0
    for s in slices:
        eps = s.get("endpoints") or []
        for port in s.get("ports") or [None]:
            if port is not None and (port.get("name") or "") != port_name:
                continue
            for e in eps:
                if len(items) == 3:
                    more = True
                if (e.get("conditions") or {}).get("ready") is False:
                    continue
                if not more:
                    addr = (e.get("addresses") or [""])[0]
                    items.append(addr if port is None else _host_port(addr, port.get("port")))
                count += 1
    text = ",".join(items)
    return f"{text} + {count - 3} more..." if more else text


def _head(w: PrefixWriter, obj: dict) -> None:
    m = obj["metadata"]
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))


def describe_service(svc: dict, slices: list[dict], events: list[dict] | None, now: float) -> str:
    """describeService, its Endpoints lines built from the Service's EndpointSlices."""
    w = PrefixWriter()
    spec = svc.get("spec") or {}
    _head(w, svc)
    w.write(0, f"Selector:\t{labels_string(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy") is not None:
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        w.write(0, "LoadBalancer Ingress:\t" + ", ".join(
            (i["ip"] + (f" ({i['ipMode']})" if i.get("ipMode") else "")) if i.get("ip") else i.get("hostname", "")
            for i in ingress) + "\n")
    for p in spec.get("ports") or []:
        name, proto = p.get("name") or "<unset>", p.get("protocol", "")
        w.write(0, f"Port:\t{name}\t{p.get('port', 0)}/{proto}\n")
        w.write(0, f"TargetPort:\t{p.get('targetPort', 0)}/{proto}\n")
        if p.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{p['nodePort']}/{proto}\n")
        w.write(0, f"Endpoints:\t{format_endpoint_slices(slices, p.get('name') or '')}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy") is not None:
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    if spec.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")
    if spec.get("trafficDistribution") is not None:
        w.write(0, f"Traffic Distribution:\t{spec['trafficDistribution']}\n")
    if events is not None:
        describe_events(events, w, now)
    return w.string()


def describe_endpoint_slice(eps: dict, events: list[dict] | None, now: float) -> str:
    """describeEndpointSliceV1: ports, then each endpoint with only its Ready condition."""
    w = PrefixWriter()
    _head(w, eps)
    w.write(0, f"AddressType:\t{eps.get('addressType', '')}\n")
    ports = eps.get("ports") or []
    if not ports:
        w.write(0, "Ports: <unset>\n")
    else:
        w.write(0, "Ports:\n")
        w.write(1, "Name\tPort\tProtocol\n")
        w.write(1, "----\t----\t--------\n")
        for p in ports:
            port = str(p["port"]) if p.get("port") is not None else "<unset>"
            w.write(1, f"{p.get('name') or '<unset>'}\t{port}\t{p.get('protocol', '')}\n")
    endpoints = eps.get("endpoints") or []
    if not endpoints:
        w.write(0, "Endpoints: <none>\n")
    else:
        w.write(0, "Endpoints:\n")
        for e in endpoints:
            w.write(1, f"- Addresses:\t{', '.join(e.get('addresses') or []) or '<none>'}\n")
            w.write(2, "Conditions:\n")
            ready = (e.get("conditions") or {}).get("ready")
            w.write(3, f"Ready:\t{'<unset>' if ready is None else str(ready).lower()}\n")
            w.write(2, f"Hostname:\t{e['hostname'] if e.get('hostname') is not None else '<unset>'}\n")
            if e.get("targetRef") is not None:
                w.write(2, f"TargetRef:\t{e['targetRef'].get('kind', '')}/{e['targetRef'].get('name', '')}\n")
            w.write(2, f"NodeName:\t{e['nodeName'] if e.get('nodeName') is not None else '<unset>'}\n")
            w.write(2, f"Zone:\t{e['zone'] if e.get('zone') is not None else '<unset>'}\n")
    if events is not None:
        describe_events(events, w, now)
    return w.string()


def describe_endpoints(ep: dict, events: list[dict] | None, now: float) -> str:
    """describeEndpoints: per subset its ready and not-ready addresses and its ports."""
    w = PrefixWriter()
    _head(w, ep)
    w.write(0, "Subsets:\n")
    for ss in ep.get("subsets") or []:
        w.write(1, f"Addresses:\t{','.join(a.get('ip', '') for a in ss.get('addresses') or []) or '<none>'}\n")
        w.write(1, "NotReadyAddresses:\t"
                   f"{','.join(a.get('ip', '') for a in ss.get('notReadyAddresses') or []) or '<none>'}\n")
        if ss.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for p in ss["ports"]:
                w.write(2, f"{p.get('name') or '<unset>'}\t{p.get('port', 0)}\t{p.get('protocol', '')}\n")
        w.write(0, "\n")
    if events is not None:
        describe_events(events, w, now)
    return w.string()
