"""The ownership graph: Deployment → ReplicaSets → Pods → Nodes, plus PVC → PV and VolumeAttachment → PV, Node,
and Service → EndpointSlices → Pods.

Edges come from metadata.ownerReferences (the links the garbage collector follows), spec.nodeName (the
scheduler's binding), claimName and volumeName, and an EndpointSlice's endpoints[].targetRef (dashed, labelled
with the endpoint's conditions: a reference, not ownership). The `kubernetes` Service of `default` and its
EndpointSlice, which every cluster has, are left out unless `kubernetes_service=True`. Each box shows what a learner should read, the way kubectl shows
it. Graph node ids are `Kind/namespace/name` (`Kind/name` for cluster-scoped kinds), added in sorted order, so
the DOT text is the same on every run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..apiserver.resources import lookup
from ..objects import get_condition
from .render import Graph, dot_label, plural

#: the kinds drawn, in the order they are added to the graph (and counted in the summary)
KINDS = ("Deployment", "ReplicaSet", "Service", "EndpointSlice", "Pod", "PersistentVolumeClaim", "PersistentVolume",
         "VolumeAttachment", "Node")
SUMMARY_WORDS = {"Deployment": "deployment", "ReplicaSet": "replicaset", "Service": "service",
                 "EndpointSlice": "endpointslice", "Pod": "pod",
                 "PersistentVolumeClaim": "pvc", "PersistentVolume": "pv", "VolumeAttachment": "volumeattachment",
                 "Node": "node"}
STYLES: dict[str, dict[str, str]] = {
    "Deployment": {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbe9f6"},
    "ReplicaSet": {"shape": "box", "style": "rounded,filled", "fillcolor": "#e4f1e1"},
    "Service": {"shape": "box", "style": "rounded,filled", "fillcolor": "#d7f0ef"},
    "EndpointSlice": {"shape": "note", "style": "filled", "fillcolor": "#e9f5f4"},
    "Pod": {"shape": "box", "style": "rounded,filled", "fillcolor": "#fdf1d8"},
    "PersistentVolumeClaim": {"shape": "box", "style": "filled", "fillcolor": "#efe3f4"},
    "PersistentVolume": {"shape": "cylinder", "style": "filled", "fillcolor": "#efe3f4"},
    "VolumeAttachment": {"shape": "box", "style": "filled", "fillcolor": "#f4e3ea"},
    "Node": {"shape": "box3d", "style": "filled", "fillcolor": "#eeeeee"},
    "more": {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff"},
}
CHANGED = {"color": "#d62728", "penwidth": "2.5"}
REVISION = "deployment.kubernetes.io/revision"
SERVICE_NAME = "kubernetes.io/service-name"
#: an EndpointSlice → Pod edge (endpoints[].targetRef: a reference, not an owner)
ENDPOINT_EDGE = {"style": "dashed", "color": "#1f9e96", "arrowhead": "open"}


@dataclass
class Item:
    """One object to draw: the object, its resourceVersion as a number, and whether it was deleted since."""

    obj: dict
    rv: int
    deleted: bool = False

    @property
    def kind(self) -> str:
        return self.obj.get("kind", "")

    @property
    def namespace(self) -> str:
        return self.obj.get("metadata", {}).get("namespace", "")

    @property
    def name(self) -> str:
        return self.obj.get("metadata", {}).get("name", "")

    @property
    def id(self) -> str:
        return node_id(self.obj)


def node_id(obj: dict) -> str:
    """The graph node id of an object: `Kind/namespace/name`, or `Kind/name` when it has no namespace."""
    m = obj.get("metadata", {})
    ns = m.get("namespace")
    return f"{obj.get('kind', '')}/{ns}/{m.get('name', '')}" if ns else f"{obj.get('kind', '')}/{m.get('name', '')}"


def parse_node_id(ident: str) -> tuple[str, str, str]:
    """(kind, namespace, name) of a graph node id (namespace "" for cluster-scoped kinds)."""
    parts = ident.split("/", 2)
    return (parts[0], "", parts[1]) if len(parts) == 2 else (parts[0], parts[1], parts[2])


# --- reading the source -------------------------------------------------------------------------------------------

def _items_from_cluster(cluster: Any, namespace: str | None) -> list[Item]:
    """The drawn kinds straight from the store (read-only values, no copies: this runs on every Stepper click)."""
    out = []
    for kind in KINDS:
        res = lookup(kind)
        prefix = f"{res.prefix}{namespace}/" if res.namespaced and namespace else res.prefix
        for kv in cluster.etcd.range(prefix):
            obj = kv.value if kv.value.get("kind") else {**kv.value, "kind": kind}
            out.append(Item(obj, kv.mod_revision))
    return out


def _items_from_objects(source: Any, namespace: str | None) -> list[Item]:
    """Objects from a list (or a List dict, or one object), e.g. `kubectl get deploy,rs,pods,nodes -o json`."""
    objs = source.get("items", [source]) if isinstance(source, dict) else list(source)
    out = []
    for obj in objs:
        if not isinstance(obj, dict) or obj.get("kind") not in KINDS:
            continue
        res = lookup(obj["kind"])
        if res.namespaced and namespace and obj.get("metadata", {}).get("namespace", "default") != namespace:
            continue
        try:
            rv = int(obj.get("metadata", {}).get("resourceVersion") or 0)
        except ValueError:
            rv = 0
        out.append(Item(obj, rv))
    return out


def _deleted_since(cluster: Any, since: int, namespace: str | None, present: set[str]) -> list[Item]:
    """Objects of the drawn kinds deleted after revision `since` (from the store's history), last state kept."""
    gone: dict[str, Item] = {}
    for kind in KINDS:
        res = lookup(kind)
        prefix = f"{res.prefix}{namespace}/" if res.namespaced and namespace else res.prefix
        for ev in cluster.etcd.events(since, prefix):
            if ev.type != "DELETED" or ev.prev is None:
                continue
            obj = ev.prev.value if ev.prev.value.get("kind") else {**ev.prev.value, "kind": kind}
            item = Item(obj, ev.revision, deleted=True)
            if item.id not in present:
                gone[item.id] = item
    return list(gone.values())


# --- labels -------------------------------------------------------------------------------------------------------

def pod_status_text(pod: dict) -> str:
    """The STATUS column of `kubectl get pods` (Running, ContainerCreating, CrashLoopBackOff, Terminating, …)."""
    from ..kubectl.printers import pod_status

    return pod_status(pod)[1]


def node_status_text(node: dict) -> str:
    """Ready, NotReady or Unknown, plus `cordoned` when spec.unschedulable is set."""
    ready = get_condition(node, "Ready")
    text = "Ready" if ready and ready.get("status") == "True" else "NotReady" if ready else "Unknown"
    if node.get("spec", {}).get("unschedulable"):
        text += ", cordoned"
    return text


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


def label(obj: dict) -> str:
    """The lines a learner reads in an object's box, per kind."""
    kind, m = obj.get("kind", ""), obj.get("metadata", {})
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    name = m.get("name", "")
    ann = m.get("annotations") or {}
    if kind == "Deployment":
        return dot_label(f"Deployment {name}",
                         f"replicas {spec.get('replicas', 1)}, updated {status.get('updatedReplicas', 0)}, "
                         f"ready {status.get('readyReplicas', 0)}, available {status.get('availableReplicas', 0)}",
                         f"revision {ann.get(REVISION, '-')}")
    if kind == "ReplicaSet":
        labels = m.get("labels") or {}
        return dot_label(f"ReplicaSet {name}", f"pod-template-hash {labels.get('pod-template-hash', '-')}",
                         f"revision {ann.get(REVISION, '-')}",
                         f"replicas {spec.get('replicas', 1)}, current {status.get('replicas', 0)}, "
                         f"ready {status.get('readyReplicas', 0)}")
    if kind == "Pod":
        ip = status.get("podIP")
        return dot_label(f"Pod {name}", pod_status_text(obj), f"IP {ip}" if ip else "no IP yet")
    if kind == "Node":
        return dot_label(f"Node {name}", node_status_text(obj), f"podCIDR {spec.get('podCIDR', '-')}")
    if kind == "Service":
        ports = ", ".join(f"{p.get('port')}→{p.get('targetPort', p.get('port'))}/{p.get('protocol', 'TCP')}"
                          for p in spec.get("ports") or []) or "no ports"
        selector = ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items())) or "no selector"
        return dot_label(f"Service {name}", f"{spec.get('type', 'ClusterIP')} {spec.get('clusterIP', '-')}", ports,
                         selector)
    if kind == "EndpointSlice":
        endpoints = obj.get("endpoints") or []
        counts = Counter(c for ep in endpoints for c in ("ready", "serving", "terminating")
                         if (ep.get("conditions") or {}).get(c))
        ports = ", ".join(f"{p.get('port', '*')}/{p.get('protocol', 'TCP')}" for p in obj.get("ports") or [])
        return dot_label(f"EndpointSlice {_short(name)}", plural(len(endpoints), "endpoint") + ": " +
                         ", ".join(f"{counts[c]} {c}" for c in ("ready", "serving", "terminating")),
                         f"ports {ports or '<unset>'}")
    if kind == "PersistentVolumeClaim":
        size = (spec.get("resources") or {}).get("requests", {}).get("storage", "-")
        return dot_label(f"PVC {name}", status.get("phase", "Pending"), f"requests {size}")
    if kind == "PersistentVolume":
        size = (spec.get("capacity") or {}).get("storage", "-")
        return dot_label(f"PV {_short(name)}", status.get("phase", "Pending"), f"capacity {size}")
    if kind == "VolumeAttachment":
        return dot_label(f"VolumeAttachment {_short(name, 16)}", f"attached {str(status.get('attached', False)).lower()}")
    return dot_label(f"{kind} {name}")


# --- the graph ----------------------------------------------------------------------------------------------------

def _kind_rank(item: Item) -> tuple[int, str]:
    return KINDS.index(item.kind), item.id


def _fold_pods(pods: list[Item], owner_of: dict[str, str], max_pods: int) -> tuple[list[Item], dict[str, list[Item]]]:
    """Shown pods and, per owner id, the pods folded into its `+N more` box (fair shares, round robin)."""
    if len(pods) <= max_pods:
        return pods, {}
    groups: dict[str, list[Item]] = {}
    for p in sorted(pods, key=lambda p: (p.deleted, p.name)):
        groups.setdefault(owner_of.get(p.id, ""), []).append(p)
    quota = dict.fromkeys(groups, 0)
    left = max(max_pods, 0)
    while left > 0:
        grew = False
        for owner in sorted(groups):
            if left > 0 and quota[owner] < len(groups[owner]):
                quota[owner] += 1
                left -= 1
                grew = True
        if not grew:
            break
    shown = [p for owner in sorted(groups) for p in groups[owner][:quota[owner]]]
    folded = {owner: groups[owner][quota[owner]:] for owner in sorted(groups) if len(groups[owner]) > quota[owner]}
    return shown, folded


def ownership_graph(source: Any, since: int | None = None, max_pods: int = 12, namespace: str | None = "default",
                    max_nodes: int = 12, kubernetes_service: bool = False) -> Graph:
    """Deployment → ReplicaSets → Pods → Nodes (and volumes, and Service → EndpointSlices → Pods) of a Cluster or a
    list of objects, as a Digraph.

    `since` (an etcd revision) outlines objects written after it in red, and, for a Cluster, draws the objects
    deleted after it dashed. Past `max_pods` pods, each owner's extra pods fold into one `+N more` box; past
    `max_nodes` nodes, only the nodes that drawn pods run on are shown. `kubernetes_service=True` draws the
    `kubernetes` Service of `default` and its EndpointSlice too.
    """
    is_cluster = hasattr(source, "etcd")
    items = _items_from_cluster(source, namespace) if is_cluster else _items_from_objects(source, namespace)
    items = [it for it in items if kubernetes_service or not _is_kubernetes_service(it.obj)]
    present = {it.id for it in items}
    deleted = _deleted_since(source, since, namespace, present) if is_cluster and since is not None else []
    deleted = [it for it in deleted if kubernetes_service or not _is_kubernetes_service(it.obj)]
    everything = sorted(items + deleted, key=_kind_rank)
    by_uid = {it.obj["metadata"]["uid"]: it.id for it in everything if it.obj.get("metadata", {}).get("uid")}
    by_name = {(it.kind, it.namespace, it.name): it.id for it in everything}

    def owners(it: Item) -> list[tuple[str, bool]]:
        out = []
        for ref in it.obj.get("metadata", {}).get("ownerReferences") or []:
            target = by_uid.get(ref.get("uid", "")) or by_name.get((ref.get("kind"), it.namespace, ref.get("name")))
            if target:
                out.append((target, bool(ref.get("controller"))))
        return out

    owner_of = {it.id: next((t for t, ctl in owners(it) if ctl), "") for it in everything if it.kind == "Pod"}
    pods = [it for it in everything if it.kind == "Pod"]
    shown_pods, folded = _fold_pods(pods, owner_of, max_pods)
    shown_ids = {p.id for p in shown_pods}
    drawn = [it for it in everything if it.kind != "Pod" or it.id in shown_ids]

    nodes = [it for it in drawn if it.kind == "Node"]
    hidden_nodes: list[Item] = []
    if len(nodes) > max_nodes:
        used = {it.obj.get("spec", {}).get("nodeName") for it in drawn if it.kind in ("Pod", "VolumeAttachment")}
        used |= {p.obj.get("spec", {}).get("nodeName") for group in folded.values() for p in group}
        hidden_nodes = [n for n in nodes if n.name not in used]
        hidden = {n.id for n in hidden_nodes}
        drawn = [it for it in drawn if it.id not in hidden]
    node_ids = {it.name: it.id for it in drawn if it.kind == "Node"}
    ids = {it.id for it in drawn}

    g = Graph("ownership", graph_attr={"rankdir": "LR", "nodesep": "0.25", "ranksep": "0.6"},
              node_attr={"fontname": "Helvetica", "fontsize": "10"},
              edge_attr={"fontname": "Helvetica", "fontsize": "9", "color": "#555555"})
    fold_ids = {owner: "+more/{1}/{2}".format(*parse_node_id(owner)) if owner else "+more/-/no-owner"
                for owner in folded}
    folds_added = False
    for it in drawn:
        if not folds_added and KINDS.index(it.kind) >= KINDS.index("Pod"):
            folds_added = True      # the `+N more` boxes go first among the pods, in sorted order
            for owner in sorted(folded):
                _fold_node(g, fold_ids[owner], folded[owner], since)
        attrs = dict(STYLES[it.kind])
        if it.deleted:
            attrs.update(style=attrs["style"].replace("filled", "dashed"), fontcolor="#777777", color="#777777")
        elif since is not None and it.rv > since:
            attrs.update(CHANGED)
        text = label(it.obj) + (dot_label("", f"deleted at rev {it.rv}") if it.deleted else "")
        g.node(it.id, text, **attrs)
    if not folds_added:
        for owner in sorted(folded):
            _fold_node(g, fold_ids[owner], folded[owner], since)
    if hidden_nodes:
        g.node("+more/nodes", dot_label(f"+{len(hidden_nodes)} more nodes", "no drawn pod runs on them"),
               **STYLES["more"])

    edges: list[tuple[str, str, dict[str, str]]] = []
    for it in drawn:
        style = {"style": "dashed"} if it.deleted else {}
        for target, controller in owners(it):
            if target in ids:
                edges.append((target, it.id, style if controller else {**style, "style": "dotted"}))
        spec = it.obj.get("spec") or {}
        if it.kind in ("Pod", "VolumeAttachment") and spec.get("nodeName") in node_ids:
            edges.append((it.id, node_ids[spec["nodeName"]], {**style, "color": "#999999", "arrowhead": "vee"}))
        if it.kind == "Pod":
            for vol in spec.get("volumes") or []:
                claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
                target = by_name.get(("PersistentVolumeClaim", it.namespace, claim))
                if target in ids:
                    edges.append((it.id, target, style))
        if it.kind == "PersistentVolumeClaim" and spec.get("volumeName"):
            target = by_name.get(("PersistentVolume", "", spec["volumeName"]))
            if target in ids:
                edges.append((it.id, target, style))
        if it.kind == "VolumeAttachment":
            target = by_name.get(("PersistentVolume", "", (spec.get("source") or {}).get("persistentVolumeName")))
            if target in ids:
                edges.append((it.id, target, style))
        if it.kind == "EndpointSlice":
            edges.extend(_endpoint_edges(it, by_uid, by_name, ids, fold_ids, owner_of, style))
    for owner, group in folded.items():
        if owner in ids:
            edges.append((owner, fold_ids[owner], {}))
        per_node = Counter(p.obj.get("spec", {}).get("nodeName") for p in group if not p.deleted)
        for node in sorted(n for n in per_node if n in node_ids):
            edges.append((fold_ids[owner], node_ids[node], {"color": "#999999", "arrowhead": "vee",
                                                             "label": f"×{per_node[node]}"}))
    for tail, head, attrs in sorted(edges, key=lambda e: (e[0], e[1])):
        g.edge(tail, head, **attrs)

    changed = sum(1 for it in items if since is not None and it.rv > since)
    g.set_summary(_summary(items, since, changed, len(deleted), sum(len(v) for v in folded.values())))
    return g


def _is_kubernetes_service(obj: dict) -> bool:
    """The `kubernetes` Service of `default` or its EndpointSlice (the API server's own, in every cluster)."""
    m = obj.get("metadata") or {}
    if m.get("namespace") != "default":
        return False
    if obj.get("kind") == "Service":
        return m.get("name") == "kubernetes"
    return obj.get("kind") == "EndpointSlice" and (m.get("labels") or {}).get(SERVICE_NAME) == "kubernetes"


def endpoint_conditions(endpoint: dict) -> str:
    """An endpoint's conditions as an edge label: those that are true (`ready, serving`), or `not ready`."""
    conditions = endpoint.get("conditions") or {}
    return ", ".join(c for c in ("ready", "serving", "terminating") if conditions.get(c)) or "not ready"


def _endpoint_edges(it: Item, by_uid: dict[str, str], by_name: dict[tuple[str, str, str], str], ids: set[str],
                    fold_ids: dict[str, str], owner_of: dict[str, str], style: dict[str, str]
                    ) -> list[tuple[str, str, dict[str, str]]]:
    """EndpointSlice → Pod edges from endpoints[].targetRef; a pod folded into a `+N more` box counts on its box."""
    out, folded = [], Counter()
    for ep in it.obj.get("endpoints") or []:
        ref = ep.get("targetRef") or {}
        if ref.get("kind") != "Pod":
            continue
        target = by_uid.get(ref.get("uid", "")) or by_name.get(("Pod", ref.get("namespace") or it.namespace,
                                                                ref.get("name")))
        if target in ids:
            out.append((it.id, target, {**ENDPOINT_EDGE, **style, "label": endpoint_conditions(ep)}))
        elif target and owner_of.get(target, "") in fold_ids:
            folded[fold_ids[owner_of[target]]] += 1
    out.extend((it.id, box, {**ENDPOINT_EDGE, **style, "label": f"×{n}"}) for box, n in sorted(folded.items()))
    return out


def _fold_node(g: Graph, ident: str, group: list[Item], since: int | None) -> None:
    live = [p for p in group if not p.deleted]
    statuses = Counter(pod_status_text(p.obj) for p in live)
    lines = [f"+{len(live)} more pods" if live else f"+{len(group)} deleted pods"]
    if statuses:
        lines.append(", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    if len(group) > len(live) and live:
        lines.append(f"{len(group) - len(live)} deleted")
    attrs = dict(STYLES["more"])
    if since is not None and any(p.rv > since for p in group):
        attrs.update(CHANGED)
    g.node(ident, dot_label(*lines), **attrs)


def _summary(items: list[Item], since: int | None, changed: int, deleted: int, folded: int) -> str:
    counts = Counter(it.kind for it in items)
    parts = []
    for kind in KINDS:
        if counts[kind] or kind in ("Deployment", "ReplicaSet", "Pod", "Node"):
            text = plural(counts[kind], SUMMARY_WORDS[kind])
            if kind == "Pod" and counts[kind]:
                statuses = Counter(pod_status_text(it.obj) for it in items if it.kind == "Pod")
                text += " (" + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + ")"
            parts.append(text)
    out = ", ".join(parts)
    if since is not None:
        out += f"; {changed} changed" + (f", {deleted} deleted" if deleted else "") + f" since rev {since}"
    if folded:
        out += f"; {folded} pods folded"
    return out
