"""The `kubeteach` command: the seed story in a terminal (`walkthrough`) and the interview answer (`answer`)."""

from __future__ import annotations

import argparse
import os
import sys

from .answer import interview_answer
from .cluster import Cluster
from .followups.command import add_followups_parser, followups_command
from .loop import ProgressBar
from .server.command import add_serve_parser, serve_command
from .version import KUBERNETES_VERSION


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kubeteach", description=f"Kubernetes {KUBERNETES_VERSION}, simulated.")
    sub = parser.add_subparsers(dest="command", required=True)
    walk = sub.add_parser("walkthrough", help="kubectl create -f MANIFEST, then every hop of the trace")
    walk.add_argument("manifest", nargs="?", default="data/deployment.yaml")
    walk.add_argument("--seed", type=int, default=0)
    ans = sub.add_parser("answer", help="run the whole story (create, a lost pod, an update) and print the "
                                        "interview answer written from its trace")
    ans.add_argument("manifest", nargs="?", default="data/deployment.yaml")
    ans.add_argument("--seed", type=int, default=0)
    ans.add_argument("--image", default="nginx:1.26", help="the image the update sets (default nginx:1.26)")
    form = ans.add_mutually_exclusive_group()
    form.add_argument("--minutes", type=int, choices=(1, 2, 5), default=2,
                      help="the spoken answer for 1, 2 or 5 minutes (default 2), one detail per step from the run")
    form.add_argument("--trace", action="store_true", help="the long form: every step with the trace's numbers")
    form.add_argument("--short", action="store_true", help="the long form's 60-second digest")
    ans.add_argument("--evidence", action="store_true", help="under each sentence, the trace lines it rests on")
    add_serve_parser(sub)
    add_followups_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "answer" and args.evidence and (args.trace or args.short):
        ans.error(f"argument --evidence: not allowed with argument {'--trace' if args.trace else '--short'}")
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:                 # `kubeteach followups | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def walkthrough(args: argparse.Namespace) -> int:
    """`kubeteach walkthrough`: create the manifest, run to settled, print every record of the trace."""
    c = Cluster(seed=args.seed)
    c.progress = ProgressBar()
    result = c.kubectl(f"create -f {args.manifest}")
    print(f"$ kubectl create -f {args.manifest}\n{result}")
    if result.returncode:
        return result.returncode
    c.run()
    for rec in c.trace:
        print(rec)
    return 0


def answer(args: argparse.Namespace) -> int:
    """`kubeteach answer`: the seed's eight steps from a real run: create, lose a pod, update the image."""
    c = Cluster(seed=args.seed)
    c.progress = ProgressBar()
    result = c.kubectl(f"create -f {args.manifest}")
    if result.returncode:
        print(result, file=sys.stderr)
        return result.returncode
    c.run()
    deployments = c.list("deployments")
    pods = c.list("pods")
    if pods:
        c.faults.kill_pod(pods[0]["metadata"]["name"])
        c.run()
    if deployments:
        d = deployments[0]
        container = d["spec"]["template"]["spec"]["containers"][0]["name"]
        update = c.kubectl(f"set image deployment/{d['metadata']['name']} {container}={args.image}")
        if update.returncode:
            print(update, file=sys.stderr)
            return update.returncode
        c.run()
    if args.trace or args.short:
        print(interview_answer(c, short=args.short))
    else:
        print(interview_answer(c, minutes=args.minutes, evidence=args.evidence))
    return 0


COMMANDS = {"walkthrough": walkthrough, "answer": answer, "serve": serve_command, "followups": followups_command}

if __name__ == "__main__":
    sys.exit(main())
