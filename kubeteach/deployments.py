"""Deployment arithmetic read by more than the controller (the pictures too): int-or-percent values
(apimachinery/pkg/util/intstr), maxSurge and maxUnavailable (pkg/controller/deployment/util/deployment_util.go
MaxSurge, MaxUnavailable, ResolveFenceposts) and a ReplicaSet's revision annotation. Pure functions over dicts.
"""

from __future__ import annotations

import math

from .objects import annotations_of

REVISION = "deployment.kubernetes.io/revision"


def scaled_value(value: int | str | None, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as it is, `25%` of `total` rounded up or down."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%"):
        pct = int(value[:-1])
        return math.ceil(pct * total / 100) if round_up else math.floor(pct * total / 100)
    return int(value)


def resolve_fenceposts(max_surge: int | str | None, max_unavailable: int | str | None, desired: int
                       ) -> tuple[int, int]:
    """ResolveFenceposts: surge rounds up, unavailable rounds down; both 0 makes unavailable 1."""
    surge = scaled_value(max_surge, desired, True)
    unavailable = scaled_value(max_unavailable, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def rolling_update(d: dict) -> dict | None:
    """spec.strategy.rollingUpdate ({} when unset), or None when the strategy is Recreate."""
    strategy = d["spec"].get("strategy") or {}
    return strategy.get("rollingUpdate") or {} if strategy.get("type", "RollingUpdate") == "RollingUpdate" else None


def max_surge(d: dict) -> int:
    """MaxSurge: how many pods above spec.replicas a rolling update may run (0 for Recreate)."""
    ru = rolling_update(d)
    if ru is None:
        return 0
    return resolve_fenceposts(ru.get("maxSurge"), ru.get("maxUnavailable"), d["spec"].get("replicas", 1))[0]


def max_unavailable(d: dict) -> int:
    """MaxUnavailable: how many pods below spec.replicas a rolling update may leave unavailable, at most replicas."""
    ru = rolling_update(d)
    replicas = d["spec"].get("replicas", 1)
    if ru is None or replicas == 0:
        return 0
    return min(resolve_fenceposts(ru.get("maxSurge"), ru.get("maxUnavailable"), replicas)[1], replicas)


def revision(rs: dict) -> int:
    """Revision: the deployment.kubernetes.io/revision annotation as a number (0 when missing or malformed)."""
    try:
        return int(annotations_of(rs).get(REVISION, "0"))
    except ValueError:
        return 0
