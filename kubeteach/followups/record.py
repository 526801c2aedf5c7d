"""One follow-up question: the question in English and in its usual Chinese wording, a model answer, the wrong answer
interviewers hear, and a demonstration on the simulator (a function that builds its own seeded cluster)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Followup:
    """A bank entry; `demo()` returns the text to print (kubectl output and trace records that show the mechanism)."""

    number: int
    question: str
    zh: str
    answer: str
    wrong: str
    demo: Callable[[], str]
    sources: tuple[str, ...] = field(default_factory=tuple)

    def words(self) -> int:
        """How long the model answer is, in words (60–120 is speakable in under a minute)."""
        return len(self.answer.split())
