"""kubectl rollout status|history|undo|pause|resume|restart (staging/src/k8s.io/kubectl/pkg/cmd/rollout and
pkg/polymorphichelpers: rollout_status.go, history.go, rollback.go, objectpauser.go, objectresumer.go,
objectrestarter.go).

Everything is done client-side as kubectl does it: status is computed from the Deployment's status fields, history
from its ReplicaSets' revision annotations, and undo is a JSON patch of the Deployment back to an old template.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..apiserver import APIError
from ..objects import controller_ref, deep_copy, get_condition, parse_timestamp, timestamp
from .builder import targets
from .context import Context
from .describe_pod import describe_pod_template
from .describe_writer import PrefixWriter, tabwriter
from .manifests import KubectlError

if TYPE_CHECKING:
    from ..apiserver.resources import Resource

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
HASH_LABEL = "pod-template-hash"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
#: annotations a rollback keeps from the Deployment instead of copying them from the ReplicaSet (rollback.go)
ANNOTATIONS_TO_SKIP = ("kubectl.kubernetes.io/last-applied-configuration", REVISION,
                       "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
                       "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to")
#: how long `rollout status` waits in virtual time when --timeout is 0 ("never")
FOREVER = 3600.0


# --- kubectl/pkg/util/deployment ----------------------------------------------------------------------------------

def revision_of(obj: dict) -> int | None:
    """deploymentutil.Revision: the revision annotation as an integer (None when missing or unparsable)."""
    try:
        return int((obj["metadata"].get("annotations") or {}).get(REVISION, ""))
    except ValueError:
        return None


def equal_ignore_hash(a: dict | None, b: dict | None) -> bool:
    """EqualIgnoreHash: two pod templates are equal once the pod-template-hash label is dropped from both."""
    def strip(t: dict | None) -> dict:
        t = deep_copy(t or {})
        labels = t.setdefault("metadata", {}).get("labels") or {}
        labels.pop(HASH_LABEL, None)
        t["metadata"]["labels"] = labels
        return t
    return strip(a) == strip(b)


def get_all_replica_sets(ctx: Context, d: dict) -> tuple[list[dict], dict | None]:
    """GetAllReplicaSets: the ReplicaSets this Deployment controls (listed by its selector), split into the new one
    (the oldest whose template matches) and all the others, in list order."""
    m = d["metadata"]
    selector = d["spec"].get("selector")
    params = {"labelSelector": selector} if selector else {}
    owned = [rs for rs in ctx.client.list("replicasets", m.get("namespace", ""), **params)["items"]
             if (controller_ref(rs) or {}).get("uid") == m.get("uid")]
    matching = [rs for rs in owned if equal_ignore_hash(rs["spec"].get("template"), d["spec"].get("template"))]
    new = min(matching, key=lambda rs: (parse_timestamp(rs["metadata"]["creationTimestamp"]),
                                        rs["metadata"]["name"])) if matching else None
    return [rs for rs in owned if rs is not new], new


# --- status -----------------------------------------------------------------------------------------------------

def deployment_status(ctx: Context, d: dict, revision: int = 0) -> tuple[str, bool]:
    """DeploymentStatusViewer.Status: kubectl's message for the Deployment's state and whether it is done;
    raises KubectlError for a missed progress deadline or a revision mismatch."""
    name = d["metadata"]["name"]
    if revision > 0:
        current = revision_of(d)
        if current is None:
            raise KubectlError(f'cannot get the revision of deployment "{name}": missing revision annotation')
        if current != revision:
            raise KubectlError(f"desired revision ({revision}) is different from the running revision ({current})")
    st = d.get("status") or {}
    if d["metadata"].get("generation", 0) > st.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed...\n", False
    progressing = get_condition(d, "Progressing")
    if progressing and progressing.get("reason") == "ProgressDeadlineExceeded":
        raise KubectlError(f'deployment "{name}" exceeded its progress deadline')
    replicas, updated = d["spec"].get("replicas", 1), st.get("updatedReplicas", 0)
    total, available = st.get("replicas", 0), st.get("availableReplicas", 0)
    prefix = f'Waiting for deployment "{name}" rollout to finish: '
    if updated < replicas:
        msg = f"{prefix}{updated} out of {replicas} new replicas have been updated...\n"
    elif total > updated:
        msg = f"{prefix}{total - updated} old replicas are pending termination...\n"
    elif available < updated:
        msg = f"{prefix}{available} of {updated} updated replicas are available...\n"
    else:
        return f'deployment "{name}" successfully rolled out\n', True
    return msg, False


def parse_duration(text: str | None) -> float:
    """time.ParseDuration for --timeout (`30s`, `5m`, `1h30m`, `0`)."""
    if not text or text == "0":
        return 0.0
    parts = re.findall(r"([0-9.]+)(ns|us|µs|ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise KubectlError(f'invalid argument "{text}" for "--timeout" flag: time: invalid duration "{text}"')
    unit = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * unit[u] for n, u in parts)


def rollout_status(ctx: Context, res: Resource, name: str) -> int:
    """rollout status: print the current message; with --watch (the default) list, watch the Deployment and let
    the cluster run until the rollout is done, printing each new message once."""
    if res.kind != "Deployment":
        raise KubectlError(f"no status viewer has been implemented for {res.kind}.{res.group}".rstrip("."))
    ns = ctx.namespace
    revision = int(ctx.args.get("revision", 0) or 0)
    if revision < 0:
        raise KubectlError(f"revision must be a positive integer: {revision}")
    ctx.client.get(res.resource, ns, name)
    listed = [d for d in ctx.client.list(res.resource, ns)["items"] if d["metadata"]["name"] == name]
    if not listed:
        raise KubectlError(f'{res.group_resource} "{name}" not found')
    last = ""

    def show(d: dict) -> bool:
        nonlocal last
        msg, done = deployment_status(ctx, d, revision)
        if msg != last:
            ctx.out.append(msg)
            last = msg
        return done

    if show(listed[0]) or ctx.args.get("watch") is False:
        return 0
    pending: list[tuple[str, dict]] = []
    watcher = ctx.client.request("watch", res, ns, callback=lambda etype, obj: pending.append((etype, obj))
                                 if obj["metadata"]["name"] == name else None)
    finished = False

    def check() -> bool:
        nonlocal finished
        while pending and not finished:
            etype, obj = pending.pop(0)
            if etype == "DELETED":
                raise KubectlError("object has been deleted")
            finished = show(obj)
        return finished

    try:
        done = ctx.wait_until(check, parse_duration(ctx.args.get("timeout")) or FOREVER)
    finally:
        watcher.stop()
    if not done:
        raise KubectlError("timed out waiting for the condition")
    return 0


# --- history and undo ---------------------------------------------------------------------------------------------

def print_template(template: dict) -> str:
    """printTemplate: DescribePodTemplate through a plain PrefixWriter (no tabwriter, so the tabs stay tabs)."""
    w = PrefixWriter(tabbed=False)
    describe_pod_template(template, w)
    return w.string()


def view_history(ctx: Context, d: dict, revision: int) -> str:
    """DeploymentHistoryViewer.ViewHistory: a REVISION/CHANGE-CAUSE table, or one revision's pod template."""
    old, new = get_all_replica_sets(ctx, d)
    history: dict[int, dict] = {}
    for rs in old + ([new] if new else []):
        v = revision_of(rs)
        if v is None:
            continue
        template = deep_copy(rs["spec"].get("template") or {})
        cause = (rs["metadata"].get("annotations") or {}).get(CHANGE_CAUSE)
        if cause:
            template.setdefault("metadata", {}).setdefault("annotations", {})[CHANGE_CAUSE] = cause
        history[v] = template
    if not history:
        return "No rollout history found."
    if revision > 0:
        if revision not in history:
            raise KubectlError("unable to find the specified revision")
        return print_template(history[revision])
    rows = []
    for r in sorted(history):
        cause = ((history[r].get("metadata") or {}).get("annotations") or {}).get(CHANGE_CAUSE)
        rows.append(f"{r}\t{cause or '<none>'}\n")
    return tabwriter("REVISION\tCHANGE-CAUSE\n" + "".join(rows))


def rollout_history(ctx: Context, res: Resource, name: str) -> int:
    """rollout history: `deployment.apps/nginx ` then the table (the name printer's operation holds it)."""
    if res.kind != "Deployment":
        raise KubectlError(f'no history viewer has been implemented for "{res.kind}.{res.group}"')
    revision = int(ctx.args.get("revision", 0) or 0)
    if revision < 0:
        raise KubectlError(f"revision must be a positive integer: {revision}")
    ctx.client.get(res.resource, ctx.namespace, name)
    try:
        d = ctx.client.get(res.resource, ctx.namespace, name)
    except APIError as e:
        raise KubectlError(f"failed to retrieve deployment {name}: {e.message}") from None
    text = view_history(ctx, d, revision)
    with_revision = f"with revision #{revision}" if revision > 0 else ""
    ctx.out.append(f"{res.kubectl_name}/{name} {with_revision}\n{text}\n")
    return 0


def deployment_revision(ctx: Context, d: dict, to_revision: int) -> dict:
    """deploymentRevision: the ReplicaSet of revision N, or (N=0) the one with the second-highest revision."""
    old, new = get_all_replica_sets(ctx, d)
    latest: tuple[int, dict | None] = (-1, None)
    previous: tuple[int, dict | None] = (-1, None)
    for rs in old + ([new] if new else []):
        v = revision_of(rs)
        if v is None:
            continue
        if to_revision == 0:
            if latest[0] < v:
                previous, latest = latest, (v, rs)
            elif previous[0] < v:
                previous = (v, rs)
        elif to_revision == v:
            return rs
    if to_revision > 0:
        raise KubectlError(f"unable to find specified revision {to_revision} in history")
    if previous[1] is None:
        raise KubectlError(f'no rollout history found for deployment "{d["metadata"]["name"]}"')
    return previous[1]


def rollout_undo(ctx: Context, res: Resource, name: str) -> int:
    """rollout undo (DeploymentRollbacker): JSON-patch /spec/template and /metadata/annotations back to the
    target ReplicaSet's; the controller then adopts that ReplicaSet as the new one and bumps its revision."""
    if res.kind != "Deployment":
        raise KubectlError(f'no rollbacker has been implemented for "{res.kind}.{res.group}"')
    to_revision = int(ctx.args.get("to-revision", 0) or 0)
    ns = ctx.namespace
    ctx.client.get(res.resource, ns, name)
    if to_revision < 0:
        raise KubectlError(f"unable to find specified revision {to_revision} in history")
    try:
        d = ctx.client.get(res.resource, ns, name)
    except APIError as e:
        raise KubectlError(f"failed to retrieve Deployment {name}: {e.message}") from None
    rs = deployment_revision(ctx, d, to_revision)
    if d["spec"].get("paused"):
        raise KubectlError("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume "
                           f"deployment/{name}' and try again")
    if equal_ignore_hash(rs["spec"].get("template"), d["spec"].get("template")):
        ctx.print(f"{res.kubectl_name}/{name} skipped rollback (current template already matches revision "
                  f"{to_revision})")
        return 0
    template = deep_copy(rs["spec"]["template"])
    (template.get("metadata") or {}).get("labels", {}).pop(HASH_LABEL, None)
    d_ann = d["metadata"].get("annotations") or {}
    annotations = {k: d_ann[k] for k in ANNOTATIONS_TO_SKIP if k in d_ann}
    annotations.update({k: v for k, v in (rs["metadata"].get("annotations") or {}).items()
                        if k not in ANNOTATIONS_TO_SKIP})
    patch = [{"op": "replace", "path": "/spec/template", "value": template},
             {"op": "replace", "path": "/metadata/annotations", "value": annotations}]
    try:
        ctx.client.patch(res.resource, ns, name, patch, "json")   # rollback.go sends no fieldManager: "kubectl"
    except APIError as e:
        raise KubectlError(f"failed restoring revision {to_revision}: {e.message}") from None
    ctx.print(f"{res.kubectl_name}/{name} rolled back")
    return 0


# --- pause, resume, restart ---------------------------------------------------------------------------------------

def _patch_verb(ctx: Context, res: Resource, name: str, verb: str) -> int:
    """rollout pause|resume|restart: the ObjectPauser/Resumer/Restarter change sent as a strategic merge patch."""
    d = ctx.client.get(res.resource, ctx.namespace, name)
    where = f'{res.group_resource} "{name}"'
    if res.kind != "Deployment":
        word = {"pause": "pausing", "resume": "resuming", "restart": "restarting"}[verb]
        raise KubectlError(f"{where} {word} is not supported")
    paused = bool(d["spec"].get("paused"))
    if verb == "pause":
        if paused:
            raise KubectlError(f"{where} is already paused")
        patch, word = {"spec": {"paused": True}}, "paused"
    elif verb == "resume":
        if not paused:
            raise KubectlError(f"{where} is not paused")
        patch, word = {"spec": {"paused": None}}, "resumed"
    else:
        if paused:
            raise KubectlError(f"{where} can't restart paused deployment (run rollout resume first)")
        stamp = timestamp(ctx.now)
        current = ((d["spec"].get("template") or {}).get("metadata") or {}).get("annotations") or {}
        if current.get(RESTARTED_AT) == stamp:    # the same second: the computed patch is empty
            raise KubectlError(f"failed to create patch for {name}: if restart has already been triggered within "
                               "the past second, please wait before attempting to trigger another")
        patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        word = "restarted"
    try:
        ctx.client.patch(res.resource, ctx.namespace, name, patch, fieldManager="kubectl-rollout")
    except APIError as e:
        raise KubectlError(f"failed to patch: {e.message}") from None
    ctx.print(f"{res.kubectl_name}/{name} {word}")
    return 0


SUBCOMMANDS = {"status": rollout_status, "history": rollout_history, "undo": rollout_undo,
               "pause": lambda ctx, res, name: _patch_verb(ctx, res, name, "pause"),
               "resume": lambda ctx, res, name: _patch_verb(ctx, res, name, "resume"),
               "restart": lambda ctx, res, name: _patch_verb(ctx, res, name, "restart")}


def rollout(ctx: Context) -> int:
    """kubectl rollout SUBCOMMAND (TYPE NAME | TYPE/NAME)…"""
    words = ctx.args.words[1:]
    sub = words[0] if words else ""
    fn = SUBCOMMANDS.get(sub)
    if fn is None:
        raise KubectlError(f'unknown command "{sub}" for "kubectl rollout"' if sub else
                           "You must specify one of: history, pause, restart, resume, status, undo")
    if len(words) < 2:
        raise KubectlError("required resource not specified")
    named = [(res, n) for res, names in targets(ctx, words[1:]) for n in names]
    if not named:
        raise KubectlError("required resource not specified")
    if sub == "status" and len(named) > 1:
        raise KubectlError("rollout status is only supported on individual resources and resource collections - "
                           f"{len(named)} resources were found")
    code = 0
    for res, name in named:
        code = max(code, fn(ctx, res, name))
    return code


__all__ = ["deployment_status", "get_all_replica_sets", "rollout", "view_history"]
