"""kubectl commands (staging/src/k8s.io/kubectl/pkg/cmd/...): the command table, and create, apply, replace,
delete and config (the other commands have a module each: get.py, describe.py, edit.py, labels.py, nodes.py,
rbac.py, rollout.py, generators.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..apiserver import APIError
from ..apiserver.resources import Resource
from ..objects import deep_copy
from . import printers
from .apiinfo import api_resources, api_versions, version
from .builder import chosen_objects, documents, mapping, namespace_for
from .context import Context, dry_run, field_validation, server_error, with_source
from .describe import describe
from .describe_writer import LAST_APPLIED
from .diff import diff
from .edit import patch, scale, set_command
from .explain import explain
from .expose import expose
from .generators import GENERATORS
from .get import get
from .labels import annotate, label
from .logs import logs
from .manifests import KubectlError
from .nodes import cordon, drain, uncordon
from .rbac import auth
from .rollout import parse_duration, rollout
from .run import run
from .streams import attach, cp, exec_command, port_forward
from .taint import taint
from .wait import wait


def _for_each_document(ctx: Context, verb: str, fn: Callable[[Resource, dict, str, str], str],
                       on_error: Callable[[APIError], str] | None = None) -> int:
    """Run `fn` on each manifest document and print `<kind>/<name> <word>`; server errors as kubectl prints them
    (`on_error` formats them where the command has its own form)."""
    docs = documents(ctx)
    if not docs:
        raise KubectlError(f"no objects passed to {verb}")
    failed = False
    for doc in docs:
        res = mapping(ctx, doc)
        if res is None:
            failed = True
            continue
        try:
            ns = namespace_for(ctx, res, doc.obj)
            word = fn(res, doc.obj, ns, doc.source)
            ctx.print(f"{res.kubectl_name}/{_name(doc.obj)} {word}")
        except APIError as e:
            ctx.error(on_error(e) if on_error else server_error(with_source(e, _gerund(verb), doc.source)))
            failed = True
    return 1 if failed else 0


def _name(obj: dict) -> str:
    return obj.get("metadata", {}).get("name") or obj.get("metadata", {}).get("generateName", "")


def _gerund(verb: str) -> str:
    return {"create": "creating", "apply": "applying", "replace": "replacing", "delete": "deleting"}.get(verb, verb)


# --- create / apply / replace -----------------------------------------------------------------------------------

def create(ctx: Context) -> int:
    def one(res: Resource, obj: dict, ns: str, source: str) -> str:
        dry = dry_run(ctx)
        if dry == "client":
            return "created (dry run)"
        created = ctx.client.request("create", res, ns, body=obj, fieldValidation=field_validation(ctx),
                                     fieldManager="kubectl-create", dryRun="All" if dry == "server" else None)
        obj.setdefault("metadata", {})["name"] = created["metadata"]["name"]
        return "created" + (f" ({dry} dry run)" if dry else "")
    if len(ctx.args.words) > 1:
        generator = GENERATORS.get(ctx.args.words[1])
        if generator is None:
            raise KubectlError(f"unknown command \"{ctx.args.words[1]}\" for \"kubectl create\"")
        return generator(ctx)
    return _for_each_document(ctx, "create", one)


#: kubectl apply's advice after a server-side apply conflict (pkg/cmd/apply/apply.go)
CONFLICT_ADVICE = """Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts"""


def _server_side_apply(ctx: Context) -> int:
    """`apply --server-side`: each object goes whole as an apply patch (manager `kubectl` unless
    --field-manager); a conflict prints the server's message and kubectl's advice."""
    if ctx.args.get("force"):
        raise KubectlError("--force cannot be used with --server-side")
    dry = dry_run(ctx)
    if dry == "client":
        raise KubectlError("--dry-run=client doesn't work with --server-side (did you mean --dry-run=server "
                           "instead?)")

    def one(res: Resource, obj: dict, ns: str, source: str) -> str:
        body = deep_copy(obj)
        if ns:
            body.setdefault("metadata", {})["namespace"] = ns
        ctx.client.request("patch", res, ns, _name(obj), body=body, patchType="apply",
                           fieldManager=ctx.args.get("field-manager") or "kubectl",
                           force=bool(ctx.args.get("force-conflicts")), fieldValidation=field_validation(ctx),
                           dryRun="All" if dry == "server" else None)
        return "serverside-applied" + (" (server dry run)" if dry == "server" else "")

    def error(e: APIError) -> str:
        if e.code == 409 and e.reason == "Conflict":
            return f"error: {e.message}\n{CONFLICT_ADVICE}"
        return server_error(e) if e.reason else f"Error from server: {e.message}"
    return _for_each_document(ctx, "apply", one, error)


def apply(ctx: Context) -> int:
    """Client-side apply: create with the last-applied annotation, or a three-way strategic merge patch;
    `--server-side`: server-side apply."""
    if ctx.args.get("server-side"):
        return _server_side_apply(ctx)
    if ctx.args.get("force-conflicts"):
        raise KubectlError("--force-conflicts only works with --server-side")

    def one(res: Resource, obj: dict, ns: str, source: str) -> str:
        applied = deep_copy(obj)
        # GetModifiedConfiguration: annotations become {} at least, and the builder has set the namespace
        applied.setdefault("metadata", {}).setdefault("annotations", {})
        applied["metadata"]["annotations"].pop(LAST_APPLIED, None)
        if ns:
            applied["metadata"]["namespace"] = ns
        config = json.dumps(applied, sort_keys=True, separators=(",", ":")) + "\n"
        try:
            live = ctx.client.get(res.resource, ns, obj["metadata"]["name"])
        except APIError as e:
            if e.code != 404:
                raise
            body = deep_copy(applied)
            body["metadata"].setdefault("annotations", {})[LAST_APPLIED] = config
            ctx.client.request("create", res, ns, body=body, fieldValidation=field_validation(ctx),
                               fieldManager="kubectl-client-side-apply")
            return "created"
        last = json.loads(live["metadata"].get("annotations", {}).get(LAST_APPLIED) or "{}")
        patch = three_way_patch(last, applied)
        meta = patch.setdefault("metadata", {})
        if not isinstance(meta.get("annotations"), dict):
            meta["annotations"] = {}
        meta["annotations"][LAST_APPLIED] = config
        updated = ctx.client.patch(res.resource, ns, live["metadata"]["name"], patch,
                                   fieldManager="kubectl-client-side-apply")
        same = updated["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]
        return "unchanged" if same else "configured"
    return _for_each_document(ctx, "apply", one)


def three_way_patch(last: Any, new: Any) -> Any:
    """What apply sends: every field of the new config, and null for fields the last apply had and this one lacks."""
    if not isinstance(new, dict):
        return deep_copy(new)
    patch = {k: three_way_patch((last or {}).get(k) if isinstance(last, dict) else None, v) for k, v in new.items()}
    if isinstance(last, dict):
        for k in last:
            if k not in new:
                patch[k] = None
    return patch


def replace(ctx: Context) -> int:
    def one(res: Resource, obj: dict, ns: str, source: str) -> str:
        body = deep_copy(obj)
        if not body.get("metadata", {}).get("resourceVersion"):
            live = ctx.client.get(res.resource, ns, obj["metadata"]["name"])
            body["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
        ctx.client.request("update", res, ns, obj["metadata"]["name"], body=body, fieldValidation=field_validation(ctx),
                           fieldManager="kubectl-replace")
        return "replaced"
    return _for_each_document(ctx, "replace", one)


# --- delete ---------------------------------------------------------------------------------------------------

def delete(ctx: Context) -> int:
    cascade = str(ctx.args.get("cascade", "background")).lower()
    policy = {"background": "Background", "true": "Background", "foreground": "Foreground", "orphan": "Orphan",
              "false": "Orphan"}.get(cascade)
    if policy is None:
        raise KubectlError(f'invalid cascade value ({cascade}). Must be "background", "foreground", or "orphan".')
    grace = ctx.args.get("grace-period")
    grace = int(grace) if grace is not None else None
    if ctx.args.get("now"):
        grace = 1
    if ctx.args.get("force"):
        ctx.error("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
                  "terminated. The resource may continue to run on the cluster indefinitely.")
        grace = 0 if grace is None else grace
    wait = str(ctx.args.get("wait", "true")).lower() != "false"
    chosen = chosen_objects(ctx, note_empty=True)
    failed = False
    deleted = []
    for res, ns, name in chosen:
        try:
            obj = ctx.client.delete(res.resource, ns, name, propagationPolicy=policy, gracePeriodSeconds=grace)
        except APIError as e:
            if e.code == 404 and ctx.args.get("ignore-not-found"):
                continue
            ctx.error(server_error(e))
            failed = True
            continue
        suffix = f" from {ns} namespace" if res.namespaced else ""
        ctx.print(f'{res.kubectl_name} "{name}" deleted{suffix}')
        deleted.append((res, ns, name, obj["metadata"].get("uid")))
    if wait and deleted and not dry_run(ctx):
        # --timeout (delete.go: 0 is a week; here 600 virtual seconds, and less once the cluster has settled)
        ctx.wait_until(lambda: all(_gone(ctx, r, ns, n, uid) for r, ns, n, uid in deleted),
                       parse_duration(ctx.args.get("timeout")) or 600.0)
        left = next(((r, n) for r, ns, n, uid in deleted if not _gone(ctx, r, ns, n, uid)), None)
        if left is not None:
            raise KubectlError(f"timed out waiting for the condition on {left[0].resource}/{left[1]}")
    return 1 if failed else 0


def _gone(ctx: Context, res: Resource, ns: str, name: str, uid: str | None) -> bool:
    """delete --wait's IsDeleted condition, as a quiet GET (the wait's own requests leave no trace): gone, or
    replaced by a new object of the same name. A wait kubectl may not make is no failure (delete.go: "if we're
    forbidden from waiting, we shouldn't fail"), so Forbidden ends it too."""
    try:
        obj = ctx.quiet.get(res.resource, ns, name)
    except APIError as e:
        if e.code in (403, 404):
            return True
        raise
    return obj["metadata"].get("uid") != uid


# --- config -----------------------------------------------------------------------------------------------------

def config(ctx: Context) -> int:
    words = ctx.args.words[1:]
    sub = words[0] if words else ""
    kc = ctx.cluster.kubeconfig()
    if sub == "view":
        if not ctx.args.get("raw"):
            for c in kc["clusters"]:
                c["cluster"]["certificate-authority-data"] = "DATA+OMITTED"
            for u in kc["users"]:
                for k in list(u["user"]):
                    u["user"][k] = "REDACTED" if k == "token" else "DATA+OMITTED"
        if ctx.args.get("minify"):
            current = next(c for c in kc["contexts"] if c["name"] == kc["current-context"])
            kc["contexts"] = [current]
            kc["users"] = [u for u in kc["users"] if u["name"] == current["context"]["user"]]
        ctx.print(printers.to_yaml(kc) if ctx.args.get("output", "yaml") == "yaml" else printers.to_json(kc))
        return 0
    if sub == "use-context":
        if len(words) < 2 or words[1] not in ctx.cluster.users:
            raise KubectlError(f'no context exists with the name: "{words[1] if len(words) > 1 else ""}"')
        ctx.cluster.current_context = words[1]
        ctx.print(f'Switched to context "{words[1]}".')
        return 0
    if sub == "current-context":
        ctx.print(kc["current-context"])
        return 0
    if sub == "get-contexts":
        rows = [["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]]
        for c in kc["contexts"]:
            rows.append(["*" if c["name"] == kc["current-context"] else "", c["name"], c["context"]["cluster"],
                         c["context"]["user"], c["context"].get("namespace", "")])
        ctx.print(printers.table(rows))
        return 0
    raise KubectlError(f'unknown command "{sub}" for "kubectl config"')


COMMANDS: dict[str, Callable[[Context], int]] = {
    "create": create, "apply": apply, "replace": replace, "get": get, "delete": delete, "auth": auth,
    "config": config, "describe": describe, "scale": scale, "set": set_command, "patch": patch,
    "rollout": rollout, "cordon": cordon, "uncordon": uncordon, "drain": drain, "label": label,
    "annotate": annotate, "exec": exec_command, "attach": attach, "port-forward": port_forward, "cp": cp,
    "logs": logs,
    "taint": taint, "run": run, "wait": wait, "diff": diff,
    "explain": explain, "api-resources": api_resources, "api-versions": api_versions, "version": version,
    "expose": expose,
}
