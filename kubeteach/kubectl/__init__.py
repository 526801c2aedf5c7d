"""The embedded kubectl: parse a command line, send API requests as a kubeconfig user, print as kubectl prints.

The command table is in `commands.py` (a module per command family beside it), what a command runs in (the
parsed flags, its client, its output) in `context.py`, output formats in `printers.py`, `-f` files in
`manifests.py`. Every read and write is an API request through a `Client`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..apiserver import APIError, Credentials, Request
from ..client import Client
from .commands import COMMANDS
from .context import SHORT_VALUE, VALUE_FLAGS, Args, Context, parse, server_error
from .logs import logs_argv
from .manifests import KubectlError

if TYPE_CHECKING:
    from ..assembly import Assembly


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
            code = fn(ctx)
        except KubectlError as e:
            err.append(f"error: {e}\n")
            code = 1
        except APIError as e:
            err.append(server_error(e) + "\n")
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


__all__ = ["SHORT_VALUE", "VALUE_FLAGS", "Impersonating", "Kubectl", "KubectlError", "Result", "parse"]
