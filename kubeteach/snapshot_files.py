"""The `-f` files of journaled kubectl commands: which paths a command line reads (found as kubectl's own parser
finds them), their contents as the journal keeps them, and the scratch directory a replay writes them into, which
nothing a snapshot says can escape.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any

from .kubectl import SHORT_VALUE, VALUE_FLAGS, KubectlError, parse

MAX_NAME = 255                  # bytes in one file name (NAME_MAX)
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")   # what kubectl reads from a directory (manifests.load)


class SnapshotError(Exception):
    """A snapshot that cannot be loaded: a bad file, or a replay that does not reproduce the saved store."""


# --- the -f files of kubectl commands ---------------------------------------------------------------------------

def command_files(command: str | None = None, user: str | None = None) -> dict:
    """What a journaled `kubectl` call keeps besides its arguments: the `-f` files the command read."""
    return {"files": files_of(command) if isinstance(command, str) else {}}


def _file_args(argv: list[str]) -> list[tuple[int, str, str]]:
    """(index in argv, prefix to keep, path) for every -f value, found as kubectl.parse finds them: `-f x`, `-fx`,
    `-f=x`, `--filename[=]x`; not after `--`, and not a word that is another flag's value (`-n -f`)."""

    out = []
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            break
        if word.startswith("-") and word != "-":
            name, eq, _ = word.partition("=")
            prefix = name + eq
            if not eq and name[:2] in SHORT_VALUE and len(name) > 2 and not name.startswith("--"):
                name, prefix, eq = name[:2], name[:2], "="
            if name in VALUE_FLAGS:
                if not eq:
                    i += 1
                    if i >= len(argv):
                        break
                    if VALUE_FLAGS[name] == "filename":
                        out.append((i, "", argv[i]))
                elif VALUE_FLAGS[name] == "filename":
                    out.append((i, prefix, word[len(prefix):]))
        i += 1
    return out


def files_of(command: str) -> dict[str, dict[str, str] | str | None]:
    """The contents of the files a kubectl command reads with -f, as it reads them now (a directory: its manifest
    files); None for a path that is missing or unreadable."""
    try:
        argv = shlex.split(command)
    except ValueError:
        return {}
    out: dict[str, Any] = {}
    for _, _, name in _file_args(argv):
        path = Path(name)
        try:
            if path.is_dir():
                out[name] = {f.name: f.read_text() for f in sorted(path.iterdir())
                             if f.suffix in MANIFEST_SUFFIXES and f.is_file()}
            else:
                out[name] = path.read_text() if path.is_file() else None
        except (OSError, UnicodeError):
            out[name] = None
    return out


def safe_name(name: str) -> bool:
    """Whether `name` is one plain file name, which cannot leave the directory it is joined to."""
    try:
        size = len(name.encode())
    except UnicodeError:
        return False
    return (0 < size <= MAX_NAME and name not in (".", "..") and "\0" not in name and os.sep not in name
            and not (os.altsep and os.altsep in name))


def _write(directory: Path, name: str, text: str) -> Path:
    """Create `directory/name` (a new file: never through a symlink, never over an existing file)."""
    target = directory / name
    data = text.encode()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return target


def _within(path: str, scratch: Path) -> bool:
    return os.path.commonpath([os.path.realpath(path), os.path.realpath(scratch)]) == os.path.realpath(scratch)


def with_files(command: str, files: dict, scratch: Path) -> str:
    """The command with every -f path pointing into `scratch`, where the journaled contents are written (a path
    that was missing when the command ran points at a missing file there). Raise SnapshotError for a path the
    snapshot does not embed: a replayed command reads no file of this machine."""

    try:
        argv = shlex.split(command)
        parse(argv[1:] if argv[:1] == ["kubectl"] else argv)
    except (ValueError, KubectlError):
        return command                    # kubectl fails on it before it opens a file, then and now
    scratch.mkdir()
    for n, (i, prefix, name) in enumerate(_file_args(argv)):
        if name not in files:
            raise SnapshotError(f"the command reads {name!r}, which the snapshot does not embed")
        content = files[name]
        slot = scratch / str(n)
        slot.mkdir()
        base = Path(name).name
        base = base if safe_name(base) else "input"
        if isinstance(content, dict):
            target = slot / base
            target.mkdir()
            for fname, text in content.items():
                _write(target, fname, text)
        elif isinstance(content, str):
            target = _write(slot, base, content)
        else:
            target = slot / base          # missing then, missing now: kubectl says "the path ... does not exist"
        argv[i] = prefix + str(target)
    read = parse(argv[1:] if argv[:1] == ["kubectl"] else argv).all("filename")
    if not all(_within(p, scratch) for p in read):
        raise SnapshotError("the command reads files outside the snapshot")
    return shlex.join(argv)


__all__ = ["MAX_NAME", "SnapshotError", "command_files", "files_of", "safe_name", "with_files"]
