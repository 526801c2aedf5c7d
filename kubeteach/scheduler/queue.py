"""The scheduling queue (pkg/scheduler/backend/queue): activeQ, backoffQ and unschedulablePods on the virtual clock.

Every pod that enters activeQ gets one loop entry; the entry pops the head of activeQ (PrioritySort: priority
descending, then queue timestamp), so one entry is one scheduling attempt is one `step()`. A back-off or the
5-minute flush is one entry that moves the pod to activeQ and attempts it in the same step.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..objects import key_of
from ..trace import narrative

if TYPE_CHECKING:
    from ..loop import Component, Entry, Loop

POD_INITIAL_BACKOFF = 1.0                    # podInitialBackoffSeconds
POD_MAX_BACKOFF = 10.0                       # podMaxBackoffSeconds
POD_MAX_IN_UNSCHEDULABLE_PODS = 300.0        # DefaultPodMaxInUnschedulablePodsDuration (5 min)
#: who records a queue entry that found nothing to do (scheduler.SCHEDULER_NAME; the scheduler imports this module)
SCHEDULER_ACTOR = "default-scheduler"
#: what each queue entry is in the Go scheduler
PASSES = {"attempt": "scheduleOne", "_flush": "flushUnschedulablePodsLeftover", "_backoff_done": "flushBackoffQCompleted"}

#: cluster event -> the plugins whose rejections it may undo (each plugin's EventsToRegister, simplified)
EVENTS: dict[str, frozenset[str]] = {
    "NodeAdd": frozenset({"NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts",
                          "NodeResourcesFit", "VolumeBinding", "PodTopologySpread", "InterPodAffinity"}),
    "NodeAllocatableChange": frozenset({"NodeResourcesFit"}),
    "NodeLabelChange": frozenset({"NodeAffinity", "VolumeBinding", "PodTopologySpread", "InterPodAffinity"}),
    "NodeTaintChange": frozenset({"TaintToleration", "NodeUnschedulable"}),
    "NodeSpecUnschedulableChange": frozenset({"NodeUnschedulable"}),
    "AssignedPodDelete": frozenset({"NodeResourcesFit", "NodePorts", "PodTopologySpread", "InterPodAffinity"}),
    "AssignedPodUpdate": frozenset({"NodeResourcesFit"}),
    "PersistentVolumeClaimAdd": frozenset({"VolumeBinding"}),
    "PersistentVolumeClaimUpdate": frozenset({"VolumeBinding"}),
    "PersistentVolumeAdd": frozenset({"VolumeBinding"}),
    "PersistentVolumeUpdate": frozenset({"VolumeBinding"}),
    "StorageClassAdd": frozenset({"VolumeBinding"}),
}


@dataclass
class QueuedPodInfo:
    """framework.QueuedPodInfo: the pod, when it was (re)queued, its attempts and who rejected it last."""

    key: str
    pod: dict
    timestamp: float
    seq: int
    attempts: int = 0
    unschedulable_plugins: set[str] = field(default_factory=set)
    entry: Entry | None = None       # the pending back-off or flush entry

    @property
    def priority(self) -> int:
        return int(self.pod["spec"].get("priority") or 0)


class SchedulingQueue:
    """PriorityQueue: where each pending pod waits, and the loop entries that will attempt it."""

    def __init__(self, loop: Loop, component: Component, attempt: Callable[[], None]):
        self.loop, self.component, self.attempt = loop, component, attempt
        self.active: dict[str, QueuedPodInfo] = {}
        self.backoff: dict[str, QueuedPodInfo] = {}
        self.unschedulable: dict[str, QueuedPodInfo] = {}
        self._heap: list[tuple[int, float, int, str]] = []
        self._active_entries: dict[int, Entry] = {}    # pending attempts by ticket, in the order queued
        self._seq = 0
        self._tickets = 0

    # --- entries on the loop ----------------------------------------------------------------------------------

    def _schedule(self, delay: float, kind: str, handler: str, arg: str | None, label: str,
                  active: bool = False) -> Entry:
        """One loop entry running `self.<handler>(arg)`; an `active` one (an attempt) is counted until it runs."""
        self._tickets += 1
        entry = self.loop.schedule(delay, self.component, self, "_run", self._tickets, handler, arg, kind=kind,
                                   label=label)
        if active:
            self._active_entries[self._tickets] = entry
        return entry

    def _run(self, ticket: int, handler: str, arg: str | None) -> None:
        self._active_entries.pop(ticket, None)
        if arg is None:
            getattr(self, handler)()
        else:
            getattr(self, handler)(arg)
        if not self.loop.recorded():        # the pod was deleted, bound or assumed since this entry was queued
            self.loop.record(SCHEDULER_ACTOR, "nothing-to-do", arg or "", why="scheduler-queue",
                             **{"pass": PASSES.get(handler, handler)})

    def _cancel(self, entry: Entry | None) -> None:
        if entry is None:
            return
        if any(e is entry for e in self.component.parked):
            self.component.parked.remove(entry)
        else:
            self.loop.cancel(entry)

    # --- activeQ ----------------------------------------------------------------------------------------------

    def _push_active(self, pinfo: QueuedPodInfo) -> None:
        self._seq += 1
        pinfo.seq = self._seq
        self.active[pinfo.key] = pinfo
        heapq.heappush(self._heap, (-pinfo.priority, pinfo.timestamp, pinfo.seq, pinfo.key))

    def _activate(self, pinfo: QueuedPodInfo, kind: str = "work") -> None:
        """Into activeQ, with the loop entry that will pop it (or a pod ahead of it)."""
        self._push_active(pinfo)
        self._schedule(0.0, kind, "attempt", None, "scheduleOne", active=True)

    def _drop_active(self, key: str) -> None:
        """A pod left activeQ without being popped: one pending attempt fewer."""
        if self.active.pop(key, None) is not None and self._active_entries:
            self._cancel(self._active_entries.popitem()[1])

    def pop(self) -> QueuedPodInfo | None:
        """The head of activeQ by PrioritySort; its attempt count goes up."""
        while self._heap:
            _, _, seq, key = heapq.heappop(self._heap)
            pinfo = self.active.get(key)
            if pinfo is not None and pinfo.seq == seq:
                del self.active[key]
                pinfo.attempts += 1
                return pinfo
        return None

    # --- informer events --------------------------------------------------------------------------------------

    def add(self, pod: dict, now: float) -> None:
        """A new pending pod: straight into activeQ."""
        key = key_of(pod)
        if key in self.active or key in self.backoff or key in self.unschedulable:
            self.update(pod, pod, now)
            return
        self._activate(QueuedPodInfo(key, pod, now, 0))

    def update(self, old: dict, new: dict, now: float) -> None:
        """Update: refresh the queued copy; a spec or label change moves an unschedulable pod back to try again."""
        key = key_of(new)
        for q in (self.active, self.backoff):
            if key in q:
                q[key].pod = new
                return
        pinfo = self.unschedulable.get(key)
        if pinfo is None:
            return
        pinfo.pod = new
        if _strip(old) != _strip(new):
            self._move(pinfo, now, "work")

    def delete(self, pod: dict) -> None:
        key = key_of(pod)
        self._drop_active(key)
        for q in (self.backoff, self.unschedulable):
            pinfo = q.pop(key, None)
            if pinfo is not None:
                self._cancel(pinfo.entry)

    # --- after a failed attempt -------------------------------------------------------------------------------

    def backoff_duration(self, pinfo: QueuedPodInfo) -> float:
        """1s doubling per attempt, at most 10s (calculateBackoffDuration)."""
        return min(POD_INITIAL_BACKOFF * 2 ** max(pinfo.attempts - 1, 0), POD_MAX_BACKOFF)

    def backoff_expiry(self, pinfo: QueuedPodInfo) -> float:
        return pinfo.timestamp + self.backoff_duration(pinfo)

    def add_unschedulable(self, pinfo: QueuedPodInfo, unschedulable: bool, plugins: set[str], now: float) -> str:
        """AddUnschedulableIfNotPresent: a FitError waits in unschedulablePods for an event (or the 5 min flush);
        an error goes to backoffQ. Returns where the pod went."""
        pinfo.timestamp = now
        pinfo.unschedulable_plugins = set(plugins)
        if not unschedulable:
            self._to_backoff(pinfo, "retry")
            return "backoffQ"
        self.unschedulable[pinfo.key] = pinfo
        pinfo.entry = self._schedule(POD_MAX_IN_UNSCHEDULABLE_PODS, "retry", "_flush", pinfo.key,
                                     f"flushUnschedulablePodsLeftover {pinfo.key}")
        return "unschedulablePods"

    def _to_backoff(self, pinfo: QueuedPodInfo, kind: str) -> None:
        self.backoff[pinfo.key] = pinfo
        delay = max(self.backoff_expiry(pinfo) - self.loop.now, 0.0)
        pinfo.entry = self._schedule(delay, kind, "_backoff_done", pinfo.key, f"backoff {pinfo.key}")

    def _backoff_done(self, key: str) -> None:
        pinfo = self.backoff.pop(key, None)
        if pinfo is not None:
            pinfo.entry = None
            self._push_active(pinfo)
            self.attempt()

    def _flush(self, key: str) -> None:
        pinfo = self.unschedulable.pop(key, None)
        if pinfo is not None:
            pinfo.entry = None
            self._push_active(pinfo)
            self.attempt()

    # --- cluster events ---------------------------------------------------------------------------------------

    def waiting_for(self, event: str) -> list[QueuedPodInfo]:
        """The unschedulable pods this event may help: rejected by a plugin that registered for it (or by none)."""
        plugins = EVENTS.get(event, frozenset())
        return [p for _, p in sorted(self.unschedulable.items())
                if not p.unschedulable_plugins or p.unschedulable_plugins & plugins]

    def move(self, pods: list[QueuedPodInfo], now: float) -> None:
        """movePodsToActiveOrBackoffQueue: still backing off → backoffQ, otherwise activeQ."""
        for pinfo in pods:
            self.unschedulable.pop(pinfo.key, None)
            self._move(pinfo, now, "work")

    def _move(self, pinfo: QueuedPodInfo, now: float, kind: str) -> None:
        self.unschedulable.pop(pinfo.key, None)
        self._cancel(pinfo.entry)
        pinfo.entry = None
        if now < self.backoff_expiry(pinfo):
            self._to_backoff(pinfo, kind)
        else:
            self._activate(pinfo, kind)

    def activate_all(self) -> list[str]:
        """A restarted scheduler starts with every pending pod in activeQ and no back-offs."""
        moved = []
        for q in (self.backoff, self.unschedulable):
            for key in sorted(q):
                pinfo = q.pop(key)
                self._cancel(pinfo.entry)
                pinfo.entry = None
                self._activate(pinfo)
                moved.append(key)
        return moved

    def pending(self) -> dict[str, list[str]]:
        """Which pods wait where (for lessons): activeQ, backoffQ, unschedulablePods."""
        return {"activeQ": sorted(self.active), "backoffQ": sorted(self.backoff),
                "unschedulablePods": sorted(self.unschedulable)}


def _strip(pod: dict) -> dict:
    """isPodUpdated: compare pods without status and bookkeeping metadata."""
    meta = {k: v for k, v in pod.get("metadata", {}).items()
            if k not in ("resourceVersion", "generation", "managedFields")}
    return {"metadata": meta, "spec": pod.get("spec")}


narrative({"nothing-to-do:scheduler-queue": "the pod it was queued for has left the queue (bound, assumed or deleted)"})
