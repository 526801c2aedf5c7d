"""client-go's flowcontrol.Backoff as the kubelet uses it: a per-key delay that doubles up to a cap, no jitter.

The kubelet keeps two: CrashLoopBackOff (key pod+container, 10 s doubling to 300 s) and image pulls (key
podUID_image, the same numbers). An entry is forgotten once nothing happened for 2 × the cap (600 s).
"""

from __future__ import annotations

from dataclasses import dataclass

BACKOFF_PERIOD = 10.0           # kubelet.go backOffPeriod
MAX_CONTAINER_BACKOFF = 300.0   # kubelet.go MaxContainerBackOff
EPSILON = 1e-6                  # virtual times are floats: 12.41 + 20 - 12.41 must not fall short of 20


@dataclass
class _Entry:
    backoff: float
    last_update: float


class Backoff:
    """flowcontrol.Backoff: Next doubles (or starts) the delay, IsInBackOffSince asks whether it is still running."""

    def __init__(self, initial: float = BACKOFF_PERIOD, maximum: float = MAX_CONTAINER_BACKOFF):
        self.initial, self.maximum = initial, maximum
        self.entries: dict[str, _Entry] = {}

    def get(self, key: str) -> float:
        """The current delay for `key` (0 when there is none)."""
        entry = self.entries.get(key)
        return entry.backoff if entry else 0.0

    def next(self, key: str, event_time: float) -> float:
        """Next: start at the initial delay, or double it (capped); remember when."""
        entry = self.entries.get(key)
        if entry is None or self._expired(event_time, entry.last_update):
            entry = self.entries[key] = _Entry(self.initial, event_time)
        else:
            entry.backoff = min(entry.backoff * 2, self.maximum)
            entry.last_update = event_time
        return entry.backoff

    def is_in_backoff_since(self, key: str, event_time: float, now: float) -> bool:
        """IsInBackOffSince: fewer than `backoff` seconds have passed since `event_time` (e.g. finishedAt)."""
        entry = self.entries.get(key)
        if entry is None or self._expired(event_time, entry.last_update):
            return False
        return now - event_time < entry.backoff - EPSILON

    def is_in_backoff_since_update(self, key: str, now: float) -> bool:
        """IsInBackOffSinceUpdate: fewer than `backoff` seconds have passed since the last Next."""
        entry = self.entries.get(key)
        if entry is None or self._expired(now, entry.last_update):
            return False
        return now - entry.last_update < entry.backoff - EPSILON

    def until(self, key: str) -> float:
        """When the current back-off window (counted from the last Next) closes."""
        entry = self.entries.get(key)
        return entry.last_update + entry.backoff if entry else 0.0

    def _expired(self, event_time: float, last_update: float) -> bool:
        return event_time - last_update > 2 * self.maximum
