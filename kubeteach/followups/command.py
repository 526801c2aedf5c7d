"""`kubeteach followups [N] [--lang zh]`: list the follow-up bank, or print one entry with its demonstration."""

from __future__ import annotations

import argparse

from . import BANK, followup, listing, render


def add_followups_parser(sub: argparse._SubParsersAction) -> None:
    """The `followups` subcommand on the `kubeteach` parser."""
    p = sub.add_parser("followups", help="the follow-up questions after the seed question; N prints one with its "
                                         "model answer and a demonstration run on the simulator")
    p.add_argument("number", nargs="?", type=int, metavar="N", help="the follow-up to print (see the list)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="which wording of the question comes first")
    p.add_argument("--no-demo", action="store_true", help="skip running the demonstration")
    p.set_defaults(followups_parser=p)


def followups_command(args: argparse.Namespace) -> int:
    """List the bank, or print entry N; an N not in the bank is a usage error (exit 2), as argparse gives."""
    if args.number is None:
        print(listing())
        return 0
    try:
        entry = followup(args.number)
    except KeyError:
        numbers = ", ".join(str(f.number) for f in BANK)
        args.followups_parser.error(f"argument N: invalid choice: {args.number} (choose from {numbers})")
    print(render(entry, lang=args.lang, demo=not args.no_demo))
    return 0
