"""Plain-text wire copy: the body as sent, with a headline line and a wire dateline recognised.

A short first line (under 120 characters, not ending like a sentence) followed by a blank line is the
headline and leaves the body. A wire dateline opening the story ("ROSTOV, Russia (AP) —",
"LONDON, May 3 (Reuters) -", "BERLIN —") fills `dateline` and stays in the body, where readers expect it.
"""

from __future__ import annotations

import re

from services.ingest.formats.errors import FormatError
from services.ingest.formats.html_text import plain_text

_CAPS = "A-ZÀ-ÖØ-Þ"
WIRE_DATELINE = re.compile(
    r"^(?P<dateline>"
    rf"(?:[{_CAPS}][\w.'’ -]{{1,40}}(?:,\s*[\w.'’ ]{{1,30}})?\s*)?\([^\W\d_][\w .&'-]{{0,40}}\)"  # ... (AP)
    rf"|[{_CAPS}][{_CAPS}.'’ -]{{2,40}}(?:,\s*[\w.'’ ]{{1,30}})?"  # ALL-CAPS CITY, Region
    r")\s*(?:—|–|--|-)\s"
)
HEADLINE_MAX = 120


def decode_utf8(data: bytes, fmt: str) -> str:
    """Strict UTF-8 (a BOM is allowed): a wrong encoding is named with the first bad byte's offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        reason = f"not valid UTF-8 at byte {exc.start} (send UTF-8 text)"
        raise FormatError(fmt, reason, "body_text") from None


def find_dateline(body: str) -> str | None:
    match = WIRE_DATELINE.match(body)
    return match.group("dateline").strip() if match else None


def parse_text(data: bytes) -> list[dict]:
    text = decode_utf8(data, "text").replace("\r\n", "\n").replace("\r", "\n").strip()
    draft: dict = {}
    first, _, rest = text.partition("\n")
    first = first.strip()
    if (rest[:1] == "\n" or rest.lstrip(" \t")[:1] == "\n") and _is_headline(first):
        draft["headline"] = first
        text = rest
    body = plain_text(text)
    if not body:
        raise FormatError("text", "no body text found", "body_text")
    dateline = find_dateline(body)
    if dateline:
        draft["dateline"] = dateline
    draft["body_text"] = body
    return [draft]


def _is_headline(line: str) -> bool:
    return (
        0 < len(line) < HEADLINE_MAX
        and not line.endswith((".", ",", ":", ";"))
        and not WIRE_DATELINE.match(line + " ")
    )
