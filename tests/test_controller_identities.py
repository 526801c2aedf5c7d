"""Issue #16 item 15: kube-controller-manager with --use-service-account-credentials. Each controller calls the API
as system:serviceaccount:kube-system:<sa>, allowed by its bootstrap ClusterRole system:controller:<sa>
(plugin/pkg/auth/authorizer/rbac/bootstrappolicy/controller_policy.go); kube-controller-manager keeps its own
identity for the shared informers."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import real_kubectl, serve_cli

from kubeteach.apiserver import rbac
from kubeteach.apiserver.controller_policy import CONTROLLER_ROLES
from kubeteach.cluster import Cluster
from kubeteach.controllers import SERVICE_ACCOUNTS

SA = "system:serviceaccount:kube-system:"

# `kubectl get clusterrole system:controller:deployment-controller -o yaml` on a v1.35 cluster, without the
# creationTimestamp, resourceVersion and uid lines
DEPLOYMENT_CONTROLLER_ROLE = textwrap.dedent("""\
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      annotations:
        rbac.authorization.kubernetes.io/autoupdate: "true"
      labels:
        kubernetes.io/bootstrapping: rbac-defaults
      name: system:controller:deployment-controller
    rules:
    - apiGroups:
      - apps
      - extensions
      resources:
      - deployments
      verbs:
      - get
      - list
      - update
      - watch
    - apiGroups:
      - apps
      - extensions
      resources:
      - deployments/status
      verbs:
      - update
    - apiGroups:
      - apps
      - extensions
      resources:
      - deployments/finalizers
      verbs:
      - update
    - apiGroups:
      - apps
      - extensions
      resources:
      - replicasets
      verbs:
      - create
      - delete
      - get
      - list
      - patch
      - update
      - watch
    - apiGroups:
      - ""
      resources:
      - pods
      verbs:
      - get
      - list
      - update
      - watch
    - apiGroups:
      - ""
      - events.k8s.io
      resources:
      - events
      verbs:
      - create
      - patch
      - update
    """)

DEPLOYMENT_CONTROLLER_BINDING = textwrap.dedent("""\
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata:
      annotations:
        rbac.authorization.kubernetes.io/autoupdate: "true"
      labels:
        kubernetes.io/bootstrapping: rbac-defaults
      name: system:controller:deployment-controller
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: ClusterRole
      name: system:controller:deployment-controller
    subjects:
    - kind: ServiceAccount
      name: deployment-controller
      namespace: kube-system
    """)


@pytest.fixture
def decisions(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str, bool, dict]]:
    """Every authorization decision from now on: (user, verb, resource[/subresource], allowed, reason)."""
    seen: list[tuple[str, str, str, bool, dict]] = []
    original = rbac.Authorizer.authorize

    def spy(self: rbac.Authorizer, a: rbac.Attributes) -> rbac.Decision:
        d = original(self, a)
        seen.append((a.user.name, a.verb, a.resource + (f"/{a.subresource}" if a.subresource else ""), d.allowed,
                     d.reason))
        return d

    monkeypatch.setattr(rbac.Authorizer, "authorize", spy)
    return seen


def test_each_controller_authenticates_as_its_service_account() -> None:
    c = Cluster(seed=0)
    authn = c.api.authn
    for name, sa in SERVICE_ACCOUNTS.items():
        if name not in c.started:
            continue            # disruption-controller: its role is ready before it lands
        user = authn.authenticate(c.started[name].client.credentials)
        assert user is not None and user.name == SA + sa, name
        assert user.groups == ("system:serviceaccounts", "system:serviceaccounts:kube-system",
                               "system:authenticated")
        assert c.get("serviceaccounts", sa, "kube-system") is not None
    # the taint eviction controller shares node-controller's account, as startTaintEvictionController does
    taint = authn.authenticate(c.started["taint-eviction-controller"].client.credentials)
    assert taint is not None and taint.name == SA + "node-controller"
    # the shared informers and the CSI sidecars keep kube-controller-manager's own identity
    informer_client = c.started["deployment-controller"].factory.client
    assert authn.authenticate(informer_client.credentials).name == "system:kube-controller-manager"
    assert authn.authenticate(c.started["csi-provisioner"].client.credentials).name == \
        "system:kube-controller-manager"


def test_a_deployments_life_is_written_by_each_controllers_own_account(in_repo: Path, decisions: list) -> None:
    c = Cluster(seed=0)
    assert c.kubectl("create -f data/deployment.yaml").returncode == 0
    c.run()
    assert c.kubectl("delete deployment nginx").returncode == 0
    c.run()
    writes = {(u, verb, res) for u, verb, res, ok, _ in decisions if verb not in ("get", "list", "watch")}
    assert (SA + "deployment-controller", "create", "replicasets") in writes
    assert (SA + "deployment-controller", "update", "deployments/status") in writes
    assert (SA + "replicaset-controller", "create", "pods") in writes
    assert (SA + "replicaset-controller", "create", "events") in writes
    assert (SA + "generic-garbage-collector", "delete", "replicasets") in writes
    assert (SA + "generic-garbage-collector", "delete", "pods") in writes
    denied = [d for d in decisions if not d[3]]
    assert denied == []
    allowed_by = {d[4].get("binding") for d in decisions if d[0] == SA + "replicaset-controller"}
    assert allowed_by == {"system:controller:replicaset-controller"}
    assert not c.trace.actions("rejected")


def test_the_bootstrap_controller_roles_and_bindings_hold_the_sources_rules() -> None:
    c = Cluster(seed=0, components=[])
    for sa, rules in CONTROLLER_ROLES:
        name = "system:controller:" + sa
        role = c.get("clusterroles", name)
        assert role is not None and role["rules"] == rules, name
        assert role["metadata"]["labels"] == {"kubernetes.io/bootstrapping": "rbac-defaults"}
        binding = c.get("clusterrolebindings", name)
        assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name}
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": sa, "namespace": "kube-system"}]
    every_sa = set(SERVICE_ACCOUNTS.values())
    assert every_sa <= {sa for sa, _ in CONTROLLER_ROLES}
    assert "disruption-controller" in every_sa
    # a fact straight from controller_policy.go, sorted as RuleOrDie sorts it
    rs = c.get("clusterroles", "system:controller:replicaset-controller")["rules"]
    assert rs[3] == {"apiGroups": [""], "resources": ["pods"], "verbs": ["create", "delete", "list", "patch", "watch"]}
    assert c.get("clusterroles", "system:controller:disruption-controller")["rules"][7] == \
        {"apiGroups": ["*"], "resources": ["*/scale"], "verbs": ["get"]}
    # a cluster without controllers creates no controller service accounts (kube-controller-manager makes them)
    assert c.get("serviceaccounts", "deployment-controller", "kube-system") is None


def test_kubectl_auth_can_i_as_a_controller() -> None:
    c = Cluster(seed=0, components=[])
    who = "--as=system:serviceaccount:kube-system:replicaset-controller"
    yes = c.kubectl(f"auth can-i create pods {who}")
    assert (yes.returncode, yes.stdout.strip()) == (0, "yes")
    no = c.kubectl(f"auth can-i delete nodes {who}")
    assert (no.returncode, no.stdout.strip()) == (1, "no")
    assert c.kubectl(f"auth can-i create replicasets {who}").stdout.strip() == "no"
    assert c.kubectl("auth can-i update deployments/status "
                     "--as=system:serviceaccount:kube-system:deployment-controller").stdout.strip() == "yes"
    text = c.trace.text()
    assert ('RBAC allows via ClusterRoleBinding "system:controller:replicaset-controller" (serviceaccount '
            'replicaset-controller/kube-system, ClusterRole "system:controller:replicaset-controller")') in text


def test_a_controller_outside_its_role_is_refused_and_the_403_names_its_account(decisions: list) -> None:
    c = Cluster(seed=0)
    client = c.started["pv-protection-controller"].client
    from kubeteach.apiserver.errors import APIError

    with pytest.raises(APIError) as err:
        client.delete("pods", "default", "nothing")
    assert err.value.code == 403
    assert err.value.message == ('pods "nothing" is forbidden: User "system:serviceaccount:kube-system:'
                                 'pv-protection-controller" cannot delete resource "pods" in API group "" in the '
                                 'namespace "default"')


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    tmp = tmp_path_factory.mktemp("identities")
    kubeconfig = tmp / "kubeconfig"
    with serve_cli(tmp, kubeconfig):
        yield real_kubectl(kubeconfig, tmp)


def test_the_real_kubectl_shows_the_deployment_controllers_role_as_v135_does(real) -> None:
    out = real("get", "clusterrole", "system:controller:deployment-controller", "-o", "yaml")
    assert out.returncode == 0, out.stderr
    kept = [line for line in out.stdout.splitlines()
            if not line.startswith(("  creationTimestamp:", "  resourceVersion:", "  uid:"))]
    assert "\n".join(kept) + "\n" == DEPLOYMENT_CONTROLLER_ROLE
    assert yaml.safe_load(out.stdout)["metadata"]["uid"]
    out = real("get", "clusterrolebinding", "system:controller:deployment-controller", "-o", "yaml")
    kept = [line for line in out.stdout.splitlines()
            if not line.startswith(("  creationTimestamp:", "  resourceVersion:", "  uid:"))]
    assert "\n".join(kept) + "\n" == DEPLOYMENT_CONTROLLER_BINDING


def test_the_real_kubectl_asks_can_i_as_a_controller(real) -> None:
    who = "--as=system:serviceaccount:kube-system:replicaset-controller"
    yes = real("auth", "can-i", "create", "pods", who)
    assert (yes.returncode, yes.stdout.strip()) == (0, "yes")
    no = real("auth", "can-i", "delete", "nodes", who)
    assert (no.returncode, no.stdout.strip()) == (1, "no")
    sas = real("get", "serviceaccounts", "-n", "kube-system", "-o", "name")
    assert "serviceaccount/deployment-controller" in sas.stdout.split()
    assert "serviceaccount/generic-garbage-collector" in sas.stdout.split()


def test_serve_keeps_the_controllers_tokens_out_of_its_static_token_file(real, tmp_path_factory) -> None:
    assert real("get", "--raw", "/version").returncode == 0
    files = list(tmp_path_factory.getbasetemp().glob("identities[0-9]*/serve-state/tokens.csv"))
    assert len(files) == 1
    text = files[0].read_text()
    assert text and "system:serviceaccount:" not in text


def test_trace_requests_shows_each_controller_request_authorized_by_its_own_binding():
    c = Cluster()
    c.trace_requests("kube-controller-manager")
    c.kubectl(f"create -f {Path(__file__).parent.parent / 'data/deployment.yaml'}")
    start = len(c.trace)
    c.run()
    lines = [str(r) for r in c.trace[start:] if r.action == "authorized"]
    want = {"deployment-controller": 'authorized create replicasets.apps in "default": RBAC allows via '
                                     'ClusterRoleBinding "system:controller:deployment-controller" (serviceaccount '
                                     'deployment-controller/kube-system, ClusterRole '
                                     '"system:controller:deployment-controller")',
            "replicaset-controller": 'authorized create pods in "default": RBAC allows via ClusterRoleBinding '
                                     '"system:controller:replicaset-controller" (serviceaccount '
                                     'replicaset-controller/kube-system, ClusterRole '
                                     '"system:controller:replicaset-controller")'}
    for sa, line in want.items():
        assert any(x.endswith(line) for x in lines), (sa, lines[:5])
    authenticated = {str(r).split('"')[1] for r in c.trace[start:] if r.action == "authenticated"}
    assert {SA + "deployment-controller", SA + "replicaset-controller"} <= authenticated
    assert any("deployments.apps/status" in x for x in lines)      # the status subresource is what RBAC checks
    assert not any("system:kube-scheduler" in x for x in authenticated)   # only the components asked for


def test_trace_requests_can_be_switched_off_and_names_unknown_components():
    c = Cluster()
    c.trace_requests("kube-scheduler")
    c.trace_requests("kube-scheduler", on=False)
    c.kubectl(f"create -f {Path(__file__).parent.parent / 'data/deployment.yaml'}")
    start = len(c.trace)
    c.run()
    assert not [r for r in c.trace[start:] if r.action in ("authenticated", "authorized")]
    with pytest.raises(KeyError, match="no component 'coredns'"):     # kube-proxy exists since issue #17
        c.trace_requests("coredns")
