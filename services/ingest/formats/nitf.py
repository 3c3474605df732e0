"""NITF (News Industry Text Format) -> one draft.

guid <- head/docdata/doc-id@id-string; headline <- body.head/hedline/hl1 (else head/title); byline, dateline
<- body.head; provider <- body.head/distributor; body <- body.content paragraphs plus body.end (taglines
often carry the credit lines syndication looks for); versioncreated <- docdata/date.release@norm, else
date.issue@norm; language <- xml:lang.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from services.ingest.formats.dates import rfc3339
from services.ingest.formats.errors import FormatError
from services.ingest.formats.html_text import element_text, inline_text
from services.ingest.formats.safe_xml import XML_LANG, child, first, local, parse_xml


def parse_nitf(data: bytes) -> list[dict]:
    root = parse_xml(data, "nitf")
    if local(root.tag) != "nitf":
        raise FormatError("nitf", f"root element <{local(root.tag)}> is not NITF")
    draft = nitf_fields(root, "nitf")
    if not draft.get("body_text"):
        raise FormatError("nitf", "no body text found in body/body.content", "body_text")
    return [draft]


def nitf_fields(nitf: ET.Element, fmt: str) -> dict:
    """Every raw field a <nitf> element carries (also used for NITF inside NewsML-G2)."""
    draft: dict = {}
    docdata = child(nitf, "head", "docdata")
    doc_id = child(docdata, "doc-id")
    if doc_id is not None and doc_id.get("id-string", "").strip():
        draft["guid"] = doc_id.get("id-string", "").strip()
    body_head = child(nitf, "body", "body.head")
    hedline = child(body_head, "hedline")
    headline = inline_text(child(hedline, "hl1")) or inline_text(child(nitf, "head", "title"))
    fields = {
        "headline": headline,
        "byline": inline_text(child(body_head, "byline")),
        "dateline": inline_text(child(body_head, "dateline")),
        "provider": inline_text(child(body_head, "distributor")),
    }
    draft.update({name: value for name, value in fields.items() if value})
    for name in ("date.release", "date.issue"):
        stamp = child(docdata, name)
        if stamp is not None and stamp.get("norm", "").strip():
            draft["versioncreated"] = rfc3339(stamp.get("norm", ""), fmt)
            break
    content = first(nitf, "body.content")
    language = nitf.get(XML_LANG) or (content.get(XML_LANG) if content is not None else None)
    if language:
        draft["language"] = language.strip()
    body = child(nitf, "body")
    if body is not None:
        parts = [element_text(part) for part in body if local(part.tag) in ("body.content", "body.end")]
        text = "\n".join(part for part in parts if part)
        if text:
            draft["body_text"] = text
    return draft
