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


def _event_line(f: dict) -> str:
    return f"event {f['type']} {f['reason']} on {f['object']}: {f['message']}"


narrative({"event": _event_line})
__all__ = ["EventRecorder", "micro_timestamp"]
