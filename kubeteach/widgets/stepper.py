"""The Stepper: Step, Run, Back and Reset buttons over a cluster, with its clock, ownership graph and last records.

A Step click runs one unit of work (`cluster.step()`), or, stepping "by API request", units of work until one of
them sends a request to kube-apiserver (a trace record with action `request`). Back undoes the last click by
restoring a copy of the cluster taken just before it (`undo.copy_cluster`); Reset restores the copy taken when the
Stepper was made. Both replace `stepper.cluster` with the restored copy: a notebook variable `c` that held the
cluster before still points at the old object, so read `stepper.cluster` after Back or Reset. The records view
groups a click's records by hop, wraps them and folds routine ones (viz/records.py); `last_records` keeps the text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import ipywidgets as w

from .. import viz
from ..cluster import Cluster
from ..etcd import Etcd
from ..trace import Record
from ..viz.records import records_html
from .undo import copy_cluster

#: a Step "by API request" gives up after this many units of work without a request
MAX_UNITS_PER_REQUEST = 10_000
#: the records view shows at most this many of the last click's records (a Run can leave hundreds)
MAX_SHOWN = 200
BY = {"work": "unit of work", "request": "API request"}


@dataclass
class Checkpoint:
    """What Back restores: the cluster before a click and what the Stepper showed then."""

    cluster: Cluster
    steps: int
    since: int | None
    records: list[Record] = field(default_factory=list)


class Stepper(w.VBox):
    """Step / Run / Back / Reset over a cluster, showing the virtual clock, the ownership graph and the records."""

    def __init__(self, cluster: Cluster, by: str = "work", graph: bool = True, namespace: str = "default",
                 max_pods: int = 12, max_undo: int = 500):
        if by not in BY:
            raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
        self.cluster = cluster
        self.graph, self.namespace, self.max_pods, self.max_undo = graph, namespace, max_pods, max_undo
        self.steps = 0                       # units of work run since the Stepper was made
        self.since: int | None = None        # etcd revision before the last click: later changes are highlighted
        self.last_records: list[Record] = []
        self.message = "ready: Step runs one unit of work"
        # Back and Reset copy the cluster; a cluster on a real etcd cannot be copied (its store is outside)
        self.undoable = isinstance(cluster.etcd, Etcd)
        self._initial = copy_cluster(cluster) if self.undoable else None
        self._undo: list[Checkpoint] = []
        self._listeners: list[Callable[[], None]] = []

        self.step_button = w.Button(description="Step", tooltip="run one unit of work (or up to the next request)")
        self.run_button = w.Button(description="Run", tooltip="step until the cluster is settled")
        self.back_button = w.Button(description="Back", tooltip="undo the last click", disabled=True)
        self.reset_button = w.Button(description="Reset", tooltip="return to the state when the Stepper was made",
                                     disabled=not self.undoable)
        if not self.undoable:
            self.message = "ready; Back and Reset are off: a cluster on a real etcd cannot be copied"
        self.by_toggle = w.ToggleButtons(options=[(label, key) for key, label in BY.items()], value=by,
                                         description="Step by")
        self.clock = w.Label()
        self.status = w.Label()
        self.graph_view = w.HTML()
        self.records_view = w.HTML()
        self.step_button.on_click(lambda _: self.step())
        self.run_button.on_click(lambda _: self.run())
        self.back_button.on_click(lambda _: self.back())
        self.reset_button.on_click(lambda _: self.reset())
        super().__init__([w.HBox([self.step_button, self.run_button, self.back_button, self.reset_button]),
                          self.by_toggle, w.HBox([self.clock, self.status]), self.graph_view, self.records_view])
        self.redraw()

    @property
    def by(self) -> str:
        """`work` (one `cluster.step()` per click) or `request` (up to the next API request)."""
        return self.by_toggle.value

    # --- the buttons --------------------------------------------------------------------------------------------

    def step(self) -> list[Record]:
        """One Step click: one unit of work, or units of work up to the next API request; returns their records."""
        before, revision = self._checkpoint(), self.cluster.etcd.revision
        records: list[Record] = []
        units, settled, found = 0, False, False
        while True:
            got = self.cluster.step()
            if got is None:
                settled = True
                break
            units += 1
            records += got
            found = any(r.action == "request" for r in got)
            if self.by == "work" or found or units >= MAX_UNITS_PER_REQUEST:
                break
        if units == 0:
            self.message = "settled: nothing is due but periodic work (heartbeats, resyncs) and retries"
            self._refresh()
            return []
        self._push(before)
        self.steps, self.since, self.last_records = self.steps + units, revision, records
        unit_text = f"{units} unit{'s' if units != 1 else ''} of work"
        if self.by == "work":
            self.message = f"Step: {unit_text}, {_count(records)}"
        elif settled:
            self.message = f"Step: {unit_text}, then settled with no API request"
        elif not found:
            self.message = f"Step: {unit_text} and no API request yet"
        else:
            self.message = f"Step to the next API request: {unit_text}, {_count(records)}"
        self._refresh()
        return records

    def run(self) -> int:
        """The Run click: step until settled (`cluster.run()`); returns how many units of work ran."""
        before, revision, start = self._checkpoint(), self.cluster.etcd.revision, len(self.cluster.trace)
        result = self.cluster.run()
        if result.steps:
            self._push(before)
            self.steps, self.since = self.steps + result.steps, revision
            self.last_records = list(self.cluster.trace[start:])
        state = "settled" if result.settled else "stopped at the step bound, not settled"
        self.message = f"Run: {result.steps} step{'s' if result.steps != 1 else ''} to t={result.time:.3f}s, {state}"
        self._refresh()
        return result.steps

    def back(self) -> bool:
        """The Back click: restore the cluster and the view as they were before the last click."""
        if not self._undo:
            self.message = "Back: nothing to undo"
            self._refresh()
            return False
        cp = self._undo.pop()
        self.cluster, self.steps, self.since, self.last_records = cp.cluster, cp.steps, cp.since, cp.records
        self.message = f"Back: undid the last click (t={self.cluster.now:.3f}s again)"
        self._refresh()
        return True

    def reset(self) -> None:
        """The Reset click: return to the state when the Stepper was made (Back undoes a Reset too)."""
        if self._initial is None:
            self.message = "Reset is off: a cluster on a real etcd cannot be copied"
            self._refresh()
            return
        self._push(self._checkpoint())
        self.cluster = copy_cluster(self._initial)
        self.steps, self.since, self.last_records = 0, None, []
        self.message = "Reset: back to the state when the Stepper was made"
        self._refresh()

    # --- drawing ------------------------------------------------------------------------------------------------

    def remember(self) -> None:
        """Take an undo checkpoint now: panels call this before they change the cluster, so Back undoes them too."""
        self._push(self._checkpoint())
        self.back_button.disabled = not self._undo

    def subscribe(self, callback: Callable[[], None]) -> None:
        """Call `callback` after every click (panels following this Stepper refresh from it)."""
        self._listeners.append(callback)

    def redraw(self) -> None:
        """Draw the clock, the graph and the records again from `cluster` (after a change made elsewhere)."""
        steps = f"{self.steps} step{'s' if self.steps != 1 else ''}"
        self.clock.value = f"t={self.cluster.now:.3f}s, {steps}"
        self.status.value = f"— {self.message}"
        self.back_button.disabled = not self._undo
        if self.graph:
            g = viz.ownership_graph(self.cluster, since=self.since, max_pods=self.max_pods, namespace=self.namespace)
            self.graph_view.value = inline_svg(viz.svg(g))
        shown = self.last_records[-MAX_SHOWN:]
        empty = "(no click yet)" if not self.steps else "(this unit of work left no trace records)"
        # grouped by hop, wrapped, actors coloured, routine records folded (viz/records.py); the text stays str(r)
        self.records_view.value = records_html(shown, empty=empty, earlier=len(self.last_records) - len(shown))

    def state(self) -> str:
        """A one-line checkpoint for notebooks: clock, steps, pod phases and the graph summary."""
        pods = sorted((p["metadata"]["name"], p.get("status", {}).get("phase", "?"))
                      for p in self.cluster.list("pods", self.namespace))
        phases = ", ".join(f"{name} {phase}" for name, phase in pods) or "none"
        summary = viz.ownership_graph(self.cluster, since=self.since, max_pods=self.max_pods,
                                      namespace=self.namespace).summary()
        return f"t={self.cluster.now:.3f}s steps={self.steps} pods: {phases} | {summary}"

    def __repr__(self) -> str:
        return f"Stepper(t={self.cluster.now:.3f}s, steps={self.steps}, by={self.by})"

    # --- internals ----------------------------------------------------------------------------------------------

    def _checkpoint(self) -> Checkpoint | None:
        """The state before a click, with the cluster copied (None when the cluster cannot be copied)."""
        if not self.undoable:
            return None
        return Checkpoint(copy_cluster(self.cluster), self.steps, self.since, self.last_records)

    def _push(self, cp: Checkpoint | None) -> None:
        if cp is None:
            return
        self._undo.append(cp)
        del self._undo[:-self.max_undo]

    def _refresh(self) -> None:
        self.redraw()
        for callback in self._listeners:
            callback()


def inline_svg(text: str) -> str:
    """SVG text for an HTML widget: without the XML prolog and DOCTYPE (they belong to a file, not a page), and
    scaled down to the output's width when the graph is wider."""
    start = text.find("<svg")
    if start < 0:
        return text
    return '<svg style="max-width: 100%; height: auto"' + text[start + len("<svg"):]


def _count(records: list[Record]) -> str:
    return f"{len(records)} trace record{'s' if len(records) != 1 else ''}"


__all__ = ["Stepper"]
