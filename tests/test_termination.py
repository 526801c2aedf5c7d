"""Graceful termination against the traffic sheet §5 (Killing first, preStop and its budget, the image's stop
signal, SIGKILL at the deadline with the 2 s floor, FailedPreStopHook), and the kubelet's serve_request."""

import json
from pathlib import Path

import pytest
from conftest import new_kubelet, real_kubectl, serve_cli

from kubeteach.cluster import Cluster
from kubeteach.kubelet.termination import kill_grace

DEMO = "kubeteach/demo-app:1.0"


def pod(name, containers, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "spec": {"nodeName": "node-1", "containers": containers, **spec}}


def demo(extra=None, **env):
    return {"name": "app", "image": DEMO, "env": [{"name": k, "value": str(v)} for k, v in env.items()],
            **(extra or {})}


def nginx(extra=None):
    return {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}], **(extra or {})}


def sleep_hook(seconds):
    return {"lifecycle": {"preStop": {"sleep": {"seconds": seconds}}}}


@pytest.fixture
def cluster():
    c = Cluster(components=[])
    c.kubelet = new_kubelet(c, "node-1").start()
    c.api.node_proxies["node-1"] = c.kubelet.container_logs       # what assembly wires for `kubectl logs`
    c.admin = c.client("admin")
    return c


def start(c, name, containers, **spec):
    c.admin.create("pods", pod(name, containers, **spec))
    c.run()
    assert c.get("pod", name)["status"]["phase"] == "Running"


def delete(c, name, **options):
    c.admin.delete("pods", "default", name, **options)
    return c.now


def exists(c, name):
    return c.get("pod", name) is not None


def gone_at(c, name):
    return next(r.time for r in c.trace.actions("kubelet-delete") if r.object == f"default/{name}")


def exits(c):
    return [(r.time, r.detail["container"], r.detail["code"], r.detail["reason"])
            for r in c.trace.actions("kubelet-exited")]


def events(c, name):
    return [(e["type"], e["reason"], e["message"]) for e in c.events() if e["involvedObject"]["name"] == name]


# --- the grace period ---------------------------------------------------------------------------------------------

def test_kill_grace_follows_set_termination_grace_period():
    p = {"metadata": {}, "spec": {"terminationGracePeriodSeconds": 30}}
    assert kill_grace(p) == 30
    assert kill_grace(p, {"terminationGracePeriodSeconds": 5}) == 5
    assert kill_grace({"metadata": {"deletionGracePeriodSeconds": 10}, "spec": {}}, {}) == 10
    assert kill_grace({"metadata": {}, "spec": {}}) == 2


def test_nginx_stops_on_sigquit_at_once_and_the_pod_goes(cluster):
    c = cluster
    start(c, "web", [nginx()])
    t0 = delete(c, "web")
    c.run()
    assert not exists(c, "web") and gone_at(c, "web") == pytest.approx(t0)
    signal = c.trace.actions("kubelet-signal")[0]
    assert signal.detail["signal"] == "SIGQUIT" and signal.detail["grace"] == 30
    assert exits(c) == [(t0, "nginx", 0, "Completed")]
    assert ("Normal", "Killing", "Stopping container nginx") in events(c, "web")
    killing = [r for r in c.trace if r.action == "event" and "Killing" in str(r.detail)][0]
    assert killing.time == t0


def test_a_process_that_ignores_its_signal_is_sigkilled_at_30s(cluster):
    c = cluster
    start(c, "stubborn", [demo(IGNORE_SIGTERM="true")])
    t0 = delete(c, "stubborn")
    c.run(seconds=29.5)
    p = c.get("pod", "stubborn")
    assert p["metadata"]["deletionGracePeriodSeconds"] == 30
    assert "running" in p["status"]["containerStatuses"][0]["state"]
    assert p["status"]["containerStatuses"][0]["ready"] is True      # READY stays 1/1 while it runs
    c.run()
    assert exits(c) == [(pytest.approx(t0 + 30), "app", 137, "Error")]
    assert c.trace.actions("kubelet-sigkill")[0].time == pytest.approx(t0 + 30)
    assert not exists(c, "stubborn")


def test_a_5s_sleep_hook_sends_the_signal_at_5s(cluster):
    c = cluster
    start(c, "web", [nginx(sleep_hook(5))])
    t0 = delete(c, "web")
    c.run()
    signal = c.trace.actions("kubelet-signal")[0]
    assert signal.time == pytest.approx(t0 + 5) and signal.detail["grace"] == 25
    assert exits(c) == [(pytest.approx(t0 + 5), "nginx", 0, "Completed")]
    assert gone_at(c, "web") == pytest.approx(t0 + 5)
    assert ("Warning", "FailedPreStopHook", "PreStopHook failed") not in events(c, "web")


def test_a_29s_hook_leaves_the_2s_floor(cluster):
    c = cluster
    start(c, "slow", [demo(sleep_hook(29), IGNORE_SIGTERM="true")])
    t0 = delete(c, "slow")
    c.run()
    assert c.trace.actions("kubelet-signal")[0].time == pytest.approx(t0 + 29)
    assert exits(c) == [(pytest.approx(t0 + 31), "app", 137, "Error")]


def test_a_hook_longer_than_the_grace_period_is_abandoned(cluster):
    c = cluster
    hook = {"lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "sleep 100"]}}}}
    start(c, "hang", [demo(hook, IGNORE_SIGTERM="true")], terminationGracePeriodSeconds=10)
    t0 = delete(c, "hang")
    c.run()
    assert c.trace.actions("kubelet-prestop")[0].detail["abandoned"] is True
    assert c.trace.actions("kubelet-signal")[0].time == pytest.approx(t0 + 10)
    assert exits(c) == [(pytest.approx(t0 + 12), "app", 137, "Error")]
    assert ("Warning", "FailedPreStopHook", "PreStopHook failed") not in events(c, "hang")


def test_a_failing_hook_gives_failed_pre_stop_hook_and_the_kill_goes_on(cluster):
    c = cluster
    hook = {"lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "sleep 3; exit 1"]}}}}
    start(c, "web", [nginx(hook)])
    t0 = delete(c, "web")
    c.run()
    assert ("Warning", "FailedPreStopHook", "PreStopHook failed") in events(c, "web")
    failed = [r for r in c.trace if r.action == "event" and "FailedPreStopHook" in str(r.detail)][0]
    assert failed.time == pytest.approx(t0 + 3)
    assert exits(c) == [(pytest.approx(t0 + 3), "nginx", 0, "Completed")]


def test_an_http_hook_to_a_closed_port_fails(cluster):
    c = cluster
    hook = {"lifecycle": {"preStop": {"httpGet": {"path": "/quit", "port": 9999}}}}
    start(c, "web", [nginx(hook)])
    delete(c, "web")
    c.run()
    assert ("Warning", "FailedPreStopHook", "PreStopHook failed") in events(c, "web")
    assert not exists(c, "web")


def test_a_shorter_delete_grace_wins(cluster):
    c = cluster
    start(c, "stubborn", [demo(IGNORE_SIGTERM="true")])
    t0 = delete(c, "stubborn", gracePeriodSeconds=1)
    c.run()
    assert exits(c) == [(pytest.approx(t0 + 2), "app", 137, "Error")]     # the 2 s floor


# --- probes during termination ------------------------------------------------------------------------------------

def test_liveness_stops_on_deletion_and_readiness_sees_the_closed_listener(cluster):
    c = cluster
    probes = {"readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1, "failureThreshold": 1},
              "livenessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1, "failureThreshold": 1}}
    start(c, "drain", [demo(probes, DRAIN_SECONDS=10)])
    t0 = delete(c, "drain")
    c.run(seconds=5)
    stops = c.trace.actions("kubelet-probe-stop")
    assert [r.detail["probe"] for r in stops] == ["liveness"]
    st = c.get("pod", "drain")["status"]["containerStatuses"][0]
    assert "running" in st["state"] and st["ready"] is False     # draining, not ready
    unhealthy = [e for e in events(c, "drain") if e[1] == "Unhealthy"]
    assert unhealthy and all(e[2].startswith("Readiness probe failed: Get") for e in unhealthy)
    assert ("Normal", "Killing", "Container app failed liveness probe, will be restarted") not in events(c, "drain")
    c.run()
    assert exits(c) == [(pytest.approx(t0 + 10), "app", 0, "Completed")]
    assert not exists(c, "drain")


# --- serve_request ------------------------------------------------------------------------------------------------

def test_serve_request_answers_from_the_app_and_logs_it(cluster):
    c = cluster
    k = c.kubelet
    c.admin.create("pods", pod("slow", [demo(None, STARTUP_SECONDS=5, DRAIN_SECONDS=10)]))
    c.run()
    ip = c.get("pod", "slow")["status"]["podIP"]
    assert k.serve_request(ip, 8080, "10.244.2.1") == (None, "connection refused", "default/slow")
    c.run(seconds=5)
    assert k.serve_request(ip, 8080, "10.244.2.1", "/hello") == (200, "", "default/slow")
    assert k.serve_request(ip, 80, "10.244.2.1") == (None, "connection refused", "default/slow")
    assert k.serve_request("10.244.1.99", 8080, "10.244.2.1") == (None, "i/o timeout", "")
    logs = c.kubectl("logs slow").stdout.splitlines()
    assert logs[-1] == ('10.244.2.1 - - [01/Jan/2026:00:00:05 +0000] "GET /hello HTTP/1.1" 200 29 "-" '
                        '"kubeteach-traffic/1.0" "-"')
    delete(c, "slow")
    c.run(seconds=1)
    assert k.serve_request(ip, 8080, "10.244.2.1") == (None, "connection refused", "default/slow")
    c.run()
    assert k.serve_request(ip, 8080, "10.244.2.1") == (None, "i/o timeout", "")


def test_nginx_access_lines_show_in_kubectl_logs(cluster):
    c = cluster
    start(c, "web", [nginx()])
    ip = c.get("pod", "web")["status"]["podIP"]
    assert c.kubelet.serve_request(ip, 80, "10.244.3.7") == (200, "", "default/web")
    assert c.kubectl("logs web").stdout.splitlines()[-1].startswith(
        '10.244.3.7 - - [01/Jan/2026:00:00:02 +0000] "GET / HTTP/1.1" 200 615 "-"')


def test_a_sidecar_gets_its_signal_after_the_app_has_drained(cluster):
    c = cluster
    sidecar = {"name": "shipper", "image": "busybox:1.36", "restartPolicy": "Always"}
    start(c, "side", [demo(None, DRAIN_SECONDS=5)], initContainers=[sidecar])
    t0 = delete(c, "side")
    c.run()
    signals = [(r.time, r.detail["container"], r.detail["grace"]) for r in c.trace.actions("kubelet-signal")]
    # both get Killing at once; the sidecar waits for the app (5 s), which it subtracts from its 30 s
    assert signals == [(t0, "app", 30), (pytest.approx(t0 + 5), "shipper", 25)]
    assert exits(c) == [(pytest.approx(t0 + 5), "app", 0, "Completed"), (pytest.approx(t0 + 5), "shipper", 0,
                                                                          "Completed")]
    assert not exists(c, "side")


def test_a_sidecar_waits_at_most_its_grace_then_keeps_the_2s_floor(cluster):
    c = cluster
    sidecar = {"name": "shipper", "image": "busybox:1.36", "restartPolicy": "Always"}
    start(c, "side", [demo(None, IGNORE_SIGTERM="true")], initContainers=[sidecar])
    t0 = delete(c, "side")
    c.run()
    signals = [(r.time, r.detail["container"], r.detail["grace"]) for r in c.trace.actions("kubelet-signal")]
    assert signals == [(t0, "app", 30), (pytest.approx(t0 + 30), "shipper", 2)]
    assert exits(c)[0] == (pytest.approx(t0 + 30), "app", 137, "Error")


# --- the real kubectl -----------------------------------------------------------------------------------------------

def test_the_real_kubectl_sees_probe_failures_and_a_graceful_delete(tmp_path: Path):
    manifest = tmp_path / "pod.json"
    app = demo({"readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 2},
                **sleep_hook(3)}, READY="false")
    manifest.write_text(json.dumps({**pod("probed", [app]), "spec": {"containers": [app]}}))
    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        run = real_kubectl(kubeconfig, tmp_path, timeout=60)
        assert run("create", "-f", str(manifest)).returncode == 0
        assert run("wait", "--for=jsonpath={.status.phase}=Running", "pod/probed", "--timeout=60s").returncode == 0
        got = run("get", "pod", "probed", "--no-headers").stdout.split()
        assert got[1:3] == ["0/1", "Running"]
        described = ""
        for _ in range(50):
            described = run("describe", "pod", "probed").stdout
            if "Readiness probe failed" in described:
                break
        assert "spec.containers{app}: Readiness probe failed: HTTP probe failed with statuscode: 503" in described
        deleted = run("delete", "pod", "probed")
        assert deleted.returncode == 0 and deleted.stdout == 'pod "probed" deleted from default namespace\n'
        reasons = run("get", "events", "--field-selector", "involvedObject.name=probed", "-o",
                      "jsonpath={range .items[*]}{.reason}={.message}{\"\\n\"}{end}").stdout.splitlines()
        assert "Killing=Stopping container app" in reasons
        assert run("get", "pod", "probed").returncode == 1


def test_a_second_shorter_delete_kills_again_with_the_shorter_grace(cluster):
    c = cluster
    start(c, "stubborn", [demo(sleep_hook(20), IGNORE_SIGTERM="true")])
    t0 = delete(c, "stubborn")
    c.run(seconds=3)
    t1 = delete(c, "stubborn", gracePeriodSeconds=5)
    assert c.get("pod", "stubborn")["metadata"]["deletionGracePeriodSeconds"] == 5
    c.run()
    kills = [(r.time, r.detail["grace"], r.detail["again"]) for r in c.trace.actions("kubelet-kill")]
    assert kills == [(t0, 30, False), (pytest.approx(t1), 5, True)]
    # the kill starts over: Killing again, the 20 s hook abandoned at 5 s, then the 2 s floor
    assert ("Normal", "Killing", "Stopping container app") in events(c, "stubborn")
    assert [e["count"] for e in c.events() if e["reason"] == "Killing"] == [2]
    assert c.trace.actions("kubelet-signal")[0].time == pytest.approx(t1 + 5)
    assert exits(c) == [(pytest.approx(t1 + 7), "app", 137, "Error")]
    assert not exists(c, "stubborn")


def test_a_second_shorter_delete_moves_the_deletion_deadline_earlier():
    """BeforeDelete (apiserver/pkg/registry/rest/delete.go): only a shorter grace period is taken, and the new
    deletionTimestamp is the old one minus the old grace plus the new one; a longer one changes nothing."""
    from kubeteach import Cluster
    from kubeteach.objects import parse_timestamp

    c = Cluster(seed=3)
    admin = c.client()
    admin.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "slow"},
                          "spec": {"containers": [{"name": "app", "image": "kubeteach/demo-app:1.0",
                                                   "env": [{"name": "IGNORE_SIGTERM", "value": "true"}]}]}},
                 "default")
    c.run(seconds=5)
    admin.delete("pods", "default", "slow")
    first = c.get("pods", "slow")["metadata"]
    assert first["deletionGracePeriodSeconds"] == 30
    c.run(seconds=2)
    admin.delete("pods", "default", "slow", gracePeriodSeconds=60)       # longer: ignored
    assert c.get("pods", "slow")["metadata"]["deletionTimestamp"] == first["deletionTimestamp"]
    admin.delete("pods", "default", "slow", gracePeriodSeconds=10)
    second = c.get("pods", "slow")["metadata"]
    assert second["deletionGracePeriodSeconds"] == 10
    assert parse_timestamp(first["deletionTimestamp"]) - parse_timestamp(second["deletionTimestamp"]) == 20
