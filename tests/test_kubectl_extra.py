"""kubectl create deployment|namespace|role|rolebinding|clusterrolebinding, label, annotate, --token, --as/--as-group,
auth whoami, auth can-i --list, and the RBAC describers: each checked against the exact text kubectl v1.35 prints.
"""

from __future__ import annotations

import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

import kubeteach as kt
from kubeteach.kubectl.rbac import rule_rows

RBAC = "rbac.authorization.k8s.io"
IMPERSONATOR = {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": {"name": "impersonator"},
                "rules": [{"apiGroups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]}]}


def _err(r) -> str:
    return r.stderr.rstrip("\n")


# --- create deployment --------------------------------------------------------------------------------------------

def test_create_deployment_dry_run_prints_the_generated_object(bare):
    r = bare.kubectl("create deployment nginx --image=nginx --dry-run=client -o yaml")
    assert r.returncode == 0
    assert r.stdout == ("apiVersion: apps/v1\n"
                        "kind: Deployment\n"
                        "metadata:\n"
                        "  labels:\n"
                        "    app: nginx\n"
                        "  name: nginx\n"
                        "spec:\n"
                        "  replicas: 1\n"
                        "  selector:\n"
                        "    matchLabels:\n"
                        "      app: nginx\n"
                        "  strategy: {}\n"
                        "  template:\n"
                        "    metadata:\n"
                        "      labels:\n"
                        "        app: nginx\n"
                        "    spec:\n"
                        "      containers:\n"
                        "      - image: nginx\n"
                        "        name: nginx\n"
                        "        resources: {}\n"
                        "status: {}\n")
    assert bare.list("deployments") == []
    assert str(bare.kubectl("create deployment nginx --image=nginx --dry-run=client")) == \
        "deployment.apps/nginx created (dry run)"


def test_create_deployment_sends_the_object_and_prints_created(bare):
    r = bare.kubectl("create deployment web --image=registry.k8s.io/pause:3.10 --replicas=3 --port=8080 -n kube-public")
    assert (r.returncode, r.stdout, r.stderr) == (0, "deployment.apps/web created\n", "")
    d = bare.get("deployment", "web", namespace="kube-public")
    assert d["metadata"]["labels"] == {"app": "web"}
    assert d["spec"]["replicas"] == 3
    assert d["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert d["spec"]["strategy"]["type"] == "RollingUpdate"          # the server defaulted `strategy: {}`
    (c,) = d["spec"]["template"]["spec"]["containers"]
    assert (c["name"], c["image"], c["ports"]) == ("pause", "registry.k8s.io/pause:3.10",
                                                   [{"containerPort": 8080, "protocol": "TCP"}])
    assert str(bare.kubectl("create deployment web --image=nginx -n kube-public")) == \
        'error: failed to create deployment: deployments.apps "web" already exists'
    assert str(bare.kubectl("create deploy api --image=httpd:2.4 -o name")) == "deployment.apps/api"


def test_create_deployment_container_names_and_usage_errors(bare):
    r = bare.kubectl("create deployment x --image=my_app.v2:1 --image=busybox --dry-run=client -o json")
    names = [c["name"] for c in __import__("json").loads(r.stdout)["spec"]["template"]["spec"]["containers"]]
    assert re.fullmatch(r"my-app-v2-[bcdfghjklmnpqrstvwxz2456789]{5}", names[0]) and names[1] == "busybox"
    assert str(bare.kubectl("create deployment --image=nginx")) == (
        "error: exactly one NAME is required, got 0\nSee 'kubectl create deployment -h' for help and examples")
    assert str(bare.kubectl("create deployment a b --image=nginx")) == (
        "error: exactly one NAME is required, got 2\nSee 'kubectl create deployment -h' for help and examples")
    assert str(bare.kubectl("create deployment a")) == 'error: required flag(s) "image" not set'
    assert str(bare.kubectl("create deployment a --image=nginx --replicas=two")) == (
        'error: invalid argument "two" for "--replicas" flag: strconv.ParseInt: parsing "two": invalid syntax')
    assert str(bare.kubectl("create deployment a --image=nginx --image=redis -- sleep 1")) == \
        "error: cannot specify multiple --image options and command"
    r = bare.kubectl("create deployment sleeper --image=busybox --dry-run=client -o json -- sleep 3600")
    assert __import__("json").loads(r.stdout)["spec"]["template"]["spec"]["containers"][0]["command"] == \
        ["sleep", "3600"]
    assert str(bare.kubectl("create widget a")) == 'error: unknown command "widget" for "kubectl create"'


# --- create namespace, role, rolebinding, clusterrolebinding ---------------------------------------------------

def test_create_namespace(bare):
    assert bare.kubectl("create ns team-a --dry-run=client -o yaml").stdout == (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\nspec: {}\nstatus: {}\n")
    assert str(bare.kubectl("create namespace team-a")) == "namespace/team-a created"
    assert bare.get("namespace", "team-a")["status"]["phase"] == "Active"
    assert str(bare.kubectl("create namespace team-a")) == \
        'Error from server (AlreadyExists): namespaces "team-a" already exists'


def test_create_role_builds_one_rule_per_api_group(bare):
    r = bare.kubectl("create role pod-reader --verb=get,list --verb=watch --verb=get --resource=pods,deploy,pods/log")
    assert (r.stdout, r.stderr) == ("role.rbac.authorization.k8s.io/pod-reader created\n", "")
    assert bare.get("role", "pod-reader")["rules"] == [
        {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]}]
    r = bare.kubectl("create role one --verb=get --verb=* --resource=pods --resource-name=a --resource-name=a "
                     "--dry-run=client -o yaml")
    assert r.stdout == ("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: one\nrules:\n"
                        '- apiGroups:\n  - ""\n  resourceNames:\n  - a\n  resources:\n  - pods\n  verbs:\n  - "*"\n')
    r = bare.kubectl("create role odd --verb=peek --resource=pods")
    assert (r.returncode, r.stderr) == (0, "Warning: 'peek' is not a standard resource verb\n")


@pytest.mark.parametrize("flags, message", [
    ("--resource=pods", "at least one verb must be specified"),
    ("--verb=get", "at least one resource must be specified"),
    ("--verb=get --resource=widgets", "no matches for /, Resource=widgets"),
    ("--verb=impersonate --resource=pods", "can not perform 'impersonate' on 'pods' in group ''"),
    ("--verb=get --resource=.apps", "resource must be specified if apiGroup/subresource specified"),
])
def test_create_role_errors(bare, flags, message):
    r = bare.kubectl(f"create role r {flags}")
    assert (r.returncode, _err(r)) == (1, f"error: {message}")
    assert bare.list("roles") == []


def test_create_rolebinding_takes_user_as_a_subject_not_the_kubeconfig_user(bare):
    r = bare.kubectl("create rolebinding read-pods --role=pod-reader --user=dev --user=jane --group=devs "
                     "--serviceaccount=default:builder --dry-run=client -o yaml")
    assert r.stdout == ("apiVersion: rbac.authorization.k8s.io/v1\n"
                        "kind: RoleBinding\n"
                        "metadata:\n"
                        "  name: read-pods\n"
                        "roleRef:\n"
                        "  apiGroup: rbac.authorization.k8s.io\n"
                        "  kind: Role\n"
                        "  name: pod-reader\n"
                        "subjects:\n"
                        "- apiGroup: rbac.authorization.k8s.io\n"
                        "  kind: User\n"
                        "  name: dev\n"
                        "- apiGroup: rbac.authorization.k8s.io\n"
                        "  kind: User\n"
                        "  name: jane\n"
                        "- apiGroup: rbac.authorization.k8s.io\n"
                        "  kind: Group\n"
                        "  name: devs\n"
                        "- kind: ServiceAccount\n"
                        "  name: builder\n"
                        "  namespace: default\n")
    assert str(bare.kubectl("create rolebinding read-pods --clusterrole=view --user=dev")) == \
        "rolebinding.rbac.authorization.k8s.io/read-pods created"     # sent as admin: dev may create nothing
    assert str(bare.kubectl("create rolebinding b --user=dev")) == \
        "error: exactly one of clusterrole or role must be specified"
    assert str(bare.kubectl("create rolebinding b --role=r --serviceaccount=builder")) == \
        "error: serviceaccount must be <namespace>:<name>"
    assert str(bare.kubectl("create rolebinding read-pods --role=r")) == (
        'error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "read-pods" already exists')
    assert str(bare.kubectl("create clusterrolebinding viewers --clusterrole=view --group=devs")) == \
        "clusterrolebinding.rbac.authorization.k8s.io/viewers created"
    assert bare.get("clusterrolebinding", "viewers")["subjects"] == [{"apiGroup": RBAC, "kind": "Group",
                                                                     "name": "devs"}]
    assert str(bare.kubectl("create clusterrolebinding x --user=dev")) == 'error: required flag(s) "clusterrole" not set'


# --- label and annotate -------------------------------------------------------------------------------------------

def test_label_adds_refuses_overwrites_and_removes(bare):
    bare.kubectl("create deployment web --image=nginx")
    rv = bare.get("deployment", "web")["metadata"]["resourceVersion"]
    assert str(bare.kubectl("label deployment web tier=frontend")) == "deployment.apps/web labeled"
    assert str(bare.kubectl("label deployment web tier=backend")) == \
        "error: 'tier' already has a value (frontend), and --overwrite is false"
    assert str(bare.kubectl("label deploy/web tier=backend --overwrite")) == "deployment.apps/web labeled"
    assert bare.get("deployment", "web")["metadata"]["labels"] == {"app": "web", "tier": "backend"}
    assert str(bare.kubectl("label deploy/web tier=backend --overwrite")) == "deployment.apps/web not labeled"
    assert bare.kubectl("label deploy web tier- zone-").stdout == \
        'label "zone" not found.\ndeployment.apps/web unlabeled\n'
    assert bare.get("deployment", "web")["metadata"]["labels"] == {"app": "web"}
    assert int(bare.get("deployment", "web")["metadata"]["resourceVersion"]) == int(rv) + 3   # three real changes
    patches = [r for r in bare.trace.actions("request") if r.detail["method"] == "PATCH"]
    assert len(patches) == 4 and {r.actor for r in patches} == {"kubectl"}    # `not labeled` still sends `{}`


@pytest.mark.parametrize("args, message", [
    ("deploy web a=b=c", "invalid label spec: a=b=c"),
    ("deploy web a=-x", 'invalid label value: "a=-x": a valid label must be an empty string or consist of '
                        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                        "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
    ("deploy web a=1 a-", "can not both modify and remove a label in the same command"),
    ("deploy a=1 web", "all resources must be specified before label changes: web"),
    ("deploy web", "at least one label update is required"),
    ("a=1", "one or more resources must be specified as <resource> <name> or <resource>/<name>"),
])
def test_label_errors(bare, args, message):
    bare.kubectl("create deployment web --image=nginx")
    assert str(bare.kubectl(f"label {args}")) == f"error: {message}"


def test_annotate_and_the_change_cause_in_rollout_history():
    c = kt.Cluster()
    c.kubectl("create deployment nginx --image=nginx:1.25 --replicas=2")
    c.run()
    assert str(c.kubectl("annotate deployment/nginx owner=team-a")) == "deployment.apps/nginx annotated"
    assert str(c.kubectl("annotate deployment/nginx owner=team-b")) == (
        "error: --overwrite is false but found the following declared annotation(s): 'owner' already has a value "
        "(team-a)")
    assert str(c.kubectl("annotate deployment nginx owner=team-b --overwrite")) == "deployment.apps/nginx annotated"
    assert str(c.kubectl("annotate deploy nginx x=1 x-")) == (
        "error: can not both modify and remove the following annotation(s) in the same command: x")
    assert str(c.kubectl("annotate deploy nginx novalue")) == "error: at least one annotation update is required"
    c.kubectl('annotate deployment/nginx kubernetes.io/change-cause="first version"')
    c.run()                                  # the deployment controller copies it to the current ReplicaSet
    c.kubectl("set image deployment/nginx nginx=nginx:1.26")
    c.kubectl('annotate deployment/nginx kubernetes.io/change-cause="upgrade to 1.26"')    # no --overwrite needed
    c.run()
    assert c.get("deployment", "nginx")["metadata"]["annotations"]["owner"] == "team-b"
    assert c.kubectl("rollout history deployment/nginx").stdout == ("deployment.apps/nginx \n"
                                                                   "REVISION  CHANGE-CAUSE\n"
                                                                   "1         first version\n"
                                                                   "2         upgrade to 1.26\n\n")


# --- --token, --as, --as-group ------------------------------------------------------------------------------------

def test_token_replaces_a_token_users_token_but_not_a_client_certificate(bare):
    bare.api.authn.add_token("ci-token-0123456789", "ci-bot", ("ci",))
    r = bare.kubectl("auth whoami --token=ci-token-0123456789", user="dev")
    assert r.stdout == "ATTRIBUTE   VALUE\nUsername    ci-bot\nGroups      [ci system:authenticated]\n"
    assert str(bare.kubectl("get pods --token=wrong", user="dev")) == \
        "error: You must be logged in to the server (Unauthorized)"
    # the admin context still presents its client certificate, and x509 authentication runs first
    assert "Username                                            admin\n" in \
        bare.kubectl("auth whoami --token=ci-token-0123456789").stdout


def test_impersonation_needs_the_impersonate_verb(bare):
    r = bare.kubectl("get pods --as=jane", user="dev")
    assert (r.returncode, r.stdout, _err(r)) == (1, "", 'Error from server (Forbidden): users "jane" is forbidden: '
                                                        'User "dev" cannot impersonate resource "users" in API group '
                                                        '"" at the cluster scope')
    r = bare.kubectl("get pods --as=system:serviceaccount:kube-system:builder", user="dev")
    assert _err(r) == ('Error from server (Forbidden): serviceaccounts "builder" is forbidden: User "dev" cannot '
                       'impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"')
    assert str(bare.kubectl("get pods --as-group=devs", user="dev")) == (
        "error: invalid configuration: requesting uid, groups or user-extra for dev without impersonating a user")
    refused = bare.trace.actions("impersonation-forbidden")[0]
    assert str(refused).endswith('RBAC: "dev" may not impersonate users "jane" (no RBAC rule allows it)')

    admin = bare.client("admin")
    admin.create("clusterroles", IMPERSONATOR)
    bare.kubectl("create clusterrolebinding dev-impersonates --clusterrole=impersonator --user=dev")
    r = bare.kubectl("get pods --as=jane", user="dev")
    assert _err(r) == ('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in '
                       'API group "" in the namespace "default"')
    acting = bare.trace.actions("impersonated")[-1]
    assert (acting.actor, acting.detail["requestor"], acting.detail["user"], acting.detail["groups"]) == \
        ("kube-apiserver", "dev", "jane", ["system:authenticated"])
    assert str(acting).endswith('"dev" is acting as "jane" (groups system:authenticated): impersonate users "jane" '
                                'allowed (RBAC allows via ClusterRoleBinding "dev-impersonates" (user dev, '
                                'ClusterRole "impersonator"))')
    bare.kubectl("create rolebinding jane-views --clusterrole=view --user=jane")
    assert bare.kubectl("get pods --as=jane", user="dev").stderr == "No resources found in default namespace.\n"
    r = bare.kubectl("auth whoami --as=jane --as-group=devs --as-group=qa", user="dev")
    assert r.stdout == "ATTRIBUTE   VALUE\nUsername    jane\nGroups      [devs qa system:authenticated]\n"
    assert str(bare.kubectl("auth can-i list pods --as=jane", user="dev")) == "yes"
    assert str(bare.kubectl("auth can-i delete pods --as=jane", user="dev")) == "no"


# --- auth whoami and can-i --list ---------------------------------------------------------------------------------

def test_auth_whoami(bare):
    cert = x509.load_pem_x509_certificate(bare.users["admin"].credentials.cert_pem)
    fingerprint = "X509SHA256=" + cert.fingerprint(hashes.SHA256()).hex()
    assert bare.kubectl("auth whoami").stdout == (
        "ATTRIBUTE                                           VALUE\n"
        "Username                                            admin\n"
        "Groups                                              [system:masters system:authenticated]\n"
        f"Extra: authentication.kubernetes.io/credential-id   [{fingerprint}]\n")
    assert bare.kubectl("auth whoami -o yaml", user="dev").stdout == (
        "apiVersion: authentication.k8s.io/v1\n"
        "kind: SelfSubjectReview\n"
        "metadata:\n"
        '  creationTimestamp: "2026-01-01T00:00:00Z"\n'
        "status:\n"
        "  userInfo:\n"
        "    groups:\n"
        "    - developers\n"
        "    - system:authenticated\n"
        "    username: dev\n")
    assert kt.Cluster(components=[]).kubectl("auth whoami").stdout.endswith(f"[{fingerprint}]\n")   # same seed
    assert str(bare.kubectl("auth whoami -o wide")) == (
        'error: unable to match a printer suitable for the output format "wide", allowed formats are: json,yaml')


#: what every authenticated user may do (bootstrap ClusterRoles system:basic-user, system:discovery and
#: system:public-info-viewer), as `auth can-i --list` prints it: /healthz and friends twice, as on a real cluster
BASIC_CREATE = ["selfsubjectreviews.authentication.k8s.io", "selfsubjectaccessreviews.authorization.k8s.io",
                "selfsubjectrulesreviews.authorization.k8s.io"]
BASIC_URLS = ["/api/*", "/api", "/apis/*", "/apis", "/healthz", "/healthz", "/livez", "/livez", "/openapi/*",
              "/openapi", "/readyz", "/readyz", "/version/", "/version/", "/version", "/version"]


def can_i_rows(text: str) -> list[list[str]]:
    """The table's rows as cells (Resources is empty for non-resource rules)."""
    return [[c for c in line.split("   ") if c] for line in text.splitlines()[1:]]


def test_auth_can_i_list(bare):
    admin = can_i_rows(bare.kubectl("auth can-i --list").stdout)
    assert admin[0] == ["*.*", "[]", "[]", "[*]"]
    basic = can_i_rows(bare.kubectl("auth can-i --list", user="dev").stdout)
    assert [r[0] for r in basic[:3]] == BASIC_CREATE and all(r[-1].strip() == "[create]" for r in basic[:3])
    assert [r[0].strip() for r in basic[3:]] == [f"[{u}]" for u in BASIC_URLS]
    assert admin[1:] == basic
    bare.kubectl("create role deployer --verb=get,list,watch --resource=pods,pods/log,deployments")
    bare.kubectl("create role deployer-write --verb=update,patch --resource=deployments --resource-name=web")
    bare.kubectl("create rolebinding dev-deployer --role=deployer --group=developers")
    bare.kubectl("create rolebinding dev-writer --role=deployer-write --user=dev")
    bare.kubectl("create rolebinding dev-missing --role=nothing --user=dev")
    r = bare.kubectl("auth can-i --list", user="dev")
    rows = [[c.strip() for c in row] for row in can_i_rows(r.stdout)]
    granted = [row for row in rows if not row[0].endswith(".k8s.io") and not row[0].startswith("[")]
    # kubectl sorts by the rules' string form, verbs first: [create] < [get list watch] < [get] < [update patch]
    assert granted == [["pods/log", "[]", "[]", "[get list watch]"], ["pods", "[]", "[]", "[get list watch]"],
                       ["deployments.apps", "[]", "[]", "[get list watch]"],
                       ["deployments.apps", "[]", "[web]", "[update patch]"]]
    assert rows[-1] == ["deployments.apps", "[]", "[web]", "[update patch]"]
    assert len(rows) == len(basic) + 4
    assert len(bare.kubectl("auth can-i --list --no-headers -n kube-system", user="dev").stdout.splitlines()) == \
        len(basic)
    assert str(bare.kubectl("auth can-i --list pods")) == "error: list option must be specified with no arguments"
    assert str(bare.kubectl("auth can-i --list -A")) == (
        "error: list option can't be specified with neither quiet, all-namespaces nor subresource options")
    assert str(bare.kubectl("auth can-i get pods --no-headers")) == \
        "error: --no-headers cannot be set without --list specified"
    review = bare.trace.actions("rules-review")[-2]
    assert str(review).endswith('SelfSubjectRulesReview: 7 rules apply to "dev" in "default" '
                                '(incomplete: role.rbac.authorization.k8s.io "nothing" not found)')


def test_rule_rows_break_down_compact_and_sort_as_kubectl_does():
    rules = [{"apiGroups": ["", "apps"], "resources": ["pods"], "verbs": ["list", "get"]},
             {"apiGroups": [""], "resources": ["pods"], "verbs": ["watch"]},
             {"nonResourceURLs": ["/healthz", "/api/*"], "verbs": ["get"]},
             {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
    assert rule_rows(rules) == ["*.*\t[]\t[]\t[*]\n",
                                "\t[/api/*]\t[]\t[get]\n",
                                "\t[/healthz]\t[]\t[get]\n",
                                "pods\t[]\t[]\t[list get watch]\n",
                                "pods.apps\t[]\t[]\t[list get]\n"]


# --- describe role, rolebinding, clusterrole, clusterrolebinding ------------------------------------------------

def test_describe_rbac_objects(bare):
    bare.kubectl("create role pod-reader --verb=get,list --resource=pods,deployments.apps/scale")
    bare.kubectl("annotate role pod-reader owner=platform")
    assert bare.kubectl("describe role pod-reader").stdout == (
        "Name:         pod-reader\n"
        "Labels:       <none>\n"
        "Annotations:  owner: platform\n"
        "PolicyRule:\n"
        "  Resources               Non-Resource URLs  Resource Names  Verbs\n"
        "  ---------               -----------------  --------------  -----\n"
        "  pods                    []                 []              [get list]\n"
        "  deployments.apps/scale  []                 []              [get list]\n")
    bare.kubectl("create rolebinding read-pods --role=pod-reader --user=jane --serviceaccount=kube-system:ci")
    assert bare.kubectl("describe rolebinding read-pods").stdout == (
        "Name:         read-pods\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "Role:\n"
        "  Kind:  Role\n"
        "  Name:  pod-reader\n"
        "Subjects:\n"
        "  Kind            Name  Namespace\n"
        "  ----            ----  ---------\n"
        "  User            jane  \n"
        "  ServiceAccount  ci    kube-system\n")
    assert bare.kubectl("describe clusterrolebinding cluster-admin").stdout == (
        "Name:         cluster-admin\n"
        "Labels:       kubernetes.io/bootstrapping=rbac-defaults\n"
        "Annotations:  <none>\n"
        "Role:\n"
        "  Kind:  ClusterRole\n"
        "  Name:  cluster-admin\n"
        "Subjects:\n"
        "  Kind   Name            Namespace\n"
        "  ----   ----            ---------\n"
        "  Group  system:masters  \n")
    assert bare.kubectl("describe clusterrole cluster-admin").stdout == (
        "Name:         cluster-admin\n"
        "Labels:       kubernetes.io/bootstrapping=rbac-defaults\n"
        "Annotations:  <none>\n"
        "PolicyRule:\n"
        "  Resources  Non-Resource URLs  Resource Names  Verbs\n"
        "  ---------  -----------------  --------------  -----\n"
        "  *.*        []                 []              [*]\n")


def test_get_all_expands_the_all_category_in_discovery_order(in_repo):
    import kubeteach as kt

    c = kt.Cluster()
    assert c.kubectl("get all -n kube-public").stderr == "No resources found in kube-public namespace.\n"
    assert c.kubectl("get all").stdout.splitlines()[1].split()[0] == "service/kubernetes"   # made at boot
    c.kubectl("create -f data/deployment.yaml")
    c.run()
    names = [line.split()[0] for line in c.kubectl("get all").stdout.splitlines()
             if line and not line.startswith("NAME")]
    assert [n.split("/")[0] for n in names] == ["pod", "service", "deployment.apps", "replicaset.apps"]


def test_yaml_output_quotes_what_go_yaml_would_read_as_a_bool():
    """sigs.k8s.io/yaml (go-yaml v2) resolves YAML 1.1's y/Y/n/N as bools, so kubectl's -o yaml quotes them as
    strings; PyYAML's resolver does not know them, so the printer must."""
    from kubeteach.kubectl.printers import to_yaml

    assert to_yaml({"labels": {"a": "y", "b": "N", "c": "yes", "d": "x", "e": "no"}}) == (
        'labels:\n  a: "y"\n  b: "N"\n  c: "yes"\n  d: x\n  e: "no"\n')
