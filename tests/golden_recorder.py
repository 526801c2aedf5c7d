"""Keeps every Cluster built in this process and writes their traces to a file at exit: loaded into a lesson's
kernel by tests/test_golden_traces.py, or as a pytest plugin (`-p golden_recorder`) around the conformance checks
by .ci/run."""

from __future__ import annotations

import atexit
import os

import kubeteach.cluster

CLUSTERS: list = []
_init = kubeteach.cluster.Cluster.__init__


def _recording_init(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003 - the Cluster signature, passed on
    CLUSTERS.append(self)
    _init(self, *args, **kwargs)


kubeteach.cluster.Cluster.__init__ = _recording_init


def trace_text() -> str:
    """Every built cluster's trace in the order they were built, then the copies still alive (the Stepper's Back
    and Reset work on copies), ordered by their text."""
    import gc

    built = {id(c) for c in CLUSTERS}
    copies = sorted("\n".join(str(r) for r in c.trace) for c in gc.get_objects()
                    if isinstance(c, kubeteach.cluster.Cluster) and id(c) not in built)
    out = []
    for i, c in enumerate(CLUSTERS):
        out.append(f"## cluster {i}: seed {c.seed}, {len(c.trace)} records")
        out.extend(str(r) for r in c.trace)
    for i, text in enumerate(copies):
        out.append(f"## copy {i}")
        out.append(text)
    return "\n".join(out) + "\n"


@atexit.register
def _write() -> None:
    path = os.environ.get("KUBETEACH_GOLDEN_OUT")
    if path:
        with open(path, "w") as f:
            f.write(trace_text())
