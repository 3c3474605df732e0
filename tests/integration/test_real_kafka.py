"""Guarantees that only a real Apache Kafka cluster can show: transactions, broker failover, a whole
cluster down, retention. Three brokers, replication 3, min.insync.replicas=2 (the `apache` tier)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka import errors as kafka_errors
from kafka.admin import ConfigResource, ConfigResourceType

from services.common.broker import free_port
from services.common.kafka import ensure_topics
from services.common.kafka_cluster import grant, pipeline_acls
from services.common.records import build_raw_article, utc_now
from services.common.serialization import dumps, loads
from services.common.settings import Settings
from tests.conftest import REPO
from tests.integration.conftest import (
    Stack,
    read_topic,
    scrape,
    start_apache_cluster,
    start_service,
    stop_process,
    wait_until,
)

# Real-cluster tests only: tests/conftest.py leaves out their embedded-broker variants.
pytestmark = pytest.mark.real_kafka

BODY = (
    "{n}. The European Commission said on Monday that Ursula von der Leyen would meet officials in "
    "Brussels about the grid. Shares of Siemens rose in Frankfurt."
)


def raw_values(count: int, start: int = 0) -> list[tuple[bytes, bytes]]:
    """Valid raw articles, keyed by id as ingest does."""
    values = []
    for n in range(start, start + count):
        article = build_raw_article(
            {"body_text": BODY.format(n=n), "headline": f"Grid talks {n}", "guid": f"story-{n}"},
            received_at=utc_now(),
        )
        values.append((article["id"].encode(), dumps(article)))
    return values


def corpus_values(count: int) -> list[tuple[bytes, bytes]]:
    """Whole stories of the team corpus, as raw records."""
    lines = (REPO / "tests" / "corpus" / "articles.jsonl").read_text(encoding="utf-8").splitlines()[:count]
    values = []
    for line in lines:
        story = loads(line.encode())
        article = build_raw_article(
            {"body_text": story["body_text"], "headline": story["headline"], "guid": story["id"]},
            received_at=utc_now(),
        )
        values.append((article["id"].encode(), dumps(article)))
    return values


def read_committed(settings: Settings, topic: str, *, until, timeout_s: float = 180) -> list[dict[str, Any]]:
    """What a subscriber reading with isolation.level=read_committed sees, until `until(values)`."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        enable_auto_commit=False,
        isolation_level="read_committed",
        fetch_max_wait_ms=100,
    )
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or set())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                seen.extend(loads(r.value) for r in records)
            if until(seen):
                # Anything committed later (a duplicate) would show within a few more polls.
                for _ in range(6):
                    for records in consumer.poll(timeout_ms=500).values():
                        seen.extend(loads(r.value) for r in records)
                return seen
        raise AssertionError(f"timed out after {timeout_s}s reading {topic}: {len(seen)} record(s)")
    finally:
        consumer.close()


def produce(settings: Settings, values: list[tuple[bytes, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all", linger_ms=5)
    try:
        for future in [producer.send(settings.topic_raw, key=k, value=v) for k, v in values]:
            future.get(timeout=60)
    finally:
        producer.close()


def test_exactly_once_two_workers_killed_twice_every_id_once(stack_factory, enrich_factory, tmp_path):
    stack = stack_factory(NEWSWIRE_PROCESSING_GUARANTEE="exactly_once", NEWSWIRE_ENRICH_BATCH_SIZE="8")
    ports = [stack.settings.enrich_port, free_port()]
    workers = [enrich_factory(stack, port=port) for port in ports]
    total = 2000
    produced = threading.Thread(target=produce, args=(stack.settings, raw_values(total)))
    produced.start()

    done = {"n": 0}

    def progressed(beyond: int) -> bool:
        done["n"] = committed_offsets(stack.settings)
        return done["n"] >= beyond

    for round_, beyond in enumerate((500, 1200)):
        wait_until(
            lambda b=beyond: progressed(b), timeout_s=300, what=lambda: f"{done['n']} raw offsets committed"
        )
        victim = round_ % 2
        os.kill(workers[victim].pid, signal.SIGKILL)
        workers[victim].wait()
        workers[victim] = enrich_factory(stack, port=ports[victim])
    produced.join()

    values = read_committed(
        stack.settings, stack.settings.topic_enriched, until=lambda vs: len({v["id"] for v in vs}) >= total
    )
    ids = Counter(v["id"] for v in values)
    sent = {k.decode() for k, _ in raw_values(total)}
    assert set(ids) == sent, f"missing {len(sent - set(ids))}, unexpected {len(set(ids) - sent)}"
    duplicates = sum(c - 1 for c in ids.values())
    print(f"exactly_once: {total} articles, 2 kills, {duplicates} duplicates seen by read_committed")
    assert duplicates == 0, ids.most_common(5)
    dead = read_committed(stack.settings, stack.settings.topic_dlq, until=lambda vs: True, timeout_s=10)
    assert dead == [], dead[:2]
    for worker in workers:
        stop_process(worker)


def committed_offsets(settings: Settings) -> int:
    """How far the enrich group got on the raw topic: under exactly_once, committed with the outputs."""
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    try:
        offsets = admin.list_group_offsets(settings.enrich_group).get(settings.enrich_group, {})
        return sum(o.offset for tp, o in offsets.items() if tp.topic == settings.topic_raw and o.offset > 0)
    finally:
        admin.close()


def ndjson(articles: list[dict[str, Any]]) -> bytes:
    return b"\n".join(dumps(a) for a in articles)


def failover_batches(count: int, size: int, stories: int, versions: int) -> list[list[dict[str, Any]]]:
    """`count` NDJSON batches; besides single stories, `stories` stories sent in `versions` versions,
    one version per batch in turn, so every version of a story is published after the one before."""
    batches = []
    for b in range(count):
        batch = [
            {"body_text": BODY.format(n=f"{b}-{i}"), "headline": f"Single {b}-{i}", "guid": f"single-{b}-{i}"}
            for i in range(size)
        ]
        if b < versions:
            batch[:stories] = [
                {"body_text": BODY.format(n=f"v{b}"), "headline": f"version {b}", "guid": f"multi-{s}"}
                for s in range(stories)
            ]
        batches.append(batch)
    return batches


def test_broker_failover_under_load_loses_nothing_and_keeps_versions_in_order(
    stack_factory, ingest_factory, enrich_factory, apache_cluster
):
    stack = stack_factory()  # the default publish timeout must outlast a leader's failover
    ingest = ingest_factory(stack)
    worker = enrich_factory(stack)
    batches = failover_batches(count=42, size=50, stories=5, versions=10)
    answers: list[tuple[int, float, list[str]]] = []
    down: list[tuple[float, float]] = []  # (killed at, back at)

    def post_all() -> None:
        with httpx.Client(base_url=stack.ingest_url, timeout=60) as client:
            for batch in batches:
                response = client.post(
                    "/v1/articles", content=ndjson(batch), headers={"Content-Type": "application/x-ndjson"}
                )
                body = response.json()
                answers.append((response.status_code, time.monotonic(), body.get("accepted", [])))
                time.sleep(0.4)

    poster = threading.Thread(target=post_all)
    poster.start()

    def fail_leader(topic: str, after: int) -> None:
        wait_until(lambda: len(answers) >= after, timeout_s=240, what=f"{after} batches answered")
        leader = apache_cluster.leader_of(topic, 0)
        killed_at = time.monotonic()
        apache_cluster.stop_broker(leader)
        wait_until(lambda: len(answers) >= after + 8, timeout_s=240, what=f"{after + 8} batches answered")
        apache_cluster.start_broker(leader)
        apache_cluster.wait_ready()
        apache_cluster.wait_in_sync()  # else the next kill leaves a partition one replica short
        down.append((killed_at, time.monotonic()))

    fail_leader(stack.settings.topic_raw, after=6)
    fail_leader(stack.settings.topic_enriched, after=22)
    poster.join()

    statuses = Counter(status for status, _, _ in answers)
    # With one broker of three down, every partition keeps two in-sync replicas: min.insync.replicas holds.
    assert statuses == {202: len(batches)}, statuses
    accepted = [i for _, _, ids in answers for i in ids]
    assert len(set(accepted)) == 42 * 50 - 10 * 5 + 5
    records = read_topic(
        stack.settings,
        stack.settings.topic_enriched,
        until=lambda vs: set(accepted) <= {v["id"] for v in vs},
        timeout_s=300,
    )
    # All versions of a story share its partition; a redelivery repeats a run of them in order.
    in_order = sorted(records, key=lambda r: r["offset"])
    for story in {r["value"]["id"] for r in records if r["value"]["guid"].startswith("multi-")}:
        seen = [int(r["value"]["headline"].split()[1]) for r in in_order if r["value"]["id"] == story]
        firsts = list(dict.fromkeys(seen))
        assert firsts == sorted(firsts) and seen[-1] == 9, (story, seen)
    # Neither service was restarted: both recovered by themselves.
    assert ingest.poll() is None and worker.poll() is None
    wait_until(lambda: httpx.get(f"{stack.enrich_url}/readyz", timeout=2).status_code == 200, timeout_s=60)
    print(f"failover: {len(accepted)} ids answered 202, all enriched; {statuses}; brokers down {down}")


@pytest.fixture(scope="module")
def sasl_cluster(tmp_path_factory):
    """A second cluster, with SCRAM-SHA-512 and ACLs (`./dev kafka up --sasl`)."""
    cluster = start_apache_cluster(tmp_path_factory.mktemp("apache-kafka-sasl"), sasl=True)
    try:
        yield cluster
    finally:
        cluster.down()


def test_with_sasl_each_service_runs_with_only_its_rights(sasl_cluster, tmp_path, seed_story):
    cluster = sasl_cluster.cluster
    suffix = uuid.uuid4().hex[:8]
    base = cluster.client_env("admin") | {
        "NEWSWIRE_TOPIC_RAW": f"sasl.{suffix}.raw",
        "NEWSWIRE_TOPIC_ENRICHED": f"sasl.{suffix}.enriched",
        "NEWSWIRE_TOPIC_DLQ": f"sasl.{suffix}.dlq",
        "NEWSWIRE_TOPIC_COPY_INDEX": f"sasl.{suffix}.copy-index",
        "NEWSWIRE_TOPIC_PARTITIONS": "2",
        "NEWSWIRE_ENRICH_GROUP": f"sasl-enrich-{suffix}",
        "NEWSWIRE_SESSION_TIMEOUT_S": "2",
        "NEWSWIRE_HEARTBEAT_INTERVAL_S": "0.5",
        "NEWSWIRE_INGEST_PORT": str(free_port()),
        "NEWSWIRE_ENRICH_PORT": str(free_port()),
        "NEWSWIRE_LOG_FORMAT": "json",
    }
    admin = Settings.from_env(base)
    ensure_topics(admin)  # the operator's step, as admin: no service may create topics
    grant(
        cluster,
        pipeline_acls(
            raw=admin.topic_raw,
            enriched=admin.topic_enriched,
            dlq=admin.topic_dlq,
            copy_index=admin.topic_copy_index,
            enrich_group=admin.enrich_group,
        ),
    )
    bootstrap = cluster.bootstrap.split(",")

    # No credentials: the SASL listener never lets the client in.
    with pytest.raises(kafka_errors.KafkaError):
        producer = KafkaProducer(bootstrap_servers=bootstrap, max_block_ms=5000, request_timeout_ms=5000)
        try:
            producer.send(admin.topic_raw, b"{}").get(timeout=10)
        finally:
            producer.close(timeout=1)
    # A wrong password: refused at authentication.
    with pytest.raises(kafka_errors.KafkaError):
        KafkaProducer(
            **cluster.client_options("reader") | {"sasl_plain_password": "wrong"}, max_block_ms=5000
        )
    # The reader may read enriched copy, and may not write raw.
    reader_producer = KafkaProducer(**cluster.client_options("reader"), max_block_ms=5000)
    try:
        with pytest.raises(kafka_errors.TopicAuthorizationFailedError):
            reader_producer.send(admin.topic_raw, b"{}").get(timeout=10)
    finally:
        reader_producer.close(timeout=1)
    # Ingest may not write what only the worker writes.
    ingest_producer = KafkaProducer(**cluster.client_options("ingest"), max_block_ms=5000)
    try:
        with pytest.raises(kafka_errors.TopicAuthorizationFailedError):
            ingest_producer.send(admin.topic_enriched, b"{}").get(timeout=10)
    finally:
        ingest_producer.close(timeout=1)

    # The services, each as its own principal, carry a story end to end.
    stack = Stack(base, admin)
    try:
        start_service(
            stack, "ingest", f"{stack.ingest_url}/healthz", tmp_path / "ingest.log", **role(cluster, "ingest")
        )
        start_service(
            stack, "enrich", f"{stack.enrich_url}/readyz", tmp_path / "enrich.log", **role(cluster, "enrich")
        )
        response = httpx.post(
            f"{stack.ingest_url}/v1/articles",
            content=seed_story.encode(),
            headers={"Content-Type": "text/plain"},
        )
        assert response.status_code == 202, response.text
        [article_id] = response.json()["accepted"]
        consumer = KafkaConsumer(
            admin.topic_enriched,
            **cluster.client_options("reader"),
            group_id=f"newswire-reader-{suffix}",
            auto_offset_reset="earliest",
            consumer_timeout_ms=60_000,
        )
        try:
            ids = []
            for record in consumer:
                ids.append(loads(record.value)["id"])
                if article_id in ids:
                    break
            assert article_id in ids
            consumer.commit()  # the reader's group may commit its place
        finally:
            consumer.close()
    finally:
        for process in stack.processes:
            stop_process(process)


def role(cluster, name: str) -> dict[str, str]:
    env = cluster.client_env(name)
    return {k: v for k, v in env.items() if k.startswith("NEWSWIRE_KAFKA_SASL")}


def index_offsets(settings: Settings) -> tuple[int, int]:
    """(first, end) offsets of the copy-index topic summed over its partitions."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers)
    try:
        topic = settings.topic_copy_index
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
        return sum(consumer.beginning_offsets(tps).values()), sum(consumer.end_offsets(tps).values())
    finally:
        consumer.close()


def test_the_copy_index_expires_on_the_broker_and_a_new_worker_loads_none_of_it(
    stack_factory, enrich_factory
):
    stack = stack_factory(NEWSWIRE_COPY_WINDOW_S="3")
    admin = KafkaAdminClient(bootstrap_servers=stack.settings.bootstrap_servers)
    try:
        topic = stack.settings.topic_copy_index
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        configs = {name: entry["value"] for name, entry in described["topic"][topic].items()}
    finally:
        admin.close()
    assert configs["retention.ms"] == "6000" and configs["cleanup.policy"] == "delete", configs

    worker = enrich_factory(stack)
    produce(stack.settings, corpus_values(6))  # long enough to be fingerprinted and indexed
    wait_until(lambda: index_offsets(stack.settings)[1] >= 6, timeout_s=120, what="six index entries")
    stop_process(worker)
    # The broker deletes them: nothing is left from the first offset to the end.
    wait_until(
        lambda: (lambda first, end: first == end)(*index_offsets(stack.settings)),
        timeout_s=90,
        what=lambda: f"the broker to delete expired entries (first, end = {index_offsets(stack.settings)})",
    )
    port = free_port()
    enrich_factory(stack, port=port)
    metrics = scrape(f"http://127.0.0.1:{port}/metrics")
    assert metrics["newswire_enrich_copy_index_entries"] == 0
    assert metrics["newswire_enrich_copy_index_replayed"] == 1


def test_newswire_topics_makes_every_topic_replicated_three_times(stack_factory):
    stack = stack_factory()
    suffix = uuid.uuid4().hex[:8]
    names = {
        f"NEWSWIRE_TOPIC_{kind}": f"topics.{suffix}.{kind.lower()}"
        for kind in ("RAW", "ENRICHED", "DLQ", "COPY_INDEX")
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")} | stack.env | names

    def topics() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "services.cli", "topics"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert sorted(topics().splitlines()) == sorted(f"{name}: created" for name in names.values())
    assert sorted(topics().splitlines()) == sorted(f"{name}: exists" for name in names.values())
    admin = KafkaAdminClient(bootstrap_servers=stack.settings.bootstrap_servers)
    try:
        for topic in admin.describe_topics(list(names.values())):
            assert len(topic["partitions"]) == 2, topic
            for partition in topic["partitions"]:
                assert len(partition["replica_nodes"]) == 3 and len(partition["isr_nodes"]) == 3, topic
    finally:
        admin.close()
