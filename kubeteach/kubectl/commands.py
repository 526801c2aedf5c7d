"""kubectl commands (staging/src/k8s.io/kubectl/pkg/cmd/...): each sends API requests and prints kubectl's lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..apiserver import APIError
from ..apiserver.resources import Resource, for_kind, lookup
from ..client import Client
from ..objects import deep_copy, parse_selector
from . import manifests, printers
from .manifests import KubectlError

if TYPE_CHECKING:
    from ..cluster import Cluster
    from . import Args

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass
class Context:
    cluster: Cluster
    client: Client
    args: Args
    out: list[str]
    err: list[str]
    user: str

    @property
    def namespace(self) -> str:
        return self.args.get("namespace") or "default"

    def print(self, text: str) -> None:
        self.out.append(text if text.endswith("\n") or not text else text + "\n")

    def error(self, text: str) -> None:
        self.err.append(text if text.endswith("\n") else text + "\n")


def server_error(e: APIError) -> str:
    """kubectl's CheckErr: Invalid errors list their causes; Unauthorized has its own line; the rest `Error from
    server (Reason): message`."""
    if e.code == 401:
        return "error: You must be logged in to the server (Unauthorized)"
    if e.reason == "Invalid" and e.details.get("causes") is not None:
        kind, name = e.details.get("kind") or "", e.details.get("name") or ""
        # no kind and no name (patch.go's `patch` errors): "The request is invalid"
        head = f'The {kind} "{name}" is invalid: ' if kind or name else "The request is invalid: "
        causes = [f"{c['field']}: {c['message']}" for c in e.details["causes"]]
        if len(causes) == 1:
            return head + causes[0]
        return head + "\n" + "\n".join(f"* {c}" for c in causes)
    return f"Error from server ({e.reason}): {e.message}"


def with_source(e: APIError, verb: str, source: str) -> APIError:
    """AddSourceToErr: `error when creating "deployment.yaml": …` (Invalid errors keep their own form)."""
    if e.reason in ("Invalid", "Unauthorized"):
        return e
    return APIError(e.code, e.reason, f'error when {verb} "{source}": {e.message}', e.details)


def resolve(name: str) -> Resource:
    res = lookup(name)
    if res is None:
        raise KubectlError(f'the server doesn\'t have a resource type "{name}"')
    return res


def _documents(ctx: Context) -> list[manifests.Document]:
    files = ctx.args.all("filename")
    if not files:
        raise KubectlError("must specify one of -f and -k")
    return manifests.load(files)


def _mapping(ctx: Context, doc: manifests.Document) -> Resource | None:
    """RESTMapper: the resource for a document's apiVersion and kind, or kubectl's mapping error."""
    problem = doc.error or manifests.check(doc)
    if problem:
        ctx.error(f"error: {problem}")
        return None
    obj = doc.obj
    res = for_kind(obj["apiVersion"], obj["kind"])
    if res is None:
        name = obj.get("metadata", {}).get("name", "")
        ns = obj.get("metadata", {}).get("namespace", "")
        ctx.error(f'error: resource mapping not found for name: "{name}" namespace: "{ns}" from "{doc.source}": '
                  f'no matches for kind "{obj["kind"]}" in version "{obj["apiVersion"]}"\n'
                  "ensure CRDs are installed first")
    return res


def _ns_for(ctx: Context, res: Resource, obj: dict) -> str:
    if not res.namespaced:
        return ""
    ns = obj.get("metadata", {}).get("namespace")
    flag = ctx.args.get("namespace")
    if ns and flag and ns != flag:
        raise KubectlError(f"the namespace from the provided object \"{ns}\" does not match the namespace \"{flag}\". "
                           "You must pass '--namespace=" + ns + "' to perform this operation.")
    return ns or ctx.namespace


def _validation(ctx: Context) -> str:
    value = str(ctx.args.get("validate", "strict")).lower()
    return {"true": "Strict", "strict": "Strict", "warn": "Warn", "false": "Ignore", "ignore": "Ignore"}.get(
        value, "Strict")


def _dry_run(ctx: Context) -> str:
    """--dry-run=none|server|client; client-side dry runs send nothing."""
    value = str(ctx.args.get("dry-run", "none")).lower()
    if value not in ("none", "server", "client"):
        raise KubectlError(f'Invalid dry-run value ({value}). Must be "none", "server", or "client".')
    return "" if value == "none" else value


def _for_each_document(ctx: Context, verb: str, fn: Callable[[Resource, dict, str, str], str]) -> int:
    docs = _documents(ctx)
    if not docs:
        raise KubectlError(f"no objects passed to {verb}")
    failed = False
    for doc in docs:
        res = _mapping(ctx, doc)
        if res is None:
            failed = True
            continue
        try:
            ns = _ns_for(ctx, res, doc.obj)
            word = fn(res, doc.obj, ns, doc.source)
            ctx.print(f"{res.kubectl_name}/{_name(doc.obj)} {word}")
        except APIError as e:
            ctx.error(server_error(with_source(e, _gerund(verb), doc.source)))
            failed = True
    return 1 if failed else 0


def _name(obj: dict) -> str:
    return obj.get("metadata", {}).get("name") or obj.get("metadata", {}).get("generateName", "")


def _gerund(verb: str) -> str:
    return {"create": "creating", "apply": "applying", "replace": "replacing", "delete": "deleting"}.get(verb, verb)


# --- create / apply / replace -----------------------------------------------------------------------------------

def create(ctx: Context) -> int:
    def one(res: Resource, obj: dict, ns: str, source: str) -> str:
        dry = _dry_run(ctx)
        if dry == "client":
            return "created (dry run)"
        created = ctx.client.request("create", res, ns, body=obj, fieldValidation=_validation(ctx),
                                     fieldManager="kubectl-create", dryRun="All" if dry == "server" else None)
        obj.setdefault("metadata", {})["name"] = created["metadata"]["name"]
        return "created" + (f" ({dry} dry run)" if dry else "")
    if len(ctx.args.words) > 1:
        from .generators import GENERATORS

        generator = GENERATORS.get(ctx.args.words[1])
        if generator is None:
            raise KubectlError(f"unknown command \"{ctx.args.words[1]}\" for \"kubectl create\"")
        return generator(ctx)
    return _for_each_document(ctx, "create", one)


def apply(ctx: Context) -> int:
    """Client-side apply: create with the last-applied annotation, or a three-way strategic merge patch."""
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
            ctx.client.request("create", res, ns, body=body, fieldValidation=_validation(ctx),
                               fieldManager="kubectl-client-side-apply")
            return "created"
        last = json.loads(live["metadata"].get("annotations", {}).get(LAST_APPLIED) or "{}")
        patch = three_way_patch(last, applied)
        meta = patch.setdefault("metadata", {})
        if not isinstance(meta.get("annotations"), dict):
            meta["annotations"] = {}
        meta["annotations"][LAST_APPLIED] = config
        updated = ctx.client.patch(res.resource, ns, live["metadata"]["name"], patch)
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
        ctx.client.request("update", res, ns, obj["metadata"]["name"], body=body, fieldValidation=_validation(ctx))
        return "replaced"
    return _for_each_document(ctx, "replace", one)


# --- get ----------------------------------------------------------------------------------------------------------

def _targets(ctx: Context, words: list[str]) -> list[tuple[Resource, list[str]]]:
    """`pods`, `pods a b`, `deploy,rs`, `pod/a deploy/b`: resources and names, in kubectl's order."""
    if not words:
        raise KubectlError('You must specify the type of resource to get. Use "kubectl api-resources" for a '
                           "complete list of supported resources.")
    if all("/" in w for w in words):
        out: list[tuple[Resource, list[str]]] = []
        for w in words:
            kind, name = w.split("/", 1)
            out.append((resolve(kind), [name]))
        return out
    if any("/" in w for w in words):
        raise KubectlError("there is no need to specify a resource type as a separate argument when passing "
                           "arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead "
                           "of 'kubectl get resource resource/<resource_name>'")
    kinds = [res for k in words[0].split(",") for res in (category_all() if k == "all" else [resolve(k)])]
    return [(k, words[1:]) for k in kinds]


def category_all() -> list[Resource]:
    """The `all` category, as discovery lists it (pods, services, deployments, replicasets, ...): those served here."""
    names = ("pods", "replicationcontrollers", "services", "daemonsets", "deployments", "replicasets", "statefulsets",
             "horizontalpodautoscalers", "cronjobs", "jobs")
    return [res for res in map(lookup, names) if res is not None]


def get(ctx: Context) -> int:
    targets = _targets(ctx, ctx.args.words[1:])
    output = ctx.args.get("output", "")
    all_ns = bool(ctx.args.get("all-namespaces"))
    selector = ctx.args.get("selector")
    found: list[tuple[Resource, list[dict]]] = []
    failed = False
    for res, names in targets:
        ns = "" if all_ns or not res.namespaced else ctx.namespace
        if names:
            objs = []
            for name in names:
                try:
                    objs.append(ctx.client.get(res.resource, ns or ctx.namespace, name))
                except APIError as e:
                    if not (e.code == 404 and ctx.args.get("ignore-not-found")):
                        ctx.error(server_error(e))
                        failed = True
        else:
            params = {"labelSelector": parse_selector(selector)} if selector else {}
            if ctx.args.get("field-selector"):
                params["fieldSelector"] = ctx.args.get("field-selector")
            try:
                objs = ctx.client.list(res.resource, ns, **params)["items"]
            except APIError as e:
                if e.code == 400:  # kubectl's resource builder names what it was looking for (resource/selector.go)
                    e = APIError(e.code, e.reason, f'Unable to find "{res.group}/{res.version}, Resource='
                                 f'{res.resource}" that match label selector "{selector or ""}", field selector '
                                 f'"{ctx.args.get("field-selector") or ""}": {e.message}')
                ctx.error(server_error(e))
                failed = True
                continue
        found.append((res, objs))
    if failed and not any(objs for _, objs in found):
        return 1  # kubectl prints "No resources found" only when nothing failed
    _print_objects(ctx, found, output, all_ns, multi=len(targets) > 1)
    if ctx.args.get("watch"):
        _watch_replay(ctx, found)
    return 1 if failed else 0


def _print_objects(ctx: Context, found: list[tuple[Resource, list[dict]]], output: str, all_ns: bool,
                   multi: bool) -> None:
    objs = [o for _, group in found for o in group]
    if output in ("yaml", "json"):
        body: dict = objs[0] if len(objs) == 1 and len(found) == 1 and _named(ctx) else printers.as_list(objs)
        ctx.print(printers.to_yaml(body) if output == "yaml" else printers.to_json(body))
        return
    if output == "name":
        for res, group in found:
            for o in group:
                ctx.print(f"{res.kubectl_name}/{o['metadata']['name']}")
        return
    if output not in ("", "wide"):
        raise KubectlError(f"unable to match a printer suitable for the output format \"{output}\", allowed formats "
                           "are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
                           "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")
    if not objs:
        if not _named(ctx):
            where = " in " + (f"{ctx.namespace} namespace" if not all_ns else "any namespace") \
                if any(r.namespaced for r, _ in found) and not all_ns else ""
            if all_ns:
                where = ""
            ctx.error(f"No resources found{where}.")
        return
    blocks = []
    for res, group in found:
        if group:
            blocks.append(printers.print_table(res, group, ctx.cluster.now, wide=output == "wide", namespaces=all_ns,
                                               show_labels=bool(ctx.args.get("show-labels")), with_kind=multi))
    ctx.print("\n".join(blocks))


def _named(ctx: Context) -> bool:
    return len(ctx.args.words) > 2 or any("/" in w for w in ctx.args.words[1:])


def _watch_replay(ctx: Context, found: list[tuple[Resource, list[dict]]]) -> None:
    """`get -w` as a bounded replay: the changes the store recorded after the list, one row each."""
    for res, group in found:
        since = max((int(o["metadata"]["resourceVersion"]) for o in group), default=0)
        prefix = res.prefix + ("" if ctx.args.get("all-namespaces") or not res.namespaced else f"{ctx.namespace}/")
        from ..apiserver.registry import to_object

        for ev in ctx.cluster.etcd.events(since, prefix):
            obj = to_object(ev.kv)
            rows = printers.print_table(res, [obj], ctx.cluster.now).splitlines()[1:]
            ctx.print("\n".join(rows))


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
    targets: list[tuple[Resource, str, str]] = []
    if ctx.args.get("filename"):
        for doc in _documents(ctx):
            res = _mapping(ctx, doc)
            if res is not None:
                targets.append((res, _ns_for(ctx, res, doc.obj), doc.obj["metadata"]["name"]))
    else:
        for res, names in _targets(ctx, ctx.args.words[1:]):
            ns = ctx.namespace if res.namespaced else ""
            if not names:
                if not (ctx.args.get("all") or ctx.args.get("selector")):
                    raise KubectlError("resource(s) were provided, but no name was specified")
                params = {"labelSelector": parse_selector(ctx.args.get("selector"))} if ctx.args.get("selector") \
                    else {}
                names = [o["metadata"]["name"] for o in ctx.client.list(res.resource, ns, **params)["items"]]
                if not names:
                    ctx.error(f"No resources found{' in ' + ns + ' namespace' if ns else ''}.")
            targets.extend((res, ns, n) for n in names)
    failed = False
    deleted = []
    for res, ns, name in targets:
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
    if wait and deleted:
        ctx.cluster.wait_until(lambda: all(_gone(ctx, r, ns, n, uid) for r, ns, n, uid in deleted))
    return 1 if failed else 0


def _gone(ctx: Context, res: Resource, ns: str, name: str, uid: str | None) -> bool:
    obj = ctx.cluster.api.storage.read(res.resource, ns, name)
    return obj is None or obj["metadata"].get("uid") != uid


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


from .describe import describe, get_sorted  # noqa: E402
from .edit import patch, scale, set_command  # noqa: E402
from .labels import annotate, label  # noqa: E402
from .nodes import cordon, drain, uncordon  # noqa: E402
from .rbac import auth  # noqa: E402
from .rollout import rollout  # noqa: E402

COMMANDS: dict[str, Callable[[Context], int]] = {
    # get_sorted adds --sort-by (e.g. `get events --sort-by=.lastTimestamp`) and hands over to get
    "create": create, "apply": apply, "replace": replace, "get": get_sorted, "delete": delete, "auth": auth,
    "config": config, "describe": describe, "scale": scale, "set": set_command, "patch": patch,
    "rollout": rollout, "cordon": cordon, "uncordon": uncordon, "drain": drain, "label": label,
    "annotate": annotate,
}
