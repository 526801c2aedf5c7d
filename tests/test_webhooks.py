"""MutatingAdmissionWebhook: an AdmissionReview v1 to an in-simulation webhook server, its JSONPatch applied after
the built-in mutating plugins and before validation, failurePolicy Fail and Ignore, configuration validation."""

import copy
from pathlib import Path

import pytest
import yaml
from conftest import real_kubectl, serve_cli

from kubeteach import Cluster
from kubeteach.apiserver import APIError
from kubeteach.followups.mechanisms import SIDECAR_WEBHOOK, inject_sidecar, webhook_down


def _cluster(server=inject_sidecar, **changes) -> Cluster:
    c = Cluster(seed=4, components=[])
    cfg = copy.deepcopy(SIDECAR_WEBHOOK)
    cfg["webhooks"][0].update(changes)
    c.api.webhooks.register("default", "sidecar-injector", server)
    c.client().create("mutatingwebhookconfigurations", cfg)
    return c


def test_webhook_gets_an_admission_review_after_builtin_plugins_and_its_patch_is_stored():
    seen = []

    def server(review):
        seen.append(review)
        return inject_sidecar(review)

    c = _cluster(server)
    mark = len(c.trace)
    assert c.kubectl("run demo --image=nginx").returncode == 0
    req = seen[0]["request"]
    assert seen[0]["apiVersion"] == "admission.k8s.io/v1" and req["operation"] == "CREATE"
    assert req["kind"] == {"group": "", "version": "v1", "kind": "Pod"} and req["namespace"] == "default"
    assert req["userInfo"]["username"] == "admin"
    # the built-in mutating plugins ran first: the webhook sees ServiceAccount's token volume and the defaults
    assert req["object"]["spec"]["serviceAccountName"] == "default"
    assert req["object"]["spec"]["containers"][0]["terminationMessagePath"] == "/dev/termination-log"
    pod = c.get("pods", "demo")
    assert [x["name"] for x in pod["spec"]["containers"]] == ["demo", "log-agent"]
    assert pod["spec"]["containers"][1]["imagePullPolicy"] == "Always"        # defaulted again after the patch
    assert pod["metadata"]["labels"]["sidecar-injected"] == "true"
    actions = [r.action for r in c.trace[mark:] if r.actor in ("kube-apiserver", "etcd")]
    assert actions.index("admitted") < actions.index("webhook-called") < actions.index("webhook-patched") \
        < actions.index("stored")


def test_unmatched_requests_do_not_call_the_webhook():
    calls = []
    c = _cluster(lambda r: calls.append(r) or inject_sidecar(r))
    assert c.kubectl("create deployment web --image=nginx").returncode == 0
    assert c.kubectl("create namespace other").returncode == 0
    assert c.kubectl("label pod --all x=y").returncode == 0          # no pods, and UPDATE is not in the rule
    assert calls == []
    assert c.kubectl("run p --image=nginx").returncode == 0 and len(calls) == 1
    assert c.kubectl("label pod p x=y").returncode == 0 and len(calls) == 1


def test_failure_policy_fail_refuses_with_kube_apiservers_text_and_writes_nothing():
    c = _cluster(webhook_down)
    rev = c.etcd.revision
    result = c.kubectl("run demo --image=nginx")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'Error from server (InternalError): Internal error occurred: failed calling webhook "sidecar.example.com": '
        'failed to call webhook: Post "https://sidecar-injector.default.svc:443/mutate?timeout=10s": dial tcp '
        "10.96.0.20:443: connect: connection refused")
    assert c.etcd.revision == rev and c.get("pods", "demo") is None


def test_failure_policy_ignore_lets_the_request_through_unpatched():
    c = _cluster(webhook_down, failurePolicy="Ignore")
    assert c.kubectl("run demo --image=nginx").returncode == 0
    assert [x["name"] for x in c.get("pods", "demo")["spec"]["containers"]] == ["demo"]
    assert [r for r in c.trace if r.action == "webhook-failed"][-1].detail["policy"] == "Ignore"


def test_a_missing_service_and_a_wrong_uid_are_call_failures():
    c = _cluster()
    c.api.webhooks.servers.clear()
    with pytest.raises(APIError, match='failed calling webhook "sidecar.example.com": failed to call webhook: '
                                       'Post .*service "sidecar-injector" not found'):
        c.client().create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"},
                                   "spec": {"containers": [{"name": "x", "image": "nginx"}]}}, "default")
    c.api.webhooks.register("default", "sidecar-injector", lambda r: {"response": {"uid": "nope", "allowed": True}})
    assert "received invalid webhook response" in c.kubectl("run y --image=nginx").stderr


def test_a_denial_carries_the_webhooks_message():
    c = _cluster(lambda r: {"response": {"uid": r["request"]["uid"], "allowed": False,
                                         "status": {"code": 403, "message": "no sidecar, no pod"}}})
    result = c.kubectl("run demo --image=nginx")
    assert 'admission webhook "sidecar.example.com" denied the request: no sidecar, no pod' in result.stderr


def test_reinvocation_if_needed_calls_an_earlier_webhook_again_after_a_later_one_changed_the_object():
    calls: list[str] = []

    def first(review):
        calls.append("first")
        return {"response": {"uid": review["request"]["uid"], "allowed": True}}

    c = _cluster(first, name="a-first.example.com", reinvocationPolicy="IfNeeded")
    c.api.webhooks.register("default", "second", lambda r: calls.append("second") or inject_sidecar(r))
    second = copy.deepcopy(SIDECAR_WEBHOOK)
    second["metadata"]["name"] = "z-second"
    second["webhooks"][0]["clientConfig"]["service"]["name"] = "second"
    c.client().create("mutatingwebhookconfigurations", second)
    assert c.kubectl("run demo --image=nginx").returncode == 0
    assert calls == ["first", "second", "first"]


@pytest.mark.parametrize("change, message", [
    ({"sideEffects": None}, "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun"),
    ({"sideEffects": "Some"}, 'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", '
                              '"NoneOnDryRun"'),
    ({"failurePolicy": "Maybe"}, 'webhooks[0].failurePolicy: Unsupported value: "Maybe": supported values: '
                                 '"Fail", "Ignore"'),
    ({"admissionReviewVersions": []}, "webhooks[0].admissionReviewVersions: Required value: must specify one of "
                                      "v1, v1beta1"),
    ({"clientConfig": {}}, "webhooks[0].clientConfig: Required value: exactly one of url or service is required"),
    ({"name": "sidecar"}, 'webhooks[0].name: Invalid value: "sidecar": should be a domain with at least three '
                          "segments separated by dots"),
])
def test_configuration_validation(change, message):
    cfg = copy.deepcopy(SIDECAR_WEBHOOK)
    hook = cfg["webhooks"][0]
    for key, value in change.items():
        if value is None:
            del hook[key]
        else:
            hook[key] = value
    c = Cluster(seed=4, components=[])
    with pytest.raises(APIError) as err:
        c.client().create("mutatingwebhookconfigurations", cfg)
    assert err.value.code == 422 and message in err.value.message
    assert err.value.message.startswith('MutatingWebhookConfiguration.admissionregistration.k8s.io '
                                        '"sidecar-injector" is invalid: ')
    assert c.list("mutatingwebhookconfigurations", None) == []


def test_defaults_are_filled_in():
    cfg = copy.deepcopy(SIDECAR_WEBHOOK)
    del cfg["webhooks"][0]["failurePolicy"], cfg["webhooks"][0]["reinvocationPolicy"]
    stored = Cluster(seed=4, components=[]).client().create("mutatingwebhookconfigurations", cfg)["webhooks"][0]
    assert (stored["failurePolicy"], stored["reinvocationPolicy"], stored["timeoutSeconds"],
            stored["matchPolicy"]) == ("Fail", "Never", 10, "Equivalent")
    assert stored["clientConfig"]["service"]["port"] == 443 and stored["rules"][0]["scope"] == "*"


def test_the_demonstration_shows_the_patch_and_both_failure_policies():
    from kubeteach.followups.mechanisms import demo_mutating_webhook

    text = demo_mutating_webhook()
    assert "containers: demo, log-agent" in text
    assert 'Error from server (InternalError): Internal error occurred: failed calling webhook "sidecar.example.com"' \
        in text
    assert "pod/tolerated created" in text and "failing open" in text
    assert text == demo_mutating_webhook()          # seeded: the same text every run


def test_kubectl_creates_lists_and_explains_the_configuration(tmp_path):
    path = tmp_path / "webhook.yaml"
    path.write_text(yaml.safe_dump(SIDECAR_WEBHOOK))
    c = Cluster(seed=4, components=[])
    assert str(c.kubectl(f"apply -f {path}")).strip() == \
        "mutatingwebhookconfiguration.admissionregistration.k8s.io/sidecar-injector created"
    listed = c.kubectl("get mutatingwebhookconfigurations").stdout.splitlines()
    assert listed[0].split() == ["NAME", "WEBHOOKS", "AGE"] and listed[1].split()[:2] == ["sidecar-injector", "1"]
    assert "admissionregistration.k8s.io" in c.kubectl("api-resources --api-group=admissionregistration.k8s.io").stdout


def test_the_real_kubectl_applies_a_configuration_and_meets_a_webhook_nobody_serves(tmp_path: Path, pinned_kubectl):
    """Over HTTPS (JSON and protobuf): `kubeteach serve` registers no webhook server, so with failurePolicy Fail a
    matching create gets kube-apiserver's InternalError, and with Ignore it goes through."""
    path = tmp_path / "webhook.yaml"
    path.write_text(yaml.safe_dump(SIDECAR_WEBHOOK))
    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        run = real_kubectl(kubeconfig, tmp_path, kubectl=pinned_kubectl)
        applied = run("apply", "-f", str(path))
        assert applied.stdout == "mutatingwebhookconfiguration.admissionregistration.k8s.io/sidecar-injector created\n"
        got = run("get", "mutatingwebhookconfigurations", "-o", "yaml").stdout
        hook = yaml.safe_load(got)["items"][0]["webhooks"][0]
        assert (hook["timeoutSeconds"], hook["matchPolicy"], hook["clientConfig"]["service"]["port"]) == \
            (10, "Equivalent", 443)
        assert run("get", "mutatingwebhookconfigurations").stdout.split()[:4] == \
            ["NAME", "WEBHOOKS", "AGE", "sidecar-injector"]
        refused = run("run", "demo", "--image=nginx")
        assert refused.returncode == 1 and refused.stderr == (
            'Error from server (InternalError): Internal error occurred: failed calling webhook "sidecar.example.com": '
            'failed to call webhook: Post "https://sidecar-injector.default.svc:443/mutate?timeout=10s": service '
            '"sidecar-injector" not found\n')
        assert run("get", "pods", "demo").returncode == 1
        assert "failurePolicy" in run("explain", "mutatingwebhookconfigurations.webhooks").stdout
        run("patch", "mutatingwebhookconfiguration", "sidecar-injector", "--type=json", "-p",
            '[{"op": "replace", "path": "/webhooks/0/failurePolicy", "value": "Ignore"}]')
        assert run("run", "demo", "--image=nginx").stdout == "pod/demo created\n"


def test_a_patch_that_does_not_apply_is_an_internal_error_whatever_the_failure_policy():
    import base64
    import json

    bad = [{"op": "remove", "path": "/spec/nothing"}]
    c = _cluster(lambda r: {"response": {"uid": r["request"]["uid"], "allowed": True, "patchType": "JSONPatch",
                                         "patch": base64.b64encode(json.dumps(bad).encode()).decode()}},
                 failurePolicy="Ignore")
    result = c.kubectl("run demo --image=nginx")
    assert result.returncode == 1 and "Error from server (InternalError): Internal error occurred:" in result.stderr
    assert c.get("pods", "demo") is None
