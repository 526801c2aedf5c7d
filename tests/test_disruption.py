"""PodDisruptionBudgets, the disruption controller, the pods/eviction subresource and `kubectl drain` with them
(pkg/controller/disruption, pkg/registry/core/pod/storage/eviction.go, kubectl pkg/drain)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import KUBECTL, real_kubectl, serve_cli

TOO_MANY = "Cannot evict pod as it would violate the pod's disruption budget."


def _pdb(name: str = "nginx-pdb", **spec) -> dict:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": "nginx"}}, **spec}}


def _cluster(replicas: int = 3, **spec):
    from kubeteach.cluster import Cluster

    c = Cluster(seed=0)
    assert c.kubectl(f"create deployment nginx --image=nginx --replicas={replicas}").returncode == 0
    c.run()
    if spec:
        c.client("admin").create("poddisruptionbudgets", _pdb(**spec), "default")
        c.run()
    return c


def _eviction(name: str, **delete_options) -> dict:
    body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": "default"}}
    if delete_options:
        body["deleteOptions"] = delete_options
    return body


def _evict(c, name: str, **delete_options):
    return c.client("admin").request("create", "pods", "default", name, "eviction", _eviction(name, **delete_options))


@pytest.mark.parametrize("spec, desired, allowed", [
    ({"minAvailable": 2}, 2, 1),
    ({"minAvailable": "50%"}, 2, 1),          # ceil(50% of 3)
    ({"minAvailable": "100%"}, 3, 0),
    ({"maxUnavailable": 1}, 2, 1),
    ({"maxUnavailable": "50%"}, 1, 2),        # 3 - ceil(50% of 3)
    ({"maxUnavailable": 0}, 3, 0),
])
def test_the_controller_computes_the_budget(spec, desired, allowed):
    c = _cluster(3, **spec)
    status = c.get("poddisruptionbudget", "nginx-pdb")["status"]
    assert (status["currentHealthy"], status["desiredHealthy"], status["expectedPods"],
            status["disruptionsAllowed"], status["observedGeneration"]) == (3, desired, 3, allowed, 1)
    cond = status["conditions"][0]
    assert (cond["type"], cond["status"], cond["reason"]) == \
        ("DisruptionAllowed", "True" if allowed else "False", "SufficientPods" if allowed else "InsufficientPods")
    row = c.kubectl("get pdb").stdout.splitlines()
    assert row[0].split() == ["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE", "ALLOWED", "DISRUPTIONS", "AGE"]
    assert row[1].split()[1:4] == [str(spec.get("minAvailable", "N/A")), str(spec.get("maxUnavailable", "N/A")),
                                   str(allowed)]


def test_the_controller_follows_the_deployment_and_says_nothing_when_unchanged():
    c = _cluster(3, maxUnavailable="34%")            # ceil(1.02) = 2 may be down
    assert c.get("poddisruptionbudget", "nginx-pdb")["status"]["disruptionsAllowed"] == 2
    c.kubectl("scale deployment nginx --replicas=5")
    c.run()
    status = c.get("poddisruptionbudget", "nginx-pdb")["status"]
    assert (status["expectedPods"], status["desiredHealthy"], status["disruptionsAllowed"]) == (5, 3, 2)
    records = c.trace.by("disruption-controller")
    assert any(r.action == "pdb-status" for r in records)
    assert any(r.action == "nothing-to-do" and r.detail["why"] == "pdb-status-current" for r in records)


def test_a_pdb_without_pods_says_so():
    from kubeteach.cluster import Cluster

    c = Cluster(seed=0)
    c.client("admin").create("poddisruptionbudgets", _pdb(minAvailable=1), "default")
    c.run()
    status = c.get("poddisruptionbudget", "nginx-pdb")["status"]
    assert (status["expectedPods"], status["disruptionsAllowed"]) == (0, 0)
    assert "No matching pods found" in c.kubectl("get events").stdout


def test_validation_refuses_both_bounds_and_bad_percents(bare):
    r = bare.kubectl("create pdb p --selector=app=nginx --min-available=120%")
    assert r.stderr == ('The PodDisruptionBudget "p" is invalid: spec.minAvailable: Invalid value: "120%": must not '
                        "be greater than 100%\n")
    from kubeteach.apiserver import APIError

    with pytest.raises(APIError) as err:
        bare.client("admin").create("poddisruptionbudgets", _pdb("both", minAvailable=1, maxUnavailable=1), "default")
    assert err.value.code == 422 and "minAvailable and maxUnavailable cannot be both set" in err.value.message
    assert bare.list("poddisruptionbudgets") == []


def test_eviction_takes_a_disruption_and_marks_the_pod():
    c = _cluster(3, minAvailable=2)
    name = sorted(p["metadata"]["name"] for p in c.list("pods"))[0]
    assert _evict(c, name)["status"] == "Success"
    pdb = c.get("poddisruptionbudget", "nginx-pdb")
    assert pdb["status"]["disruptionsAllowed"] == 0 and name in pdb["status"]["disruptedPods"]
    assert pdb["status"]["conditions"][0]["reason"] == "InsufficientPods"
    pod = c.get("pod", name)          # graceful: still there, being deleted, with the condition set first
    assert pod["metadata"]["deletionTimestamp"]
    cond = next(x for x in pod["status"]["conditions"] if x["type"] == "DisruptionTarget")
    assert (cond["status"], cond["reason"], cond["message"]) == ("True", "EvictionByEvictionAPI",
                                                                  "Eviction API: evicting")


def test_eviction_refused_by_the_budget_writes_nothing():
    from kubeteach.apiserver import APIError

    c = _cluster(2, minAvailable=2)
    name = c.list("pods")[0]["metadata"]["name"]
    before = c.get("pod", name)["metadata"]["resourceVersion"]
    with pytest.raises(APIError) as err:
        _evict(c, name)
    assert (err.value.code, err.value.reason, err.value.message) == (429, "TooManyRequests", TOO_MANY)
    assert err.value.details["causes"] == [{"reason": "DisruptionBudget", "message": "The disruption budget "
                                            "nginx-pdb needs 2 healthy pods and has 2 currently"}]
    assert c.get("pod", name)["metadata"]["resourceVersion"] == before
    assert "disruptedPods" not in c.get("poddisruptionbudget", "nginx-pdb")["status"]


def test_eviction_without_a_budget_deletes_and_two_budgets_are_an_error():
    from kubeteach.apiserver import APIError

    c = _cluster(2)
    first, second = sorted(p["metadata"]["name"] for p in c.list("pods"))
    assert _evict(c, first, gracePeriodSeconds=0)["status"] == "Success"
    assert c.get("pod", first) is None                  # DeleteOptions honoured: grace 0
    c.client("admin").create("poddisruptionbudgets", _pdb("a", minAvailable=0), "default")
    c.client("admin").create("poddisruptionbudgets", _pdb("b", maxUnavailable=2), "default")
    c.run()
    with pytest.raises(APIError) as err:
        _evict(c, second)
    assert (err.value.code, err.value.message) == (500, "This pod has more than one PodDisruptionBudget, which "
                                                        "the eviction subresource does not support.")
    with pytest.raises(APIError) as err:
        c.client("admin").request("create", "pods", "default", second, "eviction", _eviction("other"))
    assert (err.value.code, err.value.message) == (400, "name in URL does not match name in Eviction object")


def test_drain_retries_on_the_budget_then_times_out():
    c = _cluster(2, minAvailable=2)
    pod = c.list("pods")[0]
    node, name = pod["spec"]["nodeName"], pod["metadata"]["name"]
    r = c.kubectl(f"drain {node} --ignore-daemonsets --timeout=12s")
    retry = (f'error when evicting pods/"{name}" -n "default" (will retry after 5s): {TOO_MANY}\n')
    timeout = f'error when evicting pods/"{name}" -n "default": global timeout reached: 12s'
    assert r.returncode == 1
    assert r.stdout == f"node/{node} cordoned\n" + f"evicting pod default/{name}\n" * 4
    assert r.stderr == (retry * 3 + f'There are pending pods in node "{node}" when an error occurred: {timeout}\n'
                        f"pod/{name}\n"
                        f'error: unable to drain node "{node}" due to error: {timeout}, continuing command...\n'
                        f"There are pending nodes to be drained:\n {node}\n{timeout}\n")
    assert c.get("pod", name) is not None
    c.kubectl(f"uncordon {node}")
    c.kubectl("scale deployment nginx --replicas=3")
    c.run()
    r = c.kubectl(f"drain {node} --ignore-daemonsets")
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == (f"node/{node} cordoned\nevicting pod default/{name}\npod/{name} evicted\n"
                        f"node/{node} drained\n")


def test_drain_without_a_budget_evicts_and_disable_eviction_deletes():
    c = _cluster(2)
    pod = c.list("pods")[0]
    node, name = pod["spec"]["nodeName"], pod["metadata"]["name"]
    r = c.kubectl(f"drain {node} --ignore-daemonsets")
    assert r.stdout == (f"node/{node} cordoned\nevicting pod default/{name}\npod/{name} evicted\n"
                        f"node/{node} drained\n")
    c.kubectl(f"uncordon {node}")
    c.run()
    other = next(p for p in c.list("pods") if p["spec"]["nodeName"] != node)
    r = c.kubectl(f"drain {other['spec']['nodeName']} --ignore-daemonsets --disable-eviction")
    assert f"pod/{other['metadata']['name']} deleted\n" in r.stdout and "evicting" not in r.stdout


@pytest.mark.parametrize("flags", [
    ["--selector=app=nginx", "--min-available=1"],
    ["--selector=app=nginx,tier=web", "--max-unavailable=25%"],
    ["--selector=app in (b,a)", "--min-available=50%"],
    ["--selector=!canary", "--max-unavailable=0"],
    ["--min-available=1"],
    ["--selector=app=x"],
    ["--selector=app=x", "--min-available=1", "--max-unavailable=1"],
    ["--selector=app=x", "--min-available=1Gb"],
    ["--selector=app=x", "--max-unavailable=x"],
    ["--selector=app!=x", "--max-unavailable=1"],
])
def test_create_pdb_matches_the_real_kubectl(bare, pinned_kubectl, tmp_path, flags):
    """--dry-run=client needs no server: the real kubectl's generator and errors, side by side with ours."""
    words = ["create", "pdb", "nginx-pdb", *flags, "--dry-run=client", "-o", "yaml"]
    real = subprocess.run([pinned_kubectl, *words], capture_output=True, text=True, timeout=60,
                          env={"HOME": str(tmp_path), "KUBECONFIG": os.devnull, "PATH": "/usr/bin:/bin"})
    ours = bare.kubectl(" ".join(w if " " not in w else f"'{w}'" for w in words))
    assert (ours.returncode, ours.stdout, ours.stderr) == (real.returncode, real.stdout, real.stderr)


def test_create_pdb_creates_one(bare):
    r = bare.kubectl("create pdb nginx-pdb --selector=app=nginx --min-available=1")
    assert (r.returncode, r.stdout) == (0, "poddisruptionbudget.policy/nginx-pdb created\n")
    assert bare.get("poddisruptionbudget", "nginx-pdb")["spec"] == {"minAvailable": 1, "selector": {
        "matchLabels": {"app": "nginx"}}}


def test_the_real_kubectl_drain_waits_for_the_budget(tmp_path: Path):
    """The pinned kubectl against `kubeteach serve`: discovery lists pods/eviction, so drain POSTs evictions; the
    429 gets kubectl's retry line, and the drain succeeds once a scale-up gives the budget room."""
    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        run = real_kubectl(kubeconfig, tmp_path)
        assert run("create", "deployment", "nginx", "--image=nginx", "--replicas=2").returncode == 0
        assert run("create", "pdb", "nginx-pdb", "--selector=app=nginx", "--min-available=2").returncode == 0
        deadline = time.monotonic() + 60
        while "2/2" not in run("get", "deployment", "nginx").stdout or \
                run("get", "pdb", "nginx-pdb", "-o", "jsonpath={.status.currentHealthy}").stdout != "2":
            assert time.monotonic() < deadline, "the deployment and its budget did not settle"
            time.sleep(0.5)
        pods = run("get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName}{'\\n'}{end}")
        name, node = pods.stdout.splitlines()[0].split()
        env = {"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        drain = subprocess.Popen([KUBECTL, "--kubeconfig", str(kubeconfig), "drain", node, "--ignore-daemonsets",
                                  "--timeout=60s"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        retry = f'error when evicting pods/"{name}" -n "default" (will retry after 5s): {TOO_MANY}\n'
        first = drain.stderr.readline()
        assert first == retry
        assert run("scale", "deployment", "nginx", "--replicas=3").returncode == 0
        out, err = drain.communicate(timeout=90)
        assert drain.returncode == 0, err
        assert out == (f"node/{node} cordoned\n" + f"evicting pod default/{name}\n" * (2 + err.count(retry))
                       + f"pod/{name} evicted\nnode/{node} drained\n")
        assert set(err.splitlines(keepends=True)) <= {retry}
        assert name not in run("get", "pods", "-o", "name").stdout
