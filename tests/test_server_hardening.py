"""`kubeteach serve` under bad input (issue #13): routing that serves only what the API serves, pods/log as its own
resource, kube-apiserver's body and header limits and timeouts, the impersonation headers, and list/watch parameters
that fail cleanly without leaking watchers. Real HTTPS against an in-process server: raw TLS sockets where the
framing is the point, http.client for the rest.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import KUBECTL, ROOT, deployment, pod

from kubeteach.apiserver.podlogs import pod_log
from kubeteach.cluster import Cluster
from kubeteach.server import Server
from kubeteach.server.http import MAX_REQUEST_BODY_BYTES, route

NOT_FOUND = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
             "message": "the server could not find the requested resource", "reason": "NotFound", "details": {},
             "code": 404}
NOT_ALLOWED = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "the server does not allow this method on the requested resource",
               "reason": "MethodNotAllowed", "details": {}, "code": 405}


@pytest.fixture
def served() -> Iterator[Server]:
    """A default cluster served at 50x speed with 1-second header and idle timeouts (kube-apiserver: 32 s, 90 s)."""
    server = Server(Cluster(), port=0, speed=50, header_timeout=1, idle_timeout=1).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def frozen() -> Iterator[Server]:
    """A served cluster whose clock does not move by itself (speed 0): the test steps it."""
    server = Server(Cluster(), port=0, speed=0).start()
    try:
        yield server
    finally:
        server.stop()


def _context(server: Server, user: str = "admin") -> ssl.SSLContext:
    ctx = ssl.create_default_context(cadata=server.cluster.ca.cert_pem.decode())
    creds = server.cluster.users[user].credentials
    if creds.cert_pem:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "c.pem").write_bytes(creds.cert_pem)
            (Path(tmp) / "k.pem").write_bytes(creds.key_pem)
            ctx.load_cert_chain(Path(tmp) / "c.pem", Path(tmp) / "k.pem")
    return ctx


def call(server: Server, method: str, path: str, body: object = None, headers: dict | None = None,
         user: str = "admin") -> tuple[int, object]:
    """One request over its own HTTPS connection: the status and the body (JSON parsed, else text)."""
    hdrs = dict(headers or {})
    token = server.cluster.users[user].credentials.token
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=_context(server, user), timeout=30)
    try:
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    if data and (resp.getheader("Content-Type") or "").startswith("application/json"):
        return resp.status, json.loads(data)
    return resp.status, data.decode()


def tls_socket(server: Server) -> ssl.SSLSocket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=15)
    return _context(server).wrap_socket(sock, server_hostname="127.0.0.1")


def read_until_closed(sock: ssl.SSLSocket) -> bytes:
    out = b""
    while chunk := sock.recv(65536):
        out += chunk
    return out


def watchers(server: Server) -> int:
    api = server.cluster.api
    return sum(len(ws) for ws in api._watchers.values()) + \
        sum(len(ws) for by_node in api._node_watchers.values() for ws in by_node.values())


def status_of(body: object) -> tuple:
    assert isinstance(body, dict), body
    return body["code"], body.get("reason", ""), body["message"]


# --- routing ------------------------------------------------------------------------------------------------------

def test_route_serves_only_known_resources_subresources_and_scopes():
    assert route("/api/v1/namespaces/kube-system/secrets") is None             # not a served resource
    assert route("/apis/apps/v1/namespaces/default/deployments/web/bogus") is None
    assert route("/api/v1/namespaces/default/pods/web/eviction").subresource == "eviction"   # EvictionREST
    assert route("/api/v1/pods/web") is None                                   # a namespaced item needs its namespace
    assert route("/api/v1/namespaces/kube-system/finalize") is None
    r = route("/api/v1/namespaces/default/pods/web/log")
    assert (r.resource.resource, r.namespace, r.name, r.subresource) == ("pods", "default", "web", "log")
    r = route("/api/v1/namespaces/kube-system/status")
    assert (r.resource.resource, r.name, r.subresource) == ("namespaces", "kube-system", "status")


def test_unknown_paths_are_404_and_change_nothing(served):
    assert call(served, "GET", "/api/v1/namespaces/kube-system/secrets") == (404, NOT_FOUND)
    served.call(served.cluster.client("admin").create, "deployments", deployment("web"), "default")
    before = served.call(served.cluster.get, "deployment", "web")
    for method in ("PUT", "DELETE", "PATCH"):
        code, body = call(served, method, "/apis/apps/v1/namespaces/default/deployments/web/bogus",
                          {"spec": {"replicas": 5}}, {"Content-Type": "application/merge-patch+json"})
        assert (code, body) == (404, NOT_FOUND), method
    after = served.call(served.cluster.get, "deployment", "web")
    assert after["spec"]["replicas"] == 1 and after["metadata"]["uid"] == before["metadata"]["uid"]
    assert "deletionTimestamp" not in after["metadata"]


def test_a_method_a_route_does_not_serve_is_405(served):
    assert call(served, "POST", "/api/v1/namespaces/default/pods/web", pod("web")) == (405, NOT_ALLOWED)
    assert call(served, "PUT", "/api/v1/namespaces/default/pods", pod("web")) == (405, NOT_ALLOWED)
    assert call(served, "GET", "/api/v1/namespaces/default/pods/web/binding") == (405, NOT_ALLOWED)
    assert call(served, "DELETE", "/api/v1/namespaces/default/pods/web/log") == (405, NOT_ALLOWED)
    assert call(served, "GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") == (405, NOT_ALLOWED)
    assert served.call(served.cluster.api.storage.read, "pods", "default", "web") is None


# --- pods/log -----------------------------------------------------------------------------------------------------

def _grant_dev(server: Server, resources: list[str]) -> None:
    admin = server.cluster.client("admin")
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader"},
            "rules": [{"apiGroups": [""], "resources": resources, "verbs": ["get"]}]}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "reader"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
               "subjects": [{"kind": "User", "name": "dev", "apiGroup": "rbac.authorization.k8s.io"}]}
    server.call(admin.create, "roles", role, "default")
    server.call(admin.create, "rolebindings", binding, "default")


def test_pods_log_is_its_own_resource_for_rbac(frozen):
    frozen.call(frozen.cluster.client("admin").create, "pods", pod("web"), "default")
    _grant_dev(frozen, ["pods"])
    assert call(frozen, "GET", "/api/v1/namespaces/default/pods/web", user="dev")[0] == 200
    assert status_of(call(frozen, "GET", "/api/v1/namespaces/default/pods/web/log", user="dev")[1]) == (
        403, "Forbidden", 'pods "web" is forbidden: User "dev" cannot get resource "pods/log" in API group "" in '
                          'the namespace "default"')


def test_pods_log_alone_reads_logs_but_not_the_pod(frozen):
    frozen.call(frozen.cluster.client("admin").create, "pods", pod("web"), "default")
    _grant_dev(frozen, ["pods/log"])
    assert call(frozen, "GET", "/api/v1/namespaces/default/pods/web/log", user="dev") == (200, "")  # unscheduled
    assert status_of(call(frozen, "GET", "/api/v1/namespaces/default/pods/web", user="dev")[1]) == (
        403, "Forbidden", 'pods "web" is forbidden: User "dev" cannot get resource "pods" in API group "" in the '
                          'namespace "default"')


def test_pods_log_refuses_a_container_that_waits_or_is_not_in_the_pod(frozen):
    c = frozen.cluster
    with frozen.lock:
        c.client("admin").create("pods", pod("web"), "default")
        for _ in range(500):                         # step until the kubelet reports ContainerCreating
            statuses = c.get("pod", "web").get("status", {}).get("containerStatuses") or []
            if statuses and "waiting" in statuses[0]["state"]:
                break
            c.step()
        assert c.get("pod", "web")["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == \
            "ContainerCreating"
    assert status_of(call(frozen, "GET", "/api/v1/namespaces/default/pods/web/log")[1]) == (
        400, "BadRequest", 'container "web" in pod "web" is waiting to start: ContainerCreating')
    assert status_of(call(frozen, "GET", "/api/v1/namespaces/default/pods/web/log?container=sidecar")[1]) == (
        400, "BadRequest", "container sidecar is not valid for pod web")
    assert status_of(call(frozen, "GET", "/api/v1/namespaces/default/pods/nope/log")[1])[:2] == (404, "NotFound")


def test_pod_log_follows_the_kubelets_container_states():
    base = {"metadata": {"name": "web"}, "spec": {"nodeName": "node-1", "containers": [{"name": "a"}, {"name": "b"}]}}

    def with_state(state: dict, last: dict | None = None) -> dict:
        return {**base, "status": {"containerStatuses": [{"name": "a", "state": state, "lastState": last or {}}]}}

    assert pod_log(with_state({"running": {}}), "a") == ""
    crashed = {"terminated": {"containerID": "containerd://0a"}}
    assert pod_log(with_state({"waiting": {"reason": "CrashLoopBackOff"}}, crashed), "a") == ""
    assert pod_log(with_state({"waiting": {"reason": "CrashLoopBackOff"}}, crashed), "a",
                   {"node-1": lambda cid, tail, stamps: f"{cid} {tail} {stamps}\n"}, tail=2) == "containerd://0a 2 False\n"
    with pytest.raises(Exception, match='^container "a" in pod "web" is terminated$'):   # no container ID to read
        pod_log(with_state({"waiting": {"reason": "CrashLoopBackOff"}}, {"terminated": {}}), "a")
    for reason, why in (("ErrImagePull", "image can't be pulled"),
                        ("ImagePullBackOff", "trying and failing to pull image")):
        with pytest.raises(Exception, match=f'^container "a" in pod "web" is waiting to start: {why}$'):
            pod_log(with_state({"waiting": {"reason": reason}}), "a")
    with pytest.raises(Exception, match=r"^a container name must be specified for pod web, choose one of: \[a b\]$"):
        pod_log(with_state({"running": {}}))
    with pytest.raises(Exception, match='^container "b" in pod "web" is not available$'):
        pod_log(with_state({"running": {}}), "b")


# --- bodies and framing -------------------------------------------------------------------------------------------

def test_a_body_over_3_mib_is_413_and_the_connection_answered(served):
    big = b'{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big", "annotations": {"a": "' + \
        b"x" * (4 * 1024 * 1024) + b'"}}}'
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods", big, {"Content-Type": "application/json"})
    assert (code, body) == (413, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                  "message": f"Request entity too large: limit is {MAX_REQUEST_BODY_BYTES}",
                                  "reason": "RequestEntityTooLarge", "code": 413})
    assert served.call(served.cluster.api.storage.read, "pods", "default", "big") is None
    assert call(served, "GET", "/version")[0] == 200


def test_a_malformed_content_length_gets_net_https_400(served):
    with tls_socket(served) as s:
        s.sendall(b"POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}")
        answer = read_until_closed(s)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n") and body == b"400 Bad Request"
    assert call(served, "GET", "/version")[0] == 200


def test_a_chunked_body_is_read_like_any_other(served):
    data = json.dumps(pod("chunked")).encode()
    with tls_socket(served) as s:
        s.sendall(b"POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                  b"%x\r\n%s\r\n" % (10, data[:10]) + b"%x\r\n%s\r\n" % (len(data) - 10, data[10:]) + b"0\r\n\r\n")
        answer = read_until_closed(s)
    assert answer.startswith(b"HTTP/1.1 201 Created\r\n")
    assert served.call(served.cluster.get, "pod", "chunked")["metadata"]["name"] == "chunked"


def test_a_broken_chunked_body_is_answered_not_dropped(served):
    with tls_socket(served) as s:
        s.sendall(b"POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
        answer = read_until_closed(s)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n"), answer[:200]
    assert call(served, "GET", "/version")[0] == 200


def test_content_type_missing_means_json_and_an_unknown_one_is_415(served):
    raw = json.dumps(pod("plain")).encode()
    assert call(served, "POST", "/api/v1/namespaces/default/pods", raw)[0] == 201
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods", raw, {"Content-Type": "text/plain"})
    assert status_of(body) == (415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                               "accepted media types include: application/json, application/yaml, "
                               "application/vnd.kubernetes.protobuf")
    code, body = call(served, "PATCH", "/api/v1/namespaces/default/pods/plain", b"{}",
                      {"Content-Type": "application/json"})
    assert status_of(body)[:2] == (415, "UnsupportedMediaType")


def test_deeply_nested_json_is_400(served):
    deep = b"[" * 10001 + b"]" * 10001
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods", deep, {"Content-Type": "application/json"})
    assert status_of(body)[:2] == (400, "BadRequest") and "max depth" in body["message"]
    assert call(served, "GET", "/version")[0] == 200


def test_yaml_bodies_are_read_as_kubectl_reads_manifests_no_bomb_no_nan(served):
    """application/yaml request bodies go through sigs.k8s.io/yaml's rules: a bomb is refused before it expands,
    NaN is no JSON number, and a YAML date stays a string; nothing is written."""
    revision = served.cluster.etcd.revision
    bomb = (ROOT / "data/bad/42-yaml-bomb.yaml").read_bytes()
    code, body = call(served, "POST", "/apis/apps/v1/namespaces/default/deployments", bomb,
                      {"Content-Type": "application/yaml"})
    assert status_of(body) == (400, "BadRequest", "error converting YAML to JSON: yaml: document contains "
                                                  "excessive aliasing")
    nan = b"apiVersion: v1\nkind: Pod\nmetadata: {name: nan}\nspec:\n  containers: [{name: a, image: nginx}]\n" \
          b"  activeDeadlineSeconds: .nan\n"
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods", nan, {"Content-Type": "application/yaml"})
    assert status_of(body) == (400, "BadRequest", "error converting YAML to JSON: json: unsupported value: NaN")
    assert served.cluster.etcd.revision == revision
    dated = b"apiVersion: v1\nkind: Pod\nmetadata: {name: dated, annotations: {when: 2026-01-01}}\n" \
            b"spec: {containers: [{name: a, image: nginx}]}\n"
    code, body = call(served, "POST", "/api/v1/namespaces/default/pods", dated, {"Content-Type": "application/yaml"})
    assert code == 201 and body["metadata"]["annotations"] == {"when": "2026-01-01"}


def test_authorization_comes_before_the_body(served):
    """kube-apiserver's filters run before its handlers read the body: a user RBAC refuses gets 403 whatever the body
    is (broken, too large, of an unknown type), and the refusal is in the trace."""
    forbidden = 'deployments.apps is forbidden: User "dev" cannot create resource "deployments" in API group "apps" ' \
                'in the namespace "default"'
    path = "/apis/apps/v1/namespaces/default/deployments"
    for body, ctype in ((b"{not json", "application/json"), (b"x" * (4 * 1024 * 1024), "application/json"),
                        (b"\x00\x01", "text/plain"), (b"[1, NaN]", "application/json")):
        code, answer = call(served, "POST", path, body, {"Content-Type": ctype}, user="dev")
        assert status_of(answer) == (403, "Forbidden", forbidden), body[:20]
    code, answer = call(served, "PATCH", f"{path}/nope", b"{", {"Content-Type": "text/plain"}, user="dev")
    assert status_of(answer)[:2] == (403, "Forbidden")
    assert any(r.action == "forbidden" and r.detail.get("user") == "dev" for r in served.cluster.trace)
    code, answer = call(served, "POST", path, b"{not json", {"Content-Type": "application/json"})
    assert code == 400                                  # admin passes the filters and meets the decoder


def test_a_compressed_body_is_not_inflated(served):
    """net/http hands kube-apiserver the body as sent: `Content-Encoding: gzip` is not decoded (so no gzip bomb is
    inflated either), and gzip's first byte is not JSON."""
    import gzip

    body = gzip.compress(json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gz"}}).encode())
    code, answer = call(served, "POST", "/api/v1/namespaces", body,
                        {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert status_of(answer) == (400, "BadRequest", "couldn't get version/kind; json parse error: invalid character "
                                                    "'\\x1f' looking for beginning of value")
    assert served.cluster.get("namespace", "gz") is None


# --- timeouts -----------------------------------------------------------------------------------------------------

def test_a_client_sending_headers_too_slowly_is_cut_off(served):
    with tls_socket(served) as s:
        s.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n")         # and the blank line never comes
        assert read_until_closed(s) == b""                          # closed after header_timeout, unanswered
    assert call(served, "GET", "/version")[0] == 200


def test_an_idle_keep_alive_connection_is_closed(served):
    with tls_socket(served) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = read_until_closed(s)                              # the answer, then the close after idle_timeout
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\nok")


def test_the_defaults_are_kube_apiservers():
    server = Server(Cluster(), port=0)
    try:
        assert (server.header_timeout, server.idle_timeout) == (32.0, 90.0)
    finally:
        server.stop()


# --- impersonation ------------------------------------------------------------------------------------------------

WHOAMI = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
REVIEW = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}


def test_impersonating_groups_uid_or_extra_without_a_user_is_400(served):
    for headers, requested in (
            ({"Impersonate-Group": "developers"}, "{Group  developers    }"),
            ({"Impersonate-Uid": "1234"}, "{UID  1234  authentication.k8s.io/v1  }"),
            ({"Impersonate-Extra-Scopes": "view"}, "{UserExtra  view  authentication.k8s.io/v1  scopes}")):
        code, body = call(served, "GET", "/api/v1/namespaces/default/pods", headers=headers)
        assert status_of(body) == (400, "BadRequest", f"requested [{requested}] without impersonating a user")


def test_uid_and_extra_need_their_own_impersonate_permission(served):
    admin = served.cluster.client("admin")
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "as-jane"},
            "rules": [{"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"], "resourceNames": ["jane"]}]}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "as-jane"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "as-jane"},
               "subjects": [{"kind": "User", "name": "dev", "apiGroup": "rbac.authorization.k8s.io"}]}
    served.call(admin.create, "clusterroles", role)
    served.call(admin.create, "clusterrolebindings", binding)
    code, body = call(served, "POST", WHOAMI, REVIEW, {"Impersonate-User": "jane"}, user="dev")
    assert code == 201 and body["status"]["userInfo"] == {"username": "jane", "groups": ["system:authenticated"]}
    code, body = call(served, "POST", WHOAMI, REVIEW, {"Impersonate-User": "jane", "Impersonate-Uid": "1234"},
                      user="dev")
    assert status_of(body) == (403, "Forbidden", 'uids.authentication.k8s.io "1234" is forbidden: User "dev" cannot '
                               'impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope')
    code, body = call(served, "GET", "/api/v1/namespaces/default/pods",
                      headers={"Impersonate-User": "jane", "Impersonate-Extra-Scopes": "view"}, user="dev")
    assert status_of(body) == (403, "Forbidden", 'userextras.authentication.k8s.io "view" is forbidden: User "dev" '
                               'cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" '
                               "at the cluster scope")


def test_uid_and_extra_are_honoured_when_allowed(served):
    code, body = call(served, "POST", WHOAMI, REVIEW, {"Impersonate-User": "jane", "Impersonate-Uid": "1234",
                                                       "Impersonate-Extra-Scopes": "view",
                                                       "Impersonate-Extra-Example.com%2fteam": "blue"})
    assert code == 201 and body["status"]["userInfo"] == {
        "username": "jane", "uid": "1234", "groups": ["system:authenticated"],
        "extra": {"scopes": ["view"], "example.com/team": ["blue"]}}


def test_kubectl_auth_whoami_shows_an_impersonated_uid(served, tmp_path):
    served.write_kubeconfig(tmp_path / "kubeconfig")
    out = subprocess.run([str(KUBECTL), "--kubeconfig", str(tmp_path / "kubeconfig"), "auth", "whoami", "--as",
                          "jane", "--as-uid", "1234"], capture_output=True, text=True, timeout=60,
                         env={"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    assert out.returncode == 0, out.stderr
    rows = [line.split(None, 1) for line in out.stdout.splitlines()]
    assert ["UID", "1234"] in rows and ["Username", "jane"] in rows


# --- list and watch parameters ------------------------------------------------------------------------------------

PODS = "/api/v1/namespaces/default/pods"


def test_bad_list_and_watch_parameters_are_answered_and_leak_no_watcher(served):
    before = watchers(served)
    abc = 'strconv.ParseInt: parsing "abc": invalid syntax'
    rv_error = 'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax'
    cases = [
        (f"{PODS}?resourceVersion=abc", (400, "BadRequest", f"invalid resource version: {rv_error}")),
        (f"{PODS}?watch=true&resourceVersion=abc", (500, "", rv_error)),        # cacher.Watch: unconverted
        (f"{PODS}?timeoutSeconds=abc", (400, "BadRequest", abc)),
        (f"{PODS}?watch=true&timeoutSeconds=abc", (400, "BadRequest", abc)),
        (f"{PODS}?limit=abc", (400, "BadRequest", abc)),
        (f"{PODS}?watch=1&timeoutSeconds=99999999999999999999",
         (400, "BadRequest", 'strconv.ParseInt: parsing "99999999999999999999": value out of range')),
        (f"{PODS}?watch=true&fieldSelector=spec.bogus%3Dx", (400, "BadRequest", None)),
        (f"{PODS}?labelSelector=a%20b%20c", (400, "BadRequest", None)),
    ]
    for path, (code, reason, message) in cases:
        got = status_of(call(served, "GET", path)[1])
        assert got[:2] == (code, reason), path
        if message:
            assert got[2] == message, path
    assert status_of(call(served, "GET", f"{PODS}?watch=true", user="dev")[1])[:2] == (403, "Forbidden")
    assert watchers(served) == before


def test_a_watch_whose_client_leaves_is_unregistered(served):
    before = watchers(served)
    with tls_socket(served) as s:
        s.sendall(f"GET {PODS}?watch=true HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert s.recv(4096).startswith(b"HTTP/1.1 200 OK\r\n")
        assert watchers(served) == before + 1
    for _ in range(100):                                 # the server notices the close within a poll interval
        if watchers(served) == before:
            break
        time.sleep(0.1)
    assert watchers(served) == before


def test_a_watch_that_ends_unregisters(served):
    before = watchers(served)
    assert call(served, "GET", f"{PODS}?watch=true&timeoutSeconds=1") == (200, "")     # no pods: no events
    for _ in range(50):
        if watchers(served) == before:
            break
        time.sleep(0.1)
    assert watchers(served) == before


def test_delete_options_from_the_body_and_a_malformed_body(served):
    served.call(served.cluster.client("admin").create, "deployments", deployment("web"), "default")
    path = "/apis/apps/v1/namespaces/default/deployments/web"
    assert status_of(call(served, "DELETE", path, b"{not json", {"Content-Type": "application/json"})[1])[:2] == \
        (400, "BadRequest")
    assert status_of(call(served, "DELETE", path, {"gracePeriodSeconds": "soon"})[1]) == (
        400, "BadRequest", "json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of "
                           "type int64")
    assert status_of(call(served, "DELETE", f"{path}?gracePeriodSeconds=soon")[1]) == (
        400, "BadRequest", 'strconv.ParseInt: parsing "soon": invalid syntax')
    code, body = call(served, "DELETE", path, {"kind": "DeleteOptions", "apiVersion": "v1",
                                               "preconditions": {"uid": "not-the-uid"}})
    assert status_of(body)[:2] == (409, "Conflict")
    assert served.call(served.cluster.get, "deployment", "web")["metadata"]["name"] == "web"
    assert call(served, "GET", "/version")[0] == 200
