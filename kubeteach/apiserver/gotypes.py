"""The Go types of the served kinds (k8s.io/api and k8s.io/apimachinery meta/v1, v1.35), for the strict decoder
(schema.py) and the unstructured converter (converter.py), described once and compactly: a struct is
`S(go name, plain string fields, **typed fields)`; `L(x)` is a slice, `M(x)` a map with string keys; leaves are
scalar kinds. Rarely used volume sources and a few status subtrees are `ANY` (accepted as they come).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
PVC_STATUS = mk("v1.PersistentVolumeClaimStatus", "phase currentVolumeAttributesClassName",
                accessModes=L(T("v1.PersistentVolumeAccessMode")), capacity=RL, allocatedResources=RL,
                **{k: ANY for k in ("conditions", "allocatedResourceStatuses", "modifyVolumeStatus")})

# --- status types (what `kubectl explain ….status` shows, and what status writes are decoded against) -------------

COND_STATUS = T("v1.ConditionStatus")
COND_TAIL = dict(status=COND_STATUS, lastTransitionTime=TIME, reason=STR, message=STR)
DEPLOYMENT_STATUS = mk("v1.DeploymentStatus", observedGeneration=I64, replicas=I32, updatedReplicas=I32,
                       readyReplicas=I32, availableReplicas=I32, unavailableReplicas=I32, terminatingReplicas=I32,
                       conditions=L(mk("v1.DeploymentCondition", type=T("v1.DeploymentConditionType"),
                                       lastUpdateTime=TIME, **COND_TAIL)), collisionCount=I32)
REPLICA_SET_STATUS = mk("v1.ReplicaSetStatus", replicas=I32, fullyLabeledReplicas=I32, readyReplicas=I32,
                        availableReplicas=I32, terminatingReplicas=I32, observedGeneration=I64,
                        conditions=L(mk("v1.ReplicaSetCondition", type=T("v1.ReplicaSetConditionType"), **COND_TAIL)))
CONTAINER_STATE = mk("v1.ContainerState", waiting=mk("v1.ContainerStateWaiting", "reason message"),
                     running=mk("v1.ContainerStateRunning", startedAt=TIME),
                     terminated=mk("v1.ContainerStateTerminated", "reason message containerID", exitCode=I32,
                                   signal=I32, startedAt=TIME, finishedAt=TIME))
CONTAINER_STATUS = mk(
    "v1.ContainerStatus", "name image imageID containerID", state=CONTAINER_STATE, lastState=CONTAINER_STATE,
    ready=BOOL, restartCount=I32, started=BOOL, allocatedResources=RL, resources=RESOURCES,
    volumeMounts=L(mk("v1.VolumeMountStatus", "name mountPath", readOnly=BOOL,
                      recursiveReadOnly=T("v1.RecursiveReadOnlyMode"))),
    user=mk("v1.ContainerUser", linux=mk("v1.LinuxContainerUser", uid=I64, gid=I64, supplementalGroups=L(I64))),
    allocatedResourcesStatus=L(mk("v1.ResourceStatus", name=T("v1.ResourceName"), resources=L(mk(
        "v1.ResourceHealth", resourceID=T("v1.ResourceID"), health=T("v1.ResourceHealthStatus"))))),
    stopSignal=T("v1.Signal"))
POD_STATUS = mk(
    "v1.PodStatus", "message reason nominatedNodeName hostIP podIP", observedGeneration=I64, phase=T("v1.PodPhase"),
    conditions=L(mk("v1.PodCondition", type=T("v1.PodConditionType"), observedGeneration=I64, lastProbeTime=TIME,
                    **COND_TAIL)),
    hostIPs=L(mk("v1.HostIP", "ip")), podIPs=L(mk("v1.PodIP", "ip")), startTime=TIME,
    initContainerStatuses=L(CONTAINER_STATUS), containerStatuses=L(CONTAINER_STATUS), qosClass=T("v1.PodQOSClass"),
    ephemeralContainerStatuses=L(CONTAINER_STATUS), resize=T("v1.PodResizeStatus"),
    resourceClaimStatuses=L(mk("v1.PodResourceClaimStatus", "name resourceClaimName")),
    extendedResourceClaimStatus=ANY, allocatedResources=RL, resources=RESOURCES)
NODE_STATUS = mk(
    "v1.NodeStatus", capacity=RL, allocatable=RL, phase=T("v1.NodePhase"),
    conditions=L(mk("v1.NodeCondition", type=T("v1.NodeConditionType"), lastHeartbeatTime=TIME, **COND_TAIL)),
    addresses=L(mk("v1.NodeAddress", "address", type=T("v1.NodeAddressType"))),
    daemonEndpoints=mk("v1.NodeDaemonEndpoints", kubeletEndpoint=mk("v1.DaemonEndpoint", Port=I32)),
    nodeInfo=mk("v1.NodeSystemInfo", "machineID systemUUID bootID kernelVersion osImage containerRuntimeVersion "
                "kubeletVersion kubeProxyVersion operatingSystem architecture",
                swap=mk("v1.NodeSwapStatus", capacity=I64)),
    images=L(mk("v1.ContainerImage", names=STRS, sizeBytes=I64)), volumesInUse=L(T("v1.UniqueVolumeName")),
    volumesAttached=L(mk("v1.AttachedVolume", "devicePath", name=T("v1.UniqueVolumeName"))), config=ANY,
    runtimeHandlers=L(mk("v1.NodeRuntimeHandler", "name", features=mk(
        "v1.NodeRuntimeHandlerFeatures", recursiveReadOnlyMounts=BOOL, userNamespaces=BOOL))),
    features=mk("v1.NodeFeatures", supplementalGroupsPolicy=BOOL), declaredFeatures=STRS)
NAMESPACE_STATUS = mk("v1.NamespaceStatus", phase=T("v1.NamespacePhase"), conditions=L(mk(
    "v1.NamespaceCondition", type=T("v1.NamespaceConditionType"), **COND_TAIL)))

CONDITION = mk("v1.Condition", "type reason message", status=T("v1.ConditionStatus"), observedGeneration=I64,
               lastTransitionTime=TIME)
ENDPOINT_ADDRESS = mk("v1.EndpointAddress", "ip hostname nodeName", targetRef=OBJECT_REF)

# --- the kinds ------------------------------------------------------------------------------------------------

RBAC_RULE = mk("v1.PolicyRule", verbs=STRS, apiGroups=STRS, resources=STRS, resourceNames=STRS,
               nonResourceURLs=STRS)
BINDING = dict(subjects=L(mk("v1.Subject", "kind apiGroup name namespace")),
               roleRef=mk("v1.RoleRef", "apiGroup kind name"))


def _kind(name: str, go_pkg: str = "v1", **fields: Any) -> S:
    """A top-level kind: TypeMeta, ObjectMeta and its own fields."""
    return S(f"{go_pkg}.{name}", {**TYPE_META, "metadata": OBJECT_META, **fields})


KINDS: dict[str, S] = {
    "Namespace": _kind("Namespace", spec=mk("v1.NamespaceSpec", finalizers=L(T("v1.FinalizerName"))),
                       status=NAMESPACE_STATUS),
    "Node": _kind("Node", spec=mk("v1.NodeSpec", "podCIDR providerID externalID", podCIDRs=STRS,
                                  unschedulable=BOOL, configSource=ANY, taints=L(mk(
                                      "v1.Taint", "key value", effect=T("v1.TaintEffect"), timeAdded=TIME))),
                  status=NODE_STATUS),
    "Pod": _kind("Pod", spec=POD_SPEC, status=POD_STATUS),
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
        status=DEPLOYMENT_STATUS),
    "ReplicaSet": _kind("ReplicaSet", spec=mk("v1.ReplicaSetSpec", replicas=I32, minReadySeconds=I32,
                                              selector=SELECTOR, template=POD_TEMPLATE),
                        status=REPLICA_SET_STATUS),
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
    "MutatingWebhookConfiguration": _kind("MutatingWebhookConfiguration", webhooks=L(mk(
        "v1.MutatingWebhook", "name", clientConfig=mk("v1.WebhookClientConfig", "url", caBundle=STR, service=mk(
            "v1.ServiceReference", "namespace name path", port=I32)), rules=L(mk(
                "v1.RuleWithOperations", apiGroups=STRS, apiVersions=STRS, resources=STRS,
                operations=L(T("v1.OperationType")), scope=T("v1.ScopeType"))),
        failurePolicy=T("v1.FailurePolicyType"), matchPolicy=T("v1.MatchPolicyType"), namespaceSelector=SELECTOR,
        objectSelector=SELECTOR, sideEffects=T("v1.SideEffectClass"), timeoutSeconds=I32,
        admissionReviewVersions=STRS, reinvocationPolicy=T("v1.ReinvocationPolicyType"),
        matchConditions=L(mk("v1.MatchCondition", "name expression"))))),
    "PriorityClass": _kind("PriorityClass", value=I32, globalDefault=BOOL, description=STR,
                           preemptionPolicy=T("v1.PreemptionPolicy")),
    "PodDisruptionBudget": _kind("PodDisruptionBudget", spec=mk(
        "v1.PodDisruptionBudgetSpec", minAvailable=IOS, selector=SELECTOR, maxUnavailable=IOS,
        unhealthyPodEvictionPolicy=T("v1.UnhealthyPodEvictionPolicyType")), status=mk(
        "v1.PodDisruptionBudgetStatus", observedGeneration=I64, disruptedPods=M(TIME), disruptionsAllowed=I32,
        currentHealthy=I32, desiredHealthy=I32, expectedPods=I32, conditions=L(mk(
            "v1.Condition", "type reason message", status=T("v1.ConditionStatus"), observedGeneration=I64,
            lastTransitionTime=TIME)))),
    "Service": _kind("Service", spec=mk(
        "v1.ServiceSpec", "clusterIP loadBalancerIP externalName", ports=L(mk(
            "v1.ServicePort", "name", protocol=T("v1.Protocol"), appProtocol=STR, port=I32, targetPort=IOS,
            nodePort=I32)), selector=SMAP, clusterIPs=STRS, type=T("v1.ServiceType"), externalIPs=STRS,
        sessionAffinity=T("v1.ServiceAffinity"), loadBalancerSourceRanges=STRS,
        externalTrafficPolicy=T("v1.ServiceExternalTrafficPolicy"), healthCheckNodePort=I32,
        publishNotReadyAddresses=BOOL, sessionAffinityConfig=mk("v1.SessionAffinityConfig", clientIP=mk(
            "v1.ClientIPConfig", timeoutSeconds=I32)), ipFamilies=L(T("v1.IPFamily")),
        ipFamilyPolicy=T("v1.IPFamilyPolicy"), allocateLoadBalancerNodePorts=BOOL, loadBalancerClass=STR,
        internalTrafficPolicy=T("v1.ServiceInternalTrafficPolicy"), trafficDistribution=STR),
        status=mk("v1.ServiceStatus", loadBalancer=mk("v1.LoadBalancerStatus", ingress=L(mk(
            "v1.LoadBalancerIngress", "ip hostname", ipMode=T("v1.LoadBalancerIPMode"), ports=L(mk(
                "v1.PortStatus", port=I32, protocol=T("v1.Protocol"), error=STR))))), conditions=L(CONDITION))),
    "Endpoints": _kind("Endpoints", subsets=L(mk("v1.EndpointSubset", addresses=L(ENDPOINT_ADDRESS),
                                                 notReadyAddresses=L(ENDPOINT_ADDRESS), ports=L(mk(
                                                     "v1.EndpointPort", "name", port=I32,
                                                     protocol=T("v1.Protocol"), appProtocol=STR))))),
    "EndpointSlice": _kind("EndpointSlice", addressType=T("v1.AddressType"), endpoints=L(mk(
        "v1.Endpoint", addresses=STRS, conditions=mk("v1.EndpointConditions", ready=BOOL, serving=BOOL,
                                                     terminating=BOOL), hostname=STR, targetRef=OBJECT_REF,
        deprecatedTopology=SMAP, nodeName=STR, zone=STR, hints=mk(
            "v1.EndpointHints", forZones=L(mk("v1.ForZone", "name")), forNodes=L(mk("v1.ForNode", "name"))))),
        ports=L(mk("v1.EndpointPort", "name", protocol=T("v1.Protocol"), port=I32, appProtocol=STR))),
    # policy/v1 Eviction: the body of pods/eviction
    "Eviction": _kind("Eviction", deleteOptions=mk(
        "v1.DeleteOptions", "kind apiVersion propagationPolicy", gracePeriodSeconds=I64, orphanDependents=BOOL,
        dryRun=STRS, ignoreStoreReadErrorWithClusterBreakingPotential=BOOL, preconditions=mk(
            "v1.Preconditions", "resourceVersion", uid=T("types.UID")))),
}

#: kinds whose name another group's kind already has, by (group, kind): events.k8s.io/v1 Event is a view of the core
#: Event (eventsv1.py converts bodies before the decoder sees them); its own Go type is what OpenAPI describes
GROUP_KINDS: dict[tuple[str, str], S] = {
    ("events.k8s.io", "Event"): _kind(
        "Event", "v1", eventTime=TIME, series=mk("v1.EventSeries", count=I32, lastObservedTime=TIME),
        reportingController=STR, reportingInstance=STR, action=STR, reason=STR, regarding=OBJECT_REF,
        related=OBJECT_REF, note=STR, type=STR, deprecatedSource=mk("v1.EventSource", "component host"),
        deprecatedFirstTimestamp=TIME, deprecatedLastTimestamp=TIME, deprecatedCount=I32),
}
