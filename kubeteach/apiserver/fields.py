"""Field selectors (`?fieldSelector=spec.nodeName=node-1`): the fields each resource lets you select on.

Kubernetes registers a few selectable fields per resource (pkg/registry/*/strategy.go ToSelectableFields, plus
the conversion funcs in pkg/apis/*/v1/conversion.go); anything else is `field label not supported: <field>`.
"""

from __future__ import annotations

from typing import Any

from .errors import bad_request

#: label -> path in the object, per resource; every resource also has metadata.name (and, namespaced, namespace)
SELECTABLE: dict[str, dict[str, str]] = {
    "pods": {"spec.nodeName": "spec.nodeName", "spec.restartPolicy": "spec.restartPolicy",
             "spec.schedulerName": "spec.schedulerName", "spec.serviceAccountName": "spec.serviceAccountName",
             "spec.hostNetwork": "spec.hostNetwork", "status.phase": "status.phase", "status.podIP": "status.podIP",
             "status.nominatedNodeName": "status.nominatedNodeName"},
    "events": {"involvedObject.kind": "involvedObject.kind", "involvedObject.namespace": "involvedObject.namespace",
               "involvedObject.name": "involvedObject.name", "involvedObject.uid": "involvedObject.uid",
               "involvedObject.apiVersion": "involvedObject.apiVersion",
               "involvedObject.resourceVersion": "involvedObject.resourceVersion",
               "involvedObject.fieldPath": "involvedObject.fieldPath", "reason": "reason",
               "reportingComponent": "reportingComponent", "source": "source.component", "type": "type"},
    "nodes": {"spec.unschedulable": "spec.unschedulable"},
    "replicasets": {"status.replicas": "status.replicas"},
    "namespaces": {"status.phase": "status.phase"},
    "secrets": {"type": "type"},
    "persistentvolumeclaims": {"status.phase": "status.phase"},
    "persistentvolumes": {"status.phase": "status.phase"},
}

Requirement = tuple[str, bool, str]


def parse_field_selector(text: str, resource: str) -> list[Requirement]:
    """`status.phase!=Running,spec.nodeName=node-1` → [(path, equal?, value)], refusing fields the resource lacks."""
    fields = {"metadata.name": "metadata.name", "metadata.namespace": "metadata.namespace",
              **SELECTABLE.get(resource, {})}
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        for op, equal in (("!=", False), ("==", True), ("=", True)):
            if op in part:
                label, value = (x.strip() for x in part.split(op, 1))
                if label not in fields:
                    raise bad_request(f"field label not supported: {label}")
                out.append((fields[label], equal, value))
                break
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
    return out


def _value(obj: dict, path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def field_matches(requirements: list[Requirement], obj: dict) -> bool:
    """Do all requirements hold for `obj`? (an unset field compares as the empty string)"""
    return all((_value(obj, path) == value) == equal for path, equal, value in requirements)
