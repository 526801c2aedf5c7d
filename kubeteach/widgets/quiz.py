"""The Quiz: a checked question, multiple choice (RadioButtons) or short answer (Text).

Feedback policy: a right answer gets "Correct." and the explanation. A wrong answer gets "Not quite." and the hint;
from the second wrong try on it also gets the answer and the explanation, so nobody is stuck. Short answers match
ignoring case and runs of whitespace, against one accepted answer or a list of them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as w

#: wrong tries after which the answer and the explanation are shown anyway
REVEAL_AFTER = 2


def normalize(text: str) -> str:
    """Case- and whitespace-insensitive form of a short answer: `"  Kube-Scheduler "` -> `"kube-scheduler"`."""
    return " ".join(str(text).split()).casefold()


class Quiz(w.VBox):
    """A question with a Check button; `.correct` is None until checked, then True/False; `.feedback` is text."""

    def __init__(self, question: str, options: Sequence[str] | None, answer: str | int | Sequence[str],
                 explanation: str, hint: str | None = None):
        self.question, self.explanation, self.hint = question, explanation, hint
        self.options = list(options) if options is not None else None
        if self.options is not None:
            if isinstance(answer, int):
                answer = self.options[answer]
            if answer not in self.options:
                raise ValueError(f"answer {answer!r} is not one of the options")
            self.accepted = [str(answer)]
            self.input: w.ValueWidget = w.RadioButtons(options=self.options, value=None,
                                                       layout=w.Layout(width="max-content"))
        else:
            self.accepted = [answer] if isinstance(answer, str) else [str(a) for a in answer]
            if not self.accepted:
                raise ValueError("a short-answer quiz needs at least one accepted answer")
            self.input = w.Text(placeholder="your answer", continuous_update=False)
        self._answer = answer
        self.correct: bool | None = None
        self.wrong_tries = 0
        self.feedback = ""
        self.check_button = w.Button(description="Check")
        self.check_button.on_click(lambda _: self.check())
        self.feedback_view = w.HTML()
        super().__init__([w.HTML(f"<b>{html.escape(question)}</b>"), self.input, self.check_button,
                          self.feedback_view])

    @property
    def answered(self) -> bool:
        """Whether the explanation has been shown (a right answer, or REVEAL_AFTER wrong tries)."""
        return self.correct is True or self.wrong_tries >= REVEAL_AFTER

    def check(self, value: str | None = None) -> bool | None:
        """Check `value` (default: what is entered or picked); None when nothing is given yet."""
        if value is not None:
            self.input.value = value
        given = self.input.value
        if given is None or not normalize(given):
            self.feedback = "Choose an answer first." if self.options is not None else "Type an answer first."
            self._show()
            return None
        self.correct = normalize(given) in {normalize(a) for a in self.accepted}
        if self.correct:
            self.feedback = f"Correct. {self.explanation}"
        else:
            self.wrong_tries += 1
            parts = ["Not quite."]
            if self.hint:
                parts.append(f"Hint: {self.hint}")
            if self.wrong_tries >= REVEAL_AFTER:
                parts += [f"The answer: {self.accepted[0]}.", self.explanation]
            else:
                parts.append("Try again.")
            self.feedback = " ".join(parts)
        self._show()
        return self.correct

    def copy(self) -> Quiz:
        """A fresh, unanswered twin: lessons check answers on a copy, so the learner's own quiz stays untouched."""
        return Quiz(self.question, self.options, self._answer, self.explanation, self.hint)

    def _show(self) -> None:
        color = {True: "#1a7f37", False: "#b35900", None: "inherit"}[self.correct]
        self.feedback_view.value = f'<span style="color: {color}">{html.escape(self.feedback)}</span>'

    def __repr__(self) -> str:
        state = {None: "unanswered", True: "correct", False: "not correct"}[self.correct]
        return f"Quiz({self.question!r}, {state})"


__all__ = ["Quiz", "normalize"]
