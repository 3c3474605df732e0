"""Kafka away, several workers, shutdown: what operators rely on."""

from __future__ import annotations

import httpx

from services.common.broker import free_port
from services.common.records import build_raw_article, utc_now
from services.common.serialization import dumps
from tests.integration.conftest import produce_raw, read_topic, scrape, stop_process


def test_ingest_answers_503_with_retry_after_when_kafka_is_unreachable(stack_factory, ingest_factory):
    stack = stack_factory()
    dead = f"127.0.0.1:{free_port()}"  # nothing listens here
    ingest_factory(stack, NEWSWIRE_KAFKA_BOOTSTRAP=dead, NEWSWIRE_PUBLISH_TIMEOUT_S="2")

    response = httpx.post(
        f"{stack.ingest_url}/v1/articles", json={"body_text": "Nobody will hear this."}, timeout=30
    )
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"].isdigit()
    body = response.json()
    assert body["error"] == "kafka_unavailable" and body["accepted"] == [] and len(body["failed"]) == 1
    assert httpx.get(f"{stack.ingest_url}/readyz", timeout=10).status_code == 503
    assert httpx.get(f"{stack.ingest_url}/healthz").status_code == 200
    metrics = scrape(f"{stack.ingest_url}/metrics")
    assert metrics['newswire_ingest_articles_rejected_total{reason="kafka_unavailable",source="http"}'] == 1


def test_two_workers_in_one_group_share_the_partitions_and_lose_nothing(stack_factory, enrich_factory):
    stack = stack_factory(NEWSWIRE_TOPIC_PARTITIONS="4")
    first_port, second_port = free_port(), free_port()
    enrich_factory(stack, port=first_port)
    enrich_factory(stack, port=second_port)
    records = [
        build_raw_article(
            {"body_text": f"Story {i}: Olaf Scholz met Giorgia Meloni in Rome.", "guid": f"share-{i}"},
            received_at=utc_now(),
        )
        for i in range(24)
    ]
    produce_raw(stack.settings, [(r["id"].encode(), dumps(r)) for r in records])

    wanted = {r["id"] for r in records}
    seen = read_topic(
        stack.settings,
        stack.settings.topic_enriched,
        until=lambda values: wanted <= {v["id"] for v in values},
        timeout_s=90,
    )
    assert wanted <= {s["value"]["id"] for s in seen}

    per_worker = [
        scrape(f"http://127.0.0.1:{port}/metrics").get("newswire_enrich_articles_enriched_total", 0)
        for port in (first_port, second_port)
    ]
    assert sum(per_worker) >= len(records)
    assert all(count > 0 for count in per_worker), f"one worker did all the work: {per_worker}"


def test_a_stopped_worker_commits_and_the_next_one_resumes_without_loss(stack_factory, enrich_factory):
    stack = stack_factory()
    worker = enrich_factory(stack)
    first = [
        build_raw_article(
            {"body_text": f"First wave {i} from Berlin.", "guid": f"wave1-{i}"}, received_at=utc_now()
        )
        for i in range(5)
    ]
    produce_raw(stack.settings, [(r["id"].encode(), dumps(r)) for r in first])
    read_topic(
        stack.settings,
        stack.settings.topic_enriched,
        until=lambda values: {r["id"] for r in first} <= {v["id"] for v in values},
    )
    assert stop_process(worker) == 0, "SIGTERM must stop the worker cleanly"

    second = [
        build_raw_article(
            {"body_text": f"Second wave {i} from Madrid.", "guid": f"wave2-{i}"}, received_at=utc_now()
        )
        for i in range(5)
    ]
    produce_raw(stack.settings, [(r["id"].encode(), dumps(r)) for r in second])
    enrich_factory(stack)
    wanted = {r["id"] for r in first + second}
    seen = read_topic(
        stack.settings,
        stack.settings.topic_enriched,
        until=lambda values: wanted <= {v["id"] for v in values},
    )
    ids = [s["value"]["id"] for s in seen]
    assert wanted <= set(ids)
    # Offsets were committed on the way out: the first wave is not enriched a second time.
    assert all(ids.count(r["id"]) == 1 for r in first), ids
