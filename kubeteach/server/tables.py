"""Server-side printing: `meta.k8s.io/v1` Tables (the columns `kubectl get` shows, computed where the
real API server computes them, with ages on the virtual clock).

Columns come from the embedded kubectl's printers (pkg/printers/internalversion); wide columns get priority 1.
"""

from __future__ import annotations

from typing import Any

from ..apiserver.resources import Resource
from ..kubectl.printers import COLUMNS, age


def wants_table(accept: str) -> bool:
    """The client asked for `application/json;as=Table;v=v1;g=meta.k8s.io` (kubectl get does)."""
    return any("as=Table" in part and "g=meta.k8s.io" in part for part in accept.split(","))


def _column_name(header: str) -> str:
    """`NOMINATED NODE` → `Nominated Node`, `IP` stays (kubectl upper-cases them again to print)."""
    words = [w if w in ("IP", "OS") or "IP" in w.split("-") else w.capitalize() for w in header.split(" ")]
    return " ".join(words)


def _partial(obj: dict) -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def table(res: Resource, objs: list[dict], now: float, include_object: str = "Metadata",
          resource_version: str = "") -> dict:
    """The Table for a list (or one object): column definitions, then one row per object."""
    head, extra, row_fn = COLUMNS.get(res.resource, (["NAME", "AGE"], [],
                                                    lambda o, n, w: [o["metadata"]["name"], age(o, n)]))
    columns = [{"name": _column_name(h), "type": "string", "format": "name" if i == 0 else "", "description": "",
                "priority": 0 if i < len(head) else 1} for i, h in enumerate(head + extra)]
    rows = []
    for o in objs:
        cells = row_fn(o, now, bool(extra))
        row: dict[str, Any] = {"cells": cells}
        if include_object == "Object":
            row["object"] = o
        elif include_object != "None":
            row["object"] = _partial(o)
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
            "columnDefinitions": columns, "rows": rows}


__all__ = ["table", "wants_table"]
