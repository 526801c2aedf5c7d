"""MutatingAdmissionWebhook (staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/mutating): the API server
sends an AdmissionReview v1 to each matching webhook of the MutatingWebhookConfigurations, applies the JSONPatch it
answers, runs the defaulter again, and goes on; after the built-in mutating plugins, before validation.

Simulated, honestly: a webhook "server" is a Python function registered under its Service (`register`), called in
process (no TLS, no network, no timeout; a `url` webhook cannot be reached); namespaceSelector, objectSelector,
matchPolicy and matchConditions are not read.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import jsonpatch

from ..trace import narrative
from . import defaults
from .errors import APIError
from .registry import Storage
from .request import Request

WebhookServer = Callable[[dict], dict]
#: kube-apiserver never sends its webhook configurations to webhooks (rules.IsExemptAdmissionConfigurationResource)
EXEMPT_GROUP = "admissionregistration.k8s.io"


def _matches(rule: dict, req: Request, operation: str) -> bool:
    res = req.resource
    resource = res.resource + (f"/{req.subresource}" if req.subresource else "")
    return (any(o in ("*", operation) for o in rule["operations"])
            and any(g in ("*", res.group) for g in rule["apiGroups"])
            and any(v in ("*", res.version) for v in rule["apiVersions"])
            and any(r in (resource, "*/*") or (r == "*" and not req.subresource)
                    or (req.subresource and r in (f"{res.resource}/*", f"*/{req.subresource}"))
                    for r in rule["resources"])
            and rule.get("scope", "*") in ("*", "Namespaced" if res.namespaced else "Cluster"))


@dataclass
class Webhooks:
    """The API server's MutatingAdmissionWebhook plugin: the webhook servers it can reach, by Service
    `namespace/name`; the configurations are the stored MutatingWebhookConfigurations (read at each request, where
    kube-apiserver reads them from an informer)."""

    servers: dict[str, WebhookServer] = field(default_factory=dict)
    calls: int = 0

    def register(self, namespace: str, service: str, server: WebhookServer) -> None:
        """Make `server` (AdmissionReview dict in, AdmissionReview dict out) answer at Service namespace/service."""
        self.servers[f"{namespace}/{service}"] = server

    def admit(self, storage: Storage, req: Request, obj: dict, old: dict | None, log: Callable[..., None]) -> None:
        """Call every matching webhook in configuration-name order, patching `obj` in place; a webhook changed by
        a later one with reinvocationPolicy IfNeeded is called once more."""
        if req.verb not in ("create", "update", "patch") or req.resource.group == EXEMPT_GROUP:
            return
        configurations = storage.list("mutatingwebhookconfigurations", "")
        if not configurations:
            return
        operation = "CREATE" if req.verb == "create" else "UPDATE"
        hooks = [(cfg["metadata"]["name"], h)
                 for cfg in sorted(configurations, key=lambda x: x["metadata"]["name"])
                 for h in cfg.get("webhooks") or []
                 if any(_matches(rule, req, operation) for rule in h.get("rules") or [])]
        changed_after: dict[str, bool] = {}
        for cfg_name, hook in hooks:
            if self._call(cfg_name, hook, req, obj, old, operation, log):
                changed_after = {k: True for k in changed_after}
            changed_after[hook["name"]] = False
        for cfg_name, hook in hooks:        # reinvocation: once, for IfNeeded hooks a later webhook changed
            if hook.get("reinvocationPolicy") == "IfNeeded" and changed_after.get(hook["name"]):
                self._call(cfg_name, hook, req, obj, old, operation, log, reinvoked=True)

    def _call(self, cfg_name: str, hook: dict, req: Request, obj: dict, old: dict | None, operation: str,
              log: Callable[..., None], reinvoked: bool = False) -> bool:
        svc = hook["clientConfig"].get("service") or {"namespace": "", "name": hook["clientConfig"].get("url", "")}
        url = f"https://{svc['name']}.{svc['namespace']}.svc:{svc.get('port', 443)}{svc.get('path', '')}" \
              f"?timeout={hook.get('timeoutSeconds', 10)}s"
        self.calls += 1
        review = self._review(req, obj, old, operation)
        log("kube-apiserver", "webhook-called", hook["name"], always=True, configuration=cfg_name, url=url,
            operation=operation, kind=req.resource.kind, reinvoked=reinvoked)
        try:
            server = self.servers.get(f"{svc['namespace']}/{svc['name']}")
            if server is None:
                raise ConnectionError(f'Post "{url}": service "{svc["name"]}" not found')
            response = (server(review) or {}).get("response")
            if not isinstance(response, dict) or response.get("uid") != review["request"]["uid"]:
                raise ValueError("received invalid webhook response: expected response.uid="
                                 f"{review['request']['uid']!r}")
        except Exception as err:            # noqa: BLE001 - whatever the webhook server does is its failure
            reason = str(err) if isinstance(err, ValueError) else f"failed to call webhook: {err}"
            if hook.get("failurePolicy") == "Ignore":
                log("kube-apiserver", "webhook-failed", hook["name"], always=True, policy="Ignore", error=reason)
                return False
            log("kube-apiserver", "webhook-failed", hook["name"], always=True, policy="Fail", error=reason)
            raise APIError(500, "InternalError", f'Internal error occurred: failed calling webhook "{hook["name"]}": '
                           f"{reason}") from err
        if not response.get("allowed"):
            status = response.get("status") or {}
            why = status.get("message") or status.get("reason")
            text = f'admission webhook "{hook["name"]}" denied the request' + (f": {why}" if why else
                                                                               " without explanation")
            raise APIError(max(int(status.get("code") or 400), 400), status.get("reason") or "BadRequest", text)
        if not response.get("patch"):
            log("kube-apiserver", "webhook-patched", hook["name"], always=True, ops=[])
            return False
        try:
            ops = json.loads(base64.b64decode(response["patch"]))
        except ValueError as err:
            raise APIError(503, "ServiceUnavailable", "error decoding patch in webhook response") from err
        try:
            patched = jsonpatch.apply_patch(obj, ops)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as err:
            raise APIError(500, "InternalError", f"Internal error occurred: {err}") from err
        defaulted = defaults.apply_defaults(req.resource.kind, patched)     # the defaulter runs again
        obj.clear()
        obj.update(patched)
        log("kube-apiserver", "webhook-patched", hook["name"], always=True,
            ops=[f"{op['op']} {op['path']}" for op in ops], defaulted=len(defaulted))
        return patched != review["request"]["object"]

    def _review(self, req: Request, obj: dict, old: dict | None, operation: str) -> dict:
        res = req.resource
        gvk = {"group": res.group, "version": res.version, "kind": res.kind}
        gvr = {"group": res.group, "version": res.version, "resource": res.resource}
        user = req.user
        request = {
            "uid": f"00000000-0000-4000-8000-{self.calls:012x}",       # a fresh UID per call (the server's random one)
            "kind": gvk, "resource": gvr, "requestKind": gvk, "requestResource": gvr,
            "name": obj.get("metadata", {}).get("name", ""), "namespace": req.namespace, "operation": operation,
            "userInfo": {"username": getattr(user, "name", ""), "groups": list(getattr(user, "groups", ()))},
            "object": json.loads(json.dumps(obj)), "oldObject": json.loads(json.dumps(old)) if old else None,
            "dryRun": bool(req.params.get("dryRun")),
            "options": {"apiVersion": "meta.k8s.io/v1",
                        "kind": "CreateOptions" if operation == "CREATE" else "UpdateOptions"},
        }
        if req.subresource:
            request["subResource"] = req.subresource
        return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def _called(f: dict) -> str:
    again = " again (reinvocationPolicy IfNeeded: a later webhook changed the object)" if f["reinvoked"] else ""
    return (f"MutatingAdmissionWebhook: AdmissionReview v1 {f['operation']} {f['kind']} sent to webhook "
            f"{f['object']} of {f['configuration']} at {f['url']}{again}")


def _patched(f: dict) -> str:
    if not f["ops"]:
        return f"webhook {f['object']} allowed the request without a patch"
    return (f"webhook {f['object']} answered a JSONPatch: {', '.join(f['ops'])}; applied, then defaulting ran again"
            + (f" ({f['defaulted']} fields)" if f.get("defaulted") else ""))


def _failed(f: dict) -> str:
    if f["policy"] == "Ignore":
        return f"failed calling webhook, failing open {f['object']}: {f['error']} (failurePolicy Ignore)"
    return f"failed calling webhook, failing closed {f['object']}: {f['error']} (failurePolicy Fail)"


narrative({"webhook-called": _called, "webhook-patched": _patched, "webhook-failed": _failed})
