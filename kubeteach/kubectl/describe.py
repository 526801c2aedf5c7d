"""kubectl describe (staging/src/k8s.io/kubectl/pkg/describe/describe.go): pods, deployments, replicasets, nodes.

Every describer writes `Label:\\tvalue` lines through a PrefixWriter into Go's text/tabwriter (minwidth 0,
padding 2), which aligns each run of consecutive lines that share a column; `tabwriter` below is a port of that
algorithm, so the spacing is kubectl's own. Ages come from the cluster's virtual clock.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..apiserver import APIError
from ..objects import EPOCH, controller_ref, human_age, parse_quantity, parse_selector, parse_timestamp, selector_string
from .manifests import KubectlError

if TYPE_CHECKING:
    from ..apiserver.resources import Resource
    from .commands import Context

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140


# --- text/tabwriter and the PrefixWriter ----------------------------------------------------------------------

def tabwriter(text: str, padding: int = 2) -> str:
    """Go's text/tabwriter (minwidth 0, padchar ' ', no flags): tab-terminated cells are padded so that each
    column is as wide as its widest cell plus `padding`, column by column over blocks of adjacent lines."""
    *complete, tail = text.split("\n")
    lines = [line.split("\t") for line in complete]
    out: list[str] = []
    _format(lines, [], 0, len(lines), padding, out)
    return "".join(out) + tail


def _format(lines: list[list[str]], widths: list[int], line0: int, line1: int, padding: int,
            out: list[str]) -> None:
    """tabwriter.Writer.format: find each block of lines with a cell in this column, size it, recurse right."""
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        _write_lines(lines, widths, line0, this, out)
        line0 = this
        width = 0
        while this < line1 and column < len(lines[this]) - 1:
            width = max(width, len(lines[this][column]) + padding)
            this += 1
        widths.append(width)
        _format(lines, widths, line0, this, padding, out)
        widths.pop()
        line0 = this
    _write_lines(lines, widths, line0, line1, out)


def _write_lines(lines: list[list[str]], widths: list[int], line0: int, line1: int, out: list[str]) -> None:
    """tabwriter.Writer.writeLines: every cell left-aligned and padded to its column; the last cell is not."""
    for line in lines[line0:line1]:
        for j, cell in enumerate(line):
            out.append(cell.ljust(widths[j]) if j < len(widths) else cell)
        out.append("\n")


class PrefixWriter:
    """describe.PrefixWriter over a tabwriter: `write(level, text)` indents two spaces per level."""

    def __init__(self, tabbed: bool = True):
        self.tabbed = tabbed
        self._out: list[str] = []
        self._buf: list[str] = []

    def write(self, level: int, text: str) -> None:
        """PrefixWriter.Write: the text, indented two spaces per level."""
        self._buf.append("  " * level + text)

    def write_line(self, text: str = "") -> None:
        """PrefixWriter.WriteLine: the text and a newline, not indented."""
        self._buf.append(text + "\n")

    def flush(self) -> None:
        """tabwriter.Flush: align what is buffered so far; later lines start new column blocks."""
        text = "".join(self._buf)
        self._out.append(tabwriter(text) if self.tabbed else text)
        self._buf = []

    def string(self) -> str:
        """Everything written, aligned (tabbedString)."""
        self.flush()
        return "".join(self._out)


# --- small formatters -------------------------------------------------------------------------------------------

def rfc1123z(ts: str | None) -> str:
    """time.RFC1123Z, as describe prints every timestamp: `Thu, 01 Jan 2026 00:00:05 +0000`."""
    if not ts:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    t = EPOCH + _dt.timedelta(seconds=parse_timestamp(ts))
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def since(ts: str | None, now: float) -> str:
    """translateTimestampSince: a HumanDuration age, `<unknown>` for a zero time."""
    return human_age(now - parse_timestamp(ts)) if ts else "<unknown>"


def quantity_string(value: Fraction, binary: bool) -> str:
    """resource.Quantity.String for a sum: canonical suffix (Mi/Gi for binary, m for milli values)."""
    if value == 0:
        return "0"
    if value.denominator != 1:
        milli = value * 1000
        return f"{-((-milli.numerator) // milli.denominator)}m"
    n = int(value)
    units = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)) if binary \
        else (("E", 10**18), ("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3))
    for suffix, size in units:
        if n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


def _is_binary(text: Any) -> bool:
    """Whether a quantity was written with a binary suffix (`64Mi`), so its sums print in binary units too."""
    return isinstance(text, str) and text.endswith("i")


def print_labels_multiline(w: PrefixWriter, title: str, labels: dict | None, initial: str = "") -> None:
    """printLabelsMultilineWithIndent: `title:\\tk=v`, later keys on their own lines under the first."""
    w.write(0, f"{initial}{title}:\t")
    if not labels:
        w.write_line("<none>")
        return
    for i, key in enumerate(sorted(labels)):
        if i:
            w.write(0, initial + "\t")
        w.write(0, f"{key}={labels[key]}\n")


def print_annotations_multiline(w: PrefixWriter, title: str, annotations: dict | None) -> None:
    """printAnnotationsMultiline: last-applied-configuration is skipped; long values fold and shorten."""
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k != LAST_APPLIED)
    if not keys:
        w.write_line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = str(annotations[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for s in value.split("\n"):
                short = s[:MAX_ANNOTATION_LEN - 2] + "..." if len(s) > MAX_ANNOTATION_LEN - 2 else s
                w.write(0, f"\t  {short}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def print_tolerations_multiline(w: PrefixWriter, title: str, tolerations: list | None) -> None:
    """printTolerationsMultilineWithIndent: `key=value:Effect op=Exists for 300s`, sorted by key."""
    w.write(0, f"{title}:\t")
    if not tolerations:
        w.write_line("<none>")
        return
    for i, t in enumerate(sorted(tolerations, key=lambda t: t.get("key", ""))):
        if i:
            w.write(0, "\t")
        text = t.get("key", "")
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists" if t.get("key") or t.get("effect") else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        w.write(0, text + "\n")


def print_taints_multiline(w: PrefixWriter, title: str, taints: list | None) -> None:
    """printTaintsMultilineWithIndent: `key=value:Effect`, sorted by effect then key."""
    w.write(0, f"{title}:\t")
    if not taints:
        w.write_line("<none>")
        return
    for i, t in enumerate(sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")):
        if i:
            w.write(0, "\t")
        value = f"={t['value']}" if t.get("value") else ""
        w.write(0, f"{t.get('key', '')}{value}:{t.get('effect', '')}\n")


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


# --- events -----------------------------------------------------------------------------------------------------

def search_events(ctx: Context, obj: dict, kind: str | None, uids: tuple[str, ...] = ()) -> list[dict]:
    """searchEvents: the Events whose involvedObject is this object (kubectl sends the match as a field selector;
    the simulated API server has none, so the list is filtered here, on the client side)."""
    m = obj["metadata"]
    ns = m.get("namespace", "")
    wanted = uids or (m.get("uid"),)
    out = []
    for e in ctx.client.list("events", ns)["items"]:
        io = e.get("involvedObject") or {}
        if io.get("name") != m["name"] or io.get("namespace", "") != ns or io.get("uid") not in wanted:
            continue
        if kind and io.get("kind") != kind:
            continue
        out.append(e)
    return out


def describe_events(events: list[dict], w: PrefixWriter, now: float) -> None:
    """DescribeEvents: a Type/Reason/Age/From/Message table sorted by lastTimestamp, `(x3 over 2m)` for repeats."""
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for e in sorted(events, key=lambda e: parse_timestamp(e["lastTimestamp"]) if e.get("lastTimestamp")
                    else float("-inf")):
        first = since(e.get("eventTime"), now) if e.get("eventTime") else since(e.get("firstTimestamp"), now)
        series = e.get("series")
        if series:
            interval = f"{since(series.get('lastObservedTime'), now)} (x{series.get('count')} over {first})"
        elif (e.get("count") or 0) > 1:
            interval = f"{since(e.get('lastTimestamp'), now)} (x{e['count']} over {first})"
        else:
            interval = first
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent", "")
        message = str(e.get("message", "")).strip()
        field_path = (e.get("involvedObject") or {}).get("fieldPath")
        if field_path:
            message = f"{field_path}: {message}"
        w.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{interval}\t{source}\t{message}\n")


# --- the describers -------------------------------------------------------------------------------------------

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


def describe_replicaset(rs: dict, pods: list[dict], events: list[dict] | None, now: float) -> str:
    """describeReplicaSet, with the Pods Status counted over the pods it controls."""
    w = PrefixWriter()
    m, spec, st = rs["metadata"], rs.get("spec") or {}, rs.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{selector_string(spec.get('selector')) or '<none>'}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    ref = controller_ref(rs)
    if ref:
        w.write(0, f"Controlled By:\t{ref['kind']}/{ref['name']}\n")
    w.write(0, f"Replicas:\t{st.get('replicas', 0)} current / {spec.get('replicas', 1)} desired\n")
    phases = [p.get("status", {}).get("phase") for p in pods
              if (controller_ref(p) or {}).get("uid") == m.get("uid")]
    w.write(0, "Pods Status:\t")
    w.write(0, f"{phases.count('Running')} Running / {phases.count('Pending')} Waiting / "
               f"{phases.count('Succeeded')} Succeeded / {phases.count('Failed')} Failed\n")
    describe_pod_template(spec.get("template"), w)
    describe_conditions(st.get("conditions"), w)
    if events is not None:
        describe_events(events, w, now)
    return w.string()


def describe_conditions(conditions: list[dict] | None, w: PrefixWriter) -> None:
    """The Type/Status/Reason table of a ReplicaSet's or Deployment's conditions (nothing when there are none)."""
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in conditions:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")


def describe_deployment(d: dict, old: list[dict], new: list[dict], events: list[dict] | None, now: float) -> str:
    """describeDeployment: replica counts, strategy, pod template, conditions, old and new ReplicaSets."""
    w = PrefixWriter()
    m, spec, st = d["metadata"], d.get("spec") or {}, d.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(m.get('creationTimestamp'))}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {st.get('updatedReplicas', 0)} updated | "
               f"{st.get('replicas', 0)} total | {st.get('availableReplicas', 0)} available | "
               f"{st.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    ru = strategy.get("rollingUpdate")
    if ru is not None:
        w.write(0, f"RollingUpdateStrategy:\t{ru.get('maxUnavailable', 0)} max unavailable, "
                   f"{ru.get('maxSurge', 0)} max surge\n")
    describe_pod_template(spec.get("template"), w)
    describe_conditions(st.get("conditions"), w)
    if old or new:
        w.write(0, f"OldReplicaSets:\t{_replica_sets_by_labels(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_replica_sets_by_labels(new)}\n")
    if events is not None:
        describe_events(events, w, now)
    return w.string()


def _replica_sets_by_labels(rss: list[dict]) -> str:
    """printReplicaSetsByLabels: `nginx-7c5ddbdf54 (1/1 replicas created)`, comma-separated."""
    return ", ".join(f"{rs['metadata']['name']} ({rs.get('status', {}).get('replicas', 0)}/"
                     f"{rs['spec'].get('replicas', 1)} replicas created)" for rs in rss) or "<none>"


def describe_node(node: dict, pods: list[dict] | None, lease: dict | str, events: list[dict] | None,
                  now: float) -> str:
    """describeNode: roles, taints, lease, conditions, addresses, capacity, system info, pods and their requests
    (`lease` is the Lease object or the error text kubectl prints instead)."""
    w = PrefixWriter()
    m, spec, st = node["metadata"], node.get("spec") or {}, node.get("status") or {}
    w.write(0, f"Name:\t{m['name']}\n")
    w.write(0, f"Roles:\t{','.join(find_node_roles(node)) or '<none>'}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123z(m.get('creationTimestamp'))}\n")
    print_taints_multiline(w, "Taints", spec.get("taints"))
    w.write(0, f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}\n")
    if isinstance(lease, str):
        w.write(0, f"Lease:\tFailed to get lease: {lease}\n")
    else:
        ls = lease.get("spec") or {}
        w.write(0, "Lease:\n")
        w.write(1, f"HolderIdentity:\t{ls.get('holderIdentity') or '<unset>'}\n")
        w.write(1, f"AcquireTime:\t{rfc1123z(ls['acquireTime']) if ls.get('acquireTime') else '<unset>'}\n")
        w.write(1, f"RenewTime:\t{rfc1123z(ls['renewTime']) if ls.get('renewTime') else '<unset>'}\n")
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \t{rfc1123z(c.get('lastHeartbeatTime'))} \t"
                       f"{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n")
    w.write(0, "Addresses:\n")
    for a in st.get("addresses") or []:
        w.write(1, f"{a.get('type')}:\t{a.get('address')}\n")
    for key, title in (("capacity", "Capacity"), ("allocatable", "Allocatable")):
        if st.get(key):
            w.write(0, f"{title}:\n")
            for name in sorted(st[key]):
                w.write(0, f"  {name}:\t{st[key][name]}\n")
    info = st.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for title, key in (("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
                       ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"),
                       ("Operating System", "operatingSystem"), ("Architecture", "architecture"),
                       ("Container Runtime Version", "containerRuntimeVersion"),
                       ("Kubelet Version", "kubeletVersion")):
        w.write(0, f"  {title}:\t{info.get(key, '')}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    if pods is None:
        w.write(0, "Pods:\tnot authorized\n")
    else:
        _describe_node_resource(pods, node, w, now)
    if events is not None:
        describe_events(events, w, now)
    return w.string()


def find_node_roles(node: dict) -> list[str]:
    """findNodeRoles: `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` value, sorted."""
    roles = set()
    for k, v in (node["metadata"].get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/") and k.removeprefix("node-role.kubernetes.io/"):
            roles.add(k.removeprefix("node-role.kubernetes.io/"))
        elif k == "kubernetes.io/role" and v:
            roles.add(v)
    return sorted(roles)


def pod_requests_and_limits(pod: dict) -> tuple[dict[str, Fraction], dict[str, Fraction], set[str]]:
    """resourcehelper.PodRequests/PodLimits: the containers' sum, at least each init container's, plus overhead;
    the third value names the resources written with binary suffixes (so sums print as `Mi`)."""
    spec = pod.get("spec") or {}
    binary: set[str] = set()
    out = []
    for key in ("requests", "limits"):
        total: dict[str, Fraction] = {}
        for c in spec.get("containers") or []:
            for name, q in ((c.get("resources") or {}).get(key) or {}).items():
                total[name] = total.get(name, Fraction(0)) + parse_quantity(q)
                binary |= {name} if _is_binary(q) else set()
        for c in spec.get("initContainers") or []:
            for name, q in ((c.get("resources") or {}).get(key) or {}).items():
                total[name] = max(total.get(name, Fraction(0)), parse_quantity(q))
        for name, q in (spec.get("overhead") or {}).items():
            total[name] = total.get(name, Fraction(0)) + parse_quantity(q)
        out.append(total)
    return out[0], out[1], binary


def _describe_node_resource(pods: list[dict], node: dict, w: PrefixWriter, now: float) -> None:
    """describeNodeResource: each pod's cpu/memory requests and limits as a share of allocatable, then totals."""
    st = node.get("status") or {}
    alloc = st.get("allocatable") or st.get("capacity") or {}
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")

    def share(value: Fraction, name: str) -> int:
        total = parse_quantity(alloc.get(name, 0))
        scale = 1000 if name == "cpu" else 1
        denom = int(-((-total * scale).numerator // (total * scale).denominator)) if total else 0
        num = int(-((-value * scale).numerator // (value * scale).denominator))
        return int(num / denom * 100) if denom else 0

    totals_req: dict[str, Fraction] = {}
    totals_lim: dict[str, Fraction] = {}
    binary: set[str] = set()
    for pod in pods:
        req, lim, bin_names = pod_requests_and_limits(pod)
        binary |= bin_names
        for src, dst in ((req, totals_req), (lim, totals_lim)):
            for k, v in src.items():
                dst[k] = dst.get(k, Fraction(0)) + v
        cells = []
        for values, name in ((req, "cpu"), (lim, "cpu"), (req, "memory"), (lim, "memory")):
            v = values.get(name, Fraction(0))
            cells.append(f"{quantity_string(v, name in bin_names)} ({share(v, name)}%)")
        w.write(1, f"{pod['metadata'].get('namespace', '')}\t{pod['metadata']['name']}\t\t{cells[0]}\t{cells[1]}\t"
                   f"{cells[2]}\t{cells[3]}\t{since(pod['metadata'].get('creationTimestamp'), now)}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    for name in ("cpu", "memory", "ephemeral-storage"):
        r, lim = totals_req.get(name, Fraction(0)), totals_lim.get(name, Fraction(0))
        w.write(1, f"{name}\t{quantity_string(r, name in binary)} ({share(r, name)}%)\t"
                   f"{quantity_string(lim, name in binary)} ({share(lim, name)}%)\n")
    standard = {"cpu", "memory", "ephemeral-storage", "storage", "pods"}
    for name in sorted(alloc):
        if name.startswith("hugepages-"):
            r, lim = totals_req.get(name, Fraction(0)), totals_lim.get(name, Fraction(0))
            w.write(1, f"{name}\t{quantity_string(r, True)} ({share(r, name)}%)\t"
                       f"{quantity_string(lim, True)} ({share(lim, name)}%)\n")
    for name in sorted(alloc):
        if name not in standard and not name.startswith(("hugepages-", "requests.", "limits.")):
            w.write(1, f"{name}\t{quantity_string(totals_req.get(name, Fraction(0)), False)}\t"
                       f"{quantity_string(totals_lim.get(name, Fraction(0)), False)}\n")


def describe_generic(obj: dict, events: list[dict] | None, now: float) -> str:
    """genericDescriber: name, namespace, labels, annotations, then every other field with smart labels."""
    w = PrefixWriter()
    m = obj.get("metadata") or {}
    w.write(0, f"Name:\t{m.get('name', '')}\n")
    w.write(0, f"Namespace:\t{m.get('namespace', '')}\n")
    print_labels_multiline(w, "Labels", m.get("labels"))
    print_annotations_multiline(w, "Annotations", m.get("annotations"))
    _print_unstructured(w, 0, obj, "", (".metadata.managedFields", ".metadata.name", ".metadata.namespace",
                                        ".metadata.labels", ".metadata.annotations"))
    if events is not None:
        describe_events(events, w, now)
    return w.string()


def _print_unstructured(w: PrefixWriter, level: int, content: dict, prefix: str, skip: tuple[str, ...]) -> None:
    """printUnstructuredContent: fields sorted, maps and lists nested one level deeper."""
    for field in sorted(content):
        value, path = content[field], f"{prefix}.{field}"
        if path in skip:
            continue
        if isinstance(value, dict):
            w.write(level, f"{smart_label(field)}:\n")
            _print_unstructured(w, level + 1, value, path, skip)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    _print_unstructured(w, level + 1, child, path, skip)
                else:
                    w.write(level + 1, f"{_go_value(child)}\n")
        else:
            w.write(level, f"{smart_label(field)}:\t{_go_value(value)}\n")


def _go_value(value: Any) -> str:
    """Go's %v of a JSON scalar: `true`, `<nil>`, numbers and strings as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "<nil>" if value is None else str(value)


def smart_label(field: str) -> str:
    """smartLabelFor: `creationTimestamp` → `Creation Timestamp`, `uid` → `UID`, `apiVersion` → `API Version`."""
    if re.search(r"[^A-Za-z-]", field):
        return field
    parts = re.findall(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+|[A-Z]+|-", field)
    out = []
    for part in parts:
        if part.upper() in ("API", "URL", "UID", "GUID"):
            out.append(part.upper())
        elif part.islower():
            out.append(part.title())
        else:
            out.append(part)
    return " ".join(out)


# --- the command --------------------------------------------------------------------------------------------------

def describe(ctx: Context) -> int:
    """kubectl describe TYPE [NAME_PREFIX] | TYPE/NAME …: describers joined by blank lines; a name that is not
    found falls back to every object whose name starts with it (DescribeMatchingResources)."""
    from .commands import _targets, server_error  # commands.py imports this module at its end

    words = ctx.args.words[1:]
    if not words:
        raise KubectlError('You must specify the type of resource to describe. Use "kubectl api-resources" for a '
                           "complete list of supported resources.")
    all_ns = bool(ctx.args.get("all-namespaces"))
    selector = ctx.args.get("selector")
    found: list[tuple[Resource, dict]] = []
    failed = False
    for res, names in _targets(ctx, words):
        ns = ("" if all_ns else ctx.namespace) if res.namespaced else ""
        if not names:
            params = {"labelSelector": parse_selector(selector)} if selector else {}
            items = ctx.client.list(res.resource, ns, **params)["items"]
            if not items:
                where = f" in {ctx.namespace} namespace" if res.namespaced and not all_ns else ""
                ctx.error(f"No resources found{where}.")
            found.extend((res, o) for o in items)
            continue
        for name in names:
            try:
                found.append((res, ctx.client.get(res.resource, ctx.namespace if res.namespaced else "", name)))
            except APIError as e:
                matches = []
                if e.code == 404 and len(words) == 2 and "/" not in words[0]:
                    matches = [o for o in ctx.client.list(res.resource, ctx.namespace if res.namespaced else "")
                               ["items"] if o["metadata"]["name"].startswith(name)]
                if not matches:
                    ctx.error(server_error(e))
                    failed = True
                found.extend((res, o) for o in matches)
    texts = [describe_object(ctx, res, obj) for res, obj in found]
    if texts:
        ctx.out.append("\n\n".join(texts))
    return 1 if failed else 0


def describe_object(ctx: Context, res: Resource, obj: dict) -> str:
    """Fetch what one describer needs (events, owned pods, ReplicaSets, the node's pods and lease) and describe."""
    now = ctx.cluster.now
    show_events = str(ctx.args.get("show-events", "true")).lower() != "false"
    kind = res.kind

    def events(k: str | None, uids: tuple[str, ...] = ()) -> list[dict] | None:
        return search_events(ctx, obj, k, uids) if show_events else None

    if kind == "Pod":
        return describe_pod(obj, events(None), now)
    if kind == "ReplicaSet":
        params = {"labelSelector": obj["spec"]["selector"]} if obj["spec"].get("selector") else {}
        pods = ctx.client.list("pods", obj["metadata"]["namespace"], **params)["items"]
        return describe_replicaset(obj, pods, events(kind), now)
    if kind == "Deployment":
        from .rollout import get_all_replica_sets

        evs = events(kind)
        old, new = get_all_replica_sets(ctx, obj)
        return describe_deployment(obj, old, [new] if new else [], evs, now)
    if kind == "Node":
        name = obj["metadata"]["name"]
        pods = [p for p in ctx.client.list("pods", "", nodeName=name)["items"]
                if p.get("status", {}).get("phase") not in ("Succeeded", "Failed")]
        evs = events(kind, (obj["metadata"].get("uid", ""), name))
        try:
            lease: dict | str = ctx.client.get("leases", "kube-node-lease", name)
        except APIError as e:
            lease = e.message
        return describe_node(obj, pods, lease, evs, now)
    from .rbac import DESCRIBERS

    if kind in DESCRIBERS:                    # the RBAC describers show no events
        return DESCRIBERS[kind](obj)
    return describe_generic(obj, events(kind), now)


# --- get --sort-by ------------------------------------------------------------------------------------------------

def get_sorted(ctx: Context) -> int:
    """`kubectl get` with `--sort-by=<jsonpath>` (e.g. `get events --sort-by=.lastTimestamp`); without it, rows
    come in the API server's list order, as kubectl's do (kubectl get events has no default sort, #29838)."""
    from . import commands

    path = ctx.args.get("sort-by")
    if path:
        ctx.client = _SortingClient(ctx.client, _jsonpath_getter(path))
    return commands.get(ctx)


def _jsonpath_getter(path: str) -> Callable[[dict], Any]:
    """A `{.a.b}` / `.a.b` field path as a sort key (missing fields sort first, as kubectl's comparator does)."""
    keys = [k for k in path.strip().strip("{}").lstrip(".").split(".") if k]
    if not keys:
        raise KubectlError(f"couldn't find any field with path \"{path}\" in the list of objects")

    def key(obj: dict) -> Any:
        value: Any = obj
        for k in keys:
            value = value.get(k) if isinstance(value, dict) else None
        if value is None:
            return (0, "")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (1, value)
        return (2, str(value))
    return key


class _SortingClient:
    """The kubectl client with its list results sorted by the --sort-by key (a stable sort, as kubectl's)."""

    def __init__(self, client: Any, key: Callable[[dict], Any]):
        self._client, self._key = client, key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def list(self, resource: str, namespace: str = "", **params: Any) -> dict:
        out = self._client.list(resource, namespace, **params)
        return {**out, "items": sorted(out["items"], key=self._key)}


__all__ = ["PrefixWriter", "describe", "describe_deployment", "describe_node", "describe_pod",
           "describe_pod_template", "describe_replicaset", "get_sorted", "tabwriter"]
