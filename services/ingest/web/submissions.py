"""HTTP request bodies -> article drafts, by content type. Pure (bytes in, list of dicts out), but for a log line
when a format parser fails in a way it should have named."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import fastjsonschema

from services.common.exceptions import RecordError
from services.common.logs import get_logger
from services.common.schemas import load_schema
from services.common.serialization import loads
from services.ingest import formats
from services.ingest.exceptions import Rejected
from services.ingest.formats.errors import FormatError

# Fields a desk may set through query parameters when the body itself cannot carry them (text, HTML).
QUERY_FIELDS = ("guid", "provider", "url", "headline", "byline", "dateline", "language", "versioncreated")

JSON_TYPES = ("application/json",)
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
FORMAT_TYPES = {
    "text/plain": "text",
    "text/html": "html",
    "application/vnd.iptc.ninjs+json": "ninjs",
    "application/xml": None,  # NewsML-G2, NITF, RSS or Atom: decided by the root element
    "text/xml": None,
    "application/vnd.iptc.g2.newsitem+xml": None,
    "application/nitf+xml": None,
    "application/rss+xml": None,
    "application/atom+xml": None,
}
SUPPORTED = (*JSON_TYPES, *NDJSON_TYPES, *FORMAT_TYPES)
# What a format parser raises when a document holds what it does not expect (a number where it reads an
# array, a date that overflows when moved to UTC): the document's fault, so a 400 like any unreadable body,
# never a 500.
_UNEXPECTED_STRUCTURE = (TypeError, AttributeError, KeyError, IndexError, ValueError, ArithmeticError)
log = get_logger("newswire.ingest")


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def drafts_from_body(content_type: str | None, body: bytes, query: Mapping[str, str]) -> list[Any]:
    kind = media_type(content_type)
    unknown = sorted(set(query) - set(QUERY_FIELDS))
    if unknown:
        raise Rejected(
            400,
            "unknown_parameter",
            f"unknown query parameter(s): {', '.join(unknown)}; known: {', '.join(QUERY_FIELDS)}",
        )
    if kind in SUPPORTED and FORMAT_TYPES.get(kind, "") is not None:
        _require_utf8(body)  # XML may declare another encoding: its parser checks
    if kind in JSON_TYPES:
        drafts = _json_drafts(body)
    elif kind in NDJSON_TYPES:
        drafts = _ndjson_drafts(body)
    elif kind in FORMAT_TYPES:
        drafts = _format_drafts(kind, body)
    else:
        raise Rejected(
            415,
            "unsupported_media_type",
            f"content type {kind or '(none)'!r} is not supported; use one of: {', '.join(SUPPORTED)}",
        )
    overrides = {k: v for k, v in query.items() if v}
    if kind in JSON_TYPES or kind in NDJSON_TYPES:
        _check_replaced(drafts, overrides)
    return [d | overrides if isinstance(d, dict) else d for d in drafts]


@functools.cache
def _field_checks() -> dict[str, Callable[[Any], Any]]:
    schema = load_schema("article-submission")
    return {
        field: fastjsonschema.compile({"$schema": schema.get("$schema"), **schema["properties"][field]})
        for field in QUERY_FIELDS
    }


def _check_replaced(drafts: list[Any], overrides: Mapping[str, str]) -> None:
    """422 when a JSON article's own value of a field the query sets is not valid: the query replaces it,
    but what the client wrote is checked like the rest of its article. (Parsed formats are not: setting a
    field their copy cannot carry, or carries wrongly, is what the query fields are for.)"""
    problems = []
    for index, draft in enumerate(drafts):
        if not isinstance(draft, dict):
            continue  # the schema check names it
        for field in overrides:
            if field in draft:
                try:
                    _field_checks()[field](draft[field])
                except fastjsonschema.JsonSchemaValueException as exc:
                    message = exc.message.split(" ", 1)[1] if exc.message.startswith("data") else exc.message
                    problems.append({"index": index, "field": field, "message": message})
    if problems:
        named = "; ".join(f"[{p['index']}] {p['field']}: {p['message']}" for p in problems[:5])
        raise Rejected(422, "invalid_article", f"schema violations: {named}", problems)


def _require_utf8(body: bytes) -> None:
    """Every text format is UTF-8: a wrong encoding is one answer (400) for every content type."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"the body is not valid UTF-8 at byte {exc.start} (send UTF-8 text)"
        raise Rejected(
            400, "invalid_encoding", reason, [{"index": 0, "field": "(body)", "message": reason}]
        ) from None


def _json_drafts(body: bytes) -> list[Any]:
    try:
        value = loads(body)
    except RecordError as exc:
        raise Rejected(400, "invalid_json", exc.reason) from None
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    raise Rejected(
        422,
        "invalid_article",
        "the body must be one article object or an array of them",
        [{"index": 0, "field": "(body)", "message": f"must be object or array, got {type(value).__name__}"}],
    )


def _ndjson_drafts(body: bytes) -> list[Any]:
    drafts = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            drafts.append(loads(line))
        except RecordError as exc:
            raise Rejected(
                400, "invalid_json", f"line {number}: {exc.reason}", [{"line": number, "message": exc.reason}]
            ) from None
    return drafts


def _format_drafts(kind: str, body: bytes) -> list[Any]:
    try:
        fmt = FORMAT_TYPES[kind] or formats.detect_format(kind, body)
        return formats.parse(fmt, body)
    except FormatError as exc:
        field = getattr(exc, "field", None)
        status = 422 if field else 400
        raise Rejected(
            status,
            "invalid_format",
            exc.reason,
            [{"index": 0, "field": field or "(body)", "message": exc.reason}],
        ) from None
    except _UNEXPECTED_STRUCTURE as exc:
        # Logged: the parser should name the problem itself (FormatError), so this is worth fixing there.
        detail = f"{type(exc).__name__}: {exc}"[:200]
        log.warning("format_parser_failed", content_type=kind, error=detail)
        reason = f"{FORMAT_TYPES[kind] or kind}: the document has a structure that cannot be read ({detail})"
        raise Rejected(
            400, "invalid_format", reason, [{"index": 0, "field": "(body)", "message": reason}]
        ) from None
