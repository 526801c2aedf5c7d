"""Resource names and quantities: Quantity.String() and the container resource checks.

Mirrors the resource parts of pkg/apis/core/validation/validation.go (ValidateResourceQuantityValue,
validateContainerResourceName, validateResourceRequirements), pkg/apis/core/helper (IsNativeResource,
IsExtendedResourceName, IsOvercommitAllowed) and the canonical form of
staging/src/k8s.io/apimachinery/pkg/api/resource (Quantity.String) that error values print.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from ...objects import parse_quantity
from .field import Errs, _d, _each, forbidden, invalid, required
from .meta import NEGATIVE, is_qualified_name

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
