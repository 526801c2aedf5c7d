"""What the API server says about itself: /version, discovery (/api, /apis, /api/v1, /apis/apps/v1, …) and the
OpenAPI documents (openapi.py), as one table of non-resource paths that the HTTP server and the embedded kubectl
both read, so `kubectl api-resources` or `explain` answer alike against either.

Discovery is the plain (unaggregated) form, which kubectl accepts when the server does not answer with an
`APIGroupDiscoveryList`. The OpenAPI v3 documents carry the `fieldValidation` query parameter on each kind's
POST and PATCH: kubectl reads it (resource/query_param_verifier_v3.go), sends `fieldValidation=Strict` and skips
client-side schema validation, so our own decoder's strict errors are the ones a learner sees.
"""

from __future__ import annotations

from typing import Any

from . import openapi
from .openapi import GIT_VERSION, group_versions
from .resources import Resource

VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
ALL_CATEGORY = {"pods", "services", "deployments", "replicasets"}
#: subresources served over HTTP: the kind their body has (None: the parent's) and the verbs they serve
SUBRESOURCES: dict[str, tuple[tuple[str, str, str] | None, tuple[str, ...]]] = {
    "status": (None, ("get", "patch", "update")),
    "scale": (("autoscaling", "v1", "Scale"), ("get", "patch", "update")),
    "binding": (("", "v1", "Binding"), ("create",)),
    "eviction": (("policy", "v1", "Eviction"), ("create",)),
    "log": (None, ("get",)),
    # connect subresources (kube-apiserver's discovery lists them with get and create; connect.py answers them)
    "exec": (("", "v1", "PodExecOptions"), ("create", "get")),
    "attach": (("", "v1", "PodAttachOptions"), ("create", "get")),
    "portforward": (("", "v1", "PodPortForwardOptions"), ("create", "get")),
}
SSAR = {"name": "selfsubjectaccessreviews", "singularName": "selfsubjectaccessreview", "namespaced": False,
        "kind": "SelfSubjectAccessReview", "verbs": ["create"]}


def version() -> dict:
    """GET /version: version.Info for v1.35 (build facts fixed, so answers are the same every run)."""
    return {"major": "1", "minor": "35", "emulationMajor": "1", "emulationMinor": "35",
            "minCompatibilityMajor": "1", "minCompatibilityMinor": "34", "gitVersion": GIT_VERSION,
            "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.25.5", "compiler": "gc",
            "platform": "linux/amd64"}


def api_versions(server_address: str) -> dict:
    """GET /api: the core group's versions."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def api_groups() -> dict:
    """GET /apis: every named group and its one version."""
    groups = []
    for gv in group_versions():
        if "/" not in gv:
            continue
        group, ver = gv.split("/")
        entry = {"groupVersion": gv, "version": ver}
        groups.append({"name": group, "versions": [entry], "preferredVersion": entry})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(group: str) -> dict | None:
    """GET /apis/<group>."""
    for g in api_groups()["groups"]:
        if g["name"] == group:
            return {"kind": "APIGroup", "apiVersion": "v1", **g}
    return None


def resource_list(gv: str) -> dict | None:
    """GET /api/v1 or /apis/<group>/<version>: an APIResourceList with subresources as `pods/status` entries."""
    gvs = group_versions()
    if gv not in gvs:
        return None
    out = []
    for r in gvs[gv]:
        entry = {"name": r.resource, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind,
                 "verbs": VERBS}
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if r.resource in ALL_CATEGORY:
            entry["categories"] = ["all"]
        out.append(entry)
        for sub in r.subresources:
            if sub not in SUBRESOURCES:
                continue
            kind, verbs = SUBRESOURCES[sub]
            item = {"name": f"{r.resource}/{sub}", "singularName": "", "namespaced": r.namespaced,
                    "kind": kind[2] if kind else r.kind, "verbs": list(verbs)}
            if kind and kind[0] != r.group:
                item.update(group=kind[0], version=kind[1])
            out.append(item)
    if gv == "authorization.k8s.io/v1":
        out.append(dict(SSAR, singularName=SSAR["singularName"]))
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}


def served_verbs(r: Resource, subresource: str) -> tuple[str, ...]:
    """The verbs the server serves on a resource or one of its subresources; () when it serves none there."""
    if not subresource:
        return tuple(VERBS)
    if subresource not in r.subresources or subresource not in SUBRESOURCES:
        return ()
    return SUBRESOURCES[subresource][1]


def get(path: str, server_address: str = "") -> Any:
    """GET of a non-resource path as kube-apiserver answers it: the JSON body (a dict), None when the path is not
    one of these, or KeyError for a path under them that does not exist (the server's 404). /openapi/v2 is
    answered here in its JSON form; the HTTP server also negotiates its protobuf form (server/openapiv2.py)."""
    path = path.rstrip("/") or "/"
    if path == "/version":
        return version()
    if path == "/api":
        return api_versions(server_address)
    if path == "/apis":
        return api_groups()
    if path.startswith("/apis/") and path.count("/") == 2:
        return _found(api_group(path.split("/")[2]))
    if path == "/api/v1" or (path.startswith("/apis/") and path.count("/") == 3):
        return _found(resource_list(path.split("/", 2)[2] if path.startswith("/apis/") else "v1"))
    if path == "/openapi/v3":
        return openapi.openapi_v3_index()
    if path.startswith("/openapi/v3/"):
        rel = path[len("/openapi/v3/"):]
        gv = rel[len("api/"):] if rel.startswith("api/") else rel[len("apis/"):] if rel.startswith("apis/") else ""
        return _found(openapi.openapi_v3(gv) if "/" not in gv or rel.startswith("apis/") else None)
    if path == "/openapi/v2":
        return openapi.openapi_v2()
    return None


def _found(answer: dict | None) -> dict:
    if answer is None:
        raise KeyError("not found")
    return answer


__all__ = ["GIT_VERSION", "SUBRESOURCES", "api_group", "api_groups", "api_versions", "get",
           "resource_list", "served_verbs", "version"]
