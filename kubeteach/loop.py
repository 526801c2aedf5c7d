"""The environment (SimPy's `Environment`): one virtual clock, one heap of due work keyed (time, sequence), the
trace, and the components' on/off switches. Components get this and their own client, never the whole cluster.

Each entry is one unit of work of one component, and it is data: which component, which object and method
(`handler`, a name), with which arguments. So a cluster copies with plain `copy.deepcopy` (the Stepper's Back
and Reset): a copied entry calls the copied component. Entries are "work" (what keeps the cluster busy),
"periodic" (heartbeats, resyncs) or "retry" (back-offs); the cluster is settled when only the last two are left.
"client" work (a simulated client's request, traffic.py) counts as periodic and may leave no record: its
summary is one record per second.

`step`, `run`, `run(seconds=)`, `wait_until` and `boot` share one pop-and-run path (`_advance`). An entry that
raises is that component's failure, not the loop's: it is recorded (`work-failed`) and the work runs again after
a per-item exponential back-off (`backoff`), as a client-go work queue requeues a key that failed. Every unit of
work leaves at least one record (a sync that finds nothing to do says so: that is level-triggered
reconciliation); one that leaves none is a component bug, recorded as `work-silent` and counted as a failure.
"""

from __future__ import annotations

import gc
import heapq
import sys
import time
import traceback
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .trace import Record, Trace, narrative

#: workqueue.DefaultItemBasedRateLimiter as DefaultControllerRateLimiter builds it: 5ms·2^failures, at most 1000s
#: (staging/src/k8s.io/client-go/util/workqueue/default_rate_limiters.go). Its other half, a 10 qps / 100 burst
#: token bucket over all keys, is left out: on a virtual clock it only spreads a burst of first tries apart.
BACKOFF_BASE = 0.005
BACKOFF_MAX = 1000.0
#: `run()` stops after this many steps and says so (RunResult), so it never runs forever
MAX_STEPS = 200_000
#: `wait_until` gives up early once nothing but periodic work and retries is due and the next of those is further
#: away than this: a settled cluster is not fast-forwarded through a long quiet stretch (a 5-minute flush, a
#: 300 s eviction) for a condition nothing is working on (what kubectl --wait on a cluster without heartbeats sees)
QUIET_WAIT = 60.0

#: loops whose components have failed at least once (what tests/conftest.py checks after each test)
FAILING: weakref.WeakSet[Loop] = weakref.WeakSet()


def backoff(failures: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_MAX) -> float:
    """The delay before the next try after `failures` earlier failures of the same item (0 → 5 ms)."""
    if failures >= 64:         # 2**64 · 5 ms is far past the cap; don't build huge floats
        return cap
    return min(base * (2 ** failures), cap)


class WorkFailed(Exception):
    """Raised by a work queue after it requeued a key whose processing raised (the cause is `__cause__`): the
    loop records the failure and leaves the retry to the queue."""

    def __init__(self, actor: str, key: str, delay: float, attempt: int):
        super().__init__(f"{actor}: {key} failed; requeued in {delay:g}s")
        self.actor, self.key, self.delay, self.attempt = actor, key, delay, attempt


@dataclass
class Component:
    """A switch (`c.stop("kube-scheduler")`): while it is off, its work waits (parked); `on_start` (a bound method
    of the component) runs when it comes back."""

    name: str
    running: bool = True
    parked: list[Entry] = field(default_factory=list)
    on_start: Callable[[], None] | None = None


@dataclass(order=True)
class Entry:
    """One unit of work: `getattr(target, handler)(*args)` at `time`, on `component`'s switch."""

    time: float
    seq: int
    component: Component = field(compare=False)
    target: Any = field(compare=False)                 # the object whose method runs (a controller, a queue, …)
    handler: str = field(compare=False)                # the method's name
    args: tuple = field(default=(), compare=False)     # its arguments (a key, a pod UID, …)
    kind: str = field(default="work", compare=False)
    label: str = field(default="", compare=False)
    cancelled: bool = field(default=False, compare=False)
    failures: int = field(default=0, compare=False)    # how often this work raised before (for its back-off)

    def cancel(self) -> None:
        self.cancelled = True

    def same_work(self, other: Entry) -> bool:
        """Whether `other` is this work scheduled again (same component, method and arguments, or same label)."""
        return other.component is self.component and (
            (other.target is self.target and other.handler == self.handler and other.args == self.args)
            or bool(self.label and other.label == self.label))

    def name(self) -> str:
        """What the trace calls this work when it fails: its label, else the method (`Heartbeat.post`)."""
        method = getattr(type(self.target), self.handler, None)
        return self.label or getattr(method, "__qualname__", self.handler)


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


@dataclass(frozen=True)
class RunResult:
    """What `run()` did: how many steps, to which virtual time, and whether the cluster settled."""

    steps: int
    time: float
    settled: bool

    def __repr__(self) -> str:
        if self.steps >= MAX_STEPS:
            state = f"stopped at the {MAX_STEPS}-step bound, not settled"
        else:
            state = "settled" if self.settled else "work still due"
        return f"<ran {self.steps} step{'' if self.steps == 1 else 's'} to t={self.time:.3f}s, {state}>"


def _where(err: BaseException) -> str:
    """Where a component's work raised, package-relative (`controllers/deploymentutil.py:41 in scaled_value`): the
    innermost frame of the component's own code, not of the client or API server an APIError came out of."""
    pkg = Path(__file__).resolve().parent
    shown = []
    for frame in traceback.extract_tb(err.__traceback__):
        path = Path(frame.filename).resolve()
        rel = str(path.relative_to(pkg)) if path.is_relative_to(pkg) else path.name
        shown.append((rel, f"{rel}:{frame.lineno} in {frame.name}"))
    own = [text for rel, text in shown if not rel.startswith(("apiserver/", "client.py", "etcd"))]
    return (own or [text for _, text in shown] or [""])[-1]


class Loop:
    """The environment every component is built with: `now`, `schedule` (its own work), `record` (the trace),
    `component` (its switch); and `step`, `run`, `wait_until` for whoever drives the cluster."""

    def __init__(self, trace: Trace | None = None) -> None:
        self.now = 0.0
        self._heap: list[Entry] = []
        self._seq = 0
        self.busy = 0          # live "work" entries in the heap
        self.trace = trace if trace is not None else Trace()
        self.errors: list[Record] = []                 # the "work-failed" and "work-silent" records
        self.components: dict[str, Component] = {}    # the switches, by name
        self._step_records: list[Record] | None = None

    # --- what components use ------------------------------------------------------------------------------------

    def clock(self) -> float:
        """The virtual clock as a function (what the API server and the CA are given)."""
        return self.now

    def record(self, actor: str, action: str, obj: str = "", **detail: Any) -> Record:
        """Append a trace record at the current virtual time (and to the running step's records)."""
        rec = Record(self.now, actor, action, obj, detail)
        self.trace.append(rec)
        if self._step_records is not None:
            self._step_records.append(rec)
        return rec

    def recorded(self) -> int:
        """How many records the running unit of work has left so far (0 outside one): a sync ends with a "nothing
        to do" record when it is still 0."""
        return len(self._step_records) if self._step_records is not None else 0

    def component(self, name: str) -> Component:
        """The switch `name` (made on first use)."""
        if name not in self.components:
            self.components[name] = Component(name)
        return self.components[name]

    def schedule(self, delay: float, component: Component, target: Any, handler: str, *args: Any,
                 kind: str = "work", label: str = "") -> Entry:
        """Run `target.handler(*args)` after `delay` virtual seconds, as `component`'s work of `kind`."""
        self._seq += 1
        entry = Entry(self.now + max(delay, 0.0), self._seq, component, target, handler, args, kind, label)
        heapq.heappush(self._heap, entry)
        if kind == "work":
            self.busy += 1
        return entry

    @property
    def seq(self) -> int:
        """The sequence number of the newest entry scheduled so far."""
        return self._seq

    def cancel(self, entry: Entry) -> None:
        if entry.cancelled:
            return
        entry.cancelled = True
        if entry in entry.component.parked:
            entry.component.parked.remove(entry)     # parked entries are not counted in `busy`
        elif entry.kind == "work":
            self.busy -= 1

    # --- switches -----------------------------------------------------------------------------------------------

    def stop(self, name: str) -> None:
        """Switch components off (`kube-scheduler`, `kube-controller-manager`, `kubelet/node-1`): their work waits."""
        for comp in self.matching(name):
            comp.running = False

    def start(self, name: str) -> None:
        """Switch components back on: their waiting work is due now, then their `on_start` runs (a relist)."""
        for comp in self.matching(name):
            if not comp.running:
                comp.running = True
                self.unpark(comp)
                if comp.on_start:
                    comp.on_start()

    def matching(self, name: str) -> list[Component]:
        """The switches `name` names: itself, those under it (`kube-controller-manager/…`), or `…/name`."""
        found = [c for n, c in self.components.items()
                 if n == name or n.startswith(name + "/") or n.endswith("/" + name)]
        if not found:
            raise KeyError(f"no component {name!r}; components: {', '.join(sorted(self.components))}")
        return found

    # --- driving it ---------------------------------------------------------------------------------------------

    def step(self) -> list[Record] | None:
        """Run exactly one unit of work; its trace records, or None once only periodic work and retries are left."""
        return self._advance(None)

    def run(self, seconds: float | None = None,
            progress: Callable[[int, float, bool], None] | None = None) -> RunResult:
        """Step until settled (at most MAX_STEPS); or, with `seconds`, do every entry due before now + seconds,
        periodic work and retries included, then move the clock there. `progress` is called every 1000 steps
        and at the end."""
        end = None if seconds is None else self.now + seconds
        steps = 0
        with relaxed_gc():
            while steps < MAX_STEPS and self._advance(end) is not None:
                steps += 1
                if progress and steps % 1000 == 0:
                    progress(steps, self.now, False)
        if end is not None:
            self.now = max(self.now, end)
        settled = self.busy <= 0 if end is not None else steps < MAX_STEPS
        if progress:
            progress(steps, self.now, True)
        return RunResult(steps, self.now, settled)

    def wait_until(self, done: Callable[[], bool], timeout: float = 600.0) -> bool:
        """Advance until `done()` holds (as kubectl --wait does), at most `timeout` virtual seconds, and not through
        more than QUIET_WAIT seconds of nothing but periodic work and retries."""
        end = self.now + timeout
        while not done():
            t = self.next_time()
            if (t is not None and self.busy <= 0 and t > self.now + QUIET_WAIT) or self._advance(end) is None:
                return bool(done())
        return True

    def boot(self) -> None:
        """The work due at t=0 (informers synced, nodes registered, leases created): a cluster that has been up."""
        while self.busy > 0 and self._advance(0.0) is not None:
            pass

    def _advance(self, end: float | None) -> list[Record] | None:
        """The one pop-and-run path: the next entry (with `end`: if due by then; without: if any work is left) is
        run and its records returned; None if there is none."""
        if end is None:
            if self.busy <= 0:
                return None
        else:
            t = self.next_time()
            if t is None or t > end:
                return None
        entry = self.pop()
        if entry is None:
            return None
        records: list[Record] = []
        self._step_records = records
        seq = self._seq
        try:
            getattr(entry.target, entry.handler)(*entry.args)
        except Exception as err:                    # noqa: BLE001 - any component bug; KeyboardInterrupt passes
            self._failed(entry, err, seq)
        else:
            if not records and entry.kind != "client":
                self._silent(entry)
        finally:
            self._step_records = None
        return records

    def _silent(self, entry: Entry) -> None:
        """A unit of work that left no record: a component bug (every sync says what it did or that it found
        nothing to do), recorded and counted with the failures so tests catch it."""
        actor = entry.component.name.removeprefix("kube-controller-manager/")
        self.errors.append(self.record(actor, "work-silent", entry.name(), kind="SilentWork"))
        FAILING.add(self)

    def _failed(self, entry: Entry, err: Exception, seq: int) -> None:
        """Record a component's failure; retry its work after a back-off (a work queue has requeued its key)."""
        if isinstance(err, WorkFailed):
            cause: BaseException = err.__cause__ or err
            key, delay, attempt = err.key, err.delay, err.attempt
        else:
            again, delay = self.retry(entry, seq)
            cause, key, attempt = err, entry.name(), again.failures
        actor = entry.component.name.removeprefix("kube-controller-manager/")
        self.errors.append(self.record(actor, "work-failed", key, kind=type(cause).__name__, error=str(cause),
                                       where=_where(cause), attempt=attempt, delay=delay))
        FAILING.add(self)

    def retry(self, entry: Entry, since_seq: int) -> tuple[Entry, float]:
        """Run a failed entry's work again after its back-off, as kind "retry" (it does not keep the cluster busy);
        each further failure doubles the delay. Work that scheduled its own next run before it raised (a periodic
        heartbeat) has its retry already: that run (scheduled after `since_seq`) carries the failure count on."""
        again = self._rescheduled(entry, since_seq)
        if again is None:
            delay = backoff(entry.failures)
            again = self.schedule(delay, entry.component, entry.target, entry.handler, *entry.args, kind="retry",
                                  label=entry.label)
        else:
            delay = again.time - self.now
        again.failures = entry.failures + 1
        return again, delay

    def _rescheduled(self, entry: Entry, since_seq: int) -> Entry | None:
        mine = [e for e in self._heap if e.seq > since_seq and not e.cancelled and entry.same_work(e)]
        return min(mine) if mine else None

    def trim(self, limit: int) -> None:
        """Keep the newest `limit` trace records and failures (a long-running `kubeteach serve`)."""
        if len(self.trace) > limit:
            del self.trace[:len(self.trace) - limit]
        if len(self.errors) > limit:
            del self.errors[:len(self.errors) - limit]

    # --- the heap -----------------------------------------------------------------------------------------------

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


narrative({"work-failed": _failed,
           "work-silent": "{object} ran and left no trace record (a component bug: a sync records what it did, or "
                          "that it found nothing to do)"})
