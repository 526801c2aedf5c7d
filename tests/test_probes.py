"""The kubelet's prober against the traffic sheet §4: thresholds and timing, liveness restarts, startup gating, the
Unhealthy texts; and the app models (apps.py) that answer the probes."""

import pytest
from conftest import new_kubelet

from kubeteach.cluster import Cluster
from kubeteach.kubelet.apps import access_line, app_for, exec_outcome
from kubeteach.objects import parse_timestamp

DEMO = "kubeteach/demo-app:1.0"
DEMO_PULL = 0.95


def pod(name, containers, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "spec": {"nodeName": "node-1", "containers": containers, **spec}}


def demo(probes=None, **env):
    return {"name": "app", "image": DEMO, "env": [{"name": k, "value": str(v)} for k, v in env.items()],
            **(probes or {})}


@pytest.fixture
def cluster():
    c = Cluster(components=[])
    c.kubelet = new_kubelet(c, "node-1").start()
    c.admin = c.client("admin")
    return c


def events(c, name, reason=None):
    return [(e["type"], e["reason"], e["message"], e.get("count", 1)) for e in c.events()
            if e["involvedObject"]["name"] == name and reason in (None, e["reason"])]


def status(c, name):
    return c.get("pod", name)["status"]["containerStatuses"][0]


def condition(c, name, ctype):
    return next(x for x in c.get("pod", name)["status"]["conditions"] if x["type"] == ctype)


def probe_records(c, probe=None):
    return [r for r in c.trace.actions("kubelet-probe") if probe in (None, r.detail["probe"])]


# --- the app models -----------------------------------------------------------------------------------------------

def test_nginx_listens_at_once_and_stops_on_sigquit():
    app = app_for({"ports": [{"containerPort": 80}]}, "docker.io/library/nginx", "1.25", 10.0)
    assert app.answer(80, "/anything", 10.0) == (200, "") and app.stop_signal == "SIGQUIT"
    assert app.answer(8080, "/", 10.0) == (None, "connection refused")
    assert app.on_signal(12.0) == 12.0
    assert app.answer(80, "/", 12.0) == (None, "connection refused")


def test_the_demo_app_reads_its_env():
    spec = demo(STARTUP_SECONDS=5, READY="false", IGNORE_SIGTERM="true", PORT=9000)
    app = app_for(spec, "docker.io/kubeteach/demo-app", "1.0", 1.0)
    assert app.answer(9000, "/", 5.9) == (None, "connection refused")
    assert app.answer(9000, "/", 6.0) == (200, "")
    assert app.answer(9000, "/ready", 6.0) == (503, "")
    assert app.on_signal(7.0) is None and app.answer(9000, "/", 7.0) == (200, "")
    assert app_for(demo(DRAIN_SECONDS=4), "docker.io/kubeteach/demo-app", "1.0", 0).on_signal(2.0) == 6.0


def test_exec_commands_and_the_access_log_format():
    assert exec_outcome(["cat", "/tmp/healthy"]) == (0.0, 0)
    assert exec_outcome(["sh", "-c", "sleep 3; exit 2"]) == (3.0, 2)
    assert exec_outcome(["/bin/false"]) == (0.0, 1)
    assert access_line("10.244.2.1", 65.0, "/", 200, 615) == (
        '10.244.2.1 - - [01/Jan/2026:00:01:05 +0000] "GET / HTTP/1.1" 200 615 "-" "kubeteach-traffic/1.0" "-"')


# --- readiness ----------------------------------------------------------------------------------------------------

def test_readiness_fails_until_the_app_listens_then_passes_on_a_tick(cluster):
    c = cluster
    ready = {"readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10}}
    c.admin.create("pods", pod("slow", [demo(ready, STARTUP_SECONDS=15)]))
    result = c.run()
    assert result.settled
    admitted = c.trace.actions("kubelet-admit")[0].time
    # the manual trigger at start (t=0.95) and the tick at admission+10 are refused; the tick at +20 passes
    refused = ('Readiness probe failed: Get "http://10.244.1.2:8080/ready": dial tcp 10.244.1.2:8080: connect: '
               "connection refused")
    assert events(c, "slow", "Unhealthy") == [("Warning", "Unhealthy", refused, 2)]
    assert [(r.time, r.detail["result"], r.detail["manual"]) for r in probe_records(c)] == [
        (DEMO_PULL, "Failure", True), (admitted + 10, "Failure", False), (admitted + 20, "Success", False)]
    assert parse_timestamp(condition(c, "slow", "Ready")["lastTransitionTime"]) == int(admitted + 20)
    st = status(c, "slow")
    assert st["ready"] is True and st["started"] is True and st["restartCount"] == 0


def test_a_readiness_probe_that_never_passes_keeps_the_pod_unready_and_does_not_keep_the_cluster_busy(cluster):
    c = cluster
    ready = {"readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5}}
    c.admin.create("pods", pod("never", [demo(ready, READY="false")]))
    assert c.run().settled
    assert c.now == pytest.approx(DEMO_PULL)          # the failing probes are periodic work, not "busy"
    c.run(seconds=30)
    failed = "Readiness probe failed: HTTP probe failed with statuscode: 503"
    assert events(c, "never", "Unhealthy") == [("Warning", "Unhealthy", failed, 7)]   # 0.95, then 5, 10, … 30
    assert condition(c, "never", "Ready")["status"] == "False"
    assert condition(c, "never", "ContainersReady")["message"] == "containers with unready status: [app]"
    assert status(c, "never")["restartCount"] == 0    # readiness never restarts a container


def test_a_passing_probe_leaves_one_record_not_one_per_tick(cluster):
    c = cluster
    probe = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 1}
    c.admin.create("pods", pod("web", [{"name": "nginx", "image": "nginx:1.25", "readinessProbe": probe,
                                        "livenessProbe": probe}]))
    c.run()
    c.run(seconds=100)
    assert [r.detail["probe"] for r in probe_records(c)] == ["readiness"]
    assert status(c, "web")["ready"] is True and events(c, "web", "Unhealthy") == []


def test_success_threshold_needs_consecutive_passes(cluster):
    c = cluster
    ready = {"readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 10, "successThreshold": 2}}
    c.admin.create("pods", pod("two", [demo(ready)]))
    c.run()
    admitted = c.trace.actions("kubelet-admit")[0].time
    # the trigger at start passes (1 in a row, threshold 2): quiet; the tick at +10 publishes
    assert [(r.time, r.detail["run"], r.detail["published"], r.detail["quiet"]) for r in probe_records(c)] == [
        (admitted + 10, 2, True, 1)]
    assert status(c, "two")["ready"] is True


# --- liveness -----------------------------------------------------------------------------------------------------

def test_a_failing_liveness_probe_restarts_the_container_with_back_off(cluster):
    c = cluster
    live = {"livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}}
    c.admin.create("pods", pod("hung", [demo(live, LIVE="false")]))
    c.run()
    failed = "Liveness probe failed: HTTP probe failed with statuscode: 500"
    kills = [r for r in c.trace if r.action == "event" and "failed liveness probe" in str(r.detail)]
    assert kills
    admitted = c.trace.actions("kubelet-admit")[0].time
    # failures at +10, +20, +30 (the liveness worker has no manual trigger); Killing right after the third
    first_kill = c.trace.actions("kubelet-signal")[0]
    assert first_kill.time == pytest.approx(admitted + 30)
    evs = events(c, "hung")
    assert ("Normal", "Killing", "Container app failed liveness probe, will be restarted", 2) in evs
    assert ("Warning", "Unhealthy", failed, 6) in evs
    assert ("Warning", "BackOff", "Back-off restarting failed container app in pod "
            f"hung_default({c.get('pod', 'hung')['metadata']['uid']})", 1) in evs
    st = status(c, "hung")
    assert st["restartCount"] == 1 and st["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert st["lastState"]["terminated"]["exitCode"] == 0        # the demo app exits 0 on SIGTERM
    assert st["lastState"]["terminated"]["reason"] == "Completed"


def test_a_liveness_probe_that_passes_changes_nothing(cluster):
    c = cluster
    live = {"livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}, "periodSeconds": 3}}
    c.admin.create("pods", pod("ok", [demo(live)]))
    c.run()
    c.run(seconds=60)
    assert probe_records(c) == [] and status(c, "ok")["restartCount"] == 0


def test_an_exec_liveness_probe_that_exits_non_zero_fails_with_its_empty_output(cluster):
    c = cluster
    live = {"livenessProbe": {"exec": {"command": ["sh", "-c", "exit 1"]}, "periodSeconds": 5,
                              "failureThreshold": 1}}
    c.admin.create("pods", pod("bad", [demo(live)]))
    c.run(seconds=6)
    assert ("Warning", "Unhealthy", "Liveness probe failed: ", 1) in events(c, "bad")
    assert ("Normal", "Killing", "Container app failed liveness probe, will be restarted", 1) in events(c, "bad")


def test_restart_policy_never_drops_will_be_restarted(cluster):
    c = cluster
    live = {"livenessProbe": {"tcpSocket": {"port": 9999}, "periodSeconds": 5, "failureThreshold": 1}}
    c.admin.create("pods", pod("once", [demo(live)], restartPolicy="Never"))
    c.run()
    assert ("Normal", "Killing", "Container app failed liveness probe", 1) in events(c, "once")
    assert ("Warning", "Unhealthy", "Liveness probe failed: dial tcp 10.244.1.2:9999: connect: connection refused",
            1) in events(c, "once")
    assert c.get("pod", "once")["status"]["phase"] == "Succeeded"


# --- startup ------------------------------------------------------------------------------------------------------

def test_a_startup_probe_gates_readiness_and_liveness(cluster):
    c = cluster
    probes = {"startupProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 10, "failureThreshold": 30},
              "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10},
              "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}}
    c.admin.create("pods", pod("gated", [demo(probes, STARTUP_SECONDS=25)]))
    c.run(seconds=20)
    st = status(c, "gated")
    assert st["started"] is False and st["ready"] is False
    assert {r.detail["probe"] for r in probe_records(c)} == {"startup"}   # readiness/liveness wait for started
    c.run()
    admitted = c.trace.actions("kubelet-admit")[0].time
    started = [r for r in probe_records(c, "startup") if r.detail["published"]]
    assert [r.time for r in started] == [pytest.approx(admitted + 30)]
    ready = [r for r in probe_records(c, "readiness") if r.detail["published"]]
    assert ready and ready[0].time == pytest.approx(admitted + 40)
    st = status(c, "gated")
    assert st["started"] is True and st["ready"] is True
    assert all(e[2].startswith("Startup probe failed") for e in events(c, "gated", "Unhealthy"))


def test_a_startup_probe_that_runs_out_kills_the_container(cluster):
    c = cluster
    probes = {"startupProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 5, "failureThreshold": 2}}
    c.admin.create("pods", pod("late", [demo(probes, STARTUP_SECONDS=100)]))
    c.run(seconds=12)
    assert ("Normal", "Killing", "Container app failed startup probe, will be restarted", 1) in events(c, "late")
    assert status(c, "late")["restartCount"] == 1


def test_an_exec_probe_that_outlasts_its_timeout_fails_with_the_cri_text(cluster):
    c = cluster
    ready = {"readinessProbe": {"exec": {"command": ["sh", "-c", "sleep 5"]}, "timeoutSeconds": 2}}
    c.admin.create("pods", pod("slowexec", [demo(ready)]))
    c.run()
    assert events(c, "slowexec", "Unhealthy") == [
        ("Warning", "Unhealthy", 'Readiness probe failed: command "sh -c sleep 5" timed out', 1)]


def test_a_liveness_kill_uses_the_probes_own_grace_period(cluster):
    c = cluster
    live = {"livenessProbe": {"tcpSocket": {"port": 9999}, "periodSeconds": 5, "failureThreshold": 1,
                              "terminationGracePeriodSeconds": 4}}
    c.admin.create("pods", pod("quick", [demo(live, IGNORE_SIGTERM="true")]))
    c.run(seconds=10)
    signal = c.trace.actions("kubelet-signal")[0]
    assert signal.detail["grace"] == 4
    sigkill = c.trace.actions("kubelet-sigkill")[0]
    assert sigkill.time == pytest.approx(signal.time + 4)
    assert status(c, "quick")["lastState"]["terminated"]["exitCode"] == 137


def test_a_rolling_update_with_a_readiness_probe_completes_under_run(seeded):
    c = seeded
    d = c.get("deployments", "nginx")
    d["spec"]["replicas"] = 3
    d["spec"]["template"]["spec"]["containers"][0].update(
        image="nginx:1.26", readinessProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5})
    c.client("admin").update("deployments", d)
    assert c.run().settled
    assert "successfully rolled out" in c.kubectl("rollout status deployment/nginx").stdout
    pods = c.list("pods")
    assert len(pods) == 3 and all(p["spec"]["containers"][0]["image"] == "nginx:1.26" for p in pods)
    assert all(next(x for x in p["status"]["conditions"] if x["type"] == "Ready")["status"] == "True" for p in pods)
    # nginx listens at once: each new pod passed its first (triggered) readiness probe, no failure on the way
    assert [e for e in c.events() if e["reason"] == "Unhealthy"] == []
