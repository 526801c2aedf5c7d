"""The sentences for the API server's trace records (facts stay in the records; see kubeteach.trace)."""

from __future__ import annotations

from ..trace import narrative, phrase


def _request(f: dict) -> str:
    who = f' as "{f["user"]}"' if f.get("user") else ""
    return f"{f['method']} {f['object']} ({phrase('request:what', f['what'], f['_lang'])}){who}"


def _what(f: dict) -> str:
    """A request's verb and object (Request.facts): `create deployment "nginx"`, `list pods`."""
    what = f["kind"] if f["verb"] != "list" else f["resource"]
    target = f' "{f["name"]}"' if f["name"] else ""
    if f["generate_name"]:
        target = f' (generateName "{f["generate_name"]}")'
    sub = f" {f['subresource']}" if f["subresource"] else ""
    return f"{f['verb']}{sub} {what.lower()}{target}"


def _admitted(f: dict) -> str:
    parts = []
    defaulted = f["defaulted"]
    if defaulted:
        top = [f"{p} {v}" for p, v in defaulted if not p.startswith("spec.template.")]
        nested = len(defaulted) - len(top)
        text = ", ".join(top[:6]) + (f" and {len(top) - 6} more" if len(top) > 6 else "")
        if nested:
            text += f"{', and ' if text else ''}{nested} pod-template field{'s' if nested != 1 else ''}"
        parts.append(f"defaulting (while decoding) set {text}")
    plugins = [f"{name}: {phrase('admission:' + name, note, f['_lang'])}" for name, note in f["plugins"]]
    parts.append("mutating admission: " + "; ".join(plugins) if plugins else "mutating admission changed nothing")
    return "; ".join(parts) + f" ({f['kind']})"


def _stored(f: dict) -> str:
    op = f["op"]
    extra = ""
    if op == "created":
        extra = f" (created, version {f['version']})"
        if f.get("generated"):
            extra += f'; generateName "{f["generate_name"]}" gave "{f["generated"]}"'
    elif op == "updated":
        extra = f" (updated, version {f['version']})"
    elif op == "bound":
        labels = ", ".join(f"{k}={v}" for k, v in (f.get("labels") or {}).items())
        extra = f" (bound to {f['node']}" + (f"; labels {labels} copied from the Binding" if labels else "") + ")"
    elif op == "marked-for-deletion":
        why = f"finalizers {', '.join(f['finalizers'])}" if f.get("finalizers") else \
            f"grace period {f.get('grace')}s"
        extra = f" (deletionTimestamp set: {why})"
    elif op == "deleted" and f.get("why"):
        extra = f" ({phrase('stored:' + f['why'], f)})"
    verb = "delete" if op == "deleted" else "put"
    watchers = f.get("watchers") or []
    fan = ""
    if watchers and not f.get("verbose"):
        fan = f"; watch event to {_names(watchers)}"
    return f"{verb} {f['object']} at revision {f['revision']}{extra}{fan}"


def _names(watchers: list[str]) -> str:
    uniq = sorted(set(watchers))
    return ", ".join(uniq) if len(uniq) <= 4 else f"{', '.join(uniq[:4])} and {len(uniq) - 4} more"


def _responded(f: dict) -> str:
    watchers = f.get("watchers") or []
    n = len(set(watchers))
    to = f"to {n} watcher{'s' if n != 1 else ''}" + (f": {_names(watchers)}" if watchers else "")
    name = f["key"].removeprefix("/registry/")
    return f"{f['code']}; watch event {f['event']} {name} (resourceVersion {f['revision']}) {to}"


def authz_reason(reason: dict, lang: str = "en") -> str:
    """Why an authorizer decided as it did (rbac.Decision.reason: `by` names the sentence)."""
    return phrase(f"authz:{reason['by']}", reason, lang)


def _authorized(f: dict) -> str:
    where = f' in "{f["namespace"]}"' if f["namespace"] else " (cluster scope)"
    return f"authorized {f['verb']} {f['resource']}{where}: {authz_reason(f['reason'], f['_lang'])}"


narrative({
    "request": _request,
    "request:what": _what,
    "authenticated": lambda f: "authenticated " + phrase(f"authn:{f['by']}", f),
    "authn:x509": lambda f: (f'"{f["user"]}" by x509 client certificate (CN={f["user"]}'
                             + "".join(f", O={g}" for g in f["orgs"]) + ")"),
    "authn:token": '"{user}" by bearer token',
    "unauthenticated": "401 Unauthorized: no authenticator accepts the credentials ({credentials}); anonymous "
                       "requests are refused",
    "authorized": _authorized,
    "forbidden": lambda f: f'RBAC: no rule lets "{f["user"]}" {f["verb"]} here '
                           f'({authz_reason(f["reason"], f["_lang"])})',
    "admitted": _admitted,
    # what each mutating admission plugin did (admission.py)
    "admission:ServiceAccount": lambda f: (f'serviceAccountName "{f["service_account"]}"'
                                           + (f", token volume {f['volume']}" if f["volume"] else "")),
    "admission:TaintNodesByCondition": "taint {taint}:{effect}",
    "admission:Priority": "priority {priority}",
    "admission:DefaultTolerationSeconds": lambda f: (f"tolerations {' and '.join(k.split('/')[1] for k in f['tolerations'])} for "
                                                     f"{f['seconds']}s"),
    "admission:DefaultStorageClass": 'storageClassName "{storage_class}"',
    "admission:StorageObjectInUseProtection": "finalizer {finalizer}",
    "admission:PodTopologyLabels": lambda f: (", ".join(f"{k}={v}" for k, v in f["labels"].items())
                                              + f" from node {f['node']} onto the {f['onto']}"),
    "invalid": lambda f: f'validation failed for {f["kind"]} "{f["name"]}": ' + "; ".join(f["errors"]),
    "validated": lambda f: f'validated {f["kind"]} "{f["name"]}": {phrase("validated:facts", f)}',
    "validated:facts": lambda f: (f"selector {f['selector']} matches the template's labels {f['labels']}"
                                  if f["matched"] else "all fields valid"),
    "stored": _stored,
    "stored:last-finalizer-gone": "the last finalizer is gone",
    "responded": _responded,
    "unchanged": "no change: {key} stays at revision {revision} (etcd not written)",
    "rejected": "{code} {reason}: {message}",
    "access-review": lambda f: f'SelfSubjectAccessReview: may "{f["user"]}" {f["verb"]} {f["resource"]}'
                               f'{"." + f["group"] if f["group"] else ""}'
                               f'{" in " + repr(f["namespace"]) if f["namespace"] else ""}? '
                               f'{"yes" if f["allowed"] else "no"} ({authz_reason(f["reason"], f["_lang"])})',
    # why an authorizer allowed or refused (rbac.Decision.reason)
    "authz:masters": 'group "{group}" is the superuser group, allowed before Node and RBAC (it is also bound to '
                     'ClusterRole "{role}")',
    "authz:node": "Node authorizer allows {user}",
    "authz:rbac": lambda f: (f'RBAC allows via {f["binding_kind"]} "{f["binding"]}" ({f["subject_kind"].lower()} '
                             f'{f["subject"]}, {f["role_kind"]} "{f["role"]}")'),
    "authz:none": "no RBAC rule allows it",
    "authz:bad-role-ref": "the roleRef names neither a Role nor a ClusterRole",
})
