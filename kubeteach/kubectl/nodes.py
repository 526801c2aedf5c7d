"""kubectl cordon, uncordon and drain (staging/src/k8s.io/kubectl/pkg/cmd/drain/drain.go, pkg/drain/cordon.go,
pkg/drain/drain.go, pkg/drain/filters.go).

Cordon is a strategic merge patch of `spec.unschedulable`. Drain cordons, sorts the node's pods through kubectl's
filters (DaemonSet-managed, mirror, local storage, unmanaged), then removes the rest. Real kubectl POSTs the
`pods/<name>/eviction` subresource (which checks PodDisruptionBudgets); the simulated API server does not serve
evictions, so drain sends a DELETE with the pod's own grace period instead (what `--disable-eviction` does) while
printing the eviction lines a learner sees on a real cluster, and waits for each pod to be gone.
"""

from __future__ import annotations

from ..apiserver import APIError, lookup
from ..objects import controller_ref, go_duration, parse_selector
from ..pods import is_terminal
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
    """kubectl drain NODE: cordon, then remove every pod the filters allow and wait until they are gone."""
    nodes = _nodes(ctx)
    run_cordon_or_uncordon(ctx, nodes, True)
    grace = int(ctx.args.get("grace-period", -1))
    for i, node in enumerate(nodes):
        name = node["metadata"]["name"]
        pods, warnings, errs = get_pods_for_deletion(ctx, name)
        if not errs:
            if warnings:
                ctx.error(f"Warning: {warnings}")
            errs = evict_pods(ctx, pods, grace)
        if errs:
            ctx.error(f'error: unable to drain node "{name}", aborting command...\n\n')
            ctx.error("There are pending nodes to be drained:")
            for rest in nodes[i:]:
                ctx.error(f" {rest['metadata']['name']}")
            ctx.error("error: " + (errs[0] if len(errs) == 1 else f"[{', '.join(errs)}]"))
            return 1
        ctx.print(f"node/{name} drained")
    return 0


def evict_pods(ctx: Context, pods: list[dict], grace: int) -> list[str]:
    """evictPods, with DELETE standing in for the eviction POST: print `evicting pod ns/name` for each, remove
    them, then let the cluster run until each is gone (`pod/<name> evicted`, in the order they disappear)."""
    if not pods:
        return []
    errs = []
    pending = []
    for pod in pods:
        m = pod["metadata"]
        ctx.print(f"evicting pod {m['namespace']}/{m['name']}")
        try:
            ctx.client.delete("pods", m["namespace"], m["name"], gracePeriodSeconds=grace if grace >= 0 else None)
            pending.append(pod)
        except APIError as e:
            if e.code != 404:
                errs.append(f'error when evicting pod "{m["name"]}": {e.message}')
            else:
                pending.append(pod)

    def gone() -> bool:
        # waitForDelete's GET poll (once a second), quiet as `delete --wait`'s: it would flood the trace
        for pod in list(pending):
            m = pod["metadata"]
            try:
                current: dict | None = ctx.quiet.get("pods", m["namespace"], m["name"])
            except APIError as e:
                if e.code != 404:
                    raise
                current = None
            if current is None or current["metadata"].get("uid") != m.get("uid"):
                pending.remove(pod)
                ctx.print(f"pod/{m['name']} evicted")
        return not pending

    timeout = parse_duration(ctx.args.get("timeout")) or FOREVER
    if not ctx.wait_until(gone, timeout):
        errs.extend(f'error when waiting for pod "{p["metadata"]["name"]}" terminating: global timeout reached: '
                    f"{go_duration(timeout)}" for p in pending)
    return errs


__all__ = ["cordon", "drain", "uncordon"]
