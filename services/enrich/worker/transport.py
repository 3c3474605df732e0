"""Faust's aiokafka transport with a configurable fetch wait and retry backoff.

Faust hard-codes fetch_max_wait_ms=1500, which made one hop ~400 ms p50 on the embedded broker; 10 ms
gives ~5 ms. The broker (Tansu, tansu-storage/src/service/fetch.rs) answers at once a fetch that finds records;
one that finds none it sleeps on, reading the log again after half the wait, then half of what is left,
until the wait is over, and a record produced meanwhile waits for the next read. So the wait trades
latency against idle load: at 10 ms an idle consumer fetches ~100 times a second (an idle kafka-python
consumer took 16% of a core here, 2.6% at 100 ms). aiokafka reads the value when the consumer starts,
so setting it right after construction is enough.
"""

from __future__ import annotations

from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.web import drivers as web_drivers


def fetch_wait_ms(batch_size: int, max_size: int, idle_ms: int, backlog_ms: int) -> int:
    """The raw-topic fetch wait after taking a batch: short while the worker keeps up, long while a full
    batch shows records queued in memory, when another look at the broker soon finds nothing new.

    Flat out with a backlog fetched, the 10 ms wait kept the consumer thread fetching ~100 times a
    second for nothing (16% of the worker's GIL time, 5% with this). One worker, 1,200 raw records at
    once, alternating runs: 39.1 and 40.5 articles/s against 36.4 and 38.2 with 10 ms throughout.
    A lone article, or a batch that is not full, still finds the short wait."""
    return backlog_ms if batch_size >= max_size else idle_ms


def set_fetch_wait(consumer: Any, ms: int) -> None:
    """The fetch wait of a Faust consumer's aiokafka fetcher from now on (none before it starts)."""
    thread = getattr(consumer, "_thread", None)
    fetcher = getattr(getattr(thread, "_consumer", None), "_fetcher", None)
    if fetcher is not None:
        # Read for each fetch request it builds; a plain attribute, so setting it from the app's thread is safe.
        fetcher._fetch_max_wait_ms = ms


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = self.app.fetch_max_wait_ms
        # aiokafka retries a lost broker every 100 ms, in the client, the fetcher and the coordinator
        # each: during an outage that was ~40 connection attempts (and ERROR lines) a second.
        consumer._retry_backoff_ms = self.app.retry_backoff_ms
        consumer._client._retry_backoff = self.app.retry_backoff_ms / 1000
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _commit(self, offsets: Any) -> bool:
        # Under exactly_once each batch commits its offsets inside its own transaction
        # (transactions.py); a commit from here would commit a fenced batch that was never written.
        if not self.app.commits_offsets:
            return False
        return await super()._commit(offsets)


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class EnrichApp(faust.App):
    """A Faust app whose consumers use `fetch_max_wait_ms`, and whose web server serves only our pages."""

    fetch_max_wait_ms: int = 10
    retry_backoff_ms: int = 500
    commits_offsets: bool = True

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)

    def _new_web(self) -> Any:
        # Faust's own pages (/ , /router/, /table/, ...) describe internals nobody here documents or
        # supports; /healthz, /readyz and /metrics are registered as app pages and stay.
        class Web(web_drivers.by_url(self.conf.web)):
            default_blueprints = production_blueprints = debug_blueprints = optional_blueprints = ()

        return Web(self)
