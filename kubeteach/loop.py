"""The discrete-event loop: one virtual clock and one heap of due work, keyed (time, sequence) as in SimPy.

Each entry is one unit of work of one component. Entries are "work" (what keeps the cluster busy), "periodic"
(heartbeats, resyncs) or "retry" (back-offs); the cluster is settled when only the last two kinds are left.

An entry that raises is that component's failure, not the loop's: the cluster records it and runs the work again
after a per-item exponential back-off (`backoff`), as a client-go work queue requeues a key that failed.
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

from .trace import narrative

#: workqueue.DefaultItemBasedRateLimiter as DefaultControllerRateLimiter builds it: 5ms·2^failures, at most 1000s
#: (staging/src/k8s.io/client-go/util/workqueue/default_rate_limiters.go). Its other half, a 10 qps / 100 burst
#: token bucket over all keys, is left out: on a virtual clock it only spreads a burst of first tries apart.
BACKOFF_BASE = 0.005
BACKOFF_MAX = 1000.0


def backoff(failures: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_MAX) -> float:
    """The delay before the next try after `failures` earlier failures of the same item (0 → 5 ms)."""
    if failures >= 64:         # 2**64 · 5 ms is far past the cap; don't build huge floats
        return cap
    return min(base * (2 ** failures), cap)


class WorkFailed(Exception):
    """Raised by a work queue after it requeued a key whose processing raised (the cause is `__cause__`): the
    cluster records the failure and leaves the retry to the queue."""

    def __init__(self, actor: str, key: str, delay: float, attempt: int):
        super().__init__(f"{actor}: {key} failed; requeued in {delay:g}s")
        self.actor, self.key, self.delay, self.attempt = actor, key, delay, attempt


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
    failures: int = field(default=0, compare=False)    # how often this work raised before (for its back-off)

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

    @property
    def seq(self) -> int:
        """The sequence number of the newest entry scheduled so far."""
        return self._seq

    def retry(self, entry: Entry, since_seq: int) -> tuple[Entry, float]:
        """Run a failed entry's work again after its back-off, as kind "retry" (it does not keep the cluster busy);
        each further failure doubles the delay. Work that scheduled its own next run before it raised (a periodic
        heartbeat) has its retry already: that run (scheduled after `since_seq`) carries the failure count on."""
        again = self._rescheduled(entry, since_seq)
        if again is None:
            delay = backoff(entry.failures)
            again = self.schedule(delay, entry.component, entry.fn, kind="retry", label=entry.label)
        else:
            delay = again.time - self.now
        again.failures = entry.failures + 1
        return again, delay

    def _rescheduled(self, entry: Entry, since_seq: int) -> Entry | None:
        mine = [e for e in self._heap if e.seq > since_seq and not e.cancelled and e.component is entry.component
                and (e.fn == entry.fn or (entry.label and e.label == entry.label))]
        return min(mine) if mine else None

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


def _failed(f: dict) -> str:
    return f"{f['object']} failed: {f['kind']}: {f['error']} (at {f['where']}); retry {f['attempt']} in {f['delay']:g}s"


narrative({"work-failed": _failed})
