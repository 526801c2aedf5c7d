"""The embedded kubectl: parse a command line, send API requests as a kubeconfig user, print as kubectl prints.

The command table is in `commands.py` (a module per command family beside it), what a command runs in (the
parsed flags, its client, its output) in `context.py`, output formats in `printers.py`, `-f` files in
`manifests.py`. Every read and write is an API request through a `Client`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..apiserver import APIError, Credentials, Request
from ..apiserver.services import deprecation_warnings
from ..client import Client
from .commands import COMMANDS
from .context import SHORT_VALUE, VALUE_FLAGS, Args, Context, parse, server_error
from .logs import logs_argv
from .manifests import KubectlError

if TYPE_CHECKING:
    from ..assembly import Assembly


@dataclass
class Result:
    """What a kubectl run left: exit code, standard output and standard error (and the server's warnings, which
    kubectl writes to stderr as each response arrives, so before the output printed from it)."""

    returncode: int
    stdout: str
    stderr: str
    warnings: str = field(default="", compare=False, repr=False)

    def __str__(self) -> str:
        """As a terminal shows it: the warnings, standard output, then the rest of standard error."""
        rest = self.stderr[len(self.warnings):] if self.stderr.startswith(self.warnings) else self.stderr
        return (self.warnings + self.stdout + rest).rstrip("\n")

    def __repr__(self) -> str:
        return str(self)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


# subcommands whose own --user flag (binding subjects) shadows the global --user (the kubeconfig user)
USER_SUBJECT_COMMANDS = (["create", "rolebinding"], ["create", "clusterrolebinding"])


class Kubectl:
    """kubectl against one cluster; `run("get pods -o wide", user="dev")`."""

    def __init__(self, cluster: Assembly):
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
        try:
            argv = shlex.split(command)
        except ValueError as err:
            return Result(1, "", f"error: {err}\n")
        if argv and argv[0] == "kubectl":
            argv = argv[1:]
        out: list[str] = []
        err: list[str] = []
        warned: WarningWriter | None = None
        try:
            args = parse(logs_argv(argv))
            if not args.words:
                raise KubectlError('You must specify the type of resource to get. Use "kubectl api-resources" for a '
                                   "complete list of supported resources.")
            verb = args.words[0]
            fn = COMMANDS.get(verb)
            if fn is None:
                raise KubectlError(f'unknown command "{verb}" for "kubectl"')
            flag_user = None if args.words[:2] in USER_SUBJECT_COMMANDS else args.get("user")
            name = user or flag_user or self._context_user(args.get("context"))
            if name not in self.cluster.users:
                raise KubectlError(f'auth info "{name}" does not exist')
            ctx = Context(self.cluster, self.client(name, args), args, out, err, name)
            ctx.client.api = warned = WarningWriter(ctx.client.api, err)
            code = fn(ctx)
        except KubectlError as e:
            err.append(f"error: {e}\n")
            code = 1
        except APIError as e:
            err.append(server_error(e) + "\n")
            code = 1
        warnings = "".join(warned.err[:warned.leading]) if warned is not None else ""
        return Result(code, "".join(out), "".join(err), warnings)

    def _context_user(self, context: str | None) -> str:
        """The user of the named (or current) context; contexts are named after their users."""
        name = context or self.cluster.current_context
        if context and context not in self.cluster.users:
            raise KubectlError(f'context "{context}" does not exist')
        return name or "admin"


class WarningWriter:
    """The API server as kubectl's warning handler sees it: each response's `Warning` headers (here: the
    deprecation warnings of the kind asked for) printed on stderr as `Warning: <text>`, each text once per run
    (rest.NewWarningWriter with Deduplicate, as kubectl sets it up)."""

    def __init__(self, api: Any, err: list[str]):
        self.api, self.err = api, err
        self.leading = 0        # how many of stderr's first lines are warnings (a terminal shows them first)

    def handle(self, req: Request) -> Any:
        try:
            result = self.api.handle(req)
        except APIError as e:
            if e.code not in (401, 403):        # the filters refused it before the handler could warn
                self._warn(req)
            raise
        self._warn(req)
        return result

    def _warn(self, req: Request) -> None:
        for text in deprecation_warnings(req.resource.group, req.resource.kind):
            if f"Warning: {text}\n" not in self.err:
                self.err.append(f"Warning: {text}\n")
                if len(self.err) == self.leading + 1:
                    self.leading += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.api, name)


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


__all__ = ["SHORT_VALUE", "VALUE_FLAGS", "Impersonating", "WarningWriter", "Kubectl", "KubectlError", "Result", "parse"]
