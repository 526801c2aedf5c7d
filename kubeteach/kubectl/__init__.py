"""The embedded kubectl: parse a command line, send API requests as a kubeconfig user, print as kubectl prints.

Commands live in `commands.py`; output formats in `printers.py`; `-f` files in `manifests.py`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..apiserver import APIError, Credentials, Request
from ..client import Client
from .manifests import KubectlError

if TYPE_CHECKING:
    from ..cluster import Cluster


@dataclass
class Result:
    """What a kubectl run left: exit code, standard output and standard error."""

    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return (self.stdout + self.stderr).rstrip("\n")

    def __repr__(self) -> str:
        return str(self)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


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
               "--token": "token", "--as": "as", "--as-group": "as-group", "--as-uid": "as-uid"}
BOOL_FLAGS = {"-A": "all-namespaces", "--all-namespaces": "all-namespaces", "-w": "watch", "--watch": "watch",
              "--show-labels": "show-labels", "--all": "all", "--force": "force", "--now": "now",
              "--raw": "raw", "--minify": "minify", "--ignore-not-found": "ignore-not-found",
              "--ignore-daemonsets": "ignore-daemonsets", "--delete-emptydir-data": "delete-emptydir-data",
              "--record": "record", "--overwrite": "overwrite", "--no-headers": "no-headers",
              "--watch-only": "watch-only", "--list": "list", "--quiet": "quiet", "-q": "quiet",
              "--show-events": "show-events", "--disable-eviction": "disable-eviction"}
SHORT_VALUE = {"-f", "-o", "-n", "-l", "-p", "-r"}
# subcommands whose own --user flag (binding subjects) shadows the global --user (the kubeconfig user)
USER_SUBJECT_COMMANDS = (["create", "rolebinding"], ["create", "clusterrolebinding"])


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


class Kubectl:
    """kubectl against one cluster; `run("get pods -o wide", user="dev")`."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.cwd = Path.cwd

    def client(self, user: str, args: Args | None = None) -> Client:
        """A client as the kubeconfig user, with --token and --as/--as-group applied as kubectl applies them."""
        creds = self.cluster.users[user].credentials
        api: Any = self.cluster.api
        if args is not None and args.get("token") is not None:
            # client-go merges --token into the user's auth info: a client certificate, if any, is still presented,
            # and the API server's x509 authenticator runs before the token authenticator (kubectl issue #1657)
            creds = Credentials(cert_pem=creds.cert_pem, key_pem=creds.key_pem, token=args.get("token") or None)
        if args is not None and (args.get("as") or args.all("as-group") or args.get("as-uid")):
            if not args.get("as"):
                raise KubectlError(f"invalid configuration: requesting uid, groups or user-extra for {user} without "
                                   "impersonating a user")
            api = Impersonating(self.cluster.api, args.get("as"), tuple(args.all("as-group")))
        return Client(api, creds, "kubectl", verbose=True, user=user)

    def run(self, command: str, user: str | None = None) -> Result:
        from . import commands

        try:
            argv = shlex.split(command)
        except ValueError as err:
            return Result(1, "", f"error: {err}\n")
        if argv and argv[0] == "kubectl":
            argv = argv[1:]
        out: list[str] = []
        err: list[str] = []
        try:
            args = parse(argv)
            if not args.words:
                raise KubectlError('You must specify the type of resource to get. Use "kubectl api-resources" for a '
                                   "complete list of supported resources.")
            verb = args.words[0]
            fn = commands.COMMANDS.get(verb)
            if fn is None:
                raise KubectlError(f'unknown command "{verb}" for "kubectl"')
            flag_user = None if args.words[:2] in USER_SUBJECT_COMMANDS else args.get("user")
            name = user or flag_user or self._context_user(args.get("context"))
            if name not in self.cluster.users:
                raise KubectlError(f'auth info "{name}" does not exist')
            ctx = commands.Context(self.cluster, self.client(name, args), args, out, err, name)
            code = fn(ctx)
        except KubectlError as e:
            err.append(f"error: {e}\n")
            code = 1
        except APIError as e:
            err.append(commands.server_error(e) + "\n")
            code = 1
        return Result(code, "".join(out), "".join(err))

    def _context_user(self, context: str | None) -> str:
        """The user of the named (or current) context; contexts are named after their users."""
        name = context or self.cluster.current_context
        if context and context not in self.cluster.users:
            raise KubectlError(f'context "{context}" does not exist')
        return name or "admin"


class Impersonating:
    """The API server as seen through a client with --as/--as-group: every request carries the Impersonate-User and
    Impersonate-Group headers (client-go's impersonating round tripper)."""

    def __init__(self, api: Any, user: str, groups: tuple[str, ...]):
        self.api, self.user, self.groups = api, user, groups

    def handle(self, req: Request) -> Any:
        """Send the request with the impersonation headers set."""
        req.impersonate_user, req.impersonate_groups = self.user, self.groups
        return self.api.handle(req)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.api, name)


__all__ = ["Impersonating", "Kubectl", "KubectlError", "Result"]
