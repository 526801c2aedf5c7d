"""The scheduler's decision for one pod as a table: per plugin × node, the Filter verdict and the scores
(raw → normalized × weight = weighted), each node's total, and the node selected.

It reads `Decision` records that kube-scheduler keeps for every scheduling attempt (kubeteach.scheduler).
"""

from __future__ import annotations

import html
from typing import Any

from ..scheduler import Decision
from ..trace import phrase
from .render import html_table, text_table

NOT_RUN = "-"


class SchedulerTable:
    """One scheduling attempt of one pod; `str()` is a fixed-width checkpoint, `_repr_html_` a plain table."""

    def __init__(self, decision: Decision, max_nodes: int = 10):
        self.decision = decision
        d = decision
        ordered = sorted(d.filters)
        if len(ordered) > max_nodes:      # keep the winner and the first visited nodes
            keep = ([d.winner] if d.winner in d.filters else []) + [n for n in d.visited if n != d.winner]
            ordered = sorted(keep[:max_nodes])
        self.nodes = ordered
        self.hidden = len(d.filters) - len(ordered)

    def header(self) -> list[str]:
        """The lines above the table: the pod, the attempt, the outcome, and the Filter arithmetic."""
        d = self.decision
        outcome = f"bound to {d.winner}" if d.outcome == "bound" else (d.outcome or "pending")
        visited = d.visited_before_compaction if d.compacted else len(d.filters)
        lines = [f"Pod {d.pod}: attempt {d.attempt}, scheduling cycle {d.cycle}, t={d.time:.3f}s: {outcome}",
                 f"Filter: {len(d.feasible)} of {d.num_all_nodes} nodes feasible ({visited} visited from "
                 f"index {d.start_index}, numFeasibleNodesToFind {d.num_feasible_nodes_to_find})"]
        pre = [f"{p} {s.describe()}" for p, s in d.prefilter.items() if s.code != "Success"]
        if pre:
            lines.append("PreFilter: " + ", ".join(pre))
        if d.message:
            lines.append(d.message)
        if self.hidden:
            lines.append(f"({self.hidden} more nodes not shown)")
        if d.compacted:
            lines.append("(the per-node tables of this older attempt were dropped to bound the scheduler's memory; "
                         "its outcome and totals remain)")
        return lines

    def rows(self) -> list[list[str]]:
        """The table: a header row, Filter rows, Score rows, the totals and the selection."""
        d = self.decision
        if d.compacted:
            return []
        rows = [["plugin", *self.nodes]]
        for plugin in d.filter_plugins:
            row = [f"Filter {plugin}"]
            for node in self.nodes:
                status = d.filters.get(node, {}).get(plugin)
                if plugin in d.skipped_filter_plugins:
                    row.append("skip")
                else:
                    row.append(status.describe() if status is not None else NOT_RUN)
            rows.append(row)
        if d.scores:
            for plugin, weight in d.score_weights.items():
                row = [f"Score {plugin} (x{weight})"]
                for node in self.nodes:
                    s = d.scores.get(node, {}).get(plugin)
                    if plugin in d.skipped_score_plugins:
                        row.append("skip")
                    elif s is None:
                        row.append(NOT_RUN)
                    else:
                        row.append(f"{s.raw} -> {s.normalized} x{s.weight} = {s.weighted}")
                rows.append(row)
            rows.append(["total", *[str(d.totals[n]) if n in d.totals else NOT_RUN for n in self.nodes]])
        rows.append(["selected", *["<- selected" if n == d.winner else "" for n in self.nodes]])
        return rows

    def footer(self) -> str:
        """How the host was picked (a single feasible node, the highest score, or the tie-break)."""
        tie_break = self.decision.tie_break
        return phrase(f"tie-break:{tie_break['how']}", tie_break) if tie_break else ""

    def __str__(self) -> str:
        table = text_table(self.rows())
        parts = [*self.header(), *(["", table] if table else []), "", self.footer()]
        return "\n".join(parts).rstrip() + "\n"

    def _repr_html_(self) -> str:
        rows = self.rows()
        styles: dict[tuple[int, int], str] = {}
        if self.decision.winner in self.nodes:
            col = 1 + self.nodes.index(self.decision.winner)
            for r in range(len(rows)):
                styles[(r, col)] = "background:#e6f4ea;"
        for r, row in enumerate(rows[1:], start=1):
            for c, cell in enumerate(row[1:], start=1):
                if row[0].startswith("Filter") and cell not in ("pass", "skip", NOT_RUN):
                    styles[(r, c)] = styles.get((r, c), "") + "color:#b00020;"
        head = "".join(f"<div>{html.escape(line)}</div>" for line in self.header())
        return f"<div>{head}{html_table(rows, cell_styles=styles)}<div>{html.escape(self.footer())}</div></div>"

    def __repr__(self) -> str:
        return str(self)


def scheduler_table(cluster: Any, pod_name: str, namespace: str = "default", attempt: int = -1,
                    max_nodes: int = 10) -> SchedulerTable:
    """The decision table of a pod's scheduling attempt (`attempt=-1`: the latest) from kube-scheduler."""
    if "kube-scheduler" not in cluster.component_names():
        raise KeyError("this cluster runs no kube-scheduler")
    decisions = cluster.inspect("kube-scheduler").decisions
    key = pod_name if "/" in pod_name else f"{namespace}/{pod_name}"
    attempts = decisions.get(key)
    if not attempts:
        known = ", ".join(sorted(decisions)[:5]) or "none yet"
        raise KeyError(f"kube-scheduler has no scheduling attempt for pod {key} (known: {known})")
    return SchedulerTable(attempts[attempt], max_nodes)
