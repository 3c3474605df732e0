"""Composition root of the enrich worker: `build(settings)` wires the Faust app, `main()` runs it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import aiokafka
import faust
import mode.loop
from faust.sensors.prometheus import setup_prometheus_sensors
from prometheus_client import CollectorRegistry

from services.common.kafka import client_options, ensure_topics, kafka_watch, ssl_context
from services.common.log_limits import RepeatLimiter
from services.common.logs import configure_logging, get_logger, limit_repeats
from services.common.metrics import new_registry
from services.common.records import utc_now
from services.common.schemas import compile_validators
from services.common.settings import Settings
from services.enrich.copies.rule import CopyIndex
from services.enrich.entities.matmul import blis_kernels
from services.enrich.exceptions import DeliveryFailed
from services.enrich.pipeline import Enricher, build_enricher
from services.enrich.worker.batches import BatchProcessor, RawMessage
from services.enrich.worker.copy_replica import CopyStage, ReplicaReader
from services.enrich.worker.dead_letters import Source
from services.enrich.worker.metrics import EnrichMetrics
from services.enrich.worker.ready_batches import ready_batches
from services.enrich.worker.transactions import Fenced, PartitionTransactions, transactional_sender
from services.enrich.worker.transport import EnrichApp, fetch_wait_ms, set_fetch_wait

log = get_logger("newswire.enrich")
LAG_INTERVAL_S = 5.0
EXIT_NOT_DELIVERED = 70
REPLICA_FETCH_WAIT_MS = 500


@dataclass
class EnrichService:
    settings: Settings
    app: faust.App
    processor: BatchProcessor
    metrics: EnrichMetrics
    registry: CollectorRegistry


def _credentials(settings: Settings) -> Any:
    context = ssl_context(settings)
    if settings.kafka_security_protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password,
            mechanism=settings.kafka_sasl_mechanism,
            ssl_context=context,
        )
    return faust.SSLCredentials(context) if context else None


def build(
    settings: Settings, enricher: Enricher | None = None, registry: CollectorRegistry | None = None
) -> EnrichService:
    """Loads the NER model (unless given one) and declares the app; connects to nothing until run."""
    registry = registry or new_registry()
    enricher = enricher or build_enricher(
        settings.ner_model,
        settings.outlets_path,
        settings.enrich_batch_size,
        organisations_file=settings.organisations_path,
        ner_models=settings.ner_models,
        default_language=settings.default_language,
        fingerprints=settings.copy_detection,
        matmul=settings.ner_matmul,
    )
    validators = compile_validators(("raw-article", "enriched-article"))
    metrics = EnrichMetrics.create(registry)

    app = EnrichApp(
        settings.enrich_group,
        broker=[f"kafka://{server}" for server in settings.bootstrap_servers],
        broker_credentials=_credentials(settings),
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=settings.heartbeat_interval_s,
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # No tables, no leader topic: nothing but the three article topics on the cluster.
        topic_disable_leader=True,
        store="memory://",
        datadir=tempfile.mkdtemp(prefix="newswire-enrich-"),
        web_enabled=True,
        web_bind=settings.enrich_host,
        web_host=settings.enrich_host,
        web_port=settings.enrich_port,
        autodiscover=False,
    )
    app.fetch_max_wait_ms = settings.fetch_max_wait_ms
    exactly_once = settings.processing_guarantee == "exactly_once"
    # Under exactly_once the offsets go in each batch's transaction, never by Faust's commit loop.
    app.commits_offsets = not exactly_once
    app.retry_backoff_ms = settings.kafka_retry_backoff_ms
    setup_prometheus_sensors(app, pattern="/metrics", registry=registry, name_prefix="newswire_faust")

    raw_topic = app.topic(settings.topic_raw, key_serializer="raw", value_serializer="raw")
    enriched_topic = app.topic(settings.topic_enriched, key_serializer="raw", value_serializer="raw")
    dlq_topic = app.topic(settings.topic_dlq, key_serializer="raw", value_serializer="raw")
    index_topic = app.topic(settings.topic_copy_index, key_serializer="raw", value_serializer="raw")
    copies = (
        CopyStage(CopyIndex(settings.copy_window_s, settings.copy_index_max_entries), settings.copy_window_s)
        if settings.copy_detection
        else None
    )

    def sender(topic: faust.TopicT):
        if exactly_once:
            return transactional_sender(topic.get_topic_name())

        async def send(key: bytes, value: bytes) -> Any:
            # Returns once queued in the producer; the future it returns resolves on the acks=all ack.
            # force: send now, never as an attachment released when Faust acks the input event.
            return await topic.send(key=key, value=value, force=True)

        return send

    processor = BatchProcessor(
        enricher=LanguageCounting(enricher, metrics, frozenset(settings.ner_model_names)),
        raw_validator=validators["raw-article"],
        enriched_validator=validators["enriched-article"],
        metrics=metrics,
        send_enriched=sender(enriched_topic),
        send_dead_letter=sender(dlq_topic),
        max_message_bytes=settings.max_article_bytes * 2 + 65_536,
        clock=utc_now,
        worker_id=f"{socket.gethostname()}:{os.getpid()}",
        copies=copies,
        send_copy_entry=sender(index_topic),
    )
    transactions = _transactions(app, settings) if exactly_once else None
    reader = _replica_reader(settings, copies, metrics) if copies is not None else None
    replaying = [reader is not None]

    @app.agent(raw_topic, name="enrich-articles")
    async def enrich_articles(stream: faust.StreamT) -> None:
        if reader is not None:
            await _replayed(reader, settings.copy_index_catchup_timeout_s)
        replaying[0] = False
        async with contextlib.aclosing(ready_batches(stream, settings.enrich_batch_size)) as batches:
            async for events in batches:
                set_fetch_wait(
                    app.consumer,
                    fetch_wait_ms(
                        len(events),
                        settings.enrich_batch_size,
                        settings.fetch_max_wait_ms,
                        settings.enrich_backlog_fetch_wait_ms,
                    ),
                )
                await _enrich_batch(events)

    async def _enrich_batch(events: list[Any]) -> None:
        messages = [
            RawMessage(
                e.message.key,
                e.message.value,
                Source(e.message.topic, e.message.partition, e.message.offset),
            )
            for e in events
        ]
        # The batch is acked when the loop body ends, even when cancelled by a shutdown: finish
        # delivering it first, so an acked offset always means an acknowledged output record.
        work = processor.process(messages) if transactions is None else _in_transactions(messages)
        task = asyncio.ensure_future(work)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            await _finish_or_die(task)
            raise
        except DeliveryFailed as exc:
            _die(exc)

    async def _in_transactions(messages: list[RawMessage]) -> None:
        assert transactions is not None
        by_partition: dict[int, list[RawMessage]] = {}
        for message in messages:
            by_partition.setdefault(message.source.partition, []).append(message)
        for partition, batch in by_partition.items():
            try:
                await transactions.run(
                    partition, batch[-1].source.offset + 1, lambda batch=batch: processor.process(batch)
                )
            except Fenced as exc:
                # Not committed, and this consumer has read past it: should the partition come back here,
                # later batches would commit past these. Exit: whoever takes the partition (this worker
                # restarted, or another) resumes from the last committed offset, so nothing is lost.
                log.warning("batch_fenced", partition=partition, articles=len(batch), reason=str(exc)[:300])
                _die(exc)

    if transactions is not None:

        @app.on_partitions_assigned.connect
        async def start_transactions(sender: Any, assigned: set[Any], **_: Any) -> None:
            await transactions.assigned(tp.partition for tp in assigned if tp.topic == settings.topic_raw)

        @app.on_partitions_revoked.connect
        async def stop_transactions(sender: Any, revoked: set[Any], **_: Any) -> None:
            await transactions.revoked(tp.partition for tp in revoked if tp.topic == settings.topic_raw)

    lag: dict[Any, int] = {}
    watch = kafka_watch(settings)
    kafka_problem: list[str | None] = ["not checked yet"]

    @app.timer(watch.tick_s)
    async def watch_kafka() -> None:
        # In a thread: a probe of an unreachable cluster takes up to its timeout.
        problem = await asyncio.to_thread(watch.check)
        if problem != kafka_problem[0]:
            if problem is not None:
                log.warning("kafka_unreachable", reason=problem[:300])
            elif kafka_problem[0] != "not checked yet":
                log.warning("kafka_reachable_again")
        kafka_problem[0] = problem
        metrics.kafka_reachable.set(0 if problem else 1)

    @app.timer(LAG_INTERVAL_S)
    async def update_lag() -> None:
        consumer = app.consumer
        for tp in consumer.assignment():
            if tp.topic != settings.topic_raw:
                continue
            end = consumer.highwater(tp)
            # Faust keeps the last committed offset per partition privately; it is the one it will resume from.
            committed = consumer._committed_offset.get(tp) or 0
            if end is not None and end >= 0:
                lag[tp] = max(0, end - committed)
                metrics.consumer_lag.labels(tp.topic, str(tp.partition)).set(lag[tp])
        for gone in set(lag) - consumer.assignment():
            del lag[gone]
            metrics.consumer_lag.remove(gone.topic, str(gone.partition))

    @app.page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        return web.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        ok, reason = _ready(app, kafka_problem[0], sum(lag.values()), processor.last_progress_at, settings)
        if ok and replaying[0]:
            ok, reason = False, "replaying the copy index"
        return web.json(
            {"status": "ready" if ok else "not_ready", "reason": reason}, status=200 if ok else 503
        )

    return EnrichService(settings, app, processor, metrics, registry)


def _transactions(app: faust.App, settings: Settings) -> PartitionTransactions:
    def new_producer(transactional_id: str) -> aiokafka.AIOKafkaProducer:
        # Faust's own producer settings (bootstrap, credentials, TLS), made transactional.
        producer = app.producer
        options = {**producer._settings_default(), **producer._settings_auth()}  # type: ignore[attr-defined]
        options.update(acks="all", enable_idempotence=True, transactional_id=transactional_id)
        return aiokafka.AIOKafkaProducer(**options)

    return PartitionTransactions(new_producer, settings.enrich_group, settings.topic_raw)


def _replica_reader(settings: Settings, copies: CopyStage, metrics: EnrichMetrics) -> ReplicaReader:
    def ensure_topic() -> None:
        ensure_topics(settings, (settings.topic_copy_index,))

    return ReplicaReader(
        copies,
        settings.topic_copy_index,
        # NEWSWIRE_FETCH_MAX_WAIT_MS (10 ms) made this reader fetch ~100 times a second while idle,
        # a sixth of an idle worker's GIL time. Entries from other workers may come a few hundred ms
        # later; republished copy comes minutes or days after its original.
        client_options(settings)
        | {"fetch_max_wait_ms": REPLICA_FETCH_WAIT_MS}
        # Under exactly_once, entries of aborted batches are never indexed (their articles come again).
        | ({"isolation_level": "read_committed"} if settings.processing_guarantee == "exactly_once" else {}),
        on_size=metrics.copy_index_entries.set,
        on_start=ensure_topic,
        on_replayed=lambda: metrics.copy_index_replayed.set(1),
    )


async def _replayed(reader: ReplicaReader, timeout_s: float) -> None:
    """Enrich nothing before the index is replayed, or copies of what it holds would go unmarked."""
    reader.start()
    started = time.monotonic()
    if await asyncio.to_thread(reader.stage.caught_up.wait, timeout_s):
        log.info("copy_index_ready", entries=len(reader.stage), seconds=round(time.monotonic() - started, 3))
    else:
        log.warning(
            "copy_index_not_replayed",
            reason=f"the copy-index topic was not read to its end within {timeout_s:.0f}s; enriching "
            "anyway, copies of articles not yet read are missed until it is",
            entries=len(reader.stage),
        )


def _ready(
    app: faust.App, kafka_problem: str | None, lag: int, last_progress_at: float, settings: Settings
) -> tuple[bool, str]:
    """Not ready while the cluster cannot be reached (the lag figures are stale then), before partitions
    are assigned, or when lag grows while nothing has been finished for `readiness_max_stall_s` (the
    stall after rebalance that Faust/aiokafka are known for)."""
    if kafka_problem is not None:
        return False, f"Kafka is not reachable: {kafka_problem}"
    if not app.consumer.assignment():
        return False, "no partitions assigned yet"
    stalled_for = time.time() - last_progress_at
    if lag > 0 and stalled_for > settings.readiness_max_stall_s:
        return False, f"lag {lag} and no batch finished for {stalled_for:.0f}s"
    return True, f"lag {lag}"


async def _finish_or_die(task: asyncio.Future) -> None:
    try:
        await task
    except DeliveryFailed as exc:
        _die(exc)


def _die(exc: Exception) -> None:
    # Exit before Faust can commit the batch it is about to ack: Kafka redelivers it to the next worker.
    log.critical("delivery_failed_exiting", reason=str(exc))
    os._exit(EXIT_NOT_DELIVERED)


class _Worker(faust.Worker):
    """Faust's worker, with repeats of library log lines bounded (mode replaces the root handlers)."""

    limiter: RepeatLimiter | None = None

    def on_setup_root_logger(self, logger: Any, level: int) -> None:
        super().on_setup_root_logger(logger, level)
        if self.limiter is not None:
            limit_repeats(logger, self.limiter)


@dataclass(frozen=True)
class LanguageCounting:
    """The enricher, counting its articles by language and by whether entities ran (batches.py counts
    the rest; it only needs `enrich_fingerprinted`)."""

    enricher: Enricher
    metrics: EnrichMetrics
    configured: frozenset[str]

    def enrich_each(self, raws: list[dict[str, Any]]) -> list[dict[str, Any] | Exception]:
        return [result for result, _ in self.enrich_fingerprinted(raws)]

    def enrich_fingerprinted(
        self, raws: list[dict[str, Any]]
    ) -> list[tuple[dict[str, Any] | Exception, Any]]:
        results = self.enricher.enrich_fingerprinted(raws)
        for result, _ in results:
            if isinstance(result, dict):
                language = result.get("language")
                label = language if language in self.configured else "other"
                ran = "skipped" if result["enrichment"].get("entities_skipped") else "ran"
                self.metrics.languages.labels(label, ran).inc()
        return results


def run(service: EnrichService, limiter: RepeatLimiter | None = None) -> None:
    # uvloop for the worker's loops (Faust's and its consumer thread's): at 10/s the NER took 25-27 ms
    # against 30-34 ms with asyncio's loop, alternating runs in one session (issue 11).
    mode.loop.use("uvloop")
    service.processor.last_progress_at = time.time()
    worker = _Worker(service.app, loglevel="WARNING", quiet=True, redirect_stdouts=False)
    worker.limiter = limiter
    worker.spinner = None  # its cursor escapes would land in the JSON log stream
    log.info(
        "enrich_started",
        group=service.settings.enrich_group,
        topic=service.settings.topic_raw,
        metrics=f"http://{service.settings.enrich_host}:{service.settings.enrich_port}/metrics",
        models=service.settings.ner_model_names,
        # Why enrichment runs slower on one machine than another: BLIS's "generic" is its slow C fallback.
        ner_matmul=service.settings.ner_matmul,
        blis_kernels=blis_kernels(),
    )
    worker.execute_from_commandline()  # handles SIGINT/SIGTERM: stops agents, commits, closes the producer


def main(settings: Settings | None = None) -> None:
    settings = settings or Settings.from_env()
    limiter = configure_logging(settings)
    service = build(settings)
    limiter.on_warning = lambda library: service.metrics.kafka_client_errors.labels(library).inc()
    # The worker's Kafka client is aiokafka; kafka-python serves only the readiness probe and the
    # copy-index reader, whose failures the worker logs once itself (kafka_unreachable,
    # copy_index_reader_failed). Each reconnect of theirs logged a dozen distinct lines per outage.
    limiter.quiet = frozenset({"kafka"})
    run(service, limiter)
