"""A bounded number of publishes in flight, each on a thread of its own: beyond the bound, refuse at once.

kafka-python blocks its caller until Kafka answers, so a publish that waits in the caller needs a thread
(`run`); one that sends from the event loop and awaits the acknowledgement (`run_async`) takes a slot only. The event loop's
default executor has min(32, cores + 4) threads, six on these machines: the seventh concurrent request
waited in its queue for a thread, and health checks waited behind it. Here the pool is exactly as wide
as the bound, so an admitted publish never waits for a thread, and a refused one is answered in
microseconds with a 503 that says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from services.ingest.exceptions import Overloaded
from services.ingest.metrics import IngestMetrics

T = TypeVar("T")


class PublishSlots:
    def __init__(self, limit: int, metrics: IngestMetrics) -> None:
        self._limit = limit
        self._free = limit
        self._metrics = metrics
        self._executor = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="newswire-publish")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Runs `fn(*args)` on a publish thread; raises Overloaded at once when every slot is taken."""
        loop = asyncio.get_running_loop()
        self._take()
        future: Future[T] = self._executor.submit(fn, *args)
        # Freed when the thread is done, not when the request is: a client that hangs up does not
        # make room for a thread that is still busy.
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(self._release))
        return await asyncio.wrap_future(future)

    async def run_async(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Awaits `fn(*args)` on the event loop, within the same bound as `run`."""
        self._take()
        try:
            return await fn(*args)
        finally:
            self._release()

    def _take(self) -> None:
        if self._free <= 0:
            raise Overloaded(f"{self._limit} publishes are already waiting for Kafka; retry shortly")
        self._free -= 1
        self._metrics.publishes_in_flight.inc()

    def _release(self) -> None:
        self._free += 1
        self._metrics.publishes_in_flight.dec()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
