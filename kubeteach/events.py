"""The event recorder (client-go/tools/record): Events named `<object>.<hex UnixNano>`, deduplicated by count.

Writing an Event is an API request like any other; the trace keeps one line per event instead of the request's.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from .client import APIError
from .objects import micro_timestamp, timestamp, unix_nano
from .trace import narrative

if TYPE_CHECKING:
    from .client import Client


#: client-go's event caches hold this many keys, least recently used dropped first (maxLruCacheEntries)
MAX_LRU_CACHE_ENTRIES = 4096


class _Names:
    """The Event names this recorder used at the current virtual instant: on the virtual clock two events about one
    object can fall on the same nanosecond, so the later one takes the next; names from earlier instants are let go."""

    def __init__(self) -> None:
        self._names: dict[str, int] = {}
        self._nanos = -1

    def take(self, name: str, nanos: int) -> str:
        """`<name>.<hex nanos>`, at the first nanosecond from `nanos` (the clock's now) on that is still free."""
        if nanos > self._nanos:
            self._nanos = nanos
            self._names = {k: n for k, n in self._names.items() if n >= nanos}
        while f"{name}.{nanos:x}" in self._names:
            nanos += 1
        self._names[f"{name}.{nanos:x}"] = nanos
        return f"{name}.{nanos:x}"


class EventRecorder:
    """Records Events for one component (`deployment-controller`, `kubelet` on a host, …).

    Like client-go's eventLogger it remembers, per key, only the count, firstTimestamp and name of the last Event
    written (in an LRU of 4096 keys); a repeat PATCHes count, lastTimestamp and message, and an Event that is gone
    is created again under its name."""

    def __init__(self, client: Client, component: str, host: str = "", record=None):
        self.client, self.component, self.host = client, component, host
        self.record = record
        self._seen: OrderedDict[tuple, tuple[int, str, str]] = OrderedDict()
        self._names = _Names()

    def event(self, obj: dict, etype: str, reason: str, message: str, field_path: str = "",
              action: str = "") -> None:
        """Emit one Event about `obj`; an identical one (same object, reason, message) only bumps count."""
        m = obj["metadata"]
        now = self.client.api.now()
        key = (m.get("uid"), field_path, etype, reason, message)
        ns = m.get("namespace") or "default"
        if self.record:
            where = f"{m['namespace']}/{m['name']}" if m.get("namespace") else m["name"]
            self.record("event", f"{obj.get('kind', '')} {where}", type=etype, reason=reason,
                        message=message)
        prev = self._seen.get(key)
        count, first, name = 1, timestamp(now), ""
        if prev is not None:
            self._seen.move_to_end(key)
            count, first, name = prev[0] + 1, prev[1], prev[2]
            try:
                self.client.patch("events", ns, name,
                                  {"count": count, "lastTimestamp": timestamp(now), "message": message})
                self._seen[key] = (count, first, name)
                return
            except APIError as err:
                if err.reason != "NotFound":
                    return
        if not name:
            name = self._names.take(m["name"], unix_nano(now))
        ev = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": {k: v for k, v in (
                ("kind", obj.get("kind")), ("namespace", m.get("namespace")), ("name", m["name"]),
                ("uid", m.get("uid")), ("apiVersion", obj.get("apiVersion")),
                ("resourceVersion", m.get("resourceVersion")), ("fieldPath", field_path)) if v},
            "reason": reason, "message": message,
            "source": {"component": self.component, **({"host": self.host} if self.host else {})},
            "firstTimestamp": first, "lastTimestamp": timestamp(now), "count": count, "type": etype,
            "eventTime": None, "reportingComponent": self.component, "reportingInstance": self.host,
        }
        if action:
            ev["action"] = action
        for _ in range(100):             # another component may have used this nanosecond for the same object
            try:
                self.client.create("events", ev, ns)
            except APIError as err:
                if err.reason != "AlreadyExists":
                    return
                ev["metadata"]["name"] = self._names.take(m["name"], unix_nano(now))
                continue
            self._seen[key] = (count, first, ev["metadata"]["name"])
            if len(self._seen) > MAX_LRU_CACHE_ENTRIES:
                self._seen.popitem(last=False)
            return


#: events.k8s.io recorder: how long an isomorphic event is remembered without a new occurrence (finishTime)
FINISH_TIME = 6 * 60.0


def _reference(obj: dict) -> dict:
    """The ObjectReference an events.k8s.io Event carries (regarding, related)."""
    m = obj["metadata"]
    return {k: v for k, v in (
        ("kind", obj.get("kind")), ("namespace", m.get("namespace")), ("name", m["name"]), ("uid", m.get("uid")),
        ("apiVersion", obj.get("apiVersion")), ("resourceVersion", m.get("resourceVersion"))) if v}


class EventsRecorder:
    """The events.k8s.io recorder (client-go/tools/events), kube-scheduler's: events.k8s.io/v1 Events with eventTime
    (microseconds), reportingController and reportingInstance (`<controller>-<hostname>`), action and note.

    An isomorphic event (same action, reason, controller, regarding object at the same resourceVersion, note)
    becomes a series: the second one PATCHes `series: {count: 2, lastObservedTime}`; one not seen for 6 minutes
    (finishTime) is forgotten, so the next occurrence is a new Event. Approximation: client-go writes later counts
    with its 6-minute series refresh; kubeteach patches each occurrence at once. Like finishSeries, a sweep every
    6 minutes of the clock lets go of what was not seen for 6 minutes."""

    def __init__(self, client: Client, reporting_controller: str, reporting_instance: str, record=None):
        self.client, self.controller, self.instance = client, reporting_controller, reporting_instance
        self.record = record
        self._cache: dict[tuple, dict] = {}
        self._seen_at: dict[tuple, float] = {}     # when each isomorphic event was last observed
        self._swept_at = 0.0
        self._names = _Names()

    def _finish_series(self, now: float) -> None:
        """finishSeries: forget the isomorphic events not observed for finishTime."""
        self._swept_at = now
        for key in [k for k, at in self._seen_at.items() if now - at > FINISH_TIME]:
            del self._seen_at[key]
            self._cache.pop(key, None)

    def eventf(self, regarding: dict, etype: str, reason: str, action: str, note: str,
               related: dict | None = None) -> None:
        """Emit one Event about `regarding` (Eventf's regarding, related, eventtype, reason, action, note)."""
        m = regarding["metadata"]
        now = self.client.api.now()
        ref = _reference(regarding)
        if self.record:
            where = f"{m['namespace']}/{m['name']}" if m.get("namespace") else m["name"]
            self.record("event", f"{regarding.get('kind', '')} {where}", type=etype, reason=reason, message=note)
        key = (action, reason, self.controller, tuple(sorted(ref.items())), note)
        if now - self._swept_at >= FINISH_TIME:
            self._finish_series(now)
        prev = self._cache.get(key)
        if prev is not None and now - self._seen_at[key] > FINISH_TIME:
            prev = None                         # finishSeries dropped it: this occurrence starts a new Event
        self._seen_at[key] = now
        if prev is not None:
            series = prev.get("series") or {"count": 1}
            prev["series"] = {"count": series["count"] + 1, "lastObservedTime": micro_timestamp(now)}
            try:
                self.client.patch("events.events.k8s.io", prev["metadata"]["namespace"], prev["metadata"]["name"],
                                  {"series": prev["series"]})
                return
            except APIError:
                del prev["series"]              # the event is gone: create it afresh, as recordEvent does
        ns = m.get("namespace") or "default"
        ev = {"apiVersion": "events.k8s.io/v1", "kind": "Event",
              "metadata": {"name": self._names.take(m["name"], unix_nano(now)), "namespace": ns},
              "eventTime": micro_timestamp(now), "reportingController": self.controller,
              "reportingInstance": self.instance, "action": action, "reason": reason, "regarding": ref,
              "note": note, "type": etype, **({"related": _reference(related)} if related else {})}
        for _ in range(100):        # on the virtual clock another component may have used this nanosecond
            try:
                self.client.create("events.events.k8s.io", ev, ns)
            except APIError as err:
                if err.reason != "AlreadyExists":
                    return
                ev["metadata"]["name"] = self._names.take(m["name"], unix_nano(now))
                continue
            self._cache[key] = ev
            return


def _event_line(f: dict) -> str:
    return f"event {f['type']} {f['reason']} on {f['object']}: {f['message']}"


narrative({"event": _event_line})
__all__ = ["EventRecorder", "EventsRecorder", "micro_timestamp"]
