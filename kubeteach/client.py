"""client-go in miniature: a typed-enough client, shared informers with indexed caches, and rate-limited work queues.

Components never touch the store: they list and watch through informers and write through `Client`, whose every
call is an API request with the component's own identity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from .apiserver import APIError, APIServer, Credentials, Request, Resource, lookup
from .apiserver.resources import RESOURCES, for_kind
from .loop import BACKOFF_BASE, BACKOFF_MAX, WorkFailed, backoff
from .objects import key_of, namespace_index
from .trace import narrative

if TYPE_CHECKING:
    from .loop import Component, Loop


class Client:
    """A REST client bound to one identity (`system:kube-scheduler`, `system:node:node-1`, …)."""

    def __init__(self, api: APIServer, credentials: Credentials | None, actor: str, verbose: bool = False,
                 user: str = "", quiet: bool = False):
        self.api, self.credentials, self.actor, self.verbose = api, credentials, actor, verbose
        self.quiet = quiet        # requests leave no trace records (the event recorder's; its events have one)
        self.user = user          # the kubeconfig user name, for the trace ("as \"admin\"")
        self.user_agent: str | None = None    # a User-Agent to send (a write's default field manager)

    def request(self, verb: str, resource: str | Resource, namespace: str = "", name: str = "",
                subresource: str = "", body: Any = None, **params: Any) -> Any:
        res = resource if isinstance(resource, Resource) else lookup(resource)
        if res is None:
            raise KeyError(resource)
        req = Request(verb, res, namespace if res.namespaced else "", name, subresource, body, self.credentials,
                      self.actor, {k: v for k, v in params.items() if v is not None}, verbose=self.verbose,
                      as_user=self.user, quiet=self.quiet, user_agent=self.user_agent)
        return self.api.handle(req)

    def create(self, resource: str, obj: dict, namespace: str = "") -> dict:
        ns = namespace or obj.get("metadata", {}).get("namespace", "")
        return self.request("create", resource, ns, body=obj)

    def get(self, resource: str, namespace: str, name: str) -> dict:
        return self.request("get", resource, namespace, name)

    def list(self, resource: str, namespace: str = "", **params: Any) -> dict:
        return self.request("list", resource, namespace, **params)

    def update(self, resource: str, obj: dict, subresource: str = "") -> dict:
        m = obj["metadata"]
        return self.request("update", resource, m.get("namespace", ""), m["name"], subresource, obj)

    def update_status(self, resource: str, obj: dict) -> dict:
        return self.update(resource, obj, "status")

    def patch(self, resource: str, namespace: str, name: str, patch: Any, patch_type: str = "strategic",
              subresource: str = "", **params: Any) -> dict:
        return self.request("patch", resource, namespace, name, subresource, patch, patchType=patch_type, **params)

    def delete(self, resource: str, namespace: str, name: str, **params: Any) -> dict:
        return self.request("delete", resource, namespace, name, **params)

    def quiet_copy(self) -> Client:
        copy = Client(self.api, self.credentials, self.actor, self.verbose, self.user, quiet=True)
        copy.user_agent = self.user_agent
        return copy

    def named(self, actor: str) -> Client:
        """The same identity under another name in the trace (each controller of kube-controller-manager)."""
        return Client(self.api, self.credentials, actor, self.verbose, self.user, self.quiet)

    def bind(self, pod: dict, node: str) -> dict:
        m = pod["metadata"]
        body = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": m["name"], "namespace": m["namespace"],
                                                                     "uid": m["uid"]},
                "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
        return self.request("create", "pods", m["namespace"], m["name"], "binding", body)


Handler = Callable[..., None]


@dataclass(frozen=True)
class OnNew:
    """An update handler that passes on the new object only (`add_handler(f, OnNew(f))`): data holding a bound
    method rather than a closure, so a deep copy of the cluster calls the copy's component."""

    handler: Callable[[dict], Any]

    def __call__(self, old: dict, new: dict) -> None:
        self.handler(new)


class Informer:
    """A shared informer: list, then watch; a cache keyed by namespace/name with extra indexes; event handlers.

    Cached objects are shared and read-only: copy before changing (as client-go asks).
    """

    def __init__(self, client: Client, resource: str, node_name: str | None = None):
        self.client, self.resource, self.node_name = client, resource, node_name
        self.cache: dict[str, dict] = {}
        self._index_fns: dict[str, Callable[[dict], Iterable[str]]] = {}
        self._indexes: dict[str, dict[str, dict[str, dict]]] = {}
        self._handlers: list[tuple[Handler | None, Handler | None, Handler | None]] = []
        self.started = False
        self.last_sync_rv = ""          # the reflector's lastSyncResourceVersion: the list's, then each event's
        self.watcher: Any = None        # the open watch (apiserver Watcher), None while disconnected

    def add_index(self, name: str, fn: Callable[[dict], Iterable[str]]) -> None:
        self._index_fns[name] = fn
        self._indexes[name] = {}
        for key, obj in self.cache.items():
            self._index(name, key, obj)

    def add_handler(self, on_add: Handler | None = None, on_update: Handler | None = None,
                    on_delete: Handler | None = None) -> None:
        self._handlers.append((on_add, on_update, on_delete))

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        listing = self.client.list(self.resource, **self._params())
        for obj in listing["items"]:
            self._on_event("ADDED", obj)
        self.last_sync_rv = listing["metadata"]["resourceVersion"]
        self.watcher = self.client.request("watch", self.resource, callback=self._on_event, **self._params())

    @property
    def type_description(self) -> str:
        """What the reflector calls its type in logs: `*v1.Pod`."""
        res = lookup(self.resource)
        return f"*{res.version}.{res.kind}" if res else self.resource

    def _params(self) -> dict:
        return {"nodeName": self.node_name} if self.node_name is not None else {}

    def disconnect(self) -> None:
        """The watch connection ends (the process went away, the API server restarted): events stop arriving and
        the cache keeps what it had, up to `last_sync_rv`."""
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None

    def reconnect(self) -> None:
        """Watch again from `last_sync_rv`, as the reflector's ListAndWatch loop does after a watch ended: the
        missed events replay; if they were compacted away the API server answers 410 Gone and `relist` follows."""
        if not self.started or self.watcher is not None:
            return
        expired: list[dict] = []
        w = self.client.request("watch", self.resource, callback=partial(self._on_watch_event, expired),
                                resourceVersion=self.last_sync_rv, **self._params())
        if not expired:
            w.callback = self._on_event
            self.watcher = w
            return
        status = expired[0]
        self.client.api.record(self.client.actor, "watch-closed", self.resource, type=self.type_description,
                               code=status.get("code"), reason=status.get("reason"), err=status.get("message", ""))
        self.relist()

    def _on_watch_event(self, expired: list[dict], etype: str, obj: dict) -> None:
        if etype == "ERROR":
            expired.append(obj)
        else:
            self._on_event(etype, obj)

    def relist(self) -> None:
        """LIST at `last_sync_rv` (served "not older than", so a compacted one still lists), replace the cache
        (DeltaFIFO.Replace: new objects added, changed ones updated, missing ones deleted as tombstones), then
        WATCH from the list's resourceVersion. Unchanged objects reach no handler (a Replaced delta with the same
        resourceVersion is a sync, and these informers have no resync period)."""
        listing = self.client.list(self.resource, resourceVersion=self.last_sync_rv, **self._params())
        listed = {key_of(obj): obj for obj in listing["items"]}
        added = updated = 0
        for key in sorted(listed):
            old = self.cache.get(key)
            rv = listed[key].get("metadata", {}).get("resourceVersion")
            if old is None or old.get("metadata", {}).get("resourceVersion") != rv:
                added, updated = added + (old is None), updated + (old is not None)
                self._on_event("ADDED" if old is None else "MODIFIED", listed[key])
        gone = sorted(set(self.cache) - set(listed))
        for key in gone:              # DeletedFinalStateUnknown: the last state this cache saw
            self._on_event("DELETED", self.cache[key])
        self.last_sync_rv = listing["metadata"]["resourceVersion"]
        self.client.api.record(self.client.actor, "relist", self.resource, type=self.type_description,
                               resourceVersion=self.last_sync_rv, items=len(listed), added=added, updated=updated,
                               deleted=len(gone))
        self.watcher = self.client.request("watch", self.resource, callback=self._on_event,
                                           resourceVersion=self.last_sync_rv, **self._params())

    def resync(self) -> None:
        """Replay every cached object to the handlers as an update (a relist after a restart)."""
        for obj in list(self.cache.values()):
            for _, on_update, _ in self._handlers:
                if on_update:
                    on_update(obj, obj)

    # --- reads ------------------------------------------------------------------------------------------------

    def get(self, key: str) -> dict | None:
        return self.cache.get(key)

    def list(self, namespace: str = "") -> list[dict]:
        if not namespace:
            return list(self.cache.values())
        return self.by_index("namespace", namespace)

    def by_index(self, name: str, value: str) -> list[dict]:
        if name == "namespace" and name not in self._indexes:
            self.add_index("namespace", namespace_index)
        return list(self._indexes[name].get(value, {}).values())

    # --- events -----------------------------------------------------------------------------------------------

    def _index(self, name: str, key: str, obj: dict) -> None:
        for value in self._index_fns[name](obj):
            self._indexes[name].setdefault(value, {})[key] = obj

    def _unindex(self, name: str, key: str, obj: dict) -> None:
        for value in self._index_fns[name](obj):
            bucket = self._indexes[name].get(value)
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del self._indexes[name][value]

    def _on_event(self, etype: str, obj: dict) -> None:
        meta = obj.get("metadata")
        if isinstance(meta, dict) and "managedFields" in meta:
            # the components' informers drop managedFields (kube-controller-manager's and kube-scheduler's
            # informer transform): less to hold, and an update then sends none, so the stored ones stay
            obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}
        if etype == "BOOKMARK" or etype == "ERROR":     # a bookmark only moves the cursor; an error ends a watch
            if etype == "BOOKMARK" and isinstance(meta, dict):
                self.last_sync_rv = meta.get("resourceVersion", self.last_sync_rv)
            return
        if isinstance(meta, dict) and meta.get("resourceVersion"):
            self.last_sync_rv = meta["resourceVersion"]
        key = key_of(obj)
        old = self.cache.get(key)
        if old is not None:
            for name in self._indexes:
                self._unindex(name, key, old)
        if etype == "DELETED":
            self.cache.pop(key, None)
            for _, _, on_delete in self._handlers:
                if on_delete:
                    on_delete(obj)
            return
        self.cache[key] = obj
        for name in self._indexes:
            self._index(name, key, obj)
        for on_add, on_update, _ in self._handlers:
            if old is None and on_add:
                on_add(obj)
            elif old is not None and on_update:
                on_update(old, obj)


class WorkQueue:
    """A de-duplicating, rate-limited work queue: each queued key is one unit of work on the loop (one `step()`).

    As a client-go controller's processNextWorkItem: a key whose processing returns is forgotten (its failure
    count reset, unless the processing itself requeued it rate-limited); one whose processing raises is requeued
    rate-limited, and the failure goes up to the loop as `WorkFailed` to be recorded.
    """

    def __init__(self, loop: Loop, component: Component, name: str, process: Callable[[str], None],
                 base_delay: float = BACKOFF_BASE, max_delay: float = BACKOFF_MAX):
        self.loop, self.component, self.name, self.process = loop, component, name, process
        self.base_delay, self.max_delay = base_delay, max_delay
        self.queued: set[str] = set()
        self.failures: dict[str, int] = {}
        self._limited: set[str] = set()    # keys requeued rate-limited while being processed

    def add(self, key: str) -> None:
        if key in self.queued:
            return
        self.queued.add(key)
        self.loop.schedule(0.0, self.component, self, "_run", key, label=f"{self.name} {key}")

    def add_after(self, key: str, delay: float, kind: str = "work") -> None:
        """Process `key` again after `delay` seconds (kind "retry" does not keep the cluster from settling)."""
        self.loop.schedule(delay, self.component, self, "_run", key, kind=kind, label=f"{self.name} {key}")

    def add_rate_limited(self, key: str) -> float:
        """Requeue after an error: 5ms·2^n (workqueue.DefaultControllerRateLimiter's per-item part)."""
        n = self.failures.get(key, 0)
        self.failures[key] = n + 1
        self._limited.add(key)
        delay = backoff(n, self.base_delay, self.max_delay)
        self.add_after(key, delay, kind="retry")
        return delay

    def forget(self, key: str) -> None:
        self.failures.pop(key, None)

    def _run(self, key: str) -> None:
        self.queued.discard(key)
        self._limited.discard(key)
        try:
            self.process(key)
        except Exception as err:
            self._limited.discard(key)
            delay = self.add_rate_limited(key)
            raise WorkFailed(self.name, key, delay, self.failures[key]) from err
        if key not in self._limited:
            self.forget(key)
        self._limited.discard(key)


class InformerFactory:
    """SharedInformerFactory: one informer per resource per process, shared by that process's controllers."""

    def __init__(self, client: Client, node_name: str | None = None):
        self.client, self.node_name = client, node_name
        self.informers: dict[str, Informer] = {}

    def informer(self, resource: str, node_scoped: bool = False) -> Informer:
        """The shared informer for `resource` (`node_scoped`: pods with spec.nodeName of this factory's node)."""
        key = resource + ("@node" if node_scoped else "")
        if key not in self.informers:
            self.informers[key] = Informer(self.client, resource, self.node_name if node_scoped else None)
        return self.informers[key]

    def start(self) -> None:
        for inf in self.informers.values():
            inf.start()

    def disconnect(self) -> None:
        """Every watch of this process ends (see `Informer.disconnect`)."""
        for inf in self.informers.values():
            inf.disconnect()

    def reconnect(self) -> None:
        """Every informer watches again from where it was (see `Informer.reconnect`), in the order they started."""
        for inf in self.informers.values():
            inf.reconnect()


narrative({
    # reflector.go logs an expired watch at V(4) as "Watch closed" with the type and the error, then lists again
    "watch-closed": "watch of {type} closed with: {err} ({code} {reason}); the reflector relists",
    "relist": "relist {type} at resourceVersion {resourceVersion}: {items} items ({added} added, {updated} updated, "
              "{deleted} deleted as DeletedFinalStateUnknown); watching again from there",
})


#: what a component takes from the client library, as client-go's users take apimachinery's errors and the REST
#: mapping from it: components import these from here, never from the API server's package
__all__ = ["APIError", "Client", "Credentials", "Informer", "InformerFactory", "RESOURCES", "Resource", "WorkQueue",
           "for_kind", "lookup"]
