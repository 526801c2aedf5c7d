"""kubectl's resource builder and RESTMapper (staging/src/k8s.io/cli-runtime/pkg/resource/builder.go, mapper.go):
from the command line's TYPE, TYPE NAME…, TYPE/NAME… or `-f` files to the resources, names and objects a command
acts on.
"""

from __future__ import annotations

from ..apiserver.resources import Resource, for_kind, lookup
from ..objects import parse_selector
from . import manifests
from .context import Context
from .manifests import KubectlError


def resolve(name: str) -> Resource:
    """A TYPE as the RESTMapper resolves it (`deploy`, `deployments.apps`, …), or kubectl's error."""
    res = lookup(name)
    if res is None:
        raise KubectlError(f'the server doesn\'t have a resource type "{name}"')
    return res


def targets(ctx: Context, words: list[str]) -> list[tuple[Resource, list[str]]]:
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


def objects(ctx: Context, words: list[str]) -> list[tuple[Resource, str]]:
    """The (resource, name) pairs a command names: `deploy/nginx`, `deploy nginx`, or `deploy -l app=nginx`."""
    out = []
    for res, names in targets(ctx, words):
        if not names and ctx.args.get("selector"):
            ns = ctx.namespace if res.namespaced else ""
            items = ctx.client.list(res.resource, ns, labelSelector=parse_selector(ctx.args["selector"]))["items"]
            names = [o["metadata"]["name"] for o in items]
        elif not names and not ctx.args.get("all"):
            raise KubectlError("resource(s) were provided, but no name was specified")
        elif not names:
            names = [o["metadata"]["name"] for o in ctx.client.list(
                res.resource, ctx.namespace if res.namespaced else "")["items"]]
        out.extend((res, n) for n in names)
    return out


def documents(ctx: Context) -> list[manifests.Document]:
    """The documents of every `-f` file, in order."""
    files = ctx.args.all("filename")
    if not files:
        raise KubectlError("must specify one of -f and -k")
    return manifests.load(files)


def mapping(ctx: Context, doc: manifests.Document) -> Resource | None:
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


def namespace_for(ctx: Context, res: Resource, obj: dict) -> str:
    """The namespace a document goes to: its own, which must agree with -n, or the context's."""
    if not res.namespaced:
        return ""
    ns = obj.get("metadata", {}).get("namespace")
    flag = ctx.args.get("namespace")
    if ns and flag and ns != flag:
        raise KubectlError(f"the namespace from the provided object \"{ns}\" does not match the namespace \"{flag}\". "
                           "You must pass '--namespace=" + ns + "' to perform this operation.")
    return ns or ctx.namespace


def chosen_objects(ctx: Context, note_empty: bool = False) -> list[tuple[Resource, str, str]]:
    """(resource, namespace, name) of what `-f` documents, TYPE NAME… or a TYPE with -l/--all choose (delete and
    wait); `note_empty` prints delete's `No resources found…` for a selector that matched nothing."""
    out: list[tuple[Resource, str, str]] = []
    if ctx.args.get("filename"):
        for doc in documents(ctx):
            res = mapping(ctx, doc)
            if res is not None:
                out.append((res, namespace_for(ctx, res, doc.obj), doc.obj["metadata"]["name"]))
        return out
    for res, names in targets(ctx, ctx.args.words[1:]):
        ns = ctx.namespace if res.namespaced else ""
        if not names:
            if not (ctx.args.get("all") or ctx.args.get("selector")):
                raise KubectlError("resource(s) were provided, but no name was specified")
            params = {"labelSelector": parse_selector(ctx.args.get("selector"))} if ctx.args.get("selector") else {}
            names = [o["metadata"]["name"] for o in ctx.client.list(res.resource, ns, **params)["items"]]
            if not names and note_empty:
                ctx.error(f"No resources found{' in ' + ns + ' namespace' if ns else ''}.")
        out.extend((res, ns, n) for n in names)
    return out


__all__ = ["category_all", "chosen_objects", "documents", "mapping", "namespace_for", "objects", "resolve",
           "targets"]
