"""Datelines: where and by whom the copy was filed, read by one grammar for every wire's house style.

    [PLACE[, REGION][, REGION]][, DATE] [(DATE)] (AGENCY) [SEPARATOR] Story starts ...

- PLACE: capitalised words in any case ("ROSTOV", "Hong Kong", "SOUTHWEST MIAMI-DADE", "Rio de Janeiro").
- REGION: a state, country or abbreviation ("Calif.", "Russia", "FLA.").
- DATE: "Jan. 5", "April 3", "1 dic", "5 January"; in parentheses too ("WASHINGTON (Aug. 13) --").
- AGENCY, in parentheses: a listed outlet ("AP", "CNN", "dpa"), the same with a desk ("CNN Business"), or
  a broadcast call sign ("KGO", "WSVN", "KXAN-TV"), which names its own station.
- SEPARATOR: any of "-", "—", "–", "--", ".-", ":" or nothing at all ("(CNN)President ..."); a call
  sign needs a place before it and a separator after it, or "(CDC) Director ..." would be a dateline.

Two more forms name the source without parentheses: "KVELLER via JTA —" (the copy of one publication,
distributed by an agency) and a publication's own name as the dateline ("Kaieteur News – Police ...").
A dateline with no agency ("KUALA LUMPUR –") is found too: it is metadata, masked from the NER, but says
nothing about who wrote the copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.enrich.syndication.outlets import OutletIndex

HEAD_LINES = 3  # a dateline opens the story, possibly under a headline or kicker line
OPENING_CHARS = 600  # past photo captions and bylines, a wire dateline still sits in the opening
MAX_OPENING_CHARS, SHORT_LINE_CHARS = 3000, 60
_WORD = r"[A-Z][\w.'’-]*"
_PLACE = rf"{_WORD}(?:\s+(?:(?:de|da|do|del|la|el|of|upon|on|am|an|sur)\s+)?{_WORD}){{0,4}}"
_REGION = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,2}"
_MONTH = r"[A-Za-z]{3,9}\.?"
_DATE = rf"(?:{_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH})(?:,?\s+\d{{4}})?"
_SEPARATOR = r"(?:\.-|--|[-—–:])"
_AGENCY_DATELINE = re.compile(
    rf"^\s*(?:(?P<place>{_PLACE})(?:,\s*{_REGION}){{0,2}}(?:,\s*{_DATE})?\s*(?:(?:--|[—–])\s*)?)?"
    rf"(?:\({_DATE}\)\s*)?"
    r"\((?P<agency>[A-Za-z][\w .&'’-]{0,40})\)"
    rf"(?:\s*(?P<separator>{_SEPARATOR}+)\s*|\s*(?=[A-Z0-9“\"‘'(]))"
)
# "KVELLER via JTA —": one publication's copy, distributed by an agency.
_VIA_DATELINE = re.compile(
    rf"^\s*(?P<source>{_WORD}(?:\s+{_WORD}){{0,3}})\s+via\s+(?P<via>{_WORD}(?:\s+{_WORD}){{0,3}})"
    rf"\s*{_SEPARATOR}+\s*(?=[A-Z“\"‘'])"
)
# "Kaieteur News – Police investigators ...": the outlet's own name where the place would be.
_NAME_DATELINE = re.compile(
    rf"^\s*(?P<name>{_WORD}(?:\s+(?:of\s+)?{_WORD}){{0,3}})\s*(?:--|[—–-])\s+(?=[A-Z“\"‘'])"
)
# A dateline without an agency: "KUALA LUMPUR –", "BACOLOD CITY, Philippines –", "LONDON, Jan 5 —".
_PLAIN_DATELINE = re.compile(
    r"^\s*(?P<dateline>[A-Z][A-Z.'’ -]{1,40}[A-Z.](?:,\s*[A-Z][\w.'’ ]{1,30}?)?"
    r"(?:,\s*[A-Z][a-z]{2,8}\.? \d{1,2})?\s+(?:--|[—–-]))\s+(?=[A-Z“\"])"  # a sentence starts after it
)
# A wire dateline inside a line, past a caption or a byline: "... (photo via AP) MOSCOW (AP) — The".
# The place is in capitals, as wires write it, and a separator follows the agency.
_INLINE_DATELINE = re.compile(
    rf"(?<![\w.'’-])(?P<place>[A-Z][A-Z.'’-]+(?:\s+(?:de|da|do|del|la|el|of)?\s*[A-Z][A-Z.'’-]+){{0,4}})"
    rf"(?:,\s*{_REGION}){{0,2}}(?:,\s*{_DATE})?,?\s*"
    r"\((?P<agency>[A-Za-z][\w .&'’-]{0,40})\)"
    rf"\s*(?P<separator>{_SEPARATOR}+)\s*(?=[A-Z0-9“\"‘'])"
)
# The same past a headline or a byline, with a place in small letters or a date alone: "Tributes paid
# Dehradun (PTI): ...", "By Ana Ruiz Dec. 3 (Bloomberg) -- ...", "New Delhi, Jan 13 (IANS): ...".
_INLINE_WEAK_DATELINE = re.compile(
    rf"(?<![\w.'’-])(?:[A-Z][a-z]+(?:\s+[A-Z][a-z]+){{0,2}}(?:,\s*{_REGION})?(?:,?\s*{_DATE})?|{_DATE})\s*"
    r"\((?P<agency>[A-Za-z][\w .&'’-]{0,40})\)"
    rf"\s*(?P<separator>{_SEPARATOR}+)\s*(?=[A-Z0-9“\"‘'])"
)
# "(CNN) -- Famed ...", "(Sports Network) - The ...": the agency alone, opening a line past the headers.
_LINE_DATELINE = re.compile(
    r"(?m:^)[ \t]*\((?P<agency>[A-Za-z][\w .&'’-]{0,40})\)"
    rf"\s*(?P<separator>{_SEPARATOR}+)\s*(?=[A-Z0-9“\"‘'])"
)
_AGENCY_IN_PARENTHESES = re.compile(rf"\([A-Za-z][\w .&'’-]{{0,40}}\)\s*{_SEPARATOR}")
_SENTENCE_END = re.compile(r"[a-z0-9][.!?][\"”’']?\s+[A-Z]")
# A station's brand: "NEWS10", "FOX4".
_STATION_BRAND = re.compile(r"^[A-Z]{3,6}\s?\d{1,2}$")
_SOURCE_WORDS = frozenset(["Reporter", "Now", "Financial", "Service", "Services", "Sports", "Network"])
_NOT_A_SOURCE = frozenset(
    [
        "update",
        "updated",
        "updates",
        "corrected",
        "correction",
        "corrects",
        "recasts",
        "repeats",
        "refiled",
        "adds",
        "video",
        "photos",
        "live",
        "exclusive",
        "analysis",
        "file",
    ]
)
# Where a caption or a byline ends and the story may start: a picture's credit in parentheses ("(AP
# Photo/Jane Roe)", "(photo via AP)", "(File)"), after "Photo:" or "Image by", a picture library; a byline.
_CAPTION_END = re.compile(
    r"(?i:\((?=[^()]*(?:photo|foto|image|picture|video|file|credit|courtesy|via\b|getty|/))[^()]{1,120}\)"
    r"|\b(?:photo|photograph|image|picture|credit|foto)s?(?:\s+credit)?\s*(?:by\b|:)[^.!?]{1,80}"
    r"|\b(?:getty images|shutterstock|istock|alamy|afp via getty images))\s*$"
)
_BYLINE = re.compile(r"^\s*(?i:by)\s+[A-Z][^.!?]{0,120}$")
CAPTION_LINE_CHARS = 160  # a line above the story that is no paragraph of it: headline, kicker, caption

# US and Canadian broadcast call signs: K/W (US) or C (Canada) and two or three letters, maybe a band.
_CALL_SIGN = re.compile(r"^[KWC][A-Z]{2,3}(?:-(?:TV|FM|AM|DT|CD|LD))?$")
# A desk or edition after the outlet's name: "CNN Business", "Reuters Breakingviews", "VICE US".
DESKS = (
    "Business",
    "Money",
    "Politics",
    "Sport",
    "Sports",
    "Health",
    "Travel",
    "Style",
    "Entertainment",
    "Tech",
    "Technology",
    "Breakingviews",
    "Wire",
    "Digital",
    "Online",
    "International",
    "World",
    "US",
    "UK",
    "Asia",
    "Europe",
    "Africa",
    "Australia",
    "Canada",
    "India",
    "News",
)
# Words that end a publication's name: "Kaieteur News", "The Daily Planet", "Jamaica Observer".
PUBLICATION_WORDS = frozenset(
    [
        "News",
        "Times",
        "Post",
        "Herald",
        "Tribune",
        "Journal",
        "Gazette",
        "Observer",
        "Chronicle",
        "Express",
        "Standard",
        "Telegraph",
        "Press",
        "Daily",
        "Mirror",
        "Star",
        "Guardian",
        "Record",
        "Courier",
        "Wire",
        "Agency",
        "Radio",
        "TV",
        "Television",
        "Magazine",
        "Review",
        "Report",
        "Monitor",
        "Bulletin",
        "Sentinel",
        "Examiner",
        "Inquirer",
        "Independent",
        "Globe",
        "Dispatch",
        "Leader",
        "Mail",
        "Register",
        "Newswire",
        "Newsroom",
        "Media",
        "Network",
    ]
)

# Section and label words: "Breaking News", "Latest News", "Staff Report", "Special Report".
GENERIC_WORDS = frozenset(
    [
        "Breaking",
        "Latest",
        "Local",
        "World",
        "Top",
        "National",
        "International",
        "Business",
        "Sports",
        "Sport",
        "Health",
        "Tech",
        "Science",
        "Entertainment",
        "Politics",
        "Political",
        "Live",
        "More",
        "Related",
        "Daily",
        "Weekly",
        "Morning",
        "Evening",
        "Market",
        "Markets",
        "Election",
        "Staff",
        "Special",
        "Exclusive",
        "Editorial",
        "Press",
        "Sponsored",
        "Fake",
        "Good",
        "Bad",
        "Real",
        "Big",
        "Our",
        "Your",
        "This",
        "Today",
        "Tonight",
        "Weekend",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        # what a review or a section is of: "Movie Review", "Book Review", "Archives"
        "Archive",
        "Archives",
        "Movie",
        "Movies",
        "Film",
        "Book",
        "Books",
        "Music",
        "Album",
        "Theater",
        "Theatre",
        "Restaurant",
        "Game",
        "Games",
        "Concert",
        "Product",
        "Travel",
        "Opinion",
    ]
)


@dataclass(frozen=True)
class DatelineCredit:
    origin: str | None
    """The outlet the dateline credits (None for a plain dateline)."""
    span: tuple[int, int]
    """The dateline's span in the text: metadata, masked from the NER."""
    via: str | None = None
    """The agency that distributed the copy ("KVELLER via JTA")."""
    named: bool = False
    """True when the outlet's own name stands as the dateline, with no parentheses."""


def outlet_name(text: str, outlets: OutletIndex) -> str | None:
    """A listed outlet, allowing a desk or edition after its name ("CNN Business", "VICE US")."""
    name = outlets.canonical(text)
    if name:
        return name
    words = text.split()
    if len(words) > 1 and words[-1] in DESKS:
        return outlets.canonical(" ".join(words[:-1]))
    return None


def is_call_sign(text: str) -> bool:
    return bool(_CALL_SIGN.match(text.strip()))


def looks_like_publication(text: str) -> bool:
    """ "Kaieteur News", "Jamaica Observer": capitalised words ending in a word publications end in,
    with a word of its own before it ("Breaking News", "Staff Report" are labels, not publications)."""
    words = text.split()
    return (
        2 <= len(words) <= 5
        and words[0] != "By"  # "By Harbour Staff": a byline
        and words[-1].strip(".,").title() in PUBLICATION_WORDS
        and all(w[0].isupper() or w in ("of", "the", "and") for w in words)
        and any(w.title() not in GENERIC_WORDS and w not in ("of", "the", "and") for w in words[:-1])
    )


def find_dateline(text: str, outlets: OutletIndex) -> DatelineCredit | None:
    """The dateline of the first lines of the story, with the outlet it credits; else a wire dateline past
    the captions and bylines of the opening."""
    for start, line in _head_lines(text):
        found = _read_line(line, outlets)
        if found:
            origin, (a, b), via, named = found
            return DatelineCredit(origin, (start + a, start + b), via, named)
    return _past_captions(text[: opening_end(text)], outlets)


def opening_end(text: str) -> int:
    """Where the opening ends: OPENING_CHARS of text, not counting the short lines of a page's menus and
    headers ("Home", "Weather: 12°C", "Posted: Jan 9") that may come first, and no further than
    MAX_OPENING_CHARS."""
    budget, position = OPENING_CHARS, 0
    for line in text[:MAX_OPENING_CHARS].splitlines(keepends=True):
        if len(line.strip()) >= SHORT_LINE_CHARS or _SENTENCE_END.search(line):
            budget -= len(line)
        position += len(line)
        if budget <= 0:
            return position + budget
    return position


def _past_captions(opening: str, outlets: OutletIndex) -> DatelineCredit | None:
    """The first wire dateline of the opening past captions, bylines, headlines and page chrome: in
    capitals as wires write it ("MOSCOW (AP) —") wherever it stands there; with a place in small letters
    or a date alone ("Dehradun (PTI):", "Dec. 3 (Bloomberg) --"), only after a caption, a byline or a
    headline, no sentence of a story."""
    if not _AGENCY_IN_PARENTHESES.search(opening):
        return None  # no "(NAME) —" at all: most staff copy
    found = []
    for pattern, strong in (
        (_INLINE_DATELINE, True),
        (_INLINE_WEAK_DATELINE, False),
        (_LINE_DATELINE, False),
    ):
        for match in pattern.finditer(opening):
            place = pattern is not _LINE_DATELINE
            name = _source(match.group("agency").strip(), place, True, outlets)
            if not name:
                continue
            line_start = opening.rfind("\n", 0, match.start()) + 1
            if strong or _skippable(opening[:line_start], opening[line_start : match.start("agency")]):
                found.append((match.start(), match.end(), name))
                break
    if not found:
        return None
    start, end, name = min(found)
    while end > start and opening[end - 1].isspace():
        end -= 1
    return DatelineCredit(name, (start, end))


def _skippable(lines_above: str, before_on_line: str) -> bool:
    """Only captions, bylines, headlines and kickers before the dateline: the lines above are short or end
    with a picture's credit, and on its own line the dateline follows a credit, a byline or a headline (no
    sentence)."""
    for line in lines_above.splitlines():
        text = line.strip()
        if len(text) > CAPTION_LINE_CHARS and not _CAPTION_END.search(text) and not _BYLINE.match(text):
            return False
    before = before_on_line.strip()
    return (
        not before
        or bool(_CAPTION_END.search(before) or _BYLINE.match(before))
        or (len(before) <= CAPTION_LINE_CHARS * 2 and not _SENTENCE_END.search(before))
    )


def _source(inner: str, place: bool, separator: bool, outlets: OutletIndex, *, listed_only: bool = False):
    """The outlet a dateline's parentheses name: a listed one ("AP", "CNN Business"), the first listed of
    a pair ("efe-epa", "CNN and AP"); with a place before and a separator after, a call sign ("KXAN") or
    a name an outlet's name ends with ("Harbour Sports Network", "NEWS10")."""
    name = outlet_name(inner, outlets)
    if name:
        return name
    parts = [p for p in re.split(r"\s*[-/,&]\s*|\s+and\s+", inner) if p]
    if len(parts) > 1 and outlet_name(parts[0], outlets):
        return outlet_name(parts[0], outlets)
    if listed_only or not separator:
        return None
    if ends_as_an_outlet(inner) or (place and (is_call_sign(inner) or _STATION_BRAND.match(inner))):
        return inner
    if re.fullmatch(r"[KW][A-Z]{3}", inner):  # "(KRON) —" opening a line: a station's four letters
        return inner
    return None


def ends_as_an_outlet(name: str) -> bool:
    words = name.split()
    return (
        1 < len(words) <= 4
        and all(w[:1].isupper() for w in words)
        and words[-1] in PUBLICATION_WORDS | _SOURCE_WORDS
        and not any(w.strip(".").lower() in _NOT_A_SOURCE for w in words)
    )


def _read_line(line: str, outlets: OutletIndex):
    match = _AGENCY_DATELINE.match(line)
    if match:
        # An unlisted name needs a place and the separator: "(CDC) Director ..." opens a sentence.
        name = _source(
            match.group("agency").strip(), bool(match.group("place")), bool(match.group("separator")), outlets
        )
        if name:
            return name, _trimmed(line, match), None, False
    match = _VIA_DATELINE.match(line)
    if match:
        via = outlet_name(match.group("via"), outlets)
        if via:
            source = match.group("source")
            return outlet_name(source, outlets) or source, _trimmed(line, match), via, False
    match = _NAME_DATELINE.match(line)
    if match:
        name = match.group("name")
        listed = outlet_name(name, outlets)
        if listed or looks_like_publication(name):
            return listed or name, _trimmed(line, match), None, True
    match = _PLAIN_DATELINE.match(line)
    if match:
        return None, match.span("dateline"), None, False
    return None


def _trimmed(line: str, match: re.Match) -> tuple[int, int]:
    start, end = match.span()
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    return start, end


def _head_lines(text: str) -> list[tuple[int, str]]:
    out, position = [], 0
    for line in text[:1500].splitlines(keepends=True):
        if line.strip():
            out.append((position, line.rstrip("\r\n")))
        position += len(line)
        if len(out) == HEAD_LINES:
            break
    return out
