"""NewsML-G2 -> drafts: one per text <newsItem>, whether the root is a newsItem or a newsMessage.

guid <- newsItem@guid; versioncreated <- itemMeta/versionCreated; provider <- itemMeta/provider (name or
literal/qcode); headline, by (byline), dateline (else located/name), language <- contentMeta; body <- the
first contentSet rendition with text: inlineXML holding NITF or (X)HTML, or inlineData (text or HTML).
Fields the embedded NITF carries fill what contentMeta leaves out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from services.ingest.formats.dates import rfc3339
from services.ingest.formats.errors import FormatError
from services.ingest.formats.html_text import element_text, html_to_text, inline_text, one_line, plain_text
from services.ingest.formats.nitf import nitf_fields
from services.ingest.formats.safe_xml import XML_LANG, child, children, descendants, local, parse_xml


def parse_newsml(data: bytes) -> list[dict]:
    root = parse_xml(data, "newsml")
    name = local(root.tag)
    if name == "newsItem":
        draft = newsitem_draft(root)
        if not draft.get("body_text"):
            raise FormatError("newsml", "no body text found in contentSet", "body_text")
        return [draft]
    if name != "newsMessage":
        raise FormatError("newsml", f"root element <{name}> is not a NewsML-G2 newsItem or newsMessage")
    items = list(descendants(root, "newsItem"))
    if not items:
        raise FormatError("newsml", "the newsMessage holds no newsItem")
    # Picture, video and graphic items of a message carry no text: skipped, as long as some item has text.
    drafts = [draft for draft in map(newsitem_draft, items) if draft.get("body_text")]
    if not drafts:
        raise FormatError("newsml", "no body text found in any newsItem of the newsMessage", "body_text")
    return drafts


def newsitem_draft(item: ET.Element) -> dict:
    meta = child(item, "itemMeta")
    content = child(item, "contentMeta")
    draft = _body(item)
    guid = item.get("guid", "").strip()
    byline = inline_text(child(content, "by")) or inline_text(child(content, "creator", "name"))
    dateline = inline_text(child(content, "dateline")) or inline_text(child(content, "located", "name"))
    fields = {
        "guid": guid,
        "headline": _headline(content),
        "byline": byline,
        "dateline": dateline,
        "provider": _provider(child(meta, "provider")),
        "language": _language(item, content),
    }
    draft.update({name: value for name, value in fields.items() if value})
    version = child(meta, "versionCreated")
    if version is not None and (version.text or "").strip():
        draft["versioncreated"] = rfc3339(version.text or "", "newsml")
    return draft


def _headline(content: ET.Element | None) -> str:
    headlines = list(children(content, "headline")) if content is not None else []
    main = [h for h in headlines if h.get("role", "").split(":")[-1] in ("", "main")]
    return inline_text((main or headlines or [None])[0])


def _provider(provider: ET.Element | None) -> str:
    if provider is None:
        return ""
    return (
        inline_text(child(provider, "name"))
        or one_line(provider.get("literal"))
        or one_line(provider.get("qcode", "").split(":")[-1])
    )


def _language(item: ET.Element, content: ET.Element | None) -> str:
    tag = child(content, "language")
    value = tag.get("tag") if tag is not None else None
    return one_line(value or item.get(XML_LANG))


def _body(item: ET.Element) -> dict:
    """The first rendition with text: its body (and, for NITF, its own headline etc. as fallbacks)."""
    content_set = child(item, "contentSet")
    for rendition in content_set if content_set is not None else []:
        kind = local(rendition.tag)
        content_type = rendition.get("contenttype", "").lower()
        if kind == "inlineXML":
            for root in rendition:
                if local(root.tag) == "nitf":
                    fields = nitf_fields(root, "newsml")
                else:  # XHTML (or any markup): its <body>, else everything
                    body = next(descendants(root, "body"), root)
                    fields = {"body_text": element_text(body)}
                if fields.get("body_text"):
                    return {k: v for k, v in fields.items() if k != "guid"}
        elif kind == "inlineData" and rendition.text:
            text = html_to_text(rendition.text) if "html" in content_type else plain_text(rendition.text)
            if text:
                return {"body_text": text}
    return {}
