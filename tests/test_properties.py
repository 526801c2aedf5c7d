"""Property tests: random lessons (create, set image, scale, undo, delete pods, crash containers, fail and recover
nodes, step, run) keep the invariants Kubernetes guarantees, and the cluster converges once the faults stop."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from kubeteach.cluster import Cluster
from kubeteach.controllers.deploymentutil import max_surge

settings.register_profile("kubeteach-ci", max_examples=25, stateful_step_count=25, derandomize=True, deadline=None,
                          database=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = ["web", "api"]
GOOD_IMAGES = ["nginx:1.25", "nginx:1.26", "nginx:1.27"]
BROKEN_IMAGE = "nginx:0.0-missing"          # not in the registry: pulls fail with ErrImagePull
NODES = ["node-1", "node-2", "node-3"]
#: after the faults stop, everything must be available again within this much virtual time
CONVERGENCE_SECONDS = 900


def deployment(name: str, replicas: int, surge: int | str, unavailable: int | str, image: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": image}]}}}}


def owned_by(obj: dict, owner: dict) -> bool:
    return any(r.get("controller") and r["uid"] == owner["metadata"]["uid"]
               for r in obj["metadata"].get("ownerReferences", []))


class Lessons(RuleBasedStateMachine):
    """A learner doing random things to the default cluster, with faults."""

    @initialize(replicas=st.integers(1, 4), surge=st.sampled_from([0, 1, "25%"]), unavailable=st.sampled_from([0, 1]))
    def cluster(self, replicas: int, surge: int | str, unavailable: int) -> None:
        """The default cluster with one Deployment already rolled out (the lessons start from there)."""
        self.c = Cluster()
        self.failed: set[str] = set()
        self.crashes: Counter[str] = Counter()
        self.create(replicas, surge, unavailable, GOOD_IMAGES[0])
        self.c.run()
        self.revision = self.c.etcd.revision

    def deployments(self) -> list[str]:
        return [d["metadata"]["name"] for d in self.c.list("deployments")]

    # --- what the learner does ------------------------------------------------------------------------------

    @precondition(lambda self: len(self.deployments()) < len(NAMES))
    @rule(replicas=st.integers(0, 4), surge=st.sampled_from([0, 1, 2, "25%", "50%"]),
          unavailable=st.sampled_from([0, 1, "25%"]), image=st.sampled_from(GOOD_IMAGES + [BROKEN_IMAGE]))
    def create(self, replicas: int, surge: int | str, unavailable: int | str, image: str) -> None:
        if surge in (0, "0%") and unavailable in (0, "0%"):
            surge = 1                         # both 0 is invalid (data/bad/18-...); the property is about the rest
        name = next(n for n in NAMES if n not in self.deployments())
        self.c.client("admin").create("deployments", deployment(name, replicas, surge, unavailable, image),
                                      "default")

    @precondition(lambda self: self.deployments())
    @rule(data=st.data(), image=st.sampled_from(GOOD_IMAGES + [BROKEN_IMAGE]))
    def set_image(self, data: st.DataObject, image: str) -> None:
        name = data.draw(st.sampled_from(sorted(self.deployments())))
        assert self.c.kubectl(f"set image deployment/{name} app={image}").returncode == 0

    @precondition(lambda self: self.deployments())
    @rule(data=st.data(), replicas=st.integers(0, 5))
    def scale(self, data: st.DataObject, replicas: int) -> None:
        name = data.draw(st.sampled_from(sorted(self.deployments())))
        assert self.c.kubectl(f"scale deployment {name} --replicas={replicas}").returncode == 0

    @precondition(lambda self: self.deployments())
    @rule(data=st.data())
    def undo(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.deployments())))
        self.c.kubectl(f"rollout undo deployment/{name}")          # may have no history yet: that is an error

    @precondition(lambda self: self.c.list("pods"))
    @rule(data=st.data())
    def delete_pod(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(p["metadata"]["name"] for p in self.c.list("pods"))))
        self.c.kubectl(f"delete pod {name} --wait=false")

    @precondition(lambda self: self.running_pods())
    @rule(data=st.data())
    def crash_container(self, data: st.DataObject) -> None:
        pod = data.draw(st.sampled_from(self.running_pods()))
        self.c.faults.crash_container(pod)
        self.crashes[pod] += 1

    @rule(node=st.sampled_from(NODES))
    def fail_node(self, node: str) -> None:
        if node not in self.failed:
            self.c.faults.fail_node(node)
            self.failed.add(node)

    @precondition(lambda self: self.failed)
    @rule(data=st.data())
    def recover_node(self, data: st.DataObject) -> None:
        node = data.draw(st.sampled_from(sorted(self.failed)))
        self.c.faults.recover_node(node)
        self.failed.discard(node)

    @rule(n=st.integers(1, 8))
    def step(self, n: int) -> None:
        for _ in range(n):
            self.c.step()

    @rule(seconds=st.sampled_from([1, 5, 30, 60]))
    def run(self, seconds: int) -> None:
        self.c.run(seconds=seconds)

    def running_pods(self) -> list[str]:
        """Pods whose container a fault can crash: running, on a node whose kubelet is alive, crashed at most once
        before (crashing one container again and again would only show back-off growing to 300s)."""
        return sorted(p["metadata"]["name"] for p in self.c.list("pods")
                      if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
                      and p["spec"].get("nodeName") not in self.failed and self.crashes[p["metadata"]["name"]] < 2)

    # --- what Kubernetes guarantees ---------------------------------------------------------------------------

    @invariant()
    def running_pods_have_distinct_ips(self) -> None:
        ips = [p["status"]["podIP"] for p in self.c.list("pods")
               if p["status"].get("phase") == "Running" and p["status"].get("podIP")]
        assert len(ips) == len(set(ips)), sorted(ips)

    @invariant()
    def synced_rollouts_stay_within_max_surge(self) -> None:
        """Σ ReplicaSet replicas ≤ replicas + maxSurge, once the controller has acted on the current spec: before
        that (right after a scale-down, or mid-way through a proportional scale) the old, larger bound holds."""
        for d in self.c.list("deployments"):
            if d.get("status", {}).get("observedGeneration", 0) < d["metadata"]["generation"]:
                continue
            total = sum(rs["spec"]["replicas"] for rs in self.c.list("replicasets") if owned_by(rs, d))
            assert total <= d["spec"]["replicas"] + max_surge(d), d["metadata"]["name"]

    @invariant()
    def store_revisions_only_grow(self) -> None:
        assert self.c.etcd.revision >= self.revision
        self.revision = self.c.etcd.revision
        assert all(self.c.etcd.get(k).mod_revision <= self.revision for k in self.c.etcd.keys())

    @invariant()
    def a_watch_from_revision_zero_replays_the_store(self) -> None:
        replayed: dict[str, tuple[int, dict]] = {}
        for ev in self.c.etcd.events(0):
            if ev.type == "DELETED":
                del replayed[ev.kv.key]
            else:
                replayed[ev.kv.key] = (ev.kv.mod_revision, ev.kv.value)
        stored = {k: (self.c.etcd.get(k).mod_revision, self.c.etcd.get(k).value) for k in self.c.etcd.keys()}
        assert replayed == stored

    def teardown(self) -> None:
        """Stop the faults (recover the nodes, replace broken images); then everything must come back."""
        if not hasattr(self, "c"):
            return
        c = self.c
        for node in sorted(self.failed):
            c.faults.recover_node(node)
        for d in c.list("deployments"):
            if d["spec"]["template"]["spec"]["containers"][0]["image"] == BROKEN_IMAGE:
                c.kubectl(f"set image deployment/{d['metadata']['name']} app={GOOD_IMAGES[0]}")
        for _ in range(CONVERGENCE_SECONDS // 30):
            c.run(seconds=30)
            if self.converged():
                break
        assert self.converged(), self.why_not()

    def converged(self) -> bool:
        return not self.why_not()

    def why_not(self) -> list[str]:
        c = self.c
        problems = []
        for d in c.list("deployments"):
            st_ = d.get("status", {})
            want = d["spec"]["replicas"]
            if (st_.get("updatedReplicas", 0), st_.get("availableReplicas", 0), st_.get("replicas", 0)) != \
                    (want, want, want) or st_.get("observedGeneration") != d["metadata"]["generation"]:
                problems.append(f"deployment {d['metadata']['name']}: {st_}")
        owners = {o["metadata"]["uid"] for kind in ("replicasets", "deployments") for o in c.list(kind)}
        for kind in ("pods", "replicasets"):
            for o in c.list(kind):
                refs = [r for r in o["metadata"].get("ownerReferences", []) if r.get("controller")]
                if not refs or refs[0]["uid"] not in owners:
                    problems.append(f"{kind} {o['metadata']['name']} has no live owner")
        return problems


Lessons.TestCase.settings = settings.get_profile("kubeteach-ci")
TestLessons = Lessons.TestCase
