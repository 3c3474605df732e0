"""The HTTP API: POST /v1/articles, health, readiness, metrics and the OpenAPI document."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from prometheus_client import CollectorRegistry
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common.logs import get_logger
from services.common.metrics import CONTENT_TYPE_LATEST, render
from services.common.serialization import dumps
from services.ingest.exceptions import KafkaUnavailable, Overloaded, Rejected
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics
from services.ingest.publishing.kafka_link import LinkState
from services.ingest.publishing.publish_slots import PublishSlots
from services.ingest.web.access import Access
from services.ingest.web.auth import AccessDenied
from services.ingest.web.encodings import decode_body
from services.ingest.web.submissions import drafts_from_body

OPENAPI_PATH = Path(__file__).with_name("openapi.json")
RETRY_AFTER_S = 5
log = get_logger("newswire.ingest")

Endpoint = Callable[[Request], Awaitable[Response]]


class OrjsonResponse(JSONResponse):
    def render(self, content: object) -> bytes:
        return dumps(content)


def error(
    status: int, code: str, message: str, retry_after_s: int = RETRY_AFTER_S, **extra: object
) -> Response:
    headers = {"Retry-After": str(retry_after_s)} if status == 503 else {}
    if status == 408:
        headers["Connection"] = "close"  # the rest of a slow body is not worth waiting for
    return OrjsonResponse({"error": code, "message": message, **extra}, status_code=status, headers=headers)


def routes(
    *,
    intake: Intake,
    metrics: IngestMetrics,
    registry: CollectorRegistry,
    max_request_bytes: int,
    body_timeout_s: float,
    slots: PublishSlots,
    kafka_state: Callable[[], LinkState],
    access: Access,
) -> list[Route]:

    def timed(route: str, endpoint: Endpoint) -> Endpoint:
        async def wrapper(request: Request) -> Response:
            started = time.perf_counter()
            response = await endpoint(request)
            metrics.request_duration.labels(request.method, route, str(response.status_code)).observe(
                time.perf_counter() - started
            )
            access.observe(request, response.status_code)
            return response

        return wrapper

    def rejected(exc: Rejected) -> Response:
        log.info("articles_rejected", status=exc.status, code=exc.code, reason=exc.reason[:300])
        response = error(exc.status, exc.code, exc.reason, problems=exc.problems)
        if isinstance(exc, AccessDenied):  # WWW-Authenticate (401), Retry-After (429)
            response.headers.update(exc.headers)
        return response

    async def post_articles(request: Request) -> Response:
        try:
            desk = access.authenticate(request)  # 401 before the body is read
            body = await _read_limited(request, max_request_bytes, body_timeout_s)
            body = decode_body(request.headers.get("content-encoding"), body, max_request_bytes)
            drafts = drafts_from_body(request.headers.get("content-type"), body, dict(request.query_params))
            access.admit(desk, drafts)  # 403 for a provider the desk may not send as, 429 over its quota
        except Rejected as exc:  # the body never became articles: count the request as one
            metrics.received.labels("http").inc()
            metrics.rejected.labels("http", exc.code).inc()
            return rejected(exc)
        try:
            if intake.can_submit_on_loop(len(drafts), len(body)):
                ids = await slots.run_async(intake.submit_async, drafts, "http")
            else:
                # Validation of a large batch, or a wait for metadata, would hold the event loop.
                ids = await slots.run(intake.submit, drafts, "http")
        except Rejected as exc:
            return rejected(exc)
        except Overloaded as exc:
            metrics.received.labels("http").inc(len(drafts))
            metrics.rejected.labels("http", "overloaded").inc(len(drafts))
            return error(503, "overloaded", str(exc), retry_after_s=1)
        except KafkaUnavailable as exc:
            # Not logged per request: the Kafka link logs the outage once and summarises it each minute.
            return error(
                503,
                "kafka_unavailable",
                exc.reason,
                retry_after_s=exc.retry_after_s,
                accepted=exc.accepted,
                failed=exc.failed,
            )
        access.accepted(desk, len(ids))
        log.info("articles_accepted", count=len(ids), ids=ids[:20], desk=request.state.newswire_desk)
        return OrjsonResponse({"accepted": ids, "count": len(ids)}, status_code=202)

    async def healthz(request: Request) -> Response:
        return OrjsonResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        # From the state the Kafka link keeps in the background: never waits on Kafka itself.
        state = kafka_state()
        if state.reachable:
            return OrjsonResponse({"status": "ready", "kafka": "reachable"})
        return error(
            503,
            "not_ready",
            f"Kafka is not reachable: {state.reason}",
            unreachable_for_s=round(time.monotonic() - state.since, 1),
        )

    async def metrics_page(request: Request) -> Response:
        return Response(render(registry), media_type=CONTENT_TYPE_LATEST)

    async def openapi(request: Request) -> Response:
        return Response(OPENAPI_PATH.read_bytes(), media_type="application/json")

    return [
        Route("/v1/articles", timed("/v1/articles", post_articles), methods=["POST"]),
        Route("/healthz", timed("/healthz", healthz), methods=["GET"]),
        Route("/readyz", timed("/readyz", readyz), methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]


async def _read_limited(request: Request, limit: int, timeout_s: float) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Rejected(413, "too_large", f"request body is {declared} bytes, over the limit of {limit}")

    async def read() -> bytes:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Rejected(413, "too_large", f"request body is over the limit of {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        # A body trickled in slowly would hold a connection (and, once read, a publish) for as long as
        # the client likes: the whole body must arrive within the timeout. (asyncio.timeout, not
        # wait_for: on 3.11 wait_for runs the read as a task of its own, on every request.)
        async with asyncio.timeout(timeout_s):
            return await read()
    except TimeoutError:
        raise Rejected(
            408, "body_timeout", f"the request body did not arrive within {timeout_s:g} s"
        ) from None
