"""Bytes from news.articles.raw -> a raw article dict, or a PoisonRecord saying exactly what is wrong."""

from __future__ import annotations

from typing import Any

from services.common.exceptions import RecordError
from services.common.schemas import Validator
from services.common.serialization import loads
from services.enrich.exceptions import PoisonRecord


def decode_raw_article(value: bytes | None, validator: Validator, max_bytes: int) -> dict[str, Any]:
    if not value:
        raise PoisonRecord("empty_message", "the message has no value")
    if len(value) > max_bytes:
        raise PoisonRecord("too_large", f"the message is {len(value)} bytes, over the limit of {max_bytes}")
    try:
        record = loads(value)
    except RecordError as exc:
        raise PoisonRecord("not_json", exc.reason) from None
    if not isinstance(record, dict):
        raise PoisonRecord(
            "invalid_record", f"a raw article must be a JSON object, got {type(record).__name__}"
        )
    if isinstance(record.get("body_text"), str) and not record["body_text"].strip():
        raise PoisonRecord("empty_body", "body_text is empty")
    problems = validator.errors(record)
    if problems:
        raise PoisonRecord(
            "invalid_record", "raw-article schema: " + "; ".join(f"{path}: {msg}" for path, msg in problems)
        )
    return record
