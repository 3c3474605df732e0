"""Credit notes: the lines and sentences in which copy says where it comes from and who helped.

Where they are looked for, and which families count there:
- the closing block (the last few lines, walked up from the end until a line is no credit): every family;
- the first lines, above the story ("Courtesy of Forests News", "© 2024 Kyiv Herald", "Distributed by X"):
  origin families except the loose "From X" / "With X";
- the end of every paragraph, and the first sentence of the first lines: only the notes that cannot be
  story sentences: republication ("This article originally appeared on X."), provision and production
  ("This story was provided by X", "Material from X was used in this report");
- the very end of the copy: an agency's sign-off ("... into the US. PTI", "— AFP", "(CMC)"), and a
  broadcaster's ("Max Lee, KBS World Radio News.").

A credit that names a person ("Copyright © 2019 by Jane Doe", "Jane Doe contributed to this report") is
masked from the NER like every credit, but gives no outlet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from services.enrich.entities.name_lists import given_names
from services.enrich.syndication.datelines import looks_like_publication, outlet_name
from services.enrich.syndication.outlets import OutletIndex

CLOSING_LINES = 8  # credit lines sit in the last few lines of wire copy
HEAD_LINES = 3
# Notes are read in every sentence of the last paragraphs and of the opening, where a page puts them after
# other sentences ("Follow Ana Ruiz on Twitter. Originally published on Harbour Weekly.").
TAIL_LINES, TAIL_CHARS, OPENING_CHARS = 3, 600, 600
PAGE_ITEM_WORDS = 8
MAX_CREDIT_CHARS = 300

# Ranks: the lower wins. A republication note names the publication the copy comes from, above a
# copyright line (which may name the owner company) and above the dateline's agency.
NOTE, COPYRIGHT, DISTRIBUTOR, OWNER, HOUSE_STYLE = 0, 0, 1, 3, 3
DATELINE, SIGNOFF, NAMED_DATELINE = 2, 2, 4
# A copyright held by a publication that is no agency: on a published page it is as often the site's own
# footer as the copy's credit, so it yields to an agency's dateline, byline or sign-off.
PUBLISHER = 3

_WHO = r"(?P<who>.{2,160}?)"
_END = r"\s*[.!]?\s*$"
_DATE_TAIL = r"(?:\s+on\s+\S.*|\s+and is (?:republished|reprinted|reproduced|shared).*|\s+\(\d{4}\))?"
# The copy naming itself: "This story", "The following article", "A version of this story".
_SUBJECT = (
    r"(?P<subject>(?:this|the following) (?:news )?(?:article|story|report|piece|post|interview|essay|column|"
    r"commentary|op-ed|feature|content|video|podcast|episode) |a version of this (?:article|story|report|piece|post) )"
)
# Notes that are never story sentences: found at any paragraph end, first or last line, and anywhere in
# the first and the last paragraphs.
_NOTES = [
    (
        "origin",
        re.compile(
            r"^" + _SUBJECT + r"?(?:was |is |has been )?"
            r"(?:originally |first |initially )(?:published|appeared|ran|posted)\s+(?:on|in|by|at|with)\s+"
            r"(?:page \w+ (?:of|in) |the \w+(?: \d{4})? (?:issue|edition) of )?" + _WHO + _DATE_TAIL + _END,
            re.I,
        ),
    ),
    (
        "origin",
        re.compile(
            r"^(?:" + _SUBJECT + r"(?:is|was|has been) )?republished (?:here )?"
            r"(?:with (?:the )?(?:kind )?permission )?(?:of|from|by)\s+" + _WHO + _DATE_TAIL + _END,
            re.I,
        ),
    ),
    (
        "origin",
        re.compile(
            r"^(?P<subject>(?:reprinted|republished|reproduced|used|excerpted|adapted)\s+(?:with|by)\s+(?:the\s+)?"
            r"(?:kind\s+)?permission\s+(?:of|from))\s+" + _WHO + r"(?:[.,]?\s*all rights reserved)?" + _END,
            re.I,
        ),
    ),
    (
        "origin",
        re.compile(
            r"^(?P<subject>(?:(?:this|the following) )?(?:news )?(?:article|story|report|piece|content|post|feature|column)"
            r"(?: (?:was|is|has been))? )"
            r"(?:provided|produced|written|supplied|syndicated|distributed|published|reported)"
            r"(?: exclusively)? (?:by|for)\s+" + _WHO + _END,
            re.I,
        ),
    ),
    (
        "contributor",
        re.compile(
            r"^(?P<subject>(?:material|information|reporting|content) (?:from|by))\s+"
            + _WHO
            + r"\s+(?:was|were|is) "
            r"used in (?:this|the) (?:report|story|article)" + _END,
            re.I,
        ),
    ),
    (
        # "Some information for this report was provided by AFP and AP.", "Information from: Harbour Herald"
        "contributor",
        re.compile(
            r"^(?P<subject>(?:some |additional )?(?:information|material|details|reporting)"
            r" (?:for|in) (?:this|the) (?:report|story|article) (?:was|were|is|came|comes)"
            r" (?:provided |contributed |supplied |gathered |taken )?(?:by|from)|information from:?)\s+"
            + _WHO
            + _END,
            re.I,
        ),
    ),
]
# Where the noun phrase a note names ends: "provided by Harbour Weekly, dedicated to ...", "republished
# from the Valley Ledger, which covers ...", "produced by Harbour Weekly and is shared ...".
_PHRASE_END = re.compile(
    r"\s*[(;]|\s+[—–]|\s+--"
    r"|,?\s+dedicated to\b"
    r"|,\s+(?=[a-z])"  # an appositive or a clause: ", a nonprofit newsroom", ", which covers"
    r"|\s+(?:which|who|whose|where|that)\s"
    r"|\s+and\s+(?=[a-z])"  # "and is republished", "and the Valley Ledger": the first name
    r"|\s+(?:in partnership|in collaboration|as part of|with (?:the )?(?:support|funding|permission))\b"
)
_CALENDAR = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "yesterday",
    ]
)
_COPYRIGHT = re.compile(
    r"^(?:all (?:content|contents|material|text)s? (?:is |are )?)?"
    r"(?:(?:©|\(c\))\s*copyright|©|\(c\)|copyright(?:\s*(?:©|\(c\)))?)\s*(?:\d{4}(?:[-–]\d{2,4})?\s*,?\s*)?"
    r"(?P<by>by\s+)?" + _WHO + r"(?:,?\s*\d{4})?(?:[.,]?\s*all rights reserved)?" + _END,
    re.I,
)
# A picture's credit: photographer and agency split by a slash, or a picture library.
_PHOTO_CREDIT = re.compile(
    r"\s?/\s?|\b(?:Getty|Images|Photos?|Photography|Fotos?|Bild|Shutterstock|iStock|Alamy|Imago|"
    r"picture[- ]alliance|Unsplash|Pexels|Pixabay|Flickr)\b",
    re.I,
)
_COPYRIGHT_OPENS = re.compile(
    r"(?:all (?:content|contents|material|text)s? (?:is |are )?)?(?:©|\(c\)|copyright\b)", re.I
)
_CREDIT_WORDS = re.compile(r"©|\(c\)|(?i:copyright|contributed|reporting|files from)")
_COPYRIGHT_INSIDE = re.compile(r"(?<=\s)(?:©|\(c\)|Copyright\b|COPYRIGHT\b)")
_COPYRIGHT_MARK = re.compile(r"^(?:©|\(c\)|copyright\s*(?:©|\(c\)|\d{4}))", re.I)
_PROPERTY = re.compile(
    r"^this (?:article|story|content) is the copyrighted property of\s+" + _WHO + _END, re.I
)
_COURTESY = re.compile(r"^(?:courtesy of|source:?\s+courtesy of)\s+" + _WHO + _END, re.I)
_DISTRIBUTED = re.compile(r"^distributed by\s+" + _WHO + _END, re.I)
_FROM = re.compile(r"^from\s+" + _WHO + _END, re.I)
# "With AFP", and the same closing line in French and Spanish house style ("avec AFP", "con EFE").
_WITH = re.compile(r"^(?:with|avec|con)\s+" + _WHO + _END, re.I)
# "Additional reporting by Reuters", "With reporting by dpa", "With additional reporting from AFP".
_REPORTING_FROM = (
    r"(?:(?:with\s+(?:additional\s+|further\s+)?|(?:additional|further)\s+)reporting\s+(?:by|from)"
    r"|with\s+(?:files|reports)\s+from)\s+"
)
_CONTRIBUTED = [
    re.compile(r"^" + _WHO + r"\s+contributed(?: to)? (?:to )?this (?:report|story|article)" + _END, re.I),
    re.compile(
        r"^"
        + _WHO
        + r"\s+contributed(?:\s+(?:additional\s+)?reporting)?(?:\s+(?:from|in|at)\s+[^.;]+)?"
        + _END,
        re.I,
    ),
    re.compile(r"^" + _REPORTING_FROM + _WHO + _END, re.I),
]
_SIGNOFF = re.compile(
    r"^(?:(?:reporting|writing|editing|compiled|additional reporting|graphics|"
    r"produced|edited|written)\s+by|with assistance from|"
    r"to contact the (?:reporters?|editors?)(?: responsible)?(?: for this story)?:?)\s+.+$",
    re.I,
)
# The end of the copy: "... into the US. PTI", "... on Monday. — AFP", "... (CMC)", "-- IANS".
_END_SIGNOFF = re.compile(
    r"(?:(?P<dash>(?:^|\s)[—–-]{1,2}\s*)|(?P<paren>\()|(?P<bare>^|(?<=[.!?”\"’')\]])\s+))"
    r"(?P<who>[A-Za-z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,3})(?(paren)\))\s*$"
)
_ENDS_A_SENTENCE = re.compile(r"[.!?][\"”’')\]]*$")
# "(Reuters, AP)", "(AFP, dpa)" closing the copy.
_PARENS_LIST = re.compile(r"\((?P<who>[A-Za-z][\w&.'’-]*(?:\s*(?:,|and|&)\s*[A-Za-z][\w&.'’-]*){1,4})\)\s*$")
# A dash and an outlet's name closing the copy, on a line of its own or after its last sentence, maybe with
# partners and the writer after it ("– The Straits Times/Asia News Network/Ana Ruiz"), maybe with the page's
# next words after an agency's ("... him. — PTI Printer friendly page").
_DASH_SIGNOFF = re.compile(
    r"(?:^|(?<=[.!?”\"’')\]])\s+)(?P<dash>[—–-]{1,2})\s*"
    r"(?P<who>(?:The\s+)?[A-Z][\w&.'’-]*(?:\s+(?:of\s+)?[A-Z][\w&.'’-]*){0,4})"
    r"(?:/[^\n]*|\s*$|(?P<more>\s+[A-Z][^\n]*$))"
)
# A broadcaster's sign-off: "Max Lee, KBS World Radio News."
_BROADCAST_SIGNOFF = re.compile(r"^(?P<person>[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3}),\s+" + _WHO + _END)
_PARENS_STYLE = "credits-in-parentheses"
_STAFF_IN_PARENTHESES = re.compile(
    r"^\((?:reporting|writing|additional reporting)\s+by\s+[^()]+;\s*(?:[^()]+;\s*)?editing by\s+[^()]+\)$",
    re.I,
)
_PARENS = re.compile(r"^\((?P<inner>.*)\)$")
_SMALL_WORDS = frozenset(
    ["of", "the", "and", "de", "del", "della", "di", "du", "la", "le", "el", "&", "für", "in", "on", "for"]
)
_COMPANY_WORDS = frozenset(
    [
        "Corp",
        "Corp.",
        "Corporation",
        "Inc",
        "Inc.",
        "LLC",
        "Ltd",
        "Ltd.",
        "Limited",
        "Co",
        "Co.",
        "Company",
        "Group",
        "Holdings",
        "PLC",
        "plc",
        "Incorporated",
        "Communications",
        "Enterprises",
        "Publishing",
        "GmbH",
        "AG",
        "SA",
        "S.A.",
        "LP",
        "L.P.",
    ]
)
_DOMAIN = re.compile(
    r"^(?:www\.)?(?P<stem>[A-Za-z][\w-]{2,40})\.(?i:com|net|org|co|news|info|tv)(?:\.[a-z]{2})?$"
)
# An outlet's possessive before its staff in a contribution credit, in whatever case the page writes it:
# "FOX News' Ana Ruiz and Bo Li contributed", "HarbourNews' Ana Ruiz contributed".
_POSSESSIVE_OUTLET = re.compile(
    r"(?:^|(?<=\s))(?P<name>[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*){0,3}?)['’]s?\s+[A-Z]"
)


@dataclass
class Credits:
    origins: list[tuple[int, str, str]] = field(default_factory=list)  # (rank, name, line)
    contributors: list[tuple[str, str]] = field(default_factory=list)  # (name, line)
    spans: list[tuple[int, int]] = field(default_factory=list)


def find_credits(body_text: str, outlets: OutletIndex) -> Credits:
    found = Credits()
    lines = [(start, text) for start, _, text in _lines_with_offsets(body_text) if text.strip()]
    read = _closing_block(lines, outlets, found)
    tail = set(_tail(lines, len(body_text)))
    for i, (start, line) in enumerate(lines[:HEAD_LINES]):
        if (start, line) in read:
            continue
        head = Credits()
        if _read_head_line(start, line, outlets, head):
            _merge(found, head, site_footer=i > 0 and _is_chrome(lines[i - 1][1]))
            if (start, line) not in tail:  # in short copy the contribution credits are read there too
                read.add((start, line))
    for start, line in lines:
        if (start, line) in read:
            continue
        if (start, line) in tail:
            _read_sentences(start, line, outlets, found, contributions=True, copyrights=True)
        else:
            if start < OPENING_CHARS:
                _read_sentences(start, line[: OPENING_CHARS - start], outlets, found)
            _read_paragraph_end(start, line, outlets, found)
            if _CREDIT_WORDS.search(line):
                # A contribution credit or an agency's copyright is no story sentence: read wherever the
                # page puts it (above its related stories, say), a publication's copyright masked only.
                _read_sentences(start, line, outlets, found, notes=False, contributions=True, copyrights=True)
    _end_signoff(lines, outlets, found, read)
    return found


def _tail(lines, length: int):
    """The last paragraphs: from the third-last line of story text (six words or more: not a page's
    "Share this" or "Related" items) to the end, and the last TAIL_CHARS characters."""
    content = [i for i, (_, text) in enumerate(lines) if len(text.split()) >= 6 and _SENTENCE_IN.search(text)]
    first = content[-TAIL_LINES] if len(content) >= TAIL_LINES else 0
    return [(s, t) for i, (s, t) in enumerate(lines) if i >= first or s + len(t) >= length - TAIL_CHARS]


def _read_sentences(
    start: int,
    line: str,
    outlets: OutletIndex,
    found: Credits,
    *,
    notes: bool = True,
    contributions: bool = False,
    copyrights: bool = False,
) -> None:
    """Credits in any sentence of the line: the notes; with `contributions`, the contribution credits
    ("Reuters contributed to this report.", "With reporting by dpa."); with `copyrights`, an agency's
    copyright ("Copyright 2008 Associated Press."), also run into a sentence's end. Away from the copy's
    last line, a copyright held by a publication or a company is the site's, not the copy's."""
    for begin, end in _sentence_spans(line):
        sentence = line[begin:end]
        if len(sentence) > MAX_CREDIT_CHARS:
            continue
        part = _unwrap(sentence)  # "(This article was provided by X)", "– Additional reporting from X"
        if (
            (notes and _read_notes(part, sentence, outlets, found))
            or (contributions and _read_contribution(part, sentence, outlets, found))
            or (copyrights and _COPYRIGHT_OPENS.match(part) and _read_agency_copyright(part, outlets, found))
        ):
            found.spans.append((start + begin, start + end))
        elif copyrights:
            # "... northwest of Ventura Copyright 2008 The Associated Press.", "Brought to you by AAP © AAP"
            inside = _COPYRIGHT_INSIDE.search(sentence)
            if inside and _read_agency_copyright(sentence[inside.start() :], outlets, found, masked=False):
                found.spans.append((start + begin + inside.start(), start + end))


def _read_contribution(part: str, sentence: str, outlets: OutletIndex, found: Credits) -> bool:
    """A contribution credit inside a paragraph: it must name an outlet."""
    for pattern in (_CONTRIBUTED[0], _CONTRIBUTED[2]):
        match = pattern.match(part)
        if match:
            names = _credited(match.group("who"), outlets)
            found.contributors.extend((name, sentence) for name in names)
            return bool(names)
    return False


def _read_agency_copyright(
    sentence: str, outlets: OutletIndex, found: Credits, *, masked: bool = True
) -> bool:
    """An agency's copyright (the origin) or a site's (masked when `masked`, no origin)."""
    scratch = Credits()
    if not _read_copyright(sentence, sentence, outlets, scratch):
        return False
    agencies = [(PUBLISHER, n, line) for _, n, line in scratch.origins if outlets.kind(n) == "agency"]
    found.origins.extend(agencies)
    return masked or bool(agencies)


def _closing_block(lines, outlets: OutletIndex, found: Credits) -> set[tuple[int, str]]:
    """Walk up from the last line; the closing block ends at the first line that is not a credit."""
    taken = set()
    block = Credits()
    above = None
    for start, line in reversed(lines[-CLOSING_LINES:]):
        text = line.strip()
        if _STAFF_IN_PARENTHESES.match(text):
            # "(Reporting by A; Editing by B)": the house style of one agency, which it names.
            block.origins.extend((HOUSE_STYLE, name, text) for name in outlets.with_style(_PARENS_STYLE)[:1])
        if not _read_credit_line(start, line, outlets, block, closing=True):
            above = text
            break
        taken.add((start, line))
    _merge(found, block, site_footer=above is not None and _is_chrome(above))
    return taken


def _merge(found: Credits, read: Credits, *, site_footer: bool) -> None:
    """Credits read from a block of lines. Under page chrome (menu items, tags, link lists) rather than the
    story, a publication's copyright is the site's footer: masked, no origin."""
    found.origins.extend(o for o in read.origins if not (site_footer and o[0] == PUBLISHER))
    found.contributors.extend(read.contributors)
    found.spans.extend(read.spans)


def _is_chrome(text: str) -> bool:
    """A line of the page, not of the story: it does not end as a sentence ends."""
    return not re.search(r"[.!?\"”’')\]:;]$", text.strip())


def _read_head_line(start: int, line: str, outlets: OutletIndex, found: Credits) -> bool:
    """A credit line above the story."""
    return _read_credit_line(start, line, outlets, found, closing=False)


def _read_credit_line(start: int, line: str, outlets: OutletIndex, found: Credits, *, closing: bool) -> bool:
    """A line of credits, masked and kept whole ("Reuters contributed to this report. From The Epoch
    Times"); in a line that also holds story sentences ("Follow Ana Ruiz on Twitter. Originally published
    on X."), only the credit sentences."""
    text = line.strip()
    if len(text) > MAX_CREDIT_CHARS:
        return False
    lead = len(line) - len(line.lstrip())
    spans = _sentence_spans(_unwrap(text)) if _PARENS.match(text) else _sentence_spans(text)
    if len(spans) <= 1 or _PARENS.match(text):
        if _read_credit(_unwrap(text), text, outlets, found, closing=closing):
            _add_span(found, start, line, text)
            return True
        return False
    credits = [
        _read_credit(_unwrap(text[a:b]), text[a:b], outlets, Credits(), closing=closing) for a, b in spans
    ]
    if not any(credits):
        return False
    if all(credit or len(text[a:b].split()) <= 3 for (a, b), credit in zip(spans, credits, strict=True)):
        # a line of credits: "© 2024 Kyiv Herald. All rights reserved."
        if not _read_credit(_unwrap(text), text, outlets, found, closing=closing):
            for (a, b), credit in zip(spans, credits, strict=True):
                if credit:
                    _read_credit(_unwrap(text[a:b]), text, outlets, found, closing=closing)
        _add_span(found, start, line, text)
        return True
    for (a, b), credit in zip(spans, credits, strict=True):
        if credit:
            _read_credit(_unwrap(text[a:b]), text[a:b], outlets, found, closing=closing)
            found.spans.append((start + lead + a, start + lead + b))
    return True


def _read_paragraph_end(start: int, line: str, outlets: OutletIndex, found: Credits) -> None:
    """A republication or provision note closing a paragraph."""
    sentence = _sentences(line.strip())[-1]
    if len(sentence) <= MAX_CREDIT_CHARS and _read_notes(sentence, sentence, outlets, found):
        offset = line.rfind(sentence)
        found.spans.append((start + offset, start + offset + len(sentence)))


def _read_notes(part: str, line: str, outlets: OutletIndex, found: Credits) -> bool:
    for family, pattern in _NOTES:
        match = pattern.match(part)
        if not match:
            continue
        who = match.group("who")
        names = _note_names(who, outlets, named_subject=bool(match.group("subject")))
        if family == "origin" and names:
            found.origins.append((NOTE, names[0], line))
            return True
        if family == "contributor":
            # a listed outlet or a publication's name: "Reporting from Washington" names a place
            names = _credited(who, outlets) or [n for n in names if looks_like_publication(n)]
            if names:
                found.contributors.extend((name, line) for name in names)
                return True
        # "This story was produced by Jane Doe": a credit, no outlet
        return _is_person(who) or _is_person(_noun_phrase(who))
    return False


def _noun_phrase(who: str) -> str:
    """The name a note's grammar names: up to an appositive, a clause, "dedicated to", "and is ..."."""
    end = _PHRASE_END.search(who)
    return who[: end.start()].strip() if end else who.strip()


def _note_names(who: str, outlets: OutletIndex, *, named_subject: bool) -> list[str]:
    """The outlet a note names: the whole name when the registry knows it ("The Post and Courier"), else the
    noun phrase its grammar names, else what `_names` reads in the whole. A note without its subject
    ("Originally published in Paris, the magazine ...") may open a story sentence, so there the noun phrase
    before a clause must look like a publication."""
    cleaned = _clean(who)
    listed = outlet_name(cleaned, outlets)
    if listed:
        return [listed]
    phrase = _clean(_noun_phrase(cleaned))
    if phrase != cleaned:
        if not phrase or _is_person(phrase):
            return []
        names = _names(phrase, outlets)
        strong = named_subject or (
            names
            and (outlet_name(names[0], outlets) or looks_like_publication(names[0]) or _DOMAIN.match(phrase))
        )
        return names if strong else []
    return _names(who, outlets)


def _read_credit(text: str, line: str, outlets: OutletIndex, found: Credits, *, closing: bool) -> bool:
    """Record what one credit line says; False when it is not a credit line at all.
    A line may hold several credits: "Reuters contributed to this report. From The Epoch Times"."""
    matched_any = False
    for part in _sentences(text):
        if _read_notes(part, line, outlets, found) or _read_line_credit(part, line, outlets, found, closing):
            matched_any = True
    return matched_any


def _read_line_credit(part: str, line: str, outlets: OutletIndex, found: Credits, closing: bool) -> bool:
    copyright = _read_copyright(part, line, outlets, found)
    if copyright is not None:
        return copyright
    for pattern, rank in ((_COURTESY, NOTE), (_DISTRIBUTED, DISTRIBUTOR)):
        match = pattern.match(part)
        if match:
            names = _names(match.group("who"), outlets)
            if names:
                found.origins.append((rank, names[0], line))
                return True
            return False
    if not closing:
        return False
    match = _FROM.match(part)
    if match:
        who = match.group("who").strip()
        if not (outlets.canonical(who.removesuffix(".")) or _looks_like_title(who)):
            return False  # "From the start, CNN said ..." closing a story is a sentence, not a credit
        names = _names(who, outlets)
        if names:
            found.origins.append((NOTE, names[0], line))
            return True
        return False
    if _SIGNOFF.match(part):
        for segment in re.split(r"\s*;\s*", part):
            if re.match(_REPORTING_FROM, segment, re.I):
                found.contributors.extend((name, line) for name in _credited(segment, outlets))
        return True
    for pattern in (*_CONTRIBUTED, _WITH):
        match = pattern.match(part)
        if not match:
            continue
        who = match.group("who").strip()
        if pattern is _WITH and not (_all_outlets(who, outlets) or _looks_like_title(who)):
            return False
        names = _credited(who, outlets)
        if names:
            found.contributors.extend((name, line) for name in names)
            return True
        # "Jane Doe contributed to this report": a credit line (mask it), but no outlet.
        return pattern is not _WITH and _looks_like_title(who)
    return False


def _read_copyright(part: str, line: str, outlets: OutletIndex, found: Credits) -> bool | None:
    """A copyright line: None when `part` is none. Its holder is the origin when an agency holds it
    ("Copyright 2008 Associated Press"); a publication's ranks below an agency's dateline; a company no
    list knows ("© 2008 Harbour Media Group Ltd.") owns the page, and says nothing of where the copy comes
    from."""
    match = _COPYRIGHT.match(part) or _PROPERTY.match(part)
    if not match:
        return None
    who = match.group("who")
    if _PHOTO_CREDIT.search(who):
        return True  # "© Jane Doe/Getty Images", "© AFP / JANE DOE": the picture's, not the copy's
    names = _holder_names(who, outlets)
    authored = match.groupdict().get("by") and not looks_like_publication(names[0]) if names else False
    if authored and not outlet_name(names[0], outlets):
        return True  # "Copyright © 2019 by Ana Ruiz": an author's, whatever the given-name list knows
    if names:
        listed = outlet_name(names[0], outlets)
        agency = listed is not None and outlets.kind(listed) == "agency"
        if not agency and (_is_company(names[0]) or _is_company(_clean_end(who)) or _YEAR_RANGE.search(part)):
            # "© 2008 Harbour Media, LLC", "©1996-2008 Harbour Herald": the notice of the page's owner, over
            # the years of the site; an agency's copyright goes with its copy wherever it runs.
            return True
        found.origins.append((COPYRIGHT if agency else PUBLISHER, listed or names[0], line))
    return bool(names) or _is_person(who) or bool(_COPYRIGHT_MARK.match(part))


_YEAR_RANGE = re.compile(r"\b(?:19|20)\d{2}\s*[-–]\s*(?:19|20)?\d{2}\b")


def _clean_end(who: str) -> str:
    """The holder as written, to its company designation: "FOX News Network, LLC." -> "... LLC"."""
    return re.sub(r"[,.]", " ", who).strip()


_HELD_FROM = re.compile(r"\b(?:from|by|of)\s+(\S.*)$")
_HOLDER_SEPARATOR = re.compile(r"\s*,\s*|\s+(?:and|&)\s+")


def _holder_names(who: str, outlets: OutletIndex) -> list[str]:
    """The outlet holding a copyright: the whole name, or with its company designation ("Bloomberg L.P.",
    "The Seattle Times Company", "Press Association Ltd."), or one holder of a list; never a listed name
    inside a longer one ("The Times Leader" is not The Times)."""
    cleaned = _clean(who)
    if not cleaned[:1].isupper() and not cleaned[:1].isdigit():
        return []  # "Copyright and Trade Mark Notice": a link, no holder
    holders = [cleaned] + [h for h in _HOLDER_SEPARATOR.split(cleaned) if h and h != cleaned]
    holders += [
        m.group(1) for h in holders for m in [_HELD_FROM.search(h)] if m
    ]  # "news from Canadian Press"
    for holder in holders:
        listed = outlet_name(holder, outlets) or outlet_name(_without_company(holder), outlets)
        if listed:
            return [listed]
    if _is_person(cleaned):
        return []
    domain = _DOMAIN.match(cleaned)
    if domain:
        return [outlets.compact(domain.group("stem")) or _split_camel(domain.group("stem"))]
    if _is_date(cleaned):
        return []
    if _looks_like_title(cleaned) or looks_like_publication(cleaned):
        return [cleaned]
    return []


def _without_company(name: str) -> str:
    words = name.split()
    while len(words) > 1 and words[-1].strip(",") in _COMPANY_WORDS:
        words.pop()
    return " ".join(words).strip(", ")


def _end_signoff(lines, outlets: OutletIndex, found: Credits, credits=frozenset()) -> None:
    """The agency or broadcaster that signs off the copy at the end of its last paragraph: the last line,
    or past the page's items and footer after it ("Print this article", "Topics: ..."), the last line of
    the story."""
    for start, line in _last_story_lines(lines, credits):
        if _read_signoff(start, line, outlets, found):
            return


def _last_story_lines(lines, credits=frozenset(), limit: int = 40):
    """The last line, and up from it past a page's items (short lines that end no sentence: "Print this
    article", "Front Page") and the closing credits, to the first line that is neither."""
    for start, line in reversed(lines[-limit:]):
        if (start, line) in credits and (start, line) != lines[-1]:
            continue
        yield start, line
        item = not _ENDS_A_SENTENCE.search(line.rstrip()) and len(line.split()) <= PAGE_ITEM_WORDS
        if not item and (start, line) not in credits:
            return


def _read_signoff(start: int, line: str, outlets: OutletIndex, found: Credits) -> bool:
    text = line.rstrip()
    match = _BROADCAST_SIGNOFF.match(text.strip())
    if match and not _is_person(match.group("who")):
        name = outlet_name(match.group("who").strip().removesuffix("."), outlets)
        if name:
            found.origins.append((SIGNOFF, name, text.strip()))
            _add_span(found, start, line, text.strip())
            return True
    match = _PARENS_LIST.search(text)
    if match:  # "cmb/sms (Reuters, AP)": the agencies the copy was written from
        names = [outlets.canonical(p) for p in _OUTLET_LIST_SEPARATOR.split(match.group("who"))]
        if all(n and outlets.kind(n) == "agency" for n in names):
            found.contributors.extend((n, text[match.start() :].strip()) for n in names)
            found.spans.append((start + match.start(), start + len(text)))
            return True
    match = _DASH_SIGNOFF.search(text)
    if match:  # "... on Monday. — The Harbour Herald", "– The Harbour Herald/Asia Wire/Ana Ruiz"
        words = match.group("who").strip().removesuffix(".").split()
        # the longest listed name the words open with: "PTI Printer" is PTI and the page's next word
        lengths = [n for n in range(len(words), 0, -1) if outlet_name(" ".join(words[:n]), outlets)]
        name = outlet_name(" ".join(words[: lengths[0]]), outlets) if lengths else None
        more = match.group("more") or (lengths and lengths[0] < len(words))
        if name and (outlets.kind(name) == "agency" or not more):
            found.origins.append((SIGNOFF, name, text[match.start("dash") :].strip()))
            found.spans.append((start + match.start("dash"), start + len(text)))
            return True
    match = _END_SIGNOFF.search(text)
    if not match:
        return False
    who = match.group("who").strip().removesuffix(".")
    name = outlets.canonical(who)
    if not name or outlets.kind(name) != "agency" or any(n == name for _, n, _ in found.origins):
        return False
    if match.group("bare") is not None and match.start("who") > 0:
        # A bare name closing a sentence signs off only for agencies whose house style it is
        # ("... into the US. PTI"), written as the agency writes it (capitals, or dpa's lower case).
        as_written = who.isupper() or (outlets.has_style(name, "lowercase") and who.islower())
        if not (outlets.has_style(name, "signoff") and as_written):
            return False
    begin = match.start("who") if match.group("bare") is not None else match.start()
    begin += len(text[begin:]) - len(text[begin:].lstrip())
    found.origins.append((SIGNOFF, name, text[begin:].strip()))
    found.spans.append((start + begin, start + len(text)))
    return True


# "AFP and Reuters", "AFP et Reuters", "EFE y AFP", "dpa und AFP".
_OUTLET_LIST_SEPARATOR = re.compile(r"\s*,\s*|\s+(?:and|et|y|und|e)\s+")


def _all_outlets(who: str, outlets: OutletIndex) -> bool:
    """Every name in the list is a listed outlet: "With AFP and Reuters" credits both."""
    parts = [p for p in _OUTLET_LIST_SEPARATOR.split(who.strip().removesuffix(".")) if p]
    return bool(parts) and all(outlets.canonical(p) for p in parts)


def _names(who: str, outlets: OutletIndex) -> list[str]:
    """The outlets a credit names: listed ones, else the credited name when it looks like a title."""
    who = _clean(who)
    if _is_person(who):
        return []
    listed = outlet_name(who, outlets)
    if listed:
        return [listed]
    found = _listed(who, outlets)
    if found:
        return found
    domain = _DOMAIN.match(who)
    if domain:
        return [outlets.compact(domain.group("stem")) or _split_camel(domain.group("stem"))]
    if _is_date(who):
        return []  # "originally published in March", "first appeared in 1999"
    if _looks_like_title(who) or looks_like_publication(who):
        return [who]
    return []


def _clean(who: str) -> str:
    """ "Basic Books, New York, NY." -> "Basic Books"; "Kyiv Herald, 21. Jan. 2015" -> "Kyiv Herald"."""
    who = who.strip().removesuffix(".").strip()
    parts = [p.strip() for p in who.split(",")]
    while len(parts) > 1 and (_is_place(parts[-1]) or any(ch.isdigit() for ch in parts[-1])):
        parts.pop()
    return ", ".join(parts)


def _is_date(text: str) -> bool:
    words = [w.strip(".,").lower() for w in text.split()]
    return bool(words) and all(w.isdigit() or w in _CALENDAR or w in ("the", "of") for w in words)


def _is_place(segment: str) -> bool:
    words = segment.split()
    return 1 <= len(words) <= 3 and all(w[:1].isupper() and w.lower() not in _SMALL_WORDS for w in words)


def _is_person(who: str) -> bool:
    """ "Jane Doe", "Thomas W. Malone", "by Ganesh Sitaraman": a given name opening two to four words."""
    cleaned = _clean(who).removeprefix("by ")
    if looks_like_publication(cleaned):
        return False  # "Forest Watch News": a given name may open a publication's name
    words = cleaned.split()
    return 2 <= len(words) <= 4 and words[0] in _given_names() and all(w[:1].isupper() for w in words)


is_person = _is_person


@cache
def _given_names() -> frozenset[str]:
    return given_names()


def _is_company(name: str) -> bool:
    return name.split()[-1] in _COMPANY_WORDS if name.split() else False


def _listed(text: str, outlets: OutletIndex) -> list[str]:
    return unique(outlets.canonical(m.group(0)) for m in outlets.pattern.finditer(text))


def _credited(text: str, outlets: OutletIndex) -> list[str]:
    """The outlets a credit's grammar names: listed ones as written, and agencies in any case ("With
    reporting by dpa.", "reuters contributed"): all lower or all upper case, a name of its own (not "Ani"
    opening "Ani Petrosyan")."""
    found = [(m.start(), m.group(0)) for m in outlets.pattern.finditer(text)]
    if outlets.agency_pattern is not None:
        for m in outlets.agency_pattern.finditer(text):
            written = m.group(0)
            if (written.islower() or written.isupper()) and not re.match(r"\s+[A-Z]", text[m.end() :]):
                found.append((m.start(), written))
    for m in _POSSESSIVE_OUTLET.finditer(text):
        name = outlets.canonical(m.group("name")) or outlets.compact(m.group("name"))
        if name:
            found.append((m.start(), name))
    return unique(outlets.canonical(form) for _, form in sorted(found))


def _looks_like_title(text: str) -> bool:
    """ "Kyiv Herald", "The Daily Planet", "Little, Brown and Company": capitalised words, short."""
    words = text.removesuffix(".").replace(",", " ").split()
    if not 1 <= len(words) <= 6 or any(ch in text for ch in ';:!?"“”'):
        return False
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _SMALL_WORDS for w in words)


def _split_camel(stem: str) -> str:
    """ "BreakingBelizeNews" -> "Breaking Belize News"; "BVINEWS" stays as it is."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem)


def _add_span(found: Credits, start: int, line: str, text: str) -> None:
    lead = len(line) - len(line.lstrip())
    found.spans.append((start + lead, start + lead + len(text)))


def _unwrap(text: str) -> str:
    match = _PARENS.match(text)
    return match.group("inner").strip() if match else text.lstrip("—–- ").strip()


def _sentences(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"(?<=[a-z)”\"][.!])\s+(?=[A-Z(©])", text) if p.strip()]
    return parts or [text]


_SENTENCE_IN = re.compile(r"[a-z0-9)][.!?][\"”’')]*(?:\s|$)")
_ABBREVIATIONS = frozenset(
    [
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "St",
        "Jr",
        "Sr",
        "Gen",
        "Sen",
        "Rep",
        "Gov",
        "Lt",
        "Col",
        "Capt",
        "No",
        "Co",
        "Inc",
        "Ltd",
    ]
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[A-Z(©“\"‘—–])")


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Each sentence's (start, end) in `text`, surrounding space left out."""
    spans, begin = [], 0
    for match in _SENTENCE_BREAK.finditer(text):
        word = text[max(0, match.start() - 5) : match.start()].split()[-1:]
        stem = word[0].rstrip(".!?") if word else ""
        if (len(stem) == 1 and stem.isupper()) or stem in _ABBREVIATIONS:
            continue  # "Melanie S. Welte", "Mr. Singh": no sentence ends there
        spans.append((begin, match.start()))
        begin = match.end()
    spans.append((begin, len(text)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        a += len(piece) - len(piece.lstrip())
        b -= len(piece) - len(piece.rstrip())
        if b > a:
            out.append((a, b))
    return out


def _lines_with_offsets(text: str) -> list[tuple[int, int, str]]:
    out, position = [], 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        out.append((position, position + len(stripped), stripped))
        position += len(line)
    return out


def unique(items) -> list:
    """The truthy items, first occurrence kept, in order."""
    seen, out = set(), []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out
