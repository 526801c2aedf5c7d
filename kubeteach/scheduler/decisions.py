"""kube-scheduler's scheduling attempts as kubeteach keeps them for lessons and pictures (no Go counterpart: the
real scheduler logs its decisions and forgets them). Bounded, so a long-running `kubeteach serve` does not grow."""

from __future__ import annotations

from collections import deque

from .framework import Decision

#: node rows of Filter/Score tables kept (newest first); older attempts keep their outcome only
KEEP_TABLE_ROWS = 100_000
#: deleted pods whose decisions are kept (the most recently deleted); older ones are forgotten
KEEP_DELETED_PODS = 1_000


class Decisions(dict[str, list[Decision]]):
    """The attempts by pod key (`namespace/name`), oldest first; the per-node tables of the latest attempts only."""

    def __init__(self) -> None:
        super().__init__()
        self.keep_table_rows = KEEP_TABLE_ROWS
        self.tables: deque[Decision] = deque()
        self.table_rows = 0
        self._deleted: deque[str] = deque()
        self._forgotten = 0                  # decisions in `tables` compacted since they went in

    def add(self, d: Decision) -> None:
        """A new attempt."""
        self.setdefault(d.pod, []).append(d)

    def keep_tables(self, d: Decision) -> None:
        """Keep the per-node tables of `d`, and of the latest attempts before it, at most `keep_table_rows` node
        rows in all; older attempts are compacted (a 1000-node cluster filters hundreds of nodes per pod)."""
        self.tables.append(d)
        self.table_rows += len(d.filters)
        while self.table_rows > self.keep_table_rows and len(self.tables) > 1:
            old = self.tables.popleft()
            if old.compacted:
                self._forgotten -= 1
                continue
            self.table_rows -= len(old.filters)
            old.compact()

    def pod_deleted(self, key: str, recreated) -> None:
        """Keep the decisions of the last KEEP_DELETED_PODS deleted pods; forget older ones and their tables
        (`recreated(key)`: a pod of that name exists again, so its attempts go on)."""
        self._deleted.append(key)
        if len(self._deleted) <= KEEP_DELETED_PODS:
            return
        key = self._deleted.popleft()
        if recreated(key):
            return
        for d in self.pop(key, ()):
            if d.filters:                      # its tables are still in `tables`
                self.table_rows -= len(d.filters)
                self._forgotten += 1
                d.compact()
        if self._forgotten * 2 > len(self.tables):
            self.tables = deque(d for d in self.tables if not d.compacted)
            self._forgotten = 0
