"""Feed poller without a network or a broker: feed list, seen state, fingerprints, publish-once logic."""

from __future__ import annotations

import json
import os

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.common.exceptions import SettingsError
from services.common.records import article_id
from services.ingest.exceptions import KafkaUnavailable, Rejected
from services.ingest.metrics import IngestMetrics
from services.ingest.sources import feeds as feeds_module
from services.ingest.sources.feeds import (
    Feed,
    FeedListError,
    FeedPoller,
    FeedState,
    fingerprint,
    item_key,
    load_feeds,
    parse_feed_list,
    submission,
    write_atomic,
)


class FakeIntake:
    """Stands in for Intake.submit: rejects an empty body, raises KafkaUnavailable while `down`."""

    def __init__(self) -> None:
        self.published: list[dict] = []
        self.down = False

    def submit(self, drafts: list[dict], source: str) -> list[str]:
        assert source == "feed"
        if any(not d.get("body_text", "").strip() for d in drafts):
            raise Rejected(422, "invalid_article", "schema violations: [0] body_text: is empty")
        ids = [
            article_id(guid=d.get("guid"), provider=d.get("provider"), body_text=d["body_text"])
            for d in drafts
        ]
        if self.down:
            raise KafkaUnavailable("cannot connect to Kafka", [], ids)
        self.published.extend(drafts)
        return ids


# ---------------------------------------------------------------- feed list


def test_feed_list_is_read_with_defaults(tmp_path):
    path = tmp_path / "feeds.json"
    path.write_text(
        json.dumps(
            [
                {
                    "name": "ap-top",
                    "url": "https://example.org/ap.rss",
                    "interval_s": 120,
                    "provider": "Associated Press",
                },
                {"name": "desk_2", "url": "http://127.0.0.1:8000/atom"},
            ]
        )
    )
    assert load_feeds(path, 300) == [
        Feed("ap-top", "https://example.org/ap.rss", 120.0, "Associated Press"),
        Feed("desk_2", "http://127.0.0.1:8000/atom", 300.0, None),
    ]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"name": "x"}, "must be a JSON list"),
        (["https://example.org/feed"], "entry 0: must be an object"),
        ([{"url": "https://example.org/a"}], "entry 0 field 'name'"),
        ([{"name": "AP Top!", "url": "https://example.org/a"}], "entry 0 ('AP Top!') field 'name'"),
        (
            [{"name": "a", "url": "https://example.org/a"}, {"name": "a", "url": "https://example.org/b"}],
            "entry 1 ('a') field 'name': 'a' is used twice",
        ),
        ([{"name": "a", "url": "ftp://example.org/a"}], "entry 0 ('a') field 'url'"),
        ([{"name": "a", "url": "https:///nohost"}], "field 'url'"),
        ([{"name": "a", "url": 42}], "field 'url'"),
        ([{"name": "a", "url": "https://e.org/a", "interval_s": 0}], "field 'interval_s'"),
        ([{"name": "a", "url": "https://e.org/a", "interval_s": "60"}], "field 'interval_s'"),
        ([{"name": "a", "url": "https://e.org/a", "interval_s": True}], "field 'interval_s'"),
        ([{"name": "a", "url": "https://e.org/a", "provider": " "}], "field 'provider'"),
        ([{"name": "a", "url": "https://e.org/a", "intervall_s": 5}], "unknown field 'intervall_s'"),
    ],
)
def test_feed_list_errors_name_the_entry_and_field(entries, message):
    with pytest.raises(FeedListError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_feed_list(entries, 300)


def test_feed_list_file_errors_are_settings_errors(tmp_path):
    with pytest.raises(SettingsError, match="NEWSWIRE_FEEDS_FILE .*cannot read"):
        load_feeds(tmp_path / "missing.json", 300)
    broken = tmp_path / "feeds.json"
    broken.write_text('[{"name": "a",')
    with pytest.raises(FeedListError, match="not valid JSON"):
        load_feeds(broken, 300)


# ---------------------------------------------------------------- items


def test_fingerprint_changes_with_headline_body_or_version_but_not_spacing():
    base = {
        "guid": "g1",
        "headline": "Storm hits coast",
        "body_text": "Rain fell. Winds rose.",
        "versioncreated": "2024-05-01T10:00:00Z",
    }
    assert fingerprint(base) == fingerprint(base | {"body_text": "Rain  fell.\n Winds rose. "})
    assert fingerprint(base) == fingerprint(base | {"url": "https://other.example/x", "byline": "B"})
    for change in (
        {"headline": "Storm hits coast hard"},
        {"body_text": "Rain fell."},
        {"versioncreated": "2024-05-01T11:00:00Z"},
    ):
        assert fingerprint(base) != fingerprint(base | change), change


def test_item_key_prefers_guid_then_link_then_body():
    assert item_key({"guid": "tag:ap,2024:1", "url": "u", "body_text": "b"}) == "tag:ap,2024:1"
    assert item_key({"url": "https://e.org/1", "body_text": "b"}) == "url:https://e.org/1"
    assert item_key({"body_text": "same  text"}) == item_key({"body_text": "same text"})


def test_submission_keeps_known_fields_and_the_configured_provider_wins():
    draft = {"guid": "g", "headline": None, "body_text": "b", "provider": "Feed Title", "extra": 1}
    assert submission(draft) == {"guid": "g", "body_text": "b", "provider": "Feed Title"}
    assert submission(draft, "Associated Press")["provider"] == "Associated Press"


# ---------------------------------------------------------------- state file


def test_state_round_trip(tmp_path):
    path = tmp_path / "var" / "feeds-state.json"
    state = FeedState.load(path)
    assert state.feeds == {}
    state.remember("ap", "g1", "fp1", "published", 1000.0)
    state.remember("ap", "g2", "fp2", "failed", 1000.0)
    state.set_validators("ap", '"v1"', "Wed, 01 May 2024 10:00:00 GMT")
    state.save()

    again = FeedState.load(path)
    assert again.item("ap", "g1") == {"fp": "fp1", "status": "published", "seen": 1000.0}
    assert again.item("ap", "g2")["status"] == "failed"
    assert again.validators("ap") == ('"v1"', "Wed, 01 May 2024 10:00:00 GMT")
    assert again.item("other", "g1") is None and again.validators("other") == (None, None)


def test_atomic_write_leaves_the_old_file_when_the_replace_fails(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    write_atomic(path, b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(feeds_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["state.json"], "the temp file is cleaned up"
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new" and os.listdir(tmp_path) == ["state.json"]


def test_corrupt_state_is_set_aside_and_polling_starts_afresh(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("{not json")
    state = FeedState.load(path)
    assert state.feeds == {}
    [aside] = [p for p in tmp_path.iterdir() if p.name.startswith("state.json.corrupt-")]
    assert aside.read_text() == "{not json"


def test_prune_forgets_the_items_longest_out_of_the_feed():
    state = FeedState()
    for i in range(10):
        state.remember("f", f"g{i}", "fp", "published", float(i))
    state.prune("f", keep=3)
    assert sorted(state.feeds["f"]["items"]) == ["g7", "g8", "g9"]


# ---------------------------------------------------------------- back-off


def make_poller(intake, state=None, handler=None, **kwargs):
    registry = CollectorRegistry()
    transport = httpx.MockTransport(handler or (lambda request: httpx.Response(200, content=b"[]")))
    poller = FeedPoller(
        [FEED],
        intake=intake,
        metrics=IngestMetrics.create(registry),
        state=state or FeedState(),
        timeout_s=5,
        backoff_max_s=kwargs.pop("backoff_max_s", 100),
        client=httpx.AsyncClient(transport=transport),
        **kwargs,
    )
    return poller, registry


FEED = Feed("wire", "https://feeds.example/wire.rss", 10.0, "Example Wire")


def test_backoff_doubles_up_to_the_cap_and_resets():
    poller, _ = make_poller(FakeIntake(), rng=lambda: 0.0)
    assert poller.next_delay(FEED, 0) == 10
    assert [poller.next_delay(FEED, n) for n in (1, 2, 3, 4, 10, 100)] == [20, 40, 80, 100, 100, 100]
    jittered, _ = make_poller(FakeIntake(), rng=lambda: 1.0)
    assert jittered.next_delay(FEED, 1) == 15  # up to a quarter off, never below...
    long_interval = Feed("slow", "https://e.org/", 3600.0)
    assert poller.next_delay(long_interval, 1) == 3600  # ...and never sooner than the feed's own interval


# ---------------------------------------------------------------- publishing


@pytest.fixture
def drafts_from_json(monkeypatch):
    """The poller's parser replaced by JSON drafts, so these tests do not depend on the formats package."""
    monkeypatch.setattr(FeedPoller, "_parse", lambda self, content_type, body, feed: json.loads(body))


def serve(documents: list, seen_headers: list | None = None, etag: str | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        if seen_headers is not None:
            seen_headers.append(dict(request.headers))
        if etag and request.headers.get("if-none-match") == etag:
            return httpx.Response(304)
        headers = {"ETag": etag} if etag else {}
        return httpx.Response(200, content=json.dumps(documents[0]).encode(), headers=headers)

    return handler


def value(registry, name, **labels):
    return registry.get_sample_value(name, labels) or 0


async def test_new_unchanged_updated_and_failed_items(drafts_from_json, tmp_path):
    intake = FakeIntake()
    doc = [
        [
            {"guid": "a", "headline": "A", "body_text": "Alpha story."},
            {"guid": "b", "headline": "B", "body_text": "Beta story."},
            {"guid": "bad", "headline": "Empty", "body_text": " "},
        ]
    ]
    state = FeedState.load(tmp_path / "state.json")
    poller, registry = make_poller(intake, state, serve(doc), clock=lambda: 1_700_000_000.0)
    async with poller:
        first = await poller.poll(FEED)
        assert first.outcome == "ok"
        assert first.items == {"new": 2, "updated": 0, "unchanged": 0, "failed": 1}
        assert [d["guid"] for d in intake.published] == ["a", "b"]
        assert {d["provider"] for d in intake.published} == {"Example Wire"}

        second = await poller.poll(FEED)  # same document: nothing published, the bad item not retried
        assert second.items == {"new": 0, "updated": 0, "unchanged": 3, "failed": 0}
        assert len(intake.published) == 2

        doc[0] = [
            {"guid": "a", "headline": "A", "body_text": "Alpha story, updated."},
            {"guid": "b", "headline": "B", "body_text": "Beta story."},
            {"guid": "bad", "headline": "Empty", "body_text": "Now it has a body."},
        ]
        third = await poller.poll(FEED)
        assert third.items == {"new": 1, "updated": 1, "unchanged": 1, "failed": 0}
        assert first.ids[0] == third.ids[0], "an update keeps the id"

    assert value(registry, "newswire_ingest_feed_items_total", feed="wire", result="new") == 3
    assert value(registry, "newswire_ingest_feed_items_total", feed="wire", result="updated") == 1
    assert value(registry, "newswire_ingest_feed_items_total", feed="wire", result="unchanged") == 4
    assert value(registry, "newswire_ingest_feed_items_total", feed="wire", result="failed") == 1
    assert value(registry, "newswire_ingest_feed_polls_total", feed="wire", outcome="ok") == 3
    assert (
        value(registry, "newswire_ingest_feed_last_success_timestamp_seconds", feed="wire") == 1_700_000_000
    )

    restarted = FeedState.load(tmp_path / "state.json")
    assert restarted.item("wire", "a")["fp"] == fingerprint(
        {"headline": "A", "body_text": "Alpha story, updated."}
    )


async def test_kafka_down_leaves_items_unseen_and_the_etag_unused(drafts_from_json):
    intake = FakeIntake()
    intake.down = True
    doc = [[{"guid": "a", "body_text": "Alpha."}, {"guid": "b", "body_text": "Beta."}]]
    headers: list[dict] = []
    poller, registry = make_poller(intake, handler=serve(doc, headers, etag='"v1"'))
    async with poller:
        down = await poller.poll(FEED)
        assert down.outcome == "error" and "Kafka" in down.reason
        assert poller.state.item("wire", "a") is None
        assert poller.state.validators("wire") == (None, None)

        intake.down = False
        back = await poller.poll(FEED)
        assert "if-none-match" not in headers[1], "the body must be fetched again after an outage"
        assert back.items["new"] == 2 and [d["guid"] for d in intake.published] == ["a", "b"]

        same = await poller.poll(FEED)
        assert headers[2]["if-none-match"] == '"v1"' and same.outcome == "not_modified"
    assert value(registry, "newswire_ingest_feed_polls_total", feed="wire", outcome="error") == 1
    assert value(registry, "newswire_ingest_feed_polls_total", feed="wire", outcome="not_modified") == 1


async def test_http_errors_are_error_outcomes_not_exceptions():
    def handler(request):
        if request.url.path == "/boom":
            return httpx.Response(500)
        raise httpx.ConnectError("refused", request=request)

    poller, registry = make_poller(FakeIntake(), handler=handler)
    async with poller:
        result = await poller.poll(Feed("wire", "https://feeds.example/boom", 10))
        assert (result.outcome, result.reason) == ("error", "HTTP 500 from the feed")
        result = await poller.poll(FEED)
        assert result.outcome == "error" and "ConnectError" in result.reason
    assert value(registry, "newswire_ingest_feed_polls_total", feed="wire", outcome="error") == 2
    assert value(registry, "newswire_ingest_feed_last_success_timestamp_seconds", feed="wire") == 0


async def test_oversized_feed_is_refused():
    poller, _ = make_poller(
        FakeIntake(), handler=lambda request: httpx.Response(200, content=b"x" * 5000), max_bytes=1000
    )
    async with poller:
        result = await poller.poll(FEED)
    assert result.outcome == "error" and "larger than 1000 bytes" in result.reason
