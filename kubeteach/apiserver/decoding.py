"""Request bodies as kube-apiserver's decoders read them, and the check that a body handed over from Python is
plain JSON data.

Go's encoding/json (and its fork sigs.k8s.io/json) refuses NaN and Infinity and nests at most 10000 deep; the
error a request gets depends on the path (the Kubernetes source named at each message in `body_error`). Python's
own recursion limit is lower than Go's, so nesting here is bounded at `MAX_DEPTH`, which no real object comes
near; beyond it the body gets Go's depth error. Every failure is an APIError 400, never an exception of ours.
"""

from __future__ import annotations

import json
import math
from typing import Any

from . import converter, schema
from .errors import APIError, FieldError, bad_request, invalid
from .resources import Resource, for_kind

#: deepest nesting accepted (Go: 10000); below Python's recursion limit so decoding and deep copies cannot blow up
MAX_DEPTH = 200

_CONSTANTS = ("-Infinity", "Infinity", "NaN")


class SyntaxProblem(ValueError):
    """A body Go's JSON scanner refuses: `message` is encoding/json's SyntaxError text, `offset` its byte offset."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message, self.offset = message, offset


def _go_char(c: str) -> str:
    """encoding/json quoteChar: the offending character as Go prints it in a SyntaxError."""
    if c == "'":
        return "'\\''"
    if c == '"':
        return "'\"'"
    return "'" + go_quote(c)[1:-1] + "'"


def _scan(text: str) -> tuple[int, int, int]:
    """One pass outside string literals: (deepest nesting, where it first went past MAX_DEPTH or -1, where the first
    bare NaN / Infinity / -Infinity starts or -1)."""
    level = deepest = 0
    too_deep = constant = -1
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            level += 1
            if level > deepest:
                deepest = level
                if level > MAX_DEPTH and too_deep < 0:
                    too_deep = i
        elif ch in "]}":
            level -= 1
        elif constant < 0 and ch in "-IN" and text.startswith(_CONSTANTS, i):
            constant = i
    return deepest, too_deep, constant


def depth(raw: bytes | str) -> int:
    """The deepest nesting of `[` and `{` outside strings, found without recursion."""
    return _scan(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)[0]


def _innermost(text: str, pos: int) -> str:
    """The bracket (`{` or `[`) that encloses `pos`, skipping string literals."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in text[:pos]:
        if in_string:
            escaped, in_string = (False, True) if escaped else (ch == "\\", ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append(ch)
        elif ch in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def syntax_error(text: str, err: json.JSONDecodeError) -> str | None:
    """encoding/json's SyntaxError text (`invalid character 'x' after object key`) for the mistake Python's decoder
    stopped on; None when the input just ended."""
    if err.pos >= len(text.rstrip()):
        return None
    if err.msg.startswith("Expecting ',' delimiter"):
        context = "after object key:value pair" if _innermost(text, err.pos) == "{" else "after array element"
    elif err.msg.startswith("Expecting ':'"):
        context = "after object key"
    elif err.msg.startswith("Expecting property name"):
        context = "looking for beginning of object key string"
    elif err.msg.startswith("Invalid control character"):
        context = "in string literal"
    elif err.msg.startswith("Extra data"):
        context = "after top-level value"
    else:
        context = "looking for beginning of value"
    return f"invalid character {_go_char(text[err.pos])} {context}"


def syntax_message(text: str, err: json.JSONDecodeError) -> str:
    """The decoder's message for a request body that is not JSON."""
    return syntax_error(text, err) or "unexpected end of JSON input"


def parse(raw: bytes | str) -> Any:
    """Decode JSON as Go does, or raise SyntaxProblem with encoding/json's message (scanner.go: NaN and Infinity
    are no JSON values; nesting past the bound is `exceeded max depth`)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    _, too_deep, constant = _scan(text)
    if too_deep >= 0:
        raise SyntaxProblem(f"invalid character {_go_char(text[too_deep])} exceeded max depth", too_deep)
    try:
        value = json.loads(text, parse_constant=_refuse)
    except _Constant:
        pos = constant if constant >= 0 else 0
        if text.startswith("-", pos):
            raise SyntaxProblem("invalid character 'I' in numeric literal", pos + 1) from None
        raise SyntaxProblem(f"invalid character {_go_char(text[pos])} looking for beginning of value", pos) from None
    except json.JSONDecodeError as err:
        raise SyntaxProblem(syntax_message(text, err), err.pos) from None
    except RecursionError:
        raise SyntaxProblem("invalid character '[' exceeded max depth", 0) from None
    return value


class _Constant(Exception):
    """A bare NaN or Infinity in a body."""


def _refuse(name: str) -> Any:
    raise _Constant(name)


def _summary(raw: bytes, limit: int = 30) -> str:
    """summarizeData (endpoints/handlers/rest.go): the body's start, as text if it looks like JSON, else hex."""
    if not raw:
        return "<empty>"
    if raw[:1] == b"{":
        return raw[:limit].decode("utf-8", "replace") + (" ..." if len(raw) > limit else "")
    return raw[:limit].hex() + (" ..." if len(raw) > limit else "")


def body_error(raw: bytes, problem: str, into: str = "", patch_type: str = "") -> APIError:
    """The 400 kube-apiserver answers to a body its JSON decoder refuses, per path:
    create and update: json.Serializer.Decode -> SimpleMetaFactory.Interpret (serializer/json/meta.go), wrapped by
    transformDecodeError (endpoints/handlers/rest.go) because no kind could be read;
    patch (patch.go, fieldValidation defaults to Warn): json and merge patches are first decoded strictly
    (`error decoding patch: ...`); a strategic merge patch's decode error is passed on as it is."""
    if patch_type in ("json", "merge"):
        return bad_request(f"error decoding patch: {problem}")
    if patch_type:
        return bad_request(problem)
    interpreted = f"couldn't get version/kind; json parse error: {problem}"
    if into:
        return bad_request(f"the object provided is unrecognized (must be of type {into}): {interpreted} "
                           f"({_summary(raw)})")
    return bad_request(interpreted)


def loads(raw: bytes | str, into: str = "", patch_type: str = "") -> Any:
    """Decode a JSON request body; APIError 400 with kube-apiserver's message for anything Go's decoder refuses.
    `into` is the kind a create or update decodes into; `patch_type` (json, merge, strategic) marks a PATCH."""
    data = raw.encode() if isinstance(raw, str) else raw
    try:
        return parse(data)
    except SyntaxProblem as err:
        raise body_error(data, err.message, into, patch_type) from None


def plain_problem(value: Any) -> str | None:
    """Why `value` is not plain JSON data (dicts with string keys, lists, strings, finite numbers, booleans,
    None), in the words of Go's encoder (encoding/json: `json: unsupported value: NaN`), or None if it is."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, level = stack.pop()
        t = type(v)
        if v is None or t in (str, bool, int):
            continue
        if t is float:
            if math.isnan(v) or math.isinf(v):
                return f"json: unsupported value: {'NaN' if math.isnan(v) else ('+Inf' if v > 0 else '-Inf')}"
            continue
        if t is dict or t is list:
            if level >= MAX_DEPTH:
                return "exceeded max depth"
            if t is dict:
                for k, item in v.items():
                    if type(k) is not str:
                        return f"json: unsupported type: map key of type {type(k).__name__}"
                    stack.append((item, level + 1))
            else:
                stack.extend((item, level + 1) for item in v)
            continue
        return f"json: unsupported type: {t.__name__}"
    return None


def check_plain(value: Any) -> None:
    """APIError 400 unless `value` is plain JSON data: what a body decoded from the wire always is, so an object
    handed over from Python (NaN, a set, a tuple, an int key) cannot reach validation or the store."""
    problem = plain_problem(value)
    if problem:
        raise bad_request(problem)


# --- a decoded body as the Go type: create, update, the status and scale subresources -----------------------------


def decode_object(res: Resource, body: Any, subresource: str = "", strict: bool = False) -> None:
    """What json.Serializer.Decode refuses in a create or update body (PUT, status), as transformDecodeError
    (endpoints/handlers/rest.go) words it; raises APIError 400. The body must also be plain JSON data."""
    check_plain(body)
    if not isinstance(body, dict):
        raise bad_request("the body of the request was in an unknown format")
    kind, api_version = body.get("kind"), body.get("apiVersion")
    if kind != res.kind or api_version != res.api_version:
        target = for_kind(api_version if isinstance(api_version, str) else "", kind if isinstance(kind, str) else "")
        if target is not res:
            raise bad_request(f'the API version in the data ({api_version}) does not match the expected API '
                              f"version ({res.api_version})" if kind == res.kind else
                              f"{kind} in version \"{res.version}\" cannot be handled as a {res.kind}: "
                              f"the object provided is unrecognized (wrong kind)")
    if strict:
        message = schema.decode_message(res.kind, res.version, body)
    else:
        error = schema.decode_error(res.kind, body)
        message = f'{res.kind} in version "{res.version}" cannot be handled as a {res.kind}: {error}' if error \
            else None
    if message:
        raise bad_request(message)


SCALE = Resource("Scale", "scale", "scale", "autoscaling", "v1", True)


def decode_scale(body: Any) -> dict:
    """A PUT body for the scale subresource: an autoscaling/v1 Scale, decoded like any other object."""
    decode_object(SCALE, body)
    return body


def validate_scale(name: str, scale: dict) -> None:
    """ValidateScale (pkg/apis/autoscaling/validation), run by ScaleREST's scaleUpdatedObjectInfo
    (pkg/registry/apps/deployment/storage): the Scale's metadata, and replicas never below 0."""
    from .validation import invalid as invalid_value
    from .validation import name_subdomain, object_meta

    meta = scale.get("metadata") if isinstance(scale.get("metadata"), dict) else {}
    spec = scale.get("spec") if isinstance(scale.get("spec"), dict) else {}
    errs: list[FieldError] = list(object_meta(meta, name_subdomain))
    replicas = spec.get("replicas") or 0
    if replicas < 0:
        errs.append(invalid_value("spec.replicas", replicas, "must be greater than or equal to 0"))
    if errs:
        raise invalid(SCALE, name, errs)


# --- a patched object: patch.go ------------------------------------------------------------------------------------

LEGACY_SCHEME = "pkg/api/legacyscheme/scheme.go:30"


def go_quote(text: str) -> str:
    """strconv.Quote, as %q prints a string in a field error: printable runes kept, the rest escaped."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                        "\v": "\\v"}[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return "".join(out) + '"'


def _go_string(text: str) -> str:
    """encoding/json's string: HTML-safe escapes (<, >, &, U+2028, U+2029), UTF-8 kept."""
    out = json.dumps(text, ensure_ascii=False)
    for c, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                   ("\u2029", "\\u2029")):
        out = out.replace(c, esc)
    return out


def go_json(value: Any, sorted_at: set[tuple[str, ...]], path: tuple[str, ...] = ()) -> str:
    """Compact JSON as the patch library hands it on: objects it parsed (at `sorted_at`) re-marshal with sorted
    keys, Go's way for maps; the rest keeps its order (our store's order stands in for Go's field order)."""
    if isinstance(value, dict):
        keys = sorted(value) if path in sorted_at else list(value)
        return "{" + ",".join(f"{_go_string(k)}:{go_json(value[k], sorted_at, (*path, k))}" for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ",".join(go_json(x, sorted_at, (*path, str(i))) for i, x in enumerate(value)) + "]"
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return schema.go_number(value)


def merge_patch_paths(patch: Any, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The objects a JSON merge patch makes the library parse: every object the patch reaches (mergeDocs), and
    each object it brings in (pruneNulls)."""
    out = {path}
    if isinstance(patch, dict):
        for k, v in patch.items():
            out |= merge_patch_paths(v, (*path, k))
    elif isinstance(patch, list):
        for i, v in enumerate(patch):
            out |= merge_patch_paths(v, (*path, str(i)))
    return out


def json_patch_paths(ops: Any) -> set[tuple[str, ...]]:
    """The containers a JSON patch's operations walk into (each prefix of `path` and `from`)."""
    out: set[tuple[str, ...]] = {()}
    for op in ops if isinstance(ops, list) else []:
        for key in ("path", "from"):
            pointer = op.get(key) if isinstance(op, dict) else None
            if isinstance(pointer, str) and pointer.startswith("/"):
                tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]
                out |= {tuple(tokens[:i]) for i in range(len(tokens))}
    return out


def patch_invalid(value: str, detail: str) -> APIError:
    """NewInvalid(schema.GroupKind{}, "", field.Invalid(field.NewPath("patch"), value, detail)): no kind, no name,
    so the message starts with ` "" is invalid` and kubectl says `The request is invalid`."""
    body = f"Invalid value: {go_quote(value)}: {detail}"
    return APIError(422, "Invalid", f' "" is invalid: patch: {body}',
                    {"causes": [{"reason": "FieldValueInvalid", "message": body, "field": "patch"}]})


def _internal_package(group: str) -> str:
    """The Go package of a group's internal types (pkg/apis/<name>): `apps`, `core`, `rbac`, `storage`."""
    return group.split(".")[0] if group else "core"


def kind_error(res: Resource, obj: dict) -> str | None:
    """Why a patched object no longer decodes as `res` for its apiVersion or kind (json.Serializer.Decode:
    SimpleMetaFactory.Interpret, gvkWithDefaults, UseOrCreateObject, then the codec's conversion), or None."""
    values = {k: obj.get(k) for k in ("apiVersion", "kind")}
    for key, v in values.items():
        if v is not None and not isinstance(v, str):
            return (f"couldn't get version/kind; json parse error: json: cannot unmarshal {schema.json_kind(v)} "
                    f"into Go struct field .{key} of type string")
    api_version, kind = values["apiVersion"] or "", values["kind"] or res.kind
    if api_version.count("/") > 1:
        return f"unexpected GroupVersion string: {api_version}"
    group, _, version = api_version.rpartition("/")
    if not api_version:
        group, version = res.group, ""
    if kind == res.kind and group == res.group and (version in ("", res.version)):
        return None
    target = for_kind(api_version, kind) if api_version else None
    if api_version and target is None:
        return f'no kind "{kind}" is registered for version "{api_version}" in scheme "{LEGACY_SCHEME}"'
    source = f"{version}.{kind}" if version else f"{_internal_package(group)}.{kind}"
    return f"converting ({source}) to ({_internal_package(res.group)}.{res.kind}): unknown conversion"


def check_patched(res: Resource, patch_type: str, patch: Any, patched: Any) -> None:
    """A patched object must decode as the resource's Go type (patch.go: jsonPatcher.applyPatchToCurrentObject
    for json and merge patches, applyPatchToObject for strategic ones); raises the 422 patch.go builds."""
    check_plain(patched)
    if not isinstance(patched, dict):
        raise bad_request("the body of the request was in an unknown format")
    if patch_type == "strategic":
        error = converter.unstructured_error(res.kind, patched)
        if error:
            raise patch_invalid(converter.go_map_string(patch), error)
        return
    error = kind_error(res, patched) or schema.decode_error(res.kind, patched)
    if error:
        paths = json_patch_paths(patch) if patch_type == "json" else merge_patch_paths(patch)
        raise patch_invalid(go_json(patched, paths), error)


__all__ = ["APIError", "LEGACY_SCHEME", "MAX_DEPTH", "SyntaxProblem", "body_error", "check_patched", "check_plain",
           "decode_object", "decode_scale", "depth", "go_json", "go_quote", "json_patch_paths", "kind_error",
           "loads", "merge_patch_paths", "parse", "patch_invalid", "plain_problem", "syntax_message",
           "validate_scale"]
