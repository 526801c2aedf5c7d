"""What the API server says about itself: /version, discovery (/api, /apis, /api/v1, /apis/apps/v1, …) and the
OpenAPI v3 documents, only as far as kubectl and client libraries read them.

Discovery is the plain (unaggregated) form, which kubectl accepts when the server does not answer with an
`APIGroupDiscoveryList`. OpenAPI v3 carries paths, not schemas: kubectl reads it to learn that the server validates
fields itself (the `fieldValidation` query parameter on each kind's PATCH operation,
kubectl/pkg/... resource/query_param_verifier_v3.go); it then sends `fieldValidation=Strict` and skips client-side
schema validation, so our own decoder's strict errors are the ones a learner sees.
"""

from __future__ import annotations

import hashlib
import json

from ..apiserver.resources import RESOURCES, Resource

GIT_VERSION = "v1.35.0"
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
ALL_CATEGORY = {"pods", "deployments", "replicasets"}
#: subresources served over HTTP: the kind their body has (None: the parent's) and the verbs they serve
SUBRESOURCES: dict[str, tuple[tuple[str, str, str] | None, tuple[str, ...]]] = {
    "status": (None, ("get", "patch", "update")),
    "scale": (("autoscaling", "v1", "Scale"), ("get", "patch", "update")),
    "binding": (("", "v1", "Binding"), ("create",)),
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


def group_versions() -> dict[str, list[Resource]]:
    """`v1` and `apps/v1`, … → the resources served there, in table order."""
    out: dict[str, list[Resource]] = {}
    for r in RESOURCES:
        out.setdefault(r.api_version, []).append(r)
    out.setdefault("authorization.k8s.io/v1", [])
    return out


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


# --- OpenAPI v3 -------------------------------------------------------------------------------------------------

def _operation_id(verb: str, r: Resource) -> str:
    group = "".join(p.capitalize() for p in r.group.split(".")[0:1]) if r.group else "Core"
    scope = "Namespaced" if r.namespaced else ""
    return f"{verb}{group}{r.version.capitalize()}{scope}{r.kind}"


def openapi_document(gv: str) -> dict | None:
    """GET /openapi/v3/<gv>: each kind's item path with its PATCH (and the collection's POST) operations."""
    gvs = group_versions()
    if gv not in gvs:
        return None
    prefix = f"/api/{gv}" if "/" not in gv else f"/apis/{gv}"
    params = [{"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
              for n in ("dryRun", "fieldManager", "fieldValidation")]
    paths: dict[str, dict] = {}
    for r in gvs[gv]:
        gvk = {"group": r.group, "version": r.version, "kind": r.kind}
        base = f"{prefix}/namespaces/{{namespace}}/{r.resource}" if r.namespaced else f"{prefix}/{r.resource}"
        paths[base] = {"post": {"operationId": _operation_id("create", r), "parameters": params,
                                "x-kubernetes-action": "post", "x-kubernetes-group-version-kind": gvk,
                                "responses": {"201": {"description": "Created"}}}}
        paths[base + "/{name}"] = {"patch": {"operationId": _operation_id("patch", r),
                                             "parameters": params + [{"name": "force", "in": "query",
                                                                      "schema": {"type": "boolean"}}],
                                             "x-kubernetes-action": "patch", "x-kubernetes-group-version-kind": gvk,
                                             "responses": {"200": {"description": "OK"}}}}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": GIT_VERSION}, "paths": paths,
            "components": {"schemas": {}}}


def openapi_index() -> dict:
    """GET /openapi/v3: where each group version's document is, with a content hash as real servers give."""
    paths = {}
    for gv in group_versions():
        doc = openapi_document(gv)
        digest = hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest().upper()[:128]
        rel = f"api/{gv}" if "/" not in gv else f"apis/{gv}"
        paths[rel] = {"serverRelativeURL": f"/openapi/v3/{rel}?hash={digest}"}
    return {"paths": paths}


def served_verbs(r: Resource, subresource: str) -> tuple[str, ...]:
    """The verbs the server serves on a resource or one of its subresources; () when it serves none there."""
    if not subresource:
        return tuple(VERBS)
    if subresource not in r.subresources or subresource not in SUBRESOURCES:
        return ()
    return SUBRESOURCES[subresource][1]


__all__ = ["GIT_VERSION", "SUBRESOURCES", "served_verbs", "api_group", "api_groups", "api_versions", "openapi_document", "openapi_index",
           "resource_list", "version"]
