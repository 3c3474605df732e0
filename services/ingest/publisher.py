"""Publishes raw article records to Kafka and waits for the acknowledgement of every one."""

from __future__ import annotations

import time
from typing import Any

from services.common.serialization import dumps
from services.ingest.exceptions import KafkaUnavailable
from services.ingest.kafka_link import KafkaLink
from services.ingest.metrics import IngestMetrics


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
        pending = []
        failed: list[str] = []
        reason = ""
        for record in records:
            if reason or time.perf_counter() >= deadline:
                failed.append(record["id"])  # after the first failure, or out of time: don't queue more
                reason = reason or "publish timeout reached before the article was sent"
                continue
            try:
                # Blocks at most max_block_ms (= the publish timeout) when metadata or buffer space is missing.
                future = producer.send(self._topic, key=record["id"].encode(), value=dumps(record))
                pending.append((record["id"], future))
            except Exception as exc:
                failed.append(record["id"])
                reason = f"{type(exc).__name__}: {exc}"
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
            self._link.failed(producer, reason)
            raise KafkaUnavailable(
                f"Kafka did not acknowledge {len(failed)} of {len(records)} article(s): {reason}",
                accepted,
                failed,
                retry_after_s=self._link.retry_after_s(),
            )
        return accepted
