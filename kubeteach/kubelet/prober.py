"""The kubelet's prober (pkg/kubelet/prober): readiness, liveness and startup workers, one per probe of a container.

worker.go: a worker is made when the pod is added (the first probe at once, then every periodSeconds; the random
first sleep of a kubelet started less than a period ago is left out: our kubelets have been up). Initial results:
readiness Failure, liveness Success, startup Unknown; a result is published after failureThreshold (or
successThreshold) identical results in a row; a published liveness Failure or any startup result puts the worker
on hold until a new container ID. A probe is skipped before initialDelaySeconds, while a startup probe has not
passed (for the others), and for a deleted pod liveness/startup workers stop (readiness keeps probing).
prober_manager.go UpdatePodStatus: `started` is the startup result (running, without a startup probe); `ready`
is started and the readiness result (no probe: ready); a container that just started is probed for readiness at
once (the manual trigger). Probes are answered by the app model (apps.py) at the probe's virtual time: httpGet
passes on 200-399, tcpSocket and grpc when the port listens, exec by its command (`sleep N` at or past
timeoutSeconds times out: `command "sh -c sleep 5" timed out`, staging/src/k8s.io/cri-client remote_runtime.go
ExecSync); apps answer at once, so HTTP timeouts, redirects (ProbeWarning) and retries never come into play.

Ticks are not loop entries: most of them change nothing, and a record per tick would bury the trace. A worker
plans ahead instead (its app and the kubelet's state fixed until the next change of state, which re-plans), runs
the passing ticks as arithmetic, and becomes a loop entry only at a tick that records something: a failed probe
(its Warning `Unhealthy` event) or a published result that changes the container. Each record says how many
probes passed quietly since the last one. An entry is "work" when a change is ahead under the current state (so
`c.run()` waits for a pod to become ready), else "periodic" (a probe that keeps failing does not keep it busy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..trace import narrative
from .apps import exec_outcome
from .kuberuntime import container_ref, container_spec
from .termination import _port, kill_grace

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..loop import Entry
    from .handle import RuntimeHandle
    from .status import PodRecord

PROBE_TYPES = ("startup", "readiness", "liveness")
INITIAL = {"readiness": "Failure", "liveness": "Success", "startup": "Unknown"}
EPS = 1e-6
LOOKAHEAD = 10_000                 # ticks a plan may look ahead (initialDelaySeconds / periodSeconds at most)


@dataclass
class Worker:
    """One probe worker: its ticker, the consecutive-results counter, and its plan (quiet ticks until the next
    entry: (time, result or None when skipped, manual trigger?))."""

    uid: str
    container: str
    probe_type: str
    spec: dict
    next_tick: float
    container_id: str = ""
    published: str = ""
    last_result: str = "Unknown"
    result_run: int = 0
    on_hold: bool = False
    stopped: bool = False
    trigger: float | None = None
    plan: list[tuple[float, str | None, bool]] = field(default_factory=list)
    tail: str | None = None            # the result every tick after the plan repeats (None: ticks are skipped)
    entry: Entry | None = None
    quiet: int = 0                     # probes that passed since the last record

    @property
    def period(self) -> float:
        return float(self.spec.get("periodSeconds") or 10)

    def threshold(self, result: str) -> int:
        if result == "Failure":
            return int(self.spec.get("failureThreshold") or 3)
        return int(self.spec.get("successThreshold") or 1)


class ProberManager:
    """The probe workers of one kubelet, by (pod UID, container, probe type). `kill(pod, rec, crec, grace,
    message)` is the runtime manager's killContainer."""

    def __init__(self, kubelet: RuntimeHandle, kill: Callable[..., object]):
        self.kubelet, self.kill = kubelet, kill
        self.workers: dict[tuple[str, str, str], Worker] = {}

    # --- workers ------------------------------------------------------------------------------------------------

    def add_pod(self, pod: dict, rec: PodRecord) -> None:
        """AddPod: a worker per probe of each regular container and sidecar; each probes first right away."""
        specs = list(pod["spec"].get("containers") or []) + [
            c for c in pod["spec"].get("initContainers") or [] if c.get("restartPolicy") == "Always"]
        for spec in specs:
            for ptype in PROBE_TYPES:
                probe = spec.get(f"{ptype}Probe")
                if isinstance(probe, dict) and (rec.uid, spec["name"], ptype) not in self.workers:
                    self.workers[(rec.uid, spec["name"], ptype)] = Worker(rec.uid, spec["name"], ptype, probe,
                                                                         self.kubelet.now)

    def remove_pod(self, uid: str) -> None:
        """RemovePod: the workers of a pod the kubelet forgot end."""
        for wkey in [w for w in self.workers if w[0] == uid]:
            worker = self.workers.pop(wkey)
            if worker.entry is not None:
                self.kubelet.env.cancel(worker.entry)

    def has(self, uid: str, container: str, ptype: str) -> bool:
        return (uid, container, ptype) in self.workers

    def container_started(self, uid: str, container: str) -> None:
        """A new container runs: results start over, and readiness is probed at once (the manual trigger)."""
        w = self.workers.get((uid, container, "readiness"))
        if w is not None:
            self._catch_up(w, self.kubelet.now)
            w.trigger = self.kubelet.now
        self.changed(uid)

    def changed(self, uid: str) -> None:
        """The pod or a container changed (started, exited, deleted, signalled): every worker re-plans."""
        rec = self.kubelet.records.get(uid)
        for wkey, w in list(self.workers.items()):
            if wkey[0] != uid:
                continue
            self._catch_up(w, self.kubelet.now)
            self._refresh(w, rec)
            if rec is not None and rec.terminating and w.probe_type != "readiness" and not w.stopped:
                w.stopped = True      # doProbe: deleted pod, liveness/startup set Success and stop
                self.kubelet.record("kubelet-probe-stop", rec.key, container=w.container, probe=w.probe_type)
            self._plan(w)

    # --- one probe ----------------------------------------------------------------------------------------------

    def _refresh(self, w: Worker, rec: PodRecord | None) -> None:
        crec = rec.containers.get(w.container) if rec else None
        if crec is not None and crec.container_id and crec.container_id != w.container_id:
            w.container_id, w.published, w.on_hold = crec.container_id, INITIAL[w.probe_type], False

    def _look(self, w: Worker, t: float) -> tuple[str, str, str]:
        """doProbe at time `t` on the present state: ("idle"|"wait"|"probe", result, output). "idle": nothing can
        change before the state does; "wait": skipped, time will change it (initialDelaySeconds)."""
        k = self.kubelet
        rec = k.records.get(w.uid)
        crec = rec.containers.get(w.container) if rec else None
        ctr = k.runtime.containers.get(crec.container_id) if crec and crec.container_id else None
        if w.stopped or w.on_hold or ctr is None or not ctr.running or ctr.id != w.container_id:
            return "idle", "", ""
        if int(t - ctr.started_at + EPS) < int(w.spec.get("initialDelaySeconds") or 0):
            return "wait", "", ""
        if crec.started == (w.probe_type == "startup"):
            return "idle", "", ""
        pod = k.pods.get(rec.key)
        spec = container_spec(pod, w.container)[0] if pod else {}
        return ("probe", *self._run(w.spec, spec, rec.ip, ctr, t))

    @staticmethod
    def _run(probe: dict, spec: dict, ip: str, ctr, t: float) -> tuple[str, str]:
        """prober.runProbe: httpGet (200-399 passes), tcpSocket and grpc (the port listens), exec (apps.py)."""
        if isinstance(probe.get("exec"), dict):
            command = [str(w) for w in probe["exec"].get("command") or []]
            seconds, code = exec_outcome(command)
            if seconds >= int(probe.get("timeoutSeconds") or 1):     # cri-client ExecSync: DeadlineExceeded
                return "Failure", f'command "{" ".join(command)}" timed out'
            return ("Success", "") if code == 0 else ("Failure", "")
        action = probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc") or {}
        port = _port(action.get("port"), spec)
        host = action.get("host") or ip
        path = action.get("path") or "/"
        status, _ = ctr.app.answer(port, path, t) if ctr.app else (200, "")
        dial = f"dial tcp {host}:{port}: connect: connection refused"
        if "httpGet" in probe:
            url = f"{str(action.get('scheme') or 'HTTP').lower()}://{host}:{port}{path}"
            if status is None:
                return "Failure", f'Get "{url}": {dial}'
            return ("Success", "") if 200 <= status < 400 else ("Failure", f"HTTP probe failed with statuscode: "
                                                                            f"{status}")
        return ("Success", "") if status is not None else ("Failure", dial)

    def _settled_at(self, w: Worker) -> float:
        """From when the app answers the same way for as long as the state holds (it listens)."""
        rec = self.kubelet.records.get(w.uid)
        crec = rec.containers.get(w.container) if rec else None
        ctr = self.kubelet.runtime.containers.get(crec.container_id) if crec and crec.container_id else None
        return ctr.app.listen_at if ctr is not None and ctr.app is not None else 0.0

    def _publishes(self, w: Worker, result: str, run: int, published: str) -> bool:
        """Whether this result, `run` in a row, is published and changes something."""
        if run < w.threshold(result):
            return False
        if w.probe_type == "readiness":
            return result != published
        return w.probe_type == "startup" or result == "Failure"

    # --- planning -----------------------------------------------------------------------------------------------

    def _plan(self, w: Worker) -> None:
        """Walk the ticks ahead on the present state: quiet ones go into the plan, the first that records
        becomes the worker's loop entry ("work" when a published change lies ahead, else "periodic")."""
        k = self.kubelet
        if w.entry is not None:
            k.env.cancel(w.entry)
            w.entry = None
        w.plan, w.tail = [], None
        tick, trigger = w.next_tick, w.trigger
        last, run, published = w.last_result, w.result_run, w.published
        first: tuple[float, bool] | None = None
        prev, change = None, False
        for _ in range(LOOKAHEAD):
            manual = trigger is not None and trigger <= tick + EPS
            t = trigger if manual else tick
            what, result, _ = self._look(w, t)
            if what == "idle":
                if manual and first is None:
                    w.trigger = None
                break
            if what == "probe":
                run = run + 1 if result == last else 1
                last = result
                change = self._publishes(w, result, run, published)
                if first is None and (change or result == "Failure"):
                    first = (t, manual)
                if change:
                    break
                if run >= w.threshold(result):
                    published = result
                if result == prev and run >= w.threshold(result) and t >= self._settled_at(w) - EPS:
                    if first is None:
                        w.tail = result
                    break          # the same result again, published: only a change of state alters it now
                prev = result
            if first is None:
                w.plan.append((t, result or None, manual))
            if manual:
                trigger = None
            else:
                tick += w.period
        if first is not None:
            kind = "work" if change else "periodic"
            w.entry = k.schedule(first[0] - k.now, self, "tick", (w.uid, w.container, w.probe_type), first[0],
                                 first[1], kind=kind, label=f"{w.probe_type} probe {w.container}")

    def _catch_up(self, w: Worker, now: float) -> None:
        """Apply the planned quiet ticks that lie before `now` (and the repeats after the plan's end)."""
        done = 0
        for t, result, manual in w.plan:
            if t >= now - EPS:
                break
            done += 1
            if manual:
                w.trigger = None
            else:
                w.next_tick += w.period
            if result:
                self._count(w, result)
                w.quiet += 1
        del w.plan[:done]
        if w.plan:
            return
        while w.next_tick < now - EPS:
            w.next_tick += w.period
            if w.tail:
                self._count(w, w.tail)
                w.quiet += 1

    def _count(self, w: Worker, result: str) -> bool:
        """One result in: the run of identical results grows or starts over; True when it is published."""
        w.result_run = w.result_run + 1 if result == w.last_result else 1
        w.last_result = result
        if w.result_run < w.threshold(result):
            return False
        return True

    # --- a tick that records --------------------------------------------------------------------------------------

    def tick(self, wkey: tuple[str, str, str], at: float, manual: bool) -> None:
        """The planned tick: probe, count, emit `Unhealthy` on failure, publish, act on what was published."""
        k = self.kubelet
        w = self.workers.get(wkey)
        if w is None:
            return
        w.entry = None
        if at < k.now - EPS:                # parked while the kubelet was stopped: no probes ran meanwhile
            w.plan, w.tail, w.trigger = [], None, None
            self._catch_up(w, k.now)
            self._plan(w)
            return
        self._catch_up(w, at)
        if manual:
            w.trigger = None
        else:
            w.next_tick += w.period
        what, result, output = self._look(w, at)
        rec = k.records.get(w.uid)
        pod = k.pods.get(rec.key) if rec else None
        if what != "probe" or pod is None:
            self._plan(w)
            return
        published = self._count(w, result)
        kind = w.probe_type.capitalize()
        if result == "Failure":
            k.recorder.event(pod, "Warning", "Unhealthy", f"{kind} probe failed: {output}",
                             container_ref(pod, w.container))
        change = published and self._publishes(w, result, w.result_run, w.published)
        k.record("kubelet-probe", rec.key, container=w.container, probe=w.probe_type, result=result,
                 output=output, run=w.result_run, threshold=w.threshold(result), published=change,
                 quiet=w.quiet, manual=manual)
        w.quiet = 0
        if published:
            self._publish(w, result, pod, rec, change)
        self._plan(w)

    def _publish(self, w: Worker, result: str, pod: dict, rec: PodRecord, change: bool) -> None:
        """resultsManager.Set and what follows: readiness sets `ready`; startup sets `started` or kills; liveness
        Failure kills (computePodActions), the worker on hold until a new container."""
        k = self.kubelet
        crec = rec.containers[w.container]
        w.published = result
        if w.probe_type == "readiness":
            if change:
                crec.ready = result == "Success"
                k.write_status(pod, rec)
            return
        if w.probe_type == "liveness" and result != "Failure":
            return
        w.on_hold, w.result_run = True, 0
        if result == "Success":                     # startup passed
            for other in self.workers.values():     # their ticks at this instant still saw it not started
                if other.uid == w.uid and other.container == w.container and other is not w:
                    self._catch_up(other, k.now + 2 * EPS)
            crec.started = True
            if not self.has(w.uid, w.container, "readiness"):
                crec.ready = True
            k.write_status(pod, rec)
            self.changed(w.uid)
            return
        message = f"Container {w.container} failed {w.probe_type} probe"
        if pod["spec"].get("restartPolicy", "Always") != "Never":
            message += ", will be restarted"
        self.kill(pod, rec, crec, kill_grace(pod, w.spec), message)


narrative({
    "kubelet-probe": lambda f: (
        f"{f['probe']} probe of {f['container']} in {f['object']}"
        + (" (triggered: the container just started)" if f["manual"] else "")
        + (f", after {f['quiet']} quiet pass{'es' if f['quiet'] != 1 else ''}" if f["quiet"] else "")
        + (": passed" if f["result"] == "Success" else f": failed ({f['output'] or 'no output'})")
        + f", {f['run']} in a row"
        + ((f" -> {f['result']} published" + {"readiness": ": container ready" if f["result"] == "Success"
                                                 else ": container not ready",
                                                 "liveness": ": the container is killed and restarted",
                                                 "startup": ": started" if f["result"] == "Success"
                                                 else ": the container is killed"}[f["probe"]])
           if f["published"] else f" (threshold {f['threshold']})" if f["run"] < f["threshold"]
           else ": result unchanged")),
    "kubelet-probe-stop": "{object} is being deleted: the {probe} probe worker of {container} stops",
})
