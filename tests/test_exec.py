"""kubectl exec, attach, port-forward and cp: kubeteach runs no processes, and says so (apiserver/connect.py), with
RBAC checked first as kube-apiserver checks it (`create` on pods/exec, pods/attach, pods/portforward)."""

import subprocess
from pathlib import Path

import pytest
from conftest import real_kubectl, serve_cli

from kubeteach import Cluster

NO_PROCESSES = "kubeteach simulates containers and runs no processes"
ROLE = """apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: default}
rules:
- {apiGroups: [""], resources: [pods, pods/exec, pods/attach, pods/portforward], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: jane}
"""


def expected(pod: str) -> dict[str, str]:
    """What kubectl prints for each command: the API server's refusal, as kubectl words it."""
    exec_error = (f'Error from server (InternalError): {NO_PROCESSES}: container "nginx" of pod "{pod}" has no '
                  "process to exec into")
    return {"exec": exec_error, "cp": exec_error,
            "attach": (f'Error from server (InternalError): {NO_PROCESSES}: container "nginx" of pod "{pod}" has '
                       "no process to attach to"),
            "port-forward": (f'error: error upgrading connection: {NO_PROCESSES}: nothing listens in pod "{pod}", '
                             "so there is no port to forward to")}


def commands(pod: str) -> dict[str, str]:
    return {"exec": "exec deploy/nginx -- ls", "attach": f"attach {pod}",
            "port-forward": f"port-forward pod/{pod} 8080:80", "cp": f"cp {pod}:/etc/hosts hosts-copy"}


@pytest.fixture
def cluster(seeded) -> Cluster:
    return seeded


def test_embedded_kubectl_says_no_processes_run(cluster):
    pod = cluster.list("pods")[0]["metadata"]["name"]
    want = expected(pod)
    for name, command in commands(pod).items():
        result = cluster.kubectl(command)
        assert result.returncode == 1 and result.stdout == "", command
        assert result.stderr == want[name] + "\n", command


def test_embedded_kubectl_checks_the_container_and_the_command(cluster):
    pod = cluster.list("pods")[0]["metadata"]["name"]
    wrong = cluster.kubectl(f"exec {pod} -c nope -- ls")
    assert wrong.stderr == f"Error from server (BadRequest): container nope is not valid for pod {pod}\n"
    assert cluster.kubectl("exec deploy/nginx").stderr == \
        "error: you must specify at least one command for the container\n"


def test_get_alone_on_pods_exec_is_forbidden_first(cluster, tmp_path):
    (tmp_path / "role.yaml").write_text(ROLE)
    assert cluster.kubectl(f"apply -f {tmp_path / 'role.yaml'}").returncode == 0
    pod = cluster.list("pods")[0]["metadata"]["name"]
    for command, sub in ((f"exec {pod} -- ls", "pods/exec"), (f"attach {pod}", "pods/attach"),
                         (f"port-forward pod/{pod} 8080:80", "pods/portforward")):
        result = cluster.kubectl("--as jane " + command)
        assert result.returncode == 1
        # port-forward wraps every dial error in "error upgrading connection" (cmd/portforward)
        prefix = "error: error upgrading connection: " if sub == "pods/portforward" else "Error from server (Forbidden): "
        assert result.stderr == (f'{prefix}pods "{pod}" is forbidden: User "jane" cannot '
                                 f'create resource "{sub}" in API group "" in the namespace "default"\n')


@pytest.mark.usefixtures("pinned_kubectl")
def test_the_real_kubectl_gets_the_same_clear_error_quickly(tmp_path: Path):
    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        kubectl = real_kubectl(kubeconfig, tmp_path, cwd=tmp_path, timeout=30)

        def run(args: list[str]) -> subprocess.CompletedProcess:
            return kubectl(*args)

        assert real_kubectl(kubeconfig, tmp_path, timeout=30)("create", "-f", "data/deployment.yaml").returncode == 0
        assert run(["rollout", "status", "deployment/nginx", "--timeout=60s"]).returncode == 0
        pod = run(["get", "pods", "-o", "jsonpath={.items[0].metadata.name}"]).stdout
        want = expected(pod)
        for name, command in commands(pod).items():
            result = run(command.split())
            assert result.returncode == 1, command
            assert want[name] in result.stderr.splitlines(), (command, result.stderr)
        (tmp_path / "role.yaml").write_text(ROLE)
        assert run(["apply", "-f", "role.yaml"]).returncode == 0
        denied = run(["exec", pod, "--as", "jane", "--", "ls"])
        assert denied.returncode == 1
        assert denied.stderr == (f'Error from server (Forbidden): pods "{pod}" is forbidden: User "jane" cannot '
                                 'create resource "pods/exec" in API group "" in the namespace "default"\n')
        plain = run(["get", "--raw", f"/api/v1/namespaces/default/pods/{pod}/exec"])
        assert plain.stderr == "Error from server (BadRequest): Upgrade request required\n"
