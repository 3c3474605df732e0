"""The feed poller inside a real `newswire ingest`, polling a real local HTTP server, publishing to Kafka.

The server lives in the test process; each test changes its answer (body, validators, failures) between
polls and reads what reached the raw topic, the /metrics page and the ingest log.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise

import pytest

from services.common.serialization import loads
from tests.conftest import REPO
from tests.integration.conftest import (
    log_events,
    read_all,
    read_topic,
    scrape,
    stop_process,
    wait_until,
)

RSS = (REPO / "tests" / "fixtures" / "formats" / "feed.rss").read_bytes()
ATOM = (REPO / "tests" / "fixtures" / "formats" / "feed.atom").read_bytes()
ATOM_GUIDS = {"tag:courier.example,2026-11-21:footbridge", "tag:courier.example,2026-11-20:electric-boat"}
RSS_GUIDS = {
    "https://lakeshore-ledger.example/2026/11/24/bus-route-ferry-dock",
    "ledger-2026-11-23-0419",
    "ledger-2026-11-22-0388",
}
PROVIDER = "Lakeshore Wire Service"
FEED = "ledger"
ROBOTICS = "Lakeshore High's robotics team, the Gearheads, finished second"
ROBOTICS_UPDATED = "Lakeshore High's robotics team, the Gearheads, won the regional title"
EXTRA_ITEM = b"""    <item>
      <title>Ferry timetable changes for the winter</title>
      <guid isPermaLink="false">ledger-2026-11-25-0501</guid>
      <pubDate>Wed, 25 Nov 2026 08:00:00 -0500</pubDate>
      <description>The winter ferry timetable starts on Monday with one crossing an hour.</description>
    </item>
  </channel>"""


@dataclass(frozen=True)
class Seen:
    at: float  # time.monotonic() when the request arrived
    if_none_match: str | None
    if_modified_since: str | None
    status: int | str  # the HTTP status answered, or "slow"


class FeedServer:
    """One feed URL on 127.0.0.1. Answers 304 when the client's validators match (if `conditional`);
    `mode` "http_500" answers 500, "slow" holds the answer for `slow_s` (longer than the poll timeout)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.body = b""
        self.content_type = "application/rss+xml; charset=utf-8"
        self.etag: str | None = None
        self.last_modified: str | None = None
        self.conditional = True
        self.mode = "ok"
        self.slow_s = 5.0
        self.released = threading.Event()
        self.requests: list[Seen] = []
        self.url = ""

    def serve(self, body: bytes, *, etag: str | None = None, last_modified: str | None = None) -> None:
        with self.lock:
            self.body, self.etag, self.last_modified = body, etag, last_modified

    def seen(self) -> list[Seen]:
        with self.lock:
            return list(self.requests)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        if_none_match = handler.headers.get("If-None-Match")
        if_modified_since = handler.headers.get("If-Modified-Since")
        with self.lock:
            mode, body, etag, last_modified = self.mode, self.body, self.etag, self.last_modified
            if mode == "http_500":
                status: int | str = 500
            elif mode == "slow":
                status = "slow"
            elif self.conditional and (
                (etag is not None and if_none_match == etag)
                or (
                    if_none_match is None and last_modified is not None and if_modified_since == last_modified
                )
            ):
                status = 304
            else:
                status = 200
            self.requests.append(Seen(arrived, if_none_match, if_modified_since, status))
        if status == "slow":
            self.released.wait(self.slow_s)
            status = 200
        try:
            handler.send_response(status)
            if etag:
                handler.send_header("ETag", etag)
            if last_modified:
                handler.send_header("Last-Modified", last_modified)
            if status == 200:
                handler.send_header("Content-Type", self.content_type)
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                handler.wfile.write(body)
            else:
                handler.send_header("Content-Length", "0")
                handler.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the poller gave up on a slow answer


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.feed.answer(self)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def feed_server_factory():
    """Starts FeedServers, one URL each (`path`), stopped after the test."""
    running = []

    def start(path: str = "/ledger/feed.rss") -> FeedServer:
        feed = FeedServer()
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.feed = feed  # type: ignore[attr-defined]
        feed.url = f"http://127.0.0.1:{httpd.server_address[1]}{path}"
        thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        running.append((feed, httpd, thread))
        return feed

    yield start
    for feed, httpd, thread in running:
        feed.released.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def feed_server(feed_server_factory) -> FeedServer:
    return feed_server_factory()


def feeds_env(tmp_path, server: FeedServer, interval_s: float = 0.5, **settings: str) -> dict[str, str]:
    """Settings for an ingest polling `server` as the feed FEED (provider PROVIDER)."""
    entry = {"name": FEED, "url": server.url, "interval_s": interval_s, "provider": PROVIDER}
    return feed_list_env(tmp_path, [entry], **settings)


def feed_list_env(tmp_path, entries: list[dict], **settings: str) -> dict[str, str]:
    path = tmp_path / "feeds.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return {"NEWSWIRE_FEEDS_FILE": str(path), **settings}


def raw_values(stack) -> list[dict]:
    return [r["value"] for r in read_all(stack.settings, stack.settings.topic_raw)]


def wait_raw(stack, count: int, timeout_s: float = 30) -> list[dict]:
    """The raw topic once it holds `count` records (read_topic fails the test after `timeout_s`)."""
    read_topic(stack.settings, stack.settings.topic_raw, until=lambda v: len(v) >= count, timeout_s=timeout_s)
    return raw_values(stack)


def metric(stack, name: str, **labels: str) -> float:
    key = name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
    return scrape(f"{stack.ingest_url}/metrics").get(key, 0.0)


def polls(stack, outcome: str, feed: str = FEED) -> float:
    return metric(stack, "newswire_ingest_feed_polls_total", feed=feed, outcome=outcome)


def items(stack, result: str, feed: str = FEED) -> float:
    return metric(stack, "newswire_ingest_feed_items_total", feed=feed, result=result)


def last_success(stack, feed: str = FEED) -> float:
    return metric(stack, "newswire_ingest_feed_last_success_timestamp_seconds", feed=feed)


def test_new_items_of_each_feed_are_published_once_and_enriched(
    stack_factory, ingest_factory, enrich_factory, feed_server_factory, tmp_path
):
    ledger, courier = feed_server_factory("/ledger/feed.rss"), feed_server_factory("/courier/feed.atom")
    ledger.serve(RSS, etag='"v1"')
    courier.serve(ATOM, last_modified=formatdate(time.time() - 60, usegmt=True))
    courier.content_type = "text/html; charset=utf-8"  # mislabelled, as many servers do: the poller sniffs
    stack = stack_factory(
        **feed_list_env(
            tmp_path,
            [
                {"name": FEED, "url": ledger.url, "interval_s": 0.5, "provider": PROVIDER},
                {"name": "courier", "url": courier.url, "interval_s": 0.5},  # provider: the feed's title
            ],
        )
    )
    started = time.time()
    ingest_factory(stack)

    raw = wait_raw(stack, 5)
    assert {r["guid"] for r in raw} == RSS_GUIDS | ATOM_GUIDS and len({r["id"] for r in raw}) == 5
    providers = {r["guid"]: r["provider"] for r in raw}
    assert {providers[g] for g in RSS_GUIDS} == {PROVIDER}, "the feed list's provider wins over the title"
    assert {providers[g] for g in ATOM_GUIDS} == {"Harbour Town Courier"}
    lighthouse = next(r for r in raw if r["guid"] == "ledger-2026-11-23-0419")
    assert lighthouse["headline"] == "Lighthouse keeper's cottage to become a small museum"
    assert "Volunteers will restore" in lighthouse["body_text"] and "trackView" not in lighthouse["body_text"]

    # Several more polls of each feed (answered 304): nothing is published again.
    wait_until(
        lambda: polls(stack, "not_modified") >= 3 and polls(stack, "not_modified", "courier") >= 3,
        what="three 304 polls of each feed",
    )
    assert sorted(r["id"] for r in raw_values(stack)) == sorted(r["id"] for r in raw)
    for feed, count in ((FEED, 3), ("courier", 2)):
        assert polls(stack, "ok", feed) == 1 and polls(stack, "error", feed) == 0, feed
        assert items(stack, "new", feed) == count and items(stack, "unchanged", feed) == 0, feed
        assert started < last_success(stack, feed) <= time.time(), feed
    assert metric(stack, "newswire_ingest_articles_published_total", source="feed") == 5
    published = log_events(tmp_path / "ingest.log", "feed_item_published")
    assert sorted(e["id"] for e in published) == sorted(r["id"] for r in raw)

    enrich_factory(stack)
    ids = {r["id"] for r in raw}
    enriched = read_topic(
        stack.settings,
        stack.settings.topic_enriched,
        until=lambda values: ids <= {v["id"] for v in values},
        timeout_s=90,
    )
    assert {e["value"]["id"] for e in enriched} == ids
    assert {e["value"]["guid"]: e["value"]["provider"] for e in enriched} == providers


def test_a_bad_feed_list_stops_ingest_at_start_naming_the_entry_and_field(
    stack_factory, ingest_factory, tmp_path
):
    stack = stack_factory(
        **feed_list_env(
            tmp_path,
            [{"name": "fine", "url": "http://127.0.0.1:9/feed"}, {"name": "wire", "url": "ftp://e.org/f"}],
        )
    )
    with pytest.raises(AssertionError, match=r"entry 1 \('wire'\) field 'url': must be an http\(s\) URL"):
        ingest_factory(stack)
    assert stack.processes[-1].returncode != 0


def test_conditional_gets_unchanged_repeats_and_updated_items(
    stack_factory, ingest_factory, feed_server, tmp_path
):
    modified = formatdate(time.time() - 3600, usegmt=True)
    feed_server.serve(RSS, etag='"v1"', last_modified=modified)
    stack = stack_factory(**feeds_env(tmp_path, feed_server))
    ingest_factory(stack)
    first = wait_raw(stack, 3)

    # Conditional GETs carry the server's own validators, and a 304 publishes nothing.
    wait_until(lambda: sum(s.status == 304 for s in feed_server.seen()) >= 2, what="two 304 answers")
    seen = feed_server.seen()
    assert (seen[0].if_none_match, seen[0].if_modified_since) == (None, None)
    assert {(s.if_none_match, s.if_modified_since) for s in seen[1:]} == {('"v1"', modified)}
    assert len(raw_values(stack)) == 3

    # The server ignores the validators: the same items again, in full, publish nothing.
    feed_server.conditional = False
    unchanged = items(stack, "unchanged")
    wait_until(lambda: items(stack, "unchanged") >= unchanged + 6, what="two full unchanged repeats")
    assert len(raw_values(stack)) == 3
    assert items(stack, "new") == 3 and items(stack, "updated") == 0

    # One item edited (same guid, new text), served now with Last-Modified only: one new version, same id.
    updated_at = formatdate(time.time(), usegmt=True)
    feed_server.serve(RSS.replace(ROBOTICS.encode(), ROBOTICS_UPDATED.encode()), last_modified=updated_at)
    feed_server.conditional = True
    after = wait_raw(stack, 4)
    [old] = [r for r in first if r["guid"] == "ledger-2026-11-22-0388"]
    [new] = [r for r in after if ROBOTICS_UPDATED in r["body_text"]]
    assert new["id"] == old["id"] and new["guid"] == old["guid"]
    assert ROBOTICS in old["body_text"] and ROBOTICS not in new["body_text"]
    assert items(stack, "updated") == 1 and items(stack, "new") == 3

    # The ETag of the old answer is dropped with it; If-Modified-Since alone now gets 304s.
    mark = len(feed_server.seen())
    wait_until(
        lambda: sum(s.status == 304 for s in feed_server.seen()[mark:]) >= 2, what="304s on Last-Modified"
    )
    later = [s for s in feed_server.seen()[mark:] if s.status == 304]
    assert {(s.if_none_match, s.if_modified_since) for s in later} == {(None, updated_at)}
    assert len(raw_values(stack)) == 4
    events = [e["result"] for e in log_events(tmp_path / "ingest.log", "feed_item_published")]
    assert sorted(events) == ["new", "new", "new", "updated"]


@pytest.mark.parametrize("failure", ["http_500", "slow"])
def test_failing_feed_backs_off_then_recovers(failure, stack_factory, ingest_factory, feed_server, tmp_path):
    interval = 0.25
    feed_server.serve(RSS)  # no validators: every successful poll is a full 200
    feed_server.mode = failure
    stack = stack_factory(
        **feeds_env(
            tmp_path,
            feed_server,
            interval_s=interval,
            # Short only where the test needs a timeout: a loaded machine must not turn a 500 into one.
            NEWSWIRE_FEED_TIMEOUT_S="0.5" if failure == "slow" else "5",
            NEWSWIRE_FEED_BACKOFF_MAX_S="2",
        )
    )
    ingest_factory(stack)

    failed = wait_until(
        lambda: len(feed_server.seen()) >= 4 and feed_server.seen(), what="four failing polls"
    )
    # The poller's own delays, interval * 2^n up to a quarter off for jitter: 0.375-0.5, 0.75-1, 1.5-2 s.
    delays = [b["retry_in_s"] for b in log_events(tmp_path / "ingest.log", "feed_backoff")[:3]]
    assert delays == sorted(delays) and delays[0] > interval and delays[-1] > 3 * interval, delays
    # ...and the server saw them: each gap at least the announced delay (plus the timeout when slow).
    gaps = [b.at - a.at for a, b in pairwise(failed[:4])]
    assert all(gap >= delay - 0.01 for gap, delay in zip(gaps, delays, strict=True)), (gaps, delays)
    assert gaps[-1] > gaps[0] > interval, gaps
    assert polls(stack, "error") >= 3 and polls(stack, "ok") == 0
    assert last_success(stack) == 0
    assert raw_values(stack) == []
    reasons = {e["reason"] for e in log_events(tmp_path / "ingest.log", "feed_poll_failed")}
    if failure == "http_500":
        assert reasons == {"HTTP 500 from the feed"}
    else:
        assert reasons and all("0.5s" in r or "Timeout" in r for r in reasons), reasons
    backoffs = log_events(tmp_path / "ingest.log", "feed_backoff")
    assert [b["failures"] for b in backoffs[:3]] == [1, 2, 3] and {b["feed"] for b in backoffs} == {FEED}

    feed_server.mode = "ok"
    mark = len(feed_server.seen())
    raw = wait_raw(stack, 3, timeout_s=15)
    assert {r["guid"] for r in raw} == RSS_GUIDS
    # The back-off is reset: no more back-off, polls one interval apart again (after the first success,
    # which also connected the producer to Kafka).
    recovered = wait_until(
        lambda: len(feed_server.seen()) >= mark + 5 and feed_server.seen()[mark:],
        what="polls after the recovery",
    )
    later_gaps = [b.at - a.at for a, b in pairwise(recovered[1:5])]
    assert all(s.status == 200 for s in recovered)
    assert max(later_gaps) < gaps[-1] and max(later_gaps) < 4 * interval, (later_gaps, gaps)
    failures = sum(s.status != 200 for s in feed_server.seen())
    assert len(log_events(tmp_path / "ingest.log", "feed_backoff")) == failures
    assert polls(stack, "ok") >= 3 and items(stack, "new") == 3 and items(stack, "unchanged") >= 3
    assert last_success(stack) > 0
    assert len(raw_values(stack)) == 3


def test_a_restarted_ingest_with_the_same_state_file_does_not_publish_seen_items_again(
    stack_factory, ingest_factory, feed_server, tmp_path
):
    feed_server.serve(RSS, etag='"v1"')
    feed_server.conditional = False  # full answers: the new process must know the items, not just the ETag
    stack = stack_factory(**feeds_env(tmp_path, feed_server))
    first = ingest_factory(stack)
    raw = wait_raw(stack, 3)
    wait_until(lambda: items(stack, "unchanged") >= 3, what="a repeated poll")
    assert stop_process(first) == 0, "SIGTERM must stop ingest cleanly"
    assert log_events(tmp_path / "ingest.log", "ingest_stopped"), "SIGTERM must stop ingest cleanly"
    state = loads((tmp_path / "feeds-state.json").read_bytes())
    assert set(state["feeds"][FEED]["items"]) == RSS_GUIDS
    assert state["feeds"][FEED]["etag"] == '"v1"'

    ingest_factory(stack)
    # The new process starts with fresh counters: every item it sees is one it already knew.
    wait_until(lambda: items(stack, "unchanged") >= 6, what="two full polls after the restart")
    assert items(stack, "new") == 0 and items(stack, "updated") == 0
    assert len(raw_values(stack)) == 3

    feed_server.serve(RSS.replace(b"  </channel>", EXTRA_ITEM), etag='"v2"')
    after = wait_raw(stack, 4)
    assert [r["guid"] for r in after if r["id"] not in {x["id"] for x in raw}] == ["ledger-2026-11-25-0501"]
    assert items(stack, "new") == 1
