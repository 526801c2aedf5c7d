"""The kubelet's container runtime manager (pkg/kubelet/kuberuntime): the sandbox and container steps of SyncPod.

kuberuntime_manager.go computePodActions decides what to start or restart; kuberuntime_sandbox.go
createPodSandbox runs CRI RunPodSandbox (which runs CNI ADD); kuberuntime_container.go startContainer ensures the
image (images/image_manager.go EnsureImageExists, the pull finishing on a timer), then CRI CreateContainer and
StartContainer. Crash-loop and image-pull back-offs live here; PLEG's exits arrive as loop entries. Each started
container gets its app (apps.py); the prober (prober.py) hears of starts and exits. The manager sees the kubelet
through a `RuntimeHandle`, not the Kubelet class.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..objects import go_duration
from ..pods import is_restartable_init_container
from .apps import app_for, startup_line
from .backoff import EPSILON, Backoff
from .images import ImageStore, Pull, default_pull_policy, parse_image, pulled_message
from .logs import exit_line, startup_lines
from .runtime import PAUSE_IMAGE, CRIError
from .status import ContainerRecord, PodRecord, terminated

if TYPE_CHECKING:
    from .handle import RuntimeHandle

POD_RESYNC_AFTER_ERROR = 10.0     # pod worker back-off after a failed sync (sandbox creation)
PULL_ERROR_RESYNC = 1.0           # the pod worker looks at a pod again shortly after a failed pull
INIT_CONTAINER_SECONDS = 1.0      # how long an init container runs when its command has no `sleep N`


def format_pod(pod: dict) -> str:
    """format.Pod: name_namespace(uid), as kubelet messages name a pod."""
    m = pod["metadata"]
    return f"{m['name']}_{m['namespace']}({m['uid']})"


def container_spec(pod: dict, name: str) -> tuple[dict, bool]:
    """The spec of container `name` and whether it is an init container (names are unique across both lists)."""
    for c in pod["spec"].get("initContainers") or []:
        if c["name"] == name:
            return c, True
    return next(c for c in pod["spec"].get("containers") or [] if c["name"] == name), False


def container_ref(pod: dict, name: str) -> str:
    """The fieldPath container events carry: spec.containers{nginx}, spec.initContainers{init-db}."""
    field = "initContainers" if container_spec(pod, name)[1] else "containers"
    return f"spec.{field}{{{name}}}"


def run_to_completion(spec: dict) -> tuple[float, int]:
    """How long an init container's process runs and its exit code. kubeteach runs no processes, so it reads its
    command and args: `sleep N` sets the time (else INIT_CONTAINER_SECONDS) and `exit N` the code (else 0)."""
    words = " ".join(str(w) for w in (spec.get("command") or []) + (spec.get("args") or []))
    sleep = re.search(r"\bsleep\s+(\d+(?:\.\d+)?)\b", words)
    code = re.search(r"\bexit\s+(\d+)\b", words)
    return (float(sleep.group(1)) if sleep else INIT_CONTAINER_SECONDS), (int(code.group(1)) % 256 if code else 0)


def should_restart(policy: str, exit_code: int | None) -> bool:
    """ShouldContainerBeRestarted for an exited container."""
    return policy == "Always" or (policy == "OnFailure" and exit_code != 0)


class RuntimeManager:
    """kubeGenericRuntimeManager for one kubelet: sandboxes, images and containers through CRI."""

    def __init__(self, kubelet: RuntimeHandle, images: ImageStore):
        """`kubelet`: the pod workers' state, CRI/CNI and SetPodStatus; `images`: the node's image store."""
        self.kubelet, self.images = kubelet, images
        self.crash_backoff = Backoff()
        self.pull_backoff = Backoff()

    # --- sandbox ------------------------------------------------------------------------------------------------

    def create_pod_sandbox(self, pod: dict, rec: PodRecord) -> None:
        """createPodSandbox: CRI RunPodSandbox; the runtime runs CNI ADD, whose IP becomes status.podIP."""
        k = self.kubelet
        try:
            sandbox = k.runtime.run_pod_sandbox(rec.uid, rec.key)
        except CRIError as err:
            message = f"Failed to create pod sandbox: {err}"
            k.recorder.event(pod, "Warning", "FailedCreatePodSandBox", message)
            k.record("kubelet-sandbox-failed", rec.key, error=str(err), retry=POD_RESYNC_AFTER_ERROR,
                     cidr=str(k.cni.subnet))
            k.queue.add_after(rec.key, POD_RESYNC_AFTER_ERROR, kind="retry")
            return
        rec.sandbox_id, rec.ip = sandbox.id, sandbox.ip
        k.record("kubelet-sandbox", rec.key, cidr=str(k.cni.subnet), ip=sandbox.ip, sandbox=sandbox.id,
                 pause=PAUSE_IMAGE)
        k.write_status(pod, rec)
        k.queue.add(rec.key)

    # --- containers ---------------------------------------------------------------------------------------------

    def sync_containers(self, pod: dict, rec: PodRecord) -> None:
        """computePodActions: the init containers one at a time, then the regular containers: start what is
        missing, restart what exited."""
        k = self.kubelet
        init = self.sync_init_containers(pod, rec)
        if init == "wait":
            k.write_status(pod, rec)
        if init != "done":
            return
        policy = pod["spec"].get("restartPolicy", "Always")
        for spec in pod["spec"].get("containers") or []:
            crec = rec.containers.setdefault(spec["name"], ContainerRecord(spec["name"]))
            ctr = k.runtime.containers.get(crec.container_id) if crec.container_id else None
            if ctr is not None and ctr.running:
                continue
            if crec.pulling:
                break                       # SyncPod blocks on the pull in progress
            if crec.restart_due is not None and k.now < crec.restart_due - EPSILON:
                continue                    # a back-off (pull or crash) is already waiting for its time
            if ctr is not None and ctr.exited:
                if not should_restart(policy, ctr.exit_code):
                    continue
                if not self._restart_allowed(pod, rec, crec, ctr):
                    continue
            outcome = self.start_container(pod, rec, spec, crec)
            if outcome == "started":
                k.write_status(pod, rec)
                k.queue.add(rec.key)
                return
            if outcome == "pulling":
                break
        k.write_status(pod, rec)

    def sync_init_containers(self, pod: dict, rec: PodRecord) -> str:
        """computeInitContainerActions: in spec order, start the first init container that has not run (or
        restart a failed one) and wait for it; a sidecar (restartPolicy Always) counts once it runs. "done" when
        every init container has exited 0 and every sidecar runs, "acted" after starting one, else "wait". Once a
        regular container has started, the pod is initialized: only exited sidecars are restarted."""
        k = self.kubelet
        policy = pod["spec"].get("restartPolicy", "Always")
        initialized = any(rec.containers[c["name"]].container_id for c in pod["spec"].get("containers") or []
                          if c["name"] in rec.containers)
        for spec in pod["spec"].get("initContainers") or []:
            sidecar = is_restartable_init_container(spec)
            if initialized and not sidecar:
                continue
            crec = rec.containers.setdefault(spec["name"], ContainerRecord(spec["name"]))
            ctr = k.runtime.containers.get(crec.container_id) if crec.container_id else None
            if ctr is not None and ctr.running:
                if sidecar:
                    continue
                return "wait"                   # PLEG brings the pod back when it exits
            if ctr is not None and ctr.exited and not sidecar and ctr.exit_code == 0:
                continue
            busy = crec.pulling or (crec.restart_due is not None and k.now < crec.restart_due - EPSILON)
            if not busy and ctr is not None and ctr.exited:
                if not sidecar and policy == "Never":
                    return "wait"               # initialization failed: getPhase makes the pod Failed
                busy = not self._restart_allowed(pod, rec, crec, ctr)
            if busy:
                if initialized:
                    continue
                return "wait"
            outcome = self.start_container(pod, rec, spec, crec)
            if outcome == "started":
                k.write_status(pod, rec)
                k.queue.add(rec.key)
                return "acted"
            return "wait"
        return "done"

    def _restart_allowed(self, pod: dict, rec: PodRecord, crec: ContainerRecord, ctr) -> bool:
        """doBackOff: inside the back-off window → CrashLoopBackOff; outside → Next() and restart now."""
        k = self.kubelet
        bkey = f"{pod['metadata']['name']}_{pod['metadata']['namespace']}_{rec.uid}_{crec.name}"
        if self.crash_backoff.is_in_backoff_since(bkey, ctr.finished_at, k.now):
            delay = self.crash_backoff.get(bkey)
            message = (f"back-off {go_duration(delay)} restarting failed container={crec.name} "
                       f"pod={format_pod(pod)}")
            due = ctr.finished_at + delay
            if crec.waiting != ("CrashLoopBackOff", message):
                crec.waiting = ("CrashLoopBackOff", message)
                k.recorder.event(pod, "Warning", "BackOff", f"Back-off restarting failed container {crec.name} "
                                 f"in pod {format_pod(pod)}", container_ref(pod, crec.name))
                k.record("kubelet-crashloop", rec.key, container=crec.name, delay=delay, due=due,
                         restarts=crec.restart_count)
            self._resync_at(rec, crec, due)
            return False
        self.crash_backoff.next(bkey, ctr.finished_at)
        return True

    def _resync_at(self, rec: PodRecord, crec: ContainerRecord, due: float) -> None:
        """Look at the pod again when a back-off window closes (a "retry": it does not keep the cluster busy)."""
        k = self.kubelet
        if crec.restart_due == due:
            return
        crec.restart_due = due
        k.queue.add_after(rec.key, max(due - k.now, 0.0), kind="retry")

    def start_container(self, pod: dict, rec: PodRecord, spec: dict, crec: ContainerRecord) -> str:
        """startContainer: EnsureImageExists, then CreateContainer and StartContainer; "started", "pulling",
        or "error"."""
        k = self.kubelet
        image = spec.get("image", "")
        ref = parse_image(image)
        policy = spec.get("imagePullPolicy") or default_pull_policy(image)
        present = self.images.has(ref)
        field_path = container_ref(pod, spec["name"])
        crec.restart_due = None
        if policy == "Never" and not present:
            message = f'Container image "{image}" is not present with pull policy of Never'
            if crec.waiting != ("ErrImageNeverPull", message):
                crec.waiting = ("ErrImageNeverPull", message)
                k.recorder.event(pod, "Warning", "ErrImageNeverPull", message, field_path)
                k.record("kubelet-never-pull", rec.key, container=spec["name"], image=image)
            return "error"
        if present and policy != "Always":
            # KubeletEnsureSecretPulledImages (beta, on in v1.35) gives image_manager.go the longer text
            k.recorder.event(pod, "Normal", "Pulled", f'Container image "{image}" already present on machine '
                             "and can be accessed by the pod", field_path)
            k.record("kubelet-image-present", rec.key, image=image, policy=policy)
            self.create_and_start(pod, rec, spec, crec, ref)
            return "started"
        pkey = f"{rec.uid}_{image}"
        if self.pull_backoff.is_in_backoff_since_update(pkey, k.now):
            message = f'Back-off pulling image "{image}"'
            if crec.waiting is None or crec.waiting[0] != "ImagePullBackOff":
                crec.waiting = ("ImagePullBackOff", message)
                k.recorder.event(pod, "Normal", "BackOff", message, field_path)
                k.recorder.event(pod, "Warning", "Failed", "Error: ImagePullBackOff", field_path)
                k.record("kubelet-pull-backoff", rec.key, image=image, delay=self.pull_backoff.get(pkey),
                         due=self.pull_backoff.until(pkey))
            self._resync_at(rec, crec, self.pull_backoff.until(pkey))
            return "error"
        k.recorder.event(pod, "Normal", "Pulling", f'Pulling image "{image}"', field_path)
        pull = self.images.start_pull(ref, k.now)
        crec.pulling = True
        k.record("kubelet-pull", rec.key, image=image, policy=policy, present=present, size=pull.size,
                 seconds=pull.done - pull.started, queued=pull.started - pull.requested)
        k.schedule(pull.done - k.now, self, "pull_done", rec.uid, spec["name"], pull, label=f"pull {image}")
        return "pulling"

    def pull_done(self, uid: str, name: str, pull: Pull) -> None:
        """The pull finished: Pulled and start the container, or Failed / ErrImagePull and back off."""
        k = self.kubelet
        self.images.finish_pull(pull)
        rec = k.records.get(uid)
        pod = k.pods.get(rec.key) if rec else None
        if rec is None or pod is None or pod["metadata"]["uid"] != uid or rec.terminating:
            k.record("kubelet-pull-orphan", rec.key if rec else uid, image=pull.ref.written, error=pull.error)
            return
        crec = rec.containers[name]
        crec.pulling = False
        spec = container_spec(pod, name)[0]
        image, field_path = spec["image"], container_ref(pod, name)
        if pull.error:
            k.recorder.event(pod, "Warning", "Failed", f'Failed to pull image "{image}": {pull.error}', field_path)
            k.recorder.event(pod, "Warning", "Failed", "Error: ErrImagePull", field_path)
            delay = self.pull_backoff.next(f"{uid}_{image}", k.now)
            crec.waiting = ("ErrImagePull", pull.error)
            k.record("kubelet-pull-failed", rec.key, image=image, error=pull.error, delay=delay)
            k.write_status(pod, rec)
            crec.restart_due = k.now + PULL_ERROR_RESYNC
            k.queue.add_after(rec.key, PULL_ERROR_RESYNC, kind="retry")
            return
        k.recorder.event(pod, "Normal", "Pulled", pulled_message(image, pull.done - pull.started,
                                                                 pull.done - pull.requested, pull.size),
                         field_path)
        k.record("kubelet-pulled", rec.key, image=image, seconds=pull.done - pull.started,
                 waited=pull.done - pull.requested, size=pull.size)
        self.create_and_start(pod, rec, spec, crec, pull.ref)
        k.write_status(pod, rec)
        k.queue.add(rec.key)

    def create_and_start(self, pod: dict, rec: PodRecord, spec: dict, crec: ContainerRecord, ref) -> None:
        """CRI CreateContainer (event Created), CRI StartContainer (event Started); v1.35 wording."""
        k = self.kubelet
        old = k.runtime.containers.get(crec.container_id) if crec.container_id else None
        if old is not None and old.exited:
            crec.last_terminated = terminated(old)
            crec.restart_count += 1
        ctr = k.runtime.create_container(rec.sandbox_id, spec["name"], ref.full, self.images.image_id(ref),
                                         k.now)
        k.record("kubelet-create", rec.key, container=spec["name"], image=ref.full, id=ctr.id)
        k.recorder.event(pod, "Normal", "Created", "Container created", container_ref(pod, spec["name"]))
        k.runtime.start_container(ctr.id, k.now)
        ctr.app = app_for(spec, ref.repository, ref.tag, k.now)
        ctr.logs.extend(startup_lines(ref.repository, ref.tag, k.now) + startup_line(ctr.app, k.now))
        crec.container_id, crec.waiting, crec.restart_due = ctr.id, None, None
        probe = "startup" if spec.get("startupProbe") else "readiness" if spec.get("readinessProbe") else ""
        crec.started = spec.get("startupProbe") is None
        crec.ready = crec.started and spec.get("readinessProbe") is None
        k.record("kubelet-start", rec.key, container=spec["name"], image=ref.full, id=ctr.id,
                 restarts=crec.restart_count, probe=probe)
        k.recorder.event(pod, "Normal", "Started", "Container started", container_ref(pod, spec["name"]))
        k.prober.container_started(rec.uid, spec["name"])
        if ctr.app.crash_after is not None:
            k.schedule(ctr.app.crash_after, self, "app_exits", rec.uid, ctr.id, 1, label=f"{spec['name']} crashes")
        if crec.crashes_pending > 0:
            k.schedule(0.0, self, "container_exited", rec.uid, ctr.id, 1, label=f"crash {spec['name']}")
        elif container_spec(pod, spec["name"])[1] and not is_restartable_init_container(spec):
            seconds, code = run_to_completion(spec)
            k.schedule(seconds, self, "container_exited", rec.uid, ctr.id, code, False,
                       label=f"init container {spec['name']} exits")

    def app_exits(self, uid: str, container_id: str, exit_code: int) -> None:
        """The app ends by itself (the demo app's CRASH_AFTER_SECONDS): its last line, then PLEG sees the exit."""
        ctr = self.kubelet.runtime.containers.get(container_id)
        if ctr is not None and ctr.running:
            ctr.logs.append((self.kubelet.now, f"demo-app: CRASH_AFTER_SECONDS reached, exiting with code {exit_code}"))
        self.container_exited(uid, container_id, exit_code, False)

    def container_exited(self, uid: str, container_id: str, exit_code: int, fault: bool = True) -> None:
        """The process ended (PLEG notices): record why, write the status, and let sync_pod decide on a restart.
        `fault`: a crash kubeteach injected, which leaves its own line in the container's log."""
        k = self.kubelet
        rec = k.records.get(uid)
        if rec is None or k.runtime.containers.get(container_id) is None:
            return
        ctr = k.runtime.containers[container_id]
        if not ctr.running:
            return
        k.runtime.exit_container(container_id, k.now, exit_code)
        if exit_code and fault:
            ctr.logs.append(exit_line(k.now, exit_code))
        crec = rec.containers[ctr.name]
        crec.ready = False
        if crec.crashes_pending > 0:
            crec.crashes_pending -= 1
        k.record("kubelet-exited", rec.key, container=ctr.name, code=exit_code, reason=ctr.reason)
        k.prober.changed(uid)
        pod = k.pods.get(rec.key)
        if pod is not None:
            if not rec.terminating:         # a terminating pod's status is written once its containers are gone
                k.write_status(pod, rec)
            k.queue.add(rec.key)
