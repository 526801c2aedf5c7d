"""The API server pipeline: authentication, RBAC, defaulting and admission, storage semantics, the trace."""

from __future__ import annotations

import re

import pytest
from conftest import deployment, pod

from kubeteach.apiserver import APIError, CertificateAuthority, Credentials, UserInfo
from kubeteach.apiserver.rbac import Attributes, rule_allows
from kubeteach.client import Client

SAFE = "bcdfghjklmnpqrstvwxz2456789"
CONFLICT = ('Operation cannot be fulfilled on deployments.apps "nginx": the object has been modified; please apply '
            "your changes to the latest version and try again")


def _error(fn, *args, **kwargs) -> APIError:
    with pytest.raises(APIError) as err:
        fn(*args, **kwargs)
    return err.value


def _admin(c) -> Client:
    return c.client("admin")


def _create(c, obj: dict, resource: str = "deployments", namespace: str = "default") -> dict:
    return _admin(c).create(resource, obj, namespace)


# --- authentication ---------------------------------------------------------------------------------------------


def test_no_credentials_is_401_and_writes_nothing(bare):
    before = bare.etcd.revision
    err = _error(Client(bare.api, None, "kubectl").create, "deployments", deployment(), "default")
    assert (err.code, err.reason, err.message) == (401, "Unauthorized", "Unauthorized")
    assert bare.etcd.revision == before
    assert bare.etcd.get("/registry/deployments/default/nginx") is None


def test_a_bad_token_is_401_and_writes_nothing(bare):
    before = bare.etcd.revision
    err = _error(Client(bare.api, Credentials(token="abcdef.0123456789abcdef"), "kubectl").create,
                 "deployments", deployment(), "default")
    assert err.code == 401
    assert bare.etcd.revision == before
    assert bare.trace.actions("rejected")[-1].detail["code"] == 401


def test_x509_user_and_groups_come_from_cn_and_o(bare):
    admin = bare.api.authn.authenticate(bare.users["admin"].credentials)
    assert admin == UserInfo("admin", ("system:masters", "system:authenticated"), "x509 client certificate")
    cert, key = bare.ca.issue("jane", ("dev", "ops"))
    jane = bare.api.authn.authenticate(Credentials(cert_pem=cert, key_pem=key))
    assert jane.name == "jane" and jane.groups == ("dev", "ops", "system:authenticated")


def test_bearer_token_user(bare):
    dev = bare.api.authn.authenticate(bare.users["dev"].credentials)
    assert dev.name == "dev" and dev.groups == ("developers", "system:authenticated")
    assert dev.method == "bearer token"


def test_a_certificate_from_another_ca_is_refused(bare):
    rogue = CertificateAuthority(seed=12345)
    cert, key = rogue.issue("admin", ("system:masters",))
    creds = Credentials(cert_pem=cert, key_pem=key)
    assert bare.api.authn.authenticate(creds) is None
    before = bare.etcd.revision
    err = _error(Client(bare.api, creds, "kubectl").create, "deployments", deployment(), "default")
    assert err.code == 401 and bare.etcd.revision == before


def test_authenticated_record_names_the_certificate(bare):
    _create(bare, deployment())
    (rec,) = bare.trace.actions("authenticated")
    assert rec.actor == "kube-apiserver"
    assert 'authenticated "admin" by x509 client certificate (CN=admin, O=system:masters)' in str(rec)


# --- RBAC rules ---------------------------------------------------------------------------------------------------

JANE = UserInfo("jane", ("system:authenticated",))


def _attrs(verb: str, group: str, resource: str, subresource: str = "", name: str = "") -> Attributes:
    return Attributes(JANE, verb, group, resource, subresource, "default", name)


def test_rule_verbs():
    rule = {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list"]}
    assert rule_allows(rule, _attrs("get", "apps", "deployments"))
    assert not rule_allows(rule, _attrs("delete", "apps", "deployments"))
    assert rule_allows({**rule, "verbs": ["*"]}, _attrs("delete", "apps", "deployments"))


def test_rule_api_groups():
    rule = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}
    assert rule_allows(rule, _attrs("get", "", "pods"))
    assert not rule_allows({**rule, "resources": ["deployments"]}, _attrs("get", "apps", "deployments"))
    assert rule_allows({"apiGroups": ["*"], "resources": ["deployments"], "verbs": ["get"]},
                       _attrs("get", "apps", "deployments"))
    assert not rule_allows({"apiGroups": ["apps"], "resources": ["pods"], "verbs": ["get"]}, _attrs("get", "", "pods"))


def test_rule_subresources():
    main = {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]}
    scale = {"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["*"]}
    assert not rule_allows(main, _attrs("update", "apps", "deployments", "scale"))
    assert rule_allows(scale, _attrs("update", "apps", "deployments", "scale"))
    assert not rule_allows(scale, _attrs("update", "apps", "deployments"))
    status = {"apiGroups": ["*"], "resources": ["*/status"], "verbs": ["update"]}
    assert rule_allows(status, _attrs("update", "", "pods", "status"))
    assert rule_allows(status, _attrs("update", "apps", "deployments", "status"))
    assert not rule_allows(status, _attrs("update", "", "pods"))
    assert not rule_allows(status, _attrs("update", "apps", "deployments", "scale"))
    everything = {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}
    assert rule_allows(everything, _attrs("update", "", "pods", "status"))


def test_rule_resource_names():
    rule = {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list"], "resourceNames": ["nginx"]}
    assert rule_allows(rule, _attrs("get", "apps", "deployments", name="nginx"))
    assert not rule_allows(rule, _attrs("get", "apps", "deployments", name="web"))
    assert not rule_allows(rule, _attrs("list", "apps", "deployments"))     # a list has no name to match


# --- RBAC through the API server --------------------------------------------------------------------------------


def test_forbidden_text_in_a_namespace(bare):
    dev = bare.client("dev")
    err = _error(dev.list, "pods", "default")
    assert (err.code, err.reason) == (403, "Forbidden")
    assert err.message == ('pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the '
                           'namespace "default"')
    err = _error(dev.get, "deployments", "default", "nginx")
    assert err.message == ('deployments.apps "nginx" is forbidden: User "dev" cannot get resource "deployments" in '
                           'API group "apps" in the namespace "default"')


def test_forbidden_text_at_the_cluster_scope(bare):
    dev = bare.client("dev")
    err = _error(dev.list, "nodes")
    assert err.message == 'nodes is forbidden: User "dev" cannot list resource "nodes" in API group "" at the ' \
                          "cluster scope"
    err = _error(dev.list, "pods")                       # every namespace at once
    assert err.message.endswith('cannot list resource "pods" in API group "" at the cluster scope')


def test_forbidden_create_writes_nothing(bare):
    before = bare.etcd.revision
    err = _error(bare.client("dev").create, "deployments", deployment(), "default")
    assert err.message == ('deployments.apps is forbidden: User "dev" cannot create resource "deployments" in API '
                           'group "apps" in the namespace "default"')
    assert bare.etcd.revision == before
    assert bare.trace.actions("forbidden") and not bare.trace.actions("admitted")


def _rolebinding(name: str, namespace: str, role_kind: str, role: str, user: str = "dev") -> dict:
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": name, "namespace": namespace},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role}}


def test_rolebinding_to_a_clusterrole_grants_only_in_its_namespace(bare):
    admin = _admin(bare)
    admin.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    admin.create("rolebindings", _rolebinding("dev-view", "team", "ClusterRole", "view"), "team")
    dev = bare.client("dev")
    assert dev.list("pods", "team")["items"] == []
    assert _error(dev.list, "pods", "default").code == 403
    assert _error(dev.list, "pods").code == 403
    assert _error(dev.create, "pods", pod(), "team").code == 403        # view does not create


def test_role_grants_what_its_rules_say(bare):
    admin = _admin(bare)
    admin.create("roles", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                           "metadata": {"name": "deployer", "namespace": "default"},
                           "rules": [{"apiGroups": ["apps"], "resources": ["deployments"],
                                      "verbs": ["create", "get"]}]}, "default")
    admin.create("rolebindings", _rolebinding("dev-deployer", "default", "Role", "deployer"), "default")
    dev = bare.client("dev")
    created = dev.create("deployments", deployment(), "default")
    assert created["metadata"]["name"] == "nginx"
    assert _error(dev.delete, "deployments", "default", "nginx").code == 403
    rec = bare.trace.actions("authorized")[-1]
    assert 'RoleBinding "dev-deployer"' in str(rec)


# --- defaulting and admission -----------------------------------------------------------------------------------


def test_deployment_defaults(bare):
    obj = deployment()
    del obj["spec"]["replicas"]
    spec = _create(bare, obj)["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10 and spec["progressDeadlineSeconds"] == 600
    pod_spec = spec["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Always" and pod_spec["dnsPolicy"] == "ClusterFirst"
    assert pod_spec["terminationGracePeriodSeconds"] == 30 and pod_spec["schedulerName"] == "default-scheduler"
    assert pod_spec["securityContext"] == {}
    container = pod_spec["containers"][0]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["terminationMessagePolicy"] == "File"
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    # pod-only defaults and admission do not touch a template
    assert "enableServiceLinks" not in pod_spec and "tolerations" not in pod_spec and "priority" not in pod_spec
    assert "volumes" not in pod_spec


def test_explicit_values_are_kept(bare):
    obj = deployment(replicas=3)
    obj["spec"]["strategy"] = {"type": "Recreate"}
    obj["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    spec = _create(bare, obj)["spec"]
    assert spec["replicas"] == 3
    assert spec["strategy"] == {"type": "Recreate"}        # no rollingUpdate for Recreate


@pytest.mark.parametrize(("image", "policy"), [("nginx:1.25", "IfNotPresent"), ("nginx", "Always"),
                                               ("nginx:latest", "Always"),
                                               ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
                                               ("localhost:5000/nginx", "Always")])
def test_image_pull_policy_defaults(bare, image, policy):
    created = _create(bare, deployment(image=image))
    assert created["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_replicaset_defaults(bare):
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
          "spec": {"selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]}}}}
    spec = _create(bare, rs, "replicasets")["spec"]
    assert spec["replicas"] == 1
    assert "strategy" not in spec and "revisionHistoryLimit" not in spec
    assert spec["template"]["spec"]["restartPolicy"] == "Always"
    assert "enableServiceLinks" not in spec["template"]["spec"]


def test_pod_defaults_and_admission(bare):
    created = _create(bare, pod(), "pods")
    spec = created["spec"]
    assert spec["enableServiceLinks"] is True
    assert spec["restartPolicy"] == "Always" and spec["schedulerName"] == "default-scheduler"
    assert spec["serviceAccountName"] == "default" and spec["serviceAccount"] == "default"
    assert spec["priority"] == 0 and spec["preemptionPolicy"] == "PreemptLowerPriority"
    assert spec["tolerations"] == [
        {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")]
    (volume,) = spec["volumes"]
    assert re.fullmatch(rf"kube-api-access-[{SAFE}]{{5}}", volume["name"])
    sources = volume["projected"]["sources"]
    assert sources[0] == {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
    assert sources[1]["configMap"]["name"] == "kube-root-ca.crt"
    assert volume["projected"]["defaultMode"] == 420
    assert spec["containers"][0]["volumeMounts"] == [
        {"name": volume["name"], "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert "nodeName" not in spec


def test_pod_requests_default_to_limits(bare):
    obj = pod()
    obj["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "500m", "memory": "128Mi"}}
    created = _create(bare, obj, "pods")
    assert created["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "500m", "memory": "128Mi"}
    assert created["status"]["qosClass"] == "Guaranteed"


def test_pod_without_token_automount_gets_no_volume(bare):
    obj = pod()
    obj["spec"]["automountServiceAccountToken"] = False
    spec = _create(bare, obj, "pods")["spec"]
    assert "volumes" not in spec and "volumeMounts" not in spec["containers"][0]


def test_tolerating_not_ready_already_keeps_the_pods_own(bare):
    obj = pod()
    obj["spec"]["tolerations"] = [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                   "effect": "NoExecute", "tolerationSeconds": 60}]
    tolerations = _create(bare, obj, "pods")["spec"]["tolerations"]
    assert [t.get("tolerationSeconds") for t in tolerations] == [60, 300]


def test_missing_service_account_is_forbidden(bare):
    obj = pod()
    obj["spec"]["serviceAccountName"] = "robot"
    err = _error(_create, bare, obj, "pods")
    assert err.code == 403
    assert err.message == ('pods "web" is forbidden: error looking up service account default/robot: '
                           'serviceaccount "robot" not found')


# --- the trace of a create --------------------------------------------------------------------------------------


def test_the_trace_of_a_create_names_every_stage(bare):
    created = _create(bare, deployment())
    rv = created["metadata"]["resourceVersion"]
    actions = [r.action for r in bare.trace]
    assert actions == ["request", "authenticated", "authorized", "admitted", "validated", "stored", "responded"]
    by = {r.action: r for r in bare.trace}
    assert by["request"].actor == "kubectl" and by["stored"].actor == "etcd"
    assert all(by[a].actor == "kube-apiserver" for a in ("authenticated", "authorized", "admitted", "validated",
                                                          "responded"))
    assert str(by["request"]).endswith(
        'POST /apis/apps/v1/namespaces/default/deployments (create deployment "nginx") as "admin"')
    assert "/registry/deployments/default/nginx" in str(by["stored"])
    assert f"at revision {rv}" in str(by["stored"]) and "(created, version 1)" in str(by["stored"])
    assert by["stored"].detail["revision"] == int(rv)
    assert "201 Created" in str(by["responded"]) and f"(resourceVersion {rv})" in str(by["responded"])
    assert "revisionHistoryLimit 10" in str(by["admitted"])
    assert 'validated Deployment "nginx"' in str(by["validated"])


def test_a_rejected_request_is_traced(bare):
    _error(bare.client("dev").create, "deployments", deployment(), "default")
    rec = bare.trace.actions("rejected")[-1]
    assert rec.detail["code"] == 403 and "403 Forbidden" in str(rec)


# --- storage semantics ------------------------------------------------------------------------------------------


def test_create_sets_metadata(bare):
    created = _create(bare, deployment())
    m = created["metadata"]
    kv = bare.etcd.get("/registry/deployments/default/nginx")
    assert m["resourceVersion"] == str(kv.mod_revision)
    assert m["generation"] == 1 and m["namespace"] == "default"
    assert m["creationTimestamp"] == "2026-01-01T00:00:00Z"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", m["uid"])
    assert created["status"] == {}


def test_create_clears_a_submitted_status(bare):
    obj = deployment()
    obj["status"] = {"replicas": 5, "readyReplicas": 5}
    assert _create(bare, obj)["status"] == {}


def test_generation_counts_spec_changes_only(bare):
    admin = _admin(bare)
    d = _create(bare, deployment())
    d["spec"]["replicas"] = 3
    d = admin.update("deployments", d)
    assert d["metadata"]["generation"] == 2
    d["metadata"]["labels"]["tier"] = "web"
    d = admin.update("deployments", d)
    assert d["metadata"]["generation"] == 2                 # labels are not spec
    d["status"] = {"replicas": 3, "observedGeneration": 2}
    d = admin.update_status("deployments", d)
    assert d["metadata"]["generation"] == 2 and d["status"]["replicas"] == 3
    d["metadata"]["annotations"] = {"note": "x"}
    d = admin.update("deployments", d)
    assert d["metadata"]["generation"] == 3                 # a Deployment also counts annotation changes


def test_replicaset_generation_ignores_annotations(bare):
    admin = _admin(bare)
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
          "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]}}}}
    rs = _create(bare, rs, "replicasets")
    rs["metadata"]["annotations"] = {"note": "x"}
    rs = admin.update("replicasets", rs)
    assert rs["metadata"]["generation"] == 1
    rs["spec"]["replicas"] = 2
    assert admin.update("replicasets", rs)["metadata"]["generation"] == 2


def test_status_and_spec_halves(bare):
    admin = _admin(bare)
    d = _create(bare, deployment())
    d["status"] = {"replicas": 7}
    d = admin.update("deployments", d)                      # the main resource cannot write status
    assert d["status"] == {}
    d["spec"]["replicas"] = 9
    d["status"] = {"replicas": 1}
    d = admin.update_status("deployments", d)               # the status subresource cannot write spec
    assert d["spec"]["replicas"] == 1 and d["status"] == {"replicas": 1}
    assert d["metadata"]["generation"] == 1


def test_resource_version_is_the_mod_revision(bare):
    admin = _admin(bare)
    d = _create(bare, deployment())
    d["spec"]["replicas"] = 2
    updated = admin.update("deployments", d)
    kv = bare.etcd.get("/registry/deployments/default/nginx")
    assert updated["metadata"]["resourceVersion"] == str(kv.mod_revision) == str(bare.etcd.revision)
    assert int(updated["metadata"]["resourceVersion"]) > int(d["metadata"]["resourceVersion"])
    assert admin.get("deployments", "default", "nginx")["metadata"]["resourceVersion"] == str(kv.mod_revision)
    listing = admin.list("deployments", "default")
    assert listing["metadata"]["resourceVersion"] == str(bare.etcd.revision)
    assert listing["kind"] == "DeploymentList" and listing["apiVersion"] == "apps/v1"


def test_stale_resource_version_is_a_conflict(bare):
    admin = _admin(bare)
    d = _create(bare, deployment())
    fresh = dict(d, spec=dict(d["spec"], replicas=2))
    admin.update("deployments", fresh)
    before = bare.etcd.revision
    d["spec"]["replicas"] = 5                               # still carries the first resourceVersion
    err = _error(admin.update, "deployments", d)
    assert (err.code, err.reason, err.message) == (409, "Conflict", CONFLICT)
    assert bare.etcd.revision == before
    assert bare.get("deployment", "nginx")["spec"]["replicas"] == 2


def test_a_no_op_update_writes_nothing(bare):
    admin = _admin(bare)
    d = _create(bare, deployment())
    before = bare.etcd.revision
    same = admin.update("deployments", d)
    assert bare.etcd.revision == before
    assert same["metadata"]["resourceVersion"] == d["metadata"]["resourceVersion"]


def test_already_exists(bare):
    _create(bare, deployment())
    before = bare.etcd.revision
    err = _error(_create, bare, deployment())
    assert (err.code, err.reason, err.message) == (409, "AlreadyExists", 'deployments.apps "nginx" already exists')
    assert bare.etcd.revision == before


def test_not_found(bare):
    admin = _admin(bare)
    err = _error(admin.get, "deployments", "default", "nope")
    assert (err.code, err.reason, err.message) == (404, "NotFound", 'deployments.apps "nope" not found')
    assert _error(admin.get, "pods", "default", "nope").message == 'pods "nope" not found'
    assert _error(admin.get, "nodes", "", "node-9").message == 'nodes "node-9" not found'
    assert _error(admin.delete, "deployments", "default", "nope").code == 404


def test_generate_name(bare):
    obj = pod()
    obj["metadata"] = {"generateName": "web-"}
    created = _create(bare, obj, "pods")
    name = created["metadata"]["name"]
    assert re.fullmatch(rf"web-[{SAFE}]{{5}}", name), name
    assert created["metadata"]["generateName"] == "web-"
    assert bare.etcd.get(f"/registry/pods/default/{name}") is not None
    assert f'generateName "web-" gave "{name}"' in str(bare.trace.actions("stored")[-1])


def test_generate_name_is_seeded():
    from kubeteach.cluster import Cluster

    names = []
    for _ in range(2):
        c = Cluster(components=[])
        obj = pod()
        obj["metadata"] = {"generateName": "web-"}
        names.append(_create(c, obj, "pods")["metadata"]["name"])
    assert names[0] == names[1]


def test_a_namespace_that_does_not_exist(bare):
    before = bare.etcd.revision
    err = _error(_create, bare, deployment(), "deployments", "nope")
    assert (err.code, err.reason, err.message) == (404, "NotFound", 'namespaces "nope" not found')
    assert bare.etcd.revision == before


def test_body_namespace_must_match_the_request(bare):
    obj = deployment()
    obj["metadata"]["namespace"] = "kube-system"
    err = _error(_admin(bare).request, "create", "deployments", "default", body=obj)
    assert err.code == 400
    assert err.message == "the namespace of the provided object does not match the namespace sent on the request"


def test_cluster_scoped_objects_have_no_namespace(bare):
    created = _create(bare, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}, "namespaces", "")
    assert "namespace" not in created["metadata"]
    assert created["status"] == {"phase": "Active"} and created["spec"] == {"finalizers": ["kubernetes"]}
    assert bare.etcd.get("/registry/namespaces/team") is not None


def test_server_side_dry_run_writes_nothing(bare):
    before = bare.etcd.revision
    out = _admin(bare).request("create", "deployments", "default", body=deployment(), dryRun="All")
    assert out["metadata"]["name"] == "nginx" and out["spec"]["revisionHistoryLimit"] == 10
    assert bare.etcd.revision == before
    assert bare.etcd.get("/registry/deployments/default/nginx") is None


def test_rejected_writes_leave_etcd_alone(bare):
    before = bare.etcd.revision
    bad = deployment()
    bad["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    err = _error(_create, bare, bad)
    assert err.code == 422 and err.message.startswith('Deployment.apps "nginx" is invalid: ')
    assert bare.etcd.revision == before
