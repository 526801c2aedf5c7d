"""The garbage collector (pkg/controller/garbagecollector): delete what has lost its owner, and carry out
foreground and orphan deletion.

The GraphBuilder half keeps an owner → dependents graph from the ownerReferences of every watched object; the
collector half runs two queues: attemptToDelete (objects whose owners may be gone, and owners waiting in
foreground deletion) and attemptToOrphan (owners deleted with the `orphan` finalizer).

Kubernetes watches every resource that supports delete/list/watch through the metadata informers and checks an
owner with a live GET; we watch the kinds in `WATCHED` and read owners from those informers' caches (a live GET
only for kinds we do not watch). Virtual nodes for owners not yet seen are replaced by queueing the dependent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from ..client import APIError, OnNew, Resource, WorkQueue, for_kind, lookup
from ..objects import FINALIZER_FOREGROUND, FINALIZER_ORPHAN
from ..trace import narrative, phrase
from . import Controller

#: the resources whose ownerReferences the graph follows (Kubernetes: everything deletable and listable)
WATCHED = ("deployments", "replicasets", "pods", "services", "endpointslices")


@dataclass
class GraphNode:
    """One object in the dependency graph: its identity, its owner references, and its deletion state."""

    uid: str
    resource: Resource
    namespace: str
    name: str
    owners: list[dict] = field(default_factory=list)
    being_deleted: bool = False
    deleting_dependents: bool = False

    @property
    def kind(self) -> str:
        return self.resource.kind

    def describe(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"

    def blocks(self, owner_uid: str) -> bool:
        """Does this dependent's reference to `owner_uid` say blockOwnerDeletion: true?"""
        return any(r.get("uid") == owner_uid and r.get("blockOwnerDeletion") for r in self.owners)


def has_finalizer(obj: dict, name: str) -> bool:
    return name in (obj["metadata"].get("finalizers") or [])


class GarbageCollector(Controller):
    """garbage-collector: the dependency graph plus the attemptToDelete and attemptToOrphan workers."""

    name = "garbage-collector"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.nodes: dict[str, GraphNode] = {}
        self.dependents: dict[str, set[str]] = {}
        self.informers = {}
        for resource in WATCHED:
            inf = factory.informer(resource)
            self.informers[resource] = inf
            res = lookup(resource)
            observe = partial(self._observe, resource=res)
            inf.add_handler(observe, OnNew(observe), self._forget)
        self.orphan_queue = WorkQueue(env, self.component, f"{self.name} orphan", self.attempt_to_orphan)

    # --- GraphBuilder.processGraphChanges ----------------------------------------------------------------------

    def _observe(self, obj: dict, resource: Resource) -> None:
        m = obj["metadata"]
        uid = m["uid"]
        refs = list(m.get("ownerReferences") or [])
        node = self.nodes.get(uid)
        if node is None:
            node = GraphNode(uid, resource, m.get("namespace", ""), m["name"])
            self.nodes[uid] = node
            old_refs: list[dict] = []
        else:
            old_refs = node.owners
        node.owners = refs
        old_uids = {r.get("uid") for r in old_refs}
        new_uids = {r.get("uid") for r in refs}
        for ref in refs:
            if ref.get("uid") not in old_uids:
                self.dependents.setdefault(ref["uid"], set()).add(uid)
                if ref["uid"] not in self.nodes:
                    self.queue.add(uid)          # the owner is unknown: check whether it exists
        for ref in old_refs:
            owner_uid = ref.get("uid")
            changed = next((r for r in refs if r.get("uid") == owner_uid), None)
            if owner_uid not in new_uids:
                self._unlink(owner_uid, uid)
            if (changed is None or not changed.get("blockOwnerDeletion")) and ref.get("blockOwnerDeletion"):
                owner = self.nodes.get(owner_uid)
                if owner is not None and owner.deleting_dependents:
                    self.queue.add(owner_uid)    # one blocking dependent fewer
        if m.get("deletionTimestamp"):
            node.being_deleted = True
            if has_finalizer(obj, FINALIZER_ORPHAN):
                self.orphan_queue.add(uid)
            if has_finalizer(obj, FINALIZER_FOREGROUND) and not node.deleting_dependents:
                node.deleting_dependents = True
                for dep in self._dependents_of(uid):
                    self.queue.add(dep.uid)
                self.queue.add(uid)

    def _forget(self, obj: dict) -> None:
        uid = obj["metadata"]["uid"]
        node = self.nodes.pop(uid, None)
        if node is None:
            return
        for ref in node.owners:
            self._unlink(ref.get("uid"), uid)
            owner = self.nodes.get(ref.get("uid"))
            if owner is not None and owner.deleting_dependents:
                self.queue.add(owner.uid)
        for dep in self._dependents_of(uid):
            self.queue.add(dep.uid)              # their owner is gone

    def _unlink(self, owner_uid: str | None, uid: str) -> None:
        """Drop one owner → dependent edge, and the owner's entry once it has no dependents left."""
        deps = self.dependents.get(owner_uid)
        if deps is not None:
            deps.discard(uid)
            if not deps:
                del self.dependents[owner_uid]

    def _dependents_of(self, uid: str) -> list[GraphNode]:
        """The dependents still in the graph, in a stable order (namespace, name)."""
        deps = [self.nodes[d] for d in self.dependents.get(uid, ()) if d in self.nodes]
        return sorted(deps, key=lambda n: (n.namespace, n.name, n.uid))

    # --- attemptToDeleteItem -------------------------------------------------------------------------------------

    def _latest(self, node: GraphNode) -> dict | None:
        key = f"{node.namespace}/{node.name}" if node.namespace else node.name
        obj = self.informers[node.resource.resource].get(key)
        return obj if obj is not None and obj["metadata"]["uid"] == node.uid else None

    def _owner(self, node: GraphNode, ref: dict) -> dict | None:
        """isDangling: the live owner a reference points at, or None if it is gone or has another uid."""
        res = for_kind(ref.get("apiVersion", ""), ref.get("kind", ""))
        if res is None:
            return None
        ns = node.namespace if res.namespaced else ""
        if res.resource in self.informers:
            owner = self.informers[res.resource].get(f"{ns}/{ref['name']}" if ns else ref["name"])
        else:
            try:
                owner = self.client.get(res.resource, ns, ref["name"])
            except APIError as err:
                if err.code != 404:
                    raise
                owner = None
        if owner is None or owner["metadata"].get("uid") != ref.get("uid"):
            return None
        return owner

    def sync(self, key: str) -> None:
        """attemptToDeleteItem for the object with uid `key`; one that needs nothing says why."""
        why, solid = self.attempt_to_delete_item(key)
        node = self.nodes.get(key)
        if why:
            self.nothing_to_do(node.describe() if node else key, why, owners=[_ref(r) for r in solid])

    def attempt_to_delete_item(self, key: str) -> tuple[str, list[dict]]:
        """What it did is recorded; returns why it did nothing (`gc-…`, with the live owners), or "" if it acted."""
        node = self.nodes.get(key)
        if node is None or (node.being_deleted and not node.deleting_dependents):
            return ("gc-gone" if node is None else "gc-being-deleted"), []
        latest = self._latest(node)
        if latest is None:
            return "gc-gone", []
        if node.deleting_dependents:
            self.process_deleting_dependents_item(node)
            return "gc-foreground-waiting", []
        refs = latest["metadata"].get("ownerReferences") or []
        if not refs:
            return "gc-no-owners", []
        solid, dangling, waiting = [], [], []
        for ref in refs:
            owner = self._owner(node, ref)
            if owner is None:
                dangling.append(ref)
            elif owner["metadata"].get("deletionTimestamp") and has_finalizer(owner, FINALIZER_FOREGROUND):
                waiting.append(ref)
            else:
                solid.append(ref)
        if solid:
            if dangling or waiting:
                self._remove_owner_refs(node, dangling + waiting, solid)
            return "gc-owners-alive", solid
        deps = self._dependents_of(node.uid)
        if waiting and deps:
            self.record("gc-delete", node.describe(), policy="Foreground", why="owner-foreground",
                        owners=[_ref(r) for r in waiting], dependents=len(deps))
            self._delete(node, "Foreground")
            return "", []
        if has_finalizer(latest, FINALIZER_ORPHAN):
            policy = "Orphan"
        elif has_finalizer(latest, FINALIZER_FOREGROUND):
            policy = "Foreground"
        else:
            policy = "Background"
        why = "owner-foreground" if waiting else "no-owner"
        self.record("gc-delete", node.describe(), policy=policy, why=why,
                    owners=[_ref(r) for r in waiting or dangling], dependents=len(deps))
        self._delete(node, policy)
        return "", []

    def _delete(self, node: GraphNode, policy: str) -> None:
        try:
            self.client.delete(node.resource.resource, node.namespace, node.name, propagationPolicy=policy,
                               uid=node.uid)
        except APIError as err:
            if err.code not in (404, 409):
                raise

    def _remove_owner_refs(self, node: GraphNode, gone: list[dict], solid: list[dict]) -> None:
        """Some owners remain: only drop the references to the dangling or waiting ones (a strategic patch)."""
        self.record("gc-unlink", node.describe(), owners=[_ref(r) for r in gone], solid=[_ref(r) for r in solid])
        patch = {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": r["uid"]} for r in gone],
                              "uid": node.uid}}
        try:
            self.client.patch(node.resource.resource, node.namespace, node.name, patch)
        except APIError as err:
            if err.code != 404:
                raise

    def process_deleting_dependents_item(self, node: GraphNode) -> None:
        """Foreground deletion: wait for the blocking dependents, then remove the foregroundDeletion finalizer."""
        blocking = [d for d in self._dependents_of(node.uid) if d.blocks(node.uid)]
        if not blocking:
            self.record("gc-foreground-done", node.describe())
            self._remove_finalizer(node, FINALIZER_FOREGROUND)
            return
        self.record("gc-foreground-wait", node.describe(), blocking=[d.describe() for d in blocking])
        for dep in blocking:
            if not dep.deleting_dependents:
                self.queue.add(dep.uid)

    def _remove_finalizer(self, node: GraphNode, finalizer: str) -> None:
        """removeFinalizer: a JSON merge patch of metadata.finalizers, guarded by resourceVersion."""
        latest = self._latest(node)
        if latest is None or not has_finalizer(latest, finalizer):
            return
        rest = [f for f in latest["metadata"]["finalizers"] if f != finalizer]
        patch = {"metadata": {"resourceVersion": latest["metadata"]["resourceVersion"], "finalizers": rest or None}}
        try:
            self.client.patch(node.resource.resource, node.namespace, node.name, patch, patch_type="merge")
        except APIError as err:
            if err.code == 409:
                self.queue.add_rate_limited(node.uid)
            elif err.code != 404:
                raise

    # --- attemptToOrphanWorker -----------------------------------------------------------------------------------

    def attempt_to_orphan(self, uid: str) -> None:
        """Orphan deletion: strip this owner's reference from each dependent, then remove the orphan finalizer."""
        node = self.nodes.get(uid)
        latest = self._latest(node) if node is not None else None
        if node is None or latest is None:
            self.nothing_to_do(node.describe() if node else uid, "gc-gone")
            return
        if not has_finalizer(latest, FINALIZER_ORPHAN):
            self.nothing_to_do(node.describe(), "gc-no-orphan-finalizer")
            return
        deps = self._dependents_of(uid)
        self.record("gc-orphan", node.describe(), dependents=[d.describe() for d in deps])
        for dep in deps:
            patch = {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": uid}], "uid": dep.uid}}
            try:
                self.client.patch(dep.resource.resource, dep.namespace, dep.name, patch)
            except APIError as err:
                if err.code != 404:
                    self.orphan_queue.add_rate_limited(uid)
                    return
        self._remove_finalizer(node, FINALIZER_ORPHAN)


def _ref(ref: dict) -> tuple:
    """An ownerReference as the trace keeps it: (kind, name, uid)."""
    return ref.get("kind"), ref.get("name"), ref.get("uid")


def _refs(f: dict, key: str) -> str:
    return "; ".join(phrase("gc:owner", {"kind": kind, "name": name, "uid": uid}, f["_lang"]) for kind, name, uid in f[key])


def _gc_delete(f: dict) -> str:
    policy = f["policy"].lower()
    if f["why"] == "owner-foreground" and f["dependents"]:
        return (f"{f['object']}'s owner ({_refs(f, 'owners')}) is being deleted in foreground and it has "
                f"{f['dependents']} dependent{'s' if f['dependents'] != 1 else ''} of its own: delete it in "
                f"foreground too")
    if f["why"] == "owner-foreground":
        return (f"{f['object']}'s owner ({_refs(f, 'owners')}) is being deleted in foreground and waits for it: "
                f"delete it in {policy}")
    owners = _refs(f, "owners")
    verb = "are" if len(f["owners"]) > 1 else "is"
    return f"{f['object']} has no live owner ({owners} {verb} gone): delete it in {policy}"


narrative({
    "nothing-to-do:gc-gone": "the object is gone from the graph",
    "nothing-to-do:gc-being-deleted": "the object is being deleted already",
    "nothing-to-do:gc-foreground-waiting": "its foreground deletion still waits for its dependents",
    "nothing-to-do:gc-no-owners": "it has no ownerReferences",
    "nothing-to-do:gc-no-orphan-finalizer": "it has no orphan finalizer (any more)",
    "nothing-to-do:gc-owners-alive": lambda f: f"its owners exist ({_refs(f, 'owners')})",
    "gc-delete": _gc_delete,
    "gc-unlink": lambda f: (f"{f['object']} still has a live owner ({_refs(f, 'solid')}): remove only its "
                            f"references to {_refs(f, 'owners')}"),
    "gc:owner": "{kind} {name}, uid {uid}",
    "gc-foreground-wait": lambda f: (f"{f['object']} is being deleted in foreground: waiting for "
                                     f"{len(f['blocking'])} dependent{'s' if len(f['blocking']) != 1 else ''} "
                                     f"with blockOwnerDeletion: {', '.join(f['blocking'])}"),
    "gc-foreground-done": "{object} has no blocking dependents left: remove its foregroundDeletion finalizer",
    "gc-orphan": lambda f: (f"{f['object']} was deleted with propagationPolicy Orphan: remove its ownerReference "
                            f"from {len(f['dependents'])} dependent{'s' if len(f['dependents']) != 1 else ''}"
                            f"{': ' + ', '.join(f['dependents']) if f['dependents'] else ''}, then its orphan "
                            f"finalizer"),
})

__all__ = ["GarbageCollector", "GraphNode", "WATCHED"]
