"""Lines wire copy writes in forms of its own, which the NER reads as prose and gets wrong: a spaCy
component after the other entity components.

Sports results and tables. Wire sports copy is full of lines like "Wigan 4 Chester 2", "SAN DIEGO 75 60
.556 -", "MINNESOTA AT MILWAUKEE", "Essex 372 and 100-5". A name in a team's place there (before a score,
at the start of a table row, either side of "AT" or after "v") is a team, an organisation, even when it is
a city, a county or a state ("Calgary", "Nantes", "Essex"); a country there is the national side, which
news desks (and CoNLL) keep as the place. Every other mention of a team's name in the story is the team
too. Names in a scorecard's dismissal ("c Smith b Jones 6") and before bowling figures ("Jones 20-4-65-1")
are players. The rules run only on sports copy: a sports headline ("SOCCER - ...") or several sports words.

Lines in capitals (headlines, schedules, table headings: "JAPAN GET LUCKY WIN", "W L PCT GB"). The model
tags nearly every run of capitals as an organisation. Its tags there are dropped; names are found again by
looking up, case-insensitively, the names the story itself gives and the major places.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from services.enrich.entities.doc_text import text_of, words_of
from services.enrich.entities.people import looks_like_person
from services.enrich.entities.places import COUNTRY_FORMS, countries, gazetteer

COMPONENT = "wire_lines"
_SPORTS = (
    r"soccer|football|cricket|baseball|basketball|tennis|golf|rugby(?: union| league)?|(?:ice )?hockey|"
    r"athletics|cycling|boxing|motor ?racing|formula one|motorcycling|horse racing|racing|swimming|"
    r"skiing|sailing|rowing|squash|badminton|volleyball|handball|snooker|judo|wrestling|nfl|nba|nhl|mlb|"
    r"olympics|sport|sports"
)
_SPORTS_HEADLINE = re.compile(rf"^\s*(?:{_SPORTS})\b\s*(?:[-:–—]|$)", re.IGNORECASE)
_SPORTS_WORDS = re.compile(
    r"\b(?:beat|beats|drew|draw|halftime|half-time|innings|wickets?|goals?|scored|striker|midfielder|"
    r"goalkeeper|league|championship|cup|match|matches|season|tournament|seeded|seed|pitcher|inning|homered|"
    r"touchdowns?|quarterback|semifinal|quarter-final|semi-final|final|playoffs?|coach|unbeaten|"
    r"standings|fixtures|points|race|lap|stage|sets?)\b",
)  # matched on the lower-cased text: re.IGNORECASE made the scan of a long story five times slower
SPORTS_WORDS_NEEDED = 6
# A score, a table figure, a time or a bowling analysis: "4", "100-5", ".556", "6-3", "20-4-65-1".
_NUMBER = re.compile(r"^[+-]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:[-/:]\d+)*$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
# What follows a dateline's place, as text (the tokenizer may split the date at its hyphens).
_DATE_AFTER = re.compile(r"(?:,? [A-Z][\w .'-]{0,30}?)? \d{4}-\d\d-\d\d\b")
_BOWLING = re.compile(r"^\d+(?:\.\d)?-\d+-\d+-\d+$")
# Lower-case scorecard words before a player's name: caught, bowled, stumped, leg before.
_DISMISSAL = frozenset(["c", "b", "st", "lbw", "c&b"])
_VERSUS = frozenset(["v", "vs", "vs.", "v."])
# Words that open table rows and fixture lines without naming a team: "August 16-18 v Kent", "Total 185".
_NOT_TEAMS_WORDS = (
    "january february march april may june july august september october november december monday tuesday "
    "wednesday thursday friday saturday sunday total totals extras men women world overall round group "
    "game games division week day stage race heat final semifinal semi-final quarter-final match fall "
    "wickets wicket score half"
)
_NOT_TEAMS = frozenset(_NOT_TEAMS_WORDS.split())
_JOINERS = frozenset(["&", "de", "of", "and"])
CAPS_SHARE = 0.8
MAX_LOOKUP_WORDS = 4


@lru_cache(maxsize=1)
def _casefolded_places() -> dict[str, str]:
    """Major places by their case-folded name, for lines in capitals: "SAN DIEGO" -> "San Diego"."""
    _, major = gazetteer()
    return {p.casefold(): p for p in major if len(p) >= 4 or p.isupper()}


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(c.casefold() for c in (*countries(), *COUNTRY_FORMS))


def is_sports(text: str) -> bool:
    """Sports copy: a headline that names the sport ("CRICKET - ...", "Soccer: ..."), or sports words."""
    first = text.lstrip().split("\n", 1)[0]
    return (
        bool(_SPORTS_HEADLINE.match(first)) or len(_SPORTS_WORDS.findall(text.lower())) >= SPORTS_WORDS_NEEDED
    )


def caps_line(text: str) -> bool:
    """A line written in capitals: most of its letters upper-case, more than a word of them."""
    letters = sum(map(str.isalpha, text))
    return letters > 3 and sum(map(str.isupper, filter(str.isalpha, text))) >= CAPS_SHARE * letters


def lines(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges of the doc's lines (the tokenizer keeps newlines as whitespace tokens)."""
    out, start = [], 0
    for i, word in enumerate(words_of(doc)):
        if "\n" in word:
            if i > start:
                out.append((start, i))
            start = i + 1
    if start < len(doc):
        out.append((start, len(doc)))
    return out


@Language.component(COMPONENT)
def wire_lines(doc: Doc) -> Doc:
    text = text_of(doc)
    ranges = lines(doc)
    caps = [(s, e) for s, e in ranges if caps_line(text[doc[s].idx : doc[e - 1].idx + len(doc[e - 1])])]
    ents = list(doc.ents)
    kept: set[tuple[int, int]] = set()
    sports = is_sports(text)
    if sports:
        ents, kept = _sports_lines(doc, text, ents, ranges)
    ents += _untagged_people(doc, ents, ranges, sports)
    if caps:
        ents = _caps_lines(doc, text, ents, caps, kept)
    doc.set_ents(filter_spans([part for ent in ents for part in split_at_breaks(ent)]))
    return doc


def split_at_breaks(ent: Span) -> list[Span]:
    """A name never runs across a line break, a score or a semicolon ("Haitai 2 Samsung", "Vaughan
    9-1-55-1 ; Harris"), nor across a comma unless it is an organisation's ("Oval, London" is two places,
    "Bay Co Bldg Auth, Mich" may be one body): the parts that still hold a capitalised word keep the type."""
    breaks = [
        t.i
        for t in ent
        if t.is_space
        or t.text == ";"
        or t.text == ","
        and ent.label_ != "ORG"
        or _score(t.text)
        and ent.start < t.i < ent.end - 1  # "Schalke 04", "1860 Munich" are names
    ]
    if not breaks or ent.kb_id_ or ent.ent_id_:
        return [ent]
    parts, start = [], ent.start
    for i in [*breaks, ent.end]:
        if i > start and any(t.text[:1].isupper() for t in ent.doc[start:i]):
            parts.append(Span(ent.doc, start, i, label=ent.label_))
        start = i + 1
    return parts


# ------------------------------------------------------------------------------------------------ people


def _untagged_people(doc: Doc, ents: list[Span], ranges, sports: bool) -> list[Span]:
    """Names the model left untagged that look like people's (a given name, then one or two capitalised
    words): in sports copy, where line-ups, results and tables are lists of players, and anywhere on a line
    of their own (a byline, a signature)."""
    places, major = gazetteer()
    taken = {i for e in ents for i in range(e.start, e.end)}
    spans = []
    for start, end in ranges:
        if not sports and end - start > 4:
            continue  # outside sports copy only a line of one name counts: no longer than four tokens
        tokens = [t for t in doc[start:end] if not t.is_space]
        runs = _name_runs(tokens)
        whole = len(runs) == 1 and runs[0] == (0, len(tokens))
        if not (sports or whole):
            continue
        for i, j in runs:
            span = doc[tokens[i].i : tokens[j - 1].i + 1]
            if taken.intersection(range(span.start, span.end)) or span.text.isupper():
                continue
            if looks_like_person(span.text.split(), places, major):
                spans.append(Span(doc, span.start, span.end, label="PERSON"))
    return spans


# ------------------------------------------------------------------------------------------------ sports


def _sports_lines(doc: Doc, text: str, ents: list[Span], ranges: list[tuple[int, int]]):
    """Teams and players in result and table lines; then every mention of a team's name is the team."""
    found: list[Span] = []
    for start, end in ranges:
        found += _line_names(doc, text, start, end)
    if not found:
        return ents, set()
    teams = {s.text.casefold() for s in found if s.label_ == "ORG"}
    for span in found:
        ents = _claim(ents, span)
    out = []
    for ent in ents:
        folded = ent.text.casefold()
        if (
            folded in teams
            and ent.label_ != "ORG"
            and not ent.kb_id_
            and not ent.ent_id_
            and ent not in found
            and not _dateline(text, ent)
        ):
            ent = Span(doc, ent.start, ent.end, label="ORG")
        out.append(ent)
    return out, {(s.start, s.end) for s in found}


def _line_names(doc: Doc, text: str, start: int, end: int) -> list[Span]:
    """Team (ORG) and player (PERSON) spans in one line, from where each run of names stands."""
    tokens = [t for t in doc[start:end] if not t.is_space]
    if not tokens:
        return []
    chunks = _name_runs(tokens)
    numbers = sum(bool(_score(t.text)) for t in tokens)
    words = [t.text for t in tokens]
    spans = []
    # "MINNESOTA AT MILWAUKEE": the visitors, then where they play.
    schedule = len(chunks) == 2 and "AT" in words and numbers == 0
    for i, j in chunks:  # indices into `tokens`, [i, j)
        before = tokens[i - 1].text if i > 0 else ""
        after = tokens[j].text if j < len(tokens) else ""
        span = doc[tokens[i].i : tokens[j - 1].i + 1]
        if span[0].lower_ in _NOT_TEAMS or _dateline(text, span):
            continue
        if schedule and before == "AT":
            if span.text.casefold() in _casefolded_places() and not _listed(span):
                spans.append(Span(doc, span.start, span.end, label="GPE"))
            continue
        if before.lower() in _DISMISSAL or _BOWLING.match(after):
            if not _listed(span) and span.text.casefold() not in _countries():
                spans.append(Span(doc, span.start, span.end, label="PERSON"))
            continue
        in_team_place = (
            schedule
            or before.lower() in _VERSUS
            or numbers >= 1
            and _score(after)
            and not _BOWLING.match(after)
            and before != "("
            and (i == 0 or _score(before) or before in (",", ";", ":", ")", "-", "."))
            or numbers >= 2
            and after == "("
            and _score(_after_brackets(tokens, j))
            and (i == 0 or _score(before))
        )
        if in_team_place:
            team = _team(doc, span)
            if team is not None:
                spans.append(team)
    return spans


def _score(text: str) -> bool:
    """A score or a table figure; not a date ("1996-08-30")."""
    return bool(_NUMBER.match(text)) and not _DATE.match(text)


def _dateline(text: str, ent: Span) -> bool:
    """The place of a dateline ("NEW YORK 1996-08-30", "ARLINGTON, Texas 1996-08-31") is the place."""
    return bool(_DATE_AFTER.match(text, ent.end_char))


def _after_brackets(tokens, j: int) -> str:
    """The token after a bracketed aside that opens at tokens[j]: "Red Star (Yugoslavia) 70" -> "70"."""
    for k in range(j, min(len(tokens), j + 6)):
        if tokens[k].text == ")":
            return tokens[k + 1].text if k + 1 < len(tokens) else ""
    return ""


def _name_runs(tokens) -> list[tuple[int, int]]:
    """Runs of capitalised words (with "St", "&", "de" inside): [(first, past last)] into `tokens`."""
    runs, i = [], 0
    while i < len(tokens):
        if not _name_word(tokens[i].text):
            i += 1
            continue
        j = i + 1
        while j < len(tokens) and (
            _name_word(tokens[j].text)
            or tokens[j].text in _JOINERS
            and j + 1 < len(tokens)
            and _name_word(tokens[j + 1].text)
            or tokens[j].text in (".", "-")
            and not tokens[j - 1].whitespace_
            and j + 1 < len(tokens)
            and _name_word(tokens[j + 1].text)
        ):
            j += 1
        runs.append((i, j))
        i = j
    return runs


def _name_word(text: str) -> bool:
    return text[:1].isupper() and any(c.isalpha() for c in text) and text not in ("AT", "V")


def _team(doc: Doc, span: Span) -> Span | None:
    """The span as a team, or as the country when it is one; None for what is not a team: a player
    ("R. Kettleborough", "Nick Faldo"), a listed name, a heading word."""
    text = span.text
    folded = text.casefold()
    if _listed(span):
        return None
    if folded in _countries():
        return Span(doc, span.start, span.end, label="GPE")
    words = text.split()
    places, major = gazetteer()
    if re.match(r"^[A-Z]\.", text) or looks_like_person(words, places, major) or len(text) < 2:
        return None
    return Span(doc, span.start, span.end, label="ORG")


def _listed(span: Span) -> bool:
    return any(t.ent_kb_id_ or t.ent_id_ for t in span)


def _claim(ents: list[Span], span: Span) -> list[Span]:
    overlapping = [e for e in ents if e.start < span.end and span.start < e.end]
    if any(e.kb_id_ or e.ent_id_ for e in overlapping):
        return ents
    return [e for e in ents if e not in overlapping] + [span]


# ------------------------------------------------------------------------------------------ capitals


def _caps_lines(doc: Doc, text: str, ents: list[Span], caps: list[tuple[int, int]], kept: set) -> list[Span]:
    """Drop the model's tags in lines in capitals (not listed names, not the sports rules' teams), then tag
    there the names the rest of the story gives and major places, looked up case-insensitively."""

    def in_caps(ent: Span) -> bool:
        return any(s <= ent.start and ent.end <= e for s, e in caps)

    known: dict[str, str] = {}
    for ent in ents:
        if not in_caps(ent) and len(ent.text) >= 3:
            known.setdefault(ent.text.casefold(), ent.label_)
    ents = [e for e in ents if not in_caps(e) or e.kb_id_ or e.ent_id_ or (e.start, e.end) in kept]
    taken = {i for e in ents for i in range(e.start, e.end)}
    places = _casefolded_places()
    found = []
    for start, end in caps:
        i = start
        while i < end:
            n, label = _lookup(doc, i, end, known, places, taken)
            if n and _dateline(text, doc[i : i + n]) and doc[i : i + n].text.casefold() in places:
                label = "GPE"  # "COLOMBO 1996-08-30" is where the story was filed, whatever else it names
            if n:
                found.append(Span(doc, i, i + n, label=label))
                i += n
            else:
                i += 1
    return ents + found


def _lookup(doc: Doc, i: int, end: int, known: dict, places: dict, taken: set) -> tuple[int, str]:
    if not doc[i].is_alpha:
        return 0, ""
    for n in range(min(MAX_LOOKUP_WORDS, end - i), 0, -1):
        if taken.intersection(range(i, i + n)) or not doc[i + n - 1].is_alpha:
            continue
        folded = doc[i : i + n].text.casefold()
        if folded in known:
            return n, known[folded]
        if folded in places:
            return n, "GPE"
    return 0, ""
