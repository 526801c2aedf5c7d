"""`kubeteach serve`: the subcommand's arguments and what it does (kubeteach/cli.py mounts it)."""

from __future__ import annotations

import argparse
import sys

from ..apiserver.authentication import CAError, CertificateAuthority, ClusterDirectory
from .pki import is_loopback, refuse_seeded_ca_off_loopback

SEEDED_CA_WARNING = (
    "kubeteach: WARNING: --seeded-ca: the cluster CA, the client keys and the tokens are derived from the seed "
    "({seed}), so anyone who knows the seed can forge a certificate or token for this API. For reproducible lessons "
    "only, on a loopback address; without --seeded-ca the cluster gets a fresh CA of its own in --dir.")


def add_serve_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `serve` to the `kubeteach` command's subparsers."""
    p = sub.add_parser("serve", help="serve the cluster's API over HTTPS for the real kubectl and client libraries")
    p.add_argument("--port", type=int, default=6443, help="port to listen on (0: any free port; default 6443)")
    p.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1 only)")
    p.add_argument("--kubeconfig", default="kubeteach.kubeconfig",
                   help="where to write the kubeconfig (contexts admin and dev; default ./kubeteach.kubeconfig)")
    p.add_argument("--dir", default=".kubeteach",
                   help="the cluster's own CA (pki/ca.crt, pki/ca.key) and tokens (tokens.csv): made on the first "
                        "start, reused after so a kubeconfig keeps working (default ./.kubeteach)")
    p.add_argument("--seeded-ca", action="store_true",
                   help="derive the CA, keys and tokens from --seed instead, as the lessons do: reproducible and "
                        "forgeable by anyone who knows the seed; loopback addresses only")
    p.add_argument("--speed", type=float, default=1.0,
                   help="virtual seconds per real second (default 1; 0 stops the clock)")
    p.add_argument("--etcd", default=None, help="keep objects in a real etcd at this URL (http://127.0.0.1:2379); "
                                                "it must be empty or used only by kubeteach, whose "
                                                "old /registry/ keys are deleted first")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--manifest", action="append", default=[],
                   help="kubectl create -f this file before serving (repeatable)")
    return p


def serve_command(args: argparse.Namespace) -> int:
    """Build the cluster on its CA, create the manifests, serve until Ctrl-C."""
    from ..cluster import Cluster
    from .app import Server

    if args.seeded_ca:
        print(SEEDED_CA_WARNING.format(seed=args.seed), file=sys.stderr, flush=True)
        ca = CertificateAuthority(args.seed, real_clock=True)
        tokens: dict[str, str] = {}
        directory = None
    else:
        directory = ClusterDirectory(args.dir)
        try:
            ca, tokens = directory.ca(), directory.tokens()
        except CAError as err:
            print(f"kubeteach: error: {err}", file=sys.stderr)
            return 1
    try:
        refuse_seeded_ca_off_loopback(ca, args.address)
    except ValueError as err:
        print(f"kubeteach: error: {err}", file=sys.stderr)
        return 2
    cluster = Cluster(seed=args.seed, etcd=args.etcd, ca=ca, tokens=tokens)
    if directory is not None:
        directory.save_tokens(cluster.api.authn.tokens)          # kept for the next start
    for manifest in args.manifest:
        result = cluster.kubectl(f"create -f {manifest}")
        print(result, file=sys.stderr if result.returncode else sys.stdout)
        if result.returncode:
            return result.returncode
    server = Server(cluster, args.port, args.address, args.speed)
    path = server.write_kubeconfig(args.kubeconfig)
    where = "derived from the seed" if directory is None else \
        f"{'made in' if directory.created else 'reused from'} {directory.pki}"
    print(f"kubeteach: serving Kubernetes {cluster.definition.get('cluster', {}).get('name', 'kubeteach')} API at "
          f"{server.url} (speed {args.speed:g}x)\n"
          f"kubeteach: cluster CA {where}\n"
          f"kubeteach: kubeconfig written to {path}; try: kubectl --kubeconfig {path} get nodes\n"
          f"kubeteach: contexts: {', '.join(cluster.users)} (current: {cluster.current_context}); Ctrl-C stops",
          flush=True)
    server.serve_forever()
    return 0


__all__ = ["SEEDED_CA_WARNING", "add_serve_parser", "is_loopback", "refuse_seeded_ca_off_loopback",
           "serve_command"]
