"""RSS/Atom feed poller: each configured feed on its own interval, each new or changed item published once.

How it runs: `newswire ingest` starts the poller inside the ingest service when NEWSWIRE_FEEDS_FILE is set
(see `services/ingest/app.py`); there is no separate verb. The feed list is a JSON file:

    [{"name": "ap-top", "url": "https://example.org/ap/top.rss", "interval_s": 120,
      "provider": "Associated Press"}]

`name` is the metric label (short, lower case, unique: it bounds the label set), `interval_s` defaults to
NEWSWIRE_FEED_POLL_INTERVAL_S, `provider` (optional) is recorded on every item of that feed. A bad file
stops start-up with an error naming the entry and the field.

Each poll is a conditional GET (If-None-Match / If-Modified-Since from the last answer): 304 means nothing
new. Errors (network, timeout, HTTP >= 400, unparsable body, Kafka down) back off exponentially from the
feed's interval up to NEWSWIRE_FEED_BACKOFF_MAX_S, with jitter so feeds do not retry in lock-step; a
successful poll resets the back-off. Items go through `Intake.submit` (source "feed"), the same validation
and producer as the HTTP API.

Seen items: per feed, item guid -> fingerprint (hash of headline, body and versioncreated). Unchanged
repeats publish nothing; the same guid with new content publishes a new version with the same `id` (the
id is derived from provider + guid). An item is recorded only after Kafka acknowledged it: when Kafka is
down the item stays unseen (and the feed's ETag is not kept), so the next poll retries it. An item that
fails validation is recorded as failed with its fingerprint, so it is logged once and not retried until
its content changes.

Why a small local JSON file (NEWSWIRE_FEEDS_STATE_FILE) and not a compacted Kafka topic: one ingest
instance polls the feeds (several would fetch every feed several times anyway); the state is tiny (a
few thousand guids and two headers per feed); and the record id is stable, so losing the file costs only
duplicates of items still in the feeds, which consumers already drop by id. The file is written
atomically (temp file in the same directory, fsync, os.replace): a crash leaves the old or the new state,
never half of one. A corrupt file is set aside and polling starts afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import random
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from services.common.exceptions import RecordError, SettingsError
from services.common.logs import get_logger
from services.common.records import SUBMISSION_FIELDS, normalise_body
from services.common.serialization import dumps_pretty, loads
from services.ingest import formats
from services.ingest.exceptions import KafkaUnavailable, Rejected
from services.ingest.formats.errors import FormatError
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics

log = get_logger("newswire.ingest.feeds")

FEED_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
FEED_KEYS = ("name", "url", "interval_s", "provider")
FEED_FORMATS = ("rss", "atom")
ITEM_RESULTS = ("new", "updated", "unchanged", "failed")
# Items remembered per feed; the ones longest out of the feed are forgotten first (feeds hold 10-100 items).
MAX_ITEMS_PER_FEED = 5000
STATE_VERSION = 1
USER_AGENT = "newswire-feed-poller/0.1"
JITTER = 0.25  # a back-off delay is cut by up to this fraction at random


class FeedListError(SettingsError):
    """NEWSWIRE_FEEDS_FILE cannot be read or an entry is invalid; the message names the entry and field."""


@dataclass(frozen=True)
class Feed:
    name: str
    url: str
    interval_s: float
    provider: str | None = None


# ---------------------------------------------------------------- feed list


def load_feeds(path: str | Path, default_interval_s: float) -> list[Feed]:
    """Read and validate the feed list; raises FeedListError naming the problem."""
    where = f"NEWSWIRE_FEEDS_FILE ({Path(path).name})"
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise FeedListError(f"{where}: cannot read the feed list: {exc.strerror or exc}") from None
    try:
        data = loads(raw)
    except RecordError as exc:
        raise FeedListError(f"{where}: {exc.reason}") from None
    return parse_feed_list(data, default_interval_s, where=where)


def parse_feed_list(data: Any, default_interval_s: float, *, where: str = "feed list") -> list[Feed]:
    if not isinstance(data, list):
        raise FeedListError(f"{where}: must be a JSON list of feeds, got {type(data).__name__}")
    feeds: list[Feed] = []
    names: set[str] = set()
    for index, entry in enumerate(data):
        label = f"{where}: entry {index}"
        if not isinstance(entry, dict):
            raise FeedListError(f"{label}: must be an object with name and url")
        if isinstance(entry.get("name"), str):
            label += f" ({entry['name']!r})"
        unknown = sorted(set(entry) - set(FEED_KEYS))
        if unknown:
            raise FeedListError(f"{label}: unknown field {unknown[0]!r} (known: {', '.join(FEED_KEYS)})")
        name = entry.get("name")
        if not isinstance(name, str) or not FEED_NAME.match(name):
            raise FeedListError(
                f"{label} field 'name': must be 1-63 characters of a-z, 0-9, '.', '_', '-' "
                "(it is a metric label)"
            )
        if name in names:
            raise FeedListError(f"{label} field 'name': {name!r} is used twice")
        names.add(name)
        url = entry.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise FeedListError(f"{label} field 'url': must be an http(s) URL with a host")
        interval = entry.get("interval_s", default_interval_s)
        if isinstance(interval, bool) or not isinstance(interval, int | float) or not interval > 0:
            raise FeedListError(f"{label} field 'interval_s': must be a number of seconds greater than 0")
        provider = entry.get("provider")
        if provider is not None and (
            not isinstance(provider, str) or not provider.strip() or len(provider) > 200
        ):
            raise FeedListError(
                f"{label} field 'provider': must be a non-empty string of at most 200 characters"
            )
        feeds.append(
            Feed(
                name=name,
                url=url,
                interval_s=float(interval),
                provider=provider.strip() if provider else None,
            )
        )
    return feeds


# ---------------------------------------------------------------- items


def fingerprint(draft: dict[str, Any]) -> str:
    """What "changed" means: headline, body or version time; spacing, quotes and dashes do not count."""
    parts = (
        normalise_body(draft.get("headline") or ""),
        normalise_body(draft.get("body_text") or ""),
        str(draft.get("versioncreated") or ""),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def item_key(draft: dict[str, Any]) -> str:
    """The provider's guid; a feed without guids falls back to the link, then to the body."""
    if draft.get("guid"):
        return str(draft["guid"])
    if draft.get("url"):
        return "url:" + str(draft["url"])
    return "body:" + hashlib.sha256(normalise_body(draft.get("body_text") or "").encode()).hexdigest()[:32]


def submission(draft: dict[str, Any], provider: str | None = None) -> dict[str, Any]:
    """A parsed draft as an article submission: known fields with a value; the configured provider wins."""
    clean = {k: draft[k] for k in SUBMISSION_FIELDS if draft.get(k) is not None}
    if provider:
        clean["provider"] = provider
    return clean


# ---------------------------------------------------------------- state


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same directory, fsync, os.replace: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


@dataclass
class FeedState:
    """Per feed: ETag, Last-Modified and seen items {key: {"fp", "status": published|failed, "seen"}}."""

    path: Path | None = None
    feeds: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None) -> FeedState:
        if not path:
            return cls(None)
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(path)
        try:
            data = loads(raw)
            if not isinstance(data, dict) or not isinstance(data.get("feeds"), dict):
                raise ValueError("no 'feeds' object")
            feeds = {name: _feed_entry(entry) for name, entry in data["feeds"].items()}
        except (RecordError, ValueError, TypeError, AttributeError) as exc:
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            os.replace(path, aside)
            log.error(
                "feed_state_corrupt",
                file=path.name,
                moved_to=aside.name,
                error=str(exc),
                consequence="items still in the feeds are published again (same ids)",
            )
            return cls(path)
        return cls(path, feeds)

    def _feed(self, feed: str) -> dict[str, Any]:
        return self.feeds.setdefault(feed, {"etag": None, "last_modified": None, "items": {}})

    def item(self, feed: str, key: str) -> dict[str, Any] | None:
        return self.feeds.get(feed, {}).get("items", {}).get(key)

    def remember(self, feed: str, key: str, fp: str, status: str, now: float) -> None:
        self._feed(feed)["items"][key] = {"fp": fp, "status": status, "seen": now}

    def touch(self, feed: str, key: str, now: float) -> None:
        entry = self.item(feed, key)
        if entry is not None:
            entry["seen"] = now

    def validators(self, feed: str) -> tuple[str | None, str | None]:
        entry = self.feeds.get(feed, {})
        return entry.get("etag"), entry.get("last_modified")

    def set_validators(self, feed: str, etag: str | None, last_modified: str | None) -> None:
        entry = self._feed(feed)
        entry["etag"], entry["last_modified"] = etag, last_modified

    def prune(self, feed: str, keep: int = MAX_ITEMS_PER_FEED) -> None:
        items = self._feed(feed)["items"]
        if len(items) > keep:
            newest = sorted(items.items(), key=lambda kv: kv[1].get("seen", 0), reverse=True)[:keep]
            self._feed(feed)["items"] = dict(newest)

    def to_bytes(self) -> bytes:
        return dumps_pretty({"version": STATE_VERSION, "feeds": self.feeds})

    def save(self) -> None:
        if self.path is not None:
            write_atomic(self.path, self.to_bytes())


def _feed_entry(entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("items", {}), dict):
        raise ValueError("a feed entry is not an object with 'items'")
    items = {str(k): v for k, v in entry.get("items", {}).items() if isinstance(v, dict) and "fp" in v}
    return {"etag": entry.get("etag"), "last_modified": entry.get("last_modified"), "items": items}


# ---------------------------------------------------------------- poller


@dataclass
class PollResult:
    feed: str
    outcome: str  # ok | not_modified | error
    status: int | None = None
    reason: str = ""
    items: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ITEM_RESULTS, 0))
    ids: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.outcome != "error"


class FeedFetchError(Exception):
    """One poll failed before any item was looked at (network, HTTP status, body)."""


class FeedPoller:
    """Polls feeds and publishes their items. `run()` loops forever; `poll(feed)` is one round (tests, tools).

    Driving `poll()` yourself, use it as an async context manager (or call `aclose()`): it owns the HTTP
    client.
    """

    def __init__(
        self,
        feeds: list[Feed],
        *,
        intake: Intake,
        metrics: IngestMetrics,
        state: FeedState,
        timeout_s: float,
        backoff_max_s: float,
        max_bytes: int = 10_000_000,
        client: httpx.AsyncClient | None = None,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.feeds = feeds
        self._intake = intake
        self._metrics = metrics
        self.state = state
        self._timeout_s = timeout_s
        self._backoff_max_s = backoff_max_s
        self._max_bytes = max_bytes
        self._client = client
        self._owns_client = client is None
        self._rng = rng
        self._clock = clock
        self._save_lock = asyncio.Lock()

    async def __aenter__(self) -> FeedPoller:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout_s, follow_redirects=True, headers={"User-Agent": USER_AGENT}
            )
        return self._client

    def next_delay(self, feed: Feed, failures: int) -> float:
        """The feed's interval after a success; after n failures in a row, interval * 2^n up to the cap."""
        if failures <= 0:
            return feed.interval_s
        backoff = min(self._backoff_max_s, feed.interval_s * 2 ** min(failures, 32))
        return max(feed.interval_s, backoff) * (1 - JITTER * self._rng())

    async def run(self) -> None:
        """Poll every feed on its own schedule until cancelled."""
        try:
            await asyncio.gather(*(self.run_feed(feed) for feed in self.feeds))
        finally:
            await self.aclose()

    async def run_feed(self, feed: Feed) -> None:
        failures = 0
        while True:
            try:
                result = await self.poll(feed)
                failures = 0 if result.succeeded else failures + 1
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not stop the other feeds or the next round
                log.exception("feed_poll_crashed", feed=feed.name)
                failures += 1
            delay = self.next_delay(feed, failures)
            if failures:
                log.info("feed_backoff", feed=feed.name, failures=failures, retry_in_s=round(delay, 3))
            await asyncio.sleep(delay)

    async def poll(self, feed: Feed) -> PollResult:
        """One conditional GET and the publishing of what is new; never raises for a bad feed or broker."""
        try:
            status, response_headers, body = await self._fetch(feed)
        except FeedFetchError as exc:
            return self._finish(PollResult(feed.name, "error", reason=str(exc)))
        if status == 304:
            return self._finish(PollResult(feed.name, "not_modified", status=304))
        result = PollResult(feed.name, "ok", status=status)
        try:
            drafts = self._parse(response_headers.get("content-type"), body, feed)
        except FormatError as exc:
            result.outcome, result.reason = "error", exc.reason
            return self._finish(result)
        kafka_down = await self._publish_items(feed, drafts, result)
        if kafka_down:
            result.outcome, result.reason = "error", kafka_down
        else:
            # Only a fully handled answer may be cached: after a Kafka outage the next poll must get the body.
            self.state.set_validators(
                feed.name, response_headers.get("etag"), response_headers.get("last-modified")
            )
        self.state.prune(feed.name)
        await self._save()
        return self._finish(result)

    async def _fetch(self, feed: Feed) -> tuple[int, httpx.Headers, bytes]:
        headers: dict[str, str] = {}
        etag, last_modified = self.state.validators(feed.name)
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        client = self._http()
        try:
            # httpx's timeout is per read; this bounds the whole poll, so a trickling server cannot hold it.
            async with (
                asyncio.timeout(self._timeout_s),
                client.stream("GET", feed.url, headers=headers) as response,
            ):
                if response.status_code == 304:
                    return 304, response.headers, b""
                if response.status_code >= 300:
                    raise FeedFetchError(f"HTTP {response.status_code} from the feed")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise FeedFetchError(f"feed is larger than {self._max_bytes} bytes")
                return response.status_code, response.headers, bytes(body)
        except TimeoutError:
            raise FeedFetchError(f"no complete answer within {self._timeout_s:g}s") from None
        except httpx.HTTPError as exc:
            raise FeedFetchError(f"{type(exc).__name__}: {exc}") from None

    def _parse(self, content_type: str | None, body: bytes, feed: Feed) -> list[dict[str, Any]]:
        try:
            fmt = formats.detect_format(content_type, body, urlsplit(feed.url).path)
        except FormatError:
            fmt = ""
        if fmt not in FEED_FORMATS:  # servers label feeds text/xml, text/plain, text/html...: sniff the bytes
            fmt = formats.detect_format(None, body)
        if fmt not in FEED_FORMATS:
            raise FormatError(fmt, "the feed URL did not answer with RSS or Atom")
        return formats.parse(fmt, body)

    async def _publish_items(self, feed: Feed, drafts: list[dict[str, Any]], result: PollResult) -> str:
        """Publish what is new or changed, item by item; returns the reason when Kafka is down ("" if not)."""
        now = self._clock()
        for raw in drafts:
            draft = submission(raw, feed.provider)
            key, fp = item_key(draft), fingerprint(draft)
            prior = self.state.item(feed.name, key)
            if prior is not None and prior.get("fp") == fp:
                self.state.touch(feed.name, key, now)
                self._count(feed, result, "unchanged")
                continue
            kind = "updated" if prior is not None and prior.get("status") == "published" else "new"
            try:
                ids = await asyncio.to_thread(self._intake.submit, [draft], "feed")
            except Rejected as exc:
                self.state.remember(feed.name, key, fp, "failed", now)
                self._count(feed, result, "failed")
                log.warning("feed_item_failed", feed=feed.name, guid=key, reason=exc.reason)
                continue
            except KafkaUnavailable as exc:
                # Not remembered: the item is tried again on the next poll.
                log.warning("feed_kafka_unavailable", feed=feed.name, guid=key, reason=exc.reason)
                return exc.reason
            self.state.remember(feed.name, key, fp, "published", now)
            self._count(feed, result, kind)
            result.ids.extend(ids)
            log.info(
                "feed_item_published",
                feed=feed.name,
                id=ids[0] if ids else None,
                guid=key,
                result=kind,
                headline=draft.get("headline"),
            )
        return ""

    def _count(self, feed: Feed, result: PollResult, kind: str) -> None:
        result.items[kind] += 1
        self._metrics.feed_items.labels(feed.name, kind).inc()

    async def _save(self) -> None:
        async with self._save_lock:
            data = self.state.to_bytes()
            if self.state.path is not None:
                await asyncio.to_thread(write_atomic, self.state.path, data)

    def _finish(self, result: PollResult) -> PollResult:
        self._metrics.feed_polls.labels(result.feed, result.outcome).inc()
        if result.succeeded:
            self._metrics.feed_last_success.labels(result.feed).set(self._clock())
            log.info(
                "feed_polled", feed=result.feed, outcome=result.outcome, status=result.status, **result.items
            )
        else:
            log.warning(
                "feed_poll_failed",
                feed=result.feed,
                status=result.status,
                reason=result.reason,
                **result.items,
            )
        return result
