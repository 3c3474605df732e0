"""Markup -> the plain body text of the raw record: one paragraph per line, spaces normalised, no tags.

Works on HTML strings (stdlib html.parser: tolerant, never fetches or expands anything) and on elements
already parsed from XML (NITF body.content, XHTML inside NewsML-G2), walked without recursion so deeply
nested hostile input cannot exhaust the stack.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from services.ingest.formats.safe_xml import local

# Elements that end a paragraph (HTML, plus NITF's own block elements).
_BLOCKS = """
    address article aside blockquote body br caption dd div dl dt figcaption figure footer form h1 h2 h3 h4
    h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr ul
    block body.content body.end hedline hl1 hl2 tagline note bibliography
"""
BLOCKS = frozenset(_BLOCKS.split())
# Elements whose content is never body text.
_SKIPPED = """
    script style head title noscript template iframe object embed svg math button select textarea
    media media-reference media-metadata media-producer
"""
SKIPPED = frozenset(_SKIPPED.split())
_SPACE = re.compile(r"\s+")


class _Paragraphs:
    def __init__(self) -> None:
        self.done: list[str] = []
        self.current: list[str] = []

    def text(self, value: str) -> None:
        self.current.append(value)

    def end(self) -> None:
        line = _SPACE.sub(" ", "".join(self.current)).strip()
        if line:
            self.done.append(line)
        self.current = []

    def result(self) -> str:
        self.end()
        return "\n".join(self.done)


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = _Paragraphs()
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in SKIPPED:
            self.skipping.append(tag)
        elif tag in BLOCKS and not self.skipping:
            self.out.end()

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        if tag in BLOCKS and not self.skipping:
            self.out.end()

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
        elif tag in BLOCKS:
            self.out.end()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.text(data)


def html_to_text(html: str) -> str:
    """An HTML fragment or page -> paragraphs separated by "\\n" ("" when it holds no text)."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return parser.out.result()


def element_text(element: ET.Element, skip: frozenset[str] = frozenset()) -> str:
    """An XML element's text as paragraphs, block elements (by local name) ending a paragraph."""
    out = _Paragraphs()
    stack: list[tuple[ET.Element, bool]] = [(element, False)]
    while stack:
        node, closing = stack.pop()
        name = local(node.tag).lower()
        if closing:
            if name in BLOCKS:
                out.end()
            if node is not element and node.tail:
                out.text(node.tail)
            continue
        if name in SKIPPED or name in skip or not isinstance(node.tag, str):
            if node is not element and node.tail:
                out.text(node.tail)
            continue
        if name in BLOCKS:
            out.end()
        if node.text:
            out.text(node.text)
        stack.append((node, True))
        stack.extend((kid, False) for kid in reversed(node))
    return out.result()


def inline_text(element: ET.Element | None) -> str:
    """A short element (headline, byline) as one line."""
    return "" if element is None else _SPACE.sub(" ", element_text(element)).strip()


def plain_text(text: str) -> str:
    """Plain text -> one paragraph per non-blank line, spaces within a line normalised."""
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def one_line(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()
