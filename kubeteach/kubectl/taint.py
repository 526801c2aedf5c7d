"""kubectl taint (staging/src/k8s.io/kubectl/pkg/cmd/taint/taint.go, utils.go): parse `key=value:Effect`,
`key:Effect-` and `key-`, rebuild the Node's spec.taints as kubectl does, and send the two-way strategic merge
patch between the Node before and after (spec.taints has no patch strategy, so the patch carries the whole list).
"""

from __future__ import annotations

from typing import Any

from ..apiserver import APIError
from ..apiserver.validation.meta import is_label_value, is_qualified_name
from ..objects import deep_copy, parse_selector
from . import printers
from .builder import resolve
from .context import Context, dry_run, field_validation, server_error
from .labels import resources_and_pairs
from .manifests import KubectlError

EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
USAGE = "\nSee 'kubectl taint -h' for help and examples"
Taint = dict[str, str]


def taint_string(t: Taint) -> str:
    """corev1.Taint.ToString: `key=value:effect`, dropping the empty parts."""
    key, value, effect = t.get("key", ""), t.get("value", ""), t.get("effect", "")
    if not effect:
        return f"{key}={value}:" if value else key
    return f"{key}={value}:{effect}" if value else f"{key}:{effect}"


def parse_taint(spec: str) -> Taint:
    """parseTaint: `key[=value][:effect]`, the key a qualified name, the value a label value."""
    parts = spec.split(":")
    value, effect = "", ""
    if len(parts) == 1:
        key = parts[0]
    elif len(parts) == 2:
        effect = parts[1]
        if effect not in EFFECTS:
            raise KubectlError(f"invalid taint effect: {effect}, unsupported taint effect")
        kv = parts[0].split("=")
        if len(kv) > 2:
            raise KubectlError(f"invalid taint spec: {spec}")
        key = kv[0]
        if len(kv) == 2:
            value = kv[1]
            if is_label_value(value):
                raise KubectlError(f"invalid taint spec: {spec}, {'; '.join(is_label_value(value))}")
    else:
        raise KubectlError(f"invalid taint spec: {spec}")
    if is_qualified_name(key):
        raise KubectlError(f"invalid taint spec: {spec}, {'; '.join(is_qualified_name(key))}")
    taint = {"key": key}
    if value:
        taint["value"] = value
    if effect:
        taint["effect"] = effect
    return taint


def parse_taints(specs: list[str]) -> tuple[list[Taint], list[Taint]]:
    """parseTaints: the taints to add (each with an effect, no key twice per effect) and the ones to remove."""
    add: list[Taint] = []
    remove: list[Taint] = []
    seen: set[tuple[str, str]] = set()
    for spec in specs:
        if spec.endswith("-"):
            t = parse_taint(spec[:-1])
            remove.append({k: v for k, v in t.items() if k != "value"})
            continue
        t = parse_taint(spec)
        if not t.get("effect"):
            raise KubectlError(f"invalid taint spec: {spec}")
        if (t["effect"], t["key"]) in seen:
            raise KubectlError(f"duplicated taints with the same key and effect: {_go_taint(t)}")
        seen.add((t["effect"], t["key"]))
        add.append(t)
    return add, remove


def _go_taint(t: Taint) -> str:
    """%v of a corev1.Taint value: {key value effect <nil>}."""
    return f"{{{t.get('key', '')} {t.get('value', '')} {t.get('effect', '')} <nil>}}"


def _match(a: Taint, b: Taint) -> bool:
    """Taint.MatchTaint: the same key and effect."""
    return a.get("key") == b.get("key") and a.get("effect", "") == b.get("effect", "")


def reorganize_taints(old: list[Taint], overwrite: bool, add: list[Taint], remove: list[Taint]
                      ) -> tuple[str, list[Taint], list[str]]:
    """reorganizeTaints: the new list (the added ones first, then the old ones they do not replace, less the removed
    ones), the operation word, and a `taint "x" not found` for each removal that matched nothing."""
    new = [dict(t) for t in add]
    for t in old:
        if not any(_match(n, t) for n in new):
            new.append(t)
    added = len(old) != len(new)
    errors, removed = [], False
    for r in remove:
        kept = [t for t in new if not (_match(r, t) if r.get("effect") else t.get("key") == r["key"])]
        removed = len(kept) != len(new)
        new = kept
        if not removed:
            errors.append(f'taint "{taint_string(r)}" not found')
    operation = "modified" if (added and removed) or overwrite else "tainted" if added else "untainted"
    return operation, new, errors


def _aggregate(errors: list[str]) -> str:
    """utilerrors.NewAggregate's message: one error as it is, several in brackets (duplicates once)."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _is_taint(w: str) -> bool:
    """taint's Complete: a change is anything with `=`, `:` or a trailing `-`."""
    return "=" in w or ":" in w or w.endswith("-")


def taint(ctx: Context) -> int:
    """`kubectl taint nodes NODE… key=value:Effect | key:Effect- | key-` (or `--all`, `-l`), `--overwrite`."""
    resources, changes = resources_and_pairs(ctx.args.words[1:], "taint", _is_taint)
    dry = dry_run(ctx)
    if not resources:
        raise KubectlError("one or more resources must be specified as <resource> <name>")
    if not changes:
        raise KubectlError("at least one taint update is required")
    add, remove = parse_taints_usage(changes)
    kind = resources[0].lower()
    if resolve(kind).kind != "Node":
        raise KubectlError(f"invalid resource type {kind}, only node types are supported")
    conflicts = [f"{r['key']}={r.get('effect', '')}" for a in add for r in remove
                 if a["key"] == r["key"] and (not r.get("effect") or a["effect"] == r["effect"])]
    if conflicts:
        raise KubectlError("can not both modify and remove the following taint(s) in the same command: "
                           + ", ".join(conflicts))
    everything, selector = bool(ctx.args.get("all")), ctx.args.get("selector")
    if everything and selector:
        raise KubectlError("setting 'all' parameter with a non empty selector is prohibited")
    if not everything and not selector and len(resources) < 2:
        raise KubectlError("at least one resource name must be specified since 'all' parameter is not set")
    nodes = _nodes(ctx, resources[1:], everything, selector)
    errors: list[str] = []
    for node in nodes:
        if isinstance(node, APIError):
            errors.append(server_error(node))
            continue
        try:
            _taint_node(ctx, node, add, remove, dry)
        except KubectlError as e:
            errors.append(f"error: {e}")
        except APIError as e:
            errors.append(server_error(e))
    for e in errors:
        ctx.error(e)
    return 1 if errors else 0


def parse_taints_usage(changes: list[str]) -> tuple[list[Taint], list[Taint]]:
    """parseTaints under cmdutil.UsageErrorf: its errors point at `kubectl taint -h`."""
    try:
        return parse_taints(changes)
    except KubectlError as e:
        raise KubectlError(f"{e}{USAGE}") from None


def _nodes(ctx: Context, names: list[str], everything: bool, selector: str | None) -> list[Any]:
    """The builder: the named nodes (a GET each; a missing one is its NotFound), or all / the selected ones."""
    if everything or selector:
        params = {"labelSelector": parse_selector(selector)} if selector else {}
        return list(ctx.client.list("nodes", "", **params)["items"])
    out: list[Any] = []
    for name in names:
        try:
            out.append(ctx.client.get("nodes", "", name))
        except APIError as e:
            out.append(e)
    return out


def _taint_node(ctx: Context, node: dict, add: list[Taint], remove: list[Taint], dry: str) -> None:
    """updateTaints, then the patch between the node as read and as changed (or, with nothing to patch, a PUT)."""
    name = node["metadata"]["name"]
    overwrite = bool(ctx.args.get("overwrite"))
    old = list((node.get("spec") or {}).get("taints") or [])
    if not overwrite:
        exists = [t["key"] for t in add for o in old if t["key"] == o.get("key") and t["effect"] == o.get("effect")]
        if exists:
            raise KubectlError(f"node {name} already has {','.join(exists)} taint(s) with same effect(s) and "
                               "--overwrite is false")
    operation, new, errors = reorganize_taints(old, overwrite, add, remove)
    if errors:
        raise KubectlError(_aggregate(errors))
    changed = deep_copy(node)
    spec = changed.setdefault("spec", {})
    if new:
        spec["taints"] = new
    else:
        spec.pop("taints", None)            # an empty slice, omitempty: the field goes
    patch: dict = {} if (old or None) == (new or None) else {"spec": {"taints": new or None}}
    if dry == "client":
        result = changed
    else:
        result = ctx.client.request("patch", "nodes", "", name, body=patch, patchType="strategic",
                                    fieldManager=ctx.args.get("field-manager") or "kubectl-taint",
                                    fieldValidation=field_validation(ctx),
                                    dryRun="All" if dry == "server" else None)
    output = ctx.args.get("output", "")
    if output in ("yaml", "json"):
        result = printers.hide_managed_fields(result, bool(ctx.args.get("show-managed-fields")))
        ctx.print(printers.to_yaml(result) if output == "yaml" else printers.to_json(result))
        return
    # the printer's operation is set per node, over the "(dry run)" suffix PrintFlagsWithDryRunStrategy put there
    ctx.print(f"node/{name}" + ("" if output == "name" else f" {operation}"))


__all__ = ["parse_taint", "parse_taints", "reorganize_taints", "taint", "taint_string"]
