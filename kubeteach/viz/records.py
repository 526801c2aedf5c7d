"""A readable view of trace records: grouped by hop, wrapped, one colour per actor, routine records folded.

A click's records, in order, become runs: consecutive records of the same hop (the API request, a component's
decision, the etcd write, a runtime call on the node) form one group under its name; consecutive routine records
(nothing to do, status writes, lease renewals, Event objects, watch closes) fold behind an HTML <details> with their
count, which the learner opens. The hop and the routine kinds come from each record's actor and action alone.
"""

from __future__ import annotations

import html
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..trace import Record

#: the hops, in the order a request travels them, with what each group is titled
HOPS = {"request": "API request", "decision": "decision", "etcd": "etcd write", "runtime": "runtime call",
        "routine": "routine"}
#: kube-apiserver's own records belong to the request it is serving
REQUEST_ACTIONS = {"request", "authenticated", "unauthenticated", "authorized", "forbidden", "admitted", "validated",
                   "invalid", "responded", "rejected", "impersonated", "impersonation-forbidden",
                   "escalation-checked", "escalation-forbidden", "unchanged"}
#: actions that report routine upkeep, by the kind the fold counts them under
ROUTINE_ACTIONS = {"nothing-to-do": "nothing to do", "kubelet-lease": "lease renewal",
                   "kubelet-node-status": "status write", "event": "Event object", "watch-closed": "watch closed",
                   "requeue": "requeue", "work-silent": "nothing to do", "traffic-summary": "traffic summary"}
#: plurals of the routine kinds that do not just add an s
PLURALS = {"nothing to do": "nothing to do", "watch closed": "watches closed", "traffic summary": "traffic summaries"}
#: a fixed colour per component (colour-blind-safe Tableau 10); other actors hash into the same palette
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
ACTOR_COLORS = {"kubectl": "#1f77b4", "kube-apiserver": "#8c564b", "etcd": "#7f7f7f",
                "deployment-controller": "#2ca02c", "replicaset-controller": "#17becf", "default-scheduler": "#9467bd",
                "kubelet": "#ff7f0e", "kube-proxy": "#e377c2", "node-lifecycle-controller": "#bcbd22"}
LINE_STYLE = ("white-space: pre-wrap; overflow-wrap: anywhere; padding-left: 2.5em; text-indent: -2.5em; "
              "margin: 0")
BOX_STYLE = "font-family: monospace; font-size: 12px; line-height: 1.35; max-height: 28em; overflow: auto"


def actor_color(actor: str) -> str:
    """The colour of an actor: fixed for the known components (a kubelet by its component, whatever its node),
    else a stable hash of the name into the palette (the same colour every run and every kernel)."""
    base = actor.split("/", 1)[0]
    return ACTOR_COLORS.get(base) or PALETTE[zlib.crc32(base.encode()) % len(PALETTE)]


def _routine_request(record: Record) -> str:
    """The routine kind of a request record, from its path: status writes, lease renewals, Event objects."""
    path = record.object.split("?", 1)[0]
    if path.endswith("/status"):
        return "status write"
    if "/leases/" in path or path.endswith("/leases"):
        return "lease renewal"
    if "/events" in path:
        return "Event object"
    return ""


def hop_of(record: Record) -> str:
    """The hop a record belongs to: `request`, `decision`, `etcd` or `runtime` (its routine-ness aside)."""
    if record.actor == "etcd" or record.action == "stored":
        return "etcd"
    if record.action in REQUEST_ACTIONS or record.actor == "kube-apiserver":
        return "request"
    base = record.actor.split("/", 1)[0]
    if base in ("kubelet", "kube-proxy") and record.action not in ("event",):
        return "runtime"
    return "decision"


def routine_kind(record: Record) -> str:
    """Why a record is routine ('' if it is not): its action, or a status, lease or Event write."""
    kind = ROUTINE_ACTIONS.get(record.action, "")
    if not kind and record.action.endswith("-status"):
        kind = "status write"
    if not kind and record.action == "request":
        kind = _routine_request(record)
    return kind


def classify(records: Sequence[Record]) -> list[tuple[str, str]]:
    """(hop, routine kind) per record. The API server's and etcd's records that serve a routine request (a status
    PUT, a lease renewal) are routine too, until a record of another actor."""
    out: list[tuple[str, str]] = []
    serving = ""
    for r in records:
        kind = routine_kind(r)
        if r.action == "request":
            serving = kind
        elif not kind and serving and (r.actor in ("kube-apiserver", "etcd")):
            kind = serving
        elif r.actor not in ("kube-apiserver", "etcd"):
            serving = ""
        out.append((hop_of(r), kind))
    return out


@dataclass
class Group:
    """A run of records shown together: a hop's group, or a fold of routine records (`hop` is `routine`)."""

    hop: str
    records: list[Record] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)

    def title(self) -> str:
        if self.hop != "routine":
            return HOPS[self.hop]
        n = len(self.records)
        ranked = sorted(self.kinds.items(), key=lambda kv: (-kv[1], kv[0]))
        parts = ", ".join(f"{count} {kind if count == 1 else PLURALS.get(kind, kind + 's')}" for kind, count in ranked)
        return f"{n} routine record{'s' if n != 1 else ''} ({parts})"


def group_records(records: Sequence[Record]) -> list[Group]:
    """The records in order as groups: consecutive records of one hop, consecutive routine records folded."""
    groups: list[Group] = []
    for r, (hop, kind) in zip(records, classify(records), strict=True):
        key = "routine" if kind else hop
        if not groups or groups[-1].hop != key:
            groups.append(Group(key))
        groups[-1].records.append(r)
        if kind:
            groups[-1].kinds[kind] += 1
    return groups


def record_html(record: Record) -> str:
    """One record as a wrapped line: time, the actor in its colour, the sentence."""
    color = actor_color(record.actor)
    return (f'<div class="kt-record" style="{LINE_STYLE}; border-left: 3px solid {color}">'
            f'<span style="color: #888">[{record.time:8.3f}s]</span> '
            f'<span class="kt-actor" style="color: {color}; font-weight: bold">{html.escape(record.actor)}</span> '
            f'{html.escape(record.text())}</div>')


def records_html(records: Sequence[Record], empty: str = "", earlier: int = 0) -> str:
    """The records as grouped, wrapped HTML; `earlier` records before them are counted, not shown."""
    parts = [f'<div class="kt-records" style="{BOX_STYLE}">']
    if earlier:
        parts.append(f'<div class="kt-earlier" style="color: #888">… {earlier} earlier records of this click not '
                     'shown</div>')
    if not records:
        parts.append(f'<div class="kt-empty">{html.escape(empty)}</div>')
    for g in group_records(records):
        body = "".join(record_html(r) for r in g.records)
        if g.hop == "routine":
            parts.append(f'<details class="kt-routine" style="color: #555; margin: 2px 0">'
                         f'<summary style="cursor: pointer">{html.escape(g.title())}</summary>{body}</details>')
        else:
            parts.append(f'<div class="kt-hop" data-hop="{g.hop}" style="margin: 2px 0">'
                         f'<div class="kt-hop-title" style="font-weight: bold; color: #333">{g.title()}</div>'
                         f'{body}</div>')
    parts.append("</div>")
    return "".join(parts)


__all__ = ["Group", "actor_color", "classify", "group_records", "hop_of", "record_html", "records_html",
           "routine_kind"]
