"""Init containers and sidecars (issue #16, item 13): one at a time in spec order, initContainerStatuses, the
Initialized condition, kubectl's Init:i/n, Init:Error, Init:CrashLoopBackOff and PodInitializing, sidecars
(restartable init containers) started before and stopped after the regular containers."""

from __future__ import annotations

from conftest import ROOT

import kubeteach as kt
from kubeteach.kubectl.printers import pod_status

INIT = {"name": "init-myservice", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 2"]}
SIDECAR = {"name": "log-shipper", "image": "busybox:1.36", "restartPolicy": "Always"}
APP = {"name": "app", "image": "nginx:1.25"}


def _pod(name: str = "myapp", init=(INIT, SIDECAR), **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"initContainers": [dict(c) for c in init], "containers": [dict(APP)], **spec}}


def _statuses_over(c: kt.Cluster, name: str, seconds: float) -> list[tuple[str, str]]:
    """(READY, STATUS) as `kubectl get pod` prints them after each unit of work, each change once."""
    seen: list[tuple[str, str]] = []
    end = c.now + seconds
    while c.now < end:
        if not c.step():
            c.run(seconds=0.1)          # only back-off timers left: let the clock reach them
        pod = c.get("pods", name)
        if pod is None:
            break
        ready, reason, _, _ = pod_status(pod)
        if not seen or seen[-1] != (ready, reason):
            seen.append((ready, reason))
    return seen


def test_init_containers_run_one_at_a_time_then_the_regular_containers():
    c = kt.Cluster(seed=1)
    c.client().create("pods", _pod(), "default")
    seen = _statuses_over(c, "myapp", 10)
    assert seen == [("0/2", "Pending"), ("0/2", "Init:0/2"), ("0/2", "Init:1/2"), ("1/2", "PodInitializing"),
                    ("2/2", "Running")]
    st = c.get("pods", "myapp")["status"]
    init, sidecar = st["initContainerStatuses"]
    assert init["state"]["terminated"]["reason"] == "Completed" and init["ready"] and not init["started"]
    assert sidecar["state"].get("running") and sidecar["ready"] and sidecar["started"]
    app = st["containerStatuses"][0]
    # the sidecar started once the init container had exited, the app once the sidecar ran
    assert init["state"]["terminated"]["finishedAt"] <= sidecar["state"]["running"]["startedAt"] \
        <= app["state"]["running"]["startedAt"]
    assert st["phase"] == "Running"
    out = c.kubectl("describe pod myapp").stdout
    assert "Init Containers:\n  init-myservice:" in out
    assert "spec.initContainers{init-myservice}: Container started" in out
    assert out.index("spec.initContainers{log-shipper}: Container started") < \
        out.index("spec.containers{app}: Container started")


def test_while_init_runs_the_conditions_and_waiting_reasons_say_so():
    c = kt.Cluster(seed=1)
    c.client().create("pods", _pod(), "default")
    c.run(seconds=1.5)                                 # busybox pulled, init-myservice running
    st = c.get("pods", "myapp")["status"]
    cond = {x["type"]: x for x in st["conditions"]}
    assert (cond["Initialized"]["status"], cond["Initialized"]["reason"], cond["Initialized"]["message"]) == \
        ("False", "ContainersNotInitialized", "containers with incomplete status: [init-myservice log-shipper]")
    assert cond["ContainersReady"]["message"] == "containers with unready status: [log-shipper app]"
    assert st["initContainerStatuses"][0]["state"].get("running")
    assert st["initContainerStatuses"][1]["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert st["containerStatuses"][0]["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert st["phase"] == "Pending"


def test_a_failing_init_container_shows_init_error_then_init_crash_loop_back_off():
    c = kt.Cluster(seed=1)
    failing = {"name": "init-db", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 1; exit 1"]}
    c.client().create("pods", _pod(init=(failing,)), "default")
    seen = [s for _, s in _statuses_over(c, "myapp", 60)]
    assert seen[:4] == ["Pending", "Init:0/1", "Init:Error", "Init:0/1"]
    assert "Init:CrashLoopBackOff" in seen and "Running" not in seen
    pod = c.get("pods", "myapp")
    init = pod["status"]["initContainerStatuses"][0]
    assert init["lastState"]["terminated"]["exitCode"] == 1 and init["restartCount"] >= 2
    assert not pod["status"]["containerStatuses"][0]["state"].get("running")
    events = [e for e in c.list("events") if e["reason"] == "BackOff"]
    assert events and events[0]["involvedObject"]["fieldPath"] == "spec.initContainers{init-db}"
    assert events[0]["message"].startswith("Back-off restarting failed container init-db in pod myapp_default(")


def test_with_restart_policy_never_a_failed_init_container_fails_the_pod():
    c = kt.Cluster(seed=1)
    failing = {"name": "init-db", "image": "busybox:1.36", "command": ["sh", "-c", "exit 3"]}
    c.client().create("pods", _pod(init=(failing,), restartPolicy="Never"), "default")
    c.run(seconds=30)
    pod = c.get("pods", "myapp")
    assert pod["status"]["phase"] == "Failed"
    assert pod["status"]["initContainerStatuses"][0]["state"]["terminated"]["exitCode"] == 3
    assert pod["status"]["initContainerStatuses"][0]["restartCount"] == 0
    assert pod_status(pod)[1] == "Init:Error"


def test_a_crash_fault_on_an_init_container_is_retried_with_back_off():
    c = kt.Cluster(seed=1)
    slow = {**INIT, "command": ["sh", "-c", "sleep 30"]}
    c.client().create("pods", _pod(init=(slow,)), "default")
    c.run(seconds=2)
    c.faults.crash_container("myapp", "init-myservice", times=2)
    c.run(seconds=120)
    pod = c.get("pods", "myapp")
    assert pod["status"]["initContainerStatuses"][0]["restartCount"] == 2
    assert pod["status"]["phase"] == "Running" and pod_status(pod)[:2] == ("1/1", "Running")


def test_sidecars_stop_after_the_regular_containers_in_reverse_order():
    c = kt.Cluster(seed=1)
    second = {"name": "metrics", "image": "busybox:1.36", "restartPolicy": "Always"}
    c.client().create("pods", _pod(init=(INIT, SIDECAR, second)), "default")
    c.run(seconds=10)
    assert pod_status(c.get("pods", "myapp"))[:2] == ("3/3", "Running")
    c.kubectl("delete pod myapp --wait=false")
    c.run(seconds=40)
    killing = [e["involvedObject"]["fieldPath"] for e in c.list("events") if e["reason"] == "Killing"]
    assert killing == ["spec.containers{app}", "spec.initContainers{metrics}", "spec.initContainers{log-shipper}"]
    assert c.get("pods", "myapp") is None


def test_an_exited_sidecar_restarts_without_holding_back_the_initialized_pod():
    c = kt.Cluster(seed=1)
    c.client().create("pods", _pod(), "default")
    c.run(seconds=10)
    c.faults.crash_container("myapp", "log-shipper", times=3)
    c.run(seconds=5)
    pod = c.get("pods", "myapp")
    cond = {x["type"]: x["status"] for x in pod["status"]["conditions"]}
    assert cond["Initialized"] == "True"               # a regular container started: initialized for good
    assert pod["status"]["containerStatuses"][0]["state"].get("running")
    assert pod["status"]["phase"] == "Running"
    c.run(seconds=120)
    pod = c.get("pods", "myapp")
    assert pod["status"]["initContainerStatuses"][1]["restartCount"] == 3
    assert pod_status(pod)[:3] == ("2/2", "Running", "3")


def test_the_service_account_token_is_mounted_in_init_containers_too():
    c = kt.Cluster(seed=1)
    own = {**INIT, "volumeMounts": [{"name": "mine", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]}
    pod = _pod(init=(own, SIDECAR))
    pod["spec"]["volumes"] = [{"name": "mine", "emptyDir": {}}]
    created = c.client().create("pods", pod, "default")
    init, sidecar = created["spec"]["initContainers"]
    assert [m["name"] for m in init["volumeMounts"]] == ["mine"]       # its own mount at the path wins
    token = sidecar["volumeMounts"][0]
    assert token["name"].startswith("kube-api-access-") and token["readOnly"]
    assert created["spec"]["containers"][0]["volumeMounts"] == [token]


def test_kubectl_counts_restarts_of_init_containers_only_while_initializing():
    status = {"phase": "Running", "conditions": [{"type": "Initialized", "status": "True"},
                                                 {"type": "Ready", "status": "True"}],
              "initContainerStatuses": [
                  {"name": "init", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}, "restartCount": 4},
                  {"name": "side", "state": {"running": {}}, "started": True, "ready": True, "restartCount": 1,
                   "lastState": {"terminated": {"finishedAt": "2026-01-01T00:00:05Z"}}}],
              "containerStatuses": [{"name": "app", "state": {"running": {}}, "ready": True, "restartCount": 2}]}
    pod = {"metadata": {}, "spec": {"initContainers": [{"name": "init"}, {"name": "side", "restartPolicy": "Always"}],
                                    "containers": [{"name": "app"}]}, "status": status}
    assert pod_status(pod) == ("2/2", "Running", "3", "2026-01-01T00:00:05Z")
    status["initContainerStatuses"][0]["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}
    status["conditions"][0]["status"] = "False"
    # initializing: the restarts of the init containers up to the one it is stuck on, not the app's
    assert pod_status(pod)[1:3] == ("Init:CrashLoopBackOff", "4")


def test_kubectl_logs_names_the_init_containers_when_it_picks_the_default():
    c = kt.Cluster(seed=1)
    c.kubectl(f"create -f {ROOT / 'data/05-init-failing.yaml'}")
    c.run(seconds=20)
    out = c.kubectl("logs migrate")
    assert out.stderr.splitlines() == [
        'Defaulted container "app" out of: app, run-migrations (init)',
        'Error from server (BadRequest): container "app" in pod "migrate" is waiting to start: PodInitializing']
    assert c.kubectl("logs migrate -c run-migrations").stderr == ""     # its own exit leaves no kubeteach line
