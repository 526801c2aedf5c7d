"""Defaulting, as the API server applies it on decode (pkg/apis/apps/v1/defaults.go, pkg/apis/core/v1/defaults.go).

Each function records the fields it filled in, so the trace can say what defaulting added.
"""

from __future__ import annotations

from typing import Any

Defaulted = list[tuple[str, Any]]


def _set(obj: dict, key: str, value: Any, path: str, out: Defaulted) -> None:
    if obj.get(key) is None:
        obj[key] = value
        out.append((path, value))


def image_tag(image: str) -> tuple[str, str, str]:
    """pkg/util/parsers.ParseImageName: (repository, tag, digest); no tag and no digest means `latest`."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = ""
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    if not tag and not digest:
        tag = "latest"
    return name, tag, digest


def default_pull_policy(image: str) -> str:
    """Always for `:latest` (or no tag and no digest), otherwise IfNotPresent."""
    return "Always" if image_tag(image)[1] == "latest" else "IfNotPresent"


def default_probe(probe: dict, path: str, out: Defaulted) -> None:
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                       ("failureThreshold", 3)):
        _set(probe, key, value, f"{path}.{key}", out)
    if isinstance(probe.get("httpGet"), dict):
        _set(probe["httpGet"], "scheme", "HTTP", f"{path}.httpGet.scheme", out)
        _set(probe["httpGet"], "path", "/", f"{path}.httpGet.path", out)


def default_container(c: dict, path: str, out: Defaulted) -> None:
    _set(c, "terminationMessagePath", "/dev/termination-log", f"{path}.terminationMessagePath", out)
    _set(c, "terminationMessagePolicy", "File", f"{path}.terminationMessagePolicy", out)
    if isinstance(c.get("image"), str):
        _set(c, "imagePullPolicy", default_pull_policy(c["image"]), f"{path}.imagePullPolicy", out)
    for i, port in enumerate(c.get("ports") or []):
        if isinstance(port, dict):
            _set(port, "protocol", "TCP", f"{path}.ports[{i}].protocol", out)
    if c.get("resources") is None:
        c["resources"] = {}
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(c.get(probe), dict):
            default_probe(c[probe], f"{path}.{probe}", out)


def default_pod_spec(spec: dict, path: str, out: Defaulted) -> None:
    """SetDefaults_PodSpec plus its containers: what a pod template gets."""
    _set(spec, "restartPolicy", "Always", f"{path}.restartPolicy", out)
    _set(spec, "dnsPolicy", "ClusterFirst", f"{path}.dnsPolicy", out)
    _set(spec, "terminationGracePeriodSeconds", 30, f"{path}.terminationGracePeriodSeconds", out)
    _set(spec, "securityContext", {}, f"{path}.securityContext", out)
    _set(spec, "schedulerName", "default-scheduler", f"{path}.schedulerName", out)
    for kind in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(kind) or []):
            if isinstance(c, dict):
                default_container(c, f"{path}.{kind}[{i}]", out)


def default_template(obj: dict, out: Defaulted) -> None:
    template = obj.setdefault("spec", {}).get("template")
    if isinstance(template, dict):
        template.setdefault("metadata", {})
        if isinstance(template.get("spec"), dict):
            default_pod_spec(template["spec"], "spec.template.spec", out)


def default_deployment(obj: dict) -> Defaulted:
    """SetDefaults_Deployment: 1 replica, RollingUpdate 25%/25%, 10 old ReplicaSets kept, 600 s deadline."""
    out: Defaulted = []
    spec = obj.setdefault("spec", {})
    _set(spec, "replicas", 1, "spec.replicas", out)
    strategy = spec.setdefault("strategy", {})
    _set(strategy, "type", "RollingUpdate", "spec.strategy.type", out)
    if strategy["type"] == "RollingUpdate":
        ru = strategy.setdefault("rollingUpdate", {})
        _set(ru, "maxUnavailable", "25%", "spec.strategy.rollingUpdate.maxUnavailable", out)
        _set(ru, "maxSurge", "25%", "spec.strategy.rollingUpdate.maxSurge", out)
    _set(spec, "revisionHistoryLimit", 10, "spec.revisionHistoryLimit", out)
    _set(spec, "progressDeadlineSeconds", 600, "spec.progressDeadlineSeconds", out)
    default_template(obj, out)
    return out


def default_replicaset(obj: dict) -> Defaulted:
    out: Defaulted = []
    _set(obj.setdefault("spec", {}), "replicas", 1, "spec.replicas", out)
    default_template(obj, out)
    return out


def default_pod(obj: dict) -> Defaulted:
    """SetDefaults_Pod: the pod-spec defaults, enableServiceLinks, and requests copied from limits."""
    out: Defaulted = []
    spec = obj.setdefault("spec", {})
    for kind in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(kind) or []):
            res = c.get("resources") if isinstance(c, dict) else None
            if isinstance(res, dict) and res.get("limits"):
                req = res.setdefault("requests", {})
                for name, value in res["limits"].items():
                    _set(req, name, value, f"spec.{kind}[{i}].resources.requests.{name}", out)
    default_pod_spec(spec, "spec", out)
    _set(spec, "enableServiceLinks", True, "spec.enableServiceLinks", out)
    return out


def default_pvc(obj: dict) -> Defaulted:
    out: Defaulted = []
    _set(obj.setdefault("spec", {}), "volumeMode", "Filesystem", "spec.volumeMode", out)
    return out


def default_pv(obj: dict) -> Defaulted:
    out: Defaulted = []
    spec = obj.setdefault("spec", {})
    _set(spec, "persistentVolumeReclaimPolicy", "Retain", "spec.persistentVolumeReclaimPolicy", out)
    _set(spec, "volumeMode", "Filesystem", "spec.volumeMode", out)
    return out


def default_storageclass(obj: dict) -> Defaulted:
    out: Defaulted = []
    _set(obj, "reclaimPolicy", "Delete", "reclaimPolicy", out)
    _set(obj, "volumeBindingMode", "Immediate", "volumeBindingMode", out)
    return out


def default_priorityclass(obj: dict) -> Defaulted:
    """SetDefaults_PriorityClass (pkg/apis/scheduling/v1/defaults.go); a false globalDefault and an empty
    description are dropped, as their `omitempty` JSON tags never store them."""
    out: Defaulted = []
    if obj.get("globalDefault") is False:
        del obj["globalDefault"]
    if obj.get("description") == "":
        del obj["description"]
    _set(obj, "preemptionPolicy", "PreemptLowerPriority", "preemptionPolicy", out)
    return out


def default_service(obj: dict) -> Defaulted:
    """SetDefaults_Service: sessionAffinity None (ClientIP gets a 10800 s timeout), type ClusterIP, per port protocol
    TCP and targetPort = port, internalTrafficPolicy Cluster, externalTrafficPolicy Cluster when reachable from
    outside. The IP-family fields and the clusterIP come from the registry (apiserver/services.py)."""
    out: Defaulted = []
    spec = obj.setdefault("spec", {})
    for key in ("sessionAffinity", "type"):         # Go compares with "": an empty string is unset too
        if spec.get(key) == "":
            del spec[key]
    for port in spec.get("ports") or []:
        if isinstance(port, dict) and port.get("protocol") == "":
            del port["protocol"]
    _set(spec, "sessionAffinity", "None", "spec.sessionAffinity", out)
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client = spec.setdefault("sessionAffinityConfig", {}).setdefault("clientIP", {})
        _set(client, "timeoutSeconds", 10800, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", out)
    _set(spec, "type", "ClusterIP", "spec.type", out)
    for i, port in enumerate(spec.get("ports") or []):
        if isinstance(port, dict):
            _set(port, "protocol", "TCP", f"spec.ports[{i}].protocol", out)
            if port.get("targetPort") in (None, 0, "") and port.get("port") is not None:
                port["targetPort"] = port["port"]
                out.append((f"spec.ports[{i}].targetPort", port["port"]))
    external = spec["type"] in ("NodePort", "LoadBalancer") or bool(spec.get("externalIPs"))
    if external:
        _set(spec, "externalTrafficPolicy", "Cluster", "spec.externalTrafficPolicy", out)
    if spec["type"] in ("ClusterIP", "NodePort", "LoadBalancer"):
        _set(spec, "internalTrafficPolicy", "Cluster", "spec.internalTrafficPolicy", out)
    if spec["type"] == "LoadBalancer":
        _set(spec, "allocateLoadBalancerNodePorts", True, "spec.allocateLoadBalancerNodePorts", out)
    return out


def default_endpoint_slice(obj: dict) -> Defaulted:
    """SetDefaults_EndpointPort (discovery/v1): a port's name defaults to "" and its protocol to TCP."""
    out: Defaulted = []
    for i, port in enumerate(obj.get("ports") or []):
        if isinstance(port, dict):
            _set(port, "name", "", f"ports[{i}].name", out)
            _set(port, "protocol", "TCP", f"ports[{i}].protocol", out)
    return out


def default_endpoints(obj: dict) -> Defaulted:
    """SetDefaults_EndpointPort (core/v1): protocol TCP."""
    out: Defaulted = []
    for i, subset in enumerate(obj.get("subsets") or []):
        for j, port in enumerate((subset.get("ports") or []) if isinstance(subset, dict) else []):
            if isinstance(port, dict):
                _set(port, "protocol", "TCP", f"subsets[{i}].ports[{j}].protocol", out)
    return out


def default_mutating_webhook_configuration(obj: dict) -> Defaulted:
    """SetDefaults_MutatingWebhook, SetDefaults_Rule and SetDefaults_ServiceReference
    (pkg/apis/admissionregistration/v1/defaults.go)."""
    out: Defaulted = []
    for i, hook in enumerate(obj.get("webhooks") or []):
        if not isinstance(hook, dict):
            continue
        p = f"webhooks[{i}]"
        for key, value in (("failurePolicy", "Fail"), ("matchPolicy", "Equivalent"), ("namespaceSelector", {}),
                           ("objectSelector", {}), ("timeoutSeconds", 10), ("reinvocationPolicy", "Never")):
            _set(hook, key, value, f"{p}.{key}", out)
        for j, rule in enumerate(hook.get("rules") or []):
            if isinstance(rule, dict):
                _set(rule, "scope", "*", f"{p}.rules[{j}].scope", out)
        svc = (hook.get("clientConfig") or {}).get("service") if isinstance(hook.get("clientConfig"), dict) else None
        if isinstance(svc, dict):
            _set(svc, "port", 443, f"{p}.clientConfig.service.port", out)
    return out


DEFAULTERS = {"MutatingWebhookConfiguration": default_mutating_webhook_configuration, "Service": default_service, "EndpointSlice": default_endpoint_slice, "Endpoints": default_endpoints,
              "Deployment": default_deployment, "ReplicaSet": default_replicaset, "Pod": default_pod,
              "PersistentVolumeClaim": default_pvc, "PersistentVolume": default_pv,
              "StorageClass": default_storageclass, "PriorityClass": default_priorityclass}


def apply_defaults(kind: str, obj: dict) -> Defaulted:
    """Default `obj` in place; returns the (field path, value) pairs that were filled in."""
    fn = DEFAULTERS.get(kind)
    return fn(obj) if fn else []
