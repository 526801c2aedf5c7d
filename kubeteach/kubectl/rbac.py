"""kubectl auth (can-i, can-i --list, whoami: staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go, whoami.go) and the RBAC
describers (pkg/describe/describe.go RoleDescriber, RoleBindingDescriber, …), with the rule arithmetic of
pkg/util/rbac (BreakdownRule, CompactRules, SortableRuleSlice).
"""

from __future__ import annotations

from ..apiserver.resources import REVIEW_RESOURCES, lookup
from . import printers
from .context import Context
from .describe_writer import PrefixWriter, print_annotations_multiline, print_labels_multiline
from .manifests import KubectlError

RULE_FIELDS = ("verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs")
RESOURCE_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "use", "bind",
                  "impersonate", "*")


# --- policy rules -------------------------------------------------------------------------------------------------

def breakdown_rule(rule: dict) -> list[dict]:
    """BreakdownRule: one rule per (group, resource, verb[, name]), then one per (non-resource URL, verb)."""
    out = []
    for group in rule.get("apiGroups") or []:
        for resource in rule.get("resources") or []:
            for verb in rule.get("verbs") or []:
                for name in rule.get("resourceNames") or [None]:
                    sub = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                    if name is not None:
                        sub["resourceNames"] = [name]
                    out.append(sub)
    for url in rule.get("nonResourceURLs") or []:
        for verb in rule.get("verbs") or []:
            out.append({"nonResourceURLs": [url], "verbs": [verb]})
    return out


def compact_rules(rules: list[dict]) -> list[dict]:
    """CompactRules: simple rules (one group, one resource, at most one name) that differ only in verbs merge;
    the rest keep their order, and the merged ones follow (Go appends them from a map; the stable sort after
    this makes the order of equal strings irrelevant)."""
    compacted: list[dict] = []
    simple: dict[tuple, dict] = {}
    for rule in rules:
        names = rule.get("resourceNames") or []
        if (len(names) <= 1 and not rule.get("nonResourceURLs") and len(rule.get("apiGroups") or []) == 1
                and len(rule.get("resources") or []) == 1):
            key = (rule["apiGroups"][0], rule["resources"][0], bool(names), names[0] if names else "")
            if key in simple:
                simple[key]["verbs"] = simple[key].get("verbs", []) + list(rule.get("verbs") or [])
            else:
                simple[key] = {k: list(v) for k, v in rule.items()}
        else:
            compacted.append(rule)
    return compacted + list(simple.values())


def rule_string(rule: dict) -> str:
    """PolicyRule.String() (gogo-protobuf), the key SortableRuleSlice sorts by: verbs first."""
    parts = [f"{go}:{go_list(rule.get(k))}," for go, k in (("Verbs", "verbs"), ("APIGroups", "apiGroups"),
                                                            ("Resources", "resources"),
                                                            ("ResourceNames", "resourceNames"),
                                                            ("NonResourceURLs", "nonResourceURLs"))]
    return "&PolicyRule{" + "".join(parts) + "}"


def go_list(values: list[str] | None) -> str:
    """fmt's %v of a []string: `[get list]`, `[]` for none."""
    return "[" + " ".join(values or []) + "]"


def combine_resource_group(resources: list[str] | None, groups: list[str] | None) -> str:
    """CombineResourceGroup: `deployments.apps`, `deployments.apps/scale`, `pods` (first resource, first group)."""
    if not resources:
        return ""
    resource, _, sub = resources[0].partition("/")
    if groups and groups[0]:
        resource += "." + groups[0]
    return resource + (f"/{sub}" if sub else "")


def rule_rows(rules: list[dict]) -> list[str]:
    """Broken down, compacted and sorted: one tab-separated row per rule, as describe and can-i --list print."""
    broken = [sub for rule in rules for sub in breakdown_rule(rule)]
    compacted = sorted(compact_rules(broken), key=rule_string)
    return [f"{combine_resource_group(r.get('resources'), r.get('apiGroups'))}\t{go_list(r.get('nonResourceURLs'))}\t"
            f"{go_list(r.get('resourceNames'))}\t{go_list(r.get('verbs'))}\n" for r in compacted]


# --- describers ---------------------------------------------------------------------------------------------------

def describe_role(role: dict) -> str:
    """RoleDescriber / ClusterRoleDescriber: name, labels, annotations and the PolicyRule table."""
    w = PrefixWriter()
    m = role["metadata"]
    w.write(0, f"Name:\t{m['name']}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, "PolicyRule:\n")
    w.write(1, "Resources\tNon-Resource URLs\tResource Names\tVerbs\n")
    w.write(1, "---------\t-----------------\t--------------\t-----\n")
    for row in rule_rows(role.get("rules") or []):
        w.write(1, row)
    return w.string()


def describe_binding(binding: dict) -> str:
    """RoleBindingDescriber / ClusterRoleBindingDescriber: the role it grants and to whom."""
    w = PrefixWriter()
    m = binding["metadata"]
    ref = binding.get("roleRef") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, "Role:\n")
    w.write(1, f"Kind:\t{ref.get('kind', '')}\n")
    w.write(1, f"Name:\t{ref.get('name', '')}\n")
    w.write(0, "Subjects:\n")
    w.write(1, "Kind\tName\tNamespace\n")
    w.write(1, "----\t----\t---------\n")
    for s in binding.get("subjects") or []:
        w.write(1, f"{s.get('kind', '')}\t{s.get('name', '')}\t{s.get('namespace', '')}\n")
    return w.string()


DESCRIBERS = {"Role": describe_role, "ClusterRole": describe_role, "RoleBinding": describe_binding,
              "ClusterRoleBinding": describe_binding}


# --- kubectl auth -------------------------------------------------------------------------------------------------

def _review(ctx: Context, resource: str, spec: dict | None = None) -> dict:
    """POST a review as the kubeconfig user (with --as/--as-group, as every request of this run): the answer."""
    res = REVIEW_RESOURCES[resource]
    body: dict = {"kind": res.kind, "apiVersion": res.api_version, "metadata": {"creationTimestamp": None}}
    if spec is not None:
        body["spec"] = spec
    return ctx.client.request("create", res, body=body)


def can_i(ctx: Context, words: list[str]) -> int:
    """kubectl auth can-i VERB TYPE[/NAME] (a SelfSubjectAccessReview), or --list (a SelfSubjectRulesReview)."""
    if ctx.args.get("list"):
        return can_i_list(ctx, words)
    if ctx.args.get("no-headers"):
        raise KubectlError("--no-headers cannot be set without --list specified")
    if len(words) != 2:
        raise KubectlError("you must specify two arguments: verb resource or verb resource/resourceName.\n"
                           "See 'kubectl auth can-i -h' for help and examples.")
    verb, what = words
    what, _, name = what.partition("/")
    res = lookup(what) if what != "*" else None
    if res is None and what not in ("*", "users", "groups"):
        ctx.error(f"Warning: the server doesn't have a resource type '{what}'")
    group, resource = (res.group, res.resource) if res is not None else ("", what)
    all_ns = bool(ctx.args.get("all-namespaces"))
    if res is not None and not res.namespaced and not all_ns:
        scope = f" in group '{res.group}'" if res.group else ""
        ctx.error(f"Warning: resource '{res.resource}' is not namespace scoped{scope}")
    if verb not in RESOURCE_VERBS:
        ctx.error(f"Warning: verb '{verb}' is not a known verb")
    ns = "" if all_ns or (res is not None and not res.namespaced) else ctx.namespace
    review = _review(ctx, "selfsubjectaccessreviews", {"resourceAttributes": {
        "namespace": ns, "verb": verb, "group": group, "resource": resource,
        "subresource": ctx.args.get("subresource", ""), "name": name}})
    allowed = bool(review["status"].get("allowed"))
    if not ctx.args.get("quiet"):
        ctx.print("yes" if allowed else "no")
    return 0 if allowed else 1


def can_i_list(ctx: Context, words: list[str]) -> int:
    """printStatus: the user's rules in the namespace as a Resources / Non-Resource URLs / Resource Names / Verbs
    table (text/tabwriter, padding 3)."""
    if words:
        raise KubectlError("list option must be specified with no arguments")
    if ctx.args.get("quiet") or ctx.args.get("all-namespaces") or ctx.args.get("subresource"):
        raise KubectlError("list option can't be specified with neither quiet, all-namespaces nor subresource "
                           "options")
    review = _review(ctx, "selfsubjectrulesreviews", {"namespace": ctx.namespace})
    status = review["status"]
    if status.get("incomplete"):
        ctx.error(f"Warning: the list may be incomplete: {status.get('evaluationError', '')}")
    rules = [dict(r) for r in status["resourceRules"]] + [dict(r) for r in status["nonResourceRules"]]
    rows = [] if ctx.args.get("no-headers") else ["Resources\tNon-Resource URLs\tResource Names\tVerbs\n"]
    rows += rule_rows(rules)
    ctx.print(printers.table([row.rstrip("\n").split("\t") for row in rows]))
    return 0


def whoami(ctx: Context, words: list[str]) -> int:
    """kubectl auth whoami: the SelfSubjectReview as an ATTRIBUTE/VALUE table, or -o yaml|json."""
    if words:
        raise KubectlError(f'unknown command "{words[0]}" for "kubectl auth whoami"')
    review = _review(ctx, "selfsubjectreviews")
    output = ctx.args.get("output", "")
    if output in ("yaml", "json"):
        ctx.print(printers.to_yaml(review) if output == "yaml" else printers.to_json(review))
        return 0
    if output:
        raise KubectlError(f'unable to match a printer suitable for the output format "{output}", allowed formats '
                           "are: json,yaml")
    info = review["status"]["userInfo"]
    rows = [["ATTRIBUTE", "VALUE"]]
    if info.get("username"):
        rows.append(["Username", info["username"]])
    if info.get("uid"):
        rows.append(["UID", info["uid"]])
    if info.get("groups"):
        rows.append(["Groups", go_list(info["groups"])])
    for key in sorted(info.get("extra") or {}):
        rows.append([f"Extra: {key}", go_list(info["extra"][key])])
    ctx.print(printers.table(rows))
    return 0


def auth(ctx: Context) -> int:
    """kubectl auth SUBCOMMAND: can-i and whoami."""
    words = ctx.args.words[1:]
    sub = words[0] if words else ""
    if sub == "can-i":
        return can_i(ctx, words[1:])
    if sub == "whoami":
        return whoami(ctx, words[1:])
    raise KubectlError(f'unknown command "{sub}" for "kubectl auth"')


__all__ = ["DESCRIBERS", "auth", "breakdown_rule", "can_i", "combine_resource_group", "compact_rules",
           "describe_binding", "describe_role", "rule_rows", "whoami"]
