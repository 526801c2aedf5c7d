"""kubectl label and kubectl annotate (staging/src/k8s.io/kubectl/pkg/cmd/label/label.go, cmd/annotate/annotate.go).

Both read the object, change its metadata map locally (refusing to overwrite a key without --overwrite), and send
the JSON merge patch between the old and the new object; the line printed says what happened (`labeled`,
`unlabeled`, `not labeled`, `annotated`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..apiserver import APIError
from ..apiserver.validation import is_label_value
from .builder import objects
from .context import Context, dry_run, server_error
from .manifests import KubectlError

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..apiserver.resources import Resource

CHANGE_CAUSE = "kubernetes.io/change-cause"


def _is_pair(w: str) -> bool:
    return ("=" in w and not w.startswith("=")) or (w.endswith("-") and w != "-")


def resources_and_pairs(words: list[str], pair_type: str,
                        is_pair: Callable[[str], bool] = _is_pair) -> tuple[list[str], list[str]]:
    """GetResourcesAndPairs: resource words first, then KEY=VALUE / KEY- pairs (or what `is_pair` says a change is,
    as taint's own Complete does); a resource after a pair is an error."""
    resources: list[str] = []
    pairs: list[str] = []
    for w in words:
        if is_pair(w):
            pairs.append(w)
        elif pairs:
            raise KubectlError(f"all resources must be specified before {pair_type} changes: {w}")
        else:
            resources.append(w)
    return resources, pairs


def parse_labels(specs: list[str]) -> tuple[dict[str, str], list[str]]:
    """label.go parseLabels: `k=v` (one `=`, a valid label value) or `k-`."""
    labels: dict[str, str] = {}
    remove: list[str] = []
    for spec in specs:
        if "=" in spec:
            parts = spec.split("=")
            if len(parts) != 2:
                raise KubectlError(f"invalid label spec: {spec}")
            errs = is_label_value(parts[1])
            if errs:
                raise KubectlError(f"invalid label value: {json.dumps(spec)}: {';'.join(errs)}")
            labels[parts[0]] = parts[1]
        elif spec.endswith("-"):
            remove.append(spec[:-1])
        else:
            raise KubectlError(f"unknown label spec: {spec}")
    if any(k in labels for k in remove):
        raise KubectlError("can not both modify and remove a label in the same command")
    return labels, remove


def parse_annotations(specs: list[str]) -> tuple[dict[str, str], list[str]]:
    """ParsePairs(…, "annotation", true) then validateAnnotations."""
    new: dict[str, str] = {}
    remove: list[str] = []
    invalid: list[str] = []
    for spec in specs:
        if "=" in spec and not spec.startswith("="):
            key, _, value = spec.partition("=")
            new[key] = value
        elif spec.endswith("-") and spec != "-":
            remove.append(spec[:-1])
        else:
            invalid.append(spec)
    if invalid:
        raise KubectlError(f"invalid annotation format: {', '.join(invalid)}")
    both = [k for k in remove if k in new]
    if both:
        raise KubectlError("can not both modify and remove the following annotation(s) in the same command: "
                           + ", ".join(both))
    return new, remove


def _patch(ctx: Context, res: Resource, name: str, field: str, values: dict[str, str], remove: list[str],
           check: Callable[[dict], None]) -> tuple[bool, int, int]:
    """Change one metadata map and send the merge patch; returns (changed, old size, new size) of the JSON."""
    ns = ctx.namespace if res.namespaced else ""
    obj = ctx.client.get(res.resource, ns, name)
    current = obj["metadata"].get(field) or {}
    check(current)
    updated = {**current, **values}
    for key in remove:
        updated.pop(key, None)
    before = json.dumps(obj, sort_keys=True)
    after_obj = {**obj, "metadata": {**obj["metadata"], field: updated}}
    after = json.dumps(after_obj, sort_keys=True)
    changes = {**{k: v for k, v in values.items() if current.get(k) != v},
               **{k: None for k in remove if k in current}}
    if not _dry_suffix(ctx):        # a dry run (client or server side) sends nothing; no change sends `{}`
        ctx.client.patch(res.resource, ns, name, {"metadata": {field: changes}} if changes else {}, "merge",
                         fieldManager="kubectl-label" if field == "labels" else "kubectl-annotate")
    return before != after, len(before), len(after)


def label(ctx: Context) -> int:
    """kubectl label TYPE NAME KEY=VAL … KEY- [--overwrite]."""
    resources, pairs = resources_and_pairs(ctx.args.words[1:], "label")
    new, remove = parse_labels(pairs)
    if not resources and not ctx.args.get("filename"):
        raise KubectlError("one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if not new and not remove:
        raise KubectlError("at least one label update is required")
    overwrite = bool(ctx.args.get("overwrite"))

    def check(current: dict) -> None:
        for key in remove:
            if key not in current:
                ctx.print(f'label "{key}" not found.')
        if overwrite:
            return
        errs = [f"'{k}' already has a value ({current[k]}), and --overwrite is false" for k in new if k in current]
        if errs:
            raise KubectlError(errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]")

    failed = False
    for res, name in objects(ctx, resources):
        try:
            changed, old_len, new_len = _patch(ctx, res, name, "labels", new, remove, check)
        except APIError as e:
            ctx.error(server_error(e))
            failed = True
            continue
        word = "not labeled"
        if changed:
            word = "unlabeled" if not overwrite and new_len < old_len else "labeled"
        ctx.print(f"{res.kubectl_name}/{name} {word}{_dry_suffix(ctx)}")
    return 1 if failed else 0


def annotate(ctx: Context) -> int:
    """kubectl annotate TYPE NAME KEY=VAL … KEY- [--overwrite]; kubernetes.io/change-cause may always be
    overwritten."""
    resources, pairs = resources_and_pairs(ctx.args.words[1:], "annotation")
    new, remove = parse_annotations(pairs)
    if not resources and not ctx.args.get("filename"):
        raise KubectlError("one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if not new and not remove:
        raise KubectlError("at least one annotation update is required")
    overwrite = bool(ctx.args.get("overwrite"))

    def check(current: dict) -> None:
        if overwrite:
            return
        found = [f"'{k}' already has a value ({current[k]})" for k in new if k in current and k != CHANGE_CAUSE]
        if found:
            raise KubectlError("--overwrite is false but found the following declared annotation(s): "
                               + "; ".join(found))

    failed = False
    for res, name in objects(ctx, resources):
        try:
            _patch(ctx, res, name, "annotations", new, remove, check)
        except APIError as e:
            ctx.error(server_error(e))
            failed = True
            continue
        ctx.print(f"{res.kubectl_name}/{name} annotated{_dry_suffix(ctx)}")
    return 1 if failed else 0


def _dry_suffix(ctx: Context) -> str:
    return {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run(ctx), "")


__all__ = ["annotate", "label", "parse_annotations", "parse_labels", "resources_and_pairs"]
