"""metadata.managedFields: who owns which fields (k8s.io/apimachinery/pkg/util/managedfields/internal: the
FieldManager and its wrappers — managedFieldsUpdater, capManagers, stripMeta, skipNonApplied, lastApplied
manager and updater — and sigs.k8s.io/structured-merge-diff's merge.Updater).

Every write records its manager: `Update` for create, update and patch (the ?fieldManager= or the User-Agent's
first segment), `Apply` for server-side apply, with the subresource, the apiVersion, the virtual time and the
FieldsV1 set. Updates take over the fields they change; an apply owns exactly what it applied, conflicts with
other owners of fields it changes unless forced, and removes fields it no longer applies that no one else owns.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from . import fieldpath as fp
from .applymerge import merge, remove_paths
from .errors import APIError
from .resources import Resource

MAX_UPDATE_MANAGERS = 10                    # DefaultMaxUpdateManagers
ANCIENT_CHANGES = "ancient-changes"         # capManagersManager's bucket
BEFORE_FIRST_APPLY = "before-first-apply"   # skipNonAppliedManager's manager for what existed before an apply
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
REPLICAS = ("f:spec", "f:replicas")

#: stripMetaManager's paths (exact: their children stay)
STRIPPED = frozenset({("f:apiVersion",), ("f:kind",), ("f:metadata",)} | {
    ("f:metadata", "f:" + n) for n in ("name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName",
                                       "generation", "managedFields", "resourceVersion")})

# The zero value of each kind as Go serializes it: non-pointer structs are always there, as {} at least, so they
# never count as added (that is why `f:spec` has no "." but a new container's `f:resources: {}` does).
_CONTAINERS = [{"resources": {}}]
_POD_SPEC = {"containers": _CONTAINERS, "initContainers": _CONTAINERS}
#: slices without omitempty: null in the zero value (present, so a first list there is not "added" itself)
_NULL_WHEN_MISSING = frozenset({"containers"})
_TEMPLATE = {"metadata": {}, "spec": _POD_SPEC}
SKELETONS = {
    "Deployment": {"metadata": {}, "spec": {"strategy": {}, "template": _TEMPLATE}, "status": {}},
    "ReplicaSet": {"metadata": {}, "spec": {"template": _TEMPLATE}, "status": {}},
    "StatefulSet": {"metadata": {}, "spec": {"template": _TEMPLATE, "updateStrategy": {}}, "status": {}},
    "DaemonSet": {"metadata": {}, "spec": {"template": _TEMPLATE, "updateStrategy": {}}, "status": {}},
    "Job": {"metadata": {}, "spec": {"template": _TEMPLATE}, "status": {}},
    "Pod": {"metadata": {}, "spec": _POD_SPEC, "status": {}},
    "Service": {"metadata": {}, "spec": {}, "status": {"loadBalancer": {}}},
    "Node": {"metadata": {}, "spec": {}, "status": {"daemonEndpoints": {"kubeletEndpoint": {}}, "nodeInfo": {}}},
    "PersistentVolumeClaim": {"metadata": {}, "spec": {"resources": {}}, "status": {}},
}
_PLAIN = {"metadata": {}}
_SPEC_STATUS = {"metadata": {}, "spec": {}, "status": {}}


def go_view(kind: str, obj: dict | None) -> dict:
    """The object as its Go type serializes (the zero structs filled in), for comparing; shares `obj`'s parts."""
    skel = SKELETONS.get(kind) or (_SPEC_STATUS if kind in ("Namespace", "PersistentVolume") else _PLAIN)
    return _fill(obj or {}, skel)


def _fill(v: Any, skel: Any) -> Any:
    if isinstance(skel, dict) and isinstance(v, dict):
        out = v
        for k, s in skel.items():
            if k not in v:
                if not isinstance(s, dict) and k not in _NULL_WHEN_MISSING:
                    continue
                out = dict(out) if out is v else out
                if isinstance(s, dict):
                    out[k] = _fill({}, s)
                elif k in _NULL_WHEN_MISSING:
                    out[k] = None
            elif isinstance(s, (dict, list)):
                filled = _fill(v[k], s)
                if filled is not v[k]:
                    out = dict(out) if out is v else out
                    out[k] = filled
        return out
    if isinstance(skel, list) and isinstance(v, list):
        items = [_fill(i, skel[0]) for i in v]
        return items if any(a is not b for a, b in zip(items, v)) else v
    return v


# --- the entries --------------------------------------------------------------------------------------------

@dataclass
class Entry:
    """One managedFields entry, decoded; `tree` is its FieldsV1 set (copied before it is changed)."""

    manager: str
    operation: str
    api_version: str
    subresource: str = ""
    time: str | None = None
    tree: dict = field(default_factory=dict)

    @property
    def ident(self) -> str:
        """BuildManagerIdentifier: the entry without its fields and time (and an applier's apiVersion), as JSON."""
        return _ident(self.manager, self.operation, self.api_version, self.subresource)

    def encode(self) -> dict:
        out: dict[str, Any] = {"manager": self.manager} if self.manager else {}      # omitempty
        out.update(operation=self.operation, apiVersion=self.api_version)
        if self.time is not None:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = self.tree
        if self.subresource:
            out["subresource"] = self.subresource
        return out


Managed = dict[str, Entry]


@functools.lru_cache(maxsize=1024)
def _ident(manager: str, operation: str, api_version: str, subresource: str) -> str:
    out = {"manager": manager, "operation": operation}
    if operation != "Apply" and api_version:
        out["apiVersion"] = api_version
    if subresource:
        out["subresource"] = subresource
    return json.dumps({k: v for k, v in out.items() if v}, separators=(",", ":"))


def decode(entries: Any, trusted: bool = False) -> Managed | None:
    """DecodeManagedFields; None for entries it cannot read (the caller falls back, as UpdateNoErrors does).
    `trusted`: stored entries, which this module wrote, need no second look at their trees."""
    if not isinstance(entries, list):
        return None
    out: Managed = {}
    for e in entries:
        if not isinstance(e, dict) or e.get("fieldsType", "FieldsV1") != "FieldsV1":
            return None
        tree = e.get("fieldsV1") or {}
        strs = [e.get(k, "") for k in ("manager", "operation", "apiVersion", "subresource")]
        if not (trusted or fp.valid_tree(tree)) or not all(isinstance(s, str) for s in strs) or \
                not isinstance(e.get("time"), (str, type(None))):
            return None
        entry = Entry(strs[0], strs[1], strs[2], strs[3], e.get("time"), tree)
        out[entry.ident] = entry
    return out


def encode(managed: Managed) -> list[dict]:
    """encodeManagedFields, sorted as sortEncodedManagedFields: operation, time, manager, apiVersion, subresource."""
    entries = sorted(managed.values(), key=lambda e: (e.operation, e.time or "", e.manager, e.api_version,
                                                        e.subresource))
    return [e.encode() for e in entries]


def _cap(managed: Managed) -> None:
    """capManagersManager: more than 10 Update entries merge, oldest first, into `ancient-changes` per version."""
    updaters = [k for k, e in managed.items() if e.operation != "Apply"]
    if len(updaters) <= MAX_UPDATE_MANAGERS:
        return
    updaters.sort(key=lambda k: (managed[k].time or "", k))
    first: dict[str, str] = {}
    length = len(updaters)
    for k in updaters:
        if length <= MAX_UPDATE_MANAGERS:
            break
        e = managed[k]
        bucket = Entry(ANCIENT_CHANGES, "Update", e.api_version)
        if e.api_version not in first:
            first[e.api_version] = k
            continue
        if bucket.ident not in managed:
            seed = managed.pop(first[e.api_version])
            bucket.tree, bucket.time = seed.tree, seed.time
            managed[bucket.ident] = bucket
        target = managed[bucket.ident]
        tree = target.tree
        for p in fp.iterate(e.tree):
            tree = fp.with_member(tree, p)
        target.tree = tree
        target.time = e.time
        del managed[k]
        length -= 1


def _take(managed: Managed, paths: list[tuple[str, ...]], skip: str = "") -> None:
    """Every manager but `skip` loses `paths`; entries left empty go."""
    if not paths:
        return
    for k in list(managed):
        if k == skip:
            continue
        e = managed[k]
        hits = [p for p in paths if fp.has(e.tree, p)]
        if hits:
            tree: dict | None = e.tree
            for p in hits:
                tree = fp.without_member(tree, p) if tree else None
            if tree:
                e.tree = tree
            else:
                del managed[k]


# --- the operations -----------------------------------------------------------------------------------------

def reset_filter(res: Resource, subresource: str) -> Any:
    """The strategies' GetResetFields: the main resource cannot own status, a status write only status."""
    if subresource == "status":
        return lambda p: p[:1] in (("f:status",), ("f:metadata",))
    if "status" in res.subresources:
        return lambda p: p[:1] != ("f:status",)
    return lambda p: True


def manager_entries(live: dict | None, body: dict | None, subresource: str) -> Managed:
    """FieldManager.Update: the managedFields sent in the body rule (not for a subresource), else the live ones."""
    stored = ((live or {}).get("metadata") or {}).get("managedFields")
    if body is not None and not subresource:
        given = (body.get("metadata") or {}).get("managedFields")
        sent = decode(given, trusted=given is stored or given == stored)
        if sent:
            return sent
    return decode(stored, trusted=True) or {}


def update(res: Resource, live: dict | None, new: dict, manager: str, subresource: str, now: str,
           managed: Managed | None = None) -> None:
    """An Update operation (create, update, patch, status): sets `new`'s metadata.managedFields."""
    if managed is None:
        managed = manager_entries(live, new, subresource)
    meta = new["metadata"]
    meta.pop("managedFields", None)
    old_view = go_view(res.kind, _without_managed(live))
    new_view = go_view(res.kind, new)
    keep = reset_filter(res, subresource)
    c = fp.compare(old_view, new_view)
    changed = [p for p in (*c.added, *c.modified) if keep(p) and p not in STRIPPED]
    removed = [p for p in c.removed if keep(p)]
    _take(managed, changed + removed)
    _drop_empty(managed)
    if changed:
        mine = Entry(manager, "Update", res.api_version, subresource)
        previous = managed.get(mine.ident)
        if previous is None:
            tree = fp.encode(fp.from_paths(changed))
        else:                   # the previous fields and this write's: only the changed paths are new dicts
            tree = previous.tree
            for p in changed:
                tree = fp.with_member(tree, p)
        mine.tree, mine.time = tree, now
        managed[mine.ident] = mine
    _cap(managed)
    if managed:
        meta["managedFields"] = encode(managed)


def update_scale(old: dict, new: dict, manager: str, api_version: str) -> None:
    """ScaleHandler: a changed spec.replicas moves to the scale writer's entry (subresource scale, no time)."""
    managed = decode(old["metadata"].get("managedFields"), trusted=True) or {}
    new["metadata"].pop("managedFields", None)
    if (old.get("spec") or {}).get("replicas") != (new.get("spec") or {}).get("replicas"):
        _take(managed, [REPLICAS])
        mine = Entry(manager, "Update", api_version, "scale", None, fp.encode(fp.from_paths([REPLICAS])))
        managed[mine.ident] = mine
    if managed:
        new["metadata"]["managedFields"] = encode(managed)


def _drop_empty(managed: Managed) -> None:
    """merge.Updater drops every manager left without fields (an emptied applier too)."""
    for k in [k for k, e in managed.items() if not e.tree]:
        del managed[k]


def _without_managed(obj: dict | None) -> dict | None:
    if obj is None or "managedFields" not in (obj.get("metadata") or {}):
        return obj
    out = dict(obj)
    out["metadata"] = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
    return out


def conflict_error(conflicts: list[tuple[str, tuple[str, ...]]]) -> APIError:
    """internal.NewConflictError: 409 with a FieldManagerConflict cause per path."""
    causes = [{"type": "FieldManagerConflict", "message": f"conflict with {print_manager(m)}",
               "field": fp.path_string(p)} for m, p in conflicts]
    if len(conflicts) == 1:
        m, p = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {print_manager(m)}: {fp.path_string(p)}"
    else:
        lines = []
        for m in sorted({m for m, _ in conflicts}):
            lines.append(f"conflicts with {print_manager(m)}:")
            lines.extend(f"- {fp.path_string(p)}" for mm, p in conflicts if mm == m)
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return APIError(409, "Conflict", message, {"causes": causes})


def print_manager(ident: str) -> str:
    """printManager: `"kubectl" with subresource "scale" using apps/v1` (an identifier carries no time)."""
    e = json.loads(ident)
    text = json.dumps(e.get("manager", ""))
    if e.get("subresource"):
        text += f' with subresource {json.dumps(e["subresource"])}'
    if e.get("operation") == "Update":
        text += f" using {e.get('apiVersion', '')}"
    return text


def apply(res: Resource, live: dict | None, config: dict, manager: str, force: bool, now: str,
          subresource: str = "") -> dict:
    """FieldManager.Apply on the live object (None: create-on-apply): the merged, pruned object, its
    managedFields set; raises the 409 on conflicts unless `force`."""
    keep = reset_filter(res, subresource)
    managed = decode(((live or {}).get("metadata") or {}).get("managedFields"), trusted=True) or {}
    base = _without_managed(live) or {}
    if live is not None and not managed:         # skipNonAppliedManager: what exists belongs to before-first-apply
        seed = dict(live)
        seed["metadata"] = dict(live["metadata"])
        update(res, None, seed, BEFORE_FIRST_APPLY, "", now, {})
        managed = decode(seed["metadata"].get("managedFields"), trusted=True) or {}
    applied = Entry(manager, "Apply", res.api_version, subresource, now)
    applied_set = [p for p in fp.to_field_set(config) if keep(p) and p not in STRIPPED]
    applied.tree = fp.encode(fp.from_paths(applied_set))
    last = managed.get(applied.ident)
    new = merge(base, config)
    if last is not None:                          # prune what the applier owned before and no longer applies
        others = [e.tree for k, e in managed.items() if k != applied.ident]
        gone = [p for p in fp.iterate(last.tree) if not fp.has(applied.tree, p)
                and not any(fp.has(t, p) or _owns_below(t, p) for t in others) and not _owns_below(applied.tree, p)]
        new = remove_paths(new, gone)
    c = fp.compare(go_view(res.kind, base), go_view(res.kind, new))
    changed = [p for p in (*c.added, *c.modified) if keep(p) and p not in STRIPPED]
    changed_set = set(changed)
    conflicts = [(k, p) for k, e in sorted(managed.items()) if k != applied.ident
                 for p in fp.iterate(e.tree) if p in changed_set]
    if conflicts and not force and not (manager == "kubectl" and _upgrading(res, live, conflicts)):
        raise conflict_error(conflicts)
    _take(managed, changed + [p for p in c.removed if keep(p)], skip=applied.ident)
    managed[applied.ident] = applied
    _drop_empty(managed)
    if manager == "kubectl" and live is not None and \
            ((live["metadata"].get("annotations") or {}).get(LAST_APPLIED)):     # lastAppliedUpdater
        new["metadata"] = dict(new["metadata"])
        new["metadata"]["annotations"] = {**new["metadata"].get("annotations", {}), LAST_APPLIED: last_applied(config)}
    new["metadata"] = dict(new.get("metadata") or {})
    if managed:
        new["metadata"]["managedFields"] = encode(managed)
    return new


def _owns_below(tree: dict, path: tuple[str, ...]) -> bool:
    node = tree
    for pe in path:
        node = node.get(pe)
        if node is None:
            return False
    return any(k != "." for k in node)


def last_applied(config: dict) -> str:
    """buildLastApplied: the configuration without the annotation, as JSON."""
    obj = dict(config)
    meta = dict(obj.get("metadata") or {})
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    meta["annotations"] = annotations
    obj["metadata"] = meta
    return json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n"


def _upgrading(res: Resource, live: dict | None, conflicts: list[tuple[str, tuple[str, ...]]]) -> bool:
    """lastAppliedManager: kubectl's conflicts on fields its client-side apply set, still at those values, are
    allowed (the upgrade from client-side to server-side apply)."""
    text = ((live or {}).get("metadata", {}).get("annotations") or {}).get(LAST_APPLIED)
    try:
        last = json.loads(text) if text else None
    except ValueError:
        return False
    if not isinstance(last, dict) or last.get("apiVersion") != res.api_version:
        return False
    c = fp.compare(last, _without_managed(live))
    differ = set(c.modified) | set(c.added) | set(c.removed)
    allowed = fp.to_field_set(last) - differ
    return all(p in allowed for _, p in conflicts)


def restore_times_if_noop(new: dict, old: dict) -> None:
    """IgnoreManagedFieldsTimestampsTransformer: a write that changes nothing but managedFields timestamps keeps
    the old entries, so it stays a no-op."""
    nm, om = new.get("metadata") or {}, old.get("metadata") or {}
    n_entries, o_entries = nm.get("managedFields") or [], om.get("managedFields") or []
    if len(n_entries) != len(o_entries) or n_entries == o_entries:
        return
    strip = [{k: v for k, v in e.items() if k != "time"} for e in n_entries]
    if strip != [{k: v for k, v in e.items() if k != "time"} for e in o_entries]:
        return
    if _comparable(new) == _comparable(old):
        nm["managedFields"] = o_entries


def _comparable(obj: dict) -> dict:
    out = dict(obj)
    out["metadata"] = {k: v for k, v in (obj.get("metadata") or {}).items()
                       if k not in ("managedFields", "resourceVersion")}
    return out


__all__ = ["BEFORE_FIRST_APPLY", "LAST_APPLIED", "Entry", "apply", "conflict_error", "decode", "encode",
           "go_view", "manager_entries", "print_manager", "restore_times_if_noop", "update", "update_scale"]
