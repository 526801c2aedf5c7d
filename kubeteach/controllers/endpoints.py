"""The legacy Endpoints controller (pkg/controller/endpoint/endpoints_controller.go), still run by v1.35's
kube-controller-manager: one core/v1 Endpoints object per selector Service, of the same name, ready pods in
`subsets[].addresses`, not-ready ones in `notReadyAddresses`, terminating pods left out (unless
publishNotReadyAddresses). Deleting the Service deletes its Endpoints. RepackSubsets' hash order is approximated
by sorting subsets by their ports and addresses by IP; the 1000-address truncation is not simulated.
"""

from __future__ import annotations

from ..client import APIError
from ..objects import deep_copy, key_of, split_key
from ..pods import is_pod_ready
from ..trace import narrative, plural
from .endpointutil import (
    LAST_CHANGE_TRIGGER_TIME,
    ServicePodsController,
    find_port,
    pod_ipv4,
    rfc3339_nano,
    service_selects,
    should_pod_be_in_endpoints,
    should_set_hostname,
)

MANAGED_BY_LABEL = "endpoints.kubernetes.io/managed-by"
MANAGED_BY = "endpoint-controller"
HEADLESS_LABEL = "service.kubernetes.io/headless"


class EndpointsController(ServicePodsController):
    """endpoints-controller: the v1 Endpoints of every selector Service."""

    name = "endpoints-controller"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.endpoints_informer = factory.informer("endpoints")
        self.endpoints_informer.add_handler(None, None, self._endpoints_deleted)

    def _endpoints_deleted(self, ep: dict) -> None:
        """onEndpointsDelete: an Endpoints object of a selector Service deleted by someone is written again."""
        svc = self.service_informer.get(key_of(ep))
        if svc is not None and (svc.get("spec") or {}).get("selector") is not None:
            self.queue.add(key_of(ep))

    def sync(self, key: str) -> None:
        """syncService."""
        namespace, name = split_key(key)
        service = self.service_informer.get(key)
        if service is None:
            self.triggers.delete_service(key)
            if self.endpoints_informer.get(key) is None:
                self.nothing_to_do(key, "service-gone-endpoints")
                return
            self.record("endpoints-deleted", key)
            try:
                self.client.delete("endpoints", namespace, name)
            except APIError as err:
                if err.code != 404:
                    raise
            return
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName" or spec.get("selector") is None:
            self.nothing_to_do(key, "service-without-selector", type=spec.get("type", "ClusterIP"))
            return
        publish = bool(spec.get("publishNotReadyAddresses"))
        pods = sorted((p for p in self.pod_informer.list(namespace)
                       if service_selects(service, p["metadata"].get("labels") or {})), key=key_of)
        trigger = self.triggers.compute(key, service, pods)
        groups: dict[tuple, dict[str, list[dict]]] = {}
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, publish) or not pod_ipv4(pod):
                continue
            address = {"ip": pod_ipv4(pod)}
            if should_set_hostname(pod, service):
                address["hostname"] = pod["spec"]["hostname"]
            address["nodeName"] = (pod.get("spec") or {}).get("nodeName", "")
            m = pod["metadata"]
            address["targetRef"] = {"kind": "Pod", "namespace": m["namespace"], "name": m["name"], "uid": m["uid"]}
            ports = []
            for sp in spec.get("ports") or []:
                number = find_port(pod, sp)
                if number is None:
                    continue
                port = {"name": sp.get("name") or "", "port": number, "protocol": sp.get("protocol") or "TCP"}
                if sp.get("appProtocol"):
                    port["appProtocol"] = sp["appProtocol"]
                ports.append(port)
            if not ports and spec.get("ports") and spec.get("clusterIP") != "None":
                continue                       # no port resolves: no address for this pod
            bucket = "addresses" if publish or is_pod_ready(pod) else "notReadyAddresses"
            pk = tuple(sorted((p["name"], p["port"], p["protocol"]) for p in ports))
            group = groups.setdefault(pk, {"ports": ports})
            group.setdefault(bucket, []).append(address)
        subsets = []
        for pk in sorted(groups):
            group = groups[pk]
            subset: dict = {}
            for bucket in ("addresses", "notReadyAddresses"):
                if group.get(bucket):
                    subset[bucket] = sorted(group[bucket], key=lambda a: (a["ip"], a["targetRef"]["uid"]))
            if group["ports"]:
                subset["ports"] = sorted(group["ports"], key=lambda p: (p["name"], p["port"]))
            subsets.append(subset)
        labels = {k: v for k, v in (service["metadata"].get("labels") or {}).items() if k != HEADLESS_LABEL}
        if spec.get("clusterIP") == "None":
            labels[HEADLESS_LABEL] = ""
        labels[MANAGED_BY_LABEL] = MANAGED_BY
        current = self.endpoints_informer.get(key)
        ready = sum(len(s.get("addresses") or []) for s in subsets)
        not_ready = sum(len(s.get("notReadyAddresses") or []) for s in subsets)
        if current is not None and (current.get("subsets") or []) == subsets and \
                (current["metadata"].get("labels") or {}) == labels:
            self.nothing_to_do(key, "endpoints-current", ready=ready, not_ready=not_ready)
            return
        new = deep_copy(current) if current is not None else {
            "apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": namespace}}
        new["metadata"]["labels"] = labels
        annotations = dict(new["metadata"].get("annotations") or {})
        if trigger is not None:
            annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339_nano(trigger)
        else:
            annotations.pop(LAST_CHANGE_TRIGGER_TIME, None)
        new["metadata"]["annotations"] = annotations
        if not annotations:
            del new["metadata"]["annotations"]
        new.pop("subsets", None)
        if subsets:
            new["subsets"] = subsets
        ips = lambda bucket: [a["ip"] for s in subsets for a in s.get(bucket) or []]   # noqa: E731
        self.record("endpoints-written", key, created=current is None, ready=ips("addresses"),
                    not_ready=ips("notReadyAddresses"))
        try:
            if current is None:
                self.client.create("endpoints", new, namespace)
            else:
                new["metadata"].pop("managedFields", None)
                self.client.update("endpoints", new)
        except APIError as err:
            if err.code not in (409, 404):
                raise
            self.queue.add_rate_limited(key)


def _written(f: dict) -> str:
    ready, not_ready = f["ready"], f["not_ready"]
    text = f"{'created' if f['created'] else 'updated'} Endpoints {f['object']}: " + \
        (f"{plural(len(ready), 'ready address', 'ready addresses')} [{', '.join(ready)}]" if ready else
         "no ready address")
    return text + (f", not ready [{', '.join(not_ready)}]" if not_ready else "")


narrative({
    "endpoints-written": _written,
    "endpoints-deleted": "deleted Endpoints {object}: its Service is gone",
    "nothing-to-do:service-gone-endpoints": "the Service is gone and so are its Endpoints",
    "nothing-to-do:endpoints-current": lambda f: (f"its Endpoints already list {f['ready']} ready and "
                                                  f"{f['not_ready']} not-ready address(es)"),
})
