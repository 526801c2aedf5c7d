"""The discrete-event loop: one virtual clock and one heap of due work, keyed (time, sequence) as in SimPy.

Each entry is one unit of work of one component. Entries are "work" (what keeps the cluster busy), "periodic"
(heartbeats, resyncs) or "retry" (back-offs); the cluster is settled when only the last two kinds are left.
"""

from __future__ import annotations

import gc
import heapq
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO


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


#: gen-0 threshold while a simulation runs: API requests allocate dicts by the million, and CPython's default
#: (700) spends a quarter of a 10,000-pod run in the cyclic collector
GC_THRESHOLD0 = 50_000


@contextmanager
def relaxed_gc() -> Iterator[None]:
    """Collect young objects less often while a run lasts (this only moves GC work); the old setting comes back."""
    before = gc.get_threshold()
    if before[0] < GC_THRESHOLD0:
        gc.set_threshold(GC_THRESHOLD0, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


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


class ProgressBar:
    """A `Cluster.progress` hook: a one-line bar on stderr, shown only once a run has lasted `after` wall-clock
    seconds, so short runs (tests, lessons) print nothing and outputs stay deterministic.

    The bar shows steps and virtual time only; the wall clock decides whether it appears, never what it says.
    """

    def __init__(self, after: float = 3.0, stream: TextIO | None = None, width: int = 30):
        self.after, self.stream, self.width = after, stream, width
        self._started: float | None = None
        self._shown = False

    def __call__(self, steps: int, now: float, done: bool) -> None:
        """Called by `Cluster.run` every 1000 steps and at the end."""
        clock = time.monotonic()
        if self._started is None:
            self._started = clock
        if not self._shown and clock - self._started < self.after:
            if done:
                self._started = None
            return
        self._shown = True
        stream = self.stream or sys.stderr
        filled = self.width if done else (steps // 1000) % (self.width + 1)
        bar = "#" * filled + "." * (self.width - filled)
        stream.write(f"\r[{bar}] {steps} steps, t={now:.3f}s" + (" done\n" if done else ""))
        stream.flush()
        if done:
            self._started, self._shown = None, False
