"""An MVCC key-value store shaped like etcd v3: one global revision, per-key revisions, compare-and-swap, watch.

Only the API server writes here, as in Kubernetes. Values are the stored objects; treat them as read-only.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class KeyValue:
    """mvccpb.KeyValue: the key, its value and the revisions etcd keeps for it."""

    key: str
    value: Any
    create_revision: int
    mod_revision: int
    version: int


@dataclass(frozen=True)
class WatchEvent:
    """One change: ADDED, MODIFIED or DELETED (etcd's PUT/DELETE, told apart as the API server's watch does)."""

    type: str
    kv: KeyValue
    prev: KeyValue | None
    revision: int


class Compacted(Exception):
    """A read of history older than the last compaction (etcd's ErrCompacted: `mvcc: required revision has been
    compacted`); the API server turns it into 410 Gone `too old resource version`."""

    def __init__(self, requested: int, compacted: int):
        super().__init__("mvcc: required revision has been compacted")
        self.requested, self.compacted = requested, compacted


class CompareFailed(Exception):
    """A transaction's compare on mod_revision did not hold: someone else wrote the key first."""

    def __init__(self, key: str, expected: int, actual: int):
        super().__init__(f"compare failed on {key}: expected mod_revision {expected}, found {actual}")
        self.key, self.expected, self.actual = key, expected, actual


@dataclass
class Watch:
    prefix: str
    callback: Callable[[WatchEvent], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class WatchLog:
    """What both stores keep beside the data: the change log in revision order, each key's history, the watches."""

    _log: list[WatchEvent] = field(default_factory=list)
    _history: dict[str, list[WatchEvent]] = field(default_factory=dict)
    _watches: list[Watch] = field(default_factory=list)
    compacted: int = 0       # the revision of the last compaction: history at or below it is gone

    def history(self, key: str) -> list[WatchEvent]:
        """Every change of one key, oldest first (etcd keeps these until compaction)."""
        return list(self._history.get(key, []))

    def events(self, since_revision: int = 0, prefix: str = "") -> list[WatchEvent]:
        """The changes after `since_revision` under `prefix`, as a watch started there would replay them."""
        if since_revision and since_revision < self.compacted:
            raise Compacted(since_revision, self.compacted)
        start = bisect.bisect_right(self._log, since_revision, key=lambda e: e.revision) if since_revision else 0
        return [e for e in self._log[start:] if e.kv.key.startswith(prefix)]

    def watch(self, prefix: str, callback: Callable[[WatchEvent], None], start_revision: int | None = None) -> Watch:
        """Call `callback` for every change under `prefix`; with `start_revision`, replay from there first."""
        w = Watch(prefix, callback)
        if start_revision is not None:
            for event in self.events(start_revision - 1, prefix):
                callback(event)
        self._watches.append(w)
        return w

    def compact(self, revision: int) -> int:
        """Forget the changes up to `revision` (etcd's Compact, which kube-apiserver requests every
        --etcd-compaction-interval, 5 minutes by default); current values stay. Returns how many changes went."""
        if revision <= self.compacted:
            return 0
        cut = bisect.bisect_right(self._log, revision, key=lambda e: e.revision)
        gone = self._log[:cut]
        del self._log[:cut]
        for key in {e.kv.key for e in gone}:
            kept = [e for e in self._history[key] if e.revision > revision]
            if kept:
                self._history[key] = kept
            else:
                del self._history[key]
        self.compacted = revision
        return len(gone)

    def _emit(self, event: WatchEvent) -> None:
        self._log.append(event)
        self._history.setdefault(event.kv.key, []).append(event)
        live = [w for w in self._watches if not w.cancelled]
        self._watches = live
        for w in live:
            if event.kv.key.startswith(w.prefix):
                w.callback(event)


@dataclass
class Etcd(WatchLog):
    """The embedded store: `get`, `keys`, `range`, `put` and `delete` with optional compare, `watch`, `history`."""

    revision: int = 1
    _data: dict[str, KeyValue] = field(default_factory=dict)
    _sorted: list[str] = field(default_factory=list)

    # --- reads ----------------------------------------------------------------------------------------------

    def get(self, key: str) -> KeyValue | None:
        return self._data.get(key)

    def keys(self, prefix: str = "") -> list[str]:
        lo = bisect.bisect_left(self._sorted, prefix)
        hi = bisect.bisect_left(self._sorted, prefix + "\U0010ffff")
        return self._sorted[lo:hi]

    def range(self, prefix: str) -> list[KeyValue]:
        return [self._data[k] for k in self.keys(prefix)]

    def count(self, prefix: str) -> int:
        return len(self.keys(prefix))

    # --- writes ---------------------------------------------------------------------------------------------

    def put(self, key: str, value: Any, expected_mod_revision: int | None = None) -> KeyValue:
        """Write `value`; with `expected_mod_revision` (0: must not exist) it is a compare-and-swap."""
        prev = self._data.get(key)
        if expected_mod_revision is not None:
            actual = prev.mod_revision if prev else 0
            if actual != expected_mod_revision:
                raise CompareFailed(key, expected_mod_revision, actual)
        self.revision += 1
        rev = self.revision
        if prev is None:
            kv = KeyValue(key, value, rev, rev, 1)
            bisect.insort(self._sorted, key)
        else:
            kv = KeyValue(key, value, prev.create_revision, rev, prev.version + 1)
        self._data[key] = kv
        self._emit(WatchEvent("ADDED" if prev is None else "MODIFIED", kv, prev, rev))
        return kv

    def delete(self, key: str, expected_mod_revision: int | None = None) -> KeyValue | None:
        prev = self._data.get(key)
        if prev is None:
            return None
        if expected_mod_revision is not None and prev.mod_revision != expected_mod_revision:
            raise CompareFailed(key, expected_mod_revision, prev.mod_revision)
        self.revision += 1
        del self._data[key]
        self._sorted.pop(bisect.bisect_left(self._sorted, key))
        tomb = KeyValue(key, prev.value, 0, self.revision, 0)
        self._emit(WatchEvent("DELETED", tomb, prev, self.revision))
        return prev
