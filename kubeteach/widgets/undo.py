"""In-memory copies of a running cluster, for the Stepper's Back and Reset (`copy_cluster`).

`Cluster.save`/`load` (kubeteach.snapshot) write a cluster to a file by journal and replay; Back needs a copy
after every click, in milliseconds, so this copies the live objects. Plain `copy.deepcopy` is enough: the loop's
entries are data (which component, which method, which arguments), and whatever a component keeps to be called
later is a bound method, which deepcopy copies with its object, never a closure that would still reach into the
original cluster (tests/test_widgets.py checks that a copy steps to the same trace and shares nothing).
"""

from __future__ import annotations

import copy
from typing import TypeVar

T = TypeVar("T")


def copy_cluster(obj: T) -> T:
    """A deep copy of `obj` (a Cluster) that continues independently of the original."""
    return copy.deepcopy(obj)


__all__ = ["copy_cluster"]
