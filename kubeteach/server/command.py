"""`kubeteach serve`: the subcommand's arguments and what it does (kubeteach/cli.py mounts it)."""

from __future__ import annotations

import argparse
import sys


def add_serve_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `serve` to the `kubeteach` command's subparsers."""
    p = sub.add_parser("serve", help="serve the cluster's API over HTTPS for the real kubectl and client libraries")
    p.add_argument("--port", type=int, default=6443, help="port to listen on (0: any free port; default 6443)")
    p.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1 only)")
    p.add_argument("--kubeconfig", default="kubeteach.kubeconfig",
                   help="where to write the kubeconfig (contexts admin and dev; default ./kubeteach.kubeconfig)")
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
    """Build the cluster, create the manifests, serve until Ctrl-C."""
    from ..cluster import Cluster
    from .app import Server

    cluster = Cluster(seed=args.seed, etcd=args.etcd)
    for manifest in args.manifest:
        result = cluster.kubectl(f"create -f {manifest}")
        print(result, file=sys.stderr if result.returncode else sys.stdout)
        if result.returncode:
            return result.returncode
    server = Server(cluster, args.port, args.address, args.speed)
    path = server.write_kubeconfig(args.kubeconfig)
    print(f"kubeteach: serving Kubernetes {cluster.definition.get('cluster', {}).get('name', 'kubeteach')} API at "
          f"{server.url} (speed {args.speed:g}x)\n"
          f"kubeteach: kubeconfig written to {path}; try: kubectl --kubeconfig {path} get nodes\n"
          f"kubeteach: contexts: {', '.join(cluster.users)} (current: {cluster.current_context}); Ctrl-C stops",
          flush=True)
    server.serve_forever()
    return 0


__all__ = ["add_serve_parser", "serve_command"]
