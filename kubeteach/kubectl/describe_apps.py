"""describe for ReplicaSets and Deployments (staging/src/k8s.io/kubectl/pkg/describe/describe.go
ReplicaSetDescriber, DeploymentDescriber)."""

from __future__ import annotations

from ..objects import controller_ref, selector_string
from .describe_pod import describe_pod_template
from .describe_writer import (
    PrefixWriter,
    describe_events,
    print_annotations_multiline,
    print_labels_multiline,
    rfc1123z,
)


def describe_replicaset(rs: dict, pods: list[dict], events: list[dict] | None, now: float) -> str:
    """describeReplicaSet, with the Pods Status counted over the pods it controls."""
    w = PrefixWriter()
    m, spec, st = rs["metadata"], rs.get("spec") or {}, rs.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{selector_string(spec.get('selector')) or '<none>'}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    ref = controller_ref(rs)
    if ref:
        w.write(0, f"Controlled By:\t{ref['kind']}/{ref['name']}\n")
    w.write(0, f"Replicas:\t{st.get('replicas', 0)} current / {spec.get('replicas', 1)} desired\n")
    phases = [p.get("status", {}).get("phase") for p in pods
              if (controller_ref(p) or {}).get("uid") == m.get("uid")]
    w.write(0, "Pods Status:\t")
    w.write(0, f"{phases.count('Running')} Running / {phases.count('Pending')} Waiting / "
               f"{phases.count('Succeeded')} Succeeded / {phases.count('Failed')} Failed\n")
    describe_pod_template(spec.get("template"), w)
    describe_conditions(st.get("conditions"), w)
    if events is not None:
        describe_events(events, w, now)
    return w.string()


def describe_conditions(conditions: list[dict] | None, w: PrefixWriter) -> None:
    """The Type/Status/Reason table of a ReplicaSet's or Deployment's conditions (nothing when there are none)."""
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in conditions:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")


def describe_deployment(d: dict, old: list[dict], new: list[dict], events: list[dict] | None, now: float) -> str:
    """describeDeployment: replica counts, strategy, pod template, conditions, old and new ReplicaSets."""
    w = PrefixWriter()
    m, spec, st = d["metadata"], d.get("spec") or {}, d.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(m.get('creationTimestamp'))}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {st.get('updatedReplicas', 0)} updated | "
               f"{st.get('replicas', 0)} total | {st.get('availableReplicas', 0)} available | "
               f"{st.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    ru = strategy.get("rollingUpdate")
    if ru is not None:
        w.write(0, f"RollingUpdateStrategy:\t{ru.get('maxUnavailable', 0)} max unavailable, "
                   f"{ru.get('maxSurge', 0)} max surge\n")
    describe_pod_template(spec.get("template"), w)
    describe_conditions(st.get("conditions"), w)
    if old or new:
        w.write(0, f"OldReplicaSets:\t{_replica_sets_by_labels(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_replica_sets_by_labels(new)}\n")
    if events is not None:
        describe_events(events, w, now)
    return w.string()


def _replica_sets_by_labels(rss: list[dict]) -> str:
    """printReplicaSetsByLabels: `nginx-7c5ddbdf54 (1/1 replicas created)`, comma-separated."""
    return ", ".join(f"{rs['metadata']['name']} ({rs.get('status', {}).get('replicas', 0)}/"
                     f"{rs['spec'].get('replicas', 1)} replicas created)" for rs in rss) or "<none>"


__all__ = ["describe_conditions", "describe_deployment", "describe_replicaset"]
