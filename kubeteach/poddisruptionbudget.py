"""PodDisruptionBudget helpers the disruption-controller and the eviction subresource share
(k8s.io/component-helpers/apps/poddisruptionbudget): one copy of the DisruptionAllowed condition."""

from __future__ import annotations


def update_disruption_allowed_condition(status: dict, now: str, reason: str = "", message: str = "") -> None:
    """pdbhelper.UpdateDisruptionAllowedCondition (or failSafe's SyncFailed): apimeta.SetStatusCondition on
    DisruptionAllowed; the transition time moves only when the status does."""
    allowed = status.get("disruptionsAllowed", 0) > 0 and not reason
    new = {"type": "DisruptionAllowed", "status": "True" if allowed else "False",
           **({"observedGeneration": status["observedGeneration"]} if status.get("observedGeneration") else {}),
           "lastTransitionTime": now, "reason": reason or ("SufficientPods" if allowed else "InsufficientPods"),
           "message": message}
    conds = status.setdefault("conditions", [])
    for i, c in enumerate(conds):
        if c.get("type") == "DisruptionAllowed":
            if c.get("status") == new["status"]:
                new["lastTransitionTime"] = c.get("lastTransitionTime", now)
            conds[i] = new
            return
    conds.append(new)


__all__ = ["update_disruption_allowed_condition"]
