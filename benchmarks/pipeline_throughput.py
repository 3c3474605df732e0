"""The whole pipeline: HTTP ingest -> news.articles.raw -> enrich -> enriched topic, on the embedded broker
and on a real Apache Kafka cluster, side by side.

    ./dev bench                                                   (every benchmark, every part below)
    .venv/bin/python benchmarks/pipeline_throughput.py --part latency --rate 10 --workers 1
    .venv/bin/python benchmarks/pipeline_throughput.py --part scale --workers 1,2
    .venv/bin/python benchmarks/pipeline_throughput.py --part ingest
    .venv/bin/python benchmarks/pipeline_throughput.py --part guarantee --kafka apache
    .venv/bin/python benchmarks/pipeline_throughput.py --quick     (every part, smaller: ~6 minutes)

--kafka embedded|apache|both (default both): the embedded broker (services/common/broker.py), a real
3-broker Apache Kafka cluster on loopback (services/common/kafka_cluster.py: its topics at replication 3,
min.insync.replicas=2, every producer acks=all), or both, each part run on one then the other and a table
of the two side by side at the end. Without Java or Maven the real cluster is left out, with one line.
Each part starts real service processes (as `newswire up` runs them) on fresh topics of the broker:
  latency   articles posted one per request at --rate/s; per article POST sent -> enriched record read
            (p50 / p99) and where the time goes, from the timestamps the records carry: the raw and
            enriched Kafka message timestamps (set when each producer queued the record), the 202's
            arrival, `enrichment.enriched_at` (taken as NER starts) and the moment the reader got it;
  scale     flat out: one stack of 1 worker and one of 2, each on its own topics, started once and
            warmed up; then --rounds bursts of --burst raw records (dealt evenly over the partitions)
            produced at once, taking turns (1, 2, 1, ... 1), the other stack paused meanwhile (SIGSTOP);
            enriched articles/s and worker CPU per article for each, and the median ratio of each burst
            of 2 to the bursts of 1 either side of it;
  ingest    one article per request from --clients threads, beside a bare kafka-python producer
            sending one acknowledged record per thread at a time, and NDJSON batches beside the same
            producer sending the same records; 3 rounds (NDJSON 5, the sides in turn), ratios of the same run.
            The bare producer's threads keep to one CPU while it sends, as the ingest keeps its own
            (NEWSWIRE_INGEST_CPU, services/ingest/cpu.py): the ratio compares code, not placement;
            a second ingest with NEWSWIRE_INGEST_CPU=off takes its turn in each round, for what the
            placement is worth.
  guarantee enrich throughput with NEWSWIRE_PROCESSING_GUARANTEE=at_least_once and =exactly_once: one
            stack of 1 worker each, bursts taking turns as in the scale part (at least once first and
            last), each burst timed from its first send until the stack's reader has read the last of
            it (under exactly_once, tail.follow reads committed records: what a subscriber sees). The
            embedded broker has no transactions: there only at least once runs, beside the real cluster's.
Each part ends with the machine's load and CPU steal over it (Linux), and the broker's processes' CPU: on
a shared VM, a minute of high steal slows whatever ran in it.
Absolute figures depend on the machine and what else runs on it; compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.common.broker import EmbeddedBroker, free_port  # noqa: E402
from services.common.kafka import create_producer, ensure_topics  # noqa: E402
from services.common.kafka_cluster import LocalCluster, missing_tools  # noqa: E402
from services.common.records import build_raw_article, utc_now  # noqa: E402
from services.common.serialization import dumps  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.common.tail import follow  # noqa: E402
from services.evaluation.evaluation import DEFAULT_CORPUS, load_corpus  # noqa: E402
from services.ingest.cpu import choose_cpu, current_cpu  # noqa: E402
from services.runner import FAST_GROUP  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
KINDS = ("embedded", "apache")


ROUNDS = 3
NDJSON_ROUNDS = 5
# The scale part pauses the stack it is not timing (SIGSTOP): its workers must stay in their group for
# a burst of the other's. A join waits ~session / 2 on the embedded broker, so not longer than needed.
PAUSABLE_GROUP = {"NEWSWIRE_SESSION_TIMEOUT_S": "30", "NEWSWIRE_HEARTBEAT_INTERVAL_S": "3"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cpu_times() -> list[int] | None:
    """The machine's CPU time so far (Linux /proc/stat, in ticks): user, nice, system, idle, iowait, irq,
    softirq, steal. None elsewhere."""
    try:
        with open("/proc/stat") as stat:
            return [int(n) for n in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None


def process_cpu_s(pids: list[int]) -> float | None:
    """User and system CPU seconds of these processes so far (Linux /proc; None elsewhere)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


@dataclasses.dataclass(frozen=True)
class Kafka:
    """The broker (or cluster) a part runs on: where, at what replication, and its processes."""

    kind: str  # one of KINDS
    bootstrap: str
    replication: int
    transactions: bool
    pids: Callable[[], list[int]]

    @property
    def label(self) -> str:
        return "embedded broker" if self.kind == "embedded" else f"Apache Kafka, {self.replication} brokers"


@contextmanager
def kafkas(wanted: str) -> Iterator[list[Kafka]]:
    """The embedded broker and/or a real 3-broker cluster (its own free ports and a temporary state
    dir), both stopped on exit. Without Java or Maven, `both` runs on the embedded broker alone."""
    kinds = KINDS if wanted == "both" else (wanted,)
    with ExitStack() as exits:
        found: list[Kafka] = []
        if "embedded" in kinds:
            broker = exits.enter_context(EmbeddedBroker(port=free_port()))
            found.append(
                Kafka("embedded", broker.bootstrap, 1, False, lambda: [broker.pid] if broker.pid else [])
            )
        problem = missing_tools() if "apache" in kinds else None
        if problem and wanted == "both":
            print(f"(Apache Kafka left out: {problem})")
        elif "apache" in kinds:
            state = Path(exits.enter_context(tempfile.TemporaryDirectory(prefix="newswire-bench-kafka-")))
            cluster = LocalCluster.create(state / "cluster", brokers=3, base_port=None)
            exits.callback(cluster.down)  # also when start-up fails half way
            cluster.up()
            nodes = cluster.node_ids
            pids = lambda: [pid for pid in map(cluster.pid, nodes) if pid is not None]  # noqa: E731
            found.append(Kafka("apache", cluster.cluster.bootstrap, cluster.cluster.replication, True, pids))
        yield found


@contextmanager
def machine_load(part: str, kafka: Kafka) -> Iterator[None]:
    """Prints how busy the whole machine was over a part, what the broker's processes took of it, and
    the time the hypervisor gave to other guests (steal): on a shared VM, a slow figure from a minute of
    high steal is the neighbours'."""
    before, broker_before, started = cpu_times(), process_cpu_s(kafka.pids()), time.monotonic()
    yield
    after, broker_after = cpu_times(), process_cpu_s(kafka.pids())
    if before is None or after is None:
        return
    delta = [a - b for a, b in zip(after, before, strict=True)]
    total = sum(delta) or 1
    busy = total - delta[3] - delta[4] - delta[7]
    broker = ""
    if broker_before is not None and broker_after is not None:
        share = (broker_after - broker_before) / (time.monotonic() - started)
        broker = f", the broker's processes {100 * share:.0f}% of a core"
    print(
        f"  machine during {part} ({kafka.label}): {100 * busy / total:.0f}% busy over {os.cpu_count()} "
        f"cores{broker}, steal {100 * delta[7] / total:.1f}%, load {os.getloadavg()[0]:.1f} (1 min)"
    )


@contextmanager
def one_cpu() -> Iterator[None]:
    """Every thread of this process (the bare producer's network thread among them) on one CPU."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    allowed = os.sched_getaffinity(0)
    cpu = choose_cpu("auto", allowed, current_cpu())

    def place(mask: set[int]) -> None:
        for tid in os.listdir("/proc/self/task"):
            with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
                os.sched_setaffinity(int(tid), mask)

    place({cpu} if cpu is not None else allowed)
    try:
        yield
    finally:
        place(allowed)


def epoch(rfc3339: str) -> float:
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


class Stack:
    """A broker, one ingest and `workers` enrich workers on fresh topics; stopped on exit."""

    def __init__(
        self,
        exits: ExitStack,
        kafka: Kafka,
        partitions: int,
        group: dict[str, str] = FAST_GROUP,
        env: dict[str, str] | None = None,
    ) -> None:
        run = uuid.uuid4().hex[:8]
        # NEWSWIRE_* settings from the environment reach the services (to compare settings in one run);
        # broker, topics and ports are the benchmark's own, and so is `env` (what a part compares).
        self.env = group | dict(os.environ)
        self.env |= (env or {}) | {
            "NEWSWIRE_KAFKA_BOOTSTRAP": kafka.bootstrap,
            "NEWSWIRE_TOPIC_REPLICATION": str(kafka.replication),
            "NEWSWIRE_TOPIC_RAW": f"bench.{run}.raw",
            "NEWSWIRE_TOPIC_ENRICHED": f"bench.{run}.enriched",
            "NEWSWIRE_TOPIC_DLQ": f"bench.{run}.dlq",
            "NEWSWIRE_TOPIC_COPY_INDEX": f"bench.{run}.copy-index",
            # A group of its own: stacks that run at once (scale part) must not rebalance each other.
            "NEWSWIRE_ENRICH_GROUP": f"bench.{run}.enrich",
            "NEWSWIRE_TOPIC_PARTITIONS": str(partitions),
            "NEWSWIRE_INGEST_PORT": str(free_port()),
            "NEWSWIRE_LOG_LEVEL": "WARNING",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
        }
        self.settings = Settings.from_env(self.env)
        ensure_topics(self.settings)
        self.ingest_url = f"http://{self.settings.ingest_host}:{self.settings.ingest_port}"
        self._exits = exits
        self.workers: list[subprocess.Popen[bytes]] = []
        self._ready_urls: list[str] = []
        self._devnull = exits.enter_context(open(os.devnull, "wb"))  # noqa: SIM115

    def start(self, verb: str, ready_url: str, **env: str) -> subprocess.Popen[bytes]:
        process = self.spawn(verb, **env)
        wait_ready(process, verb, ready_url)
        return process

    def spawn(self, verb: str, **env: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", verb],
            cwd=REPO,
            env=self.env | env,
            stdout=self._devnull,
            stderr=subprocess.STDOUT,
        )
        self._exits.callback(_stop, process)
        return process

    def start_ingest(self) -> None:
        self.start("ingest", f"{self.ingest_url}/readyz")

    def start_workers(self, count: int) -> None:
        self.spawn_workers(count)
        self.wait_workers()

    def spawn_workers(self, count: int) -> None:
        """Started together, they join the group together: one rebalance, not one per worker."""
        for _ in range(count):
            port = free_port()
            self.workers.append(self.spawn("enrich", NEWSWIRE_ENRICH_PORT=str(port)))
            self._ready_urls.append(f"http://127.0.0.1:{port}/readyz")

    def wait_workers(self) -> None:
        for worker, url in zip(self.workers, self._ready_urls, strict=True):
            wait_ready(worker, "enrich", url)

    def workers_cpu_s(self) -> float | None:
        """User and system CPU seconds of the enrich workers so far (Linux /proc; None elsewhere)."""
        return process_cpu_s([worker.pid for worker in self.workers])


def wait_ready(process: subprocess.Popen[bytes], verb: str, ready_url: str) -> None:
    deadline = time.monotonic() + 180
    with httpx.Client(timeout=1) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"newswire {verb} exited with {process.returncode}")
            try:
                if client.get(ready_url).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise SystemExit(f"newswire {verb}: not ready at {ready_url} after 180 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()


class Reader(threading.Thread):
    """Follows a topic from the beginning; keeps, per id, when it arrived and its Kafka metadata."""

    def __init__(self, settings: Settings, topic: str, until: int) -> None:
        super().__init__(daemon=True)
        self.settings, self.topic, self.until = settings, topic, until
        self.seen: dict[str, tuple[float, dict]] = {}
        self.done = threading.Event()
        self.start()
        time.sleep(1.0)  # has its partitions before the first article goes in

    def run(self) -> None:
        stop = lambda: self.done.is_set() or len(self.seen) >= self.until  # noqa: E731
        for record in follow(self.settings, self.topic, from_beginning=True, stop=stop, meta=True):
            self.seen.setdefault(record["value"]["id"], (time.time(), record))

    def wait_for(self, count: int, timeout_s: float = 600) -> bool:
        """Whether `count` records have arrived within `timeout_s` (the reader follows on)."""
        deadline = time.monotonic() + timeout_s
        while len(self.seen) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.seen) >= count

    def wait(self, timeout_s: float = 600) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.seen) < self.until and time.monotonic() < deadline:
            time.sleep(0.05)
        self.done.set()
        self.join(10)


Figures = dict[str, float]


def latency(kafka: Kafka, bodies: list[str], args, rate: float, workers: int) -> Figures:
    with ExitStack() as exits:
        stack = Stack(exits, kafka, args.partitions)
        stack.start_ingest()
        stack.start_workers(workers)
        enriched = Reader(stack.settings, stack.settings.topic_enriched, args.articles)
        posted: dict[str, tuple[float, float]] = {}
        local = threading.local()
        started = time.perf_counter()

        def post(i: int) -> None:
            time.sleep(max(0.0, started + i / rate - time.perf_counter()))  # paced: no queueing delay
            client = getattr(local, "client", None) or httpx.Client(timeout=60)
            local.client = client
            article = {"guid": f"bench-{i}", "provider": "bench", "body_text": bodies[i % len(bodies)]}
            sent = time.time()
            response = client.post(f"{stack.ingest_url}/v1/articles", json=article)
            response.raise_for_status()
            posted[response.json()["accepted"][0]] = (sent, time.time())

        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(post, range(args.articles)))
        enriched.wait()
        # Only the raw records' Kafka timestamps are needed, so they are read once the run is over: a
        # reader polling alongside took CPU from the services it measures (enrichment ~20% slower).
        raw = Reader(stack.settings, stack.settings.topic_raw, args.articles)
        raw.wait()

    steps: dict[str, list[float]] = {
        k: []
        for k in ("http", "ack", "fetch", "enrich", "work", "handoff", "deliver", "total", "acked_reply")
    }
    for article_id, (sent, replied) in posted.items():
        if article_id not in enriched.seen or article_id not in raw.seen:
            continue
        read_at, record = enriched.seen[article_id]
        raw_at = raw.seen[article_id][1]["timestamp_ms"] / 1000
        enrichment = record["value"]["enrichment"]
        # enriched_at is stamped after NER; processing_ms (the batch's time per article, the whole of it
        # for a batch of one, as at a paced rate) goes back to when the enrichment started.
        ner_at = epoch(enrichment["enriched_at"]) - enrichment["processing_ms"] / 1000
        out_at = record["timestamp_ms"] / 1000
        steps["http"].append(raw_at - sent)  # request, parse, validate, id, until queued in the producer
        steps["ack"].append(replied - raw_at)  # acks=all round trip and the 202 back to the client
        steps["fetch"].append(ner_at - raw_at)  # in the raw topic, fetched, batched (overlaps the ack)
        steps["enrich"].append(out_at - ner_at)  # NER, rules, copy check, validation, queued to send
        steps["work"].append(enrichment["processing_ms"] / 1000)  # of which the enrichment itself
        steps["handoff"].append(out_at - ner_at - enrichment["processing_ms"] / 1000)  # and the rest
        steps["deliver"].append(read_at - out_at)  # produce ack and the subscriber's fetch
        steps["total"].append(read_at - sent)
        steps["acked_reply"].append(replied - sent)
    n = len(steps["total"])
    print(
        f"latency ({kafka.label}): {n} of {args.articles} articles "
        f"(~{statistics.mean(len(b.split()) for b in bodies):.0f} words) paced at {rate:g}/s, "
        f"{workers} worker(s), {args.partitions} partitions"
    )
    p50, p99 = percentile(steps["total"], 0.5) * 1000, percentile(steps["total"], 0.99) * 1000
    target = (
        "; target on the real cluster at 10/s: p99 <= 100 ms" if kafka.kind == "apache" and rate == 10 else ""
    )
    print(
        f"  POST -> enriched record read: p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   (POST -> 202: p50 "
        f"{percentile(steps['acked_reply'], 0.5) * 1000:.1f} ms{target})"
    )
    names = {
        "http": "HTTP handling until queued in the producer",
        "ack": "publish acknowledgement and the 202",
        "fetch": "raw topic until enrichment starts",
        "enrich": "enrichment (its batch) until queued to send",
        "work": "  of which NER, rules and copy check",
        "handoff": "  of which back to the loop, checks, send",
        "deliver": "produce ack and the subscriber's fetch",
    }
    for key, name in names.items():
        values = steps[key]
        print(
            f"    {name:<46} p50 {percentile(values, 0.5) * 1000:6.1f} ms   p99 "
            f"{percentile(values, 0.99) * 1000:6.1f} ms"
        )
    print("    (Kafka timestamps have ms resolution; the ack overlaps the fetch.)")
    return {
        f"latency {rate:g}/s, {workers} worker(s): POST -> enriched p50 (ms)": p50,
        f"latency {rate:g}/s, {workers} worker(s): POST -> enriched p99 (ms)": p99,
        f"latency {rate:g}/s, {workers} worker(s): POST -> 202 p50 (ms)": percentile(
            steps["acked_reply"], 0.5
        )
        * 1000,
    }


def raw_records(bodies: list[str], count: int, tag: str) -> list[dict]:
    now = utc_now()
    return [
        build_raw_article(
            {"guid": f"{tag}-{i}", "provider": "bench", "body_text": bodies[i % len(bodies)]}, received_at=now
        )
        for i in range(count)
    ]


def scale(kafka: Kafka, bodies: list[str], args) -> Figures:
    # One stack per worker count, started once and warmed up, then bursts that take turns (1, 2, 1, 2,
    # ... 1): each burst of 2 workers is compared with the bursts of 1 either side of it, and the ratio
    # is the median of those. This machine's speed drifts over tens of seconds (the same burst took 15 to
    # 26 ms of worker CPU per article from one minute to the next), so the bursts compared are close
    # together; a fresh stack per burst spent most of the part starting services and had each burst pay
    # for spaCy's first batches and the group's last rebalance. The stacks not timed are paused: idle, a
    # worker polls every fetch_max_wait_ms, and it and the broker's answers took 0.13 of a core here.
    with ExitStack() as exits:
        stacks = {
            workers: ScaleStack(exits, kafka, bodies, args.partitions, workers, args.rounds + 1, args.burst)
            for workers in args.workers
        }
        rates, cpu_ms = take_turns(stacks, args.rounds, args.burst, first=1)
    names = {workers: f"{workers} worker{'s' if workers > 1 else ''}" for workers in rates}
    how = f"bursts of {args.burst} articles produced at once"
    return report_turns("scale", kafka, how, {names[w]: r for w, r in rates.items()},
                        {names[w]: c for w, c in cpu_ms.items()}, names.get(1), ">= 1.7x")  # fmt: skip


def guarantee(kafka: Kafka, bodies: list[str], args) -> Figures:
    """Enrich throughput with each processing guarantee, 1 worker each, timed until read."""
    if "processing_guarantee" not in {f.name for f in dataclasses.fields(Settings)}:
        print("guarantee: not run: services/common/settings.py has no processing_guarantee setting")
        return {}
    modes = ("at_least_once", "exactly_once") if kafka.transactions else ("at_least_once",)
    rounds, burst = args.guarantee_rounds, args.guarantee_burst
    with ExitStack() as exits:
        # Each stack's reader has its stack's settings: under exactly_once, tail.follow reads committed.
        stacks = {
            mode: ScaleStack(
                exits,
                kafka,
                bodies,
                args.partitions,
                1,
                rounds + 1,
                burst,
                env={"NEWSWIRE_PROCESSING_GUARANTEE": mode},
                name=mode,
                until_read=True,
            )
            for mode in modes
        }
        rates, cpu_ms = take_turns(stacks, rounds, burst, first="at_least_once")
    how = f"1 worker, bursts of {burst} until read (exactly_once: read_committed)"
    figures = report_turns("guarantee", kafka, how, rates, cpu_ms, "at_least_once", ">= 0.8x")
    if not kafka.transactions:
        print(f"  exactly_once: not run on the {kafka.label}: it has no transactions")
    return figures


def report_turns(
    part: str,
    kafka: Kafka,
    how: str,
    rates: dict[str, list[float]],
    cpu_ms: dict[str, list[float]],
    first: str | None,
    target: str,
) -> Figures:
    """Prints each stack's median articles/s (and each burst's), then each other stack's ratio to the
    bursts of `first` either side of its own (take_turns); returns the figures."""
    figures: Figures = {}
    for name, measured in rates.items():
        figures[f"{part}: {name} (articles/s)"] = statistics.median(measured)
        print(
            f"{part} ({kafka.label}): {name}, {how}: {statistics.median(measured):.1f} articles/s "
            f"enriched{cpu_note(cpu_ms[name])}   bursts: " + ", ".join(f"{rate:.1f}" for rate in measured)
        )
    for name, measured in rates.items():
        if first is None or first not in rates or name == first:
            continue
        ratios = neighbour_ratios(rates[first], measured)
        figures[f"{part}: {name} / {first}"] = statistics.median(ratios)
        print(
            f"  {name} / {first}: {statistics.median(ratios):.2f}x (median of {len(ratios)} bursts, each "
            f"against the bursts of {first} before and after it; target {target}; each: "
            + ", ".join(f"{r:.2f}" for r in ratios)
            + ")"
        )
    return figures


def take_turns(
    stacks: dict[Hashable, ScaleStack], rounds: int, burst: int, first: Hashable
) -> tuple[dict[Hashable, list[float]], dict[Hashable, list[float]]]:
    """Warms every stack up, pauses them, then bursts in turns, a round of each stack after another, and
    one more of `first` at the end: each burst of another stack has one of `first` either side of it.
    Returns each stack's articles/s and worker CPU ms an article, burst by burst."""
    for stack in stacks.values():
        stack.warm_up()
    for stack in stacks.values():
        stack.pause()
    rates: dict[Hashable, list[float]] = {key: [] for key in stacks}
    cpu_ms: dict[Hashable, list[float]] = {key: [] for key in stacks}
    turns = [(round_, key) for round_ in range(rounds) for key in stacks]
    if first in stacks:
        turns.append((rounds, first))  # the last burst of another has one of `first` after it too
    for round_, key in turns:
        rate, cpu = stacks[key].burst(burst, f"burst{round_}")
        rates[key].append(rate)
        if cpu is not None:
            cpu_ms[key].append(cpu)
    return rates, cpu_ms


def neighbour_ratios(firsts: list[float], others: list[float]) -> list[float]:
    """Each of `others` against the mean of the bursts of `first` before and after it (take_turns)."""
    return [rate / statistics.mean(firsts[i : i + 2]) for i, rate in enumerate(others)]


def cpu_note(cpu_ms: list[float]) -> str:
    return f"; worker CPU {statistics.median(cpu_ms):.1f} ms an article" if cpu_ms else ""


class ScaleStack:
    """`workers` enrich workers on fresh topics with a reader of their output: bursts of raw records,
    each timed from the first send to the last enriched record's Kafka timestamp (`until_read`: to when
    the reader had it). Between its bursts it is paused (SIGSTOP), so that it takes nothing from another
    stack's."""

    WARM_UP_PER_PARTITION = 8

    def __init__(
        self,
        exits: ExitStack,
        kafka: Kafka,
        bodies: list[str],
        partitions: int,
        workers: int,
        bursts: int,
        burst: int,
        env: dict[str, str] | None = None,
        name: str = "",
        until_read: bool = False,
    ):
        self.stack = Stack(exits, kafka, max(partitions, 4), PAUSABLE_GROUP, env)
        self.stack.spawn_workers(workers)  # every stack loads its models at once
        exits.callback(self._signal, "SIGCONT")  # before they are stopped: paused, they take no SIGTERM
        self.bodies, self.workers, self.until_read = bodies, workers, until_read
        self.name = name or f"{workers} worker(s)"
        self.paused_at: float | None = None
        self._warm_up = self.WARM_UP_PER_PARTITION * self.stack.settings.topic_partitions
        # A reader polling every 10 ms would take CPU from the workers it measures; the rate comes
        # from the enriched records' Kafka timestamps, so this one may fetch lazily. Timed until read,
        # it waits less: a fetch the embedded broker holds keeps a record back until it looks again.
        lazy = dataclasses.replace(self.stack.settings, fetch_max_wait_ms=100 if until_read else 500)
        most = self._warm_up * (bursts + 1) + bursts * burst
        self.enriched = Reader(lazy, self.stack.settings.topic_enriched, most)
        exits.callback(self.enriched.done.set)
        self.producer = create_producer(self.stack.settings)
        exits.callback(self.producer.close)

    def warm_up(self) -> None:
        """Until every worker has its partitions and has run NER (untimed)."""
        self.stack.wait_workers()
        self._send_and_wait(self._warm_up, f"warm{len(self.enriched.seen)}")

    def pause(self) -> None:
        self._signal("SIGSTOP")
        self.paused_at = time.monotonic()

    def resume(self) -> None:
        self._signal("SIGCONT")
        paused_for = time.monotonic() - (self.paused_at or time.monotonic())
        if paused_for > self.stack.settings.session_timeout_s / 2:
            # Its group may have dropped it (session timeout) or may yet: rejoined, it is timed warm.
            print(f"  ({self.name} were paused {paused_for:.0f} s: warmed up again)")
            self.warm_up()

    def _signal(self, name: str) -> None:
        signum = getattr(signal, name, None)  # POSIX only: elsewhere the idle stack runs on
        for worker in self.stack.workers if signum is not None else ():
            with contextlib.suppress(ProcessLookupError):
                worker.send_signal(signum)

    def burst(self, count: int, tag: str) -> tuple[float, float | None]:
        """Articles/s enriched, and the workers' CPU per article (ms; None off Linux)."""
        self.resume()
        try:
            cpu_before = self.stack.workers_cpu_s()
            started = time.time()
            last = self._send_and_wait(count, tag)
            cpu_after = self.stack.workers_cpu_s()
        finally:
            self.pause()
        cpu = None if cpu_before is None or cpu_after is None else 1000 * (cpu_after - cpu_before) / count
        return count / (last - started), cpu

    def _send_and_wait(self, count: int, tag: str) -> float:
        """Sends `count` raw records; returns when the last of them was enriched (or read)."""
        settings, partitions = self.stack.settings, self.stack.settings.topic_partitions
        records = raw_records(self.bodies, count, f"{tag}-{self.workers}")
        expected = len(self.enriched.seen) + count
        # Dealt evenly over the partitions: hashed, 200 keys gave one of two workers up to 55% of them,
        # and the burst then measured how long that worker took. Each still goes with its id as key.
        for i, record in enumerate(records):
            self.producer.send(
                settings.topic_raw, key=record["id"].encode(), value=dumps(record), partition=i % partitions
            )
        self.producer.flush()
        if not self.enriched.wait_for(expected):
            raise SystemExit(f"{len(self.enriched.seen)} of {expected} articles enriched ({self.name})")
        ids = {record["id"] for record in records}
        if self.until_read:
            return max(read_at for key, (read_at, _) in self.enriched.seen.items() if key in ids)
        # When each was queued in the worker's producer: its Kafka timestamp (ms resolution).
        return (
            max(record["timestamp_ms"] for key, (_, record) in self.enriched.seen.items() if key in ids)
            / 1000
        )


def ingest(kafka: Kafka, bodies: list[str], args) -> Figures:
    figures: Figures = {}
    with ExitStack() as exits:
        stack = Stack(exits, kafka, args.partitions)
        stack.start_ingest()
        # The same service left to the scheduler: what keeping to one CPU (services/ingest/cpu.py) is worth.
        anywhere = Stack(exits, kafka, args.partitions)
        anywhere.start("ingest", f"{anywhere.ingest_url}/readyz", NEWSWIRE_INGEST_CPU="off")
        local = threading.local()
        producer = create_producer(stack.settings)

        def post(tag: str, i: int, to: Stack = stack) -> None:
            # http.client, kept alive per thread: httpx costs the client process more CPU than the
            # service spends per request, and on 2 cores the load generator then measures itself.
            connections = local.__dict__.setdefault("connections", {})
            connection = connections.get(to.ingest_url)
            if connection is None:
                connection = connections[to.ingest_url] = http.client.HTTPConnection(
                    to.settings.ingest_host, to.settings.ingest_port, timeout=60
                )
            article = {"guid": f"{tag}-{i}", "provider": "bench", "body_text": bodies[i % len(bodies)]}
            connection.request("POST", "/v1/articles", dumps(article), {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status != 202:
                raise SystemExit(f"POST answered {response.status}")

        def send_one(record: dict) -> None:  # what one request asks of Kafka: one record, acks=all
            producer.send(stack.settings.topic_raw, key=record["id"].encode(), value=dumps(record)).get(60)

        def post_anywhere(tag: str, i: int) -> None:
            post(tag, i, anywhere)

        ours_rates, bare_rates, anywhere_rates = [], [], []
        for round_ in range(ROUNDS):
            with ThreadPoolExecutor(args.clients) as pool:
                started = time.perf_counter()
                list(pool.map(post, [f"single{round_}"] * args.requests, range(args.requests)))
                ours_rates.append(args.requests / (time.perf_counter() - started))
                started = time.perf_counter()
                list(pool.map(post_anywhere, [f"anywhere{round_}"] * args.requests, range(args.requests)))
                anywhere_rates.append(args.requests / (time.perf_counter() - started))
                records = raw_records(bodies, args.requests, f"bare{round_}")
                with one_cpu():
                    started = time.perf_counter()
                    list(pool.map(send_one, records))
                    bare_rates.append(args.requests / (time.perf_counter() - started))
        ratio = statistics.median(o / b for o, b in zip(ours_rates, bare_rates, strict=True))
        figures |= {
            f"ingest: one article per request, {args.clients} clients (articles/s)": statistics.median(
                ours_rates
            ),
            f"ingest: bare producer, {args.clients} threads, one record each (msg/s)": statistics.median(
                bare_rates
            ),
            "ingest: one article per request / bare producer": ratio,
        }
        print(
            f"ingest ({kafka.label}): one article per request, {args.clients} clients: {statistics.median(ours_rates):8.1f} "
            f"articles/s (target >= 1,000/s; rounds: {', '.join(f'{r:.0f}' for r in ours_rates)})\n"
            f"        bare kafka-python producer (one CPU), {args.clients} threads, one acknowledged record each: "
            f"{statistics.median(bare_rates):8.1f} msg/s; ratio {ratio:.2f}x (median of {ROUNDS} alternating rounds)\n"
            f"        the same ingest on any CPU (NEWSWIRE_INGEST_CPU=off): {statistics.median(anywhere_rates):8.1f} "
            f"articles/s; one CPU / any CPU {statistics.median(o / a for o, a in zip(ours_rates, anywhere_rates, strict=True)):.2f}x"
        )

        def post_ndjson(lines: list[bytes], count: int) -> float:
            # http.client, as above: httpx's own CPU per request was the client measuring itself.
            connection = http.client.HTTPConnection(
                stack.settings.ingest_host, stack.settings.ingest_port, timeout=120
            )
            started = time.perf_counter()
            for body in lines:
                connection.request("POST", "/v1/articles", body, {"Content-Type": "application/x-ndjson"})
                response = connection.getresponse()
                response.read()
                if response.status != 202:
                    raise SystemExit(f"POST answered {response.status}")
            elapsed = time.perf_counter() - started
            connection.close()
            return count / elapsed

        def send_batches(batches: list[list[dict]]) -> float:
            with one_cpu():
                started = time.perf_counter()
                for batch in batches:  # the same records, acks=all, one wait per batch like a request
                    futures = [
                        producer.send(stack.settings.topic_raw, key=r["id"].encode(), value=dumps(r))
                        for r in batch
                    ]
                    for future in futures:
                        future.get(timeout=60)
                return sum(len(batch) for batch in batches) / (time.perf_counter() - started)

        for size in args.ndjson:
            ours_rates, bare_rates = [], []
            # The sides take turns, first one then the other (1 s each, five rounds): the ratio is the
            # median of each round's pair. Three rounds in one order had one run read 0.56x where the
            # runs before it, on the same code, read 0.69-0.75x.
            for round_ in range(NDJSON_ROUNDS):
                records = raw_records(
                    bodies, max(size * 20, args.ndjson_records), f"nd{size}-{round_}"
                )  # ~1 s a side
                batches = [records[i : i + size] for i in range(0, len(records), size)]
                lines = [
                    b"\n".join(dumps({k: r[k] for k in ("guid", "provider", "body_text")}) for r in batch)
                    for batch in batches
                ]
                if round_ % 2 == 0:
                    ours_rates.append(post_ndjson(lines, len(records)))
                    bare_rates.append(send_batches(batches))
                else:
                    bare_rates.append(send_batches(batches))
                    ours_rates.append(post_ndjson(lines, len(records)))
            ratios = [o / b for o, b in zip(ours_rates, bare_rates, strict=True)]
            figures |= {
                f"ingest: NDJSON batches of {size} (articles/s)": statistics.median(ours_rates),
                f"ingest: bare producer, batches of {size} (msg/s)": statistics.median(bare_rates),
                f"ingest: NDJSON batches of {size} / bare producer": statistics.median(ratios),
            }
            print(
                f"ingest ({kafka.label}): NDJSON batches of {size}: {statistics.median(ours_rates):8.1f} articles/s; bare "
                f"kafka-python producer (one CPU) {statistics.median(bare_rates):8.1f} msg/s; ratio "
                f"{statistics.median(ratios):.2f}x (median of {NDJSON_ROUNDS} rounds, the sides in turn, same run; "
                "target >= 0.6x; rounds: " + ", ".join(f"{r:.2f}" for r in ratios) + ")"
            )
        producer.close()
    return figures


PARTS = ("latency", "scale", "ingest", "guarantee")
# --quick: every part smaller (explicit options still win); ~6 minutes on both brokers here.
QUICK = {
    "articles": 100,
    "rate": 10,
    "requests": 1500,
    "rounds": 3,
    "burst": 200,
    "ndjson": "50",
    "ndjson_records": 5000,
    "guarantee_rounds": 3,
    "guarantee_burst": 200,
}


def main() -> int:
    # The brokers (the real cluster's JVMs run in sessions of their own) are stopped on SIGTERM too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", *PARTS), default="all")
    parser.add_argument(
        "--kafka",
        choices=("embedded", "apache", "both"),
        default="both",
        help="the embedded broker, a real 3-broker Apache Kafka cluster (replication 3), or each in turn",
    )
    parser.add_argument("--quick", action="store_true", help="every part smaller: " + ", ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in QUICK.items()
    ))  # fmt: skip
    parser.add_argument("--articles", type=int, default=200, help="latency part: articles posted")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument(
        "--requests",
        type=int,
        default=4000,
        help="ingest part: single-article requests per round (~4 s at 1,000/s)",
    )
    parser.add_argument("--workers", default="1,2", help="worker counts to compare, e.g. 1,2")
    parser.add_argument("--burst", type=int, default=400, help="scale part: articles per burst")
    parser.add_argument("--rounds", type=int, default=7, help="scale part: bursts per worker count")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--rate", type=float, default=0, help="latency part: articles/s (0: 10 and 30)")
    parser.add_argument("--ndjson", default="50,500", help="NDJSON batch sizes for the ingest part")
    parser.add_argument(
        "--ndjson-records", type=int, default=10_000, help="ingest part: records a side in each NDJSON round"
    )
    parser.add_argument(
        "--guarantee-rounds", type=int, default=3, help="guarantee part: bursts of exactly once"
    )
    parser.add_argument("--guarantee-burst", type=int, default=400, help="guarantee part: articles per burst")
    if "--quick" in sys.argv[1:]:
        parser.set_defaults(**QUICK)
    args = parser.parse_args()
    args.workers = [int(w) for w in args.workers.split(",")]
    args.ndjson = [int(n) for n in args.ndjson.split(",")]

    bodies = [a["body_text"] for a in load_corpus(DEFAULT_CORPUS)]
    figures: dict[str, dict[str, float]] = {}  # measure -> kind -> figure
    with kafkas(args.kafka) as brokers:
        for part in PARTS if args.part == "all" else (args.part,):
            # One part on each broker, one after the other: the two figures are minutes apart, not a run.
            for kafka in brokers:
                with machine_load(part, kafka):
                    if part == "latency":
                        paced = (
                            [(args.rate, args.workers[0])]
                            if args.rate
                            else [(10, 1), (30, max(args.workers))]
                        )
                        measured = {}
                        for rate, workers in paced:
                            measured |= latency(kafka, bodies, args, rate, workers)
                    else:
                        measured = {"scale": scale, "ingest": ingest, "guarantee": guarantee}[part](
                            kafka, bodies, args
                        )
                for measure, figure in measured.items():
                    figures.setdefault(measure, {})[kafka.kind] = figure
    side_by_side(figures, [kafka.kind for kafka in brokers])
    return 0


def side_by_side(figures: dict[str, dict[str, float]], kinds: list[str]) -> None:
    """One line per figure: each broker's, and the real cluster's over the embedded one's."""
    if len(kinds) < 2 or not figures:
        return
    width = max(map(len, figures))
    print(
        f"\n{'figure (' + DEFAULT_CORPUS.name + ' bodies)':<{width}}  {'embedded':>10}  {'apache':>10}  apache/embedded"
    )
    for measure, by_kind in figures.items():
        cells = [f"{by_kind[k]:10.2f}" if k in by_kind else f"{'-':>10}" for k in KINDS]
        ratio = (
            f"{by_kind['apache'] / by_kind['embedded']:.2f}x"
            if by_kind.get("embedded") and "apache" in by_kind
            else "-"
        )
        print(f"{measure:<{width}}  {cells[0]}  {cells[1]}  {ratio}")


if __name__ == "__main__":
    sys.exit(main())
