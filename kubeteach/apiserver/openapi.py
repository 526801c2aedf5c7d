"""The OpenAPI documents kube-apiserver serves: v3 per group version (/openapi/v3/apis/apps/v1, …) and the v2
Swagger document (/openapi/v2), built from the Go types the API server validates with (gotypes.py) and the facts
openapi-gen takes from the v1.35 Go source (openapi_docs.json: descriptions, required, list and patch markers,
enums; made by scripts/extract_openapi_docs.py).

Schemas are shaped as k8s.io/kube-openapi emits them: definition names from the Go package path
(`io.k8s.api.apps.v1.Deployment`), v3 references to structs as `allOf: [{$ref}]` (with `default: {}` for a
non-pointer struct), scalars' zero default for required fields, Quantity/IntOrString/Time as their custom
definitions, `x-kubernetes-*` extensions. A gotypes subtree left `ANY` is described from the Go source alone.
Paths carry the operations kubectl reads (POST and PATCH with `fieldValidation`), not every route.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from .gotypes import ANY, GROUP_KINDS, KINDS, L, Leaf, M, S
from .resources import RESOURCES, REVIEWS, Resource

GIT_VERSION = "v1.35.0"
META = "io.k8s.apimachinery.pkg.apis.meta.v1"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
#: definitions with their own OpenAPI definition (OpenAPIDefinition / OpenAPISchemaType in apimachinery)
SPECIAL = {
    QUANTITY: ({"oneOf": [{"type": "string"}, {"type": "number"}]}, {"type": "string"}),
    INT_OR_STRING: ({"format": "int-or-string", "oneOf": [{"type": "integer"}, {"type": "string"}]},
                    {"type": "string", "format": "int-or-string"}),
    f"{META}.Time": ({"type": "string", "format": "date-time"}, {"type": "string", "format": "date-time"}),
    f"{META}.MicroTime": ({"type": "string", "format": "date-time"}, {"type": "string", "format": "date-time"}),
    f"{META}.FieldsV1": ({"type": "object"}, {"type": "object"}),
    "io.k8s.apimachinery.pkg.runtime.RawExtension": ({"type": "object"}, {"type": "object"}),
}
BUILTIN = {"string": ("string", None, ""), "bool": ("boolean", None, False), "int32": ("integer", "int32", 0),
           "int64": ("integer", "int64", 0), "int": ("integer", None, 0), "float64": ("number", "double", 0),
           "[]byte": ("string", "byte", None), "object": ("object", None, None)}
#: group → the Go package its kinds are in; other body kinds: the scale and binding subresources, the reviews
PACKAGES = {"": "io.k8s.api.core.v1", "apps": "io.k8s.api.apps.v1", "storage.k8s.io": "io.k8s.api.storage.v1",
            "rbac.authorization.k8s.io": "io.k8s.api.rbac.v1", "coordination.k8s.io": "io.k8s.api.coordination.v1",
            "admissionregistration.k8s.io": "io.k8s.api.admissionregistration.v1",
            "authorization.k8s.io": "io.k8s.api.authorization.v1", "autoscaling": "io.k8s.api.autoscaling.v1",
            "events.k8s.io": "io.k8s.api.events.v1", "scheduling.k8s.io": "io.k8s.api.scheduling.v1",
            "policy": "io.k8s.api.policy.v1", "discovery.k8s.io": "io.k8s.api.discovery.v1"}
#: the review resources discovery lists (create-only; apiserver/discovery.py SSAR)
DISCOVERED = ("selfsubjectaccessreviews",)
EXTRA_KINDS = {"v1": [("", "v1", "Binding")], "apps/v1": [("autoscaling", "v1", "Scale")],
               "authorization.k8s.io/v1": [("authorization.k8s.io", "v1", "SelfSubjectAccessReview")]}


@functools.cache
def docs() -> dict[str, dict]:
    """openapi_docs.json: per definition name, its description and fields (type shape, description, markers)."""
    return json.loads((Path(__file__).with_name("openapi_docs.json")).read_text())["types"]


def group_versions() -> dict[str, list[Resource]]:
    """`v1` and `apps/v1`, … → the resources served there, in table order."""
    out: dict[str, list[Resource]] = {}
    for r in RESOURCES:
        out.setdefault(r.api_version, []).append(r)
    out.setdefault("authorization.k8s.io/v1", [])
    return out


def kind_definition(group: str, kind: str) -> str:
    """`io.k8s.api.apps.v1.Deployment` for (apps, Deployment)."""
    return f"{PACKAGES[group]}.{kind}"


@functools.cache
def _go_types() -> dict[str, S]:
    """Each definition the gotypes tree reaches, with the Go struct the decoder knows it as (walked along the
    Go source's field types, so `v1.Subject` lands on rbac's and `v1.LabelSelector` on meta's)."""
    found: dict[str, S] = {}

    def walk(name: str, t: Any) -> None:
        if not isinstance(t, S) or name in found or name not in docs():
            return
        found[name] = t
        fields = docs()[name].get("fields", {})
        for jname, ft in t.fields.items():
            if jname in fields:
                walk(_base(fields[jname]["type"]), _elem(ft))

    for r in RESOURCES:
        t = GROUP_KINDS.get((r.group, r.kind)) or KINDS.get(r.kind)
        if t is not None:
            walk(kind_definition(r.group, r.kind), t)
    walk(kind_definition("autoscaling", "Scale"), KINDS["Scale"])
    return found


def _base(texpr: str) -> str:
    return texpr.split("]")[-1].lstrip("*[")


def _elem(t: Any) -> Any:
    while isinstance(t, (L, M)):
        t = t.elem
    return t


def _leaf_expr(t: Leaf) -> str:
    return {"quantity": QUANTITY, "intstr": INT_OR_STRING}.get(t.kind, t.kind if t.kind in BUILTIN else "object")


# --- schemas ----------------------------------------------------------------------------------------------------

class Builder:
    """Builds one document's definitions: v3 (`#/components/schemas/`) or v2 (`#/definitions/`)."""

    def __init__(self, v3: bool):
        self.v3 = v3
        self.prefix = "#/components/schemas/" if v3 else "#/definitions/"
        self.defs: dict[str, dict] = {}

    def ref(self, name: str) -> dict:
        self.add(name)
        return {"$ref": self.prefix + name}

    def add(self, name: str) -> None:
        """Define `name` and everything it references."""
        if name in self.defs:
            return
        entry = docs().get(name, {})
        out: dict[str, Any] = {}
        self.defs[name] = out
        if entry.get("description"):
            out["description"] = entry["description"]
        if name in SPECIAL:
            out.update(copy.deepcopy(SPECIAL[name][0 if self.v3 else 1]))
            return
        go = _go_types().get(name)
        fields = entry.get("fields", {})
        names = list(go.fields) if go is not None else list(fields)
        props = {}
        for jname in sorted(names):                 # Go's encoding/json writes a map's keys sorted
            f = fields.get(jname, {})
            props[jname] = self.field(f.get("type") or _gotype_expr(go.fields[jname] if go else ANY), f)
        required = [n for n in fields if fields[n].get("required") and n in props]     # in the Go struct's order
        if required:
            out["required"] = required
        out["type"] = "object"
        if props:
            out["properties"] = props
        if entry.get("structType"):
            out["x-kubernetes-map-type"] = entry["structType"]
        for gvk in _gvks().get(name, []):
            out.setdefault("x-kubernetes-group-version-kind", []).append(gvk)

    def field(self, texpr: str, f: dict) -> dict:
        """One property: its type shape, description, default and extensions."""
        out = self.shape(texpr, top=True, omitempty=bool(f.get("omitempty")))
        if f.get("description"):
            if "$ref" in out and self.v3:
                out = {"allOf": [out]}
            out["description"] = f["description"]
        if "default" in f:
            try:
                out["default"] = json.loads(f["default"])
            except ValueError:
                pass
        if f.get("enum"):
            out["enum"] = list(f["enum"])
        for key, ext in (("listType", "x-kubernetes-list-type"), ("listMapKeys", "x-kubernetes-list-map-keys"),
                         ("mapType", "x-kubernetes-map-type"), ("patchStrategy", "x-kubernetes-patch-strategy"),
                         ("patchMergeKey", "x-kubernetes-patch-merge-key")):
            if f.get(key):
                out[ext] = f[key]
        return out

    def shape(self, texpr: str, top: bool = False, omitempty: bool = False) -> dict:
        """`*T`, `[]T`, `map[string]T`, a definition or a builtin, as a schema."""
        pointer = texpr.startswith("*")
        texpr = texpr.lstrip("*")
        if texpr.startswith("[]") and texpr != "[]byte":
            return {"type": "array", "items": self.shape(texpr[2:])}
        if texpr.startswith("map[string]"):
            return {"type": "object", "additionalProperties": self.shape(texpr[len("map[string]"):])}
        if texpr in BUILTIN:
            typ, fmt, zero = BUILTIN[texpr]
            out: dict[str, Any] = {"type": typ}
            if fmt:
                out["format"] = fmt
            if not pointer and zero is not None and (not top or not omitempty):
                out["default"] = zero
            return out
        ref = self.ref(texpr)
        if pointer or texpr in SPECIAL:
            return ref
        if self.v3:
            return {"allOf": [ref], "default": {}}
        return {**ref, "default": {}}


def _gotype_expr(t: Any) -> str:
    if isinstance(t, L):
        return "[]" + _gotype_expr(t.elem)
    if isinstance(t, M):
        return "map[string]" + _gotype_expr(t.elem)
    return _leaf_expr(t) if isinstance(t, Leaf) else "object"


@functools.cache
def _gvks() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    kinds = [(r.group, r.version, r.kind) for r in RESOURCES] + [k for ks in EXTRA_KINDS.values() for k in ks]
    for group, version, kind in kinds:
        name = kind_definition(group, kind)
        gvk = {"group": group, "kind": kind, "version": version}
        if gvk not in out.setdefault(name, []):
            out[name].append(gvk)
    out[f"{META}.Status"] = [{"group": "", "kind": "Status", "version": "v1"}]
    return out


# --- documents --------------------------------------------------------------------------------------------------

def _kinds(gv: str) -> list[tuple[str, str, str]]:
    return [(r.group, r.version, r.kind) for r in group_versions().get(gv, [])] + EXTRA_KINDS.get(gv, [])


def _group_words(group: str) -> list[str]:
    """`rbac.authorization.k8s.io` → [rbac, authorization]; the core group is `core`."""
    return [w for w in group.removesuffix(".k8s.io").split(".")] if group else ["core"]


def _tag(r: Resource) -> str:
    """The operations' tag: `apps_v1`, `rbacAuthorization_v1`, `core_v1`."""
    words = _group_words(r.group)
    return words[0] + "".join(w.capitalize() for w in words[1:]) + "_" + r.version


def _operation_id(verb: str, r: Resource) -> str:
    """`createAppsV1NamespacedDeployment`, `patchCoreV1Node`."""
    group = "".join(w.capitalize() for w in _group_words(r.group))
    scope = "Namespaced" if r.namespaced else ""
    return f"{verb}{group}{r.version.capitalize()}{scope}{r.kind}"


def _paths(gv: str, b: Builder) -> dict[str, dict]:
    """Each kind's collection POST and item PATCH, with the query parameters kubectl looks for."""
    prefix = f"/api/{gv}" if "/" not in gv else f"/apis/{gv}"
    names = ("dryRun", "fieldManager", "fieldValidation")
    if b.v3:
        params = [{"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}} for n in names]
        force = {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": True}}
    else:
        params = [{"name": n, "in": "query", "type": "string", "uniqueItems": True} for n in names]
        force = {"name": "force", "in": "query", "type": "boolean", "uniqueItems": True}

    def path_param(name: str) -> dict:
        if b.v3:
            return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "uniqueItems": True}}
        return {"name": name, "in": "path", "required": True, "type": "string", "uniqueItems": True}

    paths: dict[str, dict] = {}
    for r in [*group_versions().get(gv, []), *[r for r in REVIEWS if r.api_version == gv and r.resource in DISCOVERED]]:
        gvk = {"group": r.group, "version": r.version, "kind": r.kind}
        ref = b.ref(kind_definition(r.group, r.kind))
        body = {"content": {"application/json": {"schema": ref}}} if b.v3 else {"schema": ref}
        base = f"{prefix}/namespaces/{{namespace}}/{r.resource}" if r.namespaced else f"{prefix}/{r.resource}"
        common = {"x-kubernetes-group-version-kind": gvk, "tags": [_tag(r)]}
        scope = [path_param("namespace")] if r.namespaced else []
        post = {"operationId": _operation_id("create", r), "parameters": params, "x-kubernetes-action": "post",
                **common, "responses": {"201": {"description": "Created", **body}}}
        paths[base] = {"parameters": scope, "post": post}
        if r in REVIEWS:                            # create-only
            continue
        patch = {"operationId": _operation_id("patch", r), "parameters": params + [force],
                 "x-kubernetes-action": "patch", **common, "responses": {"200": {"description": "OK", **body}}}
        paths[base + "/{name}"] = {"parameters": [path_param("name"), *scope], "patch": patch}
    return paths


@functools.cache
def openapi_v3(gv: str) -> dict | None:
    """GET /openapi/v3/api/v1, /openapi/v3/apis/<group>/<version>: paths and components.schemas."""
    if gv not in group_versions():
        return None
    b = Builder(v3=True)
    paths = _paths(gv, b)
    for group, _, kind in _kinds(gv):
        b.add(kind_definition(group, kind))
    b.add(f"{META}.Status")
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": GIT_VERSION}, "paths": paths,
            "components": {"schemas": dict(sorted(b.defs.items()))}}


def openapi_v3_path(gv: str) -> str:
    return f"api/{gv}" if "/" not in gv else f"apis/{gv}"


@functools.cache
def _v3_bytes(gv: str) -> bytes:
    return json.dumps(openapi_v3(gv)).encode()


def openapi_v3_json(gv: str) -> bytes | None:
    """The v3 document as served (the bytes its hash in the index is taken over)."""
    return _v3_bytes(gv) if gv in group_versions() else None


def openapi_v3_index() -> dict:
    """GET /openapi/v3: each group version's document, with its content hash (sha512, upper-case hex) in the URL."""
    paths = {}
    for gv in group_versions():
        digest = hashlib.sha512(_v3_bytes(gv)).hexdigest().upper()
        rel = openapi_v3_path(gv)
        paths[rel] = {"serverRelativeURL": f"/openapi/v3/{rel}?hash={digest}"}
    return {"paths": paths}


@functools.cache
def openapi_v2() -> dict:
    """GET /openapi/v2: the Swagger 2.0 document of every served group version."""
    b = Builder(v3=False)
    paths: dict[str, dict] = {}
    for gv in group_versions():
        paths.update(_paths(gv, b))
        for group, _, kind in _kinds(gv):
            b.add(kind_definition(group, kind))
    b.add(f"{META}.Status")
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": GIT_VERSION}, "paths": paths,
            "definitions": dict(sorted(b.defs.items()))}


__all__ = ["GIT_VERSION", "Builder", "docs", "group_versions", "kind_definition", "openapi_v2", "openapi_v3",
           "openapi_v3_index", "openapi_v3_json", "openapi_v3_path"]
