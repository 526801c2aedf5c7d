"""What the EndpointSlice and Endpoints controllers share (staging/src/k8s.io/endpointslice/util/controller_utils.go,
trigger_time_tracker.go, pkg/api/v1/pod FindPort): which pods count, which ports they serve, which Services a pod
change touches, and when the change that triggered a write happened.
"""

from __future__ import annotations

from ..client import OnNew
from ..objects import EPOCH, parse_timestamp
from ..pods import is_pod_ready, is_restartable_init_container, is_terminal
from . import Controller

LAST_CHANGE_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"


def service_selects(service: dict, labels: dict) -> bool:
    """A Service's map selector as labels.Set(selector).AsSelectorPreValidated(): nil selects nothing (its
    endpoints are someone else's), every key=value must match."""
    selector = (service.get("spec") or {}).get("selector")
    if selector is None:
        return False
    return all(labels.get(k) == v for k, v in selector.items())


def should_pod_be_in_endpoints(pod: dict, include_terminating: bool) -> bool:
    """ShouldPodBeInEndpoints: not Succeeded/Failed, has a pod IP; terminating pods only if asked."""
    if is_terminal(pod):
        return False
    status = pod.get("status") or {}
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    return include_terminating or not pod["metadata"].get("deletionTimestamp")


def pod_ipv4(pod: dict) -> str:
    """getEndpointAddresses for the IPv4 family: the pod's first IPv4 address."""
    status = pod.get("status") or {}
    ips = [p.get("ip", "") for p in status.get("podIPs") or []] or [status.get("podIP", "")]
    return next((ip for ip in ips if ip and ":" not in ip), "")


def find_port(pod: dict, service_port: dict) -> int | None:
    """podutil.FindPort: an int targetPort as it is; a named one looked up in the containers' ports of the same
    protocol, then in the sidecars' (restartable init containers). None: "no suitable port for manifest"."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target if target else service_port.get("port")
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = service_port.get("protocol") or "TCP"
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or []) + [c for c in spec.get("initContainers") or []
                                                         if is_restartable_init_container(c)]
    for container in containers:
        for port in container.get("ports") or []:
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                return port.get("containerPort")
    return None


def should_set_hostname(pod: dict, service: dict) -> bool:
    """ShouldSetHostname: the pod names a hostname and this Service as its subdomain."""
    spec = pod.get("spec") or {}
    return bool(spec.get("hostname")) and spec.get("subdomain") == service["metadata"]["name"] and \
        pod["metadata"]["namespace"] == service["metadata"]["namespace"]


def pod_endpoints_changed(old: dict, new: dict) -> tuple[bool, bool]:
    """podEndpointsChanged: (the endpoint changed — deletionTimestamp, readiness, pod IPs; the labels, hostname or
    subdomain changed, so its Service memberships may have)."""
    om, nm = old["metadata"], new["metadata"]
    os_, ns_ = old.get("spec") or {}, new.get("spec") or {}
    labels_changed = (om.get("labels") or {}) != (nm.get("labels") or {}) or \
        (os_.get("hostname"), os_.get("subdomain")) != (ns_.get("hostname"), ns_.get("subdomain"))
    if om.get("deletionTimestamp") != nm.get("deletionTimestamp") or is_pod_ready(old) != is_pod_ready(new):
        return True, labels_changed
    ips = [[p.get("ip") for p in (o.get("status") or {}).get("podIPs") or []] for o in (old, new)]
    return ips[0] != ips[1], labels_changed


def services_to_update_on_pod_change(services: list[dict], old: dict, new: dict) -> list[dict]:
    """GetServicesToUpdateOnPodChange: nothing when the resourceVersion or nothing endpoint-relevant changed; the
    Services selecting the pod; after a label change, both memberships if the endpoint changed too, else only the
    Services it joined or left."""
    if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
        return []
    pod_changed, labels_changed = pod_endpoints_changed(old, new)
    if not pod_changed and not labels_changed:
        return []
    now_in = [s for s in services if service_selects(s, new["metadata"].get("labels") or {})]
    if not labels_changed:
        return now_in
    was_in = [s for s in services if service_selects(s, old["metadata"].get("labels") or {})]
    keys_now = {id(s) for s in now_in}
    keys_was = {id(s) for s in was_in}
    if pod_changed:
        return now_in + [s for s in was_in if id(s) not in keys_now]
    return [s for s in now_in if id(s) not in keys_was] + [s for s in was_in if id(s) not in keys_now]


def rfc3339_nano(seconds: float) -> str:
    """time.RFC3339Nano of a virtual time: fractional seconds with trailing zeros dropped."""
    import datetime as _dt

    text = (EPOCH + _dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "Z"


class TriggerTimeTracker:
    """TriggerTimeTracker.ComputeEndpointLastChangeTriggerTime: per Service, the pods' Ready transition times and
    the Service's creation time last seen; a Service seen for the first time triggers at its creation, later syncs
    at the earliest of those times that moved since (None: none did)."""

    def __init__(self) -> None:
        self.state: dict[str, tuple[dict[str, float], float]] = {}

    def compute(self, key: str, service: dict, pods: list[dict]) -> float | None:
        known = key in self.state
        last_pods, last_service = self.state.get(key, ({}, -1.0))
        changed: list[float] = []
        now_pods: dict[str, float] = {}
        for pod in pods:
            cond = next((c for c in (pod.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"),
                        None)
            if cond and cond.get("lastTransitionTime"):
                t = parse_timestamp(cond["lastTransitionTime"])
                now_pods[pod["metadata"]["name"]] = t
                if t > last_pods.get(pod["metadata"]["name"], -1.0):
                    changed.append(t)
        created = parse_timestamp(service["metadata"].get("creationTimestamp") or "1970-01-01T00:00:00Z")
        if created > last_service:
            changed.append(created)
        self.state[key] = (now_pods, created)
        if not known:
            return created
        return min(changed) if changed else None

    def delete_service(self, key: str) -> None:
        self.state.pop(key, None)


class ServicePodsController(Controller):
    """The part both controllers share: Services and pods through the shared informers, a Service key queued for
    every Service change and for the pod changes that touch its endpoints (batch period 0: at once)."""

    primary = "services"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.service_informer = factory.informer("services")
        self.pod_informer = factory.informer("pods")
        self.triggers = TriggerTimeTracker()
        self.service_informer.add_handler(self.enqueue, OnNew(self.enqueue), self.enqueue)
        self.pod_informer.add_handler(self._pod_added, self._pod_updated, self._pod_added)

    def _pod_added(self, pod: dict) -> None:
        """addPod / deletePod: every Service selecting the pod."""
        for svc in self.service_informer.list(pod["metadata"]["namespace"]):
            if service_selects(svc, pod["metadata"].get("labels") or {}):
                self.enqueue(svc)

    def _pod_updated(self, old: dict, new: dict) -> None:
        """updatePod: only when podEndpointsChanged (labels, hostname, deletion, readiness, pod IPs)."""
        for svc in services_to_update_on_pod_change(self.service_informer.list(new["metadata"]["namespace"]),
                                                    old, new):
            self.enqueue(svc)
