"""MockInterview: the seed question and follow-ups drawn by seed, a countdown, a text box, and a keyword self-check.

The countdown is an ipywidgets `Play` counting seconds in the browser (no Python thread, no wall clock in the
kernel); headless, set `timer.value` to move it. Check scores the text against the key points of the cluster's own
trace (`kubeteach.interview.score`) and links each missed point to the lesson cell that teaches it.
"""

from __future__ import annotations

import html
import re
from typing import Any

import ipywidgets as w

from .. import interview
from ..cluster import Cluster
from .common import Follows


class MockInterview(w.VBox, Follows):
    """The question, `followups` follow-ups drawn by `seed`, a `minutes` countdown, an answer box and Check."""

    def __init__(self, source: Cluster | Any, seed: int = 0, minutes: int = 2, followups: int = 3):
        if minutes < 1:
            raise ValueError(f"minutes must be at least 1, not {minutes}")
        self._follow(source, lambda: None)
        self.seed, self.minutes = seed, minutes
        self.followups = interview.draw_followups(seed, followups)
        self.report: interview.Report | None = None
        items = "".join(f"<li>{_code(q)}</li>" for q in self.followups)
        self.question = w.HTML(f"<p><b>Question:</b> {_code(interview.QUESTION)}</p>"
                               f"<p><b>Then, if there is time:</b></p><ol>{items}</ol>")
        self.timer = w.Play(value=0, min=0, max=minutes * 60, step=1, interval=1000, description="timer",
                            show_repeat=False)
        self.clock = w.Label()
        self.answer = w.Textarea(placeholder="Type your answer, as you would say it.",
                                 layout=w.Layout(width="100%", height="14em"))
        self.check_button = w.Button(description="Check", tooltip="which key points does the answer mention?")
        self.result = w.HTML()
        self.timer.observe(lambda _: self._tick(), names="value")
        self.check_button.on_click(lambda _: self.check())
        super().__init__([self.question, w.HBox([self.timer, self.clock]), self.answer, self.check_button,
                          self.result])
        self._tick()

    @property
    def remaining(self) -> int:
        """Seconds left on the countdown."""
        return max(self.minutes * 60 - self.timer.value, 0)

    def clock_text(self) -> str:
        """The countdown as the learner sees it: `1:45 left of 2 minutes`, or `time is up`."""
        if not self.remaining:
            return f"time is up ({self.minutes} minute{'s' if self.minutes != 1 else ''})"
        m, s = divmod(self.remaining, 60)
        return f"{m}:{s:02d} left of {self.minutes} minute{'s' if self.minutes != 1 else ''}"

    def check(self) -> interview.Report:
        """The Check click: score the text against the cluster's key points and show covered and missed points."""
        self.report = interview.score(self.answer.value, self.cluster)
        self.result.value = report_html(self.report)
        return self.report

    def _tick(self) -> None:
        self.clock.value = self.clock_text()

    def __repr__(self) -> str:
        state = "unchecked" if self.report is None else f"{self.report.covered} of {self.report.total} key points"
        return f"MockInterview(seed={self.seed}, {self.clock_text()}, {state})"


def _code(text: str) -> str:
    """Escaped text with `backticked` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def report_html(report: interview.Report) -> str:
    """A report as HTML: per step, covered points in green, missed ones in red with a link to the lesson cell."""
    parts = [f"<p><b>{report.covered} of {report.total} key points</b> in {report.words} words.</p>"]
    for s in report.steps:
        parts.append(f'<div class="kt-step"><b>{s.step}. {html.escape(s.title)}</b> '
                     f"({len(s.covered)} of {len(s.covered) + len(s.missed)})<ul style=\"margin: 0\">")
        parts += [f'<li class="kt-covered" style="color: #2ca02c">✓ {html.escape(k.text)}</li>' for k in s.covered]
        for k in s.missed:
            later = "" if k.seen else " <i>(not in your trace yet)</i>"
            parts.append(f'<li class="kt-missed" style="color: #d62728">✗ {html.escape(k.text)}{later} — '
                         f'<a href="{html.escape(k.link)}">{html.escape(k.lesson)}: '
                         f"{html.escape(k.heading)}</a></li>")
        parts.append("</ul></div>")
    parts.append(f'<p style="color: #555"><i>{html.escape(report.caveat)}</i></p>')
    return "".join(parts)


__all__ = ["MockInterview", "report_html"]
