"""The resource table: every kind the API server serves, described once (not code per kind).

Mirrors discovery (`kubectl api-resources`) and the storage prefixes of
pkg/kubeapiserver/default_storage_factory_builder.go (nodes live under `minions`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    kind: str
    resource: str
    singular: str
    group: str
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    etcd_prefix: str = ""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """`deployments.apps`, or `pods` for the core group: the form API errors use."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    @property
    def kubectl_name(self) -> str:
        """`deployment.apps` or `pod`: the form kubectl prints before `/name`."""
        return f"{self.singular}.{self.group}" if self.group else self.singular

    @property
    def prefix(self) -> str:
        return f"/registry/{self.etcd_prefix or self.resource}/"

    def key(self, namespace: str, name: str) -> str:
        return f"{self.prefix}{namespace}/{name}" if self.namespaced else f"{self.prefix}{name}"

    def path(self, namespace: str = "", name: str = "", subresource: str = "") -> str:
        """The REST path, e.g. /apis/apps/v1/namespaces/default/deployments/nginx/scale."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.resource}"
        if name:
            base += f"/{name}"
        if subresource:
            base += f"/{subresource}"
        return base


RBAC = "rbac.authorization.k8s.io"
RESOURCES: tuple[Resource, ...] = (
    Resource("Namespace", "namespaces", "namespace", "", "v1", False, ("ns",), ("status", "finalize")),
    Resource("Node", "nodes", "node", "", "v1", False, ("no",), ("status",), etcd_prefix="minions"),
    Resource("Pod", "pods", "pod", "", "v1", True, ("po",), ("status", "binding", "eviction", "log", "exec", "attach", "portforward")),
    Resource("Event", "events", "event", "", "v1", True, ("ev",)),
    Resource("ServiceAccount", "serviceaccounts", "serviceaccount", "", "v1", True, ("sa",)),
    Resource("PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", "", "v1", True,
             ("pvc",), ("status",)),
    Resource("PersistentVolume", "persistentvolumes", "persistentvolume", "", "v1", False, ("pv",), ("status",)),
    Resource("Service", "services", "service", "", "v1", True, ("svc",), ("status",)),
    Resource("Endpoints", "endpoints", "endpoints", "", "v1", True, ("ep",)),
    Resource("Deployment", "deployments", "deployment", "apps", "v1", True, ("deploy",), ("status", "scale")),
    Resource("ReplicaSet", "replicasets", "replicaset", "apps", "v1", True, ("rs",), ("status", "scale")),
    # events.k8s.io/v1 Events are the core Events, stored once under /registry/events (eventsv1.py converts)
    Resource("Event", "events", "event", "events.k8s.io", "v1", True, ("ev",)),
    # policy before rbac, as kube-apiserver's group priorities order discovery
    Resource("PodDisruptionBudget", "poddisruptionbudgets", "poddisruptionbudget", "policy", "v1", True, ("pdb",),
             ("status",)),
    Resource("Role", "roles", "role", RBAC, "v1", True),
    Resource("RoleBinding", "rolebindings", "rolebinding", RBAC, "v1", True),
    Resource("ClusterRole", "clusterroles", "clusterrole", RBAC, "v1", False),
    Resource("ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", RBAC, "v1", False),
    Resource("StorageClass", "storageclasses", "storageclass", "storage.k8s.io", "v1", False, ("sc",)),
    Resource("VolumeAttachment", "volumeattachments", "volumeattachment", "storage.k8s.io", "v1", False, (),
             ("status",)),
    # admissionregistration.k8s.io: group priority 16700, between storage and scheduling
    Resource("MutatingWebhookConfiguration", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration",
             "admissionregistration.k8s.io", "v1", False),
    # scheduling.k8s.io: group priority 16600, after storage and before coordination (kube-apiserver's order)
    Resource("PriorityClass", "priorityclasses", "priorityclass", "scheduling.k8s.io", "v1", False, ("pc",)),
    Resource("Lease", "leases", "lease", "coordination.k8s.io", "v1", True),
    # discovery.k8s.io: group priority 16200, after coordination
    Resource("EndpointSlice", "endpointslices", "endpointslice", "discovery.k8s.io", "v1", True),
)

#: by plain resource name and by kind, the first in the table wins: `events` and `Event` are the core group's, as
#: kubectl resolves them (the legacy group comes first); BY_GROUP_RESOURCE tells the two apart
BY_RESOURCE: dict[str, Resource] = {}
KINDS: dict[str, Resource] = {}
for _r in RESOURCES:
    BY_RESOURCE.setdefault(_r.resource, _r)
    KINDS.setdefault(_r.kind, _r)
BY_KIND = {(r.api_version, r.kind): r for r in RESOURCES}
BY_GROUP_RESOURCE = {(r.api_version, r.resource): r for r in RESOURCES}


#: The review resources: create-only, answered from the requesting user and never stored (their registry's `create`
#: is in reviews.py; APIServer.handle serves them). They stay out of RESOURCES: nothing in etcd to list, watch,
#: garbage-collect or resolve as a kubectl TYPE.
REVIEWS: tuple[Resource, ...] = (
    Resource("SelfSubjectAccessReview", "selfsubjectaccessreviews", "selfsubjectaccessreview",
             "authorization.k8s.io", "v1", False),
    Resource("SelfSubjectRulesReview", "selfsubjectrulesreviews", "selfsubjectrulesreview",
             "authorization.k8s.io", "v1", False),
    Resource("SelfSubjectReview", "selfsubjectreviews", "selfsubjectreview", "authentication.k8s.io", "v1", False),
)
REVIEW_RESOURCES = {r.resource: r for r in REVIEWS}


def _names(r: Resource) -> set[str]:
    plain = {r.resource, r.singular, r.kind.lower(), *r.short_names}
    out = set(plain)
    for n in plain:
        out.add(f"{n}.{r.group or ''}".rstrip("."))
        out.add(f"{n}.{r.version}.{r.group}".rstrip("."))
    return out


_LOOKUP: dict[str, Resource] = {}
for _r in RESOURCES:
    for _name in _names(_r):
        _LOOKUP.setdefault(_name, _r)


def lookup(name: str) -> Resource | None:
    """Resolve a name as kubectl does: `deploy`, `deployments`, `deployment.apps`, `Deployment`, `po`, …"""
    return _LOOKUP.get(name) or _LOOKUP.get(name.lower())


def for_kind(api_version: str, kind: str) -> Resource | None:
    return BY_KIND.get((api_version, kind))
