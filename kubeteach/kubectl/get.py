"""kubectl get (staging/src/k8s.io/kubectl/pkg/cmd/get/get.go): list or get, print, sort (--sort-by), and -w."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..apiserver import APIError
from ..apiserver.resources import Resource
from ..objects import parse_selector
from . import printers
from .builder import targets
from .context import Context, server_error
from .manifests import KubectlError


def get(ctx: Context) -> int:
    """kubectl get TYPE[,TYPE] [NAME…] | TYPE/NAME…: tables (or -o yaml|json|name|wide); `--sort-by=<jsonpath>`
    sorts what a list returned (without it, rows come in the API server's list order, as kubectl's do: `get
    events` has no default sort, kubernetes#29838); `-w` then shows the changes since (watch)."""
    sort_key = _jsonpath_getter(ctx.args.get("sort-by")) if ctx.args.get("sort-by") else None
    wanted = targets(ctx, ctx.args.words[1:])
    output = ctx.args.get("output", "")
    all_ns = bool(ctx.args.get("all-namespaces"))
    selector = ctx.args.get("selector")
    found: list[tuple[Resource, list[dict]]] = []
    failed = False
    for res, names in wanted:
        ns = "" if all_ns or not res.namespaced else ctx.namespace
        if names:
            objs = []
            for name in names:
                try:
                    objs.append(ctx.client.get(res.resource, ns or ctx.namespace, name))
                except APIError as e:
                    if not (e.code == 404 and ctx.args.get("ignore-not-found")):
                        ctx.error(server_error(e))
                        failed = True
        else:
            params = {"labelSelector": parse_selector(selector)} if selector else {}
            if ctx.args.get("field-selector"):
                params["fieldSelector"] = ctx.args.get("field-selector")
            try:
                objs = ctx.client.list(res.resource, ns, **params)["items"]
                if sort_key is not None:        # a stable sort, as kubectl's
                    objs = sorted(objs, key=sort_key)
            except APIError as e:
                if e.code == 400:  # kubectl's resource builder names what it was looking for (resource/selector.go)
                    e = APIError(e.code, e.reason, f'Unable to find "{res.group}/{res.version}, Resource='
                                 f'{res.resource}" that match label selector "{selector or ""}", field selector '
                                 f'"{ctx.args.get("field-selector") or ""}": {e.message}')
                ctx.error(server_error(e))
                failed = True
                continue
        found.append((res, objs))
    if failed and not any(objs for _, objs in found):
        return 1  # kubectl prints "No resources found" only when nothing failed
    _print_objects(ctx, found, output, all_ns, multi=len(wanted) > 1)
    if ctx.args.get("watch"):
        watch(ctx, found)
    return 1 if failed else 0


def _print_objects(ctx: Context, found: list[tuple[Resource, list[dict]]], output: str, all_ns: bool,
                   multi: bool) -> None:
    objs = [o for _, group in found for o in group]
    if output in ("yaml", "json"):
        body: dict = objs[0] if len(objs) == 1 and len(found) == 1 and _named(ctx) else printers.as_list(objs)
        ctx.print(printers.to_yaml(body) if output == "yaml" else printers.to_json(body))
        return
    if output == "name":
        for res, group in found:
            for o in group:
                ctx.print(f"{res.kubectl_name}/{o['metadata']['name']}")
        return
    if output not in ("", "wide"):
        raise KubectlError(f"unable to match a printer suitable for the output format \"{output}\", allowed formats "
                           "are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
                           "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")
    if not objs:
        if not _named(ctx):
            where = " in " + (f"{ctx.namespace} namespace" if not all_ns else "any namespace") \
                if any(r.namespaced for r, _ in found) and not all_ns else ""
            if all_ns:
                where = ""
            ctx.error(f"No resources found{where}.")
        return
    blocks = []
    for res, group in found:
        if group:
            blocks.append(printers.print_table(res, group, ctx.now, wide=output == "wide", namespaces=all_ns,
                                               show_labels=bool(ctx.args.get("show-labels")), with_kind=multi))
    ctx.print("\n".join(blocks))


def _named(ctx: Context) -> bool:
    return len(ctx.args.words) > 2 or any("/" in w for w in ctx.args.words[1:])


def watch(ctx: Context, found: list[tuple[Resource, list[dict]]]) -> None:
    """`get -w` as a bounded replay: a watch from the newest resourceVersion listed (0 when nothing was) replays
    the changes the API server's history holds after it, one row each, and ends: the simulation stands still
    while kubectl would wait. The watch is quiet, as the replay it stands for left no request in the trace."""
    for res, group in found:
        since = max((int(o["metadata"]["resourceVersion"]) for o in group), default=0)
        ns = "" if ctx.args.get("all-namespaces") or not res.namespaced else ctx.namespace
        for etype, obj in _replay(ctx, res, ns, since):
            if etype == "ERROR":            # a Status: the watch could not start there (410 Expired)
                raise APIError(obj.get("code", 500), obj.get("reason", ""), obj.get("message", ""))
            rows = printers.print_table(res, [obj], ctx.now).splitlines()[1:]
            ctx.print("\n".join(rows))


def _replay(ctx: Context, res: Resource, namespace: str, since: int) -> list[tuple[str, dict]]:
    """The events a quiet watch from `since` delivers at once (its replay), the watch then stopped."""
    events: list[tuple[str, dict]] = []
    watcher = ctx.quiet.request("watch", res, namespace, callback=lambda etype, obj: events.append((etype, obj)),
                                resourceVersion=str(since))
    watcher.stop()
    return events


def _jsonpath_getter(path: str) -> Callable[[dict], Any]:
    """A `{.a.b}` / `.a.b` field path as a sort key (missing fields sort first, as kubectl's comparator does)."""
    keys = [k for k in path.strip().strip("{}").lstrip(".").split(".") if k]
    if not keys:
        raise KubectlError(f"couldn't find any field with path \"{path}\" in the list of objects")

    def key(obj: dict) -> Any:
        value: Any = obj
        for k in keys:
            value = value.get(k) if isinstance(value, dict) else None
        if value is None:
            return (0, "")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (1, value)
        return (2, str(value))
    return key


__all__ = ["get", "watch"]
