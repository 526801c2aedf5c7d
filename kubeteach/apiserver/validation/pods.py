"""Pods, pod templates and their containers: probes, handlers, env, mounts, ports, the PodSpec.

Mirrors the pod parts of pkg/apis/core/validation/validation.go: validateContainers, validateInitContainers,
validateContainerCommon, validateHandler and the probe checks, ValidateEnv, ValidateVolumeMounts,
AccumulateUniqueHostPorts, ValidatePodSpec, ValidatePodTemplateSpec and validatePodMetadataAndSpec.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from .field import Errs, _d, _each, _l, _present, _s, duplicate, forbidden, invalid, not_found, required, unsupported
from .meta import (
    NEGATIVE,
    annotations,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_port_name,
    is_qualified_name,
    labels,
    name_subdomain,
    object_meta,
    port_range,
)
from .quantity import container_resource_name, resource_quantity, resource_requirements
from .scheduling import _affinity, _spread, tolerations
from .volume import _no_backsteps, volumes

# --- containers -----------------------------------------------------------------------------------------------


def _port_num_or_name(port: Any, path: str) -> Errs:
    """ValidatePortNumOrName for probe ports: a number is a port, a string a port name."""
    port = 0 if port is None else port
    if isinstance(port, str):
        return _each(path, port, is_port_name(port))
    return _each(path, port, port_range(port)) if isinstance(port, int) else []


def _handler(h: dict, grace: Any, path: str, kinds: tuple[str, ...]) -> Errs:
    """validateHandler: exactly one of exec/httpGet/tcpSocket/grpc (or sleep in lifecycle hooks)."""
    errs, count = [], 0
    for kind in kinds:
        if h.get(kind) is None:
            continue
        if count:
            errs.append(forbidden(f"{path}.{kind}", "may not specify more than 1 handler type"))
            continue
        count, a, p = count + 1, _d(h, kind), f"{path}.{kind}"
        if kind == "exec" and not _l(a, "command"):
            errs.append(required(f"{p}.command"))
        elif kind == "httpGet":
            errs += ([required(f"{p}.path")] if "path" in a and not a["path"] else [])
            errs += _port_num_or_name(a.get("port"), f"{p}.port")
            if _present(a, "scheme") and a["scheme"] not in ("HTTP", "HTTPS"):
                errs.append(unsupported(f"{p}.scheme", a["scheme"], ["HTTP", "HTTPS"]))
        elif kind in ("tcpSocket", "grpc"):
            errs += _port_num_or_name(a.get("port"), f"{p}.port")
        elif kind == "sleep" and isinstance(grace, int) and not 0 <= (a.get("seconds") or 0) <= grace:
            errs.append(invalid(p, a.get("seconds") or 0, "must be non-negative and less than "
                                f"terminationGracePeriodSeconds ({grace})"))
    return errs + ([] if count else [required(path, "must specify a handler type")])


def _probe(probe: Any, grace: Any, path: str, which: str) -> Errs:
    """validateLivenessProbe / validateReadinessProbe / validateStartupProbe."""
    if not isinstance(probe, dict):
        return []
    errs = _handler(probe, grace, path, ("exec", "httpGet", "tcpSocket", "grpc"))
    for key, default in (("initialDelaySeconds", 0), ("timeoutSeconds", 1), ("periodSeconds", 10),
                         ("successThreshold", 1), ("failureThreshold", 3)):
        if (probe.get(key) if probe.get(key) is not None else default) < 0:
            errs.append(invalid(f"{path}.{key}", probe[key], NEGATIVE))
    tgps = probe.get("terminationGracePeriodSeconds")
    if tgps is not None and tgps <= 0:
        errs.append(invalid(f"{path}.terminationGracePeriodSeconds", tgps, "must be greater than 0"))
    if which in ("liveness", "startup") and probe.get("successThreshold", 1) != 1:
        errs.append(invalid(f"{path}.successThreshold", probe["successThreshold"], "must be 1"))
    if which == "readiness" and tgps is not None:
        errs.append(invalid(f"{path}.terminationGracePeriodSeconds", tgps, "must not be set for readinessProbes"))
    return errs


def _env(c: dict, path: str) -> Errs:
    """ValidateEnv and ValidateEnvFrom (relaxed variable names, GA since v1.34)."""
    errs: Errs = []
    for i, ev in enumerate(_l(c, "env")):
        p, name = f"{path}.env[{i}]", _s(ev, "name")
        if not name:
            errs.append(required(f"{p}.name"))
        elif any(ord(ch) > 126 or ord(ch) < 32 or ch == "=" for ch in name):
            errs.append(invalid(f"{p}.name", name, "a valid environment variable name must consist only of "
                                                   "printable ASCII characters other than '='"))
        vf = ev.get("valueFrom")
        if not isinstance(vf, dict):
            continue
        sources = [k for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef") if vf.get(k)]
        for kind in ("configMapKeyRef", "secretKeyRef"):
            if kind in sources:
                ref, rp = vf[kind], f"{p}.valueFrom.{kind}"
                errs += _each(f"{rp}.name", _s(ref, "name"), is_dns1123_subdomain(_s(ref, "name")))
                errs += [required(f"{rp}.key")] if not _s(ref, "key") else []
        if not sources:
            errs.append(invalid(f"{p}.valueFrom", "", "must specify one of: `fieldRef`, `resourceFieldRef`, "
                                                      "`configMapKeyRef` or `secretKeyRef`"))
        elif ev.get("value"):
            errs.append(invalid(f"{p}.valueFrom", "", "may not be specified when `value` is not empty"))
        elif len(sources) > 1:
            errs.append(invalid(f"{p}.valueFrom", "", "may not have more than one field specified at a time"))
    for i, ef in enumerate(_l(c, "envFrom")):
        sources = [k for k in ("configMapRef", "secretRef") if ef.get(k) is not None]
        for kind in sources:
            name, rp = _s(ef[kind], "name"), f"{path}.envFrom[{i}].{kind}.name"
            errs += [required(rp)] if not name else _each(rp, name, name_subdomain(name, True))
        if len(sources) != 1:
            errs.append(invalid(f"{path}.envFrom", "", "must specify one of: `configMapRef` or `secretRef`"
                                if not sources else "may not have more than one field specified at a time"))
    return errs


def _mounts(c: dict, vols: dict, path: str) -> Errs:
    """ValidateVolumeMounts and ValidateVolumeDevices: every mount names a valid volume."""
    errs: Errs = []
    devices = {_s(d, "name"): _s(d, "devicePath") for d in _l(c, "volumeDevices")}
    seen: set[str] = set()
    for i, m in enumerate(_l(c, "volumeMounts")):
        p, name, mount = f"{path}.volumeMounts[{i}]", _s(m, "name"), _s(m, "mountPath")
        errs += [required(f"{p}.name")] if not name else []
        errs += [not_found(f"{p}.name", name)] if name not in vols else []
        errs += [required(f"{p}.mountPath")] if not mount else []
        errs += [invalid(f"{p}.mountPath", mount, "must be unique")] if mount in seen else []
        seen.add(mount)
        errs += [invalid(f"{p}.name", name, "must not already exist in volumeDevices")] if name in devices else []
        if mount in devices.values():
            errs.append(invalid(f"{p}.mountPath", mount, "must not already exist as a path in volumeDevices"))
        for key in ("subPath", "subPathExpr"):   # Go reports these at volumeMounts.<key>, without the index
            if _s(m, key):
                v = _s(m, key)
                errs += ([invalid(f"{path}.volumeMounts.{key}", v, "must be a relative path")]
                         if v.startswith("/") else []) + _no_backsteps(v, f"{path}.volumeMounts.{key}")
        prop = m.get("mountPropagation")
        if prop is not None:
            mp = f"{path}.volumeMounts.mountPropagation"
            if prop not in ("Bidirectional", "HostToContainer", "None"):
                errs.append(unsupported(mp, prop, ["Bidirectional", "HostToContainer", "None"]))
            if prop == "Bidirectional" and not _d(c, "securityContext").get("privileged"):
                errs.append(forbidden(mp, "Bidirectional mount propagation is available only to privileged "
                                          "containers"))
    for i, d in enumerate(_l(c, "volumeDevices")):
        p, name = f"{path}.volumeDevices[{i}]", _s(d, "name")
        errs += [required(f"{p}.name")] if not name else []
        if name in vols and not {"persistentVolumeClaim", "ephemeral"} & set(vols[name]):
            errs.append(invalid(f"{p}.name", name, "can only use volume source type of PersistentVolumeClaim or "
                                                   "Ephemeral for block mode"))
        errs += [not_found(f"{p}.name", name)] if name not in vols else []
        errs += [required(f"{p}.devicePath")] if not _s(d, "devicePath") else []
    return errs


def _container_common(c: dict, vols: dict, path: str) -> Errs:
    """validateContainerCommon: name, image, ports, env, mounts, pull policy, resources."""
    name, errs = _s(c, "name"), []
    errs += [required(f"{path}.name")] if not name else _each(f"{path}.name", name, is_dns1123_label(name))
    errs += [required(f"{path}.image")] if not _s(c, "image") else []
    tmp = c.get("terminationMessagePolicy")
    if _present(c, "terminationMessagePolicy") and tmp not in ("File", "FallbackToLogsOnError"):
        errs.append(unsupported(f"{path}.terminationMessagePolicy", tmp, ["File", "FallbackToLogsOnError"]))
    names: set[str] = set()
    for i, port in enumerate(_l(c, "ports")):
        p, pname = f"{path}.ports[{i}]", _s(port, "name")
        if pname:
            msgs = is_port_name(pname)
            errs += _each(f"{p}.name", pname, msgs) or ([duplicate(f"{p}.name", pname)] if pname in names else [])
            names.add(pname)
        cp, hp = port.get("containerPort") or 0, port.get("hostPort") or 0
        errs += [required(f"{p}.containerPort")] if not cp else _each(f"{p}.containerPort", cp, port_range(cp))
        errs += _each(f"{p}.hostPort", hp, port_range(hp)) if hp else []
        if _present(port, "protocol") and port["protocol"] not in ("SCTP", "TCP", "UDP"):
            errs.append(unsupported(f"{p}.protocol", port["protocol"], ["SCTP", "TCP", "UDP"]))
    errs += _env(c, path) + _mounts(c, vols, path)
    if _present(c, "imagePullPolicy") and c["imagePullPolicy"] not in ("Always", "IfNotPresent", "Never"):
        errs.append(unsupported(f"{path}.imagePullPolicy", c["imagePullPolicy"], ["Always", "IfNotPresent", "Never"]))
    errs += resource_requirements(_d(c, "resources"), f"{path}.resources")
    sc = _d(c, "securityContext")
    for key in ("runAsUser", "runAsGroup"):
        if isinstance(sc.get(key), int) and not 0 <= sc[key] <= 0xFFFFFFFF:
            errs.append(invalid(f"{path}.securityContext.{key}", sc[key], "must be between 0 and 4294967295, "
                                                                          "inclusive"))
    return errs


def _host_ports(containers: list, path: str) -> Errs:
    """AccumulateUniqueHostPorts: protocol/hostIP/hostPort must not repeat."""
    seen, errs = set(), []
    for ci, c in enumerate(containers):
        for pi, port in enumerate(_l(c, "ports")):
            if port.get("hostPort"):
                key = f"{port.get('protocol') or 'TCP'}/{_s(port, 'hostIP')}/{port['hostPort']}"
                errs += [duplicate(f"{path}[{ci}].ports[{pi}].hostPort", key)] if key in seen else []
                seen.add(key)
    return errs


def _containers(spec: dict, vols: dict, path: str) -> Errs:
    """validateContainers then validateInitContainers."""
    containers, grace = _l(spec, "containers"), spec.get("terminationGracePeriodSeconds")
    if not containers:
        return [required(f"{path}.containers")]
    errs, names = [], set()
    for i, c in enumerate(containers):
        p = f"{path}.containers[{i}]"
        errs += _container_common(c, vols, p)
        errs += [duplicate(f"{p}.name", _s(c, "name"))] if _s(c, "name") in names else []
        names.add(_s(c, "name"))
        lc = _d(c, "lifecycle")
        for hook in ("postStart", "preStop"):
            if isinstance(lc.get(hook), dict):
                errs += _handler(lc[hook], grace, f"{p}.lifecycle.{hook}", ("exec", "httpGet", "tcpSocket", "sleep"))
        for which in ("liveness", "readiness", "startup"):
            errs += _probe(c.get(f"{which}Probe"), grace, f"{p}.{which}Probe", which)
        errs += [forbidden(f"{p}.restartPolicy", "may not be set for non-init containers")] \
            if c.get("restartPolicy") is not None else []
    errs += _host_ports(containers, f"{path}.containers")
    names = {_s(c, "name") for c in containers}
    for i, c in enumerate(_l(spec, "initContainers")):
        p = f"{path}.initContainers[{i}]"
        errs += _container_common(c, vols, p)
        always = c.get("restartPolicy") == "Always"
        if c.get("restartPolicy") is not None and not always:
            errs.append(unsupported(f"{p}.restartPolicy", c["restartPolicy"], ["Always"]))
        errs += [duplicate(f"{p}.name", _s(c, "name"))] if _s(c, "name") in names else []
        names.add(_s(c, "name"))
        errs += _host_ports([c], f"{path}.initContainers")
        for which in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
            if c.get(which) is not None and not always:
                errs.append(forbidden(f"{p}.{which}", "may not be set for init containers without restartPolicy="
                                                      "Always"))
            elif always and which == "lifecycle":
                errs += [e for hook in ("postStart", "preStop") if isinstance(_d(c, which).get(hook), dict)
                         for e in _handler(c[which][hook], grace, f"{p}.lifecycle.{hook}",
                                           ("exec", "httpGet", "tcpSocket", "sleep"))]
            elif always:
                errs += _probe(c.get(which), grace, f"{p}.{which}", which[:-5])
    return errs


# --- PodSpec, PodTemplateSpec, Pod --------------------------------------------------------------------------


def _is_ip(value: str) -> bool:
    """netutils.ParseIPSloppy succeeds."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def pod_spec(spec: dict, path: str, is_pod: bool) -> Errs:
    """ValidatePodSpec, in its order (ephemeral containers, pod-level resources and Windows rules left out)."""
    errs: Errs = []
    vols, verrs = volumes(_l(spec, "volumes"), f"{path}.volumes")
    errs += verrs + _containers(spec, vols, path)
    if spec.get("hostNetwork"):
        for i, c in enumerate(_l(spec, "containers")):
            for j, port in enumerate(_l(c, "ports")):
                hp, cp = port.get("hostPort"), port.get("containerPort")
                if hp is not None and (is_pod or hp) and hp != cp:
                    errs.append(invalid(f"{path}.containers[{i}].ports[{j}].hostPort", hp,
                                        "must match `containerPort` when `hostNetwork` is true"))
    for key, valid in (("restartPolicy", ["Always", "OnFailure", "Never"]),
                       ("dnsPolicy", ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"])):
        if _present(spec, key) and spec[key] not in valid:
            errs.append(unsupported(f"{path}.{key}", spec[key], valid))
    errs += labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    psc = _d(spec, "securityContext")
    for key in ("fsGroup", "runAsUser", "runAsGroup"):
        if isinstance(psc.get(key), int) and not 0 <= psc[key] <= 0xFFFFFFFF:
            errs.append(invalid(f"{path}.securityContext.{key}", psc[key], "must be between 0 and 4294967295, "
                                                                           "inclusive"))
    errs += _affinity(_d(spec, "affinity"), f"{path}.affinity")
    if spec.get("dnsPolicy") == "None" and not _l(_d(spec, "dnsConfig"), "nameservers"):
        errs.append(required(f"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None")
                    if spec.get("dnsConfig") is None else required(
                        f"{path}.dnsConfig.nameservers", "must provide at least one DNS nameserver when `dnsPolicy` "
                                                         "is None"))
    for i, g in enumerate(_l(spec, "readinessGates")):
        ct = _s(g, "conditionType")
        errs += _each(f"{path}.readinessGates[{i}].conditionType", ct, is_qualified_name(ct))
    seen: set[str] = set()
    for i, g in enumerate(_l(spec, "schedulingGates")):
        errs += _each(f"{path}.schedulingGates[{i}]", _s(g, "name"), is_qualified_name(_s(g, "name")))
        errs += [duplicate(f"{path}.schedulingGates[{i}]", _s(g, "name"))] if _s(g, "name") in seen else []
        seen.add(_s(g, "name"))
    errs += _spread(_l(spec, "topologySpreadConstraints"), f"{path}.topologySpreadConstraints")
    for key, fn in (("serviceAccountName", is_dns1123_subdomain), ("nodeName", is_dns1123_subdomain)):
        errs += _each(f"{path}.{key}", spec[key], fn(spec[key])) if _s(spec, key) else []
    ads = spec.get("activeDeadlineSeconds")
    if ads is not None and not 1 <= ads <= 2**31 - 1:
        errs.append(invalid(f"{path}.activeDeadlineSeconds", ads, "must be between 1 and 2147483647, inclusive"))
    for key in ("hostname", "subdomain"):
        errs += _each(f"{path}.{key}", spec[key], is_dns1123_label(spec[key])) if _s(spec, key) else []
    errs += tolerations(_l(spec, "tolerations"), f"{path}.tolerations")
    for i, ha in enumerate(_l(spec, "hostAliases")):
        p = f"{path}.hostAliases[{i}]"
        if not _is_ip(_s(ha, "ip")):
            errs.append(invalid(f"{p}.ip", _s(ha, "ip"), "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
        for j, h in enumerate(_l(ha, "hostnames")):
            errs += _each(f"{p}.hostnames[{j}]", h, is_dns1123_subdomain(h))
    for key in ("priorityClassName", "runtimeClassName"):
        errs += _each(f"{path}.{key}", spec[key], is_dns1123_subdomain(spec[key])) if _s(spec, key) else []
    pp = spec.get("preemptionPolicy")
    if pp is not None and pp not in ("PreemptLowerPriority", "Never"):
        errs.append(required(f"{path}.preemptionPolicy") if pp == "" else
                    unsupported(f"{path}.preemptionPolicy", pp, ["PreemptLowerPriority", "Never"]))
    for name, value in _d(spec, "overhead").items():
        p = f"{path}.overhead.limits[{name}]"
        errs += container_resource_name(name, p) + resource_quantity(name, value, p)
    if isinstance(spec.get("os"), dict):
        osn = _s(spec["os"], "name")
        errs += [required(f"{path}.os.name", "cannot be empty")] if not osn else \
            [unsupported(f"{path}.os", osn, ["linux", "windows"])] if osn not in ("linux", "windows") else []
    return errs


def pod_template(tpl: dict, path: str) -> Errs:
    """ValidatePodTemplateSpec: note the labels are reported at `<path>.labels`, as Go does."""
    meta = _d(tpl, "metadata")
    errs = labels(meta.get("labels"), f"{path}.labels") + annotations(meta.get("annotations"), f"{path}.annotations")
    errs += pod_spec(_d(tpl, "spec"), f"{path}.spec", is_pod=False)
    if _l(_d(tpl, "spec"), "ephemeralContainers"):
        errs.append(forbidden(f"{path}.spec.ephemeralContainers", "ephemeral containers not allowed in pod template"))
    return errs


def _pod(obj: dict) -> Errs:
    """validatePodMetadataAndSpec: ObjectMeta, PodSpec and the pod-only container checks."""
    spec = _d(obj, "spec")
    errs = object_meta(_d(obj, "metadata"), name_subdomain) + pod_spec(spec, "spec", is_pod=True)
    if not _s(spec, "serviceAccountName"):
        for vi, vol in enumerate(_l(spec, "volumes")):
            for si, src in enumerate(_l(_d(vol, "projected"), "sources")):
                if src.get("serviceAccountToken") is not None:
                    errs.append(forbidden(f"spec.volumes[{vi}].projected.sources[{si}].serviceAccountToken",
                                          "must not be specified when serviceAccountName is not set"))
    for kind in ("containers", "initContainers"):
        for i, c in enumerate(_l(spec, kind)):
            if _s(c, "image") != _s(c, "image").strip():
                errs.append(invalid(f"spec.{kind}[{i}].image", c["image"], "must not have leading or trailing "
                                                                           "whitespace"))
    return errs
