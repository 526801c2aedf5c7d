"""The kubelet (pkg/kubelet): runs the pods bound to one node, through CRI, CNI and CSI, and reports back.

Pods arrive through a node-scoped informer (spec.nodeName = this node). `sync_pod` follows Kubelet.SyncPod's
order, one step per loop entry: admission and the first status write; volumes (WaitForAttachAndMount); the
sandbox (CRI RunPodSandbox, which runs CNI ADD); then per container the image (EnsureImageExists, the pull
finishing on a timer), CRI CreateContainer and StartContainer. A pod with a deletionTimestamp is torn down
(killContainer: Killing, preStop, stop signal, SIGKILL at the deadline; then StopPodSandbox with CNI DEL, CSI
unpublish/unstage) and, once its containers are gone, deleted for good.

This file is kubelet.go's part (the pod workers, admission, SetPodStatus, termination); the sandbox and container
steps are the runtime manager's (kuberuntime.py), volumes the volume manager's (volumes.py), the Lease and node
status the node status manager's (nodestatus.py), probes the prober's (prober.py), stopping a container
termination.py's. Each of them sees this kubelet through a handle (handle.py); what a process does is apps.py's.

Approximation: the pod worker's re-sync after a failed pull is 1 s (so ErrImagePull is seen before
ImagePullBackOff).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..client import APIError, Client, InformerFactory, OnNew, WorkQueue
from ..events import EventRecorder
from ..loop import Entry
from ..objects import deep_copy, int_value, key_of, milli_value
from ..pods import is_restartable_init_container, is_terminal, pod_requests
from ..trace import narrative
from . import narratives  # noqa: F401  (registers the sentences)
from .apps import access_line
from .cni import HostLocal
from .csi import CSINodePlugin
from .images import ImageStore, Registry
from .kuberuntime import RuntimeManager, container_spec
from .logs import read_logs
from .nodestatus import NodeStatusManager
from .prober import ProberManager
from .runtime import Runtime
from .status import ContainerRecord, PodRecord, generate_api_pod_status, status_summary
from .termination import Terminator, kill_grace
from .volumes import VolumeManager, claim_volumes

if TYPE_CHECKING:
    from ..loop import Loop
    from ..objects import Randomness


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
        self.images = ImageStore(Registry(images))
        self.records: dict[str, PodRecord] = {}      # by pod UID
        self.by_key: dict[str, str] = {}             # namespace/name -> UID
        self.host_ip = ""
        self.runtime: Runtime | None = None
        self.cni: HostLocal | None = None
        self.volumes = VolumeManager(self, self.csi, bool(driver.get("attachRequired", True)), self.claims,
                                     self.attachments)
        self.runtime_manager = RuntimeManager(self, self.images)
        self.terminator = Terminator(self, self.runtime_manager.container_exited, self.probes_changed)
        self.prober = ProberManager(self, self.terminator.kill_container)
        self.heartbeat = NodeStatusManager(self, self.images.node_images, self.volumes.get_volumes_in_use)
        self.pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)
        self.claims.add_handler(self.volumes.claim_changed, OnNew(self.volumes.claim_changed))
        self.attachments.add_handler(self.volumes.attachment_changed, OnNew(self.volumes.attachment_changed))

    # --- lifecycle ----------------------------------------------------------------------------------------------

    def start(self) -> Kubelet:
        """Read the Node, set up CNI on its podCIDR, create the Lease, start informers and heartbeats."""
        node = self.client.get("nodes", "", self.node_name)
        self.host_ip = next((a["address"] for a in node["status"].get("addresses", [])
                             if a["type"] == "InternalIP"), "")
        self.cni = HostLocal(node["spec"]["podCIDR"])
        self.runtime = Runtime(self.rnd, self.cni)
        self.heartbeat.start(node)
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

    @property
    def node(self) -> dict | None:
        """The Node as this kubelet last read or wrote it (its node status manager keeps it)."""
        return self.heartbeat.node

    def record(self, action: str, obj: str = "", **detail: Any) -> None:
        """A trace record by kubelet/<node>."""
        self.env.record(self.actor, action, obj, **detail)

    def schedule(self, delay: float, target: Any, handler: str, *args: Any, kind: str = "work",
                 label: str = "") -> Entry:
        """One loop entry of this kubelet, `target.handler(*args)` (parked while the kubelet is stopped), run
        through `run_timer`."""
        return self.env.schedule(delay, self.component, self, "run_timer", target, handler, *args, kind=kind,
                                 label=f"{self.actor} {label}")

    def run_timer(self, target: Any, handler: str, *args: Any) -> None:
        """Run one timer (a pull finishing, a probe, a crash, a heartbeat); one that finds its pod or container
        gone or changed since it was set does nothing, and says so."""
        getattr(target, handler)(*args)
        if not self.env.recorded():
            uid = args[0] if args and isinstance(args[0], str) else None
            rec = self.records.get(uid) if uid else None
            self.record("nothing-to-do", rec.key if rec else uid or self.node_name, why="kubelet-stale-timer",
                        timer=handler)

    # --- informer handlers (HandlePodAdditions / Updates / Removes) --------------------------------------------

    def _pod_added(self, pod: dict) -> None:
        self.queue.add(key_of(pod))

    def _pod_updated(self, old: dict, new: dict) -> None:
        """Status-only changes (our own writes among them) need no sync: podStorage.checkAndUpdatePod."""
        om, nm = old["metadata"], new["metadata"]
        if (old.get("spec") != new.get("spec") or om.get("deletionTimestamp") != nm.get("deletionTimestamp")
                or om.get("deletionGracePeriodSeconds") != nm.get("deletionGracePeriodSeconds")
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
        self.prober.remove_pod(rec.uid)
        self.records.pop(rec.uid, None)
        if self.by_key.get(rec.key) == rec.uid:
            del self.by_key[rec.key]

    # --- syncPod ------------------------------------------------------------------------------------------------

    def sync_pod(self, key: str) -> None:
        """One step of the pod's sync (`_sync_pod`); a step that changed nothing says what it found."""
        self._sync_pod(key)
        if not self.env.recorded():
            pod = self.pods.get(key)
            status = (pod or {}).get("status") or {}
            self.record("nothing-to-do", key, why="kubelet-pod" if pod else "kubelet-pod-gone",
                        phase=status.get("phase", "Pending"),
                        containers=[[c["name"] + kind, next(iter(c.get("state") or {"waiting": {}})),
                                     bool(c.get("ready"))]
                                    for kind, field in ((" (init)", "initContainerStatuses"), ("", "containerStatuses"))
                                    for c in status.get(field) or []])

    def _sync_pod(self, key: str) -> None:
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
            self.runtime_manager.create_pod_sandbox(pod, rec)
            return
        self.runtime_manager.sync_containers(pod, rec)

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
        for c in (pod["spec"].get("containers") or []) + (pod["spec"].get("initContainers") or []):
            rec.containers.setdefault(c["name"], ContainerRecord(c["name"]))
        self.prober.add_pod(pod, rec)
        claims = [v for v, _ in claim_volumes(pod)]
        rec.volumes_ready = not claims
        self.record("kubelet-admit", key_of(pod), cpu=want["cpu"], cpu_used=used["cpu"],
                    cpu_cap=capacity["cpu"], memory=want["memory"], memory_used=used["memory"],
                    memory_cap=capacity["memory"], pods=len(others) + 1, pods_cap=capacity["pods"], claims=claims,
                    other_volumes=[v["name"] for v in pod["spec"].get("volumes") or []
                                   if not v.get("persistentVolumeClaim")])
        self.write_status(pod, rec)
        self.volumes.set_up_local_volumes(pod, rec)
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

    # --- the kubelet's server: what kube-apiserver proxies pods/log to -----------------------------------------

    def container_logs(self, container_id: str, tail: int | None = None, timestamps: bool = False) -> str:
        """GET /containerLogs: one container's output by its ID (`containerd://…`), as ReadLogs writes it; a
        LookupError when the runtime no longer has the container (its log files went with it)."""
        ctr = self.runtime.containers.get(container_id.split("://", 1)[-1])
        if ctr is None:
            raise LookupError(f"failed to get container status {container_id!r}: container not found")
        return read_logs(ctr.logs, tail, timestamps)

    def serve_request(self, pod_ip: str, port: int, source_ip: str, path: str = "/") -> tuple[int | None, str, str]:
        """A connection to one of this node's pods, answered by its app now: (HTTP status or None, error as the
        client sees it, pod key). "i/o timeout": no pod has that IP here (or the node is dark); "connection
        refused": nothing listens on that port now. An answer appends an access-log line to the container's log."""
        rec = next((r for r in self.records.values() if r.ip == pod_ip and r.sandbox_id
                    and getattr(self.runtime.sandboxes.get(r.sandbox_id), "ready", False)), None)
        if rec is None or not self.component.running:
            return None, "i/o timeout", ""
        for crec in rec.containers.values():
            ctr = self.runtime.containers.get(crec.container_id) if crec.container_id else None
            if ctr is None or not ctr.running or ctr.app is None or port not in ctr.app.ports:
                continue
            status, error = ctr.app.answer(port, path, self.now)
            if status is None:
                return None, error, rec.key
            size = ctr.app.body_bytes(status, rec.key.split("/", 1)[-1])
            ctr.logs.append((self.now, access_line(source_ip, self.now, path, status, size)))
            return status, "", rec.key
        return None, "connection refused", rec.key

    # --- faults (what faults.py may do to a node's containers) --------------------------------------------------

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
            self.schedule(0.0, self.runtime_manager, "container_exited", rec.uid, ctr.id, 1, label=f"crash {name}")
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
        self.prober.changed(rec.uid)
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

    def probes_changed(self, uid: str) -> None:
        """A container was signalled: the prober re-plans (a closed listener fails readiness)."""
        self.prober.changed(uid)

    def sync_terminating_pod(self, pod: dict, rec: PodRecord) -> None:
        """Graceful deletion, one step per entry: kill containers and wait for them, stop the sandbox, unmount,
        delete. Liveness and startup workers stop; readiness keeps probing while the containers stop."""
        grace = kill_grace(pod)
        if not rec.terminating or (rec.terminating == "killing" and grace < rec.grace):
            self._kill_pod(pod, rec, grace, again=bool(rec.terminating))
        if rec.terminating == "killing":
            self.terminator.wake(rec.uid)
            if any(getattr(self.runtime.containers.get(c.container_id), "running", False)
                   for c in rec.containers.values() if c.container_id):
                return                      # each exit (PLEG) brings the pod back here
            rec.terminating = "killed"
            for crec in rec.containers.values():
                crec.ready = False
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

    def _kill_pod(self, pod: dict, rec: PodRecord, grace: int, again: bool) -> None:
        """killPodWithSyncResult: kill every running container at once (a sidecar waits for its turn); `again`: a
        second delete shortened the grace, so the pod worker kills again with it (Killing, preStop, deadline)."""
        running = []
        for crec in self._termination_order(pod, rec):
            crec.pulling, crec.waiting = False, None
            ctr = self.runtime.containers.get(crec.container_id) if crec.container_id else None
            if ctr is not None and ctr.running:
                running.append(crec)
        rec.terminating, rec.grace = "killing", grace
        self.record("kubelet-kill", rec.key, containers=[c.name for c in running], grace=grace, again=again)
        self.prober.changed(rec.uid)
        order = [c.name for c in running]
        for i, crec in enumerate(running):
            after = tuple(order[:i]) if is_restartable_init_container(container_spec(pod, crec.name)[0]) else ()
            self.terminator.kill_container(pod, rec, crec, grace, f"Stopping container {crec.name}", after, again)

    @staticmethod
    def _termination_order(pod: dict, rec: PodRecord) -> list[ContainerRecord]:
        """killContainersWithSyncResult: the regular containers first, then the init containers (the sidecars) in
        reverse order, so a sidecar outlives what it serves."""
        names = [c["name"] for c in pod["spec"].get("containers") or []] + \
            [c["name"] for c in reversed(pod["spec"].get("initContainers") or [])]
        return [rec.containers[n] for n in names if n in rec.containers]

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


narrative({
    "nothing-to-do:kubelet-pod-gone": "the pod is gone from this node",
    "nothing-to-do:kubelet-stale-timer": "the pod or container its {timer} timer was set for is gone or has changed",
    "nothing-to-do:kubelet-pod": lambda f: (
        f"phase {f['phase']}"
        + "".join(f"; container {n} {state}{' and ready' if ready else ''}" for n, state, ready in f["containers"])
        + "; status unchanged"),
})
