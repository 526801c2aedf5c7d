"""Every write is decoded and validated, whatever its path: create, update (PUT), the three patch types, the status
and scale subresources; a Python caller cannot slip non-JSON data in; YAML bombs and NaN never get far.

Expected texts come from kube-apiserver v1.35 (endpoints/handlers/patch.go, rest.go transformDecodeError,
pkg/registry/apps/deployment/storage ScaleREST, pkg/apis/apps/validation) and kubectl v1.35 (CheckErr,
sigs.k8s.io/yaml, goyaml.v2's alias limit).
"""

from __future__ import annotations

import base64
import functools
import http.client
import json
import ssl
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import deployment, serve_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubeteach.apiserver import APIError
from kubeteach.apiserver.decoding import MAX_DEPTH, loads
from kubeteach.cluster import Cluster

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENT = ROOT / "data" / "deployment.yaml"
REPLICAS_ERROR = "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
LABEL_ERROR = "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"


@pytest.fixture
def c() -> Cluster:
    """A default cluster without controllers (nothing else writes) and the nginx Deployment."""
    cluster = Cluster(components=[])
    assert cluster.kubectl(f"create -f {DEPLOYMENT}").ok
    return cluster


def refused(c: Cluster, fn, *args, **kwargs) -> APIError:
    """Run a client call that must fail, and check the store did not move."""
    revision = c.etcd.revision
    with pytest.raises(APIError) as err:
        fn(*args, **kwargs)
    assert c.etcd.revision == revision
    return err.value


def kubectl_refused(c: Cluster, command: str) -> str:
    """Run a kubectl command that must fail without a write; its stderr."""
    revision = c.etcd.revision
    r = c.kubectl(command)
    assert r.returncode == 1 and r.stdout == ""
    assert c.etcd.revision == revision
    return r.stderr


# --- patches ------------------------------------------------------------------------------------------------------

def test_a_json_patch_to_a_string_replicas_is_refused_as_patch_go_refuses_it(c):
    err = refused(c, c.client().patch, "deployments", "default", "nginx",
                  [{"op": "replace", "path": "/spec/replicas", "value": "3"}], "json")
    assert (err.code, err.reason) == (422, "Invalid")
    assert err.message.startswith(' "" is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"apps/v1\\",')
    assert err.message.endswith(f'}}": {REPLICAS_ERROR}')
    assert '\\"replicas\\":\\"3\\"' in err.message      # the patched object, as JSON, quoted with %q
    assert err.details["causes"][0]["field"] == "patch"
    stderr = kubectl_refused(c, "patch deployment nginx --type=json -p "
                                "'[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":\"many\"}]'")
    assert stderr.startswith('The request is invalid: patch: Invalid value: "{') and \
        stderr.endswith(f'": {REPLICAS_ERROR}\n')


def test_a_numeric_label_value_is_refused_by_every_patch_type_and_by_put(c):
    labels = {"metadata": {"labels": {"tier": 1}}}
    err = refused(c, c.client().patch, "deployments", "default", "nginx", labels, "merge")
    assert err.message.endswith(f'": {LABEL_ERROR}')
    # a merge patch's result re-marshals the objects the patch reaches with sorted keys, as the Go library does
    assert '\\"metadata\\":{\\"creationTimestamp\\":' in err.message
    err = refused(c, c.client().patch, "deployments", "default", "nginx", labels, "strategic")
    assert err.message == ' "" is invalid: patch: Invalid value: "map[metadata:map[labels:map[tier:1]]]": cannot ' \
                          "convert int64 to string"
    assert kubectl_refused(c, "patch deployment nginx -p '{\"metadata\":{\"labels\":{\"tier\":1}}}'") == \
        'The request is invalid: patch: Invalid value: "map[metadata:map[labels:map[tier:1]]]": cannot convert ' \
        "int64 to string\n"
    d = c.client().get("deployments", "default", "nginx")
    d["metadata"]["labels"]["tier"] = 1
    err = refused(c, c.client().update, "deployments", d)
    assert (err.code, err.message) == (400, f'Deployment in version "v1" cannot be handled as a Deployment: '
                                             f"{LABEL_ERROR}")


def test_a_strategic_merge_patch_reports_the_unstructured_converters_error(c):
    err = refused(c, c.client().patch, "deployments", "default", "nginx", {"spec": {"replicas": "many"}})
    assert err.message == ' "" is invalid: patch: Invalid value: "map[spec:map[replicas:many]]": unrecognized ' \
                          "type: int32"


@pytest.mark.parametrize(("op", "error"), [
    ({"op": "replace", "path": "/kind", "value": "ReplicaSet"},
     "converting (v1.ReplicaSet) to (apps.Deployment): unknown conversion"),
    ({"op": "replace", "path": "/kind", "value": "Pod"},
     'no kind "Pod" is registered for version "apps/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"'),
    ({"op": "replace", "path": "/apiVersion", "value": "apps/v2"},
     'no kind "Deployment" is registered for version "apps/v2" in scheme "pkg/api/legacyscheme/scheme.go:30"'),
])
def test_a_json_patch_may_not_change_kind_or_api_version(c, op, error):
    err = refused(c, c.client().patch, "deployments", "default", "nginx", [op], "json")
    assert (err.code, err.reason) == (422, "Invalid") and err.message.endswith(f'": {error}')


def test_valid_patches_still_work_and_keep_the_kind(c):
    client = c.client()
    assert client.patch("deployments", "default", "nginx", {"spec": {"replicas": 4}}, "merge")["spec"][
        "replicas"] == 4
    assert client.patch("deployments", "default", "nginx",
                        [{"op": "replace", "path": "/spec/replicas", "value": 2}], "json")["spec"]["replicas"] == 2
    patched = client.patch("deployments", "default", "nginx", {"metadata": {"labels": {"tier": "web"}}})
    assert patched["metadata"]["labels"] == {"app": "nginx", "tier": "web"}
    gone = client.patch("deployments", "default", "nginx", [{"op": "remove", "path": "/kind"}], "json")
    assert (gone["kind"], gone["apiVersion"]) == ("Deployment", "apps/v1")     # decoding defaults TypeMeta
    assert c.kubectl("patch deployment nginx --type=merge -p 'spec: {replicas: 5}'").stdout == \
        "deployment.apps/nginx patched\n"


def test_kubectl_patch_parses_yaml_like_kubectl_and_passes_json_through(c):
    assert kubectl_refused(c, "patch deployment nginx --type=merge -p 'spec: {replicas: .inf}'") == \
        'error: unable to parse "spec: {replicas: .inf}": json: unsupported value: +Inf\n'
    # a patch that starts with `{` is sent as it is: the server's decoder refuses `.nan`
    assert kubectl_refused(c, "patch deployment nginx --type=merge -p '{\"spec\":{\"replicas\":.nan}}'") == \
        "Error from server (BadRequest): error decoding patch: invalid character '.' looking for beginning of " \
        "value\n"
    assert kubectl_refused(c, "patch deployment nginx -p '{\"spec\":{\"replicas\":.nan}}'") == \
        "Error from server (BadRequest): invalid character '.' looking for beginning of value\n"


# --- values from Python that are not JSON -------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "message"), [
    (float("nan"), "json: unsupported value: NaN"),
    (float("inf"), "json: unsupported value: +Inf"),
    (float("-inf"), "json: unsupported value: -Inf"),
    ({3}, "json: unsupported type: set"),
    ((1, 2), "json: unsupported type: tuple"),
    (b"3", "json: unsupported type: bytes"),
    ({1: "a"}, "json: unsupported type: map key of type int"),
])
def test_python_values_that_are_not_json_are_refused_on_every_path(c, value, message):
    client = c.client()
    d = client.get("deployments", "default", "nginx")
    d["spec"]["replicas"] = value
    for call in (lambda: client.update("deployments", d), lambda: client.update_status("deployments", d),
                 lambda: client.create("deployments", {**d, "metadata": {"name": "other"}}),
                 lambda: client.patch("deployments", "default", "nginx", {"spec": {"replicas": value}}, "merge"),
                 lambda: client.patch("deployments", "default", "nginx", {"spec": {"replicas": value}},
                                      subresource="scale")):
        err = refused(c, call)
        assert (err.code, err.reason, err.message) == (400, "BadRequest", message)


# --- status and scale ---------------------------------------------------------------------------------------------

def test_status_updates_are_decoded_and_validated(c):
    client = c.client()
    d = client.get("deployments", "default", "nginx")
    d["status"] = {"replicas": -1}
    err = refused(c, client.update_status, "deployments", d)
    # the other counts default to 0, which is above -1: Go reports those too
    assert (err.code, err.message) == (422, 'Deployment.apps "nginx" is invalid: [status.replicas: Invalid value: '
                                            "-1: must be greater than or equal to 0, status.updatedReplicas: Invalid "
                                            "value: 0: cannot be greater than status.replicas, status.readyReplicas: "
                                            "Invalid value: 0: cannot be greater than status.replicas, "
                                            "status.availableReplicas: Invalid value: 0: cannot be greater than "
                                            "status.replicas]")
    d["status"] = {"replicas": 1, "readyReplicas": 1, "availableReplicas": 2}
    err = refused(c, client.update_status, "deployments", d)
    assert err.message == ('Deployment.apps "nginx" is invalid: [status.availableReplicas: Invalid value: 2: cannot '
                           "be greater than status.replicas, status.availableReplicas: Invalid value: 2: cannot be "
                           "greater than readyReplicas]")
    d["status"] = {"replicas": "many"}
    err = refused(c, client.update_status, "deployments", d)
    assert (err.code, err.message) == (400, 'Deployment in version "v1" cannot be handled as a Deployment: json: '
                                            "cannot unmarshal string into Go struct field DeploymentStatus.status."
                                            "replicas of type int32")
    err = refused(c, client.patch, "deployments", "default", "nginx", {"status": {"replicas": "x"}}, "merge",
                  subresource="status")
    assert err.message.endswith('": json: cannot unmarshal string into Go struct field DeploymentStatus.status.'
                                "replicas of type int32")
    d["status"] = {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1}
    assert client.update_status("deployments", d)["status"]["availableReplicas"] == 1


def test_the_scale_subresource_decodes_and_validates_its_scale(c):
    client = c.client()
    err = refused(c, client.patch, "deployments", "default", "nginx", {"spec": {"replicas": -1}}, "merge",
                  subresource="scale")
    assert (err.code, err.message) == (422, 'Scale.autoscaling "nginx" is invalid: spec.replicas: Invalid value: '
                                            "-1: must be greater than or equal to 0")
    scale = client.request("get", "deployments", "default", "nginx", "scale")
    scale["spec"]["replicas"] = "many"
    err = refused(c, client.request, "update", "deployments", "default", "nginx", "scale", scale)
    assert (err.code, err.message) == (400, 'Scale in version "v1" cannot be handled as a Scale: json: cannot '
                                            "unmarshal string into Go struct field ScaleSpec.spec.replicas of type "
                                            "int32")
    err = refused(c, client.patch, "deployments", "default", "nginx", {"spec": {"replicas": "many"}}, "merge",
                  subresource="scale")
    assert err.message.startswith(' "" is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"autoscaling/v1\\"')
    scale["spec"]["replicas"] = 3
    assert client.request("update", "deployments", "default", "nginx", "scale", scale)["spec"]["replicas"] == 3
    assert kubectl_refused(c, "scale deployment nginx --replicas=-1") == \
        "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n"
    assert kubectl_refused(c, "patch deployment nginx --subresource=scale --type=merge -p 'spec: {replicas: -2}'") \
        == 'The Scale "nginx" is invalid: spec.replicas: Invalid value: -2: must be greater than or equal to 0\n'


# --- manifests: bombs, NaN, depth ---------------------------------------------------------------------------------

def bomb(levels: int = 9) -> str:
    """A billion-laughs document: each level lists the previous one nine times."""
    lines = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: nginx", "lol:",
             '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnopqrstuvwxyz"
    for i in range(1, levels):
        lines.append(f"  {names[i]}: &{names[i]} [" + ",".join([f"*{names[i - 1]}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("verb", ["create", "apply", "replace"])
def test_a_yaml_bomb_is_refused_by_every_file_reading_command(c, verb, tmp_path):
    (tmp_path / "bomb.yaml").write_text(bomb())
    assert kubectl_refused(c, f"{verb} -f {tmp_path / 'bomb.yaml'}") == \
        f"error: error parsing {tmp_path / 'bomb.yaml'}: error converting YAML to JSON: yaml: document contains " \
        "excessive aliasing\n"


def test_a_bomb_cannot_build_a_cluster_or_patch(c, tmp_path):
    (tmp_path / "cluster.yaml").write_text(bomb())
    with pytest.raises(ValueError, match="^yaml: document contains excessive aliasing$"):
        Cluster.from_file(tmp_path / "cluster.yaml")
    (tmp_path / "patch.yaml").write_text(bomb())
    assert kubectl_refused(c, f"patch deployment nginx --type=merge --patch-file {tmp_path / 'patch.yaml'}") == \
        'error: unable to parse "": yaml: document contains excessive aliasing\n'


def test_modest_aliases_are_fine_and_go_yaml_errors_are_mirrored(c, tmp_path):
    doc = yaml.safe_load(DEPLOYMENT.read_text())
    text = yaml.safe_dump(doc).replace("labels:\n    app: nginx", "labels: &l\n    app: nginx", 1)
    text = text.replace("matchLabels:\n      app: nginx", "matchLabels: *l", 1)
    assert "*l" in text
    (tmp_path / "ok.yaml").write_text(text.replace("name: nginx\n", "name: aliased\n", 1))
    assert c.kubectl(f"create -f {tmp_path / 'ok.yaml'}").stdout == "deployment.apps/aliased created\n"
    for body, error in (("a: &a [*a]\n", "yaml: anchor 'a' value contains itself"),
                        ("a: *b\n", "yaml: unknown anchor 'b' referenced"),
                        ("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n",
                         f"yaml: exceeded max depth of {MAX_DEPTH}")):
        (tmp_path / "x.yaml").write_text(body)
        assert kubectl_refused(c, f"create -f {tmp_path / 'x.yaml'}") == \
            f"error: error parsing {tmp_path / 'x.yaml'}: error converting YAML to JSON: {error}\n"


def test_nan_in_a_manifest_and_json_nan_read_as_yaml(c, tmp_path):
    (tmp_path / "x.yaml").write_text(DEPLOYMENT.read_text().replace("replicas: 1", "replicas: -.inf"))
    assert kubectl_refused(c, f"create -f {tmp_path / 'x.yaml'}") == \
        f"error: error parsing {tmp_path / 'x.yaml'}: error converting YAML to JSON: json: unsupported value: -Inf\n"
    # NaN is no JSON, so kubectl reads the stream as YAML, where `NaN` is a string: the server refuses that
    doc = yaml.safe_load(DEPLOYMENT.read_text())
    doc["metadata"]["name"] = "nan"
    (tmp_path / "x.json").write_text(json.dumps(doc).replace('"replicas": 1', '"replicas": NaN'))
    assert kubectl_refused(c, f"create -f {tmp_path / 'x.json'}") == \
        f'Error from server (BadRequest): error when creating "{tmp_path / "x.json"}": Deployment in version "v1" ' \
        "cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec." \
        "spec.replicas of type int32\n"


# --- request bodies as the HTTP server decodes them ----------------------------------------------------------------

def test_request_bodies_decode_with_go_json_errors():
    body = b'{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":NaN}}'
    with pytest.raises(APIError) as err:
        loads(body, into="Deployment")
    assert (err.value.code, err.value.message) == (
        400, "the object provided is unrecognized (must be of type Deployment): couldn't get version/kind; json "
             "parse error: invalid character 'N' looking for beginning of value "
             '({"apiVersion":"apps/v1","kind" ...)')
    with pytest.raises(APIError) as err:
        loads(b'{"spec":{"replicas":-Infinity}}', patch_type="merge")
    assert err.value.message == "error decoding patch: invalid character 'I' in numeric literal"
    with pytest.raises(APIError) as err:
        loads(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    assert err.value.message == "couldn't get version/kind; json parse error: invalid character '[' exceeded max depth"
    with pytest.raises(APIError) as err:
        loads(b'{"a": 1', patch_type="strategic")
    assert err.value.message == "unexpected end of JSON input"
    assert loads(b'{"a": [1, 2.5, "NaN"]}') == {"a": [1, 2.5, "NaN"]}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[http.client.HTTPSConnection, dict]]:
    """`kubeteach serve` in a subprocess, and an HTTPS connection with the admin client certificate."""
    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):        # written whole, then renamed into place
        config = yaml.safe_load(kubeconfig.read_text())
        cluster = config["clusters"][0]["cluster"]
        user = next(u["user"] for u in config["users"] if u["name"] == "admin")
        ctx = ssl.create_default_context(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "c.pem").write_bytes(base64.b64decode(user["client-certificate-data"]))
            (Path(tmp) / "k.pem").write_bytes(base64.b64decode(user["client-key-data"]))
            ctx.load_cert_chain(Path(tmp) / "c.pem", Path(tmp) / "k.pem")
        host, _, port = cluster["server"].removeprefix("https://").partition(":")

        def call(method: str, path: str, body: bytes | None = None, content_type: str = "application/json"):
            conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=30)
            conn.request(method, path, body=body, headers={"Content-Type": content_type, "Accept": "application/json"})
            resp = conn.getresponse()
            out = resp.status, json.loads(resp.read() or b"{}")
            conn.close()
            return out
        yield call


def test_served_writes_with_a_string_replicas_or_nan_are_refused(served):
    call = served
    base = "/apis/apps/v1/namespaces/default/deployments"
    manifest = yaml.safe_load(DEPLOYMENT.read_text())
    assert call("POST", base, json.dumps(manifest).encode())[0] == 201
    _, before = call("GET", f"{base}/nginx")
    patch = json.dumps([{"op": "replace", "path": "/spec/replicas", "value": "3"}]).encode()
    code, status = call("PATCH", f"{base}/nginx", patch, "application/json-patch+json")
    assert (code, status["reason"]) == (422, "Invalid") and status["message"].endswith(REPLICAS_ERROR)
    _, after = call("GET", f"{base}/nginx")
    assert (after["spec"]["replicas"], after["metadata"]["generation"]) == \
        (before["spec"]["replicas"], before["metadata"]["generation"])
    manifest["metadata"]["name"] = "nan"
    body = json.dumps(manifest).replace('"replicas": 1', '"replicas": NaN').encode()
    assert b"NaN" in body
    code, status = call("POST", base, body)
    assert 400 <= code < 500 and status["reason"] == "BadRequest"
    assert call("GET", f"{base}/nan")[0] == 404


# --- the class of fault: whatever a client sends, the API answers an APIError or stores plain JSON -------------

_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(allow_nan=True), st.text(max_size=5),
                  st.sampled_from(["nginx", "apps/v1", "Deployment", "v1", "metadata", "spec"]))
_KEYS = st.sampled_from(["metadata", "spec", "status", "kind", "apiVersion", "labels", "name", "replicas", "selector",
                         "template", "containers", "image", "matchLabels", "annotations", "finalizers", "uid",
                         "ownerReferences", "$patch", "resourceVersion", "namespace", "strategy", "maxSurge"])
_VALUE = st.recursive(_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4)),
                      max_leaves=12)
_JSON_PATCH = st.lists(st.fixed_dictionaries({
    "op": st.sampled_from(["add", "replace", "remove", "test", "move", "copy"]),
    "path": st.sampled_from(["/spec/replicas", "/metadata/labels", "/kind", "/metadata", "/spec", "/status", "/x",
                             "/spec/template/spec/containers/0", "/metadata/name"]),
    "value": _VALUE, "from": st.sampled_from(["/spec", "/metadata/labels"])}), max_size=3)


@functools.cache
def _fuzz_cluster() -> Cluster:
    """One API server (no controllers) with the seed's Deployment, shared by the fuzz examples."""
    c = Cluster(components=[])
    c.client().create("deployments", deployment(), "default")
    return c


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(["strategic", "merge", "json", "update", "status", "scale", "create", "apply",
                             "apply-typed"]), body=_VALUE, ops=_JSON_PATCH)
def test_any_body_on_any_write_path_is_refused_cleanly_or_stored_as_plain_json(path, body, ops):
    c = _fuzz_cluster()
    admin = c.client()
    revision = c.etcd.revision
    try:
        if path == "json":
            admin.patch("deployments", "default", "nginx", ops, "json")
        elif path in ("strategic", "merge"):
            admin.patch("deployments", "default", "nginx", body, path)
        elif path.startswith("apply"):      # server-side apply; "apply-typed" gets the right version, kind and name
            if path == "apply-typed" and isinstance(body, dict):
                meta = body["metadata"] if isinstance(body.get("metadata"), dict) else {}
                body = {**body, "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {**meta, "name": "nginx"}}
            admin.request("patch", "deployments", "default", "nginx", body=body, patchType="apply",
                          fieldManager="fuzz")
        elif path == "create":
            admin.request("create", "deployments", "default", body=body)
        else:
            admin.request("update", "deployments", "default", "nginx", "" if path == "update" else path, body=body)
    except APIError:
        assert c.etcd.revision == revision          # refused: nothing written
        return
    for d in c.list("deployments"):
        json.dumps(d, allow_nan=False)              # accepted: what is stored is plain JSON
        assert isinstance(d["spec"]["replicas"], int) and d["kind"] == "Deployment"
