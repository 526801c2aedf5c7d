"""The ReplicaSet controller (pkg/controller/replicaset/replica_set.go): keep `spec.replicas` pods alive.

syncReplicaSet → claim pods (adopt orphans, release strays) → manageReplicas (slow-start creates, ranked deletes)
→ calculateStatus. Expectations stop a second sync from acting before the informer has seen the first one's pods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..client import APIError, OnNew
from ..objects import (
    controller_ref,
    controller_uid,
    deep_copy,
    get_condition,
    is_being_deleted,
    key_of,
    namespace_index,
    new_controller_ref,
    orphan_namespace,
    parse_timestamp,
    selector_matches,
    timestamp,
)
from ..pods import is_pod_active, is_pod_available, is_pod_ready, is_terminal
from ..trace import narrative, plural
from . import Controller

BURST_REPLICAS = 500
SLOW_START_INITIAL_BATCH_SIZE = 1
EXPECTATIONS_TIMEOUT = 300.0
POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"


@dataclass
class Expectations:
    """ControlleeExpectations: creations and deletions this controller still waits to observe."""

    add: int = 0
    delete: int = 0
    at: float = 0.0


def slow_start_batches(count: int) -> list[int]:
    """The batch sizes slowStartBatch plans for `count` creates: 1, 2, 4, … (the last one cut to what is left)."""
    out, size = [], SLOW_START_INITIAL_BATCH_SIZE
    while count > 0:
        out.append(min(size, count))
        count -= out[-1]
        size *= 2
    return out


class ReplicaSetController(Controller):
    name = "replicaset-controller"
    primary = "replicasets"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.rs_informer = factory.informer("replicasets")
        self.pod_informer = factory.informer("pods")
        self.rs_informer.add_index("namespace", namespace_index)
        self.rs_informer.add_index("controller-uid", controller_uid)
        self.pod_informer.add_index("controller-uid", controller_uid)
        # orphans by namespace: adoption looks at these only, not at every pod of the namespace
        self.pod_informer.add_index("orphan", orphan_namespace)
        self.expectations: dict[str, Expectations] = {}
        self.rs_informer.add_handler(self.enqueue, OnNew(self.enqueue), self._rs_deleted)
        self.pod_informer.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)

    # --- event handlers ----------------------------------------------------------------------------------------

    def _rs_deleted(self, rs: dict) -> None:
        self.expectations.pop(key_of(rs), None)
        self.enqueue(rs)

    def _owner_key(self, pod: dict) -> str | None:
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return None
        rs = self.rs_informer.get(f"{pod['metadata']['namespace']}/{ref['name']}")
        if rs is None or rs["metadata"]["uid"] != ref["uid"]:
            return None
        return key_of(rs)

    def _pod_added(self, pod: dict) -> None:
        if is_being_deleted(pod):
            self._pod_deleted(pod)
            return
        key = self._owner_key(pod)
        if key:
            exp = self.expectations.get(key)
            if exp:
                exp.add -= 1
            self.queue.add(key)
        elif controller_ref(pod) is None:
            for rs in self._matching_replica_sets(pod):
                self.enqueue(rs)

    def _pod_updated(self, old: dict, new: dict) -> None:
        if is_being_deleted(new) and not is_being_deleted(old):
            self._pod_deleted(new)
            return
        key = self._owner_key(new)
        old_ref, new_ref = controller_ref(old), controller_ref(new)
        if old_ref and (not new_ref or old_ref.get("uid") != new_ref.get("uid")):
            old_key = self._owner_key(old)
            if old_key:
                self.queue.add(old_key)
        if key:
            self.queue.add(key)
        elif new_ref is None and (old["metadata"].get("labels") != new["metadata"].get("labels") or old_ref):
            for rs in self._matching_replica_sets(new):
                self.enqueue(rs)

    def _pod_deleted(self, pod: dict) -> None:
        key = self._owner_key(pod)
        if key:
            exp = self.expectations.get(key)
            if exp:
                exp.delete -= 1
            self.queue.add(key)

    def _matching_replica_sets(self, pod: dict) -> list[dict]:
        labels = pod["metadata"].get("labels") or {}
        return [rs for rs in self.rs_informer.by_index("namespace", pod["metadata"]["namespace"])
                if selector_matches(rs["spec"].get("selector"), labels)]

    # --- syncReplicaSet ----------------------------------------------------------------------------------------

    def satisfied_expectations(self, key: str) -> bool:
        exp = self.expectations.get(key)
        return exp is None or (exp.add <= 0 and exp.delete <= 0) or self.now - exp.at > EXPECTATIONS_TIMEOUT

    def sync(self, key: str) -> None:
        """syncReplicaSet: claim the pods, create or delete the difference, then write the status."""
        rs = self.rs_informer.get(key)
        if rs is None:
            self.expectations.pop(key, None)
            self.nothing_to_do(key, "rs-gone")
            return
        rs = deep_copy(rs)
        need_sync = self.satisfied_expectations(key)
        pods = self.claim_pods(rs)
        active = [p for p in pods if is_pod_active(p)]
        error = None
        if need_sync and not is_being_deleted(rs):
            error = self.manage_replicas(active, rs)
        elif not need_sync:
            exp = self.expectations[key]
            self.record("waiting", key, add=exp.add, delete=exp.delete)
        if self.update_status(rs, self.pods_of(rs), error) and error:
            self.queue.add_rate_limited(key)    # syncReplicaSet returns manageReplicasErr: requeued rate-limited
        status = rs.get("status") or {}
        self.nothing_to_do(key, "rs-deleting" if is_being_deleted(rs) else "rs-in-sync", active=len(active),
                           want=rs["spec"].get("replicas", 1), ready=status.get("readyReplicas", 0),
                           available=status.get("availableReplicas", 0))

    def pods_of(self, rs: dict) -> list[dict]:
        return sorted(self.pod_informer.by_index("controller-uid", rs["metadata"]["uid"]), key=key_of)

    def claim_pods(self, rs: dict) -> list[dict]:
        """ClaimPods: keep owned pods that still match, adopt matching orphans, release owned strays."""
        selector, uid = rs["spec"].get("selector"), rs["metadata"]["uid"]
        owned = []
        for pod in self.pods_of(rs):
            if selector_matches(selector, pod["metadata"].get("labels") or {}) or is_being_deleted(rs):
                owned.append(pod)
                continue
            patch = {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": uid}], "uid": pod["metadata"]["uid"]}}
            try:
                self.client.patch("pods", pod["metadata"]["namespace"], pod["metadata"]["name"], patch)
                self.record("released", key_of(pod), rs=rs["metadata"]["name"])
            except APIError:
                pass
        if is_being_deleted(rs):
            return owned
        for pod in sorted(self.pod_informer.by_index("orphan", rs["metadata"]["namespace"]), key=key_of):
            if controller_ref(pod) is not None or is_being_deleted(pod):
                continue
            if not selector_matches(selector, pod["metadata"].get("labels") or {}):
                continue
            ref = new_controller_ref(rs, "apps/v1", "ReplicaSet")
            patch = {"metadata": {"ownerReferences": [ref], "uid": pod["metadata"]["uid"]}}
            try:
                adopted = self.client.patch("pods", pod["metadata"]["namespace"], pod["metadata"]["name"], patch)
                self.record("adopted", key_of(pod), rs=rs["metadata"]["name"])
                owned.append(adopted)
            except APIError:
                pass
        return owned

    def manage_replicas(self, active: list[dict], rs: dict) -> str | None:
        """manageReplicas: diff = active pods - spec.replicas; create in slow-start batches or delete ranked."""
        key = key_of(rs)
        want = rs["spec"].get("replicas", 1)
        diff = len(active) - want
        if diff < 0:
            n = min(-diff, BURST_REPLICAS)
            self.expectations[key] = Expectations(add=n, at=self.now)
            # the decision is recorded before the requests it causes; its outcome is filled in after the batches
            decision = self.record("create-pods", key, active=len(active), want=want, n=n,
                                   batches=slow_start_batches(n), created=n, error=None)
            created, batches, error = self.slow_start_batch(n, rs)
            skipped = n - created
            if skipped:
                self.expectations[key].add -= skipped
            decision.detail.update(batches=batches, created=created, error=error)
            return error
        if diff > 0:
            n = min(diff, BURST_REPLICAS)
            victims = self.get_pods_to_delete(active, self._related_pods(rs), n)
            self.expectations[key] = Expectations(delete=n, at=self.now)
            names, error = [], None
            decision = self.record("delete-pods", key, active=len(active), want=want,
                                   names=[p["metadata"]["name"] for p in victims])
            for pod in victims:
                try:
                    self.client.delete("pods", pod["metadata"]["namespace"], pod["metadata"]["name"])
                    names.append(pod["metadata"]["name"])
                    self.recorder.event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}")
                except APIError as err:
                    self.expectations[key].delete -= 1
                    if err.code != 404:
                        error = str(err)
                        self.recorder.event(rs, "Warning", "FailedDelete", f"Error deleting: {err}")
            decision.detail["names"] = names          # the ones actually deleted
            return error
        return None

    def slow_start_batch(self, count: int, rs: dict) -> tuple[int, list[int], str | None]:
        """slowStartBatch: batches of 1, 2, 4, … until `count` pods exist or a batch fails."""
        created, size, batches = 0, SLOW_START_INITIAL_BATCH_SIZE, []
        remaining = count
        while remaining > 0:
            batch = min(size, remaining)
            batches.append(batch)
            for _ in range(batch):
                try:
                    pod = self.client.create("pods", self.pod_from_template(rs), rs["metadata"]["namespace"])
                except APIError as err:
                    self.recorder.event(rs, "Warning", "FailedCreate", f"Error creating: {err}")
                    return created, batches, str(err)
                created += 1
                self.recorder.event(rs, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}")
            remaining -= batch
            size *= 2
        return created, batches, None

    @staticmethod
    def pod_from_template(rs: dict) -> dict:
        """GetPodFromTemplate: generateName `<rs>-`, the template's labels and annotations, a controller ref."""
        template = rs["spec"]["template"]
        tm = template.get("metadata") or {}
        meta = {"generateName": rs["metadata"]["name"] + "-", "labels": deep_copy(tm.get("labels") or {}),
                "ownerReferences": [new_controller_ref(rs, "apps/v1", "ReplicaSet")]}
        if tm.get("annotations"):
            meta["annotations"] = deep_copy(tm["annotations"])
        if tm.get("finalizers"):
            meta["finalizers"] = list(tm["finalizers"])
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": deep_copy(template["spec"])}

    def _related_pods(self, rs: dict) -> list[dict]:
        """getIndirectlyRelatedPods: active pods of every ReplicaSet with the same controller (the Deployment)."""
        ref = controller_ref(rs)
        if ref is None:
            return self.pods_of(rs)
        pods = []
        for sibling in self.rs_informer.by_index("controller-uid", ref["uid"]):
            pods.extend(self.pods_of(sibling))
        return pods

    def get_pods_to_delete(self, active: list[dict], related: list[dict], n: int) -> list[dict]:
        """getPodsToDelete: rank the pods (ActivePodsWithRanks) and take the first n."""
        if n >= len(active):
            return active
        per_node: dict[str, int] = {}
        for p in related:
            if is_pod_active(p) and p["spec"].get("nodeName"):
                per_node[p["spec"]["nodeName"]] = per_node.get(p["spec"]["nodeName"], 0) + 1
        ranked = sorted(active, key=lambda p: deletion_rank(p, per_node.get(p["spec"].get("nodeName", ""), 0),
                                                            self.now))
        return ranked[:n]

    # --- status ------------------------------------------------------------------------------------------------

    def update_status(self, rs: dict, pods: list[dict], error: str | None) -> bool:
        """calculateStatus, then UpdateStatus only when something changed; False if that failed (key requeued)."""
        min_ready = rs["spec"].get("minReadySeconds", 0)
        selector_labels = (rs["spec"].get("template", {}).get("metadata") or {}).get("labels") or {}
        active = [p for p in pods if is_pod_active(p)]
        status = {
            "replicas": len(active),
            "fullyLabeledReplicas": sum(all((p["metadata"].get("labels") or {}).get(k) == v
                                            for k, v in selector_labels.items()) for p in active),
            "readyReplicas": sum(is_pod_ready(p) for p in active),
            "availableReplicas": sum(is_pod_available(p, min_ready, self.now) for p in active),
            "terminatingReplicas": sum(is_being_deleted(p) and not is_terminal(p) for p in pods),
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        conds = [c for c in rs.get("status", {}).get("conditions") or [] if c["type"] != "ReplicaFailure"]
        if error:
            diff = len(active) - rs["spec"].get("replicas", 1)
            reason = "FailedCreate" if diff < 0 else "FailedDelete"
            old = get_condition(rs, "ReplicaFailure")
            conds.append({"type": "ReplicaFailure", "status": "True", "reason": reason, "message": error,
                          "lastTransitionTime": old["lastTransitionTime"] if old else timestamp(self.now)})
        if conds:
            status["conditions"] = conds
        status = {k: v for k, v in status.items() if v or k in ("replicas", "terminatingReplicas")}
        if status != rs.get("status"):
            rs["status"] = status
            try:
                self.client.update_status("replicasets", rs)
                self.record("rs-status", key_of(rs), **{k: status.get(k, 0) for k in (
                    "replicas", "readyReplicas", "availableReplicas")})
            except APIError:
                self.queue.add_rate_limited(key_of(rs))
                return False
        if (min_ready and status.get("readyReplicas", 0) == rs["spec"].get("replicas", 1)
                and status.get("availableReplicas", 0) != rs["spec"].get("replicas", 1)):
            self.queue.add_after(key_of(rs), float(min_ready), kind="work")
        return True


def _log_bucket(since: str | None, now: float) -> float:
    """LogarithmicScaleDown: compare times as floor(log2(age in ns)); a missing time counts as newest."""
    if not since:
        return -math.inf
    age_ns = max((now - parse_timestamp(since)) * 1e9, 1.0)
    return math.floor(math.log2(age_ns))


def deletion_rank(pod: dict, rank: int, now: float) -> tuple:
    """ActivePodsWithRanks.Less as a sort key: the pod to delete first sorts first."""
    status, meta = pod.get("status", {}), pod["metadata"]
    phase_order = {"Pending": 0, "Unknown": 1, "Running": 2}
    ready = is_pod_ready(pod)
    cost = int((meta.get("annotations") or {}).get(POD_DELETION_COST, 0) or 0)
    ready_since = get_condition(pod, "Ready")["lastTransitionTime"] if ready else None
    restarts = max((c.get("restartCount", 0) for c in status.get("containerStatuses") or []), default=0)
    return (
        bool(pod["spec"].get("nodeName")),                      # unassigned first
        phase_order.get(status.get("phase", "Pending"), 3),     # Pending < Unknown < Running
        ready,                                                  # not ready first
        cost,                                                   # lower deletion cost first
        -rank,                                                  # more pods of the same owner on the node first
        _log_bucket(ready_since, now) if ready else 0,          # ready for less time first
        -restarts,                                              # more restarts first
        _log_bucket(meta.get("creationTimestamp"), now),        # newer first
        meta.get("uid", ""),                                    # tie-break on UID
    )


def _create_pods(f: dict) -> str:
    batches = " then ".join(str(b) for b in f["batches"])
    text = (f"sync {f['object']}: {f['active']} active pod{'s' if f['active'] != 1 else ''}, {f['want']} wanted; "
            f"create {f['n']} in slow-start batch{'es' if len(f['batches']) > 1 else ''} of {batches}")
    if f["error"]:
        text += f"; stopped after {f['created']}: {f['error']}"
    return text


narrative({
    "create-pods": _create_pods,
    "delete-pods": lambda f: (f"sync {f['object']}: {f['active']} active pods, {f['want']} wanted; delete "
                              f"{len(f['names'])} ranked for deletion first: {', '.join(f['names'])}"),
    "waiting": "sync {object}: still expecting {add} creations and {delete} deletions to be observed; "
               "manageReplicas waits (expectations)",
    "rs-status": lambda f: (f"status {f['object']}: {f['replicas']} replica{'s' if f['replicas'] != 1 else ''}, "
                         f"{f['readyReplicas']} ready, {f['availableReplicas']} available"),
    "nothing-to-do:rs-gone": "the ReplicaSet is gone; its expectations are forgotten",
    "nothing-to-do:rs-in-sync": lambda f: (f"{plural(f['active'], 'active pod')} of {f['want']} wanted, "
                                           f"{f['ready']} ready, {f['available']} available; status unchanged"),
    "nothing-to-do:rs-deleting": lambda f: (f"the ReplicaSet is being deleted; {plural(f['active'], 'active pod')} "
                                            f"left to the garbage collector"),
    "adopted": "adopted orphan pod {object} into ReplicaSet {rs} (labels match its selector)",
    "released": "released pod {object} from ReplicaSet {rs} (labels no longer match its selector)",
})

__all__ = ["ReplicaSetController", "deletion_rank"]
