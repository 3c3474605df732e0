"""A Kafka outage under load: how fast does ingest answer when the broker is gone?

Starts an embedded broker and `newswire ingest`, kills the broker, then sends N posts at once and probes
/readyz while they are in flight. Prints the answers and their times, then restarts the broker on the
same port and checks that posts are accepted again without restarting ingest. All traffic is loopback.

    .venv/bin/python benchmarks/outage_burst.py [--posts 40] [--publish-timeout 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from services.common.broker import EmbeddedBroker, free_port  # noqa: E402
from services.common.kafka import ensure_topics  # noqa: E402
from services.common.settings import Settings  # noqa: E402


def post(url: str, n: int, client_timeout_s: float, out: list) -> None:
    started = time.monotonic()
    try:
        response = httpx.post(
            url,
            content=f"Dock workers in Rotterdam walked out on day {n}.".encode(),
            headers={"Content-Type": "text/plain"},
            timeout=client_timeout_s,
        )
        out.append((str(response.status_code), time.monotonic() - started))
    except httpx.HTTPError as exc:
        out.append((type(exc).__name__, time.monotonic() - started))


def probe(url: str, out: list) -> None:
    started = time.monotonic()
    try:
        status = str(httpx.get(url, timeout=10).status_code)
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    out.append((status, time.monotonic() - started))


def server_side(url: str) -> str:
    """Mean handling time of the 503 answers, from the service's own request histogram."""
    from prometheus_client.parser import text_string_to_metric_families

    total = count = 0.0
    for family in text_string_to_metric_families(httpx.get(url, timeout=10).text):
        for sample in family.samples:
            if sample.labels.get("route") == "/v1/articles" and sample.labels.get("status") == "503":
                if sample.name.endswith("_sum"):
                    total += sample.value
                elif sample.name.endswith("_count"):
                    count += sample.value
    return f"{count:.0f} answers of 503, mean {total / count * 1000:.1f} ms" if count else "no 503 counted"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--publish-timeout", type=float, default=5.0)
    parser.add_argument("--client-timeout", type=float, default=30.0)
    args = parser.parse_args()

    broker = EmbeddedBroker(port=free_port()).start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")} | {
        "NEWSWIRE_KAFKA_BOOTSTRAP": broker.bootstrap,
        "NEWSWIRE_INGEST_PORT": str(port),
        "NEWSWIRE_PUBLISH_TIMEOUT_S": str(args.publish_timeout),
        "NEWSWIRE_TOPIC_RAW": "outage.raw",
        "NEWSWIRE_TOPIC_ENRICHED": "outage.enriched",
        "NEWSWIRE_TOPIC_DLQ": "outage.dlq",
        "NEWSWIRE_LOG_FORMAT": "json",
    }
    settings = Settings.from_env(env)
    ensure_topics(settings)
    log = tempfile.NamedTemporaryFile(prefix="newswire-outage-", suffix=".log", delete=False)  # noqa: SIM115
    ingest = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "ingest"], cwd=REPO, env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        warm = httpx.post(f"{base}/v1/articles", json={"body_text": "Warm-up story."}, timeout=30)
        print(f"before the outage: POST -> {warm.status_code}")

        broker.stop(timeout_s=0.1)  # SIGTERM; the broker has no state worth a graceful stop
        time.sleep(0.5)
        answers: list = []
        probes: list = []
        threads = [
            threading.Thread(target=post, args=(f"{base}/v1/articles", n, args.client_timeout, answers))
            for n in range(args.posts)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        probe_thread = threading.Thread(target=probe, args=(f"{base}/readyz", probes))
        probe_thread.start()
        for thread in threads + [probe_thread]:
            thread.join()
        wall = time.monotonic() - started

        statuses = Counter(status for status, _ in answers)
        times = sorted(t for _, t in answers)
        bound = args.publish_timeout + 3
        print(f"broker down, {args.posts} concurrent posts (publish timeout {args.publish_timeout:g} s):")
        print(f"  answers: {dict(statuses)}")
        print(
            f"  answered within timeout + 3 s: {sum(1 for t in times if t <= bound)} of {args.posts}; "
            f"time p50 {statistics.median(times):.2f} s, max {times[-1]:.2f} s; wall {wall:.1f} s"
        )
        print(f"  /readyz during the burst: {probes[0][0]} in {probes[0][1] * 1000:.0f} ms")
        served = server_side(f"{base}/metrics")
        print(f"  server side: {served}")

        broker = EmbeddedBroker(port=broker.port).start()
        ensure_topics(settings)
        recovered_at = time.monotonic()
        status = "none"
        while time.monotonic() - recovered_at < 60:
            try:
                status = str(
                    httpx.post(
                        f"{base}/v1/articles", json={"body_text": "Back again."}, timeout=30
                    ).status_code
                )
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            if status == "202":
                break
            time.sleep(0.5)
        print(f"broker back: POST -> {status} after {time.monotonic() - recovered_at:.1f} s")
    finally:
        ingest.terminate()
        try:
            ingest.wait(20)
        except subprocess.TimeoutExpired:
            ingest.kill()
        broker.stop()
        lines = Path(log.name).read_text(errors="replace").count("\n")
        print(f"ingest log: {lines} lines ({log.name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
