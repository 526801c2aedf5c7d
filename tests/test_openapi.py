"""The OpenAPI documents the API server serves (apiserver/openapi.py): valid OpenAPI 3.0 / Swagger 2.0, a schema
with its group-version-kind for every served kind, kube-openapi's shapes, and the v2 protobuf form."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from kubeteach.apiserver import discovery, openapi
from kubeteach.apiserver.resources import RESOURCES
from kubeteach.server import openapiv2

ROOT = Path(__file__).resolve().parent.parent
GVS = list(openapi.group_versions())


def _without_defaults(x: Any) -> Any:
    """kube-openapi's `default: {}` on a struct with required fields (and `""` on a required enum) is not itself a
    valid instance, in kube-apiserver's documents as in ours: the structure is checked without them."""
    if isinstance(x, dict):
        return {k: _without_defaults(v) for k, v in x.items() if k != "default"}
    if isinstance(x, list):
        return [_without_defaults(v) for v in x]
    return x


def _refs(x: Any) -> list[str]:
    if isinstance(x, dict):
        return ([x["$ref"]] if "$ref" in x else []) + [r for v in x.values() for r in _refs(v)]
    if isinstance(x, list):
        return [r for v in x for r in _refs(v)]
    return []


@pytest.mark.parametrize("gv", GVS)
def test_each_v3_document_is_valid_openapi_3(gv: str) -> None:
    doc = openapi.openapi_v3(gv)
    assert doc["openapi"] == "3.0.0"
    validate(_without_defaults(doc))
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/") and ref.split("/")[-1] in schemas, ref
    for name, schema in schemas.items():
        assert set(schema.get("required", [])) <= set(schema.get("properties", {})), name


def test_the_v2_document_is_valid_swagger_2() -> None:
    doc = openapi.openapi_v2()
    assert doc["swagger"] == "2.0"
    validate(_without_defaults(doc))
    for ref in _refs(doc):
        assert ref.startswith("#/definitions/") and ref.split("/")[-1] in doc["definitions"], ref


def test_every_served_kind_has_a_schema_with_its_group_version_kind() -> None:
    for r in RESOURCES:
        schemas = openapi.openapi_v3(r.api_version)["components"]["schemas"]
        name = f"{openapi.PACKAGES[r.group]}.{r.kind}"
        assert {"group": r.group, "kind": r.kind, "version": r.version} in \
            schemas[name]["x-kubernetes-group-version-kind"], name
        assert {"group": r.group, "kind": r.kind, "version": r.version} in \
            openapi.openapi_v2()["definitions"][name]["x-kubernetes-group-version-kind"]
    scale = openapi.openapi_v3("apps/v1")["components"]["schemas"]["io.k8s.api.autoscaling.v1.Scale"]
    assert scale["x-kubernetes-group-version-kind"] == [{"group": "autoscaling", "kind": "Scale", "version": "v1"}]


def test_schemas_have_kube_openapis_shapes() -> None:
    s = openapi.openapi_v3("apps/v1")["components"]["schemas"]
    spec = s["io.k8s.api.apps.v1.DeploymentSpec"]
    assert spec["required"] == ["selector", "template"]
    assert spec["properties"]["strategy"] == {
        "allOf": [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}], "default": {},
        "description": "The deployment strategy to use to replace existing pods with new ones.",
        "x-kubernetes-patch-strategy": "retainKeys"}
    assert spec["properties"]["replicas"]["format"] == "int32" and "default" not in spec["properties"]["replicas"]
    assert "default" not in spec["properties"]["selector"]            # a pointer: no default
    containers = s["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-list-type"] == "map" and containers["x-kubernetes-list-map-keys"] == ["name"]
    assert containers["x-kubernetes-patch-merge-key"] == "name" and containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["items"] == {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"}],
                                   "default": {}}
    port = s["io.k8s.api.core.v1.ContainerPort"]["properties"]
    assert port["containerPort"] == {"type": "integer", "format": "int32", "default": 0,
                                     "description": port["containerPort"]["description"]}
    assert port["protocol"]["enum"] == ["SCTP", "TCP", "UDP"] and port["protocol"]["default"] == "TCP"
    assert s["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == "int-or-string"
    assert s["io.k8s.apimachinery.pkg.api.resource.Quantity"]["oneOf"] == [{"type": "string"}, {"type": "number"}]
    assert s["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]["format"] == "date-time"
    limits = s["io.k8s.api.core.v1.ResourceRequirements"]["properties"]["limits"]
    assert limits["additionalProperties"] == {
        "$ref": "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity"}
    v2 = openapi.openapi_v2()["definitions"]
    assert v2["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["type"] == "string"
    assert v2["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]["$ref"] == \
        "#/definitions/io.k8s.api.apps.v1.DeploymentStrategy"


def test_status_types_are_described_field_by_field() -> None:
    s = openapi.openapi_v3("v1")["components"]["schemas"]
    status = s["io.k8s.api.core.v1.PodStatus"]["properties"]
    assert status["containerStatuses"]["items"]["allOf"][0]["$ref"].endswith("io.k8s.api.core.v1.ContainerStatus")
    assert status["conditions"]["x-kubernetes-list-map-keys"] == ["type"]
    assert "nodeInfo" in s["io.k8s.api.core.v1.NodeStatus"]["properties"]
    d = openapi.openapi_v3("apps/v1")["components"]["schemas"]["io.k8s.api.apps.v1.DeploymentStatus"]
    assert d["properties"]["conditions"]["items"]["allOf"][0]["$ref"].endswith("apps.v1.DeploymentCondition")


def test_the_index_names_each_document_with_the_hash_of_its_bytes() -> None:
    index = discovery.get("/openapi/v3")["paths"]
    assert sorted(index) == sorted(openapi.openapi_v3_path(gv) for gv in GVS)
    for gv in GVS:
        url = index[openapi.openapi_v3_path(gv)]["serverRelativeURL"]
        served = json.dumps(discovery.get(f"/openapi/v3/{openapi.openapi_v3_path(gv)}")).encode()
        assert url == f"/openapi/v3/{openapi.openapi_v3_path(gv)}?hash={hashlib.sha512(served).hexdigest().upper()}"
    with pytest.raises(KeyError):
        discovery.get("/openapi/v3/apis/batch/v1")


def test_openapi_v2_is_negotiated_as_kube_openapi_does() -> None:
    assert openapiv2.negotiate("application/json") == openapiv2.JSON
    assert openapiv2.negotiate("*/*") == openapiv2.JSON
    assert openapiv2.negotiate(openapiv2.PROTOBUF) == openapiv2.PROTOBUF
    assert openapiv2.negotiate(f"{openapiv2.PROTOBUF}, application/json;q=0.5") == openapiv2.PROTOBUF
    assert openapiv2.negotiate("text/html") is None and openapiv2.negotiate("") is None


def _fields(data: bytes) -> list[tuple[int, bytes | int]]:
    """Protobuf wire decoding, one level (varints and length-delimited fields only)."""
    out, i = [], 0
    while i < len(data):
        key, i = _varint(data, i)
        if key & 7 == 0:
            value, i = _varint(data, i)
            out.append((key >> 3, value))
        else:
            n, i = _varint(data, i)
            out.append((key >> 3, data[i:i + n]))
            i += n
    return out


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def test_the_v2_protobuf_document_carries_every_definition() -> None:
    top = dict(_fields(openapiv2.document_proto()))
    assert top[1] == b"2.0"
    names = [dict(_fields(entry))[1].decode() for _, entry in _fields(top[9])]
    assert names == list(openapi.openapi_v2()["definitions"])
    deployment = dict(_fields(dict(_fields(_fields(top[9])[names.index("io.k8s.api.apps.v1.Deployment")][1]))[2]))
    extension = dict(_fields(deployment[31]))
    assert extension[1] == b"x-kubernetes-group-version-kind"
    assert json.loads(dict(_fields(extension[2]))[2]) == [{"group": "apps", "kind": "Deployment", "version": "v1"}]


def _script():  # scripts/extract_openapi_docs.py as a module
    spec = importlib.util.spec_from_file_location("extract_openapi_docs", ROOT / "scripts/extract_openapi_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_extraction_script_reads_go_comments_as_openapi_gen_does() -> None:
    script = _script()
    source = '''
// Kind of thing.
// +enum
type Mode string

const (
	// ModeFast goes fast.
	ModeFast Mode = "Fast"
	// ModeAll
	// reads everything.
	ModeAll Mode = "All"
)

// Thing is a thing.
//
// Second paragraph.
// +k8s:deepcopy-gen=true
type Thing struct {
	metav1.TypeMeta `json:",inline"`
	// Name of the thing.
	// TODO: remove
	// +optional
	Name string `json:"name,omitempty"`
	// How it runs.
	Mode Mode `json:"mode" patchStrategy:"merge"`
	// Items, one per line:
	//   first
	// +listType=map
	// +listMapKey=name
	Items []Item `json:"items"`
}
'''
    data = script.extract([("io.x.v1", source)])
    thing = data["io.x.v1.Thing"]
    assert thing["description"] == "Thing is a thing.\n\nSecond paragraph."
    assert thing["fields"]["name"] == {"go": "string", "description": "Name of the thing.", "omitempty": True}
    mode = thing["fields"]["mode"]
    assert mode["description"] == ('How it runs.\n\nPossible enum values:\n - `"All"` reads everything.\n'
                                   ' - `"Fast"` goes fast.')
    assert mode["enum"] == ["All", "Fast"] and mode["required"] and mode["patchStrategy"] == "merge"
    items = thing["fields"]["items"]
    assert items["description"] == "Items, one per line:\n  first"
    assert items["listType"] == "map" and items["listMapKeys"] == ["name"]


def test_the_shipped_descriptions_come_from_the_v1_35_source() -> None:
    data = json.loads((ROOT / "kubeteach/apiserver/openapi_docs.json").read_text())
    assert data["source"] == "k8s.io/api and k8s.io/apimachinery v0.35.2"
    assert data["types"]["io.k8s.api.apps.v1.Deployment"]["description"] == \
        "Deployment enables declarative updates for Pods and ReplicaSets."


def test_status_writes_are_decoded_against_the_real_go_types() -> None:
    from kubeteach.apiserver import schema

    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"},
           "status": {"containerStatuses": [{"name": "c", "restartCount": "x"}]}}
    assert schema.decode_message("Pod", "v1", pod) == (
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field '
        "ContainerStatus.status.containerStatuses.restartCount of type int32")
    pod["status"] = {"conditions": [{"type": "Ready", "stat": "True"}]}
    assert schema.unknown_fields("Pod", pod) == ["status.conditions[0].stat"]
    node = {"status": {"nodeInfo": {"kubeletVersion": 135}}}
    assert "NodeSystemInfo.status.nodeInfo.kubeletVersion of type string" in schema.decode_message("Node", "v1", node)
    deployment = {"status": {"conditions": [{"type": "Available", "reason": 1}]}}
    assert "DeploymentCondition.status.conditions.reason of type string" in \
        schema.decode_message("Deployment", "v1", deployment)
