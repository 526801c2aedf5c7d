"""Deployment and ReplicaSet controllers: the reference sheet's numbers (sections 1.4, 2, 7.2)."""

import pytest
from conftest import deployment

import kubeteach as kt
from kubeteach import deployments
from kubeteach.controllers import deploymentutil as du
from kubeteach.controllers.replicaset import deletion_rank
from kubeteach.objects import timestamp


def _d(replicas, surge="25%", unavailable="25%"):
    return {"metadata": {}, "spec": {"replicas": replicas, "strategy": {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}}}


@pytest.mark.parametrize("replicas,surge,unavailable", [(1, 1, 0), (3, 1, 0), (4, 1, 1), (10, 3, 2)])
def test_fenceposts_with_25_percent(replicas, surge, unavailable):
    assert du.max_surge(_d(replicas)) == surge and du.max_unavailable(_d(replicas)) == unavailable


def test_integer_values_and_the_both_zero_rule():
    assert deployments.resolve_fenceposts(2, 1, 10) == (2, 1)
    assert deployments.resolve_fenceposts(0, 0, 10) == (0, 1)
    assert deployments.resolve_fenceposts("0%", "0%", 10) == (0, 1)
    assert du.max_surge(_d(4, surge=0, unavailable="50%")) == 0 and du.max_unavailable(_d(4, 0, "50%")) == 2


def test_new_rs_new_replicas_matches_the_sheet():
    new = {"spec": {"replicas": 0}}
    replicas, facts = du.new_rs_new_replicas(_d(3), [], new)
    assert replicas == 3 and facts["max_total"] == 4 and facts["new_rs_new_replicas"] == 3
    old = {"spec": {"replicas": 10}}
    assert du.new_rs_new_replicas(_d(10), [old], {"spec": {"replicas": 0}})[0] == 3
    assert du.new_rs_new_replicas(_d(10), [{"spec": {"replicas": 13}}], {"spec": {"replicas": 0}})[0] == 0


def _pod(name, node="", phase="Running", ready=True, ready_at=0.0, created=0.0, restarts=0, uid="u"):
    conds = [{"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": timestamp(ready_at)}]
    return {"metadata": {"name": name, "uid": uid, "creationTimestamp": timestamp(created)},
            "spec": {"nodeName": node},
            "status": {"phase": phase, "conditions": conds, "containerStatuses": [{"restartCount": restarts}]}}


def test_scale_down_ranking_rules():
    now = 10_000.0
    unassigned = _pod("a", node="", phase="Pending", ready=False)
    pending = _pod("b", node="n1", phase="Pending", ready=False)
    not_ready = _pod("c", node="n1", ready=False)
    young = _pod("d", node="n1", ready_at=now - 5)
    old = _pod("e", node="n1", ready_at=now - 5000)
    ranks = {"a": 0, "b": 1, "c": 1, "d": 1, "e": 1}
    order = sorted([old, young, not_ready, pending, unassigned],
                   key=lambda p: deletion_rank(p, ranks[p["metadata"]["name"]], now))
    assert [p["metadata"]["name"] for p in order] == ["a", "b", "c", "d", "e"]
    doubled = _pod("f", node="n2", ready_at=now - 5000)
    assert deletion_rank(doubled, 3, now) < deletion_rank(old, 1, now)   # more pods of the owner on its node first


def test_slow_start_batches_and_events():
    c = kt.Cluster(components=["deployment-controller", "replicaset-controller"])
    c.client("admin").create("deployments", deployment(replicas=7), "default")
    c.run()
    assert len(c.list("pods")) == 7
    rec = next(r for r in c.trace if r.action == "create-pods")
    assert rec.detail["batches"] == [1, 2, 4]
    assert "create 7 in slow-start batches of 1 then 2 then 4" in str(rec)
    (rs,) = c.list("replicasets")
    h = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"nginx-{h}"
    reasons = [e["message"] for e in c.events() if e["reason"] == "ScalingReplicaSet"]
    assert reasons == [f"Scaled up replica set nginx-{h} from 0 to 7"]
    assert sum(e["reason"] == "SuccessfulCreate" for e in c.events()) == 7


def test_ten_replica_rollout_stays_within_the_budget():
    c = kt.Cluster()
    c.client("admin").create("deployments", deployment(replicas=10), "default")
    c.run()
    c.kubectl("set image deployment/nginx nginx=nginx:1.26")
    peak_total, min_ready = 0, 10
    while c.step() is not None:
        rss = c.list("replicasets")
        peak_total = max(peak_total, sum(rs["spec"]["replicas"] for rs in rss))
        ready = [p for p in c.list("pods") if not p["metadata"].get("deletionTimestamp") and any(
            x["type"] == "Ready" and x["status"] == "True" for x in p["status"].get("conditions", []))]
        min_ready = min(min_ready, len(ready))
    assert peak_total == 13 and min_ready == 8        # maxSurge 3 and maxUnavailable 2, the whole budget used
    images = {p["spec"]["containers"][0]["image"] for p in c.list("pods")}
    assert images == {"nginx:1.26"}
