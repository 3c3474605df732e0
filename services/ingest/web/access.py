"""The access checks of POST /v1/articles in one object: bearer token (401), providers (403), quota (429).

`http_api` calls `authenticate` before reading the body and `admit` once the articles are known; the
desk of each request is kept on `request.state` so that `observe` labels its metrics by desk.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from services.common.settings import Settings
from services.ingest.metrics import IngestMetrics
from services.ingest.web.auth import ANONYMOUS, AccessDenied, Desk, Gate
from services.ingest.web.quotas import Quotas


class Access:
    def __init__(
        self, gate: Gate, quotas: Quotas, metrics: IngestMetrics, default_provider: str = ""
    ) -> None:
        self.gate = gate
        self._quotas = quotas
        self._metrics = metrics
        self._default_provider = default_provider
        for name in gate.desk_names():  # the label set is bounded by the tokens file: show every desk at 0
            metrics.desk_articles.labels(name)

    @classmethod
    def from_settings(cls, settings: Settings, metrics: IngestMetrics) -> Access:
        gate = Gate.from_settings(settings)
        limits = {}
        desks = gate.desks if gate.enabled else [Desk(ANONYMOUS, b"")]
        for desk in desks:
            rate = desk.rate or settings.ingest_desk_rate
            burst = desk.burst or settings.ingest_desk_burst or max(1.0, rate)
            if rate > 0:
                limits[desk.name] = (rate, burst)
        return cls(gate, Quotas(limits), metrics, settings.default_provider)

    def describe(self) -> str:
        """One line for start-up banners: is auth on, for which desks."""
        if not self.gate.enabled:
            return "off (anyone who can reach the port may post)"
        return f"on, bearer tokens for {len(self.gate.desks)} desk(s): {', '.join(self.gate.desk_names())}"

    def authenticate(self, request: Request) -> Desk | None:
        try:
            desk = self.gate.authenticate(request.headers.get("authorization"))
        except AccessDenied as exc:
            self._metrics.auth_failures.labels(exc.code).inc()
            raise
        request.state.newswire_desk = desk.name if desk else ANONYMOUS
        return desk

    def admit(self, desk: Desk | None, drafts: list[Any]) -> None:
        try:
            self.gate.check_providers(desk, drafts, self._default_provider)
        except AccessDenied as exc:
            self._metrics.auth_failures.labels(exc.code).inc()
            raise
        self._quotas.take(desk.name if desk else ANONYMOUS, len(drafts))

    def accepted(self, desk: Desk | None, count: int) -> None:
        self._metrics.desk_articles.labels(desk.name if desk else ANONYMOUS).inc(count)

    def observe(self, request: Request, status: int) -> None:
        desk = getattr(request.state, "newswire_desk", None)
        if desk is not None:
            self._metrics.desk_requests.labels(desk, str(status)).inc()
