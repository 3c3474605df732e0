"""NER pipelines for copy that is not in English, and the mapping of their labels to the contract's types.

The English pipeline (entities.load_pipeline) adds rules written for English copy: name lists, titles,
place cues, company and organisation forms. Those stay on English copy. Other languages get only what
does not depend on the language: the outlet ruler (outlet names are the same in every language) and,
for place labels, a gazetteer of place names in several languages.

spaCy's French, Spanish, German ... small models are trained on WikiNER labels (PER, ORG, LOC, MISC):
- PER -> PERSON, ORG -> ORG;
- LOC -> GPE when the name is a country, a US state, a large division or a city (a place with a
  government: the gazetteer below), else LOC (rivers, mountains, seas, continents, regions);
- MISC is dropped: it mixes nationalities, events, works, products and laws, so any one contract type
  would be a guess, and a guessed type is what subscribers must not get.
"""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from spacy.language import Language
from spacy.tokens import Doc, Span

from services.enrich.entities.extract import load_model_with_outlets
from services.enrich.entities.places import gazetteer
from services.enrich.syndication.outlets import OutletIndex

COMPONENT = "newswire_wikiner_labels"
WIKINER_TYPES = {"PER": "PERSON", "ORG": "ORG"}
# Cities whose other-language names (Londres, Múnich, Mailand) are worth knowing: the larger ones.
NAMED_CITY_POPULATION = 100_000
TRANSLATED = ("fr", "es", "de", "it", "pt", "nl")


@lru_cache(maxsize=1)
def places_in_other_languages() -> frozenset[str]:
    """Country names in the detected languages (ISO 3166 translations shipped with pycountry), the
    English gazetteer, and other-language names of large cities (GeoNames alternate names)."""
    from services.enrich.entities.places import _geonames  # the cache places.py already holds: loaded once

    names = set(gazetteer()[0])
    for language in TRANSLATED:
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue
        for country in pycountry.countries:
            names.add(translation.gettext(country.name))
            if common := getattr(country, "common_name", None):
                names.add(translation.gettext(common))
    for city in _geonames().get_cities().values():
        if city["population"] >= NAMED_CITY_POPULATION:
            names.update(n for n in city.get("alternatenames", ()) if n and n[0].isupper())
    return frozenset(names)


def contract_type(label: str, text: str) -> str | None:
    """A WikiNER label as a contract type (see the module docstring); None: not published."""
    if label in WIKINER_TYPES:
        return WIKINER_TYPES[label]
    if label == "LOC":
        return "GPE" if text in places_in_other_languages() else "LOC"
    return None


# Articles these models take into a name ("La CFDT", "l'Aude", "Le Sénat"): French, Spanish, Italian,
# Portuguese, German and Dutch ones. English copy never reaches this component.
DETERMINERS = frozenset(
    [
        "le",
        "la",
        "les",
        "l'",
        "l’",
        "un",
        "une",
        "des",
        "du",
        "el",
        "los",
        "las",
        "lo",
        "il",
        "gli",
        "i",
        "der",
        "die",
        "das",
        "dem",
        "den",
        "ein",
        "eine",
        "het",
        "o",
        "os",
        "a",
        "as",
    ]
)
# A lower-case word before a name is a description ("région Bretagne" -> "Bretagne"); after one of these
# linking words the whole span is a description ("ministre de la Santé", "pont d'Austerlitz").
LINKING_WORDS = frozenset(
    [
        "de",
        "d'",
        "d’",
        "du",
        "des",
        "la",
        "le",
        "l'",
        "l’",
        "del",
        "di",
        "della",
        "von",
        "vom",
        "zur",
        "zum",
        "der",
    ]
)


def name_part(words: list[str]) -> int | None:
    """Where the name starts in a span's words: after leading articles and lower-case descriptors;
    None when the span is a description, not a name."""
    i = 0
    while i < len(words) - 1 and words[i].casefold() in DETERMINERS:
        i += 1
    if words[i].casefold() in DETERMINERS:
        return None  # an article alone ("Les" opening a sentence)
    start = i
    while i < len(words) and not words[i][:1].isupper():
        i += 1
    if i == len(words) or any(w.casefold() in LINKING_WORDS for w in words[start:i]):
        return None
    return i


def _after_article(doc: Doc, i: int) -> bool:
    return i > 0 and doc[i - 1].text.casefold() in DETERMINERS


@Language.component(COMPONENT)
def wikiner_labels(doc: Doc) -> Doc:
    """Relabel the model's entities with contract types (labels already contract types, the outlet
    ruler's ORG, stay; MISC goes), without leading articles and descriptions."""
    ents = []
    for ent in doc.ents:
        start = ent.start
        if ent.label_ == "PER" and len(ent) == 1 and _after_article(doc, ent.start):
            continue  # "le Premier ministre", "la Première ministre": names take no article
        if not ent.ent_id_:  # an outlet ruler match is exactly the outlet's name
            offset = name_part([t.text for t in ent])
            if offset is None:
                continue
            start += offset
        text = doc[start : ent.end].text
        label = ent.label_ if ent.label_ not in ("PER", "LOC", "MISC") else contract_type(ent.label_, text)
        if label:
            ents.append(Span(doc, start, ent.end, label=label, kb_id=ent.kb_id, span_id=ent.id))
    doc.set_ents(ents)
    return doc


def load_language_pipeline(model_name: str, outlets: OutletIndex, matmul: str = "numpy") -> Language:
    """Load once per worker: the model's NER, the outlet ruler before it, the label mapping after it."""
    nlp = load_model_with_outlets(model_name, outlets, matmul)
    if set(nlp.get_pipe("ner").labels) & {"PER", "MISC"}:
        nlp.add_pipe(COMPONENT, after="ner")
    places_in_other_languages()
    nlp("Échauffement : Anna Berg, de l'AFP, est à Paris.")  # loads the vocabulary now
    return nlp
