"""Errors of the enrich worker."""

from __future__ import annotations

from services.common.exceptions import NewswireError


class EnrichError(NewswireError):
    """Root of the enrich worker's errors."""


class PoisonRecord(EnrichError):
    """A record that can never be enriched, however often it is retried: it goes to the DLQ.

    `error_type` is a bounded label (not_json, invalid_record, empty_body, too_large, ...).
    """

    def __init__(self, error_type: str, reason: str) -> None:
        super().__init__(reason)
        self.error_type = error_type
        self.reason = reason


class DeliveryFailed(EnrichError):
    """Neither the enriched record nor its dead letter was acknowledged: the worker must stop without
    committing, so Kafka redelivers the batch to the next worker (at-least-once)."""
