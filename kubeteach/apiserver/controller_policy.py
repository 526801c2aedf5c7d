"""The controllers' bootstrap RBAC (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/controller_policy.go): one
ClusterRole `system:controller:<sa>` per kube-controller-manager service account, bound by a ClusterRoleBinding of
the same name to ServiceAccount kube-system/<sa>, for the controllers kubeteach runs (and disruption-controller).

kube-controller-manager runs with `--use-service-account-credentials` (as kubeadm sets it up), so each controller
calls the API as `system:serviceaccount:kube-system:<sa>` and can do exactly what its role lists.
"""

from __future__ import annotations

SA_ROLE_PREFIX = "system:controller:"
#: what bootstrappolicy's addDefaultMetadata puts on every bootstrap role and binding
BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
BOOTSTRAP_ANNOTATIONS = {"rbac.authorization.kubernetes.io/autoupdate": "true"}

_LEGACY, _APPS, _EXTENSIONS, _STORAGE, _POLICY = "", "apps", "extensions", "storage.k8s.io", "policy"
_DISCOVERY = "discovery.k8s.io"


def rule(verbs: tuple[str, ...], groups: tuple[str, ...], resources: tuple[str, ...]) -> dict:
    """rbacv1helpers.NewRule(...).Groups(...).Resources(...).RuleOrDie(): Rule() sorts every list it holds."""
    return {"apiGroups": sorted(groups), "resources": sorted(resources), "verbs": sorted(verbs)}


def _events() -> dict:
    """eventsRule(): create, update and patch events in the core and events.k8s.io groups."""
    return rule(("create", "update", "patch"), (_LEGACY, "events.k8s.io"), ("events",))


def _read(*resources: str, group: str = _LEGACY) -> dict:
    return rule(("get", "list", "watch"), (group,), resources)


# (service account, rules) in the order controller_policy.go adds them; the rules as the source lists them
CONTROLLER_ROLES: list[tuple[str, list[dict]]] = [
    ("attachdetach-controller", [
        rule(("list", "watch"), (_LEGACY,), ("persistentvolumes", "persistentvolumeclaims")),
        _read("nodes"),
        rule(("patch", "update"), (_LEGACY,), ("nodes/status",)),
        rule(("list", "watch"), (_LEGACY,), ("pods",)),
        _events(),
        rule(("get", "create", "delete", "list", "watch"), (_STORAGE,), ("volumeattachments",)),
        _read("csidrivers", group=_STORAGE),
        _read("csinodes", group=_STORAGE),
    ]),
    ("deployment-controller", [
        rule(("get", "list", "watch", "update"), (_EXTENSIONS, _APPS), ("deployments",)),
        rule(("update",), (_EXTENSIONS, _APPS), ("deployments/status",)),
        rule(("update",), (_EXTENSIONS, _APPS), ("deployments/finalizers",)),
        rule(("get", "list", "watch", "create", "update", "patch", "delete"), (_APPS, _EXTENSIONS),
             ("replicasets",)),
        rule(("get", "list", "watch", "update"), (_LEGACY,), ("pods",)),
        _events(),
    ]),
    ("disruption-controller", [
        rule(("get", "list", "watch"), (_EXTENSIONS, _APPS), ("deployments",)),
        rule(("get", "list", "watch"), (_APPS, _EXTENSIONS), ("replicasets",)),
        _read("replicationcontrollers"),
        _read("poddisruptionbudgets", group=_POLICY),
        _read("statefulsets", group=_APPS),
        rule(("update",), (_POLICY,), ("poddisruptionbudgets/status",)),
        rule(("patch", "update"), (_LEGACY,), ("pods/status",)),
        rule(("get",), ("*",), ("*/scale",)),
        _events(),
    ]),
    ("endpoint-controller", [
        _read("services", "pods"),
        rule(("get", "list", "create", "update", "delete"), (_LEGACY,), ("endpoints",)),
        rule(("create",), (_LEGACY,), ("endpoints/restricted",)),
        _events(),
    ]),
    ("endpointslice-controller", [
        _read("services", "pods", "nodes"),
        # to own an EndpointSlice with blockOwnerDeletion the controller may set the Service's finalizers
        rule(("update",), (_LEGACY,), ("services/finalizers",)),
        rule(("get", "list", "create", "update", "delete"), (_DISCOVERY,), ("endpointslices",)),
        _events(),
    ]),
    ("generic-garbage-collector", [
        rule(("get", "list", "watch", "patch", "update", "delete"), ("*",), ("*",)),
        _events(),
    ]),
    ("namespace-controller", [
        rule(("get", "list", "watch", "delete"), (_LEGACY,), ("namespaces",)),
        rule(("update",), (_LEGACY,), ("namespaces/finalize", "namespaces/status")),
        rule(("get", "list", "watch", "delete", "deletecollection"), ("*",), ("*",)),
    ]),
    ("node-controller", [
        rule(("get", "list", "watch", "update", "delete", "patch"), (_LEGACY,), ("nodes",)),
        rule(("patch", "update"), (_LEGACY,), ("nodes/status",)),
        rule(("patch", "update"), (_LEGACY,), ("pods/status",)),
        rule(("list", "watch", "get", "delete"), (_LEGACY,), ("pods",)),
        _events(),
    ]),
    ("persistent-volume-binder", [
        rule(("get", "list", "watch", "update", "create", "delete"), (_LEGACY,), ("persistentvolumes",)),
        rule(("update",), (_LEGACY,), ("persistentvolumes/status",)),
        rule(("get", "list", "watch", "update"), (_LEGACY,), ("persistentvolumeclaims",)),
        rule(("update",), (_LEGACY,), ("persistentvolumeclaims/status",)),
        rule(("list", "watch", "get", "create", "delete"), (_LEGACY,), ("pods",)),
        _read("storageclasses", group=_STORAGE),
        rule(("list", "watch"), (_LEGACY,), ("nodes",)),
        _events(),
        rule(("watch",), (_LEGACY,), ("events",)),
        rule(("get",), (_LEGACY,), ("services",)),
    ]),
    ("pod-garbage-collector", [
        rule(("list", "watch", "delete"), (_LEGACY,), ("pods",)),
        _read("nodes"),
        rule(("patch",), (_LEGACY,), ("pods/status",)),
    ]),
    ("replicaset-controller", [
        rule(("get", "list", "watch", "update"), (_APPS, _EXTENSIONS), ("replicasets",)),
        rule(("update",), (_APPS, _EXTENSIONS), ("replicasets/status",)),
        rule(("update",), (_APPS, _EXTENSIONS), ("replicasets/finalizers",)),
        rule(("list", "watch", "patch", "create", "delete"), (_LEGACY,), ("pods",)),
        _events(),
    ]),
    ("pvc-protection-controller", [
        rule(("get", "list", "watch", "update"), (_LEGACY,), ("persistentvolumeclaims",)),
        rule(("list", "watch", "get"), (_LEGACY,), ("pods",)),
        _events(),
    ]),
    ("pv-protection-controller", [
        rule(("get", "list", "watch", "update"), (_LEGACY,), ("persistentvolumes",)),
        _events(),
    ]),
]


def controller_policy() -> list[dict]:
    """ControllerRoles() then ControllerRoleBindings(): the ClusterRoles, then a binding of each to its
    ServiceAccount in kube-system (NewClusterBinding(role).SAs("kube-system", sa): no apiGroup on the subject)."""
    meta = {"labels": dict(BOOTSTRAP_LABELS), "annotations": dict(BOOTSTRAP_ANNOTATIONS)}
    roles, bindings = [], []
    for sa, rules in CONTROLLER_ROLES:
        name = SA_ROLE_PREFIX + sa
        roles.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                      "metadata": {"name": name, **_copy(meta)}, "rules": [_copy(r) for r in rules]})
        bindings.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                         "metadata": {"name": name, **_copy(meta)},
                         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                         "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": "kube-system"}]})
    return roles + bindings


def _copy(d: dict) -> dict:
    return {k: dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v for k, v in d.items()}


__all__ = ["BOOTSTRAP_ANNOTATIONS", "BOOTSTRAP_LABELS", "CONTROLLER_ROLES", "SA_ROLE_PREFIX", "controller_policy",
           "rule"]
