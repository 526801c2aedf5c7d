"""PodDisruptionBudgets: how many of a set of pods may be down at once.

Mirrors pkg/apis/policy/validation/validation.go (ValidatePodDisruptionBudget, ValidatePodDisruptionBudgetSpec,
ValidatePodDisruptionBudgetStatusUpdate); the int-or-percent rules are apps' (ValidatePositiveIntOrPercent,
IsNotMoreThan100Percent).
"""

from __future__ import annotations

import re
from typing import Any

from .apps import _positive_int_or_percent
from .field import Errs, GoJSON, _d, go_json, invalid, unsupported
from .meta import NEGATIVE, label_selector

UNHEALTHY_POD_EVICTION_POLICIES = ["AlwaysAllow", "IfHealthyBudget"]   # sets.List: sorted


def _not_more_than_100_percent(v: Any, path: str) -> Errs:
    """IsNotMoreThan100Percent: a percent string above 100%."""
    if isinstance(v, str) and re.fullmatch("[0-9]+%", v) and int(v[:-1]) > 100:
        return [invalid(path, v, "must not be greater than 100%")]
    return []


def _spec_value(spec: dict) -> GoJSON:
    """The internal PodDisruptionBudgetSpec as json.Marshal prints it (Go field names: it has no json tags)."""
    return go_json([("MinAvailable", spec.get("minAvailable")), ("Selector", spec.get("selector")),
                    ("MaxUnavailable", spec.get("maxUnavailable")),
                    ("UnhealthyPodEvictionPolicy", spec.get("unhealthyPodEvictionPolicy"))])


def pod_disruption_budget(obj: dict) -> Errs:
    """ValidatePodDisruptionBudget → ValidatePodDisruptionBudgetSpec: minAvailable xor maxUnavailable, each a
    non-negative int or a percent of at most 100%, a valid selector, a known unhealthyPodEvictionPolicy."""
    spec, errs = _d(obj, "spec"), []
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        errs.append(invalid("spec", _spec_value(spec), "minAvailable and maxUnavailable cannot be both set"))
    for key in ("minAvailable", "maxUnavailable"):
        if spec.get(key) is not None:
            errs += _positive_int_or_percent(spec[key], f"spec.{key}")
            errs += _not_more_than_100_percent(spec[key], f"spec.{key}")
    errs += label_selector(spec.get("selector"), "spec.selector")
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in UNHEALTHY_POD_EVICTION_POLICIES:
        errs.append(unsupported("spec.unhealthyPodEvictionPolicy", policy, UNHEALTHY_POD_EVICTION_POLICIES))
    return errs


def pod_disruption_budget_status(status: dict) -> Errs:
    """ValidatePodDisruptionBudgetStatusUpdate: the counts are never negative (its conditions check is not
    reproduced)."""
    return [invalid(f"status.{k}", status[k], NEGATIVE) for k in ("disruptionsAllowed", "currentHealthy",
                                                                 "desiredHealthy", "expectedPods")
            if isinstance(status.get(k), int) and status[k] < 0]
