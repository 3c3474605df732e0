"""The parts that keep ingest answering while Kafka is away: the watch, the circuit, the slots, the log limit."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest
from prometheus_client import CollectorRegistry

from services.common.kafka_watch import KafkaWatch
from services.common.log_limits import RepeatLimiter
from services.ingest.exceptions import KafkaUnavailable, Overloaded
from services.ingest.metrics import IngestMetrics
from services.ingest.publishing.kafka_link import KafkaLink
from services.ingest.publishing.publish_slots import PublishSlots


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Probe:
    def __init__(self, problem: str | None = None) -> None:
        self.problem = problem
        self.calls = 0

    def __call__(self) -> str | None:
        self.calls += 1
        return self.problem


def test_the_watch_asks_the_cluster_on_schedule_and_the_port_every_tick():
    clock, connect, cluster = Clock(), Probe(), Probe()
    watch = KafkaWatch(connect, cluster, tick_s=0.5, interval_s=5, clock=clock)
    assert watch.check() is None and (connect.calls, cluster.calls) == (1, 1)
    clock.now += 1
    assert watch.check() is None and (connect.calls, cluster.calls) == (2, 1)  # not due yet
    connect.problem = "refused"
    assert watch.check() == "refused" and cluster.calls == 1
    connect.problem = None
    assert watch.check() is None and cluster.calls == 2  # asked at once when the port opens again


def test_a_failing_cluster_is_asked_with_growing_pauses_up_to_the_cap():
    clock, cluster = Clock(), Probe("no metadata")
    watch = KafkaWatch(Probe(), cluster, tick_s=0.5, interval_s=5, retry_max_s=4, clock=clock)
    asked_at = []
    for _ in range(60):  # 30 s of ticks
        before = cluster.calls
        assert watch.check() == "no metadata"
        if cluster.calls > before:
            asked_at.append(clock.now)
        clock.now += 0.5
    pauses = [b - a for a, b in zip(asked_at, asked_at[1:], strict=False)]
    assert pauses[:3] == [1.0, 2.0, 4.0] and max(pauses) == 4.0


class FakeProducer:
    closed = False

    def flush(self, timeout=None):
        pass

    def close(self, timeout=None):
        self.closed = True


def link(connect: Probe, cluster: Probe, made: list) -> KafkaLink:
    def factory():
        made.append(FakeProducer())
        return made[-1]

    watch = KafkaWatch(connect, cluster, tick_s=0.01, interval_s=0.05, retry_max_s=0.05)
    return KafkaLink(factory, watch, IngestMetrics.create(CollectorRegistry()))


def test_while_kafka_is_away_publishes_are_refused_at_once_and_a_new_producer_follows_its_return():
    connect, cluster, made = Probe(), Probe(), []
    kafka = link(connect, cluster, made)
    kafka.start()
    try:
        first = kafka.producer(["a"])
        assert kafka.state.reachable and made == [first]

        connect.problem = "connection refused"
        deadline = time.monotonic() + 5
        while kafka.state.reachable and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.perf_counter()
        with pytest.raises(KafkaUnavailable) as refused:
            kafka.producer(["b", "c"])
        assert time.perf_counter() - started < 0.01
        assert refused.value.failed == ["b", "c"] and refused.value.retry_after_s >= 1
        assert "connection refused" in kafka.state.reason

        connect.problem = None
        while not kafka.state.reachable and time.monotonic() < deadline:
            time.sleep(0.01)
        second = kafka.producer(["d"])
        assert second is not first and first.closed  # a restarted broker forgot the old producer's id
    finally:
        kafka.stop()


def test_a_failed_publish_opens_the_circuit_until_the_cluster_answers():
    connect, cluster, made = Probe(), Probe(), []
    kafka = link(connect, cluster, made)
    kafka.start()
    try:
        producer = kafka.producer(["a"])
        cluster.problem = "metadata timed out"
        kafka.failed(producer, "KafkaTimeoutError")
        assert not kafka.state.reachable
        with pytest.raises(KafkaUnavailable):
            kafka.producer(["b"])
        time.sleep(0.2)  # the port still answers; the cluster does not: it stays open
        assert not kafka.state.reachable
        cluster.problem = None
        deadline = time.monotonic() + 5
        while not kafka.state.reachable and time.monotonic() < deadline:
            time.sleep(0.01)
        assert kafka.producer(["c"]) is not producer
    finally:
        kafka.stop()


async def test_publishes_beyond_the_bound_are_refused_at_once_not_queued():
    slots = PublishSlots(2, IngestMetrics.create(CollectorRegistry()))
    release = threading.Event()
    busy = [asyncio.ensure_future(slots.run(release.wait, 5)) for _ in range(2)]
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    with pytest.raises(Overloaded):
        await slots.run(time.sleep, 0)
    assert time.perf_counter() - started < 0.01
    release.set()
    await asyncio.gather(*busy)
    await asyncio.sleep(0.01)  # slots are freed by the threads' done callbacks
    assert await slots.run(lambda: "done") == "done"
    slots.shutdown()


def record(name: str, msg: str, *args) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, None)


def test_repeats_of_a_library_message_are_counted_not_written():
    clock, counted = Clock(), []
    limiter = RepeatLimiter(burst=3, window_s=60, clock=clock, on_warning=counted.append)
    passed = [
        limiter.filter(record("aiokafka.conn", "Unable connect to node with id %s: %s", 111, f"try {n}"))
        for n in range(500)
    ]
    assert passed.count(True) == 3 and len(counted) == 500 and set(counted) == {"aiokafka"}
    assert limiter.filter(record("aiokafka.cluster", "Unable to update metadata from %s", [111]))
    assert limiter.filter(record("newswire.enrich", "our own line"))  # our lines are not limited

    clock.now += 61
    summary = record("aiokafka.conn", "Unable connect to node with id %s: %s", 111, "again")
    assert limiter.filter(summary)
    assert "497 more like this in the last 61 s were not logged" in summary.getMessage()


def test_a_quiet_library_is_counted_but_never_written():
    counted: list[str] = []
    limiter = RepeatLimiter(burst=3, window_s=60, clock=Clock(), on_warning=counted.append)
    limiter.quiet = frozenset({"kafka"})
    assert not limiter.filter(record("kafka.net.manager", "Connection failed: %s", "ECONNREFUSED"))
    assert counted == ["kafka"]
    assert limiter.filter(record("aiokafka.conn", "Unable connect to node with id %s", 111))
