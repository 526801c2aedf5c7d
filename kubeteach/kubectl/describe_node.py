"""describe for Nodes (staging/src/k8s.io/kubectl/pkg/describe/describe.go NodeDescriber, describeNodeResource) with
the requests and limits arithmetic of resourcehelper (staging/src/k8s.io/component-helpers/resource)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..objects import parse_quantity
from .describe_writer import (
    PrefixWriter,
    describe_events,
    print_annotations_multiline,
    print_labels_multiline,
    print_taints_multiline,
    quantity_string,
    rfc1123z,
    since,
)


def describe_node(node: dict, pods: list[dict] | None, lease: dict | str, events: list[dict] | None,
                  now: float) -> str:
    """describeNode: roles, taints, lease, conditions, addresses, capacity, system info, pods and their requests
    (`lease` is the Lease object or the error text kubectl prints instead)."""
    w = PrefixWriter()
    m, spec, st = node["metadata"], node.get("spec") or {}, node.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Roles:\t{','.join(find_node_roles(node)) or '<none>'}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123z(m.get('creationTimestamp'))}\n")
    print_taints_multiline(w, "Taints", spec.get("taints"))
    w.write(0, f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}\n")
    if isinstance(lease, str):
        w.write(0, f"Lease:\tFailed to get lease: {lease}\n")
    else:
        ls = lease.get("spec") or {}
        w.write(0, "Lease:\n")
        w.write(1, f"HolderIdentity:\t{ls.get('holderIdentity') or '<unset>'}\n")
        w.write(1, f"AcquireTime:\t{rfc1123z(ls['acquireTime']) if ls.get('acquireTime') else '<unset>'}\n")
        w.write(1, f"RenewTime:\t{rfc1123z(ls['renewTime']) if ls.get('renewTime') else '<unset>'}\n")
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \t{rfc1123z(c.get('lastHeartbeatTime'))} \t"
                       f"{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n")
    w.write(0, "Addresses:\n")
    for a in st.get("addresses") or []:
        w.write(1, f"{a.get('type')}:\t{a.get('address')}\n")
    for key, title in (("capacity", "Capacity"), ("allocatable", "Allocatable")):
        if st.get(key):
            w.write(0, f"{title}:\n")
            for name in sorted(st[key]):
                w.write(0, f"  {name}:\t{st[key][name]}\n")
    info = st.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for title, key in (("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
                       ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"),
                       ("Operating System", "operatingSystem"), ("Architecture", "architecture"),
                       ("Container Runtime Version", "containerRuntimeVersion"),
                       ("Kubelet Version", "kubeletVersion")):
        w.write(0, f"  {title}:\t{info.get(key, '')}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    if pods is None:
        w.write(0, "Pods:\tnot authorized\n")
    else:
        _describe_node_resource(pods, node, w, now)
    if events is not None:
        describe_events(events, w, now)
    return w.string()


def find_node_roles(node: dict) -> list[str]:
    """findNodeRoles: `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` value, sorted."""
    roles = set()
    for k, v in (node["metadata"].get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/") and k.removeprefix("node-role.kubernetes.io/"):
            roles.add(k.removeprefix("node-role.kubernetes.io/"))
        elif k == "kubernetes.io/role" and v:
            roles.add(v)
    return sorted(roles)


def pod_requests_and_limits(pod: dict) -> tuple[dict[str, Fraction], dict[str, Fraction], set[str]]:
    """resourcehelper.PodRequests/PodLimits: the containers' sum, at least each init container's, plus overhead;
    the third value names the resources written with binary suffixes (so sums print as `Mi`)."""
    spec = pod.get("spec") or {}
    binary: set[str] = set()
    out = []
    for key in ("requests", "limits"):
        total: dict[str, Fraction] = {}
        for c in spec.get("containers") or []:
            for name, q in ((c.get("resources") or {}).get(key) or {}).items():
                total[name] = total.get(name, Fraction(0)) + parse_quantity(q)
                binary |= {name} if _is_binary(q) else set()
        for c in spec.get("initContainers") or []:
            for name, q in ((c.get("resources") or {}).get(key) or {}).items():
                total[name] = max(total.get(name, Fraction(0)), parse_quantity(q))
        for name, q in (spec.get("overhead") or {}).items():
            total[name] = total.get(name, Fraction(0)) + parse_quantity(q)
        out.append(total)
    return out[0], out[1], binary


def _describe_node_resource(pods: list[dict], node: dict, w: PrefixWriter, now: float) -> None:
    """describeNodeResource: each pod's cpu/memory requests and limits as a share of allocatable, then totals."""
    st = node.get("status") or {}
    alloc = st.get("allocatable") or st.get("capacity") or {}
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")

    def share(value: Fraction, name: str) -> int:
        total = parse_quantity(alloc.get(name, 0))
        scale = 1000 if name == "cpu" else 1
        denom = int(-((-total * scale).numerator // (total * scale).denominator)) if total else 0
        num = int(-((-value * scale).numerator // (value * scale).denominator))
        return int(num / denom * 100) if denom else 0

    totals_req: dict[str, Fraction] = {}
    totals_lim: dict[str, Fraction] = {}
    binary: set[str] = set()
    for pod in pods:
        req, lim, bin_names = pod_requests_and_limits(pod)
        binary |= bin_names
        for src, dst in ((req, totals_req), (lim, totals_lim)):
            for k, v in src.items():
                dst[k] = dst.get(k, Fraction(0)) + v
        cells = []
        for values, name in ((req, "cpu"), (lim, "cpu"), (req, "memory"), (lim, "memory")):
            v = values.get(name, Fraction(0))
            cells.append(f"{quantity_string(v, name in bin_names)} ({share(v, name)}%)")
        w.write(1, f"{pod['metadata'].get('namespace', '')}\t{pod['metadata']['name']}\t\t{cells[0]}\t{cells[1]}\t"
                   f"{cells[2]}\t{cells[3]}\t{since(pod['metadata'].get('creationTimestamp'), now)}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    for name in ("cpu", "memory", "ephemeral-storage"):
        r, lim = totals_req.get(name, Fraction(0)), totals_lim.get(name, Fraction(0))
        w.write(1, f"{name}\t{quantity_string(r, name in binary)} ({share(r, name)}%)\t"
                   f"{quantity_string(lim, name in binary)} ({share(lim, name)}%)\n")
    standard = {"cpu", "memory", "ephemeral-storage", "storage", "pods"}
    for name in sorted(alloc):
        if name.startswith("hugepages-"):
            r, lim = totals_req.get(name, Fraction(0)), totals_lim.get(name, Fraction(0))
            w.write(1, f"{name}\t{quantity_string(r, True)} ({share(r, name)}%)\t"
                       f"{quantity_string(lim, True)} ({share(lim, name)}%)\n")
    for name in sorted(alloc):
        if name not in standard and not name.startswith(("hugepages-", "requests.", "limits.")):
            w.write(1, f"{name}\t{quantity_string(totals_req.get(name, Fraction(0)), False)}\t"
                       f"{quantity_string(totals_lim.get(name, Fraction(0)), False)}\n")


def _is_binary(text: Any) -> bool:
    """Whether a quantity was written with a binary suffix (`64Mi`), so its sums print in binary units too."""
    return isinstance(text, str) and text.endswith("i")


__all__ = ["describe_node", "find_node_roles", "pod_requests_and_limits"]
