"""kt.exercises (#18): each lesson's break-it fault is set up by name, and leaves the symptoms the lesson asks the
learner to diagnose from the cluster (kubectl's output, events, the trace), not from the code that broke it."""

from __future__ import annotations

import pytest

import kubeteach as kt
from kubeteach import exercises


def events(c, reason: str) -> list[dict]:
    return [e for e in c.list("events") if e.get("reason") == reason]


def test_the_exercises_by_name_each_with_a_docstring_for_authors():
    assert exercises.names() == ["02-stuck", "03-no-pods", "04-pending", "05-stuck-mount", "06-no-replacement",
                                 "07-stalled-rollout"]
    for name, setup in exercises.EXERCISES.items():
        assert setup.__doc__ and setup.__doc__.startswith(name + ":"), name
    with pytest.raises(KeyError, match="no exercise '99-nope'; exercises: 02-stuck"):
        kt.exercises.start("99-nope")


def test_02_stuck_stores_the_deployment_and_nothing_reacts(in_repo):
    c = kt.exercises.start("02-stuck")
    start = len(c.trace)
    assert c.kubectl("create -f data/deployment.yaml").returncode == 0
    c.run(seconds=30)
    assert c.etcd.get("/registry/deployments/default/nginx") is not None
    assert c.list("replicasets") == [] and c.list("pods") == []
    assert {r.actor for r in c.trace[start:]} <= {"kubectl", "kube-apiserver", "etcd"}
    assert all(not c.components[n].running for n in c.component_names() if n in c.components)


def test_03_no_pods_leaves_a_replicaset_without_pods(in_repo):
    c = kt.exercises.start("03-no-pods")
    c.kubectl("create -f data/deployment.yaml")
    c.run(seconds=30)
    [rs] = c.list("replicasets")
    assert rs["spec"]["replicas"] == 1 and c.list("pods") == []
    assert events(c, "ScalingReplicaSet") and not events(c, "SuccessfulCreate")
    c.start("replicaset-controller")
    c.run()
    assert len(c.list("pods")) == 1


def test_04_pending_cordons_every_node_on_the_given_cluster(seeded):
    c = kt.exercises.start("04-pending", seeded)
    assert c is seeded
    assert all(n["spec"].get("unschedulable") for n in c.list("nodes"))
    c.kubectl("scale deployment nginx --replicas=2")
    c.run(seconds=30)
    [waiting] = [p for p in c.list("pods") if not p["spec"].get("nodeName")]
    [failed] = [e for e in events(c, "FailedScheduling") if e["involvedObject"]["name"] == waiting["metadata"]["name"]]
    assert "node(s) were unschedulable" in failed["message"]


def test_05_stuck_mount_fails_staging_then_recovers(in_repo):
    c = kt.exercises.start("05-stuck-mount")
    c.kubectl("create -f data/05-volume.yaml")
    c.run(seconds=20)
    assert c.get("pod", "db")["status"]["phase"] == "Pending"
    assert events(c, "SuccessfulAttachVolume")
    assert any("MountVolume.MountDevice failed" in e["message"] for e in events(c, "FailedMount"))
    c.run(seconds=60)
    assert c.get("pod", "db")["status"]["phase"] == "Running"


def test_06_no_replacement_leaves_no_pod_after_a_delete(seeded):
    c = kt.exercises.start("06-no-replacement", seeded)
    pod = c.list("pods")[0]["metadata"]["name"]
    c.kubectl(f"delete pod {pod} --force --grace-period=0")
    c.run(seconds=60)
    assert c.list("pods") == []
    assert len(c.list("replicasets")) == 1 and len(c.list("deployments")) == 1


def test_07_stalled_rollout_stops_at_max_unavailable(in_repo):
    with pytest.raises(ValueError, match="07-stalled-rollout needs Deployment web"):
        kt.exercises.start("07-stalled-rollout")
    c = kt.Cluster()
    c.kubectl("create -f data/07-web.yaml")
    c.run()
    kt.exercises.start("07-stalled-rollout", c)
    sizes = sorted(rs["spec"]["replicas"] for rs in c.list("replicasets"))
    assert sizes == [5, 8]
    pulling = [p for p in c.list("pods") if p["spec"]["containers"][0]["image"] == "nginx:1.99"]
    assert len(pulling) == 5
    assert all(p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] in ("ErrImagePull", "ImagePullBackOff")
               for p in pulling)
