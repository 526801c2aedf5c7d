"""API errors as `metav1.Status` objects, with the texts of apimachinery/pkg/api/errors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .resources import Resource


@dataclass
class FieldError:
    """field.Error: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`."""

    type: str        # Required, Invalid, Unsupported, Duplicate, Forbidden, NotFound, TooLong
    field: str
    value: Any = None
    detail: str = ""
    has_value: bool = True

    def __str__(self) -> str:
        if self.type == "Required" or self.type == "Forbidden" or not self.has_value:
            text = f"{self.field}: {self.type}" + (" value" if self.type == "Required" else "")
            return f"{text}: {self.detail}" if self.detail else text
        return f"{self.field}: {self.type} value: {render_value(self.value)}" + (
            f": {self.detail}" if self.detail else "")

    @property
    def reason(self) -> str:
        return {"Required": "FieldValueRequired", "Invalid": "FieldValueInvalid",
                "Unsupported": "FieldValueNotSupported", "Duplicate": "FieldValueDuplicate",
                "Forbidden": "FieldValueForbidden", "NotFound": "FieldValueNotFound",
                "TooLong": "FieldValueTooLong"}.get(self.type, "FieldValueInvalid")


def render_value(value: Any) -> str:
    """Values as v1.34+ API errors render them: strings quoted, numbers plain, the rest as JSON."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) or value is None:
        return "null" if value is None else str(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


@dataclass
class APIError(Exception):
    """A failed request: the HTTP code, the StatusReason and the message, as the API server returns them."""

    code: int
    reason: str
    message: str
    details: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    def status(self) -> dict:
        out = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            out["details"] = self.details
        return out


def not_found(res: Resource, name: str) -> APIError:
    return APIError(404, "NotFound", f'{res.group_resource} "{name}" not found',
                    {"name": name, "group": res.group, "kind": res.resource})


def already_exists(res: Resource, name: str) -> APIError:
    return APIError(409, "AlreadyExists", f'{res.group_resource} "{name}" already exists',
                    {"name": name, "group": res.group, "kind": res.resource})


def conflict(res: Resource, name: str) -> APIError:
    return APIError(409, "Conflict", f'Operation cannot be fulfilled on {res.group_resource} "{name}": the object '
                    "has been modified; please apply your changes to the latest version and try again",
                    {"name": name, "group": res.group, "kind": res.resource})


def invalid(res: Resource, name: str, errors: list[FieldError]) -> APIError:
    """NewInvalid: `Deployment.apps "nginx" is invalid: [a, b]` (no brackets for one, duplicates removed)."""
    texts: list[str] = []
    for e in errors:
        if str(e) not in texts:
            texts.append(str(e))
    body = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    qualified = f"{res.kind}.{res.group}" if res.group else res.kind
    causes = [{"reason": e.reason, "message": str(e)[len(e.field) + 2:], "field": e.field} for e in errors]
    return APIError(422, "Invalid", f'{qualified} "{name}" is invalid: {body}',
                    {"name": name, "group": res.group, "kind": res.kind, "causes": causes})


def forbidden_message(user: str, verb: str, res: Resource, subresource: str, namespace: str, name: str) -> str:
    """NewForbidden around responsewriters.forbiddenMessage: what was refused, to whom, in which scope."""
    resource = f"{res.resource}/{subresource}" if subresource else res.resource
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    why = f'User "{user}" cannot {verb} resource "{resource}" in API group "{res.group}" {scope}'
    what = f'{res.group_resource} "{name}"' if name else res.group_resource
    return f"{what} is forbidden: {why}"


def forbidden(message: str) -> APIError:
    return APIError(403, "Forbidden", message)


def unauthorized() -> APIError:
    return APIError(401, "Unauthorized", "Unauthorized")


def bad_request(message: str) -> APIError:
    return APIError(400, "BadRequest", message)
