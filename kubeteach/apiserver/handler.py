"""The API server's request pipeline: authentication → authorization → decode → defaulting → mutating admission →
validation → storage in etcd → watch fan-out (staging/src/k8s.io/apiserver/pkg/endpoints, server/filters).

Every component reaches the store only through `APIServer.handle`, so every interaction leaves trace records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonpatch

from ..etcd import Etcd
from ..objects import Randomness, deep_copy, timestamp
from . import (
    admission,
    applyrequest,
    decoding,
    defaults,
    escalation,
    eventsv1,
    eviction,
    managedfields,
    reviews,
    schema,
    services,
    subresources,
    validation,
)
from .authentication import Authenticator, CertificateAuthority
from .connect import CONNECT_SUBRESOURCES, connect
from .errors import APIError, bad_request, conflict, forbidden, forbidden_message, invalid, unauthorized
from .fields import field_matches, parse_field_selector
from .impersonation import impersonate
from .patch import merge_patch, strategic_merge_patch
from .podlogs import pod_log
from .rbac import Attributes, Authorizer
from .registry import FINALIZER_FOREGROUND, FINALIZER_ORPHAN, OMIT_EMPTY, Storage
from .request import Request
from .resources import REVIEW_RESOURCES
from .watch import Watcher, WatchFanOut
from .webhooks import Webhooks

#: the filters' own records, which a review's trace leaves out (it shows the POST and the review's answer)
REVIEW_UNTRACED = ("authenticated", "unauthenticated", "authorized", "forbidden")


class APIServer(WatchFanOut):
    """kube-apiserver: the only component that reads and writes etcd."""

    def __init__(self, etcd: Etcd, now: Callable[[], float], rnd: Randomness, record: Callable[..., Any],
                 ca: CertificateAuthority):
        self.etcd, self.now, self.rnd, self.record = etcd, now, rnd, record
        self.storage = Storage(etcd, now, rnd)
        self.ca = ca
        self.authn = Authenticator(ca)
        self.authz = Authorizer(self.storage.values)
        # node name -> the kubelet's /containerLogs (container ID, tailLines, timestamps) -> text; the assembly
        # registers one per kubelet, as kube-apiserver dials a node's kubelet port
        self.node_proxies: dict[str, Callable[[str, int | None, bool], str]] = {}
        self._start_fan_out(etcd)
        self.webhooks = Webhooks()       # MutatingAdmissionWebhook: configurations and in-simulation servers

    # --- the pipeline -----------------------------------------------------------------------------------------

    def handle(self, req: Request, authorize_only: bool = False) -> Any:
        """Serve one request; returns the object (or list, or watcher) or raises APIError after recording why.
        `authorize_only`: stop after the filters (authentication, impersonation, authorization)."""
        if req.resource.resource in REVIEW_RESOURCES:
            return self._review(req)
        log = self._logger(req)
        log(req.actor, "request", req.path, method=req.method, what=req.facts(),
            user=req.as_user, verbose=req.verbose)
        try:
            try:
                return self._serve(req, log, authorize_only)
            except ConnectionError as unreachable:      # etcd_remote.EtcdUnavailable: nothing was written
                # The etcd client waits for a connection until the request's deadline; then the handler answers
                # NewTimeoutError (apimachinery/pkg/api/errors): writes after handlers/rest.go's 34 s
                # requestTimeoutUpperBound, in handlers/finisher/finisher.go; reads at --request-timeout (60 s),
                # in server/filters/timeout.go. The clock cannot move within one step, so here they answer at once.
                why = "requested timeout - context deadline exceeded" if req.method != "GET" else \
                    "the allotted timeout"
                raise APIError(504, "Timeout", f"Timeout: request did not complete within {why}") from unreachable
        except APIError as err:
            log("kube-apiserver", "rejected", req.path, code=err.code, reason=err.reason, message=err.message,
                always=True)
            raise

    def _logger(self, req: Request) -> Callable[..., None]:
        def log(actor: str, action: str, obj: str = "", always: bool = False, **detail: Any) -> None:
            if req.quiet:
                return
            if req.verbose or always or action in ("request", "stored"):
                if action == "request" and not req.verbose and req.verb in ("get", "list", "watch"):
                    return
                self.record(actor, action, obj, **detail)
        return log

    def check_access(self, req: Request) -> None:
        """The filters alone, for a server that has not read the body yet (kube-apiserver authenticates and
        authorizes before a handler reads it, so a 401 or 403 never depends on the body): quiet when they pass;
        a refusal is traced as `handle` traces it, and raised."""
        try:
            self._authorize(req, lambda *args, **kwargs: None)
        except APIError:
            self.handle(req, authorize_only=True)
            raise

    def _serve(self, req: Request, log: Callable[..., None], authorize_only: bool = False) -> Any:
        self._authorize(req, log)
        if authorize_only:
            return None
        if req.subresource in CONNECT_SUBRESOURCES:
            return self._connect(req, log)
        if eventsv1.is_events_v1(req.resource):    # served from the core Events' storage, converted
            return eventsv1.serve(req, lambda core: getattr(self, f"_{core.verb}")(core, log))
        if req.subresource == "eviction" and req.verb == "create":    # EvictionREST (eviction.py)
            return eviction.evict(self, req, log)
        handler = getattr(self, f"_{req.verb}")
        return handler(req, log)

    def _authorize(self, req: Request, log: Callable[..., None]) -> None:
        """Authentication, then impersonation, then RBAC on the request's attributes; sets `req.user`."""
        user = self.authn.authenticate(req.credentials)
        if user is None:
            log("kube-apiserver", "unauthenticated", "", credentials=req.credentials.kind if req.credentials
                else "none")
            raise unauthorized()
        req.user = user
        if req.verbose and not req.quiet:       # the pipeline's own stages are traced for verbose clients only
            log("kube-apiserver", "authenticated", "", **user.facts())
        if req.impersonate_user or req.impersonate_groups or req.impersonate_uid or req.impersonate_extra:
            # the impersonation filter: after authn, before authz
            user = req.user = impersonate(self.authz, user, req.impersonate_user, req.impersonate_groups, log,
                                          req.impersonate_uid, req.impersonate_extra)
        attrs = Attributes(user, req.verb, req.resource.group, req.resource.resource, req.subresource,
                           req.namespace if req.resource.namespaced else "", req.name)
        decision = self.authz.authorize(attrs)
        if not decision.allowed:
            log("kube-apiserver", "forbidden", "", user=user.name, verb=req.verb, reason=decision.reason)
            raise forbidden(forbidden_message(user.name, req.verb, req.resource, req.subresource,
                                              attrs.namespace, req.name))
        resource = req.resource.group_resource + (f"/{req.subresource}" if req.subresource else "")
        log("kube-apiserver", "authorized", "", verb=req.verb, resource=resource, namespace=attrs.namespace,
            reason=decision.reason)

    def _connect(self, req: Request, log: Callable[..., None]) -> None:
        """pods/exec, attach, portforward: a WebSocket upgrade (GET) must also be allowed to `create` (v1.35's
        compound check), then the pod's location, then the refusal (connect.py)."""
        if req.verb == "get":
            assert req.user is not None                         # set by _authorize
            attrs = Attributes(req.user, "create", req.resource.group, req.resource.resource, req.subresource,
                               req.namespace, req.name)
            decision = self.authz.authorize(attrs)
            if not decision.allowed:
                log("kube-apiserver", "forbidden", "", user=req.user.name, verb="create", reason=decision.reason)
                raise forbidden(forbidden_message(req.user.name, "create", req.resource, req.subresource,
                                                  req.namespace, req.name))
        pod, _ = self.storage.get(req.resource, req.namespace, req.name)
        connect(pod, req.subresource, req.params.get("container", ""), bool(req.params.get("upgrade")))

    # --- reads --------------------------------------------------------------------------------------------------

    def _get(self, req: Request, log: Callable[..., None]) -> dict:
        obj, _ = self.storage.get(req.resource, req.namespace, req.name)
        if req.subresource == "scale":
            return subresources.scale_of(obj)
        if req.subresource == "log":              # pods/log: text, not an object
            return pod_log(obj, req.params.get("container", ""), self.node_proxies,
                           tail=req.params.get("tailLines"), timestamps=bool(req.params.get("timestamps")),
                           previous=bool(req.params.get("previous")))
        return obj

    def _list(self, req: Request, log: Callable[..., None]) -> dict:
        items = self.storage.list(req.resource.resource, req.namespace, req.params.get("labelSelector"))
        node = req.params.get("nodeName")
        if node is not None:
            items = [o for o in items if o.get("spec", {}).get("nodeName", "") == node]
        if req.params.get("fieldSelector"):
            fields = parse_field_selector(req.params["fieldSelector"], req.resource.resource)
            items = [o for o in items if field_matches(fields, o)]
        return {"apiVersion": req.resource.api_version, "kind": f"{req.resource.kind}List",
                "metadata": {"resourceVersion": str(self.etcd.revision)}, "items": items}

    # --- writes -------------------------------------------------------------------------------------------------

    def _decode(self, req: Request) -> dict:
        """Every create and update body (POST, PUT, status) decodes as the resource's Go type first
        (decoding.decode_object: plain JSON data, kind and apiVersion, field types)."""
        decoding.decode_object(req.resource, req.body, req.subresource,
                               req.params.get("fieldValidation") == "Strict")
        obj = deep_copy(req.body)
        schema.drop_nulls(req.resource.kind, obj)
        obj.setdefault("metadata", {})
        return obj

    def _admit_and_validate(self, req: Request, obj: dict, old: dict | None, log: Callable[..., None]) -> None:
        defaulted = defaults.apply_defaults(req.resource.kind, obj)
        self._track(req, obj, old)          # the field manager runs on the decoded object, before admission
        notes = admission.admit(self, req, obj)
        log("kube-apiserver", "admitted", "", kind=req.resource.kind, defaulted=defaulted, plugins=notes)
        self.webhooks.admit(self.storage, req, obj, old, log)      # after the built-in mutating plugins, before validation
        escalation.check(self.authz, req, obj, old, log)     # the RBAC storages' escalation check, before validation
        if req.resource.kind == "Service":          # the Service REST's BeginCreate/BeginUpdate: IPs are allocated
            allocated = services.begin_write(self, req.resource.resource, obj, old)
            if allocated:
                log("kube-apiserver", "allocated", "", **allocated)
        errors = validation.validate(req.resource, obj, old)
        name = obj["metadata"].get("name") or obj["metadata"].get("generateName", "")
        if errors:
            log("kube-apiserver", "invalid", "", kind=req.resource.kind, name=name, errors=[str(e) for e in errors])
            raise invalid(req.resource, name, errors)
        if req.verbose and not req.quiet:
            log("kube-apiserver", "validated", "", kind=req.resource.kind, name=name, **_validation_facts(obj))

    def _create(self, req: Request, log: Callable[..., None], applied: dict | None = None) -> dict:
        if req.subresource == "binding":
            return self._bind(req, log)
        if applied is None:
            applyrequest.validate_patch_options(req.params, None, "CreateOptions")
        obj = self._decode(req) if applied is None else applied
        ns = req.namespace if req.resource.namespaced else ""
        body_ns = obj["metadata"].get("namespace")
        if req.resource.namespaced and body_ns and body_ns != ns:
            raise bad_request("the namespace of the provided object does not match the namespace sent on the "
                              "request")
        self._admit_and_validate(req, obj, None, log)
        self.storage.prepare_for_create(req.resource, obj, ns)
        if req.params.get("created_by_apply"):
            req.params["created"] = True
        generated = obj["metadata"]["name"] if obj["metadata"].get("generateName") and not req.name else ""
        if req.params.get("dryRun"):
            return obj
        created, kv = self._write(lambda: self.storage.create(req.resource, obj))
        log("etcd", "stored", kv.key, op="created", revision=kv.mod_revision, version=kv.version,
            generated=generated, generate_name=obj["metadata"].get("generateName", ""),
            watchers=self._delivered, verbose=req.verbose)
        log("kube-apiserver", "responded", "", code="201 Created", watchers=self._delivered,
            event="ADDED", key=kv.key, revision=kv.mod_revision)
        return created

    def _update(self, req: Request, log: Callable[..., None], patched: dict | None = None) -> dict:
        res = req.resource
        old, old_kv = self.storage.get(res, req.namespace, req.name)
        if req.subresource == "scale":
            return self._update_scale(req, old, log)
        if patched is None:
            applyrequest.validate_patch_options(req.params, None, "UpdateOptions")
        obj = patched if patched is not None else self._decode(req)
        if not isinstance(obj.get("metadata"), dict):     # a patch that removed metadata: an empty ObjectMeta
            obj["metadata"] = {}
        if obj["metadata"].get("name", req.name) != req.name:   # endpoints/handlers/rest.go checkName
            raise bad_request(f"the name of the object ({obj['metadata'].get('name') or ''}) does not match the "
                              f"name on the URL ({req.name})")
        self.storage.prepare_for_update(res, obj, old, req.subresource)
        if req.subresource != "status":
            self._admit_and_validate(req, obj, old, log)
        else:       # the status strategy's ValidateUpdate
            self._track(req, obj, old)
            errors = validation.validate_status(res, obj, old)
            if errors:
                log("kube-apiserver", "invalid", "", kind=res.kind, name=req.name, errors=[str(e) for e in errors])
                raise invalid(res, req.name, errors)
        check_rv = patched is None or "resourceVersion" in (req.params.get("patch_rv") or "")
        managedfields.restore_times_if_noop(obj, old)
        if req.params.get("dryRun"):        # dryRun=All: all but the write; the object answers at the stored revision
            if check_rv and obj["metadata"].get("resourceVersion") not in (None, "", str(old_kv.mod_revision)):
                raise conflict(res, req.name)
            obj["metadata"]["resourceVersion"] = str(old_kv.mod_revision)
            return {**obj, "metadata": {k: v for k, v in obj["metadata"].items() if v or k not in OMIT_EMPTY}}
        updated, kv = self._write(lambda: self.storage.update(res, obj, old_kv, check_rv))
        if kv is old_kv:
            log("kube-apiserver", "unchanged", "", key=old_kv.key, revision=old_kv.mod_revision)
        elif kv is not None and kv.version == 0:
            log("etcd", "stored", kv.key, op="deleted", revision=kv.mod_revision, version=0, generated="",
                why="last-finalizer-gone", watchers=self._delivered, verbose=req.verbose)
        elif kv is not None:
            log("etcd", "stored", kv.key, op="updated", revision=kv.mod_revision, version=kv.version, generated="",
                watchers=self._delivered, verbose=req.verbose)
            log("kube-apiserver", "responded", "", code="200 OK", watchers=self._delivered, event="MODIFIED",
                key=kv.key, revision=kv.mod_revision)
        return updated

    def _track(self, req: Request, obj: dict, old: dict | None) -> None:
        """The field manager's Update: record who changed which fields (managedfields.py)."""
        if not req.params.get("_managed"):
            managedfields.update(req.resource, old, obj, applyrequest.manager_for(req), req.subresource,
                                 timestamp(self.now()))

    def _apply(self, req: Request, log: Callable[..., None]) -> dict:
        """PATCH application/apply-patch+yaml: server-side apply onto the live object, or a create when there is
        none (201); then admission, validation and storage as for any write."""
        res = req.resource
        try:
            live: dict | None = self.storage.get(res, req.namespace, req.name)[0]
        except APIError as err:
            if err.code != 404 or req.subresource:
                raise
            live = None
        config = applyrequest.check_config(res, req.body, req.namespace, req.name, live is not None)
        force = req.params.get("force") in (True, "true")
        obj = managedfields.apply(res, live, config, req.params["fieldManager"], force, timestamp(self.now()),
                                  req.subresource)
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        schema.drop_nulls(res.kind, obj)
        meta = config.get("metadata") if isinstance(config.get("metadata"), dict) else {}
        req.params["patch_rv"] = str(meta.get("resourceVersion", ""))
        req.params["_managed"] = True
        if live is None:
            req.params["created_by_apply"] = True
            return self._create(req, log, obj)
        return self._update(req, log, patched=obj)

    def _patch(self, req: Request, log: Callable[..., None]) -> dict:
        ptype = req.params.get("patchType", "strategic")
        applyrequest.validate_patch_options(req.params, ptype)
        if ptype == "apply":
            return self._apply(req, log)
        old, _ = self.storage.get(req.resource, req.namespace, req.name)
        decoding.check_plain(req.body)
        base = subresources.scale_of(old) if req.subresource == "scale" else old
        try:
            if ptype == "json":
                patched = jsonpatch.apply_patch(base, req.body)
            elif ptype == "merge":
                patched = merge_patch(base, req.body)
            else:
                patched = strategic_merge_patch(base, req.body)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, ValueError) as err:
            raise APIError(422, "Invalid", f"the server rejected our request due to an error in our request: {err}"
                           ) from None
        # the patched object decodes as the Go type, or the patch is refused (patch.go), whatever its type
        decoding.check_patched(decoding.SCALE if req.subresource == "scale" else req.resource, ptype, req.body,
                               patched)
        meta = req.body.get("metadata") if isinstance(req.body, dict) else None
        req.params["patch_rv"] = str(meta.get("resourceVersion", "")) if isinstance(meta, dict) else ""
        if req.subresource == "scale":
            req.body = patched
            return self._update_scale(req, old, log, patched=True)
        for key, value in (("apiVersion", req.resource.api_version), ("kind", req.resource.kind)):
            if patched.get(key) != value:       # decoding sets TypeMeta from the Go type
                patched[key] = value
        patched = deep_copy(patched)
        schema.drop_nulls(req.resource.kind, patched)
        return self._update(req, log, patched=patched)

    def _delete(self, req: Request, log: Callable[..., None]) -> dict:
        """DELETE: admission (NamespaceLifecycle), then the registry; `params["preconditions"]` carries
        DeleteOptions.preconditions ({"uid", "resourceVersion"}), `params["uid"]` the uid alone."""
        admission.admit_delete(self, req)
        obj, kv, how = self._write(lambda: self.storage.delete(
            req.resource, req.namespace, req.name, req.params.get("propagationPolicy"),
            req.params.get("gracePeriodSeconds"), req.params.get("uid"), req.params.get("preconditions")))
        if kv is not None:
            finalizers = obj["metadata"].get("finalizers") or (
                (obj.get("spec") or {}).get("finalizers") if req.resource.kind == "Namespace" else None) or []
            log("etcd", "stored", kv.key, op="deleted" if how == "deleted" else "marked-for-deletion",
                revision=kv.mod_revision, version=kv.version, generated="", how=how,
                finalizers=finalizers, watchers=self._delivered,
                grace=obj["metadata"].get("deletionGracePeriodSeconds"), verbose=req.verbose)
        return obj

    def _deletecollection(self, req: Request, log: Callable[..., None]) -> dict:
        out = []
        for obj in self.storage.list(req.resource.resource, req.namespace, req.params.get("labelSelector")):
            sub = Request("delete", req.resource, req.namespace, obj["metadata"]["name"], params=req.params,
                          actor=req.actor, verbose=req.verbose, user=req.user)
            out.append(self._delete(sub, log))
        return {"kind": f"{req.resource.kind}List", "apiVersion": req.resource.api_version, "items": out}

    def _write(self, fn: Callable[[], Any]) -> Any:
        self._delivered = []
        return fn()

    # --- subresources -------------------------------------------------------------------------------------------

    def _bind(self, req: Request, log: Callable[..., None]) -> dict:
        """BindingREST.Create: the pod gets its node (subresources.assign_pod), once."""
        binding = deep_copy(req.body or {})
        target = binding.get("target", {}).get("name", "")
        notes = admission.admit(self, req, binding)           # PodTopologyLabels: the node's zone onto the Binding
        log("kube-apiserver", "admitted", "", kind="Binding", defaulted=[], plugins=notes)
        pod, kv = self.storage.get(req.resource, req.namespace, req.name)
        subresources.assign_pod(pod, req.name, target, binding, self.now)
        updated, new_kv = self._write(lambda: self.storage.update(req.resource, pod, kv, False))
        log("etcd", "stored", new_kv.key, op="bound", revision=new_kv.mod_revision, version=new_kv.version,
            generated="", node=target, labels=(binding.get("metadata") or {}).get("labels") or {},
            watchers=self._delivered, verbose=req.verbose)
        return {"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 201}

    def _update_scale(self, req: Request, old: dict, log: Callable[..., None], patched: bool = False) -> dict:
        """ScaleREST.Update (pkg/registry/apps/deployment/storage): only the Scale's spec.replicas moves over to
        the object, which is then updated as any other."""
        obj = subresources.scaled(old, req.name, req.body, patched)
        managedfields.update_scale(old, obj, applyrequest.manager_for(req), req.resource.api_version)
        sub = Request("update", req.resource, req.namespace, req.name, "", obj, req.credentials, req.actor,
                      {"_managed": True}, req.user, req.verbose)
        updated = self._update(sub, log, patched=obj)
        return subresources.scale_of(updated)

    # --- the review endpoints ---------------------------------------------------------------------------------

    def _review(self, req: Request) -> dict:
        """A review (selfsubjectaccessreviews, selfsubjectrulesreviews, selfsubjectreviews): the filters every request
        passes (authentication, impersonation, authorization of `create` on the review), then the review registry's
        create (reviews.py). Traced as the review endpoints are: the POST, any impersonation and the answer, without
        the filters' own stages or a `rejected` line."""
        def log(actor: str, action: str, obj: str = "", always: bool = False, **detail: Any) -> None:
            if not req.quiet and action not in REVIEW_UNTRACED:
                self.record(actor, action, obj, **detail)

        log(req.actor, "request", req.path, method=req.method, what=req.facts(), user="", verbose=True)
        if req.verb != "create":        # a create-only resource (go-restful's 405 for a route it does not have)
            raise APIError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        self._authorize(req, log)
        assert req.user is not None
        return reviews.create(self, req.resource, req.user, req.body, log)


def _validation_facts(obj: dict) -> dict:
    """What validation checked that the trace shows: a selector that matches its pod template's labels (both in
    label-selector syntax), or nothing beyond the fields (`matched` False; `validated:facts` renders either)."""
    from ..objects import labels_string, selector_matches

    sel = obj.get("spec", {}).get("selector") if isinstance(obj.get("spec"), dict) else None
    template = obj.get("spec", {}).get("template") if isinstance(obj.get("spec"), dict) else None
    if isinstance(sel, dict) and isinstance(template, dict):
        labels = template.get("metadata", {}).get("labels") or {}
        if selector_matches(sel, labels):
            from ..objects import selector_string

            return {"matched": True, "selector": selector_string(sel), "labels": labels_string(labels)}
    return {"matched": False, "selector": "", "labels": ""}


__all__ = ["APIServer", "Request", "Watcher", "FINALIZER_FOREGROUND", "FINALIZER_ORPHAN", "merge_patch",
           "strategic_merge_patch"]
