"""A Kafka outage under load, and slow clients: every request is answered in bounded time.

The outage test takes all of Kafka down: a broker of its own on the embedded tier (the rest of the
suite shares one), every broker of the session's cluster on the real tier.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import httpx
import pytest

from services.common.broker import EmbeddedBroker, free_port
from services.common.kafka import ensure_topics
from services.common.settings import Settings
from tests.integration.conftest import read_topic, wait_until

PUBLISH_TIMEOUT_S = 3.0
# What the README promises: an outage adds fewer than this many log lines a minute to each service.
MAX_LOG_LINES_PER_MINUTE = 60


def kill(broker: EmbeddedBroker) -> None:
    os.kill(broker.pid, signal.SIGKILL)
    broker.stop()  # reaps it


def lines(path) -> int:
    return path.read_bytes().count(b"\n")


class Outage:
    """The whole of Kafka going down and coming back: this test's own embedded broker (which comes
    back empty, so the topics are made again), or every broker of the real cluster (which keeps its data)."""

    def __init__(self, kind: str, cluster=None) -> None:
        self.kind, self.cluster = kind, cluster
        self.broker = EmbeddedBroker(port=free_port()).start() if kind == "embedded" else None

    @property
    def overrides(self) -> dict[str, str]:
        return {"NEWSWIRE_KAFKA_BOOTSTRAP": self.broker.bootstrap} if self.broker else {}

    def kill(self) -> None:
        if self.broker is not None:
            kill(self.broker)
        else:
            for node_id in self.cluster.node_ids:
                self.cluster.stop_broker(node_id)

    def restore(self, settings: Settings) -> None:
        if self.broker is not None:
            self.broker = EmbeddedBroker(port=self.broker.port).start()
            ensure_topics(settings)
        else:
            for node_id in self.cluster.node_ids:
                self.cluster.start_broker(node_id)
            self.cluster.wait_ready()

    def close(self) -> None:
        if self.broker is not None:
            self.broker.stop()
        elif any(self.cluster.pid(i) is None for i in self.cluster.node_ids):
            self.restore(None)  # the session's cluster must be whole for the tests after this one


@pytest.fixture
def outage(kafka_kind, request):
    target = Outage(kafka_kind, request.getfixturevalue("apache_cluster") if kafka_kind == "apache" else None)
    yield target
    target.close()


def test_a_kafka_outage_under_load_is_answered_fast_and_both_services_recover(
    outage, stack_factory, ingest_factory, enrich_factory, tmp_path
):
    stack = stack_factory(**outage.overrides, NEWSWIRE_PUBLISH_TIMEOUT_S=str(PUBLISH_TIMEOUT_S))
    ensure_topics(stack.settings)  # the stack factory made its topics on the session broker
    ingest_factory(stack)
    enrich_factory(stack)
    worker = stack.enrich_url
    first = httpx.post(f"{stack.ingest_url}/v1/articles", json={"body_text": "Before."})
    assert first.status_code == 202, first.text

    outage.kill()
    outage_started = time.monotonic()
    ingest_lines, worker_lines = lines(tmp_path / "ingest.log"), lines(tmp_path / "enrich-1.log")

    answers: list[tuple[int, float]] = []
    # Clients made beforehand: what is timed is the server's answer, not this process building 41 clients.
    clients = [httpx.Client(base_url=stack.ingest_url, timeout=30) for _ in range(41)]

    def post(n: int) -> None:
        started = time.monotonic()
        response = clients[n].post("/v1/articles", json={"body_text": f"Story {n} during the outage."})
        answers.append((response.status_code, time.monotonic() - started))
        assert response.status_code != 503 or response.headers["Retry-After"].isdigit()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    time.sleep(0.75)  # the watcher's connect probe runs every 0.5 s
    ready_started = time.monotonic()
    readiness = clients[40].get("/readyz")
    ready_took = time.monotonic() - ready_started
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()

    assert [status for status, _ in answers] == [503] * 40
    assert max(took for _, took in answers) <= PUBLISH_TIMEOUT_S + 3
    assert readiness.status_code == 503 and ready_took < 1.0, (readiness.text, ready_took)
    assert "Kafka is not reachable" in readiness.json()["message"]
    assert httpx.get(f"{stack.ingest_url}/healthz", timeout=1).status_code == 200

    # The worker says so too, within a few seconds of the broker dying.
    wait_until(
        lambda: httpx.get(f"{worker}/readyz", timeout=2).status_code == 503,
        timeout_s=10,
        what="the worker's /readyz to say 503",
    )
    assert "Kafka is not reachable" in httpx.get(f"{worker}/readyz", timeout=2).json()["reason"]

    # Bounded logs: let the outage run a while, then count what it wrote.
    time.sleep(max(0.0, 30 - (time.monotonic() - outage_started)))
    minutes = (time.monotonic() - outage_started) / 60
    for name, before in (("ingest.log", ingest_lines), ("enrich-1.log", worker_lines)):
        written = lines(tmp_path / name) - before
        assert written / minutes < MAX_LOG_LINES_PER_MINUTE, (name, written, minutes)

    # Kafka comes back (the embedded broker empty), and so do both services, without a restart.
    outage.restore(Settings.from_env(stack.env))
    wait_until(
        lambda: (
            httpx.post(f"{stack.ingest_url}/v1/articles", json={"body_text": "After."}).status_code == 202
        ),
        timeout_s=30,
        what="ingest to accept posts again",
    )
    wait_until(
        lambda: httpx.get(f"{worker}/readyz", timeout=2).status_code == 200,
        timeout_s=90,
        what="the worker's /readyz to say 200 again",
    )
    if outage.cluster is not None:
        # A real cluster keeps what it acknowledged before the outage, and the worker goes on from its
        # committed offsets. (The embedded broker comes back empty: a new record can take an offset the
        # worker had already passed, so there the test stops at readiness.)
        after = httpx.post(f"{stack.ingest_url}/v1/articles", json={"body_text": "After, enriched."})
        assert after.status_code == 202, after.text
        wanted = set(after.json()["accepted"]) | set(first.json()["accepted"])
        read_topic(
            stack.settings,
            stack.settings.topic_enriched,
            until=lambda values: wanted <= {v["id"] for v in values},
            timeout_s=90,
        )


def test_the_worker_serves_only_its_documented_pages(stack_factory, enrich_factory):
    stack = stack_factory()
    enrich_factory(stack)
    for page in ("/", "/router/", "/table/"):
        assert httpx.get(f"{stack.enrich_url}{page}", timeout=5).status_code == 404, page
    for page in ("/healthz", "/readyz", "/metrics"):
        assert httpx.get(f"{stack.enrich_url}{page}", timeout=5).status_code == 200, page


def raw_request(port: int, chunks: list[tuple[bytes, float]], read_timeout_s: float = 15) -> bytes:
    """Sends each chunk after its pause, then reads what the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout_s) as sock:
        try:
            for chunk, pause in chunks:
                time.sleep(pause)
                sock.sendall(chunk)
        except OSError:
            pass  # the server may close on us while we trickle: what it said is what counts
        answer = b""
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            answer += data
        return answer


def test_slow_clients_get_408_and_lose_their_connection(stack_factory, ingest_factory):
    stack = stack_factory(NEWSWIRE_BODY_READ_TIMEOUT_S="1", NEWSWIRE_HEADER_READ_TIMEOUT_S="1")
    ingest_factory(stack)
    port = stack.settings.ingest_port
    head = b"POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 200\r\n\r\n"

    started = time.monotonic()
    slow_body = raw_request(port, [(head, 0), (b"Dock workers ", 0.1), (b"in Rotterdam", 0.5), (b"...", 1.5)])
    assert slow_body.startswith(b"HTTP/1.1 408"), slow_body[:200]
    assert b"did not arrive within 1 s" in slow_body
    assert time.monotonic() - started < 5

    started = time.monotonic()
    slow_headers = raw_request(port, [(head[:20], 0), (head[20:40], 0.6), (head[40:60], 0.6)])
    assert slow_headers.startswith(b"HTTP/1.1 408"), slow_headers[:200]
    assert time.monotonic() - started < 5

    # A client that is merely quick still gets its 202.
    response = httpx.post(
        f"{stack.ingest_url}/v1/articles",
        content=b"Quick story.",
        headers={"Content-Type": "text/plain"},
        timeout=30,
    )
    assert response.status_code == 202, response.text


def test_oversized_headers_get_431_and_lose_their_connection(stack_factory, ingest_factory):
    stack = stack_factory()
    ingest_factory(stack)
    port = stack.settings.ingest_port
    start = b"POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
    filler = b"X-Filler: " + b"a" * 8000 + b"\r\n"

    # Sent in pieces, as a client trickling a header flood would; no end of headers ever comes.
    answer = raw_request(port, [(start, 0)] + [(filler, 0.01)] * 12)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert b"request headers over 65536 bytes" in answer

    # Large but within the limit, with a body in the same write as the headers: accepted.
    body = b"Harbour cranes idle in Gdansk. " * 2000
    head = start + filler * 4 + b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
    answer = raw_request(port, [(head + body, 0)])
    assert answer.startswith(b"HTTP/1.1 202"), answer[:200]
