"""Display plumbing for the diagrams: a graphviz.Digraph that shows its SVG in Jupyter, and text when `dot` is missing.

A diagram never raises in a notebook cell: without the `dot` executable (graphviz.ExecutableNotFound) or when it
fails, the display falls back to the one-line summary and the DOT source (jupyter-engineering.md §3.3).
"""

from __future__ import annotations

import html
import subprocess
from typing import Any

import graphviz

#: what rendering may raise when `dot` is absent or broken (ExecutableNotFound is a RuntimeError)
RENDER_ERRORS = (graphviz.ExecutableNotFound, graphviz.CalledProcessError, RuntimeError, OSError,
                 subprocess.SubprocessError)


class Graph(graphviz.Digraph):
    """A Digraph with a one-line `summary()` and a display that never fails (SVG, else summary and DOT text)."""

    _summary_text = ""
    _svg_cache: tuple[str, str | None] | None = None

    def summary(self) -> str:
        """The one-line text checkpoint for this diagram (what a notebook prints and nbval compares)."""
        return self._summary_text

    def set_summary(self, text: str) -> None:
        """Set the one-line summary (the builders call this once the graph is complete)."""
        self._summary_text = text

    def render_svg(self) -> str | None:
        """The SVG text from `dot`, or None when it cannot run; rendered once per DOT source."""
        source = self.source
        if self._svg_cache is not None and self._svg_cache[0] == source:
            return self._svg_cache[1]
        try:
            svg: str | None = self.pipe(format="svg", encoding="utf-8")
        except RENDER_ERRORS:
            svg = None
        self._svg_cache = (source, svg)
        return svg

    def fallback_text(self) -> str:
        """What a notebook shows without `dot`: the summary, a hint, and the DOT source."""
        return (f"{self.summary()}\n(graphviz's `dot` is not available, so here is the DOT source; "
                f"install graphviz to see the picture)\n\n{self.source}")

    def fallback_html(self) -> str:
        """The fallback as HTML: the summary and the DOT source in a <pre>."""
        return (f"<div><p>{html.escape(self.summary())}</p><p><em>graphviz's <code>dot</code> is not available; "
                f"this is the DOT source.</em></p><pre>{html.escape(self.source)}</pre></div>")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict[str, str]:
        svg = self.render_svg()
        if svg is None:
            return {"text/plain": self.fallback_text(), "text/html": self.fallback_html()}
        return {"image/svg+xml": svg, "text/plain": self.summary()}

    def _repr_svg_(self) -> str | None:
        return self.render_svg()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.summary()}>"


def svg(graph: graphviz.Graph | graphviz.Digraph) -> str:
    """SVG text of a graph for the widgets, or the fallback HTML (summary and DOT source) when `dot` is missing."""
    if isinstance(graph, Graph):
        out = graph.render_svg()
        return out if out is not None else graph.fallback_html()
    try:
        return graph.pipe(format="svg", encoding="utf-8")
    except RENDER_ERRORS:
        return f"<pre>{html.escape(graph.source)}</pre>"


def dot_label(*lines: str) -> str:
    """A multi-line plain label for DOT: lines joined with centred line breaks (graphviz quotes the rest)."""
    return "\\n".join(line.replace("\\", "\\\\") for line in lines)


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 pod`, `3 pods`."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def text_table(rows: list[list[str]], gap: int = 2) -> str:
    """A fixed-width text table: each column padded to its widest cell (trailing spaces trimmed)."""
    if not rows:
        return ""
    widths = [max(len(r[i]) if i < len(r) else 0 for r in rows) for i in range(max(len(r) for r in rows))]
    lines = ["".join(c.ljust(widths[i] + gap) for i, c in enumerate(r)).rstrip() for r in rows]
    return "\n".join(lines)


def html_table(rows: list[list[str]], header_rows: int = 1, cell_styles: dict[tuple[int, int], str] | None = None
               ) -> str:
    """A plain HTML table with minimal inline style; cells are escaped, `cell_styles[(row, col)]` adds CSS."""
    styles = cell_styles or {}
    out = ['<table style="border-collapse:collapse;font-family:monospace;font-size:12px">']
    for r, row in enumerate(rows):
        tag = "th" if r < header_rows else "td"
        cells = []
        for c, cell in enumerate(row):
            style = "border:1px solid #ccc;padding:2px 6px;text-align:left;" + styles.get((r, c), "")
            cells.append(f'<{tag} style="{style}">{html.escape(cell)}</{tag}>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)
