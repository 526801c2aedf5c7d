"""The event recorder (client-go/tools/record): Events named `<object>.<hex UnixNano>`, deduplicated by count.

Writing an Event is an API request like any other; the trace keeps one line per event instead of the request's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .client import APIError
from .objects import micro_timestamp, timestamp, unix_nano
from .trace import narrative

if TYPE_CHECKING:
    from .client import Client


class EventRecorder:
    """Records Events for one component (`deployment-controller`, `kubelet` on a host, …)."""

    def __init__(self, client: Client, component: str, host: str = "", record=None):
        self.client, self.component, self.host = client, component, host
        self.record = record
        self._seen: dict[tuple, dict] = {}
        self._names: set[str] = set()

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
        if prev is not None:
            prev["count"] += 1
            prev["lastTimestamp"] = timestamp(now)
            try:
                self._seen[key] = self.client.update("events", prev)
                return
            except APIError:
                pass
        nanos = unix_nano(now)
        name = f"{m['name']}.{nanos:x}"
        while name in self._names:
            nanos += 1
            name = f"{m['name']}.{nanos:x}"
        self._names.add(name)
        ev = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": {k: v for k, v in (
                ("kind", obj.get("kind")), ("namespace", m.get("namespace")), ("name", m["name"]),
                ("uid", m.get("uid")), ("apiVersion", obj.get("apiVersion")),
                ("resourceVersion", m.get("resourceVersion")), ("fieldPath", field_path)) if v},
            "reason": reason, "message": message,
            "source": {"component": self.component, **({"host": self.host} if self.host else {})},
            "firstTimestamp": timestamp(now), "lastTimestamp": timestamp(now), "count": 1, "type": etype,
            "eventTime": None, "reportingComponent": self.component, "reportingInstance": self.host,
        }
        if action:
            ev["action"] = action
        for _ in range(100):             # another component may have used this nanosecond for the same object
            try:
                self._seen[key] = self.client.create("events", ev, ns)
                return
            except APIError as err:
                if err.reason != "AlreadyExists":
                    return
                nanos += 1
                ev["metadata"]["name"] = f"{m['name']}.{nanos:x}"


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
    with its 6-minute series refresh and forgets in a 6-minute sweep; kubeteach patches each occurrence at once and
    forgets at the next occurrence."""

    def __init__(self, client: Client, reporting_controller: str, reporting_instance: str, record=None):
        self.client, self.controller, self.instance = client, reporting_controller, reporting_instance
        self.record = record
        self._cache: dict[tuple, dict] = {}
        self._seen_at: dict[tuple, float] = {}     # when each isomorphic event was last observed
        self._names: set[str] = set()

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
        nanos = unix_nano(now)
        ns = m.get("namespace") or "default"
        while f"{m['name']}.{nanos:x}" in self._names:
            nanos += 1
        ev = {"apiVersion": "events.k8s.io/v1", "kind": "Event",
              "metadata": {"name": f"{m['name']}.{nanos:x}", "namespace": ns},
              "eventTime": micro_timestamp(now), "reportingController": self.controller,
              "reportingInstance": self.instance, "action": action, "reason": reason, "regarding": ref,
              "note": note, "type": etype, **({"related": _reference(related)} if related else {})}
        for _ in range(100):        # on the virtual clock another component may have used this nanosecond
            self._names.add(ev["metadata"]["name"])
            try:
                self.client.create("events.events.k8s.io", ev, ns)
            except APIError as err:
                if err.reason != "AlreadyExists":
                    return
                nanos += 1
                ev["metadata"]["name"] = f"{m['name']}.{nanos:x}"
                continue
            self._cache[key] = ev
            return


def _event_line(f: dict) -> str:
    return f"event {f['type']} {f['reason']} on {f['object']}: {f['message']}"


narrative({"event": _event_line})
__all__ = ["EventRecorder", "EventsRecorder", "micro_timestamp"]
