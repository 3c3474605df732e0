"""Bylines in the copy's opening that name the outlet the story comes from.

Pages print the wire's byline above the story: "By ANA RUIZ, Associated Press Writer", "By Ana Ruiz / THE
CANADIAN PRESS", "By ANA RUIZ\\n(AP)", "Ana Ruiz, Harbour News Service", "AP Golf Writer", "By CP". Read in
the opening (datelines.opening_end), one grammar:

    By PERSON[S] SEPARATOR [For] OUTLET [ROLE]      PERSON, OUTLET      OUTLET ROLE      By OUTLET

- OUTLET: a listed outlet as written, or an agency in capitals ("THE ASSOCIATED PRESS"); after "By" and a
  person, also a name no list knows when it ends as an outlet's does ("Harbour News Service").
- ROLE: "Writer", "Correspondent", "Reporter" with up to three words before it ("AP Business Writer").
- and two wire stamps, agencies only: the agency's name in capitals as its own credit ("ASSOCIATED PRESS
  3:56 a.m. ...", "LONDON THE ASSOCIATED PRESS British ..."), and "Published on Jan. 12 by IANS".

A byline of people only ("By Jane Doe", "Reporting by Jane Doe") names no outlet, and a picture's credit
("Photo by Jane Doe/AP", "(REUTERS/Jane Doe)") is never a byline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.enrich.syndication.credit_notes import is_person
from services.enrich.syndication.datelines import (
    ends_as_an_outlet,
    looks_like_publication,
    opening_end,
    outlet_name,
)
from services.enrich.syndication.outlets import OutletIndex

_NAME_WORD = r"(?:[A-Z][\w.'’-]*|[A-Z]\.|de|da|van|von|del|la|le|al|bin)"
_NAME = rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,4}}?"
_PEOPLE = rf"{_NAME}(?:[ \t]*(?:,|and|&)[ \t]+{_NAME}){{0,3}}?"
# "By ANA RUIZ, Associated Press Writer", "By Ana Ruiz / THE CANADIAN PRESS", "By: Ana Ruiz - AP".
_BY_PEOPLE = re.compile(
    rf"(?:^|(?<=[\n|/])|(?<=\d[ \t]))[ \t]*By:?[ \t]+(?P<people>{_PEOPLE})"
    r"(?P<separator>[ \t]*(?:,|/|--?|—|–|;|\n)[ \t]*(?:\(?[ \t]*)?)(?:(?:For|of)[ \t]+)?",
    re.M,
)
# "By CP", "By The Associated Press": the outlet as the byline.
_BY_OUTLET = re.compile(r"(?:^|(?<=[\n|/]))[ \t]*By:?[ \t]+", re.M)
# "Ana Ruiz, Harbour News Service", "Ana Ruiz and Bo Li, THE ASSOCIATED PRESS".
_PERSON_COMMA = re.compile(rf"(?:^|(?<=[\n|]))[ \t]*(?P<people>{_PEOPLE})[ \t]*,[ \t]+", re.M)
_ROLE = re.compile(
    r"^[ \t]+(?:(?:[A-Z][a-z]+|[A-Z]{2,})[ \t]+){0,3}(?:Writer|Writers|Correspondent|Correspondents|Reporter|"
    r"Reporters|Columnist)\b"
)
_UNLISTED = re.compile(r"^(?:The[ \t]+)?[A-Z][\w'’&.-]*(?:[ \t]+(?:of[ \t]+)?[A-Z][\w'’&.-]*){0,4}")
_PUBLISHED_BY = re.compile(r"(?i:\b(?:published|posted|filed)\b)[^\n]{0,40}\bby[ \t]+$")
_PICTURE = re.compile(r"(?i:photo|image|picture|credit|courtesy|via|©)[\s:]*\(?$")
_SEGMENT_START = re.compile(r"(?:^|[\n|/]|[ \t]{2})[ \t]*\(?$")  # two spaces: a blanked cell's bar
_CAPS_WORD_BEFORE = re.compile(r"\b[A-Z][A-Z.'’-]+[ \t]+$")
_NAME_COMMA = re.compile(r"\b[A-Z][a-z][\w.'’-]*,[ \t]*$")  # "Ana Ruiz, THE ASSOCIATED PRESS"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_STAMP_AFTER = re.compile(
    rf"^[ \t]+(?:(?:{_DAY}),?[ \t]+)?(?:{_MONTH}[ \t]+\d{{1,2}}|\d{{1,2}}(?:st|nd|rd|th)?[ \t]+{_MONTH}),?[ \t]+\d{{4}}\b"
    r"|^[ \t]+[A-Z][A-Z.'’-]+(?:[ \t]+[A-Z][A-Z.'’-]+){0,3}(?:,[ \t]*[A-Z][\w.'’]+(?:[ \t]+[A-Z][\w.'’]+)?)?[ \t]+(?:--|[—–])"
)
_STAMP_BEFORE = re.compile(
    r"(?:\d{4}|\d{1,2}:\d{2}|\d{3,4}[ \t]*hrs|\b[AP]M|\b(?:IST|GMT|EST|EDT|ET|UTC))[ \t]*,[ \t]*$"
)
_CUE_BEFORE = re.compile(
    r"(?i:\b(?:told|tells|to|by|from|with|said|says|according|reported))[ \t]+(?:the[ \t]+)?$"
)
_IN_PICTURE_CREDIT = re.compile(r"\([^()]*/[ \t]*$")
_STAFF_ROLE = re.compile(r"^[ \t]+(?:[A-Z][a-z]+[ \t]+)*Staff\b")
_ROLE_WORDS = frozenset(["Reporter", "Writer", "Correspondent", "Editor", "Columnist", "Staff"])


@dataclass(frozen=True)
class BylineCredit:
    origin: str
    span: tuple[int, int]
    """From the byline's start to the outlet's end (or its role's): masked from the NER."""
    agency: bool


def find_byline(text: str, outlets: OutletIndex) -> BylineCredit | None:
    opening = text[: opening_end(text)]
    found = [c for c in (_after_people(opening, outlets), _outlet_bylines(opening, outlets)) if c]
    return min(found, key=lambda c: c.span[0]) if found else None


def _after_people(opening: str, outlets: OutletIndex) -> BylineCredit | None:
    """ "By PEOPLE, OUTLET" and "PEOPLE, OUTLET": the outlet right after the people's names."""
    for pattern in (_BY_PEOPLE, _PERSON_COMMA):
        for match in pattern.finditer(opening):
            people = match.group("people")
            if pattern is _PERSON_COMMA and not is_person(people.split(",")[0].split(" and ")[0]):
                continue  # "Ana Ruiz, Harbour News Service" needs a person; "Paris, France" is none
            if outlet_name(people, outlets):
                continue  # "By CP": the outlet as the byline, read below
            rest = opening[match.end() :]
            named = _outlet_at(rest, outlets)
            if named:
                name, length = named
                if outlets.kind(name) != "agency" and _STAFF_ROLE.match(rest[length:]):
                    continue  # "Ana Ruiz, Harbour Herald Staff Writer": the page's own staff
                return _credit(match.start(), match.end() + length, rest[length:], name, outlets)
    return None


def _outlet_bylines(opening: str, outlets: OutletIndex) -> BylineCredit | None:
    """ "By CP", "AP Golf Writer", "ASSOCIATED PRESS 3:56 a.m.", "Published on Jan. 12 by IANS"."""
    for match in _mentions(opening, outlets):
        start, end = match
        written = opening[start:end]
        name = outlet_name(written, outlets)
        if not name:
            continue
        before, after = opening[max(0, start - 60) : start], opening[end:]
        agency = outlets.kind(name) == "agency"
        if _PICTURE.search(before) or after.startswith("/") or _IN_PICTURE_CREDIT.search(before):
            continue  # "Photo by Jane Doe/AP", "(REUTERS/Jane Doe)", "(Jane Doe / AP)": a picture's credit
        by = _BY_OUTLET.search(before)
        if by and by.end() == len(before) and (written[:1].isupper()):
            return _credit(start - len(before) + by.start(), end, after, name, outlets)
        if not agency:
            continue  # "Harbour Herald Staff Writer" on the Harbour Herald's own page: its staff
        if _ROLE.match(after) and _SEGMENT_START.search(before):
            return _credit(start, end, after, name, outlets)
        stamp = (_STAMP_AFTER.match(after) or _STAMP_BEFORE.search(before)) and not _CUE_BEFORE.search(before)
        if _PUBLISHED_BY.search(before) or stamp:
            # "Published on Jan. 12 by IANS", "Harbour Wire Monday, January 14, 2008", "15 Jan, 2008, PTI",
            # "Associated Press HOBART, Australia —": the agency beside the copy's date or dateline
            return _credit(start, end, after, name, outlets)
        caps = written.isupper() and not _registered_in_capitals(written, name, outlets)
        if caps and (
            _SEGMENT_START.search(before) or _CAPS_WORD_BEFORE.search(before) or _NAME_COMMA.search(before)
        ):
            return _credit(start, end, after, name, outlets)
    return None


def _mentions(opening: str, outlets: OutletIndex) -> list[tuple[int, int]]:
    spans = [m.span() for m in outlets.pattern.finditer(opening)]
    if outlets.agency_capitals is not None:
        spans += [m.span() for m in outlets.agency_capitals.finditer(opening) if m.group(0).isupper()]
    return sorted(set(spans))


def _registered_in_capitals(written: str, name: str, outlets: OutletIndex) -> bool:
    """ "AFP", "PTI" are written in capitals anyway: in capitals they are no stamp of their own."""
    forms = next((o.surface_forms for o in outlets.entries if o.name == name), ())
    return any(f.isupper() and f.casefold() == written.casefold() for f in forms)


def _outlet_at(rest: str, outlets: OutletIndex) -> tuple[str, int] | None:
    """The outlet opening `rest` and its length: listed, an agency in capitals, or a name no list knows
    that ends as an outlet's does."""
    for match in _mentions(rest[:80], outlets):
        if match[0] != 0:
            break
        name = outlet_name(rest[: match[1]], outlets)
        if name:
            end = match[1] + (1 if rest[match[1] : match[1] + 1] == ")" else 0)
            return name, end
    match = _UNLISTED.match(rest)
    if match:
        words = match.group(0).split()
        for n in range(len(words), 1, -1):  # the longest run of words that ends as an outlet's name
            name = " ".join(words[:n])
            role = words[n - 1] in _ROLE_WORDS  # "Staff Reporter" is a role, not a paper
            # "Harbour Post-Gazette": a hyphened name ends as its last part does
            unhyphened = " ".join(words[: n - 1] + [words[n - 1].split("-")[-1]])
            if not role and (ends_as_an_outlet(name) or looks_like_publication(unhyphened)):
                return name, rest.index(words[n - 1]) + len(words[n - 1])
    return None


def _credit(start: int, end: int, after: str, name: str, outlets: OutletIndex) -> BylineCredit:
    role = _ROLE.match(after)
    if role:
        end += role.end()
    return BylineCredit(name, (start, end), outlets.kind(name) == "agency")
