"""events.k8s.io/v1 Events (pkg/apis/events/v1/conversion.go): the core v1 Events under other field names, served
from the same storage (/registry/events holds the core form), so one object answers both APIs.

A request to events.k8s.io is authorized as itself, then served as a core request: its body converted to the core
form on the way in, what comes back converted on the way out (a watch's events too). Approximation: the
events.k8s.io create validation (ValidateEventCreate: eventTime, reportingController, … required) is not
modelled; both APIs get the core Event's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .request import Request
from .resources import BY_RESOURCE, Resource

GROUP = "events.k8s.io"
API_VERSION = f"{GROUP}/v1"
#: events.k8s.io/v1 field -> core v1 field; the others (eventTime, series, action, reason, type, related,
#: reportingInstance, metadata) have one name in both
RENAMED = (("regarding", "involvedObject"), ("note", "message"), ("reportingController", "reportingComponent"),
           ("deprecatedSource", "source"), ("deprecatedFirstTimestamp", "firstTimestamp"),
           ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count"))
#: core fields Go always writes (no omitempty, or a struct): a zero value shows as null, {} or ""
#: events.k8s.io/v1 fields Go always writes (structs and Times, which omitempty does not drop)
V1_ALWAYS = {"eventTime": None, "regarding": {}, "deprecatedSource": {}, "deprecatedFirstTimestamp": None,
             "deprecatedLastTimestamp": None}
CORE_ALWAYS = {"involvedObject": {}, "source": {}, "firstTimestamp": None, "lastTimestamp": None,
               "eventTime": None, "reportingComponent": "", "reportingInstance": ""}


def is_events_v1(res: Resource) -> bool:
    return res.group == GROUP and res.resource == "events"


def to_core(ev: Any) -> Any:
    """An events.k8s.io/v1 Event as the core v1 Event stored for it (the other way round: `from_core`)."""
    if not isinstance(ev, dict):
        return ev
    out = {("apiVersion" if k == "apiVersion" else dict(RENAMED).get(k, k)): v for k, v in ev.items()}
    if out.get("apiVersion") == API_VERSION:
        out["apiVersion"] = "v1"
    for key, zero in CORE_ALWAYS.items():
        out.setdefault(key, zero)
    return out


def from_core(ev: Any) -> Any:
    """A stored core v1 Event in the events.k8s.io/v1 shape: renamed fields, empty optional ones left out."""
    if not isinstance(ev, dict) or ev.get("kind") not in ("Event", "EventList"):
        return ev
    if ev.get("kind") == "EventList":
        return {**ev, "apiVersion": API_VERSION, "items": [from_core(i) for i in ev.get("items") or []]}
    back = {core: v1 for v1, core in RENAMED}
    out: dict[str, Any] = {}
    for k, v in ev.items():
        name = back.get(k, k)
        if v in (None, "", 0) and name not in V1_ALWAYS:
            continue                                # omitempty in the events.k8s.io type
        out[name] = v
    out["apiVersion"] = API_VERSION
    for name, zero in V1_ALWAYS.items():
        out.setdefault(name, zero)
    return out


def _patch_to_core(body: Any) -> Any:
    """A patch's field names in the core form: top-level keys of a merge patch, first path segments of a JSON
    patch."""
    renamed = dict(RENAMED)
    if isinstance(body, dict):
        return {renamed.get(k, k): v for k, v in body.items()}
    if isinstance(body, list):
        out = []
        for op in body:
            if isinstance(op, dict) and isinstance(op.get("path"), str):
                head, _, rest = op["path"].lstrip("/").partition("/")
                op = {**op, "path": "/" + renamed.get(head, head) + (f"/{rest}" if rest else "")}
            out.append(op)
        return out
    return body


def serve(req: Request, handler: Callable[[Request], Any]) -> Any:
    """Serve an (authorized) events.k8s.io request through the core one: convert in, run, convert out."""
    core = replace(req, resource=BY_RESOURCE["events"], params=dict(req.params))
    if req.verb in ("create", "update"):
        core.body = to_core(req.body)
    elif req.verb == "patch":
        core.body = _patch_to_core(req.body)
    elif req.verb == "watch" and "callback" in req.params:
        callback = req.params["callback"]
        core.params["callback"] = lambda etype, obj: callback(etype, from_core(obj))
    return from_core(handler(core))


__all__ = ["API_VERSION", "GROUP", "from_core", "is_events_v1", "serve", "to_core"]
