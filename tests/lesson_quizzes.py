"""The lessons' quizzes, read from the notebooks' code cells with ast (no kernel): tests/test_quizzes.py checks
that no option gives the answer away and tests/test_lesson_quizzes.py checks each quiz's answers."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
FIELDS = ("question", "options", "answer", "explanation", "hint")


@dataclass
class LessonQuiz:
    """One `widgets.Quiz(...)` call: where it is, its source, and its literal arguments."""

    lesson: str
    cell: int
    source: str
    question: str
    options: list[str] | None
    answer: str | list[str]
    explanation: str
    hint: str | None

    @property
    def where(self) -> str:
        return f"{self.lesson} cell {self.cell}: {self.question[:60]!r}"

    @property
    def right(self) -> str | None:
        """The right option of a multiple-choice quiz (None for a short answer)."""
        return self.answer if self.options is not None else None

    @property
    def wrong(self) -> list[str]:
        return [o for o in self.options or [] if o != self.answer]


def _code(source: str) -> str:
    """A cell's source without IPython's magics and shell lines, which ast cannot read."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def quizzes(path: Path) -> list[LessonQuiz]:
    """Every Quiz call in one lesson, in cell order; its arguments must be literals (a test fails otherwise)."""
    found = []
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(_code(cell.source))):
            func = getattr(node, "func", None)
            if not isinstance(node, ast.Call) or getattr(func, "attr", getattr(func, "id", None)) != "Quiz":
                continue
            args = dict(zip(FIELDS, node.args)) | {k.arg: k.value for k in node.keywords if k.arg in FIELDS}
            values = {name: ast.literal_eval(args[name]) if name in args else None for name in FIELDS}
            if values["options"] is not None and isinstance(values["answer"], int):
                values["answer"] = values["options"][values["answer"]]
            found.append(LessonQuiz(path.stem, index, ast.unparse(node), **values))
    return found


def outputs(path: Path) -> list[tuple[int, str]]:
    """Every stored text output of a lesson, as (cell index, text)."""
    texts = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        for out in cell.get("outputs", []):
            parts = [out.get("text", "")] + [v for k, v in out.get("data", {}).items() if k.startswith("text/")]
            texts += [(index, "".join(p) if isinstance(p, list) else str(p)) for p in parts if p]
    return texts


def squash(text: str) -> str:
    """Text with runs of whitespace made one space, for comparing prose with wrapped outputs."""
    return re.sub(r"\s+", " ", text).strip()
