"""kubectl logs (issue #15 item 3): the kubelet keeps each container's output as data (kubelet/logs.py), the API
server reads it through the node's proxy (apiserver/podlogs.py), and kubectl prints it; embedded and served."""

from pathlib import Path

import pytest
from conftest import real_kubectl, serve_cli

from kubeteach import Cluster
from kubeteach.apiserver import APIError
from kubeteach.kubelet.logs import read_logs, rfc3339_nano, startup_lines

FIRST = "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
READY = "/docker-entrypoint.sh: Configuration complete; ready for start up"
CRASH = "kubeteach: the container crashed (simulated fault), exit code 1"


@pytest.fixture
def cluster(seeded) -> Cluster:
    return seeded


def pod_name(c: Cluster) -> str:
    return c.list("pods")[0]["metadata"]["name"]


def test_nginx_writes_the_images_startup_lines(cluster):
    result = cluster.kubectl(f"logs {pod_name(cluster)}")
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and result.stderr == ""
    assert lines[0] == FIRST and READY in lines
    assert any(line.endswith("[notice] 1#1: nginx/1.25.5") for line in lines)
    assert lines[-3].endswith("[notice] 1#1: start worker processes")
    assert cluster.kubectl("logs deploy/nginx").stdout == result.stdout


def test_tail_and_timestamps(cluster):
    full = cluster.kubectl("logs deploy/nginx").stdout.splitlines()
    assert cluster.kubectl("logs deploy/nginx --tail 2").stdout.splitlines() == full[-2:]
    assert cluster.kubectl("logs deploy/nginx --tail=0").stdout == ""
    stamped = cluster.kubectl("logs deploy/nginx --timestamps --tail=1").stdout
    stamp, _, line = stamped.rstrip("\n").partition(" ")
    assert line == full[-1]
    assert len(stamp) == len("2026-01-01T00:00:02.410000000Z") and stamp.startswith("2026-01-01T") \
        and stamp.endswith("000Z")


def test_read_logs_formats_like_the_kubelet():
    lines = startup_lines("docker.io/library/nginx", "1.25", 2.41)
    assert rfc3339_nano(2.41) == "2026-01-01T00:00:02.410000000Z"
    assert read_logs(lines, tail=1, timestamps=True) == \
        "2026-01-01T00:00:02.420000000Z 2026/01/01 00:00:02 [notice] 1#1: start worker process 30\n"
    assert startup_lines("docker.io/library/busybox", "1.36", 0.0) == []


def test_waiting_to_start_is_the_kubelets_error(in_repo):
    c = Cluster(seed=0)
    c.kubectl("create -f data/deployment.yaml")
    while not c.list("pods") or not (c.list("pods")[0].get("status") or {}).get("containerStatuses"):
        assert c.step() is not None
    pod = pod_name(c)
    result = c.kubectl(f"logs {pod}")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (f'Error from server (BadRequest): container "nginx" in pod "{pod}" is waiting to '
                             "start: ContainerCreating\n")


def test_previous_after_a_crash_and_its_error_without_one(cluster):
    pod = pod_name(cluster)
    before = cluster.kubectl(f"logs {pod}").stdout
    none = cluster.kubectl(f"logs {pod} --previous")
    assert none.returncode == 1
    assert none.stderr == (f'Error from server (BadRequest): previous terminated container "nginx" in pod "{pod}" '
                           "not found\n")
    cluster.faults.crash_container(pod)
    cluster.run()
    previous = cluster.kubectl(f"logs {pod} --previous").stdout
    assert previous == before + CRASH + "\n"
    assert cluster.kubectl(f"logs {pod} -p").stdout == previous
    current = cluster.kubectl(f"logs {pod}").stdout.splitlines()
    assert current[0] == FIRST and CRASH not in current


def test_several_containers_default_to_the_first_and_say_so(cluster):
    two = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "two"},
           "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}, {"name": "side", "image": "busybox"}]}}
    cluster.client().create("pods", two, "default")
    cluster.run()
    out = cluster.kubectl("logs two")
    assert out.stderr == 'Defaulted container "web" out of: web, side\n'
    assert out.stdout.splitlines()[0] == FIRST
    assert cluster.kubectl("logs two -c side").stdout == ""
    with pytest.raises(APIError) as raw:                   # the API server's own answer, without kubectl's default
        cluster.client().request("get", "pods", "default", "two", "log")
    assert raw.value.code == 400
    assert raw.value.message == "a container name must be specified for pod two, choose one of: [web side]"


@pytest.mark.usefixtures("pinned_kubectl")
def test_the_real_kubectl_prints_the_same_lines(tmp_path: Path):
    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        run = real_kubectl(kubeconfig, tmp_path, timeout=30)

        assert run("create", "-f", "data/deployment.yaml").returncode == 0
        assert run("rollout", "status", "deployment/nginx", "--timeout=60s").returncode == 0
        full = run("logs", "deploy/nginx")
        assert full.returncode == 0, full.stderr
        lines = full.stdout.splitlines()
        assert lines[0] == FIRST and READY in lines
        assert any(line.endswith("[notice] 1#1: nginx/1.25.5") for line in lines)
        assert run("logs", "deploy/nginx", "--tail=2").stdout.splitlines() == lines[-2:]
        stamped = run("logs", "deploy/nginx", "--timestamps").stdout.splitlines()
        assert [s.partition(" ")[2] for s in stamped] == lines
        assert all(s[:30].startswith("2026-01-01T") and s[29] == "Z" for s in stamped)
        pod = run("get", "pods", "-o", "jsonpath={.items[0].metadata.name}").stdout
        none = run("logs", pod, "--previous")
        assert none.returncode == 1
        assert none.stderr == (f'Error from server (BadRequest): previous terminated container "nginx" in pod '
                               f'"{pod}" not found\n')
