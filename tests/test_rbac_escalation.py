"""RBAC escalation prevention (pkg/registry/rbac/*/policybased, escalation_check.go, validation/rule.go): nobody
writes a Role, ClusterRole or binding granting what they do not hold, unless they have `escalate` or `bind`; through
the embedded kubectl, the real kubectl against `kubeteach serve`, and the coverage rules one by one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, real_kubectl, serve_cli

from kubeteach.apiserver.escalation import (
    breakdown_rule,
    compact_rules,
    compact_string,
    covers,
    go_quote_list,
    only_gc_fields_change,
    rule_covers,
)

RBAC = "rbac.authorization.k8s.io"
DEV = 'user "dev" (groups=["developers" "system:authenticated"]) is attempting to grant RBAC permissions not ' \
      "currently held:\n"
ALL = '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}'

#: what dev is given to start with: write RBAC objects, and nothing else
RBAC_WRITER = f"""\
apiVersion: {RBAC}/v1
kind: ClusterRole
metadata: {{name: rbac-writer}}
rules:
- apiGroups: [{RBAC}]
  resources: [roles, rolebindings, clusterroles, clusterrolebindings]
  verbs: [get, list, create, update, patch]
"""
BIND_CLUSTER_ADMIN = f"""\
apiVersion: {RBAC}/v1
kind: ClusterRole
metadata: {{name: cluster-admin-binder}}
rules:
- apiGroups: [{RBAC}]
  resources: [clusterroles]
  verbs: [bind]
  resourceNames: [cluster-admin]
"""
#: lesson 01's Role deployment-editor (pods get/list/watch, deployments read-write) and its binding to dev
DEV_ROLE = (ROOT / "data/01-dev-role.yaml").read_text()
ESCALATOR = f"""\
apiVersion: {RBAC}/v1
kind: ClusterRole
metadata: {{name: role-escalator}}
rules:
- apiGroups: [{RBAC}]
  resources: [roles]
  verbs: [escalate]
"""


def role(name: str, rules: list[dict], kind: str = "Role", namespace: str = "default") -> str:
    meta = {"name": name} if kind == "ClusterRole" else {"name": name, "namespace": namespace}
    return yaml.safe_dump({"apiVersion": f"{RBAC}/v1", "kind": kind, "metadata": meta, "rules": rules})


PODS_READ = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}
PODS_DELETE = {"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]}


@pytest.fixture
def c(bare, manifest):
    """A bare cluster where dev may write RBAC objects (ClusterRoleBinding dev-rbac-writer) and nothing more."""
    assert bare.kubectl(f"create -f {manifest(RBAC_WRITER, 'writer.yaml')}").returncode == 0
    assert bare.kubectl("create clusterrolebinding dev-rbac-writer --clusterrole=rbac-writer --user=dev").returncode \
        == 0
    return bare


def _err(r) -> str:
    return r.stderr.rstrip("\n")


def _escalation_records(cluster) -> list:
    return [r for r in cluster.trace if r.action.startswith("escalation-")]


# --- (a), (b): bind cluster-admin to yourself ---------------------------------------------------------------------

def test_binding_cluster_admin_to_yourself_is_refused_and_stores_nothing(c):
    before = c.etcd.revision
    r = c.kubectl("create rolebinding dev-admin --clusterrole=cluster-admin --user=dev", user="dev")
    assert (r.returncode, r.stdout) == (1, "")
    assert _err(r) == ('error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "dev-admin" is '
                       f"forbidden: {DEV}{ALL}")
    assert c.etcd.get("/registry/rolebindings/default/dev-admin") is None and c.etcd.revision == before
    refused = c.trace.actions("escalation-forbidden")[-1]
    assert str(refused).endswith(f'RBAC escalation check: "dev" may not write rolebinding "dev-admin": {ALL}')
    r = c.kubectl("create clusterrolebinding dev-admin --clusterrole=cluster-admin --user=dev", user="dev")
    assert _err(r) == ('error: failed to create clusterrolebinding: clusterrolebindings.rbac.authorization.k8s.io '
                       f'"dev-admin" is forbidden: {DEV}{ALL}')
    assert c.etcd.revision == before


def test_bind_on_cluster_admin_by_name_allows_the_binding(c, manifest):
    c.kubectl(f"create -f {manifest(BIND_CLUSTER_ADMIN, 'binder.yaml')}")
    c.kubectl("create clusterrolebinding dev-binder --clusterrole=cluster-admin-binder --user=dev")
    assert c.kubectl("auth can-i bind clusterroles/cluster-admin", user="dev").stdout == "yes\n"
    assert c.kubectl("auth can-i bind clusterroles/view", user="dev").stdout == "no\n"
    assert c.kubectl("auth can-i escalate roles", user="dev").stdout == "no\n"
    r = c.kubectl("create rolebinding dev-admin --clusterrole=cluster-admin --user=dev", user="dev")
    assert (r.returncode, r.stdout, r.stderr) == (0, "rolebinding.rbac.authorization.k8s.io/dev-admin created\n", "")
    assert c.get("rolebinding", "dev-admin")["roleRef"]["name"] == "cluster-admin"
    passed = c.trace.actions("escalation-checked")[-1]
    assert passed.detail["how"] == "bind"
    assert str(passed).endswith('"dev" may write rolebinding "dev-admin": it may bind the role it references (RBAC '
                                'allows via ClusterRoleBinding "dev-binder" (user dev, ClusterRole '
                                '"cluster-admin-binder"))')
    # bind on cluster-admin is not bind on anything else: view is still checked against dev's own rules
    r = c.kubectl("create rolebinding dev-view --clusterrole=view --user=dev -n kube-system", user="dev")
    assert r.returncode == 1 and "is attempting to grant RBAC permissions not currently held" in r.stderr


def test_a_clusterrole_bound_in_a_namespace_is_compared_with_your_rules_there(c):
    c.kubectl("create namespace team")
    c.kubectl("create rolebinding dev-edit --clusterrole=edit --user=dev -n team")
    # edit holds every rule of view, in team only
    r = c.kubectl("create rolebinding jane-view --clusterrole=view --user=jane -n team", user="dev")
    assert (r.returncode, r.stdout) == (0, "rolebinding.rbac.authorization.k8s.io/jane-view created\n")
    r = c.kubectl("create rolebinding jane-view --clusterrole=view --user=jane", user="dev")
    assert r.returncode == 1
    assert _err(r).startswith('error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io '
                              f'"jane-view" is forbidden: {DEV}')
    missing = _err(r).split("not currently held:\n", 1)[1].split("\n")
    # view's one rule, broken down and compacted per group and resource, sorted as a set of strings
    assert missing[0] == '{APIGroups:[""], Resources:["deployments"], Verbs:["get" "list" "watch"]}'
    assert missing == sorted(missing) and len(missing) == 16
    r = c.kubectl("create clusterrolebinding jane-view --clusterrole=view --user=jane", user="dev")
    assert r.returncode == 1 and "not currently held" in r.stderr


def test_binding_a_missing_role_is_not_found(c):
    r = c.kubectl("create rolebinding x --clusterrole=nope --user=dev", user="dev")
    assert _err(r) == 'error: failed to create rolebinding: clusterroles.rbac.authorization.k8s.io "nope" not found'
    r = c.kubectl("create rolebinding x --role=nope --user=dev", user="dev")
    assert _err(r) == 'error: failed to create rolebinding: roles.rbac.authorization.k8s.io "nope" not found'
    assert str(c.kubectl("create rolebinding x --role=nope --user=dev")).endswith("created")  # admin: not checked


# --- (c), (d): roles ----------------------------------------------------------------------------------------------

def test_a_role_granting_what_you_lack_needs_escalate(c, manifest):
    r = c.kubectl("create role pod-killer --verb=get,delete --resource=pods", user="dev")
    assert (r.returncode, _err(r)) == (1, 'Error from server (Forbidden): roles.rbac.authorization.k8s.io '
                                          f'"pod-killer" is forbidden: {DEV}'
                                          '{APIGroups:[""], Resources:["pods"], Verbs:["get" "delete"]}')
    assert c.list("roles") == []
    r = c.kubectl(f"create -f {manifest(role('pod-killer', [PODS_READ, PODS_DELETE]), 'killer.yaml')}", user="dev")
    assert _err(r) == ('Error from server (Forbidden): error when creating "killer.yaml": roles.rbac.authorization.'
                       f'k8s.io "pod-killer" is forbidden: {DEV}'
                       '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list" "delete"]}')
    c.kubectl(f"create -f {manifest(ESCALATOR, 'escalator.yaml')}")
    c.kubectl("create rolebinding dev-escalates --clusterrole=role-escalator --user=dev")
    assert c.kubectl("auth can-i escalate roles", user="dev").stdout == "yes\n"
    assert c.kubectl("auth can-i escalate roles -n kube-system", user="dev").stdout == "no\n"
    r = c.kubectl("create role pod-killer --verb=get,delete --resource=pods", user="dev")
    assert (r.returncode, r.stdout) == (0, "role.rbac.authorization.k8s.io/pod-killer created\n")
    assert c.trace.actions("escalation-checked")[-1].detail["how"] == "escalate"
    # escalate is granted in default only
    r = c.kubectl("create role pod-killer --verb=get,delete --resource=pods -n kube-system", user="dev")
    assert r.returncode == 1 and "not currently held" in r.stderr


def test_granting_a_subset_of_your_own_rules_is_allowed(c, manifest):
    c.kubectl(f"create -f {manifest(DEV_ROLE, 'dev-role.yaml')}")
    r = c.kubectl("create role pod-reader --verb=get,list --resource=pods", user="dev")
    assert (r.returncode, r.stdout) == (0, "role.rbac.authorization.k8s.io/pod-reader created\n")
    assert str(c.trace.actions("escalation-checked")[-1]).endswith(
        '"dev" may write role "pod-reader": its own rules cover every rule granted')
    r = c.kubectl("create role deployer --verb=update --resource=deployments.apps --resource-name=web", user="dev")
    assert r.returncode == 0
    r = c.kubectl("create rolebinding jane-reads --role=pod-reader --user=jane", user="dev")
    assert r.returncode == 0
    # one verb more than dev holds
    r = c.kubectl("create role pod-reader2 --verb=get,list,delete --resource=pods", user="dev")
    assert _err(r).endswith(DEV + '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}')
    # the same rules in another namespace: dev holds nothing there
    r = c.kubectl("create role pod-reader --verb=get --resource=pods -n kube-system", user="dev")
    assert _err(r).endswith(DEV + '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}')


def test_unresolvable_bindings_are_listed_after_the_missing_rules(c):
    c.kubectl("create rolebinding dev-missing --role=nothing --user=dev")
    r = c.kubectl("create role pod-reader --verb=get --resource=pods", user="dev")
    assert _err(r).endswith(DEV + '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}; resolution errors: '
                            '[roles.rbac.authorization.k8s.io "nothing" not found]')
    c.kubectl("create clusterrolebinding dev-gone --clusterrole=gone --user=dev")
    r = c.kubectl("create role pod-reader --verb=get --resource=pods", user="dev")
    assert _err(r).endswith('; resolution errors: [[clusterroles.rbac.authorization.k8s.io "gone" not found, '
                            'roles.rbac.authorization.k8s.io "nothing" not found]]')


def test_an_aggregation_rule_needs_full_authority(c, manifest):
    agg = {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": {"name": "agg"},
           "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"team": "a"}}]}, "rules": []}
    r = c.kubectl(f"create -f {manifest(yaml.safe_dump(agg), 'agg.yaml')}", user="dev")
    assert _err(r) == ('Error from server (Forbidden): error when creating "agg.yaml": clusterroles.rbac.'
                       'authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the '
                       'aggregationRule')
    assert str(c.kubectl("create -f agg.yaml")) == "clusterrole.rbac.authorization.k8s.io/agg created"


# --- (e): updates -------------------------------------------------------------------------------------------------

@pytest.fixture
def reader(c, manifest):
    """dev holds deployment-editor (pods get/list/watch) and has written Role reader (pods get, list)."""
    c.kubectl(f"create -f {manifest(DEV_ROLE, 'dev-role.yaml')}")
    assert c.kubectl(f"apply -f {manifest(role('reader', [PODS_READ]), 'reader.yaml')}", user="dev").returncode == 0
    return c


def test_put_adding_a_rule_you_lack_is_refused(reader, manifest):
    c = reader
    stored = c.get("role", "reader")
    bigger = {**stored, "rules": [PODS_READ, PODS_DELETE]}
    r = c.kubectl(f"replace -f {manifest(yaml.safe_dump(bigger), 'bigger.yaml')}", user="dev")
    assert _err(r) == ('Error from server (Forbidden): error when replacing "bigger.yaml": roles.rbac.authorization.'
                       f'k8s.io "reader" is forbidden: {DEV}' + '{APIGroups:[""], Resources:["pods"], '
                       'Verbs:["delete"]}')
    assert c.get("role", "reader") == stored
    smaller = {**stored, "rules": [{**PODS_READ, "verbs": ["get"]}]}
    assert str(c.kubectl(f"replace -f {manifest(yaml.safe_dump(smaller), 'smaller.yaml')}", user="dev")) == \
        "role.rbac.authorization.k8s.io/reader replaced"


def test_apply_and_patch_adding_a_rule_you_lack_are_refused(reader, manifest):
    c = reader
    stored = c.get("role", "reader")
    r = c.kubectl(f"apply -f {manifest(role('reader', [PODS_READ, PODS_DELETE]), 'reader.yaml')}", user="dev")
    assert r.returncode == 1
    assert _err(r).endswith('roles.rbac.authorization.k8s.io "reader" is forbidden: '
                            f'{DEV}' + '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}')
    patch = json.dumps([{"op": "add", "path": "/rules/-", "value": PODS_DELETE}], separators=(",", ":"))
    r = c.kubectl(f"patch role reader --type=json -p '{patch}'", user="dev")
    assert _err(r) == ('Error from server (Forbidden): roles.rbac.authorization.k8s.io "reader" is forbidden: '
                       f'{DEV}' + '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}')
    merge = json.dumps({"rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}, separators=(",", ":"))
    r = c.kubectl(f"patch role reader --type=merge -p '{merge}'", user="dev")
    assert _err(r).endswith(DEV + ALL)
    assert c.get("role", "reader") == stored
    # a label is an update too: the role's rules are checked again, and dev holds them
    assert str(c.kubectl("label role reader team=a", user="dev")) == "role.rbac.authorization.k8s.io/reader labeled"


def test_only_finalizers_or_owner_references_skip_the_check(c, manifest):
    c.kubectl(f"create -f {manifest(role('big', [PODS_DELETE]), 'big.yaml')}")       # written by admin
    patch = json.dumps({"metadata": {"finalizers": ["example.com/keep"]}}, separators=(",", ":"))
    r = c.kubectl(f"patch role big --type=merge -p '{patch}'", user="dev")
    assert (r.returncode, r.stdout) == (0, "role.rbac.authorization.k8s.io/big patched\n")
    assert c.trace.actions("escalation-checked")[-1].detail["how"] == "gc"
    r = c.kubectl("label role big team=a", user="dev")
    assert _err(r).endswith(DEV + '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}')


# --- (f): superusers and impersonation ----------------------------------------------------------------------------

def test_system_masters_is_never_checked(bare, manifest):
    assert bare.kubectl("create rolebinding a --clusterrole=cluster-admin --user=dev").returncode == 0
    agg = {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": {"name": "agg"},
           "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"team": "a"}}]}}
    assert bare.kubectl(f"create -f {manifest(yaml.safe_dump(agg), 'agg.yaml')}").returncode == 0
    assert bare.kubectl("create role r --verb=* --resource=*").returncode == 0
    assert _escalation_records(bare) == []


def test_the_impersonated_user_is_the_one_checked(c):
    # admin may impersonate anyone; acting as dev (groups: system:authenticated only) it holds what dev holds
    r = c.kubectl("create rolebinding dev-admin --clusterrole=cluster-admin --user=dev --as=dev")
    assert _err(r) == ('error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "dev-admin" is '
                       'forbidden: user "dev" (groups=["system:authenticated"]) is attempting to grant RBAC '
                       f"permissions not currently held:\n{ALL}")
    r = c.kubectl("create rolebinding dev-admin --clusterrole=cluster-admin --user=dev --as=dev "
                  "--as-group=system:masters")
    assert r.returncode == 0


# --- (g): the coverage rules --------------------------------------------------------------------------------------

def rule(verbs, resources=(), groups=("",), names=(), urls=()) -> dict:
    out = {"verbs": list(verbs)}
    if resources:
        out |= {"apiGroups": list(groups), "resources": list(resources)}
    if names:
        out["resourceNames"] = list(names)
    if urls:
        out["nonResourceURLs"] = list(urls)
    return out


@pytest.mark.parametrize("owner,sub,expected", [
    (rule(["*"], ["*"], ["*"]), rule(["delete"], ["deployments"], ["apps"]), True),
    (rule(["get"], ["*"], ["*"]), rule(["delete"], ["pods"]), False),                  # the verb is missing
    (rule(["get"], ["pods"], ["*"]), rule(["get"], ["deployments"], ["apps"]), False),
    (rule(["get"], ["pods"], ["apps"]), rule(["get"], ["pods"], [""]), False),         # another group
    (rule(["get"], ["*"]), rule(["get"], ["pods/log"]), True),                         # * covers subresources
    (rule(["get"], ["*/scale"], ["apps"]), rule(["get"], ["deployments/scale"], ["apps"]), True),
    (rule(["get"], ["*/scale"], ["apps"]), rule(["get"], ["deployments"], ["apps"]), False),
    (rule(["get"], ["pods"]), rule(["get"], ["pods/log"]), False),                     # a resource, not its parts
    (rule(["get"], ["pods/*"]), rule(["get"], ["pods/log"]), False),                   # no wildcard on the right
    (rule(["get"], ["pods"]), rule(["get"], ["pods"], names=["web"]), True),           # all names cover one
    (rule(["get"], ["pods"], names=["web", "db"]), rule(["get"], ["pods"], names=["web"]), True),
    (rule(["get"], ["pods"], names=["db"]), rule(["get"], ["pods"], names=["web"]), False),
    (rule(["get"], ["pods"], names=["web"]), rule(["get"], ["pods"]), False),          # one name, not all
    (rule(["get"], urls=["*"]), rule(["get"], urls=["/healthz"]), True),
    (rule(["get"], urls=["/api/*"]), rule(["get"], urls=["/api/v1/pods"]), True),
    (rule(["get"], urls=["/api/*"]), rule(["get"], urls=["/apis"]), False),
    (rule(["get"], urls=["/healthz"]), rule(["get"], urls=["/healthz/etcd"]), False),
    (rule(["*"], ["*"], ["*"]), rule(["get"], urls=["/healthz"]), False),              # resources are not URLs
    (rule(["get"], urls=["*"]), rule(["get"], ["pods"]), False),
])
def test_rule_covers(owner, sub, expected):
    (piece,) = breakdown_rule(sub)
    assert rule_covers(owner, piece) is expected


def test_covers_breaks_rules_down_and_reports_each_missing_piece():
    owner = [rule(["get", "list"], ["pods", "services"]), rule(["*"], ["configmaps"], names=["app"])]
    wanted = [rule(["get", "delete"], ["pods", "configmaps"]), rule(["update"], ["configmaps"], names=["app", "x"])]
    ok, missing = covers(owner, wanted)
    assert not ok
    assert missing == [rule(["delete"], ["pods"]), rule(["get"], ["configmaps"]), rule(["delete"], ["configmaps"]),
                       rule(["update"], ["configmaps"], names=["x"])]
    assert sorted(compact_string(r) for r in compact_rules(missing)) == [
        '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["x"], Verbs:["update"]}',
        '{APIGroups:[""], Resources:["configmaps"], Verbs:["get" "delete"]}',
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}']
    assert covers(owner, [rule(["list"], ["services", "pods"]), rule(["patch"], ["configmaps"], names=["app"])]) \
        == (True, [])
    assert covers([], []) == (True, [])
    assert covers([], [rule(["get"], urls=["/healthz", "/livez"])])[1] == [rule(["get"], urls=["/healthz"]),
                                                                          rule(["get"], urls=["/livez"])]


def test_compact_string_quotes_like_go():
    assert compact_string(rule(["get"], urls=["/healthz"])) == '{NonResourceURLs:["/healthz"], Verbs:["get"]}'
    assert go_quote_list(["a", 'b"c', "tab\t"]) == '["a" "b\\"c" "tab\\t"]' and go_quote_list([]) == "[]"


def test_only_gc_fields_change_ignores_owner_references_finalizers_and_empty_fields():
    old = {"metadata": {"name": "r", "resourceVersion": "7", "labels": {}}, "rules": []}
    assert only_gc_fields_change({"metadata": {"name": "r", "finalizers": ["x"],
                                               "ownerReferences": [{"uid": "u"}]}}, old)
    assert not only_gc_fields_change({"metadata": {"name": "r", "labels": {"a": "b"}}, "rules": []}, old)
    assert not only_gc_fields_change({"metadata": {"name": "r"}, "rules": [PODS_READ]}, old)


# --- the real kubectl against `kubeteach serve` -------------------------------------------------------------------

@pytest.fixture
def kubectl(tmp_path: Path) -> Iterator:
    """`kubeteach serve` in a subprocess on a free port and a function running the real kubectl (as in
    tests/test_server.py)."""
    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        yield real_kubectl(kubeconfig, tmp_path, cwd=tmp_path)


def binding(name: str, role_kind: str, role_name: str, kind: str = "RoleBinding") -> str:
    meta = {"name": name} if kind == "ClusterRoleBinding" else {"name": name, "namespace": "default"}
    return yaml.safe_dump({"apiVersion": f"{RBAC}/v1", "kind": kind, "metadata": meta,
                           "roleRef": {"apiGroup": RBAC, "kind": role_kind, "name": role_name},
                           "subjects": [{"apiGroup": RBAC, "kind": "User", "name": "dev"}]})


# The real kubectl's `create role|rolebinding|clusterrolebinding` POST protobuf, which `kubeteach serve` reads only
# for the access reviews; these tests send the same objects as manifests (JSON).

def test_the_real_kubectl_is_refused_then_allowed_to_bind_cluster_admin(kubectl, tmp_path):
    files = {"writer.yaml": RBAC_WRITER, "binder.yaml": BIND_CLUSTER_ADMIN,
             "dev-writer.yaml": binding("dev-rbac-writer", "ClusterRole", "rbac-writer", "ClusterRoleBinding"),
             "dev-binder.yaml": binding("dev-binder", "ClusterRole", "cluster-admin-binder", "ClusterRoleBinding"),
             "dev-admin.yaml": binding("dev-admin", "ClusterRole", "cluster-admin"),
             "killer.yaml": role("pod-killer", [PODS_DELETE]),
             "killer-ks.yaml": role("pod-killer", [PODS_DELETE], namespace="kube-system")}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    for name in ("writer.yaml", "dev-writer.yaml"):
        assert kubectl("create", "-f", name).returncode == 0

    r = kubectl("--context", "dev", "create", "-f", "dev-admin.yaml")
    assert (r.returncode, r.stdout, r.stderr) == (
        1, "", 'Error from server (Forbidden): error when creating "dev-admin.yaml": rolebindings.rbac.authorization.'
               f'k8s.io "dev-admin" is forbidden: {DEV}{ALL}\n')
    assert kubectl("get", "rolebindings", "-o", "name").stdout == ""
    r = kubectl("--context", "dev", "create", "-f", "killer.yaml")
    assert r.stderr == ('Error from server (Forbidden): error when creating "killer.yaml": roles.rbac.authorization.'
                        f'k8s.io "pod-killer" is forbidden: {DEV}' + '{APIGroups:[""], Resources:["pods"], '
                        'Verbs:["delete"]}\n')

    for name in ("binder.yaml", "dev-binder.yaml"):
        assert kubectl("create", "-f", name).returncode == 0
    assert kubectl("--context", "dev", "auth", "can-i", "bind", "clusterroles/cluster-admin").stdout == "yes\n"
    assert kubectl("--context", "dev", "auth", "can-i", "escalate", "roles").stdout == "no\n"
    r = kubectl("--context", "dev", "create", "-f", "dev-admin.yaml")
    assert (r.returncode, r.stdout) == (0, "rolebinding.rbac.authorization.k8s.io/dev-admin created\n")
    # now dev holds everything in default, and may write any role there; not in kube-system
    assert kubectl("--context", "dev", "auth", "can-i", "escalate", "roles").stdout == "yes\n"
    r = kubectl("--context", "dev", "create", "-f", "killer.yaml")
    assert r.stdout == "role.rbac.authorization.k8s.io/pod-killer created\n"
    r = kubectl("--context", "dev", "create", "-f", "killer-ks.yaml")
    assert r.returncode == 1 and "is attempting to grant RBAC permissions not currently held" in r.stderr


def test_the_real_kubectl_cannot_widen_a_role_by_apply_or_patch(kubectl, tmp_path):
    files = {"writer.yaml": RBAC_WRITER, "dev-role.yaml": DEV_ROLE, "reader.yaml": role("reader", [PODS_READ]),
             "dev-writer.yaml": binding("dev-rbac-writer", "ClusterRole", "rbac-writer", "ClusterRoleBinding")}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    for name in ("writer.yaml", "dev-role.yaml", "dev-writer.yaml"):
        assert kubectl("create", "-f", name).returncode == 0
    r = kubectl("--context", "dev", "apply", "-f", "reader.yaml")
    assert (r.returncode, r.stdout) == (0, "role.rbac.authorization.k8s.io/reader created\n")
    (tmp_path / "reader.yaml").write_text(role("reader", [PODS_READ, PODS_DELETE]))
    r = kubectl("--context", "dev", "apply", "-f", "reader.yaml")
    assert r.returncode == 1
    assert r.stderr.endswith('roles.rbac.authorization.k8s.io "reader" is forbidden: '
                             f'{DEV}' + '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n')
    patch = json.dumps([{"op": "add", "path": "/rules/-", "value": PODS_DELETE}])
    r = kubectl("--context", "dev", "patch", "role", "reader", "--type=json", "-p", patch)
    assert r.stderr == ('Error from server (Forbidden): roles.rbac.authorization.k8s.io "reader" is forbidden: '
                        f'{DEV}' + '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n')
    stored = json.loads(kubectl("get", "role", "reader", "-o", "json").stdout)
    assert stored["rules"] == [PODS_READ]
    r = kubectl("--context", "dev", "replace", "-f", "reader.yaml")
    assert r.returncode == 1 and r.stderr.startswith(
        'Error from server (Forbidden): error when replacing "reader.yaml": roles.rbac.authorization.k8s.io "reader" '
        "is forbidden: ")
