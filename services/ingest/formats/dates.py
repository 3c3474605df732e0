"""Timestamps of every format -> the RFC 3339 strings of the raw record (`versioncreated`)."""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime

from services.ingest.formats.errors import FormatError


def rfc3339(value: str, fmt: str, field: str = "versioncreated") -> str:
    """ISO 8601, extended or basic ("2026-11-24T09:30:00+01:00", "20261124T083000Z") -> UTC RFC 3339.

    A time with a zone is converted to UTC. One without a zone (or a bare date) is read as UTC: the record
    schema needs an offset, and wire systems that omit it send UTC in practice.
    """
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FormatError(fmt, f"{field} {text[:60]!r} is not an ISO 8601 date-time", field) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return format_utc(moment)
    except OverflowError:  # year 1 with a positive offset lies before year 1 in UTC
        raise FormatError(fmt, f"{field} {text[:60]!r} is out of range", field) from None


def from_struct_time(value: time.struct_time) -> str:
    """feedparser's parsed dates (struct_time, already in UTC) -> RFC 3339."""
    return format_utc(datetime.fromtimestamp(calendar.timegm(value), UTC))


def format_utc(moment: datetime) -> str:
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")
