"""Exact texts of strict decoding (schema.py) and validation (validation.py), as kube-apiserver v1.35 words them."""

from __future__ import annotations

import copy

import pytest

from kubeteach.apiserver.errors import invalid as invalid_error
from kubeteach.apiserver.resources import KINDS, RESOURCES
from kubeteach.apiserver.schema import decode_error, decode_message, quantity_error, unknown_fields
from kubeteach.apiserver.validation import qty_string, validate

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 r"validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
             "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
QUANTITY = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
SELECTOR_MISMATCH = "`selector` does not match template `labels`"


def deployment(**spec: object) -> dict:
    """A valid Deployment (as defaulting leaves it); keyword arguments replace spec fields."""
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%",
                                                                            "maxUnavailable": "25%"}},
                    "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
                                          "terminationGracePeriodSeconds": 30,
                                          "containers": [{"name": "nginx", "image": "nginx:1.25",
                                                          "imagePullPolicy": "IfNotPresent",
                                                          "terminationMessagePolicy": "File"}]}}}}
    obj["spec"].update(spec)
    return obj


def pod_spec(**spec: object) -> dict:
    """A valid pod spec; keyword arguments replace its fields."""
    out = copy.deepcopy(deployment()["spec"]["template"]["spec"])
    out.update(spec)
    return out


def container(**fields: object) -> dict:
    """The nginx container with some fields replaced."""
    out = copy.deepcopy(deployment()["spec"]["template"]["spec"]["containers"][0])
    out.update(fields)
    return out


def errors(kind: str, obj: dict, old: dict | None = None) -> list[str]:
    """validate() as the lines kubectl prints after `*`."""
    return [str(e) for e in validate(KINDS[kind], obj, old)]


def template_errors(spec: dict) -> list[str]:
    """Errors of a Deployment whose pod template spec is `spec`."""
    obj = deployment()
    obj["spec"]["template"]["spec"] = spec
    return errors("Deployment", obj)


# --- schema.py: strict decoding ----------------------------------------------------------------------------------


def test_every_served_kind_has_a_schema():
    for res in RESOURCES:
        assert unknown_fields(res.kind, {"apiVersion": res.api_version, "kind": res.kind, "metadata": {}}) == []


def test_unknown_fields_are_reported_with_their_paths():
    obj = deployment(replica=3)
    obj["metadata"]["lables"] = {"app": "web"}
    obj["spec"]["template"]["spec"]["containers"][0]["imag"] = "nginx"
    # in document order: `replica` was added after `template`
    assert unknown_fields("Deployment", obj) == ["metadata.lables", "spec.template.spec.containers[0].imag",
                                                 "spec.replica"]
    assert decode_message("Deployment", "v1", obj) == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "metadata.lables", unknown field "spec.template.spec.containers[0].imag", '
        'unknown field "spec.replica"')


def test_misindented_resources_is_an_unknown_container_field():
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["requests"] = {"cpu": "50m"}
    assert decode_message("Deployment", "v1", obj) == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.template.spec.containers[0].requests"')


def test_a_valid_manifest_decodes_cleanly():
    obj = deployment()
    obj["spec"]["template"]["spec"].update(
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
                 {"name": "cfg", "configMap": {"name": "cfg", "items": [{"key": "a", "path": "a"}]}}],
        affinity={"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                                "labelSelector": {"matchLabels": {"app": "web"}}}}]}},
        tolerations=[{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                      "tolerationSeconds": 300}])
    obj["spec"]["template"]["spec"]["containers"][0].update(
        ports=[{"containerPort": 80, "name": "http"}], env=[{"name": "A", "value": "1"}],
        resources={"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"cpu": 1, "memory": "128Mi"}},
        volumeMounts=[{"name": "data", "mountPath": "/data"}],
        livenessProbe={"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 5},
        readinessProbe={"tcpSocket": {"port": 80}})
    assert decode_message("Deployment", "v1", obj) is None


def test_a_string_where_an_integer_is_needed():
    assert decode_message("Deployment", "v1", deployment(replicas="3")) == (
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go '
        "struct field DeploymentSpec.spec.replicas of type int32")


def test_type_errors_name_the_struct_the_path_and_the_go_type():
    assert decode_error("Deployment", deployment(replicas=3.5)) == (
        "json: cannot unmarshal number 3.5 into Go struct field DeploymentSpec.spec.replicas of type int32")
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = 5
    assert decode_error("Deployment", obj) == ("json: cannot unmarshal number into Go struct field "
                                               "Container.spec.template.spec.containers.image of type string")
    obj["spec"]["template"]["spec"]["containers"] = {"name": "nginx"}
    assert decode_error("Deployment", obj) == ("json: cannot unmarshal object into Go struct field "
                                               "PodSpec.spec.template.spec.containers of type []v1.Container")
    assert decode_error("Pod", {"spec": {"restartPolicy": True}}) == (
        "json: cannot unmarshal bool into Go struct field PodSpec.spec.restartPolicy of type v1.RestartPolicy")
    assert decode_error("Deployment", {"metadata": {"labels": {"version": 1}}}) == (
        "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string")


def test_int_or_string_errors_come_from_its_own_unmarshaller():
    obj = deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": True}})
    assert decode_error("Deployment", obj) == ("json: cannot unmarshal bool into Go struct field "
                                               "RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge "
                                               "of type int32")


def test_malformed_quantities():
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"memory": "128MB"}}
    assert decode_message("Deployment", "v1", obj) == (
        f'Deployment in version "v1" cannot be handled as a Deployment: {QUANTITY}')
    pvc = {"spec": {"resources": {"requests": {"storage": "1 Gi"}}}}
    assert decode_error("PersistentVolumeClaim", pvc) == QUANTITY
    assert decode_error("Node", {"status": {"capacity": {"cpu": "four"}}}) == QUANTITY
    assert decode_error("Node", {"status": {"allocatable": {"memory": "1KK"}}}) == "unable to parse quantity's suffix"


@pytest.mark.parametrize("value", ["250m", "1", 1, 0.5, "1.5Gi", "128Mi", "1e3", "2E6", "+1", "1k", ".5"])
def test_well_formed_quantities(value):
    assert quantity_error(value) is None


def test_a_quantity_error_wins_over_an_earlier_type_error_and_both_over_unknown_fields():
    obj = deployment(replicas="3", replica=3)
    assert decode_error("Deployment", obj).startswith("json: cannot unmarshal string")
    obj["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "lots"}}
    assert decode_message("Deployment", "v1", obj).endswith(QUANTITY)


def test_rbac_and_storage_kinds_decode_strictly():
    assert unknown_fields("RoleBinding", {"roleRef": {"kind": "Role", "nme": "x"}, "subject": []}) == [
        "roleRef.nme", "subject"]
    assert unknown_fields("StorageClass", {"provisioner": "x", "parameters": {"type": "ssd"},
                                           "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
                                           "allowVolumeExpansion": True, "mountOptions": ["ro"],
                                           "allowedTopologies": [], "spec": {}}) == ["spec"]


# --- ObjectMeta ---------------------------------------------------------------------------------------------------


def test_a_valid_deployment_has_no_errors():
    assert errors("Deployment", deployment()) == []


def test_name_is_required_unless_generate_name():
    obj = deployment()
    del obj["metadata"]["name"]
    assert errors("Deployment", obj) == ["metadata.name: Required value: name or generateName is required"]
    obj["metadata"]["generateName"] = "web-"
    assert errors("Deployment", obj) == []


def test_name_formats():
    obj = deployment()
    obj["metadata"]["name"] = "Nginx"
    assert errors("Deployment", obj) == [f'metadata.name: Invalid value: "Nginx": {SUBDOMAIN_MSG}']
    obj["metadata"]["name"] = "a" * 254
    assert errors("Deployment", obj) == [f'metadata.name: Invalid value: "{"a" * 254}": must be no more than '
                                         "253 characters"]
    assert errors("Namespace", {"metadata": {"name": "team.a"}}) == [
        'metadata.name: Invalid value: "team.a": must not contain dots']
    assert errors("Namespace", {"metadata": {"name": "Team"}}) == [f'metadata.name: Invalid value: "Team": {LABEL_MSG}']
    assert errors("Role", {"metadata": {"name": "pods/reader"}, "rules": []}) == [
        "metadata.name: Invalid value: \"pods/reader\": may not contain '/'"]
    assert errors("ClusterRole", {"metadata": {"name": "system:node"}}) == []


def test_labels_and_annotations():
    obj = deployment()
    obj["metadata"]["labels"] = {"app.kubernetes.io/name": "web", "tier!": "front end"}
    obj["metadata"]["annotations"] = {"note": "x" * 262141}
    assert errors("Deployment", obj) == [
        "metadata.labels: Invalid value: \"tier!\": name part must consist of alphanumeric characters, '-', '_' "
        "or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
        "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        "metadata.labels: Invalid value: \"front end\": a valid label must be an empty string or consist of "
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
        "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        "metadata.annotations: Too long: may not be more than 262144 bytes"]


def test_label_key_prefix():
    obj = deployment()
    obj["metadata"]["labels"] = {"Example.com/app": "web"}
    assert errors("Deployment", obj) == [
        f'metadata.labels: Invalid value: "Example.com/app": prefix part {SUBDOMAIN_MSG}']


# --- Deployments and ReplicaSets ----------------------------------------------------------------------------------


def test_negative_replicas():
    assert errors("Deployment", deployment(replicas=-1)) == [
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0"]


def test_missing_selector_gives_both_errors_and_the_api_message():
    obj = deployment()
    del obj["spec"]["selector"]
    errs = validate(KINDS["Deployment"], obj)
    assert [str(e) for e in errs] == [
        "spec.selector: Required value",
        f'spec.template.metadata.labels: Invalid value: {{"app":"web"}}: {SELECTOR_MISMATCH}']
    assert str(invalid_error(KINDS["Deployment"], "web", errs)) == (
        'Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: '
        f'Invalid value: {{"app":"web"}}: {SELECTOR_MISMATCH}]')


def test_empty_selector():
    assert errors("Deployment", deployment(selector={})) == [
        "spec.selector: Invalid value: {}: empty selector is invalid for deployment"]
    assert errors("Deployment", deployment(selector={"matchLabels": {}})) == [
        "spec.selector: Invalid value: {}: empty selector is invalid for deployment"]


def test_selector_must_match_template_labels():
    assert errors("Deployment", deployment(selector={"matchLabels": {"app": "api"}})) == [
        f'spec.template.metadata.labels: Invalid value: {{"app":"web"}}: {SELECTOR_MISMATCH}']
    obj = deployment()
    del obj["spec"]["template"]["metadata"]["labels"]
    assert errors("Deployment", obj) == [f"spec.template.metadata.labels: Invalid value: null: {SELECTOR_MISMATCH}"]


def test_an_invalid_selector_stops_template_validation():
    sel = {"matchExpressions": [{"key": "app", "operator": "Is", "values": ["web"]}]}
    obj = deployment(selector=sel)
    obj["spec"]["template"]["spec"]["containers"] = []
    assert errors("Deployment", obj) == [
        'spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator',
        'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Is","values":["web"]}]}: '
        "invalid label selector"]


def test_template_labels_are_reported_at_template_labels():
    obj = deployment(selector={"matchExpressions": [{"key": "app", "operator": "Exists"}]})
    obj["spec"]["template"]["metadata"]["labels"]["bad key"] = "x"
    assert errors("Deployment", obj)[0].startswith('spec.template.labels: Invalid value: "bad key": name part ')


def test_template_restart_policy_must_be_always():
    obj = deployment()
    obj["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert errors("Deployment", obj) == [
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']
    obj["spec"]["template"]["spec"]["activeDeadlineSeconds"] = 10
    assert errors("Deployment", obj)[-1] == ("spec.template.spec.activeDeadlineSeconds: Forbidden: "
                                             "activeDeadlineSeconds in ReplicaSet is not Supported")


def test_strategy():
    rolling = {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}
    assert errors("Deployment", deployment(strategy=rolling)) == [
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]
    assert errors("Deployment", deployment(strategy={"type": "BlueGreen"})) == [
        'spec.strategy: Unsupported value: {"Type":"BlueGreen","RollingUpdate":null}: supported values: '
        '"Recreate", "RollingUpdate"']


def test_max_surge_and_max_unavailable():
    def ru(surge: object, unavailable: object) -> list[str]:
        return errors("Deployment", deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {
            "maxSurge": surge, "maxUnavailable": unavailable}}))
    assert ru(0, 0) == ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when "
                        "`maxSurge` is 0"]
    assert ru("0%", "0%") == ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when '
                              "`maxSurge` is 0"]
    assert ru(1, "110%") == ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "110%": must not be '
                             "greater than 100%"]
    assert ru(-1, 1) == ["spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal "
                         "to 0"]
    assert ru("half", 1) == [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"half\": a valid percent string must be a numeric "
        "string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]
    assert ru("200%", 0) == []


def test_history_min_ready_and_progress_deadline():
    assert errors("Deployment", deployment(revisionHistoryLimit=-1, minReadySeconds=-5)) == [
        "spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0",
        "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"]
    assert errors("Deployment", deployment(minReadySeconds=600)) == [
        "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"]


def test_selector_is_immutable():
    old = deployment()
    old["metadata"]["resourceVersion"] = "7"
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "front"}}
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "front"
    assert errors("Deployment", new, old) == [
        'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"front"}}: field is immutable']
    assert errors("Deployment", deployment(replicas=5), old) == []


def test_metadata_update_rules():
    old = deployment()
    old["metadata"].update(uid="a-1", resourceVersion="7", generation=3)
    new = copy.deepcopy(old)
    new["metadata"].update(uid="b-2", generation=2)
    assert errors("Deployment", new, old) == ['metadata.uid: Invalid value: "b-2": field is immutable']
    del new["metadata"]["uid"]   # BeforeUpdate keeps the old uid when none is sent
    assert errors("Deployment", new, old) == []


def test_replicaset_order_and_messages():
    rs = deployment(minReadySeconds=-1, selector={})
    for key in ("strategy", "revisionHistoryLimit", "progressDeadlineSeconds"):
        del rs["spec"][key]
    rs["kind"] = "ReplicaSet"
    assert errors("ReplicaSet", rs) == [
        "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
        "spec.selector: Invalid value: {}: empty selector is invalid for deployment"]


# --- pod specs ----------------------------------------------------------------------------------------------------


def test_containers_are_required():
    assert template_errors(pod_spec(containers=[])) == ["spec.template.spec.containers: Required value"]


def test_container_names_and_images():
    spec = pod_spec(containers=[container(), container(image=""), container(name="Web"), container(name="")])
    assert template_errors(spec) == [
        "spec.template.spec.containers[1].image: Required value",
        'spec.template.spec.containers[1].name: Duplicate value: "nginx"',
        f'spec.template.spec.containers[2].name: Invalid value: "Web": {LABEL_MSG}',
        "spec.template.spec.containers[3].name: Required value"]


def test_pod_image_whitespace_and_name():
    pod = {"metadata": {"name": "web_1"}, "spec": pod_spec(containers=[container(image="nginx ")])}
    assert errors("Pod", pod) == [f'metadata.name: Invalid value: "web_1": {SUBDOMAIN_MSG}',
                                  'spec.containers[0].image: Invalid value: "nginx ": must not have leading or '
                                  "trailing whitespace"]


def test_pod_update_is_not_checked_as_a_create():
    pod = {"metadata": {"name": "p", "resourceVersion": "3"},
           "spec": pod_spec(nodeName="node-1", schedulingGates=[{"name": "example.com/wait"}])}
    assert errors("Pod", pod) == ["spec.nodeName: Forbidden: cannot be set until all schedulingGates have been "
                                  "cleared"]
    assert errors("Pod", pod, copy.deepcopy(pod)) == []


def test_ports():
    ports = [{"containerPort": 0}, {"containerPort": 70000, "protocol": "HTTP", "name": "web"},
             {"containerPort": 8080, "name": "web", "hostPort": 99999}, {"containerPort": 1, "name": "8080"}]
    assert template_errors(pod_spec(containers=[container(ports=ports)])) == [
        "spec.template.spec.containers[0].ports[0].containerPort: Required value",
        "spec.template.spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and "
        "65535, inclusive",
        'spec.template.spec.containers[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", '
        '"TCP", "UDP"',
        'spec.template.spec.containers[0].ports[2].name: Duplicate value: "web"',
        "spec.template.spec.containers[0].ports[2].hostPort: Invalid value: 99999: must be between 1 and 65535, "
        "inclusive",
        'spec.template.spec.containers[0].ports[3].name: Invalid value: "8080": must contain at least one letter '
        "(a-z)"]


def test_host_port_conflicts():
    c1 = container(name="a", ports=[{"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}])
    c2 = container(name="b", ports=[{"containerPort": 81, "hostPort": 8080, "protocol": "TCP"}])
    assert template_errors(pod_spec(containers=[c1, c2])) == [
        'spec.template.spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"']


def test_policies():
    spec = pod_spec(restartPolicy="Sometimes", dnsPolicy="Google",
                    containers=[container(imagePullPolicy="Maybe", terminationMessagePolicy="Log")])
    pod = {"metadata": {"name": "p"}, "spec": spec}
    assert errors("Pod", pod) == [
        'spec.containers[0].terminationMessagePolicy: Unsupported value: "Log": supported values: "File", '
        '"FallbackToLogsOnError"',
        'spec.containers[0].imagePullPolicy: Unsupported value: "Maybe": supported values: "Always", '
        '"IfNotPresent", "Never"',
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", '
        '"Default", "None"']


def test_negative_grace_period_is_not_a_validation_error():
    # pods.go turns a negative terminationGracePeriodSeconds into 1 instead of rejecting it
    assert template_errors(pod_spec(terminationGracePeriodSeconds=-1)) == []


def test_resources():
    res = {"requests": {"cpu": "1", "memory": "-64Mi"}, "limits": {"cpu": "500m"}}
    assert template_errors(pod_spec(containers=[container(resources=res)])) == [
        'spec.template.spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to '
        "cpu limit of 500m",
        'spec.template.spec.containers[0].resources.requests[memory]: Invalid value: "-64Mi": must be greater '
        "than or equal to 0"]
    res = {"requests": {"cpu": "1500m"}, "limits": {"cpu": 1.0}}
    assert template_errors(pod_spec(containers=[container(resources=res)])) == [
        'spec.template.spec.containers[0].resources.requests: Invalid value: "1500m": must be less than or equal '
        "to cpu limit of 1"]


def test_resource_names_and_extended_resources():
    res = {"requests": {"gpu": "1", "example.com/dongle": "500m"}}
    assert template_errors(pod_spec(containers=[container(resources=res)])) == [
        'spec.template.spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard '
        "resource type or fully qualified",
        'spec.template.spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard '
        "resource for containers",
        'spec.template.spec.containers[0].resources.requests[example.com/dongle]: Invalid value: "500m": must be '
        "an integer",
        "spec.template.spec.containers[0].resources.limits: Required value: Limit must be set for non "
        "overcommitable resources"]


def test_volumes_and_mounts():
    spec = pod_spec(volumes=[{"name": "cache", "emptyDir": {}}, {"name": "cache", "emptyDir": {}},
                             {"name": "Logs", "hostPath": {"path": "/var/log", "type": "Folder"}},
                             {"name": "cfg"}, {"name": "pvc", "persistentVolumeClaim": {}}],
                    containers=[container(volumeMounts=[{"name": "data", "mountPath": "/data"},
                                                        {"name": "cache", "mountPath": ""}])])
    assert template_errors(spec) == [
        'spec.template.spec.volumes[1].name: Duplicate value: "cache"',
        'spec.template.spec.volumes[2].hostPath.type: Unsupported value: "Folder": supported values: "", '
        '"BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
        f'spec.template.spec.volumes[2].name: Invalid value: "Logs": {LABEL_MSG}',
        "spec.template.spec.volumes[3]: Required value: must specify a volume type",
        "spec.template.spec.volumes[4].persistentVolumeClaim.claimName: Required value",
        'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"',
        "spec.template.spec.containers[0].volumeMounts[1].mountPath: Required value"]


def test_two_volume_sources():
    spec = pod_spec(volumes=[{"name": "x", "emptyDir": {}, "configMap": {"name": "c"}}])
    assert template_errors(spec) == ["spec.template.spec.volumes[0].configMap: Forbidden: may not specify more "
                                     "than 1 volume type"]


def test_probes():
    probe = {"httpGet": {"path": "/", "port": 0, "scheme": "FTP"}, "successThreshold": 2, "periodSeconds": -1}
    spec = pod_spec(containers=[container(livenessProbe=probe, readinessProbe={"periodSeconds": 5})])
    assert template_errors(spec) == [
        "spec.template.spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and "
        "65535, inclusive",
        'spec.template.spec.containers[0].livenessProbe.httpGet.scheme: Unsupported value: "FTP": supported '
        'values: "HTTP", "HTTPS"',
        "spec.template.spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than "
        "or equal to 0",
        "spec.template.spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
        "spec.template.spec.containers[0].readinessProbe: Required value: must specify a handler type"]


def test_env():
    env = [{"name": ""}, {"name": "A=B"}, {"name": "C", "value": "x", "valueFrom": {"secretKeyRef": {
        "name": "s", "key": "k"}}}]
    assert template_errors(pod_spec(containers=[container(env=env)])) == [
        "spec.template.spec.containers[0].env[0].name: Required value",
        "spec.template.spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid environment variable name "
        "must consist only of printable ASCII characters other than '='",
        'spec.template.spec.containers[0].env[2].valueFrom: Invalid value: "": may not be specified when `value` '
        "is not empty"]


def test_node_selector_tolerations_and_affinity():
    spec = pod_spec(nodeSelector={"disk": "fast ssd"},
                    tolerations=[{"operator": "Equal", "value": "x"}, {"key": "k", "operator": "Exists",
                                                                       "value": "v", "effect": "NoRun"},
                                 {"key": "k", "operator": "Less"}, {"key": "k", "tolerationSeconds": 5}],
                    affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In"}]}]}}})
    assert template_errors(spec) == [
        "spec.template.spec.nodeSelector: Invalid value: \"fast ssd\": a valid label must be an empty string or "
        "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
        "nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is "
        "'In' or 'NotIn'",
        'spec.template.spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` '
        'is empty, which means "match all values and all keys"',
        "spec.template.spec.tolerations[1].operator: Invalid value: \"v\": value must be empty when `operator` is "
        "'Exists'",
        'spec.template.spec.tolerations[1].effect: Unsupported value: "NoRun": supported values: "NoSchedule", '
        '"PreferNoSchedule", "NoExecute"',
        'spec.template.spec.tolerations[2].operator: Unsupported value: "Less": supported values: "Equal", '
        '"Exists"',
        "spec.template.spec.tolerations[3].effect: Invalid value: \"\": effect must be 'NoExecute' when "
        "`tolerationSeconds` is set"]


def test_topology_spread_constraints():
    tsc = [{"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},
           {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]
    assert template_errors(pod_spec(topologySpreadConstraints=tsc)) == [
        "spec.template.spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
        "spec.template.spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: "
        '"{zone, DoNotSchedule}"']


# --- storage ------------------------------------------------------------------------------------------------------


def pvc(**spec: object) -> dict:
    """A PersistentVolumeClaim with the given spec."""
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"}, "spec": spec}


def test_pvc():
    assert errors("PersistentVolumeClaim", pvc()) == [
        "spec.accessModes: Required value: at least 1 access mode is required",
        "spec.resources[storage]: Required value"]
    claim = pvc(accessModes=["ReadWriteMany", "ReadWriteEverywhere"], resources={"requests": {"storage": "0"}},
                storageClassName="Fast")
    assert errors("PersistentVolumeClaim", claim) == [
        'spec.accessModes: Unsupported value: "ReadWriteEverywhere": supported values: "ReadOnlyMany", '
        '"ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        'spec.resources[storage]: Invalid value: "0": must be greater than zero',
        f'spec.storageClassName: Invalid value: "Fast": {SUBDOMAIN_MSG}']
    ok = pvc(accessModes=["ReadWriteOnce"], resources={"requests": {"storage": "1Gi"}}, volumeMode="Filesystem")
    assert errors("PersistentVolumeClaim", ok) == []


def test_pv():
    pv = {"metadata": {"name": "pv-1"}, "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                                                  "persistentVolumeReclaimPolicy": "Delete",
                                                  "csi": {"driver": "hostpath.csi.k8s.io", "volumeHandle": "v1"}}}
    assert errors("PersistentVolume", pv) == []
    pv["spec"].update(capacity={}, persistentVolumeReclaimPolicy="Keep", hostPath={"path": "/tmp"})
    assert errors("PersistentVolume", pv) == [
        "spec.capacity: Required value",
        'spec.capacity: Unsupported value: {}: supported values: "storage"',
        'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", '
        '"Retain"',
        "spec.csi: Forbidden: may not specify more than 1 volume type"]


def test_storage_class():
    sc = {"metadata": {"name": "standard"}, "provisioner": "", "reclaimPolicy": "Recycle",
          "volumeBindingMode": "Later"}
    assert errors("StorageClass", sc) == [
        "provisioner: Required value",
        'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
        'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"']
    sc.update(provisioner="hostpath.csi.k8s.io", reclaimPolicy="Delete", volumeBindingMode="WaitForFirstConsumer")
    assert errors("StorageClass", sc) == []
    changed = dict(sc, parameters={"type": "ssd"})
    assert errors("StorageClass", changed, sc) == ["parameters: Forbidden: updates to parameters are forbidden."]


def test_volume_attachment():
    va = {"metadata": {"name": "csi-abc"}, "spec": {"attacher": "hostpath.csi.k8s.io", "nodeName": "node-1",
                                                     "source": {"persistentVolumeName": "pv-1"}}}
    assert errors("VolumeAttachment", va) == []
    va["spec"]["source"] = {}
    assert errors("VolumeAttachment", va) == [
        "spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName"]


# --- nodes, namespaces, events, leases, service accounts ----------------------------------------------------------


def test_node():
    node = {"metadata": {"name": "node-1"},
            "spec": {"podCIDR": "10.244.1.0/33", "taints": [{"key": "dedicated", "effect": "NoRun"},
                                                            {"key": "gpu", "effect": "NoSchedule"},
                                                            {"key": "gpu", "effect": "NoSchedule"}]},
            "status": {"capacity": {"cpu": "-4", "pods": "110"}}}
    assert errors("Node", node) == [
        'metadata.taints[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", '
        '"PreferNoSchedule", "NoExecute"',
        'metadata.taints[2]: Duplicate value: {"Key":"gpu","Value":"","Effect":"NoSchedule","TimeAdded":null}: '
        "taints must be unique by key and effect pair",
        'status.capacity.cpu: Invalid value: "-4": must be greater than or equal to 0',
        'spec.podCIDRs[0]: Invalid value: "10.244.1.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or '
        "2001:db8::/64)"]


def test_node_pod_cidr_is_set_once():
    old = {"metadata": {"name": "node-1"}, "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"]}}
    new = {"metadata": {"name": "node-1"}, "spec": {"podCIDR": "10.244.2.0/24", "podCIDRs": ["10.244.2.0/24"]}}
    assert errors("Node", new, old) == [
        'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid']
    cordoned = copy.deepcopy(old)
    cordoned["spec"]["unschedulable"] = True
    assert errors("Node", cordoned, old) == []


def test_namespace_service_account_lease_event():
    assert errors("Namespace", {"metadata": {"name": "dev"}, "spec": {"finalizers": ["kubernetes"]}}) == []
    assert errors("ServiceAccount", {"metadata": {"name": "Builder"}}) == [
        f'metadata.name: Invalid value: "Builder": {SUBDOMAIN_MSG}']
    lease = {"metadata": {"name": "node-1"}, "spec": {"leaseDurationSeconds": 0, "leaseTransitions": -1}}
    assert errors("Lease", lease) == ["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
                                      "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0"]
    event = {"metadata": {"name": "web.17f", "namespace": "default"},
             "involvedObject": {"kind": "Pod", "namespace": "prod", "name": "web"}}
    assert errors("Event", event) == [
        'involvedObject.namespace: Invalid value: "prod": does not match event.namespace']


# --- RBAC ---------------------------------------------------------------------------------------------------------


def test_role_rules():
    role = {"metadata": {"name": "reader", "namespace": "dev"},
            "rules": [{"apiGroups": [""], "resources": ["pods"]}, {"verbs": ["get"]},
                      {"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]}
    assert errors("Role", role) == [
        "rules[0].verbs: Required value: verbs must contain at least one value",
        "rules[1].apiGroups: Required value: resource rules must supply at least one api group",
        "rules[1].resources: Required value: resource rules must supply at least one resource",
        'rules[2].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs']


def binding(**role_ref: str) -> dict:
    """A RoleBinding of user dev to `role_ref`."""
    ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader", **role_ref}
    return {"metadata": {"name": "dev-reads", "namespace": "dev", "resourceVersion": "9"}, "roleRef": ref,
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "dev"}]}


def test_role_binding():
    assert errors("RoleBinding", binding()) == []
    bad = binding(kind="Policy", name="")
    bad["subjects"] = [{"kind": "Robot", "name": "r2"}, {"kind": "ServiceAccount", "name": "ci", "apiGroup": "x"}]
    assert errors("RoleBinding", bad) == [
        'roleRef.kind: Unsupported value: "Policy": supported values: "Role", "ClusterRole"',
        "roleRef.name: Required value",
        'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
        'subjects[1].apiGroup: Unsupported value: "x": supported values: ""']
    crb = binding()
    assert errors("ClusterRoleBinding", crb) == [
        'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"']


def test_role_ref_is_immutable():
    assert errors("RoleBinding", binding(name="admin"), binding()) == [
        'roleRef: Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"Role","Name":"admin"}: cannot '
        "change roleRef"]


# --- quantities as Go prints them ---------------------------------------------------------------------------------


@pytest.mark.parametrize("given, canonical", [
    ("500m", "500m"), ("0.5", "500m"), (0.5, "500m"), ("1000m", "1"), ("1500", "1500"), ("1000", "1k"),
    ("1.5Gi", "1536Mi"), ("128Mi", "128Mi"), ("1024Ki", "1Mi"), ("0.5Ki", "512"), ("1e3", "1e3"), ("-1", "-1"),
    ("0Gi", "0"), (2, "2")])
def test_quantity_canonical_form(given, canonical):
    assert qty_string(given) == canonical


def test_error_reasons_for_status_causes():
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] = [{"name": "x", "mountPath": "/x"}]
    err = validate(KINDS["Deployment"], obj)[0]
    assert (err.reason, err.field) == ("FieldValueNotFound", "spec.template.spec.containers[0].volumeMounts[0].name")
