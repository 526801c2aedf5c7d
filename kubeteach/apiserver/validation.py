"""Validation (the strategy's Validate / ValidateUpdate), with Kubernetes' field paths and messages.

Mirrors pkg/apis/core/validation/validation.go (ObjectMeta, PodSpec, containers, volumes, PVC, PV, Node,
Namespace, ServiceAccount) and events.go (legacyValidateEvent), pkg/apis/apps/validation/validation.go
(ValidateDeploymentSpec, ValidateReplicaSetSpec), pkg/apis/rbac/validation, pkg/apis/storage/validation,
pkg/apis/coordination/validation, apimachinery/pkg/api/validation/objectmeta.go, apimachinery/pkg/apis/meta/v1/
validation (labels, selectors) and apimachinery/pkg/util/validation (+ api/validate/content: names, label keys).
Errors are field.Error values rendered by ErrorBody (v1.34+: JSON values). Validation runs on Go's internal
types, so a struct value prints with Go field names in Go field order (`{"Type":"Foo","RollingUpdate":null}`);
such values are passed pre-rendered as GoJSON. Fields that defaulting always fills are checked only when present.
Go ranges over maps in random order; here maps are visited in document order.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from ..objects import parse_quantity, selector_matches
from .errors import FieldError, render_value
from .resources import Resource

# --- field.Error ------------------------------------------------------------------------------------------------


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


# --- apimachinery/pkg/util/validation (+ api/validate/content) -------------------------------------------------

LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
SUBDOMAIN_FMT = LABEL_FMT + r"(\." + LABEL_FMT + ")*"
QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE_FMT = "(" + QNAME_FMT + ")?"
QNAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " \
    "character"
IMMUTABLE = "field is immutable"
NEGATIVE = "must be greater than or equal to 0"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """validation.RegexError, double spaces before ` or ` included."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    return msg + " (e.g. " + " or ".join(f"'{e}', " for e in examples) + f"regex used for validation is '{fmt}')"


def _blen(s: str) -> int:
    """len() in Go counts bytes, not characters."""
    return len(s.encode())


def max_len(n: int) -> str:
    """validation.MaxLenError."""
    return f"must be no more than {n} characters"


def is_dns1123_label(v: str) -> list[str]:
    """IsDNS1123Label: namespace names, container and volume names."""
    errs = [max_len(63)] if _blen(v) > 63 else []
    if not re.fullmatch(LABEL_FMT, v):
        errs.append("must not contain dots" if re.fullmatch(SUBDOMAIN_FMT, v) else regex_error(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
            "and end with an alphanumeric character", LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(v: str) -> list[str]:
    """IsDNS1123Subdomain: the name rule of most objects."""
    errs = [max_len(253)] if _blen(v) > 253 else []
    if not re.fullmatch(SUBDOMAIN_FMT, v):
        errs.append(regex_error("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                                "'-' or '.', and must start and end with an alphanumeric character", SUBDOMAIN_FMT,
                                "example.com"))
    return errs


def is_qualified_name(v: str) -> list[str]:
    """content.IsLabelKey (was IsQualifiedName): optional DNS-subdomain prefix, `/`, a name part."""
    parts, errs = v.split("/"), []
    if len(parts) > 2:
        return ["a valid label key " + regex_error(QNAME_MSG, QNAME_FMT, "MyName", "my.name", "123-abc") +
                " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    name = parts[-1]
    if len(parts) == 2:
        errs += ["prefix part must be non-empty"] if not parts[0] else \
            ["prefix part " + m for m in is_dns1123_subdomain(parts[0])]
    if not name:
        errs.append("name part must be non-empty")
    elif _blen(name) > 63:
        errs.append("name part " + max_len(63))
    if not re.fullmatch(QNAME_FMT, name):
        errs.append("name part " + regex_error(QNAME_MSG, QNAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def is_label_value(v: str) -> list[str]:
    """IsValidLabelValue."""
    errs = [max_len(63)] if _blen(v) > 63 else []
    if not re.fullmatch(LABEL_VALUE_FMT, v):
        errs.append(regex_error("a valid label must be an empty string or consist of alphanumeric characters, '-', "
                                "'_' or '.', and must start and end with an alphanumeric character",
                                LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def is_port_name(v: str) -> list[str]:
    """IsValidPortName (IANA_SVC_NAME)."""
    errs = [max_len(15)] if len(v) > 15 else []
    if not re.fullmatch("[-a-z0-9]+", v):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", v):
        errs.append("must contain at least one letter (a-z)")
    if "--" in v:
        errs.append("must not contain consecutive hyphens")
    if v and (v[0] == "-" or v[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def port_range(p: int) -> list[str]:
    """IsValidPortNum."""
    return [] if 1 <= p <= 65535 else ["must be between 1 and 65535, inclusive"]


def is_percent(v: str) -> list[str]:
    """IsValidPercent, for maxSurge and maxUnavailable strings."""
    return [] if re.fullmatch("[0-9]+%", v) else [regex_error(
        "a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%")]


def _mask_dash(name: str) -> str:
    """maskTrailingDash: a generateName may end in `-` (Go drops the character before it too)."""
    return name[:-2] + "a" if name.endswith("-") else name


def name_subdomain(name: str, prefix: bool) -> list[str]:
    """NameIsDNSSubdomain, a ValidateNameFunc."""
    return is_dns1123_subdomain(_mask_dash(name) if prefix else name)


def name_label(name: str, prefix: bool) -> list[str]:
    """NameIsDNSLabel (ValidateNamespaceName)."""
    return is_dns1123_label(_mask_dash(name) if prefix else name)


def name_path_segment(name: str, prefix: bool) -> list[str]:
    """path.ValidatePathSegmentName: the minimal name rule of RBAC objects."""
    if not prefix and name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in "/%" if c in name]


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


# --- resource.Quantity --------------------------------------------------------------------------------------

_SI = {-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}
_BIN = {0: "", 10: "Ki", 20: "Mi", 30: "Gi", 40: "Ti", 50: "Pi", 60: "Ei"}


def qty(v: Any) -> Fraction:
    """A quantity as an exact number (decoding already rejected malformed ones)."""
    try:
        return parse_quantity(v)
    except ValueError:
        return Fraction(0)


def qty_string(v: Any) -> str:
    """Quantity.String(): the canonical form (`1.5` -> `1500m`, `1.5Gi` -> `1536Mi`, `1000m` -> `1`)."""
    q, text = qty(v), str(v).strip()
    fmt = "bin" if re.search("[KMGTPE]i$", text) else "exp" if re.search("[0-9][eE][-+]?[0-9]+$", text) else "si"
    if q == 0:
        return "0"
    sign, a = ("-" if q < 0 else ""), abs(q)
    if fmt == "bin" and a >= 1024 and a.denominator == 1:
        n, k = a.numerator, 0
        while k < 60 and n % 1024 == 0:
            n, k = n // 1024, k + 10
        return f"{sign}{n}{_BIN[k]}"
    n = -((-a * 10**9).numerator // (a * 10**9).denominator)   # rounded up to nano, as ParseQuantity does
    exp = -9
    while n % 10 == 0:
        n, exp = n // 10, exp + 1
    extra = exp % 3
    n, exp = n * 10**extra, exp - extra
    if fmt == "exp" or exp > 18:
        return f"{sign}{n}" + (f"e{exp}" if exp else "")
    return f"{sign}{n}{_SI[exp]}"


STANDARD_CONTAINER_RESOURCES = {"cpu", "memory", "ephemeral-storage"}
STANDARD_RESOURCES = STANDARD_CONTAINER_RESOURCES | {
    "requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
    "limits.ephemeral-storage", "pods", "services", "replicationcontrollers", "resourcequotas", "secrets",
    "configmaps", "persistentvolumeclaims", "storage", "requests.storage", "services.nodeports",
    "services.loadbalancers"}
INTEGER_RESOURCES = {"pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
                     "persistentvolumeclaims", "services.nodeports", "services.loadbalancers"}


def _native(name: str) -> bool:
    """IsNativeResource: no domain, or a kubernetes.io one."""
    return "/" not in name or "kubernetes.io/" in name


def _extended(name: str) -> bool:
    """IsExtendedResourceName: `example.com/foo`, countable, never overcommitted."""
    return not _native(name) and not name.startswith("requests.") and not is_qualified_name("requests." + name)


def _overcommit(name: str) -> bool:
    """IsOvercommitAllowed: requests may be below limits (not for hugepages or extended resources)."""
    return _native(name) and not name.startswith("hugepages-")


def resource_quantity(name: str, value: Any, path: str) -> Errs:
    """ValidateResourceQuantityValue: not negative; whole numbers for integer (and extended) resources."""
    q, errs = qty(value), []
    if q < 0:
        errs.append(invalid(path, qty_string(value), NEGATIVE))
    if (name in INTEGER_RESOURCES or _extended(name)) and (q * 1000) % 1000 != 0:
        errs.append(invalid(path, qty_string(value), "must be an integer"))
    return errs


def container_resource_name(name: str, path: str) -> Errs:
    """validateContainerResourceName (validateResourceName's errors first)."""
    errs, single = _each(path, name, is_qualified_name(name)), "/" not in name
    if not errs and single and name not in STANDARD_RESOURCES and not name.startswith("hugepages-"):
        errs.append(invalid(path, name, "must be a standard resource type or fully qualified"))
    if single and name not in STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
        errs.append(invalid(path, name, "must be a standard resource for containers"))
    elif not single and not _native(name) and not _extended(name):
        errs.append(invalid(path, name, "doesn't follow extended resource name standard"))
    return errs


def resource_requirements(res: dict, path: str) -> Errs:
    """validateResourceRequirements: names, quantities, requests <= limits (== for non-overcommitable ones)."""
    errs, limits, requests = [], _d(res, "limits"), _d(res, "requests")
    for name, value in limits.items():
        errs += container_resource_name(name, f"{path}.limits[{name}]")
        errs += resource_quantity(name, value, f"{path}.limits[{name}]")
    for name, value in requests.items():
        errs += container_resource_name(name, f"{path}.requests[{name}]")
        errs += resource_quantity(name, value, f"{path}.requests[{name}]")
        if name in limits:
            req, lim = qty(value), qty(limits[name])
            if req != lim and not _overcommit(name):
                errs.append(invalid(f"{path}.requests", qty_string(value),
                                    f"must be equal to {name} limit of {qty_string(limits[name])}"))
            elif req > lim:
                errs.append(invalid(f"{path}.requests", qty_string(value),
                                    f"must be less than or equal to {name} limit of {qty_string(limits[name])}"))
        elif not _overcommit(name):
            errs.append(required(f"{path}.limits", "Limit must be set for non overcommitable resources"))
    huge = any(n.startswith("hugepages-") for n in [*limits, *requests])
    if huge and not {"cpu", "memory"} & {*limits, *requests}:
        errs.append(forbidden(path, "HugePages require cpu or memory"))
    return errs


# --- ObjectMeta, labels, selectors ----------------------------------------------------------------------------


def labels(values: Any, path: str) -> Errs:
    """ValidateLabels: keys are qualified names, values label values; both reported at the map's path."""
    errs: Errs = []
    for k, v in (values or {}).items():
        errs += _each(path, k, is_qualified_name(k)) + _each(path, v, is_label_value(str(v)))
    return errs


def annotations(values: Any, path: str) -> Errs:
    """ValidateAnnotations: qualified-name keys (case-insensitive), 256 KiB in total."""
    errs: Errs = []
    for k in values or {}:
        errs += _each(path, k, is_qualified_name(k.lower()))
    if sum(_blen(k) + _blen(str(v)) for k, v in (values or {}).items()) > 256 * 1024:
        errs.append(too_long(path, 256 * 1024))
    return errs


def _requirement(r: dict, path: str, values_checked: bool = True) -> Errs:
    """ValidateLabelSelectorRequirement (AllowInvalidLabelValueInSelector: false)."""
    op, values, errs = r.get("operator"), _l(r, "values"), []
    if op in ("In", "NotIn"):
        if not values:
            errs.append(required(f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errs.append(forbidden(f"{path}.values", "may not be specified when `operator` is 'Exists' or "
                                                    "'DoesNotExist'"))
    else:
        errs.append(invalid(f"{path}.operator", op or "", "not a valid selector operator"))
    errs += _each(f"{path}.key", _s(r, "key"), is_qualified_name(_s(r, "key")))
    for i, v in enumerate(values if values_checked else []):
        errs += _each(f"{path}.values[{i}]", v, is_label_value(str(v)))
    return errs


def label_selector(sel: Any, path: str) -> Errs:
    """ValidateLabelSelector."""
    if not isinstance(sel, dict):
        return []
    errs = labels(sel.get("matchLabels"), f"{path}.matchLabels")
    for i, r in enumerate(_l(sel, "matchExpressions")):
        errs += _requirement(r, f"{path}.matchExpressions[{i}]")
    return errs


def selector_converts(sel: dict) -> bool:
    """metav1.LabelSelectorAsSelector succeeds (every requirement is a valid labels.Requirement)."""
    for k, v in _d(sel, "matchLabels").items():
        if is_qualified_name(k) or is_label_value(str(v)):
            return False
    for r in _l(sel, "matchExpressions"):
        op, values = r.get("operator"), _l(r, "values")
        if op not in ("In", "NotIn", "Exists", "DoesNotExist") or is_qualified_name(_s(r, "key")):
            return False
        if (op in ("In", "NotIn")) != bool(values) or any(is_label_value(str(v)) for v in values):
            return False
    return True


def go_selector(sel: Any) -> Any:
    """A metav1.LabelSelector as json.Marshal writes it: matchLabels then matchExpressions, empties omitted."""
    if not isinstance(sel, dict):
        return None
    pairs: list[tuple[str, Any]] = [("matchLabels", sel["matchLabels"])] if sel.get("matchLabels") else []
    exprs = [go_json([("key", r.get("key", "")), ("operator", r.get("operator", ""))] +
                     ([("values", r["values"])] if r.get("values") else [])) for r in _l(sel, "matchExpressions")]
    if exprs:
        pairs.append(("matchExpressions", GoJSON("[" + ",".join(exprs) + "]")))
    return go_json(pairs)


def _go_owner_ref(ref: dict) -> GoJSON:
    """metav1.OwnerReference as JSON: its fields in Go order, nil pointers omitted."""
    pairs = [(k, _s(ref, k)) for k in ("apiVersion", "kind", "name", "uid")]
    return go_json(pairs + [(k, ref[k]) for k in ("controller", "blockOwnerDeletion") if ref.get(k) is not None])


STANDARD_FINALIZERS = {"kubernetes", "orphan", "foregroundDeletion"}


def _meta_common(meta: dict, path: str, kube_finalizers: bool) -> Errs:
    """The checks ObjectMeta create and update share: labels, annotations, owners, finalizers."""
    errs: Errs = []
    gen = meta.get("generation")
    if isinstance(gen, int) and gen < 0:
        errs.append(invalid(f"{path}.generation", gen, NEGATIVE))
    errs += labels(meta.get("labels"), f"{path}.labels") + annotations(meta.get("annotations"),
                                                                        f"{path}.annotations")
    refs, controllers, rp = _l(meta, "ownerReferences"), [], f"{path}.ownerReferences"
    for ref in refs:
        api_version = _s(ref, "apiVersion")
        if not ("" if api_version.count("/") > 1 else api_version.rsplit("/", 1)[-1]):
            errs.append(invalid(f"{rp}.apiVersion", api_version, "version must not be empty"))
        errs += [invalid(f"{rp}.{key}", "", "must not be empty") for key in ("kind", "name", "uid")
                 if not _s(ref, key)]
        if api_version == "v1" and _s(ref, "kind") == "Event":
            errs.append(invalid(rp, _go_owner_ref(ref), "/v1, Kind=Event is disallowed from being an owner"))
        if ref.get("controller"):
            controllers.append(f"{_s(ref, 'kind')}/{_s(ref, 'name')}")
            if len(controllers) > 1:
                errs.append(invalid(rp, GoJSON("[" + ",".join(_go_owner_ref(r) for r in refs) + "]"),
                                    "Only one reference can have Controller set to true. Found \"true\" in "
                                    f"references for {controllers[0]} and {controllers[-1]}"))
    finalizers = _l(meta, "finalizers")
    for f in finalizers:
        errs += _each(f"{path}.finalizers", f, is_qualified_name(f))
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        errs.append(invalid(f"{path}.finalizers", finalizers, "finalizer orphan and foregroundDeletion cannot be "
                                                              "both set"))
    for i, f in enumerate(finalizers if kube_finalizers else []):
        if "/" not in f and f not in STANDARD_FINALIZERS:
            errs.append(invalid(f"{path}.finalizers[{i}]", f, "name is neither a standard finalizer name nor is it "
                                                             "fully qualified"))
    return errs


def object_meta(meta: dict, name_fn: Callable[[str, bool], list[str]], path: str = "metadata",
                kube_finalizers: bool = True) -> Errs:
    """ValidateObjectMeta (namespace presence is the request handler's business)."""
    errs: Errs = []
    gen, name = _s(meta, "generateName"), _s(meta, "name")
    if gen:
        errs += _each(f"{path}.generateName", gen, name_fn(gen, True))
    if name:
        errs += _each(f"{path}.name", name, name_fn(name, False))
    elif not gen:   # the server generates the name from generateName before validating
        errs.append(required(f"{path}.name", "name or generateName is required"))
    return errs + _meta_common(meta, path, kube_finalizers)


def object_meta_update(new: dict, old: dict, path: str = "metadata", kube_finalizers: bool = True) -> Errs:
    """ValidateObjectMetaUpdate (the store fills resourceVersion of unconditional updates before validation)."""
    errs: Errs = []
    if old.get("deletionTimestamp"):
        extra = sorted(set(_l(new, "finalizers")) - set(_l(old, "finalizers")))
        if extra:
            errs.append(forbidden(f"{path}.finalizers", "no new finalizers can be added if the object is being "
                                  "deleted, found new finalizers []string{" + ", ".join(json.dumps(f) for f in extra)
                                  + "}"))
    # generation: rest.BeforeUpdate resets it from the old object, so `must not be decremented` cannot fire
    for key in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                "deletionGracePeriodSeconds"):   # rest.BeforeUpdate copies the unset ones from the old object
        if new.get(key) not in (None, "") and new.get(key) != old.get(key):
            errs.append(invalid(f"{path}.{key}", new[key], IMMUTABLE))
    meta = dict(new, generation=0)
    return errs + _meta_common(meta, path, kube_finalizers)


# --- PodSpec ----------------------------------------------------------------------------------------------------

FILE_MODE = "must be a number between 0 and 0777 (octal), both inclusive"
ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]


def _mode(value: Any, path: str) -> Errs:
    """A file mode must be within 0..0777."""
    return [invalid(path, value, FILE_MODE)] if isinstance(value, int) and not 0 <= value <= 0o777 else []


def _no_backsteps(p: str, path: str) -> Errs:
    """validatePathNoBacksteps: no `..` element."""
    return [invalid(path, p, "must not contain '..'")] if ".." in p.replace("\\", "/").split("/") else []


def _local_path(p: str, path: str) -> Errs:
    """ValidateLocalNonReservedPath."""
    errs = [invalid(path, p, "must be a relative path")] if p.startswith("/") else []
    errs += _no_backsteps(p, path)
    if p.startswith("..") and not p.startswith("../"):
        errs.append(invalid(path, p, "must not start with '..'"))
    return errs


def _items(src: dict, path: str) -> Errs:
    """validateKeyToPath for secret/configMap items."""
    errs: Errs = []
    for i, kp in enumerate(_l(src, "items")):
        p = f"{path}.items[{i}]"
        errs += [required(f"{p}.key")] if not _s(kp, "key") else []
        errs += [required(f"{p}.path")] if not _s(kp, "path") else []
        errs += _local_path(_s(kp, "path"), f"{p}.path") + _mode(kp.get("mode"), f"{p}.mode")
    return errs


def csi_driver_name(name: str, path: str) -> Errs:
    """ValidateCSIDriverName: required, at most 63 bytes, a DNS subdomain (case-insensitive)."""
    errs = [required(path)] if not name else []
    errs += [too_long(path, 63)] if len(name) > 63 else []
    return errs + _each(path, name, is_dns1123_subdomain(name.lower()))


HOST_PATH_TYPES = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate",
                   "Socket"]


def _host_path(src: dict, path: str) -> Errs:
    """validateHostPathVolumeSource."""
    if not _s(src, "path"):
        return [required(f"{path}.path")]
    errs = _no_backsteps(_s(src, "path"), f"{path}.path")
    if "type" in src and src["type"] is not None and src["type"] not in HOST_PATH_TYPES:
        errs.append(unsupported(f"{path}.type", src["type"], HOST_PATH_TYPES))
    return errs


def _projected(src: dict, path: str) -> Errs:
    """validateProjectedVolumeSource (names required, one source per entry)."""
    errs = _mode(src.get("defaultMode"), f"{path}.defaultMode")
    for i, source in enumerate(_l(src, "sources")):
        sp = f"{path}.sources[{i}]"
        for kind in ("secret", "configMap"):
            if isinstance(source.get(kind), dict):
                errs += [required(f"{sp}.{kind}.name")] if not _s(source[kind], "name") else []
                errs += _items(source[kind], f"{sp}.{kind}")
        if sum(1 for k in ("secret", "configMap", "downwardAPI", "serviceAccountToken", "clusterTrustBundle",
                           "podCertificate") if source.get(k) is not None) > 1:
            errs.append(forbidden(sp, "may not specify more than 1 volume type per source"))
    return errs


def _nfs(src: dict, path: str) -> Errs:
    """validateNFSVolumeSource."""
    errs = [required(f"{path}.{k}") for k in ("server", "path") if not _s(src, k)]
    return errs + ([] if _s(src, "path").startswith("/") else [invalid(f"{path}.path", _s(src, "path"),
                                                                       "must be an absolute path")])


VOLUME_SOURCES: list[tuple[str, str, Callable[[dict, str], Errs] | None]] = [
    ("emptyDir", "emptyDir", lambda s, p: [forbidden(f"{p}.sizeLimit", "SizeLimit field must be a valid resource "
                                                     "quantity")] if qty(s.get("sizeLimit") or 0) < 0 else []),
    ("hostPath", "hostPath", _host_path), ("gitRepo", "gitRepo", None),
    ("gcePersistentDisk", "gcePersistentDisk", None), ("awsElasticBlockStore", "awsElasticBlockStore", None),
    ("secret", "secret", lambda s, p: ([required(f"{p}.secretName")] if not _s(s, "secretName") else []) +
     _mode(s.get("defaultMode"), f"{p}.defaultMode") + _items(s, p)),
    ("nfs", "nfs", lambda s, p: _nfs(s, p)),
    ("iscsi", "iscsi", None), ("glusterfs", "glusterfs", None), ("flocker", "flocker", None),
    ("persistentVolumeClaim", "persistentVolumeClaim",
     lambda s, p: [required(f"{p}.claimName")] if not _s(s, "claimName") else []),
    ("rbd", "rbd", None), ("cinder", "cinder", None), ("cephfs", "cephFS", None), ("quobyte", "quobyte", None),
    ("downwardAPI", "downwarAPI", lambda s, p: _mode(s.get("defaultMode"), f"{p}.defaultMode")),
    ("fc", "fc", None), ("flexVolume", "flexVolume", None),
    ("configMap", "configMap", lambda s, p: ([required(f"{p}.name")] if not _s(s, "name") else []) +
     _mode(s.get("defaultMode"), f"{p}.defaultMode") + _items(s, p)),
    ("azureFile", "azureFile", None), ("vsphereVolume", "vsphereVolume", None),
    ("photonPersistentDisk", "photonPersistentDisk", None), ("portworxVolume", "portworxVolume", None),
    ("azureDisk", "azureDisk", None), ("storageos", "storageos", None), ("projected", "projected", _projected),
    ("scaleIO", "scaleIO", None), ("csi", "csi", lambda s, p: csi_driver_name(_s(s, "driver"), f"{p}.driver")),
    ("ephemeral", "ephemeral", lambda s, p: [] if s.get("volumeClaimTemplate") else
     [required(f"{p}.volumeClaimTemplate")]),
    ("image", "image", None),
]


def volumes(vols: list, path: str) -> tuple[dict, Errs]:
    """ValidateVolumes: one source each, DNS-label names, no duplicates; returns the valid ones by name."""
    valid: dict[str, dict] = {}
    errs: Errs = []
    for i, vol in enumerate(vols):
        p, el, count = f"{path}[{i}]", [], 0
        for key, forbid_name, check in VOLUME_SOURCES:
            if isinstance(vol, dict) and vol.get(key) is not None:
                if count:
                    el.append(forbidden(f"{p}.{forbid_name}", "may not specify more than 1 volume type"))
                    continue
                count += 1
                el += check(vol[key] if isinstance(vol[key], dict) else {}, f"{p}.{key}") if check else []
        if not count:
            el.append(required(p, "must specify a volume type"))
        name = _s(vol, "name")
        el += [required(f"{p}.name")] if not name else _each(f"{p}.name", name, is_dns1123_label(name))
        if name in valid:
            el.append(duplicate(f"{p}.name", name))
        if el:
            errs += el
        else:
            valid[name] = vol
    return valid, errs


def _port_num_or_name(port: Any, path: str) -> Errs:
    """ValidatePortNumOrName for probe ports: a number is a port, a string a port name."""
    port = 0 if port is None else port
    if isinstance(port, str):
        return _each(path, port, is_port_name(port))
    return _each(path, port, port_range(port)) if isinstance(port, int) else []


def _handler(h: dict, grace: Any, path: str, kinds: tuple[str, ...]) -> Errs:
    """validateHandler: exactly one of exec/httpGet/tcpSocket/grpc (or sleep in lifecycle hooks)."""
    errs, count = [], 0
    for kind in kinds:
        if h.get(kind) is None:
            continue
        if count:
            errs.append(forbidden(f"{path}.{kind}", "may not specify more than 1 handler type"))
            continue
        count, a, p = count + 1, _d(h, kind), f"{path}.{kind}"
        if kind == "exec" and not _l(a, "command"):
            errs.append(required(f"{p}.command"))
        elif kind == "httpGet":
            errs += ([required(f"{p}.path")] if "path" in a and not a["path"] else [])
            errs += _port_num_or_name(a.get("port"), f"{p}.port")
            if _present(a, "scheme") and a["scheme"] not in ("HTTP", "HTTPS"):
                errs.append(unsupported(f"{p}.scheme", a["scheme"], ["HTTP", "HTTPS"]))
        elif kind in ("tcpSocket", "grpc"):
            errs += _port_num_or_name(a.get("port"), f"{p}.port")
        elif kind == "sleep" and isinstance(grace, int) and not 0 <= (a.get("seconds") or 0) <= grace:
            errs.append(invalid(p, a.get("seconds") or 0, "must be non-negative and less than "
                                f"terminationGracePeriodSeconds ({grace})"))
    return errs + ([] if count else [required(path, "must specify a handler type")])


def _probe(probe: Any, grace: Any, path: str, which: str) -> Errs:
    """validateLivenessProbe / validateReadinessProbe / validateStartupProbe."""
    if not isinstance(probe, dict):
        return []
    errs = _handler(probe, grace, path, ("exec", "httpGet", "tcpSocket", "grpc"))
    for key, default in (("initialDelaySeconds", 0), ("timeoutSeconds", 1), ("periodSeconds", 10),
                         ("successThreshold", 1), ("failureThreshold", 3)):
        if (probe.get(key) if probe.get(key) is not None else default) < 0:
            errs.append(invalid(f"{path}.{key}", probe[key], NEGATIVE))
    tgps = probe.get("terminationGracePeriodSeconds")
    if tgps is not None and tgps <= 0:
        errs.append(invalid(f"{path}.terminationGracePeriodSeconds", tgps, "must be greater than 0"))
    if which in ("liveness", "startup") and probe.get("successThreshold", 1) != 1:
        errs.append(invalid(f"{path}.successThreshold", probe["successThreshold"], "must be 1"))
    if which == "readiness" and tgps is not None:
        errs.append(invalid(f"{path}.terminationGracePeriodSeconds", tgps, "must not be set for readinessProbes"))
    return errs


def _env(c: dict, path: str) -> Errs:
    """ValidateEnv and ValidateEnvFrom (relaxed variable names, GA since v1.34)."""
    errs: Errs = []
    for i, ev in enumerate(_l(c, "env")):
        p, name = f"{path}.env[{i}]", _s(ev, "name")
        if not name:
            errs.append(required(f"{p}.name"))
        elif any(ord(ch) > 126 or ord(ch) < 32 or ch == "=" for ch in name):
            errs.append(invalid(f"{p}.name", name, "a valid environment variable name must consist only of "
                                                   "printable ASCII characters other than '='"))
        vf = ev.get("valueFrom")
        if not isinstance(vf, dict):
            continue
        sources = [k for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef") if vf.get(k)]
        for kind in ("configMapKeyRef", "secretKeyRef"):
            if kind in sources:
                ref, rp = vf[kind], f"{p}.valueFrom.{kind}"
                errs += _each(f"{rp}.name", _s(ref, "name"), is_dns1123_subdomain(_s(ref, "name")))
                errs += [required(f"{rp}.key")] if not _s(ref, "key") else []
        if not sources:
            errs.append(invalid(f"{p}.valueFrom", "", "must specify one of: `fieldRef`, `resourceFieldRef`, "
                                                      "`configMapKeyRef` or `secretKeyRef`"))
        elif ev.get("value"):
            errs.append(invalid(f"{p}.valueFrom", "", "may not be specified when `value` is not empty"))
        elif len(sources) > 1:
            errs.append(invalid(f"{p}.valueFrom", "", "may not have more than one field specified at a time"))
    for i, ef in enumerate(_l(c, "envFrom")):
        sources = [k for k in ("configMapRef", "secretRef") if ef.get(k) is not None]
        for kind in sources:
            name, rp = _s(ef[kind], "name"), f"{path}.envFrom[{i}].{kind}.name"
            errs += [required(rp)] if not name else _each(rp, name, name_subdomain(name, True))
        if len(sources) != 1:
            errs.append(invalid(f"{path}.envFrom", "", "must specify one of: `configMapRef` or `secretRef`"
                                if not sources else "may not have more than one field specified at a time"))
    return errs


def _mounts(c: dict, vols: dict, path: str) -> Errs:
    """ValidateVolumeMounts and ValidateVolumeDevices: every mount names a valid volume."""
    errs: Errs = []
    devices = {_s(d, "name"): _s(d, "devicePath") for d in _l(c, "volumeDevices")}
    seen: set[str] = set()
    for i, m in enumerate(_l(c, "volumeMounts")):
        p, name, mount = f"{path}.volumeMounts[{i}]", _s(m, "name"), _s(m, "mountPath")
        errs += [required(f"{p}.name")] if not name else []
        errs += [not_found(f"{p}.name", name)] if name not in vols else []
        errs += [required(f"{p}.mountPath")] if not mount else []
        errs += [invalid(f"{p}.mountPath", mount, "must be unique")] if mount in seen else []
        seen.add(mount)
        errs += [invalid(f"{p}.name", name, "must not already exist in volumeDevices")] if name in devices else []
        if mount in devices.values():
            errs.append(invalid(f"{p}.mountPath", mount, "must not already exist as a path in volumeDevices"))
        for key in ("subPath", "subPathExpr"):   # Go reports these at volumeMounts.<key>, without the index
            if _s(m, key):
                v = _s(m, key)
                errs += ([invalid(f"{path}.volumeMounts.{key}", v, "must be a relative path")]
                         if v.startswith("/") else []) + _no_backsteps(v, f"{path}.volumeMounts.{key}")
        prop = m.get("mountPropagation")
        if prop is not None:
            mp = f"{path}.volumeMounts.mountPropagation"
            if prop not in ("Bidirectional", "HostToContainer", "None"):
                errs.append(unsupported(mp, prop, ["Bidirectional", "HostToContainer", "None"]))
            if prop == "Bidirectional" and not _d(c, "securityContext").get("privileged"):
                errs.append(forbidden(mp, "Bidirectional mount propagation is available only to privileged "
                                          "containers"))
    for i, d in enumerate(_l(c, "volumeDevices")):
        p, name = f"{path}.volumeDevices[{i}]", _s(d, "name")
        errs += [required(f"{p}.name")] if not name else []
        if name in vols and not {"persistentVolumeClaim", "ephemeral"} & set(vols[name]):
            errs.append(invalid(f"{p}.name", name, "can only use volume source type of PersistentVolumeClaim or "
                                                   "Ephemeral for block mode"))
        errs += [not_found(f"{p}.name", name)] if name not in vols else []
        errs += [required(f"{p}.devicePath")] if not _s(d, "devicePath") else []
    return errs


def _container_common(c: dict, vols: dict, path: str) -> Errs:
    """validateContainerCommon: name, image, ports, env, mounts, pull policy, resources."""
    name, errs = _s(c, "name"), []
    errs += [required(f"{path}.name")] if not name else _each(f"{path}.name", name, is_dns1123_label(name))
    errs += [required(f"{path}.image")] if not _s(c, "image") else []
    tmp = c.get("terminationMessagePolicy")
    if _present(c, "terminationMessagePolicy") and tmp not in ("File", "FallbackToLogsOnError"):
        errs.append(unsupported(f"{path}.terminationMessagePolicy", tmp, ["File", "FallbackToLogsOnError"]))
    names: set[str] = set()
    for i, port in enumerate(_l(c, "ports")):
        p, pname = f"{path}.ports[{i}]", _s(port, "name")
        if pname:
            msgs = is_port_name(pname)
            errs += _each(f"{p}.name", pname, msgs) or ([duplicate(f"{p}.name", pname)] if pname in names else [])
            names.add(pname)
        cp, hp = port.get("containerPort") or 0, port.get("hostPort") or 0
        errs += [required(f"{p}.containerPort")] if not cp else _each(f"{p}.containerPort", cp, port_range(cp))
        errs += _each(f"{p}.hostPort", hp, port_range(hp)) if hp else []
        if _present(port, "protocol") and port["protocol"] not in ("SCTP", "TCP", "UDP"):
            errs.append(unsupported(f"{p}.protocol", port["protocol"], ["SCTP", "TCP", "UDP"]))
    errs += _env(c, path) + _mounts(c, vols, path)
    if _present(c, "imagePullPolicy") and c["imagePullPolicy"] not in ("Always", "IfNotPresent", "Never"):
        errs.append(unsupported(f"{path}.imagePullPolicy", c["imagePullPolicy"], ["Always", "IfNotPresent", "Never"]))
    errs += resource_requirements(_d(c, "resources"), f"{path}.resources")
    sc = _d(c, "securityContext")
    for key in ("runAsUser", "runAsGroup"):
        if isinstance(sc.get(key), int) and not 0 <= sc[key] <= 0xFFFFFFFF:
            errs.append(invalid(f"{path}.securityContext.{key}", sc[key], "must be between 0 and 4294967295, "
                                                                          "inclusive"))
    return errs


def _host_ports(containers: list, path: str) -> Errs:
    """AccumulateUniqueHostPorts: protocol/hostIP/hostPort must not repeat."""
    seen, errs = set(), []
    for ci, c in enumerate(containers):
        for pi, port in enumerate(_l(c, "ports")):
            if port.get("hostPort"):
                key = f"{port.get('protocol') or 'TCP'}/{_s(port, 'hostIP')}/{port['hostPort']}"
                errs += [duplicate(f"{path}[{ci}].ports[{pi}].hostPort", key)] if key in seen else []
                seen.add(key)
    return errs


def _containers(spec: dict, vols: dict, path: str) -> Errs:
    """validateContainers then validateInitContainers."""
    containers, grace = _l(spec, "containers"), spec.get("terminationGracePeriodSeconds")
    if not containers:
        return [required(f"{path}.containers")]
    errs, names = [], set()
    for i, c in enumerate(containers):
        p = f"{path}.containers[{i}]"
        errs += _container_common(c, vols, p)
        errs += [duplicate(f"{p}.name", _s(c, "name"))] if _s(c, "name") in names else []
        names.add(_s(c, "name"))
        lc = _d(c, "lifecycle")
        for hook in ("postStart", "preStop"):
            if isinstance(lc.get(hook), dict):
                errs += _handler(lc[hook], grace, f"{p}.lifecycle.{hook}", ("exec", "httpGet", "tcpSocket", "sleep"))
        for which in ("liveness", "readiness", "startup"):
            errs += _probe(c.get(f"{which}Probe"), grace, f"{p}.{which}Probe", which)
        errs += [forbidden(f"{p}.restartPolicy", "may not be set for non-init containers")] \
            if c.get("restartPolicy") is not None else []
    errs += _host_ports(containers, f"{path}.containers")
    names = {_s(c, "name") for c in containers}
    for i, c in enumerate(_l(spec, "initContainers")):
        p = f"{path}.initContainers[{i}]"
        errs += _container_common(c, vols, p)
        always = c.get("restartPolicy") == "Always"
        if c.get("restartPolicy") is not None and not always:
            errs.append(unsupported(f"{p}.restartPolicy", c["restartPolicy"], ["Always"]))
        errs += [duplicate(f"{p}.name", _s(c, "name"))] if _s(c, "name") in names else []
        names.add(_s(c, "name"))
        errs += _host_ports([c], f"{path}.initContainers")
        for which in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
            if c.get(which) is not None and not always:
                errs.append(forbidden(f"{p}.{which}", "may not be set for init containers without restartPolicy="
                                                      "Always"))
            elif always and which == "lifecycle":
                errs += [e for hook in ("postStart", "preStop") if isinstance(_d(c, which).get(hook), dict)
                         for e in _handler(c[which][hook], grace, f"{p}.lifecycle.{hook}",
                                           ("exec", "httpGet", "tcpSocket", "sleep"))]
            elif always:
                errs += _probe(c.get(which), grace, f"{p}.{which}", which[:-5])
    return errs


def _node_selector_term(term: dict, path: str, check_values: bool) -> Errs:
    """ValidateNodeSelectorTerm (label values checked only for required affinity)."""
    errs: Errs = []
    for j, r in enumerate(_l(term, "matchExpressions")):
        p, op, values = f"{path}.matchExpressions[{j}]", r.get("operator"), _l(r, "values")
        if op in ("In", "NotIn", "Exists", "DoesNotExist"):
            errs += _requirement(r, p, check_values)
            continue
        if op in ("Gt", "Lt"):
            if len(values) != 1:
                errs.append(required(f"{p}.values", "must be specified single value when `operator` is 'Lt' or 'Gt'"))
        else:
            errs.append(invalid(f"{p}.operator", op or "", "not a valid selector operator"))
        errs += _each(f"{p}.key", _s(r, "key"), is_qualified_name(_s(r, "key")))
        for i, v in enumerate(values if check_values else []):
            errs += _each(f"{p}.values[{i}]", v, is_label_value(str(v)))
    for j, r in enumerate(_l(term, "matchFields")):
        p, values = f"{path}.matchFields[{j}]", _l(r, "values")
        if r.get("operator") not in ("In", "NotIn"):
            errs.append(invalid(f"{p}.operator", r.get("operator") or "", "not a valid selector operator"))
        elif len(values) != 1:
            errs.append(required(f"{p}.values", "must be only one value when `operator` is 'In' or 'NotIn' for node "
                                                "field selector"))
        if _s(r, "key") != "metadata.name":
            errs.append(invalid(f"{p}.key", _s(r, "key"), "not a valid field selector key"))
        else:
            for i, v in enumerate(values):
                errs += _each(f"{p}.values[{i}]", v, is_dns1123_subdomain(str(v)))
    return errs


def node_selector(ns: dict, path: str) -> Errs:
    """ValidateNodeSelector: at least one term."""
    terms = _l(ns, "nodeSelectorTerms")
    if not terms:
        return [required(f"{path}.nodeSelectorTerms", "must have at least one node selector term")]
    return [e for i, t in enumerate(terms) for e in _node_selector_term(t, f"{path}.nodeSelectorTerms[{i}]", True)]


def _affinity_term(t: dict, path: str) -> Errs:
    """validatePodAffinityTerm."""
    errs = label_selector(t.get("labelSelector"), f"{path}.labelSelector")
    errs += label_selector(t.get("namespaceSelector"), f"{path}.namespaceSelector")
    for ns in _l(t, "namespaces"):
        errs += _each(f"{path}.namespace", ns, is_dns1123_label(ns))
    for key in ("matchLabelKeys", "mismatchLabelKeys"):
        if _l(t, key) and t.get("labelSelector") is None:
            errs.append(forbidden(f"{path}.{key}", "must not be specified when labelSelector is not set"))
        else:
            errs += [e for i, k in enumerate(_l(t, key)) for e in _each(f"{path}.{key}[{i}]", k, is_qualified_name(k))]
    key = _s(t, "topologyKey")
    errs += [required(f"{path}.topologyKey", "can not be empty")] if not key else []
    return errs + _each(f"{path}.topologyKey", key, is_qualified_name(key))


def _affinity(aff: dict, path: str) -> Errs:
    """validateAffinity: node, pod and pod anti-affinity."""
    errs: Errs = []
    na = _d(aff, "nodeAffinity")
    if isinstance(na.get("requiredDuringSchedulingIgnoredDuringExecution"), dict):
        errs += node_selector(na["requiredDuringSchedulingIgnoredDuringExecution"],
                              f"{path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution")
    for i, t in enumerate(_l(na, "preferredDuringSchedulingIgnoredDuringExecution")):
        p = f"{path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
        if not 0 < (t.get("weight") or 0) <= 100:
            errs.append(invalid(f"{p}.weight", t.get("weight") or 0, "must be in the range 1-100"))
        errs += _node_selector_term(_d(t, "preference"), f"{p}.preference", False)
    for kind in ("podAffinity", "podAntiAffinity"):
        pa = _d(aff, kind)
        for i, t in enumerate(_l(pa, "requiredDuringSchedulingIgnoredDuringExecution")):
            errs += _affinity_term(t, f"{path}.{kind}.requiredDuringSchedulingIgnoredDuringExecution[{i}]")
        for i, t in enumerate(_l(pa, "preferredDuringSchedulingIgnoredDuringExecution")):
            p = f"{path}.{kind}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            if not 0 < (t.get("weight") or 0) <= 100:
                errs.append(invalid(f"{p}.weight", t.get("weight") or 0, "must be in the range 1-100"))
            errs += _affinity_term(_d(t, "podAffinityTerm"), f"{p}.podAffinityTerm")
    return errs


TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]


def tolerations(items: list, path: str) -> Errs:
    """ValidateTolerations."""
    errs: Errs = []
    for i, t in enumerate(items):
        p, key, op, value, effect = f"{path}[{i}]", _s(t, "key"), t.get("operator") or "", _s(t, "value"), \
            t.get("effect") or ""
        errs += _each(f"{p}.key", key, is_qualified_name(key)) if key else []
        if not key and op != "Exists":
            errs.append(invalid(f"{p}.operator", op, 'operator must be Exists when `key` is empty, which means '
                                                     '"match all values and all keys"'))
        if t.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.append(invalid(f"{p}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if op in ("Equal", ""):
            if is_label_value(value):
                errs.append(invalid(f"{p}.operator", value, ";".join(is_label_value(value))))
        elif op == "Exists":
            errs += [invalid(f"{p}.operator", value, "value must be empty when `operator` is 'Exists'")] \
                if value else []
        else:
            errs.append(unsupported(f"{p}.operator", op, ["Equal", "Exists"]))
        if effect and effect not in TAINT_EFFECTS:
            errs.append(unsupported(f"{p}.effect", effect, TAINT_EFFECTS))
    return errs


def _spread(items: list, path: str) -> Errs:
    """validateTopologySpreadConstraints."""
    errs: Errs = []
    for i, c in enumerate(items):
        p, key, when = f"{path}[{i}]", _s(c, "topologyKey"), c.get("whenUnsatisfiable") or ""
        if (c.get("maxSkew") or 0) <= 0:
            errs.append(invalid(f"{p}.maxSkew", c.get("maxSkew") or 0, "must be greater than zero"))
        errs += [required(f"{p}.topologyKey", "can not be empty")] if not key else []
        if when not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(unsupported(f"{p}.whenUnsatisfiable", when, ["DoNotSchedule", "ScheduleAnyway"]))
        if any(_s(o, "topologyKey") == key and (o.get("whenUnsatisfiable") or "") == when for o in items[i + 1:]):
            errs.append(duplicate(f"{p}.{{topologyKey, whenUnsatisfiable}}", f"{{{key}, {when}}}"))
        md = c.get("minDomains")
        if md is not None:
            errs += [invalid(f"{p}.minDomains", md, "must be greater than zero")] if md <= 0 else []
            if when != "DoNotSchedule":
                errs.append(invalid(f"{p}.minDomains", md, "can only use minDomains if whenUnsatisfiable="
                                                           f"DoNotSchedule, not {when}"))
        for key2 in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            if c.get(key2) is not None and c[key2] not in ("Honor", "Ignore"):
                errs.append(unsupported(f"{p}.{key2}", c[key2], ["Honor", "Ignore"]))
        errs += label_selector(c.get("labelSelector"), f"{p}.labelSelector")
    return errs


def _is_ip(value: str) -> bool:
    """netutils.ParseIPSloppy succeeds."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def pod_spec(spec: dict, path: str, is_pod: bool) -> Errs:
    """ValidatePodSpec, in its order (ephemeral containers, pod-level resources and Windows rules left out)."""
    errs: Errs = []
    vols, verrs = volumes(_l(spec, "volumes"), f"{path}.volumes")
    errs += verrs + _containers(spec, vols, path)
    if spec.get("hostNetwork"):
        for i, c in enumerate(_l(spec, "containers")):
            for j, port in enumerate(_l(c, "ports")):
                hp, cp = port.get("hostPort"), port.get("containerPort")
                if hp is not None and (is_pod or hp) and hp != cp:
                    errs.append(invalid(f"{path}.containers[{i}].ports[{j}].hostPort", hp,
                                        "must match `containerPort` when `hostNetwork` is true"))
    for key, valid in (("restartPolicy", ["Always", "OnFailure", "Never"]),
                       ("dnsPolicy", ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"])):
        if _present(spec, key) and spec[key] not in valid:
            errs.append(unsupported(f"{path}.{key}", spec[key], valid))
    errs += labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    psc = _d(spec, "securityContext")
    for key in ("fsGroup", "runAsUser", "runAsGroup"):
        if isinstance(psc.get(key), int) and not 0 <= psc[key] <= 0xFFFFFFFF:
            errs.append(invalid(f"{path}.securityContext.{key}", psc[key], "must be between 0 and 4294967295, "
                                                                           "inclusive"))
    errs += _affinity(_d(spec, "affinity"), f"{path}.affinity")
    if spec.get("dnsPolicy") == "None" and not _l(_d(spec, "dnsConfig"), "nameservers"):
        errs.append(required(f"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None")
                    if spec.get("dnsConfig") is None else required(
                        f"{path}.dnsConfig.nameservers", "must provide at least one DNS nameserver when `dnsPolicy` "
                                                         "is None"))
    for i, g in enumerate(_l(spec, "readinessGates")):
        ct = _s(g, "conditionType")
        errs += _each(f"{path}.readinessGates[{i}].conditionType", ct, is_qualified_name(ct))
    seen: set[str] = set()
    for i, g in enumerate(_l(spec, "schedulingGates")):
        errs += _each(f"{path}.schedulingGates[{i}]", _s(g, "name"), is_qualified_name(_s(g, "name")))
        errs += [duplicate(f"{path}.schedulingGates[{i}]", _s(g, "name"))] if _s(g, "name") in seen else []
        seen.add(_s(g, "name"))
    errs += _spread(_l(spec, "topologySpreadConstraints"), f"{path}.topologySpreadConstraints")
    for key, fn in (("serviceAccountName", is_dns1123_subdomain), ("nodeName", is_dns1123_subdomain)):
        errs += _each(f"{path}.{key}", spec[key], fn(spec[key])) if _s(spec, key) else []
    ads = spec.get("activeDeadlineSeconds")
    if ads is not None and not 1 <= ads <= 2**31 - 1:
        errs.append(invalid(f"{path}.activeDeadlineSeconds", ads, "must be between 1 and 2147483647, inclusive"))
    for key in ("hostname", "subdomain"):
        errs += _each(f"{path}.{key}", spec[key], is_dns1123_label(spec[key])) if _s(spec, key) else []
    errs += tolerations(_l(spec, "tolerations"), f"{path}.tolerations")
    for i, ha in enumerate(_l(spec, "hostAliases")):
        p = f"{path}.hostAliases[{i}]"
        if not _is_ip(_s(ha, "ip")):
            errs.append(invalid(f"{p}.ip", _s(ha, "ip"), "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
        for j, h in enumerate(_l(ha, "hostnames")):
            errs += _each(f"{p}.hostnames[{j}]", h, is_dns1123_subdomain(h))
    for key in ("priorityClassName", "runtimeClassName"):
        errs += _each(f"{path}.{key}", spec[key], is_dns1123_subdomain(spec[key])) if _s(spec, key) else []
    pp = spec.get("preemptionPolicy")
    if pp is not None and pp not in ("PreemptLowerPriority", "Never"):
        errs.append(required(f"{path}.preemptionPolicy") if pp == "" else
                    unsupported(f"{path}.preemptionPolicy", pp, ["PreemptLowerPriority", "Never"]))
    for name, value in _d(spec, "overhead").items():
        p = f"{path}.overhead.limits[{name}]"
        errs += container_resource_name(name, p) + resource_quantity(name, value, p)
    if isinstance(spec.get("os"), dict):
        osn = _s(spec["os"], "name")
        errs += [required(f"{path}.os.name", "cannot be empty")] if not osn else \
            [unsupported(f"{path}.os", osn, ["linux", "windows"])] if osn not in ("linux", "windows") else []
    return errs


def pod_template(tpl: dict, path: str) -> Errs:
    """ValidatePodTemplateSpec: note the labels are reported at `<path>.labels`, as Go does."""
    meta = _d(tpl, "metadata")
    errs = labels(meta.get("labels"), f"{path}.labels") + annotations(meta.get("annotations"), f"{path}.annotations")
    errs += pod_spec(_d(tpl, "spec"), f"{path}.spec", is_pod=False)
    if _l(_d(tpl, "spec"), "ephemeralContainers"):
        errs.append(forbidden(f"{path}.spec.ephemeralContainers", "ephemeral containers not allowed in pod template"))
    return errs


# --- apps: Deployment, ReplicaSet -------------------------------------------------------------------------------


def _nonneg(spec: dict, key: str, path: str) -> Errs:
    """ValidateNonnegativeField on spec[key], when set."""
    v = spec.get(key)
    return [invalid(f"{path}.{key}", v, NEGATIVE)] if isinstance(v, int) and v < 0 else []


def _int_or_percent(v: Any) -> int:
    """getIntOrPercentValue: `25%` -> 25, `3` -> 3, anything else -> 0."""
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.fullmatch("[0-9]+%", v):
        return int(v[:-1])
    return int(v) if isinstance(v, str) and re.fullmatch("[+-]?[0-9]+", v) else 0


def _positive_int_or_percent(v: Any, path: str) -> Errs:
    """ValidatePositiveIntOrPercent."""
    if isinstance(v, str):
        return _each(path, v, is_percent(v))
    return [invalid(path, v, NEGATIVE)] if isinstance(v, int) and v < 0 else []


def _template_for_rs(spec: dict, path: str) -> Errs:
    """ValidatePodTemplateSpecForReplicaSet (shared by Deployments)."""
    tpl, sel, errs = _d(spec, "template"), spec.get("selector"), []
    if not (isinstance(sel, dict) and not sel.get("matchLabels") and not sel.get("matchExpressions")):
        tlabels = _d(tpl, "metadata").get("labels")
        if not selector_matches(sel if isinstance(sel, dict) else None, tlabels or {}):
            errs.append(invalid(f"{path}.template.metadata.labels", tlabels, "`selector` does not match template "
                                                                            "`labels`"))
    errs += pod_template(tpl, f"{path}.template")
    rp = _d(tpl, "spec").get("restartPolicy")
    if rp is not None and rp != "Always":
        errs.append(unsupported(f"{path}.template.spec.restartPolicy", rp, ["Always"]))
    if _d(tpl, "spec").get("activeDeadlineSeconds") is not None:
        errs.append(forbidden(f"{path}.template.spec.activeDeadlineSeconds",
                              "activeDeadlineSeconds in ReplicaSet is not Supported"))
    return errs


def _selector_and_template(spec: dict, path: str) -> Errs:
    """The selector and template checks Deployments and ReplicaSets share."""
    sel = spec.get("selector")
    if not isinstance(sel, dict):
        errs = [required(f"{path}.selector")]
    else:
        errs = label_selector(sel, f"{path}.selector")
        if not sel.get("matchLabels") and not sel.get("matchExpressions"):
            errs.append(invalid(f"{path}.selector", go_selector(sel), "empty selector is invalid for deployment"))
        if not selector_converts(sel):
            return errs + [invalid(f"{path}.selector", go_selector(sel), "invalid label selector")]
    return errs + _template_for_rs(spec, path)


def deployment_spec(spec: dict, path: str = "spec") -> Errs:
    """ValidateDeploymentSpec."""
    errs = _nonneg(spec, "replicas", path) + _selector_and_template(spec, path)
    st = _d(spec, "strategy")
    stype, ru = st.get("type") or "RollingUpdate", st.get("rollingUpdate")
    if stype == "Recreate":
        if ru is not None:
            errs.append(forbidden(f"{path}.strategy.rollingUpdate", "may not be specified when strategy `type` is "
                                                                    "'Recreate'"))
    elif stype == "RollingUpdate":
        if isinstance(ru, dict):
            rp, mu, ms = f"{path}.strategy.rollingUpdate", ru.get("maxUnavailable"), ru.get("maxSurge")
            errs += _positive_int_or_percent(mu, f"{rp}.maxUnavailable") + _positive_int_or_percent(ms, f"{rp}.maxSurge")
            if _int_or_percent(mu) == 0 and _int_or_percent(ms) == 0:
                errs.append(invalid(f"{rp}.maxUnavailable", mu if mu is not None else 0,
                                    "may not be 0 when `maxSurge` is 0"))
            if isinstance(mu, str) and not is_percent(mu) and int(mu[:-1]) > 100:
                errs.append(invalid(f"{rp}.maxUnavailable", mu, "must not be greater than 100%"))
    else:
        rendered = "null" if not isinstance(ru, dict) else go_json([("MaxUnavailable", ru.get("maxUnavailable")),
                                                                    ("MaxSurge", ru.get("maxSurge"))])
        errs.append(unsupported(f"{path}.strategy", go_json([("Type", stype), ("RollingUpdate", GoJSON(rendered))]),
                                ["Recreate", "RollingUpdate"]))
    errs += _nonneg(spec, "minReadySeconds", path) + _nonneg(spec, "revisionHistoryLimit", path)
    pds = spec.get("progressDeadlineSeconds")
    if isinstance(pds, int):
        errs += _nonneg(spec, "progressDeadlineSeconds", path)
        if pds <= (spec.get("minReadySeconds") or 0):
            errs.append(invalid(f"{path}.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"))
    return errs


def replicaset_spec(spec: dict, path: str = "spec") -> Errs:
    """ValidateReplicaSetSpec (its empty-selector message also says `deployment`, as in Go)."""
    return _nonneg(spec, "replicas", path) + _nonneg(spec, "minReadySeconds", path) + \
        _selector_and_template(spec, path)


# --- core kinds ---------------------------------------------------------------------------------------------------


def pvc_spec(spec: dict, path: str = "spec") -> Errs:
    """ValidatePersistentVolumeClaimSpec."""
    modes = _l(spec, "accessModes")
    errs = [required(f"{path}.accessModes", "at least 1 access mode is required")] if not modes else []
    errs += label_selector(spec.get("selector"), f"{path}.selector")
    errs += [unsupported(f"{path}.accessModes", m, ACCESS_MODES) for m in modes if m not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and any(m in ACCESS_MODES and m != "ReadWriteOncePod" for m in modes):
        errs.append(forbidden(f"{path}.accessModes", "may not use ReadWriteOncePod with other access modes"))
    storage, sp = _d(_d(spec, "resources"), "requests").get("storage"), f"{path}.resources[storage]"
    if storage is None:
        errs.append(required(sp))
    elif qty(storage) <= 0:
        errs.append(invalid(sp, qty_string(storage), "must be greater than zero"))
    if _s(spec, "storageClassName"):
        errs += _each(f"{path}.storageClassName", spec["storageClassName"], is_dns1123_subdomain(
            spec["storageClassName"]))
    if spec.get("volumeMode") is not None and spec["volumeMode"] not in ("Block", "Filesystem"):
        errs.append(unsupported(f"{path}.volumeMode", spec["volumeMode"], ["Block", "Filesystem"]))
    return errs


PV_SOURCES = [("hostPath", "hostPath"), ("gcePersistentDisk", "gcePersistentDisk"),
              ("awsElasticBlockStore", "awsElasticBlockStore"), ("glusterfs", "glusterfs"), ("flocker", "flocker"),
              ("nfs", "nfs"), ("rbd", "rbd"), ("quobyte", "quobyte"), ("cephfs", "cephFS"), ("iscsi", "iscsi"),
              ("cinder", "cinder"), ("fc", "fc"), ("flexVolume", ""), ("azureFile", "azureFile"),
              ("vsphereVolume", "vsphereVolume"), ("photonPersistentDisk", "photonPersistentDisk"),
              ("portworxVolume", "portworxVolume"), ("azureDisk", "azureDisk"), ("scaleIO", "scaleIO"),
              ("local", "local"), ("storageos", "storageos"), ("csi", "csi")]


def pv_spec(spec: dict, path: str = "spec") -> Errs:
    """ValidatePersistentVolumeSpec (not inline)."""
    modes, cap = _l(spec, "accessModes"), _d(spec, "capacity")
    errs = [required(f"{path}.accessModes")] if not modes else []
    errs += [unsupported(f"{path}.accessModes", m, ACCESS_MODES) for m in modes if m not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and any(m in ACCESS_MODES and m != "ReadWriteOncePod" for m in modes):
        errs.append(forbidden(f"{path}.accessModes", "may not use ReadWriteOncePod with other access modes"))
    errs += [required(f"{path}.capacity")] if not cap else []
    if "storage" not in cap or len(cap) > 1:
        errs.append(unsupported(f"{path}.capacity", {k: qty_string(v) for k, v in cap.items()}, ["storage"]))
    for name, value in cap.items():
        q, p = qty(value), f"{path}.capacity[{name}]"
        errs += [invalid(p, -((-q.numerator) // q.denominator), "must be a valid resource quantity")] if q < 0 else []
        errs += [invalid(p, qty_string(value), "must be greater than zero")] if q <= 0 else []
    policy = spec.get("persistentVolumeReclaimPolicy")
    if policy and policy not in ("Delete", "Recycle", "Retain"):
        errs.append(unsupported(f"{path}.persistentVolumeReclaimPolicy", policy, ["Delete", "Recycle", "Retain"]))
    affinity = spec.get("nodeAffinity")
    if isinstance(affinity, dict):
        errs += node_selector(affinity["required"], f"{path}.nodeAffinity.required") \
            if isinstance(affinity.get("required"), dict) else [required(f"{path}.nodeAffinity.required",
                                                                         "must specify required node constraints")]
    count = 0
    for key, forbid_name in PV_SOURCES:
        src = spec.get(key)
        if src is None:
            continue
        if count and forbid_name:
            errs.append(forbidden(f"{path}.{forbid_name}", "may not specify more than 1 volume type"))
            continue
        count, p = count + 1, f"{path}.{key}"
        src = src if isinstance(src, dict) else {}
        if key == "hostPath":
            errs += _host_path(src, p)
        elif key == "nfs":
            errs += _nfs(src, p)
        elif key == "local":
            errs += [required(f"{p}.path")] if not _s(src, "path") else _no_backsteps(_s(src, "path"), f"{p}.path")
            errs += [] if isinstance(affinity, dict) else [required(f"{path}.nodeAffinity",
                                                                    "Local volume requires node affinity")]
        elif key == "csi":
            errs += csi_driver_name(_s(src, "driver"), f"{p}.driver")
            errs += [required(f"{p}.volumeHandle")] if not _s(src, "volumeHandle") else []
    if not count:
        errs.append(required(path, "must specify a volume type"))
    host_path = _s(_d(spec, "hostPath"), "path")
    if host_path and host_path.strip("/") == "" and policy == "Recycle":
        errs.append(forbidden(f"{path}.persistentVolumeReclaimPolicy", "may not be 'recycle' for a hostPath mount of '/'"))
    if _s(spec, "storageClassName"):
        errs += _each(f"{path}.storageClassName", spec["storageClassName"],
                      is_dns1123_subdomain(spec["storageClassName"]))
    if spec.get("volumeMode") is not None and spec["volumeMode"] not in ("Block", "Filesystem"):
        errs.append(unsupported(f"{path}.volumeMode", spec["volumeMode"], ["Block", "Filesystem"]))
    return errs


def _valid_cidr(value: str) -> bool:
    """netutils.ParseCIDRSloppy succeeds."""
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return "/" in value


def node(obj: dict) -> Errs:
    """ValidateNode: taints are reported under metadata.taints, as Go's fldPath does."""
    errs = object_meta(_d(obj, "metadata"), name_subdomain)
    spec, seen = _d(obj, "spec"), set()
    for i, t in enumerate(_l(spec, "taints")):
        p, key, effect = f"metadata.taints[{i}]", _s(t, "key"), t.get("effect") or ""
        errs += _each(f"{p}.key", key, is_qualified_name(key))
        if is_label_value(_s(t, "value")):
            errs.append(invalid(f"{p}.value", _s(t, "value"), ";".join(is_label_value(_s(t, "value")))))
        errs += [required(f"{p}.effect")] if not effect else \
            [unsupported(f"{p}.effect", effect, TAINT_EFFECTS)] if effect not in TAINT_EFFECTS else []
        if (key, effect) in seen:
            errs.append(duplicate(p, go_json([("Key", key), ("Value", _s(t, "value")), ("Effect", effect),
                                              ("TimeAdded", t.get("timeAdded"))]),
                                  "taints must be unique by key and effect pair"))
            continue
        seen.add((key, effect))
    status = _d(obj, "status")
    for which in ("capacity", "allocatable"):
        for name, value in _d(status, which).items():
            errs += resource_quantity(name, value, f"status.{which}.{name}")
    cidrs = _l(spec, "podCIDRs") or ([spec["podCIDR"]] if _s(spec, "podCIDR") else [])
    for i, c in enumerate(cidrs):
        if not _valid_cidr(str(c)):
            errs.append(invalid(f"spec.podCIDRs[{i}]", c, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or "
                                                          "2001:db8::/64)"))
    for i, c in enumerate(cidrs):
        errs += [duplicate(f"spec.podCIDRs[{i}]", c)] if c in cidrs[:i] else []
    return errs


def legacy_event(obj: dict) -> Errs:
    """legacyValidateEvent: all a core/v1 Event gets (no ObjectMeta validation for that API version)."""
    errs: Errs = []
    ns, ins = _s(_d(obj, "metadata"), "namespace"), _s(_d(obj, "involvedObject"), "namespace")
    mismatch = invalid("involvedObject.namespace", ins, "does not match event.namespace")
    if not obj.get("eventTime"):
        if (not ins and ns not in ("", "default")) or (ins and ns != ins):
            errs.append(mismatch)
    else:
        if not ins and ns not in ("default", "kube-system"):
            errs.append(mismatch)
        rc = _s(obj, "reportingComponent")
        errs += ([required("reportingController")] if not rc else []) + \
            _each("reportingController", rc, is_qualified_name(rc))
        for key, limit in (("reportingInstance", 128), ("action", 128), ("reason", 128), ("message", 1024)):
            if not _s(obj, key) and key != "message":
                errs.append(required(key))
            if len(_s(obj, key)) > limit:
                errs.append(invalid(key, "", f"can have at most {limit} characters"))
    return errs + _each("namespace", ns, is_dns1123_subdomain(ns))


# --- rbac, storage, coordination -------------------------------------------------------------------------------

RBAC_GROUP = "rbac.authorization.k8s.io"


def rbac_rules(rules: list, namespaced: bool) -> Errs:
    """validatePolicyRule for each rule of a Role or ClusterRole."""
    errs: Errs = []
    for i, r in enumerate(rules):
        p = f"rules[{i}]"
        errs += [required(f"{p}.verbs", "verbs must contain at least one value")] if not _l(r, "verbs") else []
        if _l(r, "nonResourceURLs"):
            urls = _l(r, "nonResourceURLs")
            errs += [invalid(f"{p}.nonResourceURLs", urls, "namespaced rules cannot apply to non-resource URLs")] \
                if namespaced else []
            if _l(r, "apiGroups") or _l(r, "resources") or _l(r, "resourceNames"):
                errs.append(invalid(f"{p}.nonResourceURLs", urls, "rules cannot apply to both regular resources and "
                                                                  "non-resource URLs"))
            continue
        if not _l(r, "apiGroups"):
            errs.append(required(f"{p}.apiGroups", "resource rules must supply at least one api group"))
        if not _l(r, "resources"):
            errs.append(required(f"{p}.resources", "resource rules must supply at least one resource"))
        if _l(r, "resourceNames") and len(_l(r, "resources")) > 1:
            errs.append(required(f"{p}.resourceNames", "resource names cannot apply to multiple resources"))
    return errs


def rbac_binding(obj: dict, namespaced: bool) -> Errs:
    """ValidateRoleBinding / ValidateClusterRoleBinding."""
    ref = _d(obj, "roleRef")
    errs = object_meta(_d(obj, "metadata"), name_path_segment, kube_finalizers=False)
    if ref.get("apiGroup") and ref["apiGroup"] != RBAC_GROUP:   # an empty apiGroup is defaulted
        errs.append(unsupported("roleRef.apiGroup", ref["apiGroup"], [RBAC_GROUP]))
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    errs += [unsupported("roleRef.kind", _s(ref, "kind"), kinds)] if _s(ref, "kind") not in kinds else []
    name = _s(ref, "name")
    errs += [required("roleRef.name")] if not name else _each("roleRef.name", name, name_path_segment(name, False))
    for i, s in enumerate(_l(obj, "subjects")):
        p, kind, sname, group = f"subjects[{i}]", _s(s, "kind"), _s(s, "name"), s.get("apiGroup")
        errs += [required(f"{p}.name")] if not sname else []
        if kind == "ServiceAccount":
            errs += _each(f"{p}.name", sname, is_dns1123_subdomain(sname)) if sname else []
            errs += [unsupported(f"{p}.apiGroup", group, [""])] if group else []
            errs += [required(f"{p}.namespace")] if not namespaced and not _s(s, "namespace") else []
        elif kind in ("User", "Group"):
            errs += [invalid(f"{p}.name", sname, f"{kind.lower()} name cannot be empty")] if not sname else []
            errs += [unsupported(f"{p}.apiGroup", group, [RBAC_GROUP])] if group and group != RBAC_GROUP else []
        else:
            errs.append(unsupported(f"{p}.kind", kind, ["ServiceAccount", "User", "Group"]))
    return errs


def storage_class(obj: dict) -> Errs:
    """ValidateStorageClass."""
    errs = object_meta(_d(obj, "metadata"), name_subdomain)
    prov = _s(obj, "provisioner")
    errs += [required("provisioner")] if not prov else _each("provisioner", prov.lower(),
                                                             is_qualified_name(prov.lower()))
    params = _d(obj, "parameters")
    if len(params) > 512:
        errs.append(too_long("parameters", 512))
    elif sum(_blen(k) + _blen(str(v)) for k, v in params.items()) > 256 * 1024:
        errs.append(too_long("parameters", 256 * 1024))
    rp = obj.get("reclaimPolicy")
    errs += [unsupported("reclaimPolicy", rp, ["Delete", "Retain"])] if rp and rp not in ("Delete", "Retain") else []
    vbm = obj.get("volumeBindingMode")
    if "volumeBindingMode" in obj and vbm not in ("Immediate", "WaitForFirstConsumer"):
        errs.append(required("volumeBindingMode") if vbm is None else
                    unsupported("volumeBindingMode", vbm, ["Immediate", "WaitForFirstConsumer"]))
    for i, term in enumerate(_l(obj, "allowedTopologies")):
        keys: set[str] = set()
        for j, r in enumerate(_l(term, "matchLabelExpressions")):
            p, values = f"allowedTopologies[{i}].matchLabelExpressions[{j}]", _l(r, "values")
            errs += [required(f"{p}.values")] if not values else []
            errs += [duplicate(f"{p}.values[{k}]", v) for k, v in enumerate(values) if v in values[:k]]
            errs += _each(f"{p}.key", _s(r, "key"), is_qualified_name(_s(r, "key")))
            errs += [duplicate(f"{p}.key", _s(r, "key"))] if _s(r, "key") in keys else []
            keys.add(_s(r, "key"))
    return errs


def volume_attachment(obj: dict) -> Errs:
    """ValidateVolumeAttachment, then ValidateVolumeAttachmentV1 (the strategy runs both for storage/v1)."""
    spec, errs = _d(obj, "spec"), object_meta(_d(obj, "metadata"), name_subdomain)
    src, attacher = _d(spec, "source"), _s(spec, "attacher")
    errs += [required("spec.attacher")] if not attacher else []
    pv, inline = src.get("persistentVolumeName"), src.get("inlineVolumeSpec")
    if pv is None and inline is None:
        errs.append(required("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
    elif pv is not None and inline is not None:
        errs.append(forbidden("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
    elif pv is not None and not pv:
        errs.append(required("spec.source.persistentVolumeName", "must specify non empty persistentVolumeName"))
    errs += _each("spec.nodeName", _s(spec, "nodeName"), is_dns1123_subdomain(_s(spec, "nodeName")))
    errs += csi_driver_name(attacher, "spec.attacher")
    return errs + (_each("spec.source.persistentVolumeName", pv, is_dns1123_subdomain(pv)) if pv else [])


def lease(obj: dict) -> Errs:
    """ValidateLease."""
    spec, errs = _d(obj, "spec"), object_meta(_d(obj, "metadata"), name_subdomain, kube_finalizers=False)
    if isinstance(spec.get("leaseDurationSeconds"), int) and spec["leaseDurationSeconds"] <= 0:
        errs.append(invalid("spec.leaseDurationSeconds", spec["leaseDurationSeconds"], "must be greater than 0"))
    if isinstance(spec.get("leaseTransitions"), int) and spec["leaseTransitions"] < 0:
        errs.append(invalid("spec.leaseTransitions", spec["leaseTransitions"], NEGATIVE))
    strategy = spec.get("strategy")
    if strategy is not None and "/" not in strategy and strategy != "OldestEmulationVersion":
        errs.append(unsupported("spec.strategy.strategy", strategy, ["OldestEmulationVersion"]))
    if _s(spec, "preferredHolder") and not strategy:
        errs.append(forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"))
    return errs


# --- the entry point --------------------------------------------------------------------------------------------


def _pod(obj: dict) -> Errs:
    """validatePodMetadataAndSpec: ObjectMeta, PodSpec and the pod-only container checks."""
    spec = _d(obj, "spec")
    errs = object_meta(_d(obj, "metadata"), name_subdomain) + pod_spec(spec, "spec", is_pod=True)
    if not _s(spec, "serviceAccountName"):
        for vi, vol in enumerate(_l(spec, "volumes")):
            for si, src in enumerate(_l(_d(vol, "projected"), "sources")):
                if src.get("serviceAccountToken") is not None:
                    errs.append(forbidden(f"spec.volumes[{vi}].projected.sources[{si}].serviceAccountToken",
                                          "must not be specified when serviceAccountName is not set"))
    for kind in ("containers", "initContainers"):
        for i, c in enumerate(_l(spec, kind)):
            if _s(c, "image") != _s(c, "image").strip():
                errs.append(invalid(f"spec.{kind}[{i}].image", c["image"], "must not have leading or trailing "
                                                                           "whitespace"))
    return errs


def _create(kind: str, obj: dict) -> Errs:
    """The strategy's Validate for a new object of `kind`."""
    meta, spec = _d(obj, "metadata"), _d(obj, "spec")
    if kind in ("Deployment", "ReplicaSet"):
        fn = deployment_spec if kind == "Deployment" else replicaset_spec
        return object_meta(meta, name_subdomain) + fn(spec)
    if kind == "Pod":
        errs = _pod(obj)
        errs += [forbidden("spec.ephemeralContainers", "cannot be set on create")] \
            if _l(spec, "ephemeralContainers") else []
        return errs + ([forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared")]
                       if _s(spec, "nodeName") and _l(spec, "schedulingGates") else [])
    if kind == "Namespace":
        errs = object_meta(meta, name_label)
        for f in _l(spec, "finalizers"):
            errs += _each("spec.finalizers", f, is_qualified_name(f))
            errs += [invalid("spec.finalizers", f, "name is neither a standard finalizer name nor is it fully "
                                                   "qualified")] if "/" not in f and f not in STANDARD_FINALIZERS else []
        return errs
    if kind in ("Role", "ClusterRole"):
        return object_meta(meta, name_path_segment, kube_finalizers=False) + rbac_rules(_l(obj, "rules"),
                                                                                     kind == "Role")
    simple: dict[str, Callable[[dict], Errs]] = {
        "Node": node, "Event": legacy_event, "RoleBinding": lambda o: rbac_binding(o, True),
        "ClusterRoleBinding": lambda o: rbac_binding(o, False), "StorageClass": storage_class,
        "VolumeAttachment": volume_attachment, "Lease": lease,
        "ServiceAccount": lambda o: object_meta(meta, name_subdomain),
        "PersistentVolumeClaim": lambda o: object_meta(meta, name_subdomain) + pvc_spec(spec),
        "PersistentVolume": lambda o: object_meta(meta, name_subdomain) + pv_spec(spec)}
    return simple[kind](obj) if kind in simple else object_meta(meta, name_subdomain)


def _node_update(obj: dict, old: dict) -> Errs:
    """The parts of ValidateNodeUpdate beyond ValidateNode: podCIDRs and providerID are set once."""
    def cidrs(o: dict) -> list:
        """spec.podCIDRs, or spec.podCIDR as the v1 conversion fills it in."""
        spec = _d(o, "spec")
        return _l(spec, "podCIDRs") or ([spec["podCIDR"]] if _s(spec, "podCIDR") else [])
    errs = []
    if cidrs(old) and cidrs(old) != cidrs(obj):
        errs.append(forbidden("spec.podCIDRs", 'node updates may not change podCIDR except from "" to valid'))
    old_id = _s(_d(old, "spec"), "providerID")
    if old_id and old_id != _s(_d(obj, "spec"), "providerID"):
        errs.append(forbidden("spec.providerID", 'node updates may not change providerID except from "" to valid'))
    return errs


def _update(kind: str, obj: dict, old: dict) -> Errs:
    """Each strategy's ValidateUpdate: what it re-validates, and what it holds immutable."""
    spec, old_spec = _d(obj, "spec"), _d(old, "spec")
    plain_meta = kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Lease")
    mu = object_meta_update(_d(obj, "metadata"), _d(old, "metadata"), kube_finalizers=not plain_meta)
    if kind in ("Deployment", "ReplicaSet"):
        errs = mu + (deployment_spec(spec) if kind == "Deployment" else replicaset_spec(spec))
        if spec.get("selector") != old_spec.get("selector"):   # apps/v1: the selector is immutable
            errs.append(invalid("spec.selector", go_selector(spec.get("selector")), IMMUTABLE))
        return errs
    if kind == "Pod":   # ValidatePodUpdate (its spec-immutability diff is not reproduced)
        return mu + _pod(obj)
    if kind in ("ServiceAccount", "PersistentVolumeClaim"):
        return mu + _create(kind, obj)
    if kind == "Namespace":
        return mu
    if kind == "Event":
        return legacy_event(obj)
    if kind == "Lease":
        return mu + lease(obj)[len(object_meta(_d(obj, "metadata"), name_subdomain, kube_finalizers=False)):]
    errs = _create(kind, obj)
    if kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Node", "StorageClass"):
        errs += mu
    if kind.endswith("RoleBinding") and _d(obj, "roleRef") != _d(old, "roleRef"):
        ref = _d(obj, "roleRef")
        errs.append(invalid("roleRef", go_json([("APIGroup", _s(ref, "apiGroup")), ("Kind", _s(ref, "kind")),
                                                ("Name", _s(ref, "name"))]), "cannot change roleRef"))
    if kind == "Node":
        errs += _node_update(obj, old)
    if kind == "StorageClass":
        errs += [forbidden(k, f"updates to {k} are forbidden.") for k in ("parameters", "provisioner",
                                                                          "reclaimPolicy") if obj.get(k) != old.get(k)]
        if obj.get("volumeBindingMode") != old.get("volumeBindingMode"):
            errs.append(invalid("volumeBindingMode", obj.get("volumeBindingMode"), IMMUTABLE))
    if kind == "VolumeAttachment" and spec != old_spec:
        src = _d(spec, "source")
        errs.append(invalid("spec", go_json([("Attacher", _s(spec, "attacher")), ("Source", go_json(
            [("PersistentVolumeName", src.get("persistentVolumeName")), ("InlineVolumeSpec", None)])),
            ("NodeName", _s(spec, "nodeName"))]), IMMUTABLE))
    return errs


def validate(res: Resource, obj: dict, old: dict | None = None) -> list[FieldError]:
    """The strategy's Validate (create) or ValidateUpdate (old given) for `res`, in Kubernetes' order."""
    errs = _create(res.kind, obj) if old is None else _update(res.kind, obj, old)
    return list(errs)
