"""The sequence diagram: who called whom, in order, read from trace records.

Lanes are the actors in the order they first appear. The calls come from what the API server records: a
`request` record is its caller → kube-apiserver; a `stored` record is kube-apiserver → etcd, then one watch
delivery kube-apiserver → each watcher named in it; `responded`, `rejected` and `unchanged` answer the last
caller; an `event` record is its recorder writing an Event. Every other record (authentication, admission, a
controller's arithmetic, a kubelet's CRI call) is a note on its actor's lane.
"""

from __future__ import annotations

import html
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ..trace import Record
from .render import Graph, dot_label, plural

APISERVER, ETCD = "kube-apiserver", "etcd"
LANE_COLORS = {"kubectl": "#dbe9f6", APISERVER: "#fde2cf", ETCD: "#e4f1e1"}
WATCH_TYPES = {"created": "ADDED", "deleted": "DELETED"}


@dataclass(frozen=True)
class Step:
    """One row of the diagram: an arrow (`source` → `target`) or a note on `source`'s lane."""

    source: str
    target: str
    text: str
    kind: str            # request, write, watch, response, event, note


def steps(records: Iterable[Record], notes: bool = True) -> list[Step]:
    """The rows a list of records draws, in order (the calls between actors, and notes)."""
    out: list[Step] = []
    caller = ""
    for rec in records:
        d = rec.detail
        if rec.action == "request":
            caller = rec.actor
            out.append(Step(rec.actor, APISERVER, f"{d.get('method', '')} {rec.object}", "request"))
        elif rec.action == "stored":
            verb = "delete" if d.get("op") == "deleted" else "put"
            out.append(Step(APISERVER, ETCD, f"{verb} {rec.object} (rev {d.get('revision')})", "write"))
            name = rec.object.removeprefix("/registry/")
            for watcher in sorted(set(d.get("watchers") or [])):
                etype = WATCH_TYPES.get(d.get("op", ""), "MODIFIED")
                if d.get("op") == "bound" and watcher.startswith("kubelet/"):
                    etype = "ADDED"         # the pod enters this node's spec.nodeName watch
                out.append(Step(APISERVER, watcher, f"watch {etype} {name}", "watch"))
        elif rec.action in ("responded", "rejected", "unchanged") and caller:
            text = {"responded": str(d.get("code", "")), "unchanged": "200 OK (unchanged)",
                    "rejected": f"{d.get('code', '')} {d.get('reason', '')}"}[rec.action]
            out.append(Step(APISERVER, caller, text, "response"))
        elif rec.action == "event":
            out.append(Step(rec.actor, APISERVER, f"POST event {d.get('reason', '')}", "event"))
        elif notes:
            out.append(Step(rec.actor, rec.actor, rec.text(), "note"))
    return out


def lanes(rows: list[Step]) -> list[str]:
    """The actors in order of first appearance (a call's source before its target)."""
    seen: dict[str, None] = {}
    for s in rows:
        seen.setdefault(s.source)
        seen.setdefault(s.target)
    return list(seen)


def sequence_diagram(records: Iterable[Record], notes: bool = True, note_width: int = 36) -> Graph:
    """A graphviz sequence diagram of trace records: lanes per actor, numbered arrows for the calls.

    `notes=False` leaves out the records that are not calls; `note_width` wraps the notes' sentences.
    """
    records = list(records)
    rows = steps(records, notes)
    order = lanes(rows)
    col = {lane: i for i, lane in enumerate(order)}
    g = Graph("sequence", graph_attr={"rankdir": "TB", "nodesep": "0.35", "ranksep": "0.15", "newrank": "true",
                                           "splines": "false"},
              node_attr={"fontname": "Helvetica", "fontsize": "9"},
              edge_attr={"fontname": "Helvetica", "fontsize": "8"})

    def point(lane: str, row: int) -> str:
        return f"{lane}#{row}"

    for lane in order:
        g.node(point(lane, 0), lane, shape="box", style="filled", fillcolor=LANE_COLORS.get(lane, "#eeeeee"))
    for r, s in enumerate(rows, start=1):
        for lane in order:
            if s.kind == "note" and lane == s.source:
                text = dot_label(*_wrap(s.text, note_width))
                g.node(point(lane, r), text, shape="note", fontsize="8", style="filled", fillcolor="#fafafa")
            else:
                g.node(point(lane, r), "", shape="point", width="0.03", color="#999999")
    for r in range(len(rows) + 1):
        g.body.append("\t{rank=same; " + " ".join(f'"{point(lane, r)}";' for lane in order) + "}\n")
        for left, right in zip(order, order[1:]):
            g.edge(point(left, r), point(right, r), style="invis")
    for lane in order:
        for r in range(len(rows)):
            g.edge(point(lane, r), point(lane, r + 1), arrowhead="none", style="dashed", color="#bbbbbb",
                   weight="1000")
    number = 0
    for r, s in enumerate(rows, start=1):
        if s.kind == "note":
            continue
        number += 1
        left, right = sorted((s.source, s.target), key=col.__getitem__)
        color = {"watch": "#1f77b4", "write": "#2ca02c"}.get(s.kind, "#000000")
        attrs = {"label": _boxed(f"{number}. {s.text}", color)}
        if s.source != left:
            attrs["dir"] = "back"
        if s.kind in ("watch", "response"):
            attrs["style"] = "dashed"
        if color != "#000000":
            attrs["color"] = color
        g.edge(point(left, r), point(right, r), **attrs)
    g.set_summary(_summary(records, order, rows))
    return g


def _boxed(text: str, color: str) -> str:
    """An HTML-like label on a white ground, so the arrow it sits on does not strike it through."""
    return (f'<<table border="0" cellpadding="1" cellspacing="0" bgcolor="white"><tr><td>'
            f'<font color="{color}">{html.escape(text)}</font></td></tr></table>>')


def _wrap(text: str, width: int, lines: int = 3) -> list[str]:
    """At most `lines` lines of `width`, words kept whole, an ellipsis when cut."""
    out = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    if len(out) > lines:
        out = out[:lines]
        out[-1] += " …"
    return out


def _summary(records: list[Record], order: list[str], rows: list[Step]) -> str:
    counts = Counter(s.kind for s in rows)
    arrows = len(rows) - counts["note"]
    kinds = [("request", "request"), ("write", "etcd write"), ("watch", "watch event"), ("response", "response"),
             ("event", "event write")]
    detail = ", ".join(plural(counts[k], word) for k, word in kinds if counts[k])
    out = f"{plural(len(records), 'record')}, {plural(len(order), 'lane')}, {plural(arrows, 'arrow')}"
    out += f" ({detail})" if detail else ""
    return out + (f", {plural(counts['note'], 'note')}" if counts["note"] else "")
