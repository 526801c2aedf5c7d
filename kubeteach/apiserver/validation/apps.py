"""Deployments and ReplicaSets: replicas, selector, pod template and the update strategy.

Mirrors pkg/apis/apps/validation/validation.go (ValidateDeploymentSpec, ValidateDeploymentStrategy,
ValidateRollingUpdateDeployment, ValidateReplicaSetSpec, ValidatePodTemplateSpecForReplicaSet,
ValidateDeploymentStatus, ValidateReplicaSetStatus) and the IntOrPercent helpers it uses.
"""

from __future__ import annotations

import re
from typing import Any

from ...objects import selector_matches
from .field import Errs, GoJSON, _d, _each, forbidden, go_json, invalid, required, unsupported
from .meta import NEGATIVE, go_selector, is_percent, label_selector, selector_converts
from .pods import pod_template


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


def _status_counts(status: dict, fields: tuple[str, ...], path: str, optional: str = "") -> Errs:
    """ValidateNonnegativeField for each count (and the `optional` one when set), then the bounds the counts share
    (`cannot be greater than status.replicas`, and available never above ready)."""
    errs: Errs = []
    for key in fields:
        errs += _nonneg(status, key, path)
    if optional and status.get(optional) is not None:
        errs += _nonneg(status, optional, path)
    count = {k: status.get(k) if isinstance(status.get(k), int) else 0 for k in fields}
    above = "cannot be greater than status.replicas"
    for key in fields:
        if key in ("fullyLabeledReplicas", "updatedReplicas", "readyReplicas", "availableReplicas") and \
                count[key] > count["replicas"]:
            errs.append(invalid(f"{path}.{key}", count[key], above))
    if count["availableReplicas"] > count["readyReplicas"]:
        errs.append(invalid(f"{path}.availableReplicas", count["availableReplicas"],
                            "cannot be greater than readyReplicas"))
    return errs


def deployment_status(status: dict, old_status: dict, path: str = "status") -> Errs:
    """ValidateDeploymentStatus, and ValidateDeploymentStatusUpdate's collisionCount that may not go down."""
    errs = _status_counts(status, ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas",
                                   "availableReplicas", "unavailableReplicas"), path, "collisionCount")
    new, old = status.get("collisionCount"), old_status.get("collisionCount")
    if isinstance(old, int) and (new is None or isinstance(new, int) and new < old):
        errs.append(invalid(f"{path}.collisionCount", new or 0, "cannot be decremented"))
    return errs


def replicaset_status(status: dict, path: str = "status") -> Errs:
    """ValidateReplicaSetStatus."""
    return _status_counts(status, ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas",
                                   "observedGeneration"), path)
