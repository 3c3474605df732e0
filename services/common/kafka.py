"""Kafka client set-up shared by both services: one place turns Settings into client options."""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from services.common.kafka_watch import KafkaWatch
from services.common.settings import Settings


def client_options(settings: Settings) -> dict[str, Any]:
    """kafka-python options for bootstrap, TLS and SASL."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol,
        "client_id": "newswire",
    }
    if settings.kafka_security_protocol.startswith("SASL"):
        options.update(
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_plain_username=settings.kafka_sasl_username,
            sasl_plain_password=settings.kafka_sasl_password,
        )
    if settings.kafka_security_protocol.endswith("SSL"):
        options.update(
            ssl_cafile=settings.kafka_ssl_cafile or None,
            ssl_certfile=settings.kafka_ssl_certfile or None,
            ssl_keyfile=settings.kafka_ssl_keyfile or None,
        )
    return options


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """For Faust/aiokafka, which take a context rather than file names."""
    if not settings.kafka_security_protocol.endswith("SSL"):
        return None
    context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile or None)
    if settings.kafka_ssl_certfile:
        context.load_cert_chain(settings.kafka_ssl_certfile, settings.kafka_ssl_keyfile or None)
    return context


class QuietSelector(selectors.DefaultSelector):
    """The default selector, minus the text of a lookup that misses.

    kafka-python 3 asks `get_key` before each read wait and registers the socket when that raises
    KeyError, so a miss is the common case; the standard KeyError names the socket, and a socket's
    repr asks the kernel for both of its addresses: two system calls and a string per produce request.
    """

    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        try:
            return self._fd_to_key[self._fileobj_lookup(fileobj)]
        except KeyError:
            raise KeyError(fileobj) from None


def create_producer(settings: Settings, **overrides: Any) -> KafkaProducer:
    """acks=all + idempotence: an acknowledged write is durable and retries never duplicate it."""
    options = client_options(settings) | {
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": settings.producer_linger_ms,
        # An article may be max_article_bytes of body plus our fields and JSON escaping.
        "max_request_size": max(1_048_576, settings.max_article_bytes * 2 + 65_536),
        "request_timeout_ms": int(settings.publish_timeout_s * 1000),
        "max_block_ms": int(settings.publish_timeout_s * 1000),
        # Connecting to an unreachable cluster must fail within the publish timeout (default 30 s): the
        # HTTP client is waiting, and the answer it needs is a prompt 503.
        "bootstrap_timeout_ms": int(settings.publish_timeout_s * 1000),
        # A dead leader's partitions move once the controller fences it (broker.session.timeout.ms,
        # 9 s by default). The producer learns of the move only when it next fails to reach the dead
        # broker, and kafka-python backs that off up to 30 s: a leader killed under load kept publishes
        # waiting 14-20 s on a three-broker Apache Kafka 4.4.0. At 1 s they go on ~1 s after the move.
        "reconnect_backoff_max_ms": 1000,
        # kafka-python's own sensors (read by nothing here: the services export Prometheus metrics)
        # cost its network thread ~15% of its CPU per produce request.
        "metrics_enabled": False,
        "selector": QuietSelector,
    }
    return KafkaProducer(**(options | overrides))


def topics_of(settings: Settings) -> tuple[str, ...]:
    return settings.topic_raw, settings.topic_enriched, settings.topic_dlq, settings.topic_copy_index


def topic_configs(settings: Settings, name: str) -> dict[str, str]:
    """The copy index needs only its window, plus as much again up to a day, so a slow reader still
    finds what it must replay; its segments roll at a quarter of that, since a broker deletes only
    closed segments. The article topics keep the cluster's defaults. Brokers that ignore topic configs
    (the embedded one) keep everything: readers skip expired entries by their own time (copy_replica.py)."""
    if name == settings.topic_copy_index:
        retention_ms = int((settings.copy_window_s + min(86_400, settings.copy_window_s)) * 1000)
        return {
            "cleanup.policy": "delete",
            "retention.ms": str(retention_ms),
            "segment.ms": str(max(1000, retention_ms // 4)),
        }
    return {}


def ensure_topics(settings: Settings, names: tuple[str, ...] | None = None) -> list[str]:
    """Create the topics that do not exist yet; returns the ones it created."""
    names = names or topics_of(settings)
    admin = KafkaAdminClient(**client_options(settings))
    try:
        existing = set(admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            new = [
                NewTopic(
                    n,
                    settings.topic_partitions,
                    settings.topic_replication,
                    topic_configs=topic_configs(settings, n) or None,
                )
                for n in missing
            ]
            # Another process may create one between list and create: that is what we wanted.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(new)
        return missing
    finally:
        admin.close()


def connect_problem(settings: Settings, timeout_s: float = 0.5) -> str | None:
    """None when one of the bootstrap servers accepts a TCP connection, else why not.

    Costs a connect and logs nothing, so it can run twice a second: a broker process that died is seen
    at once. It says nothing of a broker that accepts connections but does not answer; publish
    timeouts and cluster_problem() cover that.
    """
    errors = []
    for server in settings.bootstrap_servers:
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
                return None
        except (OSError, ValueError) as exc:
            errors.append(f"{server}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}")
    return "no broker accepts connections (" + "; ".join(errors) + ")"


def cluster_problem(settings: Settings, timeout_s: float = 2.0) -> str | None:
    """None when the cluster answered a metadata request (a real Kafka round trip, not just a TCP
    connect) within `timeout_s`, else what went wrong."""
    admin = None
    try:
        admin = KafkaAdminClient(
            **client_options(settings),
            request_timeout_ms=int(timeout_s * 1000),
            bootstrap_timeout_ms=int(timeout_s * 1000),
        )
        # The request goes to a broker the client picks from the metadata, which still lists a dead one
        # until the controller fences it (9 s by default): one broker of three killed failed a third of
        # these probes, and opened ingest's circuit for nothing. A node that refused is backed off, so
        # asking again reaches another.
        for _ in range(len(settings.bootstrap_servers) - 1):
            try:
                admin.list_topics()
                return None
            except Exception:  # noqa: S112 - the last try below says what went wrong
                continue
        admin.list_topics()
        return None
    except Exception as exc:
        return f"no answer from {','.join(settings.bootstrap_servers)}: {type(exc).__name__}: {exc}"[:500]
    finally:
        if admin is not None:
            with contextlib.suppress(Exception):
                admin.close()


def kafka_watch(settings: Settings) -> KafkaWatch:
    """The background reachability check both services use for readiness (and ingest for its circuit)."""
    return KafkaWatch(
        lambda: connect_problem(settings),
        lambda: cluster_problem(settings, timeout_s=min(2.0, settings.publish_timeout_s)),
        interval_s=settings.kafka_probe_interval_s,
        retry_max_s=settings.kafka_probe_interval_s,
    )
