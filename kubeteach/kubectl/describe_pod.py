"""describe for pods and pod templates (staging/src/k8s.io/kubectl/pkg/describe/describe.go describePod,
DescribePodTemplate, describeContainers, describeVolumes) and the pod's QoS class (pkg/apis/core/helper/qos)."""

from __future__ import annotations

import re
from fractions import Fraction

from ..objects import controller_ref, parse_quantity
from .describe_writer import (
    PrefixWriter,
    describe_events,
    print_annotations_multiline,
    print_labels_multiline,
    print_tolerations_multiline,
    rfc1123z,
    since,
)

# --- containers, volumes, pod templates ---------------------------------------------------------------------------

def describe_containers(label: str, containers: list[dict], statuses: list[dict] | None, w: PrefixWriter,
                        space: str, pod: dict | None = None) -> None:
    """describeContainers: image, ports, state, resources, probes, environment and mounts per container."""
    by_name = {s.get("name"): s for s in statuses or []}
    w.write(0, f"{space}{label}:{'' if containers else ' <none>'}\n")
    for c in containers:
        status = by_name.get(c.get("name"))
        w.write(1, f"{' ' if space else ''}{c.get('name', '')}:\n")
        if status is not None:
            w.write(2, f"Container ID:\t{status.get('containerID', '')}\n")
        w.write(2, f"Image:\t{c.get('image', '')}\n")
        if status is not None:
            w.write(2, f"Image ID:\t{status.get('imageID', '')}\n")
        _describe_ports(c.get("ports") or [], w)
        for key, title in (("command", "Command"), ("args", "Args")):
            if c.get(key):
                w.write(2, f"{title}:\n")
                for item in c[key]:
                    for s in str(item).split("\n"):
                        w.write(3, f"{s}\n")
        if status is not None:
            _describe_status("State", status.get("state") or {}, w)
            if (status.get("lastState") or {}).get("terminated"):
                _describe_status("Last State", status["lastState"], w)
            w.write(2, f"Ready:\t{'True' if status.get('ready') else 'False'}\n")
            w.write(2, f"Restart Count:\t{status.get('restartCount', 0)}\n")
        describe_resources(c.get("resources") or {}, w, 2)
        for key, title in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"),
                           ("startupProbe", "Startup")):
            if c.get(key):
                w.write(2, f"{title}:\t{describe_probe(c[key])}\n")
        _describe_env(c, w, pod)
        mounts = sorted(c.get("volumeMounts") or [], key=lambda m: m.get("mountPath", ""))
        w.write(2, f"Mounts:{'' if mounts else chr(9) + '<none>'}\n")
        for m in mounts:
            flags = ["ro" if m.get("readOnly") else "rw"]
            if m.get("subPath"):
                flags.append(f'path="{m["subPath"]}"')
            w.write(3, f"{m.get('mountPath')} from {m.get('name')} ({','.join(flags)})\n")


def _describe_ports(ports: list[dict], w: PrefixWriter) -> None:
    """Port/Ports and Host Port/Host Ports: `80/TCP`, `<none>`, or a comma list when there are several."""
    def fmt(key: str) -> str:
        out = []
        for p in ports:
            text = f"{p.get(key, 0)}/{p.get('protocol', 'TCP')}"
            out.append(f"{text} ({p['name']})" if p.get("name") else text)
        return ", ".join(out)
    for key, one, many in (("containerPort", "Port", "Ports"), ("hostPort", "Host Port", "Host Ports")):
        text = fmt(key)
        w.write(2, f"{many}:\t{text}\n" if "," in text else f"{one}:\t{text or '<none>'}\n")


def _describe_status(name: str, state: dict, w: PrefixWriter) -> None:
    """describeStatus: Running (Started), Waiting (Reason) or Terminated (Reason, Exit Code, Started, Finished)."""
    if state.get("running") is not None:
        w.write(2, f"{name}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123z(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{name}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        t = state["terminated"]
        w.write(2, f"{name}:\tTerminated\n")
        if t.get("reason"):
            w.write(3, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(3, f"Message:\t{t['message']}\n")
        w.write(3, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if t.get("signal"):
            w.write(3, f"Signal:\t{t['signal']}\n")
        w.write(3, f"Started:\t{rfc1123z(t.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{rfc1123z(t.get('finishedAt'))}\n")
    else:
        w.write(2, f"{name}:\tWaiting\n")


def describe_resources(resources: dict, w: PrefixWriter, level: int) -> None:
    """describeResources: Limits then Requests, resource names sorted."""
    for key, title in (("limits", "Limits"), ("requests", "Requests")):
        values = resources.get(key) or {}
        if values:
            w.write(level, f"{title}:\n")
        for name in sorted(values):
            w.write(level + 1, f"{name}:\t{values[name]}\n")


def describe_probe(probe: dict) -> str:
    """DescribeProbe: `http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3`."""
    attrs = (f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
             f"period={probe.get('periodSeconds', 10)}s #success={probe.get('successThreshold', 1)} "
             f"#failure={probe.get('failureThreshold', 3)}")
    if probe.get("exec"):
        return f"exec [{' '.join(probe['exec'].get('command') or [])}] {attrs}"
    if probe.get("httpGet"):
        h = probe["httpGet"]
        return f"http-get {str(h.get('scheme', 'HTTP')).lower()}://{h.get('host', '')}:{h.get('port')}" \
               f"{h.get('path', '')} {attrs}"
    if probe.get("tcpSocket"):
        return f"tcp-socket {probe['tcpSocket'].get('host', '')}:{probe['tcpSocket'].get('port')} {attrs}"
    if probe.get("grpc"):
        return f"grpc <pod>:{probe['grpc'].get('port')} {probe['grpc'].get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _describe_env(c: dict, w: PrefixWriter, pod: dict | None) -> None:
    """describeContainerEnvFrom and describeContainerEnvVars (downward-API values resolved against the pod)."""
    if c.get("envFrom"):
        w.write(2, "Environment Variables from:\n")
        for e in c["envFrom"]:
            ref, source = (e["configMapRef"], "ConfigMap") if e.get("configMapRef") else \
                (e.get("secretRef") or {}, "Secret")
            optional = "true" if ref.get("optional") else "false"
            prefix = f" with prefix '{e['prefix']}'" if e.get("prefix") else ""
            w.write(3, f"{ref.get('name', '')}\t{source}{prefix}\tOptional: {optional}\n")
    env = c.get("env") or []
    w.write(2, f"Environment:{'' if env else chr(9) + '<none>'}\n")
    for e in env:
        vf = e.get("valueFrom")
        if vf is None:
            for i, s in enumerate(str(e.get("value", "")).split("\n")):
                w.write(3, f"{e['name']}:\t{s}\n" if i == 0 else f"\t{s}\n")
        elif vf.get("fieldRef"):
            f = vf["fieldRef"]
            value = field_path_value(pod, f.get("fieldPath", "")) if pod else ""
            w.write(3, f"{e['name']}:\t{value} ({f.get('apiVersion', 'v1')}:{f.get('fieldPath')})\n")
        elif vf.get("resourceFieldRef"):
            w.write(3, f"{e['name']}:\t ({vf['resourceFieldRef'].get('resource')})\n")
        elif vf.get("secretKeyRef"):
            r = vf["secretKeyRef"]
            w.write(3, f"{e['name']}:\t<set to the key '{r.get('key')}' in secret '{r.get('name')}'>\t"
                       f"Optional: {'true' if r.get('optional') else 'false'}\n")
        elif vf.get("configMapKeyRef"):
            r = vf["configMapKeyRef"]
            w.write(3, f"{e['name']}:\t<set to the key '{r.get('key')}' of config map '{r.get('name')}'>\t"
                       f"Optional: {'true' if r.get('optional') else 'false'}\n")


def field_path_value(pod: dict, path: str) -> str:
    """fieldpath.ExtractFieldPathAsString for the downward-API paths a pod's env can name."""
    m = re.fullmatch(r"metadata\.(labels|annotations)\['([^']*)'\]", path)
    if m:
        return str((pod["metadata"].get(m.group(1)) or {}).get(m.group(2), ""))
    section, _, field = path.partition(".")
    return str((pod.get(section) or {}).get(field, ""))


def describe_volumes(volumes: list[dict] | None, w: PrefixWriter, space: str) -> None:
    """describeVolumes for the volume kinds the lessons use (emptyDir, hostPath, PVC, projected, configMap,
    secret, CSI); any other source prints `<unknown>` as kubectl does for kinds it lacks."""
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for v in volumes:
        w.write(1, f"{' ' if space else ''}{v.get('name')}:\n")
        if "hostPath" in v:
            hp = v["hostPath"]
            w.write(2, f"Type:\tHostPath (bare host directory volume)\n    Path:\t{hp.get('path', '')}\n"
                       f"    HostPathType:\t{hp.get('type') or '<none>'}\n")
        elif "emptyDir" in v:
            ed = v["emptyDir"] or {}
            w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
                       f"    Medium:\t{ed.get('medium', '')}\n    SizeLimit:\t{ed.get('sizeLimit') or '<unset>'}\n")
        elif "secret" in v:
            s = v["secret"]
            w.write(2, f"Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{s.get('secretName', '')}\n"
                       f"    Optional:\t{'true' if s.get('optional') else 'false'}\n")
        elif "configMap" in v:
            cm = v["configMap"]
            w.write(2, f"Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{cm.get('name', '')}\n"
                       f"    Optional:\t{'true' if cm.get('optional') else 'false'}\n")
        elif "persistentVolumeClaim" in v:
            p = v["persistentVolumeClaim"]
            w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same "
                       f"namespace)\n    ClaimName:\t{p.get('claimName', '')}\n"
                       f"    ReadOnly:\t{'true' if p.get('readOnly') else 'false'}\n")
        elif "projected" in v:
            _describe_projected(v["projected"], w)
        elif "csi" in v:
            c = v["csi"]
            w.write(2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n"
                       f"    Driver:\t{c.get('driver', '')}\n    FSType:\t{c.get('fsType', '')}\n"
                       f"    ReadOnly:\t{'true' if c.get('readOnly') else 'false'}\n")
            attrs = c.get("volumeAttributes") or {}
            w.write(2, "VolumeAttributes:\t")
            if not attrs:
                w.write_line("<none>")
            for i, k in enumerate(sorted(attrs)):
                if i:
                    w.write(2, "\t")
                w.write(2, f"{k}={attrs[k]}\n")
        else:
            w.write(1, "<unknown>\n")


def _describe_projected(projected: dict, w: PrefixWriter) -> None:
    """printProjectedVolumeSource: the service-account token volume shows its three sources."""
    w.write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
    for src in projected.get("sources") or []:
        if "secret" in src:
            w.write(2, f"SecretName:\t{src['secret'].get('name', '')}\n"
                       f"    Optional:\t{'true' if src['secret'].get('optional') else 'false'}\n")
        elif "downwardAPI" in src:
            w.write(2, "DownwardAPI:\ttrue\n")
        elif "configMap" in src:
            w.write(2, f"ConfigMapName:\t{src['configMap'].get('name', '')}\n"
                       f"    Optional:\t{'true' if src['configMap'].get('optional') else 'false'}\n")
        elif "serviceAccountToken" in src:
            w.write(2, f"TokenExpirationSeconds:\t{src['serviceAccountToken'].get('expirationSeconds', 3600)}\n")


def describe_pod_template(template: dict | None, w: PrefixWriter) -> None:
    """DescribePodTemplate: labels, annotations, containers, volumes, node selectors and tolerations."""
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    print_labels_multiline(w, "  Labels", meta.get("labels"))
    if meta.get("annotations"):
        print_annotations_multiline(w, "  Annotations", meta["annotations"])
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        describe_containers("Init Containers", spec["initContainers"], None, w, "  ")
    describe_containers("Containers", spec.get("containers") or [], None, w, "  ")
    describe_volumes(spec.get("volumes"), w, "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    print_labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    print_tolerations_multiline(w, "  Tolerations", spec.get("tolerations"))


# --- the pod --------------------------------------------------------------------------------------------------------

def describe_pod(pod: dict, events: list[dict] | None, now: float) -> str:
    """describePod."""
    w = PrefixWriter()
    m, spec, st = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    node = spec.get("nodeName")
    w.write(0, f"Node:\t{node}/{st.get('hostIP', '')}\n" if node else "Node:\t<none>\n")
    if st.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(st['startTime'])}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    phase = st.get("phase", "")
    if m.get("deletionTimestamp") and phase not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {since(m['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{m.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{phase}\n")
    if st.get("reason"):
        w.write(0, f"Reason:\t{st['reason']}\n")
    if st.get("message"):
        w.write(0, f"Message:\t{st['message']}\n")
    w.write(0, f"IP:\t{st.get('podIP', '')}\n")
    if st.get("podIPs"):
        w.write(0, "IPs:\n")
        for ip in st["podIPs"]:
            w.write(1, f"IP:\t{ip.get('ip', '')}\n")
    else:
        w.write(0, "IPs:\t<none>\n")
    ref = controller_ref(pod)
    if ref:
        w.write(0, f"Controlled By:\t{ref['kind']}/{ref['name']}\n")
    if st.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{st['nominatedNodeName']}\n")
    if spec.get("initContainers"):
        describe_containers("Init Containers", spec["initContainers"], st.get("initContainerStatuses"), w, "",
                            pod)
    describe_containers("Containers", spec.get("containers") or [], st.get("containerStatuses"), w, "", pod)
    if spec.get("readinessGates"):
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        conds = {c.get("type"): c.get("status") for c in st.get("conditions") or []}
        for g in spec["readinessGates"]:
            w.write(1, f"{g.get('conditionType')} \t{conds.get(g.get('conditionType'), '<none>')} \n")
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \n")
    describe_volumes(spec.get("volumes"), w, "")
    w.write(0, f"QoS Class:\t{st.get('qosClass') or compute_pod_qos(pod)}\n")
    print_labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    print_tolerations_multiline(w, "Tolerations", spec.get("tolerations"))
    if events is not None:
        describe_events(events, w, now)
    return w.string()


def compute_pod_qos(pod: dict) -> str:
    """qos.ComputePodQOS: BestEffort without requests or limits, Guaranteed when every container's cpu and memory
    limits equal its requests, Burstable otherwise."""
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    spec = pod.get("spec") or {}
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        res = c.get("resources") or {}
        for name, q in (res.get("requests") or {}).items():
            if name in ("cpu", "memory") and parse_quantity(q) > 0:
                requests[name] = requests.get(name, Fraction(0)) + parse_quantity(q)
        found = set()
        for name, q in (res.get("limits") or {}).items():
            if name in ("cpu", "memory") and parse_quantity(q) > 0:
                found.add(name)
                limits[name] = limits.get(name, Fraction(0)) + parse_quantity(q)
        if found != {"cpu", "memory"}:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests.keys() == limits.keys() and all(requests[k] == limits[k] for k in requests):
        return "Guaranteed"
    return "Burstable"


__all__ = ["compute_pod_qos", "describe_containers", "describe_pod", "describe_pod_template", "describe_probe",
           "describe_resources", "describe_volumes"]
