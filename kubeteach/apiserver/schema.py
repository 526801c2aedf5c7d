"""Strict decoding of request bodies, as the API server's JSON serializer does it.

Mirrors apimachinery/pkg/runtime/serializer/json/json.go (Decode), the strict mode of sigs.k8s.io/json
(a fork of encoding/json: `json: cannot unmarshal ...` type errors, `unknown field "spec.replica"` strict
errors), resource.Quantity.UnmarshalJSON and intstr.IntOrString.UnmarshalJSON, and the wrapping in
apiserver/pkg/endpoints/handlers/rest.go transformDecodeError:
`Deployment in version "v1" cannot be handled as a Deployment: <error>`.

The decoder walks a body along the Go types of gotypes.py. Decoding order follows encoding/json: the
first type error is kept while decoding goes on; an error from a custom UnmarshalJSON (Quantity, IntOrString)
stops decoding and wins; unknown fields are reported only when nothing else went wrong.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .gotypes import ANY, KINDS, L, Leaf, M, S

# --- resource.Quantity and numbers, as Go prints and parses them ------------------------------------------------

QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
_DIGITS = "0123456789"
_SUFFIXES = {"", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
_INT_RANGE = {"int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1)}


def go_number(x: int | float) -> str:
    """A YAML number as sigs.k8s.io/yaml hands it on in JSON (Go's float64 formatting: 3.0 -> 3, 1e-07)."""
    if isinstance(x, int):
        return str(x)
    if x.is_integer() and abs(x) < 1e21:
        return str(int(x))
    if 1e-6 <= abs(x) < 1e21:
        return format(Decimal(repr(x)), "f")
    mantissa, _, exp = repr(x).partition("e")
    return f"{mantissa}e{'-' if exp.startswith('-') else '+'}{exp.lstrip('+-').lstrip('0') or '0'}"


def quantity_error(value: Any) -> str | None:
    """Quantity.UnmarshalJSON -> ParseQuantity: the error text, or None when `value` parses (parseQuantityString)."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = go_number(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        return QUANTITY_FORMAT_ERROR
    if text == "":
        return QUANTITY_FORMAT_ERROR
    i = 1 if text[0] in "+-" else 0
    while i < len(text) and text[i] in _DIGITS:
        i += 1
    if i < len(text) and text[i] == ".":
        i += 1
        while i < len(text) and text[i] in _DIGITS:
            i += 1
    start = i
    while i < len(text) and text[i] in "eEinumkKMGTP":
        i += 1
    if i < len(text) and text[i] in "+-":
        i += 1
    while i < len(text) and text[i] in _DIGITS:
        i += 1
    if i < len(text):
        return QUANTITY_FORMAT_ERROR
    suffix = text[start:]
    if suffix in _SUFFIXES:
        return None
    if len(suffix) > 1 and suffix[0] in "eE" and _is_int(suffix[1:]):
        return None
    return "unable to parse quantity's suffix"


def _is_int(text: str) -> bool:
    """strconv.ParseInt(text, 10, 64) succeeds."""
    return re.fullmatch(r"[+-]?[0-9]+", text) is not None and -2**63 <= int(text) < 2**63


# --- the decoder ------------------------------------------------------------------------------------------------


class _Abort(Exception):
    """An error returned from a custom UnmarshalJSON: decoding stops there."""


@dataclass
class _State:
    type_error: str | None = None
    unknown: list[str] = field(default_factory=list)


def json_kind(value: Any) -> str:
    """How encoding/json names a JSON value in a type error."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _spath(path: tuple | None) -> str:
    """The field path of a position (`spec.template.spec.containers[0].image`), built only when reported."""
    parts = []
    while path is not None:
        path, key, how = path
        parts.append((key, how))
    out = ""
    for key, how in reversed(parts):
        out = (f"{out}.{key}" if out else key) if how == "f" else f"{out}[{key}]"
    return out


def _stack(path: tuple | None) -> list[str]:
    """The struct field names from the top to a position: encoding/json's errorContext.FieldStack."""
    keys = []
    while path is not None:
        path, key, how = path
        if how == "f":
            keys.append(key)
    return keys[::-1]


def _struct_name(struct: S | None) -> str:
    return struct.go.split(".", 1)[-1] if struct is not None else ""


def _type_error(st: _State, what: str, go_type: str, struct: S | None, path: tuple | None) -> None:
    """saveError(&UnmarshalTypeError{...}) with the errorContext: only the first one is kept."""
    if st.type_error is None:
        where = f"Go struct field {_struct_name(struct)}.{'.'.join(_stack(path))}" if struct is not None \
            else "Go value"
        st.type_error = f"json: cannot unmarshal {what} into {where} of type {go_type}"


def int_literal(value: Any, kind: str) -> str | None:
    """`number 3.5` / `number 3000000000` when a JSON number does not fit the Go integer type, else None."""
    if isinstance(value, float) and not value.is_integer():
        return "number " + go_number(value)
    lo, hi = _INT_RANGE[kind]
    return None if lo <= int(value) <= hi else "number " + go_number(value)


@functools.lru_cache(maxsize=4096)
def _quantity_text_error(text: str) -> str | None:
    return quantity_error(text)


def _decode(t: Any, v: Any, st: _State, struct: S | None, path: tuple | None) -> None:
    """Walk `v` as encoding/json would decode it into Go type `t`, in document order. `struct` is the innermost
    Go struct so far and `path` the position as a chain of (parent, key, how); both are only read on an error."""
    if v is None or t is ANY:
        return
    if type(t) is Leaf:
        kind = t.kind
        if kind == "string":
            if not isinstance(v, str):
                _type_error(st, json_kind(v), t.go, struct, path)
        elif kind == "quantity":
            err = _quantity_text_error(v) if type(v) is str else quantity_error(v)
            if err:
                raise _Abort(err)
        elif kind == "intstr":
            if isinstance(v, str):
                return
            number = isinstance(v, (int, float)) and not isinstance(v, bool)
            what = int_literal(v, "int32") if number else json_kind(v)
            if what:   # IntOrString.UnmarshalJSON -> json.Unmarshal(value, &IntVal); context added at the top
                where = f"Go struct field {_struct_name(struct)}.{'.'.join(_stack(path))}" if struct is not None \
                    else "Go value"
                raise _Abort(f"json: cannot unmarshal {what} into {where} of type int32")
        elif kind in ("int32", "int64"):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                _type_error(st, json_kind(v), t.go, struct, path)
            elif (bad := int_literal(v, kind)) is not None:
                _type_error(st, bad, t.go, struct, path)
        elif kind == "bool" and not isinstance(v, bool):
            _type_error(st, json_kind(v), t.go, struct, path)
        return
    if type(t) is L:
        if not isinstance(v, list):
            _type_error(st, json_kind(v), t.go, struct, path)
            return
        elem = t.elem
        for i, item in enumerate(v):
            _decode(elem, item, st, struct, (path, i, "i"))
        return
    if not isinstance(v, dict):
        _type_error(st, json_kind(v), t.go, struct, path)
        return
    if type(t) is M:
        elem = t.elem
        for key, item in v.items():
            _decode(elem, item, st, struct, (path, key, "k"))
        return
    fields = t.fields
    for key, item in v.items():
        sub = fields.get(key)
        if sub is None:
            st.unknown.append(_spath((path, key, "f")))
            continue
        _decode(sub, item, st, t, (path, key, "f"))


def _walk(kind: str, obj: dict) -> tuple[str | None, list[str]]:
    """Decode `obj` as `kind`: (the error decoding stops on, unknown field paths)."""
    st = _State()
    t = KINDS.get(kind)
    if t is None:
        return None, []
    try:
        _decode(t, obj, st, None, None)
    except _Abort as err:
        return str(err), []
    return st.type_error, st.unknown


def unknown_fields(kind: str, obj: dict) -> list[str]:
    """Paths of fields the Go type lacks, as sigs.k8s.io/json strict mode reports them (`spec.replica`)."""
    return _walk(kind, obj)[1]


def _zero(t: Any) -> Any:
    """The JSON a Go zero value of type `t` re-encodes to, for a null inside a list or map."""
    if type(t) is S or type(t) is M:
        return {}
    if type(t) is L:
        return []
    if type(t) is Leaf:
        return {"string": "", "int32": 0, "int64": 0, "bool": False}.get(t.kind, "")
    return None


def _drop_nulls(t: Any, v: Any) -> None:
    if t is ANY:                        # untyped here (or metav1.Time, whose zero encodes as null): kept as given
        return
    if isinstance(v, dict) and type(t) is S:
        for key in [k for k, item in v.items() if item is None and t.fields.get(k, ANY) is not ANY]:
            del v[key]                  # null leaves a struct field at its zero value: omitted again on encoding
        for key, item in v.items():
            if isinstance(item, (dict, list)):
                _drop_nulls(t.fields.get(key, ANY), item)
    elif isinstance(v, dict) and type(t) is M:
        for key, item in v.items():
            if item is None:
                v[key] = _zero(t.elem)
            elif isinstance(item, (dict, list)):
                _drop_nulls(t.elem, item)
    elif isinstance(v, list) and type(t) is L:
        for i, item in enumerate(v):
            if item is None and t.elem is not ANY:
                v[i] = _zero(t.elem)
            elif isinstance(item, (dict, list)):
                _drop_nulls(t.elem, item)


def drop_nulls(kind: str, obj: dict) -> None:
    """Decode-then-encode for JSON nulls, in place: encoding/json leaves a field it reads null at its zero value,
    which encodes as absent (omitempty) or as the zero; so `spec: null` is an empty spec that validation refuses,
    never a None in the store. Fields without a schema here (and metav1.Time's null) are kept as given."""
    _drop_nulls(KINDS.get(kind, ANY), obj)


def decode_error(kind: str, obj: dict) -> str | None:
    """The type error the JSON decoder stops on (`json: cannot unmarshal ...`, a Quantity's regexp), or None."""
    return _walk(kind, obj)[0]


def decode_message(kind: str, version: str, obj: dict) -> str | None:
    """transformDecodeError's text for a strict (fieldValidation=Strict) create/update, or None if it decodes."""
    error, unknown = _walk(kind, obj)
    if error is None and unknown:
        error = "strict decoding error: " + ", ".join(f'unknown field "{p}"' for p in unknown)
    return f'{kind} in version "{version}" cannot be handled as a {kind}: {error}' if error else None
