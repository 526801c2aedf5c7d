"""kubectl explain, api-resources, api-versions and version: the embedded kubectl prints what the real pinned kubectl
prints against `kubeteach serve` (both read the same discovery and OpenAPI documents)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import real_kubectl, serve_cli

from kubeteach.apiserver.resources import RESOURCES
from kubeteach.kubectl.explain import type_guess, wrap

COMMANDS = [
    "explain deployment",
    "explain deployment.spec.strategy",
    "explain pod.spec.containers.ports",
    "explain --recursive deployment.spec.strategy",
    "explain deployments.apps.spec.replicas",
    "explain deploy.metadata.labels",
    "explain pod.spec.containers.resources",
    "explain deployment.status.conditions",
    "explain pod.status.containerStatuses.state",
    "explain node.status.nodeInfo",
    "explain replicaset.status",
    "explain deployment.spec.foo",
    "explain deployment.spec.foo.bar",
    "explain nosuchthing",
    "explain selfsubjectaccessreviews.spec",
    "explain Deployment.spec.paused",
    "explain po.status.conditions",
    "explain nodes.spec.taints --recursive",
    "explain pods -o foo",
    "explain pods --api-version=apps/v1",
    "explain --output=plaintext-openapiv2 deployment",
    "explain --output=plaintext-openapiv2 deployment.spec",
    "explain --output=plaintext-openapiv2 deployment.spec.strategy.type",
    "explain --output=plaintext-openapiv2 pod.spec.containers",
    "explain --output=plaintext-openapiv2 pod.spec.containers.args",
    "explain --output=plaintext-openapiv2 deploy.metadata.labels",
    "explain --output=plaintext-openapiv2 deployment.spec.replicas.foo",
    "explain --output=plaintext-openapiv2 deployment.spec.foo",
    "explain --output=plaintext-openapiv2 --recursive deployment.spec.strategy",
    "explain --output=plaintext-openapiv2 pods --api-version=apps/v1",
    "explain --output=plaintext-openapiv2 node.status",
    "explain --output=plaintext-openapiv2 pod.metadata.managedFields.fieldsV1",
    "explain pods --api-version=v2",
    "explain",
    "api-resources",
    "api-resources -o wide",
    "api-resources -o name",
    "api-resources --namespaced=false",
    "api-resources --namespaced=true --api-group=apps",
    "api-resources --api-group=",
    "api-resources --sort-by=kind",
    "api-resources --no-headers --verbs=create,list --categories=all",
    "api-versions",
    "version",
    "version --client",
    "version -o json",
    "version -o yaml",
    "version --client -o json",
]
#: every served resource, whole and recursively (the template's walk over every schema the documents hold)
V2 = " --output=plaintext-openapiv2"
COMMANDS += [f"explain {r.resource}{flag}" for r in RESOURCES for flag in ("", " --recursive", V2, V2 + " --recursive")]


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    tmp = tmp_path_factory.mktemp("explain")
    kubeconfig = tmp / "kubeconfig"
    with serve_cli(tmp, kubeconfig):
        yield real_kubectl(kubeconfig, tmp)


@pytest.fixture(scope="module")
def embedded():  # -> kubeteach.cluster.Cluster
    from kubeteach.cluster import Cluster

    return Cluster(seed=0)


@pytest.mark.parametrize("command", COMMANDS)
def test_embedded_kubectl_prints_what_the_real_one_prints_against_serve(real, embedded, command: str) -> None:
    want = real(*command.split())
    got = embedded.kubectl(command)
    assert (got.returncode != 0, got.stdout, got.stderr) == (want.returncode != 0, want.stdout, want.stderr)


def test_explain_prints_the_template_layout(embedded) -> None:
    out = embedded.kubectl("explain deployment.spec.strategy").stdout
    assert out.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n"
                          "FIELD: strategy <DeploymentStrategy>\n\n\nDESCRIPTION:\n")
    assert "  rollingUpdate\t<RollingUpdateDeployment>\n" in out
    assert "  type\t<string>\n  enum: Recreate, RollingUpdate\n" in out
    pod = embedded.kubectl("explain pod.spec.containers").stdout
    assert "  name\t<string> -required-\n" in pod
    assert "  resources\t<ResourceRequirements>\n" in pod


def test_an_unknown_field_is_kubectls_error_after_the_header(embedded) -> None:
    r = embedded.kubectl("explain deployment.spec.replica")
    assert r.returncode == 1
    assert r.stdout == "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n"
    assert r.stderr == 'error: field "replica" does not exist\n'


def test_wrap_is_go_wordwrap() -> None:
    assert wrap("aaa bbb ccc", 7) == "aaa bbb\nccc"
    assert wrap("a\n\nb", 5) == "a\n\nb"
    assert wrap("averyveryverylongword x", 5) == "averyveryverylongword\nx"
    assert wrap("ab  cd", 3) == "ab\ncd"


def test_type_guess_names_references_and_shapes() -> None:
    doc = {"components": {"schemas": {"a.B": {"type": "object"}, "a.Q": {"type": "string"}}}}
    assert type_guess({"type": "array", "items": {"$ref": "#/components/schemas/a.B"}}, doc) == "[]B"
    assert type_guess({"allOf": [{"$ref": "#/components/schemas/a.Q"}]}, doc) == "string"
    assert type_guess({"type": "object", "additionalProperties": {"type": "string"}}, doc) == "map[string]string"
    assert type_guess({"type": "object"}, doc) == "Object"


def test_the_real_kubectl_explains_from_the_v2_document_too(real) -> None:
    r = real("explain", "--output=plaintext-openapiv2", "deployment.spec")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("KIND:     Deployment\nVERSION:  apps/v1\n\nRESOURCE: spec <Object>\n")
    assert "   strategy\t<Object>\n" in r.stdout and "   selector\t<Object> -required-\n" in r.stdout
    r = real("explain", "--output=plaintext-openapiv2", "deployment.spec.strategy.type")
    assert "FIELD:    type <string>" in r.stdout and "Possible enum values:" in r.stdout


def test_create_with_an_unknown_field_still_gets_the_servers_strict_error(real, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replica: 2\n"
                   "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
                   "    spec: {containers: [{name: web, image: nginx}]}\n")
    r = real("create", "-f", str(bad))
    assert r.returncode == 1
    assert 'strict decoding error: unknown field "spec.replica"' in r.stderr
    r = real("apply", "-f", str(bad))
    assert 'strict decoding error: unknown field "spec.replica"' in r.stderr
