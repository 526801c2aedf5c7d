"""Storage: the generic registry store between the handlers and etcd (apiserver/pkg/registry/generic/registry).

It owns what the REST strategies decide on write: uid and creationTimestamp, generateName, generation, which
half of an object an update may change (spec or status), optimistic concurrency on resourceVersion, graceful
deletion and finalizers. resourceVersion is never stored: it is the key's mod revision, set on every read.
"""

from __future__ import annotations

from collections.abc import Callable

from ..etcd import CompareFailed, Etcd, KeyValue
from ..objects import (
    FINALIZER_FOREGROUND,
    FINALIZER_KUBERNETES,
    FINALIZER_ORPHAN,
    Randomness,
    deep_copy,
    generate_name,
    parse_timestamp,
    selector_matches,
    timestamp,
)
from .errors import APIError, already_exists, conflict, not_found
from .resources import BY_RESOURCE, Resource

GENERATION_KINDS = {"Deployment", "ReplicaSet", "Pod", "PodDisruptionBudget"}


def to_object(kv: KeyValue) -> dict:
    """Decode a stored value: a copy with metadata.resourceVersion set from the key's mod revision. The
    managedFields entries are copied, their FieldsV1 trees shared: nothing changes one in place (managedfields.py
    builds new trees), and they are most of a small object's size."""
    value = kv.value
    entries = value["metadata"].get("managedFields")
    if type(entries) is not list:
        obj = deep_copy(value)
    else:
        obj = {}
        for k, v in value.items():
            if k != "metadata":
                obj[k] = deep_copy(v)
                continue
            obj[k] = meta = {}
            for mk, mv in v.items():
                meta[mk] = [dict(e) if type(e) is dict else deep_copy(e) for e in mv] if mk == "managedFields" \
                    else deep_copy(mv)
    obj["metadata"]["resourceVersion"] = str(kv.mod_revision)
    return obj


#: ObjectMeta fields tagged `omitempty`: an empty list or map is not serialized, so it is not stored either
OMIT_EMPTY = ("labels", "annotations", "ownerReferences", "finalizers", "managedFields")


def _stored(obj: dict) -> dict:
    return _owned(deep_copy(obj))


def _owned(obj: dict) -> dict:
    """The value to store for an object the API server built for this request (decoded, defaulted, patched):
    stored as it is, without another copy; the handler does not touch it afterwards."""
    meta = obj["metadata"]
    meta.pop("resourceVersion", None)
    for name in OMIT_EMPTY:
        if name in meta and not meta[name]:
            del meta[name]
    return obj


def _share(new: dict, old: dict) -> dict:
    """Let a new stored value reuse the parts of the previous one that did not change (a pod's spec across its
    status updates), so etcd's history costs memory only for what changed. Stored values are never mutated."""
    for k, nv in new.items():
        ov = old.get(k)
        if ov is None or ov is nv:
            continue
        if nv == ov:
            new[k] = ov
        elif type(nv) is dict and type(ov) is dict:
            _share(nv, ov)
        elif k == "managedFields" and type(nv) is list and type(ov) is list:
            _share_entries(nv, ov)
    return new


def _share_entries(new: list, old: list) -> None:
    """managedFields entries move as their times change: each new entry shares with the old one of its manager
    (most writes change one entry, or one part of one entry's fields)."""
    by_manager = {(e.get("manager"), e.get("operation"), e.get("subresource")): e for e in old if type(e) is dict}
    for i, entry in enumerate(new):
        if type(entry) is not dict:
            continue
        previous = by_manager.get((entry.get("manager"), entry.get("operation"), entry.get("subresource")))
        if previous is None:
            continue
        if previous == entry:
            new[i] = previous
        else:
            _share(entry, previous)


def check_preconditions(res: Resource, obj: dict, wanted: dict) -> None:
    """DeleteOptions.preconditions against the stored object: a 409 Conflict on a mismatch.

    Most kinds fail in rest.BeforeDelete (staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go), which names
    the object by Kind.group; Namespaces fail earlier, in their own registry's Delete, with the storage layer's
    wording (pkg/registry/core/namespace/storage/storage.go)."""
    m = obj["metadata"]
    uid, rv = wanted.get("uid"), wanted.get("resourceVersion")
    if res.kind == "Namespace":
        target = res.resource
        if uid and uid != m.get("uid"):
            why = f"Precondition failed: UID in precondition: {uid}, UID in object meta: {m.get('uid')}"
        elif rv and rv != m.get("resourceVersion"):
            why = (f"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: "
                   f"{m.get('resourceVersion')}")
        else:
            return
        details = {"name": m["name"], "kind": res.resource}
    else:
        target = f"{res.kind}.{res.group}" if res.group else res.kind
        if uid and uid != m.get("uid"):
            why = (f"the UID in the precondition ({uid}) does not match the UID in record ({m.get('uid')}). The "
                   "object might have been deleted and then recreated")
        elif rv and rv != m.get("resourceVersion"):
            why = (f"the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record "
                   f"({m.get('resourceVersion')}). The object might have been modified")
        else:
            return
        details = {"name": m["name"], **({"group": res.group} if res.group else {}), "kind": res.kind}
    raise APIError(409, "Conflict", f'Operation cannot be fulfilled on {target} "{m["name"]}": {why}', details)


def qos_class(pod: dict) -> str:
    """pkg/apis/core/helper/qos.GetPodQOS: Guaranteed, Burstable or BestEffort."""
    containers = pod.get("spec", {}).get("containers") or []
    any_set, guaranteed = False, True
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            any_set = True
        for name in ("cpu", "memory"):
            if name not in lim or str(req.get(name, lim.get(name))) != str(lim[name]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


class Storage:
    """Create, read, update and delete objects of any kind in the table, against etcd."""

    def __init__(self, etcd: Etcd, now: Callable[[], float], rnd: Randomness):
        self.etcd, self.now, self.rnd = etcd, now, rnd

    # --- reads ----------------------------------------------------------------------------------------------

    def read(self, resource: str, namespace: str, name: str) -> dict | None:
        kv = self.etcd.get(BY_RESOURCE[resource].key(namespace, name))
        return to_object(kv) if kv else None

    def list(self, resource: str, namespace: str = "", selector: dict | None = None) -> list[dict]:
        res = BY_RESOURCE[resource]
        prefix = f"{res.prefix}{namespace}/" if namespace and res.namespaced else res.prefix
        out = [to_object(kv) for kv in self.etcd.range(prefix)]
        if selector is not None:
            out = [o for o in out if selector_matches(selector, o["metadata"].get("labels") or {})]
        return out

    def values(self, resource: str, namespace: str = "") -> list[dict]:
        """The stored values themselves, without copies or resourceVersion: for the API server's own read-only
        lookups (RBAC reads the bindings on every request)."""
        res = BY_RESOURCE[resource]
        prefix = f"{res.prefix}{namespace}/" if namespace and res.namespaced else res.prefix
        return [kv.value for kv in self.etcd.range(prefix)]

    def get(self, res: Resource, namespace: str, name: str) -> tuple[dict, KeyValue]:
        kv = self.etcd.get(res.key(namespace, name))
        if kv is None:
            raise not_found(res, name)
        return to_object(kv), kv

    # --- create ---------------------------------------------------------------------------------------------

    def prepare_for_create(self, res: Resource, obj: dict, namespace: str) -> None:
        """BeforeCreate: namespace, name from generateName, uid, creationTimestamp, generation, status reset."""
        m = obj["metadata"]
        if res.namespaced:
            m["namespace"] = namespace
        else:
            m.pop("namespace", None)
        if not m.get("name") and m.get("generateName"):
            m["name"] = generate_name(m["generateName"], self.rnd)
        m["uid"] = self.rnd.uid()
        m["creationTimestamp"] = timestamp(self.now())
        for key in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            m.pop(key, None)
        if res.kind in GENERATION_KINDS:
            m["generation"] = 1
        if res.kind in ("Deployment", "ReplicaSet"):
            obj["status"] = {}
        elif res.kind == "Pod":
            obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj)}
        elif res.kind == "Namespace":        # namespaceStrategy.PrepareForCreate: Active, and the kubernetes finalizer
            spec = obj.setdefault("spec", {})
            spec["finalizers"] = [*(spec.get("finalizers") or []), *([FINALIZER_KUBERNETES] if FINALIZER_KUBERNETES
                                                                       not in (spec.get("finalizers") or []) else [])]
            obj["status"] = {"phase": "Active"}
        elif res.kind == "PersistentVolumeClaim":
            obj["status"] = {"phase": "Pending"}
        elif res.kind == "PersistentVolume":
            obj.setdefault("status", {"phase": "Pending"})
        elif res.kind == "Service":                 # svcStrategy.PrepareForCreate: an empty status
            obj["status"] = {"loadBalancer": {}}
        elif res.kind == "PodDisruptionBudget":     # podDisruptionBudgetStrategy.PrepareForCreate: a zero status
            obj["status"] = {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}

    def create(self, res: Resource, obj: dict) -> tuple[dict, KeyValue]:
        m = obj["metadata"]
        key = res.key(m.get("namespace", ""), m["name"])
        try:
            kv = self.etcd.put(key, _owned(obj), expected_mod_revision=0)
        except CompareFailed:
            err = already_exists(res, m["name"])
            if m.get("generateName"):
                err.message += ", the server was not able to generate a unique name for the object"
            raise err from None
        return to_object(kv), kv

    # --- update ---------------------------------------------------------------------------------------------

    def prepare_for_update(self, res: Resource, obj: dict, old: dict, subresource: str) -> None:
        """PrepareForUpdate: the main resource cannot change status, the status subresource only changes status.

        `old` is this request's own copy of the stored object (Storage.get), so its parts move over uncopied."""
        m, om = obj.setdefault("metadata", {}), old["metadata"]
        for key in ("uid", "creationTimestamp", "namespace", "name", "deletionTimestamp",
                    "deletionGracePeriodSeconds", "generation"):
            if key in om:
                m[key] = om[key]
            else:
                m.pop(key, None)
        has_status = "status" in res.subresources
        if subresource == "status":
            obj["spec"] = old.get("spec", {}) if "spec" in old else obj.pop("spec", None) or None
            if obj.get("spec") is None:
                obj.pop("spec", None)
            # Deployments and ReplicaSets keep spec and labels only (their status strategies); the rest reset all
            # of ObjectMeta but status (metav1.ResetObjectMetaForStatus)
            kept = ("labels",) if res.kind in ("Deployment", "ReplicaSet") else (
                "labels", "annotations", "finalizers", "ownerReferences")
            for key in kept:
                if key in om:
                    m[key] = om[key]
                else:
                    m.pop(key, None)
            return
        if has_status and "status" in old:
            obj["status"] = old["status"]
        if res.kind == "Namespace" and subresource != "finalize":
            # namespaceStrategy.PrepareForUpdate: spec.finalizers change only through namespaces/finalize
            spec = obj.setdefault("spec", {})
            if (old.get("spec") or {}).get("finalizers"):
                spec["finalizers"] = old["spec"]["finalizers"]
            else:
                spec.pop("finalizers", None)
        if res.kind in GENERATION_KINDS:
            changed = obj.get("spec") != old.get("spec")
            if res.kind == "Deployment":
                changed = changed or (m.get("annotations") or {}) != (om.get("annotations") or {})
            if changed:
                m["generation"] = om.get("generation", 0) + 1

    def update(self, res: Resource, obj: dict, old_kv: KeyValue, check_rv: bool) -> tuple[dict, KeyValue | None]:
        """Compare-and-swap on the mod revision; a stale resourceVersion is a 409 Conflict."""
        m = obj["metadata"]
        rv = m.get("resourceVersion")
        if check_rv and rv and rv != str(old_kv.mod_revision):
            raise conflict(res, m["name"])
        if m.get("deletionTimestamp") and not m.get("finalizers") and self._deletable(res, obj):
            return self._remove(res, old_kv)
        value = _owned(obj)
        if value == old_kv.value:
            return to_object(old_kv), old_kv            # no-op update: etcd is not written, revision unchanged
        try:
            kv = self.etcd.put(old_kv.key, _share(value, old_kv.value), expected_mod_revision=old_kv.mod_revision)
        except CompareFailed:
            raise conflict(res, m["name"]) from None
        return to_object(kv), kv

    @staticmethod
    def _deletable(res: Resource, obj: dict) -> bool:
        """ShouldDeleteDuringUpdate; a Namespace also needs spec.finalizers empty (ShouldDeleteNamespaceDuringUpdate,
        pkg/registry/core/namespace/storage/storage.go)."""
        if res.kind == "Namespace":
            return not (obj.get("spec") or {}).get("finalizers")
        return res.kind != "Pod" or obj["metadata"].get("deletionGracePeriodSeconds", 0) == 0

    # --- delete ---------------------------------------------------------------------------------------------

    def delete(self, res: Resource, namespace: str, name: str, propagation: str | None,
               grace: int | None, uid: str | None = None, preconditions: dict | None = None
               ) -> tuple[dict, KeyValue | None, str]:
        """Graceful deletion and finalizers (registry/store.go Delete); returns the object, the write, and how.

        `preconditions` is DeleteOptions.preconditions ({"uid": ..., "resourceVersion": ...}); `uid` is the older
        way to give the uid one. A mismatch is a 409 Conflict and nothing is written."""
        obj, kv = self.get(res, namespace, name)
        m = obj["metadata"]
        wanted = {k: v for k, v in (preconditions or {}).items() if v is not None}
        if uid:
            wanted.setdefault("uid", uid)
        check_preconditions(res, obj, wanted)
        if res.kind == "Namespace":
            return self._delete_namespace(res, obj, kv)
        finalizers = list(m.get("finalizers") or [])
        policy = propagation or ("Background" if res.kind in ("Deployment", "ReplicaSet") else None)
        if policy == "Orphan" and FINALIZER_ORPHAN not in finalizers:
            finalizers.append(FINALIZER_ORPHAN)
        if policy == "Foreground" and FINALIZER_FOREGROUND not in finalizers:
            finalizers.append(FINALIZER_FOREGROUND)
        grace_seconds = self._grace(res, obj, grace)
        if not finalizers and grace_seconds == 0:
            _, removed = self._remove(res, kv)
            return obj, removed, "deleted"
        if m.get("deletionTimestamp"):
            if grace_seconds == 0 and not finalizers:
                _, removed = self._remove(res, kv)
                return obj, removed, "deleted"
            if grace_seconds < m.get("deletionGracePeriodSeconds", 0) or finalizers != (m.get("finalizers") or []):
                if grace_seconds < m.get("deletionGracePeriodSeconds", 0):   # BeforeDelete: only shorter, from then
                    m["deletionTimestamp"] = timestamp(parse_timestamp(m["deletionTimestamp"])
                                                       - m["deletionGracePeriodSeconds"] + grace_seconds)
                m["deletionGracePeriodSeconds"] = grace_seconds
                m["finalizers"] = finalizers
                new = self.etcd.put(kv.key, _stored(obj), expected_mod_revision=kv.mod_revision)
                return to_object(new), new, "graceful"
            return obj, None, "already"
        m["finalizers"] = finalizers
        if not finalizers:
            m.pop("finalizers")
        m["deletionTimestamp"] = timestamp(self.now() + grace_seconds)
        m["deletionGracePeriodSeconds"] = grace_seconds
        if res.kind in GENERATION_KINDS:
            m["generation"] = m.get("generation", 0) + 1
        new = self.etcd.put(kv.key, _stored(obj), expected_mod_revision=kv.mod_revision)
        return to_object(new), new, "finalizers" if finalizers and grace_seconds == 0 else "graceful"

    def _delete_namespace(self, res: Resource, obj: dict, kv: KeyValue) -> tuple[dict, KeyValue | None, str]:
        """The namespace registry's Delete (pkg/registry/core/namespace/storage/storage.go): the first request sets
        deletionTimestamp and phase Terminating; the namespace stays while spec.finalizers is not empty (the
        namespace controller empties it through namespaces/finalize), and a delete after that removes it.

        Not simulated: the orphan and foregroundDeletion metadata finalizers a propagationPolicy of Orphan or
        Foreground would add (kubectl sends Background, which adds neither)."""
        m = obj["metadata"]
        if not m.get("deletionTimestamp"):
            m["deletionTimestamp"] = timestamp(self.now())
            obj.setdefault("status", {})["phase"] = "Terminating"
            new = self.etcd.put(kv.key, _stored(obj), expected_mod_revision=kv.mod_revision)
            return to_object(new), new, "finalizers"
        if (obj.get("spec") or {}).get("finalizers") or m.get("finalizers"):
            return obj, None, "already"
        _, removed = self._remove(res, kv)
        return obj, removed, "deleted"

    @staticmethod
    def _grace(res: Resource, obj: dict, grace: int | None) -> int:
        """Pods get their terminationGracePeriodSeconds once bound and not terminal; everything else 0."""
        if res.kind != "Pod":
            return 0
        if not obj.get("spec", {}).get("nodeName") or obj.get("status", {}).get("phase") in ("Succeeded", "Failed"):
            return 0
        if grace is not None:
            return max(grace, 0)
        return int(obj["spec"].get("terminationGracePeriodSeconds", 30))

    def _remove(self, res: Resource, kv: KeyValue) -> tuple[dict, KeyValue | None]:
        self.etcd.delete(kv.key, expected_mod_revision=kv.mod_revision)
        obj = to_object(kv)
        return obj, self.etcd.get(kv.key) or KeyValue(kv.key, kv.value, 0, self.etcd.revision, 0)
