"""kubectl's output: the table columns per kind (pkg/printers/internalversion/printers.go), and -o yaml|json|name."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from ..apiserver.resources import Resource
from ..objects import get_condition, human_age, labels_string, parse_timestamp, selector_string
from ..pods import is_pod_ready, is_restartable_init_container
from .services import COLUMNS as SERVICE_COLUMNS


def table(rows: list[list[str]]) -> str:
    """text/tabwriter as kubectl sets it up: columns padded to the widest cell plus three spaces."""
    if not rows:
        return ""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [c.ljust(widths[i] + 3) if i < len(r) - 1 else c for i, c in enumerate(r)]
        lines.append("".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def age(obj: dict, now: float) -> str:
    created = obj.get("metadata", {}).get("creationTimestamp")
    return human_age(now - parse_timestamp(created)) if created else "<unknown>"


def _containers(obj: dict) -> tuple[str, str]:
    cs = obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or []
    return ",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)


# --- one row per kind ---------------------------------------------------------------------------------------------

def _exit_reason(t: dict) -> str:
    """A terminated state's reason, or Signal:N / ExitCode:N when the runtime gave none."""
    return t.get("reason") or (f"Signal:{t['signal']}" if t.get("signal") else f"ExitCode:{t.get('exitCode', 0)}")


def pod_status(pod: dict) -> tuple[str, str, str, str | None]:
    """printPod: READY, STATUS (the reason kubectl shows), RESTARTS and the last restart's time. Sidecars
    (restartable init containers) count among the containers; while init containers run, STATUS is Init:i/n or
    Init:<reason>."""
    status = pod.get("status", {})
    spec = pod.get("spec", {})
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or []}
    total = len(spec.get("containers") or []) + sum(map(is_restartable_init_container, init_specs.values()))
    ready = restarts = sidecar_restarts = 0
    reason = status.get("reason") or status.get("phase") or "Pending"
    last_restart = last_sidecar_restart = None
    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += cs.get("restartCount", 0)
        term_at = cs.get("lastState", {}).get("terminated", {}).get("finishedAt")
        if term_at and (last_restart is None or term_at > last_restart):
            last_restart = term_at
        sidecar = is_restartable_init_container(init_specs.get(cs.get("name")) or {})
        if sidecar:
            sidecar_restarts += cs.get("restartCount", 0)
            if term_at and (last_sidecar_restart is None or term_at > last_sidecar_restart):
                last_sidecar_restart = term_at
        state = cs.get("state", {})
        if state.get("terminated", {}).get("exitCode") == 0:
            continue
        if sidecar and cs.get("started"):
            ready += bool(cs.get("ready"))
            continue
        initializing = True
        if state.get("terminated"):
            reason = f"Init:{_exit_reason(state['terminated'])}"
        elif state.get("waiting", {}).get("reason") and state["waiting"]["reason"] != "PodInitializing":
            reason = f"Init:{state['waiting']['reason']}"
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        break
    initialized = (get_condition(pod, "Initialized") or {}).get("status") == "True"
    if not initializing or initialized:
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += cs.get("restartCount", 0)
            term_at = cs.get("lastState", {}).get("terminated", {}).get("finishedAt")
            if term_at and (last_restart is None or term_at > last_restart):
                last_restart = term_at
            state = cs.get("state", {})
            if state.get("waiting", {}).get("reason"):
                reason = state["waiting"]["reason"]
            elif state.get("terminated"):
                reason = _exit_reason(state["terminated"])
            elif "running" in state and cs.get("ready"):
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if is_pod_ready(pod) else "NotReady"
    if pod.get("metadata", {}).get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif status.get("phase") not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return f"{ready}/{total}", reason, str(restarts), last_restart


def _pod_row(pod: dict, now: float, wide: bool) -> list[str]:
    ready, reason, restarts, last = pod_status(pod)
    if last:
        restarts += f" ({human_age(now - parse_timestamp(last))} ago)"
    row = [pod["metadata"]["name"], ready, reason, restarts, age(pod, now)]
    if wide:
        gates = pod.get("spec", {}).get("readinessGates")
        row += [pod.get("status", {}).get("podIP") or "<none>", pod.get("spec", {}).get("nodeName") or "<none>",
                pod.get("status", {}).get("nominatedNodeName") or "<none>",
                f"{len(gates)}/{len(gates)}" if gates else "<none>"]
    return row


def _deployment_row(d: dict, now: float, wide: bool) -> list[str]:
    st = d.get("status", {})
    row = [d["metadata"]["name"], f"{st.get('readyReplicas', 0)}/{d['spec'].get('replicas', 0)}",
           str(st.get("updatedReplicas", 0)), str(st.get("availableReplicas", 0)), age(d, now)]
    if wide:
        names, images = _containers(d)
        row += [names, images, selector_string(d["spec"].get("selector"))]
    return row


def _replicaset_row(rs: dict, now: float, wide: bool) -> list[str]:
    st = rs.get("status", {})
    row = [rs["metadata"]["name"], str(rs["spec"].get("replicas", 0)), str(st.get("replicas", 0)),
           str(st.get("readyReplicas", 0)), age(rs, now)]
    if wide:
        names, images = _containers(rs)
        row += [names, images, selector_string(rs["spec"].get("selector"))]
    return row


def _node_row(n: dict, now: float, wide: bool) -> list[str]:
    ready = get_condition(n, "Ready")
    status = "Ready" if ready and ready["status"] == "True" else "NotReady" if ready else "Unknown"
    if n.get("spec", {}).get("unschedulable"):
        status += ",SchedulingDisabled"
    roles = sorted(k.split("/", 1)[1] for k in n["metadata"].get("labels", {})
                   if k.startswith("node-role.kubernetes.io/"))
    info = n.get("status", {}).get("nodeInfo", {})
    row = [n["metadata"]["name"], status, ",".join(roles) or "<none>", age(n, now), info.get("kubeletVersion", "")]
    if wide:
        addrs = {a["type"]: a["address"] for a in n.get("status", {}).get("addresses", [])}
        row += [addrs.get("InternalIP", "<none>"), addrs.get("ExternalIP", "<none>"), info.get("osImage", ""),
                info.get("kernelVersion", ""), info.get("containerRuntimeVersion", "")]
    return row


def _event_row(e: dict, now: float, wide: bool) -> list[str]:
    """printEvent (pkg/printers/internalversion): LAST SEEN is lastTimestamp, else the first time (firstTimestamp,
    else an events.k8s.io Event's eventTime), and a series' lastObservedTime wins over both."""
    first = e.get("firstTimestamp") or e.get("eventTime")
    last = ((e.get("series") or {}).get("lastObservedTime") if e.get("series") else None) or \
        e.get("lastTimestamp") or first
    seen = human_age(now - parse_timestamp(last)) if last else "<unknown>"
    io = e.get("involvedObject", {})
    return [seen, e.get("type", ""), e.get("reason", ""), f"{io.get('kind', '').lower()}/{io.get('name', '')}",
            e.get("message", "")]


def _pvc_row(p: dict, now: float, wide: bool) -> list[str]:
    st = p.get("status", {})
    return [p["metadata"]["name"], st.get("phase", ""), p["spec"].get("volumeName", ""),
            st.get("capacity", {}).get("storage", ""), _modes(st.get("accessModes") or []),
            p["spec"].get("storageClassName") or "<unset>", "<unset>", age(p, now)]


def _pv_row(p: dict, now: float, wide: bool) -> list[str]:
    ref = p["spec"].get("claimRef")
    claim = f"{ref['namespace']}/{ref['name']}" if ref else ""
    return [p["metadata"]["name"], p["spec"].get("capacity", {}).get("storage", ""),
            _modes(p["spec"].get("accessModes") or []), p["spec"].get("persistentVolumeReclaimPolicy", ""),
            p.get("status", {}).get("phase", ""), claim, p["spec"].get("storageClassName", ""), "<unset>",
            p.get("status", {}).get("reason", ""), age(p, now)]


def _modes(modes: list[str]) -> str:
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    return ",".join(short.get(m, m) for m in modes)


def _sc_row(sc: dict, now: float, wide: bool) -> list[str]:
    name = sc["metadata"]["name"]
    if sc["metadata"].get("annotations", {}).get("storageclass.kubernetes.io/is-default-class") == "true":
        name += " (default)"
    return [name, sc.get("provisioner", ""), sc.get("reclaimPolicy", "Delete"),
            sc.get("volumeBindingMode", "Immediate"), str(bool(sc.get("allowVolumeExpansion"))).lower(), age(sc, now)]


def _va_row(va: dict, now: float, wide: bool) -> list[str]:
    return [va["metadata"]["name"], va["spec"].get("attacher", ""),
            va["spec"].get("source", {}).get("persistentVolumeName", ""), va["spec"].get("nodeName", ""),
            str(bool(va.get("status", {}).get("attached"))).lower(), age(va, now)]


def _binding_row(b: dict, now: float, wide: bool) -> list[str]:
    ref = b.get("roleRef", {})
    row = [b["metadata"]["name"], f"{ref.get('kind')}/{ref.get('name')}", age(b, now)]
    if wide:
        subs = b.get("subjects") or []
        row += [",".join(s["name"] for s in subs if s["kind"] == kind) for kind in ("User", "Group")]
        row.append(",".join(f"{s.get('namespace', '')}/{s['name']}" for s in subs if s["kind"] == "ServiceAccount"))
    return row


COLUMNS: dict[str, tuple[list[str], list[str], Callable[[dict, float, bool], list[str]]]] = {
    "pods": (["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
             ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"], _pod_row),
    "deployments": (["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"],
                    _deployment_row),
    "replicasets": (["NAME", "DESIRED", "CURRENT", "READY", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"],
                    _replicaset_row),
    "nodes": (["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
              ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"], _node_row),
    "events": (["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], [], _event_row),
    "namespaces": (["NAME", "STATUS", "AGE"], [],
                   lambda o, now, w: [o["metadata"]["name"], o.get("status", {}).get("phase", ""), age(o, now)]),
    "serviceaccounts": (["NAME", "SECRETS", "AGE"], [],
                        lambda o, now, w: [o["metadata"]["name"], str(len(o.get("secrets") or [])), age(o, now)]),
    "persistentvolumeclaims": (["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS",
                                "VOLUMEATTRIBUTESCLASS", "AGE"], [], _pvc_row),
    "persistentvolumes": (["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS",
                           "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"], [], _pv_row),
    "storageclasses": (["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION",
                        "AGE"], [], _sc_row),
    "volumeattachments": (["NAME", "ATTACHER", "PV", "NODE", "ATTACHED", "AGE"], [], _va_row),
    "roles": (["NAME", "CREATED AT"], [], lambda o, now, w: [o["metadata"]["name"],
                                                              o["metadata"].get("creationTimestamp", "")]),
    "clusterroles": (["NAME", "CREATED AT"], [], lambda o, now, w: [o["metadata"]["name"],
                                                                     o["metadata"].get("creationTimestamp", "")]),
    "rolebindings": (["NAME", "ROLE", "AGE"], ["USERS", "GROUPS", "SERVICEACCOUNTS"], _binding_row),
    "clusterrolebindings": (["NAME", "ROLE", "AGE"], ["USERS", "GROUPS", "SERVICEACCOUNTS"], _binding_row),
    "leases": (["NAME", "HOLDER", "AGE"], [], lambda o, now, w: [o["metadata"]["name"],
                                                                  o.get("spec", {}).get("holderIdentity", ""),
                                                                  age(o, now)]),
    # printMutatingWebhook: how many webhooks the configuration holds
    "mutatingwebhookconfigurations": (["NAME", "WEBHOOKS", "AGE"], [], lambda o, now, w: [
        o["metadata"]["name"], str(len(o.get("webhooks") or [])), age(o, now)]),
    # printPriorityClass: PREEMPTIONPOLICY is the class's own field (printers.go, since v1.33)
    "priorityclasses": (["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"], [],
                        lambda o, now, w: [o["metadata"]["name"], str(o.get("value", 0)),
                                           str(bool(o.get("globalDefault"))).lower(), age(o, now),
                                           o.get("preemptionPolicy") or ""]),
    # printPodDisruptionBudget: N/A for the bound that is not set
    "poddisruptionbudgets": (["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"], [],
                             lambda o, now, w: [o["metadata"]["name"], *(str(o.get("spec", {}).get(k, "N/A"))
                                                                         for k in ("minAvailable", "maxUnavailable")),
                                                str(o.get("status", {}).get("disruptionsAllowed", 0)), age(o, now)]),
    **SERVICE_COLUMNS,          # services, endpoints, endpointslices (services.py)
}


def print_table(res: Resource, objs: list[dict], now: float, wide: bool = False, namespaces: bool = False,
                show_labels: bool = False, with_kind: bool = False) -> str:
    head, extra, row_fn = COLUMNS.get(res.resource, (["NAME", "AGE"], [],
                                                    lambda o, n, w: [o["metadata"]["name"], age(o, n)]))
    header = (["NAMESPACE"] if namespaces else []) + head + (extra if wide else []) + (
        ["LABELS"] if show_labels else [])
    rows = [header]
    for o in objs:
        row = row_fn(o, now, wide)
        if with_kind:
            row[0] = f"{res.kubectl_name}/{row[0]}"
        if namespaces:
            row.insert(0, o["metadata"].get("namespace", ""))
        if show_labels:
            row.append(labels_string(o["metadata"].get("labels")))
        rows.append(row)
    return table(rows)


class _Dumper(yaml.SafeDumper):
    """Go's YAML style: keys sorted, strings that need quotes get double quotes (`resourceVersion: "26"`); a value
    shared by two places prints twice, never as a YAML anchor and alias (Go's encoder has none)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    """go-yaml's stringv: literal for multi-line, double quotes where a plain scalar would resolve to another type
    ("true", "1", "", and YAML 1.1's "y"/"n", which go-yaml v2 resolves as bools and PyYAML does not), otherwise
    plain, or single quotes where the emitter can't write it plain ("a: b")."""
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if value in ("", "y", "Y", "n", "N") or dumper.resolve(yaml.ScalarNode, value, (True, False)) != "tag:yaml.org,2002:str":
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def to_yaml(obj: dict) -> str:
    return yaml.dump(obj, Dumper=_Dumper, default_flow_style=False, sort_keys=True, width=10_000,
                     allow_unicode=True)


def to_json(obj: dict) -> str:
    return json.dumps(obj, indent=4) + "\n"


def print_created(ctx: Any, kind_name: str, obj: dict, output: str, dry: str) -> int:
    """What kubectl's create generators and `run` print: the object with -o yaml|json (managedFields hidden unless
    --show-managed-fields), else `<kind>/<name> created[ (dry run)]`, or just the name with -o name."""
    if output in ("yaml", "json"):
        obj = hide_managed_fields(obj, bool(ctx.args.get("show-managed-fields")))
        ctx.print(to_yaml(obj) if output == "yaml" else to_json(obj))
        return 0
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry, "")
    ctx.print(f"{kind_name}/{obj['metadata']['name']}" + ("" if output == "name" else f" created{suffix}"))
    return 0


def hide_managed_fields(obj: dict, show: bool = False) -> dict:
    """What kubectl's printers print (-o yaml|json): metadata.managedFields left out unless --show-managed-fields;
    a List's items likewise. A copy where something is left out; `obj` itself otherwise."""
    if show or not isinstance(obj, dict):
        return obj
    if isinstance(obj.get("items"), list):
        return {**obj, "items": [hide_managed_fields(i) for i in obj["items"]]}
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        return {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}
    return obj


def as_list(items: list[dict]) -> dict:
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
