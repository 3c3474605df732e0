"""Syndication: who the copy comes from, who contributed, and which outlets the story cites.

Pure functions over the body text (plus the optional dateline, byline and provider fields).

- origin: the publication the copy comes from. Highest first: a republication, provision or copyright
  note ("This article originally appeared on X", "This story was provided by X", "© 2024 X", "Courtesy of
  X", a closing "From X"), then "Distributed by X", then the dateline's agency ("ROSTOV (AP) —",
  "(CNN) President ...", "AUSTIN (KXAN) —") or the agency that signs the copy off ("... into the US. PTI");
  then a copyright line naming only an owner company; then an outlet named in the byline; then the
  provider field, if it is a known outlet. Datelines: datelines.py; credit notes: credit_notes.py.
- contributors: outlets credited with contributing ("Reuters contributed to this report.", "With AFP",
  "Additional reporting by Reuters", "Material from The Associated Press was used in this report").
- attributions: outlets the story text cites as sources ("told ABC News", "Reuters reported",
  "according to The Wall Street Journal", "told KXAN"). A mention in the story is never an origin or a
  contributor, and a person named like an outlet ("Michael R. Bloomberg") is not cited.
- loose credit forms ("From X", "With X", "X contributed") are only read in the closing block, so a
  sentence such as "From the start, ..." in the middle of a story is never a credit; notes that cannot be
  story sentences are read at any paragraph end.
- sign-offs that credit people, not outlets ("Reporting by A; Editing by B", Bloomberg's "--With assistance
  from A" and "To contact the reporter on this story: ..."), give no origin or contributor but are masked
  with the credit lines, so the NER does not report the staff as people in the story. In parentheses,
  "(Reporting by A; Editing by B)" is Reuters' house style and names Reuters.

Tags (stable vocabulary, sorted):
  syndicated            origin or at least one contributor is known
  origin:<slug>         the origin, e.g. origin:the-epoch-times
  contributor:<slug>    each contributor, e.g. contributor:reuters
  cites:<slug>          each attributed outlet, e.g. cites:abc-news
  wire                  the origin is a wire agency (kind "agency" in the outlet list)
  origin-from:<how>     how the origin was found: credit-line, dateline, byline, provider
  origin-unregistered   the origin is not in the outlet registry: the name the copy's own grammar gives
                        ("This story was provided by Harbour Weekly, dedicated to ..."), a call sign
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.enrich.entities.name_lists import given_names
from services.enrich.syndication.bylines import find_byline
from services.enrich.syndication.credit_notes import (
    DATELINE,
    NAMED_DATELINE,
    NOTE,
    PUBLISHER,
    find_credits,
    unique,
)
from services.enrich.syndication.datelines import (
    find_dateline,
    is_call_sign,
    looks_like_publication,
    outlet_name,
)
from services.enrich.syndication.layout import as_page_text
from services.enrich.syndication.outlets import OutletIndex

_BEFORE_CUE = re.compile(
    # The cue may open a sentence ("According to Reuters, ..."): its words match in any case.
    r"(?i:\btold|\btells|\btelling|\baccording to|\breported by|\bquoted by|\bcited by|\bspeaking to|\bspoke to|"
    r"\bspoke with|\binterview with|\binterviewed by|\ba statement to|\breported|\breports|\bwrote in|\bwriting in|"
    r"\bpublished by|\bobtained by|\bseen by|\breviewed by|\bconfirmed to|\bpolled by|\bsurveyed by|"
    r"\bcalculations by|\banalysis by|\btally by|\bcompiled by|\bdata from|\bsaid to|\bsaid on|\bappearing on|"
    r"\bappeared on|\breport by|\binvestigation by|\bin comments to|\bin remarks to)"
    r"\s+(?:(?:the|a|an)\s+)?"
    r"(?:(?:new|latest|recent|separate|exclusive|joint|previous|first)\s+)?"
    r"(?:(?:[A-Z][\w-]*|U\.S\.|U\.K\.|state|public|local|private|business|daily|weekly|online|independent|"
    r"pro-\w+)\s+){0,2}"
    r"(?:(?:newspaper|broadcaster|outlet|network|news agency|agency|magazine|daily|channel|station|TV|"
    r"television|radio|wire service|website|news site|paper|tabloid|weekly|program|programme|show)\s+)?$"
)
_AFTER_CUE = re.compile(
    r"^(?:[’']s?)?\s*(?:\([^)]{1,20}\)\s*)?(?:,\s*[^,]{1,60},\s*)?"
    r"(?:(?:news agency|agency|newspaper|broadcaster|daily|channel|network|website|news site|magazine|"
    r"wire service|television|radio|TV)\s+)?"  # "the Lusa news agency reported"
    r"(?:first |previously |earlier |also |later |exclusively )?"
    r"(?:has |had |have )?"
    r"(?:reported|reports|said|says|wrote|writes|quoted|cited|found|confirmed|learned|learnt|revealed|"
    r"obtained|reviewed|published|estimated|calculated|analy[sz]ed|broadcast|aired|cited|tallied|counted|"
    r"report|reporting|was first to report|was the first)\b"
)

# The same cues in French, Spanish and German copy ("selon l'agence Reuters", "a indiqué l'agence
# officielle Xinhua", "según la agencia EFE", "berichtete die Nachrichtenagentur dpa", "laut AFP"). They
# are phrases no English sentence uses, so they are read in copy of every language.
_BEFORE_CUE_OTHER = re.compile(
    r"(?i:\bselon|\bd['’]après|\ba indiqué|\ba rapporté|\ba annoncé|\brapporte|\brapportent|\bindique|"
    r"\bcité par|\bcitée par|\binterrogée? par|\ba déclaré à|\ba affirmé à|\ba confié à|\bà l['’]antenne de|"
    r"\bsegún|\binformó|\binforma|\bdijo a|\bdeclaró a|\bcitado por|\bcitada por|\ben declaraciones a|"
    r"\blaut|\bberichtete|\bberichten|\bberichtet|\bmeldete|\bmeldet|\bsagte (?:der|dem)|"
    r"\bgegenüber (?:der|dem))"
    r"\s+(?:l['’]|(?:la|le|les|el|los|las|der|die|das|dem|den|des)\s+)?"
    r"(?:(?:agence|agencia|Nachrichtenagentur|Agentur|quotidien|journal|chaîne|radio|télévision|"
    r"hebdomadaire|site|periódico|diario|cadena|emisora|Zeitung|Sender|Magazin)\s+)?"
    r"(?:(?:de presse|d['’]information|de noticias|officielle|oficial|staatliche|publique|pública|"
    r"[A-ZÀ-Ý][\w-]*)\s+){0,2}$"
)
_AFTER_CUE_OTHER = re.compile(
    r"^\s*(?:\([^)]{1,20}\)\s*)?(?:a |ont |hat |haben |ha |han )?"
    r"(?:rapporté|indiqué|annoncé|écrit|révélé|affirmé|rapporte|informó|informa|publicó|reveló|"
    r"berichtete|berichtet|meldete|meldet|schrieb|schreibt)\b"
)

_TOLD_UNLISTED = re.compile(
    r"(?i:\btold|\btells|\baccording to|\binterview with|\bspoke (?:to|with)|\bin comments to|"
    r"\ba statement to|\bconfirmed to)\s+(?:the\s+)?"
    r"(?P<name>[A-Z][\w'’&.-]*(?:\s+(?:of\s+)?[A-Z][\w'’&.-]*){0,4}?)(?=[\s,.;:]|$)(?![\s]+[A-Z])"
)
# English words that are given names somewhere too ("An Associated Press photographer").
_NOT_GIVEN = frozenset(
    [
        "A",
        "An",
        "The",
        "In",
        "On",
        "At",
        "As",
        "By",
        "For",
        "To",
        "Of",
        "And",
        "But",
        "Or",
        "If",
        "So",
        "No",
        "Yes",
        "May",
        "Will",
        "Can",
        "Say",
        "Says",
    ]
)
_GIVEN_NAME_BEFORE = re.compile(r"(?:^|[\s(“\"])(?P<given>[A-Z][a-z]+)\s+(?:[A-Z]\.\s+)?$")

# An outlet's name inside a longer proper name: "Ministry of Foreign Affairs", "Committee on Foreign Policy".
_INSIDE_A_NAME = re.compile(r"\b[A-Z][\w.]*\s+(?:of|on|for)\s+(?:the\s+)?$")
# The outlet's own people or work as the source: "an Associated Press photographer saw", "a Reuters tally".
_ARTICLE_BEFORE = re.compile(r"(?i:\b(?:an?|two|three|several)\s+)$")
_STAFF_AFTER = re.compile(
    r"^\s+(?:reporter|photographer|journalist|correspondent|videographer|video journalist|cameraman|crew|"
    r"team|witness|tally|count|analysis|review|investigation|survey|poll)s?\b"
)


@dataclass(frozen=True)
class Syndication:
    origin: str | None = None
    contributors: tuple[str, ...] = ()
    attributions: tuple[str, ...] = ()
    credit_lines: tuple[str, ...] = ()
    credit_spans: tuple[tuple[int, int], ...] = ()
    """Credit lines, sign-offs and the dateline: masked from the NER, they are not story text."""
    origin_from: str | None = None

    def to_record(self) -> dict:
        return {
            "origin": self.origin,
            "contributors": list(self.contributors),
            "attributions": list(self.attributions),
            "credit_lines": list(self.credit_lines),
        }


def find_syndication(
    body_text: str,
    outlets: OutletIndex,
    *,
    dateline: str | None = None,
    byline: str | None = None,
    provider: str | None = None,
) -> Syndication:
    page = as_page_text(body_text)  # the same offsets: spans found in it are spans of the body
    found = find_credits(page, outlets)
    opening = find_dateline(page, outlets)
    credit_ranked = len(found.origins)
    if opening:
        found.spans.append(opening.span)  # "ROTTERDAM, Netherlands (AP) —" is a credit, not story text
        if opening.origin:
            rank = NOTE if opening.via else NAMED_DATELINE if opening.named else DATELINE
            found.origins.append((rank, opening.origin, page[opening.span[0] : opening.span[1]].strip()))
    elif dateline:
        given = find_dateline(dateline, outlets)
        if given and given.origin:
            found.origins.append((DATELINE, given.origin, ""))
    dateline_ranked = len(found.origins)
    signed = find_byline(page, outlets)
    if signed:  # "By ANA RUIZ, Associated Press Writer": an agency's ranks as its dateline would
        found.spans.append(signed.span)
        line = page[signed.span[0] : signed.span[1]].strip()
        found.origins.append((DATELINE if signed.agency else PUBLISHER, signed.origin, line))
    # Stable sort: on equal rank a credit line comes before the dateline, the dateline before the byline.
    ranked = sorted(enumerate(found.origins), key=lambda o: o[1][0])
    origin, origin_from = None, None
    if ranked:
        index, (_, origin, _) = ranked[0]
        origin_from = (
            "credit-line" if index < credit_ranked else "dateline" if index < dateline_ranked else "byline"
        )
    if origin is None and byline:
        named = _outlets_in(byline, outlets)
        if named:
            origin, origin_from = named[0], "byline"
    if origin is None and provider and outlets.canonical(provider):
        origin, origin_from = outlets.canonical(provider), "provider"

    contributors = unique(name for name, _ in found.contributors if name != origin)
    lines = unique(
        [line for _, (_, name, line) in ranked if name == origin and line]
        + [line for name, line in found.contributors if name in contributors]
    )
    lines.sort(key=page.find)
    story = mask_spans(body_text, found.spans)
    return Syndication(
        origin=origin,
        contributors=tuple(contributors),
        attributions=tuple(attributions(story, outlets)),
        credit_lines=tuple(lines),
        credit_spans=tuple(sorted(set(found.spans))),
        origin_from=origin_from,
    )


def attributions(story: str, outlets: OutletIndex) -> list[str]:
    """Outlets the story cites as sources, in order of first citation."""
    cited: list[tuple[int, str]] = []
    matches = list(outlets.pattern.finditer(story))  # the long alternation is scanned once
    people = _people_named_like_outlets(story, matches)
    for match in matches:
        if match.group(0) in people:
            continue  # "Michael R. Bloomberg ... Bloomberg said": the person, not the news service
        before = story[max(0, match.start() - 80) : match.start()]
        after = story[match.end() : match.end() + 80]
        if _INSIDE_A_NAME.search(before):
            continue  # "the Department of Foreign Affairs said" cites the department, not the magazine
        staff = _ARTICLE_BEFORE.search(before) and _STAFF_AFTER.match(after)
        cued = _BEFORE_CUE.search(before) or _AFTER_CUE.match(after)
        cued = cued or _BEFORE_CUE_OTHER.search(before) or _AFTER_CUE_OTHER.match(after)
        if staff or cued:
            name = outlets.canonical(match.group(0))
            if name:
                cited.append((match.start(), name))
    # An outlet missing from the lists, cited with a strong cue: "told KXAN", "told the Sahan Journal".
    for match in _TOLD_UNLISTED.finditer(story):
        name = match.group("name")
        if outlets.canonical(name) is None and (is_call_sign(name) or looks_like_publication(name)):
            cited.append((match.start("name"), name))
    return unique(name for _, name in sorted(cited))


def _people_named_like_outlets(story: str, matches: list[re.Match]) -> set[str]:
    """Outlet forms the story uses as a person's surname ("Michael R. Bloomberg", "Ted Turner")."""
    given = given_names()
    people = set()
    for match in matches:
        before = _GIVEN_NAME_BEFORE.search(story, max(0, match.start() - 40), match.start())
        if before and before.group("given") in given and before.group("given") not in _NOT_GIVEN:
            people.add(match.group(0))
    return people


def mask_spans(text: str, spans) -> str:
    """Blank spans with spaces of the same length, so offsets into the masked text are offsets into `text`."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def syndication_tags(s: Syndication, outlets: OutletIndex) -> list[str]:
    tags = set()
    if s.origin or s.contributors:
        tags.add("syndicated")
    if s.origin:
        tags.add(f"origin:{outlets.slug(s.origin)}")
        if outlets.kind(s.origin) == "agency":
            tags.add("wire")
        if outlet_name(s.origin, outlets) is None:
            tags.add("origin-unregistered")
    if s.origin_from:
        tags.add(f"origin-from:{s.origin_from}")
    tags.update(f"contributor:{outlets.slug(name)}" for name in s.contributors)
    tags.update(f"cites:{outlets.slug(name)}" for name in s.attributions)
    return sorted(tag for tag in tags if tag.split(":")[-1])


def _outlets_in(text: str, outlets: OutletIndex) -> list[str]:
    return unique(outlets.canonical(m.group(0)) for m in outlets.pattern.finditer(text))
