"""Pod status as the kubelet generates it (kubelet_pods.go generateAPIPodStatus, getPhase; status/generate.go).

What the kubelet knows about each pod lives in a `PodRecord`; the API status is always regenerated from it and
the runtime, then written only when it differs from the stored one (the status manager's job).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..objects import get_condition, timestamp
from ..pods import TERMINAL_PHASES, is_restartable_init_container
from .runtime import Container, Runtime

CONDITION_ORDER = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")


@dataclass
class ContainerRecord:
    """The kubelet's view of one container of the pod spec across restarts."""

    name: str
    container_id: str = ""            # the current runtime container
    restart_count: int = 0
    last_terminated: dict | None = None
    waiting: tuple[str, str] | None = None   # an error waiting reason and message (ErrImagePull, CrashLoopBackOff…)
    pulling: bool = False
    ready: bool = False
    crashes_pending: int = 0
    restart_due: float | None = None  # a back-off restart already scheduled for this time
    started: bool = False             # the startup probe passed (or there is none) for the current container
    stopping: str = ""                # the container ID a kill is under way for (preStop, stop signal)


@dataclass
class PodRecord:
    """The kubelet's memory of one pod (by UID): admission, volumes, sandbox, containers, status bookkeeping."""

    uid: str
    key: str
    admitted: bool = False
    rejected: bool = False
    admitted_at: float = 0.0
    volumes_ready: bool = False
    mounts: dict[str, dict] = field(default_factory=dict)   # volume name -> {pv, handle, staging, target, …}
    sandbox_id: str = ""
    ip: str = ""
    containers: dict[str, ContainerRecord] = field(default_factory=dict)
    transitions: dict[str, tuple[str, str]] = field(default_factory=dict)  # condition -> (status, time)
    terminating: str = ""              # "", "killing", "killed", "sandbox", "volumes", "deleted"
    grace: int = 0                     # the grace period the containers are being killed with
    waiting_since: float | None = None
    mount_failures: int = 0


def container_state(rec: ContainerRecord, ctr: Container | None, default_waiting: str = "ContainerCreating"
                    ) -> tuple[dict, dict]:
    """The (state, lastState) pair of one container status; a container the runtime does not know yet waits with
    `default_waiting` (PodInitializing in a pod with init containers)."""
    last = {"terminated": rec.last_terminated} if rec.last_terminated else {}
    if ctr is not None and ctr.running:
        return {"running": {"startedAt": timestamp(ctr.started_at)}}, last
    if rec.waiting is not None:
        reason, message = rec.waiting
        waiting = {"reason": reason, **({"message": message} if message else {})}
        if ctr is not None and ctr.exited:
            last = {"terminated": terminated(ctr)}      # waiting to restart: the exit just seen is the last state
        return {"waiting": waiting}, last
    if ctr is not None and ctr.exited:
        return {"terminated": terminated(ctr)}, last
    return {"waiting": {"reason": default_waiting}}, last


def terminated(ctr: Container) -> dict:
    """ContainerStateTerminated of an exited container."""
    return {"exitCode": ctr.exit_code, "reason": ctr.reason, "startedAt": timestamp(ctr.started_at),
            "finishedAt": timestamp(ctr.finished_at), "containerID": f"containerd://{ctr.id}"}


def container_statuses(pod: dict, rec: PodRecord, runtime: Runtime, init: bool = False) -> list[dict]:
    """status.containerStatuses (or, `init`, initContainerStatuses), in spec order. `started`: running and the
    startup probe (if any) passed; an init container is ready once it exited 0, a sidecar or regular container
    when it has started and its readiness probe (if any) passed (prober_manager.go UpdatePodStatus)."""
    out = []
    default_waiting = "PodInitializing" if pod["spec"].get("initContainers") else "ContainerCreating"
    for spec in pod["spec"].get("initContainers" if init else "containers") or []:
        crec = rec.containers.get(spec["name"]) or ContainerRecord(spec["name"])
        ctr = runtime.containers.get(crec.container_id) if crec.container_id else None
        state, last = container_state(crec, ctr, default_waiting)
        running = ctr is not None and ctr.running
        if init and not is_restartable_init_container(spec):
            ready = "terminated" in state and state["terminated"]["exitCode"] == 0
        else:
            ready = bool(crec.ready and crec.started and running)
        status = {"name": spec["name"], "state": state, "lastState": last, "ready": ready,
                  "restartCount": crec.restart_count,
                  "image": ctr.image if ctr else spec.get("image", ""), "imageID": ctr.image_id if ctr else ""}
        if ctr is not None:
            status["containerID"] = f"containerd://{ctr.id}"
        status["started"] = running and crec.started
        if ctr is not None and spec.get("volumeMounts"):
            status["volumeMounts"] = volume_mount_statuses(spec)
        out.append(status)
    return out


def volume_mount_statuses(spec: dict) -> list[dict]:
    """containerStatuses[].volumeMounts (RecursiveReadOnlyMounts, on in v1.35): each mount of the spec, and for a
    read-only one `recursiveReadOnly: Disabled` (none asks for Enabled here). convertContainerStatus writes them
    only for a container the runtime knows, so a ContainerCreating status has none."""
    out = []
    for m in spec.get("volumeMounts") or []:
        st = {"name": m["name"], "mountPath": m["mountPath"]}
        if m.get("readOnly"):
            st["readOnly"] = True
            st["recursiveReadOnly"] = "Enabled" if m.get("recursiveReadOnly") == "Enabled" else "Disabled"
        out.append(st)
    return out


def has_any_regular_container_started(statuses: list[dict]) -> bool:
    """HasAnyRegularContainerStarted: a regular container runs or has run, so the pod was initialized once."""
    return any("running" in st["state"] or "terminated" in st["state"] for st in statuses)


def get_phase(pod: dict, statuses: list[dict], terminal: bool = False, init_statuses: list[dict] = ()) -> str:
    """getPhase: init containers first (a pending regular one keeps the pod Pending, a failed one fails a
    restartPolicy=Never pod), then the sidecars and the regular containers counted together."""
    by_name = {st["name"]: st for st in init_statuses}
    pending_init = pending_sidecars = failed_init = 0
    running = waiting = stopped = succeeded = unknown = 0
    for c in pod["spec"].get("initContainers") or []:
        st = by_name.get(c["name"])
        state = st["state"] if st else {}
        exited = state.get("terminated") or (st or {}).get("lastState", {}).get("terminated")
        if is_restartable_init_container(c):
            if "running" in state:
                running += 1
                pending_sidecars += not st["started"]
            elif "waiting" in state and not exited:
                pending_sidecars += 1
                waiting += 1
            elif not state:
                pending_sidecars += 1
                unknown += 1
        elif "running" in state or not exited:
            pending_init += 1
        elif exited["exitCode"] != 0:
            failed_init += 1
    for st in statuses:
        state = st["state"]
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            succeeded += state["terminated"]["exitCode"] == 0
        elif "waiting" in state:
            if st["lastState"].get("terminated"):
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1
    policy = pod["spec"].get("restartPolicy", "Always")
    if terminal and running == 0 and unknown == 0 and waiting == 0:
        return "Succeeded" if stopped == succeeded else "Failed"
    if failed_init and policy == "Never":
        return "Failed"
    if pending_init or (pending_sidecars and not has_any_regular_container_started(statuses)):
        return "Pending"
    if waiting > 0:
        return "Pending"
    if running > 0 and unknown == 0:
        return "Running"
    if running == 0 and stopped > 0 and unknown == 0:
        if policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        if policy == "Never":
            return "Failed"
        return "Running"
    return "Pending"


def _condition(rec: PodRecord, pod: dict, ctype: str, status: str, now: float, reason: str = "",
               message: str = "") -> dict:
    """One pod condition; lastTransitionTime moves only when the status changes."""
    prev = rec.transitions.get(ctype)
    if prev is None or prev[0] != status:
        rec.transitions[ctype] = (status, timestamp(now))
    cond = {"type": ctype}
    generation = pod["metadata"].get("generation")
    if generation is not None:
        cond["observedGeneration"] = generation
    cond.update({"status": status, "lastProbeTime": None, "lastTransitionTime": rec.transitions[ctype][1]})
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


def initialized(pod: dict, statuses: list[dict], init_statuses: list[dict], phase: str) -> tuple[str, str, str]:
    """GeneratePodInitializedCondition: (status, reason, message). Each regular init container must have exited 0
    and each sidecar started, unless a regular container already started (a sidecar restarting later)."""
    by_name = {st["name"]: st for st in init_statuses}
    unknown, incomplete = [], []
    for c in pod["spec"].get("initContainers") or []:
        st = by_name.get(c["name"])
        if st is None:
            unknown.append(c["name"])
        elif is_restartable_init_container(c):
            if not st["started"]:
                incomplete.append(c["name"])
        elif st["state"].get("terminated", {}).get("exitCode") != 0:
            incomplete.append(c["name"])
    if phase == "Succeeded" and not unknown:
        return "True", "PodCompleted", ""
    if has_any_regular_container_started(statuses):
        return "True", "", ""
    messages = ([f"containers with unknown status: [{' '.join(unknown)}]"] if unknown else []) + \
        ([f"containers with incomplete status: [{' '.join(incomplete)}]"] if incomplete else [])
    if messages:
        return "False", "ContainersNotInitialized", ", ".join(messages)
    return "True", "", ""


def pod_conditions(pod: dict, rec: PodRecord, statuses: list[dict], phase: str, now: float,
                   init_statuses: list[dict] = ()) -> list[dict]:
    """The five conditions in the order generateAPIPodStatus writes them. ContainersReady counts the sidecars
    (restartable init containers) before the regular containers."""
    sandbox_ready = bool(rec.sandbox_id and rec.ip and rec.terminating in ("", "killing"))
    init_status, init_reason, init_message = initialized(pod, statuses, init_statuses, phase)
    conds = [_condition(rec, pod, "PodReadyToStartContainers", "True" if sandbox_ready else "False", now),
             _condition(rec, pod, "Initialized", init_status, now, init_reason, init_message)]
    sidecars = {c["name"] for c in pod["spec"].get("initContainers") or [] if is_restartable_init_container(c)}
    unready = [st["name"] for st in init_statuses if st["name"] in sidecars and not st["ready"]] + \
        [st["name"] for st in statuses if not st["ready"]]
    if phase in TERMINAL_PHASES:
        reason, message = ("PodCompleted" if phase == "Succeeded" else "PodFailed"), ""
        ready = "False"
    elif unready:
        reason, message = "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]"
        ready = "False"
    else:
        reason, message, ready = "", "", "True"
    conds.append(_condition(rec, pod, "Ready", ready, now, reason, message))
    conds.append(_condition(rec, pod, "ContainersReady", ready, now, reason, message))
    scheduled = get_condition(pod, "PodScheduled")
    if scheduled and scheduled.get("status") == "True":
        rec.transitions.setdefault("PodScheduled", ("True", scheduled.get("lastTransitionTime")))
    conds.append(_condition(rec, pod, "PodScheduled", "True", now))
    return conds


def generate_api_pod_status(pod: dict, rec: PodRecord, runtime: Runtime, now: float, host_ip: str,
                            terminal: bool = False) -> dict:
    """generateAPIPodStatus: phase, conditions, IPs, startTime, container statuses, qosClass (kept)."""
    old = pod.get("status") or {}
    statuses = container_statuses(pod, rec, runtime)
    init_statuses = container_statuses(pod, rec, runtime, init=True)
    phase = get_phase(pod, statuses, terminal, init_statuses)
    status: dict = {}
    generation = pod["metadata"].get("generation")
    if generation is not None:
        status["observedGeneration"] = generation
    status["phase"] = phase
    status["conditions"] = pod_conditions(pod, rec, statuses, phase, now, init_statuses)
    status["hostIP"] = host_ip
    status["hostIPs"] = [{"ip": host_ip}]
    if rec.ip:
        status["podIP"] = rec.ip
        status["podIPs"] = [{"ip": rec.ip}]
    status["startTime"] = old.get("startTime") or timestamp(rec.admitted_at)
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    status["containerStatuses"] = statuses
    if old.get("qosClass"):
        status["qosClass"] = old["qosClass"]
    return status


def status_summary(status: dict) -> dict:
    """The facts a trace record keeps about a written status."""
    return {"phase": status.get("phase"),
            "conditions": [(c["type"], c["status"]) for c in status.get("conditions", [])],
            "containers": [(c["name"] + kind, next(iter(c["state"])), (c["state"].get("waiting") or {}).get("reason", ""),
                            c["ready"], c["restartCount"])
                           for kind, key in ((" (init)", "initContainerStatuses"), ("", "containerStatuses"))
                           for c in status.get(key, [])],
            "podIP": status.get("podIP", "")}
