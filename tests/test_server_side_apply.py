"""Server-side apply and metadata.managedFields, embedded and served to the pinned kubectl v1.35.2.

Expected texts and shapes come from v1.35: k8s.io/apimachinery/pkg/util/managedfields/internal (conflict.go,
structuredmerge.go, capmanagers.go, managedfields.go, lastappliedmanager.go), pkg/util/managedfields/scalehandler.go,
staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go, apimachinery's ValidatePatchOptions,
sigs.k8s.io/structured-merge-diff v6 (fieldpath serialisation and Path.String) and kubectl's pkg/cmd/apply/apply.go.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import real_kubectl, serve_cli
from test_write_paths import served  # noqa: F401 - the fixture: `kubeteach serve` and a raw HTTPS admin client

from kubeteach.apiserver import APIError
from kubeteach.apiserver import fieldpath as fp
from kubeteach.cluster import Cluster

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENT = yaml.safe_load((ROOT / "data" / "deployment.yaml").read_text())
ADVICE_HEAD = "Please review the fields above--they currently have other managers. Here\n"
CONFLICT = ('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: '
            ".spec.replicas")


def apply(c: Cluster, body: dict, manager: str = "kubectl", **params) -> dict:
    return c.client().request("patch", "deployments", "default", body["metadata"]["name"], body=body,
                              patchType="apply", fieldManager=manager, **params)


def entries(obj: dict) -> list[tuple[str, str, str, str]]:
    return [(e["manager"], e["operation"], e.get("subresource", ""), e.get("time", "-"))
            for e in obj["metadata"]["managedFields"]]


def entry(obj: dict, manager: str, operation: str, subresource: str = "") -> dict:
    return next(e for e in obj["metadata"]["managedFields"] if (e["manager"], e["operation"],
                                                                  e.get("subresource", "")) ==
                (manager, operation, subresource))


def deployment(c: Cluster) -> dict:
    return c.client().get("deployments", "default", "nginx")


# --- field paths ----------------------------------------------------------------------------------------------------

def test_fieldsv1_serialises_as_smd_does():
    tree = fp.from_paths([("f:metadata", "f:labels"), ("f:metadata", "f:labels", "f:app"),
                          ("f:spec", "f:ports", 'k:{"port":8080,"protocol":"TCP"}'),
                          ("f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}', "f:port"),
                          ("f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}'),
                          ("f:metadata", "f:finalizers", 'v:"b"'), ("f:metadata", "f:finalizers", 'v:"a"')])
    # "." first, then elements in PathElement order: keys compare their values as numbers (80 before 8080)
    assert json.dumps(fp.encode(tree), separators=(",", ":")) == (
        '{"f:metadata":{"f:finalizers":{"v:\\"a\\"":{},"v:\\"b\\"":{}},"f:labels":{".":{},"f:app":{}}},'
        '"f:spec":{"f:ports":{"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:port":{}},'
        '"k:{\\"port\\":8080,\\"protocol\\":\\"TCP\\"}":{}}}}')
    assert fp.path_string(("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"nginx"}', "f:image")) == \
        '.spec.template.spec.containers[name="nginx"].image'
    assert fp.path_string(("f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}')) == \
        '.spec.ports[port=80,protocol="TCP"]'
    assert fp.path_string(("f:metadata", "f:finalizers", 'v:"a"')) == '.metadata.finalizers[="a"]'


def test_a_field_set_lists_leaves_list_items_and_empty_maps():
    obj = {"spec": {"replicas": 1, "selector": {"matchLabels": {"app": "x"}}, "template": {"spec": {
        "containers": [{"name": "c", "ports": [{"containerPort": 80}], "resources": {}, "args": ["a"]}]}}}}
    got = {fp.path_string(p) for p in fp.to_field_set(obj)}
    c = '.spec.template.spec.containers[name="c"]'
    assert got == {".spec.replicas", ".spec.selector", c, c + ".name", c + ".resources", c + ".args",
                   c + '.ports[containerPort=80,protocol="TCP"]', c + '.ports[containerPort=80,protocol="TCP"]'
                   ".containerPort"}


# --- Update entries ---------------------------------------------------------------------------------------------

def test_every_write_records_its_manager(seeded):
    d = deployment(seeded)
    assert entries(d) == [("kubectl-create", "Update", "", "2026-01-01T00:00:00Z"),
                          ("kube-controller-manager", "Update", "status", "2026-01-01T00:00:02Z")]
    created = entry(d, "kubectl-create", "Update")
    assert created["apiVersion"] == "apps/v1" and created["fieldsType"] == "FieldsV1"
    spec = created["fieldsV1"]["f:spec"]
    # the defaults are the creator's; a non-pointer struct that was there already gets no "."
    assert set(spec) >= {"f:replicas", "f:strategy", "f:progressDeadlineSeconds", "f:revisionHistoryLimit"}
    assert spec["f:strategy"] == {"f:rollingUpdate": {".": {}, "f:maxSurge": {}, "f:maxUnavailable": {}},
                                  "f:type": {}}
    nginx = spec["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}']
    assert "." not in spec["f:template"]["f:spec"]["f:containers"]
    assert nginx["."] == {} and nginx["f:resources"] == {} and nginx["f:imagePullPolicy"] == {}
    assert "f:status" not in created["fieldsV1"]
    status = entry(d, "kube-controller-manager", "Update", "status")["fieldsV1"]
    assert set(status) == {"f:metadata", "f:status"}
    assert "f:replicas" in status["f:status"] and '.' in status["f:status"]["f:conditions"]
    pod = seeded.list("pods")[0]
    assert [(m, o, s) for m, o, s, _ in entries(pod)] == [("kube-controller-manager", "Update", ""),
                                                          ("kubelet", "Update", "status")]
    assert "f:nodeName" not in entry(pod, "kube-controller-manager", "Update")["fieldsV1"]["f:spec"]  # binding


def test_kubectl_scale_takes_the_replicas_with_a_scale_entry(seeded):
    assert seeded.kubectl("scale deployment nginx --replicas=3").ok
    d = deployment(seeded)
    scale = entry(d, "kubectl", "Update", "scale")
    assert "time" not in scale and scale["apiVersion"] == "apps/v1"      # ScaleHandler.ToParent keeps no time
    assert scale["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in entry(d, "kubectl-create", "Update")["fieldsV1"]["f:spec"]


@pytest.mark.parametrize("command, manager", [
    ("set image deployment/nginx nginx=nginx:1.26", "kubectl-set"),
    ("label deployment nginx tier=web", "kubectl-label"),
    ("annotate deployment nginx team=blue", "kubectl-annotate"),
    ("""patch deployment nginx -p '{"spec":{"minReadySeconds":1}}'""", "kubectl-patch"),
    ("rollout pause deployment/nginx", "kubectl-rollout"),
])
def test_each_kubectl_verb_writes_under_its_own_field_manager(seeded, command, manager):
    """kubectl's per-command defaults (cmdutil.AddFieldManagerFlagVar in each pkg/cmd/<verb>)."""
    assert seeded.kubectl(command).ok
    assert entry(deployment(seeded), manager, "Update")["fieldsV1"]


def test_more_than_ten_update_managers_merge_into_ancient_changes(bare):
    client = bare.client()
    client.request("create", "serviceaccounts", "default", body={"apiVersion": "v1", "kind": "ServiceAccount",
                                                               "metadata": {"name": "sa"}}, fieldManager="m00")
    for i in range(1, 12):       # one virtual instant: the oldest are the first by identifier
        client.request("patch", "serviceaccounts", "default", "sa", body={"metadata": {"labels": {f"k{i}": "v"}}},
                       patchType="merge", fieldManager=f"m{i:02}")
    sa = client.get("serviceaccounts", "default", "sa")
    managers = [e["manager"] for e in sa["metadata"]["managedFields"]]
    assert managers == ["ancient-changes", *(f"m{i:02}" for i in range(3, 12))]
    ancient = sa["metadata"]["managedFields"][0]
    assert set(ancient["fieldsV1"]["f:metadata"]["f:labels"]) == {".", "f:k1", "f:k2"}


# --- apply ------------------------------------------------------------------------------------------------------

def test_apply_creates_then_owns_exactly_what_it_applied(bare):
    revision = bare.etcd.revision
    created = apply(bare, DEPLOYMENT)
    assert bare.etcd.revision == revision + 1 and created["metadata"]["uid"]
    assert entries(created) == [("kubectl", "Apply", "", "2026-01-01T00:00:00Z")]
    fields = entry(created, "kubectl", "Apply")["fieldsV1"]
    assert "f:progressDeadlineSeconds" not in fields["f:spec"]           # defaulted, owned by no one
    assert fields["f:metadata"] == {"f:labels": {"f:app": {}}}
    assert created["spec"]["progressDeadlineSeconds"] == 600
    again = apply(bare, DEPLOYMENT)                                      # nothing changes: no write at all
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert bare.etcd.revision == revision + 1


def test_a_changed_replicas_after_scale_conflicts_until_forced(seeded):
    apply(seeded, DEPLOYMENT)
    assert seeded.kubectl("scale deployment nginx --replicas=3").ok
    revision = seeded.etcd.revision
    with pytest.raises(APIError) as err:
        apply(seeded, DEPLOYMENT)
    assert (err.value.code, err.value.reason, err.value.message) == (409, "Conflict", CONFLICT)
    assert err.value.details == {"causes": [{"type": "FieldManagerConflict", "field": ".spec.replicas",
                                             "message": 'conflict with "kubectl" with subresource "scale" using '
                                                        "apps/v1"}]}
    assert seeded.etcd.revision == revision
    forced = apply(seeded, DEPLOYMENT, force=True)
    assert forced["spec"]["replicas"] == 1
    assert ("kubectl", "Update", "scale") not in [(m, o, s) for m, o, s, _ in entries(forced)]
    assert "f:replicas" in entry(forced, "kubectl", "Apply")["fieldsV1"]["f:spec"]


def test_two_conflicting_managers_are_listed_by_manager(bare):
    apply(bare, DEPLOYMENT, manager="a")
    changed = json.loads(json.dumps(DEPLOYMENT))
    changed["spec"]["replicas"] = 2
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    with pytest.raises(APIError) as err:
        apply(bare, changed, manager="b")
    assert err.value.message == (
        'Apply failed with 2 conflicts: conflicts with "a":\n- .spec.replicas\n'
        '- .spec.template.spec.containers[name="nginx"].image')


def test_an_update_never_conflicts_and_takes_the_fields_it_changes(bare):
    apply(bare, DEPLOYMENT)
    assert bare.kubectl("set image deployment/nginx nginx=nginx:1.26").ok
    d = deployment(bare)
    image = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"nginx"}', "f:image")
    updater = next(e for e in d["metadata"]["managedFields"] if e["operation"] == "Update")
    assert fp.has(updater["fieldsV1"], image)
    assert not fp.has(entry(d, "kubectl", "Apply")["fieldsV1"], image)
    assert fp.has(entry(d, "kubectl", "Apply")["fieldsV1"], ("f:spec", "f:replicas"))


def test_fields_no_longer_applied_are_removed_unless_someone_else_owns_them(bare):
    two = json.loads(json.dumps(DEPLOYMENT))
    two["metadata"]["labels"]["tier"] = "web"
    two["metadata"]["labels"]["team"] = "a"
    two["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "busybox:1.36"})
    apply(bare, two)
    assert bare.kubectl("label deployment nginx team=a --overwrite").ok      # no change: team stays kubectl's alone
    client = bare.client()
    client.request("patch", "deployments", "default", "nginx", body={"metadata": {"labels": {"team": "b"}}},
                   patchType="merge", fieldManager="labeler")
    d = apply(bare, DEPLOYMENT)
    assert d["metadata"]["labels"] == {"app": "nginx", "team": "b"}       # tier gone, team kept: labeler owns it
    assert [c["name"] for c in d["spec"]["template"]["spec"]["containers"]] == ["nginx"]


def test_containers_merge_by_name_across_appliers(bare):
    apply(bare, DEPLOYMENT, manager="first")
    sidecar = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nginx"},
               "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "busybox:1.36"}]}}}}
    d = apply(bare, sidecar, manager="second")
    assert [c["name"] for c in d["spec"]["template"]["spec"]["containers"]] == ["nginx", "sidecar"]
    second = entry(d, "second", "Apply")["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert list(second) == ['k:{"name":"sidecar"}']
    assert d["spec"]["replicas"] == 1


def test_dry_run_writes_nothing(bare):
    revision = bare.etcd.revision
    out = apply(bare, DEPLOYMENT, dryRun="All")
    assert out["metadata"]["managedFields"][0]["operation"] == "Apply"
    assert bare.etcd.revision == revision and bare.list("deployments") == []


@pytest.mark.parametrize(("body", "params", "code", "message"), [
    (DEPLOYMENT, {"fieldManager": None}, 422,
     'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'),
    ({**DEPLOYMENT, "apiVersion": "apps/v2"}, {}, 400,
     "Incorrect version specified in apply patch. Specified patch version: apps/v2, expected: apps/v1"),
    ({**DEPLOYMENT, "metadata": {"name": "nginx", "managedFields": []}}, {}, 400,
     "metadata.managedFields must be nil"),
    ({**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "replica": 2}}, {}, 500,
     "failed to create typed patch object (/nginx; apps/v1, Kind=Deployment): .spec.replica: field not declared "
     "in schema"),
    ({**DEPLOYMENT, "kind": "Deploymnet"}, {}, 500,
     "failed to create typed patch object (/nginx; apps/v1, Kind=Deploymnet): no corresponding type for apps/v1, "
     "Kind=Deploymnet"),
    ({**DEPLOYMENT, "metadata": {"name": "other"}}, {}, 400,
     "the name of the object (other) does not match the name on the URL (nginx)"),
    ([1, 2], {}, 400, "error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
                      "array into Go value of type map[string]interface {}"),
])
def test_bad_apply_bodies_get_kube_apiservers_errors_and_write_nothing(bare, body, params, code, message):
    revision = bare.etcd.revision
    args = {"fieldManager": "kubectl", **params}
    with pytest.raises(APIError) as err:
        bare.client().request("patch", "deployments", "default", "nginx", body=body, patchType="apply",
                              **{k: v for k, v in args.items() if v is not None})
    assert (err.value.code, err.value.message) == (code, message)
    assert bare.etcd.revision == revision


def test_force_is_only_for_apply(bare):
    assert bare.kubectl("create -f data/deployment.yaml").ok
    with pytest.raises(APIError) as err:
        bare.client().request("patch", "deployments", "default", "nginx", body={}, patchType="merge", force=True)
    assert err.value.message == 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified ' \
                                "for non-apply patch"


def test_client_side_applied_objects_upgrade_to_server_side_apply_without_conflicts(bare):
    assert bare.kubectl("apply -f data/deployment.yaml").ok
    changed = json.loads(json.dumps(DEPLOYMENT))
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    d = apply(bare, changed)          # kubectl-client-side-apply owns the image, but the last-applied allows it
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    last = json.loads(d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    with pytest.raises(APIError):     # another manager gets no such pass
        apply(bare, {**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "replicas": 5}}, manager="other")


# --- the embedded kubectl ---------------------------------------------------------------------------------------

def test_embedded_kubectl_apply_server_side(seeded):
    c = Cluster(seed=0)
    assert c.kubectl("apply --server-side -f data/deployment.yaml").stdout == \
        "deployment.apps/nginx serverside-applied\n"
    c.run()
    assert c.kubectl("scale deployment nginx --replicas=3").ok
    r = c.kubectl("apply --server-side -f data/deployment.yaml")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith(f"error: {CONFLICT}\n{ADVICE_HEAD}")
    assert r.stderr.rstrip("\n").endswith("See https://kubernetes.io/docs/reference/using-api/server-side-apply/"
                                          "#conflicts")
    assert c.kubectl("apply --server-side --force-conflicts -f data/deployment.yaml").ok
    assert c.kubectl("apply --server-side --dry-run=server -f data/deployment.yaml").stdout == \
        "deployment.apps/nginx serverside-applied (server dry run)\n"
    assert "managedFields" not in c.kubectl("get deployment nginx -o yaml").stdout
    shown = yaml.safe_load(c.kubectl("get deployment nginx -o yaml --show-managed-fields").stdout)
    assert [e["manager"] for e in shown["metadata"]["managedFields"]][0] == "kubectl"
    assert "managedFields" not in c.kubectl("describe deployment nginx").stdout
    assert c.kubectl("apply --force-conflicts -f data/deployment.yaml").stderr == \
        "error: --force-conflicts only works with --server-side\n"
    assert c.kubectl("apply --server-side --dry-run=client -f data/deployment.yaml").stderr == \
        "error: --dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)\n"


# --- the real kubectl against `kubeteach serve` ------------------------------------------------------------------

@pytest.fixture
def kubectl(tmp_path: Path, pinned_kubectl: str) -> Iterator:
    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        run = real_kubectl(kubeconfig, tmp_path)
        yield lambda args: run(*args.split())


def test_the_real_kubectl_applies_server_side(kubectl):
    first: subprocess.CompletedProcess = kubectl("apply --server-side -f data/deployment.yaml")
    assert (first.returncode, first.stdout) == (0, "deployment.apps/nginx serverside-applied\n"), first.stderr
    assert kubectl("scale deployment/nginx --replicas=3").stdout == "deployment.apps/nginx scaled\n"
    conflict = kubectl("apply --server-side -f data/deployment.yaml")
    assert conflict.returncode == 1 and conflict.stdout == ""
    assert conflict.stderr.startswith(f"error: {CONFLICT}\n{ADVICE_HEAD}")
    assert conflict.stderr.endswith("See https://kubernetes.io/docs/reference/using-api/server-side-apply/"
                                    "#conflicts\n")
    forced = kubectl("apply --server-side --force-conflicts -f data/deployment.yaml")
    assert forced.stdout == "deployment.apps/nginx serverside-applied\n"
    assert "managedFields" not in kubectl("get deployment nginx -o yaml").stdout
    shown = yaml.safe_load(kubectl("get deployment nginx -o yaml --show-managed-fields").stdout)
    managers = [(e["manager"], e["operation"], e.get("subresource", "")) for e in shown["metadata"]["managedFields"]]
    assert managers[0] == ("kubectl", "Apply", "") and ("kubectl", "Update", "scale") not in managers
    assert shown["spec"]["replicas"] == 1
    applied = shown["metadata"]["managedFields"][0]["fieldsV1"]
    assert applied["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}']["f:image"] == {}
    bad = kubectl("apply --server-side -f data/bad/08-unknown-field.yaml --validate=false")
    assert bad.returncode == 1 and bad.stderr.startswith("Error from server: failed to create typed patch object")


def test_managed_fields_sent_in_an_update_rule_and_bad_ones_fall_back_to_the_stored(bare):
    assert bare.kubectl("create -f data/deployment.yaml").ok
    client = bare.client()
    d = client.get("deployments", "default", "nginx")
    stored = d["metadata"]["managedFields"]
    d["metadata"]["managedFields"] = [{"manager": "x", "operation": "Update", "fieldsType": "FieldsV1",
                                       "fieldsV1": {"k:{bad": {}}}]
    d["metadata"]["labels"]["tier"] = "web"
    out = client.update("deployments", d)                   # unreadable: the stored entries, plus this write's
    assert entry(out, "kubectl-create", "Update") == stored[0]
    assert entry(out, "kubectl", "Update")["fieldsV1"] == {"f:metadata": {"f:labels": {"f:tier": {}}}}
    out["metadata"]["managedFields"] = [{}]                 # the documented way to clear them
    cleared = client.update("deployments", out)
    assert "managedFields" not in cleared["metadata"]


def test_served_apply_answers_201_then_200_and_refuses_bad_bodies_without_a_write(served):  # noqa: F811
    call = served
    url = "/apis/apps/v1/namespaces/default/deployments/nginx?fieldManager=curl"
    yaml_body = (ROOT / "data" / "deployment.yaml").read_bytes()
    code, status = call("PATCH", "/apis/apps/v1/namespaces/default/deployments/nginx", yaml_body,
                        "application/apply-patch+yaml")
    assert (code, status["message"]) == (422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required '
                                              "value: is required for apply patch")
    code, status = call("PATCH", url, b"kind: [", "application/apply-patch+yaml")
    assert code == 400 and status["message"].startswith("error decoding YAML: error converting YAML to JSON: yaml: ")
    assert call("GET", "/apis/apps/v1/namespaces/default/deployments/nginx")[0] == 404
    code, created = call("PATCH", url, yaml_body, "application/apply-patch+yaml")
    assert code == 201 and created["metadata"]["managedFields"][0]["manager"] == "curl"
    code, again = call("PATCH", url, yaml_body, "application/apply-patch+yaml")
    # the same apply again changes nothing of curl's (the served clock runs: controllers may write status meanwhile)
    mine = [e for e in again["metadata"]["managedFields"] if e["manager"] == "curl"]
    assert code == 200 and again["metadata"]["generation"] == created["metadata"]["generation"] == 1
    assert mine == [e for e in created["metadata"]["managedFields"] if e["manager"] == "curl"]
    code, status = call("PATCH", url + "&force=true", b'{"spec":{"replicas":2}}', "application/merge-patch+json")
    assert (code, status["message"]) == (422, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not '
                                              "be specified for non-apply patch")
    # without ?fieldManager= a write is named by its User-Agent's first segment: none here, so no manager
    code, updated = call("PATCH", "/apis/apps/v1/namespaces/default/deployments/nginx",
                         b'{"metadata":{"labels":{"tier":"web"}}}', "application/merge-patch+json")
    assert code == 200
    anonymous = next(e for e in updated["metadata"]["managedFields"] if e["operation"] == "Update" and
                     "f:tier" in e["fieldsV1"].get("f:metadata", {}).get("f:labels", {}))
    assert "manager" not in anonymous


def test_a_field_manager_must_be_printable_and_short(bare):
    body = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}}
    with pytest.raises(APIError) as err:
        bare.client().request("create", "serviceaccounts", "default", body=body, fieldManager="x" * 129)
    assert (err.value.code, err.value.message) == (
        422, 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes')
    with pytest.raises(APIError) as err:
        apply(bare, DEPLOYMENT, manager="a\tb")
    assert err.value.message == ('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\tb": '
                                 "invalid character U+0009 (at position 1)")
    assert bare.list("serviceaccounts", "default") == [] or all(
        s["metadata"]["name"] != "sa" for s in bare.list("serviceaccounts", "default"))


def test_an_object_without_managed_fields_is_owned_by_before_first_apply(bare):
    assert bare.kubectl("create -f data/deployment.yaml").ok
    client = bare.client()
    d = client.get("deployments", "default", "nginx")
    d["metadata"]["managedFields"] = [{}]
    assert "managedFields" not in client.update("deployments", d)["metadata"]
    changed = json.loads(json.dumps(DEPLOYMENT))
    changed["spec"]["replicas"] = 2
    with pytest.raises(APIError) as err:
        apply(bare, changed)
    assert err.value.message == ('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: '
                                 ".spec.replicas")
    assert apply(bare, DEPLOYMENT)["spec"]["replicas"] == 1        # the same values: shared, no conflict
