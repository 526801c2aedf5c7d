"""The patch types' merges (apimachinery/pkg/util/strategicpatch, evanphx/json-patch's MergePatch): a JSON merge
patch (RFC 7386), and a strategic merge patch for the lesson cases. JSON patches (RFC 6902) are `jsonpatch`'s.
"""

from __future__ import annotations

from typing import Any

from ..objects import deep_copy


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge, null deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return deep_copy(patch)
    out = deep_copy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


MERGE_KEYS = {"containers": "name", "initContainers": "name", "volumes": "name", "volumeMounts": "mountPath",
              "env": "name", "ports": "containerPort", "conditions": "type", "tolerations": None,
              "imagePullSecrets": "name", "ownerReferences": "uid"}


#: merge keys that depend on where the list is, by the path of keys leading to it: a Service's spec.ports merge by
#: `port` (ServiceSpec.Ports patchMergeKey), a container's ports by `containerPort`
PATH_MERGE_KEYS = {("spec", "ports"): "port"}


def strategic_merge_patch(target: Any, patch: Any, key: str = "", path: tuple[str, ...] = ()) -> Any:
    """Strategic merge patch for the lesson cases: lists with a patchMergeKey merge item by item."""
    mk = PATH_MERGE_KEYS.get(path) or MERGE_KEYS.get(key)
    if isinstance(patch, list) and isinstance(target, list) and mk:
        out = [deep_copy(x) for x in target]
        for item in patch:
            if isinstance(item, dict) and item.get("$patch") == "delete":
                out = [x for x in out if not isinstance(x, dict) or x.get(mk) != item.get(mk)]
                continue
            match = next((i for i, x in enumerate(out) if isinstance(x, dict) and isinstance(item, dict)
                          and x.get(mk) == item.get(mk)), None)
            if match is None:
                out.append(deep_copy(item))
            else:
                out[match] = strategic_merge_patch(out[match], item, "", path)
        return out
    if not isinstance(patch, dict):
        return deep_copy(patch)
    out = deep_copy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if k.startswith("$"):
            continue
        if v is None:
            out.pop(k, None)
        else:
            out[k] = strategic_merge_patch(out.get(k), v, k, path + (k,))
    return out


__all__ = ["MERGE_KEYS", "PATH_MERGE_KEYS", "merge_patch", "strategic_merge_patch"]
