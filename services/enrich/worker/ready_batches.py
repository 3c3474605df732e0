"""Batches of the raw events that are ready: a lone article is enriched at once, a backlog in batches.

Faust's `take_events(max, within)` waits for a full batch or for `within` seconds. Its timer runs
whether or not anything came: at 1 ms it woke the worker a thousand times a second (a third of an idle
worker's CPU, and GIL time taken from NER), and a lone article still waited for it. Here a pump moves
events from the stream into a bounded queue as Faust delivers them; a batch starts as soon as one is
there and takes the others that are already in, up to `max_size`. No timer: batches grow only when the
queue does, which is when batching pays (issue 11).

Acknowledgements are as with `take_events`: a batch's events are acked when the loop body that took it
ends, and the agent delays that end until the batch is delivered (app.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import faust
from faust.types import EventT


class _PumpStopped:
    def __init__(self, error: BaseException | None) -> None:
        self.error = error


async def ready_batches(stream: faust.StreamT, max_size: int) -> AsyncIterator[list[EventT]]:
    manual = stream.noack()
    queue: asyncio.Queue[EventT | _PumpStopped] = asyncio.Queue(maxsize=max_size)

    async def pump() -> None:
        error: BaseException | None = None
        try:
            async for event in manual.events():
                await queue.put(event)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the agent, which crashes as Faust would
            error = exc
        await queue.put(_PumpStopped(error))

    task = asyncio.ensure_future(pump())
    try:
        while True:
            batch = [await queue.get()]
            # Events Faust has already fetched reach the queue one per loop turn: take turns while it
            # grows, so a backlog comes out as one batch and not as a batch of one and the rest.
            while len(batch) + queue.qsize() < max_size:
                seen = queue.qsize()
                await asyncio.sleep(0)
                if queue.qsize() == seen:
                    break
            while len(batch) < max_size and not queue.empty():
                batch.append(queue.get_nowait())
            # The pump's last word, if it came, is the last item: nothing is queued after it.
            stopped = batch.pop() if isinstance(batch[-1], _PumpStopped) else None
            try:
                if batch:
                    yield batch
            finally:
                for event in batch:
                    await manual.ack(event)
            if stopped is not None:
                if stopped.error is not None:
                    raise stopped.error
                return
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
