"""The copy index (copies.CopyIndex), kept in a Kafka topic that every worker reads whole.

Each worker writes one entry per article it enriches to the index topic, keyed by article id, and every
worker replays that topic into its own CopyIndex at start and follows it afterwards: the pattern of Kafka
Streams' global tables. So the index survives a kill -9 (it is replayed), and a worker finds copies of
articles that another worker of the group enriched, as soon as their entries reach it (the README gives
the guarantees).

Why not a Faust GlobalTable: Faust's own docstring warns that one shared by several instances "may cause
an app to be stuck in an infinite recovery loop", and a table's recovery pauses the agents on every
rebalance. This reader runs beside the agents and never stops them.

Why a kafka-python consumer in a thread, outside the group: every worker needs every partition, so none
may be shared out by a group; a thread keeps the replay off the event loop that serves heartbeats.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from services.common.logs import get_logger
from services.enrich.copies.rule import CopyIndex, Entry, Fingerprint, check_copy, decode_entry

log = get_logger("newswire.enrich.copies")
EXPIRE_EVERY_S = 60.0
PARTITIONS_EVERY_S = 30.0


@dataclass
class CopyStage:
    """The worker's copy check: one lock around the index, shared by the stage and the replica reader."""

    index: CopyIndex
    window_s: float
    clock: Callable[[], float] = time.time
    lock: threading.Lock = field(default_factory=threading.Lock)
    caught_up: threading.Event = field(default_factory=threading.Event)

    def check(self, record: dict[str, Any], fp: Fingerprint | None) -> Entry | None:
        """Marks the record (copies.check_copy) and indexes it at once, so a copy later in the same batch,
        or before its entry comes back from the topic, is found."""
        with self.lock:
            entry = check_copy(record, fp, self.index, self.clock())
            if entry is not None:
                self.index.add(entry)
        return entry

    def apply(self, payload: bytes | None) -> bool:
        """An entry read from the topic; False when it is expired or unreadable (a reader must not stop)."""
        if payload is None:
            return False
        try:
            entry = decode_entry(payload)
        except ValueError as exc:
            log.warning("copy_index_entry_unreadable", reason=str(exc)[:300])
            return False
        # Brokers that ignore the topic's retention (the embedded one) keep old entries: skip them here.
        if entry.seen_at < self.clock() - self.window_s:
            return False
        with self.lock:
            self.index.add(entry)
        return True

    def expire(self) -> int:
        with self.lock:
            return self.index.expire(self.clock())

    def __len__(self) -> int:
        return len(self.index)


class ReplicaReader:
    """Follows the index topic from its beginning, in a daemon thread, into a CopyStage."""

    def __init__(
        self,
        stage: CopyStage,
        topic: str,
        consumer_options: dict[str, Any],
        on_size: Callable[[int], None] = lambda n: None,
        on_start: Callable[[], None] = lambda: None,
        on_replayed: Callable[[], None] = lambda: None,
    ) -> None:
        self.stage = stage
        self.topic = topic
        self.options = consumer_options
        self.on_size = on_size
        self.on_start = on_start
        self.on_replayed = on_replayed
        self.replayed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="copy-index-reader", daemon=True)

    def start(self) -> ReplicaReader:
        if not self._thread.is_alive():  # an agent restarted by Faust starts it again
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            consumer = None
            try:
                self.on_start()
                consumer = KafkaConsumer(
                    **self.options, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest"
                )
                self._follow(consumer)
            except Exception as exc:  # an outage: the client retries inside; this is what got through
                log.warning("copy_index_reader_failed", reason=f"{type(exc).__name__}: {exc}"[:300])
                self._stop.wait(2.0)
            finally:
                if consumer is not None:
                    with contextlib.suppress(Exception):
                        consumer.close()

    def _follow(self, consumer: KafkaConsumer) -> None:
        assigned: set[TopicPartition] = set()
        targets: dict[TopicPartition, int] = {}
        next_partitions = next_expiry = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_partitions:
                partitions = consumer.partitions_for_topic(self.topic) or set()
                new = {TopicPartition(self.topic, p) for p in partitions} - assigned
                if new:
                    assigned |= new
                    consumer.assign(sorted(assigned))
                    consumer.seek_to_beginning(*new)
                    if not self.stage.caught_up.is_set():
                        targets.update(consumer.end_offsets(list(new)))
                next_partitions = now + PARTITIONS_EVERY_S
            polled = consumer.poll(timeout_ms=200, max_records=2000)
            for records in polled.values():
                for record in records:
                    self.replayed += self.stage.apply(record.value)
            if now >= next_expiry:
                self.stage.expire()
                next_expiry = now + EXPIRE_EVERY_S
            self.on_size(len(self.stage))
            if (
                assigned
                and not self.stage.caught_up.is_set()
                and not polled
                and self._reached(consumer, targets)
            ):
                self.stage.caught_up.set()
                self.on_replayed()
                log.info("copy_index_replayed", entries=len(self.stage), read=self.replayed)

    @staticmethod
    def _reached(consumer: KafkaConsumer, targets: dict[TopicPartition, int]) -> bool:
        # The embedded broker answers ListOffsets with the last batch's base offset + 1, short of the true
        # end; an empty poll past that target is the other half of "read to the end".
        return all(consumer.position(tp) >= end for tp, end in targets.items())
