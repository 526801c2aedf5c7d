"""The discrete-event loop: one virtual clock and one heap of due work, keyed (time, sequence) as in SimPy.

Each entry is one unit of work of one component. Entries are "work" (what keeps the cluster busy), "periodic"
(heartbeats, resyncs) or "retry" (back-offs); the cluster is settled when only the last two kinds are left.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Component:
    """Something that can be switched off and on (`c.stop("kube-scheduler")`); its work waits while it is off."""

    name: str
    running: bool = True
    parked: list[Entry] = field(default_factory=list)
    on_start: Callable[[], None] | None = None


@dataclass(order=True)
class Entry:
    time: float
    seq: int
    component: Component = field(compare=False)
    fn: Callable[[], None] = field(compare=False)
    kind: str = field(default="work", compare=False)
    label: str = field(default="", compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class Loop:
    """The clock and the heap; `Cluster.step()` pops one entry at a time."""

    def __init__(self) -> None:
        self.now = 0.0
        self._heap: list[Entry] = []
        self._seq = 0
        self.busy = 0          # live "work" entries in the heap

    def schedule(self, delay: float, component: Component, fn: Callable[[], None], kind: str = "work",
                 label: str = "") -> Entry:
        self._seq += 1
        entry = Entry(self.now + max(delay, 0.0), self._seq, component, fn, kind, label)
        heapq.heappush(self._heap, entry)
        if kind == "work":
            self.busy += 1
        return entry

    def cancel(self, entry: Entry) -> None:
        if entry.cancelled:
            return
        entry.cancelled = True
        if entry in entry.component.parked:
            entry.component.parked.remove(entry)     # parked entries are not counted in `busy`
        elif entry.kind == "work":
            self.busy -= 1

    def next_time(self) -> float | None:
        self._drop_dead()
        return self._heap[0].time if self._heap else None

    def pop(self) -> Entry | None:
        """The next runnable entry (parking those of stopped components), or None when the heap is empty."""
        while self._heap:
            entry = heapq.heappop(self._heap)
            if entry.cancelled:
                continue
            if entry.kind == "work":
                self.busy -= 1
            if not entry.component.running:
                entry.component.parked.append(entry)
                continue
            self.now = max(self.now, entry.time)
            return entry
        return None

    def unpark(self, component: Component) -> None:
        """A component came back: its waiting work is due now, in the order it was queued."""
        for entry in component.parked:
            if entry.cancelled:
                continue
            self._seq += 1
            entry.time, entry.seq = self.now, self._seq
            heapq.heappush(self._heap, entry)
            if entry.kind == "work":
                self.busy += 1
        component.parked.clear()

    def _drop_dead(self) -> None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
