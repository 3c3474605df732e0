"""The one path every input takes (HTTP, feeds, drop folder): size check, schema check, raw record, publish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.common.records import build_raw_article, utc_now
from services.common.schemas import Validator
from services.common.serialization import dumps
from services.ingest.exceptions import Rejected
from services.ingest.metrics import IngestMetrics
from services.ingest.publishing.publisher import ArticlePublisher

# What a request may ask of the event loop: a few articles' checks (~30 us each) and sends, rather than
# the hand-over to a publish thread and back. Larger batches go to a thread: with the process on one
# CPU (cpu.py), NDJSON batches of 50 went 1.11x faster there than on the loop (A/B, issue 11); and one
# long story does not hold the loop while it is serialised.
ON_LOOP_MAX_ARTICLES = 16
ON_LOOP_MAX_BYTES = 256 * 1024


class Intake:
    def __init__(
        self,
        *,
        validator: Validator,
        publisher: ArticlePublisher,
        metrics: IngestMetrics,
        max_article_bytes: int,
        default_provider: str = "",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._validator = validator
        self._publisher = publisher
        self._metrics = metrics
        self._max_article_bytes = max_article_bytes
        self._default_provider = default_provider
        self._clock = clock

    def prepare(self, drafts: list[Any], source: str) -> list[dict[str, Any]]:
        """All-or-nothing: every draft is checked, and one bad draft rejects the batch, naming each problem."""
        self._metrics.received.labels(source).inc(len(drafts))
        if not drafts:
            self._reject(source, 422, "no_articles", "the request holds no article", [], count=1)
        oversized = [
            {
                "index": i,
                "field": "(article)",
                "message": f"article is {size} bytes, over the limit of {self._max_article_bytes}",
            }
            for i, draft in enumerate(drafts)
            if (size := len(dumps(draft))) > self._max_article_bytes
        ]
        if oversized:
            self._reject(
                source,
                413,
                "too_large",
                f"{len(oversized)} article(s) over the size limit",
                oversized,
                count=len(drafts),
            )
        problems = [
            {"index": i, "field": field, "message": message}
            for i, draft in enumerate(drafts)
            for field, message in self._validator.errors(draft)
        ]
        if problems:
            named = "; ".join(f"[{p['index']}] {p['field']}: {p['message']}" for p in problems[:5])
            self._reject(
                source, 422, "invalid_article", f"schema violations: {named}", problems, count=len(drafts)
            )
        received_at = self._clock()
        return [
            build_raw_article(d, received_at=received_at, default_provider=self._default_provider)
            for d in drafts
        ]

    def submit(self, drafts: list[Any], source: str) -> list[str]:
        """Publish and return ids only once Kafka acknowledged every one (raises KafkaUnavailable)."""
        records = self.prepare(drafts, source)
        try:
            return self._publisher.publish(records, source)
        except Exception:
            self._metrics.rejected.labels(source, "kafka_unavailable").inc(len(records))
            raise

    def can_submit_on_loop(self, count: int, body_bytes: int) -> bool:
        """Whether `submit_async` suits `count` articles in `body_bytes`: few and small enough that their
        checks and serialisation do not hold the event loop, and a producer that will not wait for
        metadata."""
        return (
            count <= ON_LOOP_MAX_ARTICLES
            and body_bytes <= ON_LOOP_MAX_BYTES
            and self._publisher.can_publish_on_loop()
        )

    async def submit_async(self, drafts: list[Any], source: str) -> list[str]:
        """`submit` on the event loop: for a few articles, once the producer knows the topic."""
        records = self.prepare(drafts, source)
        try:
            return await self._publisher.publish_async(records, source)
        except Exception:
            self._metrics.rejected.labels(source, "kafka_unavailable").inc(len(records))
            raise

    def _reject(
        self, source: str, status: int, code: str, reason: str, problems: list[dict], count: int
    ) -> None:
        self._metrics.rejected.labels(source, code).inc(count)
        raise Rejected(status, code, reason, problems)
