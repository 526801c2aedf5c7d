"""The pods/eviction subresource (EvictionREST in pkg/registry/core/pod/storage/eviction.go): a policy/v1 Eviction
asks to delete a pod, and the PodDisruptionBudget that covers it decides. No budget: delete. A budget that allows a
disruption: decrement it (the pod goes into `disruptedPods`), mark the pod DisruptionTarget and delete it. A budget
at zero: 429 TooManyRequests, and nothing is written.

Kubernetes retries conflicts (EvictionsRetry); one request runs alone here, so none happens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..objects import deep_copy, selector_is_empty, selector_matches, timestamp
from ..poddisruptionbudget import update_disruption_allowed_condition
from ..pods import is_pod_ready
from ..trace import narrative
from . import decoding
from .errors import APIError, bad_request
from .registry import check_preconditions
from .request import Request
from .resources import BY_RESOURCE, Resource

#: the handler's APIServer (storage, now, _update, _delete); typed loosely so this module does not import it back
APIServer = Any

EVICTION = Resource("Eviction", "eviction", "eviction", "policy", "v1", True)
PDBS = BY_RESOURCE["poddisruptionbudgets"]
TOO_MANY = "Cannot evict pod as it would violate the pod's disruption budget."
MORE_THAN_ONE = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
MAX_DISRUPTED_POD_SIZE = 2000
SUCCESS = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def too_many_requests(retry_after: int, cause: str) -> APIError:
    """errors.NewTooManyRequests with the DisruptionBudget cause appended."""
    return APIError(429, "TooManyRequests", TOO_MANY, {
        "causes": [{"reason": "DisruptionBudget", "message": cause}], **({"retryAfterSeconds": retry_after}
                                                                        if retry_after else {})})


def forbidden_pdb(name: str, why: str) -> APIError:
    """errors.NewForbidden(policy.Resource("poddisruptionbudget"), name, why)."""
    return APIError(403, "Forbidden", f'poddisruptionbudget.policy "{name}" is forbidden: {why}',
                    {"name": name, "group": "policy", "kind": "poddisruptionbudget"})


def can_ignore_pdb(pod: dict) -> bool:
    """canIgnorePDB: a terminal or Pending pod, or one already being deleted, goes without asking a budget."""
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Pending") or \
        bool(pod["metadata"].get("deletionTimestamp"))


def should_enforce_resource_version(pod: dict) -> bool:
    """shouldEnforceResourceVersion: every pod but a terminal one or one being deleted."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed") and \
        not pod["metadata"].get("deletionTimestamp")


def matching_pdbs(pdbs: list[dict], pod: dict) -> list[dict]:
    """getPodDisruptionBudgets: the budgets whose selector matches the pod; a nil or empty selector matches none."""
    labels = pod["metadata"].get("labels") or {}
    return [p for p in pdbs if (sel := (p.get("spec") or {}).get("selector")) is not None
            and not selector_is_empty(sel) and selector_matches(sel, labels)]


def _delete_options(req: Request, eviction: dict) -> dict:
    """The Eviction's DeleteOptions as delete parameters, with the request's dryRun (propagateDryRun)."""
    opts = eviction.get("deleteOptions") or {}
    if not isinstance(opts, dict):
        opts = {}
    dry_query, dry_body = req.params.get("dryRun"), opts.get("dryRun")
    if dry_query and dry_body and [dry_query] != list(dry_body) and dry_query != dry_body:
        raise APIError(500, "InternalError", "Internal error occurred: Non-matching dry-run options in request "
                       f"and content: [{dry_query}] and [{' '.join(dry_body)}]")
    params: dict[str, Any] = {k: opts[k] for k in ("gracePeriodSeconds", "propagationPolicy") if opts.get(k) is not None}
    pre = {k: v for k, v in (opts.get("preconditions") or {}).items() if k in ("uid", "resourceVersion") and v}
    if pre:
        params["preconditions"] = pre
    if dry_query or dry_body:
        params["dryRun"] = True
    return params


def evict(api: APIServer, req: Request, log: Callable[..., None]) -> dict:
    """EvictionREST.Create: check the Eviction, then delete the pod as its disruption budget allows."""
    decoding.decode_object(EVICTION, req.body, strict=req.params.get("fieldValidation") == "Strict")
    eviction = req.body
    if (eviction.get("metadata") or {}).get("name", "") != req.name:
        raise bad_request("name in URL does not match name in Eviction object")
    params = _delete_options(req, eviction)
    pod, _ = api.storage.get(req.resource, req.namespace, req.name)
    if can_ignore_pdb(pod):
        if should_enforce_resource_version(pod) and "resourceVersion" not in params.get("preconditions", {}):
            params.setdefault("preconditions", {})["resourceVersion"] = pod["metadata"]["resourceVersion"]
        log("kube-apiserver", "eviction", req.name, outcome="no-budget-check", phase=pod["status"].get("phase"),
            always=True)
        return _add_condition_and_delete(api, req, log, params)
    budgets = matching_pdbs(api.storage.list(PDBS.resource, req.namespace, None), pod)
    if len(budgets) > 1:
        raise APIError(500, "", MORE_THAN_ONE)
    if budgets:
        pdb = budgets[0]
        status = pdb.get("status") or {}
        unhealthy_ok = not is_pod_ready(pod) and (
            (pdb.get("spec") or {}).get("unhealthyPodEvictionPolicy") == "AlwaysAllow" or
            status.get("currentHealthy", 0) >= status.get("desiredHealthy", 0) > 0)
        if unhealthy_ok:       # an unready pod of a healthy budget goes without a decrement
            params.setdefault("preconditions", {})["resourceVersion"] = pod["metadata"]["resourceVersion"]
        else:
            _check_and_decrement(api, req, log, pod, pdb, bool(params.get("dryRun")))
        log("kube-apiserver", "eviction", req.name, outcome="unready" if unhealthy_ok else "allowed",
            pdb=pdb["metadata"]["name"], always=True)
    else:
        log("kube-apiserver", "eviction", req.name, outcome="no-budget", always=True)
    return _add_condition_and_delete(api, req, log, params)


def _check_and_decrement(api: APIServer, req: Request, log: Callable[..., None], pod: dict, pdb: dict,
                         dry_run: bool) -> None:
    """checkAndDecrement: refuse unless the budget is current and allows a disruption; then take one and note the
    pod in `disruptedPods`, so the disruption controller stops counting it as healthy."""
    name, status = pdb["metadata"]["name"], pdb.setdefault("status", {})
    if status.get("observedGeneration", 0) < pdb["metadata"].get("generation", 0):
        raise too_many_requests(10, f"The disruption budget {name} is still being processed by the server.")
    allowed = status.get("disruptionsAllowed", 0)
    if allowed < 0:
        raise forbidden_pdb(name, "pdb disruptions allowed is negative")
    if len(status.get("disruptedPods") or {}) > MAX_DISRUPTED_POD_SIZE:
        raise forbidden_pdb(name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller")
    if allowed == 0:
        raise too_many_requests(0, f"The disruption budget {name} needs {status.get('desiredHealthy', 0)} healthy "
                                   f"pods and has {status.get('currentHealthy', 0)} currently")
    status["disruptionsAllowed"] = allowed - 1
    now = timestamp(api.now())
    if allowed - 1 == 0:
        update_disruption_allowed_condition(pdb.setdefault("status", {}), now)
    if dry_run:
        return
    status.setdefault("disruptedPods", {})[pod["metadata"]["name"]] = now
    api._update(_sub(req, "update", PDBS, name, "status", pdb), log, patched=pdb)


def _add_condition_and_delete(api: APIServer, req: Request, log: Callable[..., None], params: dict) -> dict:
    """addConditionAndDeletePod: the DisruptionTarget condition (EvictionByEvictionAPI) through the status store,
    checked against the preconditions (whose resourceVersion then moves with that write), then the DELETE."""
    if not params.get("dryRun"):
        pod, _ = api.storage.get(req.resource, req.namespace, req.name)
        check_preconditions(req.resource, pod, params.get("preconditions") or {})
        updated = deep_copy(pod)
        conds = [c for c in updated["status"].get("conditions") or [] if c.get("type") != "DisruptionTarget"]
        old = next((c for c in updated["status"].get("conditions") or [] if c.get("type") == "DisruptionTarget"),
                   None)
        conds.append({"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                      "lastTransitionTime": old["lastTransitionTime"] if old and old.get("status") == "True"
                      else timestamp(api.now()), "reason": "EvictionByEvictionAPI",
                      "message": "Eviction API: evicting"})
        updated["status"]["conditions"] = conds
        written = api._update(_sub(req, "update", req.resource, req.name, "status", updated), log, patched=updated)
        if "resourceVersion" in params.get("preconditions", {}):
            params["preconditions"]["resourceVersion"] = written["metadata"]["resourceVersion"]
    else:
        return SUCCESS
    if params.get("preconditions", {}).get("uid"):
        params["uid"] = params["preconditions"]["uid"]
    api._delete(_sub(req, "delete", req.resource, req.name, "", None, params), log)
    return SUCCESS


def _sub(req: Request, verb: str, res: Resource, name: str, subresource: str, body: Any,
         params: dict | None = None) -> Request:
    """A write the eviction makes on the requester's behalf, traced under its request."""
    return Request(verb, res, req.namespace, name, subresource, body, req.credentials, req.actor, params or {},
                   req.user, req.verbose, user_agent=req.user_agent)


narrative({
    "eviction": lambda f: f"eviction of pod {f['object']}: " + phrase_of(f),
})


def phrase_of(f: dict) -> str:
    """What the eviction found before it deletes the pod."""
    if f["outcome"] == "no-budget-check":
        return f"its phase is {f['phase'] or 'unset'}, so no disruption budget is asked; deleting it"
    if f["outcome"] == "no-budget":
        return "no PodDisruptionBudget selects it; deleting it"
    if f["outcome"] == "unready":
        return f"it is not ready, and PodDisruptionBudget {f['pdb']} is healthy without it; deleting it"
    return f"PodDisruptionBudget {f['pdb']} allows a disruption: one taken, the pod noted in disruptedPods; deleting it"


__all__ = ["evict", "matching_pdbs", "too_many_requests"]
