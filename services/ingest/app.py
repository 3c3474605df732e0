"""Composition root of the ingest service: `build(settings)` wires it, `main()` runs it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette

from services.common.kafka import broker_reachable, create_producer
from services.common.logs import configure_logging, get_logger
from services.common.metrics import new_registry
from services.common.schemas import compile_validators
from services.common.settings import Settings
from services.ingest.access import Access
from services.ingest.http_api import routes
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics
from services.ingest.publisher import ArticlePublisher

log = get_logger("newswire.ingest")


@dataclass
class IngestService:
    settings: Settings
    app: Starlette
    intake: Intake
    publisher: ArticlePublisher
    metrics: IngestMetrics
    registry: CollectorRegistry


def build(settings: Settings, registry: CollectorRegistry | None = None) -> IngestService:
    """Wires the service; connects to nothing until the first publish or readiness probe."""
    registry = registry or new_registry()
    metrics = IngestMetrics.create(registry)
    validators = compile_validators(("article-submission",))
    publisher = ArticlePublisher(
        lambda: create_producer(settings), settings.topic_raw, metrics, settings.publish_timeout_s
    )
    intake = Intake(
        validator=validators["article-submission"],
        publisher=publisher,
        metrics=metrics,
        max_article_bytes=settings.max_article_bytes,
        default_provider=settings.default_provider,
    )
    access = Access.from_settings(settings, metrics)  # refuses an open non-loopback bind (auth.py)
    readiness = _CachedCheck(lambda: broker_reachable(settings), ttl_s=2.0)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
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
            await asyncio.to_thread(publisher.close)
            log.info("ingest_stopped")

    app = Starlette(
        routes=routes(
            intake=intake,
            metrics=metrics,
            registry=registry,
            max_request_bytes=settings.max_request_bytes,
            kafka_ready=readiness.check,
            access=access,
        ),
        lifespan=lifespan,
    )
    return IngestService(settings, app, intake, publisher, metrics, registry)


async def _start_background(settings: Settings, intake: Intake, metrics: IngestMetrics) -> list[asyncio.Task]:
    """Feed poller and drop folder run inside the ingest service when configured.

    A bad feed list fails start-up (the error names the entry and field) rather than polling nothing.
    """
    from services.ingest.dropfolder import DropFolder
    from services.ingest.feeds import FeedPoller, FeedState, load_feeds

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


class _CachedCheck:
    """Readiness probes come often; ask Kafka at most every `ttl_s`."""

    def __init__(self, probe, ttl_s: float) -> None:
        self._probe = probe
        self._ttl_s = ttl_s
        self._at = 0.0
        self._value = False

    async def check(self) -> bool:
        if time.monotonic() - self._at > self._ttl_s:
            self._value = await asyncio.to_thread(self._probe)
            self._at = time.monotonic()
        return self._value


def serve(service: IngestService) -> None:
    settings = service.settings
    config = uvicorn.Config(
        service.app,
        host=settings.ingest_host,
        port=settings.ingest_port,
        log_level="warning",
        access_log=False,
        lifespan="on",
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
    configure_logging(settings)
    serve(build(settings))
