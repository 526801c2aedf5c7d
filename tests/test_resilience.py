"""No error in one component's work stops the loop: it is recorded ("work-failed"), the work is retried after an
exponential back-off (5ms·2^n, client-go's per-item rate limiter), and the rest of the cluster carries on; under
`kubeteach serve` the clock keeps moving; with a real etcd that goes away, requests fail as kube-apiserver's do
and the cluster converges once etcd is back.
"""

from __future__ import annotations

import copy
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ETCD, ETCDCTL, NO_ETCD, deployment
from test_etcd_backends import _free_ports

from kubeteach.apiserver import APIError
from kubeteach.cluster import Cluster


def corrupt_replicas(c: Cluster, name: str) -> None:
    """Store `spec.replicas: "3"` (a string) straight into etcd, past validation, as a bad write once could."""
    kv = c.etcd.get(f"/registry/deployments/default/{name}")
    value = copy.deepcopy(kv.value)
    value["spec"]["replicas"] = "3"
    c.etcd.put(kv.key, value)


def failures_of(c: Cluster, key: str) -> list:
    return [r for r in c.errors if r.object == key]


@pytest.mark.component_errors
def test_a_corrupt_deployment_is_retried_with_growing_delays_while_others_roll_out():
    c = Cluster()
    admin = c.client()
    for name in ("d1", "d2"):
        admin.create("deployments", deployment(name), "default")
    c.run()
    corrupt_replicas(c, "d1")
    admin.create("deployments", deployment("d3", replicas=2), "default")
    c.kubectl("scale deployment d2 --replicas=2")
    c.run(seconds=30)

    fails = failures_of(c, "default/d1")
    assert len(fails) >= 10
    assert {(r.actor, r.action, r.detail["kind"]) for r in fails} == {("deployment-controller", "work-failed",
                                                                       "TypeError")}
    assert fails[0].detail["error"] == "unsupported operand type(s) for /: 'str' and 'int'"
    assert fails[0].detail["where"] == "deployments.py:23 in scaled_value"
    assert [r.detail["attempt"] for r in fails] == list(range(1, len(fails) + 1))
    assert [r.detail["delay"] for r in fails] == [0.005 * 2 ** i for i in range(len(fails))]
    for before, after in zip(fails, fails[1:]):        # each retry ran when its back-off had passed
        assert after.time - before.time == pytest.approx(before.detail["delay"])
    assert str(fails[2]).endswith("deployment-controller   default/d1 failed: TypeError: unsupported operand type(s) "
                                  "for /: 'str' and 'int' (at deployments.py:23 in scaled_value); "
                                  "retry 3 in 0.02s")
    # the others were not held up
    for name, want in (("d2", 2), ("d3", 2)):
        assert c.get("deployments", name)["status"].get("availableReplicas") == want
    assert c.errors == fails

    # fixing the object ends the failures, and the queue forgets the key's count
    fixed = c.client().get("deployments", "default", "d1")
    fixed["spec"]["replicas"] = 3
    c.client().update("deployments", fixed)
    c.run()
    c.run(seconds=2 * fails[-1].detail["delay"])       # past the last requeue, which now succeeds
    assert c.get("deployments", "d1")["status"].get("availableReplicas") == 3
    assert failures_of(c, "default/d1") == fails
    assert "default/d1" not in c.started["deployment-controller"].queue.failures


@pytest.mark.component_errors
def test_a_component_error_outside_a_queue_is_retried_until_it_passes():
    c = Cluster()
    calls = []

    class Probe:
        def flaky(self) -> None:
            calls.append(c.now)
            if len(calls) <= 3:
                raise RuntimeError(f"flaky {len(calls)}")
            c.loop.record("kube-scheduler", "probe-passed")

    start = c.now
    c.loop.schedule(1.0, c.component("kube-scheduler"), Probe(), "flaky", kind="periodic",
                    label="kube-scheduler probe")
    result = c.run(seconds=5)
    assert result.settled
    assert [(r.actor, r.object, r.detail["error"], r.detail["attempt"], r.detail["delay"]) for r in c.errors] == [
        ("kube-scheduler", "kube-scheduler probe", "flaky 1", 1, 0.005),
        ("kube-scheduler", "kube-scheduler probe", "flaky 2", 2, 0.01),
        ("kube-scheduler", "kube-scheduler probe", "flaky 3", 3, 0.02)]
    assert calls == pytest.approx([start + 1.0, start + 1.005, start + 1.015, start + 1.035])


@pytest.mark.component_errors
def test_a_failure_under_wait_until_is_recorded_and_retried_too():
    c = Cluster()
    c.kubectl("create deployment d1 --image=nginx:1.25")
    c.run()
    corrupt_replicas(c, "d1")
    assert not c.wait_until(lambda: False, timeout=1.0)
    assert [r.detail["attempt"] for r in failures_of(c, "default/d1")][:3] == [1, 2, 3]


def test_a_normal_run_records_no_failures():
    c = Cluster()
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=3")
    c.run()
    c.kubectl("set image deployment/web nginx=nginx:1.26")
    c.run()
    assert c.errors == [] and not c.trace.actions("work-failed")
    assert all(not q.failures for q in (c.started["deployment-controller"].queue,
                                        c.started["replicaset-controller"].queue))


# --- under kubeteach serve ----------------------------------------------------------------------------------------

def _until(cond, timeout: float = 30.0) -> None:
    """Wait (real time) for the tick thread to get somewhere; the assertions that follow say what must hold."""
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.component_errors
def test_the_serve_clock_survives_a_failing_component_and_logs_it(capsys: pytest.CaptureFixture[str]):
    from kubeteach.server import Server

    c = Cluster()
    c.kubectl("create deployment d1 --image=nginx:1.25")
    c.run()
    corrupt_replicas(c, "d1")
    server = Server(c, port=0, speed=50).start()
    try:
        _until(lambda: len(c.errors) >= 3)
        with server.lock:
            failed_at = c.now
        _until(lambda: c.now > failed_at + 5)
        assert c.now > failed_at + 5                    # the clock went on after the failures
        original, broke = c.run, []

        def broken_run(seconds=None):                   # one advance that itself raises
            if not broke:
                broke.append(True)
                raise RuntimeError("boom")
            return original(seconds)

        c.run = broken_run
        with server.lock:
            before = c.now
        _until(lambda: c.now > before + 5)
        assert broke and c.now > before + 5
    finally:
        server.stop()
    err = capsys.readouterr().err
    assert "deployment-controller: default/d1 failed: TypeError: unsupported operand type(s) for /: 'str' and 'int'" \
        in err
    assert "E advancing the cluster failed:" in err and "RuntimeError: boom" in err
    assert all(r.detail["kind"] == "TypeError" for r in c.errors)


# --- a real etcd that goes away -------------------------------------------------------------------------------

class ThrowawayEtcd:
    """A single-member etcd on loopback that can be stopped and started again on the same data dir and ports."""

    def __init__(self, data: Path):
        self.data = data
        client, peer = _free_ports(2)
        self.url, self.peer = f"http://127.0.0.1:{client}", f"http://127.0.0.1:{peer}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([ETCD, "--name", "kubeteach", "--data-dir", str(self.data / "data"),
                                      "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
                                      "--listen-peer-urls", self.peer, "--initial-advertise-peer-urls", self.peer,
                                      "--initial-cluster", f"kubeteach={self.peer}"],
                                     stdout=subprocess.DEVNULL, stderr=(self.data / "etcd.log").open("ab"))
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/health", timeout=1).read()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("etcd did not start: " + (self.data / "etcd.log").read_text()[-2000:]) from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None

    def delete(self, key: str) -> None:
        subprocess.run([ETCDCTL, "--endpoints", self.url, "del", key], check=True,
                       capture_output=True, env={"ETCDCTL_API": "3", "PATH": "/usr/bin:/bin"})


@pytest.fixture
def etcd(tmp_path: Path) -> Iterator[ThrowawayEtcd]:
    if NO_ETCD:
        pytest.skip(NO_ETCD)
    server = ThrowawayEtcd(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_an_etcd_outage_fails_requests_as_kube_apiserver_does_and_the_cluster_recovers(etcd):
    c = Cluster(etcd=etcd.url)
    admin = c.client()
    admin.create("deployments", deployment("web", replicas=2), "default")
    assert c.run().settled
    victim = c.list("pods")[0]["metadata"]["name"]
    admin.create("deployments", deployment("late"), "default")     # stored; its ReplicaSet is not made yet

    etcd.stop()
    got = c.kubectl("get pods")
    assert got.stderr == "Error from server (Timeout): Timeout: request did not complete within the allotted timeout\n"
    with pytest.raises(APIError) as err:
        admin.create("deployments", deployment("never"), "default")
    assert (err.value.code, err.value.reason, err.value.message) == (
        504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline exceeded")
    rejected = c.trace.actions("rejected")[-1]
    assert (rejected.object, rejected.detail["code"]) == ("/apis/apps/v1/namespaces/default/deployments", 504)
    start = c.now
    c.run(seconds=20)                                 # the loop survives: every failure is recorded and retried
    assert c.now == pytest.approx(start + 20)
    assert c.errors and {r.detail["kind"] for r in c.errors} == {"APIError"}
    assert all(r.action == "work-failed" for r in c.errors)
    # the kubelets' Lease renewals failed; each renewal had already scheduled the next one, which is the retry
    renewals = [(round(r.time, 6), r.detail["attempt"], r.detail["delay"]) for r in c.errors
                if r.object == "kubelet/node-1 renew lease"]
    assert renewals == [(10.0, 1, 10.0), (20.0, 2, 10.0)]
    assert {r.actor for r in c.errors} == {"kubelet/node-1", "kubelet/node-2", "kubelet/node-3",
                                           "deployment-controller"}
    # the Deployment controller's sync returns its error; the work queue requeues the key rate-limited, 5 ms doubling
    synced = [r for r in c.errors if r.actor == "deployment-controller" and r.object == "default/late"]
    assert len(synced) > 10 and synced[0].detail["error"] == err.value.message
    assert [r.detail["delay"] for r in synced] == [0.005 * 2 ** i for i in range(len(synced))]
    assert [r.detail["attempt"] for r in synced] == list(range(1, len(synced) + 1))

    etcd.start()                                      # same data dir and port
    etcd.delete(f"/registry/pods/default/{victim}")   # a change this cluster did not see happen
    seen = len(c.errors)
    c.run(seconds=60)
    c.run()
    assert c.errors[seen:] == []
    assert c.get("deployments", "never") is None      # the refused create wrote nothing
    late = c.get("deployments", "late")
    assert late["status"].get("availableReplicas") == 1
    assert "default/late" not in c.started["deployment-controller"].queue.failures
    # one Lease renewal every 10 s per node again, not one per failed attempt
    renewed = [r.time for r in c.trace.actions("kubelet-lease") if r.object == "kube-node-lease/node-1"]
    assert renewed and all(b - a == pytest.approx(10.0) for a, b in zip(renewed, renewed[1:]))
    d = c.get("deployments", "web")
    assert (d["status"].get("readyReplicas"), d["status"].get("availableReplicas")) == (2, 2)
    pods = c.list("pods", label_selector="app=web")
    assert len(pods) == 2 and victim not in {p["metadata"]["name"] for p in pods}
    assert all(p["status"]["phase"] == "Running" for p in pods)
    assert [r.actor for r in c.trace.actions("kubelet-removed") if r.object == f"default/{victim}"]
    assert all(cond["status"] == "True" for n in c.list("nodes") for cond in n["status"]["conditions"]
               if cond["type"] == "Ready")
