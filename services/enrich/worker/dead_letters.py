"""The dead-letter envelope: the original bytes, where they came from, and why they could not be processed."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.common.records import rfc3339

# Keep a dead letter well under the broker's message limit even when the input was oversized.
MAX_ORIGINAL_BYTES = 256 * 1024


@dataclass(frozen=True)
class Source:
    topic: str
    partition: int | None
    offset: int | None


def dead_letter(
    *,
    original: bytes,
    key: bytes | None,
    source: Source,
    stage: str,
    error_type: str,
    reason: str,
    failed_at: datetime,
    article_id: str | None = None,
    worker: str | None = None,
) -> dict[str, Any]:
    kept = original[:MAX_ORIGINAL_BYTES]
    try:
        text, encoding = kept.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(kept).decode("ascii"), "base64"
    return {
        "original": text,
        "original_encoding": encoding,
        "original_size": len(original),
        "original_truncated": len(original) > MAX_ORIGINAL_BYTES,
        "original_key": key.decode("utf-8", "replace") if key is not None else None,
        "source": {"topic": source.topic, "partition": source.partition, "offset": source.offset},
        "stage": stage,
        "error_type": error_type,
        "reason": reason,
        "article_id": article_id,
        "failed_at": rfc3339(failed_at),
        "worker": worker,
    }
