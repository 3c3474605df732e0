"""Republication detection across a worker group: the copy index lives in Kafka, not in one worker."""

from __future__ import annotations

import os
import signal

import pytest
from kafka import KafkaProducer

from services.common.broker import free_port
from services.common.records import build_raw_article, utc_now
from services.common.serialization import dumps
from tests.integration.conftest import read_topic, scrape, wait_until

pytestmark = pytest.mark.integration

# Team-written, invented copy.
PARAGRAPHS = [
    "LISBON (Reuters) - Portugal's parliament approved on Tuesday a plan to rebuild the country's "
    "northern rail line, ending two years of dispute over how the work would be paid for and who would "
    "run the trains once the new track opens to passengers.",
    "The bill passed with 132 votes in favour and 84 against after the two largest parties agreed to "
    "split the cost between the national budget and European recovery funds, lawmakers said.",
    "Transport minister Miguel Pinto Luz told reporters in Lisbon that the first section, between Porto "
    "and Braga, would carry passengers within four years and cut the journey to under half an hour.",
    "Unions representing rail workers welcomed the vote but warned that staff shortages at the state "
    "operator could delay the timetable unless hundreds of drivers and engineers were hired quickly.",
    "Opposition deputies argued that the plan favoured the coast over the interior, where several towns "
    "lost their stations in the last decade and residents depend on infrequent bus services.",
    "The government expects to open tenders for the signalling contracts early next year, with the "
    "European Investment Bank lending part of the money at a fixed rate over thirty years.",
]
CREDIT = "Reporting by Ana Ferreira; Editing by Mark Potter"


def _raw(guid: str, headline: str, paragraphs: list[str], provider: str):
    return build_raw_article(
        {"guid": guid, "headline": headline, "body_text": "\n".join(paragraphs), "provider": provider},
        received_at=utc_now(),
    )


def _original():
    return _raw(
        "rail-original",
        "Portugal approves northern rail rebuild after two-year dispute",
        [*PARAGRAPHS, CREDIT],
        "reuters",
    )


def _rewrite(guid: str):
    """A partner's rerun: credit and dateline gone, a new headline, one paragraph cut, one added."""
    body = [PARAGRAPHS[0].replace("LISBON (Reuters) - ", ""), *PARAGRAPHS[1:4], *PARAGRAPHS[5:]]
    body.append("Read more about rail projects across Europe in our transport section.")
    return _raw(guid, "Lisbon lawmakers back Porto-Braga rail line", body, "coastal-daily")


def _assigned_partition(port: int, raw_topic: str) -> set[str]:
    samples = scrape(f"http://127.0.0.1:{port}/metrics")
    prefix = "newswire_enrich_consumer_lag_messages{"
    return {
        key.split('partition="')[1].split('"')[0]
        for key in samples
        if key.startswith(prefix) and f'topic="{raw_topic}"' in key
    }


def _send(settings, record, partition: int) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    try:
        producer.send(
            settings.topic_raw, key=record["id"].encode(), value=dumps(record), partition=partition
        ).get(timeout=10)
    finally:
        producer.close()


def _enriched(settings, article_id: str) -> dict:
    seen = read_topic(
        settings,
        settings.topic_enriched,
        until=lambda values: any(v["id"] == article_id for v in values),
        timeout_s=90,
    )
    return next(s["value"] for s in seen if s["value"]["id"] == article_id)


def test_a_rewrite_enriched_by_another_worker_is_found_and_the_index_survives_kill_9(
    stack_factory, enrich_factory
):
    stack = stack_factory()
    settings = stack.settings
    ports = [free_port(), free_port()]
    workers = [enrich_factory(stack, port=port) for port in ports]

    # Each worker owns one of the two raw partitions; find which.
    owned = wait_until(
        lambda: (
            (parts := [_assigned_partition(p, settings.topic_raw) for p in ports])
            and all(len(p) == 1 for p in parts)
            and parts[0] != parts[1]
            and [int(next(iter(p))) for p in parts]
        ),
        timeout_s=60,
        what="the two workers to own one raw partition each",
    )

    original = _original()
    _send(settings, original, owned[0])
    enriched_original = _enriched(settings, original["id"])
    assert enriched_original["syndication"]["copy_of"] is None
    story = enriched_original["syndication"]["story"]

    # The second worker has the original in its replica of the index before the rewrite reaches it.
    wait_until(
        lambda: (
            scrape(f"http://127.0.0.1:{ports[1]}/metrics").get("newswire_enrich_copy_index_entries", 0) >= 1
        ),
        what="the original's entry to reach the other worker",
    )
    rewrite = _rewrite("rail-rewrite-1")
    _send(settings, rewrite, owned[1])
    copy = _enriched(settings, rewrite["id"])

    assert copy["syndication"]["copy_of"]["id"] == original["id"]
    assert copy["syndication"]["copy_of"]["shared_fraction"] >= 0.5
    assert copy["syndication"]["story"] == story
    assert "republished" in copy["tags"]
    enriched_by = [
        scrape(f"http://127.0.0.1:{p}/metrics").get("newswire_enrich_articles_enriched_total", 0)
        for p in ports
    ]
    assert enriched_by == [1, 1], "each article must have gone through its own worker"
    assert scrape(f"http://127.0.0.1:{ports[1]}/metrics")["newswire_enrich_copies_found_total"] == 1

    # kill -9 both: nothing of the index is left in any process, only in Kafka.
    for worker in workers:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    port = free_port()
    enrich_factory(stack, port=port)  # ready only once the index is replayed
    assert scrape(f"http://127.0.0.1:{port}/metrics")["newswire_enrich_copy_index_entries"] >= 2

    again = _rewrite("rail-rewrite-2")
    _send(settings, again, 0)
    second_copy = _enriched(settings, again["id"])
    assert second_copy["syndication"]["copy_of"]["id"] == original["id"], (
        "the earliest article, not the first copy"
    )
    assert second_copy["syndication"]["story"] == story
