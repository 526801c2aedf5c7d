"""kubectl explain (staging/src/k8s.io/kubectl/pkg/cmd/explain, pkg/explain/v2): find the resource, fetch its group
version's OpenAPI v3 document from the API server and print it as the `plaintext` template does.

The template's walk is followed step by step (templates/plaintext.tmpl: output, fieldList, fieldDetail,
description, typeGuess, extractEnum), with its helpers `wrap` (github.com/mitchellh/go-wordwrap WrapString) and
`indent`. Like text/template, what was printed before an error stays printed (the GROUP/KIND/VERSION header).
`--output=plaintext-openapiv2` is kubectl's older renderer over /openapi/v2 (explain_v2.py).
"""

from __future__ import annotations

from typing import Any

from .apiinfo import fetch, resource_for
from .context import Context
from .explain_v2 import render_v2
from .manifests import KubectlError


class ExplainError(Exception):
    """The template's `throw`: a message kubectl prints as it is."""


# --- the template's helpers -------------------------------------------------------------------------------------

def wrap(s: str, lim: int) -> str:
    """go-wordwrap v1.0.1 WrapString: break at white space so lines stay within `lim` characters where words allow."""
    out: list[str] = []
    current = 0
    word: list[str] = []
    space: list[str] = []
    for ch in s:
        if ch == "\n":
            if not word:
                if current + len(space) <= lim:
                    out.extend(space)
            else:
                out.extend(space)
                out.extend(word)
                word = []
            space = []
            out.append(ch)
            current = 0
        elif ch.isspace() and ch != "\u00a0":
            if not space or word:
                current += len(space) + len(word)
                out.extend(space)
                out.extend(word)
                space, word = [], []
            space.append(ch)
        else:
            word.append(ch)
            if current + len(word) + len(space) > lim and len(word) < lim:
                out.append("\n")
                current = 0
                space = []
    if not word:
        if current + len(space) <= lim:
            out.extend(space)
    else:
        out.extend(space)
        out.extend(word)
    return "".join(out)


def indent(amount: int, text: str) -> str:
    pad = " " * amount
    return pad + text.replace("\n", "\n" + pad)


def resolve_ref(ref: Any, doc: dict) -> dict | None:
    """`#/components/schemas/X` → the schema it names, or None."""
    if not isinstance(ref, str) or not ref.startswith("#"):
        return None
    cur: Any = doc
    for key in ref[1:].split("/"):
        if not key:
            continue
        cur = cur.get(key) if isinstance(cur, dict) else None
        if not isinstance(cur, dict):
            return None
    return cur


def _map_value(schema: dict) -> dict | None:
    ap = schema.get("additionalProperties")
    return ap if isinstance(ap, dict) and ap else None


def type_guess(schema: dict, doc: dict) -> str:
    """typeGuess: `string`, `Object`, `[]Container`, `map[string]string`, a referenced object's kind name."""
    if schema.get("items"):
        return "[]" + type_guess(schema["items"], doc)
    if _map_value(schema):
        return "map[string]" + type_guess(schema["additionalProperties"], doc)
    if schema.get("allOf") and not schema.get("properties") and len(schema["allOf"]) == 1:
        return type_guess(schema["allOf"][0], doc)
    if schema.get("$ref"):
        target = resolve_ref(schema["$ref"], doc)
        if not target or not target.get("type") or target["type"] == "object":
            return schema["$ref"].split("/")[-1].split(".")[-1] or "Object"
        return target["type"]
    typ = schema.get("type")
    return "Object" if typ == "object" else typ or "Object"


def _enum_value(v: Any) -> str:
    if v == "":
        return '""'
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def extract_enum(schema: dict, long_view: bool, limit: int = -1, indent_amount: int = 0) -> str:
    """extractEnum: `ENUM:` then one value a line (a FIELD's long view), or `enum: a, b, c, d, ....`."""
    values = schema.get("enum")
    if not values:
        return ""
    out = "ENUM:" if long_view else "\n" + " " * indent_amount + "enum: "
    for i, v in enumerate(values):
        if -1 < limit <= i:
            out += ", ...."
            break
        if i > 0 and not long_view:
            out += ", "
        elif long_view:
            out += "\n    "
        out += _enum_value(v)
    return out


def description(schema: dict, doc: dict) -> str:
    """The description of a schema and of what it is made of (allOf, items, map values), a line each."""
    s = resolve_ref(schema.get("$ref"), doc) or schema
    out = s["description"] + "\n" if s.get("description") else ""
    for sub in s.get("allOf") or []:
        out += description(sub, doc)
    if s.get("items"):
        out += description(s["items"], doc)
    if _map_value(s):
        out += description(s["additionalProperties"], doc)
    return out


# --- the template's walk ----------------------------------------------------------------------------------------

def field_detail(name: str, parent: dict, short: bool, level: int, doc: dict) -> str:
    pad = level * 2
    field = parent["properties"][name]
    out = indent(pad, name) + "\t<" + type_guess(field, doc) + ">"
    if name in (parent.get("required") or []):
        out += " -required-"
    out += extract_enum(field, False, 4, pad) + "\n"
    if not short:
        out += indent(pad + 2, wrap(field.get("description") or "<no description>", 78 - pad)) + "\n\n"
    return out


def field_list(schema: dict, level: int, doc: dict, recursive: bool, history: dict) -> str:
    ref = schema.get("$ref") or ""
    if ref and history.get(ref):
        return ""
    history = {**history, ref: 1}
    s = resolve_ref(ref, doc) or schema
    out = ""
    for name in sorted(s.get("properties") or {}):
        out += field_detail(name, s, recursive, level, doc)
        if recursive:
            out += field_list(s["properties"][name], level + 1, doc, recursive, history)
    for sub in s.get("allOf") or []:
        out += field_list(sub, level, doc, recursive, history)
    if s.get("items"):
        out += field_list(s["items"], level, doc, recursive, history)
    if _map_value(s):
        out += field_list(s["additionalProperties"], level, doc, recursive, history)
    return out


def output(schema: dict, path: list[str], doc: dict, recursive: bool, history: dict) -> str:
    ref = schema.get("$ref") or ""
    next_history = {**history, ref: 1}
    s = resolve_ref(ref, doc) or schema
    if not path:
        out = "DESCRIPTION:\n" + indent(4, wrap(description(s, doc) or "<empty>", 76)) + "\n"
        fields = field_list(s, 1, doc, recursive, {})
        return out + ("FIELDS:\n" + fields if fields else "")
    if ref and history.get(ref):
        return ""
    props = s.get("properties") or {}
    if path[0] in props:
        sub = props[path[0]]
        out = ""
        if len(path) == 1:
            out = f"FIELD: {path[0]} <{type_guess(sub, doc)}>\n" + extract_enum(sub, True) + "\n\n"
        return out + output(sub, path[1:], doc, recursive, {})
    if s.get("items"):
        return output(s["items"], path, doc, recursive, next_history)
    if _map_value(s):
        return output(s["additionalProperties"], path, doc, recursive, next_history)
    for sub in s.get("allOf") or []:
        text = output(sub, path, doc, recursive, next_history)
        if text:
            return text
    return ""


def _go_map(d: dict) -> str:
    """Go's %v of a map[string]interface{}: `map[group:apps kind:Deployment version:v1]`."""
    return "map[" + " ".join(f"{k}:{d[k]}" for k in sorted(d)) + "]"


def render(doc: dict, group: str, version: str, resource: str, path: list[str], recursive: bool) -> tuple[str, str]:
    """The plaintext template: (what it printed, the error it threw or "")."""
    prefix = f"/apis/{group}" if group else "/api"
    gvk = None
    for p in (f"{prefix}/{version}/{resource}", f"{prefix}/{version}/{resource}/{{name}}",
              f"{prefix}/{version}/namespaces/{{namespace}}/{resource}",
              f"{prefix}/{version}/namespaces/{{namespace}}/{resource}/{{name}}"):
        item = (doc.get("paths") or {}).get(p) or {}
        for method in ("get", "post", "put", "patch", "delete"):
            gvk = (item.get(method) or {}).get("x-kubernetes-group-version-kind")
            if gvk:
                break
        if gvk:
            break
    if not gvk:
        return "", f"error: GVR ({group}/{version}, Resource={resource}) not found in OpenAPI schema"
    head = (f"GROUP:      {gvk['group']}\n" if gvk.get("group") else "") + \
        f"KIND:       {gvk['kind']}\nVERSION:    {gvk['version']}\n\n"
    for _, schema in sorted(((doc.get("components") or {}).get("schemas") or {}).items()):
        if gvk in (schema.get("x-kubernetes-group-version-kind") or []):
            text = output(schema, path, doc, recursive, {})
            if not text:
                return head, f'error: field "{path[-1]}" does not exist'
            return head + text + "\n", ""
    return head, f"error: GVK {_go_map(gvk)} not found in OpenAPI schema"


# --- the command ------------------------------------------------------------------------------------------------

def _resource(ctx: Context, arg: str) -> tuple[tuple[str, str, str, str] | None, list[str]]:
    """SplitAndParseResourceRequestWithMatchingPrefix: (group, version, resource, kind) as discovery names them,
    then the field path (after `deployments.apps` when the argument starts with the group-qualified name)."""
    arg = arg.removesuffix(".")
    parts = arg.split(".")
    found = resource_for(ctx, parts[0])
    if found is None:
        return None, []
    group, version, r = found
    qualified = f"{r['name']}.{group}" if group else r["name"]
    if arg.startswith(qualified):
        return (group, version, r["name"], r["kind"]), [p for p in arg[len(qualified):].split(".") if p]
    return (group, version, r["name"], r["kind"]), [p for p in parts[1:] if p]


def explain(ctx: Context) -> int:
    words = ctx.args.words[1:]
    if not words:
        raise KubectlError('You must specify the type of resource to explain. Use "kubectl api-resources" for a '
                           "complete list of supported resources.")
    if len(words) > 1:
        raise KubectlError("We accept only this format: explain RESOURCE")
    fmt = ctx.args.get("output") or "plaintext"
    if fmt not in ("plaintext", "plaintext-openapiv2"):
        raise KubectlError(f"unrecognized format: {fmt}")
    found, path = _resource(ctx, words[0])
    if found is None:
        ctx.error(f'the server doesn\'t have a resource type "{words[0].split(".")[0]}"')
        return 1
    group, version, resource, kind = found
    if ctx.args.get("api-version"):
        gv = ctx.args.get("api-version")
        group, _, version = gv.rpartition("/")
    if fmt == "plaintext-openapiv2":            # the older renderer, over /openapi/v2
        ctx.out.append(render_v2(fetch(ctx, "/openapi/v2"), (group, version, kind), path,
                                 bool(ctx.args.get("recursive"))))
        return 0
    rel = f"apis/{group}/{version}" if group else f"api/{version}"
    index = fetch(ctx, "/openapi/v3")
    if rel not in index["paths"]:
        raise KubectlError(f'couldn\'t find resource for "{group}/{version}, Resource={resource}"')
    doc = fetch(ctx, "/openapi/v3/" + rel)
    text, error = render(doc, group, version, resource, path, bool(ctx.args.get("recursive")))
    if text:
        ctx.out.append(text)
    if error:
        ctx.error(error)
        return 1
    return 0


__all__ = ["explain", "indent", "render", "type_guess", "wrap"]
