"""Field sets as server-side apply keeps them (sigs.k8s.io/structured-merge-diff v6 fieldpath and typed): paths of
path elements (`f:name`, `k:{"name":"nginx"}`, `v:"x"`), a set as the FieldsV1 tree itself, the field set of an
applied configuration (typed.ToFieldSet), and the comparison of two objects (typed.Compare: added, modified,
removed) that an Update hands to the managers.

Schema knowledge (list types and keys, atomic structs and maps) comes from the v1.35 Go types' `+listType`,
`+listMapKey` and `+structType`/`+mapType` markers, by field name and parent (k8s.io/api core/v1, apps/v1, rbac/v1).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

#: a field absent from an object (distinct from a present null)
MISSING: Any = object()

#: associative lists (`+listType=map`) by field name, with their `+listMapKey`s
KEYED = {"containers": ("name",), "initContainers": ("name",), "ephemeralContainers": ("name",),
         "volumes": ("name",), "env": ("name",), "volumeMounts": ("mountPath",), "volumeDevices": ("devicePath",),
         "conditions": ("type",), "ownerReferences": ("uid",), "hostAliases": ("ip",), "podIPs": ("ip",),
         "topologySpreadConstraints": ("topologyKey", "whenUnsatisfiable"), "schedulingGates": ("name",),
         "resourceClaims": ("name",), "claims": ("name",), "resourceClaimStatuses": ("name",),
         "allocatedResourcesStatus": ("name",)}

#: key fields with a `+default` (ContainerPort.protocol, ServicePort.protocol): used when an item omits them
KEY_DEFAULTS = {"protocol": "TCP"}

#: structs and maps that are atomic (`+structType=atomic`, `+mapType=atomic`): LabelSelector, the key and field
#: selectors, NodeSelector, ObjectReference, TypedLocalObjectReference, a Service's and a PodSpec's selectors
ATOMIC = frozenset({"selector", "nodeSelector", "labelSelector", "namespaceSelector", "configMapKeyRef",
                    "secretKeyRef", "fieldRef", "resourceFieldRef", "involvedObject", "regarding", "related",
                    "dataSource", "dataSourceRef", "targetRef", "requiredDuringSchedulingIgnoredDuringExecution"})


def list_kind(parent: str | None, name: str) -> tuple[str, tuple[str, ...]]:
    """("map", keys), ("set", ()) or ("atomic", ()) for the list field `name` of the node at element `parent`."""
    if name in KEYED:
        return "map", KEYED[name]
    if name == "ports":
        if parent == "f:spec":
            return "map", ("port", "protocol")                       # ServiceSpec.ports
        if parent is not None and parent.startswith("k:"):
            return "map", ("containerPort", "protocol")              # Container.ports
    if name == "addresses" and parent == "f:status":
        return "map", ("type",)                                      # NodeStatus.addresses
    if name == "imagePullSecrets" and parent == "f:spec":
        return "map", ("name",)                                      # PodSpec (a ServiceAccount's is atomic)
    if name == "secrets" and parent is None:
        return "map", ("name",)                                      # ServiceAccount.secrets
    if (name == "finalizers" and parent == "f:metadata") or name == "podCIDRs":
        return "set", ()
    return "atomic", ()


def value_text(value: Any) -> str:
    """A value as SMD's JSON writes it inside a path element."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def item_element(item: Any, kind: str, keys: tuple[str, ...]) -> str:
    """The path element of one list item: `k:{...}` (its key fields, sorted) or `v:value`."""
    if kind == "set" or not isinstance(item, dict):
        return "v:" + value_text(item)
    fields = {k: item.get(k, KEY_DEFAULTS.get(k)) for k in keys if k in item or k in KEY_DEFAULTS}
    return "k:" + value_text(dict(sorted(fields.items())))


# --- the set: a FieldsV1 tree ---------------------------------------------------------------------------------
# A node is a dict; it is a member when it is empty (a leaf) or holds ".". Paths are tuples of element strings.

def is_member(node: dict) -> bool:
    return not node or "." in node


def has(tree: dict, path: tuple[str, ...]) -> bool:
    node = tree
    for pe in path:
        node = node.get(pe)
        if node is None:
            return False
    return bool(path) and is_member(node)


def insert(tree: dict, path: tuple[str, ...]) -> None:
    """Add `path` as a member (the tree is this request's own)."""
    node = tree
    for pe in path[:-1]:
        child = node.get(pe)
        if child is None:
            child = node[pe] = {}
        elif not child:
            child["."] = {}      # a leaf member gains children: it stays a member
        node = child
    last = node.get(path[-1])
    if last is None:
        node[path[-1]] = {}
    elif last:
        last["."] = {}


def with_member(node: dict, path: tuple[str, ...]) -> dict:
    """`node` with `path` a member, as a new tree sharing every untouched subtree (FieldsV1 order kept)."""
    pe, rest = path[0], path[1:]
    child = node.get(pe)
    if rest:
        base = {} if child is None else (child if child else {".": _LEAF})    # a leaf gaining children stays one
        new_child = with_member(base, rest)
    elif child is None:
        new_child = _LEAF
    elif not child or "." in child:
        return node
    else:
        new_child = {".": _LEAF, **child}
    if new_child is child:
        return node
    if pe in node:
        out = dict(node)
        out[pe] = new_child
        return out
    keys = sorted([k for k in node if k != "."] + [pe], key=element_order)
    out = {".": node["."]} if "." in node else {}
    for k in keys:
        out[k] = new_child if k == pe else node[k]
    return out


def without_member(node: dict, path: tuple[str, ...]) -> dict | None:
    """`node` without the member `path`, as a new tree sharing every untouched subtree; None once it is empty."""
    pe, rest = path[0], path[1:]
    child = node.get(pe)
    if child is None:
        return node
    if rest:
        new_child = without_member(child, rest)
        if new_child is child:
            return node
    elif not child:
        new_child = None
    elif "." in child:
        new_child = {k: v for k, v in child.items() if k != "."}
    else:
        return node
    if new_child is None:
        out = {k: v for k, v in node.items() if k != pe}
        if set(out) == {"."}:
            return {}                       # only "." left: a plain leaf member again
        return out or None
    out = dict(node)
    out[pe] = new_child
    return out


def from_paths(paths: Any) -> dict:
    tree: dict = {}
    for p in paths:
        if p:
            insert(tree, p)
    return tree


def iterate(tree: dict, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The members in Set.Iterate's order: a node's members first, then its children, each sorted."""
    keys = sorted((k for k in tree if k != "."), key=element_order)
    for k in keys:
        if is_member(tree[k]):
            yield (*prefix, k)
    for k in keys:
        child = tree[k]
        if any(c != "." for c in child):
            yield from iterate(child, (*prefix, k))


def _value_order(v: Any) -> tuple:
    if v is None:
        return (0, 0)
    if isinstance(v, bool):
        return (3, v)
    if isinstance(v, (int, float)):
        return (1, v)
    if isinstance(v, str):
        return (2, v)
    return (4, value_text(v))


@functools.lru_cache(maxsize=8192)
def element_order(pe: str) -> tuple:
    """PathElement.Compare: field names, then keys, then values, then indexes."""
    kind, text = pe[:1], pe[2:]
    try:
        if kind == "f":
            return (0, text)
        if kind == "k":
            return (1, tuple((n, _value_order(v)) for n, v in sorted(json.loads(text).items())))
        if kind == "v":
            return (2, _value_order(json.loads(text)))
        if kind == "i":
            return (3, int(text))
    except (ValueError, AttributeError):
        pass
    return (5, pe)


#: encoded subtrees by their content (children by identity): stored values are never changed, so equal FieldsV1
#: subtrees of all objects (the pods of one ReplicaSet, their kubelets' status fields) are one set of dicts
_INTERNED: dict[tuple, dict] = {}
_INTERN_LIMIT = 200_000


def encode(tree: dict) -> dict:
    """The FieldsV1 object, its keys in SMD's order ("." first); equal subtrees are shared, so never change it."""
    if len(_INTERNED) > _INTERN_LIMIT:      # a bound for long-running servers; sharing starts over
        release_shared_trees()
    return _encode(tree)


def release_shared_trees() -> None:
    """Let go of the table of shared subtrees (objects keep theirs; new ones share afresh): `serve` calls this when
    it compacts, so the trees of deleted objects do not outlive them."""
    _INTERNED.clear()
    _INTERNED[()] = _LEAF


def _encode(tree: dict) -> dict:
    items = [(".", _LEAF)] if "." in tree and len(tree) > 1 else []
    items += [(k, _encode(tree[k])) for k in sorted((k for k in tree if k != "."), key=element_order)]
    key = tuple((k, id(v)) for k, v in items)
    shared = _INTERNED.get(key)
    if shared is None:
        shared = _INTERNED[key] = dict(items)
    return shared


_LEAF: dict = {}
_INTERNED[()] = _LEAF


def valid_tree(value: Any, depth: int = 0) -> bool:
    """A FieldsV1 value this module can read: objects all the way down, keys that are path elements."""
    if not isinstance(value, dict) or depth > 100:
        return False
    return all(isinstance(k, str) and _valid_element(k) and valid_tree(v, depth + 1) for k, v in value.items())


def _valid_element(pe: str) -> bool:
    """A path element as FieldsV1 writes it (`.`, `f:name`, `k:{json object}`, `v:json`, `i:int`)."""
    kind, text = pe[:2], pe[2:]
    if pe == "." or kind == "f:":
        return True
    if kind == "i:":
        return text.isdigit()
    if kind not in ("k:", "v:"):
        return False
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) if kind == "k:" else True


def path_string(path: tuple[str, ...]) -> str:
    """fieldpath.Path.String(): `.spec.template.spec.containers[name="nginx"].image`."""
    out = []
    for pe in path:
        kind, text = pe[:1], pe[2:]
        if kind == "f":
            out.append("." + text)
        elif kind == "k":
            fields = json.loads(text)
            out.append("[" + ",".join(f"{n}={_to_string(v)}" for n, v in sorted(fields.items())) + "]")
        elif kind == "v":
            out.append(f"[={_to_string(json.loads(text))}]")
        else:
            out.append(f"[{text}]")
    return "".join(out)


def _to_string(v: Any) -> str:
    """value.ToString: strings quoted, the rest as JSON."""
    return json.dumps(v, ensure_ascii=False) if isinstance(v, str) else value_text(v)


# --- objects to sets ------------------------------------------------------------------------------------------

def to_field_set(obj: Any) -> set[tuple[str, ...]]:
    """typed.ToFieldSet: the leaves, the items of associative lists and sets, empty maps and nulls."""
    out: set[tuple[str, ...]] = set()
    _fields(obj, (), None, "", out)
    return out


def _fields(v: Any, path: tuple[str, ...], parent: str | None, name: str, out: set) -> None:
    if isinstance(v, dict):
        if name in ATOMIC:
            out.add(path)
            return
        here = path[-1] if path else None
        for k, x in v.items():
            p = (*path, "f:" + k)
            if x is None or (isinstance(x, dict) and not x):
                out.add(p)
            else:
                _fields(x, p, here, k, out)
    elif isinstance(v, list):
        kind, keys = list_kind(parent, name)
        if kind == "atomic":
            out.add(path)
            return
        for item in v:
            p = (*path, item_element(item, kind, keys))
            if isinstance(item, dict):
                _fields(item, p, None, "", out)
            out.add(p)
    elif path:
        out.add(path)


class Comparison:
    """typed.Comparison: the paths added, modified and removed from one object to the next."""

    def __init__(self) -> None:
        self.added: list[tuple[str, ...]] = []
        self.modified: list[tuple[str, ...]] = []
        self.removed: list[tuple[str, ...]] = []

    def leaf(self, lhs: Any, rhs: Any, path: tuple[str, ...]) -> None:
        if lhs is MISSING:
            self.added.append(path)
        elif rhs is MISSING:
            self.removed.append(path)
        elif lhs != rhs:
            self.modified.append(path)


def compare(lhs: Any, rhs: Any) -> Comparison:
    """typed.TypedValue.Compare; equal subtrees are skipped whole (a cheap == on unchanged parts)."""
    c = Comparison()
    _compare(lhs, rhs, (), None, "", c)
    return c


def _compare(lhs: Any, rhs: Any, path: tuple[str, ...], parent: str | None, name: str, c: Comparison) -> None:
    if lhs is not MISSING and rhs is not MISSING and lhs == rhs:
        return
    sample = rhs if rhs is not MISSING and rhs is not None else lhs
    if isinstance(sample, dict) and name not in ATOMIC:
        l_map = lhs if isinstance(lhs, dict) else None
        r_map = rhs if isinstance(rhs, dict) else None
        if (lhs is not MISSING and lhs is not None and l_map is None) or \
                (rhs is not MISSING and rhs is not None and r_map is None):
            c.leaf(lhs, rhs, path)          # a type change: the node as a whole
            return
        if not l_map and not r_map:
            c.leaf(lhs, rhs, path)          # both empty or null: a leaf, keeping the empty/null distinction
            return
        here = path[-1] if path else None
        l_map, r_map = l_map or {}, r_map or {}
        for k in {**l_map, **r_map}:
            _compare(l_map.get(k, MISSING), r_map.get(k, MISSING), (*path, "f:" + k), here, k, c)
    elif isinstance(sample, list):
        kind, keys = list_kind(parent, name)
        l_list = lhs if isinstance(lhs, list) else None
        r_list = rhs if isinstance(rhs, list) else None
        if kind == "atomic" or (not l_list and not r_list) or \
                (lhs is not MISSING and lhs is not None and l_list is None) or \
                (rhs is not MISSING and rhs is not None and r_list is None):
            c.leaf(lhs, rhs, path)
            return
        l_items = {item_element(i, kind, keys): i for i in l_list or ()}
        r_items = {item_element(i, kind, keys): i for i in r_list or ()}
        for pe in {**l_items, **r_items}:
            li, ri = l_items.get(pe, MISSING), r_items.get(pe, MISSING)
            if isinstance(li if li is not MISSING else ri, dict):
                _compare(li, ri, (*path, pe), None, "", c)
            else:
                c.leaf(li, ri, (*path, pe))
    else:
        c.leaf(lhs, rhs, path)
        return
    if path:                                # the walker's post-item hook: a node that appears or goes
        if lhs is MISSING:
            c.added.append(path)
        elif rhs is MISSING:
            c.removed.append(path)


__all__ = ["with_member", "without_member", "ATOMIC", "Comparison", "KEYED", "MISSING", "compare", "element_order", "encode",
           "from_paths", "has", "insert", "is_member", "item_element", "iterate", "list_kind", "path_string",
           "to_field_set", "valid_tree", "value_text"]
