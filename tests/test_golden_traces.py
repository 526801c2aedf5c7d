"""The safety net for refactoring: the full trace text (`str()` of every record of every cluster) of the nine
lessons and of the shared conformance checks, compared byte for byte with tests/golden/. A change that means to
alter the traces refreshes them with KUBETEACH_REFRESH_GOLDEN=1 and says in its commit which records changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

GOLDEN = ROOT / "tests/golden"
REFRESH = "KUBETEACH_REFRESH_GOLDEN"
CONFORMANCE = ROOT.parent / "shared/conformance"
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


@pytest.mark.skipif(not CONFORMANCE.exists(), reason="../shared/conformance is not beside the project")
def test_conformance_traces_are_unchanged(tmp_path: Path):
    out = tmp_path / "trace.txt"
    env = {**os.environ, "KUBETEACH_GOLDEN_OUT": str(out), "PYTHONPATH": str(ROOT / "tests"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-c", "/dev/null", "--rootdir", str(CONFORMANCE),
                             "-p", "no:cacheprovider", "-p", "golden_recorder", "-q", "-p", "no:randomly",
                             str(CONFORMANCE)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    compare("conformance.trace.txt", out.read_text())
