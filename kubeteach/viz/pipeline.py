"""One API request through the API server's pipeline, read from the trace: authentication → authorization →
admission (with the defaulting diff) → validation → etcd → watch, each stage with its result.

Only verbose clients (kubectl) leave a record per stage; a component's request shows its request and its write.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from ..objects import deep_copy
from ..trace import Record
from .render import text_table
from .store import object_diff

STAGES = ("authentication", "authorization", "admission", "validation", "etcd", "watch")
#: the record actions that belong to each stage, and whether they pass it
ACTIONS = {"authenticated": ("authentication", True), "unauthenticated": ("authentication", False),
           "authorized": ("authorization", True), "forbidden": ("authorization", False),
           "admitted": ("admission", True), "validated": ("validation", True), "invalid": ("validation", False),
           "stored": ("etcd", True), "unchanged": ("etcd", True)}


@dataclass
class Stage:
    """One stage: its name, `ok` (True passed, False rejected, None not reached or not traced), and its result."""

    name: str
    ok: bool | None
    result: str

    @property
    def mark(self) -> str:
        return {True: "ok", False: "FAILED", None: "-"}[self.ok]


def _remove(obj: Any, path: str) -> None:
    """Delete a defaulted field given as `spec.template.spec.containers[0].ports[0].protocol`, and the maps that
    only existed to hold it (`strategy: {rollingUpdate: {}}` was not in the submitted object)."""
    parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]
    chain = [obj]
    for p in parts[:-1]:
        try:
            chain.append(chain[-1][p])
        except (KeyError, IndexError, TypeError):
            return
    if not isinstance(chain[-1], dict) or parts[-1] not in chain[-1]:
        return
    del chain[-1][parts[-1]]
    for depth in range(len(chain) - 1, 0, -1):
        if chain[depth] == {} and isinstance(chain[depth - 1], dict):
            del chain[depth - 1][parts[depth - 1]]
        else:
            break


class RequestPipeline:
    """The stages of one traced request; `str()` is a fixed-width checkpoint, `_repr_html_` a plain table."""

    def __init__(self, cluster: Any, request: Record, records: list[Record]):
        self.request, self.records = request, records
        self.response = ""
        found: dict[str, Record] = {}
        for rec in records:
            if rec.action in ACTIONS:
                found.setdefault(ACTIONS[rec.action][0], rec)
            elif rec.action in ("responded", "rejected"):
                self.response = rec.text()
        self.stages: list[Stage] = []
        reads = request.detail.get("method") == "GET"
        for name in STAGES:
            rec = found.get(name)
            if name == "watch":
                stored = found.get("etcd")
                watchers = sorted(set(stored.detail.get("watchers") or [])) if stored and \
                    stored.action == "stored" else []
                self.stages.append(Stage(name, True if watchers else None,
                                         "event to " + ", ".join(watchers) if watchers else "no watch event"))
            elif rec is not None:
                self.stages.append(Stage(name, ACTIONS[rec.action][1], rec.text()))
            elif reads and name in ("admission", "validation", "etcd"):
                self.stages.append(Stage(name, None, "not run for reads"))
            else:
                self.stages.append(Stage(name, None, "not reached" if self._rejected() else "not traced"))
        self.defaulting_diff = self._defaulting_diff(cluster, found.get("admission"), found.get("etcd"))

    def _rejected(self) -> bool:
        return any(r.action in ("rejected", "unauthenticated", "forbidden", "invalid") for r in self.records)

    @staticmethod
    def _defaulting_diff(cluster: Any, admitted: Record | None, stored: Record | None) -> str:
        """The stored object with and without the fields defaulting set: what admission added, in place."""
        if admitted is None or stored is None or not admitted.detail.get("defaulted"):
            return ""
        rev = stored.detail.get("revision")
        after = next((e.kv.value for e in cluster.etcd.history(stored.object) if e.revision == rev), None)
        if after is None:
            return ""
        before = deep_copy(after)
        for path, _ in admitted.detail["defaulted"]:
            _remove(before, path)
        return object_diff(before, after, "submitted (+ server-set metadata)", "after defaulting")

    def headline(self) -> str:
        r = self.request
        return f"[{r.time:.3f}s] {r.actor}: {r.text()}"

    def rows(self) -> list[list[str]]:
        return [[f"{i}. {s.name}", s.mark, s.result] for i, s in enumerate(self.stages, start=1)]

    def __str__(self) -> str:
        out = [self.headline(), text_table(self.rows())]
        if self.response:
            out.append(f"response: {self.response}")
        if self.defaulting_diff:
            out += ["", "defaulting diff:", self.defaulting_diff.rstrip("\n")]
        return "\n".join(out) + "\n"

    def _repr_html_(self) -> str:
        colors = {True: "#1e7b34", False: "#b00020", None: "#777777"}
        cells = "".join(
            f'<tr><td style="padding:2px 6px;border:1px solid #ccc">{i}. {s.name}</td>'
            f'<td style="padding:2px 6px;border:1px solid #ccc;color:{colors[s.ok]}">{s.mark}</td>'
            f'<td style="padding:2px 6px;border:1px solid #ccc">{html.escape(s.result)}</td></tr>'
            for i, s in enumerate(self.stages, start=1))
        out = [f"<p><code>{html.escape(self.headline())}</code></p>",
               f'<table style="border-collapse:collapse;font-size:12px">{cells}</table>']
        if self.response:
            out.append(f"<p>response: <code>{html.escape(self.response)}</code></p>")
        if self.defaulting_diff:
            out.append("<details><summary>defaulting diff</summary><pre style=\"font-size:11px\">"
                       f"{html.escape(self.defaulting_diff)}</pre></details>")
        return "".join(out)

    def __repr__(self) -> str:
        return str(self)


def request_pipeline(cluster: Any, index: int = -1, actor: str | None = "kubectl") -> RequestPipeline:
    """The `index`-th traced request of `actor` (default: the last kubectl request; actor=None: any caller)."""
    trace = cluster.trace
    starts = [i for i, r in enumerate(trace) if r.action == "request" and (actor is None or r.actor == actor)]
    if not starts:
        raise IndexError(f"no traced request from {actor or 'any caller'} yet")
    start = starts[index]
    end = start + 1
    while end < len(trace) and trace[end].action != "request" and trace[end].actor in ("kube-apiserver", "etcd"):
        end += 1
    return RequestPipeline(cluster, trace[start], list(trace[start + 1:end]))
