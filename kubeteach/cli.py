"""The `kubeteach` command: run the seed story in a terminal."""

from __future__ import annotations

import argparse
import sys

from . import KUBERNETES_VERSION
from .cluster import Cluster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kubeteach", description=f"Kubernetes {KUBERNETES_VERSION}, simulated.")
    sub = parser.add_subparsers(dest="command", required=True)
    walk = sub.add_parser("walkthrough", help="kubectl create -f MANIFEST, then every hop of the trace")
    walk.add_argument("manifest", nargs="?", default="data/deployment.yaml")
    walk.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    c = Cluster(seed=args.seed)
    result = c.kubectl(f"create -f {args.manifest}")
    print(f"$ kubectl create -f {args.manifest}\n{result}")
    if result.returncode:
        return result.returncode
    c.run()
    for rec in c.trace:
        print(rec)
    return 0


if __name__ == "__main__":
    sys.exit(main())
