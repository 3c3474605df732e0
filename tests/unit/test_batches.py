"""The batch processor with Kafka sends injected: every message ends enriched or dead-lettered."""

import asyncio
import random
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from services.common.records import build_raw_article
from services.common.schemas import compile_validators
from services.common.serialization import dumps, loads
from services.enrich.copies.rule import CopyIndex, decode_entry, fingerprint
from services.enrich.exceptions import DeliveryFailed
from services.enrich.worker.batches import BatchProcessor, RawMessage
from services.enrich.worker.copy_replica import CopyStage
from services.enrich.worker.dead_letters import Source
from services.enrich.worker.metrics import EnrichMetrics

WHEN = datetime(2026, 11, 25, tzinfo=UTC)


class FakeEnricher:
    """Enriches by the contract's shape; fails on bodies containing BOOM, as a real model bug would."""

    def enrich_fingerprinted(self, raws):
        return [(result, None) for result in self._enrich_each(raws)]

    def _enrich_each(self, raws):
        out = []
        for raw in raws:
            if "BOOM" in raw["body_text"]:
                out.append(RuntimeError("model exploded"))
                continue
            out.append(
                {
                    **raw,
                    "entities": [
                        {
                            "name": "Paris",
                            "type": "GPE",
                            "mentions": 1,
                            "spans": [[0, 5]],
                            "headline_spans": [],
                            "salience": 1.0,
                        }
                    ],
                    "syndication": {
                        "origin": "Reuters",
                        "contributors": [],
                        "attributions": [],
                        "credit_lines": ["From Reuters"],
                        "copy_of": None,
                        "story": "st-0123456789abcdef",
                    },
                    "tags": ["syndicated", "origin:reuters"],
                    "enrichment": {
                        "pipeline_version": "t",
                        "ner_model": "fake",
                        "enriched_at": "2026-11-25T00:00:00Z",
                        "processing_ms": 1.0,
                    },
                }
            )
        return out


class Sink:
    """A topic: `sent` in the order records were queued; acknowledgements complete after `delay()` s,
    so with random delays they complete out of order, as acks from a real producer may."""

    def __init__(self, fail: bool = False, delay=lambda: 0.0, log: list | None = None, name: str = ""):
        self.sent: list[tuple[bytes, dict]] = []
        self.fail = fail
        self.delay = delay
        self.log = log if log is not None else []
        self.name = name

    async def __call__(self, key: bytes, value: bytes):
        await asyncio.sleep(self.delay())  # queueing itself may wait inside the producer
        self.sent.append((key, loads(value)))
        self.log.append((self.name, loads(value)))
        return self._ack(self.delay())

    async def _ack(self, delay: float):
        await asyncio.sleep(delay)
        if self.fail:
            raise ConnectionError("broker gone")


def message(value: bytes, offset: int) -> RawMessage:
    return RawMessage(b"key", value, Source("raw", 0, offset))


def raw(body: str) -> bytes:
    return dumps(build_raw_article({"body_text": body}, received_at=WHEN))


def processor(enriched: Sink, dlq: Sink) -> tuple[BatchProcessor, EnrichMetrics]:
    validators = compile_validators()
    metrics = EnrichMetrics.create(CollectorRegistry())
    return BatchProcessor(
        enricher=FakeEnricher(),
        raw_validator=validators["raw-article"],
        enriched_validator=validators["enriched-article"],
        metrics=metrics,
        send_enriched=enriched,
        send_dead_letter=dlq,
        max_message_bytes=10_000,
        clock=lambda: WHEN,
    ), metrics


async def test_every_message_ends_enriched_or_dead_lettered():
    enriched, dlq = Sink(), Sink()
    proc, metrics = processor(enriched, dlq)
    await proc.process(
        [
            message(raw("Paris is calm."), 0),
            message(b"{nope", 1),
            message(raw("BOOM"), 2),
            message(raw("Paris again."), 3),
        ]
    )
    assert [v["body_text"] for _, v in enriched.sent] == ["Paris is calm.", "Paris again."]
    assert sorted((v["stage"], v["error_type"], v["source"]["offset"]) for _, v in dlq.sent) == [
        ("consume", "not_json", 1),
        ("process", "enrichment_failed", 2),
    ]
    assert "model exploded" in next(v["reason"] for _, v in dlq.sent if v["stage"] == "process")
    assert metrics.enriched._value.get() == 2
    assert metrics.dead_lettered.labels("consume", "not_json")._value.get() == 1
    assert metrics.syndicated.labels("Reuters")._value.get() == 2


async def test_a_failed_enriched_write_is_dead_lettered_at_the_produce_stage():
    enriched, dlq = Sink(fail=True), Sink()
    proc, _ = processor(enriched, dlq)
    await proc.process([message(raw("Paris is calm."), 7)])
    [(_, letter)] = dlq.sent
    assert (letter["stage"], letter["error_type"]) == ("produce", "produce_failed")
    assert "broker gone" in letter["reason"]


async def test_when_nothing_can_be_written_the_batch_is_not_delivered():
    proc, _ = processor(Sink(fail=True), Sink(fail=True))
    with pytest.raises(DeliveryFailed):
        await proc.process([message(raw("Paris is calm."), 7)])


async def test_outputs_are_queued_in_input_order_even_when_sends_complete_out_of_order():
    rng = random.Random(12)
    log: list = []
    enriched = Sink(delay=lambda: rng.uniform(0, 0.02), log=log, name="enriched")
    dlq = Sink(delay=lambda: rng.uniform(0, 0.02), log=log, name="dlq")
    proc, metrics = processor(enriched, dlq)
    bodies = [f"Version {n} from Paris." if n % 5 else f"BOOM {n}" for n in range(30)]
    messages = [message(raw(body), offset) for offset, body in enumerate(bodies)]
    messages.insert(7, message(b"{nope", 100))  # poison between good records of the same key

    await proc.process(messages)

    def offset(entry):
        name, value = entry
        return value["source"]["offset"] if name == "dlq" else value["enrichment"]["source"]["offset"]

    assert [offset(entry) for entry in log] == [m.source.offset for m in messages]
    assert [v["body_text"] for _, v in enriched.sent] == [b for b in bodies if not b.startswith("BOOM")]
    assert [name for name, _ in log].count("dlq") == 7
    assert metrics.enriched._value.get() == 24


async def test_the_batch_completes_only_after_every_acknowledgement():
    acked: list[int] = []

    class SlowAcks(Sink):
        async def _ack(self, delay: float):
            await asyncio.sleep(0.05)
            acked.append(len(acked))

    enriched = SlowAcks()
    proc, _ = processor(enriched, Sink())
    await proc.process([message(raw(f"Paris {n}."), n) for n in range(5)])
    assert len(acked) == 5


async def test_enriched_records_carry_where_they_came_from():
    enriched = Sink()
    proc, _ = processor(enriched, Sink())
    await proc.process([RawMessage(b"k", raw("Paris is calm."), Source("news.articles.raw", 3, 41))])
    [(_, record)] = enriched.sent
    assert record["enrichment"]["source"] == {"topic": "news.articles.raw", "partition": 3, "offset": 41}


class FingerprintingEnricher(FakeEnricher):
    def enrich_fingerprinted(self, raws):
        return [
            (result, None if isinstance(result, Exception) else fingerprint(None, raw["body_text"]))
            for raw, result in zip(raws, self._enrich_each(raws), strict=True)
        ]


class EntrySink:
    """The copy-index topic: binary entries, each acknowledged (or refused) at once."""

    def __init__(self, log: list, fail: bool = False):
        self.log, self.fail = log, fail

    async def __call__(self, key: bytes, value: bytes):
        self.log.append(("index", decode_entry(value).id))
        return self._ack()

    async def _ack(self):
        if self.fail:
            raise ConnectionError("index write refused")


# Team-written, invented copy: long enough to be fingerprinted.
STORY = (
    "Paris transport officials said on Monday that the new tram line along the southern ring road "
    "would open two months late because a supplier had failed to deliver the signalling equipment "
    "in time, and that buses would run on the route until the end of the summer holidays, when the "
    "first trams are expected to carry passengers between the Porte de Vincennes and the river."
)


@pytest.mark.parametrize("index_fails", [False, True])
async def test_a_copy_later_in_a_batch_is_marked_and_each_entry_is_queued_after_the_outputs(index_fails):
    log: list = []
    enriched, dlq = Sink(log=log, name="enriched"), Sink(log=log, name="dlq")
    proc, metrics = processor(enriched, dlq)
    proc.enricher = FingerprintingEnricher()
    proc.copies = CopyStage(CopyIndex(3600, 100), 3600)
    proc.send_copy_entry = EntrySink(log, fail=index_fails)
    original, copy = raw(STORY), raw(STORY.replace("Monday", "Tuesday"))
    await proc.process([message(original, 0), message(b"{nope", 1), message(copy, 2)])

    records = [value for name, value in log if name == "enriched"]
    assert records[0]["syndication"]["copy_of"] is None
    assert records[1]["syndication"]["copy_of"]["id"] == records[0]["id"]
    assert records[1]["syndication"]["story"] == records[0]["syndication"]["story"]
    assert [name for name, _ in log] == ["enriched", "dlq", "enriched", "index", "index"]
    # A refused index write costs no article: both are enriched, the failure is counted.
    assert metrics.enriched._value.get() == 2
    assert metrics.copy_index_writes.labels("failed" if index_fails else "ok")._value.get() == 2
    assert metrics.copies_found._value.get() == 1
