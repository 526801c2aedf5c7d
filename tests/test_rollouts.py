"""Rollouts end to end: Recreate, maxSurge 0, pause/resume, history limit, undo, progress deadline, hash collision,
`rollout status|history|restart`, and the arithmetic in the trace (reference sheet sections 1.1-1.9 and 8)."""

from __future__ import annotations

import re

import pytest
from conftest import DEPLOYMENT, deployment

import kubeteach as kt
from kubeteach.controllers import deploymentutil as du
from kubeteach.objects import compute_hash, deep_copy, timestamp
from kubeteach.trace import phrase

REVISION = "deployment.kubernetes.io/revision"
HISTORY = "deployment.kubernetes.io/revision-history"
DEPLOY_KEY = "/registry/deployments/default/nginx"


# --- helpers ------------------------------------------------------------------------------------------------

def start(replicas: int = 3, **spec) -> kt.Cluster:
    """The default cluster with the seed's Deployment (extra spec fields merged in), settled."""
    c = kt.Cluster()
    d = deployment(replicas=replicas)
    d["spec"].update(spec)
    c.client("admin").create("deployments", d, "default")
    c.run()
    return c


def ok(c: kt.Cluster, command: str) -> str:
    """Run a kubectl command that must succeed; its stdout."""
    r = c.kubectl(command)
    assert r.returncode == 0, r.stderr
    return r.stdout


def replicasets(c: kt.Cluster) -> dict[int, dict]:
    """The Deployment's ReplicaSets by revision."""
    return {du.revision(rs): rs for rs in c.list("replicasets")}


def image(obj: dict) -> str:
    """The first container's image of a Pod, or of a Deployment's or ReplicaSet's pod template."""
    spec = obj["spec"]["template"]["spec"] if obj["kind"] != "Pod" else obj["spec"]
    return spec["containers"][0]["image"]


def progressing(c: kt.Cluster) -> dict:
    """The Deployment's Progressing condition."""
    return du.get_condition(c.get("deployment", "nginx"), "Progressing")


def is_ready(pod: dict) -> bool:
    """Ready and not being deleted: a pod that serves."""
    return not pod["metadata"].get("deletionTimestamp") and any(
        x["type"] == "Ready" and x["status"] == "True" for x in pod["status"].get("conditions", []))


def progressing_reasons(c: kt.Cluster) -> list[str]:
    """The Progressing reasons the Deployment went through in the store, repeats collapsed."""
    out: list[str] = []
    for event in c.etcd.history(DEPLOY_KEY):
        cond = du.get_condition(event.kv.value, "Progressing") if event.kv.value else None
        if cond and (not out or out[-1] != cond["reason"]):
            out.append(cond["reason"])
    return out


# --- Recreate and maxSurge 0 ----------------------------------------------------------------------------------

def test_recreate_stops_every_old_pod_before_the_new_replicaset_grows():
    c = start(strategy={"type": "Recreate"})
    (old,) = c.list("replicasets")
    assert ok(c, "set image deployment/nginx nginx=nginx:1.26") == "deployment.apps/nginx image updated\n"
    steps, saw_new_rs = 0, False
    while c.step() is not None:
        steps += 1
        assert steps < 500
        pods = c.list("pods")
        old_running = [p for p in pods if image(p) == "nginx:1.25" and p["status"].get("phase") not in
                       ("Succeeded", "Failed")]
        new_pods = [p for p in pods if image(p) == "nginx:1.26"]
        new_rs = [rs for rs in c.list("replicasets") if rs["metadata"]["name"] != old["metadata"]["name"]]
        assert not (old_running and new_pods)            # never an old pod still running next to a new one
        if old_running:                                  # the new RS is absent, or at 0, while old pods run
            assert all(rs["spec"]["replicas"] == 0 for rs in new_rs)
        saw_new_rs = saw_new_rs or bool(new_rs)
    assert saw_new_rs
    rss = replicasets(c)
    assert rss[1]["spec"]["replicas"] == 0 and rss[2]["spec"]["replicas"] == 3
    assert {image(p) for p in c.list("pods")} == {"nginx:1.26"}
    scaling = [e["message"] for e in c.events() if e["reason"] == "ScalingReplicaSet"][1:]
    assert scaling == [f"Scaled down replica set {rss[1]['metadata']['name']} from 3 to 0",
                       f"Scaled up replica set {rss[2]['metadata']['name']} from 0 to 3"]
    create = next(r for r in c.trace.actions("create-rs") if r.detail["revision"] == "2")
    assert create.detail["replicas"] == 3 and "Recreate: the new ReplicaSet gets all 3" in str(create)
    assert c.trace.actions("recreate-wait")                # it did wait for the old pods at least once


def test_max_surge_zero_formula():
    d = {"metadata": {}, "spec": {"replicas": 4, "strategy": {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}}}
    assert du.max_surge(d) == 0 and du.max_unavailable(d) == 1
    new, facts = du.new_rs_new_replicas(d, [{"spec": {"replicas": 4}}], {"spec": {"replicas": 0}})
    assert new == 0 and (facts["max_surge"], facts["max_total"], facts["current_pods"]) == (0, 4, 4)
    assert phrase("deployment:math", facts) == "maxSurge = 0; 4 pods already >= maxTotal 4: stay at 0"
    new, facts = du.new_rs_new_replicas(d, [{"spec": {"replicas": 3}}], {"spec": {"replicas": 0}})
    assert new == 1 and facts["new_rs_new_replicas"] == 1
    assert phrase("deployment:math", facts) == \
        "maxSurge = 0, maxTotal = 4; NewRSNewReplicas = 0 + min(4 - 3, 4 - 0) = 1"
    pct = {"metadata": {}, "spec": {"replicas": 4, "strategy": {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": "0%", "maxUnavailable": "10%"}}}}
    assert du.max_surge(pct) == 0 and du.max_unavailable(pct) == 1      # floor(0.4) = 0, then the both-zero rule
    assert du.max_unavailable_facts(pct)["max_unavailable_rule"] == "both-zero"
    assert phrase("deployment:max-unavailable", du.max_unavailable_facts(pct)) == \
        "maxUnavailable = 1 (maxSurge and maxUnavailable both resolve to 0)"


def test_max_surge_zero_rollout_scales_down_before_up():
    c = start(replicas=4, strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}})
    mark = len(c.trace)
    ok(c, "set image deployment/nginx nginx=nginx:1.26")
    peak, min_ready = 0, 4
    while c.step() is not None:
        peak = max(peak, sum(rs["spec"]["replicas"] for rs in c.list("replicasets")))
        min_ready = min(min_ready, len([p for p in c.list("pods") if is_ready(p)]))
    assert peak == 4 and min_ready == 3                  # never above replicas; never below replicas - 1
    create = next(r for r in c.trace[mark:] if r.action == "create-rs")
    assert create.detail["replicas"] == 0                # created empty: the old RS must shrink first
    first_scales = [(r.detail["rs"], r.detail["old"], r.detail["new"]) for r in c.trace[mark:]
                    if r.action == "scale-rs"][:2]
    rss = replicasets(c)
    assert first_scales == [(rss[1]["metadata"]["name"], 4, 3), (rss[2]["metadata"]["name"], 0, 1)]
    assert rss[2]["spec"]["replicas"] == 4 and rss[1]["spec"]["replicas"] == 0


# --- pause and resume -------------------------------------------------------------------------------------------

def test_pause_holds_the_rollout_and_resume_runs_it():
    c = start()
    assert ok(c, "rollout pause deployment/nginx") == "deployment.apps/nginx paused\n"
    c.run()
    cond = progressing(c)
    assert (cond["status"], cond["reason"], cond["message"]) == ("Unknown", "DeploymentPaused", "Deployment is paused")
    ok(c, "set image deployment/nginx nginx=nginx:1.26")
    c.run()
    assert list(replicasets(c)) == [1]                                       # no new ReplicaSet while paused
    d = c.get("deployment", "nginx")
    assert d["metadata"]["annotations"][REVISION] == "1" and d["status"]["observedGeneration"] == 3
    assert progressing(c)["reason"] == "DeploymentPaused"
    assert {image(p) for p in c.list("pods")} == {"nginx:1.25"}
    assert ok(c, "rollout status deployment/nginx --watch=false") == \
        'Waiting for deployment "nginx" rollout to finish: 0 out of 3 new replicas have been updated...\n'

    assert ok(c, "rollout resume deployment/nginx") == "deployment.apps/nginx resumed\n"
    c.run()
    rss = replicasets(c)
    assert sorted(rss) == [1, 2] and rss[2]["spec"]["replicas"] == 3 and image(rss[2]) == "nginx:1.26"
    assert c.get("deployment", "nginx")["metadata"]["annotations"][REVISION] == "2"
    assert progressing_reasons(c)[-5:] == ["DeploymentPaused", "DeploymentResumed", "NewReplicaSetCreated",
                                           "ReplicaSetUpdated", "NewReplicaSetAvailable"]
    assert progressing(c)["message"] == f'ReplicaSet "{rss[2]["metadata"]["name"]}" has successfully progressed.'


def test_pause_and_resume_twice_are_errors_with_kubectls_text():
    c = start(replicas=1)
    ok(c, "rollout pause deployment/nginx")
    r = c.kubectl("rollout pause deployment/nginx")        # ObjectPauser: "is already paused", aggregated
    assert (r.returncode, r.stdout, r.stderr) == (1, "", 'error: deployments.apps "nginx" is already paused\n')
    r = c.kubectl("rollout restart deployment/nginx")
    assert r.stderr == ('error: deployments.apps "nginx" can\'t restart paused deployment (run rollout resume '
                        'first)\n')
    r = c.kubectl("rollout undo deployment/nginx --to-revision=1")
    assert r.stderr == ("error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout "
                        "resume deployment/nginx' and try again\n")
    ok(c, "rollout resume deployment/nginx")
    r = c.kubectl("rollout resume deployment/nginx")
    assert (r.returncode, r.stderr) == (1, 'error: deployments.apps "nginx" is not paused\n')


def test_scaling_a_paused_rollout_is_proportional():
    """The documentation's example: 10 replicas, maxSurge 3, maxUnavailable 2, caught at 8 old + 5 new, scaled
    to 15: allowed 18, 5 to add; old gets round(8*18/13)-8 = 3, new gets round(5*18/13)-5 = 2."""
    c = start(replicas=10, strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}})
    ok(c, "set image deployment/nginx nginx=nginx:1.26")
    while sorted(rs["spec"]["replicas"] for rs in c.list("replicasets")) != [5, 8]:
        assert c.step() is not None
    ok(c, "rollout pause deployment/nginx")
    assert ok(c, "scale deployment/nginx --replicas=15") == "deployment.apps/nginx scaled\n"
    c.run()
    rss = replicasets(c)
    assert (rss[1]["spec"]["replicas"], rss[2]["spec"]["replicas"]) == (11, 7)
    for rs in rss.values():
        ann = rs["metadata"]["annotations"]
        assert (ann[du.DESIRED_REPLICAS], ann[du.MAX_REPLICAS]) == ("15", "18")
    steps = [r for r in c.trace.actions("scale-rs") if r.detail["why"] == "proportional"]
    assert [(r.detail["allowed"], r.detail["current_pods"], r.detail["old"], r.detail["new"]) for r in steps] == \
        [(18, 13, 8, 11), (18, 13, 5, 7)]
    assert [phrase("deployment:math", r.detail) for r in steps] == [
        "allowed 18 = 15 + maxSurge 3; 13 now; 8 -> 11", "allowed 18 = 15 + maxSurge 3; 13 now; 5 -> 7"]
    ok(c, "rollout resume deployment/nginx")
    c.run()
    rss = replicasets(c)
    assert (rss[1]["spec"]["replicas"], rss[2]["spec"]["replicas"]) == (0, 15)


def test_no_progressing_condition_when_the_deadline_is_max_int32():
    c = start(replicas=1, progressDeadlineSeconds=2**31 - 1)      # HasProgressDeadline is false: never estimated
    ok(c, "rollout pause deployment/nginx")
    ok(c, "set image deployment/nginx nginx=nginx:1.26")
    c.run()
    assert [x["type"] for x in c.get("deployment", "nginx")["status"]["conditions"]] == ["Available"]
    ok(c, "rollout resume deployment/nginx")
    c.run()
    assert [x["type"] for x in c.get("deployment", "nginx")["status"]["conditions"]] == ["Available"]
    assert sorted(replicasets(c)) == [1, 2]


# --- revision history ---------------------------------------------------------------------------------------------

IMAGES = ["nginx:1.26", "nginx:1.27", "nginx:latest", "httpd:2.4", "httpd:latest"]


def test_revision_history_limit_keeps_the_newest_old_replicasets():
    c = start(replicas=2, revisionHistoryLimit=2)
    names: dict[int, str] = {1: c.list("replicasets")[0]["metadata"]["name"]}
    for n, img in enumerate(IMAGES, start=2):
        ok(c, f"set image deployment/nginx nginx={img}")
        c.run()
        names[n] = replicasets(c)[n]["metadata"]["name"]
    rss = replicasets(c)
    assert sorted(rss) == [4, 5, 6]                        # limit 2 old ReplicaSets plus the current one
    assert rss[4]["spec"]["replicas"] == rss[5]["spec"]["replicas"] == 0 and rss[6]["spec"]["replicas"] == 2
    assert image(rss[6]) == "httpd:latest"
    deleted = [(r.detail["rs"], r.detail["revision"]) for r in c.trace.actions("cleanup")]
    assert deleted == [(names[1], 1), (names[2], 2), (names[3], 3)]     # lowest revision first, one per rollout
    assert str(c.trace.actions("cleanup")[0]).endswith(
        f"sync default/nginx: revisionHistoryLimit 2: delete old ReplicaSet {names[1]} (revision 1)")
    assert ok(c, "rollout history deployment/nginx") == (
        "deployment.apps/nginx \nREVISION  CHANGE-CAUSE\n4         <none>\n5         <none>\n6         <none>\n\n")


def test_undo_to_revision_1_reuses_its_replicaset():
    c = start(replicas=2)
    first = c.list("replicasets")[0]
    for img in ("nginx:1.26", "nginx:1.27"):
        ok(c, f"set image deployment/nginx nginx={img}")
        c.run()
    assert sorted(replicasets(c)) == [1, 2, 3]
    assert ok(c, "rollout undo deployment/nginx --to-revision=1") == "deployment.apps/nginx rolled back\n"
    c.run()
    rss = replicasets(c)
    assert sorted(rss) == [2, 3, 4]                         # no new ReplicaSet: revision 1's is revision 4 now
    back = rss[4]
    assert back["metadata"]["name"] == first["metadata"]["name"]
    assert back["metadata"]["labels"]["pod-template-hash"] == first["metadata"]["labels"]["pod-template-hash"]
    assert back["metadata"]["annotations"][HISTORY] == "1" and back["spec"]["replicas"] == 2
    d = c.get("deployment", "nginx")
    assert d["metadata"]["annotations"][REVISION] == "4"
    assert du.equal_ignore_hash(d["spec"]["template"], first["spec"]["template"]) and image(d) == "nginx:1.25"
    assert {image(p) for p in c.list("pods")} == {"nginx:1.25"}
    assert str(c.trace.actions("revision")[-1]).endswith(
        f"ReplicaSet default/{first['metadata']['name']} is the new ReplicaSet again: revision 4")
    # a plain undo now goes back to the second-highest revision, 3 (nginx:1.27)
    assert ok(c, "rollout undo deployment/nginx") == "deployment.apps/nginx rolled back\n"
    c.run()
    assert image(c.get("deployment", "nginx")) == "nginx:1.27" and replicasets(c)[5]["metadata"]["annotations"][
        HISTORY] == "3"


def test_undo_errors_and_skips():
    c = start(replicas=1)
    r = c.kubectl("rollout undo deployment/nginx")
    assert (r.returncode, r.stderr) == (1, 'error: no rollout history found for deployment "nginx"\n')
    ok(c, "set image deployment/nginx nginx=nginx:1.26")
    c.run()
    r = c.kubectl("rollout undo deployment/nginx --to-revision=9")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "error: unable to find specified revision 9 in history\n")
    assert ok(c, "rollout undo deployment/nginx --to-revision=2") == \
        "deployment.apps/nginx skipped rollback (current template already matches revision 2)\n"
    assert c.get("deployment", "nginx")["metadata"]["generation"] == 2   # nothing was sent


def test_rollout_history_table_and_one_revision():
    c = start(replicas=1)
    ok(c, "set image deployment/nginx nginx=nginx:1.26")
    c.run()
    assert ok(c, "rollout history deployment/nginx") == \
        "deployment.apps/nginx \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
    h = replicasets(c)[1]["metadata"]["labels"]["pod-template-hash"]
    assert ok(c, "rollout history deployment/nginx --revision=1") == (
        "deployment.apps/nginx with revision #1\n"
        "Pod Template:\n"
        "  Labels:\tapp=nginx\n"
        f"\tpod-template-hash={h}\n"
        "  Containers:\n"
        "   nginx:\n"
        "    Image:\tnginx:1.25\n"
        "    Port:\t80/TCP\n"
        "    Host Port:\t0/TCP\n"
        "    Environment:\t<none>\n"
        "    Mounts:\t<none>\n"
        "  Volumes:\t<none>\n"
        "  Node-Selectors:\t<none>\n"
        "  Tolerations:\t<none>\n"
        "\n")
    r = c.kubectl("rollout history deployment/nginx --revision=7")
    assert (r.returncode, r.stderr) == (1, "error: unable to find the specified revision\n")


def test_change_cause_is_copied_to_the_replicaset_and_shown_in_history():
    c = start(replicas=1)
    patch = '{"metadata":{"annotations":{"kubernetes.io/change-cause":"move to 1.26"}},' \
            '"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}'
    assert ok(c, f"patch deployment/nginx -p '{patch}'") == "deployment.apps/nginx patched\n"
    c.run()
    assert replicasets(c)[2]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "move to 1.26"
    assert ok(c, "rollout history deployment/nginx") == \
        "deployment.apps/nginx \nREVISION  CHANGE-CAUSE\n1         <none>\n2         move to 1.26\n\n"


# --- progress deadline ----------------------------------------------------------------------------------------------

def test_broken_image_exceeds_the_progress_deadline(manifest):
    text = DEPLOYMENT.replace("replicas: 1", "replicas: 4\n  progressDeadlineSeconds: 60")
    c = kt.Cluster()
    assert ok(c, f"create -f {manifest(text)}") == "deployment.apps/nginx created\n"
    c.run()
    ok(c, "set image deployment/nginx nginx=nginx:9.9")         # not in the image catalogue
    c.run(seconds=30)
    assert progressing(c)["reason"] == "ReplicaSetUpdated"
    assert c.kubectl("rollout status deployment/nginx --watch=false").stdout == (
        'Waiting for deployment "nginx" rollout to finish: 2 out of 4 new replicas have been updated...\n')
    c.run(seconds=60)
    new = replicasets(c)[2]
    cond = progressing(c)
    assert (cond["status"], cond["reason"], cond["message"]) == (
        "False", "ProgressDeadlineExceeded", f'ReplicaSet "{new["metadata"]["name"]}" has timed out progressing.')
    assert re.fullmatch(r"nginx-[4-9bcdf]{9,10}", new["metadata"]["name"])
    old = replicasets(c)[1]
    assert old["spec"]["replicas"] == 3 and old["status"]["availableReplicas"] == 3    # 4 - maxUnavailable 1
    assert len([p for p in c.list("pods") if is_ready(p) and image(p) == "nginx:1.25"]) == 3
    assert new["spec"]["replicas"] == 2 and new["status"].get("availableReplicas", 0) == 0
    r = c.kubectl("rollout status deployment/nginx")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", 'error: deployment "nginx" exceeded its progress deadline\n')
    available = du.get_condition(c.get("deployment", "nginx"), "Available")
    assert (available["status"], available["reason"]) == ("True", "MinimumReplicasAvailable")


def test_rollout_status_watches_until_the_deadline_passes():
    c = start(replicas=4, progressDeadlineSeconds=60)
    ok(c, "set image deployment/nginx nginx=nginx:9.9")
    began = c.now
    r = c.kubectl("rollout status deployment/nginx")
    assert r.returncode == 1 and r.stderr == 'error: deployment "nginx" exceeded its progress deadline\n'
    assert r.stdout.splitlines()[:2] == [
        "Waiting for deployment spec update to be observed...",
        'Waiting for deployment "nginx" rollout to finish: 0 out of 4 new replicas have been updated...']
    assert began + 60 < c.now < began + 62                   # lastUpdateTime + deadline, plus the 1s requeue


# --- hash collision --------------------------------------------------------------------------------------------------

def _squatter(name: str, app: str) -> dict:
    """A ReplicaSet with another template under the name the Deployment's next ReplicaSet would take."""
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name, "labels": {"app": app}},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"app": app}},
                     "template": {"metadata": {"labels": {"app": app}},
                                  "spec": {"containers": [{"name": "sleep", "image": "busybox:1.36"}]}}}}


@pytest.mark.parametrize("app", ["squatter", "nginx"])       # someone else's RS; an orphan the Deployment adopts
def test_hash_collision_bumps_collision_count(app):
    c = start(replicas=2)
    template = deep_copy(c.get("deployment", "nginx")["spec"]["template"])
    template["spec"]["containers"][0]["image"] = "nginx:1.26"
    taken = f"nginx-{compute_hash(template, None)}"
    c.client("admin").create("replicasets", _squatter(taken, app), "default")
    c.run()
    ok(c, "set image deployment/nginx nginx=nginx:1.26")
    c.run()
    d = c.get("deployment", "nginx")
    assert d["status"]["collisionCount"] == 1
    new = replicasets(c)[2]
    assert new["metadata"]["name"] == f"nginx-{compute_hash(d['spec']['template'], 1)}" != taken
    assert new["metadata"]["labels"]["pod-template-hash"] == compute_hash(d["spec"]["template"], 1)
    assert new["spec"]["replicas"] == 2 and image(c.get("replicaset", taken)) == "busybox:1.36"
    (rec,) = c.trace.actions("collision")
    assert str(rec).endswith(f"hash collision: {taken} exists with another template; collisionCount is now 1")
    assert {image(p) for p in c.list("pods")} == {"nginx:1.26"}


def test_collision_count_changes_the_hash():
    t = deployment()["spec"]["template"]
    assert len({compute_hash(t, None), compute_hash(t, 0), compute_hash(t, 1)}) == 3   # nil != 0 != 1


# --- rollout status, restart ------------------------------------------------------------------------------------------

def test_rollout_status_messages_during_an_update():
    c = start()
    ok(c, "set image deployment/nginx nginx=nginx:1.26")
    r = c.kubectl("rollout status deployment/nginx")
    prefix = 'Waiting for deployment "nginx" rollout to finish: '
    assert r.stdout == ("Waiting for deployment spec update to be observed...\n"
                        f"{prefix}0 out of 3 new replicas have been updated...\n"
                        f"{prefix}1 out of 3 new replicas have been updated...\n"
                        f"{prefix}2 out of 3 new replicas have been updated...\n"
                        f"{prefix}1 old replicas are pending termination...\n"
                        'deployment "nginx" successfully rolled out\n')


def test_rollout_status_messages_while_a_replacement_becomes_available():
    c = start()
    c.faults.kill_pod(c.list("pods")[0]["metadata"]["name"])
    while c.get("deployment", "nginx")["status"]["availableReplicas"] == 3:
        assert c.step() is not None
    r = c.kubectl("rollout status deployment/nginx")
    assert (r.returncode, r.stdout) == (0, 'Waiting for deployment "nginx" rollout to finish: 2 of 3 updated '
                                           'replicas are available...\ndeployment "nginx" successfully rolled out\n')
    assert c.kubectl("rollout status deployment/nginx").stdout == 'deployment "nginx" successfully rolled out\n'


def test_rollout_restart_stamps_the_template_and_rolls():
    c = start(replicas=2)
    now = c.now
    assert ok(c, "rollout restart deployment/nginx") == "deployment.apps/nginx restarted\n"
    stamp = c.get("deployment", "nginx")["spec"]["template"]["metadata"]["annotations"][
        "kubectl.kubernetes.io/restartedAt"]
    assert stamp == timestamp(now) and re.fullmatch(r"2026-01-01T00:00:\d\dZ", stamp)
    c.run()
    rss = replicasets(c)
    assert sorted(rss) == [1, 2] and rss[2]["spec"]["replicas"] == 2 and rss[1]["spec"]["replicas"] == 0
    assert rss[2]["spec"]["template"]["metadata"]["annotations"] == {"kubectl.kubernetes.io/restartedAt": stamp}
    assert image(rss[2]) == image(rss[1]) == "nginx:1.25"
    pods = c.list("pods")
    assert len(pods) == 2 and all(p["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] == stamp
                                  for p in pods)


def test_rollout_restart_twice_in_one_second_is_refused():
    c = start(replicas=1)
    ok(c, "rollout restart deployment/nginx")
    generation = c.get("deployment", "nginx")["metadata"]["generation"]
    r = c.kubectl("rollout restart deployment/nginx")           # same virtual second: kubectl's patch is empty
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "error: failed to create patch for nginx: if restart has "
                                                  "already been triggered within the past second, please wait "
                                                  "before attempting to trigger another\n")
    assert c.get("deployment", "nginx")["metadata"]["generation"] == generation
    c.run(seconds=1)
    assert ok(c, "rollout restart deployment/nginx") == "deployment.apps/nginx restarted\n"


# --- the arithmetic in the trace ---------------------------------------------------------------------------------------

def test_trace_shows_the_rollout_arithmetic_for_ten_replicas():
    c = start(replicas=10)
    mark = len(c.trace)
    ok(c, "set image deployment/nginx nginx=nginx:1.26")
    c.run()
    records = [str(r) for r in c.trace[mark:] if r.action in ("create-rs", "scale-rs", "hold-old")]
    assert all(re.match(r"\[ *\d+\.\d{3}s\] deployment-controller   sync default/nginx: ", x) for x in records)
    lines = [x.split("deployment-controller   ", 1)[1] for x in records]
    rss = replicasets(c)
    old, new = rss[1]["metadata"]["name"], rss[2]["metadata"]["name"]
    h = new.removeprefix("nginx-")
    budget = "maxUnavailable = floor(25% of 10) = 2, minAvailable = 10 - 2 = 8"
    assert lines[:4] == [
        f"sync default/nginx: no ReplicaSet has this template (pod-template-hash {h}); create {new} (revision 2) "
        "with 3 replicas: maxSurge = ceil(25% of 10) = 3, maxTotal = 13; NewRSNewReplicas = 0 + min(13 - 10, "
        "10 - 0) = 3",
        f"sync default/nginx: scale {old} from 10 to 8 (scaleDownOldReplicaSetsForRollingUpdate: {budget}; "
        "maxScaledDown = allPods 13 - minAvailable 8 - newRSUnavailable 3 = 2; available 10 - minAvailable 8 = 2)",
        f"sync default/nginx: scale {new} from 3 to 5 (NewRSNewReplicas: maxSurge = ceil(25% of 10) = 3, "
        "maxTotal = 13; NewRSNewReplicas = 3 + min(13 - 11, 10 - 3) = 5)",
        "sync default/nginx: old ReplicaSets stay: maxScaledDown = allPods 13 - minAvailable 8 - newRSUnavailable "
        f"5 = 0 ({budget}); wait for new pods to become available",
    ]
    # every scale-down of the old RS is justified by the numbers, and they add up to the 10 it had
    downs = [r.detail for r in c.trace[mark:] if r.action == "scale-rs" and r.detail["rs"] == old]
    assert sum(x["old"] - x["new"] for x in downs) == 10
    assert all(x["max_scaled_down"] == x["all_pods"] - x["min_available"] - x["new_rs_unavailable"] > 0
               for x in downs)


def test_scaling_mid_rollout_refreshes_every_replica_set_annotation_so_the_rollout_finishes():
    """scale() calls scaleReplicaSet on every active RS, also those whose size stays: their desired-replicas
    annotation must follow, or each later sync is a "scaling event" and the rollout never moves again."""
    c = start(replicas=1, strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})
    for command, steps in [("set image deployment/nginx nginx=nginx:1.26", 0), ("scale deployment/nginx --replicas=3", 1),
                           ("set image deployment/nginx nginx=nginx:1.27", 3), ("scale deployment/nginx --replicas=5", 0)]:
        ok(c, command)
        for _ in range(steps):
            c.step()
    c.run()
    d = c.get("deployment", "nginx")
    assert (d["status"].get("updatedReplicas"), d["status"].get("availableReplicas")) == (5, 5)
    for rs in c.list("replicasets"):
        assert rs["metadata"]["annotations"][du.DESIRED_REPLICAS] == "5" or rs["spec"]["replicas"] == 0
