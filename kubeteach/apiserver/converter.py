"""The unstructured converter (apimachinery/pkg/runtime/converter.go, runtime.DefaultUnstructuredConverter
.FromUnstructured): how the result of a strategic merge patch, held as map[string]interface{}, converts back into
the Go type, and the first error that stops it; and fmt's %+v of such a map, which the patch's Invalid error shows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .gotypes import ANY, KINDS, L, Leaf, M
from .schema import int_literal, json_kind, quantity_error


def _go_kind(value: Any) -> str:
    """reflect.Kind of a value decoded into interface{} with ints preserved (kjson.UnmarshalCaseSensitivePreserveInts)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return "slice" if isinstance(value, list) else "map"


def _from_unstructured(t: Any, v: Any) -> str | None:
    """apimachinery/pkg/runtime/converter.go fromUnstructured: the first error converting `v` into Go type `t`."""
    if v is None or t is ANY:
        return None
    if type(t) is Leaf:
        kind, src = t.kind, _go_kind(v)
        if kind == "quantity":      # custom unmarshaler: re-encoded as JSON and handed to Quantity.UnmarshalJSON
            return quantity_error(v)
        if kind == "intstr":        # IntOrString.UnmarshalJSON -> json.Unmarshal(value, &IntVal), no field context
            if src == "string":
                return None
            what = int_literal(v, "int32") if src in ("int64", "float64") else json_kind(v)
            return f"json: cannot unmarshal {what} into Go value of type int32" if what else None
        target = {"string": "string", "bool": "bool"}.get(kind, kind)
        if src == target or (target in ("int32", "int64") and src == "int64"):
            return None
        if src == "int64" and target == "string":            # ints convert to strings in Go, but not here
            return f"cannot convert int64 to {t.go}"
        if src == "float64" and target in ("int32", "int64"):
            return None if v.is_integer() else f"cannot convert float64 to {t.go}"
        return f"unrecognized type: {target}"
    if type(t) is L:
        if not isinstance(v, list):
            return f"cannot restore slice from {_go_kind(v)}"
        return next((e for e in (_from_unstructured(t.elem, x) for x in v) if e), None)
    if not isinstance(v, dict):
        return f"cannot restore {'map from' if type(t) is M else 'struct from:'} {_go_kind(v)}"
    if type(t) is M:
        return next((e for e in (_from_unstructured(t.elem, x) for x in v.values()) if e), None)
    fields = t.fields
    return next((e for e in (_from_unstructured(fields[k], x) for k, x in v.items() if k in fields) if e), None)


def unstructured_error(kind: str, obj: dict) -> str | None:
    """The error FromUnstructuredWithValidation stops on for a strategic-merge-patched `obj`, or None. Unknown
    fields are only warnings at the default fieldValidation (Warn), so they are not reported."""
    t = KINDS.get(kind)
    return _from_unstructured(t, obj) if t is not None else None


def _go_float_v(x: float) -> str:
    """fmt's %v for a float64: the shortest digits, %e form below 1e-4 or from 1e21 on."""
    if x == 0:
        return "0"
    exp = int(f"{x:e}".split("e")[1])
    if -4 <= exp < 21:
        return format(Decimal(repr(x)), "f").rstrip("0").rstrip(".") if "." in format(Decimal(repr(x)), "f") \
            else format(Decimal(repr(x)), "f")
    mantissa, _, e = repr(x).partition("e")
    if not e:
        mantissa, _, e = f"{x:e}".partition("e")
    sign = "-" if e.startswith("-") else "+"
    digits = e.lstrip("+-").lstrip("0").rjust(2, "0")
    return f"{mantissa.rstrip('0').rstrip('.') if '.' in mantissa else mantissa}e{sign}{digits}"


def go_map_string(value: Any) -> str:
    """fmt.Sprintf("%+v", value) for JSON decoded into interface{}: `map[spec:map[replicas:many]]`, keys sorted."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float_v(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(go_map_string(x) for x in value) + "]"
    return "map[" + " ".join(f"{k}:{go_map_string(value[k])}" for k in sorted(value)) + "]"
