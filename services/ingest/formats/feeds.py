"""RSS 2.0 / Atom (and RSS 1.0) -> one draft per entry, read by feedparser.

guid <- entry id, else link; headline <- title; body <- content, else summary (HTML stripped to text);
byline <- author; versioncreated <- updated, else published (UTC); url <- link; provider <- the feed's
title; language <- the content's or the feed's. An entry without any text keeps no body_text, so the
caller's schema check names it instead of the entry vanishing.

feedparser reads its own XML, so entity declarations are refused here first (safe_xml.check_prolog), and
the bytes are handed over as a stream: given bytes, feedparser would try them as a local file name.
"""

from __future__ import annotations

import io
from typing import Any

import feedparser

from services.ingest.formats.dates import from_struct_time
from services.ingest.formats.errors import FormatError
from services.ingest.formats.html_text import html_to_text, one_line, plain_text
from services.ingest.formats.safe_xml import check_prolog


def parse_feed(data: bytes, fmt: str = "rss") -> list[dict]:
    check_prolog(data, fmt, tolerant=True)
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=True)
    if not parsed.entries and parsed.get("bozo") and not parsed.feed:
        raise FormatError(fmt, f"not a readable feed: {parsed.get('bozo_exception')}")
    provider = one_line(parsed.feed.get("title"))
    feed_language = one_line(parsed.feed.get("language"))
    return [_entry_draft(entry, provider, feed_language) for entry in parsed.entries]


def parse_rss(data: bytes) -> list[dict]:
    return parse_feed(data, "rss")


def parse_atom(data: bytes) -> list[dict]:
    return parse_feed(data, "atom")


def _entry_draft(entry: Any, provider: str, feed_language: str) -> dict:
    fields = {
        "guid": one_line(entry.get("id")) or one_line(entry.get("link")),
        "headline": _text(entry.get("title_detail")) or one_line(entry.get("title")),
        "byline": one_line(entry.get("author")),
        "url": one_line(entry.get("link")),
        "provider": provider,
    }
    draft = {name: value for name, value in fields.items() if value}
    # `in` first: feedparser's get("updated_parsed") falls back to published_parsed with a DeprecationWarning.
    when = entry.get("updated_parsed") if "updated_parsed" in entry else None
    when = when or entry.get("published_parsed")
    if when:
        draft["versioncreated"] = from_struct_time(when)
    bodies = [*entry.get("content", []), entry.get("summary_detail")]
    for detail in filter(None, bodies):
        text = _text(detail, paragraphs=True)
        if text:
            draft["body_text"] = text
            language = one_line(detail.get("language")) or feed_language
            if language:
                draft["language"] = language.replace("_", "-")
            break
    else:
        if feed_language:
            draft["language"] = feed_language.replace("_", "-")
    return draft


def _text(detail: Any, paragraphs: bool = False) -> str:
    if not detail or not detail.get("value"):
        return ""
    value = detail["value"]
    text = html_to_text(value) if "html" in (detail.get("type") or "") else plain_text(value)
    return text if paragraphs else one_line(text)
