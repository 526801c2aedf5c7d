"""Authorization: system:masters, then the Node authorizer, then RBAC (`--authorization-mode=Node,RBAC`).

RBAC follows plugin/pkg/auth/authorizer/rbac/rbac.go and pkg/apis/rbac/v1/evaluation_helpers.go: it only ever
allows; when no rule allows, the answer is "no opinion" and the request is forbidden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .authentication import UserInfo
from .controller_policy import SA_ROLE_PREFIX, controller_policy
from .errors import APIError, not_found
from .resources import BY_RESOURCE


@dataclass(frozen=True)
class Attributes:
    """authorizer.Attributes of a resource request."""

    user: UserInfo
    verb: str
    group: str
    resource: str
    subresource: str = ""
    namespace: str = ""
    name: str = ""


@dataclass(frozen=True)
class Decision:
    """An authorizer's answer, and the facts of why: `reason["by"]` names the sentence (`authz:<by>` in
    narratives.py) and the other keys fill it (the binding, subject and role that allowed it)."""

    allowed: bool
    reason: dict[str, str] = field(hash=False)


def _has(values: Iterable[str], want: str) -> bool:
    values = list(values or [])
    return "*" in values or want in values


def rule_allows(rule: dict, a: Attributes) -> bool:
    """VerbMatches, APIGroupMatches, ResourceMatches and ResourceNameMatches, all four."""
    if not _has(rule.get("verbs"), a.verb) or not _has(rule.get("apiGroups"), a.group):
        return False
    combined = f"{a.resource}/{a.subresource}" if a.subresource else a.resource
    resources = rule.get("resources") or []
    if not any(r == "*" or r == combined or (a.subresource and r == f"*/{a.subresource}") for r in resources):
        return False
    names = rule.get("resourceNames") or []
    return not names or a.name in names


def subject_matches(subject: dict, user: UserInfo, binding_namespace: str) -> bool:
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "User":
        return name == user.name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        ns = subject.get("namespace") or binding_namespace
        return user.name == f"system:serviceaccount:{ns}:{name}"
    return False


def describe_subject(subject: dict, binding_namespace: str) -> str:
    """The subject as rbac.go's describeSubject names it: a ServiceAccount as "name/namespace"."""
    if subject.get("kind") == "ServiceAccount":
        return f'{subject.get("name")}/{subject.get("namespace") or binding_namespace}'
    return str(subject.get("name"))


# The Node authorizer (plugin/pkg/auth/authorizer/node) scopes kubelets to their own node; this keeps its
# verbs and resources but not its graph of which pod references which secret.
_NODE_RULES = [
    {"apiGroups": [""], "resources": ["nodes", "pods", "persistentvolumeclaims", "persistentvolumes"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["nodes", "nodes/status"], "verbs": ["create", "update", "patch"]},
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]},
    {"apiGroups": [""], "resources": ["pods/status"], "verbs": ["update", "patch"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "update", "patch"]},
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]},
    {"apiGroups": ["storage.k8s.io"], "resources": ["volumeattachments"], "verbs": ["get", "list", "watch"]},
]


class Authorizer:
    """Node authorizer, then RBAC over the Role/Binding objects the store holds right now."""

    def __init__(self, list_objects: Callable[[str, str], list[dict]]):
        self.list_objects = list_objects     # (resource, namespace) -> objects, read from storage
        self._node_rules: dict[tuple[str, str, str, str], bool] = {}

    def _node_allows(self, a: Attributes) -> bool:
        """The Node authorizer's rules (no resourceNames), by verb, group, resource and subresource."""
        key = (a.verb, a.group, a.resource, a.subresource)
        allowed = self._node_rules.get(key)
        if allowed is None:
            allowed = self._node_rules[key] = any(rule_allows(r, a) for r in _NODE_RULES)
        return allowed

    def authorize(self, a: Attributes) -> Decision:
        if "system:masters" in a.user.groups:
            # kube-apiserver puts a privileged-group authorizer before the configured modes
            return Decision(True, {"by": "masters", "group": "system:masters", "role": "cluster-admin"})
        if "system:nodes" in a.user.groups and a.user.name.startswith("system:node:"):
            if self._node_allows(a):
                return Decision(True, {"by": "node", "user": a.user.name})
        for binding in self.list_objects("clusterrolebindings", ""):
            decision = self._binding_allows(binding, a, "")
            if decision:
                return decision
        if a.namespace:
            for binding in self.list_objects("rolebindings", a.namespace):
                decision = self._binding_allows(binding, a, a.namespace)
                if decision:
                    return decision
        return Decision(False, {"by": "none"})

    def _binding_allows(self, binding: dict, a: Attributes, namespace: str) -> Decision | None:
        subjects = binding.get("subjects") or []
        match = next((s for s in subjects if subject_matches(s, a.user, namespace)), None)
        if match is None:
            return None
        ref = binding.get("roleRef") or {}
        if ref.get("kind") == "ClusterRole":
            role = next((r for r in self.list_objects("clusterroles", "") if r["metadata"]["name"] == ref.get("name")),
                        None)
        else:
            role = next((r for r in self.list_objects("roles", namespace) if r["metadata"]["name"] == ref.get("name")),
                        None)
        if role is None:
            return None
        for rule in role.get("rules") or []:
            if rule_allows(rule, a):
                return Decision(True, {"by": "rbac", "binding_kind": "RoleBinding" if namespace else
                                       "ClusterRoleBinding", "binding": binding["metadata"]["name"],
                                       "subject_kind": match["kind"], "subject": describe_subject(match, namespace),
                                       "role_kind": str(ref.get("kind")), "role": str(ref.get("name"))})
        return None

    def roles(self) -> RoleIndex:
        """A name index over the stored Roles and ClusterRoles, for one resolution."""
        return RoleIndex(self.list_objects)

    def rules_for(self, user: UserInfo, namespace: str, roles: RoleIndex | None = None) -> tuple[list[dict], list[str]]:
        """DefaultRuleResolver.RulesFor (pkg/registry/rbac/validation/rule.go): the rules of every ClusterRoleBinding,
        then every RoleBinding in `namespace`, that names the user or one of its groups. A binding to a missing role
        is an error; the rules found still count (RBAC only adds)."""
        roles = roles or self.roles()
        rules: list[dict] = []
        errors: list[str] = []
        scopes = [("clusterrolebindings", "")] + ([("rolebindings", namespace)] if namespace else [])
        for resource, ns in scopes:
            for binding in self.list_objects(resource, ns):
                if not any(subject_matches(s, user, ns) for s in binding.get("subjects") or []):
                    continue
                try:
                    rules += role_reference_rules(roles, binding.get("roleRef") or {}, ns)
                except APIError as err:
                    errors.append(err.message.removeprefix("Internal error occurred: "))
        return rules, errors


class RoleIndex:
    """Roles and ClusterRoles by name, each pool read once per resolution (not once per binding)."""

    def __init__(self, list_objects: Callable[[str, str], list[dict]]):
        self.list_objects = list_objects
        self._pools: dict[tuple[str, str], dict[str, dict]] = {}

    def get(self, resource: str, namespace: str, name: str) -> dict | None:
        pool = self._pools.get((resource, namespace))
        if pool is None:
            pool = self._pools[(resource, namespace)] = {r["metadata"]["name"]: r
                                                         for r in self.list_objects(resource, namespace)}
        return pool.get(name)


def role_reference_rules(roles: RoleIndex, ref: dict, namespace: str) -> list[dict]:
    """DefaultRuleResolver.GetRoleReferenceRules (pkg/registry/rbac/validation/rule.go): the rules of the Role (in
    the binding's namespace) or ClusterRole a roleRef names. Raises the registry's 404, or a 500 for another kind."""
    kind, name = ref.get("kind"), ref.get("name") or ""
    if kind not in ("Role", "ClusterRole"):
        cause = f'unsupported role reference kind: "{kind or ""}"'
        raise APIError(500, "InternalError", f"Internal error occurred: {cause}", {"causes": [{"message": cause}]})
    resource = "roles" if kind == "Role" else "clusterroles"
    role = roles.get(resource, namespace if kind == "Role" else "", name)
    if role is None:
        raise not_found(BY_RESOURCE[resource], name)
    return list(role.get("rules") or [])


def bootstrap_policy() -> list[dict]:
    """The RBAC objects a new cluster starts with (a subset of plugin/pkg/auth/authorizer/rbac/bootstrappolicy),
    the controllers' own roles and bindings last."""
    def cluster_role(name: str, rules: list[dict]) -> dict:
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
                "rules": rules}

    def binding(name: str, role: str, kind: str, subject: str) -> dict:
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": subject}]}

    read = ["get", "list", "watch"]
    write = ["create", "update", "patch", "delete"]
    everything = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
    view = [{"apiGroups": ["", "apps"], "resources": ["pods", "pods/log", "events", "replicasets", "deployments",
                                                      "deployments/scale", "persistentvolumeclaims",
                                                      "serviceaccounts"], "verbs": read}]
    edit = [{"apiGroups": ["", "apps"], "resources": ["pods", "replicasets", "deployments", "deployments/scale",
                                                      "deployments/rollback", "persistentvolumeclaims"],
             "verbs": read + write + ["deletecollection"]},
            {"apiGroups": [""], "resources": ["pods/eviction"], "verbs": ["create"]},     # kubectl drain
            {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": read + write}, *view]
    controller_manager = [
        {"apiGroups": ["", "apps", "storage.k8s.io", "coordination.k8s.io"],
         "resources": ["*", "*/status", "*/scale"], "verbs": read + write},
        {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "update", "patch"]},
        {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": read},     # shared informers
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": read},   # shared informers
        # system:controller:namespace-controller's rules (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/
        # controller_policy.go): empty any namespace of any kind, then finalize it
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch", "delete", "deletecollection"]},
        {"apiGroups": [""], "resources": ["namespaces/finalize", "namespaces/status"], "verbs": ["update"]},
    ]
    scheduler = [
        {"apiGroups": [""], "resources": ["pods", "nodes", "persistentvolumeclaims", "persistentvolumes"],
         "verbs": read},
        {"apiGroups": [""], "resources": ["pods/binding", "bindings"], "verbs": ["create"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]},        # preemption's victims
        {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": read},   # preemption's PDBs
        {"apiGroups": [""], "resources": ["pods/status"], "verbs": ["patch", "update"]},
        {"apiGroups": ["", "events.k8s.io"], "resources": ["events"], "verbs": ["create", "update", "patch"]},
        {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses", "csinodes"], "verbs": read},
        {"apiGroups": ["apps"], "resources": ["replicasets", "statefulsets"], "verbs": read},   # DefaultSelector
        # leader election (bootstrappolicy/policy.go kubeSchedulerRules): create any Lease, get and update its own
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "resourceNames": ["kube-scheduler"],
         "verbs": ["get", "update"]},
    ]
    # what every authenticated user may do: ask who they are and what they may do, and read discovery
    basic_user = [{"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"], "verbs": ["create"]},
                  {"apiGroups": ["authorization.k8s.io"],
                   "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], "verbs": ["create"]}]
    public_urls = ["/healthz", "/livez", "/readyz", "/version", "/version/"]
    discovery = [{"nonResourceURLs": sorted(["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*",
                                             *public_urls]), "verbs": ["get"]}]
    public_info = [{"nonResourceURLs": public_urls, "verbs": ["get"]}]
    return [
        cluster_role("cluster-admin", everything),
        cluster_role("admin", edit),
        cluster_role("edit", edit),
        cluster_role("view", view),
        cluster_role("system:kube-controller-manager", controller_manager),
        cluster_role("system:kube-scheduler", scheduler),
        binding("cluster-admin", "cluster-admin", "Group", "system:masters"),
        binding("system:kube-controller-manager", "system:kube-controller-manager", "User",
                "system:kube-controller-manager"),
        binding("system:kube-scheduler", "system:kube-scheduler", "User", "system:kube-scheduler"),
        cluster_role("system:basic-user", basic_user),
        cluster_role("system:discovery", discovery),
        cluster_role("system:public-info-viewer", public_info),
        binding("system:basic-user", "system:basic-user", "Group", "system:authenticated"),
        binding("system:discovery", "system:discovery", "Group", "system:authenticated"),
        {**binding("system:public-info-viewer", "system:public-info-viewer", "Group", "system:authenticated"),
         "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": g}
                      for g in ("system:authenticated", "system:unauthenticated")]},
        *controller_policy(),       # system:controller:* (controller_policy.py)
        *node_proxier_policy(),     # kube-proxy's role, its bootstrap binding and kubeadm's
    ]


#: kube-proxy's identity objects: their UIDs come from the aside stream too (see `drawn_aside`)
NODE_PROXIER = "system:node-proxier"
KUBEADM_NODE_PROXIER = "kubeadm:node-proxier"


def node_proxier_policy() -> list[dict]:
    """ClusterRole system:node-proxier (bootstrappolicy/policy.go ClusterRoles: services and endpoints, nodes,
    events, endpointslices, servicecidrs), its bootstrap binding to User system:kube-proxy, and the binding kubeadm's
    kube-proxy addon adds for ServiceAccount kube-system/kube-proxy (cmd/kubeadm/app/phases/addons/proxy)."""
    labels = {"kubernetes.io/bootstrapping": "rbac-defaults"}
    annotations = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
    rules = [{"apiGroups": [""], "resources": ["endpoints", "services"], "verbs": ["list", "watch"]},
             {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch"]},
             {"apiGroups": ["", "events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch", "update"]},
             {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
             {"apiGroups": ["networking.k8s.io"], "resources": ["servicecidrs"], "verbs": ["list", "watch"]}]
    ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NODE_PROXIER}
    return [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": NODE_PROXIER, "labels": dict(labels), "annotations": dict(annotations)},
         "rules": rules},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": NODE_PROXIER, "labels": dict(labels), "annotations": dict(annotations)},
         "roleRef": dict(ref), "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                                             "name": "system:kube-proxy"}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": KUBEADM_NODE_PROXIER}, "roleRef": dict(ref),
         "subjects": [{"kind": "ServiceAccount", "name": "kube-proxy", "namespace": "kube-system"}]},
    ]


def drawn_aside(obj: dict) -> bool:
    """Whether a bootstrap object's UID comes from the aside stream (the controllers' and kube-proxy's identities,
    added after the lessons were written: drawing them from the main stream would rename every pod)."""
    name = obj["metadata"]["name"]
    return name.startswith(SA_ROLE_PREFIX) or name in (NODE_PROXIER, KUBEADM_NODE_PROXIER)
