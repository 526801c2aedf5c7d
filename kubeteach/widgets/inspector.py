"""The Inspector: pick a kind and an object; see it as YAML now, and its diff since the previous step.

"Now" is the stored object (`cluster.get`). "The previous step" is an etcd revision: for an Inspector that follows
a Stepper, the revision before the Stepper's last click; otherwise the revision at the Inspector's previous
`refresh()`. The object as it was then is read from the key's history in etcd (`etcd.history(key)`).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from .. import viz
from ..apiserver import RESOURCES, Resource
from ..apiserver.registry import to_object
from ..cluster import Cluster
from .common import Follows, pre

#: the kinds a lesson looks at first; the rest follow in the API server's resource order
FIRST = ("Deployment", "ReplicaSet", "Pod", "Node")


class Inspector(w.VBox, Follows):
    """Dropdowns kind -> object; the object's YAML at the current state and its diff to the previous step."""

    def __init__(self, source: Cluster | Any, kind: str = "Deployment", namespace: str = "default"):
        self._follow(source, self.refresh)
        self.namespace = namespace
        self._seen = self.cluster.etcd.revision
        self._since = self._seen
        self.kind = w.Dropdown(description="kind")
        self.object = w.Dropdown(description="object")
        self.yaml_view = w.HTML()
        self.diff_view = w.HTML()
        self.yaml_text = ""
        self.diff_text = ""
        self._quiet = False
        super().__init__([w.HBox([self.kind, self.object]),
                          w.HTML("<b>now</b>"), self.yaml_view,
                          w.HTML("<b>changed since the previous step</b>"), self.diff_view])
        self.kind.observe(lambda _: self._kind_changed(), names="value")
        self.object.observe(lambda _: self._show(), names="value")
        self._fill_kinds(kind)

    @property
    def since(self) -> int:
        """The etcd revision the diff is taken from."""
        stepper_since = getattr(self.source, "since", None) if not isinstance(self.source, Cluster) else None
        return stepper_since if stepper_since is not None else self._since

    def refresh(self) -> None:
        """The cluster moved on: re-read the kinds and objects, and diff from the revision seen last time."""
        self._since, self._seen = self._seen, self.cluster.etcd.revision
        self._fill_kinds(self.kind.value)

    def select(self, kind: str, name: str) -> None:
        """Show one object, as picking it in the dropdowns does (name is `name`, or `namespace/name`)."""
        self.kind.value = kind
        self.object.value = name

    def before(self) -> dict | None:
        """The selected object as it was stored at revision `since` (None: it did not exist then)."""
        res, key = self._selected()
        if res is None:
            return None
        old = None
        for event in self.cluster.etcd.history(key):
            if event.revision > self.since:
                break
            old = None if event.type == "DELETED" else to_object(event.kv)
        return old

    def now(self) -> dict | None:
        """The selected object as stored now (None: none selected, or deleted)."""
        res, key = self._selected()
        kv = self.cluster.etcd.get(key) if res is not None else None
        return to_object(kv) if kv is not None else None

    # --- internals ----------------------------------------------------------------------------------------------

    def _resources(self) -> list[Resource]:
        """Kinds with at least one object in the store: the lesson's kinds first."""
        present = [r for r in RESOURCES if r.group != "events.k8s.io"       # the core Events, under another name
                   and self.cluster.etcd.count(self._prefix(r))]
        return sorted(present, key=lambda r: FIRST.index(r.kind) if r.kind in FIRST else len(FIRST))

    def _prefix(self, res: Resource) -> str:
        return f"{res.prefix}{self.namespace}/" if res.namespaced else res.prefix

    def _fill_kinds(self, want: str | None) -> None:
        kinds = [r.kind for r in self._resources()]
        self._quiet = True
        try:
            if list(self.kind.options) != kinds:
                self.kind.options = kinds
            self.kind.value = want if want in kinds else (kinds[0] if kinds else None)
        finally:
            self._quiet = False
        self._kind_changed()

    def _kind_changed(self) -> None:
        if self._quiet:
            return
        res = _resource(self.kind.value)
        names = [k.removeprefix(self._prefix(res)) for k in self.cluster.etcd.keys(self._prefix(res))] if res else []
        keep = self.object.value if self.object.value in names else (names[0] if names else None)
        self._quiet = True
        try:
            if list(self.object.options) != names:
                self.object.options = names
            self.object.value = keep
        finally:
            self._quiet = False
        self._show()

    def _selected(self) -> tuple[Resource | None, str]:
        res = _resource(self.kind.value)
        if res is None or not self.object.value:
            return None, ""
        return res, self._prefix(res) + self.object.value

    def _show(self) -> None:
        if self._quiet:
            return
        res, key = self._selected()
        if res is None:
            self.yaml_text, self.diff_text = "", ""
        else:
            now, old = self.now(), self.before()
            self.yaml_text = viz.object_yaml(now) if now is not None else f"{key} is not in the store"
            if now is None:
                self.diff_text = f"deleted since revision {self.since}" if old is not None else ""
            elif old is None:
                self.diff_text = f"created since revision {self.since}"
            elif old == now:
                self.diff_text = f"unchanged since revision {self.since}"
            else:
                self.diff_text = viz.object_diff(old, now, f"{key} at revision {self.since}",
                                                 f"{key} now (revision {self.cluster.etcd.revision})")
        self.yaml_view.value = pre(self.yaml_text, empty="(nothing selected)")
        self.diff_view.value = pre(self.diff_text, empty="(nothing selected)")

    def __repr__(self) -> str:
        return f"Inspector({self.kind.value} {self.object.value}, since revision {self.since})"


def _resource(kind: str | None) -> Resource | None:
    return next((r for r in RESOURCES if r.kind == kind), None) if kind else None


__all__ = ["Inspector"]
