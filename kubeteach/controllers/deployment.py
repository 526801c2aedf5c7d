"""The Deployment controller (pkg/controller/deployment): ReplicaSets named by the pod-template-hash, rollouts.

syncDeployment picks what to do (deployment_controller.go); `rollout_rolling` and `rollout_recreate` mirror
rolling.go and recreate.go; `scale` is sync.go's proportional scaling; the status and the Progressing condition
follow sync.go and progress.go. The arithmetic lives in kubeteach.controllers.deploymentutil.
"""

from __future__ import annotations

from ..client import APIError, OnNew
from ..objects import (
    annotations_of,
    compute_hash,
    controller_ref,
    controller_uid,
    deep_copy,
    get_condition,
    is_being_deleted,
    key_of,
    namespace_index,
    new_controller_ref,
    orphan_namespace,
    selector_is_empty,
    selector_matches,
)
from ..pods import is_terminal
from . import Controller
from . import deploymentutil as du


class DeploymentController(Controller):
    name = "deployment-controller"
    primary = "deployments"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.d_informer = factory.informer("deployments")
        self.rs_informer = factory.informer("replicasets")
        self.pod_informer = factory.informer("pods")
        self.d_informer.add_index("namespace", namespace_index)
        self.rs_informer.add_index("controller-uid", controller_uid)
        self.rs_informer.add_index("namespace", namespace_index)
        # orphans by namespace: adoption looks at these only, not at every ReplicaSet of the namespace
        self.rs_informer.add_index("orphan", orphan_namespace)
        self.pod_informer.add_index("controller-uid", controller_uid)
        self.d_informer.add_handler(self.enqueue, OnNew(self.enqueue), self.enqueue)
        self.rs_informer.add_handler(self._rs_changed, OnNew(self._rs_changed), self._rs_changed)
        self.pod_informer.add_handler(on_delete=self._pod_deleted)

    # --- event handlers ----------------------------------------------------------------------------------------

    def _owner(self, obj: dict) -> dict | None:
        ref = controller_ref(obj)
        if ref is None or ref.get("kind") != "Deployment":
            return None
        d = self.d_informer.get(f"{obj['metadata']['namespace']}/{ref['name']}")
        return d if d is not None and d["metadata"]["uid"] == ref["uid"] else None

    def _rs_changed(self, rs: dict) -> None:
        owner = self._owner(rs)
        if owner is not None:
            self.enqueue(owner)
        elif controller_ref(rs) is None:
            labels = rs["metadata"].get("labels") or {}
            for d in self.d_informer.by_index("namespace", rs["metadata"]["namespace"]):
                if selector_matches(d["spec"].get("selector"), labels):
                    self.enqueue(d)

    def _pod_deleted(self, pod: dict) -> None:
        """Recreate waits for old pods to go: a deleted pod may let it proceed."""
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        rs = self.rs_informer.get(f"{pod['metadata']['namespace']}/{ref['name']}")
        owner = self._owner(rs) if rs else None
        if owner is not None and owner["spec"].get("strategy", {}).get("type") == "Recreate":
            self.enqueue(owner)

    # --- syncDeployment ----------------------------------------------------------------------------------------

    def sync(self, key: str) -> None:
        """syncDeployment: the order of checks of deployment_controller.go."""
        d = self.d_informer.get(key)
        if d is None:
            self.record("gone", key)
            return
        # an error goes up to the work queue, which requeues the key rate-limited and forgets it once a sync
        # succeeds (handleErr); the loop records it as work-failed
        self._sync(deep_copy(d))
        self.nothing_to_do(key, "deployment-deleting" if is_being_deleted(d) else "deployment-in-sync",
                           **du.in_sync_facts(d, self.rs_informer.by_index("controller-uid", d["metadata"]["uid"])))

    def _sync(self, d: dict) -> None:
        selector = d["spec"].get("selector")
        if selector_is_empty(selector):
            self.recorder.event(d, "Warning", "SelectingAll",
                                "This deployment is selecting all pods. A non-empty selector is required.")
            if d.get("status", {}).get("observedGeneration") != d["metadata"].get("generation"):
                d.setdefault("status", {})["observedGeneration"] = d["metadata"].get("generation")
                self.client.update_status("deployments", d)
            return
        rs_list = self.get_replica_sets_for_deployment(d)
        if is_being_deleted(d):
            self.sync_status_only(d, rs_list)
            return
        self.check_paused_conditions(d)
        if d["spec"].get("paused"):
            self.scale_sync(d, rs_list)
            return
        if self.is_scaling_event(d, rs_list):
            self.scale_sync(d, rs_list)
            return
        if d["spec"].get("strategy", {}).get("type") == "Recreate":
            self.rollout_recreate(d, rs_list)
        else:
            self.rollout_rolling(d, rs_list)

    def get_replica_sets_for_deployment(self, d: dict) -> list[dict]:
        """ClaimReplicaSets: owned ones that still match, plus matching orphans adopted by patch."""
        uid, selector = d["metadata"]["uid"], d["spec"].get("selector")
        owned = [deep_copy(rs) for rs in self.rs_informer.by_index("controller-uid", uid)]
        out = []
        for rs in sorted(owned, key=key_of):
            if selector_matches(selector, rs["metadata"].get("labels") or {}):
                out.append(rs)
            else:
                patch = {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": uid}],
                                      "uid": rs["metadata"]["uid"]}}
                self.client.patch("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"], patch)
                self.record("released-rs", key_of(rs), deployment=d["metadata"]["name"])
        for rs in sorted(self.rs_informer.by_index("orphan", d["metadata"]["namespace"]), key=key_of):
            if controller_ref(rs) is None and not is_being_deleted(rs) and \
                    selector_matches(selector, rs["metadata"].get("labels") or {}):
                ref = new_controller_ref(d, "apps/v1", "Deployment")
                adopted = self.client.patch("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"],
                                            {"metadata": {"ownerReferences": [ref], "uid": rs["metadata"]["uid"]}})
                self.record("adopted-rs", key_of(rs), deployment=d["metadata"]["name"])
                out.append(adopted)
        return out

    def is_scaling_event(self, d: dict, rs_list: list[dict]) -> bool:
        """isScalingEvent: an active ReplicaSet's desired-replicas annotation differs from spec.replicas."""
        new_rs, old_rss = du.find_new_and_old(d, rs_list)
        for rs in du.filter_active([new_rs, *old_rss] if new_rs else old_rss):
            desired = annotations_of(rs).get(du.DESIRED_REPLICAS)
            if desired is not None and int(desired) != d["spec"].get("replicas", 1):
                return True
        return False

    def check_paused_conditions(self, d: dict) -> None:
        """checkPausedConditions: Progressing=Unknown DeploymentPaused / DeploymentResumed."""
        if not du.has_progress_deadline(d):
            return
        cond = get_condition(d, "Progressing")
        if cond and cond.get("reason") == du.TIMED_OUT_REASON:
            return
        paused = bool(d["spec"].get("paused"))
        paused_cond = cond is not None and cond.get("reason") == du.PAUSED_REASON
        if paused and not paused_cond:
            du.set_condition(d, du.condition("Progressing", "Unknown", du.PAUSED_REASON, "Deployment is paused",
                                             self.now))
        elif not paused and paused_cond:
            du.set_condition(d, du.condition("Progressing", "Unknown", du.RESUMED_REASON, "Deployment is resumed",
                                             self.now))
        else:
            return
        updated = self.client.update_status("deployments", d)
        d["metadata"]["resourceVersion"] = updated["metadata"]["resourceVersion"]

    # --- new and old ReplicaSets (sync.go) ------------------------------------------------------------------------

    def get_all_replica_sets_and_sync_revision(self, d: dict, rs_list: list[dict], create: bool
                                               ) -> tuple[dict | None, list[dict]]:
        new_rs, old_rss = du.find_new_and_old(d, rs_list)
        new_rs = self.get_new_replica_set(d, rs_list, new_rs, old_rss, create)
        return new_rs, old_rss

    def get_new_replica_set(self, d: dict, rs_list: list[dict], existing: dict | None, old_rss: list[dict],
                            create: bool) -> dict | None:
        """getNewReplicaSet: bring an existing new RS's revision up to date, or create `<name>-<hash>`."""
        max_old = du.max_revision(old_rss)
        new_revision = str(max_old + 1)
        if existing is not None:
            rs = deep_copy(existing)
            changed = du.set_new_replica_set_annotations(d, rs, new_revision, True)
            min_ready_changed = rs["spec"].get("minReadySeconds", 0) != d["spec"].get("minReadySeconds", 0)
            if changed or min_ready_changed:
                rs["spec"]["minReadySeconds"] = d["spec"].get("minReadySeconds", 0)
                rs = self.client.update("replicasets", rs)
                self.record("revision", key_of(rs), revision=du.revision(rs))
                return rs  # the Deployment's revision follows on the next sync, as in Go
            needs_update = self._set_deployment_revision(d, str(du.revision(rs)))
            if get_condition(d, "Progressing") is None and du.has_progress_deadline(d):
                du.set_condition(d, du.condition("Progressing", "True", du.FOUND_NEW_RS_REASON,
                                                 f'Found new replica set "{rs["metadata"]["name"]}"', self.now))
                needs_update = True
            if needs_update:
                self._update_status(d)
            return rs
        if not create:
            return None
        template = deep_copy(d["spec"]["template"])
        collision = d.get("status", {}).get("collisionCount")
        h = compute_hash(template, collision)
        template.setdefault("metadata", {}).setdefault("labels", {})[du.HASH_LABEL] = h
        selector = deep_copy(d["spec"]["selector"])
        selector.setdefault("matchLabels", {})[du.HASH_LABEL] = h
        name = f"{d['metadata']['name']}-{h}"
        rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": {"name": name, "namespace": d["metadata"]["namespace"],
                           "labels": {**(d["spec"]["template"].get("metadata", {}).get("labels") or {}),
                                      du.HASH_LABEL: h},
                           "ownerReferences": [new_controller_ref(d, "apps/v1", "Deployment")]},
              "spec": {"replicas": 0, "minReadySeconds": d["spec"].get("minReadySeconds", 0),
                       "selector": selector, "template": template}}
        all_rss = [*old_rss]
        new_replicas, numbers = du.new_rs_new_replicas(d, all_rss, rs)
        rs["spec"]["replicas"] = new_replicas
        du.set_new_replica_set_annotations(d, rs, new_revision, False)
        self.record("create-rs", key_of(d), rs=name, hash=h, replicas=new_replicas, revision=new_revision, **numbers)
        try:
            created = self.client.create("replicasets", rs, d["metadata"]["namespace"])
        except APIError as err:
            if err.reason != "AlreadyExists":
                msg = f'Failed to create new replica set "{name}": {err}'
                self.recorder.event(d, "Warning", du.FAILED_RS_CREATE_REASON, msg)
                du.set_condition(d, du.condition("Progressing", "False", du.FAILED_RS_CREATE_REASON, msg, self.now))
                self.client.update_status("deployments", d)
                raise
            return self._hash_collision(d, rs, rs_list, err)
        if new_replicas > 0:
            self.recorder.event(d, "Normal", "ScalingReplicaSet",
                                f"Scaled up replica set {name} from 0 to {new_replicas}")
        needs_update = self._set_deployment_revision(d, new_revision)
        if du.has_progress_deadline(d):
            du.set_condition(d, du.condition("Progressing", "True", du.NEW_RS_REASON,
                                             f'Created new replica set "{name}"', self.now))
            needs_update = True
        if needs_update:
            self._update_status(d)
        return created

    def _hash_collision(self, d: dict, rs: dict, rs_list: list[dict], err: APIError) -> dict:
        """An RS with this name exists: ours with an equal template is the new RS; anything else bumps collisionCount."""
        existing = self.client.get("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"])
        ref = controller_ref(existing)
        if ref and ref.get("uid") == d["metadata"]["uid"] and du.equal_ignore_hash(existing["spec"]["template"],
                                                                                   d["spec"]["template"]):
            return existing
        count = (d.get("status", {}).get("collisionCount") or 0) + 1
        d.setdefault("status", {})["collisionCount"] = count
        self.client.update_status("deployments", d)
        self.record("collision", key_of(d), rs=rs["metadata"]["name"], count=count)
        raise err

    @staticmethod
    def _set_deployment_revision(d: dict, revision: str) -> bool:
        """SetDeploymentRevision: the Deployment carries the new RS's revision annotation; True if it changed."""
        ann = d["metadata"].setdefault("annotations", {})
        if ann.get(du.REVISION) == revision:
            return False
        ann[du.REVISION] = revision
        return True

    def _update_status(self, d: dict) -> None:
        """UpdateStatus (annotations ride along: the status strategy keeps only spec and labels from the old object)."""
        updated = self.client.update_status("deployments", d)
        d["metadata"]["resourceVersion"] = updated["metadata"]["resourceVersion"]

    # --- scaling -----------------------------------------------------------------------------------------------

    def scale_replica_set(self, rs: dict, new_scale: int, d: dict, why: str = "", **facts) -> tuple[bool, dict]:
        """scaleReplicaSet: write spec.replicas and the desired/max-replicas annotations; event if the size moved.
        `why` is a key (`deployment:why:<key>` in the narratives), `facts` the numbers behind the step."""
        old = rs["spec"].get("replicas", 0)
        size_changed = old != new_scale
        rs = deep_copy(rs)
        ann_changed = du.set_replicas_annotations(rs, d["spec"].get("replicas", 1),
                                                  d["spec"].get("replicas", 1) + du.max_surge(d))
        if not size_changed and not ann_changed:
            return False, rs
        rs["spec"]["replicas"] = new_scale
        rs = self.client.update("replicasets", rs)
        if size_changed:
            direction = "up" if new_scale > old else "down"
            self.recorder.event(d, "Normal", "ScalingReplicaSet",
                                f"Scaled {direction} replica set {rs['metadata']['name']} from {old} to {new_scale}")
            self.record("scale-rs", key_of(d), rs=rs["metadata"]["name"], old=old, new=new_scale, why=why, **facts)
        return size_changed, rs

    def scale_sync(self, d: dict, rs_list: list[dict]) -> None:
        """sync(): scale (proportionally during a rollout), clean up when paused, write the status."""
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(d, rs_list, False)
        self.scale(d, new_rs, old_rss)
        if d["spec"].get("paused"):
            self.cleanup_deployment(old_rss, d)
        new_rs, old_rss = self._refresh(d, new_rs, old_rss)
        self.sync_deployment_status([new_rs, *old_rss] if new_rs else old_rss, new_rs, d)

    def scale(self, d: dict, new_rs: dict | None, old_rss: list[dict]) -> None:
        replicas = d["spec"].get("replicas", 1)
        active = du.filter_active([new_rs, *old_rss] if new_rs else old_rss)
        if len(active) == 1 or not active:
            target = active[0] if active else (new_rs or (du.newest(old_rss) if old_rss else None))
            if target is not None and target["spec"].get("replicas", 0) != replicas:
                self.scale_replica_set(target, replicas, d, "only-one-active")
            elif target is not None:
                self.scale_replica_set(target, replicas, d)
            return
        if new_rs is not None and du.is_saturated(d, new_rs):
            for rs in du.filter_active(old_rss):
                self.scale_replica_set(rs, 0, d, "new-rs-saturated")
            return
        if d["spec"].get("strategy", {}).get("type") != "RollingUpdate":
            return
        for rs, target, numbers in du.proportional_scale(d, [new_rs, *old_rss] if new_rs else old_rss):
            self.scale_replica_set(rs, target, d, "proportional", **numbers)  # a no-op if nothing moves

    # --- RollingUpdate (rolling.go) -----------------------------------------------------------------------------

    def rollout_rolling(self, d: dict, rs_list: list[dict]) -> None:
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(d, rs_list, True)
        all_rss = [new_rs, *old_rss]
        scaled, new_rs = self.reconcile_new_replica_set(all_rss, new_rs, d)
        if scaled:
            self.sync_rollout_status([new_rs, *old_rss], new_rs, d)
            return
        scaled, old_rss = self.reconcile_old_replica_sets([new_rs, *old_rss], old_rss, new_rs, d)
        if scaled:
            self.sync_rollout_status([new_rs, *old_rss], new_rs, d)
            return
        if du.deployment_complete(d, d.get("status", {})):
            self.cleanup_deployment(old_rss, d)
        self.sync_rollout_status([new_rs, *old_rss], new_rs, d)

    def reconcile_new_replica_set(self, all_rss: list[dict], new_rs: dict, d: dict) -> tuple[bool, dict]:
        replicas = d["spec"].get("replicas", 1)
        current = new_rs["spec"].get("replicas", 0)
        if current == replicas:
            return False, new_rs
        if current > replicas:
            return self.scale_replica_set(new_rs, replicas, d, "new-rs-above-spec")
        target, numbers = du.new_rs_new_replicas(d, [rs for rs in all_rss if rs is not new_rs], new_rs)
        return self.scale_replica_set(new_rs, target, d, "new-rs-new-replicas", **numbers)

    def reconcile_old_replica_sets(self, all_rss: list[dict], old_rss: list[dict], new_rs: dict, d: dict
                                   ) -> tuple[bool, list[dict]]:
        """reconcileOldReplicaSets: scale old RSs down as far as availability allows."""
        old_pods = sum(rs["spec"].get("replicas", 0) for rs in du.filter_active(old_rss))
        if old_pods == 0:
            return False, old_rss
        all_pods = sum(rs["spec"].get("replicas", 0) for rs in all_rss)
        max_unavailable = du.max_unavailable(d)
        min_available = d["spec"].get("replicas", 1) - max_unavailable
        new_unavailable = new_rs["spec"].get("replicas", 0) - new_rs.get("status", {}).get("availableReplicas", 0)
        max_scaled_down = all_pods - min_available - new_unavailable
        budget = {**du.max_unavailable_facts(d), "all_pods": all_pods, "min_available": min_available,
                  "new_rs_unavailable": new_unavailable, "max_scaled_down": max_scaled_down}
        if max_scaled_down <= 0:
            self.record("hold-old", key_of(d), **budget)
            return False, old_rss
        old_rss, cleaned = self.cleanup_unhealthy_replicas(old_rss, d, max_scaled_down, budget)
        all_rss = [new_rs, *old_rss]
        scaled_down, old_rss = self.scale_down_old_replica_sets_for_rolling_update(all_rss, old_rss, d, budget)
        return cleaned + scaled_down > 0, old_rss

    def cleanup_unhealthy_replicas(self, old_rss: list[dict], d: dict, max_cleanup: int, budget: dict
                                   ) -> tuple[list[dict], int]:
        """Scale down old RSs' unavailable pods first, oldest RS first, at most max_cleanup (`budget`: the numbers
        of reconcileOldReplicaSets, for the trace)."""
        total = 0
        out = []
        for rs in du.by_creation(old_rss):
            replicas, available = rs["spec"].get("replicas", 0), rs.get("status", {}).get("availableReplicas", 0)
            if total >= max_cleanup or replicas == 0 or replicas == available:
                out.append(rs)
                continue
            down = min(max_cleanup - total, replicas - available)
            _, rs = self.scale_replica_set(rs, replicas - down, d, "cleanup-unhealthy", **budget,
                                           unavailable=replicas - available, max_cleanup=max_cleanup)
            total += down
            out.append(rs)
        return out, total

    def scale_down_old_replica_sets_for_rolling_update(self, all_rss: list[dict], old_rss: list[dict], d: dict,
                                                       budget: dict) -> tuple[int, list[dict]]:
        """Scale old RSs down, oldest first, by as many as are available above minAvailable."""
        replicas = d["spec"].get("replicas", 1)
        min_available = replicas - du.max_unavailable(d)
        available = sum(rs.get("status", {}).get("availableReplicas", 0) for rs in all_rss)
        if available <= min_available:
            return 0, old_rss
        total = available - min_available
        done = 0
        out = []
        for rs in du.by_creation(old_rss):
            current = rs["spec"].get("replicas", 0)
            if done >= total or current == 0:
                out.append(rs)
                continue
            down = min(current, total - done)
            _, rs = self.scale_replica_set(rs, current - down, d, "scale-down-old", **budget, available=available,
                                           scale_down=total)
            done += down
            out.append(rs)
        return done, out

    # --- Recreate (recreate.go) ---------------------------------------------------------------------------------

    def rollout_recreate(self, d: dict, rs_list: list[dict]) -> None:
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(d, rs_list, False)
        scaled = False
        for rs in du.filter_active(old_rss):
            changed, _ = self.scale_replica_set(rs, 0, d, "recreate-old-first")
            scaled = scaled or changed
        new_rs, old_rss = self._refresh(d, new_rs, old_rss)
        if scaled:
            self.sync_rollout_status([new_rs, *old_rss] if new_rs else old_rss, new_rs, d)
            return
        if self.old_pods_running(new_rs, old_rss):
            self.record("recreate-wait", key_of(d))
            self.sync_rollout_status([new_rs, *old_rss] if new_rs else old_rss, new_rs, d)
            return
        if new_rs is None:
            new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(d, rs_list, True)
        self.scale_replica_set(new_rs, d["spec"].get("replicas", 1), d, "recreate-old-gone")
        new_rs, old_rss = self._refresh(d, new_rs, old_rss)
        if du.deployment_complete(d, d.get("status", {})):
            self.cleanup_deployment(old_rss, d)
        self.sync_rollout_status([new_rs, *old_rss], new_rs, d)

    def old_pods_running(self, new_rs: dict | None, old_rss: list[dict]) -> bool:
        if sum(rs.get("status", {}).get("replicas", 0) for rs in old_rss) > 0:
            return True
        for rs in old_rss:
            for pod in self.pod_informer.by_index("controller-uid", rs["metadata"]["uid"]):
                if not is_terminal(pod):
                    return True
        return False

    # --- cleanup and status ---------------------------------------------------------------------------------------

    def cleanup_deployment(self, old_rss: list[dict], d: dict) -> None:
        """cleanupDeployment: keep revisionHistoryLimit old RSs; delete the oldest empty ones."""
        limit = d["spec"].get("revisionHistoryLimit")
        if limit is None or limit >= 2**31 - 1:
            return
        candidates = [rs for rs in old_rss if not is_being_deleted(rs)]
        diff = len(candidates) - limit
        if diff <= 0:
            return
        for rs in du.by_revision(candidates)[:diff]:
            st = rs.get("status", {})
            if st.get("replicas", 0) != 0 or rs["spec"].get("replicas", 0) != 0 or \
                    rs["metadata"].get("generation", 0) > st.get("observedGeneration", 0):
                continue
            try:
                self.client.delete("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"])
                self.record("cleanup", key_of(d), rs=rs["metadata"]["name"], limit=limit,
                            revision=du.revision(rs))
            except APIError:
                pass

    def _refresh(self, d: dict, new_rs: dict | None, old_rss: list[dict]) -> tuple[dict | None, list[dict]]:
        """Our own writes are in the informer cache already (watch delivery is synchronous here)."""
        def fresh(rs: dict) -> dict:
            return deep_copy(self.rs_informer.get(key_of(rs)) or rs)
        return (fresh(new_rs) if new_rs else None), [fresh(rs) for rs in old_rss]

    def sync_status_only(self, d: dict, rs_list: list[dict]) -> None:
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(d, rs_list, False)
        self.sync_deployment_status([new_rs, *old_rss] if new_rs else old_rss, new_rs, d)

    def sync_deployment_status(self, all_rss: list[dict], new_rs: dict | None, d: dict) -> None:
        status = du.calculate_status(all_rss, new_rs, d, self.now)
        if status != d.get("status"):
            d["status"] = status
            self.client.update_status("deployments", d)

    def sync_rollout_status(self, all_rss: list[dict], new_rs: dict | None, d: dict) -> None:
        """syncRolloutStatus: the status plus the Progressing condition (complete, progressing or timed out)."""
        new_rs, old = self._refresh(d, new_rs, [rs for rs in all_rss if rs is not new_rs])
        all_rss = [new_rs, *old] if new_rs else old
        status = du.calculate_status(all_rss, new_rs, d, self.now)
        requeue = du.sync_progressing(d, status, new_rs, self.now)
        if status != d.get("status"):
            prev = d.get("status", {})
            prev_progressing = get_condition(d, "Progressing")
            d["status"] = status
            self.client.update_status("deployments", d)
            if get_condition(d, "Progressing") != prev_progressing or \
                    status.get("availableReplicas") != prev.get("availableReplicas"):
                self.record("deployment-status", key_of(d), **du.status_facts(d))
        if requeue is not None:
            self.queue.add_after(key_of(d), requeue, kind="retry")


__all__ = ["DeploymentController"]
