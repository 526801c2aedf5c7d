"""The Switchboard: one toggle per component (`cluster.stop(name)` / `cluster.start(name)`), running or stopped."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..cluster import Cluster
from .common import Follows


class Switchboard(w.VBox, Follows):
    """A toggle per started component (controllers, kube-scheduler, kubelet/<node>); off means its work waits."""

    def __init__(self, source: Cluster | Any):
        self._follow(source, self.refresh)
        self.toggles: dict[str, w.ToggleButton] = {}
        self.status = w.Label()
        self._syncing = False
        super().__init__()
        self.refresh()

    def components(self) -> list[str]:
        """The switchable names, in the order the cluster started them (`cluster.component_names()`)."""
        return self.cluster.component_names()

    def running(self, name: str) -> bool:
        """Whether the component's loop work runs (a kubelet of a failed node is stopped)."""
        comps = [c for n, c in self.cluster.components.items() if n == name or n.endswith("/" + name)]
        return all(c.running for c in comps)

    def set(self, name: str, on: bool) -> None:
        """Switch one component on or off, as `cluster.start(name)` / `cluster.stop(name)`."""
        self._changing()
        if on:
            self.cluster.start(name)
        else:
            self.cluster.stop(name)
        self.status.value = f"{'started' if on else 'stopped'} {name}"
        self.refresh()
        self._moved()

    def refresh(self) -> None:
        """Rebuild the toggles from the cluster (after Back/Reset of a followed Stepper, or a fault)."""
        names = self.components()
        if list(self.toggles) != names:
            self.toggles = {}
            for name in names:
                toggle = w.ToggleButton(layout=w.Layout(width="auto"))
                toggle.observe(lambda change, n=name: self._toggled(n, change["new"]), names="value")
                self.toggles[name] = toggle
            self.children = [*self.toggles.values(), self.status]
        for name, toggle in self.toggles.items():
            on = self.running(name)
            toggle.description = f"{name}: {'running' if on else 'stopped'}"
            toggle.icon = "play" if on else "pause"
            if toggle.value != on:
                self._syncing = True
                try:
                    toggle.value = on
                finally:
                    self._syncing = False

    def _toggled(self, name: str, on: bool) -> None:
        if self._syncing or on == self.running(name):
            return
        self.set(name, on)

    def __repr__(self) -> str:
        stopped = [n for n in self.components() if not self.running(n)]
        return f"Switchboard({len(self.components())} components, stopped: {', '.join(stopped) or 'none'})"


__all__ = ["Switchboard"]
