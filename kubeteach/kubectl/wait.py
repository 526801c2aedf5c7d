"""kubectl wait (staging/src/k8s.io/kubectl/pkg/cmd/wait: wait.go, condition.go, json.go, delete.go, create.go):
`--for=condition=NAME[=VALUE]`, `--for=jsonpath='{…}'[=VALUE]`, `--for=delete`, `--for=create`.

kubectl lists the object by `metadata.name` and watches it until the condition holds or --timeout (default 30s)
passes. Here time is virtual: the wait lets the cluster run — the same `Context.wait_until` that `delete --wait`
and `rollout status` use — until the condition holds, --timeout virtual seconds pass, or the cluster settles with
nothing left to change it.
"""

from __future__ import annotations

import re
from typing import Any

from ..apiserver import APIError
from ..apiserver.resources import Resource
from .builder import chosen_objects
from .context import Context, server_error
from .manifests import KubectlError
from .rollout import parse_duration

DEFAULT_TIMEOUT = 30.0
WEEK = 168 * 3600.0          # a negative --timeout waits "for a week"
TIMED_OUT = "timed out waiting for the condition"
JSONPATH_FORMAT = ("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or "
                   "--for=jsonpath='{.status.readyReplicas}'")


class Condition:
    """What `--for` asks: a check of one object (None: the object is gone)."""

    def __init__(self, text: str):
        self.text, lower = text, text.lower()
        self.kind = lower if lower in ("delete", "create") else ""
        self.name = self.value = ""
        self.path: list[Any] = []
        if self.kind:
            return
        if text.startswith("condition="):
            self.kind = "condition"
            name, eq, value = text[len("condition="):].partition("=")
            self.name, self.value = name, value if eq else "true"
        elif text.startswith("jsonpath="):
            self.kind = "jsonpath"
            parts = _split_jsonpath(text[len("jsonpath="):])
            if not 1 <= len(parts) <= 2:
                raise KubectlError(JSONPATH_FORMAT)
            self.path = _relaxed_path(parts[0])
            self.value = parts[1].strip("'\"") if len(parts) == 2 else ""
            if len(parts) == 2 and not self.value:
                raise KubectlError("jsonpath wait has to have a value after equal sign, like "
                                   "--for=jsonpath='{.status.readyReplicas}'=3")
        else:
            raise KubectlError(f'unrecognized condition: "{text}"')

    def met(self, obj: dict) -> bool:
        """ConditionalWait.checkCondition / JSONPathWait.checkCondition."""
        if self.kind == "condition":
            generation = obj["metadata"].get("generation")
            for cond in (obj.get("status") or {}).get("conditions") or []:
                if str(cond.get("type", "")).casefold() != self.name.casefold() or "status" not in cond:
                    continue
                observed = cond.get("observedGeneration", (obj.get("status") or {}).get("observedGeneration"))
                if generation is not None and observed is not None and observed < generation:
                    return False
                return str(cond["status"]).casefold() == self.value.casefold()
            return False
        found, value = _lookup(obj, self.path)
        if not found:
            return False
        if isinstance(value, (dict, list)):
            raise KubectlError("jsonpath leads to a nested object or list which is not supported")
        return not self.value or _go_string(value).strip() == self.value.strip()


def _split_jsonpath(text: str) -> list[str]:
    """splitJSONPathInput: split on `=` but not on `==`."""
    out, cur, i = [], "", 0
    while i < len(text):
        if text[i] == "=":
            if text[i + 1:i + 2] == "=":
                cur += "=="
                i += 2
                continue
            out.append(cur)
            cur = ""
        else:
            cur += text[i]
        i += 1
    return out + [cur]


def _relaxed_path(expr: str) -> list[Any]:
    """RelaxedJSONPathExpression for the simple field paths a learner waits on: `{.a.b[0].c}`, `.a.b`, `a.b`."""
    expr = expr.strip().strip("'\"")
    if not expr:
        raise KubectlError("jsonpath expression cannot be empty")
    inner = expr[1:-1] if expr.startswith("{") and expr.endswith("}") else expr
    if not inner.startswith("."):
        inner = "." + inner
    if not re.fullmatch(r"(\.[^.\[\]{}]+(\[\d+\])*)+", inner):
        raise KubectlError(f"unrecognized character in action: {expr}")
    path: list[Any] = []
    for name, index in re.findall(r"\.([^.\[\]{}]+)((?:\[\d+\])*)", inner):
        path.append(name)
        path.extend(int(n) for n in re.findall(r"\d+", index))
    return path


def _lookup(obj: Any, path: list[Any]) -> tuple[bool, Any]:
    for key in path:
        if isinstance(key, int) and isinstance(obj, list) and key < len(obj):
            obj = obj[key]
        elif isinstance(key, str) and isinstance(obj, dict) and key in obj:
            obj = obj[key]
        else:
            return False, None
    return True, obj


def _go_string(value: Any) -> str:
    """fmt.Sprint of a JSON scalar, as the jsonpath printer writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    return str(value)


def wait(ctx: Context) -> int:
    """`kubectl wait (TYPE/NAME… | TYPE [-l SEL | --all] | -f FILE) --for=… [--timeout=30s]`."""
    cond = Condition(str(ctx.args.get("for", "")))
    text = ctx.args.get("timeout")
    timeout = DEFAULT_TIMEOUT if text is None else parse_duration(str(text).lstrip("-")) * (
        -1 if str(text).startswith("-") else 1)
    if timeout < 0:
        timeout = WEEK
    deadline = ctx.now + timeout
    chosen = chosen_objects(ctx)
    if cond.kind == "create":
        if not _wait_created(ctx, chosen, timeout):
            raise KubectlError(TIMED_OUT)
        chosen = chosen_objects(ctx)
    errors: list[str] = []
    visited = 0
    for res, ns, name in chosen:
        try:
            obj = ctx.client.get(res.resource, ns, name)
        except APIError as e:
            if e.code == 404 and cond.kind == "delete":
                continue
            errors.append(server_error(e))
            continue
        visited += 1
        try:
            _wait_one(ctx, cond, res, obj, timeout, deadline)
        except KubectlError as e:
            errors.append(f"error: {e}")
        except APIError as e:
            errors.append(server_error(e))
    if not errors and visited == 0 and cond.kind != "delete":
        raise KubectlError("no matching resources found")
    for e in errors:
        ctx.error(e)
    return 1 if errors else 0


def _wait_created(ctx: Context, chosen: list[tuple[Resource, str, str]], timeout: float) -> bool:
    """--for=create: poll (quiet GETs, every half second on a real kubectl) until every named object exists."""
    def exists() -> bool:
        for res, ns, name in chosen:
            try:
                ctx.quiet.get(res.resource, ns, name)
            except APIError as e:
                if e.code == 404:
                    return False
                raise
        return True
    return exists() or (timeout > 0 and ctx.wait_until(exists, timeout))


def _wait_one(ctx: Context, cond: Condition, res: Resource, obj: dict, timeout: float, deadline: float) -> None:
    """getObjAndCheckCondition / IsDeleted: check once with --timeout=0; else list by name, watch, and let the
    cluster run until the condition holds. Prints `<kind>/<name> condition met`."""
    name, ns = obj["metadata"]["name"], obj["metadata"].get("namespace", "")
    label = f"{res.kubectl_name}/{name}"
    if cond.kind == "create":
        ctx.print(f"{label} condition met")
        return
    if timeout == 0:
        if cond.kind == "delete" or not cond.met(obj):
            raise KubectlError(f"condition not met for {res.group_resource}/{name}")
        ctx.print(f"{label} condition met")
        return
    listed = ctx.client.list(res.resource, ns, fieldSelector=f"metadata.name={name}")
    items = listed["items"]
    if not items:
        if cond.kind == "delete":
            ctx.print(f"{label} condition met")
            return
        raise APIError(404, "NotFound", f'{res.group_resource} "{name}" not found')
    if cond.kind != "delete" and cond.met(items[0]):
        ctx.print(f"{label} condition met")
        return
    uid = items[0]["metadata"].get("uid")
    pending: list[tuple[str, dict]] = []
    watcher = ctx.client.request("watch", res, ns, callback=lambda etype, o: pending.append((etype, o))
                                 if o.get("metadata", {}).get("name") == name else None,
                                 resourceVersion=listed["metadata"]["resourceVersion"],
                                 fieldSelector=f"metadata.name={name}")
    done = False

    def check() -> bool:
        nonlocal done
        while pending and not done:
            etype, o = pending.pop(0)
            if cond.kind == "delete":
                done = etype == "DELETED" and o["metadata"].get("uid") == uid
            elif etype != "DELETED":
                done = cond.met(o)
        return done

    try:
        ctx.wait_until(check, max(deadline - ctx.now, 0.0))
    finally:
        watcher.stop()
    if not done:
        raise KubectlError(f"{TIMED_OUT} on {res.resource}/{name}")
    ctx.print(f"{label} condition met")


__all__ = ["Condition", "wait"]
