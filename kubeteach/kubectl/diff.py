"""kubectl diff -f FILE (staging/src/k8s.io/kubectl/pkg/cmd/diff/diff.go): for each object, the LIVE one (a GET)
and the MERGED one — what the API server answers to a dry run of the change client-side apply would send (a
dry-run strategic merge patch with the resourceVersion as a lock, or a dry-run create) — printed as YAML without
managedFields into two temporary directories, then `diff -u -N LIVE-… MERGED-…`.

kubectl runs the system's diff; here difflib writes GNU diff's unified format (the hunks GNU diff chooses can differ
for long, repetitive changes). The directories' random suffixes come from the cluster's seed and the files' times
from the virtual clock, so the header lines repeat run to run. Exit 0: no differences; 1: differences; 2: an error.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from ..apiserver import APIError
from ..apiserver.resources import Resource
from ..objects import deep_copy, timestamp
from . import printers
from .builder import documents, mapping, namespace_for
from .context import Context, field_validation, server_error
from .describe_writer import LAST_APPLIED
from .manifests import KubectlError

FIELD_MANAGER = "kubectl-client-side-apply"
TMP = "/tmp"


def object_name(res: Resource, ns: str, name: str) -> str:
    """InfoObject.Name: `apps.v1.Deployment.default.nginx` (the group, when there is one, first)."""
    group = f"{res.group}." if res.group else ""
    return f"{group}{res.version}.{res.kind}.{ns}.{name}"


def modified_configuration(obj: dict, ns: str) -> dict:
    """GetModifiedConfiguration(annotate=false): the local object, annotations at least {}, the last-applied one
    left out."""
    modified = deep_copy(obj)
    meta = modified.setdefault("metadata", {})
    meta["annotations"] = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    if ns:
        meta["namespace"] = ns
    return modified


def merged(ctx: Context, res: Resource, ns: str, obj: dict, live: dict | None) -> dict:
    """InfoObject.Merged: a dry-run create for a new object, else the dry-run patch apply's Patcher sends."""
    if live is None:
        return ctx.client.request("create", res, ns, body=deep_copy(obj), dryRun="All",
                                  fieldManager=ctx.args.get("field-manager") or FIELD_MANAGER,
                                  fieldValidation=field_validation(ctx))
    last = json.loads((live["metadata"].get("annotations") or {}).get(LAST_APPLIED) or "{}")
    patch = three_way_merge_patch(last, modified_configuration(obj, ns), live)
    patch.setdefault("metadata", {})["resourceVersion"] = live["metadata"]["resourceVersion"]
    return ctx.client.request("patch", res, ns, live["metadata"]["name"], body=patch, patchType="strategic",
                              dryRun="All", fieldManager=ctx.args.get("field-manager") or FIELD_MANAGER)


def three_way_merge_patch(original: Any, modified: Any, current: Any) -> dict:
    """CreateThreeWayMergePatch in the shape apply's Patcher sends: what differs between the live object and the
    new configuration, plus null for each field the last applied configuration had and the new one drops. Lists
    that differ go whole, as the embedded apply sends them."""
    patch: dict = {}
    original = original if isinstance(original, dict) else {}
    current = current if isinstance(current, dict) else {}
    for key, value in modified.items():
        if isinstance(value, dict) and isinstance(current.get(key), dict):
            sub = three_way_merge_patch(original.get(key), value, current[key])
            if sub:
                patch[key] = sub
        elif key not in current or current[key] != value:
            patch[key] = deep_copy(value)
    for key in original:
        if key not in modified and key in current:
            patch[key] = None
    return patch


def _yaml(obj: dict | None, managed: bool) -> str:
    """The diff Printer: the object as YAML (nothing for none), managedFields dropped unless asked for."""
    if obj is None:
        return ""
    obj = deep_copy(obj)
    if not managed:
        obj.get("metadata", {}).pop("managedFields", None)
    return printers.to_yaml(obj)


def unified(from_path: str, to_path: str, a: str, b: str, when: str) -> str:
    """`diff -u -N from to` for one file pair: the `diff` line, the ---/+++ lines with the files' times, hunks."""
    if a == b:
        return ""
    head = f"diff -u -N {from_path} {to_path}\n"
    lines = difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True),
                                 f"{from_path}\t{when}", f"{to_path}\t{when}", n=3)
    body = []
    for line in lines:
        if line.startswith(("---", "+++")):
            line = line.rstrip() + "\n"
        body.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return head + "".join(body)


def _gnu_time(seconds: float) -> str:
    """GNU diff's file time: `2026-01-01 00:00:12.410000000 +0000`."""
    stamp = timestamp(seconds).rstrip("Z").replace("T", " ")
    frac = f"{seconds % 1:.9f}"[1:]
    return f"{stamp}{frac} +0000"


def diff(ctx: Context) -> int:
    """`kubectl diff -f FILE…`; prints the unified diff of every object that would change."""
    try:
        if len(ctx.args.words) > 1:
            raise KubectlError(f"Unexpected args: [{' '.join(ctx.args.words[1:])}]\n"
                               "See 'kubectl diff -h' for help and examples")
        return _diff(ctx)
    except KubectlError as e:
        ctx.error(f"error: {e}")
    except APIError as e:
        ctx.error(server_error(e))
    return 2                        # CheckDiffErr: kubectl's exit code plus one


def _diff(ctx: Context) -> int:
    live_dir = f"{TMP}/LIVE-{ctx.cluster.rnd.intn(2 ** 32)}"
    merged_dir = f"{TMP}/MERGED-{ctx.cluster.rnd.intn(2 ** 32)}"
    managed = bool(ctx.args.get("show-managed-fields"))
    files: dict[str, tuple[str, str]] = {}
    for doc in documents(ctx):
        res = mapping(ctx, doc)
        if res is None:
            return 2
        ns = namespace_for(ctx, res, doc.obj)
        name = doc.obj.get("metadata", {}).get("name", "")
        try:
            live: dict | None = ctx.client.get(res.resource, ns, name)
        except APIError as e:
            if e.code != 404:
                raise
            live = None
        after = merged(ctx, res, ns, doc.obj, live)
        files[object_name(res, ns, name)] = (_yaml(live, managed), _yaml(after, managed))
    when = _gnu_time(ctx.now)
    out = "".join(unified(f"{live_dir}/{n}", f"{merged_dir}/{n}", a, b, when) for n, (a, b) in sorted(files.items()))
    ctx.out.append(out)
    return 1 if out else 0


__all__ = ["diff", "modified_configuration", "object_name", "unified"]
