"""Publishes raw article records to Kafka and waits for the acknowledgement of every one."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from kafka import KafkaProducer

from services.common.serialization import dumps
from services.ingest.exceptions import KafkaUnavailable
from services.ingest.metrics import IngestMetrics
from services.ingest.publishing.kafka_link import KafkaLink


class ArticlePublisher:
    """Thread-safe (kafka-python's producer is); the HTTP layer calls it from worker threads."""

    def __init__(self, link: KafkaLink, topic: str, metrics: IngestMetrics, timeout_s: float) -> None:
        self._link = link
        self._topic = topic
        self._metrics = metrics
        self._timeout_s = timeout_s

    def publish(self, records: list[dict[str, Any]], source: str) -> list[str]:
        """Send every record keyed by id and return the ids once Kafka acknowledged all of them.

        Returns or raises within the publish timeout: one deadline covers queueing and acknowledgement.
        Raises KafkaUnavailable listing which ids were acknowledged and which were not: an acknowledged
        record is durable, and re-sending it is harmless (same id, consumers dedupe).
        """
        started = time.perf_counter()
        deadline = started + self._timeout_s
        producer = self._link.producer([r["id"] for r in records])  # at once, when Kafka is known away
        pending, failed, reason = self._send(producer, records, deadline)
        accepted: list[str] = []
        for article_id, future in pending:
            try:
                future.get(timeout=max(0.0, deadline - time.perf_counter()))
                accepted.append(article_id)
            except Exception as exc:
                failed.append(article_id)
                reason = reason or f"{type(exc).__name__}: {exc}"
        return self._settle(producer, records, source, started, accepted, failed, reason)

    def can_publish_on_loop(self) -> bool:
        """True when `publish_async` would not block: the producer knows the topic's partitions.

        Otherwise kafka-python's send() waits for metadata (up to the publish timeout), which must
        happen on a publish thread, never on the event loop.
        """
        producer = self._link.current()
        # kafka-python has no public non-blocking form of this question; partitions_for() blocks.
        return producer is not None and producer._metadata.partitions_for_topic(self._topic) is not None

    async def publish_async(self, records: list[dict[str, Any]], source: str) -> list[str]:
        """`publish` without a thread: sends from the event loop and awaits the acknowledgements.

        For the common case (a few articles, metadata known: `can_publish_on_loop`), where handing each
        request to a thread and back cost more than the publish itself (issue 11's profile).
        """
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        deadline = started + self._timeout_s
        producer = self._link.producer([r["id"] for r in records])
        pending, failed, reason = self._send(producer, records, deadline)
        acks = [_on_loop(loop, future) for _, future in pending]
        if acks:
            await asyncio.wait(acks, timeout=max(0.0, deadline - time.perf_counter()))
        accepted: list[str] = []
        for (article_id, _), ack in zip(pending, acks, strict=True):
            if ack.done() and ack.exception() is None:
                accepted.append(article_id)
                continue
            failed.append(article_id)
            if not ack.done():
                ack.cancel()
                reason = reason or f"no acknowledgement within the publish timeout ({self._timeout_s:g}s)"
            else:
                exc = ack.exception()
                reason = reason or f"{type(exc).__name__}: {exc}"
        return self._settle(producer, records, source, started, accepted, failed, reason)

    def _send(
        self, producer: KafkaProducer, records: list[dict[str, Any]], deadline: float
    ) -> tuple[list[tuple[str, Any]], list[str], str]:
        """Queues every record in the producer: (id, kafka future) pairs, the ids not queued, why."""
        pending = []
        failed: list[str] = []
        reason = ""
        for record in records:
            if reason or time.perf_counter() >= deadline:
                failed.append(record["id"])  # after the first failure, or out of time: don't queue more
                reason = reason or "publish timeout reached before the article was sent"
                continue
            try:
                # Blocks at most max_block_ms (= the publish timeout) when metadata is missing.
                future = producer.send(self._topic, key=record["id"].encode(), value=dumps(record))
                pending.append((record["id"], future))
            except Exception as exc:
                failed.append(record["id"])
                reason = f"{type(exc).__name__}: {exc}"
        return pending, failed, reason

    def _settle(
        self,
        producer: KafkaProducer,
        records: list[dict[str, Any]],
        source: str,
        started: float,
        accepted: list[str],
        failed: list[str],
        reason: str,
    ) -> list[str]:
        self._metrics.publish_duration.observe(time.perf_counter() - started)
        if accepted:
            self._metrics.published.labels(source).inc(len(accepted))
        if failed:
            self._link.failed(producer, reason)
            raise KafkaUnavailable(
                f"Kafka did not acknowledge {len(failed)} of {len(records)} article(s): {reason}",
                accepted,
                failed,
                retry_after_s=self._link.retry_after_s(),
            )
        return accepted


def _on_loop(loop: asyncio.AbstractEventLoop, future: Any) -> asyncio.Future:
    """An asyncio future on `loop` completed by a kafka-python future (resolved on its I/O thread)."""
    ack = loop.create_future()

    def done(result: Any) -> None:
        if not ack.done():
            ack.set_result(result)

    def failed(exc: BaseException) -> None:
        if not ack.done():
            ack.set_exception(exc)

    future.add_callback(lambda result: loop.call_soon_threadsafe(done, result))
    future.add_errback(lambda exc: loop.call_soon_threadsafe(failed, exc))
    return ack
