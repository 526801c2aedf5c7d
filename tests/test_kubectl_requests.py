"""kubectl talks only through API requests (issue #14): the access reviews are POSTs through `APIServer.handle`
like any other request, `get -w` is a watch from a resourceVersion, and kubectl's waits are quiet GETs."""

from __future__ import annotations

import pytest
from conftest import pod

from kubeteach.apiserver import APIError
from kubeteach.apiserver.resources import REVIEW_RESOURCES

ACCESS_REVIEWS = REVIEW_RESOURCES["selfsubjectaccessreviews"]


def _added(cluster, fn) -> list[tuple]:
    """The trace records `fn()` adds, as (actor, action, object, detail)."""
    n = len(cluster.trace)
    fn()
    return [(r.actor, r.action, r.object, r.detail) for r in cluster.trace[n:]]


def _can_i(verb: str, group: str, resource: str, namespace: str = "default") -> dict:
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"namespace": namespace, "verb": verb, "group": group,
                                            "resource": resource}}}


def test_can_i_is_a_review_request_traced_as_before(bare):
    """The trace of `auth can-i` is the POST and the answer, no pipeline stages: the same records whether kubectl
    or any client sends the review (one pipeline)."""
    by_kubectl = _added(bare, lambda: bare.kubectl("auth can-i create deployments", user="dev"))
    assert by_kubectl == [
        ("kubectl", "request", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
         {"method": "POST", "what": {"verb": "create", "subresource": "", "kind": "SelfSubjectAccessReview",
                                     "resource": "selfsubjectaccessreviews", "name": "", "generate_name": ""},
          "user": "", "verbose": True}),
        ("kube-apiserver", "access-review", "",
         {"user": "dev", "verb": "create", "resource": "deployments", "group": "apps", "namespace": "default",
          "allowed": False, "reason": {"by": "none"}})]
    assert [str(r).split("] ", 1)[1] for r in bare.trace[-2:]] == [
        "kubectl                 POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews (create "
        "selfsubjectaccessreview)",
        'kube-apiserver          SelfSubjectAccessReview: may "dev" create deployments.apps in \'default\'? no '
        "(no RBAC rule allows it)"]
    review = {}
    by_client = _added(bare, lambda: review.update(
        bare.client("dev").request("create", ACCESS_REVIEWS, body=_can_i("create", "apps", "deployments"))))
    assert by_client == by_kubectl
    assert review["status"] == {"allowed": False}
    assert _added(bare, lambda: bare.client("dev").quiet_copy().request(
        "create", ACCESS_REVIEWS, body=_can_i("list", "", "pods"))) == []


def test_reviews_pass_the_filters_of_every_request(bare):
    """Creating a review is authorized like any create: without `system:basic-user` nobody but the superuser may."""
    admin = bare.client()
    admin.delete("clusterrolebindings", "", "system:basic-user")
    r = bare.kubectl("auth can-i list pods", user="dev")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == ('Error from server (Forbidden): selfsubjectaccessreviews.authorization.k8s.io is forbidden: '
                        'User "dev" cannot create resource "selfsubjectaccessreviews" in API group '
                        '"authorization.k8s.io" at the cluster scope\n')
    assert bare.kubectl("auth whoami", user="dev").stderr.startswith(
        "Error from server (Forbidden): selfsubjectreviews.authentication.k8s.io is forbidden")
    assert bare.kubectl("auth can-i list pods").stdout == "yes\n"           # system:masters needs no binding
    with pytest.raises(APIError) as err:
        bare.client("dev").request("get", ACCESS_REVIEWS, name="x")
    assert (err.value.code, err.value.reason) == (405, "MethodNotAllowed")
    with pytest.raises(APIError) as err:
        admin.request("create", ACCESS_REVIEWS, body={"spec": {}})
    assert err.value.message == "nonResourceAttributes are not supported by this server"


def test_get_watch_watches_from_the_lists_resource_version_through_a_quiet_watch(bare):
    """`get -w` prints the list, then the changes after the list's resourceVersion (get.go watch; the deletion of
    `db` came before it, so no row), and its watch leaves the trace as the plain `get` does."""
    admin = bare.client()
    for name in ("web", "db", "cache"):
        admin.create("pods", pod(name), "default")
    admin.delete("pods", "default", "db")
    watched, listed = {}, {}
    with_watch = _added(bare, lambda: watched.update(r=bare.kubectl("get pods -w")))
    without = _added(bare, lambda: listed.update(r=bare.kubectl("get pods")))
    assert [(a, b) for a, b, *_ in with_watch] == [(a, b) for a, b, *_ in without]
    rows = watched["r"].stdout.splitlines()
    assert rows == listed["r"].stdout.splitlines()


def test_a_watch_from_a_resource_version_replays_what_followed(bare):
    admin = bare.client()
    first = admin.create("pods", pod("web"), "default")
    admin.create("pods", pod("db"), "default")
    admin.delete("pods", "default", "web")
    seen: list[tuple[str, str]] = []
    w = admin.quiet_copy().request("watch", "pods", "default", callback=lambda t, o: seen.append(
        (t, o["metadata"]["name"])), resourceVersion=first["metadata"]["resourceVersion"])
    w.stop()
    assert seen == [("ADDED", "db"), ("DELETED", "web")]
    bare.etcd.compact(bare.etcd.revision)
    gone: list[tuple[str, dict]] = []
    w = admin.request("watch", "pods", "default", callback=lambda t, o: gone.append((t, o)), resourceVersion="1")
    assert w.stopped and [t for t, _ in gone] == ["ERROR"]
    assert (gone[0][1]["code"], gone[0][1]["reason"]) == (410, "Expired")
    assert gone[0][1]["message"].startswith("too old resource version: 1 (")


def test_delete_waits_by_polling_quietly_and_not_when_forbidden_to_look():
    """delete --wait polls with GETs the trace leaves out; a user who may delete but not get is not made to wait
    (delete.go: "if we're forbidden from waiting, we shouldn't fail")."""
    from kubeteach import Cluster

    c = Cluster()
    admin = c.client()
    for name in ("web", "db"):
        admin.create("pods", pod(name), "default")
    c.run()
    assert c.kubectl("create role deleter --verb=delete --resource=pods").ok
    assert c.kubectl("create rolebinding dev-deletes --role=deleter --user=dev").ok
    r = c.kubectl("delete pod db", user="dev")
    assert (r.returncode, r.stdout) == (0, 'pod "db" deleted from default namespace\n')
    assert c.get("pod", "db")["metadata"].get("deletionTimestamp")        # returned before the kubelet was done
    records = _added(c, lambda: c.kubectl("delete pod web"))
    assert c.get("pod", "web") is None                                    # waited until the pod was gone
    polls = [r for r in records if r[0] == "kubectl" and r[1] == "request"]
    assert [(r[3]["what"]["verb"], r[3]["what"]["kind"], r[3]["what"]["name"]) for r in polls] == \
        [("delete", "Pod", "web")]
