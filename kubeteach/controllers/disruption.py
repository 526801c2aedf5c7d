"""The disruption controller (pkg/controller/disruption/disruption.go): keeps each PodDisruptionBudget's status —
how many of its pods are healthy, how many must stay healthy, and so how many disruptions (evictions) it allows.

trySync: the pods the selector matches → getExpectedPodCount (minAvailable as a number counts the pods; a percent
or maxUnavailable asks their controllers' scale: a Deployment's replicas for its ReplicaSets' pods, else the
ReplicaSet's) → buildDisruptedPodMap (pods the eviction subresource took, for at most 2 minutes) →
countHealthyPods (Ready, not being deleted, not just disrupted) → updatePdbStatus when anything moved. A sync that
fails sets disruptionsAllowed 0 with the SyncFailed reason (failSafe). The stale-DisruptionTarget cleanup and the
scale subresource of custom controllers are not simulated.
"""

from __future__ import annotations

import math

from ..client import APIError, OnNew
from ..events import EventRecorder
from ..objects import controller_ref, deep_copy, is_being_deleted, key_of, parse_timestamp, selector_matches, timestamp
from ..poddisruptionbudget import update_disruption_allowed_condition
from ..pods import is_pod_ready
from ..trace import narrative
from . import Controller

DELETION_TIMEOUT = 120.0    # DeletionTimeout: how long a pod in disruptedPods has to disappear


class SyncFailed(Exception):
    """An error of getExpectedPodCount (its text becomes the SyncFailed condition's message)."""


def scaled_value(value: int | str, total: int) -> int:
    """intstr.GetScaledValueFromIntOrPercent(value, total, roundUp=true)."""
    if isinstance(value, int):
        return value
    return math.ceil(int(value.rstrip("%")) * total / 100)


def conditions_are_up_to_date(status: dict) -> bool:
    """pdbhelper.ConditionsAreUpToDate: the condition exists, is of this generation, and agrees with the count."""
    cond = next((c for c in status.get("conditions") or [] if c.get("type") == "DisruptionAllowed"), None)
    return cond is not None and cond.get("observedGeneration", 0) == status.get("observedGeneration", 0) and \
        (cond.get("status") == "True") == (status.get("disruptionsAllowed", 0) > 0)


class DisruptionController(Controller):
    """disruption-controller: PodDisruptionBudget status from the pods it selects and their controllers' scale."""

    name = "disruption-controller"
    primary = "poddisruptionbudgets"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.recorder = EventRecorder(self.client.quiet_copy(), "controllermanager", record=self.record)
        self.pdb_informer = factory.informer("poddisruptionbudgets")
        self.pod_informer = factory.informer("pods")
        self.rs_informer = factory.informer("replicasets")
        self.deploy_informer = factory.informer("deployments")
        self.pdb_informer.add_handler(self.enqueue, OnNew(self.enqueue), self.enqueue)
        self.pod_informer.add_handler(self._pod_changed, OnNew(self._pod_changed), self._pod_changed)

    def _pod_changed(self, pod: dict) -> None:
        """addPod / updatePod / deletePod → getPdbForPod: the first budget selecting the pod (Kubernetes warns
        MultiplePodDisruptionBudgets on the pod when there are more)."""
        labels = pod["metadata"].get("labels") or {}
        budgets = sorted((p for p in self.pdb_informer.list(pod["metadata"]["namespace"])
                          if selector_matches((p.get("spec") or {}).get("selector"), labels)), key=key_of)
        if budgets:
            self.enqueue(budgets[0])

    # --- the sync ------------------------------------------------------------------------------------------------

    def sync(self, key: str) -> None:
        pdb = self.pdb_informer.get(key)
        if pdb is None:
            self.nothing_to_do(key, "pdb-gone")
            return
        pods = sorted((p for p in self.pod_informer.list(pdb["metadata"]["namespace"])
                       if selector_matches((pdb.get("spec") or {}).get("selector"), p["metadata"].get("labels") or {})),
                      key=key_of)
        if not pods:
            self.recorder.event(pdb, "Normal", "NoPods", "No matching pods found")
        try:
            expected, desired, unmanaged = self.get_expected_pod_count(pdb, pods)
        except SyncFailed as err:
            self.recorder.event(pdb, "Warning", "CalculateExpectedPodCountFailed",
                                f"Failed to calculate the number of expected pods: {err}")
            self.fail_safe(pdb, str(err))
            return
        if unmanaged:
            self.recorder.event(pdb, "Warning", "UnmanagedPods", "Pods selected by this PodDisruptionBudget (selector: "
                                f"{_go_selector(pdb['spec'].get('selector'))}) were found to be unmanaged. As a result, "
                                "the status of the PDB cannot be calculated correctly, which may result in undefined "
                                'behavior. To account for these pods please set ".spec.minAvailable" field of the PDB '
                                "to an integer value.")
        disrupted, recheck = self.build_disrupted_pod_map(pods, pdb)
        healthy = self.count_healthy_pods(pods, disrupted)
        self.update_pdb_status(pdb, healthy, desired, expected, disrupted, len(pods))
        if recheck is not None:
            self.queue.add_after(key, max(recheck - self.now, 0.0))

    def get_expected_pod_count(self, pdb: dict, pods: list[dict]) -> tuple[int, int, list[str]]:
        """getExpectedPodCount: (expectedCount, desiredHealthy, unmanaged pod names)."""
        spec = pdb.get("spec") or {}
        if spec.get("maxUnavailable") is not None:
            expected, unmanaged = self.get_expected_scale(pods)
            return expected, max(expected - scaled_value(spec["maxUnavailable"], expected), 0), unmanaged
        if isinstance(spec.get("minAvailable"), int):
            return len(pods), spec["minAvailable"], []
        if spec.get("minAvailable") is not None:
            expected, unmanaged = self.get_expected_scale(pods)
            return expected, scaled_value(spec["minAvailable"], expected), unmanaged
        return 0, 0, []

    def get_expected_scale(self, pods: list[dict]) -> tuple[int, list[str]]:
        """getExpectedScale: the sum of the scale of each controller owning a pod (finders: Deployment through its
        ReplicaSet, then a ReplicaSet of its own); a pod without a controller is unmanaged and not counted."""
        scales: dict[str, int] = {}
        seen: set[str] = set()
        unmanaged = []
        for pod in pods:
            ref = controller_ref(pod)
            if ref is None:
                unmanaged.append(pod["metadata"]["name"])
                continue
            if ref.get("uid") in seen:
                continue
            found = self._pod_deployment(ref, pod["metadata"]["namespace"]) or \
                self._pod_replicaset(ref, pod["metadata"]["namespace"])
            if found is None:
                raise SyncFailed(f'found no controllers for pod "{pod["metadata"]["name"]}"')
            seen.add(ref["uid"])
            scales[found[0]] = found[1]
        return sum(scales.values()), unmanaged

    def _replicaset(self, ref: dict, namespace: str) -> dict | None:
        if ref.get("kind") != "ReplicaSet" or ref.get("apiVersion", "").split("/")[0] not in ("apps", "extensions"):
            return None
        rs = self.rs_informer.get(f"{namespace}/{ref['name']}")
        return rs if rs is not None and rs["metadata"]["uid"] == ref.get("uid") else None

    def _pod_deployment(self, ref: dict, namespace: str) -> tuple[str, int] | None:
        """getPodDeployment: the pod's ReplicaSet's controlling Deployment, and its spec.replicas."""
        rs = self._replicaset(ref, namespace)
        rs_ref = controller_ref(rs) if rs else None
        if rs_ref is None or rs_ref.get("kind") != "Deployment":
            return None
        d = self.deploy_informer.get(f"{namespace}/{rs_ref['name']}")
        if d is None or d["metadata"]["uid"] != rs_ref.get("uid"):
            return None
        return d["metadata"]["uid"], d["spec"].get("replicas", 1)

    def _pod_replicaset(self, ref: dict, namespace: str) -> tuple[str, int] | None:
        """getPodReplicaSet: a ReplicaSet no Deployment controls, and its spec.replicas."""
        rs = self._replicaset(ref, namespace)
        if rs is None or (controller_ref(rs) or {}).get("kind") == "Deployment":
            return None
        return rs["metadata"]["uid"], rs["spec"].get("replicas", 1)

    def build_disrupted_pod_map(self, pods: list[dict], pdb: dict) -> tuple[dict, float | None]:
        """buildDisruptedPodMap: entries of pods not yet being deleted and still within DeletionTimeout; the earliest
        expiry is when to look again. An expired one gets the pod a NotDeleted warning."""
        listed = (pdb.get("status") or {}).get("disruptedPods") or {}
        result: dict[str, str] = {}
        recheck: float | None = None
        for pod in pods:
            name = pod["metadata"]["name"]
            if is_being_deleted(pod) or name not in listed:
                continue
            expected_deletion = parse_timestamp(listed[name]) + DELETION_TIMEOUT
            if expected_deletion < self.now:
                self.recorder.event(pod, "Warning", "NotDeleted", f"Pod was expected by PDB "
                                    f"{pdb['metadata']['namespace']}/{pdb['metadata']['name']} to be deleted but it "
                                    "wasn't")
                continue
            recheck = expected_deletion if recheck is None else min(recheck, expected_deletion)
            result[name] = listed[name]
        return result, recheck

    def count_healthy_pods(self, pods: list[dict], disrupted: dict) -> int:
        """countHealthyPods: Ready pods, leaving out those being deleted and those the eviction just took."""
        return sum(1 for p in pods if not is_being_deleted(p) and is_pod_ready(p) and not (
            p["metadata"]["name"] in disrupted and
            parse_timestamp(disrupted[p["metadata"]["name"]]) + DELETION_TIMEOUT > self.now))

    def update_pdb_status(self, pdb: dict, healthy: int, desired: int, expected: int, disrupted: dict,
                          matched: int) -> None:
        """updatePdbStatus: disruptionsAllowed = currentHealthy - desiredHealthy (0 when negative or nothing is
        expected); written only when a count, the disrupted pods, the generation or the condition moved."""
        allowed = healthy - desired
        if expected <= 0 or allowed <= 0:
            allowed = 0
        status = pdb.get("status") or {}
        generation = pdb["metadata"].get("generation", 0)
        facts = dict(pods=matched, current_healthy=healthy, desired_healthy=desired, expected_pods=expected,
                     disruptions_allowed=allowed)
        if (status.get("currentHealthy"), status.get("desiredHealthy"), status.get("expectedPods"),
                status.get("disruptionsAllowed"), status.get("disruptedPods") or {},
                status.get("observedGeneration", 0)) == (healthy, desired, expected, allowed, disrupted, generation) \
                and conditions_are_up_to_date(status):
            self.nothing_to_do(key_of(pdb), "pdb-status-current", **facts)
            return
        new = deep_copy(pdb)
        new["status"] = {**({"observedGeneration": generation} if generation else {}),
                         **({"disruptedPods": disrupted} if disrupted else {}), "disruptionsAllowed": allowed,
                         "currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected,
                         **({"conditions": status["conditions"]} if status.get("conditions") else {})}
        update_disruption_allowed_condition(new["status"], timestamp(self.now))
        self.record("pdb-status", key_of(pdb), **facts)
        self._write(new)

    def fail_safe(self, pdb: dict, message: str) -> None:
        """failSafe: no disruptions allowed while the status cannot be computed."""
        new = deep_copy(pdb)
        new.setdefault("status", {})["disruptionsAllowed"] = 0
        update_disruption_allowed_condition(new["status"], timestamp(self.now), "SyncFailed", message)
        self.record("pdb-sync-failed", key_of(pdb), message=message)
        self._write(new)

    def _write(self, pdb: dict) -> None:
        try:
            self.client.update_status("poddisruptionbudgets", pdb)
        except APIError as err:
            if err.code not in (404, 409):
                raise
            if err.code == 409:         # the eviction subresource wrote first: look again
                self.queue.add(key_of(pdb))


def _go_selector(sel: dict | None) -> str:
    """The *metav1.LabelSelector as %v prints it (its String method: the protobuf text form)."""
    if not sel:
        return "nil"
    parts = []
    if sel.get("matchLabels"):
        parts.append("MatchLabels:map[" + " ".join(f"{k}:{v}" for k, v in sorted(sel["matchLabels"].items())) + "]")
    else:
        parts.append("MatchLabels:map[]")
    parts.append("MatchExpressions:[]LabelSelectorRequirement{" + ",".join(
        f"LabelSelectorRequirement{{Key:{e.get('key')},Operator:{e.get('operator')},Values:[{' '.join(e.get('values') or [])}],}}"
        for e in sel.get("matchExpressions") or []) + "}")
    return "&LabelSelector{" + ",".join(parts) + ",}"


narrative({
    "pdb-status": lambda f: (f"PodDisruptionBudget {f['object']}: {f['pods']} matching pod(s), "
                             f"{f['current_healthy']} healthy, {f['desired_healthy']} must stay healthy "
                             f"(of {f['expected_pods']} expected): {f['disruptions_allowed']} disruption(s) allowed"),
    "pdb-sync-failed": "PodDisruptionBudget {object}: cannot count the expected pods ({message}); no disruption "
                       "allowed (SyncFailed)",
    "nothing-to-do:pdb-gone": "the PodDisruptionBudget is gone",
    "nothing-to-do:pdb-status-current": lambda f: (f"the status already says {f['current_healthy']} healthy of "
                                                   f"{f['desired_healthy']} needed, {f['disruptions_allowed']} "
                                                   "disruption(s) allowed"),
})
