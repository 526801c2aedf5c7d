"""The remaining core/v1 kinds: Node (create and update) and the legacy core/v1 Event.

Mirrors pkg/apis/core/validation/validation.go (ValidateNode, ValidateNodeUpdate) and
pkg/apis/core/validation/events.go (legacyValidateEvent).
"""

from __future__ import annotations

import ipaddress

from .field import Errs, _d, _each, _l, _s, duplicate, forbidden, go_json, invalid, required, unsupported
from .meta import is_dns1123_subdomain, is_label_value, is_qualified_name, name_subdomain, object_meta
from .quantity import resource_quantity
from .scheduling import TAINT_EFFECTS

# --- Node -----------------------------------------------------------------------------------------------------


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


# --- Event (events.go) ----------------------------------------------------------------------------------------


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
