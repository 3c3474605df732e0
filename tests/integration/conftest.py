"""Integration fixtures: the brokers of a session, and factories for the real services as subprocesses,
each test with its own topics and consumer group.

`kafka_kind` runs each test that talks to Kafka twice: on the embedded broker (or
NEWSWIRE_TEST_KAFKA_BOOTSTRAP), and on a real three-broker Apache Kafka cluster (`apache_cluster`) with
replication 3 and min.insync.replicas=2. tests/conftest.py decides which of the two run (`--kafka`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from services.common.broker import EmbeddedBroker, free_port
from services.common.exceptions import RecordError
from services.common.kafka import ensure_topics
from services.common.kafka_cluster import LocalCluster
from services.common.serialization import loads
from services.common.settings import Settings
from tests.conftest import REPO


@pytest.fixture(scope="session", params=["embedded", "apache"])
def kafka_kind(request: pytest.FixtureRequest) -> str:
    return request.param


def start_apache_cluster(state_dir: Path, brokers: int = 3, sasl: bool = False) -> LocalCluster:
    cluster = LocalCluster.create(state_dir, brokers=brokers, sasl=sasl, base_port=None)
    try:
        cluster.up()
    except BaseException:
        cluster.down()
        raise
    return cluster


@pytest.fixture(scope="session")
def apache_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """Three combined KRaft nodes from Apache Kafka's jars, on free loopback ports, for the session."""
    cluster = start_apache_cluster(tmp_path_factory.mktemp("apache-kafka"))
    try:
        yield cluster
    finally:
        cluster.down()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_kind: str, request: pytest.FixtureRequest) -> Iterator[str]:
    if kafka_kind == "apache":
        yield request.getfixturevalue("apache_cluster").cluster.bootstrap
        return
    external = os.environ.get("NEWSWIRE_TEST_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    with EmbeddedBroker(port=free_port()) as broker:
        yield broker.bootstrap


@pytest.fixture(scope="session")
def topic_replication(kafka_kind: str) -> str:
    """Replication 3 on the real cluster (min.insync.replicas=2 is its default); the embedded broker has one node."""
    return "3" if kafka_kind == "apache" else "1"


@dataclass
class Stack:
    """Settings of one test: unique topics and group on the session broker."""

    env: dict[str, str]
    settings: Settings
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def ingest_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.ingest_port}"

    @property
    def enrich_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.enrich_port}"


@pytest.fixture
def stack_factory(kafka_bootstrap: str, topic_replication: str, tmp_path) -> Iterator[Callable[..., Stack]]:
    stacks: list[Stack] = []

    def make(**overrides: str) -> Stack:
        suffix = uuid.uuid4().hex[:10]
        env = {
            "NEWSWIRE_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "NEWSWIRE_TOPIC_RAW": f"test.{suffix}.raw",
            "NEWSWIRE_TOPIC_ENRICHED": f"test.{suffix}.enriched",
            "NEWSWIRE_TOPIC_DLQ": f"test.{suffix}.dlq",
            "NEWSWIRE_TOPIC_COPY_INDEX": f"test.{suffix}.copy-index",
            "NEWSWIRE_TOPIC_PARTITIONS": "2",
            "NEWSWIRE_TOPIC_REPLICATION": topic_replication,
            "NEWSWIRE_ENRICH_GROUP": f"test-enrich-{suffix}",
            "NEWSWIRE_SESSION_TIMEOUT_S": "2",
            "NEWSWIRE_HEARTBEAT_INTERVAL_S": "0.5",
            "NEWSWIRE_INGEST_PORT": str(free_port()),
            "NEWSWIRE_ENRICH_PORT": str(free_port()),
            "NEWSWIRE_FEEDS_STATE_FILE": str(tmp_path / "feeds-state.json"),
            "NEWSWIRE_LOG_FORMAT": "json",
            **overrides,
        }
        settings = Settings.from_env(env)
        ensure_topics(settings)
        stack = Stack(env, settings)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        for process in stack.processes:
            stop_process(process)


def start_service(
    stack: Stack, verb: str, ready_url: str, log_path, timeout_s: float = 120, **env_overrides: str
) -> subprocess.Popen[bytes]:
    """Run `newswire <verb>` as its own process, as in production, and wait until it says it is ready."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env |= stack.env | env_overrides | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", verb],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    stack.processes.append(process)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"newswire {verb} exited with {process.returncode}:\n"
                + Path(log_path).read_text(encoding="utf-8", errors="replace")[-4000:]
            )
        try:
            with httpx.Client(timeout=1) as client:
                if client.get(ready_url).status_code == 200:
                    return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(
        f"newswire {verb} not ready at {ready_url} after {timeout_s}s:\n"
        + Path(log_path).read_text(encoding="utf-8", errors="replace")[-4000:]
    )


def stop_process(process: subprocess.Popen[bytes], timeout_s: float = 20) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@pytest.fixture
def ingest_factory(tmp_path) -> Callable[..., subprocess.Popen[bytes]]:
    def start(stack: Stack, **env: str) -> subprocess.Popen[bytes]:
        return start_service(stack, "ingest", f"{stack.ingest_url}/healthz", tmp_path / "ingest.log", **env)

    return start


@pytest.fixture
def enrich_factory(tmp_path) -> Callable[..., subprocess.Popen[bytes]]:
    count = 0

    def start(stack: Stack, port: int | None = None, **env: str) -> subprocess.Popen[bytes]:
        nonlocal count
        count += 1
        port = port or stack.settings.enrich_port
        return start_service(
            stack,
            "enrich",
            f"http://127.0.0.1:{port}/readyz",
            tmp_path / f"enrich-{count}.log",
            NEWSWIRE_ENRICH_PORT=str(port),
            **env,
        )

    return start


def read_topic(
    settings: Settings, topic: str, *, until: Callable[[list[Any]], bool], timeout_s: float = 60
) -> list[dict[str, Any]]:
    """Every record of `topic` from the beginning (key, value, partition, offset), until `until(values)`."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False, fetch_max_wait_ms=10
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                for r in records:
                    seen.append(
                        {"key": r.key, "value": loads(r.value), "partition": r.partition, "offset": r.offset}
                    )
            if until([s["value"] for s in seen]):
                return seen
        raise AssertionError(
            f"timed out after {timeout_s}s reading {topic}; saw {len(seen)} record(s): "
            f"{[s['value'] for s in seen][:5]}"
        )
    finally:
        consumer.close()


def produce_raw(settings: Settings, values: list[tuple[bytes, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    try:
        for key, value in values:
            producer.send(settings.topic_raw, key=key, value=value).get(timeout=10)
    finally:
        producer.close()


def scrape(url: str) -> dict[str, float]:
    """Prometheus text -> {'name{labels}': value}, via the official parser."""
    from prometheus_client.parser import text_string_to_metric_families

    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(httpx.get(url, timeout=5).text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def read_all(settings: Settings, topic: str, timeout_s: float = 20) -> list[dict[str, Any]]:
    """Every record of `topic` up to its end offsets now: what is on the topic, not "at least N".

    Reads whole fetched batches: the embedded broker reports a partition's end offset as the base offset
    of its last batch + 1, so the records of that batch after the first lie beyond the reported end.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False, fetch_max_wait_ms=10
    )
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or set())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read {topic} up to {ends} within {timeout_s}s")
            for records in consumer.poll(timeout_ms=200).values():
                seen.extend(
                    {"key": r.key, "value": loads(r.value), "partition": r.partition, "offset": r.offset}
                    for r in records
                )
        return sorted(seen, key=lambda s: (s["partition"], s["offset"]))
    finally:
        consumer.close()


def wait_until(
    condition: Callable[[], Any], *, timeout_s: float = 30, what: str | Callable[[], str] = "the condition"
) -> Any:
    """Poll `condition` until it returns something truthy (and return that), or fail naming `what`."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout_s}s waiting for {what() if callable(what) else what}"
            )
        time.sleep(0.1)


def log_events(path, event: str | None = None) -> list[dict[str, Any]]:
    """The JSON log lines of a service (its log file also holds plain stderr lines: skipped)."""
    events = []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            try:
                record = loads(line)
            except RecordError:
                continue
            if event is None or record.get("event") == event:
                events.append(record)
    return events
