"""Named entities: the rules in entities/extract.py and places.py, end to end through the enricher where the small
model's decision is stable, and on hand-built docs (doc.ents set by hand) where it would not be."""

import pytest
import spacy

from services.common.records import build_raw_article, utc_now
from services.common.settings import Settings
from services.enrich.entities.extract import ENTITY_TYPES, entities_from_doc, ner_text, title_case
from services.enrich.entities.places import COMPONENT, gazetteer, place_types
from services.enrich.pipeline import build_enricher

NUMERIC_TYPES = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"}


@pytest.fixture(scope="module")
def enricher():
    return build_enricher(Settings.from_env({}).ner_model)


@pytest.fixture(scope="module")
def blank():
    return spacy.blank("en")


def enrich(enricher, body: str, headline: str | None = None) -> dict:
    draft = {"body_text": body, "headline": headline}
    (record,) = enricher.enrich([build_raw_article(draft, received_at=utc_now())])
    return record


def by_name(record: dict) -> dict[str, dict]:
    return {e["name"]: e for e in record["entities"]}


def hand_doc(nlp, text: str, *ents: tuple[str, str]):
    """A doc whose entities are set by hand: (surface, label) pairs, found left to right in `text`."""
    doc = nlp(text)
    spans, position = [], 0
    for surface, label in ents:
        start = text.index(surface, position)
        position = start + len(surface)
        span = doc.char_span(start, position, label=label)
        assert span is not None, f"{surface!r} does not fall on token boundaries"
        spans.append(span)
    doc.ents = spans
    return doc


def names(entities) -> dict[str, str]:
    return {e.name: e.type for e in entities}


# --- end to end, through Enricher.enrich ------------------------------------------------------------


def test_surname_merged_into_the_full_name_with_every_span(enricher):
    body = (
        "Russian President Vladimir Putin met officials in Moscow on Monday. Putin said the talks went well. "
        "Later, Putin's spokesman declined to comment."
    )
    record = enrich(enricher, body)
    entities = by_name(record)
    assert "Putin" not in entities
    putin = entities["Vladimir Putin"]
    assert putin["type"] == "PERSON"
    assert putin["mentions"] == 3 == len(putin["spans"])
    text = record["body_text"]
    surfaces = [text[start:end] for start, end in putin["spans"]]
    assert surfaces == ["Vladimir Putin", "Putin", "Putin"]  # the possessive is not in the span


def test_possessive_and_leading_the_stripped(enricher):
    body = (
        "The Institute for the Study of War said the Kremlin was weakened. "
        "The Institute for the Study of War's analysts agreed."
    )
    record = enrich(enricher, body)
    entities = by_name(record)
    isw = entities["Institute for the Study of War"]
    assert isw["type"] == "ORG"
    assert [record["body_text"][s:e] for s, e in isw["spans"]] == ["Institute for the Study of War"] * 2
    assert not any(name.startswith("The ") or name.endswith("'s") for name in entities)


def test_title_is_not_part_of_the_person(enricher):
    record = enrich(
        enricher, "Prime Minister Keir Starmer visited Leeds on Friday to open a new hospital wing."
    )
    entities = by_name(record)
    assert entities["Keir Starmer"]["type"] == "PERSON"
    assert not any("Minister" in name for name in entities)
    ((start, end),) = entities["Keir Starmer"]["spans"]
    assert record["body_text"][start:end] == "Keir Starmer"


def test_eu_folded_into_european_union(enricher):
    body = (
        "The European Union agreed new sanctions on Monday. The EU said the measures would start next month."
    )
    entities = by_name(enrich(enricher, body))
    assert "EU" not in entities
    assert entities["European Union"]["mentions"] == 2


def test_commission_folded_into_european_commission(enricher):
    body = (
        "The European Commission proposed a new budget. The Commission said member states must agree by June."
    )
    entities = by_name(enrich(enricher, body))
    assert "Commission" not in entities
    assert entities["European Commission"]["type"] == "ORG"
    assert entities["European Commission"]["mentions"] == 2


def test_lone_state_from_secretary_of_state_is_not_reported(enricher):
    body = "U.S. Secretary of State Antony Blinken flew to Paris on Sunday for talks with allies."
    assert any(ent.text == "State" for ent in enricher.nlp(body).ents)  # the model does tag it
    entities = by_name(enrich(enricher, body))
    assert "State" not in entities
    assert entities["Antony Blinken"]["type"] == "PERSON"


def test_outlet_aliases_recognised_as_orgs_with_canonical_names(enricher):
    body = "Protesters told The Associated Press that the march would go on. AFP said police made arrests."
    record = enrich(enricher, body)
    entities = by_name(record)
    assert entities["Associated Press"]["type"] == "ORG"
    assert entities["Agence France-Presse"]["type"] == "ORG"
    assert "AFP" not in entities and "The Associated Press" not in entities
    ((start, end),) = entities["Agence France-Presse"]["spans"]
    assert record["body_text"][start:end] == "AFP"


def test_context_only_alias_is_not_handed_to_the_ruler(enricher):
    patterns = {p["pattern"] for p in enricher.nlp.get_pipe("outlet_ruler").patterns}
    assert "The Associated Press" in patterns
    assert "AP" not in patterns
    entities = by_name(enrich(enricher, "The AP style guide was updated on Monday after a long review."))
    assert "Associated Press" not in entities


def test_known_country_mistyped_by_the_model_is_a_gpe(enricher):
    body = "The president of Malawi resigned on Thursday after weeks of protests."
    with enricher.nlp.select_pipes(disable=[COMPONENT]):
        mistyped = {ent.text: ent.label_ for ent in enricher.nlp(body).ents}
    assert mistyped["Malawi"] != "GPE"  # the small model gets it wrong on its own
    assert by_name(enrich(enricher, body))["Malawi"]["type"] == "GPE"


def test_numeric_and_date_types_never_appear(enricher):
    body = (
        "Voters in Kenya went to the polls on Tuesday, and turnout reached 65 percent by 5 p.m., officials "
        "said. The first results, covering 1.2 million ballots, are due on Friday at a cost of $3 million."
    )
    tagged = {ent.label_ for ent in enricher.nlp(body).ents}
    assert len(tagged & NUMERIC_TYPES) >= 4  # the model found them...
    record = enrich(enricher, body)
    types = {e["type"] for e in record["entities"]}
    assert not types & NUMERIC_TYPES  # ...and they are dropped
    assert types <= set(ENTITY_TYPES)
    assert "Kenya" in by_name(record)


def test_credit_lines_are_masked_from_the_ner_and_spans_stay_valid(enricher):
    body = (
        "The council met in Leeds on Tuesday.\nMembers voted 7-2 in favour of the ferry plan.\n"
        "Reporting by Jane Doe in London; Editing by John Smith"
    )
    assert {"Jane Doe", "John Smith"} <= {ent.text for ent in enricher.nlp(body).ents}
    record = enrich(enricher, body)
    entities = by_name(record)
    assert not {"Jane Doe", "John Smith", "London"} & set(entities)
    ((start, end),) = entities["Leeds"]["spans"]
    assert record["body_text"][start:end] == "Leeds"


def test_salience_in_range_and_sorted_descending(enricher):
    body = (
        "Officials in Lagos said the flooding had displaced thousands of families. Health Minister Ngozi "
        "Okafor visited a shelter on Monday and promised more aid. The Red Cross said it had sent medical "
        "teams to Lagos, and the Red Cross appealed for donations."
    )
    entities = enrich(enricher, body)["entities"]
    assert len(entities) >= 3
    saliences = [e["salience"] for e in entities]
    assert all(0.0 <= s <= 1.0 for s in saliences)
    assert saliences == sorted(saliences, reverse=True)


def test_headline_mentions_are_headline_spans_and_raise_salience(enricher):
    body = (
        "Officials in Lagos said the flooding had displaced thousands of families. Health Minister Ngozi "
        "Okafor visited a shelter on Monday and promised more aid. The Red Cross said it had sent medical "
        "teams to the city."
    )
    headline = "Red Cross sends medical teams to flooded city"
    plain = enrich(enricher, body)
    headed = enrich(enricher, body, headline=headline)
    before, after = by_name(plain)["Red Cross"], by_name(headed)["Red Cross"]
    assert after["spans"] == before["spans"]
    assert [headline[s:e] for s, e in after["headline_spans"]] == ["Red Cross"]
    assert after["mentions"] == before["mentions"] + 1
    assert after["salience"] > before["salience"]
    assert by_name(headed)["Ngozi Okafor"]["headline_spans"] == []

    def rank(record, name):
        return [e["name"] for e in record["entities"]].index(name)

    assert rank(plain, "Red Cross") > rank(plain, "Ngozi Okafor")
    assert rank(headed, "Red Cross") < rank(headed, "Ngozi Okafor")


# --- the rules, on hand-built docs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "label", "name"),
    [
        ("Prime Minister Keir Starmer spoke.", "Prime Minister Keir Starmer", "PERSON", "Keir Starmer"),
        ("Taoiseach Micheál Martin spoke.", "Taoiseach Micheál Martin", "PERSON", "Micheál Martin"),
        ("President Joe Biden spoke.", "President Joe Biden", "ORG", "Joe Biden"),  # mistyped: a person
    ],
)
def test_title_stripped(blank, text, surface, label, name):
    doc = hand_doc(blank, text, (surface, label))
    (entity,) = entities_from_doc(doc)
    assert (entity.name, entity.type) == (name, "PERSON")
    ((start, end),) = entity.spans
    assert text[start:end] == name


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("General Motors Co. said it would cut jobs.", "General Motors Co."),
        ("Students at Queen Mary University of London walked out.", "Queen Mary University of London"),
    ],
)
def test_organisation_named_with_a_title_word_keeps_its_name(blank, text, surface):
    doc = hand_doc(blank, text, (surface, "ORG"))
    (entity,) = entities_from_doc(doc)
    assert entity.type == "ORG"
    assert entity.name.split()[0] == surface.split()[0]


@pytest.mark.parametrize(
    ("text", "surface", "name"),
    [
        (
            "Analysts at the Institute for the Study of War’s office agreed.",
            "the Institute for the Study of War’s",
            "Institute for the Study of War",
        ),
        ("“Putin’s power is cracking,” he said.", "Putin’s", "Putin"),
        ("The Kremlin's line held.", "The Kremlin's", "Kremlin"),
        ("He met Ukraine' envoys.", "Ukraine'", "Ukraine"),
    ],
)
def test_possessive_and_the_cleaned_with_exact_offsets(blank, text, surface, name):
    (entity,) = entities_from_doc(hand_doc(blank, text, (surface, "ORG")))
    assert entity.name == name
    ((start, end),) = entity.spans
    assert text[start:end] == name


def test_surname_tagged_with_another_type_is_folded_into_the_person(blank):
    text = "Yevgeny Prigozhin led the revolt. Prigozhin then left Rostov."
    doc = hand_doc(blank, text, ("Yevgeny Prigozhin", "PERSON"), ("Prigozhin", "ORG"), ("Rostov", "GPE"))
    entities = entities_from_doc(doc)
    assert names(entities) == {"Yevgeny Prigozhin": "PERSON", "Rostov": "GPE"}
    (person,) = [e for e in entities if e.name == "Yevgeny Prigozhin"]
    assert [text[s:e] for s, e in person.spans] == ["Yevgeny Prigozhin", "Prigozhin"]


def test_a_name_used_from_the_middle_of_a_full_name_is_that_person(blank):
    text = "President Luiz Inácio Lula da Silva spoke. Lula's office said so."
    doc = hand_doc(blank, text, ("Luiz Inácio Lula da Silva", "PERSON"), ("Lula", "PERSON"))
    (person,) = entities_from_doc(doc)
    assert (person.name, person.mentions) == ("Luiz Inácio Lula da Silva", 2)


def test_a_surname_two_people_share_is_left_alone(blank):
    text = "John Smith and Mary Smith met. Smith said no."
    doc = hand_doc(blank, text, ("John Smith", "PERSON"), ("Mary Smith", "PERSON"), ("Smith", "PERSON"))
    entities = names(entities_from_doc(doc))
    assert entities == {"John Smith": "PERSON", "Mary Smith": "PERSON", "Smith": "PERSON"}


def test_acronym_and_last_word_fold_into_the_long_name(blank):
    text = "The European Union and the European Commission met. The EU and the Commission agreed."
    doc = hand_doc(
        blank,
        text,
        ("European Union", "ORG"),
        ("European Commission", "ORG"),
        ("EU", "ORG"),
        ("Commission", "ORG"),
    )
    entities = {e.name: e for e in entities_from_doc(doc)}
    assert set(entities) == {"European Union", "European Commission"}
    assert [text[s:e] for s, e in entities["European Union"].spans] == ["European Union", "EU"]
    assert [text[s:e] for s, e in entities["European Commission"].spans] == [
        "European Commission",
        "Commission",
    ]


@pytest.mark.parametrize("word", ["State", "Interior", "Treasury"])
def test_lone_department_word_dropped(blank, word):
    text = f"The Secretary of {word} Jane Roe met Kyiv officials."
    doc = hand_doc(blank, text, (word, "ORG"), ("Jane Roe", "PERSON"), ("Kyiv", "GPE"))
    assert names(entities_from_doc(doc)) == {"Jane Roe": "PERSON", "Kyiv": "GPE"}


def test_department_word_inside_a_longer_name_is_kept(blank):
    text = "The State Department said no."
    doc = hand_doc(blank, text, ("State Department", "ORG"))
    assert names(entities_from_doc(doc)) == {"State Department": "ORG"}


def test_untagged_mentions_are_counted_but_not_at_a_sentence_start_for_one_word(blank):
    text = "Talks in Geneva stalled. Delegates left Geneva. Geneva hotels emptied."
    doc = hand_doc(blank, text, ("Geneva", "GPE"))
    (entity,) = entities_from_doc(doc)
    assert entity.mentions == 2
    assert [text[s:e] for s, e in entity.spans] == ["Geneva", "Geneva"]
    assert entity.spans[-1][0] == text.index("left Geneva") + len("left ")


def test_type_vote_a_one_word_place_tagged_person_is_the_place(blank):
    text = "Rostov fell. Rostov was calm. Troops left Rostov."
    doc = hand_doc(blank, text, ("Rostov", "PERSON"), ("Rostov", "PERSON"), ("Rostov", "GPE"))
    (entity,) = entities_from_doc(doc)
    assert (entity.name, entity.type, entity.mentions) == ("Rostov", "GPE", 3)


def test_type_vote_majority_beats_type_priority(blank):
    text = "Acme Corp grew. Acme Corp hired. Acme Corp moved."
    doc = hand_doc(blank, text, ("Acme Corp", "ORG"), ("Acme Corp", "PERSON"), ("Acme Corp", "ORG"))
    (entity,) = entities_from_doc(doc)
    assert (entity.type, entity.mentions) == ("ORG", 3)


def test_type_vote_tie_goes_to_the_priority_type(blank):
    text = "Acme Corp grew. Acme Corp hired."
    doc = hand_doc(blank, text, ("Acme Corp", "ORG"), ("Acme Corp", "PERSON"))
    (entity,) = entities_from_doc(doc)
    assert entity.type == "PERSON"


def test_numeric_labels_are_dropped(blank):
    text = "On 3 June 2024, 12 people paid $5 million, 40 percent more, at 5 p.m. in Oslo."
    doc = hand_doc(
        blank,
        text,
        ("3 June 2024", "DATE"),
        ("12", "CARDINAL"),
        ("$5 million", "MONEY"),
        ("40 percent", "PERCENT"),
        ("5 p.m.", "TIME"),
        ("Oslo", "GPE"),
    )
    assert names(entities_from_doc(doc)) == {"Oslo": "GPE"}


def test_salience_formula_and_order(blank):
    story = "Talks in Bergen and Oslo ended. Then Bergen agreed and Bergen signed."
    text, offset = ner_text("Oslo deal", story)
    doc = hand_doc(blank, text, ("Oslo", "GPE"), ("Bergen", "GPE"))
    entities = entities_from_doc(doc, body_offset=offset)
    oslo, bergen = entities  # in the headline and first: that beats three later mentions
    assert bergen.name == "Bergen" and bergen.mentions == 3
    assert bergen.salience == round(0.5 + 0.3 * (1 - text.index("Bergen") / len(text)), 3)
    # two mentions (headline and story), the first at offset 0, in the headline
    oslo_in_story = story.index("Oslo")
    assert (oslo.mentions, oslo.spans, oslo.headline_spans) == (
        2,
        ((oslo_in_story, oslo_in_story + 4),),
        ((0, 4),),
    )
    assert oslo.salience == round(0.5 * 2 / 3 + 0.3 + 0.2, 3)
    assert all(0.0 <= e.salience <= 1.0 for e in entities)


def test_an_entity_named_only_in_the_headline_is_reported_with_headline_spans(enricher):
    headline = "Kenyan fishermen blame dams for shrinking catch"
    body = "Fishermen on the shores of Lake Turkana say their catch has fallen for three years running."
    entity = by_name(enrich(enricher, body, headline=headline))["Kenyan"]
    assert (entity["type"], entity["spans"], entity["mentions"]) == ("NORP", [], 1)
    assert [headline[s:e] for s, e in entity["headline_spans"]] == ["Kenyan"]


def test_a_title_case_headline_gives_only_names_the_story_also_gives(enricher):
    headline = "Novo Nordisk Slides After Cutting Outlook Again"
    body = "Novo Nordisk cut its sales outlook on Wednesday, and its shares fell 9% in Copenhagen."
    entities = enrich(enricher, body, headline=headline)["entities"]
    in_headline = {e["name"] for e in entities if e["headline_spans"]}
    assert in_headline == {"Novo Nordisk"}
    assert all(e["spans"] for e in entities)


@pytest.mark.parametrize(
    ("headline", "expected"),
    [
        ("China Cuts Key Rate for First Time in a Year to Bolster Growth", True),
        ("Archaeologists find Roman-era shipwreck off Sicily", False),
        ("Putin and Xi meet in Moscow", False),
    ],
)
def test_title_case(headline, expected):
    assert title_case(headline) is expected


def test_no_entities_no_output(blank):
    assert entities_from_doc(hand_doc(blank, "nothing to see here")) == []


# --- the place component, called directly ---------------------------------------------------------


@pytest.mark.parametrize("label", ["PERSON", "NORP", "ORG"])
def test_known_country_relabelled_gpe(blank, label):
    text = "The president of Nepal resigned."
    doc = place_types(hand_doc(blank, text, ("Nepal", label)))
    assert [(e.text, e.label_) for e in doc.ents] == [("Nepal", "GPE")]


def test_small_city_corrects_a_person_in_place_context_but_not_an_org(blank):
    """A small place shares its name with people: only words like "in" make the PERSON mention the place."""
    places, major = gazetteer()
    assert "Wigan" in places and "Wigan" not in major
    doc = place_types(hand_doc(blank, "Wigan beat them in Wigan.", ("Wigan", "ORG"), ("Wigan", "PERSON")))
    assert [e.label_ for e in doc.ents] == ["ORG", "GPE"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Wigan told reporters he was tired.", "PERSON"),  # a speaker
        ("Wigan won the vote.", "PERSON"),  # a small place, no context: the model's reading stays
        ("Voters in Wigan won.", "GPE"),
        ("Residents of Wigan won.", "GPE"),
        ("Nepal told reporters it was ready.", "GPE"),  # a major place speaks too
        ("Nepal won the vote.", "GPE"),
    ],
)
def test_person_or_place_by_context(blank, text, label):
    name = text.split()[2] if text.startswith(("Voters", "Residents")) else text.split()[0]
    doc = place_types(hand_doc(blank, text, (name, "PERSON")))
    assert [e.label_ for e in doc.ents] == [label]


def test_surname_that_is_a_place_is_left_alone(blank):
    text = "Lisa Jackson spoke. Jackson said no."
    doc = place_types(hand_doc(blank, text, ("Lisa Jackson", "PERSON"), ("Jackson", "PERSON")))
    assert [(e.text, e.label_) for e in doc.ents] == [("Lisa Jackson", "PERSON"), ("Jackson", "PERSON")]


@pytest.mark.parametrize("label", ["GPE", "ORG", "PERSON"])
def test_list_of_places_in_one_entity_is_split(blank, label):
    text = "Flooding hit Mombasa, Kisumu on Tuesday."
    doc = place_types(hand_doc(blank, text, ("Mombasa, Kisumu", label)))
    assert [(e.text, e.label_, e.start_char) for e in doc.ents] == [
        ("Mombasa", "GPE", text.index("Mombasa")),
        ("Kisumu", "GPE", text.index("Kisumu")),
    ]
    assert names(entities_from_doc(doc)) == {"Mombasa": "GPE", "Kisumu": "GPE"}


def test_list_with_a_part_that_is_no_place_is_kept_whole(blank):
    text = "Flooding hit Mombasa, Zzyzxville on Tuesday."
    doc = place_types(hand_doc(blank, text, ("Mombasa, Zzyzxville", "ORG")))
    assert [(e.text, e.label_) for e in doc.ents] == [("Mombasa, Zzyzxville", "ORG")]


def test_a_hyphenated_place_split_by_the_tokenizer_is_taken_whole(blank):
    text = "Strikes hit Ivano-Frankivsk overnight; Frankivsk residents sheltered."
    doc = place_types(hand_doc(blank, text, ("Ivano", "GPE"), ("Frankivsk", "GPE")))
    assert [(e.text, e.label_) for e in doc.ents][0] == ("Ivano-Frankivsk", "GPE")


def test_a_hyphenated_place_that_takes_in_the_next_entity_leaves_no_overlap(blank):
    text = "Strikes hit Ivano-Frankivsk overnight."
    doc = place_types(hand_doc(blank, text, ("Ivano", "PERSON"), ("Frankivsk", "GPE")))
    assert [(e.text, e.label_) for e in doc.ents] == [("Ivano-Frankivsk", "GPE")]


def test_a_hyphenated_name_that_is_no_place_is_left_alone(blank):
    text = "Smith-Jones spoke."
    doc = place_types(hand_doc(blank, text, ("Smith", "PERSON")))
    assert [(e.text, e.label_) for e in doc.ents] == [("Smith", "PERSON")]


@pytest.mark.parametrize(
    ("surface", "label"),
    [("Pará", "ORG"), ("Maharashtra", "NORP"), ("Negros Occidental", "PERSON"), ("Bucharest", "LOC")],
)
def test_states_provinces_and_capitals_correct_any_label(blank, surface, label):
    places, major = gazetteer()
    assert surface in major
    doc = place_types(hand_doc(blank, f"Officials in {surface} said so.", (surface, label)))
    assert [(e.text, e.label_) for e in doc.ents] == [(surface, "GPE")]


def test_divisions_named_like_people_or_words_are_not_places():
    places, major = gazetteer()
    assert "Mary" not in major  # a region of Turkmenistan (and a small city there), and a given name
    assert "Central" not in major  # a first-level region of several countries


@pytest.mark.parametrize(
    ("text", "tagged", "places"),
    [
        ("Havbris, based in the town of Finnsnes, cut jobs.", [("Finnsnes", "ORG")], ["Finnsnes"]),
        (
            "Raids will focus on the states of Pará and Mato Grosso, officials said.",
            [("Mato Grosso", "PERSON")],
            ["Pará", "Mato Grosso"],
        ),
        (
            "Residents of Harris and Fort Bend counties waited.",
            [("Harris", "PERSON")],
            ["Harris", "Fort Bend"],
        ),
        ("In An Giang province alone, banks collapsed.", [("Giang province alone", "GPE")], ["An Giang"]),
    ],
)
def test_a_phrase_that_calls_a_name_a_place_makes_it_a_gpe(blank, text, tagged, places):
    doc = place_types(hand_doc(blank, text, *tagged))
    assert [(e.text, e.label_) for e in doc.ents] == [(p, "GPE") for p in places]


def test_a_nationality_before_a_kind_of_place_stays_a_nationality(blank):
    text = "Kenyan counties and the Indian state of Kerala."
    doc = place_types(hand_doc(blank, text, ("Kenyan", "NORP"), ("Indian", "NORP")))
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Kenyan", "NORP"),
        ("Indian", "NORP"),
        ("Kerala", "GPE"),
    ]


@pytest.mark.parametrize("region", ["West Africa", "Southeast Asia", "Middle East"])
def test_parts_of_continents_are_locations(blank, region):
    doc = place_types(hand_doc(blank, f"Rain across {region} eased.", (region, "GPE")))
    assert [(e.text, e.label_) for e in doc.ents] == [(region, "LOC")]


def test_a_lower_case_descriptor_is_trimmed_off_an_organisation(blank):
    text = "Protesters marched against the Georgian Dream party on Sunday."
    (entity,) = entities_from_doc(hand_doc(blank, text, ("Georgian Dream party", "ORG")))
    assert (entity.name, entity.type) == ("Georgian Dream", "ORG")


def test_a_first_word_folds_into_the_organisation_it_opens(blank):
    text = "Southwest Airlines grounded jets. Southwest said checks were done. Atletico Madrid won; Atletico led."
    doc = hand_doc(
        blank,
        text,
        ("Southwest Airlines", "ORG"),
        ("Southwest", "ORG"),
        ("Atletico Madrid", "ORG"),
        ("Atletico", "PERSON"),
    )
    assert {e.name: e.mentions for e in entities_from_doc(doc)} == {
        "Southwest Airlines": 2,
        "Atletico Madrid": 2,
    }


def test_a_nationality_and_its_plural_are_one_group(blank):
    text = "Ukrainian grain is cheap. We are not against Ukrainians, farmers said. Democrats and a Democrat."
    doc = hand_doc(
        blank,
        text,
        ("Ukrainian", "NORP"),
        ("Ukrainians", "NORP"),
        ("Democrats", "NORP"),
        ("Democrat", "NORP"),
    )
    assert {e.name: e.mentions for e in entities_from_doc(doc)} == {"Ukrainian": 2, "Democrat": 2}


def test_a_plural_nationality_and_a_singular_organisation_stay_apart(blank):
    doc = hand_doc(blank, "Americans flew American to Dallas.", ("Americans", "NORP"), ("American", "ORG"))
    assert names(entities_from_doc(doc)) == {"Americans": "NORP", "American": "ORG"}


def test_a_mention_without_a_capital_is_no_entity(blank):
    doc = hand_doc(blank, "Farm cooperatives and Oxfam said so.", ("cooperatives", "ORG"), ("Oxfam", "ORG"))
    assert names(entities_from_doc(doc)) == {"Oxfam": "ORG"}


def test_a_features_own_name_folds_into_it_but_a_country_does_not(blank):
    text = "Climbers on Everest queued. Mount Everest is busy; Kenya closed Mount Kenya."
    doc = hand_doc(
        blank, text, ("Everest", "LOC"), ("Mount Everest", "LOC"), ("Kenya", "GPE"), ("Mount Kenya", "LOC")
    )
    entities = {e.name: (e.type, e.mentions) for e in entities_from_doc(doc)}
    assert entities == {"Mount Everest": ("LOC", 2), "Kenya": ("GPE", 1), "Mount Kenya": ("LOC", 1)}


def test_a_body_named_without_its_country_is_the_one_named_with_it(blank):
    text = "The Defense Ministry denied it. Critics blamed the Russian Defense Ministry."
    doc = hand_doc(blank, text, ("Defense Ministry", "ORG"), ("Russian Defense Ministry", "ORG"))
    assert {e.name: e.mentions for e in entities_from_doc(doc)} == {"Russian Defense Ministry": 2}


@pytest.mark.parametrize(
    ("text", "ents"),
    [
        (
            "The Defense Ministry denied it. The Russian Defense Ministry and Ukrainian Defense Ministry met.",
            [
                ("Defense Ministry", "ORG"),
                ("Russian Defense Ministry", "ORG"),
                ("Ukrainian Defense Ministry", "ORG"),
            ],
        ),
        ("Acme Bank rose. Big Acme Bank fell.", [("Acme Bank", "ORG"), ("Big Acme Bank", "ORG")]),
    ],
)
def test_a_name_qualified_twice_or_not_by_a_country_stays_apart(blank, text, ents):
    names_found = {e.name for e in entities_from_doc(hand_doc(blank, text, *ents))}
    assert names_found == {name for name, _ in ents}


def test_a_place_is_not_short_for_an_organisation_named_after_it(blank):
    text = "The Kansas Hospital Association warned that rural Kansas would lose clinics."
    doc = hand_doc(blank, text, ("Kansas Hospital Association", "ORG"), ("Kansas", "GPE"))
    assert names(entities_from_doc(doc)) == {"Kansas Hospital Association": "ORG", "Kansas": "GPE"}


@pytest.mark.parametrize(
    ("surface", "label"),
    [("Ohio River", "GPE"), ("Lagos Lagoon", "FAC"), ("Lake Turkana", "PERSON"), ("Gulf of Mexico", "ORG"),
     ("Ethiopian Highlands", "NORP"), ("River Calder", "ORG"), ("the River Calder", "ORG")],
)  # fmt: skip
def test_named_natural_features_are_locations(blank, surface, label):
    doc = place_types(hand_doc(blank, f"Water from {surface} rose.", (surface, label)))
    assert [(e.text, e.label_) for e in doc.ents] == [(surface, "LOC")]


@pytest.mark.parametrize(
    ("text", "ents", "place"),
    [
        ("Aid left Kinshasa.\nNeighbouring Angola said it had closed the border.", [], "Angola"),
        ("Farmers marched in Lyon and Toulouse.", [("Lyon", "GPE")], "Toulouse"),
        ("Officials in the Netherlands agreed.", [], "Netherlands"),
    ],
)
def test_a_major_place_the_model_left_untagged_is_a_place(blank, text, ents, place):
    doc = place_types(hand_doc(blank, text, *ents))
    assert (place, "GPE") in [(e.text, e.label_) for e in doc.ents]


@pytest.mark.parametrize(
    "text",
    [
        "Later Adelaide said she would stay.",  # also a given name
        "Fans saw Jordan score twice.",  # a country, but mostly a person in copy
        "Flights on Angola Airlines resumed.",  # part of a longer name
        "Water is low. The Olt flows south.",  # after "the" only a country
        "Angola said it had closed the border.",  # opens a sentence: left to the model
    ],
)
def test_an_untagged_place_name_is_left_alone_where_it_may_be_something_else(blank, text):
    assert [e.label_ for e in place_types(hand_doc(blank, text)).ents] == []


def test_a_nationality_tagged_as_a_person_is_norp(blank):
    text = "The Welsh government will pay. Irvine Welsh said Welsh readers agreed."
    doc = place_types(
        hand_doc(blank, text, ("Welsh", "PERSON"), ("Irvine Welsh", "PERSON"), ("Welsh", "PERSON"))
    )
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Welsh", "PERSON"),  # someone's surname in this story: left alone
        ("Irvine Welsh", "PERSON"),
        ("Welsh", "PERSON"),
    ]
    doc = place_types(hand_doc(blank, "The Welsh government will pay.", ("Welsh", "PERSON")))
    assert [(e.text, e.label_) for e in doc.ents] == [("Welsh", "NORP")]


def test_a_name_a_compass_word_qualifies_is_a_place_on_its_own(blank):
    places, _ = gazetteer()
    assert "Yorkshire" not in places
    text = "Rain hit Yorkshire overnight, and West Yorkshire worst."
    doc = place_types(hand_doc(blank, text, ("Yorkshire", "PERSON"), ("West Yorkshire", "GPE")))
    assert [(e.text, e.label_) for e in doc.ents] == [("Yorkshire", "GPE"), ("West Yorkshire", "GPE")]
    doc = place_types(hand_doc(blank, "Rain hit Yorkshire overnight.", ("Yorkshire", "PERSON")))
    assert [(e.text, e.label_) for e in doc.ents] == [("Yorkshire", "PERSON")]


@pytest.mark.parametrize(("surface", "place", "party"), [("Mississippi Republican", "Mississippi", "Republican"),
                                                         ("Texas Democrats", "Texas", "Democrats")])  # fmt: skip
def test_a_place_and_a_party_tagged_as_one_are_split(blank, surface, place, party):
    text = f"Senator Roger Wicker, a {surface}, objected."
    doc = place_types(hand_doc(blank, text, (surface, "NORP")))
    assert [(e.text, e.label_, e.start_char) for e in doc.ents] == [
        (place, "GPE", text.index(place)),
        (party, "NORP", text.index(party)),
    ]


def test_a_party_after_a_word_that_is_no_place_is_kept_whole(blank):
    doc = place_types(hand_doc(blank, "A Zzyzx Republican spoke.", ("Zzyzx Republican", "NORP")))
    assert [(e.text, e.label_) for e in doc.ents] == [("Zzyzx Republican", "NORP")]


@pytest.mark.parametrize("name", ["Ivory Coast", "Green Bay", "Nottingham Forest", "Mount Sinai Hospital"])
def test_names_that_end_like_features_but_are_not_keep_their_label(blank, name):
    doc = place_types(hand_doc(blank, f"Then {name} won.", (name, "ORG")))
    assert [e.label_ for e in doc.ents] != ["LOC"]


@pytest.mark.parametrize(
    ("text", "surface"), [("Houston-area residents", "Houston-area"), ("a Pune-based firm", "Pune-based")]
)
def test_a_name_used_as_a_modifier_loses_the_modifier(blank, text, surface):
    (entity,) = entities_from_doc(hand_doc(blank, text, (surface, "GPE")))
    assert entity.name == surface.split("-")[0]
