"""MutatingWebhookConfigurations: the checks of ValidateMutatingWebhookConfiguration for the fields the
MutatingAdmissionWebhook plugin reads (pkg/apis/admissionregistration/validation/validation.go). Label selectors,
matchConditions' CEL and url webhooks' URL rules are not checked here.
"""

from __future__ import annotations

from .field import Errs, _d, _l, duplicate, invalid, required, unsupported
from .meta import name_subdomain, object_meta

OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"]


def _rule(rule: dict, path: str) -> Errs:
    errs: Errs = []
    for key in ("apiGroups", "apiVersions", "resources"):
        if not _l(rule, key):
            errs.append(required(f"{path}.{key}", ""))
    if not _l(rule, "operations"):
        errs.append(required(f"{path}.operations", ""))
    for i, op in enumerate(_l(rule, "operations")):
        if op not in OPERATIONS:
            errs.append(unsupported(f"{path}.operations[{i}]", op, OPERATIONS))
    if rule.get("scope") is not None and rule["scope"] not in ("*", "Cluster", "Namespaced"):
        errs.append(unsupported(f"{path}.scope", rule["scope"], ["*", "Cluster", "Namespaced"]))
    return errs


def _webhook(hook: dict, p: str) -> Errs:
    errs: Errs = []
    name = hook.get("name") or ""
    if not name:
        errs.append(required(f"{p}.name", ""))
    elif name.count(".") < 2:              # IsFullyQualifiedName
        errs.append(invalid(f"{p}.name", name, "should be a domain with at least three segments separated by dots"))
    for j, rule in enumerate(_l(hook, "rules")):
        errs += _rule(rule if isinstance(rule, dict) else {}, f"{p}.rules[{j}]")
    for key, valid in (("failurePolicy", ["Fail", "Ignore"]), ("matchPolicy", ["Equivalent", "Exact"])):
        if hook.get(key) is not None and hook[key] not in valid:
            errs.append(unsupported(f"{p}.{key}", hook[key], valid))
    if hook.get("sideEffects") is None:
        errs.append(required(f"{p}.sideEffects", "must specify one of None, NoneOnDryRun"))
    elif hook["sideEffects"] not in ("None", "NoneOnDryRun"):
        errs.append(unsupported(f"{p}.sideEffects", hook["sideEffects"], ["None", "NoneOnDryRun"]))
    timeout = hook.get("timeoutSeconds")
    if isinstance(timeout, int) and not 1 <= timeout <= 30:
        errs.append(invalid(f"{p}.timeoutSeconds", timeout, "the timeout value must be between 1 and 30 seconds"))
    cc = _d(hook, "clientConfig")
    if (cc.get("url") is None) == (cc.get("service") is None):
        errs.append(required(f"{p}.clientConfig", "exactly one of url or service is required"))
    elif cc.get("service") is not None:
        svc = _d(cc, "service")
        for key in ("namespace", "name"):
            if not svc.get(key):
                errs.append(required(f"{p}.clientConfig.service.{key}", f"service {key} is required"))
    if hook.get("reinvocationPolicy") is not None and hook["reinvocationPolicy"] not in ("Never", "IfNeeded"):
        errs.append(unsupported(f"{p}.reinvocationPolicy", hook["reinvocationPolicy"], ["IfNeeded", "Never"]))
    return errs


def _review_versions(versions: list, p: str) -> Errs:
    if not versions:
        return [required(p, "must specify one of v1, v1beta1")]
    errs: Errs = []
    for i, v in enumerate(versions):
        if v in versions[:i]:
            errs.append(invalid(f"{p}[{i}]", v, "duplicate version"))
    if not {"v1", "v1beta1"} & set(versions):
        errs.append(invalid(p, versions, "must include at least one of v1, v1beta1"))
    return errs


def mutating_webhook_configuration(obj: dict) -> Errs:
    """validateMutatingWebhookConfiguration: ObjectMeta, then each webhook, its admissionReviewVersions, and
    unique webhook names."""
    errs = object_meta(_d(obj, "metadata"), name_subdomain, kube_finalizers=False)
    names: set[str] = set()
    for i, hook in enumerate(_l(obj, "webhooks")):
        hook = hook if isinstance(hook, dict) else {}
        p = f"webhooks[{i}]"
        errs += _webhook(hook, p)
        errs += _review_versions(_l(hook, "admissionReviewVersions"), f"{p}.admissionReviewVersions")
        if hook.get("name"):
            if hook["name"] in names:
                errs.append(duplicate(f"{p}.name", hook["name"]))
            names.add(hook["name"])
    return errs
