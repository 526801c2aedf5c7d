"""Watches: the `Watcher` a watch request registers, and the API server's watch half, which replays what etcd holds
after a resourceVersion and fans every stored change out to the watchers of its resource, by namespace or, for the
kubelets, by spec.nodeName (the watch cache's dispatch, staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from ..etcd import Compacted, Etcd, WatchEvent
from .errors import APIError
from .registry import to_object
from .request import Request
from .resources import BY_RESOURCE, Resource


@dataclass
class Watcher:
    """One watch: a resource, optionally a namespace and a spec.nodeName field selector, and a callback."""

    name: str
    resource: str
    callback: Callable[[str, dict], None]
    namespace: str = ""
    node_name: str | None = None
    stopped: bool = False
    on_stop: Callable[[], None] | None = None     # takes the watcher off the API server's lists

    def stop(self) -> None:
        if not self.stopped and self.on_stop is not None:
            self.on_stop()
        self.stopped = True


class WatchFanOut:
    """The watch half of `APIServer` (one of its bases): its watchers by resource, or by resource and node, and the
    names of those the last write reached (`_delivered`, for the trace)."""

    etcd: Etcd

    def _start_fan_out(self, etcd: Etcd) -> None:
        """Empty watcher lists, and the fan-out subscribed to every key under /registry/."""
        self._watchers: dict[str, list[Watcher]] = defaultdict(list)
        self._node_watchers: dict[str, dict[str, list[Watcher]]] = defaultdict(lambda: defaultdict(list))
        self._delivered: list[str] = []
        self._prefixes = sorted(((r.prefix, r) for r in BY_RESOURCE.values()), key=lambda p: -len(p[0]))
        etcd.watch("/registry/", self._fan_out)

    def _watch(self, req: Request, log: Callable[..., None]) -> Watcher:
        """Register a watcher, first sending what its `resourceVersion` asks for, as the watch cache serves it
        (storage/cacher): "" or "0" the current objects as ADDED ("any" state), a revision the changes after it (a
        compacted one: an ERROR event of 410 Expired and a stopped watch, cacher.go `too old resource version`);
        `sendInitialEvents` the current objects then a BOOKMARK marking their end (WatchList). Without the param,
        no initial events: an informer has just listed."""
        w = Watcher(req.actor, req.resource.resource, req.params["callback"], req.namespace,
                    req.params.get("nodeName"))
        rv = req.params.get("resourceVersion")
        if rv in ("", "0") or req.params.get("sendInitialEvents"):
            for obj in self.storage.list(req.resource.resource, req.namespace):
                if w.node_name is None or obj.get("spec", {}).get("nodeName", "") == w.node_name:
                    w.callback("ADDED", obj)
            if req.params.get("sendInitialEvents"):
                w.callback("BOOKMARK", {"kind": req.resource.kind, "apiVersion": req.resource.api_version,
                                        "metadata": {"resourceVersion": str(self.etcd.revision),
                                                     "annotations": {"k8s.io/initial-events-end": "true"}}})
        elif rv is not None:
            prefix = req.resource.prefix + (f"{req.namespace}/" if req.namespace else "")
            try:
                history = self.etcd.events(int(rv), prefix)
            except Compacted as err:
                gone = APIError(410, "Expired", f"too old resource version: {err.requested} ({err.compacted})")
                w.callback("ERROR", gone.status())
                w.stopped = True
                return w
            for ev in history:
                obj = to_object(ev.kv)
                if ev.type == "DELETED":
                    obj["metadata"]["resourceVersion"] = str(ev.revision)
                if w.node_name is None or obj.get("spec", {}).get("nodeName", "") == w.node_name:
                    w.callback(ev.type, obj)
        if w.node_name is not None:
            self._node_watchers[w.resource][w.node_name].append(w)
        else:
            self._watchers[w.resource].append(w)
        w.on_stop = partial(self._unwatch, w)       # data, not a closure: a copied cluster unwatches its own
        return w

    def _unwatch(self, w: Watcher) -> None:
        """Forget a stopped watcher; new lists, so a fan-out iterating the old one is undisturbed."""
        if w.node_name is not None:
            by_node = self._node_watchers[w.resource]
            by_node[w.node_name] = [x for x in by_node[w.node_name] if x is not w]
        else:
            self._watchers[w.resource] = [x for x in self._watchers[w.resource] if x is not w]

    def _resource_of(self, key: str) -> Resource | None:
        for prefix, res in self._prefixes:
            if key.startswith(prefix):
                return res
        return None

    def _fan_out(self, event: WatchEvent) -> None:
        res = self._resource_of(event.kv.key)
        if res is None:
            return
        obj = to_object(event.kv)
        if event.type == "DELETED":
            obj["metadata"]["resourceVersion"] = str(event.revision)
        for w in self._watchers.get(res.resource, ()):
            if not w.stopped and (not w.namespace or w.namespace == obj["metadata"].get("namespace")):
                w.callback(event.type, obj)
                self._delivered.append(w.name)
        by_node = self._node_watchers.get(res.resource)
        if by_node:
            new_node = obj.get("spec", {}).get("nodeName", "") if event.type != "DELETED" else None
            old_node = event.prev.value.get("spec", {}).get("nodeName", "") if event.prev else None
            for node, etype in ((new_node, "MODIFIED" if old_node == new_node else "ADDED"),
                                (old_node, "DELETED")):
                if node is None or (etype == "DELETED" and old_node == new_node):
                    continue
                for w in by_node.get(node, ()):
                    if not w.stopped:
                        w.callback(etype if event.type != "DELETED" else "DELETED", obj)
                        self._delivered.append(w.name)


__all__ = ["Watcher", "WatchFanOut"]
