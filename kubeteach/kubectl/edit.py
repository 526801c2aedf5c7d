"""kubectl scale, set image and patch (staging/src/k8s.io/kubectl/pkg/cmd/scale, cmd/set/set_image.go,
cmd/patch/patch.go, pkg/scale/scale.go).

`scale` PATCHes the `scale` subresource (a merge patch of spec.replicas); `set image` sends the strategic merge
patch kubectl computes between the object and its copy with new images; `patch` sends what it is given.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..apiserver import APIError
from ..apiserver.decoding import go_quote, loads
from ..objects import deep_copy
from .builder import objects
from .context import Context, server_error
from .manifests import KubectlError, YAMLToJSONError, load_yaml, yaml_problem

PATCH_TYPES = {"json": "json", "merge": "merge", "strategic": "strategic"}


# --- scale ----------------------------------------------------------------------------------------------------

def scale(ctx: Context) -> int:
    """kubectl scale (deployment/nginx | deployment nginx) --replicas=N [--current-replicas=M]."""
    replicas = ctx.args.get("replicas")
    if replicas is None:
        raise KubectlError('required flag(s) "replicas" not set')
    try:
        count = int(replicas)
    except ValueError:
        raise KubectlError(f'invalid argument "{replicas}" for "--replicas" flag: strconv.ParseInt: parsing '
                           f'"{replicas}": invalid syntax') from None
    if count < 0:
        raise KubectlError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    if len(ctx.args.words) < 2:
        raise KubectlError("required resource not specified")
    current = ctx.args.get("current-replicas")
    failed = False
    for res, name in objects(ctx, ctx.args.words[1:]):
        ns = ctx.namespace if res.namespaced else ""
        try:
            ctx.client.get(res.resource, ns, name)
            if "scale" not in res.subresources:
                raise APIError(404, "NotFound", "the server could not find the requested resource")
            if current is not None and int(current) >= 0:
                got = ctx.client.request("get", res, ns, name, "scale")["spec"].get("replicas", 0)
                if got != int(current):
                    raise KubectlError(f"Expected replicas to be {current}, was {got}")
            ctx.client.patch(res.resource, ns, name, {"spec": {"replicas": count}}, "merge", subresource="scale")
        except APIError as e:
            ctx.error(server_error(e))
            failed = True
            continue
        ctx.print(f"{res.kubectl_name}/{name} scaled")
    return 1 if failed else 0


# --- set image --------------------------------------------------------------------------------------------------

def set_image(ctx: Context) -> int:
    """kubectl set image TYPE/NAME CONTAINER=IMAGE…: a strategic merge patch of the containers whose image
    changes; an unknown container name is an error, an unchanged image sends nothing and prints nothing."""
    words = ctx.args.words[2:]
    resources = [w for w in words if "=" not in w]
    pairs = [w for w in words if "=" in w]
    problems = []
    if not resources:
        problems.append("one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if not pairs:
        problems.append("at least one image update is required")
    if problems:
        raise KubectlError(problems[0] if len(problems) == 1 else f"[{', '.join(problems)}]")
    images = {}
    for pair in pairs:
        name, _, image = pair.partition("=")
        if not name or not image:
            raise KubectlError(f"invalid image update: {pair}")
        images[name] = image
    errors: list[str] = []
    for res, name in objects(ctx, resources):
        ns = ctx.namespace if res.namespaced else ""
        obj = ctx.client.get(res.resource, ns, name)
        patch, not_found = image_patch(obj, images)
        errors.extend(f'error: unable to find container named "{c}"' for c in not_found)
        if not patch:
            continue
        try:
            ctx.client.patch(res.resource, ns, name, patch, fieldManager="kubectl-set")
        except APIError as e:
            errors.append(f"failed to patch image update to pod template: {e.message}")
            continue
        ctx.print(f"{res.kubectl_name}/{name} image updated")
    if errors:
        text = errors[0] if len(errors) == 1 else f"[{', '.join(errors)}]"
        ctx.error(text if text.startswith("error: ") else f"error: {text}")
        return 1
    return 0


def image_patch(obj: dict, images: dict[str, str]) -> tuple[dict, list[str]]:
    """The two-way strategic merge patch between `obj` and `obj` with new images (with the
    `$setElementOrder/containers` directive Go's CreateTwoWayMergePatch adds), and the names not found."""
    spec_path = ["spec"] if obj.get("kind") == "Pod" else ["spec", "template", "spec"]
    spec = obj
    for key in spec_path:
        spec = spec.get(key) or {}
    changes: dict = {}
    not_found = []
    for cname, image in images.items():
        found = False
        for field in ("initContainers", "containers"):
            for c in spec.get(field) or []:
                if c.get("name") == cname or cname == "*":
                    found = True
                    if c.get("image") != image:
                        changes.setdefault(field, {})[c["name"]] = image
        if not found:
            not_found.append(cname)
    if not changes:
        return {}, not_found
    inner: dict = {}
    for field in ("containers", "initContainers"):
        if field in changes:
            inner[f"$setElementOrder/{field}"] = [{"name": c["name"]} for c in spec.get(field) or []]
            inner[field] = [{"image": changes[field][c["name"]], "name": c["name"]}
                            for c in spec.get(field) or [] if c["name"] in changes[field]]
    patch: dict = inner
    for key in reversed(spec_path):
        patch = {key: patch}
    return patch, not_found


def set_command(ctx: Context) -> int:
    """kubectl set SUBCOMMAND: only `image` is simulated."""
    sub = ctx.args.words[1] if len(ctx.args.words) > 1 else ""
    if sub != "image":
        raise KubectlError(f'unknown command "{sub}" for "kubectl set"' if sub else
                           "You must specify the type of resource to set. Use \"kubectl set image\".")
    return set_image(ctx)


# --- patch ------------------------------------------------------------------------------------------------------

def patch(ctx: Context) -> int:
    """kubectl patch TYPE NAME -p PATCH [--type=strategic|merge|json]: `patched`, or `patched (no change)` when the
    object came back unchanged."""
    text, patch_file = ctx.args.get("patch") or "", ctx.args.get("patch-file") or ""
    if not text and not patch_file:
        raise KubectlError("must specify --patch or --patch-file containing the contents of the patch")
    if text and patch_file:
        raise KubectlError("cannot specify --patch and --patch-file together")
    ptype = str(ctx.args.get("type", "strategic")).lower()
    if ptype not in PATCH_TYPES:
        raise KubectlError(f'--type must be one of [json merge strategic], not "{ctx.args.get("type")}"')
    if patch_file:
        try:
            content = Path(patch_file).read_text()
        except OSError as e:
            raise KubectlError(f"unable to read patch file: open {patch_file}: {e.strerror.lower()}") from None
    else:
        content = text
    # yaml.ToJSON: a patch that starts with `{` goes to the server as it is (the server's decoder judges it);
    # anything else is YAML, converted by sigs.k8s.io/yaml (`unable to parse %q` quotes --patch, empty with a file)
    refused: APIError | None = None
    body: object = None
    if content.lstrip().startswith("{"):
        try:
            body = loads(content, patch_type=ptype)
        except APIError as e:
            refused = e
    else:
        try:
            body = load_yaml(content)
        except yaml.YAMLError as e:
            raise KubectlError(f"unable to parse {go_quote(text)}: {yaml_problem(e)}") from None
        except YAMLToJSONError as e:
            raise KubectlError(f"unable to parse {go_quote(text)}: {e}") from None
    if refused is None and (ptype == "json" and not isinstance(body, list) or ptype != "json" and
                            not isinstance(body, dict)):
        raise KubectlError(f"unable to parse {go_quote(text)}: json: cannot unmarshal {type(body).__name__} into "
                           "Go value")
    if len(ctx.args.words) < 2:
        raise KubectlError("You must provide one or more resources by argument or filename.")
    failed = False
    for res, name in objects(ctx, ctx.args.words[1:]):
        ns = ctx.namespace if res.namespaced else ""
        try:
            before = ctx.client.get(res.resource, ns, name)
            if refused is not None:
                raise refused
            after = ctx.client.patch(res.resource, ns, name, deep_copy(body),
                                     PATCH_TYPES[ptype], subresource=ctx.args.get("subresource", ""),
                                     fieldManager=ctx.args.get("field-manager") or "kubectl-patch")
        except APIError as e:
            ctx.error(server_error(e))
            failed = True
            continue
        same = after["metadata"].get("resourceVersion") == before["metadata"].get("resourceVersion")
        ctx.print(f"{res.kubectl_name}/{name} patched{' (no change)' if same else ''}")
    return 1 if failed else 0


__all__ = ["image_patch", "patch", "scale", "set_command", "set_image"]
