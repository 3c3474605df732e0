"""Versions of one story leave the worker in the order they arrived: subscribers keep the latest per id."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from services.common.serialization import loads
from tests.conftest import REPO
from tests.integration.conftest import read_topic

VERSIONS = 20


def version(n: int) -> dict:
    return {
        "guid": "harbour-strike-2026-12-02",
        "provider": "Harbour Desk",
        "headline": f"Harbour strike enters day two (version {n})",
        "versioncreated": f"2026-12-02T{10 + n // 6:02d}:{(n % 6) * 10:02d}:00Z",
        "body_text": (
            f"ROTTERDAM (AP) — Dock workers in Rotterdam kept the port shut on Wednesday, update {n}. "
            "Union leader Anna de Vries said talks with the Port of Rotterdam Authority would resume in "
            "The Hague. " + "Cranes stood idle along the Maasvlakte terminals. " * (1 + n % 4)
        ),
    }


def test_twenty_versions_of_one_story_come_out_in_order_the_newest_last(
    stack_factory, ingest_factory, enrich_factory
):
    # Small batches so the versions cross batch boundaries as well as sharing batches.
    stack = stack_factory(NEWSWIRE_ENRICH_BATCH_SIZE="8")
    ingest_factory(stack)
    enrich_factory(stack)
    ids = set()
    with httpx.Client(timeout=30) as client:
        for n in range(VERSIONS):
            response = client.post(f"{stack.ingest_url}/v1/articles", json=version(n))
            assert response.status_code == 202, response.text
            ids.update(response.json()["accepted"])
    [story_id] = ids  # one guid and provider: one id, one partition

    records = read_topic(
        stack.settings,
        stack.settings.topic_enriched,
        until=lambda values: len([v for v in values if v["id"] == story_id]) >= VERSIONS,
    )
    mine = [r for r in records if r["value"]["id"] == story_id]
    assert len({r["partition"] for r in mine}) == 1
    mine.sort(key=lambda r: r["offset"])
    headlines = [r["value"]["headline"] for r in mine]
    assert headlines == [version(n)["headline"] for n in range(VERSIONS)]
    sources = [r["value"]["enrichment"]["source"] for r in mine]
    assert [s["offset"] for s in sources] == sorted(s["offset"] for s in sources)
    assert {s["topic"] for s in sources} == {stack.settings.topic_raw}
    assert mine[-1]["value"]["versioncreated"] == version(VERSIONS - 1)["versioncreated"]

    # What an operator sees: `newswire tail --meta` shows the same partition and offsets, in order.
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")} | stack.env
    shown = subprocess.run(
        [sys.executable, "-m", "services.cli", "tail", "--meta", "--from-beginning", "--timeout", "3"],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=60,
        check=True,
    )
    lines = [loads(line) for line in shown.stdout.splitlines()]
    tailed = [(line["partition"], line["offset"]) for line in lines if line["key"] == story_id]
    assert tailed == [(r["partition"], r["offset"]) for r in mine]
    assert [line["value"]["headline"] for line in lines if line["key"] == story_id] == headlines
