"""`kubeteach serve`: the REST API over HTTPS, driven by the real kubectl (v1.35 from scripts/kubectl.sh), by the
official `kubernetes` Python client, and piece by piece (routing, discovery, OpenAPI, Tables, field selectors,
protobuf, authentication).
"""

from __future__ import annotations

import json
import ssl
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import real_kubectl, serve_cli

from kubeteach.apiserver import APIError
from kubeteach.apiserver.fields import field_matches, parse_field_selector
from kubeteach.apiserver.resources import BY_RESOURCE
from kubeteach.server import discovery, protobuf
from kubeteach.server.http import route
from kubeteach.server.tables import table, wants_table

needs_kubectl = pytest.mark.usefixtures("pinned_kubectl")


# --- pieces -------------------------------------------------------------------------------------------------------

def test_routes_name_resource_namespace_name_and_subresource():
    r = route("/apis/apps/v1/namespaces/default/deployments/nginx/scale")
    assert (r.resource.resource, r.namespace, r.name, r.subresource) == ("deployments", "default", "nginx", "scale")
    r = route("/api/v1/namespaces/default")
    assert (r.resource.resource, r.namespace, r.name) == ("namespaces", "", "default")
    r = route("/api/v1/namespaces/kube-system/status")
    assert (r.resource.resource, r.name, r.subresource) == ("namespaces", "kube-system", "status")
    r = route("/api/v1/nodes/node-1/status")
    assert (r.resource.resource, r.name, r.subresource) == ("nodes", "node-1", "status")
    assert route("/apis/apps/v1") == "apps/v1" and route("/api/v1") == "v1"
    assert route("/apis/apps/v1/pods") is None                  # pods are not in apps/v1
    assert route("/api/v1/namespaces/default/nodes") is None    # nodes are not namespaced
    assert route("/version") is None


def test_discovery_lists_resources_subresources_and_the_all_category():
    apps = discovery.resource_list("apps/v1")
    by_name = {r["name"]: r for r in apps["resources"]}
    assert by_name["deployments"]["shortNames"] == ["deploy"] and by_name["deployments"]["categories"] == ["all"]
    assert by_name["deployments/scale"] == {"name": "deployments/scale", "singularName": "", "namespaced": True,
                                            "kind": "Scale", "verbs": ["get", "patch", "update"],
                                            "group": "autoscaling", "version": "v1"}
    core = {r["name"]: r for r in discovery.resource_list("v1")["resources"]}
    assert core["pods/binding"]["verbs"] == ["create"] and core["nodes"]["namespaced"] is False
    groups = [g["name"] for g in discovery.api_groups()["groups"]]
    assert groups == ["apps", "events.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io",
                      "admissionregistration.k8s.io", "scheduling.k8s.io",
                      "coordination.k8s.io", "discovery.k8s.io",
                      "authorization.k8s.io"]       # events.k8s.io right after apps, as kube-apiserver's priorities
    assert discovery.resource_list("batch/v1") is None
    assert discovery.version()["gitVersion"] == "v1.35.0"


def test_openapi_v3_says_each_kind_validates_fields_on_the_server():
    index = discovery.openapi_index()["paths"]
    assert index["apis/apps/v1"]["serverRelativeURL"].startswith("/openapi/v3/apis/apps/v1?hash=")
    doc = discovery.openapi_document("apps/v1")
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert {"name": "fieldValidation", "in": "query"}.items() <= patch["parameters"][2].items()


def test_a_table_has_kubectls_columns_wide_ones_at_priority_1(bare):
    from conftest import pod

    bare.client("admin").create("pods", pod("web"), "default")
    obj = bare.get("pod", "web")
    t = table(BY_RESOURCE["pods"], [obj], bare.now + 90)
    assert [(c["name"], c["priority"]) for c in t["columnDefinitions"]] == [
        ("Name", 0), ("Ready", 0), ("Status", 0), ("Restarts", 0), ("Age", 0), ("IP", 1), ("Node", 1),
        ("Nominated Node", 1), ("Readiness Gates", 1)]
    assert t["rows"][0]["cells"] == ["web", "0/1", "Pending", "0", "90s", "<none>", "<none>", "<none>", "<none>"]
    assert t["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert wants_table("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
    assert not wants_table("application/json, */*")


def test_field_selectors_compare_dotted_fields_as_strings():
    reqs = parse_field_selector("metadata.name=nginx,spec.nodeName!=node-1", "pods")
    assert reqs == [("metadata.name", True, "nginx"), ("spec.nodeName", False, "node-1")]
    assert field_matches(reqs, {"metadata": {"name": "nginx"}, "spec": {}})
    assert not field_matches(reqs, {"metadata": {"name": "nginx"}, "spec": {"nodeName": "node-1"}})
    with pytest.raises(APIError) as err:
        parse_field_selector("metadata.name", "pods")
    assert err.value.code == 400
    with pytest.raises(APIError, match="^field label not supported: spec.nodeName$"):
        parse_field_selector("spec.nodeName=node-1", "deployments")


def _pb(number: int, payload: bytes) -> bytes:
    return bytes([number << 3 | 2, len(payload)]) + payload


def test_protobuf_selfsubjectaccessreview_decodes_to_its_json():
    attrs = _pb(1, b"default") + _pb(2, b"create") + _pb(3, b"apps") + _pb(5, b"deployments")
    raw = _pb(2, _pb(1, attrs))
    body = protobuf.MAGIC + _pb(1, _pb(1, b"authorization.k8s.io/v1") + _pb(2, b"SelfSubjectAccessReview")) + \
        _pb(2, raw)
    assert protobuf.decode(body) == {
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "metadata": {"creationTimestamp": None}, "status": {"allowed": False},   # as Go's json.Marshal prints them
        "spec": {"resourceAttributes": {"namespace": "default", "verb": "create", "group": "apps",
                                        "resource": "deployments"}}}
    with pytest.raises(APIError) as err:
        protobuf.decode(b"not protobuf")
    assert err.value.code == 400                            # the serializer's error, a BadRequest (test_protobuf.py)


# --- a served cluster, in process ---------------------------------------------------------------------------------

@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple]:
    """A default cluster served on a free port at 50x speed, with its kubeconfig; stopped after."""
    from kubeteach.cluster import Cluster
    from kubeteach.server import serve

    server = serve(Cluster(), port=0, kubeconfig=tmp_path / "kubeconfig", speed=50)
    try:
        yield server, tmp_path / "kubeconfig"
    finally:
        server.stop()


def _https(server, path: str, token: str | None = None) -> tuple[int, dict]:
    ctx = ssl.create_default_context(cadata=server.cluster.ca.cert_pem.decode())
    req = urllib.request.Request(server.url + path, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_no_anonymous_access_and_a_bad_token_is_401(served):
    server, _ = served
    unauthorized = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
    assert _https(server, "/api/v1/namespaces/default/pods") == (401, unauthorized)
    assert _https(server, "/version", token="abcdef.0123456789abcdef") == (401, unauthorized)
    dev = server.cluster.users["dev"].credentials.token
    code, body = _https(server, "/api/v1/namespaces/default/pods", token=dev)
    assert (code, body["reason"]) == (403, "Forbidden")
    assert body["message"] == ('pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the '
                               'namespace "default"')
    assert _https(server, "/version", token=dev)[1]["gitVersion"] == "v1.35.0"


def _watch_lines(server, path: str, accept: str = "application/json") -> list[dict]:
    """Open a watch as admin (client certificate) and read its events until the server's timeoutSeconds."""
    import http.client
    import tempfile

    ctx = ssl.create_default_context(cadata=server.cluster.ca.cert_pem.decode())
    creds = server.cluster.users["admin"].credentials
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "c.pem").write_bytes(creds.cert_pem)
        (Path(tmp) / "k.pem").write_bytes(creds.key_pem)
        ctx.load_cert_chain(Path(tmp) / "c.pem", Path(tmp) / "k.pem")
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=10)
    conn.request("GET", path, headers={"Accept": accept})
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Transfer-Encoding") == "chunked"
    events = [json.loads(line) for line in resp.read().splitlines() if line]
    conn.close()
    return events


def test_a_watch_replays_from_its_resource_version_then_ends_at_timeout(served):
    from conftest import pod

    server, _ = served
    with server.lock:
        listed = server.cluster.client("admin").list("pods", "default")
        server.cluster.client("admin").create("pods", pod("web"), "default")
        server.cluster.client("admin").delete("pods", "default", "web")   # unbound: deleted at once
    rv = listed["metadata"]["resourceVersion"]
    events = _watch_lines(server, f"/api/v1/namespaces/default/pods?watch=true&resourceVersion={rv}"
                                  "&timeoutSeconds=1")
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "web"), ("DELETED", "web")]
    revisions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert revisions[0] > int(rv) and revisions[1] > revisions[0]


def test_a_watchlist_sends_the_current_objects_then_a_bookmark_and_tables_when_asked(served):
    server, _ = served
    events = _watch_lines(server, "/api/v1/nodes?watch=true&sendInitialEvents=true&resourceVersionMatch="
                                  "NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1&fieldSelector="
                                  "metadata.name%3Dnode-2",
                          accept="application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
    assert [e["type"] for e in events[:2]] == ["ADDED", "BOOKMARK"]
    assert events[0]["object"]["kind"] == "Table" and events[0]["object"]["rows"][0]["cells"][:2] == \
        ["node-2", "Ready"]
    assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_the_kubeconfig_has_a_context_per_user_admin_current(served):
    server, path = served
    config = yaml.safe_load(path.read_text())
    assert config["current-context"] == "admin"
    assert [c["name"] for c in config["contexts"]] == ["admin", "dev"]
    assert config["clusters"][0]["cluster"]["server"] == f"https://127.0.0.1:{server.port}"
    users = {u["name"]: u["user"] for u in config["users"]}
    assert set(users["admin"]) == {"client-certificate-data", "client-key-data"} and set(users["dev"]) == {"token"}


def test_the_official_python_client_lists_creates_and_watches(served):
    kubernetes = pytest.importorskip("kubernetes", reason="pip install kubernetes (the test extra)")
    from conftest import deployment

    server, path = served
    api = kubernetes.config.new_client_from_config(str(path))
    core, apps = kubernetes.client.CoreV1Api(api), kubernetes.client.AppsV1Api(api)
    assert [n.metadata.name for n in core.list_namespace().items] == ["default", "kube-node-lease", "kube-public",
                                                                      "kube-system"]
    created = apps.create_namespaced_deployment("default", deployment(replicas=2))
    assert created.metadata.name == "nginx" and created.metadata.generation == 1
    w = kubernetes.watch.Watch()
    ready: list[str] = []
    for event in w.stream(core.list_namespaced_pod, "default", label_selector="app=nginx", timeout_seconds=20):
        pod = event["object"]
        if pod.status.phase == "Running" and pod.metadata.name not in ready:
            ready.append(pod.metadata.name)
        if len(ready) == 2:
            w.stop()
    assert len(ready) == 2 and all(name.startswith("nginx-") for name in ready)
    listed = core.list_namespaced_pod("default", label_selector="app=nginx")
    assert sorted(p.metadata.name for p in listed.items) == sorted(ready)
    assert int(listed.metadata.resource_version) >= max(int(p.metadata.resource_version) for p in listed.items)
    with pytest.raises(kubernetes.client.ApiException) as err:
        apps.read_namespaced_deployment("missing", "default")
    assert err.value.status == 404 and json.loads(err.value.body)["message"] == \
        'deployments.apps "missing" not found'


# --- the real kubectl against `kubeteach serve` --------------------------------------------------------------------

@pytest.fixture
def kubectl(tmp_path: Path) -> Iterator:
    """`kubeteach serve` in a subprocess on a free port (100x speed) and a function running the real kubectl."""
    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        kubectl = real_kubectl(kubeconfig, tmp_path)

        def run(args: str, ok: bool = True) -> subprocess.CompletedProcess:
            result = kubectl(*args.split())
            if ok:
                assert result.returncode == 0, f"kubectl {args}: {result.stderr}"
            return result
        yield run


@needs_kubectl
def test_the_seed_story_with_the_real_kubectl(kubectl):
    assert kubectl("version").stdout.splitlines()[-1] == "Server Version: v1.35.0"
    assert kubectl("get nodes").stdout.splitlines()[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert kubectl("create -f data/deployment.yaml").stdout == "deployment.apps/nginx created\n"
    assert kubectl("rollout status deployment/nginx --timeout=60s").stdout.endswith(
        'deployment "nginx" successfully rolled out\n')
    assert kubectl("set image deployment/nginx nginx=nginx:1.26").stdout == "deployment.apps/nginx image updated\n"
    kubectl("rollout status deployment/nginx --timeout=60s")
    assert kubectl("get deployment nginx -o jsonpath={.spec.template.spec.containers[0].image}").stdout == \
        "nginx:1.26"
    assert kubectl("rollout undo deployment/nginx").stdout == "deployment.apps/nginx rolled back\n"
    kubectl("rollout status deployment/nginx --timeout=60s")
    assert kubectl("scale deployment/nginx --replicas=3").stdout == "deployment.apps/nginx scaled\n"
    kubectl("rollout status deployment/nginx --timeout=60s")

    wide = kubectl("get pods -o wide").stdout.splitlines()
    assert wide[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE",
                               "READINESS", "GATES"]
    rows = [line.split() for line in wide[1:]]
    assert len(rows) == 3 and all(r[1:3] == ["1/1", "Running"] and r[5].startswith("10.244.") for r in rows)
    d = yaml.safe_load(kubectl("get deployment nginx -o yaml").stdout)
    assert d["spec"]["replicas"] == 3 and d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    described = kubectl("describe deployment nginx").stdout
    assert "Name:                   nginx\n" in described
    assert "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable\n" in described
    assert "Image:         nginx:1.25" in described

    no = kubectl("--context dev auth can-i create deployments", ok=False)
    assert (no.returncode, no.stdout) == (1, "no\n")
    assert kubectl("auth can-i create deployments").stdout == "yes\n"
    forbidden = kubectl("--context dev get pods", ok=False)
    assert forbidden.stderr == ('Error from server (Forbidden): pods is forbidden: User "dev" cannot list resource '
                                '"pods" in API group "" in the namespace "default"\n')
    whoami = kubectl("--context dev auth whoami").stdout.splitlines()
    assert [line.split(None, 1) for line in whoami] == [["ATTRIBUTE", "VALUE"], ["Username", "dev"],
                                                         ["Groups", "[developers system:authenticated]"]]
    assert kubectl("--as dev auth can-i create deployments", ok=False).stdout == "no\n"
    refused = kubectl("--context dev --as admin get pods", ok=False)
    assert refused.stderr == ('Error from server (Forbidden): users "admin" is forbidden: User "dev" cannot '
                              'impersonate resource "users" in API group "" at the cluster scope\n')
    listed = kubectl("--context dev auth can-i --list").stdout.splitlines()
    assert listed[0].split() == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    assert listed[1].split() == ["selfsubjectreviews.authentication.k8s.io", "[]", "[]", "[create]"]
    assert ["[/version]", "[]", "[get]"] in [line.split() for line in listed]
    bad = kubectl("--context dev --token abcdef.0123456789abcdef get pods", ok=False)
    assert (bad.returncode, bad.stderr) == (1, "error: You must be logged in to the server (Unauthorized)\n")
    missing = kubectl("get deployment web", ok=False)
    assert missing.stderr == 'Error from server (NotFound): deployments.apps "web" not found\n'

    assert kubectl("delete deployment nginx").stdout == 'deployment.apps "nginx" deleted from default namespace\n'
    gone = kubectl("get deployment nginx", ok=False)
    assert gone.stderr == 'Error from server (NotFound): deployments.apps "nginx" not found\n'
