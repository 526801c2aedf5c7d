"""What the HTTP layer needs of the running server (`app.Server`), so it can serve without importing it: the
cluster, held still by `call`; the listen address; and whether the server is stopping.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..cluster import Cluster


class Backend(Protocol):
    """The served cluster behind the HTTP layer."""

    cluster: Cluster
    address: str
    port: int
    stopping: threading.Event

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run `fn` with the cluster held still."""
        ...


async def in_worker(server: Backend, pool: ThreadPoolExecutor, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run `fn` in a worker thread with the cluster held still, so the event loop never waits on the lock."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool, lambda: server.call(fn, *args, **kwargs))


__all__ = ["Backend", "in_worker"]
