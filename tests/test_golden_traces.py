"""The safety net for refactoring: the full trace text (`str()` of every record of every cluster) of the lessons,
compared byte for byte with tests/golden/. A change that means to alter the traces refreshes them with
KUBETEACH_REFRESH_GOLDEN=1 and says in its commit which records changed. The shared conformance checks' trace
(tests/golden/conformance.trace.txt) is compared by .ci/run, which runs them: they live beside the project."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

GOLDEN = ROOT / "tests/golden"
REFRESH = "KUBETEACH_REFRESH_GOLDEN"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get(REFRESH) == "1" or not path.exists():
        path.write_text(text)
    assert text == path.read_text(), (f"{path.relative_to(ROOT)} differs from this run's trace; if that is meant, "
                                      f"run with {REFRESH}=1 and review `git diff tests/golden`")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_lesson_traces_are_unchanged(notebook: Path, tmp_path: Path):
    nb = nbformat.read(notebook, as_version=4)
    out = tmp_path / "trace.txt"
    setup = f"import os, sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\nos.environ['KUBETEACH_GOLDEN_OUT'] = " \
            f"{str(out)!r}\nimport golden_recorder"
    dump = f"import golden_recorder\nopen({str(out)!r}, 'w').write(golden_recorder.trace_text())"
    nb.cells = [nbformat.v4.new_code_cell(setup), *nb.cells, nbformat.v4.new_code_cell(dump)]
    NotebookClient(nb, kernel_name="python3", timeout=600,
                   resources={"metadata": {"path": str(notebook.parent)}}).execute()
    compare(f"{notebook.stem}.trace.txt", out.read_text())
