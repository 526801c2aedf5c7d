"""The sentences for the scheduler's trace records (facts stay in the records; see kubeteach.trace)."""

from __future__ import annotations

from ..trace import narrative, phrase, plural


def _scheduled(f: dict) -> str:
    searched = ""
    if f["visited"] < f["all_nodes"]:
        searched = f" (searched {f['visited']} of {f['all_nodes']} nodes, numFeasibleNodesToFind {f['to_find']})"
    text = f"{f['object']}: {f['feasible']} of {f['all_nodes']} nodes pass Filter{searched}"
    if f["rejected"]:
        text += f" (rejected: {', '.join(f['rejected'])})"
    if not f["totals"]:
        return f"{text}; {f['winner']} is the only feasible node, so no scoring"
    scores = ", ".join(f"{n} {s}" for n, s in f["totals"].items())
    if len(f["tied"]) > 1:
        how = f"tie: reservoir pick {f['winner']}"
    else:
        how = f"highest: {f['winner']}"
    return f"{text}; Score {scores} ({how})"


def _bound(f: dict) -> str:
    return (f"POST pods/{f['pod']}/binding -> {f['node']} (assumed on {f['node']} in the scheduler cache first); "
            "PodScheduled=True")


def _unschedulable(f: dict) -> str:
    if f["queue"] == "unschedulablePods":
        where = "waits in unschedulablePods until a cluster event may help (or the 5m flush)"
    elif f["queue"] == "backoffQ":
        where = f"retry from backoffQ in {f['retry']:g}s"
    else:
        where = "not requeued: " + phrase(f"unschedulable:queue:{f['queue']}", f)
    why = [f"{w['node']}: " + "; ".join(phrase(f"filter:{d['why']}", d, f["_lang"]) for d in w["detail"])
           for w in f.get("why") or []]
    if f.get("more"):
        why.append(phrase("unschedulable:more", f))
    why = f" ({'; '.join(why)})" if why else ""
    sep = " " if why or f["message"].endswith(".") else "; "     # a PostFilter error (`not found`) has no period
    return f"{f['object']}: {f['message']}{why}{sep}PodScheduled=False ({f['reason']}); {where}"


def _requeue(f: dict) -> str:
    pods = f["pods"]
    shown = ", ".join(pods[:3]) + (f" and {len(pods) - 3} more" if len(pods) > 3 else "")
    if f["event"] == "restart":
        return f"restarted: {len(pods)} pending pod(s) back to activeQ: {shown}"
    return (f"{f['event']} {f['what']} may help {len(pods)} unschedulable pod(s): {shown} -> "
            f"{' / '.join(f['queue'])}")


MB = 1024 * 1024


def _quantity(resource: str, n: int) -> str:
    """A resource amount as the trace shows it: millicores for cpu, whole Mi (or bytes) for the others."""
    if resource == "cpu":
        return f"{n}m"
    return f"{n // MB}Mi" if n % MB == 0 else str(n)


narrative({
    "scheduled": _scheduled,
    "bound": _bound,
    "unschedulable": _unschedulable,
    "requeue": _requeue,
    "skip-deleting": "skip schedule deleting pod: {object}",
    "unschedulable:queue:none": "none (pod is gone or assigned)",
    "unschedulable:more": "{more} more",
    # the facts behind a Filter rejection (Status.detail: traced, never in the pod's status)
    "filter:insufficient": lambda f: (f"{f['resource']} {_quantity(f['resource'], f['requested'])} requested > "
                                      f"{_quantity(f['resource'], f['free'])} free"),
    "filter:too-many-pods": "{pods} of {allowed} pods already",
    "filter:untolerated-taint": "untolerated taint {key}={value}:{effect}",
    "filter:unbound-claims": lambda f: "unbound: " + ", ".join(f["claims"]),
    "filter:pv-node-affinity": "PV {pv}",
    "filter:host-port": "hostPort {port}/{protocol} in use",
    # how the host was picked (Decision.tie_break, shown under the scheduler table)
    "tie-break:only-feasible": "the only feasible node: no scoring",
    "tie-break:highest": "highest score {best}",
    "tie-break:reservoir": lambda f: (f"reservoir sampling among {f['tied']} nodes tied at {f['best']} "
                                      f"({plural(f['draws'], 'draw')}) picked {f['winner']}"),
})
