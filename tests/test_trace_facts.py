"""Records hold facts, a renderer writes the sentence: no detail value of a trace record is English a component
built. A detail string with a space in it fails the check unless it is one of the allowed kinds below."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ROOT

import kubeteach as kt
from kubeteach.trace import NARRATIVES, phrase

DATA = ROOT / "data"

#: Kubernetes' own texts stay data: they are English on a real cluster too (kubectl shows them as they are).
#: (action, detail path) -> what the text is.
KUBERNETES_TEXT = {
    ("event", "message"): "an Event's message, as the Go component writes it",
    ("rejected", "message"): "the API error's Status message",
    ("invalid", "errors[]"): "field.Error strings of the API's validation",
    ("responded", "code"): "the HTTP status line (201 Created)",
    ("unschedulable", "message"): "FitError.Error(), the FailedScheduling message and PodScheduled condition",
    ("scheduled", "rejected[]"): "the FitError histogram of Filter plugins' reasons",
    ("kubelet-pull-failed", "error"): "the CRI's gRPC error",
    ("kubelet-mount-failed", "error"): "the CSI driver's gRPC error",
    ("kubelet-mount-timeout", "message"): "the kubelet's FailedMount message",
}
#: Any `error`/`failed` detail is an error message of the API or a runtime (APIError.message, CRI/CSI errors).
ERROR_KEYS = {"error", "failed"}
#: An object reference as `Kind namespace/name` (the garbage collector's graph nodes).
OBJECT_REF = re.compile(r"^[A-Z][A-Za-z]+ [a-z0-9.-]+(/[a-z0-9.-]+)?$")


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v, f"{path}[]")


def built_sentences(trace: list) -> list[str]:
    """Every detail string with a space that is none of the allowed kinds, as `action path: value`."""
    out = []
    for rec in trace:
        for path, text in _strings(rec.detail, ""):
            key = (rec.action, path)
            if " " not in text or key in KUBERNETES_TEXT or OBJECT_REF.match(text) or \
                    path.split(".")[0].split("[")[0] in ERROR_KEYS:
                continue
            out.append(f"{rec.action} {path}: {text}")
    return out


def _rollout() -> kt.Cluster:
    c = kt.Cluster()
    c.kubectl(f"create -f {DATA / 'deployment.yaml'}")
    c.run()
    c.kubectl("scale deployment/nginx --replicas=10")
    c.run()
    c.kubectl("set image deployment/nginx nginx=nginx:1.26")
    c.run()
    c.kubectl("delete deployment nginx --cascade=foreground")
    c.run()
    return c


def _node_failure() -> kt.Cluster:
    c = kt.Cluster()
    c.kubectl(f"create -f {DATA / 'deployment.yaml'}")
    c.kubectl("scale deployment/nginx --replicas=3")
    c.run()
    c.faults.fail_node("node-1")
    c.run(seconds=400)
    c.faults.recover_node("node-1")
    c.run(seconds=200)
    c.kubectl("cordon node-2")
    c.run(seconds=5)
    return c


def _crash_loop() -> kt.Cluster:
    c = kt.Cluster()
    c.kubectl(f"create -f {DATA / 'deployment.yaml'}")
    c.kubectl("scale deployment/nginx --replicas=4")
    c.run()
    for pod in c.list("pods"):
        c.faults.crash_container(pod["metadata"]["name"], times=3)
    c.kubectl("set image deployment/nginx nginx=nginx:1.26")
    c.run(seconds=60)
    c.kubectl("scale deployment/nginx --replicas=8")    # proportional scaling mid-rollout
    c.run(seconds=700)
    return c


def _unschedulable() -> kt.Cluster:
    c = kt.Cluster()
    c.kubectl(f"create -f {DATA / '04-requests.yaml'}")
    c.kubectl("scale deployment/web --replicas=12")       # 3 pods of 500m fit on each 1900m node: 3 stay pending
    c.run(seconds=60)
    return c


def _volume() -> kt.Cluster:
    c = kt.Cluster()
    c.kubectl(f"create -f {DATA / '05-volume.yaml'}")
    c.run()
    c.faults.fail_csi(times=2)
    c.kubectl("delete pod --all")
    c.run(seconds=120)
    return c


IMPERSONATOR = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "impersonator"},
                "rules": [{"apiGroups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]}]}

ROLE_MAKER = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "role-maker"},
              "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"],
                         "verbs": ["create", "escalate"]}]}


def _rbac() -> kt.Cluster:
    """Refusals, reviews, impersonation and the escalation check: every authorizer's reason and the token user."""
    c = kt.Cluster()
    c.api.authn.add_token("ci-token-0123456789", "ci-bot", ("ci",))
    c.kubectl("get pods --token=ci-token-0123456789", user="dev")
    c.kubectl("get pods", user="dev")
    c.kubectl("auth can-i create deployments", user="dev")
    c.kubectl("get pods --as=jane", user="dev")
    c.client("admin").create("clusterroles", IMPERSONATOR)
    c.kubectl("create clusterrolebinding dev-impersonates --clusterrole=impersonator --user=dev")
    c.kubectl("create rolebinding jane-views --clusterrole=view --user=jane")
    c.kubectl("get pods --as=jane --as-group=devs", user="dev")
    c.client("admin").create("clusterroles", ROLE_MAKER)
    c.kubectl("create clusterrolebinding dev-makes-roles --clusterrole=role-maker --user=dev")
    c.kubectl("create role reader --verb=get --resource=pods", user="dev")
    c.kubectl(f"create -f {DATA / '05-volume.yaml'}")
    c.run(seconds=30)
    return c


SCENARIOS = {"rollout": _rollout, "node-failure": _node_failure, "crash-loop": _crash_loop,
             "unschedulable": _unschedulable, "volume": _volume, "rbac": _rbac}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_record_details_are_facts_not_sentences(scenario: str):
    c = SCENARIOS[scenario]()
    assert len(c.trace) > 50
    assert built_sentences(c.trace) == []


def test_the_check_catches_a_sentence():
    rec = kt.trace.Record(0.0, "deployment-controller", "scale-rs", "default/nginx",
                          {"why": "scaling event: only one active ReplicaSet", "owners": ["Deployment nginx"]})
    assert built_sentences([rec]) == ["scale-rs why: scaling event: only one active ReplicaSet"]


def test_facts_render_in_english_and_a_language_falls_back_to_it():
    c = _rollout()
    rec = next(r for r in c.trace if r.action == "scale-rs" and r.detail["why"] == "scale-down-old")
    assert rec.detail["max_unavailable_rule"] == "percent" and rec.detail["max_scaled_down"] == 2
    assert "(scaleDownOldReplicaSetsForRollingUpdate: maxUnavailable = floor(25% of 10) = 2, minAvailable = " \
           "10 - 2 = 8; maxScaledDown = allPods 13 - minAvailable 8 - newRSUnavailable 3 = 2; available 10 - " \
           "minAvailable 8 = 2)" in str(rec)
    assert rec.text("xx") == rec.text()                 # no templates for that language: English
    NARRATIVES.setdefault("xx", {})["deployment:why:scale-down-old"] = "XX"
    try:
        assert rec.text("xx").startswith(f"sync default/nginx: scale {rec.detail['rs']} from 10 to 8 (XX: ")
        assert phrase("deployment:why:scale-down-old", rec.detail, "xx") == "XX"
    finally:
        del NARRATIVES["xx"]


def test_api_server_stages_are_facts_rendered_by_name():
    """The request, authentication, authorization, admission and validation records keep facts; their sentences
    come from named templates a language can replace one by one."""
    c = _rbac()
    actions = {r.action for r in c.trace}
    assert {"request", "authenticated", "authorized", "forbidden", "access-review", "impersonated",
            "impersonation-forbidden", "escalation-checked", "admitted", "validated"} <= actions
    forbidden = c.trace.actions("forbidden")[0]
    assert forbidden.detail["reason"] == {"by": "none"}
    assert str(forbidden).endswith('RBAC: no rule lets "ci-bot" list here (no RBAC rule allows it)')
    checked = c.trace.actions("escalation-checked")[0]
    assert (checked.detail["how"], checked.detail["reason"]["binding"]) == ("escalate", "dev-makes-roles")
    assert str(checked).endswith('RBAC escalation check: "dev" may write role "reader": it may escalate (RBAC allows '
                                 'via ClusterRoleBinding "dev-makes-roles" (user dev, ClusterRole "role-maker"))')
    token = next(r for r in c.trace.actions("authenticated") if r.detail["by"] == "token")
    assert (token.detail["user"], token.text()) == ("ci-bot", 'authenticated "ci-bot" by bearer token')
    pvc = next(r for r in c.trace.actions("admitted") if r.detail["kind"] == "PersistentVolumeClaim")
    assert dict(pvc.detail["plugins"])["StorageObjectInUseProtection"] == {"finalizer": "kubernetes.io/pvc-protection"}
    request = next(r for r in c.trace.actions("request") if r.detail["what"]["kind"] == "PersistentVolumeClaim")
    assert request.text() == 'POST /api/v1/namespaces/default/persistentvolumeclaims (create persistentvolumeclaim ' \
                             '"data") as "admin"'
    NARRATIVES["xx"] = {"authz:none": "XX-NONE", "request:what": "XX-WHAT", "admission:Priority": "XX-PRIO"}
    try:
        assert forbidden.text("xx").endswith("(XX-NONE)")
        assert request.text("xx").endswith('(XX-WHAT) as "admin"')
        pod = next(r for r in c.trace.actions("admitted") if r.detail["kind"] == "Pod")
        assert "Priority: XX-PRIO" in pod.text("xx") and "Priority: priority 0" in pod.text()
    finally:
        del NARRATIVES["xx"]


def test_a_filter_rejection_keeps_its_numbers():
    c = _unschedulable()
    rec = c.trace.actions("unschedulable")[0]
    first = rec.detail["why"][0]
    assert first["detail"][0]["why"] == "insufficient" and first["detail"][0]["resource"] == "cpu"
    assert first["detail"][0]["requested"] > first["detail"][0]["free"]
    assert f"{first['node']}: cpu {first['detail'][0]['requested']}m requested > " in str(rec)
