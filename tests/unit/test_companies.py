"""Companies and clubs named by their legal form: the component on hand-tagged docs, then the real pipeline."""

import pytest
import spacy

from services.common.records import build_raw_article, utc_now
from services.common.settings import Settings
from services.enrich.entities.companies import legal_form_names
from services.enrich.pipeline import build_enricher
from tests.unit.test_entities import hand_doc


@pytest.fixture(scope="module")
def blank():
    return spacy.blank("en")


def tagged(doc) -> list[tuple[str, str, str]]:
    return sorted((e.text, e.label_, e.kb_id_) for e in doc.ents)


@pytest.mark.parametrize(
    ("text", "model", "name"),
    [
        ("Shares of Havbris ASA fell.", [("Havbris", "PERSON")], "Havbris ASA"),
        ("The deal with PT Vale Indonesia Tbk closed.", [("Vale Indonesia", "GPE")], "PT Vale Indonesia Tbk"),
        (
            "Delta Marine Terminals S.A.E. said so.",
            [("Delta Marine", "PERSON")],
            "Delta Marine Terminals S.A.E.",
        ),
        ("Hessler Antriebstechnik GmbH, a family firm, cut jobs.", [], "Hessler Antriebstechnik GmbH"),
        ("Baz Sdn Bhd won.", [], "Baz Sdn Bhd"),
        ("Fans of Malmö FF sang.", [("Malmö", "GPE")], "Malmö FF"),
        ("Procter & Gamble Co. rose.", [("Procter", "PERSON")], "Procter & Gamble Co."),
    ],
)
def test_a_capitalised_run_ending_in_a_legal_form_is_one_organisation(blank, text, model, name):
    doc = legal_form_names(hand_doc(blank, text, *model))
    assert tagged(doc) == [(name, "ORG", name)]


@pytest.mark.parametrize(
    "text",
    [
        "It said so on Monday. Co. officials agreed.",
        "a unit of the group Ltd. by shares",
        "In 2024 AG officials met.",
    ],
)
def test_a_legal_form_without_a_name_before_it_tags_nothing(blank, text):
    assert tagged(legal_form_names(hand_doc(blank, text))) == []


def test_later_mentions_without_the_form_join_the_company(blank):
    text = "PT Vale Indonesia Tbk will build it. Vale Indonesia said the plant opens in 2028."
    doc = legal_form_names(hand_doc(blank, text, ("Vale Indonesia", "ORG"), ("Vale Indonesia", "GPE")))
    assert tagged(doc) == [
        ("PT Vale Indonesia Tbk", "ORG", "PT Vale Indonesia Tbk"),
        ("Vale Indonesia", "ORG", "PT Vale Indonesia Tbk"),
    ]


def test_a_listed_organisation_and_a_longer_model_org_are_left_alone(blank):
    text = "Volkswagen AG and the Jiangsu Lianhe Metals Co Ltd Group met."
    doc = hand_doc(blank, text, ("Volkswagen AG", "ORG"), ("Jiangsu Lianhe Metals Co Ltd Group", "ORG"))
    doc.ents = [
        spacy.tokens.Span(doc, 0, 2, label="ORG", kb_id="Volkswagen"),
        *[e for e in doc.ents if e.start > 0],
    ]
    assert tagged(legal_form_names(doc)) == [
        ("Jiangsu Lianhe Metals Co Ltd Group", "ORG", ""),
        ("Volkswagen AG", "ORG", "Volkswagen"),
    ]


def test_pipeline_reports_the_company_once_under_its_full_name():
    enricher = build_enricher(Settings.from_env({}).ner_model)
    body = (
        "Havbris ASA, a salmon farmer based in northern Norway, won court approval for its restructuring. "
        "Havbris said creditors backed the plan. Chief executive Ingrid Solheim said Havbris would keep "
        "all four sites."
    )
    (record,) = enricher.enrich([build_raw_article({"body_text": body}, received_at=utc_now())])
    companies = [e for e in record["entities"] if "Havbris" in e["name"]]
    assert [(e["name"], e["type"], e["mentions"]) for e in companies] == [("Havbris ASA", "ORG", 3)]


def test_an_organisation_cut_after_of_runs_on_through_the_capitalised_words(blank):
    text = "The National Stock Exchange of India has grown."
    doc = legal_form_names(hand_doc(blank, text, ("National Stock Exchange of", "ORG"), ("India", "GPE")))
    assert [(e.text, e.label_) for e in doc.ents] == [("National Stock Exchange of India", "ORG")]


def test_an_organisation_ending_in_of_before_lower_case_words_is_left_alone(blank):
    doc = legal_form_names(hand_doc(blank, "The Bank of said no.", ("Bank of", "ORG")))
    assert [(e.text, e.label_) for e in doc.ents] == [("Bank of", "ORG")]


@pytest.mark.parametrize(
    ("text", "model", "name"),
    [
        (
            "Scientists with World Weather Attribution, a research group based at Imperial College, agreed.",
            [("Weather Attribution", "PERSON")],
            "World Weather Attribution",
        ),
        (
            "American Commercial Barge Line, one of the largest operators, idled barges.",
            [("American", "NORP"), ("Barge Line", "PERSON")],
            "American Commercial Barge Line",
        ),
        ("Entergy, the region's largest power company, said so.", [], "Entergy"),
        (
            "The Commission for Conciliation, a state agency, ruled.",
            [("Commission", "ORG")],
            "Commission for Conciliation",
        ),
        # the noun before the name
        ("Housing charity Threshold said rents rose.", [("Threshold", "PERSON")], "Threshold"),
        ("Engineers at the company Vyriy assemble drones.", [("Vyriy", "GPE")], "Vyriy"),
        ("It was organised by the farmers' union Solidarnosc RI on Monday.", [], "Solidarnosc RI"),
        ("Credit flows through the state lender Banco Agrario de Colombia.", [], "Banco Agrario de Colombia"),
    ],
)
def test_a_name_the_copy_calls_an_organisation_is_one(blank, text, model, name):
    doc = legal_form_names(hand_doc(blank, text, *model))
    assert tagged(doc) == [(name, "ORG", name)]


@pytest.mark.parametrize(
    "text",
    [
        "Brazil, the world's largest producer, exports it.",  # a country
        "Tom Jones, a former union official, said so.",  # the noun does not end the phrase
        "Ann Lee, a spokeswoman for the company, said so.",
        "Shares fell, a trader at the bank said.",  # no name before the comma
        "Investors in the company Elon Musk founded sold shares.",  # a person after the noun
        "Farmers in the group Kenya sent were paid.",  # a country after the noun
        "The union Chairman said so.",  # a role after the noun
    ],
)
def test_a_noun_for_something_that_is_no_organisation_tags_nothing(blank, text):
    assert all(e.label_ != "ORG" for e in legal_form_names(hand_doc(blank, text)).ents)
