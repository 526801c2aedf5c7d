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


# --- logs -f (issue #15 item 3) -----------------------------------------------------------------------------------

def test_follow_prints_what_the_container_writes_until_it_exits(cluster):
    pod = pod_name(cluster)
    full = cluster.kubectl(f"logs {pod}").stdout
    cluster.faults.crash_container(pod)             # the exit is due now; `logs -f` sees it as the clock runs
    followed = cluster.kubectl(f"logs -f {pod}")
    assert (followed.returncode, followed.stderr) == (0, "")
    assert followed.stdout == full + CRASH + "\n"     # the stream ended with its container instance
    requests = [r for r in cluster.trace if r.actor == "kubectl" and r.object.endswith("/log")]
    assert requests[-1].detail["method"] == "GET"


def test_follow_of_a_restarted_container_reads_the_new_instance(cluster):
    pod = pod_name(cluster)
    cluster.faults.crash_container(pod)
    cluster.run(seconds=30)                          # the back-off passes and the kubelet starts it again
    restarted = cluster.get("pods", pod)["status"]["containerStatuses"][0]
    assert restarted["restartCount"] == 1 and "running" in restarted["state"]
    current = cluster.kubectl(f"logs {pod}").stdout
    assert CRASH not in current
    cluster.faults.crash_container(pod)
    tail = cluster.kubectl(f"logs {pod} -f --tail=1")
    assert tail.stdout == current.splitlines()[-1] + "\n" + CRASH + "\n"
    previous = cluster.kubectl(f"logs {pod} -f -p --tail=1")          # a previous instance: read, and done
    assert previous.stdout == CRASH + "\n"


def test_follow_on_a_running_container_ends_with_the_bound(cluster):
    pod = pod_name(cluster)
    start = cluster.now
    quiet = cluster.kubectl(f"logs -f {pod} --tail=1")
    assert quiet.stdout.endswith("start worker process 30\n") and cluster.now == start   # settled: nothing to wait for
    timed = cluster.kubectl(f"logs --follow {pod} --tail=1 --request-timeout=20s")
    assert timed.stdout == quiet.stdout and start < cluster.now <= start + 20


def test_log_follower_reads_one_instance_to_its_end(cluster):
    from kubeteach.apiserver.podlogs import LogFollower

    pod = pod_name(cluster)
    api = cluster.api
    follower = LogFollower(lambda: api.storage.read("pods", "default", pod), api.node_proxies, "")
    assert follower.poll() == ("", False)
    cluster.faults.crash_container(pod)
    cluster.run(seconds=1)
    assert follower.poll() == (CRASH + "\n", True)


@pytest.mark.usefixtures("pinned_kubectl")
def test_the_real_kubectl_follows_a_served_log_until_the_pod_goes(tmp_path: Path):
    import subprocess
    import time

    from conftest import KUBECTL

    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig) as server:
        run = real_kubectl(kubeconfig, tmp_path, timeout=30)
        assert run("run", "web", "--image=nginx:1.25").returncode == 0
        assert run("wait", "--for=condition=Ready", "pod/web", "--timeout=60s").returncode == 0
        env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
        argv = [KUBECTL, "--kubeconfig", str(kubeconfig), "logs", "-f", "web", "--tail=1"]
        dropped = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert dropped.stdout.readline().endswith("start worker process 30\n")
        dropped.kill()                               # the client goes away mid-stream
        dropped.wait(timeout=10)
        follow = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        first = follow.stdout.readline()
        time.sleep(2)
        assert follow.poll() is None                 # still following: the container runs
        assert run("delete", "pod", "web", "--wait=false").returncode == 0
        out, err = follow.communicate(timeout=30)     # the stream ends with the container
        assert (follow.returncode, first + out, err) == (0, first, "")
        assert first.endswith("start worker process 30\n")
        assert run("get", "pods").returncode == 0 and server.poll() is None
