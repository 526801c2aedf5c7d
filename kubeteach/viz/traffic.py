"""The traffic timeline: requests per second to a Service, ok and failed (stacked by the error a client saw), and
beneath them the Service's pods per ReplicaSet and its ready and terminating endpoints, over virtual time.

Requests come from the trace's `traffic-summary` records (one per second and Service, traffic.py), so the
picture never calls the journaled `c.traffic`; a second still in progress is not drawn yet. Pods and endpoints
come from the store's history (the pods the Service selects, its EndpointSlices), timed by the trace's `stored`
records, as the rollout timeline is.
"""

from __future__ import annotations

from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg

from ..apiserver.resources import lookup
from ..objects import controller_ref, selector_matches
from .render import plural
from .timeline import TimelineFigure, _revision_times, _time_of

SERVICE_NAME = "kubernetes.io/service-name"
OK_COLOR = "#2ca02c"
ERROR_COLORS = ["#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def _service_selector(cluster: Any, name: str, namespace: str) -> dict | None:
    """The Service's spec.selector (None: selectorless), from its newest write (a deleted Service's last state), or
    KeyError when the store never had it."""
    key = lookup("services").key(namespace, name)
    events = [e for e in cluster.etcd.events(0, key) if e.kv.key == key]
    if not events:
        raise KeyError(f'services "{name}" not found in namespace "{namespace}"')
    last = events[-1].prev if events[-1].type == "DELETED" else events[-1].kv
    return (last.value.get("spec") or {}).get("selector") or None


def traffic_series(cluster: Any, name: str, namespace: str = "default") -> dict[str, Any]:
    """The timeline's data as plain lists.

    `seconds` (each summarised second k, drawn over (k, k+1]), `spans` (the part of it the requests covered),
    `ok`, `failed`, `errors` ({error text: counts per second}), `window` (the first start and the last summarised
    request, or None); and per write that changed them, `time`, `revision`, `replicasets` ({name: pods per entry}, the
    Service's pods by controlling ReplicaSet, terminating ones included), `ready` (endpoints with ready true),
    `terminating` (endpoints with terminating true).
    """
    selector = _service_selector(cluster, name, namespace)
    key = f"{namespace}/{name}"
    recs = [r for r in cluster.trace if r.action == "traffic-summary" and r.object == key]
    starts = [r.time for r in cluster.trace if r.action == "traffic-start" and r.object == key]
    out: dict[str, Any] = {"seconds": [r.detail["second"] for r in recs], "ok": [r.detail["ok"] for r in recs],
                           "failed": [r.detail["failed"] for r in recs],
                           "window": (min(starts, default=recs[0].time), recs[-1].time) if recs else None}
    # the part of each second the requests covered: from the second's start or the run's start, to the second's end
    # or, where the run stopped in it, the stop (a run started or stopped mid-second has a narrower bar)
    stops = {r.time for r in cluster.trace if r.action == "traffic-stop" and r.object == key}
    out["spans"] = [(max([r.detail["second"], *(t for t in starts if t <= r.time)]),
                     r.time if r.time in stops else r.detail["second"] + 1) for r in recs]
    kinds = sorted({e for r in recs for e in r.detail["errors"]})
    out["errors"] = {e: [r.detail["errors"].get(e, 0) for r in recs] for e in kinds}

    pod_prefix = f"{lookup('pods').prefix}{namespace}/"
    slice_prefix = f"{lookup('endpointslices').prefix}{namespace}/"
    events = sorted(cluster.etcd.events(0, pod_prefix) + cluster.etcd.events(0, slice_prefix),
                    key=lambda e: e.revision)
    revs, times = _revision_times(cluster)
    owner_of: dict[str, str] = {}            # pod name -> its ReplicaSet's name ("" when none), while it exists
    slices: dict[str, list[dict]] = {}       # slice name -> its endpoints
    columns: dict[str, list[int]] = {}
    for k in ("time", "revision", "ready", "terminating"):
        out[k] = []
    for ev in events:
        obj = ev.kv.value if ev.type != "DELETED" else ev.prev.value
        meta = obj.get("metadata") or {}
        if ev.kv.key.startswith(pod_prefix):
            if selector is None or not selector_matches({"matchLabels": selector}, meta.get("labels") or {}):
                continue
            ref = controller_ref(obj) or {}
            if ev.type == "DELETED":
                owner_of.pop(meta["name"], None)
            else:
                owner_of[meta["name"]] = ref.get("name", "") if ref.get("kind") == "ReplicaSet" else ""
        else:
            if (meta.get("labels") or {}).get(SERVICE_NAME) != name:
                continue
            if ev.type == "DELETED":
                slices.pop(meta["name"], None)
            else:
                slices[meta["name"]] = obj.get("endpoints") or []
        out["time"].append(_time_of(ev.revision, revs, times))
        out["revision"].append(ev.revision)
        endpoints = [ep for eps in slices.values() for ep in eps]
        out["ready"].append(sum(1 for ep in endpoints if (ep.get("conditions") or {}).get("ready", True)))
        out["terminating"].append(sum(1 for ep in endpoints if (ep.get("conditions") or {}).get("terminating")))
        counts: dict[str, int] = {}
        for rs in owner_of.values():
            counts[rs] = counts.get(rs, 0) + 1
        for rs in counts:
            columns.setdefault(rs, [0] * (len(out["time"]) - 1))
        for rs, col in columns.items():
            col.append(counts.get(rs, 0))
    out["replicasets"] = {rs: columns[rs] for rs in sorted(columns, key=lambda n: (_first(columns[n]), n))}
    return out


def _first(col: list[int]) -> int:
    """Where a ReplicaSet's pods first appear (older ReplicaSets are listed, and coloured, first)."""
    return next((i for i, v in enumerate(col) if v), len(col))


class TrafficFigure(TimelineFigure):
    """The traffic timeline: a Figure (PNG in Jupyter) with a one-line `summary()` text checkpoint."""

    _summary_text = ""

    def summary(self) -> str:
        """What the picture says in one line (for notebooks and nbval, which compare text)."""
        return self._summary_text


def _describe(name: str, namespace: str, s: dict[str, Any]) -> str:
    sent = sum(s["ok"]) + sum(s["failed"])
    if not s["seconds"]:
        text = f"traffic to {namespace}/{name}: no second of traffic summarised yet"
    else:
        text = (f"traffic to {namespace}/{name}, t={s['seconds'][0]}s to {s['seconds'][-1] + 1}s: "
                f"{plural(sent, 'request')}, {sum(s['ok'])} ok, {sum(s['failed'])} failed")
        if s["errors"]:
            text += " (" + ", ".join(f"{sum(v)} {e}" for e, v in s["errors"].items()) + ")"
    lo, hi = s["window"] or (float("-inf"), float("inf"))
    ready = _during(s["ready"], s["time"], lo, hi)
    if ready:
        text += f"; ready endpoints {ready[0]} → {ready[-1]} (min {min(ready)})"
    pods = {rs: _during(col, s["time"], lo, hi) for rs, col in s["replicasets"].items()}
    if any(pods.values()):
        text += "; pods " + ", ".join(f"{rs or '(no ReplicaSet)'} {col[0]} → {col[-1]}"
                                      for rs, col in pods.items() if col and any(col))
    return text


def _during(values: list[int], times: list[float], lo: float, hi: float) -> list[int]:
    """The values in effect from `lo` to `hi`: the one set last at or before `lo`, then those set after it."""
    before = [v for v, t in zip(values, times, strict=True) if t <= lo]
    return before[-1:] + [v for v, t in zip(values, times, strict=True) if lo < t <= hi]


def traffic_timeline(cluster: Any, name: str, namespace: str = "default", figsize: tuple[float, float] = (8, 5)
                     ) -> TrafficFigure:
    """A Figure of traffic to a Service over time: requests per second (ok, and failed by error, stacked) above;
    pods per ReplicaSet and ready / terminating endpoints below, on the same time axis."""
    s = traffic_series(cluster, name, namespace)
    fig = TrafficFigure(figsize=figsize)
    FigureCanvasAgg(fig)
    fig.series = s
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    left = [a for a, _ in s["spans"]]                # each second's bar spans the part of (k, k+1] it covered
    width = [max(b - a - 0.06, 0.02) for a, b in s["spans"]]
    top.bar(left, s["ok"], width=width, align="edge", color=OK_COLOR, label="ok")
    base = list(s["ok"])
    for i, (err, counts) in enumerate(s["errors"].items()):
        top.bar(left, counts, width=width, align="edge", bottom=base, color=ERROR_COLORS[i % len(ERROR_COLORS)],
                label=f"failed: {err}")
        base = [b + c for b, c in zip(base, counts, strict=True)]
    top.set_ylabel("requests / s")
    top.set_title(f"Traffic to service/{name}")
    top.legend(loc="upper left", fontsize=8, frameon=False, bbox_to_anchor=(1.01, 1.0))
    end = s["seconds"][-1] + 1 if s["seconds"] else max(s["time"], default=0.0)
    t = [*s["time"], end] if s["time"] else []         # each line goes on to the right edge at its last value

    def last(col: list[int]) -> list[int]:
        return [*col, col[-1]] if col else []
    for rs, col in s["replicasets"].items():
        bottom.step(t, last(col), where="post", linewidth=2, label=f"pods of {rs or '(no ReplicaSet)'}")
    bottom.step(t, last(s["ready"]), where="post", color="black", linewidth=1.5, linestyle="--",
                label="ready endpoints")
    bottom.step(t, last(s["terminating"]), where="post", color="#7f7f7f", linewidth=1, linestyle=":",
                label="terminating endpoints")
    bottom.set_xlabel("virtual time (s)")
    bottom.set_ylabel("pods, endpoints")
    top_value = max([*s["ready"], *s["terminating"], *(v for col in s["replicasets"].values() for v in col), 1])
    bottom.set_ylim(-0.2, top_value + 0.8)
    bottom.yaxis.get_major_locator().set_params(integer=True)
    bottom.legend(loc="upper left", fontsize=8, frameon=False, bbox_to_anchor=(1.01, 1.0))
    if s["seconds"]:
        bottom.set_xlim(s["seconds"][0], s["seconds"][-1] + 1)
    fig._summary_text = _describe(name, namespace, s)
    fig.tight_layout()
    return fig


__all__ = ["TrafficFigure", "traffic_series", "traffic_timeline"]
