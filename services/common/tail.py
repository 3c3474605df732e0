"""Follow a topic and print its records as JSON lines (what `newswire tail` and `newswire up` show)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from services.common.kafka import client_options
from services.common.serialization import dumps, loads
from services.common.settings import Settings


def follow(
    settings: Settings,
    topic: str,
    *,
    from_beginning: bool,
    idle_timeout_s: float = 0,
    stop: Callable[[], bool] = lambda: False,
    meta: bool = False,
) -> Iterator[Any]:
    """Yields decoded values, or with `meta` each wrapped with its partition, offset, key and timestamp.

    No consumer group: looking must not take partitions from real consumers."""
    consumer = KafkaConsumer(
        **client_options(settings),
        enable_auto_commit=False,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        # Under exactly_once, what a subscriber sees: committed batches, never an aborted one.
        isolation_level="read_committed"
        if settings.processing_guarantee == "exactly_once"
        else "read_uncommitted",
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        deadline = time.monotonic() + 10
        while not partitions and time.monotonic() < deadline:
            time.sleep(0.2)
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        (consumer.seek_to_beginning if from_beginning else consumer.seek_to_end)(*tps)
        idle_since = time.monotonic()
        while not stop():
            batch = consumer.poll(timeout_ms=200)
            if not batch:
                if idle_timeout_s and time.monotonic() - idle_since > idle_timeout_s:
                    return
                continue
            idle_since = time.monotonic()
            for records in batch.values():
                for record in records:
                    try:
                        value = loads(record.value)
                    except Exception:
                        value = {"undecodable": record.value.decode("utf-8", "replace")}
                    yield _with_meta(record, value) if meta else value
    finally:
        consumer.close()


def _with_meta(record: Any, value: Any) -> dict[str, Any]:
    return {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp_ms": record.timestamp,
        "key": record.key.decode("utf-8", "replace") if record.key is not None else None,
        "value": value,
    }


def tail(
    settings: Settings,
    *,
    topic: str,
    from_beginning: bool,
    limit: int,
    idle_timeout_s: float,
    meta: bool = False,
) -> int:
    name = {"enriched": settings.topic_enriched, "raw": settings.topic_raw, "dlq": settings.topic_dlq}[topic]
    records = follow(settings, name, from_beginning=from_beginning, idle_timeout_s=idle_timeout_s, meta=meta)
    for count, value in enumerate(records, start=1):
        sys.stdout.buffer.write(dumps(value) + b"\n")
        sys.stdout.flush()
        if limit and count >= limit:
            break
    return 0
