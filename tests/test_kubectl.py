"""The embedded kubectl: what it prints on stdout and stderr, its exit codes, and what it leaves in the store."""

from __future__ import annotations

import json
import textwrap

import yaml
from conftest import DEPLOYMENT

DEPLOYMENT_HEADER = "NAME    READY   UP-TO-DATE   AVAILABLE   AGE"


def _named(name: str, replicas: int = 1) -> str:
    return DEPLOYMENT.replace("nginx", name).replace("image: " + name + ":1.25", "image: nginx:1.25") \
        .replace("replicas: 1", f"replicas: {replicas}")


def _create(c, manifest, text: str = DEPLOYMENT, user: str | None = None):
    return c.kubectl(f"create -f {manifest(text)}", user=user)


# --- create, apply, replace -------------------------------------------------------------------------------------


def test_create_the_seed_deployment(bare, in_repo):
    r = bare.kubectl("create -f data/deployment.yaml")
    assert (r.returncode, r.stdout, r.stderr) == (0, "deployment.apps/nginx created\n", "")
    assert str(r) == "deployment.apps/nginx created"
    kv = bare.etcd.get("/registry/deployments/default/nginx")
    assert kv is not None
    stored = bare.trace.actions("stored")
    assert [str(rec).split("etcd", 1)[1].strip() for rec in stored] == [
        f"put /registry/deployments/default/nginx at revision {kv.mod_revision} (created, version 1)"]


def test_the_kubectl_word_is_optional(bare, manifest):
    r = bare.kubectl(f"kubectl create -f {manifest(DEPLOYMENT)}")
    assert r.stdout == "deployment.apps/nginx created\n"


def test_create_twice_is_already_exists(bare, manifest):
    _create(bare, manifest)
    before = bare.etcd.revision
    r = _create(bare, manifest)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == ('Error from server (AlreadyExists): error when creating "deployment.yaml": deployments.apps '
                        '"nginx" already exists\n')
    assert bare.etcd.revision == before


def test_multi_document_file_creates_the_good_ones(bare, manifest):
    _create(bare, manifest, _named("b"), None)
    text = _named("a") + "---\n" + _named("b") + "---\n" + _named("c")
    r = bare.kubectl(f"create -f {manifest(text, 'multi.yaml')}")
    assert r.returncode == 1
    assert r.stdout == "deployment.apps/a created\ndeployment.apps/c created\n"
    assert r.stderr == ('Error from server (AlreadyExists): error when creating "multi.yaml": deployments.apps "b" '
                        "already exists\n")
    assert [d["metadata"]["name"] for d in bare.list("deployments")] == ["a", "b", "c"]


def test_multi_document_file_with_an_unknown_kind(bare, manifest):
    text = _named("a") + "---\n" + _named("b").replace("kind: Deployment", "kind: Deploymnt") + "---\n" + _named("c")
    r = bare.kubectl(f"create -f {manifest(text, 'multi.yaml')}")
    assert r.returncode == 1
    assert r.stdout == "deployment.apps/a created\ndeployment.apps/c created\n"
    assert r.stderr == ('error: resource mapping not found for name: "b" namespace: "" from "multi.yaml": no matches '
                        'for kind "Deploymnt" in version "apps/v1"\nensure CRDs are installed first\n')


def test_a_pod_prints_without_a_group(bare, manifest):
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - {name: web, image: nginx}\n"
    r = bare.kubectl(f"create -f {manifest(text, 'pod.yaml')}")
    assert r.stdout == "pod/web created\n"


def test_apply_created_unchanged_configured(bare, manifest):
    path = manifest(DEPLOYMENT)
    r = bare.kubectl(f"apply -f {path}")
    assert (r.returncode, r.stdout) == (0, "deployment.apps/nginx created\n")
    annotations = bare.get("deployment", "nginx")["metadata"]["annotations"]
    last = json.loads(annotations["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["replicas"] == 1 and last["metadata"]["name"] == "nginx"
    before = bare.etcd.revision
    r = bare.kubectl(f"apply -f {path}")
    assert (r.returncode, r.stdout) == (0, "deployment.apps/nginx unchanged\n")
    assert bare.etcd.revision == before
    manifest(DEPLOYMENT.replace("replicas: 1", "replicas: 3"))
    r = bare.kubectl(f"apply -f {path}")
    assert (r.returncode, r.stdout) == (0, "deployment.apps/nginx configured\n")
    d = bare.get("deployment", "nginx")
    assert d["spec"]["replicas"] == 3 and d["metadata"]["generation"] == 2


def test_apply_removes_what_the_last_apply_had(bare, manifest):
    with_label = DEPLOYMENT.replace("labels: {app: nginx}\nspec:", "labels: {app: nginx, tier: web}\nspec:")
    path = manifest(with_label)
    bare.kubectl(f"apply -f {path}")
    assert bare.get("deployment", "nginx")["metadata"]["labels"] == {"app": "nginx", "tier": "web"}
    manifest(DEPLOYMENT)
    assert bare.kubectl(f"apply -f {path}").stdout == "deployment.apps/nginx configured\n"
    assert bare.get("deployment", "nginx")["metadata"]["labels"] == {"app": "nginx"}


def test_replace(bare, manifest):
    path = manifest(DEPLOYMENT)
    bare.kubectl(f"create -f {path}")
    manifest(DEPLOYMENT.replace("image: nginx:1.25", "image: nginx:1.26"))
    r = bare.kubectl(f"replace -f {path}")
    assert (r.returncode, r.stdout) == (0, "deployment.apps/nginx replaced\n")
    d = bare.get("deployment", "nginx")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert d["metadata"]["generation"] == 2


def test_replace_of_something_missing(bare, manifest):
    r = bare.kubectl(f"replace -f {manifest(DEPLOYMENT)}")
    assert r.returncode == 1
    assert r.stderr == ('Error from server (NotFound): error when replacing "deployment.yaml": deployments.apps '
                        '"nginx" not found\n')


# --- bad input ----------------------------------------------------------------------------------------------------


def test_malformed_yaml(bare, manifest):
    before = bare.etcd.revision
    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  labels: [a: b\n"
    r = _create(bare, manifest, text)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("error: error parsing deployment.yaml: error converting YAML to JSON: yaml: line ")
    assert bare.etcd.revision == before


def test_missing_file(bare, workdir):
    r = bare.kubectl("create -f x.yaml")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", 'error: the path "x.yaml" does not exist\n')


def test_empty_file(bare, manifest):
    r = _create(bare, manifest, "")
    assert (r.returncode, r.stderr) == (1, "error: no objects passed to create\n")
    r = _create(bare, manifest, "# only a comment\n---\n")
    assert r.stderr == "error: no objects passed to create\n"
    r = bare.kubectl(f"apply -f {manifest('')}")
    assert r.stderr == "error: no objects passed to apply\n"


def test_unknown_kind(bare, manifest):
    r = _create(bare, manifest, DEPLOYMENT.replace("kind: Deployment", "kind: Deploymnt"))
    assert r.returncode == 1
    assert r.stderr == ('error: resource mapping not found for name: "nginx" namespace: "" from "deployment.yaml": '
                        'no matches for kind "Deploymnt" in version "apps/v1"\nensure CRDs are installed first\n')


def test_missing_kind(bare, manifest):
    before = bare.etcd.revision
    r = _create(bare, manifest, DEPLOYMENT.replace("kind: Deployment\n", ""))
    assert r.returncode == 1
    assert r.stderr == ('error: error validating "deployment.yaml": error validating data: kind not set; if you '
                        "choose to ignore these errors, turn validation off with --validate=false\n")
    assert bare.etcd.revision == before


def test_unknown_flag(bare):
    r = bare.kubectl("get pods --bogus")
    assert r.returncode == 1 and r.stderr.startswith("error: unknown flag: --bogus")
    r = bare.kubectl("get pods -z")
    assert r.returncode == 1 and r.stderr.startswith("error: unknown shorthand flag: 'z' in -z")


def test_unknown_command(bare):
    r = bare.kubectl("frobnicate pods")
    assert r.returncode == 1 and r.stderr.startswith('error: unknown command "frobnicate" for "kubectl"')


def test_unauthorized(manifest):
    from kubeteach.cluster import Cluster, default_definition

    definition = default_definition()
    definition["users"].append({"name": "mallory", "auth": "token", "valid": False})
    c = Cluster(definition=definition, components=[])
    before = c.etcd.revision
    r = _create(c, manifest, user="mallory")
    assert r.returncode == 1
    assert r.stderr == "error: You must be logged in to the server (Unauthorized)\n"
    assert c.etcd.revision == before


def test_forbidden(bare, manifest):
    r = _create(bare, manifest, user="dev")
    assert r.returncode == 1
    assert r.stderr == ('Error from server (Forbidden): error when creating "deployment.yaml": deployments.apps is '
                        'forbidden: User "dev" cannot create resource "deployments" in API group "apps" in the '
                        'namespace "default"\n')


def test_server_dry_run_writes_nothing(bare, manifest):
    before = bare.etcd.revision
    r = bare.kubectl(f"create -f {manifest(DEPLOYMENT)} --dry-run=server")
    assert r.stdout == "deployment.apps/nginx created (server dry run)\n"
    assert bare.etcd.revision == before


# --- get ----------------------------------------------------------------------------------------------------------


def test_get_deployments_table(bare, manifest):
    _create(bare, manifest)
    r = bare.kubectl("get deployments")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout == f"{DEPLOYMENT_HEADER}\nnginx   0/1     0            0           0s\n"


def test_get_shows_age_on_the_virtual_clock(bare, manifest):
    _create(bare, manifest)
    bare.run(seconds=150)
    assert bare.kubectl("get deploy").stdout.splitlines()[1].endswith(" 2m30s")


def test_get_pods_when_there_are_none(bare):
    r = bare.kubectl("get pods")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "No resources found in default namespace.\n")
    r = bare.kubectl("get pods -n kube-system")
    assert r.stderr == "No resources found in kube-system namespace.\n"


def test_get_nodes(bare):
    r = bare.kubectl("get nodes")
    lines = r.stdout.splitlines()
    assert lines[0] == "NAME     STATUS   ROLES    AGE   VERSION"
    assert lines[1:] == [f"node-{i}   Ready    <none>   0s    v1.35.0" for i in (1, 2, 3)]
    assert bare.kubectl("get no").stdout == r.stdout


def test_get_by_resource_name_forms(bare, manifest):
    _create(bare, manifest)
    table = bare.kubectl("get deployments").stdout
    for form in ("get deployment nginx", "get deploy nginx", "get deployment.apps nginx", "get deploy/nginx",
                 "get deployments.apps/nginx"):
        assert bare.kubectl(form).stdout == table, form


def test_get_output_name(bare, manifest):
    _create(bare, manifest)
    assert bare.kubectl("get deployments -o name").stdout == "deployment.apps/nginx\n"
    assert bare.kubectl("get nodes -o name").stdout == "node/node-1\nnode/node-2\nnode/node-3\n"


def test_get_output_yaml(bare, manifest):
    _create(bare, manifest)
    r = bare.kubectl("get deployment nginx -o yaml")
    d = bare.get("deployment", "nginx")
    assert r.stdout.startswith("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n")
    assert f'  resourceVersion: "{d["metadata"]["resourceVersion"]}"\n' in r.stdout
    assert '  creationTimestamp: "2026-01-01T00:00:00Z"\n' in r.stdout
    assert "  generation: 1\n" in r.stdout
    assert "      maxSurge: 25%\n" in r.stdout
    d["metadata"].pop("managedFields")          # kubectl hides them unless --show-managed-fields
    assert yaml.safe_load(r.stdout) == d
    top = [line.split(":")[0] for line in r.stdout.splitlines() if line and not line.startswith(" ")]
    assert top == sorted(top) == ["apiVersion", "kind", "metadata", "spec", "status"]


def test_get_list_as_yaml_is_a_list(bare, manifest):
    _create(bare, manifest)
    listing = yaml.safe_load(bare.kubectl("get deployments -o yaml").stdout)
    assert listing["kind"] == "List" and listing["apiVersion"] == "v1"
    assert listing["metadata"] == {"resourceVersion": ""}
    assert [d["metadata"]["name"] for d in listing["items"]] == ["nginx"]


def test_get_output_json(bare, manifest):
    _create(bare, manifest)
    r = bare.kubectl("get deploy nginx -o json")
    d = bare.get("deployment", "nginx")
    d["metadata"].pop("managedFields")          # kubectl hides them unless --show-managed-fields
    assert json.loads(r.stdout) == d
    assert r.stdout.startswith('{\n    "apiVersion": "apps/v1",\n')


def test_get_with_a_label_selector(bare, manifest):
    _create(bare, manifest)
    _create(bare, manifest, _named("web"))
    assert bare.kubectl("get deployments -o name").stdout == "deployment.apps/nginx\ndeployment.apps/web\n"
    assert bare.kubectl("get deployments -l app=nginx -o name").stdout == "deployment.apps/nginx\n"
    assert bare.kubectl("get deployments -l app!=nginx -o name").stdout == "deployment.apps/web\n"
    assert bare.kubectl("get deployments -l 'app in (web,db)' -o name").stdout == "deployment.apps/web\n"
    r = bare.kubectl("get deployments -l app=none")
    assert (r.stdout, r.stderr) == ("", "No resources found in default namespace.\n")


def test_get_all_namespaces(bare, manifest):
    _create(bare, manifest)
    lines = bare.kubectl("get deployments -A").stdout.splitlines()
    assert lines[0] == "NAMESPACE   " + DEPLOYMENT_HEADER
    assert lines[1].startswith("default     nginx   0/1")
    sas = bare.kubectl("get serviceaccounts --all-namespaces").stdout.splitlines()
    assert [line.split()[0] for line in sas[1:]] == ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_get_not_found(bare):
    r = bare.kubectl("get deployment nope")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == 'Error from server (NotFound): deployments.apps "nope" not found\n'


def test_get_unknown_resource_type(bare):
    r = bare.kubectl("get foo")
    assert (r.returncode, r.stderr) == (1, 'error: the server doesn\'t have a resource type "foo"\n')


def test_get_forbidden(bare):
    r = bare.kubectl("get pods", user="dev")
    assert r.returncode == 1
    assert r.stderr == ('Error from server (Forbidden): pods is forbidden: User "dev" cannot list resource "pods" in '
                        'API group "" in the namespace "default"\n')


# --- delete -------------------------------------------------------------------------------------------------------


def test_delete_deployment(bare, manifest):
    _create(bare, manifest)
    r = bare.kubectl("delete deployment nginx")
    assert (r.returncode, r.stdout, r.stderr) == (0, 'deployment.apps "nginx" deleted from default namespace\n', "")
    assert bare.etcd.get("/registry/deployments/default/nginx") is None
    assert bare.etcd.history("/registry/deployments/default/nginx")[-1].type == "DELETED"


def test_delete_cluster_scoped_has_no_namespace_suffix(bare):
    r = bare.kubectl("delete node node-3")
    assert r.stdout == 'node "node-3" deleted\n'
    assert bare.etcd.get("/registry/minions/node-3") is None


def test_delete_not_found(bare):
    r = bare.kubectl("delete deployment nope")
    assert r.returncode == 1
    assert r.stderr == 'Error from server (NotFound): deployments.apps "nope" not found\n'


# --- auth can-i ---------------------------------------------------------------------------------------------------


def test_auth_can_i(bare):
    r = bare.kubectl("auth can-i create deployments")
    assert (r.returncode, r.stdout) == (0, "yes\n")
    r = bare.kubectl("auth can-i create deployments", user="dev")
    assert (r.returncode, r.stdout) == (1, "no\n")
    r = bare.kubectl("auth can-i list nodes --user dev")
    assert (r.returncode, r.stdout) == (1, "no\n")


def test_auth_can_i_after_a_binding(bare, manifest):
    rbac = textwrap.dedent("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: dev-view, namespace: default}
        subjects:
        - {kind: User, name: dev, apiGroup: rbac.authorization.k8s.io}
        roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}
        """)
    assert _create(bare, manifest, rbac).stdout == "rolebinding.rbac.authorization.k8s.io/dev-view created\n"
    assert bare.kubectl("auth can-i list pods", user="dev").stdout == "yes\n"
    assert bare.kubectl("auth can-i list pods -n kube-system", user="dev").stdout == "no\n"
    assert bare.kubectl("auth can-i delete pods", user="dev").stdout == "no\n"


# --- config -------------------------------------------------------------------------------------------------------


def test_config_view_redacts_secrets(bare):
    r = bare.kubectl("config view")
    assert r.returncode == 0
    kc = yaml.safe_load(r.stdout)
    assert kc["clusters"][0]["cluster"]["certificate-authority-data"] == "DATA+OMITTED"
    users = {u["name"]: u["user"] for u in kc["users"]}
    assert users["admin"] == {"client-certificate-data": "DATA+OMITTED", "client-key-data": "DATA+OMITTED"}
    assert users["dev"] == {"token": "REDACTED"}
    assert kc["current-context"] == "admin"
    assert "BEGIN CERTIFICATE" not in r.stdout and bare.users["dev"].credentials.token not in r.stdout


def test_config_view_raw_shows_the_data(bare):
    import base64

    kc = yaml.safe_load(bare.kubectl("config view --raw").stdout)
    users = {u["name"]: u["user"] for u in kc["users"]}
    assert users["dev"]["token"] == bare.users["dev"].credentials.token
    assert base64.b64decode(users["admin"]["client-certificate-data"]).startswith(b"-----BEGIN CERTIFICATE-----")


def test_config_use_context_switches_the_user(bare):
    r = bare.kubectl("config use-context dev")
    assert (r.returncode, r.stdout) == (0, 'Switched to context "dev".\n')
    assert bare.kubectl("config current-context").stdout == "dev\n"
    r = bare.kubectl("get pods")
    assert r.returncode == 1 and 'User "dev" cannot list resource "pods"' in r.stderr
    assert bare.kubectl("get pods", user="admin").returncode == 0
    bare.kubectl("config use-context admin")
    assert bare.kubectl("get pods").returncode == 0


def test_config_use_context_unknown(bare):
    r = bare.kubectl("config use-context nope")
    assert (r.returncode, r.stderr) == (1, 'error: no context exists with the name: "nope"\n')
    assert bare.kubectl("config current-context").stdout == "admin\n"
