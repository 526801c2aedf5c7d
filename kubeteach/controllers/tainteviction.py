"""The taint eviction controller (pkg/controller/tainteviction/taint_eviction.go; part of the node lifecycle
controller up to v1.28, its own `taint-eviction-controller` since v1.29).

Pods on a node with NoExecute taints are deleted at once if a taint is not tolerated, otherwise after the minimum
tolerationSeconds of the tolerations used (never, if none of them sets it). Each pending deletion is a timer on
the loop (the TimedWorkerQueue); it is cancelled, with a "Cancelling deletion" event, when the taints go.
Before deleting, the pod gets the DisruptionTarget condition (reason DeletionByTaintManager).

The timers are "work" entries: a scheduled eviction is decided work still to be done, so `run()` carries on to
it. Kubernetes hashes updates onto 8 workers and handles node updates before pod updates; here one queue keeps
them in arrival order, and a pod update is queued only when its node is tainted or an eviction is pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from ..client import APIError
from ..loop import Entry
from ..objects import get_condition, node_name_of, timestamp, tolerates
from ..trace import narrative, phrase
from . import Controller


@dataclass
class TimedWorker:
    """One scheduled deletion: when it was decided, when it fires, which pod (uid), and its loop entry."""

    created_at: float
    fire_at: float
    uid: str
    entry: Entry


def no_execute_taints(node: dict) -> list[dict]:
    return [t for t in node.get("spec", {}).get("taints") or [] if t.get("effect") == "NoExecute"]


def get_matching_tolerations(taints: list[dict], tolerations: list[dict]) -> tuple[bool, list[dict]]:
    """v1helper.GetMatchingTolerations: are all taints tolerated, and by which tolerations (first match each)."""
    used = []
    for taint in taints:
        match = next((t for t in tolerations if tolerates(t, taint)), None)
        if match is None:
            return False, []
        used.append(match)
    return True, used


def get_min_toleration_time(tolerations: list[dict]) -> float:
    """getMinTolerationTime: the smallest tolerationSeconds (≤ 0 means 0); -1 when none sets it (forever)."""
    if not tolerations:
        return 0.0
    seconds = [t["tolerationSeconds"] for t in tolerations if t.get("tolerationSeconds") is not None]
    if any(s <= 0 for s in seconds):
        return 0.0
    return float(min(seconds)) if seconds else -1.0


def taint_text(t: dict) -> str:
    value = f"={t['value']}" if t.get("value") else ""
    return f"{t['key']}{value}:{t['effect']}"


class TaintEvictionController(Controller):
    """taint-eviction-controller: deletes pods from nodes whose NoExecute taints they do not (or no longer) tolerate."""

    name = "taint-eviction-controller"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.pod_informer = factory.informer("pods")
        self.node_informer = factory.informer("nodes")
        self.pod_informer.add_index("spec.nodeName", node_name_of)
        self.pod_informer.add_handler(partial(self.pod_updated, None), self.pod_updated,
                                      partial(self.pod_updated, new=None))
        self.node_informer.add_handler(partial(self.node_updated, None), self.node_updated,
                                       partial(self.node_updated, new=None))
        self.tainted: dict[str, list[dict]] = {}          # node -> its NoExecute taints
        self.workers: dict[str, TimedWorker | None] = {}  # ns/name -> pending deletion (None: fired)

    # --- event handlers ------------------------------------------------------------------------------------------

    def pod_updated(self, old: dict | None, new: dict | None) -> None:
        """PodUpdated: only a new pod, a deleted one, or a change of tolerations or node matters."""
        pod = new or old
        if old is not None and new is not None and old["spec"].get("tolerations") == new["spec"].get("tolerations") \
                and old["spec"].get("nodeName") == new["spec"].get("nodeName"):
            return
        key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        nodes = {(p or {}).get("spec", {}).get("nodeName") for p in (old, new)}
        if key in self.workers or any(n in self.tainted for n in nodes if n):
            self.queue.add(f"pod/{key}")

    def node_updated(self, old: dict | None, new: dict | None) -> None:
        """NodeUpdated: only a change of the node's NoExecute taints matters."""
        if old is not None and new is not None and no_execute_taints(old) == no_execute_taints(new):
            return
        if old is None and new is not None and not no_execute_taints(new):
            return
        self.queue.add(f"node/{(new or old)['metadata']['name']}")

    def sync(self, key: str) -> None:
        kind, _, rest = key.partition("/")
        if kind == "node":
            self.handle_node_update(rest)
        else:
            self.handle_pod_update(rest)
        pod = self.pod_informer.get(rest) if kind == "pod" else None
        node = rest if kind == "node" else (pod or {}).get("spec", {}).get("nodeName")
        worker = self.workers.get(rest)
        self.nothing_to_do(key, "taint-in-sync", node=node, taints=[taint_text(t) for t in self.tainted.get(node) or []],
                           pending=worker.fire_at if worker else None)

    # --- handleNodeUpdate / handlePodUpdate ----------------------------------------------------------------------

    def handle_node_update(self, name: str) -> None:
        node = self.node_informer.get(name)
        if node is None:
            self.tainted.pop(name, None)
            return
        taints = no_execute_taints(node)
        if taints:
            self.tainted[name] = taints
        else:
            self.tainted.pop(name, None)
        pods = sorted(self.pod_informer.by_index("spec.nodeName", name),
                      key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))
        if not taints:
            for pod in pods:
                self.cancel_work_with_event(f"{pod['metadata']['namespace']}/{pod['metadata']['name']}",
                                            why="node-untainted", node=name)
            return
        for pod in pods:
            self.process_pod_on_node(pod, name, taints)

    def handle_pod_update(self, key: str) -> None:
        ns, _, name = key.partition("/")
        pod = self.pod_informer.get(key)
        if pod is None:
            self.cancel_work_with_event(key, why="pod-gone")
            return
        node = pod["spec"].get("nodeName")
        taints = self.tainted.get(node) if node else None
        if not taints:
            self.cancel_work_with_event(key, why="node-not-tainted" if node else "no-node", node=node)
            return
        self.process_pod_on_node(pod, node, taints)

    def process_pod_on_node(self, pod: dict, node: str, taints: list[dict]) -> None:
        """Evict now, later (at the minimum tolerationSeconds), or never; keep an earlier pending eviction."""
        key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        uid, now = pod["metadata"]["uid"], self.now
        tolerated, used = get_matching_tolerations(taints, pod["spec"].get("tolerations") or [])
        taint_names = [taint_text(t) for t in taints]
        if not tolerated:
            untolerated = [taint_text(t) for t in taints
                           if not any(tolerates(tol, t) for tol in pod["spec"].get("tolerations") or [])]
            self.cancel_work_with_event(key, why="")
            self.record("taint-evict-now", key, node=node, taints=untolerated)
            self.add_work(key, uid, now, now)
            return
        minimum = get_min_toleration_time(used)
        if minimum < 0:
            self.cancel_work_with_event(key, why="tolerated-forever", taints=taint_names)
            return
        if minimum == 0:
            self.cancel_work_with_event(key, why="")
            self.record("taint-evict-later", key, node=node, taints=taint_names, seconds=0.0, fire_at=now,
                        kept=False)
            self.add_work(key, uid, now, now)
            return
        start, trigger = now, now + minimum
        existing = self.workers.get(key)
        if existing is not None and existing.uid == uid:
            start = existing.created_at
            if start + minimum < trigger:
                return                            # the pending eviction fires earlier: keep it
            self.cancel_work_with_event(key, why="")
        elif existing is not None:
            self.cancel_work_with_event(key, why="pod-replaced")
        if key in self.workers:
            return                                # fired already (TimedWorkerQueue keeps the key)
        self.record("taint-evict-later", key, node=node, taints=taint_names, seconds=minimum, fire_at=trigger,
                    kept=False)
        self.add_work(key, uid, start, trigger)

    # --- the TimedWorkerQueue ------------------------------------------------------------------------------------

    def add_work(self, key: str, uid: str, created_at: float, fire_at: float) -> None:
        if key in self.workers:
            return
        entry = self.env.schedule(fire_at - self.now, self.component, self, "delete_pod", key,
                                  label=f"{self.name} evict {key}")
        self.workers[key] = TimedWorker(created_at, fire_at, uid, entry)

    def cancel_work_with_event(self, key: str, why: str, **facts: Any) -> None:
        """CancelWork; an eviction that was still pending gets the "Cancelling deletion" event (`why`: a key of the
        `taint-evict-cancelled:` phrases, or "" for no trace record; `facts`: what that phrase names)."""
        if key not in self.workers:
            return
        worker = self.workers.pop(key)
        if worker is None:
            return
        self.env.cancel(worker.entry)
        if why:
            self.record("taint-evict-cancelled", key, why=why, fire_at=worker.fire_at, **facts)
        ns, _, name = key.partition("/")
        self.recorder.event({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}},
                            "Normal", "TaintManagerEviction", f"Cancelling deletion of Pod {key}")

    def delete_pod(self, key: str) -> None:
        """deletePodHandler: event, DisruptionTarget condition (status patch), then DELETE with a uid precondition."""
        worker = self.workers.get(key)
        if worker is None:
            self.nothing_to_do(key, "taint-in-sync", node=None, taints=[], pending=None)
            return
        self.workers[key] = None
        ns, _, name = key.partition("/")
        self.recorder.event({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}},
                            "Normal", "TaintManagerEviction", f"Marking for deletion Pod {key}")
        try:
            pod = self.client.get("pods", ns, name)
        except APIError as err:
            if err.code == 404:
                return
            raise
        if pod["metadata"]["uid"] != worker.uid or pod["metadata"].get("deletionTimestamp"):
            return
        cond = get_condition(pod, "DisruptionTarget")
        if cond is None or cond.get("status") != "True" or cond.get("reason") != "DeletionByTaintManager":
            patch = {"status": {"conditions": [{
                "type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                "lastTransitionTime": timestamp(self.now), "reason": "DeletionByTaintManager",
                "message": "Taint manager: deleting due to NoExecute taint"}]}}
            try:
                self.client.patch("pods", ns, name, patch, subresource="status")
            except APIError as err:
                if err.code == 404:
                    return
                raise
        self.record("taint-evict", key, waited=round(self.now - worker.created_at, 3))
        try:
            self.client.delete("pods", ns, name, uid=worker.uid)
        except APIError as err:
            if err.code not in (404, 409):
                raise


def _later(f: dict) -> str:
    if f["seconds"] == 0:
        return (f"pod {f['object']} on node {f['node']} tolerates {', '.join(f['taints'])} for 0s: "
                f"delete it now")
    return (f"pod {f['object']} on node {f['node']} tolerates {', '.join(f['taints'])} for {f['seconds']:g}s "
            f"(the minimum tolerationSeconds of the matching tolerations): delete it at t={f['fire_at']:.3f}s")


narrative({
    "taint-evict-now": lambda f: (f"pod {f['object']} on node {f['node']} does not tolerate "
                                  f"{', '.join(f['taints'])}: delete it now"),
    "taint-evict-later": _later,
    "taint-evict-cancelled": lambda f: (f"cancel the deletion of pod {f['object']} due at t={f['fire_at']:.3f}s: "
                                        + phrase(f"taint-evict-cancelled:{f['why']}", f)),
    "taint-evict-cancelled:node-untainted": "node {node} has no NoExecute taints any more",
    "taint-evict-cancelled:pod-gone": "the pod is gone",
    "taint-evict-cancelled:node-not-tainted": "node {node} has no NoExecute taints",
    "taint-evict-cancelled:no-node": "no node",
    "taint-evict-cancelled:tolerated-forever": lambda f: f"it tolerates {', '.join(f['taints'])} forever",
    "taint-evict-cancelled:pod-replaced": "another pod of that name",
    "nothing-to-do:taint-in-sync": lambda f: (
        (f"node {f['node']} has NoExecute taints {', '.join(f['taints'])}" if f["taints"] else
         f"node {f['node']} has no NoExecute taint" if f["node"] else "the pod is gone or on no node")
        + (f"; the eviction due at t={f['pending']:.3f}s stays" if f["pending"] is not None else "; no eviction due")),
    "taint-evict": lambda f: (f"evict pod {f['object']} ({f['waited']:g}s after the decision): condition "
                              f"DisruptionTarget=True (DeletionByTaintManager), then DELETE"),
})

__all__ = ["TaintEvictionController", "get_matching_tolerations", "get_min_toleration_time", "tolerates"]
