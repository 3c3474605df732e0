"""XML parsed safely: DTD entity declarations and external references are refused, never expanded.

`parse_xml` is defusedxml's ElementTree with DOCTYPEs allowed (NITF and NewsML files often carry one naming
their DTD, which is not fetched) but any entity declaration refused: that is what entity-expansion bombs
("billion laughs", quadratic blow-up) and external entities (XXE) need. `check_prolog` does the same check on
the prolog alone, for parsers that read the XML themselves (feedparser), and reports the root element.
Helpers find elements by local name, whatever namespace (or none) a provider used.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from xml.parsers import expat

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as SafeET

from services.ingest.formats.errors import FormatError

BOMB = "XML entity declarations are refused (possible entity-expansion bomb)"
EXTERNAL = "external entities are refused (the document references an outside resource)"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")


def parse_xml(data: bytes, fmt: str = "xml") -> ET.Element:
    """Bytes -> root element, or FormatError naming why (entities, external references, well-formedness)."""
    try:
        return SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as exc:
        raise FormatError(fmt, EXTERNAL if (exc.sysid or exc.pubid) else BOMB) from None
    except ExternalReferenceForbidden:
        raise FormatError(fmt, EXTERNAL) from None
    except DTDForbidden:  # not raised with forbid_dtd=False; kept so a changed default still maps cleanly
        raise FormatError(fmt, "XML document type declarations are refused") from None
    except ET.ParseError as exc:
        raise FormatError(fmt, _not_well_formed(data, str(exc))) from None


class _Root(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def check_prolog(data: bytes, fmt: str = "xml", *, tolerant: bool = False) -> str | None:
    """Read the prolog up to the root start tag: refuse entity declarations, return the root's local name.

    Only the prolog can declare entities, so stopping at the root tag keeps this cheap on large feeds.
    `tolerant` (for feedparser, which copes with broken XML): a prolog that is not well-formed gives None
    unless the bytes hold an entity declaration anywhere.
    """
    parser = expat.ParserCreate()

    def entity(*args: object) -> None:
        # EntityDeclHandler(name, is_parameter, value, base, system_id, public_id, notation)
        external = len(args) > 5 and (args[4] or args[5])
        raise FormatError(fmt, EXTERNAL if external else BOMB)

    def unparsed(*_args: object) -> None:
        raise FormatError(fmt, EXTERNAL)

    def start(name: str, _attrs: object) -> None:
        raise _Root(name.rsplit(":", 1)[-1])

    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = unparsed
    parser.ExternalEntityRefHandler = lambda *_args: unparsed()
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except _Root as root:
        return root.name
    except expat.ExpatError as exc:
        if not tolerant:
            raise FormatError(fmt, _not_well_formed(data, str(exc))) from None
        if _ENTITY_DECLARATION.search(data):
            raise FormatError(fmt, BOMB) from None
        return None
    if tolerant:
        return None
    raise FormatError(fmt, "no root element found (the document is empty or not XML)")


def local(tag: object) -> str:
    """'{http://iptc.org/std/nar/2006-10-01/}headline' -> 'headline'. Comments and PIs have no name."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (child for child in element if local(child.tag) == name)


def child(element: ET.Element | None, *path: str) -> ET.Element | None:
    """Follow direct children by local name: child(item, "contentMeta", "headline")."""
    for name in path:
        if element is None:
            return None
        element = next(children(element, name), None)
    return element


def descendants(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (node for node in element.iter() if local(node.tag) == name)


def first(element: ET.Element, name: str) -> ET.Element | None:
    return next(descendants(element, name), None)


def _not_well_formed(data: bytes, detail: str) -> str:
    declared = _DECLARED_ENCODING.match(data[:200])
    if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"not valid UTF-8 at byte {exc.start} (declare the encoding in the XML declaration)"
    return f"not well-formed XML: {detail}"
