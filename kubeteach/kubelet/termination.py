"""Stopping one container gracefully (pkg/kubelet/kuberuntime/kuberuntime_container.go killContainer).

The order is Go's: the grace period (deletionGracePeriodSeconds, else the failing probe's or the pod's
terminationGracePeriodSeconds, else 2); the Normal `Killing` event, before anything else; the preStop hook
(exec, httpGet or the sleep action), waited for at most the grace period, its elapsed whole seconds subtracted;
the 2 s floor (minimumGracePeriodInSeconds); then CRI StopContainer: the runtime sends the image's stop signal and
SIGKILLs after the remaining grace, exit 137 (reason Error). A hook that fails gives Warning `FailedPreStopHook`
`PreStopHook failed` (details only in the kubelet log, to keep secrets out of events); one that outlives its
budget is abandoned without an event. A sidecar (restartable init container) of a deleted pod then waits for its
turn (terminationOrdering.waitForTurn): until the regular containers and the sidecars after it in the spec have
exited, at most its remaining grace, the whole seconds waited subtracted too. What the process does on its signal
is the app model's (apps.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..trace import narrative
from .apps import SIGKILL_EXIT_CODE, exec_outcome
from .kuberuntime import container_ref, container_spec

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..loop import Entry
    from .handle import RuntimeHandle
    from .status import ContainerRecord, PodRecord

MINIMUM_GRACE_PERIOD = 2        # kuberuntime_manager.go minimumGracePeriodInSeconds


def kill_grace(pod: dict, probe: dict | None = None) -> int:
    """setTerminationGracePeriod: the deletion's grace, else the failing probe's own, else the pod's, else 2."""
    m, spec = pod["metadata"], pod["spec"]
    if m.get("deletionGracePeriodSeconds") is not None:
        return int(m["deletionGracePeriodSeconds"])
    if spec.get("terminationGracePeriodSeconds") is not None:
        if probe and probe.get("terminationGracePeriodSeconds") is not None:
            return int(probe["terminationGracePeriodSeconds"])
        return int(spec["terminationGracePeriodSeconds"])
    return MINIMUM_GRACE_PERIOD


def _port(value: object, spec: dict) -> int:
    """A hook's or probe's port: a number, or the name of one of the container's ports."""
    if isinstance(value, int):
        return value
    return next((p["containerPort"] for p in spec.get("ports") or [] if p.get("name") == value), 0)


class Terminator:
    """killContainer for one kubelet: the Killing event, preStop, the stop signal, SIGKILL at the deadline.
    `exited(uid, container_id, code, fault)` is PLEG noticing the exit; `changed(uid)` tells the prober."""

    def __init__(self, kubelet: RuntimeHandle, exited: Callable[..., None], changed: Callable[[str], None]):
        self.kubelet, self.exited, self.changed = kubelet, exited, changed
        self.waiting: dict[str, tuple] = {}       # container ID -> the arguments of its `turn`
        self.deadlines: dict[str, Entry] = {}     # container ID -> the `turn` due when its wait runs out
        self.timers: dict[str, list[Entry]] = {}  # container ID -> its hook end, exit or SIGKILL to come

    def kill_container(self, pod: dict, rec: PodRecord, crec: ContainerRecord, grace: int, message: str,
                       after: tuple[str, ...] = (), again: bool = False) -> bool:
        """Start stopping one running container (a sidecar: once the containers `after` are gone); `again`: a kill
        under way starts over with a shorter grace. True when the container is already gone when this returns."""
        k = self.kubelet
        ctr = k.runtime.containers.get(crec.container_id) if crec.container_id else None
        if ctr is None or not ctr.running or (crec.stopping == ctr.id and not again):
            return ctr is None or not ctr.running
        crec.stopping = ctr.id
        for entry in self.timers.pop(ctr.id, []):
            k.env.cancel(entry)
        self.waiting.pop(ctr.id, None)
        if (deadline := self.deadlines.pop(ctr.id, None)) is not None:
            k.env.cancel(deadline)
        spec = container_spec(pod, crec.name)[0]
        k.recorder.event(pod, "Normal", "Killing", message, container_ref(pod, crec.name))
        hook = (spec.get("lifecycle") or {}).get("preStop")
        if hook and grace > 0:
            seconds, ok, kind = self.run_hook(hook, spec, rec, ctr)
            abandoned = seconds >= grace
            elapsed = float(grace) if abandoned else seconds
            remaining = max(grace - int(elapsed), MINIMUM_GRACE_PERIOD)
            k.record("kubelet-prestop", rec.key, container=crec.name, hook=kind, seconds=seconds, grace=grace,
                     abandoned=abandoned, ok=ok, remaining=remaining)
            if elapsed > 0:
                self._later(ctr.id, elapsed, "hook_done", rec.uid, ctr.id, grace - int(elapsed),
                            not ok and not abandoned, after, label=f"preStop {crec.name} done")
                return False
            self.hook_done(rec.uid, ctr.id, grace, not ok, after)
        else:
            self.hook_done(rec.uid, ctr.id, grace, False, after)
        return not ctr.running

    def hook_done(self, uid: str, container_id: str, budget: int, failed: bool, after: tuple[str, ...]) -> None:
        """The preStop hook returned (or there was none): FailedPreStopHook if it failed, then wait for the turn."""
        k = self.kubelet
        rec = k.records.get(uid)
        ctr = k.runtime.containers.get(container_id)
        pod = k.pods.get(rec.key) if rec else None
        if failed and pod is not None and ctr is not None:
            k.recorder.event(pod, "Warning", "FailedPreStopHook", "PreStopHook failed", container_ref(pod, ctr.name))
        self.turn(uid, container_id, budget, after, k.now)

    def turn(self, uid: str, container_id: str, budget: int, after: tuple[str, ...], since: float) -> None:
        """waitForTurn: stop the container once none of `after` runs, or when `budget` seconds are up."""
        k = self.kubelet
        rec = k.records.get(uid)
        if rec is None:
            return
        running = [n for n in after if n in rec.containers and
                   getattr(k.runtime.containers.get(rec.containers[n].container_id), "running", False)]
        if running and budget > 0 and k.now < since + budget - 1e-6:
            if container_id not in self.deadlines:
                self.deadlines[container_id] = k.schedule(since + budget - k.now, self, "turn", uid, container_id,
                                                          budget, after, since, label="sidecar's turn to stop")
            self.waiting[container_id] = (uid, container_id, budget, after, since)
            return
        self.waiting.pop(container_id, None)
        deadline = self.deadlines.pop(container_id, None)
        if deadline is not None:
            k.env.cancel(deadline)
        waited = int(k.now - since + 1e-6) if after and budget > 0 else 0
        self.stop_container(uid, container_id, max(budget - waited, MINIMUM_GRACE_PERIOD))

    def wake(self, uid: str) -> None:
        """A container of the pod exited: the sidecars waiting for it may take their turn."""
        for args in [a for a in self.waiting.values() if a[0] == uid]:
            self.turn(*args)

    def run_hook(self, hook: dict, spec: dict, rec: PodRecord, ctr) -> tuple[float, bool, str]:
        """HandlerRunner.Run for a preStop hook: (seconds it runs, success, kind). exec reads `sleep N`/`exit N`;
        httpGet asks the app now; tcpSocket is not a runnable lifecycle handler (Go: "invalid handler")."""
        if isinstance(hook.get("sleep"), dict):
            return float(hook["sleep"].get("seconds") or 0), True, "sleep"
        if isinstance(hook.get("exec"), dict):
            seconds, code = exec_outcome(hook["exec"].get("command") or [])
            return seconds, code == 0, "exec"
        if isinstance(hook.get("httpGet"), dict):
            get = hook["httpGet"]
            status, _ = ctr.app.answer(_port(get.get("port"), spec), get.get("path") or "/", self.kubelet.now) \
                if ctr.app else (None, "")
            return 0.0, status is not None and 200 <= status < 400, "httpGet"
        return 0.0, False, next(iter(hook), "unknown")

    def stop_container(self, uid: str, container_id: str, grace: int) -> None:
        """CRI StopContainer: the image's stop signal now, SIGKILL after `grace` seconds unless it exits first."""
        k = self.kubelet
        rec = k.records.get(uid)
        ctr = k.runtime.containers.get(container_id)
        if rec is None or ctr is None or not ctr.running:
            return
        signal = ctr.app.stop_signal if ctr.app else "SIGTERM"
        exit_at = ctr.app.on_signal(k.now) if ctr.app else k.now
        k.record("kubelet-signal", rec.key, container=ctr.name, signal=signal, grace=grace,
                 exits_in=None if exit_at is None else exit_at - k.now)
        self.changed(uid)
        if exit_at is not None and exit_at - k.now < grace:
            if exit_at <= k.now:
                self.exited(uid, container_id, 0, False)
            else:
                self._later(container_id, exit_at - k.now, "exited", uid, container_id, 0, False,
                            label=f"{ctr.name} exits after {signal}")
            return
        self._later(container_id, grace, "sigkill", uid, container_id, label=f"SIGKILL {ctr.name}")

    def _later(self, container_id: str, delay: float, handler: str, *args: object, label: str) -> None:
        """One step of a kill to come, kept so that a kill started over can cancel it (those of containers that
        are gone are let go)."""
        running = self.kubelet.runtime.containers
        self.timers = {c: e for c, e in self.timers.items() if getattr(running.get(c), "running", False)}
        self.timers.setdefault(container_id, []).append(
            self.kubelet.schedule(delay, self, handler, *args, label=label))

    def sigkill(self, uid: str, container_id: str) -> None:
        """The grace period ran out: the runtime SIGKILLs the process (exit 137, reason Error)."""
        k = self.kubelet
        rec = k.records.get(uid)
        ctr = k.runtime.containers.get(container_id)
        if rec is None or ctr is None or not ctr.running:
            return
        k.record("kubelet-sigkill", rec.key, container=ctr.name)
        self.exited(uid, container_id, SIGKILL_EXIT_CODE, False)


narrative({
    "kubelet-prestop": lambda f: (
        f"preStop {f['hook']} hook of {f['container']} in {f['object']}: "
        + (f"still running after the grace period {f['grace']}s: abandoned" if f["abandoned"] else
           f"runs {f['seconds']:g}s" + ("" if f["ok"] else " and fails: FailedPreStopHook"))
        + f"; then the stop signal with {f['remaining']}s left before SIGKILL"),
    "kubelet-signal": lambda f: (
        f"CRI StopContainer {f['container']} of {f['object']}: {f['signal']}, SIGKILL in {f['grace']}s; "
        + ("the process ignores it" if f["exits_in"] is None or f["exits_in"] >= f["grace"] else
           "it exits at once" if f["exits_in"] <= 0 else f"it drains and exits in {f['exits_in']:g}s")),
    "kubelet-sigkill": "grace period over: SIGKILL {container} of {object} (exit 137)",
})
