"""What the PATCH handler checks before a server-side apply reaches the field manager (staging/src/k8s.io/apiserver
/pkg/endpoints/handlers/patch.go, apimachinery's ValidatePatchOptions and the structured merge manager), and who a
write's field manager is (managerOrUserAgent, prefixFromUserAgent).

Where the real server answers a typed-conversion failure (an unknown field, a kind it has no schema for) with a
plain Go error, the status is its generic 500 with that text, as here.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from . import decoding, fieldpath, schema
from .errors import APIError, bad_request
from .request import Request
from .resources import Resource
from .validation.field import Error as FieldError

FIELD_MANAGER_MAX_LENGTH = 128

#: the user agents' first segments of the control plane's clients, by their authenticated user
AGENTS = {"system:kube-controller-manager": "kube-controller-manager", "system:kube-scheduler": "kube-scheduler"}


def manager_for(req: Request) -> str:
    """managerOrUserAgent: ?fieldManager=, else the User-Agent up to its first `/` (printable, at most 128)."""
    given = req.params.get("fieldManager")
    if given:
        return str(given)
    name = req.user.name if req.user is not None else ""
    if name in AGENTS:
        agent = AGENTS[name]
    elif name.startswith("system:node:"):
        agent = "kubelet"
    else:
        agent = (req.actor if req.user_agent is None else req.user_agent).split("/", 1)[0]
    return "".join(c for c in agent if c.isprintable())[:FIELD_MANAGER_MAX_LENGTH]


def _go_rune(c: str) -> str:
    """%#U: U+0007 (without the character itself when it is not printable)."""
    text = f"U+{ord(c):04X}"
    return f"{text} '{c}'" if c.isprintable() else text


def validate_patch_options(params: dict, patch_type: str | None, kind: str = "PatchOptions") -> None:
    """ValidatePatchOptions: `force` only with apply, apply needs a fieldManager; 422 on PatchOptions. With
    `patch_type` None, ValidateCreateOptions/ValidateUpdateOptions' fieldManager check on `kind`."""
    errors = []
    manager = str(params.get("fieldManager") or "")
    if patch_type is None:
        pass
    elif patch_type != "apply":
        if params.get("force") is not None:
            errors.append(FieldError("Forbidden", "force", detail="may not be specified for non-apply patch"))
    elif not manager:
        errors.append(FieldError("Required", "fieldManager", detail="is required for apply patch"))
    if len(manager.encode()) > FIELD_MANAGER_MAX_LENGTH:
        errors.append(FieldError("TooLong", "fieldManager", has_value=False,
                                 detail=f"may not be more than {FIELD_MANAGER_MAX_LENGTH} bytes"))
    for i, c in enumerate(manager):
        if not c.isprintable() or unicodedata.category(c) == "Zs" and c != " ":
            errors.append(FieldError("Invalid", "fieldManager", manager,
                                     f"invalid character {_go_rune(c)} (at position {i})"))
    if errors:
        raise APIError(422, "Invalid", f'{kind}.meta.k8s.io "" is invalid: ' +
                       (str(errors[0]) if len(errors) == 1 else "[" + ", ".join(str(e) for e in errors) + "]"),
                       {"group": "meta.k8s.io", "kind": kind,
                        "causes": [{"reason": e.reason, "message": str(e).split(": ", 1)[1], "field": e.field}
                                   for e in errors]})


def _gvk(api_version: Any, kind: Any) -> str:
    """schema.GroupVersionKind.String(): `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`."""
    gv = api_version if isinstance(api_version, str) else ""
    group, _, version = gv.rpartition("/")
    return f"{group}/{version}, Kind={kind if isinstance(kind, str) else ''}"


def check_config(res: Resource, body: Any, namespace: str, name: str, exists: bool) -> dict:
    """The applied configuration as the structured merge manager accepts it: a YAML object of the resource's
    version and kind, without managedFields, whose fields the type declares, naming the URL's object."""
    if isinstance(body, APIError):      # the server could not read the YAML (decoded before the handler)
        raise body
    decoding.check_plain(body)
    if not isinstance(body, dict):
        raise bad_request("error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot "
                          f"unmarshal {schema.json_kind(body)} into Go value of type map[string]interface {{}}")
    api_version, kind = body.get("apiVersion"), body.get("kind")
    if api_version != res.api_version:
        shown = api_version if isinstance(api_version, str) else ""
        raise bad_request(f"Incorrect version specified in apply patch. Specified patch version: {shown}, "
                          f"expected: {res.api_version}")
    meta = body.get("metadata")
    if isinstance(meta, dict) and meta.get("managedFields") is not None:
        raise bad_request("metadata.managedFields must be nil")
    meta = meta if isinstance(meta, dict) else {}
    where = f"{meta.get('namespace') or ''}/{meta.get('name') or ''}; {_gvk(api_version, kind)}"
    if kind != res.kind:
        raise APIError(500, "", f"failed to create typed patch object ({where}): no corresponding type for "
                       f"{_gvk(api_version, kind)}")
    unknown = [f"{smd_path(body, u)}: field not declared in schema" for u in schema.unknown_fields(res.kind, body)]
    if unknown:
        text = unknown[0] if len(unknown) == 1 else "\n".join(["errors:", *("  " + u for u in unknown)])
        raise APIError(500, "", f"failed to create typed patch object ({where}): {text}")
    error = schema.decode_error(res.kind, body)
    if error:
        raise APIError(500, "", f"failed to create typed patch object ({where}): {error}")
    body_ns = meta.get("namespace")
    if res.namespaced and body_ns and body_ns != namespace:
        raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
    if (meta.get("name") or "") != name and (meta.get("name") or not exists):    # checkName on the result
        raise bad_request(f"the name of the object ({meta.get('name') or ''}) does not match the name on the URL "
                          f"({name})")
    return body


def smd_path(body: dict, dotted: str) -> str:
    """The strict decoder's `spec.containers[0].foo` as SMD names it: `.spec.containers[name="x"].foo`."""
    elements: list[str] = []
    node: Any = body
    holder: str | None = None
    name = ""
    for field_name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", dotted):
        if field_name:
            holder = elements[-1] if elements else None
            name = field_name
            elements.append("f:" + field_name)
            node = node.get(field_name) if isinstance(node, dict) else None
            continue
        kind, keys = fieldpath.list_kind(holder, name)
        item = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
        elements.append("i:" + index if kind == "atomic" or item is None else fieldpath.item_element(item, kind, keys))
        node = item
    return fieldpath.path_string(tuple(elements))


__all__ = ["check_config", "manager_for", "validate_patch_options"]
