"""Composition root of the ingest service: `build(settings)` wires it, `main()` runs it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from kafka import KafkaProducer
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette

from services.common.kafka import create_producer, kafka_watch
from services.common.logs import configure_logging, get_logger
from services.common.metrics import new_registry
from services.common.schemas import compile_validators
from services.common.settings import Settings
from services.ingest.cpu import keep_to_one_cpu
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics
from services.ingest.publishing.kafka_link import KafkaLink
from services.ingest.publishing.publish_slots import PublishSlots
from services.ingest.publishing.publisher import ArticlePublisher
from services.ingest.web.access import Access
from services.ingest.web.http_api import routes
from services.ingest.web.http_limits import header_limits_protocol

log = get_logger("newswire.ingest")


@dataclass
class IngestService:
    settings: Settings
    app: Starlette
    intake: Intake
    publisher: ArticlePublisher
    link: KafkaLink
    metrics: IngestMetrics
    registry: CollectorRegistry


def _producer_knowing(settings: Settings) -> KafkaProducer:
    """A producer that already has the raw topic's metadata (fetched here, on the link's thread), so
    requests can send from the event loop without waiting for it (publisher.can_publish_on_loop)."""
    producer = create_producer(settings)
    with contextlib.suppress(Exception):  # a missing topic: requests take a publish thread instead
        producer.partitions_for(settings.topic_raw)
    return producer


def build(settings: Settings, registry: CollectorRegistry | None = None) -> IngestService:
    """Wires the service; connects to nothing until the first publish or readiness probe."""
    registry = registry or new_registry()
    metrics = IngestMetrics.create(registry)
    validators = compile_validators(("article-submission",))
    link = KafkaLink(lambda: _producer_knowing(settings), kafka_watch(settings), metrics)
    publisher = ArticlePublisher(link, settings.topic_raw, metrics, settings.publish_timeout_s)
    slots = PublishSlots(settings.max_inflight_publishes, metrics)
    intake = Intake(
        validator=validators["article-submission"],
        publisher=publisher,
        metrics=metrics,
        max_article_bytes=settings.max_article_bytes,
        default_provider=settings.default_provider,
    )
    access = Access.from_settings(settings, metrics)  # refuses an open non-loopback bind (auth.py)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(link.start)
        background = await _start_background(settings, intake, metrics)
        log.info(
            "ingest_started",
            host=settings.ingest_host,
            port=settings.ingest_port,
            topic=settings.topic_raw,
            bootstrap=settings.bootstrap_servers,
            auth=access.describe(),
        )
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            # Everything a client was told "202" for is already acknowledged; flush the rest on the way out.
            await asyncio.to_thread(slots.shutdown)
            await asyncio.to_thread(link.stop)
            log.info("ingest_stopped")

    app = Starlette(
        routes=routes(
            intake=intake,
            metrics=metrics,
            registry=registry,
            max_request_bytes=settings.max_request_bytes,
            body_timeout_s=settings.body_read_timeout_s,
            slots=slots,
            kafka_state=lambda: link.state,
            access=access,
        ),
        lifespan=lifespan,
    )
    return IngestService(settings, app, intake, publisher, link, metrics, registry)


async def _start_background(settings: Settings, intake: Intake, metrics: IngestMetrics) -> list[asyncio.Task]:
    """Feed poller and drop folder run inside the ingest service when configured.

    A bad feed list fails start-up (the error names the entry and field) rather than polling nothing.
    """
    from services.ingest.sources.dropfolder import DropFolder
    from services.ingest.sources.feeds import FeedPoller, FeedState, load_feeds

    tasks: list[asyncio.Task] = []
    if settings.feeds_file:
        feeds = load_feeds(settings.feeds_file, settings.feed_poll_interval_s)
        poller = FeedPoller(
            feeds,
            intake=intake,
            metrics=metrics,
            state=FeedState.load(settings.feeds_state_file),
            timeout_s=settings.feed_timeout_s,
            backoff_max_s=settings.feed_backoff_max_s,
            max_bytes=settings.max_request_bytes,
        )
        tasks.append(asyncio.create_task(poller.run(), name="newswire-feeds"))
        log.info("feeds_started", feeds=[f.name for f in feeds])
    if settings.drop_dir:
        folder = DropFolder(
            settings.drop_dir,
            intake=intake,
            metrics=metrics,
            max_bytes=settings.max_request_bytes,
            settle_s=settings.drop_settle_s,
        )
        folder.prepare()
        tasks.append(
            asyncio.create_task(folder.run(settings.drop_poll_interval_s), name="newswire-dropfolder")
        )
    for task in tasks:
        task.add_done_callback(_report_stopped)
    return tasks


def _report_stopped(task: asyncio.Task) -> None:
    """The loops catch their own errors; a task ending on its own is a bug worth a loud log line."""
    if not task.cancelled() and task.exception() is not None:
        log.error("background_task_died", task=task.get_name(), error=repr(task.exception()))


def serve(service: IngestService) -> None:
    settings = service.settings
    config = uvicorn.Config(
        service.app,
        host=settings.ingest_host,
        port=settings.ingest_port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        # httptools and uvloop, both in C: a sixth less CPU per single-article request than h11 and
        # asyncio's own loop (issue 11). Headers over 64 KiB are refused with a 431 (http_limits.py).
        http=header_limits_protocol(settings.header_read_timeout_s),
        loop="uvloop",
    )
    # uvicorn handles SIGINT/SIGTERM (stop accepting, finish requests, run the lifespan exit) and then
    # re-raises the signal to the handler it found. The shutdown is complete by then, so that handler
    # ignores it and the process exits 0, as the enrich worker does: a supervisor sees a clean stop.
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in handled}
    try:
        uvicorn.Server(config).run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(settings: Settings | None = None) -> None:
    settings = settings or Settings.from_env()
    cpu = keep_to_one_cpu(settings.ingest_cpu)  # first: the threads started below inherit it
    limiter = configure_logging(settings)
    log.info("ingest_cpu", cpu="any" if cpu is None else cpu, setting=settings.ingest_cpu)
    service = build(settings)
    limiter.on_warning = lambda library: service.metrics.kafka_client_errors.labels(library).inc()
    serve(service)
