"""Leases, the objects leader election and node heartbeats renew.

Mirrors pkg/apis/coordination/validation/validation.go (ValidateLease).
"""

from __future__ import annotations

from .field import Errs, _d, _s, forbidden, invalid, unsupported
from .meta import NEGATIVE, name_subdomain, object_meta


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
