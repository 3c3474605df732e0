"""Errors of the ingest service. Each maps to one HTTP answer that names the problem."""

from __future__ import annotations

from services.common.exceptions import NewswireError


class IngestError(NewswireError):
    """Root of the ingest service's errors."""


class Rejected(IngestError):
    """The request (or one article in it) cannot be accepted; nothing of it was published.

    `code` is a bounded label for metrics and clients (invalid_json, too_large, ...);
    `problems` holds {"index", "field", "message"} dicts for per-item, per-field errors.
    """

    def __init__(self, status: int, code: str, reason: str, problems: list[dict] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason
        self.problems = problems or []


class KafkaUnavailable(IngestError):
    """Kafka did not acknowledge every write in time. `accepted` lists ids it did acknowledge."""

    def __init__(self, reason: str, accepted: list[str], failed: list[str], retry_after_s: int = 5) -> None:
        super().__init__(reason)
        self.reason = reason
        self.accepted = accepted
        self.failed = failed
        self.retry_after_s = retry_after_s


class Overloaded(IngestError):
    """As many publishes as allowed are in flight: refuse at once rather than queue."""
