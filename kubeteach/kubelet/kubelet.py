"""The kubelet (pkg/kubelet): runs the pods bound to one node, through CRI, CNI and CSI, and reports back.

Pods arrive through a node-scoped informer (spec.nodeName = this node). `sync_pod` follows Kubelet.SyncPod's
order, one step per loop entry: admission and the first status write; volumes (WaitForAttachAndMount); the
sandbox (CRI RunPodSandbox, which runs CNI ADD); then per container the image (EnsureImageExists, the pull
finishing on a timer), CRI CreateContainer and StartContainer. A pod with a deletionTimestamp is torn down
(Killing, StopContainer, StopPodSandbox with CNI DEL, CSI unpublish/unstage) and then deleted for good.

Approximations: containers exit on SIGTERM at once; the pod worker's re-sync after a failed pull is 1 s (so
ErrImagePull is seen before ImagePullBackOff); a readiness probe first succeeds at startedAt +
initialDelaySeconds; init containers are not run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..apiserver import APIError
from ..client import Client, InformerFactory, OnNew, WorkQueue
from ..events import EventRecorder
from ..loop import Entry
from ..objects import deep_copy, format_bytes, go_duration, int_value, key_of, milli_value
from ..pods import is_terminal, pod_requests
from ..trace import narrative
from .backoff import EPSILON, Backoff
from .cni import HostLocal
from .csi import CSINodePlugin
from .images import ImageStore, Pull, Registry, default_pull_policy, parse_image, pulled_message
from .nodestatus import NodeStatusManager
from .runtime import PAUSE_IMAGE, CRIError, Runtime
from .status import ContainerRecord, PodRecord, generate_api_pod_status, status_summary, terminated
from .volumes import VolumeManager, claim_volumes

if TYPE_CHECKING:
    from ..loop import Loop
    from ..objects import Randomness

POD_RESYNC_AFTER_ERROR = 10.0     # pod worker back-off after a failed sync (sandbox creation)
PULL_ERROR_RESYNC = 1.0           # the pod worker looks at a pod again shortly after a failed pull


def format_pod(pod: dict) -> str:
    """format.Pod: name_namespace(uid), as kubelet messages name a pod."""
    m = pod["metadata"]
    return f"{m['name']}_{m['namespace']}({m['uid']})"


def container_ref(name: str) -> str:
    """The fieldPath container events carry: spec.containers{nginx}."""
    return f"spec.containers{{{name}}}"


def should_restart(policy: str, exit_code: int | None) -> bool:
    """ShouldContainerBeRestarted for an exited container."""
    return policy == "Always" or (policy == "OnFailure" and exit_code != 0)


class Kubelet:
    """One node's kubelet, with identity system:node:<node> and switch `kubelet/<node>`."""

    def __init__(self, env: Loop, client: Client, node_name: str, rnd: Randomness, images: dict[str, dict],
                 csi_driver: dict | None = None):
        """`env`: clock, scheduling, trace, the switch; `client`: system:node:<node>'s; `rnd`: the seeded source of
        container and sandbox IDs; `images`: the registry's catalogue; `csi_driver`: name, stageUnstage,
        attachRequired."""
        self.env, self.client, self.node_name, self.rnd = env, client, node_name, rnd
        self.actor = f"kubelet/{node_name}"
        self.component = env.component(self.actor)
        self.component.on_start = self.resync
        self.factory = InformerFactory(self.client, node_name)
        self.pods = self.factory.informer("pods", node_scoped=True)
        self.claims = self.factory.informer("persistentvolumeclaims")
        self.attachments = self.factory.informer("volumeattachments")
        self.queue = WorkQueue(env, self.component, self.actor, self.sync_pod)
        self.recorder = EventRecorder(self.client.quiet_copy(), "kubelet", node_name, record=self.record)
        driver = csi_driver or {}
        self.csi = CSINodePlugin(driver.get("name", "hostpath.csi.k8s.io"), bool(driver.get("stageUnstage", True)))
        self.attach_required = bool(driver.get("attachRequired", True))
        self.images = ImageStore(Registry(images))
        self.crash_backoff = Backoff()
        self.pull_backoff = Backoff()
        self.volumes = VolumeManager(self)
        self.heartbeat = NodeStatusManager(self)
        self.records: dict[str, PodRecord] = {}      # by pod UID
        self.by_key: dict[str, str] = {}             # namespace/name -> UID
        self.node: dict | None = None
        self.host_ip = ""
        self.runtime: Runtime | None = None
        self.cni: HostLocal | None = None
        self.pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)
        self.claims.add_handler(self.volumes.claim_changed, OnNew(self.volumes.claim_changed))
        self.attachments.add_handler(self.volumes.attachment_changed, OnNew(self.volumes.attachment_changed))

    # --- lifecycle ----------------------------------------------------------------------------------------------

    def start(self) -> Kubelet:
        """Read the Node, set up CNI on its podCIDR, create the Lease, start informers and heartbeats."""
        self.node = self.client.get("nodes", "", self.node_name)
        self.host_ip = next((a["address"] for a in self.node["status"].get("addresses", [])
                             if a["type"] == "InternalIP"), "")
        self.cni = HostLocal(self.node["spec"]["podCIDR"])
        self.runtime = Runtime(self.rnd, self.cni)
        self.heartbeat.start(self.node)
        self.factory.start()
        return self

    def fail(self) -> None:
        """The node goes dark: the kubelet's switch goes off, so no syncs, no lease renewals, no status."""
        self.env.stop(self.actor)

    def recover(self) -> None:
        """The node comes back: parked work runs, heartbeats resume, every pod is synced again."""
        self.env.start(self.actor)

    def resync(self) -> None:
        """After a restart: sync every pod of this node again, and post the node status at once."""
        for pod in sorted(self.pods.list(), key=key_of):
            self.queue.add(key_of(pod))
        self.schedule(0.0, self.heartbeat, "post", True, kind="periodic", label="node status after restart")

    @property
    def now(self) -> float:
        """The virtual clock."""
        return self.env.now

    def record(self, action: str, obj: str = "", **detail: Any) -> None:
        """A trace record by kubelet/<node>."""
        self.env.record(self.actor, action, obj, **detail)

    def schedule(self, delay: float, target: Any, handler: str, *args: Any, kind: str = "work",
                 label: str = "") -> Entry:
        """One loop entry of this kubelet, `target.handler(*args)` (parked while the kubelet is stopped)."""
        return self.env.schedule(delay, self.component, target, handler, *args, kind=kind,
                                 label=f"{self.actor} {label}")

    # --- informer handlers (HandlePodAdditions / Updates / Removes) --------------------------------------------

    def _pod_added(self, pod: dict) -> None:
        self.queue.add(key_of(pod))

    def _pod_updated(self, old: dict, new: dict) -> None:
        """Status-only changes (our own writes among them) need no sync: podStorage.checkAndUpdatePod."""
        om, nm = old["metadata"], new["metadata"]
        if (old.get("spec") != new.get("spec") or om.get("deletionTimestamp") != nm.get("deletionTimestamp")
                or om.get("uid") != nm.get("uid") or om.get("labels") != nm.get("labels")
                or om.get("annotations") != nm.get("annotations")):
            self.queue.add(key_of(new))

    def _pod_deleted(self, pod: dict) -> None:
        uid = pod["metadata"]["uid"]
        rec = self.records.get(uid)
        if rec is not None and (rec.terminating == "deleted" or rec.rejected):
            self._forget(rec)
            return
        if rec is not None:
            self.queue.add(key_of(pod))

    def _forget(self, rec: PodRecord) -> None:
        self.records.pop(rec.uid, None)
        if self.by_key.get(rec.key) == rec.uid:
            del self.by_key[rec.key]

    # --- syncPod ------------------------------------------------------------------------------------------------

    def sync_pod(self, key: str) -> None:
        """One step of the pod's sync, in Kubelet.SyncPod's order; each step queues the next."""
        pod = self.pods.get(key)
        uid = self.by_key.get(key)
        if uid is not None and (pod is None or pod["metadata"]["uid"] != uid):
            self.handle_pod_removed(self.records[uid])
            if pod is not None:
                self.queue.add(key)
            return
        if pod is None:
            return
        uid = pod["metadata"]["uid"]
        rec = self.records.get(uid)
        if rec is None:
            rec = self.records[uid] = PodRecord(uid, key)
            self.by_key[key] = uid
        if pod["metadata"].get("deletionTimestamp"):
            self.sync_terminating_pod(pod, rec)
            return
        if rec.rejected or is_terminal(pod):
            return
        if not rec.admitted:
            self.admit_pod(pod, rec)
            return
        if not rec.volumes_ready:
            self.volumes.wait_for_attach_and_mount(pod, rec)
            return
        if not rec.sandbox_id:
            self.create_pod_sandbox(pod, rec)
            return
        self.sync_containers(pod, rec)

    # --- admission ----------------------------------------------------------------------------------------------

    def admit_pod(self, pod: dict, rec: PodRecord) -> None:
        """canAdmitPod (resource fit against allocatable), then the first status write."""
        alloc = (self.node or {}).get("status", {}).get("allocatable", {})
        req = pod_requests(pod)                # the scheduler's arithmetic: sidecars count (PodRequests)
        want = {"cpu": req.milli_cpu, "memory": req.memory}
        others = [r for r in self.records.values() if r.admitted and not r.rejected and r is not rec
                  and r.terminating != "deleted"]
        used = {"cpu": 0, "memory": 0}
        for other in others:
            p = self.pods.get(other.key)
            if p is not None and not is_terminal(p):
                theirs = pod_requests(p)
                used["cpu"] += theirs.milli_cpu
                used["memory"] += theirs.memory
        capacity = {"pods": int_value(alloc.get("pods", 110)), "cpu": milli_value(alloc.get("cpu", 0)),
                    "memory": int_value(alloc.get("memory", 0))}
        checks = [("pods", 1, len(others)), ("cpu", want["cpu"], used["cpu"]),
                  ("memory", want["memory"], used["memory"])]
        for resource, requested, in_use in checks:
            if requested and requested > capacity[resource] - in_use:
                self.reject_pod(pod, rec, resource, requested, in_use, capacity[resource])
                return
        rec.admitted, rec.admitted_at = True, self.now
        for c in pod["spec"].get("containers") or []:
            rec.containers.setdefault(c["name"], ContainerRecord(c["name"]))
        claims = [v for v, _ in claim_volumes(pod)]
        rec.volumes_ready = not claims
        self.record("kubelet-admit", key_of(pod), cpu=want["cpu"], cpu_used=used["cpu"],
                    cpu_cap=capacity["cpu"], memory=want["memory"], memory_used=used["memory"],
                    memory_cap=capacity["memory"], pods=len(others) + 1, pods_cap=capacity["pods"], claims=claims,
                    other_volumes=[v["name"] for v in pod["spec"].get("volumes") or []
                                   if not v.get("persistentVolumeClaim")])
        self.write_status(pod, rec)
        self.queue.add(rec.key)

    def reject_pod(self, pod: dict, rec: PodRecord, resource: str, requested: int, used: int, capacity: int) -> None:
        """rejectPod: a Warning event OutOf<resource> and phase Failed with "Pod was rejected: …"."""
        rec.rejected = True
        reason = f"OutOf{resource}"
        message = (f"Node didn't have enough resource: {resource}, requested: {requested}, used: {used}, "
                   f"capacity: {capacity}")
        self.recorder.event(pod, "Warning", reason, message)
        old = pod.get("status") or {}
        status = {"phase": "Failed", "conditions": [c for c in old.get("conditions") or []
                                                    if c["type"] == "PodScheduled"],
                  "message": f"Pod was rejected: {message}", "reason": reason}
        if old.get("qosClass"):
            status["qosClass"] = old["qosClass"]
        if not status["conditions"]:
            del status["conditions"]
        self.record("kubelet-reject", key_of(pod), reason=reason, message=message)
        self._put_status(pod, status)

    # --- sandbox ------------------------------------------------------------------------------------------------

    def create_pod_sandbox(self, pod: dict, rec: PodRecord) -> None:
        """createPodSandbox: CRI RunPodSandbox; the runtime runs CNI ADD, whose IP becomes status.podIP."""
        try:
            sandbox = self.runtime.run_pod_sandbox(rec.uid, rec.key)
        except CRIError as err:
            message = f"Failed to create pod sandbox: {err}"
            self.recorder.event(pod, "Warning", "FailedCreatePodSandBox", message)
            self.record("kubelet-sandbox-failed", rec.key, error=str(err), retry=POD_RESYNC_AFTER_ERROR,
                        cidr=str(self.cni.subnet))
            self.queue.add_after(rec.key, POD_RESYNC_AFTER_ERROR, kind="retry")
            return
        rec.sandbox_id, rec.ip = sandbox.id, sandbox.ip
        self.record("kubelet-sandbox", rec.key, cidr=str(self.cni.subnet), ip=sandbox.ip, sandbox=sandbox.id,
                    pause=PAUSE_IMAGE)
        self.write_status(pod, rec)
        self.queue.add(rec.key)

    # --- containers ---------------------------------------------------------------------------------------------

    def sync_containers(self, pod: dict, rec: PodRecord) -> None:
        """computePodActions for the regular containers: start what is missing, restart what exited."""
        policy = pod["spec"].get("restartPolicy", "Always")
        for spec in pod["spec"].get("containers") or []:
            crec = rec.containers.setdefault(spec["name"], ContainerRecord(spec["name"]))
            ctr = self.runtime.containers.get(crec.container_id) if crec.container_id else None
            if ctr is not None and ctr.running:
                continue
            if crec.pulling:
                break                       # SyncPod blocks on the pull in progress
            if crec.restart_due is not None and self.now < crec.restart_due - EPSILON:
                continue                    # a back-off (pull or crash) is already waiting for its time
            if ctr is not None and ctr.exited:
                if not should_restart(policy, ctr.exit_code):
                    continue
                if not self._restart_allowed(pod, rec, crec, ctr):
                    continue
            outcome = self.start_container(pod, rec, spec, crec)
            if outcome == "started":
                self.write_status(pod, rec)
                self.queue.add(rec.key)
                return
            if outcome == "pulling":
                break
        self.write_status(pod, rec)

    def _restart_allowed(self, pod: dict, rec: PodRecord, crec: ContainerRecord, ctr) -> bool:
        """doBackOff: inside the back-off window → CrashLoopBackOff; outside → Next() and restart now."""
        bkey = f"{pod['metadata']['name']}_{pod['metadata']['namespace']}_{rec.uid}_{crec.name}"
        if self.crash_backoff.is_in_backoff_since(bkey, ctr.finished_at, self.now):
            delay = self.crash_backoff.get(bkey)
            message = (f"back-off {go_duration(delay)} restarting failed container={crec.name} "
                       f"pod={format_pod(pod)}")
            due = ctr.finished_at + delay
            if crec.waiting != ("CrashLoopBackOff", message):
                crec.waiting = ("CrashLoopBackOff", message)
                self.recorder.event(pod, "Warning", "BackOff", f"Back-off restarting failed container {crec.name} "
                                    f"in pod {format_pod(pod)}", container_ref(crec.name))
                self.record("kubelet-crashloop", rec.key, container=crec.name, delay=delay, due=due,
                            restarts=crec.restart_count)
            self._resync_at(rec, crec, due)
            return False
        self.crash_backoff.next(bkey, ctr.finished_at)
        return True

    def _resync_at(self, rec: PodRecord, crec: ContainerRecord, due: float) -> None:
        """Look at the pod again when a back-off window closes (a "retry": it does not keep the cluster busy)."""
        if crec.restart_due == due:
            return
        crec.restart_due = due
        self.queue.add_after(rec.key, max(due - self.now, 0.0), kind="retry")

    def start_container(self, pod: dict, rec: PodRecord, spec: dict, crec: ContainerRecord) -> str:
        """startContainer: EnsureImageExists, then CreateContainer and StartContainer; "started", "pulling",
        or "error"."""
        image = spec.get("image", "")
        ref = parse_image(image)
        policy = spec.get("imagePullPolicy") or default_pull_policy(image)
        present = self.images.has(ref)
        field_path = container_ref(spec["name"])
        crec.restart_due = None
        if policy == "Never" and not present:
            message = f'Container image "{image}" is not present with pull policy of Never'
            if crec.waiting != ("ErrImageNeverPull", message):
                crec.waiting = ("ErrImageNeverPull", message)
                self.recorder.event(pod, "Warning", "ErrImageNeverPull", message, field_path)
                self.record("kubelet-never-pull", rec.key, container=spec["name"], image=image)
            return "error"
        if present and policy != "Always":
            self.recorder.event(pod, "Normal", "Pulled", f'Container image "{image}" already present on machine',
                                field_path)
            self.record("kubelet-image-present", rec.key, image=image, policy=policy)
            self.create_and_start(pod, rec, spec, crec, ref)
            return "started"
        pkey = f"{rec.uid}_{image}"
        if self.pull_backoff.is_in_backoff_since_update(pkey, self.now):
            message = f'Back-off pulling image "{image}"'
            if crec.waiting is None or crec.waiting[0] != "ImagePullBackOff":
                crec.waiting = ("ImagePullBackOff", message)
                self.recorder.event(pod, "Normal", "BackOff", message, field_path)
                self.recorder.event(pod, "Warning", "Failed", "Error: ImagePullBackOff", field_path)
                self.record("kubelet-pull-backoff", rec.key, image=image, delay=self.pull_backoff.get(pkey),
                            due=self.pull_backoff.until(pkey))
            self._resync_at(rec, crec, self.pull_backoff.until(pkey))
            return "error"
        self.recorder.event(pod, "Normal", "Pulling", f'Pulling image "{image}"', field_path)
        pull = self.images.start_pull(ref, self.now)
        crec.pulling = True
        self.record("kubelet-pull", rec.key, image=image, policy=policy, present=present, size=pull.size,
                    seconds=pull.done - pull.started, queued=pull.started - pull.requested)
        self.schedule(pull.done - self.now, self, "pull_done", rec.uid, spec["name"], pull, label=f"pull {image}")
        return "pulling"

    def pull_done(self, uid: str, name: str, pull: Pull) -> None:
        """The pull finished: Pulled and start the container, or Failed / ErrImagePull and back off."""
        self.images.finish_pull(pull)
        rec = self.records.get(uid)
        pod = self.pods.get(rec.key) if rec else None
        if rec is None or pod is None or pod["metadata"]["uid"] != uid or rec.terminating:
            self.record("kubelet-pull-orphan", rec.key if rec else uid, image=pull.ref.written, error=pull.error)
            return
        crec = rec.containers[name]
        crec.pulling = False
        spec = next(c for c in pod["spec"]["containers"] if c["name"] == name)
        image, field_path = spec["image"], container_ref(name)
        if pull.error:
            self.recorder.event(pod, "Warning", "Failed", f'Failed to pull image "{image}": {pull.error}', field_path)
            self.recorder.event(pod, "Warning", "Failed", "Error: ErrImagePull", field_path)
            delay = self.pull_backoff.next(f"{uid}_{image}", self.now)
            crec.waiting = ("ErrImagePull", pull.error)
            self.record("kubelet-pull-failed", rec.key, image=image, error=pull.error, delay=delay)
            self.write_status(pod, rec)
            crec.restart_due = self.now + PULL_ERROR_RESYNC
            self.queue.add_after(rec.key, PULL_ERROR_RESYNC, kind="retry")
            return
        self.recorder.event(pod, "Normal", "Pulled", pulled_message(image, pull.done - pull.started,
                                                                    pull.done - pull.requested, pull.size),
                            field_path)
        self.record("kubelet-pulled", rec.key, image=image, seconds=pull.done - pull.started,
                    waited=pull.done - pull.requested, size=pull.size)
        self.create_and_start(pod, rec, spec, crec, pull.ref)
        self.write_status(pod, rec)
        self.queue.add(rec.key)

    def create_and_start(self, pod: dict, rec: PodRecord, spec: dict, crec: ContainerRecord, ref) -> None:
        """CRI CreateContainer (event Created), CRI StartContainer (event Started); v1.35 wording."""
        old = self.runtime.containers.get(crec.container_id) if crec.container_id else None
        if old is not None and old.exited:
            crec.last_terminated = terminated(old)
            crec.restart_count += 1
        ctr = self.runtime.create_container(rec.sandbox_id, spec["name"], ref.full, self.images.image_id(ref),
                                            self.now)
        self.record("kubelet-create", rec.key, container=spec["name"], image=ref.full, id=ctr.id)
        self.recorder.event(pod, "Normal", "Created", "Container created", container_ref(spec["name"]))
        self.runtime.start_container(ctr.id, self.now)
        crec.container_id, crec.waiting, crec.restart_due = ctr.id, None, None
        probe = spec.get("readinessProbe")
        crec.ready = probe is None
        self.record("kubelet-start", rec.key, container=spec["name"], image=ref.full, id=ctr.id,
                    restarts=crec.restart_count, probe=probe is not None)
        self.recorder.event(pod, "Normal", "Started", "Container started", container_ref(spec["name"]))
        if probe is not None:
            delay = float(probe.get("initialDelaySeconds", 0) or 0)
            self.schedule(delay, self, "probe_ready", rec.uid, spec["name"], ctr.id, delay,
                          label=f"readiness probe {spec['name']}")
        if crec.crashes_pending > 0:
            self.schedule(0.0, self, "container_exited", rec.uid, ctr.id, 1, label=f"crash {spec['name']}")

    def probe_ready(self, uid: str, name: str, container_id: str, delay: float) -> None:
        """The readiness probe's first success (probes succeed unless a fault says otherwise)."""
        rec = self.records.get(uid)
        if rec is None or rec.terminating or rec.containers[name].container_id != container_id:
            return
        ctr = self.runtime.containers.get(container_id)
        if ctr is None or not ctr.running:
            return
        rec.containers[name].ready = True
        self.record("kubelet-probe", rec.key, container=name, delay=delay)
        pod = self.pods.get(rec.key)
        if pod is not None:
            self.write_status(pod, rec)

    def container_exited(self, uid: str, container_id: str, exit_code: int) -> None:
        """The process ended (PLEG notices): record why, write the status, and let sync_pod decide on a restart."""
        rec = self.records.get(uid)
        if rec is None or self.runtime.containers.get(container_id) is None:
            return
        ctr = self.runtime.containers[container_id]
        if not ctr.running:
            return
        self.runtime.exit_container(container_id, self.now, exit_code)
        crec = rec.containers[ctr.name]
        crec.ready = False
        if crec.crashes_pending > 0:
            crec.crashes_pending -= 1
        self.record("kubelet-exited", rec.key, container=ctr.name, code=exit_code, reason=ctr.reason)
        pod = self.pods.get(rec.key)
        if pod is not None:
            self.write_status(pod, rec)
            self.queue.add(rec.key)

    def crash_container(self, pod_key: str, container: str | None = None, times: int = 1) -> str:
        """Make the container exit with code 1 now and on its next `times - 1` starts; returns its name."""
        uid = self.by_key.get(pod_key)
        rec = self.records.get(uid) if uid else None
        if rec is None or not rec.containers:
            raise KeyError(f"pod {pod_key} is not running on {self.node_name}")
        name = container or next(iter(rec.containers))
        crec = rec.containers[name]
        crec.crashes_pending += times
        ctr = self.runtime.containers.get(crec.container_id) if crec.container_id else None
        if ctr is not None and ctr.running:
            self.schedule(0.0, self, "container_exited", rec.uid, ctr.id, 1, label=f"crash {name}")
        return name

    def kill_pod_containers(self, pod_key: str) -> list[str]:
        """SIGKILL every running container of the pod (exit 137), as when the runtime loses it."""
        uid = self.by_key.get(pod_key)
        rec = self.records.get(uid) if uid else None
        killed = []
        if rec is None:
            return killed
        for crec in rec.containers.values():
            ctr = self.runtime.containers.get(crec.container_id) if crec.container_id else None
            if ctr is not None and ctr.running:
                self.runtime.exit_container(ctr.id, self.now, 137)
                crec.ready = False
                killed.append(crec.name)
        return killed

    # --- status -------------------------------------------------------------------------------------------------

    def write_status(self, pod: dict, rec: PodRecord, terminal: bool = False) -> None:
        """statusManager.SetPodStatus: regenerate, keep others' conditions, write only when it changed."""
        status = generate_api_pod_status(pod, rec, self.runtime, self.now, self.host_ip, terminal)
        mine = {c["type"] for c in status["conditions"]}
        status["conditions"] += [deep_copy(c) for c in (pod.get("status") or {}).get("conditions") or []
                                 if c["type"] not in mine]
        if status == pod.get("status"):
            return
        self._put_status(pod, status)
        self.record("kubelet-status", rec.key, **status_summary(status))

    def _put_status(self, pod: dict, status: dict) -> None:
        body = {**pod, "status": status}
        try:
            self.client.update_status("pods", body)
        except APIError as err:
            if err.code != 409:
                return
            try:
                fresh = self.client.get("pods", pod["metadata"]["namespace"], pod["metadata"]["name"])
            except APIError:
                return
            if fresh["metadata"]["uid"] == pod["metadata"]["uid"]:
                self.client.update_status("pods", {**fresh, "status": status})

    # --- termination --------------------------------------------------------------------------------------------

    def sync_terminating_pod(self, pod: dict, rec: PodRecord) -> None:
        """Graceful deletion, one step per entry: kill containers, stop the sandbox, unmount, delete."""
        if not rec.terminating:
            grace = int(pod["metadata"].get("deletionGracePeriodSeconds") or 0)
            stopped = []
            for crec in rec.containers.values():
                crec.pulling, crec.waiting, crec.ready = False, None, False
                ctr = self.runtime.containers.get(crec.container_id) if crec.container_id else None
                if ctr is not None and ctr.running:
                    self.recorder.event(pod, "Normal", "Killing", f"Stopping container {crec.name}",
                                        container_ref(crec.name))
                    self.runtime.stop_container(ctr.id, self.now, grace)
                    stopped.append(crec.name)
            rec.terminating = "killed"
            self.record("kubelet-kill", rec.key, containers=stopped, grace=grace)
            if rec.admitted:
                self.write_status(pod, rec, terminal=True)
            self.queue.add(rec.key)
            return
        if rec.terminating == "killed":
            rec.terminating = "sandbox"
            if rec.sandbox_id:
                released = self.runtime.stop_pod_sandbox(rec.sandbox_id)
                self.runtime.remove_pod_sandbox(rec.sandbox_id)
                self.record("kubelet-stop-sandbox", rec.key, released=released, cidr=str(self.cni.subnet))
                self.queue.add(rec.key)
                return
        if rec.terminating == "sandbox":
            rec.terminating = "volumes"
            if any(m.get("published") for m in rec.mounts.values()):
                self.volumes.tear_down(rec)
                self.queue.add(rec.key)
                return
        if rec.terminating == "volumes":
            rec.terminating = "deleted"
            m = pod["metadata"]
            self.record("kubelet-delete", rec.key, uid=rec.uid)
            try:
                self.client.delete("pods", m["namespace"], m["name"], gracePeriodSeconds=0, uid=rec.uid)
            except APIError:
                self._forget(rec)

    def handle_pod_removed(self, rec: PodRecord) -> None:
        """HandlePodRemoves: the pod object is gone (force-deleted); stop whatever still runs, in one step."""
        killed = []
        for crec in rec.containers.values():
            ctr = self.runtime.containers.get(crec.container_id) if crec.container_id else None
            if ctr is not None and ctr.running:
                self.runtime.stop_container(ctr.id, self.now, 0)
                killed.append(crec.name)
        released = []
        if rec.sandbox_id:
            released = self.runtime.stop_pod_sandbox(rec.sandbox_id)
            self.runtime.remove_pod_sandbox(rec.sandbox_id)
        self.record("kubelet-removed", rec.key, containers=killed, released=released)
        self.volumes.tear_down(rec)
        self._forget(rec)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _admit(f: dict) -> str:
    claims = f"; wait for volumes {', '.join(f['claims'])}" if f["claims"] else "; no volumes to wait for"
    return (f"syncPod {f['object']}: admitted: cpu {f['cpu']}m requested, {f['cpu_cap'] - f['cpu_used']}m of "
            f"{f['cpu_cap']}m allocatable free; memory {format_bytes(f['memory'])} requested, "
            f"{format_bytes(f['memory_cap'] - f['memory_used'])} of {format_bytes(f['memory_cap'])} free; "
            f"pod {f['pods']} of {f['pods_cap']}{claims}")


def _status(f: dict) -> str:
    conds = ", ".join(f"{t}={s}" for t, s in f["conditions"])
    ctrs = "; ".join(f"{n} {reason or state}{' ready' if ready else ''}"
                     f"{f' (restarts {r})' if r else ''}" for n, state, reason, ready, r in f["containers"])
    ip = f", podIP {f['podIP']}" if f.get("podIP") else ""
    return f"status {f['object']}: phase {f['phase']}{ip}, {conds}" + (f"; {ctrs}" if ctrs else "")


def _pull(f: dict) -> str:
    why = "policy Always pulls every time" if f["policy"] == "Always" else f"not present ({f['policy']})"
    queued = f", after waiting {go_duration(round(f['queued'], 3))} for the pull ahead (serialized pulls)" \
        if f["queued"] > 0 else ""
    size = f"{_mb(f['size'])}, " if f["size"] else ""
    return f'image "{f["image"]}" {why}: pulling {size}{go_duration(round(f["seconds"], 3))}{queued}'


def _start(f: dict) -> str:
    restart = f" (restart #{f['restarts']})" if f["restarts"] else ""
    ready = "; Ready waits for the readiness probe" if f["probe"] else "; no readiness probe, so it is ready"
    return f"CRI StartContainer {f['container']} ({f['id'][:12]}): running{restart}{ready}"


narrative({
    "kubelet-admit": _admit,
    "kubelet-reject": "syncPod {object}: rejected by admission, {reason}: {message}; phase Failed",
    "kubelet-status": _status,
    "kubelet-sandbox": ("CRI RunPodSandbox ({pause}) -> CNI ADD (host-local on {cidr}) gave eth0 {ip}; "
                        "PodReadyToStartContainers=True"),
    "kubelet-sandbox-failed": lambda f: (f"CRI RunPodSandbox failed, CNI ADD (host-local on {f['cidr']}): "
                                         f"{f['error']}; the pod worker retries in {go_duration(f['retry'])}"),
    "kubelet-image-present": 'image "{image}" already present ({policy}): no pull',
    "kubelet-pull": _pull,
    "kubelet-pulled": lambda f: (f'Successfully pulled image "{f["image"]}" in {go_duration(round(f["seconds"], 3))}'
                                 f" ({go_duration(round(f['waited'], 3))} including waiting), {f['size']} bytes"),
    "kubelet-pull-failed": lambda f: (f'pull of "{f["image"]}" failed: {f["error"]}; ErrImagePull, no new attempt '
                                      f"for {go_duration(f['delay'])} (image back-off doubles 10s -> 300s)"),
    "kubelet-pull-backoff": lambda f: (f'image "{f["image"]}" is in pull back-off ({go_duration(f["delay"])}, next '
                                       f"attempt at {f['due']:.3f}s): ImagePullBackOff"),
    "kubelet-pull-orphan": 'pull of "{image}" finished but {object} is gone or terminating',
    "kubelet-never-pull": 'image "{image}" of {container} is not on the node and its policy is Never: '
                          "ErrImageNeverPull",
    "kubelet-create": lambda f: (f"CRI CreateContainer {f['container']} ({f['image']}) in the pod's sandbox -> "
                                 f"container {f['id'][:12]}"),
    "kubelet-start": _start,
    "kubelet-probe": lambda f: (f"readiness probe of {f['container']} in {f['object']} succeeded "
                                f"(initialDelaySeconds {f['delay']:g}): container ready"),
    "kubelet-exited": "container {container} of {object} exited with code {code} ({reason})",
    "kubelet-crashloop": lambda f: (f"container {f['container']} of {f['object']} crashed again: CrashLoopBackOff, "
                                    f"restart in {go_duration(f['delay'])} at {f['due']:.3f}s (10s doubling to 300s)"),
    "kubelet-kill": lambda f: (f"{f['object']} is being deleted: CRI StopContainer "
                               f"{', '.join(f['containers']) or '(none running)'} with grace period {f['grace']}s "
                               "(SIGTERM; they exit at once)"),
    "kubelet-stop-sandbox": lambda f: (f"CRI StopPodSandbox for {f['object']} -> CNI DEL released "
                                       f"{', '.join(f['released']) or 'no address'} back to {f['cidr']}"),
    "kubelet-delete": ("{object}: containers stopped, sandbox gone, volumes unmounted: DELETE with "
                       "gracePeriodSeconds=0 (uid {uid}) removes it from etcd"),
    "kubelet-removed": lambda f: (f"{f['object']} was removed from the API: stopped "
                                  f"{', '.join(f['containers']) or 'nothing'}, CNI DEL released "
                                  f"{', '.join(f['released']) or 'no address'}"),
})
