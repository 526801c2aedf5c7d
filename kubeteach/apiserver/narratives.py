"""The sentences for the API server's trace records (facts stay in the records; see kubeteach.trace)."""

from __future__ import annotations

from ..trace import narrative, phrase


def _request(f: dict) -> str:
    who = f' as "{f["user"]}"' if f.get("user") else ""
    return f"{f['method']} {f['object']} ({f['what']}){who}"


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
    plugins = [f"{name}: {note}" for name, note in f["plugins"]]
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
        extra = f" (bound to {f['node']})"
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


def _authorized(f: dict) -> str:
    where = f' in "{f["namespace"]}"' if f["namespace"] else " (cluster scope)"
    return f"authorized {f['verb']} {f['resource']}{where}: {f['reason']}"


narrative({
    "request": _request,
    "authenticated": "authenticated {user}",
    "unauthenticated": "401 Unauthorized: no authenticator accepts the credentials ({credentials}); anonymous "
                       "requests are refused",
    "authorized": _authorized,
    "forbidden": 'RBAC: no rule lets "{user}" {verb} here ({reason})',
    "admitted": _admitted,
    "invalid": lambda f: f'validation failed for {f["kind"]} "{f["name"]}": ' + "; ".join(f["errors"]),
    "validated": 'validated {kind} "{name}": {facts}',
    "stored": _stored,
    "stored:last-finalizer-gone": "the last finalizer is gone",
    "responded": _responded,
    "unchanged": "no change: {key} stays at revision {revision} (etcd not written)",
    "rejected": "{code} {reason}: {message}",
    "access-review": lambda f: f'SelfSubjectAccessReview: may "{f["user"]}" {f["verb"]} {f["resource"]}'
                               f'{"." + f["group"] if f["group"] else ""}'
                               f'{" in " + repr(f["namespace"]) if f["namespace"] else ""}? '
                               f'{"yes" if f["allowed"] else "no"} ({f["reason"]})',
})
