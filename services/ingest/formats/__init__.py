"""Standard news formats -> article drafts (dicts of raw-record fields). Pure: bytes in, drafts out.

Supported: plain text, IPTC ninjs 1.x/2.x, NewsML-G2, NITF, RSS 2.0, Atom, HTML pages.
Every parser raises FormatError naming the problem; XML is parsed without DTDs or entities.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from services.ingest.formats.errors import FormatError
from services.ingest.formats.text import parse_text

FORMATS = ("text", "ninjs", "newsml", "nitf", "rss", "atom", "html", "json")
_CONTENT_TYPES = {
    "text/plain": "text",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/vnd.iptc.ninjs+json": "ninjs",
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/json": "json",
    "application/x-ndjson": "json",
}
_EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
    ".rss": "rss",
    ".atom": "atom",
}
_XML_ROOTS = {
    "newsItem": "newsml",
    "newsMessage": "newsml",
    "nitf": "nitf",
    "rss": "rss",
    "feed": "atom",
    "RDF": "rss",
    "html": "html",  # XHTML pages that open with an XML declaration
}


def detect_format(content_type: str | None, data: bytes, filename: str | None = None) -> str:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind in _CONTENT_TYPES:
        return _CONTENT_TYPES[kind]
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark must not hide "<?xml" or "{"
    name = (filename or "").lower()
    if name.endswith((".ninjs.json", ".ninjs")):
        return "ninjs"
    suffix = PurePath(name).suffix
    if kind.endswith(("/xml", "+xml")) or suffix == ".xml" or data.lstrip()[:5] == b"<?xml":
        return _xml_format(data)
    if suffix in _EXTENSIONS:
        fmt = _EXTENSIONS[suffix]
        return "ninjs" if fmt == "json" and _looks_like_ninjs(data) else fmt
    head = data.lstrip()[:200].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if head.startswith(b"<"):
        return _xml_format(data)
    if head.startswith((b"{", b"[")):
        return "ninjs" if _looks_like_ninjs(data) else "json"
    if kind:
        raise FormatError(kind, "is not a supported content type")
    return "text"


def _looks_like_ninjs(data: bytes) -> bool:
    head = data[:4000]
    return b'"uri"' in head and (
        b'"body_text"' in head or b'"bodies"' in head or b'"body_html"' in head or b'"headlines"' in head
    )


def _xml_format(data: bytes) -> str:
    from services.ingest.formats.safe_xml import check_prolog

    root = check_prolog(data)
    if root not in _XML_ROOTS:
        raise FormatError("xml", f"root element <{root}> is not NewsML-G2, NITF, RSS or Atom")
    return _XML_ROOTS[root]


def _parsers() -> dict[str, Callable[[bytes], list[dict]]]:
    # Imported on demand: trafilatura and feedparser take a while to import and most requests are text.
    from services.ingest.formats.feeds import parse_atom, parse_rss
    from services.ingest.formats.html import parse_html
    from services.ingest.formats.newsml import parse_newsml
    from services.ingest.formats.ninjs import parse_ninjs
    from services.ingest.formats.nitf import parse_nitf

    return {
        "text": parse_text,
        "ninjs": parse_ninjs,
        "newsml": parse_newsml,
        "nitf": parse_nitf,
        "rss": parse_rss,
        "atom": parse_atom,
        "html": parse_html,
    }


def parse(fmt: str, data: bytes) -> list[dict]:
    parser = parse_text if fmt == "text" else _parsers().get(fmt)
    if parser is None:
        raise FormatError(fmt, "no parser for this format")
    return parser(data)


__all__ = ["FORMATS", "FormatError", "detect_format", "parse"]
