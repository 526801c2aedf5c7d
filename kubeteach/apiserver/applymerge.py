"""The object side of server-side apply (structured-merge-diff v6 typed.Merge and RemoveItems): an applied
configuration merges into the live object field by field, associative lists item by item on their keys, sets value
by value, atomic lists, structs and maps whole; fields the applier gave up are then removed.

The merged list order follows SMD's: the live order, with the configuration's items placed in its own order around
the items they share (a simpler interleaving than SMD's, with the same result for lists that only grow or shrink).
"""

from __future__ import annotations

from typing import Any

from ..objects import deep_copy
from .fieldpath import ATOMIC, MISSING, item_element, list_kind


def merge(live: Any, config: Any) -> Any:
    """live.Merge(config): a new object; the parts of `live` the configuration leaves alone are shared."""
    return _merge(live, config, None, "")


def _merge(lhs: Any, rhs: Any, parent: str | None, name: str) -> Any:
    if rhs is MISSING:
        return lhs
    if isinstance(lhs, dict) and isinstance(rhs, dict) and name not in ATOMIC:
        out = dict(lhs)
        here = _element(parent, name)
        for k, v in rhs.items():
            out[k] = _merge(lhs.get(k, MISSING), v, here, k) if k in lhs else deep_copy(v)
        return out
    if isinstance(lhs, list) and isinstance(rhs, list):
        kind, keys = list_kind(parent, name)
        if kind != "atomic":
            return _merge_list(lhs, rhs, kind, keys)
    return deep_copy(rhs)


def _element(parent: str | None, name: str) -> str | None:
    return "f:" + name if name else parent


def _merge_list(lhs: list, rhs: list, kind: str, keys: tuple[str, ...]) -> list:
    l_pes = [item_element(i, kind, keys) for i in lhs]
    r_pes = [item_element(i, kind, keys) for i in rhs]
    r_index = {pe: i for i, pe in enumerate(r_pes)}
    out: list = []
    ri = 0

    def take(i: int) -> None:
        pe, item = r_pes[i], rhs[i]
        if pe in l_pos:
            out.append(_merge_item(lhs[l_pos[pe]], item, pe))
        else:
            out.append(deep_copy(item))

    l_pos = {pe: i for i, pe in enumerate(l_pes)}
    done: set[str] = set()
    for li, pe in enumerate(l_pes):
        if pe in done:
            continue
        if pe not in r_index:
            out.append(lhs[li])
            done.add(pe)
            continue
        while ri <= r_index[pe]:
            if r_pes[ri] not in done:
                take(ri)
                done.add(r_pes[ri])
            ri += 1
    while ri < len(r_pes):
        if r_pes[ri] not in done:
            take(ri)
            done.add(r_pes[ri])
        ri += 1
    return out


def _merge_item(lhs: Any, rhs: Any, pe: str) -> Any:
    if isinstance(lhs, dict) and isinstance(rhs, dict):
        out = dict(lhs)
        for k, v in rhs.items():
            out[k] = _merge(lhs[k], v, pe, k) if k in lhs else deep_copy(v)
        return out
    return deep_copy(rhs)


def remove_paths(obj: dict, paths: list[tuple[str, ...]]) -> dict:
    """RemoveItems: a copy of `obj` without the nodes at `paths` (copying only along them)."""
    for path in paths:
        obj = _remove(obj, path, None, "")
    return obj


def _remove(node: Any, path: tuple[str, ...], parent: str | None, name: str) -> Any:
    pe, rest = path[0], path[1:]
    if isinstance(node, dict) and pe.startswith("f:"):
        key = pe[2:]
        if key not in node:
            return node
        out = dict(node)
        if rest:
            out[key] = _remove(node[key], rest, _element(parent, name), key)
        else:
            del out[key]
        return out
    if isinstance(node, list):
        kind, keys = list_kind(parent, name)
        out = []
        for item in node:
            if item_element(item, kind, keys) != pe:
                out.append(item)
            elif rest:
                out.append(_remove(item, rest, pe, ""))
        return out
    return node


__all__ = ["merge", "remove_paths"]
