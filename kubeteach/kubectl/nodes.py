"""kubectl cordon, uncordon and drain (staging/src/k8s.io/kubectl/pkg/cmd/drain/drain.go, pkg/drain/cordon.go,
pkg/drain/drain.go, pkg/drain/filters.go).

Cordon is a strategic merge patch of `spec.unschedulable`. Drain cordons, sorts the node's pods through kubectl's
filters (DaemonSet-managed, mirror, local storage, unmanaged), then removes the rest: when discovery lists
`pods/eviction` it POSTs each pod's eviction (the API server asks the pod's PodDisruptionBudget and answers 429
while the budget allows no disruption; drain retries every 5 s), otherwise (or with --disable-eviction) it DELETEs
them; then it waits for each pod to be gone.
"""

from __future__ import annotations

from ..apiserver import APIError, lookup
from ..objects import controller_ref, go_duration, parse_selector
from ..pods import is_terminal
from . import apiinfo
from .context import Context
from .manifests import KubectlError
from .rollout import parse_duration

DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "cannot delete Pods that declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
#: how long drain waits in virtual time for the pods to go when --timeout is 0 ("infinite")
FOREVER = 3600.0
EVICT_RETRY_DELAY = 5.0           # the drain command's EvictErrorRetryDelay
EVICTION_SUBRESOURCE = "pods/eviction"
EPSILON = 1e-6                    # float slack when the virtual clock is moved to a retry's time


def _nodes(ctx: Context) -> list[dict]:
    """The Node objects named on the command line (or chosen by --selector), fetched as the builder does."""
    names = ctx.args.words[1:]
    verb = ctx.args.words[0]
    if not names and not ctx.args.get("selector"):
        raise KubectlError(f"USAGE: {verb} NODE [flags]\nSee 'kubectl {verb} -h' for help and examples")
    if names and ctx.args.get("selector"):
        raise KubectlError("error: cannot specify both a node name and a --selector option")
    if not names:
        return ctx.client.list("nodes", labelSelector=parse_selector(ctx.args.get("selector")))["items"]
    out = []
    for name in names:
        kind, _, node = name.rpartition("/")
        res = lookup(kind) if kind else None
        if kind and (res is None or res.kind != "Node"):
            got = res.group_resource if res else kind
            raise KubectlError(f'error: expected resource of type node, got "{got}"')
        out.append(ctx.client.get("nodes", "", node))
    return out


def run_cordon_or_uncordon(ctx: Context, nodes: list[dict], desired: bool) -> None:
    """RunCordonOrUncordon: patch spec.unschedulable where it differs; `already cordoned` where it does not."""
    verb = "cordon" if desired else "uncordon"
    for node in nodes:
        name = node["metadata"]["name"]
        if bool(node.get("spec", {}).get("unschedulable")) == desired:
            ctx.print(f"node/{name} already {verb}ed")
            continue
        try:
            ctx.client.patch("nodes", "", name, {"spec": {"unschedulable": True if desired else None}})
        except APIError as e:
            ctx.error(f'error: unable to {verb} node "{name}": {e.message}')
            continue
        ctx.print(f"node/{name} {verb}ed")


def cordon(ctx: Context) -> int:
    """kubectl cordon NODE: mark the node unschedulable."""
    run_cordon_or_uncordon(ctx, _nodes(ctx), True)
    return 0


def uncordon(ctx: Context) -> int:
    """kubectl uncordon NODE: mark the node schedulable again."""
    run_cordon_or_uncordon(ctx, _nodes(ctx), False)
    return 0


def pod_delete_status(ctx: Context, pod: dict) -> tuple[bool, str, str]:
    """makeFilters run in order (daemonSet, mirror, localStorage, unreplicated): (delete?, kind, message) where
    kind is "" (ok), "skip", "warning" or "error"; the first filter that keeps a pod decides."""
    finished = is_terminal(pod)
    force = bool(ctx.args.get("force"))
    status = (True, "", "")
    ref = controller_ref(pod)
    if ref and ref.get("kind") == "DaemonSet" and not finished:
        try:
            ctx.client.get("daemonsets", pod["metadata"]["namespace"], ref["name"])
            status = (False, "warning", DAEMONSET_WARNING) if ctx.args.get("ignore-daemonsets") else \
                (False, "error", DAEMONSET_FATAL)
        except (APIError, KeyError) as e:
            message = e.message if isinstance(e, APIError) else f'daemonsets.apps "{ref["name"]}" not found'
            status = (True, "warning", message) if force else (False, "error", message)
        if not status[0]:
            return status
    if MIRROR_ANNOTATION in (pod["metadata"].get("annotations") or {}):
        return (False, "skip", "")
    if any("emptyDir" in v for v in pod.get("spec", {}).get("volumes") or []) and not finished:
        if not ctx.args.get("delete-emptydir-data"):
            return (False, "error", LOCAL_STORAGE_FATAL)
        status = (True, "warning", LOCAL_STORAGE_WARNING)
    if not finished and ref is None:
        status = (True, "warning", UNMANAGED_WARNING) if force else (False, "error", UNMANAGED_FATAL)
    return status


def get_pods_for_deletion(ctx: Context, node: str) -> tuple[list[dict], str, list[str]]:
    """GetPodsForDeletion: the node's pods to remove, the warnings line, and the errors (sorted for determinism;
    Go ranges over a map here)."""
    params = {"labelSelector": parse_selector(ctx.args["pod-selector"])} if ctx.args.get("pod-selector") else {}
    pods = ctx.client.list("pods", "", nodeName=node, **params)["items"]
    delete, warnings, errors = [], {}, {}
    for pod in pods:
        ok, kind, message = pod_delete_status(ctx, pod)
        where = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        if kind == "warning":
            warnings.setdefault(message, []).append(where)
        if kind == "error":
            errors.setdefault(message or "unexpected error", []).append(where)
        if ok:
            delete.append(pod)
    errs = [f"{m}: {', '.join(p)}" if m.lower().startswith("cannot delete") else f"cannot delete {m}: {', '.join(p)}"
            for m, p in sorted(errors.items())]
    return delete, "; ".join(f"{m}: {', '.join(p)}" for m, p in sorted(warnings.items())), errs


def drain(ctx: Context) -> int:
    """kubectl drain NODE: cordon, then evict (or delete) every pod the filters allow and wait until they are gone;
    a node that fails is reported and the rest are still drained (RunDrain)."""
    nodes = _nodes(ctx)
    run_cordon_or_uncordon(ctx, nodes, True)
    fatal: list[list[str]] = []
    remaining = []
    for node in nodes:
        name = node["metadata"]["name"]
        errs = delete_or_evict_pods_simple(ctx, name)
        if not errs:
            ctx.print(f"node/{name} drained")
            continue
        ctx.error(f'error: unable to drain node "{name}" due to error: {_aggregate(errs)}, continuing command...')
        fatal.append(errs)
        remaining.append(name)
    if remaining:
        ctx.error("There are pending nodes to be drained:")
        for name in remaining:
            ctx.error(f" {name}")
        # CheckErr: an aggregate of one is unwrapped, and an aggregate prints one error a line (MultipleErrors)
        lines = fatal[0] if len(fatal) == 1 else [_aggregate(e) for e in fatal]
        ctx.error("".join(f"{line}\n" for line in lines))
        return 1
    return 0


def _aggregate(errs: list[str]) -> str:
    """utilerrors.Aggregate.Error(): one message, or `[a, b]` without repeats."""
    unique = list(dict.fromkeys(errs))
    return unique[0] if len(unique) == 1 else f"[{', '.join(unique)}]"


def delete_or_evict_pods_simple(ctx: Context, node: str) -> list[str]:
    """deleteOrEvictPodsSimple: the filters' errors, or the warnings and then the evictions (or deletions); after a
    failure, the node's pods still to be removed are listed."""
    pods, warnings, errs = get_pods_for_deletion(ctx, node)
    if errs:
        return errs
    if warnings:
        ctx.error(f"Warning: {warnings}")
    if not pods:
        return []
    errs = evict_pods(ctx, pods) if not ctx.args.get("disable-eviction") and eviction_supported(ctx) else \
        delete_pods(ctx, pods)
    if errs:
        pending, _, _ = get_pods_for_deletion(ctx, node)
        if pending:
            ctx.error(f'There are pending pods in node "{node}" when an error occurred: {_aggregate(errs)}')
            for p in pending:
                ctx.error(f"pod/{p['metadata']['name']}")
    return errs


def eviction_supported(ctx: Context) -> bool:
    """CheckEvictionSupport: discovery of the core group lists `pods/eviction` with kind Eviction and its group
    and version (policy/v1)."""
    resources = apiinfo.fetch(ctx, "/api/v1")["resources"]
    return any(r["name"] == EVICTION_SUBRESOURCE and r.get("kind") == "Eviction" and r.get("group")
               and r.get("version") for r in resources)


def _timeout(ctx: Context) -> float:
    return parse_duration(ctx.args.get("timeout")) or FOREVER


def _gone(ctx: Context, pod: dict) -> bool:
    """waitForDelete's check (a GET, quiet as `delete --wait`'s: once a second it would flood the trace): the pod
    is gone, or another pod has its name."""
    m = pod["metadata"]
    try:
        current: dict | None = ctx.quiet.get("pods", m["namespace"], m["name"])
    except APIError as e:
        if e.code != 404:
            raise
        current = None
    return current is None or current["metadata"].get("uid") != m.get("uid")


def evict_pods(ctx: Context, pods: list[dict]) -> list[str]:
    """evictPods: POST each pod's eviction (`evicting pod ns/name`); a 429 (a disruption budget at zero) is retried
    every EvictErrorRetryDelay (5 s) on the virtual clock until --timeout; each evicted pod is then waited for
    (`pod/<name> evicted`). kubectl runs one goroutine a pod; here they take turns in the node's pod order."""
    timeout = _timeout(ctx)
    deadline = ctx.now + timeout
    grace = int(ctx.args.get("grace-period", -1))
    options = {"gracePeriodSeconds": grace} if grace >= 0 else {}
    due = {i: ctx.now for i in range(len(pods))}          # pods to (re)try, and when
    waiting: list[int] = []
    errs: list[str] = []
    while due or waiting:
        for i in sorted(k for k, t in due.items() if t <= ctx.now + EPSILON):
            del due[i]
            m = pods[i]["metadata"]
            ctx.print(f"evicting pod {m['namespace']}/{m['name']}")
            if ctx.now + EPSILON >= deadline:
                errs.append(f'error when evicting pods/"{m["name"]}" -n "{m["namespace"]}": global timeout reached: '
                            f"{go_duration(timeout)}")
                continue
            body = {"apiVersion": "policy/v1", "kind": "Eviction",
                    "metadata": {"name": m["name"], "namespace": m["namespace"]}, "deleteOptions": dict(options)}
            try:
                ctx.client.request("create", "pods", m["namespace"], m["name"], "eviction", body)
                waiting.append(i)
            except APIError as e:
                if e.code == 404:
                    continue
                if e.code == 429:
                    ctx.error(f'error when evicting pods/"{m["name"]}" -n "{m["namespace"]}" (will retry after '
                              f"{go_duration(EVICT_RETRY_DELAY)}): {e.message}")
                    due[i] = ctx.now + EVICT_RETRY_DELAY
                    continue
                errs.append(f'error when evicting pods/"{m["name"]}" -n "{m["namespace"]}": {e.message}')

        def settled() -> bool:
            for i in list(waiting):
                if _gone(ctx, pods[i]):
                    waiting.remove(i)
                    ctx.print(f"pod/{pods[i]['metadata']['name']} evicted")
            return not (waiting or due) or any(t <= ctx.now + EPSILON for t in due.values())

        until = min(due.values()) if due else deadline     # a sleeping retry wakes even past the deadline
        if not ctx.wait_until(settled, max(until - ctx.now, 0.0)) and ctx.now + EPSILON < until:
            ctx.cluster.run(until - ctx.now)      # nothing happens before the next retry: kubectl sleeps
        if ctx.now + EPSILON >= deadline and not due:
            errs.extend(f'error when waiting for pod "{pods[i]["metadata"]["name"]}" in namespace '
                        f'"{pods[i]["metadata"]["namespace"]}" to terminate: context deadline exceeded'
                        for i in waiting if not _gone(ctx, pods[i]))
            break
    return errs


def delete_pods(ctx: Context, pods: list[dict]) -> list[str]:
    """deletePods (--disable-eviction): DELETE each pod with --grace-period, then wait for all of them
    (`pod/<name> deleted`, in the order they disappear)."""
    grace = int(ctx.args.get("grace-period", -1))
    pending = []
    for pod in pods:
        m = pod["metadata"]
        try:
            ctx.client.delete("pods", m["namespace"], m["name"], gracePeriodSeconds=grace if grace >= 0 else None)
        except APIError as e:
            if e.code != 404:
                return [e.message]
        pending.append(pod)

    def gone() -> bool:
        for pod in list(pending):
            if _gone(ctx, pod):
                pending.remove(pod)
                ctx.print(f"pod/{pod['metadata']['name']} deleted")
        return not pending

    timeout = _timeout(ctx)
    if not ctx.wait_until(gone, timeout):
        return ["context deadline exceeded"]         # PollUntilContextTimeout's ctx.Err()
    return []


__all__ = ["cordon", "drain", "uncordon"]
