"""Named entities a news desk can trust: spaCy's statistical NER, an outlet ruler, and rules that turn
mentions into one entry per real-world entity.

What the rules fix (seen with en_core_web_sm on real wire copy): surnames listed apart from the full name
("Putin" beside "Vladimir Putin"), possessives and leading articles kept in names ("Putin’s",
"the Institute for the Study of War"), one-off wrong types ("Rostov" as PERSON, "Prigozhin" as ORG), and
outlets missed or mistyped ("Il Messaggero" as PERSON): outlets come from a spaCy EntityRuler fed by the
maintained outlet list, which runs before the statistical NER so the NER keeps its decisions.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from services.enrich.entities.companies import COMPONENT as COMPANIES_COMPONENT
from services.enrich.entities.doc_text import text_of
from services.enrich.entities.matmul import use_matmul
from services.enrich.entities.organisations import COMPONENT as ORGANISATIONS_COMPONENT
from services.enrich.entities.people import AMBIGUOUS_TITLES, PERSON_TITLES
from services.enrich.entities.people import COMPONENT as PEOPLE_COMPONENT
from services.enrich.entities.places import COMPONENT as PLACE_TYPES_COMPONENT
from services.enrich.entities.places import gazetteer, is_demonym
from services.enrich.entities.wire_lines import COMPONENT as WIRE_LINES_COMPONENT
from services.enrich.entities.wire_lines import caps_line
from services.enrich.syndication.outlets import OutletIndex

ENTITY_TYPES = (
    "PERSON",
    "ORG",
    "GPE",
    "LOC",
    "NORP",
    "FAC",
    "EVENT",
    "PRODUCT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
)
PLACE_TYPES = {"GPE", "LOC", "FAC"}
# Tie-break when mentions disagree evenly: the more specific or more common news type wins.
TYPE_PRIORITY = {
    "PERSON": 0,
    "GPE": 1,
    "ORG": 2,
    "LOC": 3,
    "NORP": 4,
    "FAC": 5,
    "EVENT": 6,
    "PRODUCT": 7,
    "WORK_OF_ART": 8,
    "LAW": 9,
    "LANGUAGE": 10,
}
# Only the NER component is needed: the small English model's NER has its own tok2vec.
UNUSED_COMPONENTS = (
    "tok2vec",
    "tagger",
    "parser",
    "attribute_ruler",
    "lemmatizer",
    "senter",
    "morphologizer",
)

_LEADING = re.compile(r"^(?:the|The|THE)\s+")
_TRAILING = re.compile(r"(?:['’]s|['’])$")
# A place or company used as a modifier: "Houston-area", "Pune-based", "Spanish-led".
_MODIFIER = re.compile(r"-(?:area|based|led|born|made|owned|backed|run|listed|bound|registered)$")
_EDGE_CHARS = " \t\n\"'“”‘’«»()[]{},.;:!?—–-"
_ABBREVIATION = re.compile(r"(?:^|[\s.])[A-Z]\.$")
# Titles before a name: the mention is the person, without the title ("Taoiseach Micheál Martin").
# Titles only people carry also make an ORG mention a person; "General", "King", "Queen" and the like
# also open organisation names (General Motors, King's College), so only a PERSON mention loses them.
_PERSON_TITLE = re.compile(r"^(?:" + "|".join(re.escape(t) for t in PERSON_TITLES) + r")\s+(?=[A-Z])")
_TITLE = re.compile(
    r"^(?:" + "|".join(re.escape(t) for t in (*PERSON_TITLES, *AMBIGUOUS_TITLES)) + r")\s+(?=[A-Z])"
)
# Lower-case words the model takes into a place name ("Kasai province"): the place is "Kasai".
_PLACE_SUFFIX = re.compile(r"\s+(?:province|region|state|county|district|prefecture|oblast)$")
# A lower-case descriptor the model runs into an organisation's name ("the Georgian Dream party").
_ORG_SUFFIX = re.compile(
    r"\s+(?:party|institute|group|government|company|club|firm|agency|bloc|movement|alliance|coalition)$"
)
# A result the model runs into a team's name ("Atletico Madrid 3-1").
_TRAILING_SCORE = re.compile(r"\s+\d+(?:[-–]\d+)?$")
# Department words the model tags alone from "Secretary of State", "Interior Ministry" and the like:
# never an entity of their own.
DEPARTMENT_WORDS = frozenset(
    [
        "State",
        "Defense",
        "Defence",
        "Interior",
        "Treasury",
        "Justice",
        "Commerce",
        "Energy",
        "Foreign",
        "Home",
        "Labor",
        "Labour",
        "Health",
        "Education",
        "Agriculture",
        "Transportation",
        "Finance",
    ]
)
_ACRONYM = re.compile(r"^(?:[A-Z]\.?){2,6}$")
_ACRONYM_SKIP = frozenset({"of", "the", "and", "for", "de", "la", "on"})
# A feature named by a kind and one word: the word alone is the feature ("Everest", "Thames").
_KIND_AND_NAME = re.compile(r"^(?:Mount|Mt\.|River|Lake)\s\S+$")
_ORG_KEY = "\x00org"
_NAME_LIKE = re.compile(r"[A-ZÀ-ÖØ-Þ]")
_WORD_START = re.compile(r"(?<![\w-])\w")
_SENTENCE_START = re.compile(r"(?:^|[.!?…]\s+|\n\s*|[“\"]\s*)$")


@dataclass(frozen=True)
class Entity:
    name: str
    type: str
    mentions: int
    spans: tuple[tuple[int, int], ...]
    """[start, end) offsets into the body text."""
    salience: float
    headline_spans: tuple[tuple[int, int], ...] = ()
    """[start, end) offsets into the headline."""

    def to_record(self) -> dict:
        return {
            "name": self.name,
            "type": self.type,
            "mentions": self.mentions,
            "spans": [list(span) for span in self.spans],
            "headline_spans": [list(span) for span in self.headline_spans],
            "salience": self.salience,
        }


@dataclass
class _Group:
    """All mentions that name one entity, while they are being merged."""

    forms: Counter = field(default_factory=Counter)
    votes: Counter = field(default_factory=Counter)
    spans: set = field(default_factory=set)
    canonical: str | None = None  # set by the outlet ruler: wins over surface forms
    listed: bool = False  # a listed organisation: ORG whatever the votes, named by its fullest form here
    _named: tuple[tuple[int, int], str] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        if self.canonical:
            return self.canonical
        # The merges ask for names over and over. Forms and counts only ever grow, so the name can only
        # change when the number of forms or their total does.
        state = (len(self.forms), self.forms.total())
        if self._named is None or self._named[0] != state:
            # The fullest form ("Vladimir Putin" over "Putin"), then the most used, then the first seen.
            self._named = (state, max(self.forms, key=lambda f: (len(f.split()), self.forms[f])))
        return self._named[1]

    @property
    def first(self) -> int:
        return min(start for start, _ in self.spans)

    def take_in(self, other: _Group) -> None:
        """Another group's mentions become this one's; its forms stay known (for untagged mentions) but
        never name the entity."""
        self.spans |= other.spans
        self.forms.update({f: 0 for f in other.forms})


def load_model_with_outlets(model_name: str, outlets: OutletIndex, matmul: str = "numpy") -> Language:
    """The model's NER only, with the outlet ruler before it: the part every language shares."""
    nlp = use_matmul(spacy.load(model_name, exclude=list(UNUSED_COMPONENTS)), matmul)
    ruler = nlp.add_pipe(
        "entity_ruler",
        name="outlet_ruler",
        before="ner",
        config={"phrase_matcher_attr": "ORTH", "validate": False},
    )
    ruler.add_patterns(
        [
            {"label": "ORG", "pattern": form, "id": outlet.name}
            for outlet in outlets.entries
            for form in outlet.ruler_forms
        ]
    )
    return nlp


def load_pipeline(
    model_name: str, outlets: OutletIndex, organisations_file: Path | None = None, matmul: str = "numpy"
) -> Language:
    """Load once per worker: the NER, the outlet ruler before it, the organisation, company, place and
    people components after it."""
    nlp = load_model_with_outlets(model_name, outlets, matmul)
    nlp.add_pipe(ORGANISATIONS_COMPONENT, after="ner", config={"extra_file": str(organisations_file or "")})
    nlp.add_pipe(COMPANIES_COMPONENT, after=ORGANISATIONS_COMPONENT)
    nlp.add_pipe(PLACE_TYPES_COMPONENT, after=COMPANIES_COMPONENT)
    nlp.add_pipe(PEOPLE_COMPONENT, after=PLACE_TYPES_COMPONENT)
    nlp.add_pipe(WIRE_LINES_COMPONENT, after=PEOPLE_COMPONENT)
    nlp("Warm-up: Anna Berg of Acme Ltd, a company, flew to Paris.")  # loads the place and name lists now
    return nlp


def ner_text(headline: str | None, story: str) -> tuple[str, int]:
    """The text the NER reads: the headline, a blank line, then the story. Returns it with the offset
    at which the story starts (0 without a headline), for `entities_from_doc`."""
    if not headline:
        return story, 0
    return f"{headline}\n\n{story}", len(headline) + 2


def title_case(headline: str) -> bool:
    """Most longer words capitalised: "Novo Nordisk Slides After Trial Misses Goal". Not a headline in
    capitals: `wire_lines` tags those by looking names up."""
    if caps_line(headline):
        return False
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", headline) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def entities_from_doc(doc: Doc, *, body_offset: int = 0) -> list[Entity]:
    """One entry per real-world entity, most salient first. `doc` reads `ner_text(headline, story)`;
    mentions before `body_offset` are in the headline. Pure: reads the doc, loads nothing."""
    groups: dict[str, _Group] = {}
    text = text_of(doc)
    # In a Title Case headline every word looks like a name ("Novo Nordisk Slides After ..."): take only
    # the names the story itself gives, found there by `_add_untagged_mentions`.
    headline_start = 0 if title_case(text[: max(0, body_offset - 2)]) else body_offset
    for ent in doc.ents:
        if ent.label_ not in ENTITY_TYPES or headline_start <= ent.start_char < body_offset:
            continue
        cleaned = _clean(text, ent.start_char, ent.end_char)
        if cleaned is None or not _NAME_LIKE.search(text[cleaned[0] : cleaned[1]]):
            continue  # "cooperatives", "57": a name has a capital somewhere ("iPhone", "eBay")
        start, end = cleaned
        label = ent.label_
        title = _TITLE.match(text[start:end]) if label == "PERSON" else _PERSON_TITLE.match(text[start:end])
        if title and len(text[start + title.end() : end].split()) >= 2:
            start, label = start + title.end(), "PERSON"
        suffix = _PLACE_SUFFIX.search(text[start:end]) if label in ("GPE", "LOC") else None
        suffix = suffix or (_ORG_SUFFIX.search(text[start:end]) if label == "ORG" else None)
        suffix = suffix or _TRAILING_SCORE.search(text[start:end])
        if suffix and suffix.start() >= 2:
            end = start + suffix.start()
        surface = text[start:end]
        canonical = ent.ent_id_ or None
        key = (canonical or ent.kb_id_ or surface).casefold()
        if label == "ORG" and not canonical and not ent.kb_id_:
            key += _ORG_KEY  # a team named by its city ("Milwaukee 5") is not the city ("in Milwaukee")
        group = groups.setdefault(key, _Group())
        group.listed = group.listed or bool(ent.kb_id_)
        group.forms[surface] += 1
        group.votes[label] += 1
        group.spans.add((start, end))
        group.canonical = group.canonical or canonical

    _merge_org_readings(groups)
    merged_surnames = _merge_short_person_names(groups)
    _merge_short_org_names(groups)
    _merge_unqualified_org_names(groups)
    _merge_plural_groups(groups)
    _add_untagged_mentions(text, groups)
    return _rank(groups, merged_surnames, len(text), body_offset)


def _clean(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim quotes, punctuation, a leading "the", a possessive and a "-based" off a mention, keeping
    exact offsets."""
    while start < end and text[start] in _EDGE_CHARS:
        start += 1
    end = _trim_end(text, start, end)
    lead = _LEADING.match(text[start:end])
    if lead and end - start - lead.end() >= 2:
        start += lead.end()
    modifier = _MODIFIER.search(text[start:end])
    if modifier and modifier.start() >= 2:
        end = start + modifier.start()
    trail = _TRAILING.search(text[start:end])
    if trail and trail.start() >= 2:
        end = _trim_end(text, start, start + trail.start())
    return (start, end) if end - start >= 2 else None


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in _EDGE_CHARS:
        if text[end - 1] == "." and _ABBREVIATION.search(text[start:end]):
            break  # "U.S." keeps its last dot
        end -= 1
    return end


def _merge_org_readings(groups: dict[str, _Group]) -> None:
    """A name read as an organisation and also as something else is one entity, except beside a place
    reading: the team "Milwaukee" (ORG in "Milwaukee 5 Minnesota 4") and the city stay apart."""
    for key in [k for k in groups if k.endswith(_ORG_KEY)]:
        other = groups.get(key.removesuffix(_ORG_KEY))
        if other is None:
            continue
        place = sum(other.votes[t] for t in PLACE_TYPES) * 2 > sum(other.votes.values())
        if not place:
            org = groups.pop(key)
            other.forms.update(org.forms)
            other.votes.update(org.votes)
            other.spans |= org.spans
            other.listed = other.listed or org.listed


def _merge_short_person_names(groups: dict[str, _Group]) -> set[str]:
    """Fold "Putin" (whatever it was tagged) into "Vladimir Putin" when exactly one full PERSON name in the
    article has it as a word. Returns the names that took in a short form."""
    people = {key: g for key, g in groups.items() if g.votes["PERSON"] and len(g.name.split()) >= 2}
    words = {key: g.name.casefold().split() for key, g in people.items()}  # read again after a merge only
    took_in = set()
    for key, group in list(groups.items()):
        if key in people or group.canonical or group.listed or len(group.name.split()) != 1:
            continue
        short = group.name.casefold()
        # Any word of the name: "Putin", "Vladimir", or "Lula" of "Luiz Inácio Lula da Silva".
        owners = [k for k, name_words in words.items() if short in name_words]
        if len(owners) != 1:
            continue  # two Smiths, or none: leave it alone rather than guess
        owner = groups[owners[0]]
        owner.votes.update(group.votes)
        owner.votes["PERSON"] += sum(group.votes.values())  # a person's surname is that person
        owner.take_in(group)
        words[owners[0]] = owner.name.casefold().split()
        del groups[key]
        took_in.add(owners[0])
    return took_in


def _merge_short_org_names(groups: dict[str, _Group]) -> None:
    """Fold an acronym into the one name it abbreviates ("EU" -> "European Union") and a first or last
    word into the one organisation it opens or ends ("Southwest" -> "Southwest Airlines", "Commission" ->
    "European Commission") and a feature's own name into it ("Everest" -> "Mount Everest"); drop lone
    department words."""
    long_names = {k: g for k, g in groups.items() if len(g.name.split()) >= 2 and not g.votes["PERSON"]}
    orgs = {k: g for k, g in long_names.items() if g.votes["ORG"]}
    names = {k: g.name for k, g in long_names.items()}  # read again after a merge only
    initials = {k: _initials(name) for k, name in names.items()}
    for key, group in list(groups.items()):
        short = group.name
        if key in long_names or " " in short:
            continue
        place = any(group.votes[t] for t in ("NORP", *PLACE_TYPES))
        if _ACRONYM.match(short) and not group.votes["PERSON"]:
            # "EU" -> "European Union"; a place's only to a place: "US" -> "United States"
            letters = short.replace(".", "")
            owners = [
                k
                for k, g in long_names.items()
                if initials[k] == letters and (not place or any(g.votes[t] for t in PLACE_TYPES))
            ]
        elif place and group.votes["LOC"] and not group.votes["GPE"]:
            owners = [
                k
                for k, g in long_names.items()
                if g.votes["LOC"] and _KIND_AND_NAME.match(names[k]) and names[k].split()[-1] == short
            ]
        elif place:
            continue  # "China" is not short for "People's Bank of China", nor "Kansas" for a Kansas body
        elif group.votes["PERSON"]:
            # A lone word tagged PERSON that is no one's surname here (those merged already) but opens
            # an organisation's name is that organisation ("Atletico" -> "Atletico Madrid").
            owners = [k for k in orgs if names[k].split()[0] == short]
        else:
            owners = [k for k in orgs if short in (names[k].split()[-1], names[k].split()[0])]
        if len(owners) == 1:
            owner = groups[owners[0]]
            owner.take_in(group)
            names[owners[0]] = owner.name
            initials[owners[0]] = _initials(owner.name)
            del groups[key]
        elif short in DEPARTMENT_WORDS and not group.canonical and not group.listed:
            del groups[key]


def _merge_unqualified_org_names(groups: dict[str, _Group]) -> None:
    """Fold "Defense Ministry" into "Russian Defense Ministry" when it is the only organisation in the
    story that qualifies that name by a nationality or a country."""
    orgs = {k: g for k, g in groups.items() if g.votes["ORG"] and not g.votes["PERSON"] and not g.canonical}
    _, major = gazetteer()
    for key, group in orgs.items():
        name = group.name
        if " " not in name or key not in groups:
            continue  # single words: _merge_short_org_names
        owners = [
            k
            for k, g in orgs.items()
            if k in groups
            and g.name.endswith(" " + name)
            and ((qualifier := g.name[: -len(name) - 1]) in major or is_demonym(qualifier))
        ]
        if len(owners) == 1:
            owner = groups[owners[0]]
            owner.take_in(group)
            del groups[key]


def _merge_plural_groups(groups: dict[str, _Group]) -> None:
    """One group, named in the singular, for "Ukrainians" and "Ukrainian", "Democrats" and "Democrat"."""
    for key, group in list(groups.items()):
        singular = groups.get(key[:-1]) if key.endswith("s") and group.votes["NORP"] else None
        if singular is not None and singular.votes["NORP"]:
            singular.take_in(group)
            singular.votes.update(group.votes)
            del groups[key]


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.replace("-", " ").split() if w.casefold() not in _ACRONYM_SKIP)


def whole_words(text: str, forms: list[str]) -> Iterator[tuple[str, tuple[int, int]]]:
    r"""(form, span) of each whole-word occurrence of `forms` (longest first, three characters or more),
    leftmost first and never overlapping: what `re.finditer` over their alternation between `(?<![\w-])`
    and `(?![\w-])` finds. Compiling that pattern, new for every article, cost more than the scan."""
    if not all(_word_char(f[0]) for f in forms):
        alternatives = "|".join(re.escape(f) for f in forms)
        for match in re.finditer(r"(?<![\w-])(?:" + alternatives + r")(?![\w-])", text):
            yield match.group(0), match.span()
        return
    # Every form opens with a word character, so it can only start where a word does.
    by_opening: dict[str, list[str]] = {}
    for form in forms:
        by_opening.setdefault(form[:3], []).append(form)  # keeps the longest-first order
    end, length = 0, len(text)
    for start in map(re.Match.start, _WORD_START.finditer(text)):
        if start < end or (candidates := by_opening.get(text[start : start + 3])) is None:
            continue
        for form in candidates:
            stop = start + len(form)
            if text.startswith(form, start) and (stop == length or not _word_char(text[stop], "-")):
                yield form, (start, stop)
                end = stop
                break


def _word_char(char: str, also: str = "") -> bool:
    r"""What `\w` matches (Unicode letters and digits, "_"), or one of `also`."""
    return char.isalnum() or char == "_" or char in also


def _add_untagged_mentions(text: str, groups: dict[str, _Group]) -> None:
    """The model tags a name in one sentence and misses it in the next: count every whole-word occurrence
    of a found name (and of a person's surname) that no other entity already covers."""
    owner: dict[str, _Group] = {}
    people: set[int] = set()
    for group in groups.values():
        if group.votes["PERSON"] * 2 > sum(group.votes.values()):
            people.add(id(group))
        forms = set(group.forms) | ({group.name.split()[-1]} if group.votes["PERSON"] else set())
        for form in forms:
            if len(form) >= 3:
                owner.setdefault(form, group)
    if not owner:
        return
    # One pass over the text with every form at once, longest first so "Vladimir Putin" beats "Putin".
    taken = sorted(span for g in groups.values() for span in g.spans)
    for form, span in whole_words(text, sorted(owner, key=len, reverse=True)):
        if (
            " " not in form
            and id(owner[form]) not in people
            and _SENTENCE_START.search(text[max(0, span[0] - 3) : span[0]])
        ):
            continue  # "State television ..." at a sentence start is not the entity "State"; "Yeltsin" is
        i = bisect.bisect_left(taken, span)
        neighbours = taken[max(0, i - 1) : i + 1]
        if not any(s < span[1] and span[0] < e for s, e in neighbours):
            owner[form].spans.add(span)
            bisect.insort(taken, span)


def _decide_type(group: _Group, merged_surname: bool) -> str:
    votes = group.votes
    if group.canonical or group.listed:
        return "ORG"
    if merged_surname:
        return "PERSON"
    # A single word tagged PERSON that is no one's surname here, but also tagged as a place, is the place
    # ("Rostov" as GPE once and PERSON twice is the city).
    if len(group.name.split()) == 1 and votes["PERSON"] and any(votes[t] for t in PLACE_TYPES):
        votes = Counter({t: n for t, n in votes.items() if t != "PERSON"})
    return max(votes, key=lambda t: (votes[t], -TYPE_PRIORITY.get(t, 99)))


def _rank(groups: dict[str, _Group], merged: set[str], length: int, body_offset: int) -> list[Entity]:
    """salience = 0.5 * mentions / most mentions + 0.3 * (1 - first offset / length) + 0.2 * in headline,
    offsets over headline and story together."""
    if not groups:
        return []
    most = max(len(g.spans) for g in groups.values())
    entities = []
    for key, group in groups.items():
        spans = sorted(group.spans)
        headline = tuple(span for span in spans if span[0] < body_offset)
        body = tuple((s - body_offset, e - body_offset) for s, e in spans if s >= body_offset)
        salience = 0.5 * len(spans) / most + 0.3 * (1 - group.first / max(1, length)) + 0.2 * bool(headline)
        entities.append(
            Entity(
                name=group.name,
                type=_decide_type(group, key in merged),
                mentions=len(spans),
                spans=body,
                salience=round(min(1.0, salience), 3),
                headline_spans=headline,
            )
        )
    return sorted(entities, key=lambda e: (-e.salience, e.name))
