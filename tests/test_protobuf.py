"""Kubernetes' protobuf encoding (kubeteach/server/protobuf.py): round trips JSON → protobuf → JSON for the kinds
kubectl's typed commands send, Go's json.Marshal rules for the decoded struct, the envelope, the errors a garbled
body gets (fuzzed), and the real kubectl's typed commands against `kubeteach serve`.
"""

from __future__ import annotations

import base64
import copy
import http.client
import json
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import real_kubectl, serve_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubeteach.apiserver import APIError
from kubeteach.server import protobuf
from kubeteach.server.protobuf_schema import format_duration, format_time, kinds, messages, parse_duration

META = {"creationTimestamp": None}


def round_trip(obj: dict) -> dict:
    api_version, kind = obj["apiVersion"], obj["kind"]
    body = protobuf.encode(obj)
    assert body is not None and body.startswith(b"k8s\x00")
    return protobuf.decode(body, (api_version, kind))


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    return bytes(out) + bytes([n])


def _pb(number: int, payload: bytes) -> bytes:
    """One length-delimited field."""
    return bytes([number << 3 | 2]) + _varint(len(payload)) + payload


def envelope(api_version: bytes, kind: bytes, raw: bytes) -> bytes:
    return protobuf.MAGIC + _pb(1, _pb(1, api_version) + _pb(2, kind)) + _pb(2, raw)


# --- round trips --------------------------------------------------------------------------------------------------

SEED = yaml.safe_load((Path(__file__).resolve().parent.parent / "data" / "deployment.yaml").read_text())


def test_the_seed_deployment_reads_back_as_go_prints_the_struct():
    assert round_trip(SEED) == {
        "kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"name": "nginx", "labels": {"app": "nginx"}, **META},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "nginx"}},
                 "template": {"metadata": {"labels": {"app": "nginx"}, **META},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25",
                                                       "ports": [{"containerPort": 80}], "resources": {}}]}},
                 "strategy": {}},
        "status": {}}


POD = {
    "kind": "Pod", "apiVersion": "v1",
    "metadata": {"name": "web", "namespace": "default", "uid": "u-1", "resourceVersion": "7", "generation": 2,
                 "creationTimestamp": "2026-01-01T00:00:05Z", "deletionTimestamp": "2026-01-01T00:01:00Z",
                 "deletionGracePeriodSeconds": 0, "labels": {"a": "1", "b": "2"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "u-0",
                                      "controller": True, "blockOwnerDeletion": False}],
                 "managedFields": [{"manager": "kubectl", "operation": "Update", "apiVersion": "v1",
                                    "time": "2026-01-01T00:00:05Z", "fieldsType": "FieldsV1",
                                    "fieldsV1": {"f:metadata": {"f:labels": {".": {}}}}}]},
    "spec": {
        "volumes": [{"name": "v", "emptyDir": {"sizeLimit": "1Gi"}}],
        "containers": [{"name": "c", "image": "nginx:1.25", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "250m"}},
                        "livenessProbe": {"httpGet": {"path": "/", "port": "http"}, "timeoutSeconds": 1},
                        "readinessProbe": {"tcpSocket": {"port": 80}},
                        "securityContext": {"runAsUser": 0, "privileged": False}}],
        "terminationGracePeriodSeconds": 30,
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                              "labelSelector": {"matchLabels": {"app": "web"}}}}]}}},
    "status": {"phase": "Running", "podIP": "10.244.0.5", "startTime": "2026-01-01T00:00:06Z",
               "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": None,
                               "lastTransitionTime": "2026-01-01T00:00:09Z"}]},
}


def test_a_pod_with_every_special_type_round_trips():
    """Time (and a zero Time as null), pointers kept at 0 and false, IntOrString both ways, quantities, FieldsV1,
    inline structs (Volume's VolumeSource, Probe's ProbeHandler), maps."""
    assert round_trip(POD) == POD


def _rbac(kind: str, namespaced: bool, **rest) -> dict:
    meta = {"name": "x", **META} | ({"namespace": "default"} if namespaced else {})
    return {"kind": kind, "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": meta, **rest}


RULES = [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["a"]}]
SUBJECTS = [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"},
            {"kind": "ServiceAccount", "name": "sa", "namespace": "default"}]
ROUND_TRIPS = {
    "role": _rbac("Role", True, rules=RULES),
    "clusterrole": _rbac("ClusterRole", False, rules=RULES,
                         aggregationRule={"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]}),
    "rolebinding": _rbac("RoleBinding", True, subjects=SUBJECTS,
                         roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"}),
    "clusterrolebinding": _rbac("ClusterRoleBinding", False, subjects=SUBJECTS,
                                roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                         "name": "view"}),
    "namespace": {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "foo", **META},
                  "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}},
    "serviceaccount": {"kind": "ServiceAccount", "apiVersion": "v1",
                       "metadata": {"name": "sa", "namespace": "default", **META},
                       "automountServiceAccountToken": False},
    "configmap": {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c", **META},
                  "data": {"a": "b"}, "binaryData": {"bin": base64.b64encode(b"\x00\xff\x10").decode()}},
    "secret": {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "s", **META},
               "data": {"password": base64.b64encode(b"s3cr\xe9t").decode()}, "type": "Opaque"},
    "job": {"kind": "Job", "apiVersion": "batch/v1", "metadata": {"name": "j", **META},
            "spec": {"backoffLimit": 6, "completions": 1, "template": {
                "metadata": META, "spec": {"containers": [{"name": "j", "image": "busybox", "command": ["true"],
                                                           "resources": {}}], "restartPolicy": "Never"}}},
            "status": {}},
    "cronjob": {"kind": "CronJob", "apiVersion": "batch/v1", "metadata": {"name": "cj", **META},
                "spec": {"schedule": "*/5 * * * *", "suspend": False, "jobTemplate": {
                    "metadata": META, "spec": {"template": {"metadata": META, "spec": {
                        "containers": [{"name": "j", "image": "busybox", "resources": {}}],
                        "restartPolicy": "OnFailure"}}}}},
                "status": {"lastScheduleTime": "2026-01-01T00:05:00Z"}},
    "pdb": {"kind": "PodDisruptionBudget", "apiVersion": "policy/v1", "metadata": {"name": "p", **META},
            "spec": {"minAvailable": "50%", "maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}},
            "status": {"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0, "expectedPods": 0}},
    "priorityclass": {"kind": "PriorityClass", "apiVersion": "scheduling.k8s.io/v1",
                      "metadata": {"name": "high", **META}, "value": 1000, "globalDefault": True,
                      "description": "d", "preemptionPolicy": "Never"},
    "resourcequota": {"kind": "ResourceQuota", "apiVersion": "v1", "metadata": {"name": "q", **META},
                      "spec": {"hard": {"pods": "10", "requests.cpu": "1500m", "requests.memory": "1Gi"}},
                      "status": {"used": {"pods": "0"}}},
    "eviction": {"kind": "Eviction", "apiVersion": "policy/v1",
                 "metadata": {"name": "web-1", "namespace": "default", **META},
                 "deleteOptions": {"gracePeriodSeconds": 0, "propagationPolicy": "Background"}},
    "scale": {"kind": "Scale", "apiVersion": "autoscaling/v1",
              "metadata": {"name": "web", "namespace": "default", **META},
              "spec": {"replicas": 3}, "status": {"replicas": 1, "selector": "app=web"}},
    "lease": {"kind": "Lease", "apiVersion": "coordination.k8s.io/v1", "metadata": {"name": "l", **META},
              "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40,
                       "renewTime": "2026-01-01T00:00:01.250000Z"}},
    "subjectaccessreview": {"kind": "SubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                            "metadata": META, "status": {"allowed": False},
                            "spec": {"user": "bob", "extra": {"team": ["a", "b"]},
                                     "resourceAttributes": {"verb": "get", "resource": "pods"}}},
}


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_round_trips(name):
    assert round_trip(ROUND_TRIPS[name]) == ROUND_TRIPS[name]


def test_go_json_rules_for_zero_values():
    """omitempty drops a zero value; a pointer keeps 0; an empty non-omitempty slice or map prints null; an
    absent non-pointer struct prints as its zero struct; map keys come out sorted."""
    out = round_trip({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "d"},
                      "spec": {"replicas": 0, "paused": False, "minReadySeconds": 0,
                               "template": {"spec": {"containers": []}}}})
    assert out["spec"]["replicas"] == 0                     # *int32
    assert "paused" not in out["spec"] and "minReadySeconds" not in out["spec"]
    assert out["spec"]["template"]["spec"] == {"containers": None}
    assert out["status"] == {} and out["spec"]["strategy"] == {}
    role = round_trip({"kind": "Role", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": {"name": "r"}})
    assert role["rules"] is None                            # `json:"rules"`: no omitempty
    cm = round_trip({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c"},
                     "data": {"z": "1", "a": "2"}})
    assert list(cm["data"]) == ["a", "z"]


def test_invalid_utf8_prints_as_go_does_and_the_last_duplicate_map_key_wins():
    meta = _pb(1, b"bad\xff\xfe") + _pb(11, _pb(1, b"k") + _pb(2, b"1")) + _pb(11, _pb(1, b"k") + _pb(2, b"2"))
    out = protobuf.decode(envelope(b"v1", b"Namespace", _pb(1, meta)), ("v1", "Namespace"))
    assert out["metadata"]["name"] == "bad\ufffd\ufffd" and out["metadata"]["labels"] == {"k": "2"}


def test_special_type_texts():
    assert format_time(0) == "1970-01-01T00:00:00Z"
    assert format_time(1767225605, 123456789, micro=True) == "2026-01-01T00:00:05.123456Z"
    assert [format_duration(n) for n in (0, 1500, 2_000_000, 61_000_000_000, 3_723_500_000_000)] == \
        ["0s", "1.5\u00b5s", "2ms", "1m1s", "1h2m3.5s"]
    assert parse_duration("1h2m3.5s") == 3_723_500_000_000
    with pytest.raises(ValueError):
        parse_duration("5 minutes")


def test_the_data_covers_the_groups_and_every_field_has_its_go_json_facts():
    api_versions = {v for v, _ in kinds()}
    assert {"v1", "apps/v1", "rbac.authorization.k8s.io/v1", "policy/v1", "batch/v1", "scheduling.k8s.io/v1",
            "storage.k8s.io/v1", "coordination.k8s.io/v1", "authentication.k8s.io/v1", "authorization.k8s.io/v1",
            "autoscaling/v1", "events.k8s.io/v1", ""} <= api_versions
    all_messages = messages()
    assert len(all_messages) > 400
    spec = {f.json: f for f in all_messages["k8s.io.api.apps.v1.DeploymentSpec"].fields}
    assert (spec["replicas"].number, spec["replicas"].pointer, spec["replicas"].omitempty) == (1, True, True)
    assert all_messages["k8s.io.apimachinery.pkg.apis.meta.v1.Verbs"].wrapper
    volume = all_messages["k8s.io.api.core.v1.Volume"].fields
    assert [(f.json, f.inline) for f in volume] == [("name", False), ("", True)]


# --- the envelope -------------------------------------------------------------------------------------------------

def test_the_envelope_is_magic_then_runtime_unknown():
    body = protobuf.encode({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "foo"}})
    raw = _pb(1, _pb(1, b"foo"))                            # Namespace{metadata{name}}
    # typeMeta, raw, then contentEncoding and contentType written empty, as Go's Unknown.Marshal does
    assert body == protobuf.MAGIC + _pb(1, _pb(1, b"v1") + _pb(2, b"Namespace")) + _pb(2, raw) + b"\x1a\x00\x22\x00"
    # an envelope without a kind or apiVersion takes the handler's (copyKindDefaults)
    assert protobuf.decode(protobuf.MAGIC + _pb(2, raw), ("v1", "Namespace"))["metadata"] == {"name": "foo", **META}
    assert protobuf.encode({"kind": "Table", "apiVersion": "meta.k8s.io/v1"}) is None


def test_accept_prefers_protobuf_only_when_it_comes_first():
    assert protobuf.preferred("application/vnd.kubernetes.protobuf,application/json")
    assert not protobuf.preferred("application/json, */*")
    assert not protobuf.preferred("application/json;q=0.9,application/vnd.kubernetes.protobuf;q=0.5")
    assert not protobuf.preferred("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io")
    assert not protobuf.preferred("")


def test_the_reviews_decode_as_before():
    attrs = _pb(1, b"default") + _pb(2, b"create") + _pb(3, b"apps") + _pb(5, b"deployments")
    body = envelope(b"authorization.k8s.io/v1", b"SelfSubjectAccessReview", _pb(2, _pb(1, attrs)))
    assert protobuf.decode(body) == {
        "kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1", "metadata": META,
        "spec": {"resourceAttributes": {"namespace": "default", "verb": "create", "group": "apps",
                                        "resource": "deployments"}},
        "status": {"allowed": False}}


# --- errors -------------------------------------------------------------------------------------------------------

INTO = ("apps/v1", "Deployment")
UNRECOGNIZED = "the object provided is unrecognized (must be of type Deployment): "
HANDLED = 'Deployment in version "v1" cannot be handled as a Deployment: '


@pytest.mark.parametrize("body, message", [
    (b"garbage", UNRECOGNIZED + "provided data does not appear to be a protobuf message, expected prefix "
                                "[107 56 115 0] (67617262616765)"),
    (b"k8s\x00", UNRECOGNIZED + "empty body (6b387300)"),
    (b"k8s\x00\x0a\x05", UNRECOGNIZED + "unexpected EOF (6b3873000a05)"),
    (b"k8s\x00\x00", UNRECOGNIZED + "proto: Unknown: illegal tag 0 (wire type 0) (6b38730000)"),
    (b"k8s\x00\x0c", UNRECOGNIZED + "proto: Unknown: wiretype end group for non-group (6b3873000c)"),
    (b"k8s\x00\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", UNRECOGNIZED + "proto: negative length found during "
     "unmarshaling (6b3873000affffffffffffffffff01)"),
    (b"k8s\x00\x28" + b"\xff" * 10, UNRECOGNIZED + "proto: integer overflow (6b38730028ffffffffffffffffffff)"),
    (envelope(b"apps/v1", b"Deployment", b"\x08\x01"), HANDLED + "proto: wrong wireType = 0 for field ObjectMeta"),
    (envelope(b"apps/v1", b"Deployment", _pb(2, b"\x08")), HANDLED + "unexpected EOF"),
    (envelope(b"apps/v1", b"Deployment", b"\x4f"), HANDLED + "proto: illegal wireType 7"),    # unknown field 9
    (envelope(b"apps/v1", b"Deployment", b"\x1c"), HANDLED + "proto: Deployment: wiretype end group for non-group"),
    (envelope(b"apps/v1", b"Deployment", b"\x4b\x50\x01"), HANDLED + "unexpected EOF"),      # a group left open
    (envelope(b"apps/v1", b"Foo", b""), 'Foo in version "v1" cannot be handled as a Deployment: no kind "Foo" is '
                                        'registered for version "apps/v1" in scheme '
                                        '"pkg/api/legacyscheme/scheme.go:30"'),
])
def test_a_garbled_body_gets_kube_apiservers_400(body, message):
    with pytest.raises(APIError) as err:
        protobuf.decode(body, INTO)
    assert (err.value.code, err.value.reason, err.value.message) == (400, "BadRequest", message)


VALID = protobuf.encode(POD)


def _clean(body: bytes) -> None:
    """A body decodes to a dict or gets a 400 BadRequest; nothing else escapes."""
    try:
        assert isinstance(protobuf.decode(body, ("v1", "Pod")), dict)
    except APIError as err:
        assert (err.code, err.reason) == (400, "BadRequest")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200), st.booleans())
def test_fuzz_garbage(data, magic):
    _clean((protobuf.MAGIC if magic else b"") + data)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(VALID)), st.binary(max_size=8), st.integers(min_value=0))
def test_fuzz_truncated_and_spliced(cut, insert, at):
    _clean(VALID[:cut])
    at = at % (len(VALID) + 1)
    _clean(VALID[:at] + insert + VALID[at:])


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=5000), st.sampled_from([b"\x0a", b"\x13", b"\x12"]))
def test_fuzz_deep_nesting_and_huge_lengths(depth, tag):
    nested = tag * depth + b"\x00" * depth                 # deep messages or groups, never closed properly
    _clean(protobuf.MAGIC + _pb(1, _pb(2, b"Pod") + _pb(1, b"v1")) + b"\x12" + b"\xff\xff\xff\xff\x0f" + nested)
    _clean(envelope(b"v1", b"Pod", b"") + b"\x12\x80\x80\x80\x80\x80\x80\x80\x80\x7f" + nested)


def test_objects_nested_in_raw_extensions_decode_and_a_bomb_of_them_is_a_clean_400():
    inner = protobuf.encode({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "foo"}})
    listed = protobuf.decode(envelope(b"v1", b"List", _pb(2, _pb(1, inner)) + _pb(2, _pb(1, b'{"a":1}'))))
    assert listed["items"] == [{"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "foo", **META},
                                "spec": {}, "status": {}}, {"a": 1}]
    body = envelope(b"v1", b"Namespace", b"")
    for _ in range(3000):                                   # List{items: [RawExtension{raw: <the last body>}]}
        body = envelope(b"v1", b"List", _pb(2, _pb(1, body)))
    with pytest.raises(APIError) as err:
        protobuf.decode(body)
    assert (err.value.code, err.value.message) == (400, 'List in version "v1" cannot be handled as a List: '
                                                        'exceeded max depth')
    with pytest.raises(APIError) as err:
        protobuf.decode(envelope(b"v1", b"List", _pb(2, _pb(1, b"[" * 100000))))
    assert err.value.message.endswith("json: error calling MarshalJSON for type runtime.RawExtension: invalid JSON")


# --- the real kubectl against `kubeteach serve` -------------------------------------------------------------------

@pytest.fixture
def kubectl(tmp_path: Path, pinned_kubectl: str) -> Iterator:
    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        run = real_kubectl(kubeconfig, tmp_path)
        run.kubeconfig = kubeconfig                        # type: ignore[attr-defined]
        yield run


def _post(kubeconfig: Path, path: str, body: bytes, user: str) -> tuple[int, dict]:
    """POST a protobuf body as `user` (admin: client certificate; dev: token) and read the JSON answer."""
    kc = yaml.safe_load(kubeconfig.read_text())
    cluster = kc["clusters"][0]["cluster"]
    creds = next(u["user"] for u in kc["users"] if u["name"] == user)
    ctx = ssl.create_default_context(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
    headers = {"Content-Type": protobuf.MEDIA_TYPE, "Accept": "application/json"}
    if "token" in creds:
        headers["Authorization"] = f"Bearer {creds['token']}"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "c.pem").write_bytes(base64.b64decode(creds["client-certificate-data"]))
            (Path(tmp) / "k.pem").write_bytes(base64.b64decode(creds["client-key-data"]))
            ctx.load_cert_chain(Path(tmp) / "c.pem", Path(tmp) / "k.pem")
    host, port = cluster["server"].split("//")[1].rsplit(":", 1)
    conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=30)
    conn.request("POST", path, body=body, headers=headers)
    resp = conn.getresponse()
    answer = (resp.status, json.loads(resp.read()))
    conn.close()
    return answer


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_typed_create_commands_send_protobuf_and_are_stored_right(kubectl):
    assert _ok(kubectl("create", "deployment", "web", "--image=nginx:1.25", "-v=8")) == "deployment.apps/web created\n"
    web = json.loads(_ok(kubectl("get", "deployment", "web", "-o", "json")))
    assert web["metadata"]["labels"] == {"app": "web"} and web["spec"]["replicas"] == 1
    assert web["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert web["spec"]["template"]["spec"]["containers"][0] | {} == {
        **web["spec"]["template"]["spec"]["containers"][0], "name": "nginx", "image": "nginx:1.25",
        "resources": {}}
    assert web["spec"]["strategy"]["type"] == "RollingUpdate"          # defaulted as for a JSON body
    sent = kubectl("create", "namespace", "foo", "-v=8")
    assert sent.stdout == "namespace/foo created\n"
    assert "Content-Type: application/vnd.kubernetes.protobuf" in sent.stderr
    for args, out in [
        (("role", "pod-reader", "--verb=get,list", "--resource=pods"),
         "role.rbac.authorization.k8s.io/pod-reader created\n"),
        (("rolebinding", "read", "--role=pod-reader", "--user=bob"),
         "rolebinding.rbac.authorization.k8s.io/read created\n"),
        (("clusterrole", "node-lister", "--verb=list", "--resource=nodes"),
         "clusterrole.rbac.authorization.k8s.io/node-lister created\n"),
        (("clusterrolebinding", "list-nodes", "--clusterrole=node-lister", "--group=devs"),
         "clusterrolebinding.rbac.authorization.k8s.io/list-nodes created\n"),
        (("serviceaccount", "builder", "-n", "foo"), "serviceaccount/builder created\n"),
    ]:
        assert _ok(kubectl("create", *args)) == out
    role = json.loads(_ok(kubectl("get", "role", "pod-reader", "-o", "json")))
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
    binding = json.loads(_ok(kubectl("get", "clusterrolebinding", "list-nodes", "-o", "json")))
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "devs"}]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                  "name": "node-lister"}
    assert _ok(kubectl("get", "serviceaccount", "builder", "-n", "foo", "-o", "name")) == "serviceaccount/builder\n"
    assert _ok(kubectl("auth", "can-i", "create", "pods")) == "yes\n"
    no = kubectl("--context", "dev", "auth", "can-i", "create", "deployments")
    assert (no.returncode, no.stdout) == (1, "no\n")
    whoami = _ok(kubectl("--context", "dev", "auth", "whoami")).splitlines()
    assert [line.split(None, 1) for line in whoami] == [["ATTRIBUTE", "VALUE"], ["Username", "dev"],
                                                         ["Groups", "[developers system:authenticated]"]]
    assert "selfsubjectreviews.authentication.k8s.io" in _ok(kubectl("auth", "can-i", "--list"))
    # kinds the server does not serve: the 404 of the routing, as kubectl words it for each generator
    for args, err in [(("configmap", "c", "--from-literal=a=b"), "error: failed to create configmap: "),
                      (("secret", "generic", "s", "--from-literal=a=b"), "error: failed to create secret "),
                      (("job", "j", "--image=busybox"), "error: failed to create job: ")]:
        result = kubectl("create", *args)
        assert (result.returncode, result.stderr) == (1, err + "the server could not find the requested resource\n")


def test_scale_rollout_and_drain_with_typed_clients(kubectl):
    _ok(kubectl("create", "deployment", "web", "--image=nginx:1.25", "--replicas=3"))
    _ok(kubectl("rollout", "status", "deployment/web", "--timeout=60s"))
    assert _ok(kubectl("scale", "deployment/web", "--replicas=4")) == "deployment.apps/web scaled\n"
    _ok(kubectl("rollout", "status", "deployment/web", "--timeout=60s"))
    _ok(kubectl("set", "image", "deployment/web", "nginx=nginx:1.26"))
    _ok(kubectl("rollout", "status", "deployment/web", "--timeout=60s"))
    history = _ok(kubectl("rollout", "history", "deployment/web")).splitlines()
    assert history[:4] == ["deployment.apps/web ", "REVISION  CHANGE-CAUSE", "1         <none>", "2         <none>"]
    assert "Image:\tnginx:1.25" in _ok(kubectl("rollout", "history", "deployment/web", "--revision=1"))
    assert _ok(kubectl("rollout", "undo", "deployment/web")) == "deployment.apps/web rolled back\n"
    _ok(kubectl("rollout", "status", "deployment/web", "--timeout=60s"))
    image = "jsonpath={.spec.template.spec.containers[0].image}"
    assert _ok(kubectl("get", "deployment", "web", "-o", image)) == "nginx:1.25"

    pods = json.loads(_ok(kubectl("get", "pods", "-o", "json")))["items"]
    node = pods[0]["spec"]["nodeName"]
    on_node = sorted(p["metadata"]["name"] for p in pods if p["spec"]["nodeName"] == node)
    # discovery lists pods/eviction, so kubectl drain POSTs each pod a policy/v1 Eviction
    drained = kubectl("drain", node, "--ignore-daemonsets", "--timeout=60s", "-v=8")
    assert drained.returncode == 0, drained.stderr
    evictions = [r for r in drained.stderr.split('"Request" verb="POST"')[1:] if "/eviction" in r.split("\n")[0]]
    # (kubectl's eviction client sends the policy/v1 Eviction as JSON; the goroutines' -v=8 logs interleave)
    assert len(evictions) == len(on_node) and '{"kind":"Eviction","apiVersion":"policy/v1"' in drained.stderr
    assert drained.stdout.splitlines()[0] == f"node/{node} cordoned"
    assert sorted(f"pod/{name} evicted" for name in on_node) == sorted(
        line for line in drained.stdout.splitlines() if line.endswith(" evicted"))
    assert drained.stdout.splitlines()[-1] == f"node/{node} drained"
    left = json.loads(_ok(kubectl("get", "pods", "-o", "json")))["items"]
    assert not {p["metadata"]["name"] for p in left} & set(on_node)


def test_a_broken_protobuf_body_is_forbidden_before_it_is_read_and_writes_nothing(kubectl):
    path = "/apis/apps/v1/namespaces/default/deployments"
    code, body = _post(kubectl.kubeconfig, path, b"k8s\x00\x0a\xff", "dev")
    assert (code, body["reason"]) == (403, "Forbidden")
    assert body["message"] == ('deployments.apps is forbidden: User "dev" cannot create resource "deployments" in '
                               'API group "apps" in the namespace "default"')
    code, body = _post(kubectl.kubeconfig, path, b"k8s\x00\x0a\xff", "admin")
    assert (code, body["message"]) == (400, UNRECOGNIZED + "unexpected EOF (6b3873000aff)")
    broken = copy.deepcopy(SEED)
    broken["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "lots"}}
    code, body = _post(kubectl.kubeconfig, path, protobuf.encode(broken), "admin")
    assert (code, body["message"]) == (400, HANDLED + "quantities must match the regular expression "
                                            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    assert _ok(kubectl("get", "deployments", "-o", "name")) == ""
