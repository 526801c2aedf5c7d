"""Names, labels, annotations, label selectors and ObjectMeta: the apimachinery validation every kind shares.

Mirrors staging/src/k8s.io/apimachinery/pkg/util/validation (+ api/validate/content: DNS labels and subdomains,
qualified names, label values, port names, percents), pkg/api/validation (objectmeta.go: ValidateObjectMeta,
ValidateObjectMetaUpdate, ValidateAnnotations, name functions) and pkg/apis/meta/v1/validation (ValidateLabels,
ValidateLabelSelector). Go ranges over maps in random order; here maps are visited in document order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .field import Errs, GoJSON, _d, _each, _l, _s, forbidden, go_json, invalid, required, too_long

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
