"""PodTopologyLabels (plugin/pkg/admission/podtopologylabels; gate PodTopologyLabelsAdmission, beta and on in
v1.35): the bound Node's zone and region labels reach the Pod, so the downward API can expose them.

The plugin copies them onto the Binding the scheduler POSTs (pods/binding create), and BindingREST copies the
Binding's labels onto the Pod, overwriting (copyLabelsWithOverwriting, pkg/registry/core/pod/storage). A Pod created
with spec.nodeName already set gets them straight from the plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .request import Request

#: what the plugin reads of the API server (admission.AdmissionServer: `storage.read`); Any here, so the plugin
#: and admission.py, which lists it, do not import each other
AdmissionServer = Any

#: the plugin's defaultConfig.Labels: these two keys only
TOPOLOGY_LABELS = ("topology.kubernetes.io/zone", "topology.kubernetes.io/region")


def topology_labels_for_node(api: AdmissionServer, node_name: str) -> dict[str, str]:
    """topologyLabelsForNodeName: the node's zone and region labels; a node that is not there gives none."""
    node = api.storage.read("nodes", "", node_name)
    labels = ((node or {}).get("metadata") or {}).get("labels") or {}
    return {k: labels[k] for k in TOPOLOGY_LABELS if k in labels}


def _merge(meta: dict, labels: dict[str, str]) -> None:
    """mergeLabels: the node's values win over the object's own."""
    meta.setdefault("labels", {}).update(labels)


def admit_binding(api: AdmissionServer, req: Request, binding: dict) -> dict | None:
    """admitBinding: a Binding to a Node gets the node's topology labels (BindingREST then copies them to the Pod)."""
    target = binding.get("target") or {}
    if target.get("kind") != "Node":
        return None
    labels = topology_labels_for_node(api, target.get("name") or "")
    if not labels:
        return None
    _merge(binding.setdefault("metadata", {}), labels)
    return {"labels": labels, "node": target.get("name"), "onto": "Binding"}


def admit_pod(api: AdmissionServer, req: Request, pod: dict) -> dict | None:
    """admitPod: a Pod created with spec.nodeName gets that node's topology labels."""
    if req.resource.kind != "Pod" or req.verb != "create" or req.subresource:
        return None
    node = (pod.get("spec") or {}).get("nodeName")
    if not node:
        return None
    labels = topology_labels_for_node(api, node)
    if not labels:
        return None
    _merge(pod.setdefault("metadata", {}), labels)
    return {"labels": labels, "node": node, "onto": "Pod"}


def copy_labels_with_overwriting(pod: dict, binding: dict) -> dict[str, str]:
    """BindingREST's copyLabelsWithOverwriting: every label of the Binding onto the Pod; returns what was copied."""
    labels = dict(((binding.get("metadata") or {}).get("labels")) or {})
    if labels:
        _merge(pod["metadata"], labels)
    return labels
