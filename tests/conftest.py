"""Shared fixtures: a bare cluster (API server only), manifest files in a scratch directory, the repo root."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: the real kubectl the project pins (scripts/kubectl.sh puts v1.35 in .venv/bin; `make test` runs it first), never
#: whichever kubectl is on PATH; KUBECTL=/path/to/kubectl points the tests at another one on purpose
KUBECTL = os.environ.get("KUBECTL") or str(ROOT / ".venv/bin/kubectl")
#: every real kubectl scripts/kubectl.sh pins (one wheel and hash each), minor → the client version it reports; each
#: lives at .venv/kubectl/<minor>/kubectl (tests/test_kubectl_matrix.py runs the seed story with all of them)
KUBECTL_VERSIONS = {"v1.33": "v1.33.9", "v1.34": "v1.34.5", "v1.35": "v1.35.2", "v1.36": "v1.36.3",
                    "v1.37": "v1.37.1"}


def kubectl_at(minor: str) -> str:
    """The path of the pinned kubectl of this minor version ("v1.33" … "v1.37"), never one from PATH; the caller
    fails (never skips) when it is missing."""
    assert minor in KUBECTL_VERSIONS, f"kubectl {minor} is not pinned by scripts/kubectl.sh"
    path = ROOT / ".venv/kubectl" / minor / "kubectl"
    assert path.exists(), f"{path} is missing: run `bash scripts/kubectl.sh` (make test does)"
    return str(path)


#: the system tools scripts/system.sh installs with apt, at Debian's fixed paths: never looked up on PATH
ETCD, ETCDCTL, CHROMIUM = "/usr/bin/etcd", "/usr/bin/etcdctl", "/usr/bin/chromium"
#: why the real-etcd tests skip (only where scripts/system.sh could not install etcd: it needs root and apt)
NO_ETCD = None if all(os.access(p, os.X_OK) for p in (ETCD, ETCDCTL)) else \
    f"no {ETCD} and {ETCDCTL} (scripts/system.sh installs them as root, or: apt-get install etcd-server etcd-client)"


@pytest.fixture
def pinned_kubectl() -> str:
    """The pinned kubectl's path; the test fails (never skips) when it is missing."""
    assert Path(KUBECTL).exists(), f"{KUBECTL} is missing: run `bash scripts/kubectl.sh` (make test does)"
    return KUBECTL

DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: nginx
      labels: {app: nginx}
    spec:
      replicas: 1
      selector:
        matchLabels: {app: nginx}
      template:
        metadata:
          labels: {app: nginx}
        spec:
          containers:
          - name: nginx
            image: nginx:1.25
            ports:
            - containerPort: 80
    """)


def deployment(name: str = "nginx", image: str = "nginx:1.25", replicas: int = 1) -> dict:
    """The seed's Deployment as a dict (what `data/deployment.yaml` holds), with a few knobs."""
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": name, "image": image,
                                                           "ports": [{"containerPort": 80}]}]}}}}


def pod(name: str = "web", image: str = "nginx:1.25") -> dict:
    """A bare Pod with one container."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"containers": [{"name": name, "image": image}]}}


def new_scheduler(c, **config):  # -> kubeteach.scheduler.Scheduler, not started
    """A kube-scheduler for a `Cluster(components=[])`, wired as the cluster wires one: the loop as its environment,
    a client with its own identity, the seeded source."""
    from kubeteach.scheduler.scheduler import SCHEDULER_NAME, Scheduler

    return Scheduler(c.loop, c.system_client("system:kube-scheduler", (), SCHEDULER_NAME), c.rnd, **config)


def new_kubelet(c, node: str):  # -> kubeteach.kubelet.Kubelet, not started
    """A kubelet for `node` wired as the cluster wires one, and registered where `c.faults` finds it."""
    from kubeteach.kubelet import Kubelet

    client = c.system_client(f"system:node:{node}", ("system:nodes",), f"kubelet/{node}")
    kubelet = Kubelet(c.loop, client, node, c.rnd, c.images, c.definition.get("csiDriver"))
    c.started[kubelet.actor] = kubelet
    return kubelet


def new_controllers(c, *classes) -> list:
    """These controllers of kube-controller-manager on one shared informer factory (not started), wired as the
    cluster wires them; the factory is `ctrls[0].factory`."""
    from kubeteach.client import InformerFactory
    from kubeteach.controllers import ControllerConfig

    client = c.system_client("system:kube-controller-manager", (), "kube-controller-manager")
    factory = InformerFactory(client)
    config = ControllerConfig(csi_driver=dict(c.definition.get("csiDriver") or {}), seed=c.seed)
    return [cls(c.loop, client.named(cls.name), factory, config) for cls in classes]


@pytest.fixture(autouse=True)
def _no_component_bugs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test if a cluster's component raised anything but an APIError during it: the loop survives such a
    bug (recording it and retrying), so without this check a test could pass over it. Tests that break components
    on purpose are marked `@pytest.mark.component_errors`."""
    loaded = sys.modules.get("kubeteach.loop")
    before = {c: len(c.errors) for c in loaded.FAILING} if loaded else {}
    yield
    module = sys.modules.get("kubeteach.loop")
    if module is None or request.node.get_closest_marker("component_errors"):
        return
    bugs = [rec for c in list(module.FAILING) for rec in c.errors[before.get(c, 0):]
            if rec.detail.get("kind") != "APIError"]
    if bugs:
        pytest.fail("a component failed during the test (mark it component_errors if that is intended):\n"
                    + "\n".join(str(r) for r in bugs[:10]), pytrace=False)


@pytest.fixture
def bare():  # -> kubeteach.cluster.Cluster (imported lazily: pure-helper tests need no API server)
    """The default cluster with no controllers: the API server and etcd alone ("stored is not running")."""
    from kubeteach.cluster import Cluster

    return Cluster(components=[])


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch directory made the working directory, so `-f x.yaml` paths read as a learner types them."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def manifest(workdir: Path) -> Callable[..., str]:
    """Write a manifest into the working directory and return its relative name (for `kubectl -f`)."""
    def write(text: str, name: str = "deployment.yaml") -> str:
        (workdir / name).write_text(text)
        return name
    return write


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root, where `data/deployment.yaml` lives."""
    monkeypatch.chdir(ROOT)
    return ROOT


@contextmanager
def serve_cli(tmp_path: Path, kubeconfig: Path, *flags: str, speed: int = 100, cwd: Path = ROOT,
              state_dir: bool = True) -> Iterator[subprocess.Popen]:
    """`kubeteach serve` in a subprocess on a free port, yielded once its kubeconfig is written; stopped after.
    Its CA directory goes in tmp_path (`state_dir=False` or a `--dir` flag: where serve itself puts it)."""
    state = ("--dir", str(tmp_path / "serve-state")) if state_dir and "--dir" not in flags else ()
    proc = subprocess.Popen([sys.executable, "-m", "kubeteach.cli", "serve", "--port", "0", "--kubeconfig",
                             str(kubeconfig), "--speed", str(speed), *state, *flags], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not kubeconfig.exists():
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read() + proc.stderr.read())
            assert time.monotonic() < deadline, "kubeteach serve wrote no kubeconfig in 60s"
            time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def real_kubectl(kubeconfig: Path, home: Path, cwd: Path = ROOT, timeout: float = 120, kubectl: str = KUBECTL
                 ) -> Callable[..., subprocess.CompletedProcess]:
    """A function running the pinned kubectl (or `kubectl=kubectl_at("v1.33")`) against `kubeconfig` (HOME in the
    test's directory, so no ~/.kube is read): `run("get", "pods")`."""
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([kubectl, "--kubeconfig", str(kubeconfig), *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout)
    return run


@pytest.fixture
def seeded(in_repo: Path):  # -> kubeteach.cluster.Cluster
    """The default cluster after the seed's `kubectl create -f data/deployment.yaml`, run until settled."""
    from kubeteach.cluster import Cluster

    c = Cluster(seed=0)
    assert c.kubectl("create -f data/deployment.yaml").returncode == 0
    c.run()
    return c
