"""IPTC ninjs (1.x and 2.x field names) -> drafts. One object, or an array of them.

guid <- uri; headline <- headline (1.x) or headlines[role=main|first].value (2.x); body <- body_text, or
bodies[] / body_html stripped to text (plain text preferred); byline <- byline / by / bylines[];
dateline <- dateline or located; language, versioncreated (UTC), provider, url as given.
"""

from __future__ import annotations

import json
from typing import Any

from services.ingest.formats.dates import rfc3339
from services.ingest.formats.errors import FormatError
from services.ingest.formats.html_text import html_to_text, one_line, plain_text
from services.ingest.formats.text import decode_utf8


def parse_ninjs(data: bytes) -> list[dict]:
    try:
        value = json.loads(decode_utf8(data, "ninjs"))
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise FormatError("ninjs", f"not valid JSON: {exc.msg} at {where}") from None
    items = value if isinstance(value, list) else [value]
    if not items:
        raise FormatError("ninjs", "the array holds no items")
    drafts = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            where = f"item {index}" if isinstance(value, list) else "the document"
            raise FormatError("ninjs", f"{where} is {type(item).__name__}, not a ninjs object")
        drafts.append(ninjs_draft(item))
    return drafts


def ninjs_draft(item: dict[str, Any]) -> dict:
    draft: dict = {}
    _put(draft, "guid", _string(item.get("uri")) or _string(item.get("guid")))
    _put(draft, "headline", _string(item.get("headline")) or _pick(item.get("headlines"), "main"))
    byline = _string(item.get("byline")) or _string(item.get("by")) or _bylines(item.get("bylines"))
    _put(draft, "byline", byline)
    _put(draft, "dateline", _string(item.get("dateline")) or _located(item.get("located")))
    _put(draft, "language", _string(item.get("language")).replace("_", "-"))
    _put(draft, "provider", _name(item.get("provider")))
    _put(draft, "url", _string(item.get("url")) or _link(item.get("links")))
    when = _string(item.get("versioncreated")) or _string(item.get("firstcreated"))
    if when:
        draft["versioncreated"] = rfc3339(when, "ninjs")
    body = _body(item)
    if not body:
        raise FormatError("ninjs", "no body text found (body_text, body_html or bodies[])", "body_text")
    draft["body_text"] = body
    return draft


def _body(item: dict[str, Any]) -> str:
    if _string(item.get("body_text")):
        return plain_text(item["body_text"])
    if _string(item.get("body_html")):
        return html_to_text(item["body_html"])
    bodies = [b for b in _list(item.get("bodies")) if isinstance(b, dict) and _string(b.get("value"))]
    # A plain-text rendition beats HTML; among equals, the main body (no role or role "main") first.
    bodies.sort(key=lambda b: ("html" in _content_type(b), b.get("role") not in (None, "", "main")))
    for body in bodies:
        text = html_to_text(body["value"]) if "html" in _content_type(body) else plain_text(body["value"])
        if text:
            return text
    return ""


def _content_type(body: dict) -> str:
    return _string(body.get("contenttype") or body.get("contentType") or body.get("content_type")).lower()


def _pick(values: Any, role: str) -> str:
    """2.x role-tagged arrays ([{"value", "role"}]): the `role` entry, else the first with a value."""
    entries = [v for v in _list(values) if isinstance(v, dict) and _string(v.get("value"))]
    chosen = next((v for v in entries if v.get("role") == role), entries[0] if entries else None)
    if chosen is None:
        return ""
    value = chosen["value"]
    return one_line(html_to_text(value)) if "html" in _content_type(chosen) else one_line(value)


def _bylines(values: Any) -> str:
    if not isinstance(values, list):
        return ""
    names = [_string(v) or _name(v) or _byline_entry(v) for v in values]
    return "; ".join(name for name in names if name)


def _byline_entry(value: Any) -> str:
    # {"byline": ...}, or AP's ninjs-based feeds: {"by": "By JANE DOE", "title": "Associated Press"}
    if not isinstance(value, dict):
        return ""
    return _string(value.get("byline")) or _string(value.get("by"))


def _located(value: Any) -> str:
    return _string(value) or _name(value)


def _link(links: Any) -> str:
    for link in _list(links):
        if isinstance(link, dict) and link.get("rel") in ("canonical", "self") and link.get("href"):
            return _string(link["href"])
    return ""


def _name(value: Any) -> str:
    if isinstance(value, dict):
        return _string(value.get("name")) or _string(value.get("value"))
    return _string(value)


def _list(value: Any) -> list:
    """A ninjs array, or nothing: a field of another type is ignored, as unknown fields are."""
    return value if isinstance(value, list) else []


def _string(value: Any) -> str:
    return one_line(value) if isinstance(value, str) else ""


def _put(draft: dict, field: str, value: str) -> None:
    if value:
        draft[field] = value
