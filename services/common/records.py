"""Raw article records: the stable id, received_at, and the draft -> record step shared by every input path."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

RAW_FIELDS = (
    "id",
    "guid",
    "received_at",
    "provider",
    "url",
    "headline",
    "byline",
    "dateline",
    "language",
    "versioncreated",
    "body_text",
)
# What a submitter may give: the raw record without what ingest adds (schemas/article-submission.schema.json).
SUBMISSION_FIELDS = tuple(f for f in RAW_FIELDS if f not in ("id", "received_at"))

_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " "}
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def normalise_body(text: str) -> str:
    """What "the same story" means for the body hash: Unicode, quotes, dashes and spacing don't count."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACE.sub(" ", text).strip()


def article_id(*, guid: str | None, provider: str | None, body_text: str) -> str:
    """Stable id: every version of one provider story (same guid) keys to one partition, in order."""
    if guid:
        basis = f"guid\x1f{(provider or '').strip().lower()}\x1f{guid.strip()}"
    else:
        basis = f"body\x1f{normalise_body(body_text)}"
    return "nw-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


def build_raw_article(
    draft: dict[str, Any], *, received_at: datetime, default_provider: str = ""
) -> dict[str, Any]:
    """Turn a validated submission (or a parsed feed/file draft) into the raw record published to Kafka."""
    record: dict[str, Any] = {name: draft.get(name) for name in RAW_FIELDS}
    record["body_text"] = draft["body_text"].strip()
    if not record["provider"] and default_provider:
        record["provider"] = default_provider
    record["id"] = article_id(guid=record["guid"], provider=record["provider"], body_text=record["body_text"])
    record["received_at"] = rfc3339(received_at)
    return record
