"""The whole pipeline over real HTTP and the Kafka protocol: wire copy in, enriched records out."""

from __future__ import annotations

import httpx
import pytest

from services.common.records import build_raw_article, utc_now
from services.common.serialization import dumps
from tests.integration.conftest import produce_raw, read_topic, scrape


@pytest.fixture
def running(stack_factory, ingest_factory, enrich_factory):
    stack = stack_factory()
    ingest_factory(stack)
    enrich_factory(stack)
    return stack


def by_name(entities: list[dict]) -> dict[str, str]:
    return {e["name"]: e["type"] for e in entities}


def test_seed_story_posted_as_text_comes_out_enriched(running, seed_story):
    response = httpx.post(
        f"{running.ingest_url}/v1/articles",
        content=seed_story.encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    [article_id] = response.json()["accepted"]

    [record] = [
        r["value"]
        for r in read_topic(
            running.settings,
            running.settings.topic_enriched,
            until=lambda values: any(v["id"] == article_id for v in values),
        )
        if r["value"]["id"] == article_id
    ]

    entities = by_name(record["entities"])
    for person in ("Vladimir Putin", "Antony Blinken", "Yevgeny Prigozhin", "Antonio Tajani"):
        assert entities.get(person) == "PERSON", (person, entities)
    for org in ("Wagner", "Reuters", "ABC News", "Institute for the Study of War"):
        assert entities.get(org) == "ORG", (org, entities)
    for gpe in ("Moscow", "Rostov", "Kyiv", "Ukraine", "Russia", "Italy"):
        assert entities.get(gpe) == "GPE", (gpe, entities)
    assert "Putin" not in entities, "surname mentions must merge into Vladimir Putin"
    assert record["syndication"]["origin"] == "The Epoch Times"
    assert record["syndication"]["contributors"] == ["Reuters"]
    assert record["body_text"] == seed_story.strip()
    for entity in record["entities"]:
        for start, end in entity["spans"]:
            assert record["body_text"][start:end].strip(), entity
    assert "syndicated" in record["tags"]
    assert record["enrichment"]["ner_model"] == running.settings.ner_model


def test_poison_goes_to_dlq_with_its_reason_and_the_next_article_is_enriched(running):
    good = build_raw_article(
        {
            "body_text": "Prime Minister Keir Starmer met Emmanuel Macron in Paris.",
            "guid": "poison-test-good",
        },
        received_at=utc_now(),
    )
    empty = build_raw_article({"body_text": "x", "guid": "poison-test-empty"}, received_at=utc_now())
    empty["body_text"] = "   "
    produce_raw(
        running.settings,
        [
            (b"k1", b"{this is not json"),
            (b"k2", dumps({"id": "nw-0", "body_text": 42})),
            (empty["id"].encode(), dumps(empty)),
            (good["id"].encode(), dumps(good)),
        ],
    )

    enriched = read_topic(
        running.settings,
        running.settings.topic_enriched,
        until=lambda values: any(v["id"] == good["id"] for v in values),
    )
    assert {"Keir Starmer", "Emmanuel Macron"} <= {
        e["name"] for r in enriched for e in r["value"]["entities"]
    }

    letters = [
        r["value"]
        for r in read_topic(
            running.settings, running.settings.topic_dlq, until=lambda values: len(values) >= 3
        )
    ]
    by_type = {letter["error_type"]: letter for letter in letters}
    assert set(by_type) == {"not_json", "invalid_record", "empty_body"}
    assert by_type["not_json"]["original"] == "{this is not json"
    assert by_type["not_json"]["source"]["topic"] == running.settings.topic_raw
    assert isinstance(by_type["not_json"]["source"]["offset"], int)
    assert "line 1" in by_type["not_json"]["reason"]
    assert "body_text" in by_type["invalid_record"]["reason"]
    assert by_type["empty_body"]["stage"] == "consume"


def test_each_bad_request_gets_its_own_4xx_naming_the_problem(running):
    url = f"{running.ingest_url}/v1/articles"

    bad_json = httpx.post(
        url, content=b'{"body_text": "a",\n "headline": }', headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400 and "line 2" in bad_json.json()["message"], bad_json.text

    bad_ndjson = httpx.post(
        url,
        content=b'{"body_text": "one"}\n{"body_text": "two"}\nnot json\n',
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert bad_ndjson.status_code == 400 and bad_ndjson.json()["problems"][0]["line"] == 3

    unsupported = httpx.post(url, content=b"%PDF-1.7", headers={"Content-Type": "application/pdf"})
    assert unsupported.status_code == 415 and "application/pdf" in unsupported.json()["message"]

    invalid = httpx.post(url, json=[{"body_text": "fine"}, {"headline": "no body", "language": "english!"}])
    assert invalid.status_code == 422
    assert {(p["index"], p["field"]) for p in invalid.json()["problems"]} == {
        (1, "body_text"),
        (1, "language"),
    }

    too_big = httpx.post(url, json={"body_text": "x" * (running.settings.max_article_bytes + 10)})
    assert too_big.status_code == 413

    huge_request = httpx.post(
        url, content=b"x" * (running.settings.max_request_bytes + 1), headers={"Content-Type": "text/plain"}
    )
    assert huge_request.status_code == 413

    # None of the refused requests published anything.
    ok = httpx.post(url, json={"body_text": "Only this one is published.", "guid": "only-one"})
    assert ok.status_code == 202
    raw = read_topic(
        running.settings, running.settings.topic_raw, until=lambda values: len(values) >= 1, timeout_s=10
    )
    assert [r["value"]["guid"] for r in raw] == ["only-one"]


def test_metrics_of_both_services_move(running):
    before_ingest = scrape(f"{running.ingest_url}/metrics")
    before_enrich = scrape(f"{running.enrich_url}/metrics")
    response = httpx.post(
        f"{running.ingest_url}/v1/articles",
        json={
            "body_text": "Reuters reported that Olaf Scholz visited Warsaw.\nFrom The Epoch Times",
            "guid": "metrics-1",
        },
    )
    assert response.status_code == 202
    rejected = httpx.post(
        f"{running.ingest_url}/v1/articles", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert rejected.status_code == 400
    read_topic(running.settings, running.settings.topic_enriched, until=lambda values: len(values) >= 1)

    ingest = scrape(f"{running.ingest_url}/metrics")
    published = 'newswire_ingest_articles_published_total{source="http"}'
    assert ingest[published] - before_ingest.get(published, 0) == 1
    assert ingest['newswire_ingest_articles_rejected_total{reason="invalid_json",source="http"}'] >= 1
    assert any(
        k.startswith("newswire_ingest_publish_duration_seconds_count") and v >= 1 for k, v in ingest.items()
    )
    assert "process_resident_memory_bytes" in ingest

    enrich = {}
    for _ in range(50):  # the enriched counter moves right after the ack; give the scrape a moment
        enrich = scrape(f"{running.enrich_url}/metrics")
        if enrich.get("newswire_enrich_articles_enriched_total", 0) >= 1:
            break
    assert (
        enrich["newswire_enrich_articles_enriched_total"]
        - before_enrich.get("newswire_enrich_articles_enriched_total", 0)
        == 1
    )
    assert enrich['newswire_enrich_syndicated_articles_total{origin="The Epoch Times"}'] == 1
    assert enrich["newswire_enrich_duration_seconds_count"] >= 1
    assert "process_resident_memory_bytes" in enrich
