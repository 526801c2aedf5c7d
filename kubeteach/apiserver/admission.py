"""Admission plugins that are on by default, in the AllOrderedPlugins order (pkg/kubeapiserver/options/plugins.go).

Each plugin looks at one request and either changes the object (mutating), refuses it (an APIError), or does
nothing. Each returns the facts of what it did, for the trace (`admission:<plugin>` in narratives.py renders
them), or None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..objects import Randomness, annotations_of
from . import podtopologylabels, priority
from .errors import APIError, forbidden
from .registry import Storage
from .request import Request

DEFAULT_TOLERATION_SECONDS = 300
SA_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
DEFAULT_SC_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


class AdmissionServer(Protocol):
    """What the plugins read of the API server: the stored objects, and the randomness of generated names."""

    storage: Storage
    rnd: Randomness


@dataclass(frozen=True)
class Plugin:
    name: str
    admit: Callable[[AdmissionServer, Request, dict], dict | None]


#: namespaces NamespaceLifecycle never lets anyone delete (its Register: default, kube-system, kube-public)
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")


def namespace_lifecycle(api: AdmissionServer, req: Request, obj: dict) -> dict | None:
    """NamespaceLifecycle (staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go):
    the immortal namespaces cannot be deleted; nothing new may be created in a namespace that does not exist or is
    being terminated (events included: the plugin has no exception for them)."""
    res = req.resource
    if req.verb == "delete" and res.kind == "Namespace" and req.name in IMMORTAL_NAMESPACES:
        raise APIError(403, "Forbidden", f'namespaces "{req.name}" is forbidden: this namespace may not be deleted',
                       {"name": req.name, "kind": "namespaces"})
    if req.verb != "create" or not res.namespaced:
        return None
    ns = api.storage.read("namespaces", "", req.namespace)
    if ns is None:
        raise APIError(404, "NotFound", f'namespaces "{req.namespace}" not found',
                       {"name": req.namespace, "kind": "namespaces"})
    if ns.get("status", {}).get("phase") == "Terminating":
        # admission.NewForbidden names the object as extractResourceName does: name, generateName, or "Unknown"
        meta = obj.get("metadata") or {}
        name = req.name or meta.get("name") or meta.get("generateName") or "Unknown"
        details = {"name": name, **({"group": res.group} if res.group else {}), "kind": res.resource,
                   "causes": [{"reason": "NamespaceTerminating", "message": f"namespace {req.namespace} is being "
                               "terminated", "field": "metadata.namespace"}]}
        raise APIError(403, "Forbidden", f'{res.group_resource} "{name}" is forbidden: unable to create new content '
                       f"in namespace {req.namespace} because it is being terminated", details)
    return None


def admit_delete(api: AdmissionServer, req: Request) -> None:
    """Admission of a DELETE (endpoints/handlers/delete.go runs it before the registry): of the plugins here only
    NamespaceLifecycle handles deletes."""
    namespace_lifecycle(api, req, {})


def service_account(api: AdmissionServer, req: Request, obj: dict) -> dict | None:
    """Set serviceAccountName (default `default`), check it exists, and mount its token as a projected volume."""
    if req.resource.kind != "Pod" or req.verb != "create":
        return None
    spec = obj.setdefault("spec", {})
    name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = spec["serviceAccount"] = name
    sa = api.storage.read("serviceaccounts", req.namespace, name)
    if sa is None:
        raise forbidden(f'pods "{obj["metadata"].get("name") or obj["metadata"].get("generateName", "")}" is '
                        f"forbidden: error looking up service account {req.namespace}/{name}: serviceaccount "
                        f'"{name}" not found')
    if spec.get("automountServiceAccountToken") is False or sa.get("automountServiceAccountToken") is False:
        return {"service_account": name, "volume": ""}
    volume = f"kube-api-access-{api.rnd.string(5)}"
    needs_volume = False
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        if any(m.get("mountPath") == SA_TOKEN_PATH for m in c.get("volumeMounts") or []):
            continue                        # a mount at the token path of its own keeps the token out
        c.setdefault("volumeMounts", []).append({"name": volume, "readOnly": True, "mountPath": SA_TOKEN_PATH})
        needs_volume = True
    if not needs_volume:
        return {"service_account": name, "volume": ""}
    spec.setdefault("volumes", []).append({"name": volume, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                        "fieldPath": "metadata.namespace"}}]}},
    ]}})
    return {"service_account": name, "volume": volume}


def node_restriction(api: AdmissionServer, req: Request, obj: dict) -> dict | None:
    """A kubelet may only change its own Node and the status of pods bound to it."""
    user = req.user.name if req.user else ""
    if not user.startswith("system:node:"):
        return None
    node = user.removeprefix("system:node:")
    if req.resource.resource == "nodes" and req.name and req.name != node:
        raise forbidden(f'nodes "{req.name}" is forbidden: node "{node}" is not allowed to modify node "{req.name}"')
    if req.resource.resource == "pods" and obj.get("spec", {}).get("nodeName") not in (None, node):
        raise forbidden(f'pods "{req.name}" is forbidden: node "{node}" can only update pod status for pods '
                        "with spec.nodeName set to itself")
    return None


def taint_nodes_by_condition(api: AdmissionServer, req: Request, obj: dict) -> dict | None:
    """A new Node starts with node.kubernetes.io/not-ready:NoSchedule until its kubelet reports Ready."""
    if req.resource.kind != "Node" or req.verb != "create":
        return None
    taints = obj.setdefault("spec", {}).setdefault("taints", [])
    if not any(t.get("key") == "node.kubernetes.io/not-ready" and t.get("effect") == "NoSchedule" for t in taints):
        taints.append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"})
        return {"taint": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}
    return None


def default_toleration_seconds(api: AdmissionServer, req: Request, obj: dict) -> dict | None:
    """Tolerate not-ready and unreachable NoExecute taints for 300 s, unless the pod already says otherwise."""
    if req.resource.kind != "Pod" or req.verb != "create":
        return None
    tolerations = obj.setdefault("spec", {}).setdefault("tolerations", [])
    added = []
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if any(t.get("key") == key and t.get("effect") in (None, "", "NoExecute") or
               (not t.get("key") and t.get("operator") == "Exists") for t in tolerations):
            continue
        tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                            "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})
        added.append(key)
    return {"tolerations": added, "seconds": DEFAULT_TOLERATION_SECONDS} if added else None


def default_storage_class(api: AdmissionServer, req: Request, obj: dict) -> dict | None:
    """A PersistentVolumeClaim without storageClassName gets the default StorageClass."""
    if req.resource.kind != "PersistentVolumeClaim" or req.verb != "create":
        return None
    spec = obj.setdefault("spec", {})
    if spec.get("storageClassName") is not None:
        return None
    defaults = [sc for sc in api.storage.list("storageclasses", "")
                if annotations_of(sc).get(DEFAULT_SC_ANNOTATION) == "true"]
    if not defaults:
        return None
    spec["storageClassName"] = defaults[-1]["metadata"]["name"]
    return {"storage_class": spec["storageClassName"]}


def storage_object_in_use_protection(api: AdmissionServer, req: Request, obj: dict) -> dict | None:
    """PVCs and PVs get a protection finalizer so they outlive the pods that use them."""
    finalizer = {"PersistentVolumeClaim": "kubernetes.io/pvc-protection",
                 "PersistentVolume": "kubernetes.io/pv-protection"}.get(req.resource.kind)
    if finalizer is None or req.verb != "create":
        return None
    finalizers = obj.setdefault("metadata", {}).setdefault("finalizers", [])
    if finalizer not in finalizers:
        finalizers.append(finalizer)
    return {"finalizer": finalizer}


MUTATING = (
    Plugin("NamespaceLifecycle", namespace_lifecycle),
    Plugin("ServiceAccount", service_account),
    Plugin("NodeRestriction", node_restriction),
    Plugin("TaintNodesByCondition", taint_nodes_by_condition),
    Plugin("Priority", priority.admit),
    Plugin("DefaultTolerationSeconds", default_toleration_seconds),
    Plugin("DefaultStorageClass", default_storage_class),
    Plugin("StorageObjectInUseProtection", storage_object_in_use_protection),
    Plugin("PodTopologyLabels", podtopologylabels.admit_pod),
)

#: the plugins that handle a pods/binding create (the others look at Pods, not Bindings)
BINDING = (Plugin("PodTopologyLabels", podtopologylabels.admit_binding),)


def admit(api: AdmissionServer, req: Request, obj: dict) -> list[tuple[str, dict]]:
    """Run the mutating plugins in order; returns (plugin, the facts of what it did) for those that did something.
    A pods/binding create runs the plugins that handle Bindings."""
    notes = []
    for plugin in BINDING if req.subresource == "binding" else MUTATING:
        note = plugin.admit(api, req, obj)
        if note is not None:
            notes.append((plugin.name, note))
    return notes
