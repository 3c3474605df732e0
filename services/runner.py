"""`newswire broker` and `newswire up`: the embedded broker, and the whole pipeline on one machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, TextIO

import httpx

from services.common.broker import EmbeddedBroker, die_with_parent
from services.common.kafka import ensure_topics
from services.common.logs import resolve_log_format, use_colors
from services.common.settings import Settings
from services.common.tail import follow

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"
# A join waits ~session/2 on the embedded broker: 2 s means a worker consumes ~1 s after it starts.
FAST_GROUP = {"NEWSWIRE_SESSION_TIMEOUT_S": "2", "NEWSWIRE_HEARTBEAT_INTERVAL_S": "0.5"}
# `up` and the services it relays write whole lines to one terminal under this lock, so none is cut into.
_OUTPUT = threading.Lock()


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def run_broker(settings: Settings) -> int:
    stop = _stop_on_signals()
    with EmbeddedBroker(port=settings.broker_port) as broker:
        print(
            f"newswire broker: Kafka protocol on {broker.bootstrap} (memory only; Ctrl-C stops it)",
            flush=True,
        )
        while not stop.wait(0.5):
            if broker.exited:
                print("newswire broker: the broker exited", file=sys.stderr)
                return 1
    return 0


def run_up(settings: Settings, *, demo: bool, show: bool) -> int:
    stop = _stop_on_signals()
    # One decision for `up` and its services: NEWSWIRE_LOG_FORMAT=auto is settled here, on `up`'s stdout.
    log_format = resolve_log_format(settings.log_format, sys.stdout)
    colors = log_format == "console" and use_colors(sys.stdout)
    broker = EmbeddedBroker(port=settings.broker_port) if settings.uses_embedded_broker else None
    children: list[subprocess.Popen[bytes]] = []
    relays: list[threading.Thread] = []
    try:
        if broker:
            broker.start()
        bootstrap = ",".join(settings.bootstrap_servers)
        created = ensure_topics(settings)
        env = {**FAST_GROUP, **os.environ, "NEWSWIRE_KAFKA_BOOTSTRAP": bootstrap}
        if broker:
            env.update(FAST_GROUP)  # our own broker: always the quick group join
        env.update(child_log_env(log_format, colors))
        for verb in ("ingest", "enrich"):
            # Should `up` die without stopping them, the kernel signals them. With an outside Kafka that is
            # SIGTERM, a clean stop; with the embedded broker (gone with `up`, and its data) SIGKILL, as a
            # worker's clean stop would wait for a broker that is no longer there.
            die = die_with_parent(os.getpid(), signal.SIGKILL if broker else signal.SIGTERM)
            # Console lines come through `up`, each named by its service; JSON goes straight to stdout.
            pipe = subprocess.PIPE if log_format == "console" else None
            child = subprocess.Popen(
                [sys.executable, "-m", "services.cli", verb],
                env=env,
                preexec_fn=die,
                stdout=pipe,
                stderr=pipe,
            )
            children.append(child)
            if pipe:
                prefix = _prefix(verb, colors)
                relays += [_relay(child.stdout, sys.stdout, prefix), _relay(child.stderr, sys.stderr, prefix)]
        ingest_url = f"http://{settings.ingest_host}:{settings.ingest_port}"
        enrich_url = f"http://{settings.enrich_host}:{settings.enrich_port}"
        _wait_ready([f"{ingest_url}/readyz", f"{enrich_url}/readyz"], children, stop)
        _say(_banner(settings, bootstrap, broker is not None, created, ingest_url, enrich_url))
        if demo:
            _post_samples(ingest_url, settings.ingest_token)
        if show:
            for record in follow(settings, settings.topic_enriched, from_beginning=demo, stop=stop.is_set):
                _say(_summary(record))
        while not stop.wait(0.5):
            if any(child.poll() is not None for child in children):
                _say("newswire up: a service exited; stopping", sys.stderr)
                return 1
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for relay in relays:
            relay.join(5)  # the services' last lines, before ours
        if broker:
            broker.stop()
        _say("newswire up: stopped")


def child_log_env(log_format: str, colors: bool) -> dict[str, str]:
    """What `up` puts in its services' environment so they log as `up` decided: the format settled (their
    stdout may be a pipe to `up`, not the terminal), colour or none, and every line written at once."""
    if log_format != "console":
        return {"NEWSWIRE_LOG_FORMAT": log_format}  # their stdout is ours: JSON lines as they come
    return {
        "NEWSWIRE_LOG_FORMAT": log_format,
        "PYTHONUNBUFFERED": "1",
        **({"FORCE_COLOR": "1"} if colors else {"NO_COLOR": "1"}),
    }


def _prefix(verb: str, colors: bool) -> str:
    return f"\x1b[2m{verb:<6} |\x1b[0m " if colors else f"{verb:<6} | "


def _relay(source: IO[bytes] | None, target: TextIO, prefix: str) -> threading.Thread:
    """Copies a service's output to `up`'s own, line by line, each line after `prefix`."""

    def copy() -> None:
        assert source is not None
        with source:
            for line in iter(source.readline, b""):
                _say(prefix + line.decode("utf-8", errors="replace").rstrip("\r\n"), target)

    thread = threading.Thread(target=copy, name="newswire-up-relay", daemon=True)
    thread.start()
    return thread


def _say(text: str, stream: TextIO | None = None) -> None:
    """One write of whole lines, flushed: the services' relayed lines never land inside them."""
    stream = sys.stdout if stream is None else stream
    with _OUTPUT:
        stream.write(text + "\n")
        stream.flush()


def _wait_ready(
    urls: list[str], children: list[subprocess.Popen[bytes]], stop: threading.Event, timeout_s: float = 180.0
) -> None:
    deadline = time.monotonic() + timeout_s
    pending = list(urls)
    while pending:
        if stop.is_set():
            raise KeyboardInterrupt
        if any(child.poll() is not None for child in children):
            raise SystemExit("newswire up: a service exited during start-up (see its log above)")
        if time.monotonic() > deadline:
            raise SystemExit(f"newswire up: not ready after {timeout_s:.0f}s: {', '.join(pending)}")
        try:
            if httpx.get(pending[0], timeout=1.0).status_code == 200:
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.3)


def _banner(
    settings: Settings, bootstrap: str, embedded: bool, created: list[str], ingest_url: str, enrich_url: str
) -> str:
    kind = "embedded broker (memory only)" if embedded else "Kafka cluster"
    bearer = ' -H "Authorization: Bearer $NEWSWIRE_INGEST_TOKEN"' if settings.ingest_tokens_file else ""
    return "\n".join(
        [
            "",
            f"newswire is up on {kind} at {bootstrap}",
            f"  topics:   {settings.topic_raw} -> {settings.topic_enriched} (dead letters: {settings.topic_dlq})"
            + (f"; created {', '.join(created)}" if created else ""),
            f"  send:     curl{bearer} -H 'Content-Type: text/plain' --data-binary @story.txt {ingest_url}/v1/articles",
            "            newswire publish story.txt   (JSON, NDJSON, text, NewsML-G2, NITF, ninjs, HTML)",
            "  follow:   newswire tail --from-beginning     (or --topic dlq)",
            f"  metrics:  {ingest_url}/metrics  {enrich_url}/metrics",
            f"  API:      {ingest_url}/openapi.json",
            f"  auth:     {auth_state(settings)}",
            "  Ctrl-C stops everything.",
            "",
        ]
    )


def auth_state(settings: Settings) -> str:
    """What `up` prints about ingest auth (the ingest child itself refuses an unsafe combination)."""
    if settings.ingest_tokens_file:
        return f"on: bearer tokens from {settings.ingest_tokens_file} (NEWSWIRE_INGEST_TOKENS_FILE)"
    if settings.ingest_auth == "off":
        return "OFF (NEWSWIRE_INGEST_AUTH=off): anyone who can reach the port may post"
    return f"off: {settings.ingest_host} is loopback; set NEWSWIRE_INGEST_TOKENS_FILE for desk tokens"


def _post_samples(ingest_url: str, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    for path in sorted(SAMPLES_DIR.glob("*.txt")):
        response = httpx.post(
            f"{ingest_url}/v1/articles",
            content=path.read_bytes(),
            headers={"Content-Type": "text/plain; charset=utf-8", **auth},
            params={"provider": "newswire-demo"},
            timeout=30,
        )
        _say(f"posted {path.name}: {response.status_code} {response.text}")


def _summary(record: dict) -> str:
    entities = ", ".join(f"{e['name']} ({e['type']})" for e in record.get("entities", [])[:8])
    syndication = record.get("syndication", {})
    return (
        f"enriched {record.get('id')}  origin={syndication.get('origin')}  "
        f"contributors={syndication.get('contributors')}  attributions={syndication.get('attributions')}\n"
        f"  entities: {entities}\n  tags: {', '.join(record.get('tags', []))}"
    )
