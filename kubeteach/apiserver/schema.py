"""Strict decoding of request bodies, as the API server's JSON serializer does it.

Mirrors apimachinery/pkg/runtime/serializer/json/json.go (Decode), the strict mode of sigs.k8s.io/json
(a fork of encoding/json: `json: cannot unmarshal ...` type errors, `unknown field "spec.replica"` strict
errors), resource.Quantity.UnmarshalJSON and intstr.IntOrString.UnmarshalJSON, and the wrapping in
apiserver/pkg/endpoints/handlers/rest.go transformDecodeError:
`Deployment in version "v1" cannot be handled as a Deployment: <error>`.

The Go types (k8s.io/api v1.35) are described once, compactly: a struct is `S(go name, plain string fields,
**typed fields)`; `L(x)` is a slice, `M(x)` a map with string keys; leaves are scalar kinds. Status subtrees
and rarely used volume sources are `ANY` (accepted as they come). Decoding order follows encoding/json: the
first type error is kept while decoding goes on; an error from a custom UnmarshalJSON (Quantity, IntOrString)
stops decoding and wins; unknown fields are reported only when nothing else went wrong.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# --- the type language ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    kind: str          # string, int32, int64, bool, quantity, intstr, any
    go: str            # how reflect.Type.String() names it in `of type ...`


@dataclass(frozen=True)
class L:
    elem: Any

    @property
    def go(self) -> str:
        """The Go type's name as reflect.Type.String() prints it."""
        return "[]" + self.elem.go


@dataclass(frozen=True)
class M:
    elem: Any
    name: str = ""

    @property
    def go(self) -> str:
        """The Go type's name as reflect.Type.String() prints it."""
        return self.name or "map[string]" + self.elem.go


@dataclass
class S:
    go: str
    fields: dict = field(default_factory=dict)


def T(go: str) -> Leaf:
    """A named string type, e.g. `T("v1.RestartPolicy")`."""
    return Leaf("string", go)


STR, I32, I64, BOOL = Leaf("string", "string"), Leaf("int32", "int32"), Leaf("int64", "int64"), Leaf("bool", "bool")
QTY, IOS, ANY = Leaf("quantity", "resource.Quantity"), Leaf("intstr", "intstr.IntOrString"), Leaf("any", "")
TIME = ANY  # metav1.Time/MicroTime: accepted as given (their own UnmarshalJSON is not modelled)
STRS, RL, SMAP = L(STR), M(QTY, "v1.ResourceList"), M(STR)


def mk(go: str, plain: str = "", **typed: Any) -> S:
    """A Go struct: `plain` lists its string fields, `typed` the others (json name -> type)."""
    return S(go, {**{n: STR for n in plain.split()}, **typed})


# --- k8s.io/apimachinery meta/v1 ------------------------------------------------------------------------------

OWNER_REF = mk("v1.OwnerReference", "apiVersion kind name", uid=T("types.UID"), controller=BOOL,
               blockOwnerDeletion=BOOL)
OBJECT_META = mk("v1.ObjectMeta", "name generateName namespace selfLink resourceVersion", uid=T("types.UID"),
                 generation=I64, creationTimestamp=TIME, deletionTimestamp=TIME, deletionGracePeriodSeconds=I64,
                 labels=SMAP, annotations=SMAP, ownerReferences=L(OWNER_REF), finalizers=STRS, managedFields=ANY)
SELECTOR = mk("v1.LabelSelector", matchLabels=SMAP, matchExpressions=L(mk(
    "v1.LabelSelectorRequirement", "key", operator=T("v1.LabelSelectorOperator"), values=STRS)))
TYPE_META = {"apiVersion": STR, "kind": STR}

# --- k8s.io/api core/v1 ---------------------------------------------------------------------------------------

LOCAL_REF = mk("v1.LocalObjectReference", "name")
OBJECT_REF = mk("v1.ObjectReference", "kind namespace name apiVersion resourceVersion fieldPath", uid=T("types.UID"))
KEY_TO_PATH = mk("v1.KeyToPath", "key path", mode=I32)
FIELD_SEL = mk("v1.ObjectFieldSelector", "apiVersion fieldPath")
RES_FIELD_SEL = mk("v1.ResourceFieldSelector", "containerName resource", divisor=QTY)
KEY_SEL = {"configMapKeyRef": mk("v1.ConfigMapKeySelector", "name key", optional=BOOL),
           "secretKeyRef": mk("v1.SecretKeySelector", "name key", optional=BOOL)}
DOWNWARD_FILE = mk("v1.DownwardAPIVolumeFile", "path", fieldRef=FIELD_SEL, resourceFieldRef=RES_FIELD_SEL, mode=I32)
SECRET_REF = mk("v1.SecretReference", "name namespace")
NODE_REQ = mk("v1.NodeSelectorRequirement", "key", operator=T("v1.NodeSelectorOperator"), values=STRS)
NODE_TERM = mk("v1.NodeSelectorTerm", matchExpressions=L(NODE_REQ), matchFields=L(NODE_REQ))
NODE_SELECTOR = mk("v1.NodeSelector", nodeSelectorTerms=L(NODE_TERM))
POD_AFFINITY_TERM = mk("v1.PodAffinityTerm", "topologyKey", labelSelector=SELECTOR, namespaces=STRS,
                       namespaceSelector=SELECTOR, matchLabelKeys=STRS, mismatchLabelKeys=STRS)
WEIGHTED_TERM = mk("v1.WeightedPodAffinityTerm", weight=I32, podAffinityTerm=POD_AFFINITY_TERM)


def _pod_affinity(go: str) -> S:
    """PodAffinity and PodAntiAffinity have the same fields."""
    return mk(go, requiredDuringSchedulingIgnoredDuringExecution=L(POD_AFFINITY_TERM),
              preferredDuringSchedulingIgnoredDuringExecution=L(WEIGHTED_TERM))


AFFINITY = mk("v1.Affinity", nodeAffinity=mk(
    "v1.NodeAffinity", requiredDuringSchedulingIgnoredDuringExecution=NODE_SELECTOR,
    preferredDuringSchedulingIgnoredDuringExecution=L(mk("v1.PreferredSchedulingTerm", weight=I32,
                                                         preference=NODE_TERM))),
    podAffinity=_pod_affinity("v1.PodAffinity"), podAntiAffinity=_pod_affinity("v1.PodAntiAffinity"))

SE_LINUX = mk("v1.SELinuxOptions", "user role type level")
WINDOWS = mk("v1.WindowsSecurityContextOptions", "gmsaCredentialSpecName gmsaCredentialSpec runAsUserName",
             hostProcess=BOOL)
SECCOMP = mk("v1.SeccompProfile", "localhostProfile", type=T("v1.SeccompProfileType"))
APPARMOR = mk("v1.AppArmorProfile", "localhostProfile", type=T("v1.AppArmorProfileType"))
SECURITY_CONTEXT = mk(
    "v1.SecurityContext", capabilities=mk("v1.Capabilities", add=L(T("v1.Capability")), drop=L(T("v1.Capability"))),
    privileged=BOOL, seLinuxOptions=SE_LINUX, windowsOptions=WINDOWS, runAsUser=I64, runAsGroup=I64,
    runAsNonRoot=BOOL, readOnlyRootFilesystem=BOOL, allowPrivilegeEscalation=BOOL, procMount=T("v1.ProcMountType"),
    seccompProfile=SECCOMP, appArmorProfile=APPARMOR)
POD_SECURITY_CONTEXT = mk(
    "v1.PodSecurityContext", seLinuxOptions=SE_LINUX, windowsOptions=WINDOWS, runAsUser=I64, runAsGroup=I64,
    runAsNonRoot=BOOL, supplementalGroups=L(I64), supplementalGroupsPolicy=T("v1.SupplementalGroupsPolicy"),
    fsGroup=I64, sysctls=L(mk("v1.Sysctl", "name value")), fsGroupChangePolicy=T("v1.PodFSGroupChangePolicy"),
    seccompProfile=SECCOMP, appArmorProfile=APPARMOR, seLinuxChangePolicy=T("v1.PodSELinuxChangePolicy"))

HTTP_GET = mk("v1.HTTPGetAction", "path host", port=IOS, scheme=T("v1.URIScheme"),
              httpHeaders=L(mk("v1.HTTPHeader", "name value")))
EXEC = mk("v1.ExecAction", command=STRS)
TCP = mk("v1.TCPSocketAction", "host", port=IOS)
PROBE = mk("v1.Probe", exec=EXEC, httpGet=HTTP_GET, tcpSocket=TCP, grpc=mk("v1.GRPCAction", port=I32, service=STR),
           initialDelaySeconds=I32, timeoutSeconds=I32, periodSeconds=I32, successThreshold=I32,
           failureThreshold=I32, terminationGracePeriodSeconds=I64)
HANDLER = mk("v1.LifecycleHandler", exec=EXEC, httpGet=HTTP_GET, tcpSocket=TCP,
             sleep=mk("v1.SleepAction", seconds=I64))
RESOURCES = mk("v1.ResourceRequirements", limits=RL, requests=RL,
               claims=L(mk("v1.ResourceClaim", "name request")))
CONTAINER_FIELDS = dict(
    command=STRS, args=STRS,
    ports=L(mk("v1.ContainerPort", "name hostIP", hostPort=I32, containerPort=I32, protocol=T("v1.Protocol"))),
    envFrom=L(mk("v1.EnvFromSource", "prefix", configMapRef=mk("v1.ConfigMapEnvSource", "name", optional=BOOL),
                 secretRef=mk("v1.SecretEnvSource", "name", optional=BOOL))),
    env=L(mk("v1.EnvVar", "name value", valueFrom=mk(
        "v1.EnvVarSource", fieldRef=FIELD_SEL, resourceFieldRef=RES_FIELD_SEL, **KEY_SEL, fileKeyRef=ANY))),
    resources=RESOURCES,
    resizePolicy=L(mk("v1.ContainerResizePolicy", resourceName=T("v1.ResourceName"),
                      restartPolicy=T("v1.ResourceResizeRestartPolicy"))),
    restartPolicy=T("v1.ContainerRestartPolicy"), restartPolicyRules=ANY,
    volumeMounts=L(mk("v1.VolumeMount", "name mountPath subPath subPathExpr", readOnly=BOOL,
                      recursiveReadOnly=T("v1.RecursiveReadOnlyMode"), mountPropagation=T("v1.MountPropagationMode"))),
    volumeDevices=L(mk("v1.VolumeDevice", "name devicePath")),
    livenessProbe=PROBE, readinessProbe=PROBE, startupProbe=PROBE,
    lifecycle=mk("v1.Lifecycle", postStart=HANDLER, preStop=HANDLER, stopSignal=T("v1.Signal")),
    terminationMessagePolicy=T("v1.TerminationMessagePolicy"), imagePullPolicy=T("v1.PullPolicy"),
    securityContext=SECURITY_CONTEXT, stdin=BOOL, stdinOnce=BOOL, tty=BOOL)
CONTAINER = mk("v1.Container", "name image workingDir terminationMessagePath", **CONTAINER_FIELDS)
EPHEMERAL = mk("v1.EphemeralContainer", "name image workingDir terminationMessagePath targetContainerName",
               **CONTAINER_FIELDS)

PVC_SPEC = mk("v1.PersistentVolumeClaimSpec", "volumeName storageClassName volumeAttributesClassName",
              accessModes=L(T("v1.PersistentVolumeAccessMode")), selector=SELECTOR,
              resources=mk("v1.VolumeResourceRequirements", limits=RL, requests=RL),
              volumeMode=T("v1.PersistentVolumeMode"), dataSource=mk("v1.TypedLocalObjectReference",
                                                                   "apiGroup kind name"),
              dataSourceRef=mk("v1.TypedObjectReference", "apiGroup kind name namespace"))
VOLUME = mk(
    "v1.Volume", "name", hostPath=mk("v1.HostPathVolumeSource", "path", type=T("v1.HostPathType")),
    emptyDir=mk("v1.EmptyDirVolumeSource", medium=T("v1.StorageMedium"), sizeLimit=QTY),
    secret=mk("v1.SecretVolumeSource", "secretName", items=L(KEY_TO_PATH), defaultMode=I32, optional=BOOL),
    configMap=mk("v1.ConfigMapVolumeSource", "name", items=L(KEY_TO_PATH), defaultMode=I32, optional=BOOL),
    persistentVolumeClaim=mk("v1.PersistentVolumeClaimVolumeSource", "claimName", readOnly=BOOL),
    nfs=mk("v1.NFSVolumeSource", "server path", readOnly=BOOL),
    downwardAPI=mk("v1.DownwardAPIVolumeSource", items=L(DOWNWARD_FILE), defaultMode=I32),
    projected=mk("v1.ProjectedVolumeSource", defaultMode=I32, sources=L(mk(
        "v1.VolumeProjection",
        secret=mk("v1.SecretProjection", "name", items=L(KEY_TO_PATH), optional=BOOL),
        configMap=mk("v1.ConfigMapProjection", "name", items=L(KEY_TO_PATH), optional=BOOL),
        downwardAPI=mk("v1.DownwardAPIProjection", items=L(DOWNWARD_FILE)),
        serviceAccountToken=mk("v1.ServiceAccountTokenProjection", "audience path", expirationSeconds=I64),
        clusterTrustBundle=ANY, podCertificate=ANY))),
    csi=mk("v1.CSIVolumeSource", "driver", readOnly=BOOL, fsType=STR, volumeAttributes=SMAP,
           nodePublishSecretRef=LOCAL_REF),
    ephemeral=mk("v1.EphemeralVolumeSource", volumeClaimTemplate=mk(
        "v1.PersistentVolumeClaimTemplate", metadata=OBJECT_META, spec=PVC_SPEC)),
    image=mk("v1.ImageVolumeSource", "reference", pullPolicy=T("v1.PullPolicy")),
    **{k: ANY for k in "gcePersistentDisk awsElasticBlockStore gitRepo iscsi glusterfs rbd flexVolume cinder "
       "cephfs flocker fc azureFile vsphereVolume quobyte azureDisk photonPersistentDisk portworxVolume scaleIO "
       "storageos".split()})
TOLERATION = mk("v1.Toleration", "key value", operator=T("v1.TolerationOperator"), effect=T("v1.TaintEffect"),
                tolerationSeconds=I64)
POD_SPEC = mk(
    "v1.PodSpec", "serviceAccountName serviceAccount nodeName hostname subdomain schedulerName "
    "priorityClassName hostnameOverride",
    volumes=L(VOLUME), initContainers=L(CONTAINER), containers=L(CONTAINER), ephemeralContainers=L(EPHEMERAL),
    restartPolicy=T("v1.RestartPolicy"), terminationGracePeriodSeconds=I64, activeDeadlineSeconds=I64,
    dnsPolicy=T("v1.DNSPolicy"), nodeSelector=SMAP, automountServiceAccountToken=BOOL, hostNetwork=BOOL,
    hostPID=BOOL, hostIPC=BOOL, shareProcessNamespace=BOOL, securityContext=POD_SECURITY_CONTEXT,
    imagePullSecrets=L(LOCAL_REF), affinity=AFFINITY, tolerations=L(TOLERATION),
    hostAliases=L(mk("v1.HostAlias", "ip", hostnames=STRS)), priority=I32,
    dnsConfig=mk("v1.PodDNSConfig", nameservers=STRS, searches=STRS,
                 options=L(mk("v1.PodDNSConfigOption", "name value"))),
    readinessGates=L(mk("v1.PodReadinessGate", conditionType=T("v1.PodConditionType"))),
    runtimeClassName=STR, enableServiceLinks=BOOL, preemptionPolicy=T("v1.PreemptionPolicy"), overhead=RL,
    topologySpreadConstraints=L(mk(
        "v1.TopologySpreadConstraint", "topologyKey", maxSkew=I32,
        whenUnsatisfiable=T("v1.UnsatisfiableConstraintAction"), labelSelector=SELECTOR, minDomains=I32,
        nodeAffinityPolicy=T("v1.NodeInclusionPolicy"), nodeTaintsPolicy=T("v1.NodeInclusionPolicy"),
        matchLabelKeys=STRS)),
    setHostnameAsFQDN=BOOL, os=mk("v1.PodOS", name=T("v1.OSName")), hostUsers=BOOL,
    schedulingGates=L(mk("v1.PodSchedulingGate", "name")),
    resourceClaims=L(mk("v1.PodResourceClaim", "name resourceClaimName resourceClaimTemplateName")),
    resources=RESOURCES, workloadRef=ANY)
POD_TEMPLATE = mk("v1.PodTemplateSpec", metadata=OBJECT_META, spec=POD_SPEC)

PV_SPEC = mk(
    "v1.PersistentVolumeSpec", "storageClassName volumeAttributesClassName", capacity=RL,
    hostPath=VOLUME.fields["hostPath"], nfs=VOLUME.fields["nfs"],
    local=mk("v1.LocalVolumeSource", "path", fsType=STR),
    csi=mk("v1.CSIPersistentVolumeSource", "driver volumeHandle fsType", readOnly=BOOL, volumeAttributes=SMAP,
           **{k: SECRET_REF for k in ("controllerPublishSecretRef", "nodeStageSecretRef", "nodePublishSecretRef",
                                     "controllerExpandSecretRef", "nodeExpandSecretRef")}),
    accessModes=L(T("v1.PersistentVolumeAccessMode")), claimRef=OBJECT_REF,
    persistentVolumeReclaimPolicy=T("v1.PersistentVolumeReclaimPolicy"), mountOptions=STRS,
    volumeMode=T("v1.PersistentVolumeMode"), nodeAffinity=mk("v1.VolumeNodeAffinity", required=NODE_SELECTOR),
    **{k: ANY for k in "gcePersistentDisk awsElasticBlockStore iscsi glusterfs rbd flexVolume cinder cephfs "
       "flocker fc azureFile vsphereVolume quobyte azureDisk photonPersistentDisk portworxVolume scaleIO "
       "storageos".split()})
NODE_STATUS = mk("v1.NodeStatus", capacity=RL, allocatable=RL, **{k: ANY for k in (
    "phase conditions addresses daemonEndpoints nodeInfo images volumesInUse volumesAttached config "
    "runtimeHandlers features declaredFeatures").split()})
PVC_STATUS = mk("v1.PersistentVolumeClaimStatus", "phase currentVolumeAttributesClassName",
                accessModes=L(T("v1.PersistentVolumeAccessMode")), capacity=RL, allocatedResources=RL,
                **{k: ANY for k in ("conditions", "allocatedResourceStatuses", "modifyVolumeStatus")})

# --- the kinds ------------------------------------------------------------------------------------------------

RBAC_RULE = mk("v1.PolicyRule", verbs=STRS, apiGroups=STRS, resources=STRS, resourceNames=STRS,
               nonResourceURLs=STRS)
BINDING = dict(subjects=L(mk("v1.Subject", "kind apiGroup name namespace")),
               roleRef=mk("v1.RoleRef", "apiGroup kind name"))


def _kind(name: str, go_pkg: str = "v1", **fields: Any) -> S:
    """A top-level kind: TypeMeta, ObjectMeta and its own fields."""
    return S(f"{go_pkg}.{name}", {**TYPE_META, "metadata": OBJECT_META, **fields})


KINDS: dict[str, S] = {
    "Namespace": _kind("Namespace", spec=mk("v1.NamespaceSpec", finalizers=L(T("v1.FinalizerName"))), status=ANY),
    "Node": _kind("Node", spec=mk("v1.NodeSpec", "podCIDR providerID externalID", podCIDRs=STRS,
                                  unschedulable=BOOL, configSource=ANY, taints=L(mk(
                                      "v1.Taint", "key value", effect=T("v1.TaintEffect"), timeAdded=TIME))),
                  status=NODE_STATUS),
    "Pod": _kind("Pod", spec=POD_SPEC, status=ANY),
    "Event": _kind("Event", "v1", involvedObject=OBJECT_REF, reason=STR, message=STR,
                   source=mk("v1.EventSource", "component host"), firstTimestamp=TIME, lastTimestamp=TIME,
                   count=I32, type=STR, eventTime=TIME, series=mk("v1.EventSeries", count=I32,
                                                                  lastObservedTime=TIME),
                   action=STR, related=OBJECT_REF, reportingComponent=STR, reportingInstance=STR),
    "ServiceAccount": _kind("ServiceAccount", secrets=L(OBJECT_REF), imagePullSecrets=L(LOCAL_REF),
                            automountServiceAccountToken=BOOL),
    "PersistentVolumeClaim": _kind("PersistentVolumeClaim", spec=PVC_SPEC, status=PVC_STATUS),
    "PersistentVolume": _kind("PersistentVolume", spec=PV_SPEC, status=mk(
        "v1.PersistentVolumeStatus", "message reason", phase=T("v1.PersistentVolumePhase"),
        lastPhaseTransitionTime=TIME)),
    "Deployment": _kind("Deployment", spec=mk(
        "v1.DeploymentSpec", replicas=I32, selector=SELECTOR, template=POD_TEMPLATE, strategy=mk(
            "v1.DeploymentStrategy", type=T("v1.DeploymentStrategyType"), rollingUpdate=mk(
                "v1.RollingUpdateDeployment", maxUnavailable=IOS, maxSurge=IOS)),
        minReadySeconds=I32, revisionHistoryLimit=I32, paused=BOOL, progressDeadlineSeconds=I32),
        status=mk("v1.DeploymentStatus", observedGeneration=I64, replicas=I32, updatedReplicas=I32,
                  readyReplicas=I32, availableReplicas=I32, unavailableReplicas=I32, terminatingReplicas=I32,
                  conditions=ANY, collisionCount=I32)),
    "ReplicaSet": _kind("ReplicaSet", spec=mk("v1.ReplicaSetSpec", replicas=I32, minReadySeconds=I32,
                                              selector=SELECTOR, template=POD_TEMPLATE),
                        status=mk("v1.ReplicaSetStatus", replicas=I32, fullyLabeledReplicas=I32, readyReplicas=I32,
                                  availableReplicas=I32, terminatingReplicas=I32, observedGeneration=I64,
                                  conditions=ANY)),
    # autoscaling/v1 Scale: the body of the scale subresource
    "Scale": _kind("Scale", spec=mk("v1.ScaleSpec", replicas=I32), status=mk("v1.ScaleStatus", "selector",
                                                                              replicas=I32)),
    "Role": _kind("Role", rules=L(RBAC_RULE)),
    "ClusterRole": _kind("ClusterRole", rules=L(RBAC_RULE), aggregationRule=mk(
        "v1.AggregationRule", clusterRoleSelectors=L(SELECTOR))),
    "RoleBinding": _kind("RoleBinding", **BINDING),
    "ClusterRoleBinding": _kind("ClusterRoleBinding", **BINDING),
    "StorageClass": _kind("StorageClass", provisioner=STR, parameters=SMAP,
                          reclaimPolicy=T("v1.PersistentVolumeReclaimPolicy"), mountOptions=STRS,
                          allowVolumeExpansion=BOOL, volumeBindingMode=T("v1.VolumeBindingMode"),
                          allowedTopologies=L(mk("v1.TopologySelectorTerm", matchLabelExpressions=L(mk(
                              "v1.TopologySelectorLabelRequirement", "key", values=STRS))))),
    "VolumeAttachment": _kind("VolumeAttachment", spec=mk(
        "v1.VolumeAttachmentSpec", "attacher nodeName", source=mk(
            "v1.VolumeAttachmentSource", "persistentVolumeName", inlineVolumeSpec=PV_SPEC)), status=ANY),
    "Lease": _kind("Lease", spec=mk("v1.LeaseSpec", "holderIdentity preferredHolder", leaseDurationSeconds=I32,
                                    acquireTime=TIME, renewTime=TIME, leaseTransitions=I32,
                                    strategy=T("v1.CoordinatedLeaseStrategy"))),
}

# --- resource.Quantity and numbers, as Go prints and parses them ------------------------------------------------

QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
_DIGITS = "0123456789"
_SUFFIXES = {"", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
_INT_RANGE = {"int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1)}


def go_number(x: int | float) -> str:
    """A YAML number as sigs.k8s.io/yaml hands it on in JSON (Go's float64 formatting: 3.0 -> 3, 1e-07)."""
    if isinstance(x, int):
        return str(x)
    if x.is_integer() and abs(x) < 1e21:
        return str(int(x))
    if 1e-6 <= abs(x) < 1e21:
        return format(Decimal(repr(x)), "f")
    mantissa, _, exp = repr(x).partition("e")
    return f"{mantissa}e{'-' if exp.startswith('-') else '+'}{exp.lstrip('+-').lstrip('0') or '0'}"


def quantity_error(value: Any) -> str | None:
    """Quantity.UnmarshalJSON -> ParseQuantity: the error text, or None when `value` parses (parseQuantityString)."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = go_number(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        return QUANTITY_FORMAT_ERROR
    if text == "":
        return QUANTITY_FORMAT_ERROR
    i = 1 if text[0] in "+-" else 0
    while i < len(text) and text[i] in _DIGITS:
        i += 1
    if i < len(text) and text[i] == ".":
        i += 1
        while i < len(text) and text[i] in _DIGITS:
            i += 1
    start = i
    while i < len(text) and text[i] in "eEinumkKMGTP":
        i += 1
    if i < len(text) and text[i] in "+-":
        i += 1
    while i < len(text) and text[i] in _DIGITS:
        i += 1
    if i < len(text):
        return QUANTITY_FORMAT_ERROR
    suffix = text[start:]
    if suffix in _SUFFIXES:
        return None
    if len(suffix) > 1 and suffix[0] in "eE" and _is_int(suffix[1:]):
        return None
    return "unable to parse quantity's suffix"


def _is_int(text: str) -> bool:
    """strconv.ParseInt(text, 10, 64) succeeds."""
    return re.fullmatch(r"[+-]?[0-9]+", text) is not None and -2**63 <= int(text) < 2**63


# --- the decoder ------------------------------------------------------------------------------------------------


class _Abort(Exception):
    """An error returned from a custom UnmarshalJSON: decoding stops there."""


@dataclass
class _State:
    type_error: str | None = None
    unknown: list[str] = field(default_factory=list)


def _json_kind(value: Any) -> str:
    """How encoding/json names a JSON value in a type error."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _spath(path: tuple | None) -> str:
    """The field path of a position (`spec.template.spec.containers[0].image`), built only when reported."""
    parts = []
    while path is not None:
        path, key, how = path
        parts.append((key, how))
    out = ""
    for key, how in reversed(parts):
        out = (f"{out}.{key}" if out else key) if how == "f" else f"{out}[{key}]"
    return out


def _stack(path: tuple | None) -> list[str]:
    """The struct field names from the top to a position: encoding/json's errorContext.FieldStack."""
    keys = []
    while path is not None:
        path, key, how = path
        if how == "f":
            keys.append(key)
    return keys[::-1]


def _struct_name(struct: S | None) -> str:
    return struct.go.split(".", 1)[-1] if struct is not None else ""


def _type_error(st: _State, what: str, go_type: str, struct: S | None, path: tuple | None) -> None:
    """saveError(&UnmarshalTypeError{...}) with the errorContext: only the first one is kept."""
    if st.type_error is None:
        where = f"Go struct field {_struct_name(struct)}.{'.'.join(_stack(path))}" if struct is not None \
            else "Go value"
        st.type_error = f"json: cannot unmarshal {what} into {where} of type {go_type}"


def _int_literal(value: Any, kind: str) -> str | None:
    """`number 3.5` / `number 3000000000` when a JSON number does not fit the Go integer type, else None."""
    if isinstance(value, float) and not value.is_integer():
        return "number " + go_number(value)
    lo, hi = _INT_RANGE[kind]
    return None if lo <= int(value) <= hi else "number " + go_number(value)


@functools.lru_cache(maxsize=4096)
def _quantity_text_error(text: str) -> str | None:
    return quantity_error(text)


def _decode(t: Any, v: Any, st: _State, struct: S | None, path: tuple | None) -> None:
    """Walk `v` as encoding/json would decode it into Go type `t`, in document order. `struct` is the innermost
    Go struct so far and `path` the position as a chain of (parent, key, how); both are only read on an error."""
    if v is None or t is ANY:
        return
    if type(t) is Leaf:
        kind = t.kind
        if kind == "string":
            if not isinstance(v, str):
                _type_error(st, _json_kind(v), t.go, struct, path)
        elif kind == "quantity":
            err = _quantity_text_error(v) if type(v) is str else quantity_error(v)
            if err:
                raise _Abort(err)
        elif kind == "intstr":
            if isinstance(v, str):
                return
            number = isinstance(v, (int, float)) and not isinstance(v, bool)
            what = _int_literal(v, "int32") if number else _json_kind(v)
            if what:   # IntOrString.UnmarshalJSON -> json.Unmarshal(value, &IntVal); context added at the top
                where = f"Go struct field {_struct_name(struct)}.{'.'.join(_stack(path))}" if struct is not None \
                    else "Go value"
                raise _Abort(f"json: cannot unmarshal {what} into {where} of type int32")
        elif kind in ("int32", "int64"):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                _type_error(st, _json_kind(v), t.go, struct, path)
            elif (bad := _int_literal(v, kind)) is not None:
                _type_error(st, bad, t.go, struct, path)
        elif kind == "bool" and not isinstance(v, bool):
            _type_error(st, _json_kind(v), t.go, struct, path)
        return
    if type(t) is L:
        if not isinstance(v, list):
            _type_error(st, _json_kind(v), t.go, struct, path)
            return
        elem = t.elem
        for i, item in enumerate(v):
            _decode(elem, item, st, struct, (path, i, "i"))
        return
    if not isinstance(v, dict):
        _type_error(st, _json_kind(v), t.go, struct, path)
        return
    if type(t) is M:
        elem = t.elem
        for key, item in v.items():
            _decode(elem, item, st, struct, (path, key, "k"))
        return
    fields = t.fields
    for key, item in v.items():
        sub = fields.get(key)
        if sub is None:
            st.unknown.append(_spath((path, key, "f")))
            continue
        _decode(sub, item, st, t, (path, key, "f"))


def _walk(kind: str, obj: dict) -> tuple[str | None, list[str]]:
    """Decode `obj` as `kind`: (the error decoding stops on, unknown field paths)."""
    st = _State()
    t = KINDS.get(kind)
    if t is None:
        return None, []
    try:
        _decode(t, obj, st, None, None)
    except _Abort as err:
        return str(err), []
    return st.type_error, st.unknown


def unknown_fields(kind: str, obj: dict) -> list[str]:
    """Paths of fields the Go type lacks, as sigs.k8s.io/json strict mode reports them (`spec.replica`)."""
    return _walk(kind, obj)[1]


def _zero(t: Any) -> Any:
    """The JSON a Go zero value of type `t` re-encodes to, for a null inside a list or map."""
    if type(t) is S or type(t) is M:
        return {}
    if type(t) is L:
        return []
    if type(t) is Leaf:
        return {"string": "", "int32": 0, "int64": 0, "bool": False}.get(t.kind, "")
    return None


def _drop_nulls(t: Any, v: Any) -> None:
    if t is ANY:                        # untyped here (or metav1.Time, whose zero encodes as null): kept as given
        return
    if isinstance(v, dict) and type(t) is S:
        for key in [k for k, item in v.items() if item is None and t.fields.get(k, ANY) is not ANY]:
            del v[key]                  # null leaves a struct field at its zero value: omitted again on encoding
        for key, item in v.items():
            if isinstance(item, (dict, list)):
                _drop_nulls(t.fields.get(key, ANY), item)
    elif isinstance(v, dict) and type(t) is M:
        for key, item in v.items():
            if item is None:
                v[key] = _zero(t.elem)
            elif isinstance(item, (dict, list)):
                _drop_nulls(t.elem, item)
    elif isinstance(v, list) and type(t) is L:
        for i, item in enumerate(v):
            if item is None and t.elem is not ANY:
                v[i] = _zero(t.elem)
            elif isinstance(item, (dict, list)):
                _drop_nulls(t.elem, item)


def drop_nulls(kind: str, obj: dict) -> None:
    """Decode-then-encode for JSON nulls, in place: encoding/json leaves a field it reads null at its zero value,
    which encodes as absent (omitempty) or as the zero; so `spec: null` is an empty spec that validation refuses,
    never a None in the store. Fields without a schema here (and metav1.Time's null) are kept as given."""
    _drop_nulls(KINDS.get(kind, ANY), obj)


def decode_error(kind: str, obj: dict) -> str | None:
    """The type error the JSON decoder stops on (`json: cannot unmarshal ...`, a Quantity's regexp), or None."""
    return _walk(kind, obj)[0]


def decode_message(kind: str, version: str, obj: dict) -> str | None:
    """transformDecodeError's text for a strict (fieldValidation=Strict) create/update, or None if it decodes."""
    error, unknown = _walk(kind, obj)
    if error is None and unknown:
        error = "strict decoding error: " + ", ".join(f'unknown field "{p}"' for p in unknown)
    return f'{kind} in version "{version}" cannot be handled as a {kind}: {error}' if error else None


# --- runtime.DefaultUnstructuredConverter.FromUnstructured (a strategic merge patch's result) -------------------


def _go_kind(value: Any) -> str:
    """reflect.Kind of a value decoded into interface{} with ints preserved (kjson.UnmarshalCaseSensitivePreserveInts)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return "slice" if isinstance(value, list) else "map"


def _from_unstructured(t: Any, v: Any) -> str | None:
    """apimachinery/pkg/runtime/converter.go fromUnstructured: the first error converting `v` into Go type `t`."""
    if v is None or t is ANY:
        return None
    if type(t) is Leaf:
        kind, src = t.kind, _go_kind(v)
        if kind == "quantity":      # custom unmarshaler: re-encoded as JSON and handed to Quantity.UnmarshalJSON
            return quantity_error(v)
        if kind == "intstr":        # IntOrString.UnmarshalJSON -> json.Unmarshal(value, &IntVal), no field context
            if src == "string":
                return None
            what = _int_literal(v, "int32") if src in ("int64", "float64") else _json_kind(v)
            return f"json: cannot unmarshal {what} into Go value of type int32" if what else None
        target = {"string": "string", "bool": "bool"}.get(kind, kind)
        if src == target or (target in ("int32", "int64") and src == "int64"):
            return None
        if src == "int64" and target == "string":            # ints convert to strings in Go, but not here
            return f"cannot convert int64 to {t.go}"
        if src == "float64" and target in ("int32", "int64"):
            return None if v.is_integer() else f"cannot convert float64 to {t.go}"
        return f"unrecognized type: {target}"
    if type(t) is L:
        if not isinstance(v, list):
            return f"cannot restore slice from {_go_kind(v)}"
        return next((e for e in (_from_unstructured(t.elem, x) for x in v) if e), None)
    if not isinstance(v, dict):
        return f"cannot restore {'map from' if type(t) is M else 'struct from:'} {_go_kind(v)}"
    if type(t) is M:
        return next((e for e in (_from_unstructured(t.elem, x) for x in v.values()) if e), None)
    fields = t.fields
    return next((e for e in (_from_unstructured(fields[k], x) for k, x in v.items() if k in fields) if e), None)


def unstructured_error(kind: str, obj: dict) -> str | None:
    """The error FromUnstructuredWithValidation stops on for a strategic-merge-patched `obj`, or None. Unknown
    fields are only warnings at the default fieldValidation (Warn), so they are not reported."""
    t = KINDS.get(kind)
    return _from_unstructured(t, obj) if t is not None else None


def _go_float_v(x: float) -> str:
    """fmt's %v for a float64: the shortest digits, %e form below 1e-4 or from 1e21 on."""
    if x == 0:
        return "0"
    exp = int(f"{x:e}".split("e")[1])
    if -4 <= exp < 21:
        return format(Decimal(repr(x)), "f").rstrip("0").rstrip(".") if "." in format(Decimal(repr(x)), "f") \
            else format(Decimal(repr(x)), "f")
    mantissa, _, e = repr(x).partition("e")
    if not e:
        mantissa, _, e = f"{x:e}".partition("e")
    sign = "-" if e.startswith("-") else "+"
    digits = e.lstrip("+-").lstrip("0").rjust(2, "0")
    return f"{mantissa.rstrip('0').rstrip('.') if '.' in mantissa else mantissa}e{sign}{digits}"


def go_map_string(value: Any) -> str:
    """fmt.Sprintf("%+v", value) for JSON decoded into interface{}: `map[spec:map[replicas:many]]`, keys sorted."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float_v(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(go_map_string(x) for x in value) + "]"
    return "map[" + " ".join(f"{k}:{go_map_string(value[k])}" for k in sorted(value)) + "]"
