"""Trace records: the facts of every hop (who, what, which object, the numbers) and the sentences that tell them.

A record keeps facts only; its sentence is rendered on demand from a template per action and language, so a
narration can be given in another language by adding templates (`NARRATIVES["zh"]`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Template = str | Callable[[dict], str]

#: action -> template, per language; components add their own next to the code that records them.
NARRATIVES: dict[str, dict[str, Template]] = {"en": {}}


def narrative(templates: dict[str, Template], lang: str = "en") -> None:
    """Register sentence templates for actions (`str.format` over the record's detail, or a function of it), and
    for the phrases they share (named `action:key`, e.g. the reason behind a `why` fact; see `phrase`)."""
    NARRATIVES.setdefault(lang, {}).update(templates)


def phrase(name: str, facts: dict, lang: str | None = None) -> str:
    """Render one registered template by name over `facts`, in `lang` (default: the language of the record being
    rendered, carried in the facts as `_lang`), falling back to English."""
    lang = lang or facts.get("_lang", "en")
    tmpl = NARRATIVES.get(lang, {}).get(name) or NARRATIVES["en"][name]
    return tmpl(facts) if callable(tmpl) else tmpl.format(**facts)


def _nothing_to_do(f: dict) -> str:
    head = f"{f['pass']} {f['object']}".strip() if f.get("pass") else f"sync {f['object']}"
    return f"{head}: nothing to do: " + phrase(f"nothing-to-do:{f['why']}", f)


#: a sync (or a periodic pass, named by the fact `pass`) that found the world as it should be says so
#: (level-triggered reconciliation: the common case); `why` names the phrase `nothing-to-do:<why>` its component
#: registers, over the record's facts
NARRATIVES["en"]["nothing-to-do"] = _nothing_to_do


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 pod`, `3 pods`: English count and noun (templates of other languages need no such helper)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


@dataclass(slots=True)
class Record:
    """One hop: `time` (virtual seconds), `actor` (component name), `action`, `object`, `detail` (the facts)."""

    time: float
    actor: str
    action: str
    object: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        """The plain sentence for this record, without time and actor."""
        tmpl = NARRATIVES.get(lang, {}).get(self.action) or NARRATIVES["en"].get(self.action)
        facts = {"object": self.object, "_lang": lang, **self.detail}
        if tmpl is None:
            return f"{self.action} {self.object}".strip()
        if callable(tmpl):
            return tmpl(facts)
        return tmpl.format(**facts)

    def __str__(self) -> str:
        return f"[{self.time:8.3f}s] {self.actor:<23} {self.text()}"


class Trace(list):
    """Every record so far, in order; a list with a few filters for lessons and tests."""

    def by(self, actor: str) -> list[Record]:
        return [r for r in self if r.actor == actor or r.actor.startswith(actor + "/")]

    def actions(self, action: str) -> list[Record]:
        return [r for r in self if r.action == action]

    def text(self, records: list[Record] | None = None) -> str:
        return "\n".join(str(r) for r in (self if records is None else records))
