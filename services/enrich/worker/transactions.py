"""Exactly-once enrichment (NEWSWIRE_PROCESSING_GUARANTEE=exactly_once): one Kafka transaction per batch
and raw partition.

Everything a batch from raw partition p writes (enriched records, dead letters, copy-index entries) and
the consumer offset it reaches are committed together by p's transactional producer: a `read_committed`
subscriber sees all of it once, or nothing. The transactional id is fixed per partition
(`{group}-{raw topic}-{p}`): the worker that takes p next starts a producer with the same id, and
`init_transactions` aborts a dead owner's open transaction and fences a live one, so a worker that lost
p cannot commit its batch as well. aiokafka has no KIP-447 group-metadata fencing, so this is the
scheme Kafka used before it, one id per input partition.

Faust's own exactly_once mode routes each send by the partition group of its *output* topic, which
topics nobody subscribes to (enriched, DLQ, copy index) do not have; hence this small manager.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import ProducerFenced
from aiokafka.structs import TopicPartition

from services.common.logs import get_logger

log = get_logger("newswire.enrich")

_CURRENT: contextvars.ContextVar[AIOKafkaProducer] = contextvars.ContextVar("transactional_producer")


class Fenced(Exception):
    """Another worker owns the partition now: this batch was aborted, and that worker will redo it."""


class PartitionTransactions:
    def __init__(
        self, new_producer: Callable[[str], AIOKafkaProducer], group_id: str, raw_topic: str
    ) -> None:
        self._new_producer = new_producer
        self.group_id = group_id
        self.raw_topic = raw_topic
        self._producers: dict[int, AIOKafkaProducer] = {}
        # A partition revoked while its batch is in a transaction is stopped only once that batch is
        # committed (the rebalance waits for it), never under it: a producer stopped mid-transaction
        # failed the batch's sends ("not in transaction") and took the worker down.
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    def transactional_id(self, partition: int) -> str:
        return f"{self.group_id}-{self.raw_topic}-{partition}"

    async def assigned(self, partitions: Iterable[int]) -> None:
        """Start (and so fence every earlier owner of) the producers of newly assigned partitions,
        before the consumer fetches from them."""
        for partition in sorted(set(partitions)):
            async with self._locks[partition]:
                if partition not in self._producers:
                    await self._start(partition)

    async def revoked(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            async with self._locks[partition]:
                await self._stop(partition)

    async def close(self) -> None:
        await self.revoked(list(self._producers))

    async def run(self, partition: int, next_offset: int, body: Callable[[], Awaitable[None]]) -> None:
        """`body` sends through `sender(...)` functions; its sends and the offset commit are one transaction.

        Raises Fenced when another worker took the partition; any other error aborts and is re-raised.
        """
        async with self._locks[partition]:
            producer = self._producers.get(partition)
            if producer is None:  # revoked since the batch was fetched: its new owner will redo it
                raise Fenced(f"partition {partition} of {self.raw_topic} is no longer assigned here")
            token = _CURRENT.set(producer)
            try:
                await producer.begin_transaction()
                try:
                    await body()
                    await producer.send_offsets_to_transaction(
                        {TopicPartition(self.raw_topic, partition): next_offset}, self.group_id
                    )
                    await producer.commit_transaction()
                except ProducerFenced as exc:
                    await self._stop(partition)
                    raise Fenced(f"{self.transactional_id(partition)} is fenced: {exc}") from exc
                except BaseException:
                    with contextlib.suppress(Exception):
                        await producer.abort_transaction()
                    raise
            finally:
                _CURRENT.reset(token)

    async def _start(self, partition: int) -> AIOKafkaProducer:
        producer = self._new_producer(self.transactional_id(partition))
        await producer.start()  # init_transactions: bumps the epoch, aborting what an old owner left open
        self._producers[partition] = producer
        return producer

    async def _stop(self, partition: int) -> None:
        producer = self._producers.pop(partition, None)
        if producer is not None:
            with contextlib.suppress(Exception):
                await producer.stop()


def transactional_sender(topic: str) -> Callable[[bytes, bytes], Awaitable[Awaitable[Any]]]:
    """A BatchProcessor send for `topic` through the transaction of the batch being processed."""

    async def send(key: bytes, value: bytes) -> Awaitable[Any]:
        # Returns once queued; the future resolves when the broker has the record (not yet committed).
        return await _CURRENT.get().send(topic, value=value, key=key)

    return send
