"""One batch of raw messages in, every one of them out as an enriched record or a dead letter.

The Faust agent only loops and calls `BatchProcessor.process`; Kafka sends are injected, so this runs
in unit tests without a broker.

Order: every output of a batch is queued in the producer in input order (which is offset order per raw
partition), enriched records and dead letters alike, and only then are the acknowledgements awaited.
Awaiting each send in turn would cost a round trip per record; starting them all at once (gather) let
sends that waited inside the producer (metadata, a full batch) overtake later ones, so an older version
of a story could land after the newer one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.common.logs import get_logger
from services.common.schemas import Validator
from services.common.serialization import dumps
from services.enrich.copies.rule import Entry, encode_entry
from services.enrich.exceptions import DeliveryFailed, PoisonRecord
from services.enrich.pipeline import Enricher
from services.enrich.worker.copy_replica import CopyStage
from services.enrich.worker.dead_letters import Source, dead_letter
from services.enrich.worker.metrics import EnrichMetrics, origin_label
from services.enrich.worker.raw_records import decode_raw_article

log = get_logger("newswire.enrich")

# (key, value) -> returns once the record is queued in the producer, behind every record queued before
# it; the awaitable it returns completes once Kafka acknowledged the write, and raises otherwise.
Send = Callable[[bytes, bytes], Awaitable[Awaitable[Any]]]


@dataclass(frozen=True)
class RawMessage:
    key: bytes | None
    value: bytes | None
    source: Source


@dataclass(frozen=True)
class Failure:
    """Why one message becomes a dead letter."""

    stage: str
    error_type: str
    reason: str
    article_id: str | None = None


@dataclass
class BatchProcessor:
    enricher: Enricher
    raw_validator: Validator
    enriched_validator: Validator
    metrics: EnrichMetrics
    send_enriched: Send
    send_dead_letter: Send
    max_message_bytes: int
    clock: Callable[[], datetime]
    worker_id: str = ""
    copies: CopyStage | None = None
    """Republication detection; with it, every enriched article's index entry goes to `send_copy_entry`."""
    send_copy_entry: Send | None = None
    last_progress_at: float = field(default_factory=time.time)

    async def process(self, messages: list[RawMessage]) -> None:
        """Returns once every message is acknowledged downstream (enriched or dead-lettered).

        Raises DeliveryFailed if one could be neither: the caller must then stop without committing.
        """
        self.metrics.consumed.inc(len(messages))
        self.metrics.batch_size.observe(len(messages))
        outcomes, entries = await self._outcomes(messages)
        queued = [
            await self._queue(message, outcome) for message, outcome in zip(messages, outcomes, strict=True)
        ]
        # Behind the outputs: an entry is written once its article is, and acknowledged before the commit.
        indexed = [await self._queue_entry(entry) for entry in entries]
        acks = await asyncio.gather(*(ack for _, _, ack in queued), *indexed, return_exceptions=True)
        for (message, outcome, _), ack in zip(queued, acks[: len(queued)], strict=True):
            await self._settle(message, outcome, ack)
        for ack in acks[len(queued) :]:
            self.metrics.copy_index_writes.labels("failed" if isinstance(ack, BaseException) else "ok").inc()
            if isinstance(ack, BaseException):
                # The article went out; only later copies of it may be missed.
                log.warning("copy_index_write_failed", reason=f"{type(ack).__name__}: {ack}"[:300])
        self.last_progress_at = time.time()
        self.metrics.last_progress.set(self.last_progress_at)

    async def _outcomes(
        self, messages: list[RawMessage]
    ) -> tuple[list[dict[str, Any] | Failure], list[Entry]]:
        """An enriched record or a Failure per message, in input order, and the copy-index entries."""
        outcomes: list[dict[str, Any] | Failure] = []
        good: list[tuple[int, RawMessage, dict[str, Any]]] = []
        for message in messages:
            try:
                raw = decode_raw_article(message.value, self.raw_validator, self.max_message_bytes)
            except PoisonRecord as exc:
                outcomes.append(Failure("consume", exc.error_type, exc.reason))
                continue
            good.append((len(outcomes), message, raw))
            outcomes.append(raw)  # replaced by its enrichment below

        started = time.perf_counter()
        # spaCy holds the CPU; a thread keeps heartbeats, metrics and readiness answering meanwhile.
        results = await asyncio.to_thread(self._enrich, [raw for *_, raw in good]) if good else []
        elapsed = time.perf_counter() - started
        entries = []
        for (index, message, raw), (result, entry) in zip(good, results, strict=True):
            self.metrics.enrich_duration.observe(elapsed / len(good))
            outcomes[index] = self._checked(message, raw, result)
            if entry is not None and not isinstance(outcomes[index], Failure):
                entries.append(entry)
        return outcomes, entries

    def _enrich(self, raws: list[dict[str, Any]]) -> list[tuple[dict[str, Any] | Exception, Entry | None]]:
        """Enrichment, then the copy check in input order: a copy later in the batch finds its original."""
        results = self.enricher.enrich_fingerprinted(raws)
        if self.copies is None:
            return [(result, None) for result, _ in results]
        checked: list[tuple[dict[str, Any] | Exception, Entry | None]] = []
        for result, fp in results:
            if isinstance(result, Exception):
                checked.append((result, None))
                continue
            started = time.perf_counter()
            entry = self.copies.check(result, fp)
            spent = time.perf_counter() - started
            self.metrics.copy_check_duration.observe(spent)
            result["enrichment"]["processing_ms"] = round(
                result["enrichment"]["processing_ms"] + spent * 1000, 3
            )
            if result["syndication"].get("copy_of"):
                self.metrics.copies_found.inc()
            checked.append((result, entry))
        self.metrics.copy_index_entries.set(len(self.copies))
        return checked

    def _checked(self, message: RawMessage, raw: dict[str, Any], result: Any) -> dict[str, Any] | Failure:
        if isinstance(result, Exception):
            return Failure("process", "enrichment_failed", f"{type(result).__name__}: {result}", raw["id"])
        # Where the record came from, so a subscriber can drop a redelivered older version (README).
        result["enrichment"]["source"] = {
            "topic": message.source.topic,
            "partition": message.source.partition,
            "offset": message.source.offset,
        }
        problems = self.enriched_validator.errors(result)
        if problems:
            reason = "enriched-article schema: " + "; ".join(f"{p}: {m}" for p, m in problems)
            return Failure("process", "contract_violation", reason, raw["id"])
        return result

    async def _queue(
        self, message: RawMessage, outcome: dict[str, Any] | Failure
    ) -> tuple[RawMessage, dict[str, Any] | Failure, Awaitable[Any]]:
        """Queues the message's output; a send that fails before it is queued fails its acknowledgement."""
        try:
            if isinstance(outcome, Failure):
                ack = await self.send_dead_letter(message.key or b"", dumps(self._letter(message, outcome)))
            else:
                ack = await self.send_enriched(outcome["id"].encode(), dumps(outcome))
        except Exception as exc:
            ack = _failed(exc)
        return message, outcome, ack

    async def _queue_entry(self, entry: Entry) -> Awaitable[Any]:
        try:
            assert self.send_copy_entry is not None
            return await self.send_copy_entry(entry.id.encode(), encode_entry(entry))
        except Exception as exc:
            return _failed(exc)

    async def _settle(self, message: RawMessage, outcome: dict[str, Any] | Failure, ack: Any) -> None:
        """Counts and logs an acknowledged output; an enriched record Kafka refused becomes a dead letter."""
        if isinstance(outcome, Failure):
            if isinstance(ack, BaseException):
                raise DeliveryFailed(f"dead letter for {message.source} not acknowledged: {ack}") from ack
            self._dead_lettered(message, outcome)
            return
        if isinstance(ack, BaseException):
            failure = Failure("produce", "produce_failed", f"{type(ack).__name__}: {ack}", outcome["id"])
            retry = await self._queue(message, failure)
            await self._settle(message, failure, await _outcome_of(retry[2]))
            return
        self._enriched(message, outcome)

    def _letter(self, message: RawMessage, failure: Failure) -> dict[str, Any]:
        return dead_letter(
            original=message.value or b"",
            key=message.key,
            source=message.source,
            stage=failure.stage,
            error_type=failure.error_type,
            reason=failure.reason,
            failed_at=self.clock(),
            article_id=failure.article_id,
            worker=self.worker_id or None,
        )

    def _enriched(self, message: RawMessage, record: dict[str, Any]) -> None:
        syndication = record["syndication"]
        self.metrics.enriched.inc()
        self.metrics.entities_per_article.observe(len(record["entities"]))
        if syndication["origin"] or syndication["contributors"]:
            self.metrics.syndicated.labels(origin_label(syndication["origin"])).inc()
        log.info(
            "article_enriched",
            id=record["id"],
            partition=message.source.partition,
            offset=message.source.offset,
            entities=len(record["entities"]),
            origin=syndication["origin"],
            contributors=syndication["contributors"],
            processing_ms=record["enrichment"]["processing_ms"],
        )

    def _dead_lettered(self, message: RawMessage, failure: Failure) -> None:
        self.metrics.dead_lettered.labels(failure.stage, failure.error_type).inc()
        log.warning(
            "article_dead_lettered",
            stage=failure.stage,
            error_type=failure.error_type,
            reason=failure.reason[:500],
            topic=message.source.topic,
            partition=message.source.partition,
            offset=message.source.offset,
            id=failure.article_id,
        )


async def _failed(exc: Exception) -> Any:
    raise exc


async def _outcome_of(ack: Awaitable[Any]) -> Any:
    try:
        return await ack
    except Exception as exc:
        return exc
