"""kubectl create SUBCOMMAND NAME: the objects kubectl's generators build (staging/src/k8s.io/kubectl/pkg/cmd/create/
create_deployment.go, create_namespace.go, create_role.go, create_rolebinding.go), sent as one POST each.

The generators leave empty structs in place (`strategy: {}`, `resources: {}`, `status: {}`), which is why
`--dry-run=client -o yaml` shows them; since v1.34 a zero creationTimestamp is omitted rather than printed as null.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..apiserver import APIError
from ..apiserver.resources import BY_RESOURCE, RBAC, Resource, lookup
from ..objects import deep_copy, parse_selector
from . import printers
from .context import Context, dry_run
from .expose import create_service
from .manifests import KubectlError

VALID_RESOURCE_VERBS = ("*", "get", "delete", "list", "create", "update", "patch", "watch", "proxy",
                        "deletecollection", "use", "bind", "escalate", "impersonate")
# verbs that only make sense on particular resources (create_role.go specialVerbs)
SPECIAL_VERBS = {"use": [("policy", "podsecuritypolicies"), ("extensions", "podsecuritypolicies")],
                 "bind": [(RBAC, "roles"), (RBAC, "clusterroles")],
                 "escalate": [(RBAC, "roles"), (RBAC, "clusterroles")],
                 "impersonate": [("", "users"), ("", "serviceaccounts"), ("", "groups"),
                                 ("authentication.k8s.io", "userextras")]}


def _name(ctx: Context, sub: str) -> str:
    """NameFromCommandArgs: exactly one NAME before any `--`, or a usage error."""
    count = len(ctx.args.words) - 2 if ctx.args.dash < 0 else ctx.args.dash - 2
    if count != 1:
        raise KubectlError(f"exactly one NAME is required, got {count}\n"
                           f"See 'kubectl create {sub} -h' for help and examples")
    return ctx.args.words[2]


def _meta(ctx: Context, name: str, res: Resource) -> dict:
    """ObjectMeta with the namespace only when -n was given (EnforceNamespace)."""
    meta = {"name": name}
    if res.namespaced and ctx.args.get("namespace"):
        meta["namespace"] = ctx.args.get("namespace")
    return meta


def _send(ctx: Context, res: Resource, obj: dict, wrap: str = "") -> int:
    """Create unless --dry-run=client, then print through the -o printer or kubectl's `<name> created` line."""
    dry = dry_run(ctx)
    output = ctx.args.get("output", "")
    if output not in ("", "yaml", "json", "name"):
        raise KubectlError(f'unable to match a printer suitable for the output format "{output}", allowed formats '
                           "are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,"
                           "template,templatefile,yaml")
    if dry != "client":
        try:
            obj = ctx.client.request("create", res, ctx.namespace if res.namespaced else "", body=deep_copy(obj),
                                     fieldManager="kubectl-create", dryRun="All" if dry == "server" else None)
        except APIError as e:
            if not wrap:
                raise
            raise KubectlError(f"failed to create {wrap}: {e.message}") from None
    return printers.print_created(ctx, res.kubectl_name, obj, output, dry)


# --- deployment ---------------------------------------------------------------------------------------------------

def container_name(image: str, rnd_string: Callable[[int], str]) -> str:
    """buildPodSpec: the image's last path segment without tag or digest; `.` and `_` become `-` plus a random
    suffix (sanitizeAndUniquify)."""
    name = image.split("/")[-1].split(":")[0].split("@")[0]
    if "_" in name or "." in name:
        name = name.replace("_", "-").replace(".", "-") + "-" + rnd_string(5)
    return name


def create_deployment(ctx: Context) -> int:
    """kubectl create deployment NAME --image=IMAGE [--replicas=N] [--port=P] [-- COMMAND ...]."""
    name, command = _name(ctx, "deployment"), ctx.args.words[3:]
    images = ctx.args.slice("image")
    if not images:
        raise KubectlError('required flag(s) "image" not set')
    if len(images) > 1 and command:
        raise KubectlError("cannot specify multiple --image options and command")
    replicas = _int32(ctx, "replicas", "1")
    port = _int32(ctx, "port", "-1")
    labels = {"app": name}
    containers = []
    for image in images:
        c: dict = {"image": image, "name": container_name(image, ctx.random_string), "resources": {}}
        if command:
            c["command"] = list(command)
        containers.append(c)
    if port >= 0 and containers:
        containers[0]["ports"] = [{"containerPort": port}]
    res = BY_RESOURCE["deployments"]
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {**_meta(ctx, name, res), "labels": labels},
           "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)}, "strategy": {},
                    "template": {"metadata": {"labels": dict(labels)}, "spec": {"containers": containers}}},
           "status": {}}
    return _send(ctx, res, obj, wrap="deployment")


def _int32(ctx: Context, flag: str, default: str) -> int:
    """An Int32 flag's value, or pflag's parse error."""
    text = str(ctx.args.get(flag, default))
    try:
        return int(text)
    except ValueError:
        raise KubectlError(f'invalid argument "{text}" for "--{flag}" flag: strconv.ParseInt: parsing "{text}": '
                           "invalid syntax") from None


# --- namespace ----------------------------------------------------------------------------------------------------

def create_namespace(ctx: Context) -> int:
    """kubectl create namespace NAME (CreateSubcommandOptions: API errors are printed as they come)."""
    name = _name(ctx, "namespace")
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}, "spec": {}, "status": {}}
    return _send(ctx, BY_RESOURCE["namespaces"], obj)


# --- role and rolebinding -----------------------------------------------------------------------------------------

def policy_rules(ctx: Context, verbs: list[str], resources: list[str], names: list[str]) -> list[dict]:
    """Complete, Validate and generateResourcePolicyRules of create_role.go: verbs and resource names
    de-duplicated (`*` wins), `resource.group/subresource` resolved through the RESTMapper, one rule per API group
    in sorted group order."""
    if "*" in verbs:
        verbs = ["*"]
    verbs = list(dict.fromkeys(verbs))
    names = list(dict.fromkeys(names))
    parsed: list[tuple[str, str, str]] = []      # (group, resource, subresource)
    for r in resources:
        section, _, sub = r.partition("/")
        resource, _, group = section.partition(".")
        if resource == "*" and not group and not sub:
            parsed = [("", "*", "")]
            break
        parsed.append((group, resource, sub))
    if not verbs:
        raise KubectlError("at least one verb must be specified")
    for v in verbs:
        if v not in VALID_RESOURCE_VERBS:
            ctx.error(f"Warning: '{v}' is not a standard resource verb")
    if not parsed:
        raise KubectlError("at least one resource must be specified")
    mapped: list[tuple[str, str, str]] = []
    for group, resource, sub in parsed:
        if not resource:
            raise KubectlError("resource must be specified if apiGroup/subresource specified")
        found = lookup(f"{resource}.{group}" if group else resource) if resource != "*" else None
        if found is not None and (not group or found.group == group):
            group, resource = found.group, found.resource
        for v in verbs:
            if v in SPECIAL_VERBS and (group, resource) not in SPECIAL_VERBS[v]:
                raise KubectlError(f"can not perform '{v}' on '{resource}' in group '{group}'")
        if found is None and resource != "*":
            raise KubectlError(f"no matches for {group}/, Resource={resource}")
        mapped.append((group, resource + (f"/{sub}" if sub else ""), ""))
    by_group: dict[str, list[str]] = {}
    for group, resource, _ in mapped:
        if resource not in by_group.setdefault(group, []):
            by_group[group].append(resource)
    rules = []
    for group in sorted(by_group):
        rule: dict = {"apiGroups": [group], "resources": by_group[group], "verbs": list(verbs)}
        if names:
            rule["resourceNames"] = list(names)
        rules.append(rule)
    return rules


def create_role(ctx: Context) -> int:
    """kubectl create role NAME --verb=VERB --resource=RESOURCE [--resource-name=NAME]."""
    name = _name(ctx, "role")
    rules = policy_rules(ctx, ctx.args.slice("verb"), ctx.args.slice("resource"), ctx.args.all("resource-name"))
    res = BY_RESOURCE["roles"]
    obj = {"apiVersion": f"{RBAC}/v1", "kind": "Role", "metadata": _meta(ctx, name, res), "rules": rules}
    return _send(ctx, res, obj)


def create_rolebinding(ctx: Context) -> int:
    """kubectl create rolebinding NAME --role=ROLE|--clusterrole=ROLE [--user=U] [--group=G]
    [--serviceaccount=NS:NAME]."""
    name = _name(ctx, "rolebinding")
    role, cluster_role = ctx.args.get("role") or "", ctx.args.get("clusterrole") or ""
    if bool(role) == bool(cluster_role):
        raise KubectlError("exactly one of clusterrole or role must be specified")
    res = BY_RESOURCE["rolebindings"]
    obj: dict = {"apiVersion": f"{RBAC}/v1", "kind": "RoleBinding", "metadata": _meta(ctx, name, res),
                 "roleRef": {"apiGroup": RBAC, "kind": "Role" if role else "ClusterRole", "name": role or cluster_role}}
    return _send(ctx, res, _with_subjects(ctx, obj), wrap="rolebinding")


def create_clusterrolebinding(ctx: Context) -> int:
    """kubectl create clusterrolebinding NAME --clusterrole=ROLE [--user=U] [--group=G] [--serviceaccount=NS:NAME]."""
    name = _name(ctx, "clusterrolebinding")
    if not ctx.args.get("clusterrole"):
        raise KubectlError('required flag(s) "clusterrole" not set')
    obj: dict = {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRoleBinding", "metadata": {"name": name},
                 "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": ctx.args.get("clusterrole")}}
    return _send(ctx, BY_RESOURCE["clusterrolebindings"], _with_subjects(ctx, obj), wrap="clusterrolebinding")


def _with_subjects(ctx: Context, binding: dict) -> dict:
    """The subjects, in kubectl's order: --user, then --group, then --serviceaccount (namespace:name)."""
    subjects = [{"apiGroup": RBAC, "kind": "User", "name": u} for u in ctx.args.all("user")]
    subjects += [{"apiGroup": RBAC, "kind": "Group", "name": g} for g in ctx.args.all("group")]
    for sa in ctx.args.all("serviceaccount"):
        parts = sa.split(":")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise KubectlError("serviceaccount must be <namespace>:<name>")
        subjects.append({"kind": "ServiceAccount", "name": parts[1], "namespace": parts[0]})
    if subjects:
        binding["subjects"] = subjects
    return binding


# --- poddisruptionbudget ------------------------------------------------------------------------------------------

def create_pdb(ctx: Context) -> int:
    """kubectl create poddisruptionbudget NAME --selector=SELECTOR --min-available=N|--max-unavailable=N
    (create_pdb.go: Validate, then ParseToLabelSelector and intstr.Parse). A selector that does not parse gets our
    parser's reason after kubectl's `couldn't parse the selector string` (its lexer's wording is not reproduced)."""
    name = _name(ctx, "poddisruptionbudget")
    selector, low, high = (str(ctx.args.get(k) or "") for k in ("selector", "min-available", "max-unavailable"))
    if not selector:
        raise KubectlError("a selector must be specified")
    if not low and not high:
        raise KubectlError("one of min-available or max-unavailable must be specified")
    if low and high:
        raise KubectlError("min-available and max-unavailable cannot be both specified")
    for flag, value in (("min-available", low), ("max-unavailable", high)):
        if value and not re.fullmatch("[0-9]+%?", value):
            raise KubectlError(f"invalid format specified for {flag}")
    if re.search(r"!=", selector):
        raise KubectlError('"!=" is not a valid label selector operator')
    try:
        sel = parse_selector(selector)
    except ValueError as err:
        raise KubectlError(f"couldn't parse the selector string \"{selector}\": {err}") from None
    for expr in sel["matchExpressions"]:
        if "values" in expr:
            expr["values"] = sorted(set(expr["values"]))
    sel = {k: v for k, v in sel.items() if v}
    bound = {"minAvailable": low} if low else {"maxUnavailable": high}
    spec = {k: int(v) if v.isdigit() else v for k, v in bound.items()}      # intstr.Parse
    res = BY_RESOURCE["poddisruptionbudgets"]
    obj = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(ctx, name, res),
           "spec": {**({"minAvailable": spec["minAvailable"]} if low else {}), "selector": sel,
                    **({"maxUnavailable": spec["maxUnavailable"]} if high else {})},
           "status": {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}}
    return _send(ctx, res, obj)


# --- priorityclass ------------------------------------------------------------------------------------------------

def create_priorityclass(ctx: Context) -> int:
    """kubectl create priorityclass NAME [--value=N] [--global-default] [--description=TEXT]
    [--preemption-policy=POLICY] (create_priorityclass.go: value 0 and PreemptLowerPriority unless given; an API
    error comes back as `failed to create priorityclass: ...`)."""
    try:
        value = _int32(ctx, "value", "0")            # a flag parse error: cobra adds its usage hint
    except KubectlError as err:
        raise KubectlError(f"{err}\nSee 'kubectl create priorityclass --help' for usage.") from None
    name = _name(ctx, "priorityclass")
    res = BY_RESOURCE["priorityclasses"]
    obj = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": _meta(ctx, name, res),
           "value": value, "preemptionPolicy": str(ctx.args.get("preemption-policy",
                                                                                   "PreemptLowerPriority"))}
    if ctx.args.get("global-default"):                 # globalDefault and description are omitempty
        obj["globalDefault"] = True
    if ctx.args.get("description"):
        obj["description"] = str(ctx.args.get("description"))
    return _send(ctx, res, obj, wrap="priorityclass")


GENERATORS: dict[str, Callable[[Context], int]] = {
    "deployment": create_deployment, "deploy": create_deployment, "namespace": create_namespace,
    "ns": create_namespace, "role": create_role, "rolebinding": create_rolebinding,
    "clusterrolebinding": create_clusterrolebinding,
    "poddisruptionbudget": create_pdb, "pdb": create_pdb,
    "priorityclass": create_priorityclass, "pc": create_priorityclass,
    "service": create_service, "svc": create_service,
}

__all__ = ["GENERATORS", "container_name", "create_clusterrolebinding", "create_deployment", "create_namespace",
           "create_role", "create_rolebinding", "policy_rules"]
