"""The follow-up bank (issue #18, item 2): questions interviewers ask after "kubectl create -f deployment.yaml — how
is the Pod created and updated?", each with its usual Chinese wording, a model answer of 60–120 words (mechanism
first), the wrong answer to avoid, and a demonstration that runs the mechanism on a fresh seeded cluster.
Facts: /work/shared/reference/followups.md and kubernetes-behaviour.md; sources per entry in `Followup.sources`."""

from __future__ import annotations

from . import api, controllers, node, updates, watching
from .record import Followup

BANK: tuple[Followup, ...] = tuple(sorted((*api.BANK, *watching.BANK, *controllers.BANK, *node.BANK,
                                           *updates.BANK), key=lambda f: f.number))


def followup(number: int) -> Followup:
    """The entry numbered `number` (its number in followups.md), or KeyError."""
    for f in BANK:
        if f.number == number:
            return f
    raise KeyError(number)


def listing() -> str:
    """One line per entry: number and question (what `kubeteach followups` prints)."""
    return "\n".join(f"{f.number:>2}  {f.question}" for f in BANK)


def render(f: Followup, lang: str = "en", demo: bool = True) -> str:
    """One entry as `kubeteach followups N` prints it: question, Chinese wording, model answer, the wrong answer
    to avoid, and the demonstration's output (`lang="zh"` puts the Chinese question first)."""
    first, second = (f.zh, f.question) if lang == "zh" else (f.question, f.zh)
    parts = [f"Q{f.number}. {first}", f"    {second}", "", "Model answer:", f.answer, "",
             f"Wrong answer to avoid: {f.wrong}", "", "Sources: " + "; ".join(f.sources)]
    if demo:
        parts += ["", f"Demonstration ({f.demo.__name__}):", f.demo()]
    return "\n".join(parts)


__all__ = ["BANK", "Followup", "followup", "listing", "render"]
