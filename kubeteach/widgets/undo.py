"""In-memory copies of a running cluster, for the Stepper's Back and Reset (`copy_cluster`).

`Cluster.save`/`load` (kubeteach.snapshot) write a cluster to a file by journal and replay; Back needs a copy
after every click, in milliseconds, so this copies the live objects instead. `copy.deepcopy` alone is not
enough: it copies functions as atoms, so a loop entry's `lambda: self._run(key)` in the copy would still call the
*original* component, and the two clusters would share their future. `copy_cluster` also copies the closure cells
of such functions (through the same memo), so the copy's closures point at the copy's objects and it continues
with the identical trace. Functions without closures (module functions) stay shared, as they hold no state.
"""

from __future__ import annotations

import copy
import types
from typing import Any, TypeVar

T = TypeVar("T")


def _copy_function(fn: types.FunctionType, memo: dict[int, Any]) -> types.FunctionType:
    """A function with the same code and globals whose closure cells hold deep copies (shared through memo)."""
    if not fn.__closure__:
        return fn
    cells = []
    for cell in fn.__closure__:
        try:
            contents = cell.cell_contents
        except ValueError:  # a cell not yet filled (a name assigned after the function was made)
            cells.append(types.CellType())
            continue
        cells.append(types.CellType(copy.deepcopy(contents, memo)))
    clone = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, tuple(cells))
    clone.__kwdefaults__ = fn.__kwdefaults__
    clone.__qualname__ = fn.__qualname__
    clone.__dict__.update(fn.__dict__)
    memo[id(fn)] = clone
    return clone


def copy_cluster(obj: T) -> T:
    """A deep copy of `obj` (a Cluster) that continues independently: closures are copied, not shared.

    The copy hooks are installed in the `copy` module only for the duration of the call (notebook kernels run
    widget callbacks on one thread, so nothing else deep-copies meanwhile).
    """
    dispatch = copy._deepcopy_dispatch  # type: ignore[attr-defined]
    hooks: dict[type, Any] = {types.FunctionType: _copy_function}
    saved = {t: dispatch[t] for t in hooks if t in dispatch}
    dispatch.update(hooks)
    try:
        return copy.deepcopy(obj)
    finally:
        for t in hooks:
            if t in saved:
                dispatch[t] = saved[t]
            else:
                del dispatch[t]


__all__ = ["copy_cluster"]
