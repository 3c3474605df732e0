"""How long a new worker takes to replay the copy index, on a real Apache Kafka cluster and on the
embedded broker, in one run.

    .venv/bin/python benchmarks/copy_index_replay.py --entries 100000 [--kafka both|apache|embedded]

The worker's own ReplicaReader (worker/copy_replica.py) reads the index topic from the beginning into a
CopyStage until it has caught up with the end offsets it found at start, exactly as at start-up; the
figure is the wall time from start to caught-up, and entries per second. The entries are synthetic
(the copy_detection benchmark's stories: ~300 words built from the team corpus's sentences), written
once per broker beforehand by a batching producer. The real cluster has three brokers, replication 3.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kafka import KafkaProducer  # noqa: E402

from benchmarks.copy_detection import sentences, story  # noqa: E402
from services.common.broker import EmbeddedBroker, free_port  # noqa: E402
from services.common.kafka import client_options, ensure_topics  # noqa: E402
from services.common.kafka_cluster import LocalCluster, missing_tools  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.enrich.copies.rule import CopyIndex, Entry, encode_entry, fingerprint, story_id  # noqa: E402
from services.enrich.worker.copy_replica import CopyStage, ReplicaReader  # noqa: E402


def entries(count: int) -> list[tuple[bytes, bytes]]:
    pool, rng, now = sentences(), random.Random(7), time.time()
    out = []
    for i in range(count):
        fp = fingerprint(f"Story {i}", story(pool, rng, mix="typical"))
        if fp is not None:
            entry = Entry(f"bench-{i}", "bench-wire", story_id(f"bench-{i}"), now - 60, fp)
            out.append((entry.id.encode(), encode_entry(entry)))
    return out


def write(settings: Settings, values: list[tuple[bytes, bytes]]) -> float:
    ensure_topics(settings, (settings.topic_copy_index,))
    producer = KafkaProducer(**client_options(settings), acks="all", linger_ms=20, batch_size=262_144)
    started = time.perf_counter()
    for key, value in values:
        producer.send(settings.topic_copy_index, key=key, value=value)
    producer.flush()
    producer.close()
    return time.perf_counter() - started


def replay(settings: Settings, expected: int) -> tuple[float, int]:
    stage = CopyStage(CopyIndex(settings.copy_window_s, expected + 1), settings.copy_window_s)
    reader = ReplicaReader(
        stage, settings.topic_copy_index, client_options(settings) | {"fetch_max_wait_ms": 500}
    )
    started = time.perf_counter()
    reader.start()
    if not stage.caught_up.wait(600):
        raise SystemExit("the replay did not catch up within 600 s")
    took = time.perf_counter() - started
    reader.stop()
    return took, len(stage)


def measure(kind: str, bootstrap: str, replication: int, values: list[tuple[bytes, bytes]]) -> None:
    settings = Settings.from_env(
        {
            "NEWSWIRE_KAFKA_BOOTSTRAP": bootstrap,
            "NEWSWIRE_TOPIC_REPLICATION": str(replication),
            "NEWSWIRE_TOPIC_COPY_INDEX": f"bench.replay.{time.time_ns()}",
        }
    )
    wrote = write(settings, values)
    took, loaded = replay(settings, len(values))
    print(
        f"{kind:9} {len(values):>8,} entries  write {wrote:6.1f} s  replay {took:6.1f} s  "
        f"({loaded / took:,.0f} entries/s, {loaded:,} loaded)",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--kafka", choices=("embedded", "apache", "both"), default="both")
    args = parser.parse_args(argv)
    print(f"building {args.entries:,} synthetic index entries ...", flush=True)
    values = entries(args.entries)
    print(f"encoded: {sum(len(v) for _, v in values) / len(values):,.0f} bytes an entry", flush=True)
    if args.kafka in ("apache", "both"):
        problem = missing_tools()
        if problem:
            print(f"apache    skipped: {problem}")
        else:
            cluster = LocalCluster.create(
                Path(tempfile.mkdtemp(prefix="newswire-bench-kafka-")), base_port=None
            )
            try:
                cluster.up()
                measure("apache", cluster.cluster.bootstrap, cluster.cluster.replication, values)
            finally:
                cluster.down()
    if args.kafka in ("embedded", "both"):
        with EmbeddedBroker(port=free_port()) as broker:
            measure("embedded", broker.bootstrap, 1, values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
