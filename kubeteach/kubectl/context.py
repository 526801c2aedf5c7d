"""What every kubectl command shares: the parsed command line (`Args`, kubectl's flag grammar), the `Context` a
command runs in (its client, its output, the kubeconfig), and how kubectl prints an API error (CheckErr).

The Context is kubectl's whole view of the cluster: API requests through its `client` (or `quiet`, for the polls
that would flood the trace), the kubeconfig's users and contexts, and the clock it waits on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..apiserver import APIError
from ..client import Client
from .manifests import KubectlError

if TYPE_CHECKING:
    from ..assembly import Assembly

# flags that take a value; everything else starting with - is boolean
VALUE_FLAGS = {"-f": "filename", "--filename": "filename", "-o": "output", "--output": "output",
               "-n": "namespace", "--namespace": "namespace", "-l": "selector", "--selector": "selector",
               "--user": "user", "--context": "context", "--cascade": "cascade", "--wait": "wait",
               "--grace-period": "grace-period", "--replicas": "replicas", "--type": "type", "-p": "patch",
               "--patch": "patch", "--patch-file": "patch-file", "--to-revision": "to-revision", "--revision": "revision",
               "--timeout": "timeout", "--field-selector": "field-selector", "--validate": "validate",
               "--dry-run": "dry-run", "--subresource": "subresource", "--sort-by": "sort-by",
               "--for": "for", "--current-replicas": "current-replicas", "--field-manager": "field-manager",
               "--pod-selector": "pod-selector", "--image": "image", "--port": "port", "-r": "replicas",
               "--verb": "verb", "--resource": "resource", "--resource-name": "resource-name", "--role": "role",
               "--clusterrole": "clusterrole", "--group": "group", "--serviceaccount": "serviceaccount",
               "--token": "token", "--as": "as", "--as-group": "as-group", "--as-uid": "as-uid",
               "-c": "container", "--container": "container", "--tail": "tail",
               "--api-version": "api-version", "--api-group": "api-group", "--verbs": "verbs",
               "--categories": "categories",
               "--restart": "restart", "--labels": "labels", "--env": "env", "--annotations": "annotations",
               "--image-pull-policy": "image-pull-policy", "--request-timeout": "request-timeout",
               "--min-available": "min-available", "--max-unavailable": "max-unavailable",
               "--value": "value", "--description": "description", "--preemption-policy": "preemption-policy",
               # expose and create service
               "--tcp": "tcp", "--clusterip": "clusterip", "--node-port": "node-port", "--name": "name",
               "--target-port": "target-port", "--cluster-ip": "cluster-ip", "--protocol": "protocol",
               "--session-affinity": "session-affinity", "--external-ip": "external-ip",
               "--load-balancer-ip": "load-balancer-ip", "--external-name": "external-name"}
BOOL_FLAGS = {"-A": "all-namespaces", "--all-namespaces": "all-namespaces", "-w": "watch", "--watch": "watch",
              "--show-labels": "show-labels", "--all": "all", "--force": "force", "--now": "now",
              "--raw": "raw", "--minify": "minify", "--ignore-not-found": "ignore-not-found",
              "--ignore-daemonsets": "ignore-daemonsets", "--delete-emptydir-data": "delete-emptydir-data",
              "--record": "record", "--overwrite": "overwrite", "--no-headers": "no-headers",
              "--watch-only": "watch-only", "--list": "list", "--quiet": "quiet", "-q": "quiet",
              "--show-events": "show-events", "--disable-eviction": "disable-eviction",
              "-i": "stdin", "--stdin": "stdin", "-t": "tty", "--tty": "tty", "-it": "stdin", "-ti": "stdin",
              "--timestamps": "timestamps", "--previous": "previous", "--recursive": "recursive",
              "--namespaced": "namespaced", "--client": "client",
              "--command": "command", "--attach": "attach", "--rm": "rm", "--privileged": "privileged",
              "--follow": "follow", "--server-side": "server-side", "--force-conflicts": "force-conflicts",
              "--show-managed-fields": "show-managed-fields", "--global-default": "global-default"}
SHORT_VALUE = {"-f", "-o", "-n", "-l", "-p", "-r", "-c"}


@dataclass
class Args:
    """The parsed command line: positional words, each flag's last value, and every value of repeatable flags."""

    words: list[str] = field(default_factory=list)
    flags: dict[str, Any] = field(default_factory=dict)
    values: dict[str, list[str]] = field(default_factory=dict)
    dash: int = -1          # how many words came before `--` (cobra's ArgsLenAtDash), -1 without one

    def get(self, name: str, default: Any = None) -> Any:
        return self.flags.get(name, default)

    def all(self, name: str) -> list[str]:
        """Every value given for a flag, in order (pflag's StringArray: `--user a --user b`)."""
        return list(self.values.get(name, []))

    def slice(self, name: str) -> list[str]:
        """pflag's StringSlice: every value, comma lists split (`--verb=get,list --verb watch`)."""
        return [part for value in self.all(name) for part in value.split(",") if part]


def parse(argv: list[str]) -> Args:
    """kubectl's flag grammar: `--flag=value`, `--flag value`, `-ovalue`, flags anywhere among the words."""
    args = Args()
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            args.dash = len(args.words)
            args.words.extend(argv[i + 1:])
            break
        if word.startswith("-") and word != "-":
            name, eq, value = word.partition("=")
            if not eq and name[:2] in SHORT_VALUE and len(name) > 2 and not name.startswith("--"):
                name, value, eq = name[:2], name[2:], "="
            if name in VALUE_FLAGS:
                if not eq:
                    i += 1
                    if i >= len(argv):
                        raise KubectlError(f"flag needs an argument: {name!r} in {name}")
                    value = argv[i]
                key = VALUE_FLAGS[name]
                args.values.setdefault(key, []).append(value)
                if key == "filename":
                    args.flags.setdefault(key, []).append(value)
                else:
                    args.flags[key] = value
            elif name in BOOL_FLAGS:
                args.flags[BOOL_FLAGS[name]] = value.lower() != "false" if eq else True
            else:
                raise KubectlError(f"unknown flag: {name}" if name.startswith("--") else
                                   f"unknown shorthand flag: {name[1:2]!r} in {name}")
        else:
            args.words.append(word)
        i += 1
    return args


@dataclass
class Context:
    """One kubectl run: the command line, the client of its kubeconfig user, and what it prints."""

    cluster: Assembly        # for what a kubeconfig gives (users, contexts) and the clock; never for API calls
    client: Client
    args: Args
    out: list[str]
    err: list[str]
    user: str

    @property
    def namespace(self) -> str:
        return self.args.get("namespace") or "default"

    @property
    def quiet(self) -> Client:
        """The same client, its requests left out of the trace: for the polls a waiting kubectl sends (a GET a
        second), which on a real cluster fill `-v=6` logs, not anything a learner reads."""
        return self.client.quiet_copy()

    @property
    def now(self) -> float:
        """The virtual clock, for ages and timestamps kubectl computes on its side."""
        return self.cluster.now

    def wait_until(self, done: Callable[[], bool], timeout: float = 600.0) -> bool:
        """Let the cluster run until `done()` holds or `timeout` virtual seconds pass (kubectl waiting)."""
        return bool(self.cluster.wait_until(done, timeout))

    def random_string(self, n: int) -> str:
        """kubectl's own random suffixes (utilrand.String), drawn from the cluster's seed so runs repeat."""
        return str(self.cluster.rnd.string(n))

    def print(self, text: str) -> None:
        self.out.append(text if text.endswith("\n") or not text else text + "\n")

    def error(self, text: str) -> None:
        self.err.append(text if text.endswith("\n") else text + "\n")


def server_error(e: APIError) -> str:
    """kubectl's CheckErr: Invalid errors list their causes; Unauthorized has its own line; the rest `Error from
    server (Reason): message`."""
    if e.code == 401:
        return "error: You must be logged in to the server (Unauthorized)"
    if e.reason == "Invalid" and e.details.get("causes") is not None:
        kind, name = e.details.get("kind") or "", e.details.get("name") or ""
        # no kind and no name (patch.go's `patch` errors): "The request is invalid"
        head = f'The {kind} "{name}" is invalid: ' if kind or name else "The request is invalid: "
        causes = [f"{c['field']}: {c['message']}" for c in e.details["causes"]]
        if len(causes) == 1:
            return head + causes[0]
        return head + "\n" + "\n".join(f"* {c}" for c in causes)
    return f"Error from server ({e.reason}): {e.message}"


def with_source(e: APIError, verb: str, source: str) -> APIError:
    """AddSourceToErr: `error when creating "deployment.yaml": …` (Invalid errors keep their own form)."""
    if e.reason in ("Invalid", "Unauthorized"):
        return e
    return APIError(e.code, e.reason, f'error when {verb} "{source}": {e.message}', e.details)


def dry_run(ctx: Context) -> str:
    """--dry-run=none|server|client; client-side dry runs send nothing."""
    value = str(ctx.args.get("dry-run", "none")).lower()
    if value not in ("none", "server", "client"):
        raise KubectlError(f'Invalid dry-run value ({value}). Must be "none", "server", or "client".')
    return "" if value == "none" else value


def field_validation(ctx: Context) -> str:
    """--validate as the fieldValidation parameter: Strict, Warn or Ignore."""
    value = str(ctx.args.get("validate", "strict")).lower()
    return {"true": "Strict", "strict": "Strict", "warn": "Warn", "false": "Ignore", "ignore": "Ignore"}.get(
        value, "Strict")


__all__ = ["Args", "BOOL_FLAGS", "Context", "SHORT_VALUE", "VALUE_FLAGS", "dry_run", "field_validation", "parse",
           "server_error", "with_source"]
