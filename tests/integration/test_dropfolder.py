"""The drop folder inside a real `newswire ingest`: files in, records on Kafka, files moved aside.

Files are written under a dotfile name and renamed, as uploaders are told to; the folder is scanned every
0.2 s. The outage tests run their own broker, stopped and started again on the same port.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from services.common.broker import running_broker
from services.common.kafka import ensure_topics
from tests.conftest import REPO
from tests.integration.conftest import (
    log_events,
    read_all,
    read_topic,
    scrape,
    stop_process,
    wait_until,
)

FIXTURES = REPO / "tests" / "fixtures" / "formats"
# file -> (format detected, articles in it)
GOOD = {
    "story.nitf.xml": ("nitf", 1),
    "story.newsml.xml": ("newsml", 1),
    "story.ninjs-1.json": ("ninjs", 1),
    "story.txt": ("text", 1),
    "page.html": ("html", 1),
    "feed.atom": ("atom", 2),
}
# file -> (stage, what its reason file must say)
BAD = {
    "bomb.xml": ("parse", "entity declarations are refused"),
    "xxe.xml": ("parse", "external entities are refused"),
    "truncated.nitf.xml": ("parse", "not well-formed XML"),
    "empty.txt": ("parse", "no body text found"),
    "zero-bytes.txt": ("parse", "no body text found"),
    "latin1.txt": ("parse", "not valid UTF-8"),
    "bad-language.ninjs.json": ("validation", "[0] language:"),
    "huge.txt": ("size", "over the limit of 200000 (NEWSWIRE_MAX_REQUEST_BYTES)"),
}
DROP_SETTINGS = {"NEWSWIRE_DROP_POLL_INTERVAL_S": "0.2", "NEWSWIRE_DROP_SETTLE_S": "0.2"}


def drop(folder: Path, name: str, data: bytes) -> None:
    """As an uploader should: write under a dotfile name, then rename into place."""
    partial = folder / f".{name}.uploading"
    partial.write_bytes(data)
    os.replace(partial, folder / name)


def fixture(name: str) -> bytes:
    if name == "zero-bytes.txt":
        return b""
    if name == "huge.txt":
        return b"Wire copy that goes on and on.\n" * 8000  # 248,000 bytes
    if name == "bad-language.ninjs.json":
        story = json.loads((FIXTURES / "story.ninjs-1.json").read_bytes())
        return json.dumps(story | {"uri": "urn:newswire:test:bad-language", "language": "english!"}).encode()
    return (FIXTURES / name).read_bytes()


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def metric(stack, key: str) -> float:
    return scrape(f"{stack.ingest_url}/metrics").get(key, 0.0)


def files(stack, result: str) -> float:
    return metric(stack, f'newswire_ingest_dropfolder_files_total{{result="{result}"}}')


def test_dropped_files_are_published_moved_aside_and_enriched(
    stack_factory, ingest_factory, enrich_factory, tmp_path
):
    folder = tmp_path / "drop"
    stack = stack_factory(
        NEWSWIRE_DROP_DIR=str(folder),
        NEWSWIRE_MAX_REQUEST_BYTES="200000",
        NEWSWIRE_MAX_ARTICLE_BYTES="100000",
        **DROP_SETTINGS,
    )
    ingest_factory(stack)
    processed, failed = folder / "processed", folder / "failed"
    assert folder.is_dir() and processed.is_dir() and failed.is_dir(), "ingest prepares the folders"

    # Still uploading (by the naming convention): never touched.
    (folder / ".hidden.txt").write_text("An upload in progress.")
    (folder / "upload.txt.part").write_text("Another upload in progress.")
    for name in [*GOOD, *BAD]:
        drop(folder, name, fixture(name))
    enrich_factory(stack)  # starts while the folder is worked through

    wait_until(
        lambda: names(processed) == set(GOOD) and names(failed) >= set(BAD),
        what=lambda: f"every file moved aside: processed={names(processed)} failed={names(failed)}",
    )
    assert names(folder) == {".hidden.txt", "upload.txt.part", "processed", "failed"}
    for name in GOOD:
        assert (processed / name).read_bytes() == fixture(name), "moved, not rewritten"

    # What was moved to processed/ is on the raw topic, one record per article.
    raw = [r["value"] for r in read_all(stack.settings, stack.settings.topic_raw)]
    assert len(raw) == sum(count for _, count in GOOD.values()) == len({r["id"] for r in raw})
    events = {e["file"]: e for e in log_events(tmp_path / "ingest.log", "dropfolder_file_processed")}
    assert set(events) == set(GOOD)
    for name, (fmt, count) in GOOD.items():
        assert events[name]["format"] == fmt and len(events[name]["ids"]) == count, events[name]
        assert events[name]["moved_to"] == f"processed/{name}"
    assert sorted(i for e in events.values() for i in e["ids"]) == sorted(r["id"] for r in raw)
    by_guid = {r["guid"]: r for r in raw if r["guid"]}
    assert (
        by_guid["gmw-20261118-0042"]["headline"]
        == "Burlington library reopens with a shelf of seeds to borrow"
    )
    assert by_guid["urn:newswire:ap:20261124:duluth-greenhouse"]["provider"] == "Associated Press"

    # Hostile or malformed files: in failed/, untouched, with a reason naming the problem.
    assert names(failed) == set(BAD) | {f"{name}.reason.txt" for name in BAD}
    for name, (stage, problem) in BAD.items():
        assert (failed / name).read_bytes() == fixture(name)
        reason = (failed / f"{name}.reason.txt").read_text(encoding="utf-8")
        assert f"file: {name}" in reason and f"stage: {stage}" in reason and problem in reason, reason
    rejected = 'newswire_ingest_articles_rejected_total{reason="invalid_article",source="dropfolder"}'
    assert metric(stack, rejected) == 1

    assert files(stack, "processed") == len(GOOD) and files(stack, "failed") == len(BAD)
    assert files(stack, "retried") == 0
    published = metric(stack, 'newswire_ingest_articles_published_total{source="dropfolder"}')
    assert published == len(raw)

    # The same name again: a second file beside the first, nothing overwritten.
    drop(folder, "story.txt", b"Second story\n\nThe second story of the day from the lakeshore towns.")
    wait_until(lambda: len(names(processed)) == len(GOOD) + 1, what="the second story.txt processed")
    [second] = names(processed) - set(GOOD)
    assert second.startswith("story.") and second.endswith(".txt")
    assert (processed / "story.txt").read_bytes() == fixture("story.txt")

    ids = {r["value"]["id"] for r in read_all(stack.settings, stack.settings.topic_raw)}
    assert len(ids) == len(raw) + 1
    enriched = read_topic(
        stack.settings,
        stack.settings.topic_enriched,
        until=lambda values: ids <= {v["id"] for v in values},
        timeout_s=90,
    )
    assert {e["value"]["id"] for e in enriched} == ids


def kafka_outage(broker, stack, folder: Path, log: Path) -> set[str]:
    """Stop the broker, drop two files, and check they wait in the folder while publishing fails."""
    processed, failed = folder / "processed", folder / "failed"
    broker.stop()
    waiting = {"story.nitf.xml", "story.ninjs-1.json"}
    for name in sorted(waiting):
        drop(folder, name, fixture(name))
    wait_until(lambda: files(stack, "retried") >= 2, timeout_s=60, what="two failed publish attempts")
    # Not acknowledged, so neither processed nor failed, and not deleted: still in the folder.
    assert names(folder) == waiting | {"processed", "failed"}
    assert names(processed) == {"story.txt"} and names(failed) == set()
    assert files(stack, "processed") == 1 and files(stack, "failed") == 0
    left = log_events(log, "dropfolder_kafka_unavailable")
    assert len(left) >= 2 and {e["file"] for e in left} <= waiting
    assert all(e["action"] == "left in place, retried next scan" for e in left)
    return waiting


def start_with_one_file_published(stack_factory, ingest_factory, broker, folder: Path):
    stack = stack_factory(
        NEWSWIRE_KAFKA_BOOTSTRAP=broker.bootstrap,
        NEWSWIRE_DROP_DIR=str(folder),
        NEWSWIRE_PUBLISH_TIMEOUT_S="2",
        **DROP_SETTINGS,
    )
    ingest = ingest_factory(stack)
    drop(folder, "story.txt", fixture("story.txt"))
    wait_until(lambda: names(folder / "processed") == {"story.txt"}, what="story.txt processed")
    assert len(read_all(stack.settings, stack.settings.topic_raw)) == 1
    return stack, ingest


@pytest.mark.embedded_only  # starts and kills a broker of its own
def test_files_dropped_while_kafka_is_down_wait_in_the_folder_until_published(
    stack_factory, ingest_factory, tmp_path
):
    folder, log = tmp_path / "drop", tmp_path / "ingest.log"
    with running_broker() as broker:  # this test's own broker: it is stopped and started again
        stack, ingest = start_with_one_file_published(stack_factory, ingest_factory, broker, folder)
        waiting = kafka_outage(broker, stack, folder, log)

        # Stopped during the outage, ingest leaves the files where they are...
        stop_process(ingest)
        assert ingest.poll() is not None
        assert names(folder) == waiting | {"processed", "failed"}

        # ...and once Kafka is back (empty: the embedded broker keeps nothing across a restart), they are
        # published and only then moved to processed/.
        broker.start()  # same port
        ensure_topics(stack.settings)
        ingest = ingest_factory(stack)
        wait_until(
            lambda: names(folder / "processed") == waiting | {"story.txt"},
            timeout_s=30,
            what=lambda: f"the waiting files processed; the folder holds {names(folder)}",
        )
        assert names(folder) == {"processed", "failed"} and names(folder / "failed") == set()
        raw = [r["value"] for r in read_all(stack.settings, stack.settings.topic_raw)]
        assert sorted(r["guid"] for r in raw) == [
            "gmw-20261118-0042",
            "urn:newswire:ap:20261124:duluth-greenhouse",
        ]
        assert files(stack, "processed") == 2
        stop_process(ingest)


@pytest.mark.embedded_only  # starts and kills a broker of its own
def test_a_running_ingest_publishes_the_waiting_files_when_the_broker_is_back(
    stack_factory, ingest_factory, tmp_path
):
    folder, log = tmp_path / "drop", tmp_path / "ingest.log"
    with running_broker() as broker:
        stack, ingest = start_with_one_file_published(stack_factory, ingest_factory, broker, folder)
        waiting = kafka_outage(broker, stack, folder, log)
        retried = files(stack, "retried")

        broker.start()  # same port, empty
        ensure_topics(stack.settings)
        try:
            wait_until(
                lambda: names(folder / "processed") == waiting | {"story.txt"},
                timeout_s=20,
                what=lambda: f"the waiting files processed; the folder holds {names(folder)}",
            )
            assert names(folder) == {"processed", "failed"} and names(folder / "failed") == set()
            raw = [r["value"] for r in read_all(stack.settings, stack.settings.topic_raw)]
            assert {r["guid"] for r in raw} == {
                "gmw-20261118-0042",
                "urn:newswire:ap:20261124:duluth-greenhouse",
            }
            assert files(stack, "processed") == 3 and files(stack, "retried") >= retried
        finally:
            assert stop_process(ingest) == 0, "SIGTERM must stop ingest cleanly"
