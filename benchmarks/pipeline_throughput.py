"""The whole pipeline on the embedded broker: HTTP ingest -> news.articles.raw -> enrich -> enriched topic.

    ./dev bench                                       (all benchmarks)
    .venv/bin/python benchmarks/pipeline_throughput.py --articles 400 --clients 8 --workers 1
    .venv/bin/python benchmarks/pipeline_throughput.py --rate 20       (latency at a sustainable load)

Starts its own broker, one ingest service and `--workers` enrich workers (real processes, as `newswire up`
runs them), then posts N articles (one per request, from `--clients` threads) and reads the enriched topic
with a plain consumer. Prints:
  ingest    articles/s accepted (202) over the posting window;
  enrich    articles/s enriched, from the first enriched record to the last;
  latency   per article, POST sent -> enriched record read (p50 / p99).
The figures depend on the machine and on what else runs on it: compare runs made on the same machine.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.common.broker import EmbeddedBroker, free_port  # noqa: E402
from services.common.kafka import ensure_topics  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.common.tail import follow  # noqa: E402
from services.enrich.evaluation import DEFAULT_CORPUS, load_corpus  # noqa: E402
from services.runner import FAST_GROUP  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start(verb: str, env: dict[str, str], log) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", verb], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=1) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{url}: the service exited with {process.returncode}")
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise SystemExit(f"{url}: not ready after {timeout_s}s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=1, help="enrich workers in the consumer group")
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument(
        "--rate", type=float, default=0, help="post at most this many articles/s (0: flat out)"
    )
    args = parser.parse_args()

    bodies = [a["body_text"] for a in load_corpus(DEFAULT_CORPUS)]
    run = uuid.uuid4().hex[:8]
    ports = {"NEWSWIRE_INGEST_PORT": str(free_port())}
    with EmbeddedBroker(port=free_port()) as broker, open(os.devnull, "wb") as devnull:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")} | FAST_GROUP | ports
        env |= {
            "NEWSWIRE_KAFKA_BOOTSTRAP": broker.bootstrap,
            "NEWSWIRE_TOPIC_RAW": f"bench.{run}.raw",
            "NEWSWIRE_TOPIC_ENRICHED": f"bench.{run}.enriched",
            "NEWSWIRE_TOPIC_DLQ": f"bench.{run}.dlq",
            "NEWSWIRE_TOPIC_PARTITIONS": str(args.partitions),
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
        }
        settings = Settings.from_env(env)
        ensure_topics(settings)
        ingest_url = f"http://{settings.ingest_host}:{settings.ingest_port}"
        processes = [start("ingest", env, devnull)]
        worker_urls = []
        for _ in range(args.workers):
            port = str(free_port())
            processes.append(start("enrich", env | {"NEWSWIRE_ENRICH_PORT": port}, devnull))
            worker_urls.append(f"http://{settings.enrich_host}:{port}/readyz")
        try:
            wait_ready(f"{ingest_url}/readyz", processes[0])
            for url, process in zip(worker_urls, processes[1:], strict=True):
                wait_ready(url, process)
            figures = measure(settings, ingest_url, bodies, args)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(30)
    report(figures, args)
    return 0


def measure(settings: Settings, ingest_url: str, bodies: list[str], args) -> dict:
    arrived: dict[str, float] = {}
    done = threading.Event()

    def read() -> None:
        stop = lambda: done.is_set() or len(arrived) >= args.articles  # noqa: E731
        for record in follow(settings, settings.topic_enriched, from_beginning=True, stop=stop):
            arrived.setdefault(record["id"], time.perf_counter())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(1.0)  # the reader has its partitions before the first article goes in
    sent: dict[str, float] = {}
    local = threading.local()

    def post(i: int) -> None:
        if args.rate:  # paced: latency under a load the workers keep up with, not queueing delay
            time.sleep(max(0.0, posting_started + i / args.rate - time.perf_counter()))
        client = getattr(local, "client", None) or httpx.Client(timeout=60)
        local.client = client
        article = {"guid": f"bench-{i}", "provider": "bench", "body_text": bodies[i % len(bodies)]}
        started = time.perf_counter()
        response = client.post(f"{ingest_url}/v1/articles", json=article)
        response.raise_for_status()
        sent[response.json()["accepted"][0]] = started

    posting_started = time.perf_counter()
    with ThreadPoolExecutor(args.clients) as pool:
        list(pool.map(post, range(args.articles)))
    posting_seconds = time.perf_counter() - posting_started
    deadline = time.monotonic() + 600
    while len(arrived) < args.articles and time.monotonic() < deadline:
        time.sleep(0.2)
    done.set()
    reader.join(10)
    latencies = [arrived[i] - sent[i] for i in sent if i in arrived]
    times = sorted(arrived.values())
    return {
        "posted": len(sent),
        "enriched": len(latencies),
        "ingest_rate": len(sent) / posting_seconds,
        "enrich_rate": (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0,
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "mean_words": statistics.mean(len(b.split()) for b in bodies),
    }


def report(f: dict, args) -> None:
    pace = f"paced at {args.rate:g}/s" if args.rate else "flat out"
    print(
        f"pipeline throughput: {f['posted']} articles (~{f['mean_words']:.0f} words) posted {pace} by "
        f"{args.clients} clients, {args.workers} enrich worker(s), {args.partitions} partitions, embedded broker"
    )
    print(f"  ingest     {f['ingest_rate']:8.1f} articles/s accepted (HTTP 202 after Kafka ack)")
    print(
        f"  enrich     {f['enrich_rate']:8.1f} articles/s enriched ({f['enriched']} of {f['posted']} read back)"
    )
    print(
        f"  latency    p50 {f['p50'] * 1000:7.0f} ms   p99 {f['p99'] * 1000:7.0f} ms   (POST -> enriched record)"
    )


if __name__ == "__main__":
    sys.exit(main())
