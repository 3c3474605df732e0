"""One batch of raw messages in, every one of them out as an enriched record or a dead letter.

The Faust agent only loops and calls `BatchProcessor.process`; Kafka sends are injected, so this runs
in unit tests without a broker.
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
from services.enrich.dead_letters import Source, dead_letter
from services.enrich.exceptions import DeliveryFailed, PoisonRecord
from services.enrich.metrics import EnrichMetrics, origin_label
from services.enrich.pipeline import Enricher
from services.enrich.raw_records import decode_raw_article

log = get_logger("newswire.enrich")

# (key, value) -> completes once Kafka acknowledged the write, raises otherwise.
Send = Callable[[bytes, bytes], Awaitable[Any]]


@dataclass(frozen=True)
class RawMessage:
    key: bytes | None
    value: bytes | None
    source: Source


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
    last_progress_at: float = field(default_factory=time.time)

    async def process(self, messages: list[RawMessage]) -> None:
        """Returns once every message is acknowledged downstream (enriched or dead-lettered).

        Raises DeliveryFailed if one could be neither: the caller must then stop without committing.
        """
        self.metrics.consumed.inc(len(messages))
        self.metrics.batch_size.observe(len(messages))
        good: list[tuple[RawMessage, dict[str, Any]]] = []
        deliveries: list[Awaitable[None]] = []
        for message in messages:
            try:
                good.append(
                    (message, decode_raw_article(message.value, self.raw_validator, self.max_message_bytes))
                )
            except PoisonRecord as exc:
                deliveries.append(self._dead_letter(message, "consume", exc.error_type, exc.reason, None))

        started = time.perf_counter()
        # spaCy holds the CPU; a thread keeps heartbeats, metrics and readiness answering meanwhile.
        results = await asyncio.to_thread(self.enricher.enrich_each, [raw for _, raw in good]) if good else []
        elapsed = time.perf_counter() - started
        for (message, raw), result in zip(good, results, strict=True):
            self.metrics.enrich_duration.observe(elapsed / len(good))
            if isinstance(result, Exception):
                deliveries.append(
                    self._dead_letter(
                        message,
                        "process",
                        "enrichment_failed",
                        f"{type(result).__name__}: {result}",
                        raw["id"],
                    )
                )
                continue
            problems = self.enriched_validator.errors(result)
            if problems:
                reason = "enriched-article schema: " + "; ".join(f"{p}: {m}" for p, m in problems)
                deliveries.append(
                    self._dead_letter(message, "process", "contract_violation", reason, raw["id"])
                )
                continue
            deliveries.append(self._deliver(message, result))
        await asyncio.gather(*deliveries)
        self.last_progress_at = time.time()
        self.metrics.last_progress.set(self.last_progress_at)

    async def _deliver(self, message: RawMessage, record: dict[str, Any]) -> None:
        try:
            await self.send_enriched(record["id"].encode(), dumps(record))
        except Exception as exc:
            await self._dead_letter(
                message, "produce", "produce_failed", f"{type(exc).__name__}: {exc}", record["id"]
            )
            return
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

    async def _dead_letter(
        self, message: RawMessage, stage: str, error_type: str, reason: str, article_id: str | None
    ) -> None:
        letter = dead_letter(
            original=message.value or b"",
            key=message.key,
            source=message.source,
            stage=stage,
            error_type=error_type,
            reason=reason,
            failed_at=self.clock(),
            article_id=article_id,
            worker=self.worker_id or None,
        )
        try:
            await self.send_dead_letter(message.key or b"", dumps(letter))
        except Exception as exc:
            raise DeliveryFailed(f"dead letter for {message.source} not acknowledged: {exc}") from exc
        self.metrics.dead_lettered.labels(stage, error_type).inc()
        log.warning(
            "article_dead_lettered",
            stage=stage,
            error_type=error_type,
            reason=reason[:500],
            topic=message.source.topic,
            partition=message.source.partition,
            offset=message.source.offset,
            id=article_id,
        )
