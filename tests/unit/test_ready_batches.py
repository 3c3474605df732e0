"""ready_batches: a lone event at once, a backlog in batches up to the size, acks after the batch."""

from __future__ import annotations

import asyncio

import pytest

from services.enrich.worker.ready_batches import ready_batches


class FakeStream:
    """What ready_batches uses of a Faust stream: noack(), events() and ack()."""

    def __init__(self) -> None:
        self.incoming: asyncio.Queue = asyncio.Queue()
        self.acked: list[str] = []

    def noack(self) -> FakeStream:
        return self

    async def events(self):
        while True:
            item = await self.incoming.get()
            if isinstance(item, BaseException):
                raise item
            yield item

    async def ack(self, event: str) -> bool:
        self.acked.append(event)
        return True


async def test_a_lone_event_comes_out_alone_without_waiting_for_company():
    stream = FakeStream()
    batches = ready_batches(stream, 8)
    stream.incoming.put_nowait("a")
    assert await asyncio.wait_for(anext(batches), 5) == ["a"]
    stream.incoming.put_nowait("b")
    assert await asyncio.wait_for(anext(batches), 5) == ["b"]
    await batches.aclose()


async def test_a_backlog_comes_out_in_batches_up_to_the_size():
    stream = FakeStream()
    for i in range(11):
        stream.incoming.put_nowait(f"e{i}")
    batches = ready_batches(stream, 8)
    first = await asyncio.wait_for(anext(batches), 5)
    second = await asyncio.wait_for(anext(batches), 5)
    assert first == [f"e{i}" for i in range(8)]
    assert second == ["e8", "e9", "e10"]
    await batches.aclose()


async def test_a_batch_is_acked_only_when_its_body_is_done():
    stream = FakeStream()
    stream.incoming.put_nowait("a")
    stream.incoming.put_nowait("b")
    batches = ready_batches(stream, 8)
    assert await asyncio.wait_for(anext(batches), 5) == ["a", "b"]
    assert stream.acked == []  # the agent is still delivering it
    stream.incoming.put_nowait("c")
    assert await asyncio.wait_for(anext(batches), 5) == ["c"]
    assert stream.acked == ["a", "b"]
    await batches.aclose()  # a shutdown after the agent delivered its batch: acked too
    assert stream.acked == ["a", "b", "c"]


async def test_the_stream_failing_reaches_the_agent_after_what_came_before():
    stream = FakeStream()
    stream.incoming.put_nowait("a")
    stream.incoming.put_nowait(RuntimeError("consumer crashed"))
    batches = ready_batches(stream, 8)
    assert await asyncio.wait_for(anext(batches), 5) == ["a"]
    with pytest.raises(RuntimeError, match="consumer crashed"):
        await asyncio.wait_for(anext(batches), 5)
    assert stream.acked == ["a"]


async def test_closing_stops_the_pump():
    stream = FakeStream()
    stream.incoming.put_nowait("a")
    batches = ready_batches(stream, 8)
    assert await asyncio.wait_for(anext(batches), 5) == ["a"]
    await asyncio.wait_for(batches.aclose(), 5)
    pumps = [t for t in asyncio.all_tasks() if t.get_coro().__qualname__ == "ready_batches.<locals>.pump"]
    assert pumps == []


def test_the_fetch_wait_is_long_only_while_batches_come_full():
    from services.enrich.worker.transport import fetch_wait_ms

    assert fetch_wait_ms(8, 8, idle_ms=10, backlog_ms=100) == 100
    assert [fetch_wait_ms(n, 8, idle_ms=10, backlog_ms=100) for n in (1, 7)] == [10, 10]


def test_the_wait_reaches_the_running_fetcher():
    from types import SimpleNamespace

    from services.enrich.worker.transport import set_fetch_wait

    fetcher = SimpleNamespace(_fetch_max_wait_ms=10)
    consumer = SimpleNamespace(_thread=SimpleNamespace(_consumer=SimpleNamespace(_fetcher=fetcher)))
    set_fetch_wait(consumer, 100)
    assert fetcher._fetch_max_wait_ms == 100
    set_fetch_wait(SimpleNamespace(_thread=SimpleNamespace(_consumer=None)), 10)  # not started: a no-op
