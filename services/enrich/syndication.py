"""Syndication: who the copy comes from, who contributed, and which outlets the story cites.

Pure functions over the body text (plus the optional dateline, byline and provider fields).

- origin: the publication the copy comes from. Highest first: a closing "From X" / "originally published
  in X" / "Republished with permission of X" / copyright line / "Distributed by X"; then a wire dateline
  ("ROSTOV (AP) —"); then an outlet named in the byline; then the provider field, if it is a known outlet.
- contributors: outlets credited with contributing ("Reuters contributed to this report.", "With AFP",
  "Additional reporting by Reuters", "The Associated Press' Jane Doe contributed reporting").
- attributions: outlets the story text cites as sources ("told ABC News", "Reuters reported",
  "according to The Wall Street Journal"). A mention in the story is never an origin or a contributor.
- credit lines are only looked for in the closing block of the story (the last few lines), so a sentence
  such as "From the start, ..." in the middle of a story is never a credit.
- sign-offs that credit people, not outlets ("Reporting by A; Editing by B", Bloomberg's "--With assistance
  from A" and "To contact the reporter on this story: ..."), give no origin or contributor but are masked
  with the credit lines, so the NER does not report the staff as people in the story.

Tags (stable vocabulary, sorted):
  syndicated            origin or at least one contributor is known
  origin:<slug>         the origin, e.g. origin:the-epoch-times
  contributor:<slug>    each contributor, e.g. contributor:reuters
  cites:<slug>          each attributed outlet, e.g. cites:abc-news
  wire                  the origin is a wire agency (kind "agency" in the outlet list)
  origin-from:<how>     how the origin was found: credit-line, dateline, byline, provider
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.enrich.outlets import OutletIndex

CLOSING_LINES = 8  # credit lines sit in the last few lines of wire copy
MAX_CREDIT_CHARS = 250

_WHO = r"(?P<who>.{2,160}?)"
_END = r"\s*[.!]?\s*$"
# (family, regex): family "origin" gives the origin, "contributor" contributors, "signoff" only masks.
_CLOSING = [
    (
        "origin",
        re.compile(
            r"^(?:this (?:article|story|report|piece) )?(?:was )?(?:originally |first )?"
            r"(?:published|appeared|ran)\s+(?:on|in|by|at)\s+"
            + _WHO
            + r"(?:\s+on\s+\S.*|\s+and is republished.*|\s+and is reprinted.*)?"
            + _END,
            re.I,
        ),
    ),
    (
        "origin",
        re.compile(
            r"^(?:this (?:article|story) is )?republished (?:here )?(?:with permission )?"
            r"(?:of|from|by)\s+" + _WHO + _END,
            re.I,
        ),
    ),
    ("origin", re.compile(r"^reprinted (?:with permission )?(?:of|from|by)\s+" + _WHO + _END, re.I)),
    (
        "origin",
        re.compile(
            r"^(?:©|\(c\)|copyright(?:\s*©)?)\s*(?:\d{4}(?:[-–]\d{2,4})?\s*,?\s*)?"
            + _WHO
            + r"(?:[.,]?\s*all rights reserved)?"
            + _END,
            re.I,
        ),
    ),
    ("origin", re.compile(r"^from\s+" + _WHO + _END, re.I)),
    ("distributor", re.compile(r"^distributed by\s+" + _WHO + _END, re.I)),
    (
        "contributor",
        re.compile(
            r"^" + _WHO + r"\s+contributed(?: to)? (?:to )?this (?:report|story|article)" + _END, re.I
        ),
    ),
    (
        "contributor",
        re.compile(
            r"^" + _WHO + r"\s+contributed(?:\s+(?:additional\s+)?reporting)?"
            r"(?:\s+(?:from|in|at)\s+[^.;]+)?" + _END,
            re.I,
        ),
    ),
    ("contributor", re.compile(r"^(?:additional|further) reporting by\s+" + _WHO + _END, re.I)),
    ("contributor", re.compile(r"^with\s+" + _WHO + _END, re.I)),
    (
        "signoff",
        re.compile(
            r"^(?:(?:reporting|writing|editing|compiled|additional reporting|graphics|"
            r"produced|edited|written)\s+by|with assistance from|"
            r"to contact the (?:reporters?|editors?)(?: responsible)?(?: for this story)?:?)\s+.+$",
            re.I,
        ),
    ),
]
# "CITY (AP) —", "CITY, Month DD (Reuters) -", "SAINT-LOUIS, Senegal, April 3 (AFP) -".
_WIRE_DATELINE = re.compile(
    r"^\s*(?:[A-Z][\w.'’ -]{1,40}(?:,\s*[\w.'’ -]{1,30}){0,2}\s*)?\((?P<agency>[A-Za-z][\w .&'-]{0,40})\)\s*[-—–]+"
)
# A dateline without an agency: "KUALA LUMPUR –", "BACOLOD CITY, Philippines –", "LONDON, Jan 5 —".
_PLAIN_DATELINE = re.compile(
    r"^\s*(?P<dateline>[A-Z][A-Z.'’ -]{1,40}[A-Z.](?:,\s*[A-Z][\w.'’ ]{1,30}?)?"
    r"(?:,\s*[A-Z][a-z]{2,8}\.? \d{1,2})?\s+(?:--|[—–-]))\s+(?=[A-Z“\"])"  # a sentence starts after it
)
_PARENS = re.compile(r"^\((?P<inner>.*)\)$")
_SMALL_WORDS = {
    "of",
    "the",
    "and",
    "de",
    "del",
    "della",
    "di",
    "du",
    "la",
    "le",
    "el",
    "&",
    "für",
    "in",
    "on",
}

_BEFORE_CUE = re.compile(
    # The cue may open a sentence ("According to Reuters, ..."): its words match in any case.
    r"(?i:\btold|\btells|\btelling|\baccording to|\breported by|\bquoted by|\bcited by|\bspeaking to|\bspoke to|"
    r"\bspoke with|\binterview with|\binterviewed by|\ba statement to|\breported|\breports|\bwrote in|\bwriting in|"
    r"\bpublished by|\bobtained by|\bseen by|\breviewed by|\bconfirmed to|\bpolled by|\bsurveyed by|"
    r"\bcalculations by|\banalysis by|\btally by|\bcompiled by|\bdata from|\bsaid to|\bsaid on|\bappearing on|"
    r"\bappeared on|\breport by|\binvestigation by|\bin comments to|\bin remarks to)"
    r"\s+(?:(?:the|a|an)\s+)?"
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


@dataclass
class _Found:
    origins: list[tuple[int, str, str]] = field(default_factory=list)  # (rank, name, line)
    contributors: list[tuple[str, str]] = field(default_factory=list)  # (name, line)
    spans: list[tuple[int, int]] = field(default_factory=list)


def find_syndication(
    body_text: str,
    outlets: OutletIndex,
    *,
    dateline: str | None = None,
    byline: str | None = None,
    provider: str | None = None,
) -> Syndication:
    found = _closing_credits(body_text, outlets)
    wire, wire_span = _wire_agency(body_text, outlets)
    if wire_span:
        found.spans.append(wire_span)  # "ROTTERDAM, Netherlands (AP) —" is a credit, not story text
    else:
        plain = _PLAIN_DATELINE.match(body_text)
        if plain:  # "KUALA LUMPUR –": where the copy was filed, metadata like the credits
            found.spans.append(plain.span("dateline"))
        if dateline:
            wire, _ = _wire_agency(dateline, outlets)
    ranked = sorted(found.origins, key=lambda o: o[0])
    origin, origin_from = (ranked[0][1], "credit-line") if ranked else (None, None)
    if origin is None and wire:
        origin, origin_from = wire, "dateline"
    if origin is None and byline:
        named = _outlets_in(byline, outlets)
        if named:
            origin, origin_from = named[0], "byline"
    if origin is None and provider and outlets.canonical(provider):
        origin, origin_from = outlets.canonical(provider), "provider"

    contributors = _unique(name for name, _ in found.contributors if name != origin)
    lines = _unique(
        [line for rank, name, line in ranked if name == origin]
        + [line for name, line in found.contributors if name in contributors]
    )
    if origin_from == "dateline" and wire_span:
        lines.append(body_text[wire_span[0] : wire_span[1]].strip())
    lines.sort(key=body_text.find)
    story = mask_spans(body_text, found.spans)
    return Syndication(
        origin=origin,
        contributors=tuple(contributors),
        attributions=tuple(attributions(story, outlets)),
        credit_lines=tuple(lines),
        credit_spans=tuple(sorted(found.spans)),
        origin_from=origin_from,
    )


def _closing_credits(body_text: str, outlets: OutletIndex) -> _Found:
    found = _Found()
    lines = _lines_with_offsets(body_text)
    closing = [entry for entry in lines if entry[2].strip()][-CLOSING_LINES:]
    # Walk up from the last line; the closing block ends at the first line that is not a credit.
    for start, _end, line in reversed(closing):
        text = line.strip()
        if len(text) > MAX_CREDIT_CHARS:
            break
        if not _read_credit(_unwrap(text), text, outlets, found):
            break
        lead = len(line) - len(line.lstrip())
        found.spans.append((start + lead, start + lead + len(text)))
    return found


def _read_credit(text: str, line: str, outlets: OutletIndex, found: _Found) -> bool:
    """Record what one closing line credits; False when it is not a credit line at all."""
    matched_any = False
    # A line may hold several credits: "Reuters contributed to this report. From The Epoch Times"
    for part in _sentences(text):
        for family, pattern in _CLOSING:
            match = pattern.match(part)
            if not match:
                continue
            if family == "signoff":
                for segment in re.split(r"\s*;\s*", part):
                    if segment.lower().startswith("additional reporting by"):
                        found.contributors.extend((name, line) for name in _outlets_in(segment, outlets))
                matched_any = True
                break
            who = match.group("who").strip()
            if part[:5].lower() in ("from ", "with ") and not (
                outlets.canonical(who.removesuffix(".")) or _looks_like_title(who)
            ):
                continue  # "From the start, CNN said ..." closing a story is a sentence, not a credit
            names = _outlets_in(who, outlets)
            if family in ("origin", "distributor"):
                if not names and _looks_like_title(who):
                    names = [who.removesuffix(".").strip()]
                if not names:
                    continue
                rank = {"origin": 0, "distributor": 1}[family]
                found.origins.append((rank, names[0], line))
            else:
                if not names:
                    # "Jane Doe contributed to this report": a credit line (mask it), but no outlet.
                    if family == "contributor" and _looks_like_title(who):
                        matched_any = True
                        break
                    continue
                found.contributors.extend((name, line) for name in names)
            matched_any = True
            break
    return matched_any


def attributions(story: str, outlets: OutletIndex) -> list[str]:
    """Outlets the story cites as sources, in order of first citation."""
    cited = []
    for match in outlets.pattern.finditer(story):
        before = story[max(0, match.start() - 80) : match.start()]
        after = story[match.end() : match.end() + 80]
        if _INSIDE_A_NAME.search(before):
            continue  # "the Department of Foreign Affairs said" cites the department, not the magazine
        staff = _ARTICLE_BEFORE.search(before) and _STAFF_AFTER.match(after)
        if staff or _BEFORE_CUE.search(before) or _AFTER_CUE.match(after):
            name = outlets.canonical(match.group(0))
            if name:
                cited.append(name)
    return _unique(cited)


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
    if s.origin_from:
        tags.add(f"origin-from:{s.origin_from}")
    tags.update(f"contributor:{outlets.slug(name)}" for name in s.contributors)
    tags.update(f"cites:{outlets.slug(name)}" for name in s.attributions)
    return sorted(tag for tag in tags if tag.split(":")[-1])


def _wire_agency(text: str, outlets: OutletIndex) -> tuple[str | None, tuple[int, int] | None]:
    """The dateline opens the story, possibly under a headline line: look at the first three lines.
    Returns the agency and the dateline's span in `text`."""
    for start, _, line in [entry for entry in _lines_with_offsets(text[:1500]) if entry[2].strip()][:3]:
        match = _WIRE_DATELINE.match(line)
        if match and outlets.canonical(match.group("agency")):
            return outlets.canonical(match.group("agency")), (start + match.start(), start + match.end())
    return None, None


def _outlets_in(text: str, outlets: OutletIndex) -> list[str]:
    return _unique(outlets.canonical(m.group(0)) for m in outlets.pattern.finditer(text))


def _looks_like_title(text: str) -> bool:
    """ "Kyiv Herald", "The Daily Planet": capitalised words, short, no clause punctuation."""
    words = text.removesuffix(".").split()
    if not 1 <= len(words) <= 6 or any(ch in text for ch in ',;:!?"“”'):
        return False
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _SMALL_WORDS for w in words)


def _unwrap(text: str) -> str:
    match = _PARENS.match(text)
    return match.group("inner").strip() if match else text.lstrip("—–- ").strip()


def _sentences(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"(?<=[a-z)][.!])\s+(?=[A-Z(©])", text) if p.strip()]
    return parts or [text]


def _lines_with_offsets(text: str) -> list[tuple[int, int, str]]:
    out, position = [], 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        out.append((position, position + len(stripped), stripped))
        position += len(line)
    return out


def _unique(items) -> list:
    seen, out = set(), []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out
