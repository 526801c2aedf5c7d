"""The node lifecycle controller (pkg/controller/nodelifecycle/node_lifecycle_controller.go).

Every node-monitor-period (5 s) `monitor_node_health` reads each Node's Ready condition and its Lease in
kube-node-lease. When neither has been renewed for node-monitor-grace-period (50 s; 60 s node-startup-grace-period
for a node that never posted status) it sets Ready, MemoryPressure, DiskPressure and PIDPressure to Unknown, emits
NodeNotReady and marks the node's pods not ready. The taint passes follow the conditions: NoExecute taints
(`unreachable`, `not-ready`) through a rate-limited per-zone queue (`do_no_execute_tainting_pass`), NoSchedule
taints on every relevant Node change (`do_no_schedule_tainting_pass`). Evicting pods from NoExecute-tainted nodes
is the taint-eviction-controller's job (tainteviction.py).

Kubernetes runs the NoExecute queue on a 100 ms ticker; here a pass is scheduled only when a node is waiting.
Go swaps taints with two PATCHes (add, then remove); here one merge patch does both.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

from ..client import APIError
from ..events import EventRecorder
from ..objects import deep_copy, get_condition, labels_of, node_name_of, parse_timestamp, timestamp
from ..trace import narrative, phrase, plural
from . import Controller

NODE_MONITOR_PERIOD = 5.0
NODE_MONITOR_GRACE_PERIOD = 50.0          # 40 s up to v1.31 (PR #126287)
NODE_STARTUP_GRACE_PERIOD = 60.0
NODE_EVICTION_PERIOD = 0.1                # the NoExecute tainting ticker
EVICTION_LIMITER_QPS = 0.1
SECONDARY_EVICTION_LIMITER_QPS = 0.01
LARGE_CLUSTER_THRESHOLD = 50
UNHEALTHY_ZONE_THRESHOLD = 0.55
LEASE_NAMESPACE = "kube-node-lease"

TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
#: nodeConditionToTaintKeyStatusMap
CONDITION_TAINTS = {
    "Ready": {"False": TAINT_NOT_READY, "Unknown": TAINT_UNREACHABLE},
    "MemoryPressure": {"True": "node.kubernetes.io/memory-pressure"},
    "DiskPressure": {"True": "node.kubernetes.io/disk-pressure"},
    "NetworkUnavailable": {"True": "node.kubernetes.io/network-unavailable"},
    "PIDPressure": {"True": "node.kubernetes.io/pid-pressure"},
}
CONDITION_TAINT_KEYS = {key for by_status in CONDITION_TAINTS.values() for key in by_status.values()}
UNKNOWN_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")   # NetworkUnavailable is not ours

NORMAL, PARTIAL, FULL, INITIAL = "Normal", "PartialDisruption", "FullDisruption", "Initial"


@dataclass
class NodeHealth:
    """nodeHealthData: when we last heard from the node, and what we heard (Ready condition, Lease renewTime)."""

    probe_timestamp: float
    ready_transition: float
    ready: dict | None = None
    lease_renew: float | None = None


class TokenBucket:
    """flowcontrol.NewTokenBucketRateLimiter(qps, burst=1), read on the virtual clock."""

    def __init__(self, qps: float, now: float):
        self.qps, self.tokens, self.last = qps, 1.0, now

    def swap(self, qps: float, now: float) -> None:
        self._refill(now)
        self.qps = qps

    def _refill(self, now: float) -> None:
        self.tokens = min(1.0, self.tokens + (now - self.last) * self.qps)
        self.last = now

    def try_accept(self, now: float) -> bool:
        self._refill(now)
        if self.qps > 0 and self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait(self, now: float) -> float | None:
        """Seconds until a token is free, or None if the rate is zero (NewFakeNeverRateLimiter)."""
        self._refill(now)
        if self.qps <= 0:
            return None
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.qps


def zone_of(node: dict) -> str:
    """nodetopology.GetZoneKey, printed as region:zone (empty for a node without topology labels)."""
    labels = labels_of(node)
    region = labels.get("topology.kubernetes.io/region", "")
    zone = labels.get("topology.kubernetes.io/zone", "")
    return f"{region}:{zone}" if region else zone


def taint_matches(a: dict, b: dict) -> bool:
    """Taint.MatchTaint: same key and effect."""
    return a.get("key") == b.get("key") and a.get("effect") == b.get("effect")


def taint_text(t: dict) -> str:
    return f"{t['key']}:{t['effect']}"


class NodeLifecycleController(Controller):
    """node-lifecycle-controller: node health from heartbeats, condition taints, pods marked NotReady."""

    name = "node-lifecycle-controller"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.recorder = EventRecorder(self.client.quiet_copy(), "node-controller", record=self.record)
        self.node_informer = factory.informer("nodes")
        self.lease_informer = factory.informer("leases")
        self.pod_informer = factory.informer("pods")
        self.pod_informer.add_index("spec.nodeName", node_name_of)
        self.node_informer.add_handler(self._node_added, self._node_updated)
        self.health: dict[str, NodeHealth] = {}
        self.known: set[str] = set()
        self.retry: set[str] = set()
        self.zone_states: dict[str, str] = {}
        self.limiters: dict[str, TokenBucket] = {}
        self.tainter: dict[str, list[str]] = {}     # zone -> nodes waiting for a NoExecute taint, in order
        self._tainting = None
        env.schedule(0.0, self.component, self, "_tick", kind="periodic", label=f"{self.name} monitor")

    def _node_added(self, node: dict) -> None:
        self.queue.add(node["metadata"]["name"])

    def _node_updated(self, old: dict, new: dict) -> None:
        """Queue a NoSchedule pass only when what it reads changed (not for every heartbeat)."""
        def facts(n: dict) -> tuple:
            conds = tuple((c["type"], c["status"]) for c in n.get("status", {}).get("conditions") or [])
            return conds, bool(n.get("spec", {}).get("unschedulable")), str(n.get("spec", {}).get("taints"))
        if facts(old) != facts(new):
            self.queue.add(new["metadata"]["name"])

    def _tick(self) -> None:
        self.monitor_node_health()
        ready = collections.Counter((h.ready or {}).get("status", "Unknown") for h in self.health.values())
        quiet = min(self.health.items(), key=lambda nh: (nh[1].probe_timestamp, nh[0]), default=None)
        self.nothing_to_do("", "node-monitor", grace=NODE_MONITOR_GRACE_PERIOD, **{"pass": "monitorNodeHealth"},
                           ready=sorted(ready.items()), quiet=[quiet[0], round(self.now - quiet[1].probe_timestamp, 3)]
                           if quiet else None)
        self.env.schedule(NODE_MONITOR_PERIOD, self.component, self, "_tick", kind="periodic",
                          label=f"{self.name} monitor")

    # --- monitorNodeHealth ---------------------------------------------------------------------------------------

    def monitor_node_health(self) -> None:
        """One pass over every node: health, taint-based eviction marks, NotReady pods, zone disruption."""
        nodes = sorted(self.node_informer.list(), key=lambda n: n["metadata"]["name"])
        names = {n["metadata"]["name"] for n in nodes}
        for node in nodes:
            name = node["metadata"]["name"]
            if name not in self.known:
                self.known.add(name)
                self.record("node-registered", name, zone=zone_of(node))
                self._node_event(node, "RegisteredNode", f"Node {name} event: Registered Node {name} in Controller")
        for name in sorted(self.known - names):
            self.known.discard(name)
            self.health.pop(name, None)
            for queue in self.tainter.values():
                if name in queue:
                    queue.remove(name)
            self.record("node-removed", name)
            self._node_event({"metadata": {"name": name, "uid": name}}, "RemovingNode",
                             f"Node {name} event: Removing Node {name} from Controller")
        zone_conditions: dict[str, list[dict | None]] = {}
        for node in nodes:
            name = node["metadata"]["name"]
            observed, current = self.try_update_node_health(node)
            zone_conditions.setdefault(zone_of(node), []).append(current)
            if current is None:
                continue
            self.process_taint_base_eviction(node, observed)
            if current["status"] != "True" and observed["status"] == "True":
                self._node_event(node, "NodeNotReady", f"Node {name} status is now: NodeNotReady")
                self.mark_pods_not_ready(name)
            elif name in self.retry and observed["status"] != "True":
                self.mark_pods_not_ready(name)
        self.handle_disruption(zone_conditions, nodes)

    def _node_event(self, node: dict, reason: str, message: str) -> None:
        """RecordNodeStatusChange / RecordNodeEvent: the reference uses the node name as its UID."""
        name = node["metadata"]["name"]
        ref = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": name}}
        self.recorder.event(ref, "Normal", reason, message)

    def try_update_node_health(self, node: dict) -> tuple[dict, dict | None]:
        """tryUpdateNodeHealth: returns the Ready condition as observed and as it is after this pass."""
        name, now = node["metadata"]["name"], self.now
        created = parse_timestamp(node["metadata"]["creationTimestamp"])
        health = self.health.get(name)
        current = get_condition(node, "Ready")
        if current is None:
            # never posted: a fake Unknown condition dated at creation, and the startup grace period
            observed = {"type": "Ready", "status": "Unknown", "lastHeartbeatTime": node["metadata"]["creationTimestamp"]}
            grace = NODE_STARTUP_GRACE_PERIOD
            if health is None:
                health = NodeHealth(created, created)
            else:
                health.ready = None
        else:
            observed = current               # cached objects are never changed in place: no copy needed
            grace = NODE_MONITOR_GRACE_PERIOD
            saved = health.ready if health else None
            if health is None or saved is None:
                health = NodeHealth(now, now, current, health.lease_renew if health else None)
            elif saved.get("lastHeartbeatTime") != current.get("lastHeartbeatTime"):
                transition = now if saved.get("lastTransitionTime") != current.get("lastTransitionTime") \
                    else health.ready_transition
                health = NodeHealth(now, transition, current, health.lease_renew)
        lease = self.lease_informer.get(f"{LEASE_NAMESPACE}/{name}")
        renew = lease.get("spec", {}).get("renewTime") if lease else None
        if renew:
            renewed = parse_timestamp(renew)
            if health.lease_renew is None or health.lease_renew < renewed:
                health.lease_renew = renewed
                health.probe_timestamp = now
        self.health[name] = health
        if now <= health.probe_timestamp + grace:
            return observed, current
        node = deep_copy(node)
        changed = []
        for ctype in UNKNOWN_CONDITIONS:
            cond = get_condition(node, ctype)
            if cond is None:
                node.setdefault("status", {}).setdefault("conditions", []).append({
                    "type": ctype, "status": "Unknown", "lastHeartbeatTime": node["metadata"]["creationTimestamp"],
                    "lastTransitionTime": timestamp(now), "reason": "NodeStatusNeverUpdated",
                    "message": "Kubelet never posted node status."})
                changed.append(ctype)
            elif cond["status"] != "Unknown":
                cond.update(status="Unknown", reason="NodeStatusUnknown",
                            message="Kubelet stopped posting node status.", lastTransitionTime=timestamp(now))
                changed.append(ctype)
        new_ready = get_condition(node, "Ready")
        if new_ready == observed:
            return observed, new_ready
        self.record("node-unknown", name, silent=round(now - health.probe_timestamp, 3), grace=grace,
                    lease=renew or "", heartbeat=observed.get("lastHeartbeatTime", ""), conditions=changed,
                    never=current is None)
        try:
            self.client.update_status("nodes", node)
        except APIError as err:
            self.record("node-update-failed", name, error=err.message)
            return observed, current
        self.health[name] = NodeHealth(health.probe_timestamp, now, deep_copy(new_ready), health.lease_renew)
        return observed, new_ready

    def mark_pods_not_ready(self, node_name: str) -> None:
        """MarkPodsNotReady: set each pod's Ready condition to False (status update) and say why on the pod."""
        marked = []
        pods = sorted(self.pod_informer.by_index("spec.nodeName", node_name),
                      key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))
        for pod in pods:
            cond = get_condition(pod, "Ready")
            if cond is None or cond.get("status") == "False":
                continue
            pod = deep_copy(pod)
            cond = get_condition(pod, "Ready")
            cond.update(status="False", lastTransitionTime=timestamp(self.now))
            try:
                self.client.update_status("pods", pod)
            except APIError as err:
                if err.code != 404:
                    self.retry.add(node_name)
                    self.record("node-pods-not-ready", node_name, pods=marked, failed=err.message)
                    return
                continue
            marked.append(f"{pod['metadata']['namespace']}/{pod['metadata']['name']}")
            self.recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready")
        self.retry.discard(node_name)
        self.record("node-pods-not-ready", node_name, pods=marked, failed="")

    # --- NoExecute taints (processTaintBaseEviction, doNoExecuteTaintingPass) ------------------------------------

    def process_taint_base_eviction(self, node: dict, observed: dict) -> None:
        """Queue an unreachable/not-ready node for its NoExecute taint; a Ready node loses both at once."""
        status = observed.get("status")
        taints = node.get("spec", {}).get("taints") or []
        has = {t["key"] for t in taints if t.get("effect") == "NoExecute"}
        if status == "False":
            if TAINT_UNREACHABLE in has:
                self.swap_node_controller_taint(node, [TAINT_NOT_READY], [TAINT_UNREACHABLE], "NoExecute",
                                                why=["Ready=False"])
            else:
                self.mark_node_for_tainting(node)
        elif status == "Unknown":
            if TAINT_NOT_READY in has:
                self.swap_node_controller_taint(node, [TAINT_UNREACHABLE], [TAINT_NOT_READY], "NoExecute",
                                                why=["Ready=Unknown"])
            else:
                self.mark_node_for_tainting(node)
        elif status == "True":
            self.mark_node_as_reachable(node)

    def mark_node_for_tainting(self, node: dict) -> None:
        name, zone = node["metadata"]["name"], zone_of(node)
        queue = self.tainter.setdefault(zone, [])
        taints = node.get("spec", {}).get("taints") or []
        if name in queue or any(t["key"] in (TAINT_UNREACHABLE, TAINT_NOT_READY) and t.get("effect") == "NoExecute"
                                for t in taints):
            return
        queue.append(name)
        self.record("node-taint-queued", name, zone=zone, ready=(get_condition(node, "Ready") or {}).get("status"))
        self._schedule_tainting()

    def mark_node_as_reachable(self, node: dict) -> None:
        name = node["metadata"]["name"]
        for queue in self.tainter.values():
            if name in queue:
                queue.remove(name)
        taints = node.get("spec", {}).get("taints") or []
        if any(t["key"] in (TAINT_UNREACHABLE, TAINT_NOT_READY) and t.get("effect") == "NoExecute" for t in taints):
            self.swap_node_controller_taint(node, [], [TAINT_UNREACHABLE, TAINT_NOT_READY], "NoExecute",
                                            why=["Ready=True"])

    def _schedule_tainting(self) -> None:
        if self._tainting is not None and not self._tainting.cancelled:
            return
        waits = [self.limiters.setdefault(z, TokenBucket(EVICTION_LIMITER_QPS, self.now)).wait(self.now)
                 for z, q in sorted(self.tainter.items()) if q]
        waits = [w for w in waits if w is not None]
        if not waits:
            return
        self._tainting = self.env.schedule(max(NODE_EVICTION_PERIOD, min(waits)), self.component, self,
                                           "do_no_execute_tainting_pass",
                                           label=f"{self.name} doNoExecuteTaintingPass")

    def do_no_execute_tainting_pass(self) -> None:
        """Taint the queued nodes, one token of the zone's rate limiter each (0.1 per second, burst 1)."""
        self._tainting = None
        for zone, queue in sorted(self.tainter.items()):
            limiter = self.limiters.setdefault(zone, TokenBucket(EVICTION_LIMITER_QPS, self.now))
            while queue and limiter.try_accept(self.now):
                name = queue.pop(0)
                node = self.node_informer.get(name)
                if node is None:
                    continue
                status = (get_condition(node, "Ready") or {}).get("status")
                if status == "False":
                    self.swap_node_controller_taint(node, [TAINT_NOT_READY], [TAINT_UNREACHABLE], "NoExecute",
                                                    why=["Ready=False"])
                elif status == "Unknown":
                    self.swap_node_controller_taint(node, [TAINT_UNREACHABLE], [TAINT_NOT_READY], "NoExecute",
                                                    why=["Ready=Unknown"])
        self._schedule_tainting()
        self.nothing_to_do("", "node-no-execute", **{"pass": "doNoExecuteTaintingPass"})

    def swap_node_controller_taint(self, node: dict, add: list[str], remove: list[str], effect: str,
                                   why: list[str]) -> bool:
        """SwapNodeControllerTaint: add taints (timeAdded now) and remove others, in one patch of spec.taints
        (`why`: the node's conditions and fields that call for the change, e.g. `Ready=False`)."""
        name = node["metadata"]["name"]
        node = self.node_informer.get(name) or node       # the latest copy: this pass may have updated its status
        taints = node.get("spec", {}).get("taints") or []
        kept = [t for t in taints if not (t.get("effect") == effect and t["key"] in remove)]
        added = [{"key": k, "effect": effect, "timeAdded": timestamp(self.now)} for k in add
                 if not any(taint_matches(t, {"key": k, "effect": effect}) for t in kept)]
        removed = [t for t in taints if t not in kept]
        if not added and not removed:
            return True
        self.record("node-taints", name, added=[taint_text(t) for t in added],
                    removed=[taint_text(t) for t in removed], why=why)
        patch = {"metadata": {"resourceVersion": node["metadata"]["resourceVersion"]},
                 "spec": {"taints": kept + added or None}}
        try:
            self.client.patch("nodes", "", name, patch, patch_type="merge")
        except APIError as err:
            self.record("node-update-failed", name, error=err.message)
            return False
        return True

    # --- NoSchedule taints (doNoScheduleTaintingPass) ------------------------------------------------------------

    def sync(self, key: str) -> None:
        self.do_no_schedule_tainting_pass(key)

    def do_no_schedule_tainting_pass(self, name: str) -> None:
        """Keep the condition and unschedulable NoSchedule taints in step with the node's conditions and spec."""
        node = self.node_informer.get(name)
        if node is None:
            self.nothing_to_do(name, "node-gone")
            return
        want, why = [], []
        for cond in node.get("status", {}).get("conditions") or []:
            key = CONDITION_TAINTS.get(cond["type"], {}).get(cond["status"])
            if key:
                want.append(key)
                why.append(f"{cond['type']}={cond['status']}")
        if node.get("spec", {}).get("unschedulable"):
            want.append(TAINT_UNSCHEDULABLE)
            why.append("spec.unschedulable")
        have = [t["key"] for t in node.get("spec", {}).get("taints") or []
                if t.get("effect") == "NoSchedule" and (t["key"] in CONDITION_TAINT_KEYS or t["key"] == TAINT_UNSCHEDULABLE)]
        add = [k for k in want if k not in have]
        remove = [k for k in have if k not in want]
        if add or remove:
            self.swap_node_controller_taint(node, add, remove, "NoSchedule", why=why)
        self.nothing_to_do(name, "node-no-schedule", taints=have, conditions=why)

    # --- handleDisruption ----------------------------------------------------------------------------------------

    def handle_disruption(self, zone_conditions: dict[str, list[dict | None]], nodes: list[dict]) -> None:
        """Zone states set each zone's tainting rate; if every zone is fully disrupted, stop tainting at all."""
        new_states = {}
        for zone, conds in sorted(zone_conditions.items()):
            ready = sum(1 for c in conds if c is not None and c.get("status") == "True")
            not_ready = len(conds) - ready
            if ready == 0 and not_ready > 0:
                new_states[zone] = FULL
            elif not_ready > 2 and not_ready / len(conds) >= UNHEALTHY_ZONE_THRESHOLD:
                new_states[zone] = PARTIAL
            else:
                new_states[zone] = NORMAL
            self.zone_states.setdefault(zone, INITIAL)
        all_full = bool(new_states) and all(s == FULL for s in new_states.values())
        all_were_full = bool(self.zone_states) and all(s == FULL for s in self.zone_states.values())
        if all_full and not all_were_full:
            self.record("node-master-disruption", "", entering=True, zones=len(new_states))
            for node in nodes:
                self.mark_node_as_reachable(node)
            for zone in self.zone_states:
                self._limiter(zone).swap(0.0, self.now)
                self.zone_states[zone] = FULL
            return
        if all_full:
            return
        if all_were_full:
            self.record("node-master-disruption", "", entering=False, zones=len(new_states))
            for health in self.health.values():
                health.probe_timestamp = health.ready_transition = self.now
            for zone in sorted(self.zone_states):
                self._set_limiter_in_zone(zone, len(zone_conditions.get(zone, [])), new_states.get(zone, NORMAL))
            return
        for zone, state in sorted(new_states.items()):
            if self.zone_states.get(zone) != state:
                if self.zone_states.get(zone) != INITIAL or state != NORMAL:
                    self.record("node-zone-state", zone, old=self.zone_states.get(zone), new=state,
                                not_ready=sum(1 for c in zone_conditions[zone] if not c or c.get("status") != "True"),
                                size=len(zone_conditions[zone]))
                self._set_limiter_in_zone(zone, len(zone_conditions[zone]), state)

    def _limiter(self, zone: str) -> TokenBucket:
        return self.limiters.setdefault(zone, TokenBucket(EVICTION_LIMITER_QPS, self.now))

    def _set_limiter_in_zone(self, zone: str, size: int, state: str) -> None:
        if state == PARTIAL:
            qps = SECONDARY_EVICTION_LIMITER_QPS if size > LARGE_CLUSTER_THRESHOLD else 0.0
        else:
            qps = EVICTION_LIMITER_QPS
        self._limiter(zone).swap(qps, self.now)
        self.zone_states[zone] = state
        self._schedule_tainting()


def _unknown(f: dict) -> str:
    if f["never"]:
        return (f"node {f['object']} never posted status within node-startup-grace-period {f['grace']:g}s: "
                f"{', '.join(f['conditions'])} → Unknown (NodeStatusNeverUpdated)")
    lease = f"Lease renewTime {f['lease']}" if f["lease"] else "no Lease"
    return (f"node {f['object']}: nothing heard for {f['silent']:g}s ({lease}, Ready lastHeartbeatTime "
            f"{f['heartbeat']}) > node-monitor-grace-period {f['grace']:g}s: {', '.join(f['conditions'])} → "
            f"Unknown (NodeStatusUnknown: Kubelet stopped posting node status.)")


def _taints(f: dict) -> str:
    parts = []
    if f["added"]:
        parts.append(f"add taint{'s' if len(f['added']) > 1 else ''} {', '.join(f['added'])}")
    if f["removed"]:
        parts.append(f"remove taint{'s' if len(f['removed']) > 1 else ''} {', '.join(f['removed'])}")
    why = ", ".join(f["why"]) or phrase("node-taints:no-conditions", f)
    return f"node {f['object']} ({why}): {' and '.join(parts)}"


def _pods_not_ready(f: dict) -> str:
    n = len(f["pods"])
    text = f"node {f['object']} is not ready: marked {n} pod{'s' if n != 1 else ''} Ready=False"
    text += f" ({', '.join(f['pods'])})" if f["pods"] else ""
    return text + (f"; failed, will retry: {f['failed']}" if f["failed"] else "")


narrative({
    "node-registered": lambda f: f"observed a new node {f['object']} (zone {f['zone'] or 'none'})",
    "node-removed": "node {object} is gone: forget its health",
    "node-unknown": _unknown,
    "node-update-failed": "could not update node {object}: {error}; next monitor pass tries again",
    "node-pods-not-ready": _pods_not_ready,
    "node-taint-queued": lambda f: (f"node {f['object']} is Ready={f['ready']}: queue it for its NoExecute taint "
                                    f"(zone {f['zone'] or 'none'}, at most {EVICTION_LIMITER_QPS:g} nodes/s)"),
    "node-taints": _taints,
    "node-taints:no-conditions": "no conditions that call for a taint",
    "nothing-to-do:node-gone": "the node is gone",
    "nothing-to-do:node-no-schedule": lambda f: (f"its NoSchedule taints ({', '.join(f['taints']) or 'none'}) match "
                                                 f"its conditions and spec ({', '.join(f['conditions']) or 'none'})"),
    "nothing-to-do:node-no-execute": "no queued node needs a NoExecute taint now",
    "nothing-to-do:node-monitor": lambda f: (
        ", ".join(plural(n, "node") + f" Ready={s}" for s, n in f["ready"]) or "no nodes")
        + (f"; the longest unheard is {f['quiet'][0]}, for {f['quiet'][1]:g}s (node-monitor-grace-period "
           f"{f['grace']:g}s)" if f["quiet"] else ""),
    "node-master-disruption": lambda f: (
        f"all {f['zones']} zones have no Ready node: entering master disruption mode, no NoExecute taints"
        if f["entering"] else "some nodes are Ready again: leaving master disruption mode, health timers reset"),
    "node-zone-state": lambda f: (f"zone {f['object'] or 'none'}: {f['not_ready']} of {f['size']} nodes not ready: "
                                  f"{f['old']} → {f['new']}"),
})

__all__ = ["NodeLifecycleController", "NODE_MONITOR_GRACE_PERIOD", "NODE_MONITOR_PERIOD",
           "NODE_STARTUP_GRACE_PERIOD", "TAINT_NOT_READY", "TAINT_UNREACHABLE", "TAINT_UNSCHEDULABLE"]
