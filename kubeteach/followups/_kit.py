"""Small helpers the demonstrations share: a fresh seeded cluster, kubectl lines with their prompt, trace excerpts."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..cluster import Cluster
from ..trace import Record

DATA = Path(__file__).resolve().parents[2] / "data"   # the repository's manifests (lesson 08's web*.yaml)
SEED = 0


def fresh(nodes: int | None = None, **kwargs) -> Cluster:
    """A new cluster on the bank's seed, so every demonstration prints the same text on every run."""
    return Cluster(nodes=nodes, seed=SEED, **kwargs)


def sh(c: Cluster, command: str, user: str | None = None, shown: str = "") -> str:
    """`$ kubectl …` and what kubectl printed (stdout and stderr), as a terminal shows it (`shown`: the command as
    printed, e.g. with a repository-relative path)."""
    result = c.kubectl(command, user=user) if user else c.kubectl(command)
    prompt = f"$ kubectl --context {user} " if user else "$ kubectl "
    return f"{prompt}{shown or command}\n{str(result).rstrip()}"


def since(c: Cluster, mark: int) -> list[Record]:
    """The records written after `mark` (a len(c.trace) taken earlier)."""
    return list(c.trace[mark:])


def pick(records: Iterable[Record], *needles: str, limit: int = 8, actor: str = "") -> list[str]:
    """The first `limit` records whose line contains one of `needles` (and whose actor starts with `actor`)."""
    out = []
    for rec in records:
        line = str(rec)
        if actor and not rec.actor.startswith(actor):
            continue
        if any(n in line for n in needles):
            out.append(line)
            if len(out) == limit:
                break
    return out


def block(*parts: str | Iterable[str]) -> str:
    """Join strings and lists of lines into one printable block, skipping empty parts."""
    lines: list[str] = []
    for part in parts:
        if isinstance(part, str):
            if part:
                lines.append(part)
        else:
            lines.extend(part)
    return "\n".join(lines)


def note(text: str) -> str:
    """A line of commentary inside a demonstration's output (what is shown, or what is not simulated)."""
    return f"# {text}"
