"""A real etcd as the store, through its v3 JSON gateway (/v3/kv/range, put, deleterange, txn): same interface as
`kubeteach.etcd.Etcd`, same keys, and revisions that are etcd's own (resourceVersion = the key's mod_revision).

Values are stored as JSON (what kube-apiserver writes with `--storage-media-type=application/json`), so
`etcdctl get /registry/deployments/default/nginx` prints the object. Every write is one transaction whose compare
on `mod_revision` is the optimistic concurrency the API server relies on.

Watch: the API server's in-process fan-out must see a write before the write returns (that is what makes a
`step()` deterministic), so this backend tells its watchers about its own writes synchronously, from the write's
response (etcd returns the new revision and `prev_kv`). Writes by other etcd clients (`etcdctl put`) are read by
`get`/`range` but not fanned out. `history()` and `events()` replay the changes made through this backend.

Outages: a call that cannot reach etcd raises `EtcdUnavailable` (a ConnectionError; the API server answers the
request with a timeout) and writes nothing. The fan-out is then in doubt (a write may have committed although its
answer was lost; others may write meanwhile), so before its next call this store replays what etcd committed since
the last revision it saw, through etcd's own watch from that revision (POST /v3/watch), as kube-apiserver's
reflector re-establishes a broken watch from its last resourceVersion.

Revisions: a fresh etcd is at revision 1, like the embedded store, so a story on a fresh etcd has the same
revisions. On a used etcd they are shifted by `offset` (= the revision when this store was opened, minus 1);
determinism tests compare stories with revisions taken relative to that offset.
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
from typing import Any
from urllib.parse import urlsplit

from .etcd import CompareFailed, KeyValue, WatchEvent, WatchLog

PREFIX = "/registry/"
MARKER = "/kubeteach/owner"  # written on first use: /registry/ keys beside it are ours to delete


def _b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def _unb64(text: str) -> str:
    return base64.b64decode(text).decode()


def prefix_end(prefix: str) -> str:
    """clientv3.GetPrefixRangeEnd: the prefix with its last byte plus one (the range [prefix, end))."""
    raw = bytearray(prefix.encode())
    for i in range(len(raw) - 1, -1, -1):
        if raw[i] < 0xFF:
            raw[i] += 1
            return _b64(bytes(raw[:i + 1]))
    return _b64(b"\0")                                  # every key


class EtcdUnavailable(ConnectionError):
    """The etcd endpoint did not answer, or answered with an error."""


class RemoteEtcd(WatchLog):
    """The store in a real etcd v3 (>= 3.4) at `url` (http://127.0.0.1:2379); `fresh` deletes /registry/ first."""

    def __init__(self, url: str, fresh: bool = True, timeout: float = 10.0):
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme != "http":
            raise ValueError(f"only http:// etcd endpoints are supported, not {url!r}")
        self.url = f"http://{parts.netloc}"
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 2379
        self._timeout = timeout
        self._local = threading.local()
        self._seen = 0          # the newest revision this store has seen in an answer from etcd
        self._lost = False      # a call failed: catch up (`_resume`) before the next one
        WatchLog.__init__(self)  # history and events cover the changes made through this store
        if fresh:
            self._claim()
        self.offset = self.revision - 1

    def _claim(self) -> None:
        """Empty /registry/ for a new simulated cluster, but only in an etcd that is empty or kubeteach's own:
        a real cluster's keys (no MARKER key beside them) are never deleted."""
        found = self._call("/v3/kv/range", {"key": _b64(PREFIX), "range_end": prefix_end(PREFIX),
                                            "count_only": True}).get("count", "0")
        mine = self._call("/v3/kv/range", {"key": _b64(MARKER)}).get("kvs")
        if int(found) and not mine:
            raise EtcdUnavailable(f"etcd at {self.url} already holds {found} keys under {PREFIX} that kubeteach did "
                                  f"not write; point it at an empty, throwaway etcd")
        self._call("/v3/kv/deleterange", {"key": _b64(PREFIX), "range_end": prefix_end(PREFIX)})
        self._call("/v3/kv/put", {"key": _b64(MARKER), "value": _b64("kubeteach")})

    # --- transport ------------------------------------------------------------------------------------------

    def _call(self, path: str, body: dict) -> dict:
        """POST one gateway request on this thread's keep-alive connection (one retry on a dropped connection)."""
        if self._lost:
            self._resume()
        data = json.dumps(body).encode()
        for attempt in (1, 2):
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            try:
                conn.request("POST", path, data, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                payload = resp.read()
            except (OSError, http.client.HTTPException) as err:
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    self._lost = True
                    raise EtcdUnavailable(f"etcd at {self.url}: {err}") from None
                continue
            out = json.loads(payload or b"{}")
            if resp.status != 200 or "error" in out:
                self._lost = True
                raise EtcdUnavailable(f"etcd at {self.url}{path}: HTTP {resp.status}: {out.get('error', out)}")
            self._seen = max(self._seen, int(out.get("header", {}).get("revision", 0)))
            return out
        raise AssertionError("unreachable")

    def compact(self, revision: int) -> int:
        """Compact etcd itself (POST /v3/kv/compaction, what kube-apiserver's compactor asks for) and this store's
        replay log; a revision etcd has compacted already is fine (ErrCompacted is what the compactor ignores)."""
        if revision <= self.compacted:
            return 0
        try:
            self._call("/v3/kv/compaction", {"revision": str(revision)})
        except EtcdUnavailable as err:
            if "compacted" not in str(err):
                raise
        return super().compact(revision)

    def _resume(self) -> None:
        """etcd answered nothing for a while: fan out, in order, the changes under /registry/ it committed after the
        last revision this store saw. If that history is compacted already, nothing can be replayed."""
        self._lost = False                      # the probe below is a plain call
        start = self._seen
        try:
            current = self.revision
            events = self._changes(start + 1, current) if current > start else []
        except (EtcdUnavailable, OSError, http.client.HTTPException, ValueError) as err:
            self._seen, self._lost = start, True
            raise EtcdUnavailable(f"etcd at {self.url}: {err}") from None
        for event in events:
            self._emit(event)

    def _changes(self, start: int, end: int) -> list[WatchEvent]:
        """The changes of revisions start..end under /registry/, read from a watch of the whole keyspace started
        at `start` (every revision has an event, so reading stops at `end`)."""
        conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        try:
            body = {"create_request": {"key": _b64("\0"), "range_end": _b64("\0"), "start_revision": str(start),
                                       "prev_kv": True}}
            conn.request("POST", "/v3/watch", json.dumps(body).encode(), {"Content-Type": "application/json"})
            resp = conn.getresponse()
            if resp.status != 200:
                raise EtcdUnavailable(f"etcd at {self.url}/v3/watch: HTTP {resp.status}")
            out: list[WatchEvent] = []
            last = start - 1
            while last < end:
                line = resp.readline()
                if not line:
                    raise EtcdUnavailable(f"etcd at {self.url}/v3/watch: the stream ended at revision {last}")
                result = json.loads(line).get("result", {})
                if result.get("canceled") or result.get("compact_revision"):
                    return []                   # compacted: those changes are gone (see the docstring)
                for raw in result.get("events", []):
                    event = self._event(raw)
                    last = event.revision
                    if event.kv.key.startswith(PREFIX):
                        out.append(event)
            return out
        finally:
            conn.close()

    def _event(self, raw: dict) -> WatchEvent:
        """One event of the gateway's watch stream as a WatchEvent (a PUT with version 1 is an ADDED)."""
        prev = self._kv(raw["prev_kv"]) if raw.get("prev_kv") else None
        if raw.get("type") == "DELETE":
            rev = int(raw["kv"]["mod_revision"])
            key = _unb64(raw["kv"]["key"])
            return WatchEvent("DELETED", KeyValue(key, prev.value if prev else None, 0, rev, 0), prev, rev)
        kv = self._kv(raw["kv"])
        return WatchEvent("ADDED" if kv.version == 1 else "MODIFIED", kv, prev, kv.mod_revision)

    @staticmethod
    def _kv(raw: dict) -> KeyValue:
        value = json.loads(base64.b64decode(raw["value"])) if raw.get("value") else None
        return KeyValue(_unb64(raw["key"]), value, int(raw.get("create_revision", 0)),
                        int(raw.get("mod_revision", 0)), int(raw.get("version", 0)))

    @staticmethod
    def _encode(value: Any) -> str:
        return _b64(json.dumps(value, separators=(",", ":")))

    # --- reads ----------------------------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        """The store's current revision (the header of a range request)."""
        return int(self._call("/v3/kv/range", {"key": _b64(PREFIX), "keys_only": True, "limit": 1})
                   ["header"]["revision"])

    def get(self, key: str) -> KeyValue | None:
        kvs = self._call("/v3/kv/range", {"key": _b64(key)}).get("kvs")
        return self._kv(kvs[0]) if kvs else None

    def keys(self, prefix: str = "") -> list[str]:
        body = {"key": _b64(prefix or "\0"), "range_end": prefix_end(prefix) if prefix else _b64("\0"),
                "keys_only": True}
        keys = [_unb64(kv["key"]) for kv in self._call("/v3/kv/range", body).get("kvs", [])]
        return [k for k in keys if k != MARKER]

    def range(self, prefix: str) -> list[KeyValue]:
        body = {"key": _b64(prefix), "range_end": prefix_end(prefix)}
        return [self._kv(kv) for kv in self._call("/v3/kv/range", body).get("kvs", [])]

    def count(self, prefix: str) -> int:
        body = {"key": _b64(prefix), "range_end": prefix_end(prefix), "count_only": True}
        return int(self._call("/v3/kv/range", body).get("count", 0))

    # --- writes ---------------------------------------------------------------------------------------------

    def _txn(self, key: str, expected: int | None, op: dict) -> dict:
        """One transaction: `op` if the key's mod_revision is `expected` (or always), else read the key."""
        compare = [] if expected is None else [
            {"key": _b64(key), "target": "MOD", "result": "EQUAL", "mod_revision": str(expected)}]
        out = self._call("/v3/kv/txn", {"compare": compare, "success": [op],
                                        "failure": [{"request_range": {"key": _b64(key)}}]})
        if not out.get("succeeded"):
            kvs = out["responses"][0]["response_range"].get("kvs") or []
            raise CompareFailed(key, expected or 0, int(kvs[0]["mod_revision"]) if kvs else 0)
        return out

    def put(self, key: str, value: Any, expected_mod_revision: int | None = None) -> KeyValue:
        """Write `value`; with `expected_mod_revision` (0: must not exist) it is a compare-and-swap."""
        out = self._txn(key, expected_mod_revision,
                        {"request_put": {"key": _b64(key), "value": self._encode(value), "prev_kv": True}})
        rev = int(out["header"]["revision"])
        raw_prev = out["responses"][0]["response_put"].get("prev_kv")
        prev = self._kv(raw_prev) if raw_prev else None
        kv = KeyValue(key, value, prev.create_revision if prev else rev, rev, prev.version + 1 if prev else 1)
        self._emit(WatchEvent("ADDED" if prev is None else "MODIFIED", kv, prev, rev))
        return kv

    def delete(self, key: str, expected_mod_revision: int | None = None) -> KeyValue | None:
        try:
            out = self._txn(key, expected_mod_revision,
                            {"request_delete_range": {"key": _b64(key), "prev_kv": True}})
        except CompareFailed as err:
            if err.actual == 0:                         # nothing to delete, as with the embedded store
                return None
            raise
        prevs = out["responses"][0]["response_delete_range"].get("prev_kvs") or []
        if not prevs:
            return None
        prev = self._kv(prevs[0])
        rev = int(out["header"]["revision"])
        self._emit(WatchEvent("DELETED", KeyValue(key, prev.value, 0, rev, 0), prev, rev))
        return prev


__all__ = ["EtcdUnavailable", "RemoteEtcd", "prefix_end"]
