"""Deployment arithmetic and helpers (pkg/controller/deployment/util/deployment_util.go, progress.go, sync.go).

Pure functions over dicts: the formulas the interview asks about, each returning the numbers behind it.
"""

from __future__ import annotations

import math

from ..deployments import REVISION, max_surge, max_unavailable, revision, rolling_update, scaled_value
from ..objects import annotations_of, deep_copy, get_condition, parse_timestamp, timestamp
from ..trace import narrative, phrase, plural

HASH_LABEL = "pod-template-hash"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
SKIP_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY,
                    DESIRED_REPLICAS, MAX_REPLICAS, "deprecated.deployment.rollback.to"}
MAX_REV_HISTORY_CHARS = 2000

NEW_RS_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
RS_UPDATED_REASON = "ReplicaSetUpdated"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
FAILED_RS_CREATE_REASON = "ReplicaSetCreateError"
PAUSED_REASON = "DeploymentPaused"
RESUMED_REASON = "DeploymentResumed"


def max_unavailable_facts(d: dict) -> dict:
    """How MaxUnavailable was resolved, as facts (`max_unavailable_rule`: not-rolling-update, both-zero, percent or
    value); the phrase `deployment:max-unavailable` says it: `maxUnavailable = floor(25% of 10) = 2`."""
    ru = rolling_update(d)
    replicas = d["spec"].get("replicas", 1)
    facts = {"max_unavailable": max_unavailable(d), "spec_replicas": replicas}
    if ru is None:
        return {**facts, "max_unavailable_rule": "not-rolling-update"}
    raw = ru.get("maxUnavailable")
    if scaled_value(raw, replicas, False) == 0 and scaled_value(ru.get("maxSurge"), replicas, True) == 0:
        return {**facts, "max_unavailable_rule": "both-zero"}
    if isinstance(raw, str) and raw.endswith("%"):
        return {**facts, "max_unavailable_rule": "percent", "max_unavailable_raw": raw}
    return {**facts, "max_unavailable_rule": "value"}


def new_rs_new_replicas(d: dict, others: list[dict], new_rs: dict) -> tuple[int, dict]:
    """NewRSNewReplicas: how big the new RS may be now, and the numbers that say so (the phrase
    `deployment:new-rs-new-replicas` renders them)."""
    replicas = d["spec"].get("replicas", 1)
    ru = rolling_update(d)
    if ru is None:
        return replicas, {"strategy": "Recreate", "spec_replicas": replicas}
    surge_raw = ru.get("maxSurge")
    surge = scaled_value(surge_raw, replicas, True)
    max_total = replicas + surge
    current = sum(rs["spec"].get("replicas", 0) for rs in others) + new_rs["spec"].get("replicas", 0)
    new = new_rs["spec"].get("replicas", 0)
    target = new if current >= max_total else new + min(max_total - current, replicas - new)
    return target, {"strategy": "RollingUpdate", "spec_replicas": replicas, "max_surge": surge,
                    "max_surge_raw": surge_raw if isinstance(surge_raw, str) else None, "max_total": max_total,
                    "current_pods": current, "new_rs_replicas": new, "new_rs_new_replicas": target}


# --- finding ReplicaSets --------------------------------------------------------------------------------------

def template_without_hash(template: dict) -> dict:
    t = deep_copy(template)
    labels = t.get("metadata", {}).get("labels")
    if labels:
        labels.pop(HASH_LABEL, None)
    return t


def equal_ignore_hash(a: dict, b: dict) -> bool:
    """EqualIgnoreHash: templates equal once the pod-template-hash label is dropped."""
    return template_without_hash(a) == template_without_hash(b)


def by_creation(rss: list[dict]) -> list[dict]:
    return sorted(rss, key=lambda rs: (rs["metadata"].get("creationTimestamp", ""), rs["metadata"]["name"]))


def newest(rss: list[dict]) -> dict:
    return by_creation(rss)[-1]


def by_revision(rss: list[dict]) -> list[dict]:
    return sorted(rss, key=lambda rs: (revision(rs), rs["metadata"].get("creationTimestamp", ""),
                                       rs["metadata"]["name"]))


def max_revision(rss: list[dict]) -> int:
    return max((revision(rs) for rs in rss), default=0)


def find_new_and_old(d: dict, rss: list[dict]) -> tuple[dict | None, list[dict]]:
    """FindNewReplicaSet (the oldest with an equal template) and FindOldReplicaSets (the rest)."""
    new = next((rs for rs in by_creation(rss) if equal_ignore_hash(rs["spec"]["template"], d["spec"]["template"])),
               None)
    return new, [rs for rs in rss if rs is not new]


def filter_active(rss: list[dict | None]) -> list[dict]:
    return [rs for rs in rss if rs is not None and rs["spec"].get("replicas", 0) > 0]


# --- annotations ---------------------------------------------------------------------------------------------

def set_new_replica_set_annotations(d: dict, rs: dict, new_revision: str, exists: bool) -> bool:
    """SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision, keep the history."""
    ann = rs["metadata"].setdefault("annotations", {})
    before = dict(ann)
    for k, v in annotations_of(d).items():
        if k not in SKIP_ANNOTATIONS:
            ann[k] = v
    old = ann.get(REVISION, "")
    try:
        old_num = int(old) if old else 0
    except ValueError:
        old_num = 0
    if int(new_revision) > old_num:
        ann[REVISION] = new_revision
        if old:
            history = [h for h in ann.get(REVISION_HISTORY, "").split(",") if h] + [old]
            text = ",".join(history)
            while len(text) > MAX_REV_HISTORY_CHARS and len(history) > 1:
                history = history[1:]
                text = ",".join(history)
            ann[REVISION_HISTORY] = text
    if not exists:
        set_replicas_annotations(rs, d["spec"].get("replicas", 1), d["spec"].get("replicas", 1) + max_surge(d))
    return ann != before


def set_replicas_annotations(rs: dict, desired: int, max_replicas: int) -> bool:
    ann = rs["metadata"].setdefault("annotations", {})
    before = (ann.get(DESIRED_REPLICAS), ann.get(MAX_REPLICAS))
    ann[DESIRED_REPLICAS] = str(desired)
    ann[MAX_REPLICAS] = str(max_replicas)
    return before != (str(desired), str(max_replicas))


# --- proportional scaling (sync.go scale) ---------------------------------------------------------------------

def is_saturated(d: dict, rs: dict) -> bool:
    replicas = d["spec"].get("replicas", 1)
    desired = annotations_of(rs).get(DESIRED_REPLICAS)
    return (rs["spec"].get("replicas", 0) == replicas and desired == str(replicas)
            and rs.get("status", {}).get("availableReplicas", 0) == replicas)


def proportional_scale(d: dict, rss: list[dict]) -> list[tuple[dict, int, dict]]:
    """scale(): every active RS's new size, sharing a scale-up or -down by size (GetProportion), leftovers to the
    first; unchanged ones are listed too, because scaleReplicaSet also refreshes their replicas annotations."""
    replicas = d["spec"].get("replicas", 1)
    surge = max_surge(d)
    active = filter_active(rss)
    allowed = replicas + surge if replicas > 0 else 0
    current = sum(rs["spec"]["replicas"] for rs in active)
    to_add = allowed - current
    up = to_add > 0
    if to_add:
        active = sorted(active, key=lambda rs: (-rs["spec"]["replicas"],
                                                _neg_time(rs) if up else rs["metadata"].get("creationTimestamp", ""),
                                                rs["metadata"]["name"]))
    added = 0
    plan = []
    for rs in active:
        size = rs["spec"]["replicas"]
        proportion = 0
        if to_add and size and added != to_add:
            fraction = replica_set_fraction(d, rs, allowed)
            proportion = min(fraction, to_add - added) if up else max(fraction, to_add - added)
        added += proportion
        plan.append([rs, size + proportion])
    if plan and to_add:
        plan[0][1] = max(plan[0][1] + to_add - added, 0)
    facts = {"allowed": allowed, "spec_replicas": replicas, "max_surge": surge, "current_pods": current}
    return [(rs, target, facts) for rs, target in plan]


def replica_set_fraction(d: dict, rs: dict, allowed: int) -> int:
    """getReplicaSetFraction: round(size * maxReplicas now / maxReplicas before) - size (before from the annotation)."""
    size = rs["spec"]["replicas"]
    if d["spec"].get("replicas", 1) == 0:
        return -size
    annotated = annotations_of(rs).get(MAX_REPLICAS)
    base = int(annotated) if annotated else 0
    if base == 0:
        base = d.get("status", {}).get("replicas", 0)
        if base == 0:
            return 0
    return int(math.floor(size * allowed / base + 0.5)) - size


def _neg_time(rs: dict) -> float:
    ts = rs["metadata"].get("creationTimestamp")
    return -parse_timestamp(ts) if ts else 0.0


# --- status and conditions ----------------------------------------------------------------------------------

def condition(ctype: str, status: str, reason: str, message: str, now: float) -> dict:
    t = timestamp(now)
    return {"type": ctype, "status": status, "lastUpdateTime": t, "lastTransitionTime": t, "reason": reason,
            "message": message}


def set_condition(d: dict, new: dict) -> None:
    """SetDeploymentCondition: no-op if status and reason match; keep lastTransitionTime if only the reason moved."""
    conds = d.setdefault("status", {}).setdefault("conditions", [])
    old = next((c for c in conds if c["type"] == new["type"]), None)
    if old is not None and old["status"] == new["status"] and old["reason"] == new["reason"]:
        return
    if old is not None and old["status"] == new["status"]:
        new = {**new, "lastTransitionTime": old["lastTransitionTime"]}
    d["status"]["conditions"] = [c for c in conds if c["type"] != new["type"]] + [new]


def calculate_status(all_rss: list[dict], new_rs: dict | None, d: dict, now: float) -> dict:
    """calculateStatus: sums over the ReplicaSets, and the Available condition."""
    available = sum(rs.get("status", {}).get("availableReplicas", 0) for rs in all_rss)
    total_spec = sum(rs["spec"].get("replicas", 0) for rs in all_rss)
    status = {
        "observedGeneration": d["metadata"].get("generation", 1),
        "replicas": sum(rs.get("status", {}).get("replicas", 0) for rs in all_rss),
        "updatedReplicas": new_rs.get("status", {}).get("replicas", 0) if new_rs else 0,
        "readyReplicas": sum(rs.get("status", {}).get("readyReplicas", 0) for rs in all_rss),
        "availableReplicas": available,
        "unavailableReplicas": max(0, total_spec - available),
        "terminatingReplicas": sum(rs.get("status", {}).get("terminatingReplicas", 0) for rs in all_rss),
    }
    if d.get("status", {}).get("collisionCount") is not None:
        status["collisionCount"] = d["status"]["collisionCount"]
    status = {k: v for k, v in status.items() if v or k in ("observedGeneration", "terminatingReplicas",
                                                            "collisionCount")}
    tmp = {"status": {"conditions": deep_copy(d.get("status", {}).get("conditions") or [])}}
    replicas = d["spec"].get("replicas", 1)
    if available >= replicas - max_unavailable(d):
        set_condition(tmp, condition("Available", "True", "MinimumReplicasAvailable",
                                     "Deployment has minimum availability.", now))
    else:
        set_condition(tmp, condition("Available", "False", "MinimumReplicasUnavailable",
                                     "Deployment does not have minimum availability.", now))
    status["conditions"] = tmp["status"]["conditions"]
    return status


def deployment_complete(d: dict, status: dict) -> bool:
    replicas = d["spec"].get("replicas", 1)
    return (status.get("updatedReplicas", 0) == replicas and status.get("replicas", 0) == replicas
            and status.get("availableReplicas", 0) == replicas
            and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 1))


def deployment_progressing(d: dict, new: dict) -> bool:
    """DeploymentProgressing: more updated, fewer old, more ready or more available replicas than before."""
    old = d.get("status", {})
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = new.get("replicas", 0) - new.get("updatedReplicas", 0)
    return (new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) or new_old < old_old
            or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or new.get("availableReplicas", 0) > old.get("availableReplicas", 0))


def has_progress_deadline(d: dict) -> bool:
    """HasProgressDeadline: progressDeadlineSeconds is set and is not MaxInt32 ("never")."""
    deadline = d["spec"].get("progressDeadlineSeconds")
    return deadline is not None and deadline != 2**31 - 1


def sync_progressing(d: dict, status: dict, new_rs: dict | None, now: float) -> float | None:
    """syncRolloutStatus's Progressing condition; returns when to look again for the deadline, if ever."""
    deadline = d["spec"].get("progressDeadlineSeconds")
    if not has_progress_deadline(d):
        status["conditions"] = [c for c in status["conditions"] if c["type"] != "Progressing"]
        return None
    current = get_condition(d, "Progressing")
    if current is not None:
        status["conditions"] = [c for c in status["conditions"] if c["type"] != "Progressing"] + [current]
    holder = {"status": status}
    is_complete = (status.get("replicas", 0) == status.get("updatedReplicas", 0) and current is not None
                   and current["reason"] == NEW_RS_AVAILABLE_REASON)
    if is_complete or d["spec"].get("paused"):
        return None
    name = new_rs["metadata"]["name"] if new_rs else d["metadata"]["name"]
    what = f'ReplicaSet "{name}"' if new_rs else f'Deployment "{name}"'
    if deployment_complete(d, status):
        set_condition(holder, condition("Progressing", "True", NEW_RS_AVAILABLE_REASON,
                                        f"{what} has successfully progressed.", now))
        return None
    if deployment_progressing(d, status):
        cond = condition("Progressing", "True", RS_UPDATED_REASON, f"{what} is progressing.", now)
        if current is not None and current["status"] == "True":
            cond["lastTransitionTime"] = current["lastTransitionTime"]
        status["conditions"] = [c for c in status["conditions"] if c["type"] != "Progressing"] + [cond]
        return float(deadline) + 1.0
    if current is not None and current["reason"] != NEW_RS_AVAILABLE_REASON:
        last = parse_timestamp(current["lastUpdateTime"])
        if last + deadline < now:
            set_condition(holder, condition("Progressing", "False", TIMED_OUT_REASON,
                                            f"{what} has timed out progressing.", now))
            return None
        return max(last + deadline - now + 1.0, 1.0)
    return None


def status_facts(d: dict) -> dict:
    st = d.get("status", {})
    conds = {c["type"]: c for c in st.get("conditions") or []}
    return {"updated": st.get("updatedReplicas", 0), "available": st.get("availableReplicas", 0),
            "replicas": d["spec"].get("replicas", 1),
            "conditions": [(t, c["status"], c["reason"]) for t, c in conds.items()]}


def in_sync_facts(d: dict, rss: list[dict]) -> dict:
    """What a sync that changed nothing found: the new ReplicaSet's numbers and the old ones still scaled up."""
    new, old = find_new_and_old(d, rss)
    st = (new or {}).get("status") or {}
    return {"rs": new["metadata"]["name"] if new else None, "want": d["spec"].get("replicas", 1),
            "replicas": st.get("replicas", 0), "available": st.get("availableReplicas", 0),
            "old": [[rs["metadata"]["name"], rs["spec"].get("replicas", 0)] for rs in by_creation(filter_active(old))],
            "paused": bool(d["spec"].get("paused"))}


def _in_sync(f: dict) -> str:
    text = (f"ReplicaSet {f['rs']} has {f['replicas']} of {f['want']} replicas ({f['available']} available)"
            if f["rs"] else "no ReplicaSet has its template yet")
    if f["old"]:
        text += "; old ReplicaSets still scaled up: " + ", ".join(f"{name} ({n})" for name, n in f["old"])
    return text + ("; paused" if f["paused"] else "") + "; status unchanged"


def _max_unavailable(f: dict) -> str:
    value, rule = f["max_unavailable"], f["max_unavailable_rule"]
    if rule == "not-rolling-update":
        return f"maxUnavailable = {value} (not a RollingUpdate)"
    if rule == "both-zero":
        return f"maxUnavailable = {value} (maxSurge and maxUnavailable both resolve to 0)"
    if rule == "percent":
        return f"maxUnavailable = floor({f['max_unavailable_raw']} of {f['spec_replicas']}) = {value}"
    return f"maxUnavailable = {value}"


def _new_rs_new_replicas(f: dict) -> str:
    if f["strategy"] == "Recreate":
        return f"Recreate: the new ReplicaSet gets all {f['spec_replicas']}"
    surge = f"maxSurge = ceil({f['max_surge_raw']} of {f['spec_replicas']}) = {f['max_surge']}" \
        if f.get("max_surge_raw") is not None else f"maxSurge = {f['max_surge']}"
    if f["current_pods"] >= f["max_total"]:
        return (f"{surge}; {f['current_pods']} pods already >= maxTotal {f['max_total']}: stay at "
                f"{f['new_rs_replicas']}")
    return (f"{surge}, maxTotal = {f['max_total']}; NewRSNewReplicas = {f['new_rs_replicas']} + "
            f"min({f['max_total']} - {f['current_pods']}, {f['spec_replicas']} - {f['new_rs_replicas']}) = "
            f"{f['new_rs_new_replicas']}")


def _math(f: dict) -> str:
    """The arithmetic behind a create-rs or scale-rs record ("" when the step has none)."""
    why = f.get("why") or ("new-rs-new-replicas" if "strategy" in f else "")
    if why == "new-rs-new-replicas":
        return phrase("deployment:new-rs-new-replicas", f)
    if why == "proportional":
        return (f"allowed {f['allowed']} = {f['spec_replicas']} + maxSurge {f['max_surge']}; {f['current_pods']} "
                f"now; {f['old']} -> {f['new']}")
    if why in ("cleanup-unhealthy", "scale-down-old"):
        return "; ".join((phrase("deployment:budget", f), phrase("deployment:max-scaled-down", f),
                          phrase(f"deployment:math:{why}", f)))
    return ""


def _scale_rs(f: dict) -> str:
    text = f"sync {f['object']}: scale {f['rs']} from {f['old']} to {f['new']}"
    if not f.get("why"):
        return text
    numbers = _math(f)
    return f"{text} ({phrase('deployment:why:' + f['why'], f)}{': ' + numbers if numbers else ''})"


narrative({
    "create-rs": lambda f: (f"sync {f['object']}: no ReplicaSet has this template (pod-template-hash {f['hash']}); "
                            f"create {f['rs']} (revision {f['revision']}) with {plural(f['replicas'], 'replica')}: "
                            f"{_math(f)}"),
    "scale-rs": _scale_rs,
    "hold-old": lambda f: (f"sync {f['object']}: old ReplicaSets stay: {phrase('deployment:max-scaled-down', f)} "
                           f"({phrase('deployment:budget', f)}); wait for new pods to become available"),
    "deployment:math": _math,
    "deployment:max-unavailable": _max_unavailable,
    "deployment:new-rs-new-replicas": _new_rs_new_replicas,
    "deployment:budget": lambda f: (f"{phrase('deployment:max-unavailable', f)}, minAvailable = "
                                    f"{f['spec_replicas']} - {f['max_unavailable']} = {f['min_available']}"),
    "deployment:max-scaled-down": ("maxScaledDown = allPods {all_pods} - minAvailable {min_available} - "
                                   "newRSUnavailable {new_rs_unavailable} = {max_scaled_down}"),
    "deployment:math:cleanup-unhealthy": "{unavailable} unavailable, {max_cleanup} allowed",
    "deployment:math:scale-down-old": "available {available} - minAvailable {min_available} = {scale_down}",
    # why a ReplicaSet was scaled (scale-rs `why`)
    "deployment:why:only-one-active": "scaling event: only one active ReplicaSet",
    "deployment:why:new-rs-saturated": "the new ReplicaSet is saturated",
    "deployment:why:proportional": "proportional scaling",
    "deployment:why:new-rs-above-spec": "the new ReplicaSet has more than spec.replicas",
    "deployment:why:new-rs-new-replicas": "NewRSNewReplicas",
    "deployment:why:cleanup-unhealthy": "cleanupUnhealthyReplicas",
    "deployment:why:scale-down-old": "scaleDownOldReplicaSetsForRollingUpdate",
    "deployment:why:recreate-old-first": "Recreate: old ReplicaSets go to 0 first",
    "deployment:why:recreate-old-gone": "Recreate: old pods are gone",
    "recreate-wait": "sync {object}: Recreate waits until every old pod has stopped before creating the new "
                     "ReplicaSet",
    "revision": "ReplicaSet {object} is the new ReplicaSet again: revision {revision}",
    "cleanup": "sync {object}: revisionHistoryLimit {limit}: delete old ReplicaSet {rs} (revision {revision})",
    "collision": "hash collision: {rs} exists with another template; collisionCount is now {count}",
    "deployment-status": lambda f: (f"status {f['object']}: {f['updated']} updated, {f['available']} available of "
                                    f"{f['replicas']}; "
                                    + ", ".join(f"{t}={s} ({reason})" for t, s, reason in f["conditions"])),
    "nothing-to-do:deployment-in-sync": _in_sync,
    "nothing-to-do:deployment-deleting": lambda f: "the Deployment is being deleted; " + _in_sync(f),
    "gone": "sync {object}: the Deployment is gone; nothing to do (the garbage collector handles its ReplicaSets)",
    "error": "sync {object} failed: {error}; requeued in {delay}s",
    "adopted-rs": "adopted orphan ReplicaSet {object} into Deployment {deployment}",
    "released-rs": "released ReplicaSet {object} from Deployment {deployment} (selector no longer matches)",
})
