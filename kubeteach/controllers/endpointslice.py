"""The EndpointSlice controller (pkg/controller/endpointslice, staging/src/k8s.io/endpointslice reconciler.go,
utils.go): for every Service with a selector, EndpointSlices listing the selected pods that have an IP, with the
conditions kube-proxy balances on (ready, serving, terminating) and the container ports the Service resolves to.

syncService → the pods the selector picks → podToEndpoint per pod, grouped by resolved port list →
reconcileByPortMapping (keep wanted endpoints in place, fill the fullest slices up to maxEndpointsPerSlice, reuse or
create) → finalize (creates that would replace deleted slices become updates of them; creates, updates, deletes).
A Service that selects nothing keeps one placeholder slice. Deleting the Service leaves the slices to the garbage
collector (their owner reference). IPv4 only; topology hints and the slice-mirroring controller are not simulated.
"""

from __future__ import annotations

from ..client import APIError, OnNew
from ..objects import deep_copy, key_of, new_controller_ref
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

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"          # controllerQualifiedName
HEADLESS_LABEL = "service.kubernetes.io/headless"
MAX_ENDPOINTS_PER_SLICE = 100                          # --max-endpoints-per-slice
SLICE_CHANGE_MIN_SYNC_DELAY = 1.0                      # endpointSliceChangeMinSyncDelay
ZONE_LABEL = "topology.kubernetes.io/zone"


def slice_service_key(eps: dict) -> list[str]:
    """Index: the Service a slice belongs to (its kubernetes.io/service-name label)."""
    name = (eps["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL)
    return [f"{eps['metadata']['namespace']}/{name}"] if name else []


def endpoint_key(ep: dict) -> tuple[str, str]:
    """What identifies an endpoint across syncs (the endpoint hash: address and target pod)."""
    return (ep.get("addresses") or [""])[0], (ep.get("targetRef") or {}).get("name", "")


def ports_key(ports: list[dict] | None) -> tuple:
    return tuple(sorted((p.get("name") or "", p.get("port") or 0, p.get("protocol") or "", p.get("appProtocol") or "")
                        for p in ports or []))


def conditions_text(ep: dict) -> str:
    c = ep.get("conditions") or {}
    return " ".join(f"{k}={'true' if c.get(k) else 'false'}" for k in ("ready", "serving", "terminating"))


def endpoint_changes(old: list[dict], new: list[dict]) -> list[str]:
    """What an update changes, endpoint by endpoint: `endpoint 10.244.1.2 ready→false terminating→true`."""
    before = {endpoint_key(e): e for e in old}
    after = {endpoint_key(e): e for e in new}
    out = []
    for key, ep in after.items():
        prev = before.get(key)
        if prev is None:
            out.append(f"endpoint {key[0]} added ({conditions_text(ep)})")
        elif prev != ep:
            moved = [f"{k}→{'true' if (ep.get('conditions') or {}).get(k) else 'false'}"
                     for k in ("ready", "serving", "terminating")
                     if (prev.get("conditions") or {}).get(k) != (ep.get("conditions") or {}).get(k)]
            out.append(f"endpoint {key[0]} " + (" ".join(moved) or "changed"))
    out += [f"endpoint {key[0]} removed" for key in before if key not in after]
    return out


class EndpointSliceController(ServicePodsController):
    """endpointslice-controller: the EndpointSlices of every selector Service."""

    name = "endpointslice-controller"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.node_informer = factory.informer("nodes")
        self.slice_informer = factory.informer("endpointslices")
        self.slice_informer.add_index("service", slice_service_key)
        self.generations: dict[str, int] = {}        # endpointSliceTracker: slice UID → generation we wrote
        self._writing = ""                           # the Service whose slices this sync is writing
        self.slice_informer.add_handler(self._slice_changed, OnNew(self._slice_changed), self._slice_deleted)

    # --- event handlers ----------------------------------------------------------------------------------------

    def _ours(self, eps: dict) -> bool:
        return (eps["metadata"].get("labels") or {}).get(MANAGED_BY_LABEL) == MANAGED_BY

    def _slice_changed(self, eps: dict) -> None:
        """onEndpointSliceAdd/Update: a change of one of our slices that we did not write (the tracker's
        generation is older) brings its Service back after endpointSliceChangeMinSyncDelay."""
        if not self._ours(eps) or not slice_service_key(eps):
            return
        uid, gen = eps["metadata"]["uid"], eps["metadata"].get("generation", 1)
        if self._writing == slice_service_key(eps)[0]:
            self.generations[uid] = gen
        elif gen > self.generations.get(uid, 0):
            self.queue.add_after(slice_service_key(eps)[0], SLICE_CHANGE_MIN_SYNC_DELAY)

    def _slice_deleted(self, eps: dict) -> None:
        """onEndpointSliceDelete: one of ours deleted by someone else is put back after the same delay."""
        uid = eps["metadata"]["uid"]
        ours = self.generations.pop(uid, None)
        if ours is not None and self._writing != (slice_service_key(eps) or [""])[0] and \
                self.service_informer.get(slice_service_key(eps)[0]) is not None:
            self.queue.add_after(slice_service_key(eps)[0], SLICE_CHANGE_MIN_SYNC_DELAY)

    # --- syncService -------------------------------------------------------------------------------------------

    def sync(self, key: str) -> None:
        service = self.service_informer.get(key)
        if service is None:
            self.triggers.delete_service(key)
            self.nothing_to_do(key, "service-gone-slices")
            return
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName" or spec.get("selector") is None:
            self.nothing_to_do(key, "service-without-selector", type=spec.get("type", "ClusterIP"))
            return
        if service["metadata"].get("deletionTimestamp"):
            self.nothing_to_do(key, "service-deleting")
            return
        ns = service["metadata"]["namespace"]
        pods = sorted((p for p in self.pod_informer.list(ns)
                       if service_selects(service, p["metadata"].get("labels") or {})), key=key_of)
        trigger = self.triggers.compute(key, service, pods)
        desired: dict[tuple, list[dict]] = {}
        ports_of: dict[tuple, list[dict]] = {}
        skipped = []
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, True) or not pod_ipv4(pod):
                continue
            node_name = (pod.get("spec") or {}).get("nodeName", "")
            node = self.node_informer.get(node_name)
            if node is None and not spec.get("publishNotReadyAddresses"):
                skipped.append((pod["metadata"]["name"], node_name))
                continue
            ports = self.endpoint_ports(service, pod)
            pk = ports_key(ports)
            ports_of.setdefault(pk, ports)
            desired.setdefault(pk, []).append(self.pod_to_endpoint(pod, service, node))
        existing = sorted((s for s in self.slice_informer.by_index("service", key) if self._ours(s)),
                          key=key_of)
        self.reconcile(service, existing, desired, ports_of, trigger)
        for pod_name, node_name in skipped:
            self.record("endpoint-skipped", key, pod=pod_name, node=node_name)
        if skipped:
            self.queue.add_rate_limited(key)
        self.nothing_to_do(key, "slices-current", slices=len(existing),
                           endpoints=sum(len(v) for v in desired.values()),
                           ready=sum(1 for v in desired.values() for e in v if e["conditions"]["ready"]))

    def endpoint_ports(self, service: dict, pod: dict) -> list[dict]:
        """getEndpointPorts: one entry per Service port FindPort resolves for this pod."""
        out = []
        for sp in (service.get("spec") or {}).get("ports") or []:
            number = find_port(pod, sp)
            if number is None:
                continue
            port = {"name": sp.get("name") or "", "port": number, "protocol": sp.get("protocol") or "TCP"}
            if sp.get("appProtocol"):
                port["appProtocol"] = sp["appProtocol"]
            out.append(port)
        return out

    def pod_to_endpoint(self, pod: dict, service: dict, node: dict | None) -> dict:
        """podToEndpoint: serving = Ready, terminating = being deleted, ready = publishNotReadyAddresses or
        (serving and not terminating)."""
        serving = is_pod_ready(pod)
        terminating = bool(pod["metadata"].get("deletionTimestamp"))
        ready = bool((service.get("spec") or {}).get("publishNotReadyAddresses")) or (serving and not terminating)
        m, spec = pod["metadata"], pod.get("spec") or {}
        ep: dict = {"addresses": [pod_ipv4(pod)],
                    "conditions": {"ready": ready, "serving": serving, "terminating": terminating}}
        if should_set_hostname(pod, service):
            ep["hostname"] = spec["hostname"]
        ep["targetRef"] = {"kind": "Pod", "namespace": m["namespace"], "name": m["name"], "uid": m["uid"]}
        ep["nodeName"] = spec.get("nodeName", "")
        zone = ((node or {}).get("metadata", {}).get("labels") or {}).get(ZONE_LABEL)
        if zone:
            ep["zone"] = zone
        return ep

    # --- the reconciler ----------------------------------------------------------------------------------------

    def slice_labels(self, service: dict) -> dict:
        """setEndpointSliceLabels: the Service's labels, then the reserved keys forced."""
        labels = {k: v for k, v in (service["metadata"].get("labels") or {}).items()
                  if k not in (SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL)}
        if (service.get("spec") or {}).get("clusterIP") == "None":
            labels[HEADLESS_LABEL] = ""
        labels[SERVICE_NAME_LABEL] = service["metadata"]["name"]
        labels[MANAGED_BY_LABEL] = MANAGED_BY
        return labels

    def new_slice(self, service: dict, ports: list[dict] | None) -> dict:
        """newEndpointSlice: generateName `<service>-`, the controller owner reference, labels, IPv4."""
        m = service["metadata"]
        return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"generateName": f"{m['name']}-", "namespace": m["namespace"],
                             "labels": self.slice_labels(service),
                             "ownerReferences": [new_controller_ref(service, "v1", "Service")]},
                "addressType": "IPv4", "endpoints": [], "ports": deep_copy(ports) if ports else None}

    def reconcile(self, service: dict, existing: list[dict], desired: dict[tuple, list[dict]],
                  ports_of: dict[tuple, list[dict]], trigger: float | None) -> None:
        """reconcileByAddressType → reconcileByPortMapping per port list, the placeholder, then finalize."""
        to_create: list[dict] = []
        to_update: list[tuple[dict, dict]] = []           # (old, new)
        to_delete: list[dict] = []
        labels = self.slice_labels(service)
        by_ports: dict[tuple, list[dict]] = {}
        for eps in existing:
            if self._owned(eps, service) and eps.get("addressType") == "IPv4":
                by_ports.setdefault(ports_key(eps.get("ports")), []).append(eps)
            else:
                to_delete.append(eps)
        for pk in sorted(set(by_ports) | set(desired)):
            c, u, d = self.reconcile_port_mapping(by_ports.get(pk, []), desired.get(pk, []), ports_of.get(pk),
                                                  service, labels)
            to_create += c
            to_update += u
            to_delete += d
        if len(existing) == len(to_delete) and not to_create:
            placeholder = self.new_slice(service, None)
            if len(to_delete) == 1 and not to_delete[0].get("endpoints") and not to_delete[0].get("ports") and \
                    (to_delete[0]["metadata"].get("labels") or {}) == labels:
                to_delete = []
            else:
                to_create.append(placeholder)
        # finalize: a create that would replace a slice of this Service being deleted becomes an update of it
        for old in [s for s in to_delete if self._owned(s, service)]:
            if not to_create:
                break
            to_delete.remove(old)
            new = to_create.pop(0)
            new["metadata"] = {**deep_copy(old["metadata"]), "labels": new["metadata"]["labels"],
                               "ownerReferences": new["metadata"]["ownerReferences"]}
            to_update.append((old, new))
        self.finalize(service, to_create, to_update, to_delete, trigger)

    @staticmethod
    def _owned(eps: dict, service: dict) -> bool:
        """ownedBy: the slice's controller reference is this Service (its UID)."""
        return any(r.get("uid") == service["metadata"]["uid"] and r.get("controller")
                   for r in eps["metadata"].get("ownerReferences") or [])

    def reconcile_port_mapping(self, slices: list[dict], wanted: list[dict], ports: list[dict] | None,
                               service: dict, labels: dict) -> tuple[list, list, list]:
        """reconcileByPortMapping: keep the wanted endpoints in place, then fill the slices being updated
        (fullest first), then the unchanged slice closest to full, then new slices."""
        want = {endpoint_key(e): e for e in wanted}
        placed: set = set()
        updating: list[tuple[dict, dict]] = []
        unchanged: list[dict] = []
        to_delete: list[dict] = []
        for eps in slices:
            kept = []
            changed = (eps["metadata"].get("labels") or {}) != labels
            for ep in eps.get("endpoints") or []:
                k = endpoint_key(ep)
                if k in want and k not in placed:
                    placed.add(k)
                    kept.append(want[k])
                    changed = changed or want[k] != ep
                else:
                    changed = True
            if not kept:
                to_delete.append(eps)
            elif changed:
                new = deep_copy(eps)
                new["metadata"]["labels"] = dict(labels)
                new["endpoints"] = kept
                updating.append((eps, new))
            else:
                unchanged.append(eps)
        rest = [e for k, e in want.items() if k not in placed]
        updating.sort(key=lambda pair: -len(pair[1]["endpoints"]))
        for _, new in updating:
            room = MAX_ENDPOINTS_PER_SLICE - len(new["endpoints"])
            new["endpoints"] += rest[:max(room, 0)]
            rest = rest[max(room, 0):]
        if rest and len(rest) < MAX_ENDPOINTS_PER_SLICE:
            fits = [s for s in unchanged if len(s.get("endpoints") or []) + len(rest) <= MAX_ENDPOINTS_PER_SLICE]
            if fits:
                best = max(fits, key=lambda s: len(s.get("endpoints") or []))
                new = deep_copy(best)
                new["endpoints"] = list(best.get("endpoints") or []) + rest
                updating.append((best, new))
                rest = []
        to_create = []
        while rest:
            new = self.new_slice(service, ports)
            new["endpoints"], rest = rest[:MAX_ENDPOINTS_PER_SLICE], rest[MAX_ENDPOINTS_PER_SLICE:]
            to_create.append(new)
        return to_create, updating, to_delete

    def finalize(self, service: dict, to_create: list[dict], to_update: list[tuple[dict, dict]],
                 to_delete: list[dict], trigger: float | None) -> None:
        """Creates, then updates, then deletes; each write with the last-change-trigger-time annotation (removed
        when nothing triggered it), each one recorded with what it changed."""
        svc_key = key_of(service)
        self._writing = svc_key
        try:
            for new in to_create:
                self._annotate(new, trigger)
                try:
                    created = self.client.create("endpointslices", new, service["metadata"]["namespace"])
                except APIError as err:
                    if err.code != 409 and err.code != 403:
                        raise
                    self.record("endpointslice-write-failed", svc_key, error=err.message)
                    self.queue.add_rate_limited(svc_key)
                    continue
                self.generations[created["metadata"]["uid"]] = created["metadata"].get("generation", 1)
                eps = new["endpoints"] or []
                self.record("endpointslice-created", key_of(created), service=svc_key,
                            endpoints=[f"{e['addresses'][0]} ({conditions_text(e)})" for e in eps],
                            ports=[f"{p['port']}/{p['protocol']}" for p in new.get("ports") or []])
            for old, new in to_update:
                self._annotate(new, trigger)
                changes = endpoint_changes(old.get("endpoints") or [], new.get("endpoints") or [])
                if (old["metadata"].get("labels") or {}) != (new["metadata"].get("labels") or {}):
                    changes.append("labels updated")
                if ports_key(old.get("ports")) != ports_key(new.get("ports")):
                    changes.append("ports " + (", ".join(f"{p['port']}/{p['protocol']}" for p in new.get("ports")
                                                         or []) or "<unset>"))
                new.setdefault("metadata", {}).pop("managedFields", None)
                try:
                    written = self.client.update("endpointslices", new)
                except APIError as err:
                    if err.code not in (404, 409):
                        raise
                    self.record("endpointslice-write-failed", key_of(old), error=err.message)
                    self.queue.add_rate_limited(svc_key)
                    continue
                self.generations[written["metadata"]["uid"]] = written["metadata"].get("generation", 1)
                self.record("endpointslice-updated", key_of(old), service=svc_key, changes=changes)
            for old in to_delete:
                self.generations.pop(old["metadata"]["uid"], None)
                try:
                    self.client.delete("endpointslices", old["metadata"]["namespace"], old["metadata"]["name"])
                except APIError as err:
                    if err.code != 404:
                        raise
                self.record("endpointslice-deleted", key_of(old), service=svc_key)
        finally:
            self._writing = ""

    @staticmethod
    def _annotate(eps: dict, trigger: float | None) -> None:
        """addTriggerTimeAnnotation."""
        annotations = dict(eps["metadata"].get("annotations") or {})
        if trigger is not None:
            annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339_nano(trigger)
        else:
            annotations.pop(LAST_CHANGE_TRIGGER_TIME, None)
        if annotations:
            eps["metadata"]["annotations"] = annotations
        else:
            eps["metadata"].pop("annotations", None)


def _created(f: dict) -> str:
    eps = f["endpoints"]
    if not eps and not f["ports"]:
        return (f"created placeholder EndpointSlice {f['object']} for Service {f['service']}: its selector picks "
                "no pod with an IP yet (no endpoints, no ports)")
    return (f"created EndpointSlice {f['object']} for Service {f['service']}: {plural(len(eps), 'endpoint')}"
            + (f" [{', '.join(eps)}]" if eps else "") + f", ports {', '.join(f['ports']) or '<unset>'}")


narrative({
    "endpointslice-created": _created,
    "endpointslice-updated": lambda f: (f"updated EndpointSlice {f['object']} of Service {f['service']}: "
                                        + "; ".join(f["changes"] or ["annotations"])),
    "endpointslice-deleted": "deleted EndpointSlice {object} of Service {service}",
    "endpointslice-write-failed": "could not write EndpointSlice {object}: {error}; trying again later",
    "endpoint-skipped": "Service {object}: skipping Pod {pod}: Node {node} Not Found (the Service is synced again "
                        "later)",
    "nothing-to-do:service-gone-slices": "the Service is gone; its EndpointSlices go with it (their owner "
                                         "reference lets the garbage collector delete them)",
    "nothing-to-do:service-without-selector": "the Service has no selector (or is ExternalName): its endpoints "
                                              "are not this controller's",
    "nothing-to-do:service-deleting": "the Service is being deleted",
    "nothing-to-do:slices-current": lambda f: (f"its {plural(f['slices'], 'EndpointSlice')} already "
                                               f"{'lists' if f['slices'] == 1 else 'list'} "
                                               f"{plural(f['endpoints'], 'endpoint')} ({f['ready']} ready)"),
})
