"""The namespace controller (pkg/controller/namespace/namespace_controller.go and
deletion/namespaced_resources_deleter.go): empty a terminating namespace, then let it go.

`kubectl delete namespace foo` only marks the namespace (deletionTimestamp, phase Terminating); its spec.finalizers
entry `kubernetes` keeps it in etcd. This controller waits 5 s (namespaceDeletionGracePeriod), deletes the contents
of every namespaced resource type with one DELETE collection each (propagationPolicy Background), lists what is
left, records that in the namespace's status conditions, and comes back after estimate/2 + 1 seconds while pods are
still terminating (the estimate is their longest terminationGracePeriodSeconds, or 15 s when only finalizers hold
objects). Once nothing is left it removes `kubernetes` through the namespaces/finalize subresource, and the API
server deletes the namespace.

Kubernetes walks the discovered resource types in Go map order (random); we walk the resource table's order. The
requests go through the API like every controller's, here with kube-controller-manager's identity (its ClusterRole
carries the namespace-controller rules); discovery never fails here, so NamespaceDeletionDiscoveryFailure and
NamespaceDeletionGroupVersionParsingFailure always hold their "ok" values.
"""

from __future__ import annotations

from ..client import RESOURCES, APIError, OnNew, Resource, WorkQueue
from ..loop import Entry
from ..objects import FINALIZER_KUBERNETES, deep_copy, get_condition, parse_timestamp, timestamp
from ..pods import is_terminal
from ..trace import narrative
from . import Controller

DELETION_GRACE_PERIOD = 5.0      # namespaceDeletionGracePeriod: let HA API servers see the deletion first
FINALIZER_ESTIMATE = 15          # finalizerEstimateSeconds: a default wait for finalizers on remaining objects
MAX_RETRY_DELAY = 60.0           # nsControllerRateLimiter: retry a failing namespace at least every minute

# deletion/status_condition_utils.go: the conditions the deleter maintains, in order, with their "ok" variants
CONDITION_TYPES = ("NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure",
                   "NamespaceDeletionContentFailure", "NamespaceContentRemaining", "NamespaceFinalizersRemaining")
OK_REASONS = {"NamespaceDeletionDiscoveryFailure": "ResourcesDiscovered",
              "NamespaceDeletionGroupVersionParsingFailure": "ParsedGroupVersions",
              "NamespaceDeletionContentFailure": "ContentDeleted",
              "NamespaceContentRemaining": "ContentRemoved",
              "NamespaceFinalizersRemaining": "ContentHasNoFinalizers"}
OK_MESSAGES = {"NamespaceDeletionDiscoveryFailure": "All resources successfully discovered",
               "NamespaceDeletionGroupVersionParsingFailure": "All legacy kube types successfully parsed",
               "NamespaceDeletionContentFailure": "All content successfully deleted, may be waiting on finalization",
               "NamespaceContentRemaining": "All content successfully removed",
               "NamespaceFinalizersRemaining": "All content-preserving finalizers finished"}


class ResourcesRemaining(Exception):
    """deletion.ResourcesRemainingError: content is still going away; look again in estimate/2 + 1 seconds."""

    def __init__(self, estimate: int):
        super().__init__(f"some content remains in the namespace, estimate {estimate} seconds before it is removed")
        self.estimate = estimate


class ContentFailure(Exception):
    """deleteAllContent's aggregated errors: the namespace is retried with the rate limiter."""


def gvr_string(res: Resource) -> str:
    """schema.GroupVersionResource.String(): `/v1, Resource=pods`, `apps/v1, Resource=deployments`."""
    return f"{res.group}/{res.version}, Resource={res.resource}"


def deletable_resources() -> list[Resource]:
    """The namespaced resource types that support delete (every namespaced type in the table)."""
    return [r for r in RESOURCES if r.namespaced]


class NamespaceController(Controller):
    """namespace-controller: deletes everything in a terminating namespace, then removes its finalizer."""

    name = "namespace-controller"
    primary = "namespaces"

    def __init__(self, env, client, factory, config):
        super().__init__(env, client, factory, config)
        self.queue = WorkQueue(env, self.component, self.name, self.sync, max_delay=MAX_RETRY_DELAY)
        self.informer = factory.informer("namespaces")
        self.informer.add_handler(self.enqueue_namespace, OnNew(self.enqueue_namespace), None)
        self._waiting: dict[str, Entry] = {}

    # --- the queue --------------------------------------------------------------------------------------------

    def enqueue_namespace(self, ns: dict) -> None:
        """Only namespaces being deleted are queued, 5 s after the change is seen."""
        if ns["metadata"].get("deletionTimestamp"):
            self.add_after(ns["metadata"]["name"], DELETION_GRACE_PERIOD)

    def resync(self) -> None:
        for ns in sorted(self.informer.list(), key=lambda n: n["metadata"]["name"]):
            self.enqueue_namespace(ns)

    def add_after(self, name: str, delay: float) -> None:
        """A delaying queue: a key waits once, at the earliest time anyone asked for."""
        due = self.now + delay
        entry = self._waiting.get(name)
        if entry is not None and not entry.cancelled and entry.time <= due:
            return
        if entry is not None:
            self.env.cancel(entry)
        self._waiting[name] = self.env.schedule(delay, self.component, self, "_ready", name,
                                                label=f"{self.name} {name}")

    def _ready(self, name: str) -> None:
        self._waiting.pop(name, None)
        self.sync(name)

    # --- syncNamespaceFromKey -------------------------------------------------------------------------------

    def sync(self, name: str) -> None:
        """One pass of the deleter; content still terminating requeues after estimate/2 + 1 s, errors rate-limited."""
        if self.informer.get(name) is None:
            self.nothing_to_do(name, "namespace-gone")
            return                                   # "Namespace has been deleted"
        try:
            self.delete(name)
        except ResourcesRemaining as rest:
            wait = rest.estimate // 2 + 1
            self.record("namespace-wait", name, estimate=rest.estimate, wait=wait)
            self.add_after(name, wait)
            return
        except (APIError, ContentFailure) as err:
            delay = self.queue.add_rate_limited(name)
            self.record("namespace-retry", name, error=str(err), retry=delay)
            return
        self.queue.forget(name)
        self.nothing_to_do(name, "namespace-done")

    def delete(self, name: str) -> None:
        """namespacedResourcesDeleter.Delete: a live GET, the phase, the content, then the finalizer."""
        try:
            ns = self.client.get("namespaces", "", name)
        except APIError as err:
            if err.code == 404:
                return
            raise
        if not ns["metadata"].get("deletionTimestamp"):
            return
        if ns.get("status", {}).get("phase") != "Terminating":       # updateNamespaceStatusFunc
            ns = deep_copy(ns)
            ns.setdefault("status", {})["phase"] = "Terminating"
            ns = self.client.update_status("namespaces", ns)
        if not (ns.get("spec") or {}).get("finalizers"):
            return                                   # finalized already: the API server removes it
        estimate = self.delete_all_content(ns)
        if estimate > 0:
            raise ResourcesRemaining(estimate)
        self.finalize(ns)

    def delete_all_content(self, ns: dict) -> int:
        """deleteAllContent: DELETE each resource type's collection, list what remains, update the conditions."""
        name = ns["metadata"]["name"]
        deleted_at = parse_timestamp(ns["metadata"]["deletionTimestamp"])
        estimate = 0
        remaining: dict[str, int] = {}
        finalizers: dict[str, int] = {}
        errors: list[str] = []
        for res in deletable_resources():
            try:
                est = self.estimate_graceful_termination(res, name, deleted_at)
                self.client.request("deletecollection", res, name, propagationPolicy="Background")
                items = self.client.list(res.resource, name)["items"]
            except APIError as err:
                errors.append(err.message)
                continue
            if not items:
                continue
            remaining[f"{res.resource}.{res.group}"] = len(items)
            held: dict[str, int] = {}
            for item in items:
                for f in item["metadata"].get("finalizers") or []:
                    held[f] = held.get(f, 0) + 1
            if est == 0 and held:
                est = FINALIZER_ESTIMATE
            if est:
                for f, n in held.items():
                    finalizers[f] = finalizers.get(f, 0) + n
            else:
                errors.append(f"unexpected items still remain in namespace: {name} for gvr: {gvr_string(res)}")
            estimate = max(estimate, est)
        self.record("namespace-content", name, remaining=remaining, finalizers=finalizers, estimate=estimate,
                    errors=errors, resources=len(deletable_resources()))
        self.update_conditions(ns, remaining, finalizers, errors)
        if errors:
            raise ContentFailure(", ".join(errors))
        return estimate

    def estimate_graceful_termination(self, res: Resource, namespace: str, deleted_at: float) -> int:
        """Pods only: the longest terminationGracePeriodSeconds of the non-terminal pods, or 0 once that much time
        has passed since the namespace's deletionTimestamp."""
        if res.resource != "pods":
            return 0
        estimate = 0
        for pod in self.client.list("pods", namespace)["items"]:
            if is_terminal(pod):
                continue
            grace = pod.get("spec", {}).get("terminationGracePeriodSeconds")
            if grace is not None:
                estimate = max(estimate, int(grace))
        return 0 if self.now - deleted_at >= estimate else estimate

    def update_conditions(self, ns: dict, remaining: dict[str, int], finalizers: dict[str, int],
                          errors: list[str]) -> None:
        """namespaceConditionUpdater: the failing variant of a condition, else its "ok" one; written only when a
        status, reason or message changed (a changed status also moves lastTransitionTime)."""
        new: dict[str, tuple[str, str, str]] = {}
        if remaining:
            parts = sorted(f"{gr} has {n} resource instances" for gr, n in remaining.items())
            new["NamespaceContentRemaining"] = ("True", "SomeResourcesRemain",
                                                f"Some resources are remaining: {', '.join(parts)}")
        if finalizers:
            parts = sorted(f"{f} in {n} resource instances" for f, n in finalizers.items())
            new["NamespaceFinalizersRemaining"] = ("True", "SomeFinalizersRemain", "Some content in the namespace "
                                                   f"has finalizers remaining: {', '.join(parts)}")
        if errors:
            new["NamespaceDeletionContentFailure"] = ("True", "ContentDeletionFailed", "Failed to delete all "
                                                      f"resource types, {len(errors)} remaining: "
                                                      f"{', '.join(sorted(errors))}")
        updated = deep_copy(ns)
        conditions = updated.setdefault("status", {}).setdefault("conditions", [])
        changed = False
        for ctype in CONDITION_TYPES:
            status, reason, message = new.get(ctype, ("False", OK_REASONS[ctype], OK_MESSAGES[ctype]))
            old = get_condition(updated, ctype)
            if old is None:
                conditions.append({"type": ctype, "status": status, "lastTransitionTime": timestamp(self.now),
                                   "reason": reason, "message": message})
                changed = True
            elif (old["status"], old.get("reason"), old.get("message")) != (status, reason, message):
                if old["status"] != status:
                    old["lastTransitionTime"] = timestamp(self.now)
                old.update(status=status, reason=reason, message=message)
                changed = True
        if changed:
            try:
                self.client.update_status("namespaces", updated)
            except APIError:
                pass                                 # utilruntime.HandleError: the next pass writes them again

    def finalize(self, ns: dict) -> None:
        """finalizeNamespace: PUT namespaces/<name>/finalize without our token; with spec.finalizers empty (and
        deletionTimestamp set) the API server deletes the namespace. A conflict re-reads and tries again."""
        name = ns["metadata"]["name"]
        rest = sorted({f for f in (ns.get("spec") or {}).get("finalizers") or [] if f != FINALIZER_KUBERNETES})
        self.record("namespace-finalize", name, finalizer=FINALIZER_KUBERNETES, rest=rest)
        for _ in range(5):
            rest = sorted({f for f in (ns.get("spec") or {}).get("finalizers") or [] if f != FINALIZER_KUBERNETES})
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": deep_copy(ns["metadata"]),
                    "spec": {**(ns.get("spec") or {}), "finalizers": rest}}
            try:
                self.client.request("update", "namespaces", "", name, "finalize", body)
                return
            except APIError as err:
                if err.code == 404:
                    return
                if err.code != 409:
                    raise
            ns = self.client.get("namespaces", "", name)


def _content(f: dict) -> str:
    head = (f"namespace {f['object']} is terminating: deleted the contents of its {f['resources']} namespaced "
            "resource types (one DELETE collection each, propagationPolicy Background)")
    if not f["remaining"]:
        return head + "; nothing is left"
    left = ", ".join(f"{gr.rstrip('.')}: {n}" for gr, n in sorted(f["remaining"].items()))
    text = f"{head}; still there: {left}"
    if f["finalizers"]:
        text += " (held by finalizers " + ", ".join(f"{k} on {n}" for k, n in sorted(f["finalizers"].items())) + ")"
    if f["errors"]:
        text += "; " + "; ".join(f["errors"])
    elif f["estimate"]:
        text += f"; they should be gone within {f['estimate']} s"
    return text


narrative({
    "nothing-to-do:namespace-gone": "the Namespace has been deleted",
    "nothing-to-do:namespace-done": "the Namespace is not being deleted, or is finalized already",
    "namespace-content": _content,
    "namespace-wait": "namespace {object}: content is still terminating (estimate {estimate} s): look again in "
                      "{wait} s (estimate/2 + 1)",
    "namespace-retry": "namespace {object}: deletion not finished ({error}); retry in {retry:g} s",
    "namespace-finalize": lambda f: (f"namespace {f['object']} is empty: remove the finalizer {f['finalizer']} "
                                     "from spec.finalizers (PUT .../finalize)"
                                     + (f"; {', '.join(f['rest'])} still hold it" if f["rest"] else
                                        "; with none left the API server deletes the namespace")),
})

__all__ = ["NamespaceController", "ResourcesRemaining"]
