"""Publishes raw article records to Kafka and waits for the acknowledgement of every one."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaProducer

from services.common.serialization import dumps
from services.ingest.exceptions import KafkaUnavailable
from services.ingest.metrics import IngestMetrics


class ArticlePublisher:
    """Thread-safe (kafka-python's producer is); the HTTP layer calls it from worker threads."""

    def __init__(self, producer: KafkaProducer, topic: str, metrics: IngestMetrics, timeout_s: float) -> None:
        self._producer = producer
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
        pending = []
        failed: list[str] = []
        reason = ""
        for record in records:
            try:
                future = self._producer.send(self._topic, key=record["id"].encode(), value=dumps(record))
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
            raise KafkaUnavailable(f"Kafka did not acknowledge {len(failed)} of {len(records)} "
                                   f"article(s): {reason}", accepted, failed)
        return accepted

    def close(self, timeout_s: float = 10.0) -> None:
        self._producer.flush(timeout=timeout_s)
        self._producer.close(timeout=timeout_s)
