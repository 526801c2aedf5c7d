"""The layers at run time: the core loads no Jupyter or drawing library; widgets add nothing beyond ipywidgets."""

import subprocess
import sys

PROBE = """
import sys
before = set(sys.modules)
import {module}
print(" ".join(sorted({{m.split(".")[0] for m in set(sys.modules) - before}})))
"""


def loaded_by(module: str, first: str = "") -> set[str]:
    code = (first + "\n" if first else "") + PROBE.format(module=module)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_core_loads_no_jupyter_graphviz_or_matplotlib():
    loaded = loaded_by("kubeteach")
    assert "kubeteach" in loaded
    assert not loaded & {"IPython", "ipywidgets", "ipykernel", "graphviz", "matplotlib"}


def test_viz_loads_no_jupyter_and_widgets_no_more_than_ipywidgets_does():
    assert not loaded_by("kubeteach.viz") & {"IPython", "ipywidgets", "ipykernel"}
    extra = loaded_by("kubeteach.widgets", first="import ipywidgets, graphviz, matplotlib, kubeteach.viz")
    assert extra == {"kubeteach"}  # only kubeteach.widgets itself
