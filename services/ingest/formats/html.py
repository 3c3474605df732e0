"""HTML article pages -> one draft, main text extracted by trafilatura (navigation, ads and footers dropped).

headline <- the page's article title (og:title, <title>, <h1>); byline <- author metadata; url <- canonical
link; provider <- site name; versioncreated <- publication date; language <- <html lang>. The headline is
not repeated as the body's first line. The page's publication time is whatever trafilatura finds: a date
without a time is read as midnight UTC.
"""

from __future__ import annotations

import re

import trafilatura

from services.ingest.formats.dates import rfc3339
from services.ingest.formats.errors import FormatError
from services.ingest.formats.html_text import one_line, plain_text
from services.ingest.formats.text import decode_utf8, find_dateline

_LANG = re.compile(rb"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)", re.IGNORECASE)


def parse_html(data: bytes) -> list[dict]:
    page = decode_utf8(data, "html")
    if not page.strip():
        raise FormatError("html", "the page is empty", "body_text")
    document = trafilatura.bare_extraction(
        page, with_metadata=True, include_comments=False, favor_precision=True
    )
    text = plain_text(document.text or "") if document is not None else ""
    headline = one_line(document.title) if document is not None else ""
    if headline and text.startswith(headline + "\n"):
        text = text[len(headline) + 1 :]
    if not text:
        raise FormatError("html", "no article text found on the page", "body_text")
    draft = {"body_text": text}
    fields = {
        "headline": headline,
        "byline": one_line(document.author),
        "url": one_line(document.url),
        "provider": one_line(document.sitename),
    }
    draft |= {name: value for name, value in fields.items() if value}
    if document.date:
        draft["versioncreated"] = rfc3339(document.date, "html")
    language = _LANG.search(data[:4000])
    if language:
        draft["language"] = language.group(1).decode("ascii").replace("_", "-")
    dateline = find_dateline(text)
    if dateline:
        draft["dateline"] = dateline
    return [draft]
