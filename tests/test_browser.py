"""A lesson in a real browser: JupyterLab headless on loopback, Debian's chromium driven by the playwright package.

Opens a copy of a lesson (03-controllers, else 00-overview) with its outputs cleared, runs all cells, and checks that
every cell ran and no widget error shows; then clicks the Stepper's Reset, Step until its ownership graph changes,
and Back. The helpers live in scripts/screenshots.py, which also refreshes docs/screenshots/. Skipped only when
chromium or playwright is missing (the reason says how to install it; `.ci/run` installs both). Screenshots go to
pytest's temp dir, or to $KUBETEACH_SCREENSHOTS (e.g. docs/screenshots) when it is set.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_helpers() -> Any:
    """scripts/screenshots.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("kubeteach_screenshots", ROOT / "scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


lab_tools = _load_helpers()
MISSING = lab_tools.missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"browser test skipped: {MISSING}")
LESSON = lab_tools.lesson_under_test()
CLOCK = re.compile(r"^t=\d+\.\d{3}s, \d+ steps?$")


def _code_cells(name: str) -> int:
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())
    return sum(cell["cell_type"] == "code" for cell in nb["cells"])


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $KUBETEACH_SCREENSHOTS (relative to the repo) or a temp dir."""
    chosen = os.environ.get("KUBETEACH_SCREENSHOTS")
    return ROOT / chosen if chosen else tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The lesson, opened and run in JupyterLab in headless chromium; the server is stopped after, even on failure."""
    if LESSON is None:
        pytest.fail(f"none of the lessons {', '.join(lab_tools.TEST_LESSONS)} is in notebooks/")
    root = lab_tools.lesson_root(tmp_path_factory.mktemp("lab"), [LESSON])
    with lab_tools.lab_server(root) as lab, lab_tools.browser_page() as page:
        lab_tools.open_lesson(page, lab, LESSON)
        lab_tools.run_all(page)
        lab_tools.hide_sidebar(page)
        yield page


def test_every_cell_runs_and_draws_without_errors(page: Any, shots: Path) -> None:
    """Run All ran every code cell once, in order, in a fresh kernel; no cell failed and every widget drew."""
    prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
    assert [p.strip() for p in prompts] == [f"[{n}]:" for n in range(1, _code_cells(LESSON) + 1)]
    assert lab_tools.page_errors(page) == []
    assert page.locator(".jp-Notebook .jupyter-widgets button.widget-button").count() >= 4  # Step Run Back Reset
    lab_tools.show_at_top(page, page.locator(".jp-Notebook .jp-Cell").first)
    lab_tools.shoot(page, shots / f"{LESSON}-top.png")


def test_step_button_changes_the_graph(page: Any, shots: Path) -> None:
    """Reset, then Step clicks until the ownership graph gains or loses a node; Back undoes the last click."""
    stepper = lab_tools.StepperView(page)
    assert CLOCK.match(stepper.clock_text()), stepper.clock_text()
    if stepper.steps():  # the lesson's own cells clicked the buttons: start from the Stepper's first state
        stepper.click("Reset")
    clock_before = stepper.clock_text()
    assert clock_before.endswith(", 0 steps")
    before, after, clicks = stepper.step_until_graph_changes(max_clicks=10)
    assert before, "the ownership graph drew no nodes"
    assert after != before, f"{clicks} Step clicks did not change the graph: {before}"
    assert stepper.clock_text() != clock_before and stepper.steps() > 0
    assert lab_tools.page_errors(page) == []
    lab_tools.shoot(page, shots / f"{LESSON}-stepper.png", stepper.root)

    stepper.click("Back")  # the graph was still `before` until the last click
    assert stepper.graph_nodes() == before
    assert lab_tools.page_errors(page) == []


def test_records_view_groups_wraps_and_folds_in_the_browser(page: Any, shots: Path) -> None:
    """After a Run: the records are grouped by hop, routine ones fold behind a <details> that opens on a click,
    nothing is cut off at the right (no horizontal overflow), and each actor keeps one colour."""
    stepper = lab_tools.StepperView(page)
    stepper.click("Run")
    view = stepper.root.locator(".kt-records").first
    view.wait_for()
    assert stepper.root.locator(".kt-hop").count() >= 1
    folds = stepper.root.locator("details.kt-routine")
    assert folds.count() >= 1
    fold = folds.first
    assert re.match(r"^\d+ routine records? \(", fold.locator("summary").inner_text())
    assert not fold.locator(".kt-record").first.is_visible()             # folded until the learner opens it
    fold.locator("summary").click()
    assert fold.locator(".kt-record").first.is_visible()
    sizes = view.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] <= sizes[1] + 1, f"records overflow to the right: {sizes}"
    colours: dict[str, str] = {}
    for actor in stepper.root.locator(".kt-actor").all()[:60]:
        name, colour = actor.text_content(), actor.evaluate("e => getComputedStyle(e).color")
        assert colours.setdefault(name, colour) == colour, name
    assert len(set(colours.values())) >= 2
    assert lab_tools.page_errors(page) == []
    lab_tools.shoot(page, shots / f"{LESSON}-records.png", stepper.root)
