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
from .rollout import parse_duration


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
    list_rvs: dict[str, str] = {}
    failed = False
    watching = bool(ctx.args.get("watch") or ctx.args.get("watch-only"))
    if watching and len(wanted) > 1:
        raise KubectlError("you may only specify a single resource type")
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
                listed = ctx.client.list(res.resource, ns, **params)
                objs = listed["items"]
                list_rvs[res.resource] = listed["metadata"].get("resourceVersion", "0")
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
    if watching:
        if failed:
            return 1
        watch(ctx, found[0][0], found[0][1], list_rvs.get(found[0][0].resource, "0"), output, all_ns)
        return 0
    _print_objects(ctx, found, output, all_ns, multi=len(wanted) > 1)
    return 1 if failed else 0


def _print_objects(ctx: Context, found: list[tuple[Resource, list[dict]]], output: str, all_ns: bool,
                   multi: bool) -> None:
    objs = [o for _, group in found for o in group]
    if output in ("yaml", "json"):      # metadata.managedFields hidden unless --show-managed-fields
        objs = [printers.hide_managed_fields(o, bool(ctx.args.get("show-managed-fields"))) for o in objs]
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


def watch(ctx: Context, res: Resource, objs: list[dict], list_rv: str, output: str, all_ns: bool) -> None:
    """`get -w` / `--watch-only` (get.go watch): print what was listed (with --watch-only nothing yet), then
    watch from the list's resourceVersion (a named object: from 0, its replayed ADDED not printed again) and let the
    virtual clock run, a row for each event as it comes, until the cluster settles (nothing left to do but periodic
    work, where a real kubectl sits waiting) or --request-timeout virtual seconds pass. The watch is quiet, as the
    polls of the other waiting commands are: the cluster's own work during it is what the trace shows."""
    if output not in ("", "wide"):
        raise KubectlError("--watch is supported here for table output only (-o wide or none)")
    named = _named(ctx)
    if named and len(objs) > 1:
        _print_objects(ctx, [(res, objs)], output, all_ns, multi=False)
        raise KubectlError(f"watch is only supported on individual resources and resource collections, but "
                           f"{len(objs)} resources were found")
    table = RememberWidths()
    rows = [_cells(ctx, res, o, output == "wide", all_ns) for o in objs]
    header = _cells(ctx, res, None, output == "wide", all_ns)
    if rows and not ctx.args.get("watch-only"):     # --watch-only: the header comes with the first event's row
        ctx.print(table.flush([header] + rows))
    ns = "" if all_ns or not res.namespaced else ctx.namespace
    params: dict[str, Any] = {"resourceVersion": "0" if named else list_rv}
    if named:
        params["fieldSelector"] = f"metadata.name={objs[0]['metadata']['name']}"
    skip = [named]

    def event(etype: str, obj: dict) -> None:
        if etype == "ERROR":            # a Status: the watch could not go on (410 Expired)
            raise APIError(obj.get("code", 500), obj.get("reason", ""), obj.get("message", ""))
        if named and obj["metadata"]["name"] != objs[0]["metadata"]["name"]:
            return
        if skip[0]:
            skip[0] = False
            return
        cells = _cells(ctx, res, obj, output == "wide", all_ns)
        ctx.print(table.flush([header, cells] if not table.widths else [cells]))

    watcher = ctx.quiet.request("watch", res, ns, callback=event, **params)
    try:
        follow(ctx, ctx.args.get("request-timeout"))
    finally:
        watcher.stop()


#: how long, in virtual seconds, a follow without --request-timeout lasts at most
FOREVER = 3600.0


def follow(ctx: Context, request_timeout: str | None, done: Callable[[], bool] | None = None) -> None:
    """Let the virtual clock run while kubectl holds a stream open (`get -w`, `logs -f`): for --request-timeout
    virtual seconds when given (0: no timeout), else until the cluster settles; and never past FOREVER, nor past
    `done()`."""
    seconds = parse_duration(request_timeout) if request_timeout else 0.0
    if seconds:
        ctx.wait_until(done or (lambda: False), seconds)
    else:
        ctx.wait_until(lambda: ctx.cluster.loop.busy <= 0 or bool(done and done()), FOREVER)


class RememberWidths:
    """text/tabwriter with RememberWidths, as kubectl's watch writer: each flush pads to the widest cell seen so far
    (minimum width 6, padding 3), so later rows keep the header's columns unless a cell is wider."""

    def __init__(self) -> None:
        self.widths: list[int] = []

    def flush(self, rows: list[list[str]]) -> str:
        for row in rows:
            for i, cell in enumerate(row[:-1]):
                if i >= len(self.widths):
                    self.widths.append(6)
                self.widths[i] = max(self.widths[i], len(cell) + 3)
        return "".join("".join(c.ljust(self.widths[i]) if i < len(r) - 1 else c for i, c in enumerate(r)).rstrip()
                       + "\n" for r in rows)


def _cells(ctx: Context, res: Resource, obj: dict | None, wide: bool, all_ns: bool) -> list[str]:
    """One table row of `obj` (None: the header), as print_table builds it."""
    head, extra, row_fn = printers.COLUMNS.get(res.resource, (["NAME", "AGE"], [],
                                                            lambda o, n, w: [o["metadata"]["name"],
                                                                             printers.age(o, n)]))
    if obj is None:
        row = head + (extra if wide else [])
        return (["NAMESPACE"] if all_ns else []) + row + (["LABELS"] if ctx.args.get("show-labels") else [])
    row = row_fn(obj, ctx.now, wide)
    if all_ns:
        row.insert(0, obj["metadata"].get("namespace", ""))
    if ctx.args.get("show-labels"):
        row.append(printers.labels_string(obj["metadata"].get("labels")))
    return row


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


__all__ = ["RememberWidths", "follow", "get", "watch"]
