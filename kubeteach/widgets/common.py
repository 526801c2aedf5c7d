"""Helpers shared by the widgets: escaped text blocks, and following a Stepper's current cluster."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any

from ..cluster import Cluster

PRE_STYLE = "font-family: monospace; font-size: 12px; line-height: 1.35; margin: 0; white-space: pre"


def pre(text: str | Iterable[str], empty: str = "", max_height: str = "28em") -> str:
    """Text (or lines) as an escaped HTML <pre> block that scrolls past `max_height`; `empty` stands in for no text."""
    body = text if isinstance(text, str) else "\n".join(text)
    return (f'<div style="max-height: {max_height}; overflow: auto">'
            f'<pre style="{PRE_STYLE}">{html.escape(body or empty)}</pre></div>')


class Follows:
    """A panel bound to a Cluster, or to a Stepper whose `cluster` it follows through Back and Reset."""

    def _follow(self, source: Cluster | Any, refresh: Callable[[], None]) -> None:
        """Remember the source; a Stepper calls `refresh` after each of its clicks."""
        self.source = source
        if not isinstance(source, Cluster) and hasattr(source, "subscribe"):
            source.subscribe(refresh)

    @property
    def cluster(self) -> Cluster:
        """The cluster shown: the source itself, or the Stepper's current (possibly restored) cluster."""
        return self.source if isinstance(self.source, Cluster) else self.source.cluster

    def _changing(self) -> None:
        """Before this panel changes the cluster: a followed Stepper takes an undo checkpoint (Back undoes it)."""
        if not isinstance(self.source, Cluster) and hasattr(self.source, "remember"):
            self.source.remember()

    def _moved(self) -> None:
        """Tell a followed Stepper that this panel changed the cluster, so it redraws."""
        if not isinstance(self.source, Cluster) and hasattr(self.source, "redraw"):
            self.source.redraw()
