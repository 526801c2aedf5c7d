"""kubectl expose and kubectl create service: the Service objects kubectl builds, sent as one POST each
(staging/src/k8s.io/kubectl/pkg/cmd/expose/expose.go, pkg/polymorphichelpers (canbeexposed.go,
mapbasedselectorforobject.go, portsforobject.go, multiprotocolsforobject.go), pkg/cmd/create/create_service.go).
"""

from __future__ import annotations

import re

from ..apiserver import APIError
from ..apiserver.resources import BY_RESOURCE, lookup
from ..apiserver.validation import is_dns1123_subdomain, is_port_name, port_range
from ..objects import deep_copy
from . import printers
from .context import Context, dry_run
from .manifests import KubectlError
from .run import parse_labels

EXPOSABLE = ("Pod", "Service", "ReplicationController", "Deployment", "ReplicaSet")
GROUP_KIND = {"Pod": "Pod", "Service": "Service", "Deployment": "Deployment.apps", "ReplicaSet": "ReplicaSet.apps"}


def _go_exprs(exprs: list[dict]) -> str:
    """`%+v` of []LabelSelectorRequirement: `[{Key:app Operator:In Values:[a b]}]`."""
    return "[" + " ".join(f"{{Key:{e.get('key', '')} Operator:{e.get('operator', '')} "
                          f"Values:[{' '.join(e.get('values') or [])}]}}" for e in exprs) + "]"


def selector_for(obj: dict) -> dict:
    """mapBasedSelectorForObject, as a map."""
    kind, spec = obj["kind"], obj.get("spec") or {}
    if kind == "Pod":
        if not obj["metadata"].get("labels"):
            raise ValueError("the pod has no labels and cannot be exposed")
        return dict(obj["metadata"]["labels"])
    if kind == "Service":
        if not spec.get("selector"):
            raise ValueError("the service has no pod selector set")
        return dict(spec["selector"])
    sel = spec.get("selector")
    what = "deployment" if kind == "Deployment" else "replicaset"
    if sel is None:
        raise ValueError(f"invalid {what}: no selectors, therefore cannot be exposed")
    if sel.get("matchExpressions"):
        raise ValueError(f'couldn\'t convert expressions - "{_go_exprs(sel["matchExpressions"])}" to map-based '
                         "selector format")
    return dict(sel.get("matchLabels") or {})


def _pod_spec(obj: dict) -> dict:
    spec = obj.get("spec") or {}
    return spec if obj["kind"] == "Pod" else (spec.get("template") or {}).get("spec") or {}


def ports_for(obj: dict) -> list[tuple[str, str]]:
    """portsForObject with multiProtocolsForObject: (port, protocol) of each container port (or Service port)."""
    if obj["kind"] == "Service":
        return [(str(p.get("port")), p.get("protocol") or "TCP") for p in (obj.get("spec") or {}).get("ports") or []]
    return [(str(p.get("containerPort")), p.get("protocol") or "TCP")
            for c in _pod_spec(obj).get("containers") or [] for p in c.get("ports") or []]


def _target(text: str) -> int | str:
    """intstr.Parse."""
    try:
        return int(text)
    except ValueError:
        return text


def build_exposed(ctx: Context, obj: dict) -> dict:
    """RunExpose for one object, then createService: selector, ports, labels, name, the pass-through flags."""
    if obj["kind"] not in EXPOSABLE:
        group = lookup(obj["kind"])
        raise KubectlError(f"cannot expose a {obj['kind']}" + (f".{group.group}" if group and group.group else ""))
    args = ctx.args
    selector = args.get("selector")
    if not selector:
        try:
            sel = selector_for(obj)
        except ValueError as err:
            raise KubectlError(f"couldn't retrieve selectors via --selector flag or introspection: {err}") from None
    else:
        sel = parse_labels(str(selector))
    headless = args.get("cluster-ip") == "None"
    port_text = str(args.get("port") or "")
    found = ports_for(obj)
    protocols: dict[str, list[str]] = {}
    for p, proto in found:
        protocols.setdefault(p, []).append(proto)
    if not port_text:
        if not found and not headless:
            raise KubectlError("couldn't find port via --port flag or introspection")
        port_text = ",".join(p for p, _ in found)
    labels = parse_labels(str(args.get("labels"))) if args.get("labels") else dict(obj["metadata"].get("labels") or {})
    if not sel:
        raise KubectlError("selector must be specified")
    name = str(args.get("name") or obj["metadata"]["name"][:63])
    ports: list[dict] = []
    pieces = port_text.split(",") if port_text else []
    for i, piece in enumerate(pieces):
        try:
            number = int(piece)
        except ValueError:
            raise KubectlError(f'strconv.Atoi: parsing "{piece}": invalid syntax') from None
        pname = f"port-{i + 1}" if len(pieces) > 1 else ""
        protocol = str(args.get("protocol") or "")
        if not protocol:
            protocol = "TCP"
            found_protos = protocols.get(piece, [])
            if len(found_protos) == 1:
                protocol = found_protos[0]
            elif len(found_protos) > 1:
                ports += [{"name": f"port-{i + 1}-{p.lower()}", "port": number, "protocol": p} for p in found_protos]
                continue
        ports.append({**({"name": pname} if pname else {}), "port": number, "protocol": protocol})
    target = args.get("target-port")
    for p in ports:
        p["targetPort"] = _target(str(target)) if target else p["port"]
    spec: dict = {"ports": ports, "selector": sel}
    if args.get("external-ip"):
        spec["externalIPs"] = [str(args.get("external-ip"))]
    if args.get("type"):
        spec["type"] = str(args.get("type"))
    if spec.get("type") == "LoadBalancer" and args.get("load-balancer-ip"):
        spec["loadBalancerIP"] = str(args.get("load-balancer-ip"))
    affinity = args.get("session-affinity")
    if affinity:
        if affinity not in ("None", "ClientIP"):
            raise KubectlError(f"unknown session affinity: {affinity}")
        spec["sessionAffinity"] = affinity
    if args.get("cluster-ip"):
        spec["clusterIP"] = str(args.get("cluster-ip"))
    meta: dict = {"name": name, **({"labels": labels} if labels else {})}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec, "status": {"loadBalancer": {}}}


def _send(ctx: Context, obj: dict, verb: str, wrap: str = "") -> int:
    """Create unless --dry-run=client, then print `service/<name> <verb>` or the -o form."""
    res = BY_RESOURCE["services"]
    dry, output = dry_run(ctx), ctx.args.get("output", "")
    if ctx.args.get("namespace") and dry == "client":
        obj["metadata"]["namespace"] = ctx.namespace
    if dry != "client":
        try:
            obj = ctx.client.request("create", res, ctx.namespace, body=deep_copy(obj),
                                     fieldManager=ctx.args.get("field-manager") or f"kubectl-{verb.split()[0]}",
                                     dryRun="All" if dry == "server" else None)
        except APIError as e:
            if not wrap:
                raise
            raise KubectlError(f"{wrap}: {e.message}") from None
    if output in ("yaml", "json"):
        return printers.print_created(ctx, "service", obj, output, dry)
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry, "")
    ctx.print(f"service/{obj['metadata']['name']}" + ("" if output == "name" else f" {verb}{suffix}"))
    return 0


def expose(ctx: Context) -> int:
    """kubectl expose (deployment|replicaset|pod|service) NAME [--port=…] [--target-port=…] [--name=…] …"""
    words = ctx.args.words[1:]
    if not words:
        raise KubectlError("You must provide one or more resources by argument or filename.\nExample resource "
                           "specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> "
                           "<name>'\n   '<resource>'")
    if "/" in words[0]:
        kind_word, _, name = words[0].partition("/")
    elif len(words) >= 2:
        kind_word, name = words[0], words[1]
    else:
        raise KubectlError("resource(s) were provided, but no name was specified")
    res = lookup(kind_word)
    if res is None:
        raise KubectlError(f'the server doesn\'t have a resource type "{kind_word}"')
    obj = ctx.client.get(res.resource, ctx.namespace if res.namespaced else "", name)
    obj.setdefault("kind", res.kind)
    return _send(ctx, build_exposed(ctx, obj), "exposed")


def _parse_ports(text: str) -> tuple[int, int | str]:
    """create_service.go parsePorts: `port[:targetPort]`."""
    first, *rest = text.split(":")
    if not re.fullmatch(r"\d+", first) or int(first) > 65535:
        why = "invalid syntax" if not re.fullmatch(r"\d+", first) else "value out of range"
        raise KubectlError(f'strconv.ParseUint: parsing "{first}": {why}')
    port = int(first)
    if not rest:
        return port, port
    target = rest[0]
    if re.fullmatch(r"[+-]?\d+", target):
        errs = port_range(int(target))
        if errs:
            raise KubectlError(",".join(errs))
        return port, int(target)
    errs = is_port_name(target)
    if errs:
        raise KubectlError(",".join(errs))
    return port, target


def create_service(ctx: Context) -> int:
    """kubectl create service clusterip|nodeport NAME --tcp=port:targetPort [--clusterip=…] [--node-port=…]."""
    words = ctx.args.words
    sub = words[2] if len(words) > 2 else ""
    types = {"clusterip": "ClusterIP", "nodeport": "NodePort", "loadbalancer": "LoadBalancer",
             "externalname": "ExternalName"}
    if sub not in types:
        raise KubectlError(f'unknown command "{sub}" for "kubectl create service"' if sub else
                           "Create a service using a specified subcommand.")
    count = len(words) - 3 if ctx.args.dash < 0 else ctx.args.dash - 3
    if count != 1:
        raise KubectlError(f"exactly one NAME is required, got {count}\n"
                           f"See 'kubectl create service {sub} -h' for help and examples")
    name, stype = words[3], types[sub]
    cluster_ip = str(ctx.args.get("clusterip") or "")
    tcp = ctx.args.slice("tcp")
    external = str(ctx.args.get("external-name") or "")
    if cluster_ip == "None" and stype != "ClusterIP":
        raise KubectlError("ClusterIP=None can only be used with ClusterIP service type")
    if cluster_ip != "None" and not tcp and stype != "ExternalName":
        raise KubectlError("at least one tcp port specifier must be provided")
    if stype == "ExternalName" and is_dns1123_subdomain(external):
        raise KubectlError(f"invalid service external name {external}")
    node_port = int(ctx.args.get("node-port") or 0)
    ports = []
    for item in tcp:
        port, target = _parse_ports(item)
        ports.append({"name": item.replace(":", "-"), "port": port, "protocol": "TCP", "targetPort": target,
                      **({"nodePort": node_port} if node_port else {})})
    spec: dict = {"ports": ports, "selector": {"app": name}, "type": stype}
    if external:
        spec["externalName"] = external
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
    obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {"app": name}},
           "spec": spec, "status": {"loadBalancer": {}}}
    return _send(ctx, obj, "created", wrap=f"failed to create {stype} service")
