"""kubectl describe (staging/src/k8s.io/kubectl/pkg/cmd/describe, pkg/describe/describe.go): the command, the
lookups each describer needs, and the generic describer for kinds without their own.

The describers themselves live beside this module: describe_pod.py, describe_apps.py, describe_node.py and the RBAC
ones in rbac.py, all writing through describe_writer.py.
"""

from __future__ import annotations

import re
from typing import Any

from ..apiserver import APIError
from ..apiserver.resources import Resource
from ..objects import parse_selector
from ..pods import is_terminal
from .builder import targets
from .context import Context, server_error
from .describe_apps import describe_deployment, describe_replicaset
from .describe_node import describe_node
from .describe_pod import describe_pod
from .describe_writer import PrefixWriter, describe_events, print_annotations_multiline, print_labels_multiline
from .manifests import KubectlError
from .rbac import DESCRIBERS
from .rollout import get_all_replica_sets
from .services import describe_endpoint_slice, describe_endpoints, describe_service


def search_events(ctx: Context, obj: dict, kind: str | None, uids: tuple[str, ...] = ()) -> list[dict]:
    """searchEvents: the Events whose involvedObject is this object (kubectl sends the match as a field selector;
    the simulated API server has none, so the list is filtered here, on the client side)."""
    m = obj["metadata"]
    ns = m.get("namespace", "")
    wanted = uids or (m.get("uid"),)
    out = []
    for e in ctx.client.list("events", ns)["items"]:
        io = e.get("involvedObject") or {}
        if io.get("name") != m["name"] or io.get("namespace", "") != ns or io.get("uid") not in wanted:
            continue
        if kind and io.get("kind") != kind:
            continue
        out.append(e)
    return out


def describe_generic(obj: dict, events: list[dict] | None, now: float) -> str:
    """genericDescriber: name, namespace, labels, annotations, then every other field with smart labels."""
    w = PrefixWriter()
    m = obj.get("metadata") or {}
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    _print_unstructured(w, 0, obj, "", (".metadata.managedFields", ".metadata.name", ".metadata.namespace",
                                        ".metadata.labels", ".metadata.annotations"))
    if events is not None:
        describe_events(events, w, now)
    return w.string()


def describe_priorityclass(pc: dict, events: list[dict] | None, now: float) -> str:
    """describePriorityClass: value, global default, preemption policy, description, annotations (FormatLabels)."""
    w = PrefixWriter()
    annotations = (pc.get("metadata") or {}).get("annotations") or {}
    w.write(0, f"Name:\t{pc['metadata']['name']}\n")
    w.write(0, f"Value:\t{pc.get('value', 0)}\n")
    w.write(0, f"GlobalDefault:\t{str(bool(pc.get('globalDefault'))).lower()}\n")
    w.write(0, f"PreemptionPolicy:\t{pc.get('preemptionPolicy') or ''}\n")
    w.write(0, f"Description:\t{pc.get('description') or ''}\n")
    w.write(0, "Annotations:\t" + (",".join(f"{k}={v}" for k, v in sorted(annotations.items())) or "<none>") + "\n")
    if events is not None:
        describe_events(events, w, now)
    return w.string()


def _print_unstructured(w: PrefixWriter, level: int, content: dict, prefix: str, skip: tuple[str, ...]) -> None:
    """printUnstructuredContent: fields sorted, maps and lists nested one level deeper."""
    for field in sorted(content):
        value, path = content[field], f"{prefix}.{field}"
        if path in skip:
            continue
        if isinstance(value, dict):
            w.write(level, f"{smart_label(field)}:\n")
            _print_unstructured(w, level + 1, value, path, skip)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    _print_unstructured(w, level + 1, child, path, skip)
                else:
                    w.write(level + 1, f"{_go_value(child)}\n")
        else:
            w.write(level, f"{smart_label(field)}:\t{_go_value(value)}\n")


def _go_value(value: Any) -> str:
    """Go's %v of a JSON scalar: `true`, `<nil>`, numbers and strings as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "<nil>" if value is None else str(value)


def smart_label(field: str) -> str:
    """smartLabelFor: `creationTimestamp` → `Creation Timestamp`, `uid` → `UID`, `apiVersion` → `API Version`."""
    if re.search(r"[^A-Za-z-]", field):
        return field
    parts = re.findall(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+|[A-Z]+|-", field)
    out = []
    for part in parts:
        if part.upper() in ("API", "URL", "UID", "GUID"):
            out.append(part.upper())
        elif part.islower():
            out.append(part.title())
        else:
            out.append(part)
    return " ".join(out)


# --- the command --------------------------------------------------------------------------------------------------

def describe(ctx: Context) -> int:
    """kubectl describe TYPE [NAME_PREFIX] | TYPE/NAME …: describers joined by blank lines; a name that is not
    found falls back to every object whose name starts with it (DescribeMatchingResources)."""
    words = ctx.args.words[1:]
    if not words:
        raise KubectlError('You must specify the type of resource to describe. Use "kubectl api-resources" for a '
                           "complete list of supported resources.")
    all_ns = bool(ctx.args.get("all-namespaces"))
    selector = ctx.args.get("selector")
    found: list[tuple[Resource, dict]] = []
    failed = False
    for res, names in targets(ctx, words):
        ns = ("" if all_ns else ctx.namespace) if res.namespaced else ""
        if not names:
            params = {"labelSelector": parse_selector(selector)} if selector else {}
            items = ctx.client.list(res.resource, ns, **params)["items"]
            if not items:
                where = f" in {ctx.namespace} namespace" if res.namespaced and not all_ns else ""
                ctx.error(f"No resources found{where}.")
            found.extend((res, o) for o in items)
            continue
        for name in names:
            try:
                found.append((res, ctx.client.get(res.resource, ctx.namespace if res.namespaced else "", name)))
            except APIError as e:
                matches = []
                if e.code == 404 and len(words) == 2 and "/" not in words[0]:
                    matches = [o for o in ctx.client.list(res.resource, ctx.namespace if res.namespaced else "")
                               ["items"] if o["metadata"]["name"].startswith(name)]
                if not matches:
                    ctx.error(server_error(e))
                    failed = True
                found.extend((res, o) for o in matches)
    texts = [describe_object(ctx, res, obj) for res, obj in found]
    if texts:
        ctx.out.append("\n\n".join(texts))
    return 1 if failed else 0


def describe_object(ctx: Context, res: Resource, obj: dict) -> str:
    """Fetch what one describer needs (events, owned pods, ReplicaSets, the node's pods and lease) and describe."""
    now = ctx.now
    show_events = str(ctx.args.get("show-events", "true")).lower() != "false"
    kind = res.kind

    def events(k: str | None, uids: tuple[str, ...] = ()) -> list[dict] | None:
        return search_events(ctx, obj, k, uids) if show_events else None

    if kind == "Pod":
        return describe_pod(obj, events(None), now)
    if kind == "ReplicaSet":
        params = {"labelSelector": obj["spec"]["selector"]} if obj["spec"].get("selector") else {}
        pods = ctx.client.list("pods", obj["metadata"]["namespace"], **params)["items"]
        return describe_replicaset(obj, pods, events(kind), now)
    if kind == "Deployment":
        evs = events(kind)
        old, new = get_all_replica_sets(ctx, obj)
        return describe_deployment(obj, old, [new] if new else [], evs, now)
    if kind == "Node":
        name = obj["metadata"]["name"]
        pods = [p for p in ctx.client.list("pods", "", nodeName=name)["items"] if not is_terminal(p)]
        evs = events(kind, (obj["metadata"].get("uid", ""), name))
        try:
            lease: dict | str = ctx.client.get("leases", "kube-node-lease", name)
        except APIError as e:
            lease = e.message
        return describe_node(obj, pods, lease, evs, now)
    if kind == "PriorityClass":
        return describe_priorityclass(obj, events(kind), now)
    if kind == "Service":                     # its Endpoints lines come from the Service's EndpointSlices
        owned = {"matchLabels": {"kubernetes.io/service-name": obj["metadata"]["name"]}}
        slices = ctx.client.list("endpointslices", obj["metadata"]["namespace"], labelSelector=owned)["items"]
        return describe_service(obj, slices, events(kind), now)
    if kind in ("EndpointSlice", "Endpoints"):
        fn = describe_endpoint_slice if kind == "EndpointSlice" else describe_endpoints
        return fn(obj, events(kind), now)
    if kind in DESCRIBERS:                    # the RBAC describers show no events
        return DESCRIBERS[kind](obj)
    return describe_generic(obj, events(kind), now)


__all__ = ["describe", "describe_generic", "describe_object", "search_events", "smart_label"]
