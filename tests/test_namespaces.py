"""Namespaces: the immortal three, graceful namespace deletion through the namespace controller
(pkg/controller/namespace), NamespaceLifecycle admission in a terminating or missing namespace, the
namespaces/finalize subresource, and DELETE preconditions (uid, resourceVersion)."""

from __future__ import annotations

import pytest
from conftest import deployment, pod

from kubeteach.apiserver import APIError


def _namespace(c, name: str) -> None:
    """A namespace with the `default` ServiceAccount its pods need (no serviceaccount controller here)."""
    admin = c.client()
    admin.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                     "metadata": {"name": "default", "namespace": name}}, name)


def _refused(fn, *args, **kwargs) -> APIError:
    with pytest.raises(APIError) as err:
        fn(*args, **kwargs)
    return err.value


# --- the immortal namespaces ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_the_immortal_namespaces_cannot_be_deleted(bare, name):
    before = bare.etcd.revision
    r = bare.kubectl(f"delete namespace {name}")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == (f'Error from server (Forbidden): namespaces "{name}" is forbidden: this namespace may not '
                        "be deleted\n")
    err = _refused(bare.client().delete, "namespaces", "", name)
    assert (err.code, err.reason, err.details) == (403, "Forbidden", {"name": name, "kind": "namespaces"})
    assert err.message == f'namespaces "{name}" is forbidden: this namespace may not be deleted'
    assert bare.etcd.revision == before
    assert "deletionTimestamp" not in bare.get("namespace", name)["metadata"]


def test_kube_node_lease_is_not_immortal(bare):
    assert bare.kubectl("delete namespace kube-node-lease --wait=false").stdout == 'namespace "kube-node-lease" deleted\n'
    assert bare.get("namespace", "kube-node-lease")["status"]["phase"] == "Terminating"


# --- graceful namespace deletion --------------------------------------------------------------------------------

def test_deleting_a_namespace_empties_it_through_the_namespace_controller_then_removes_it():
    import kubeteach as kt

    c = kt.Cluster()
    _namespace(c, "team")
    c.client().create("deployments", deployment(replicas=2), "team")
    c.run()
    assert len(c.list("pods", "team")) == 2 and len(c.list("replicasets", "team")) == 1
    uid = c.get("namespace", "team")["metadata"]["uid"]

    r = c.kubectl("delete namespace team --wait=false")
    assert (r.returncode, r.stdout) == (0, 'namespace "team" deleted\n')
    ns = c.get("namespace", "team")
    assert ns["status"]["phase"] == "Terminating" and ns["spec"]["finalizers"] == ["kubernetes"]
    assert ns["metadata"]["deletionTimestamp"] and "deletionGracePeriodSeconds" not in ns["metadata"]
    assert "team              Terminating" in c.kubectl("get ns").stdout
    assert c.kubectl("delete namespace team --wait=false").stdout == 'namespace "team" deleted\n'   # no change

    # NamespaceLifecycle: nothing new in a terminating namespace, with the real message and cause
    r = c.kubectl("create deployment web --image=nginx -n team")
    assert r.stderr == ('error: failed to create deployment: deployments.apps "web" is forbidden: unable to create '
                        "new content in namespace team because it is being terminated\n")
    err = _refused(c.client().create, "pods", {**pod("web"), "metadata": {"generateName": "web-"}}, "team")
    assert (err.code, err.reason) == (403, "Forbidden")
    assert err.message == ('pods "web-" is forbidden: unable to create new content in namespace team because it is '
                           "being terminated")
    assert err.details == {"name": "web-", "kind": "pods", "causes": [
        {"reason": "NamespaceTerminating", "message": "namespace team is being terminated",
         "field": "metadata.namespace"}]}

    # the controller's first pass, 5 s later: every collection deleted, the pods still terminating gracefully
    deleted_at = c.now
    while not c.trace.actions("namespace-content"):
        assert c.step() is not None
    first = c.trace.actions("namespace-content")[0]
    assert (first.actor, first.object, first.time) == ("namespace-controller", "team", deleted_at + 5)
    assert first.detail["remaining"] == {"pods.": 2} and first.detail["estimate"] == 30
    assert not c.list("deployments", "team") and not c.list("replicasets", "team")
    assert not c.list("serviceaccounts", "team")
    pods = c.list("pods", "team")
    assert [p["metadata"]["deletionGracePeriodSeconds"] for p in pods] == [30, 30]
    conditions = {x["type"]: x for x in c.get("namespace", "team")["status"]["conditions"]}
    assert list(conditions) == ["NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure",
                                "NamespaceDeletionContentFailure", "NamespaceContentRemaining",
                                "NamespaceFinalizersRemaining"]
    assert conditions["NamespaceContentRemaining"] | {"lastTransitionTime": ""} == {
        "type": "NamespaceContentRemaining", "status": "True", "lastTransitionTime": "",
        "reason": "SomeResourcesRemain", "message": "Some resources are remaining: pods. has 2 resource instances"}
    assert (conditions["NamespaceDeletionContentFailure"]["status"],
            conditions["NamespaceDeletionContentFailure"]["message"]) == (
        "False", "All content successfully deleted, may be waiting on finalization")
    assert [r.detail["method"] for r in c.trace.by("namespace-controller") if r.action == "request"][:2] == \
        ["DELETE", "DELETE"]

    c.run()
    assert c.get("namespace", "team") is None
    assert not c.list("pods", "team") and not c.list("events", "team")
    kubelet_deletes = {r.object for r in c.trace.actions("kubelet-delete")}
    assert kubelet_deletes >= {f"team/{p['metadata']['name']}" for p in pods}     # terminated by their kubelets
    finalize = c.trace.actions("namespace-finalize")
    assert [(r.actor, r.object, r.detail["finalizer"]) for r in finalize] == [
        ("namespace-controller", "team", "kubernetes")]
    gone = [r for r in c.trace.actions("stored") if r.object == "/registry/namespaces/team"][-1]
    assert (gone.detail["op"], gone.time) == ("deleted", finalize[0].time)
    assert "remove the finalizer kubernetes from spec.finalizers" in str(finalize[0])

    # the same name can be used again: a new, Active namespace
    r = c.kubectl("create namespace team")
    assert (r.returncode, r.stdout) == (0, "namespace/team created\n")
    again = c.get("namespace", "team")
    assert again["status"] == {"phase": "Active"} and again["metadata"]["uid"] != uid


def test_content_that_will_not_go_shows_in_the_conditions_and_the_namespace_waits():
    import kubeteach as kt

    c = kt.Cluster()
    _namespace(c, "team")
    c.client().create("deployments", deployment(), "team")
    c.run()
    c.stop("kubelet")                        # nobody terminates the pod
    c.kubectl("delete namespace team --wait=false")
    c.run(seconds=60)
    ns = c.get("namespace", "team")
    conditions = {x["type"]: (x["status"], x["reason"], x["message"]) for x in ns["status"]["conditions"]}
    assert conditions["NamespaceDeletionContentFailure"] == (
        "True", "ContentDeletionFailed", "Failed to delete all resource types, 1 remaining: unexpected items still "
        "remain in namespace: team for gvr: /v1, Resource=pods")
    assert conditions["NamespaceContentRemaining"][:2] == ("True", "SomeResourcesRemain")
    assert c.trace.actions("namespace-retry") and not c.trace.actions("namespace-finalize")
    c.start("kubelet")
    c.run(seconds=120)
    assert c.get("namespace", "team") is None


def test_creating_in_a_namespace_that_does_not_exist_is_not_found(bare):
    r = bare.kubectl("create deployment web --image=nginx -n nope")
    assert r.stderr == 'error: failed to create deployment: namespaces "nope" not found\n'
    err = _refused(bare.client().create, "events", {"apiVersion": "v1", "kind": "Event",
                                                   "metadata": {"name": "e"}}, "nope")
    assert (err.code, err.message) == (404, 'namespaces "nope" not found')


def test_spec_finalizers_change_only_through_the_finalize_subresource(bare):
    admin = bare.client()
    _namespace(bare, "team")
    ns = bare.get("namespace", "team")
    ns["spec"]["finalizers"] = []
    assert admin.update("namespaces", ns)["spec"]["finalizers"] == ["kubernetes"]        # kept on a plain update
    admin.delete("namespaces", "", "team")
    ns = bare.get("namespace", "team")
    ns["spec"]["finalizers"] = []
    admin.request("update", "namespaces", "", "team", "finalize", ns)
    assert bare.get("namespace", "team") is None                 # finalized and terminating: gone
    assert bare.get("serviceaccount", "default", "team") is not None    # no controller ran to empty it


# --- DELETE preconditions ---------------------------------------------------------------------------------------

def test_delete_preconditions_that_do_not_match_are_a_conflict_and_write_nothing(bare):
    admin = bare.client()
    admin.create("deployments", deployment(), "default")
    admin.create("pods", pod("web"), "default")
    d, p = bare.get("deployment", "nginx"), bare.get("pod", "web")
    before = bare.etcd.revision

    err = _refused(admin.delete, "deployments", "default", "nginx", preconditions={"uid": "not-it"})
    assert (err.code, err.reason, err.details) == (409, "Conflict",
                                                   {"name": "nginx", "group": "apps", "kind": "Deployment"})
    assert err.message == (f'Operation cannot be fulfilled on Deployment.apps "nginx": the UID in the precondition '
                           f"(not-it) does not match the UID in record ({d['metadata']['uid']}). The object might "
                           "have been deleted and then recreated")
    err = _refused(admin.delete, "pods", "default", "web", preconditions={"resourceVersion": "1"})
    assert err.message == (f'Operation cannot be fulfilled on Pod "web": the ResourceVersion in the precondition (1) '
                           f"does not match the ResourceVersion in record ({p['metadata']['resourceVersion']}). The "
                           "object might have been modified")
    assert err.details == {"name": "web", "kind": "Pod"}
    err = _refused(admin.delete, "pods", "default", "web", uid="not-it")        # the older uid parameter
    assert err.code == 409 and "the UID in the precondition (not-it)" in err.message
    assert bare.etcd.revision == before
    assert bare.get("deployment", "nginx") == d and bare.get("pod", "web") == p

    admin.delete("deployments", "default", "nginx",
                 preconditions={"uid": d["metadata"]["uid"], "resourceVersion": d["metadata"]["resourceVersion"]})
    admin.delete("pods", "default", "web", preconditions={"uid": p["metadata"]["uid"]})
    assert bare.get("deployment", "nginx") is None and bare.get("pod", "web") is None


def test_namespace_preconditions_use_the_namespace_registrys_own_words(bare):
    admin = bare.client()
    _namespace(bare, "team")
    ns = bare.get("namespace", "team")
    uid, rv = ns["metadata"]["uid"], ns["metadata"]["resourceVersion"]
    err = _refused(admin.delete, "namespaces", "", "team", preconditions={"uid": "not-it"})
    assert (err.code, err.details) == (409, {"name": "team", "kind": "namespaces"})
    assert err.message == (f'Operation cannot be fulfilled on namespaces "team": Precondition failed: UID in '
                           f"precondition: not-it, UID in object meta: {uid}")
    err = _refused(admin.delete, "namespaces", "", "team", preconditions={"resourceVersion": "2"})
    assert err.message == ('Operation cannot be fulfilled on namespaces "team": Precondition failed: ResourceVersion '
                           f"in precondition: 2, ResourceVersion in object meta: {rv}")
    assert bare.get("namespace", "team")["status"]["phase"] == "Active"
    admin.delete("namespaces", "", "team", preconditions={"uid": uid, "resourceVersion": rv})
    assert bare.get("namespace", "team")["status"]["phase"] == "Terminating"


def test_namespace_lifecycle_over_https():
    """The same rules through `kubeteach serve`: the three system namespaces stay, a deleted one terminates and
    refuses new content with kube-apiserver's 403, and the DELETE answers the Terminating namespace."""
    from test_server_hardening import call

    from kubeteach.cluster import Cluster
    from kubeteach.server import Server

    server = Server(Cluster(), port=0, speed=0).start()
    try:
        for ns in ("default", "kube-system", "kube-public"):
            code, body = call(server, "DELETE", f"/api/v1/namespaces/{ns}")
            assert (code, body["reason"], body["message"]) == (
                403, "Forbidden", f'namespaces "{ns}" is forbidden: this namespace may not be deleted')
        assert call(server, "POST", "/api/v1/namespaces",
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})[0] == 201
        code, body = call(server, "DELETE", "/api/v1/namespaces/team")
        assert code == 200 and body["kind"] == "Namespace" and body["status"]["phase"] == "Terminating"
        code, body = call(server, "POST", "/api/v1/namespaces/team/pods", pod("late"))
        assert (code, body["reason"], body["message"]) == (
            403, "Forbidden", 'pods "late" is forbidden: unable to create new content in namespace team because it '
                              "is being terminated")
        with server.lock:
            server.cluster.run(seconds=30)
        assert call(server, "GET", "/api/v1/namespaces/team")[0] == 404
    finally:
        server.stop()
