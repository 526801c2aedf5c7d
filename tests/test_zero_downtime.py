"""Issue #17's end-to-end claim, under one seed: a rollout under traffic drops requests without a readiness probe
(new pods refuse before they listen) and without a preStop sleep (old pods stop while nodes still route to them),
and drops none once both are in the pods being replaced and the pods replacing them (data/08-web*.yaml, lesson 08).
A readiness probe that never passes stalls the rollout without losing a request."""

from __future__ import annotations

from conftest import ROOT

from kubeteach import Cluster

DATA = ROOT / "data"


def _cluster(manifest: str) -> Cluster:
    """The Service and the Deployment of data/08-web.yaml, then the pods of `manifest`, settled, under traffic."""
    c = Cluster(seed=0)
    for name in dict.fromkeys(("08-web.yaml", manifest)):
        assert c.kubectl(f"apply -f {DATA / name}").returncode == 0
        c.run()
        c.run(seconds=5)
    c.traffic.start("web", per_second=20)
    c.run(seconds=5)
    assert all(r.ok for r in c.traffic.results("web"))
    return c


def _rollout(c: Cluster, command: str, seconds: float = 60) -> tuple[list, set[str]]:
    """The failed requests of one rollout, and the IPs of the pods it replaced."""
    start = len(c.traffic.results("web"))
    old_ips = {p["status"]["podIP"] for p in c.list("pods", label_selector="app=web")}
    assert c.kubectl(command).returncode == 0
    c.run(seconds=seconds)
    window = c.traffic.results("web")[start:]
    assert len(window) == 20 * seconds
    return [r for r in window if not r.ok], old_ips


def test_without_a_readiness_probe_new_pods_refuse_connections_before_they_listen():
    c = _cluster("08-web.yaml")
    failed, old_ips = _rollout(c, "set image deployment/web app=kubeteach/demo-app:2.0")
    on_new = [r for r in failed if r.endpoint.split(":")[0] not in old_ips]
    assert on_new and {r.error for r in on_new} == {"connection refused"}


def test_a_readiness_probe_alone_leaves_the_exit_race_on_old_pods():
    c = _cluster("08-web-ready.yaml")
    failed, old_ips = _rollout(c, "set image deployment/web app=kubeteach/demo-app:1.0")
    assert failed, "old pods without a preStop hook stop while some node still routes to them"
    assert all(r.endpoint.split(":")[0] in old_ips for r in failed)


def test_with_a_readiness_probe_and_a_pre_stop_sleep_no_request_fails():
    c = _cluster("08-web-graceful.yaml")
    began = c.now
    failed, _ = _rollout(c, "set image deployment/web app=kubeteach/demo-app:1.0")
    assert failed == []
    # the old pods got their signal five seconds after Killing (their preStop sleep)
    kills = {r.object: r.time for r in c.trace if r.action == "kubelet-kill" and r.time >= began}
    signals = {r.object: r.time for r in c.trace if r.action == "kubelet-signal"}
    assert len(kills) == 3 and all(signals[p] - t == 5 for p, t in kills.items())


def test_a_readiness_probe_that_never_passes_stalls_the_rollout_and_loses_nothing():
    c = _cluster("08-web-graceful.yaml")
    failed, _ = _rollout(c, f"apply -f {DATA / '08-web-never-ready.yaml'}", seconds=90)
    assert failed == []
    d = c.get("deployment", "web")
    progressing = next(x for x in d["status"]["conditions"] if x["type"] == "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert d["status"]["availableReplicas"] == 3 and d["status"]["updatedReplicas"] == 1
