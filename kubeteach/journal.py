"""The journal: what came into a cluster from outside (its constructor arguments, kubectl commands, client calls,
faults, stop/start, step/run), in order, so `snapshot.py` can save it and replay it. A call made from inside a
journaled call (kubectl running the loop for `--wait`, a fault stopping a kubelet) is not journaled: replaying the
outer call makes it again.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from typing import Any


def plain(value: Any) -> Any:
    """A JSON-safe deep copy (Resource objects become their resource names)."""
    return json.loads(json.dumps(value, default=lambda o: getattr(o, "resource", None) or repr(o)))


class Journal:
    """The cluster's external inputs, in order; `depth` keeps calls made from inside a journaled call out."""

    def __init__(self, init: dict):
        self.init = plain(init)
        self.entries: list[dict] = []
        self.depth = 0
        self.closed = ""          # why inputs are no longer journaled (a served cluster takes requests from outside)

    def close(self, why: str) -> None:
        """Stop journaling (and forget what was journaled): the cluster can no longer be saved, because `why`."""
        self.closed, self.entries = why, []

    def call(self, entry: Callable[[], dict], fn: Callable[[], Any]) -> Any:
        """Run `fn`; if this is an outermost call, journal `entry()` (made before `fn` can change its inputs) and,
        if `fn` raises, the error's type, which a replay must raise again."""
        record = entry() if self.depth == 0 and not self.closed else None
        if record is not None:
            self.entries.append(record)
        self.depth += 1
        try:
            return fn()
        except Exception as err:
            if record is not None:
                record["error"] = {"type": type(err).__name__, "message": str(err)[:1000]}
            raise
        finally:
            self.depth -= 1


@functools.cache
def journaled_methods(cls: type) -> frozenset[str]:
    """The public methods defined on `cls` and its bases: what a Journaled proxy journals, and all a snapshot's
    journal may call on it (so no entry reaches `_bootstrap`, `__class__`, `api`, ...)."""
    return frozenset(name for klass in cls.__mro__ if klass is not object for name, value in vars(klass).items()
                     if not name.startswith("_") and inspect.isfunction(value))


def journaled(method: Callable | None = None, *, inputs: Callable[..., dict] | None = None) -> Callable:
    """Decorate a Cluster method whose calls are external inputs (`step`, `run`, `stop`, `start`, `kubectl`);
    on `client` it wraps the client it returns, whose calls are. `inputs(*args, **kwargs)` adds what a replay
    needs besides the arguments (the `-f` files a kubectl command read)."""
    if method is None:
        return functools.partial(journaled, inputs=inputs)

    @functools.wraps(method)
    def wrapper(cluster: Any, *args: Any, **kwargs: Any) -> Any:
        def entry() -> dict:
            out = {"call": method.__name__, "args": plain(args), "kwargs": plain(kwargs)}
            if inputs is not None:
                out.update(inputs(*args, **kwargs))
            return out
        if method.__name__ == "client":        # making a client changes nothing; its calls are the inputs
            return Journaled(method(cluster, *args, **kwargs), cluster.journal, "client-call",
                             {"args": plain(args), "kwargs": plain(kwargs)})
        return cluster.journal.call(entry, lambda: method(cluster, *args, **kwargs))
    return wrapper


class Journaled:
    """A proxy that journals every call of a public method of `target` made from outside (a user's client,
    `c.faults`); other attributes pass through unjournaled."""

    def __init__(self, target: Any, journal: Journal, kind: str, source: dict | None = None):
        self._target, self._journal, self._kind, self._source = target, journal, kind, source or {}
        self._methods = journaled_methods(type(target))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # private names (and copy/pickle probes on a half-built instance) are not forwarded
            raise AttributeError(name)
        value = getattr(self._target, name)
        if name not in self._methods or not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            def entry() -> dict:
                return {"call": self._kind, **self._source, "method": name, "margs": plain(args),
                        "mkwargs": plain(kwargs)}
            return self._journal.call(entry, lambda: value(*args, **kwargs))
        return call

    def __repr__(self) -> str:
        return repr(self._target)


__all__ = ["Journal", "Journaled", "journaled", "journaled_methods"]
