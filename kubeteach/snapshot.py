"""Snapshots: `cluster.save(path)` and `Cluster.load(path)`, by deterministic replay.

The loop's queue holds callables, which cannot be written to a file; but a cluster is a pure function of its
inputs. So the cluster keeps a journal of what came from outside — its constructor arguments (definition and
seed included), kubectl commands with their user and the `-f` files they read, calls on `c.client(...)` clients,
faults, stop/start, and step/run calls — and a snapshot is that journal plus the store's contents. Loading builds
a new cluster from the same arguments, replays the journal, and checks that the store came out identical: same
inputs, same trace, byte for byte. Calls made by kubeteach itself (kubectl running the loop for `--wait`, a fault
stopping a kubelet) are not journaled: replaying the outer call makes them again.

Not journaled, so not in a snapshot: `wait_until(...)` called directly (its argument is a function), and
anything done by reaching inside (`c.api`, `c.etcd`, `c.loop`, a kubelet object from `c.faults.kubelet(...)`).
"""

from __future__ import annotations

import functools
import json
import shlex
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cluster import Cluster

FORMAT = 1
FILE_FLAGS = ("-f", "--filename")


class SnapshotError(Exception):
    """A snapshot that cannot be loaded: a bad file, or a replay that does not reproduce the saved store."""


def _plain(value: Any) -> Any:
    """A JSON-safe deep copy (Resource objects become their resource names)."""
    return json.loads(json.dumps(value, default=lambda o: getattr(o, "resource", None) or repr(o)))


class Journal:
    """The cluster's external inputs, in order; `depth` keeps calls made from inside a journaled call out."""

    def __init__(self, init: dict):
        self.init = _plain(init)
        self.entries: list[dict] = []
        self.depth = 0

    def call(self, entry: Callable[[], dict], fn: Callable[[], Any]) -> Any:
        """Run `fn`; if this is an outermost call, journal `entry()` (made before `fn` can change its inputs)."""
        if self.depth == 0:
            self.entries.append(entry())
        self.depth += 1
        try:
            return fn()
        finally:
            self.depth -= 1


def journaled(method: Callable) -> Callable:
    """Decorate a Cluster method whose calls are external inputs (`step`, `run`, `stop`, `start`, `kubectl`);
    on `client` it wraps the client it returns, whose calls are."""
    @functools.wraps(method)
    def wrapper(cluster: Cluster, *args: Any, **kwargs: Any) -> Any:
        def entry() -> dict:
            out = {"call": method.__name__, "args": _plain(args), "kwargs": _plain(kwargs)}
            if method.__name__ == "kubectl":
                out["files"] = _files(args[0] if args else kwargs["command"])
            return out
        if method.__name__ == "client":        # making a client changes nothing; its calls are the inputs
            return Journaled(method(cluster, *args, **kwargs), cluster.journal, "client-call",
                             {"args": _plain(args), "kwargs": _plain(kwargs)})
        return cluster.journal.call(entry, lambda: method(cluster, *args, **kwargs))
    return wrapper


class Journaled:
    """A proxy that journals every method call made on `target` from outside (a user's client, `c.faults`)."""

    def __init__(self, target: Any, journal: Journal, kind: str, source: dict | None = None):
        self._target, self._journal, self._kind, self._source = target, journal, kind, source or {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # private names (and copy/pickle probes on a half-built instance) are not forwarded
            raise AttributeError(name)
        value = getattr(self._target, name)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            def entry() -> dict:
                return {"call": self._kind, **self._source, "method": name, "margs": _plain(args),
                        "mkwargs": _plain(kwargs)}
            return self._journal.call(entry, lambda: value(*args, **kwargs))
        return call

    def __repr__(self) -> str:
        return repr(self._target)


def _file_args(argv: list[str]) -> list[tuple[int, str, str]]:
    """(index in argv, prefix to keep, path) for every `-f` value: `-f x`, `-fx`, `-f=x`, `--filename[=]x`."""
    out = []
    for i, word in enumerate(argv):
        if word in FILE_FLAGS and i + 1 < len(argv):
            out.append((i + 1, "", argv[i + 1]))
        elif word.startswith("--filename="):
            out.append((i, "--filename=", word[len("--filename="):]))
        elif word.startswith("-f") and not word.startswith("--") and len(word) > 2:
            prefix = "-f=" if word.startswith("-f=") else "-f"
            out.append((i, prefix, word[len(prefix):]))
    return out


def _files(command: str) -> dict[str, dict[str, str] | str | None]:
    """The contents of the files a kubectl command reads with -f, as it reads them now (a directory: its files)."""
    try:
        argv = shlex.split(command)
    except ValueError:
        return {}
    out: dict[str, Any] = {}
    for _, _, name in _file_args(argv):
        path = Path(name)
        if path.is_dir():
            out[name] = {f.name: f.read_text() for f in sorted(path.iterdir()) if f.is_file()}
        else:
            out[name] = path.read_text() if path.is_file() else None
    return out


def _with_files(command: str, files: dict, scratch: Path) -> str:
    """The command with its -f paths pointing at copies of the journaled files in `scratch`."""
    if not files:
        return command
    argv = shlex.split(command)
    for n, (i, prefix, name) in enumerate(_file_args(argv)):
        content = files.get(name)
        if content is None:
            continue                      # the file did not exist: replay the same error
        target = scratch / str(n) / (Path(name).name or "input")
        if isinstance(content, dict):
            target.mkdir(parents=True, exist_ok=True)
            for fname, text in content.items():
                (target / fname).write_text(text)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        argv[i] = prefix + str(target)
    return shlex.join(argv)


def store_contents(cluster: Cluster) -> dict:
    """The store as plain data: its revision and every key with value and revisions."""
    items = []
    for key in cluster.etcd.keys():
        kv = cluster.etcd.get(key)
        items.append({"key": key, "create_revision": kv.create_revision, "mod_revision": kv.mod_revision,
                      "version": kv.version, "value": kv.value})
    return _plain({"revision": cluster.etcd.revision, "items": items})


def save(cluster: Cluster, path: str | Path) -> None:
    """Write the journal and the store's contents as JSON."""
    from importlib.metadata import PackageNotFoundError, version

    from . import KUBERNETES_VERSION

    try:
        kubeteach_version = version("kubeteach")
    except PackageNotFoundError:
        kubeteach_version = "unknown"
    data = {"format": FORMAT, "kubeteach": kubeteach_version, "kubernetes": KUBERNETES_VERSION,
            "init": cluster.journal.init, "journal": cluster.journal.entries, "store": store_contents(cluster)}
    Path(path).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def load(cls: type[Cluster], path: str | Path) -> Cluster:
    """Rebuild a cluster by replaying a snapshot's journal; raise SnapshotError if the store differs."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        raise SnapshotError(f"cannot read snapshot {path}: {err}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SnapshotError(f"{path} is not a kubeteach snapshot (format {FORMAT})")
    cluster = cls(**{k: v for k, v in data["init"].items() if v is not None})
    with tempfile.TemporaryDirectory(prefix="kubeteach-replay-") as scratch:
        for n, entry in enumerate(data["journal"]):
            replay(cluster, entry, Path(scratch) / str(n))
    saved, now = data["store"], store_contents(cluster)
    if saved != now:
        raise SnapshotError(f"snapshot {path} does not replay to the store it saved ({_first_difference(saved, now)})"
                            f"; it was written by kubeteach {data.get('kubeteach')}, which may simulate differently")
    return cluster


def replay(cluster: Cluster, entry: dict, scratch: Path) -> None:
    """Make one journaled call again, on `cluster` (which journals it anew)."""
    call = entry["call"]
    if call == "client-call":
        client = cluster.client(*entry["args"], **entry["kwargs"])
        getattr(client, entry["method"])(*entry["margs"], **entry["mkwargs"])
    elif call == "faults":
        getattr(cluster.faults, entry["method"])(*entry["margs"], **entry["mkwargs"])
    elif call == "kubectl":
        args = list(entry["args"])
        kwargs = dict(entry["kwargs"])
        if args:
            args[0] = _with_files(args[0], entry.get("files", {}), scratch)
        else:
            kwargs["command"] = _with_files(kwargs["command"], entry.get("files", {}), scratch)
        cluster.kubectl(*args, **kwargs)
        cluster.journal.entries[-1] = entry      # journal the original paths, not the scratch copies
    elif call in ("step", "run", "stop", "start"):
        getattr(cluster, call)(*entry["args"], **entry["kwargs"])
    else:
        raise SnapshotError(f"unknown journal entry {call!r}")


def _first_difference(saved: dict, now: dict) -> str:
    if saved["revision"] != now["revision"]:
        return f"store revision {saved['revision']} saved, {now['revision']} replayed"
    ours = {i["key"]: i for i in now["items"]}
    for item in saved["items"]:
        if ours.get(item["key"]) != item:
            return f"{item['key']} differs"
    extra = sorted(set(ours) - {i["key"] for i in saved["items"]})
    return f"{extra[0]} was not saved" if extra else "the stores differ"


__all__ = ["Journal", "Journaled", "SnapshotError", "journaled", "load", "save"]
