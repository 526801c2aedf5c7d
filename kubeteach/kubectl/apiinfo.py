"""kubectl api-resources, api-versions and version (staging/src/k8s.io/kubectl/pkg/cmd/apiresources, version):
what the API server says about itself, read from its discovery endpoints.

The embedded client reads the API server's non-resource endpoints (apiserver/discovery.py) as they are: kube-apiserver
serves discovery and /version to every user (the system:discovery and system:public-info-viewer roles), so no
authorization is at stake, and the HTTP server answers from the same builders.
"""

from __future__ import annotations

import json
from typing import Any

from ..apiserver import discovery
from .context import Context
from .manifests import KubectlError
from .printers import to_yaml

#: the client kubectl reports (the pinned kubectl v1.35.2's build facts, and the kustomize it embeds)
CLIENT_VERSION = {"major": "1", "minor": "35", "gitVersion": "v1.35.2",
                  "gitCommit": "fdc9d74cbf2da6754ebf81d56f80ae2948cd6425", "gitTreeState": "clean",
                  "buildDate": "2026-02-26T20:05:34Z", "goVersion": "go1.25.7", "compiler": "gc",
                  "platform": "linux/amd64"}
KUSTOMIZE_VERSION = "v5.7.1"
#: version.Info's fields in struct order (how kubectl re-encodes the server's answer)
INFO_FIELDS = ("major", "minor", "emulationMajor", "emulationMinor", "minCompatibilityMajor", "minCompatibilityMinor",
               "gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform")


def fetch(ctx: Context, path: str) -> Any:
    """GET a discovery or OpenAPI path from the API server (a missing one is the server's 404)."""
    try:
        answer = discovery.get(path)
    except KeyError:
        answer = None
    if answer is None:
        raise KubectlError("the server could not find the requested resource")
    return answer


def _group_versions(ctx: Context) -> list[str]:
    """/api then /apis: every group version, the legacy group first (ServerGroups)."""
    out = [v for v in fetch(ctx, "/api")["versions"]]
    for g in fetch(ctx, "/apis")["groups"]:
        out.extend(v["groupVersion"] for v in g["versions"])
    return out


def discovered(ctx: Context) -> list[tuple[str, str, dict]]:
    """(group, version, APIResource) for every resource discovery lists, subresources left out, in discovery
    order (what kubectl's RESTMapper is built from)."""
    out = []
    for gv in _group_versions(ctx):
        group, _, version = gv.rpartition("/")
        for r in fetch(ctx, f"/apis/{gv}" if group else f"/api/{gv}")["resources"]:
            if "/" not in r["name"]:
                out.append((group, version, r))
    return out


def resource_for(ctx: Context, name: str) -> tuple[str, str, dict] | None:
    """The RESTMapper's ResourceFor with kubectl's shortcut expander: a plural, singular, short name or kind."""
    name = name.lower()
    for group, version, r in discovered(ctx):
        if name in (r["name"], r.get("singularName"), r["kind"].lower(), *(r.get("shortNames") or [])):
            return group, version, r
    return None


def tab_table(rows: list[list[str]]) -> str:
    """text/tabwriter (padding 3): every cell but a row's last is padded to its column's width plus three."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join("".join(c.ljust(widths[i] + 3) if i < len(r) - 1 else c for i, c in enumerate(r)) + "\n"
                   for r in rows)


def api_resources(ctx: Context) -> int:
    if len(ctx.args.words) > 1:
        raise KubectlError(f"unexpected arguments: [{' '.join(ctx.args.words[1:])}]\n"
                           "See 'kubectl api-resources -h' for help and examples")
    sort_by = ctx.args.get("sort-by") or ""
    if sort_by not in ("", "name", "kind"):
        raise KubectlError("--sort-by accepts only name or kind")
    fmt = ctx.args.get("output") or ""
    if fmt not in ("", "wide", "name"):
        raise KubectlError(f'--output {fmt} is not available')
    verbs, categories = set(ctx.args.slice("verbs")), set(ctx.args.slice("categories"))
    found = []
    for gv in _group_versions(ctx):
        group = gv.rpartition("/")[0]
        if ctx.args.get("api-group") is not None and ctx.args.get("api-group") != group:
            continue
        listing = fetch(ctx, f"/apis/{gv}" if group else f"/api/{gv}")
        for r in listing["resources"]:
            if "/" in r["name"] or not r.get("verbs"):
                continue
            if ctx.args.get("namespaced") is not None and bool(ctx.args.get("namespaced")) != r["namespaced"]:
                continue
            if not verbs <= set(r["verbs"]) or not categories <= set(r.get("categories") or []):
                continue
            found.append((group, gv, r))
    key = {"name": lambda f: f[2]["name"], "kind": lambda f: f[2]["kind"]}.get(sort_by, lambda f: f[0])
    found.sort(key=lambda f: (key(f), f[2]["name"]))
    if fmt == "name":
        for group, _, r in found:
            ctx.out.append(f"{r['name']}.{group}\n" if group else f"{r['name']}\n")
        return 0
    rows = [] if ctx.args.get("no-headers") else [["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"] +
                                                   (["VERBS", "CATEGORIES"] if fmt == "wide" else [])]
    for _, gv, r in found:
        row = [r["name"], ",".join(r.get("shortNames") or []), gv, "true" if r["namespaced"] else "false", r["kind"]]
        if fmt == "wide":
            row += [",".join(r["verbs"]), ",".join(r.get("categories") or [])]
        rows.append(row)
    if rows:
        ctx.out.append(tab_table(rows))
    return 0


def api_versions(ctx: Context) -> int:
    """Every group version, sorted (kubectl api-versions)."""
    if len(ctx.args.words) > 1:
        raise KubectlError(f"unexpected arguments: [{' '.join(ctx.args.words[1:])}]\n"
                           "See 'kubectl api-versions -h' for help and examples")
    for gv in sorted(_group_versions(ctx)):
        ctx.out.append(gv + "\n")
    return 0


def version(ctx: Context) -> int:
    """Client Version, Kustomize Version and (without --client) the server's /version."""
    fmt = ctx.args.get("output") or ""
    if fmt not in ("", "json", "yaml"):
        raise KubectlError("--output must be 'yaml' or 'json'")
    info: dict[str, Any] = {"clientVersion": dict(CLIENT_VERSION), "kustomizeVersion": KUSTOMIZE_VERSION}
    if not ctx.args.get("client"):
        server = fetch(ctx, "/version")
        info["serverVersion"] = {k: server[k] for k in INFO_FIELDS if server.get(k)}
    if fmt == "json":
        ctx.out.append(json.dumps(info, indent=2) + "\n")
    elif fmt == "yaml":
        ctx.out.append(to_yaml(info) + "\n")
    else:
        ctx.out.append(f"Client Version: {CLIENT_VERSION['gitVersion']}\nKustomize Version: {KUSTOMIZE_VERSION}\n")
        if "serverVersion" in info:
            ctx.out.append(f"Server Version: {info['serverVersion']['gitVersion']}\n")
    return 0


__all__ = ["api_resources", "api_versions", "discovered", "fetch", "resource_for", "tab_table", "version"]
