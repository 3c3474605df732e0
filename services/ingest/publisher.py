"""Publishes raw article records to Kafka and waits for the acknowledgement of every one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaProducer

from services.common.logs import get_logger
from services.common.serialization import dumps
from services.ingest.exceptions import KafkaUnavailable
from services.ingest.metrics import IngestMetrics

log = get_logger("newswire.ingest.publisher")


class ArticlePublisher:
    """Thread-safe (kafka-python's producer is); the HTTP layer calls it from worker threads."""

    def __init__(
        self,
        producer_factory: Callable[[], KafkaProducer],
        topic: str,
        metrics: IngestMetrics,
        timeout_s: float,
    ) -> None:
        # Created on first use: kafka-python's constructor fails when no broker answers, and the service
        # must still start, answer /healthz, and say 503 until Kafka is back.
        self._producer_factory = producer_factory
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()
        self._topic = topic
        self._metrics = metrics
        self._timeout_s = timeout_s

    def publish(self, records: list[dict[str, Any]], source: str) -> list[str]:
        """Send every record keyed by id and return the ids once Kafka acknowledged all of them.

        Raises KafkaUnavailable listing which ids were acknowledged and which were not: an
        acknowledged record is durable, and re-sending it is harmless (same id, consumers dedupe).
        """
        started = time.perf_counter()
        deadline = started + self._timeout_s
        try:
            producer = self._ensure_producer()
        except Exception as exc:
            ids = [r["id"] for r in records]
            raise KafkaUnavailable(f"cannot connect to Kafka: {type(exc).__name__}: {exc}", [], ids) from exc
        pending = []
        failed: list[str] = []
        reason = ""
        for record in records:
            try:
                future = producer.send(self._topic, key=record["id"].encode(), value=dumps(record))
                pending.append((record["id"], future))
            except Exception as exc:  # metadata unavailable within max_block_ms, buffer full, ...
                failed.append(record["id"])
                reason = reason or f"{type(exc).__name__}: {exc}"
        accepted: list[str] = []
        for article_id, future in pending:
            try:
                future.get(timeout=max(0.0, deadline - time.perf_counter()))
                accepted.append(article_id)
            except Exception as exc:
                failed.append(article_id)
                reason = reason or f"{type(exc).__name__}: {exc}"
        self._metrics.publish_duration.observe(time.perf_counter() - started)
        if accepted:
            self._metrics.published.labels(source).inc(len(accepted))
        if failed:
            self._discard(producer)
            raise KafkaUnavailable(
                f"Kafka did not acknowledge {len(failed)} of {len(records)} article(s): {reason}",
                accepted,
                failed,
            )
        return accepted

    def _ensure_producer(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = self._producer_factory()
            return self._producer

    def _discard(self, producer: KafkaProducer) -> None:
        """Drop a producer that failed so the next publish starts a fresh one.

        A broker that restarted has forgotten this producer's idempotence id and sequence numbers, and
        kafka-python keeps retrying against that stale state; a new producer is the reliable way back.
        """
        with self._lock:
            if self._producer is not producer:
                return  # another thread already replaced it
            self._producer = None
        # In a thread: closing waits for the I/O thread, and the caller is answering a request.
        threading.Thread(target=self._close_quietly, args=(producer, 1.0), daemon=True).start()

    def close(self, timeout_s: float = 5.0) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            self._close_quietly(producer, timeout_s)

    @staticmethod
    def _close_quietly(producer: KafkaProducer, timeout_s: float) -> None:
        # Shutting down with Kafka away must not fail the shutdown: the records a flush could not
        # deliver were never acknowledged, so their senders were already told (503 / file kept).
        try:
            producer.flush(timeout=timeout_s)
        except Exception as exc:
            log.warning("producer_flush_failed", error=f"{type(exc).__name__}: {exc}")
        try:
            producer.close(timeout=timeout_s)
        except Exception as exc:
            log.warning("producer_close_failed", error=f"{type(exc).__name__}: {exc}")
