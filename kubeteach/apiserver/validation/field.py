"""field.Error and its constructors, as apimachinery/pkg/util/validation/field words them.

Mirrors staging/src/k8s.io/apimachinery/pkg/util/validation/field (errors.go: Required, Invalid, NotSupported,
Duplicate, Forbidden, NotFound, TooLong and ErrorBody's exact texts, v1.34+ JSON values). Validation runs on Go's
internal types, so a struct value prints with Go field names in Go field order (`{"Type":"Foo","RollingUpdate":null}`);
such values are passed pre-rendered as GoJSON. Also the small readers of a decoded object every validator here uses
(decoding already rejected wrong types, so a wrong-typed field reads as empty).
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import FieldError, render_value


class GoJSON(str):
    """A value already rendered as json.Marshal renders a Go (internal) struct: GoNames, Go field order."""


_BODY = {"Required": "Required value", "Invalid": "Invalid value", "Unsupported": "Unsupported value",
         "Duplicate": "Duplicate value", "Forbidden": "Forbidden", "NotFound": "Not found", "TooLong": "Too long",
         "TooMany": "Too many", "Internal": "Internal error"}


class Error(FieldError):
    """field.Error with ErrorBody's exact text (`Not found: "data"`, `Too long: may not be more than ...`)."""

    def __str__(self) -> str:
        """`<field>: <type>[: <value>][: <detail>]`, as Error() prints it."""
        body = _BODY.get(self.type, self.type)
        if self.type not in ("Required", "Forbidden", "TooLong", "Internal") and self.has_value:
            body += ": " + (str(self.value) if isinstance(self.value, GoJSON) else render_value(self.value))
        return f"{self.field}: {body}: {self.detail}" if self.detail else f"{self.field}: {body}"


Errs = list[Error]


def required(path: str, detail: str = "") -> Error:
    """field.Required: a value that must be given."""
    return Error("Required", path, None, detail)


def invalid(path: str, value: Any, detail: str) -> Error:
    """field.Invalid: the value is shown, then why it is wrong."""
    return Error("Invalid", path, value, detail)


def unsupported(path: str, value: Any, valid: list[str]) -> Error:
    """field.NotSupported: the value, then the %q-quoted supported values in Go's order."""
    return Error("Unsupported", path, value, "supported values: " + ", ".join(json.dumps(v) for v in valid))


def duplicate(path: str, value: Any, detail: str = "") -> Error:
    """field.Duplicate: a value that must be unique."""
    return Error("Duplicate", path, value, detail)


def forbidden(path: str, detail: str) -> Error:
    """field.Forbidden: no value shown, only why."""
    return Error("Forbidden", path, None, detail)


def not_found(path: str, value: Any) -> Error:
    """field.NotFound: a reference to something that does not exist (a volume, say)."""
    return Error("NotFound", path, value)


def too_long(path: str, limit: int) -> Error:
    """field.TooLong: the value is omitted, the limit given in bytes."""
    return Error("TooLong", path, None, f"may not be more than {limit} bytes")


def go_json(pairs: list[tuple[str, Any]]) -> GoJSON:
    """json.Marshal of a Go struct with fields in declaration order (nested values via render_value)."""
    return GoJSON("{" + ",".join(f"{json.dumps(k)}:{v if isinstance(v, GoJSON) else render_value(v)}"
                                 for k, v in pairs) + "}")


def _each(path: str, value: Any, msgs: list[str]) -> Errs:
    """One field.Invalid per message, all at the same path."""
    return [invalid(path, value, m) for m in msgs]


def _d(obj: Any, key: str) -> dict:
    """obj[key] if it is a dict, else an empty dict (decoding already rejected wrong types)."""
    v = obj.get(key) if isinstance(obj, dict) else None
    return v if isinstance(v, dict) else {}


def _l(obj: Any, key: str) -> list:
    """obj[key] if it is a list, else an empty list."""
    v = obj.get(key) if isinstance(obj, dict) else None
    return v if isinstance(v, list) else []


def _s(obj: Any, key: str) -> str:
    """obj[key] if it is a string, else ""."""
    v = obj.get(key) if isinstance(obj, dict) else None
    return v if isinstance(v, str) else ""


def _present(obj: dict, key: str) -> bool:
    """The key holds a non-empty value (defaulting fills the empty ones before validation)."""
    return obj.get(key) not in (None, "")
