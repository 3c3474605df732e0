"""Every Prometheus metric of the ingest service, in one object built by `create(registry)`."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.common.metrics import LATENCY_BUCKETS

SOURCES = ("http", "feed", "dropfolder")


@dataclass(frozen=True)
class IngestMetrics:
    received: Counter
    published: Counter
    rejected: Counter
    request_duration: Histogram
    publish_duration: Histogram
    feed_polls: Counter
    feed_items: Counter
    feed_last_success: Gauge
    dropfolder_files: Counter
    kafka_reachable: Gauge
    kafka_probes: Counter
    circuit_refusals: Counter
    publishes_in_flight: Gauge
    kafka_client_errors: Counter
    # Access (services/ingest/web/access.py): the desk label comes from the tokens file, so it stays bounded.
    desk_requests: Counter
    desk_articles: Counter
    auth_failures: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> IngestMetrics:
        return cls(
            received=Counter(
                "newswire_ingest_articles_received_total",
                "Articles received, before validation.",
                ["source"],
                registry=registry,
            ),
            published=Counter(
                "newswire_ingest_articles_published_total",
                "Articles acknowledged by Kafka on the raw topic.",
                ["source"],
                registry=registry,
            ),
            rejected=Counter(
                "newswire_ingest_articles_rejected_total",
                "Articles or requests refused, by reason.",
                ["source", "reason"],
                registry=registry,
            ),
            request_duration=Histogram(
                "newswire_ingest_request_duration_seconds",
                "HTTP request duration, by route and status code.",
                ["method", "route", "status"],
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            publish_duration=Histogram(
                "newswire_ingest_publish_duration_seconds",
                "Time from handing a batch to the producer until Kafka acknowledged it.",
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            feed_polls=Counter(
                "newswire_ingest_feed_polls_total",
                "Feed polls, by feed and outcome.",
                ["feed", "outcome"],
                registry=registry,
            ),
            feed_items=Counter(
                "newswire_ingest_feed_items_total",
                "Feed items seen, by feed and result (new, updated, unchanged, failed).",
                ["feed", "result"],
                registry=registry,
            ),
            feed_last_success=Gauge(
                "newswire_ingest_feed_last_success_timestamp_seconds",
                "Unix time of the last successful poll of each feed.",
                ["feed"],
                registry=registry,
            ),
            dropfolder_files=Counter(
                "newswire_ingest_dropfolder_files_total",
                "Drop-folder files handled, by result (processed, failed, retried).",
                ["result"],
                registry=registry,
            ),
            kafka_reachable=Gauge(
                "newswire_ingest_kafka_reachable",
                "1 while the last probe of the Kafka cluster succeeded (the circuit is closed), else 0.",
                registry=registry,
            ),
            kafka_probes=Counter(
                "newswire_ingest_kafka_probes_total",
                "Background probes of the Kafka cluster, by outcome (ok, failed).",
                ["outcome"],
                registry=registry,
            ),
            circuit_refusals=Counter(
                "newswire_ingest_circuit_refusals_total",
                "Publishes refused at once because Kafka was known to be unreachable.",
                registry=registry,
            ),
            publishes_in_flight=Gauge(
                "newswire_ingest_publishes_in_flight",
                "HTTP publishes waiting for Kafka's acknowledgement now.",
                registry=registry,
            ),
            kafka_client_errors=Counter(
                "newswire_ingest_kafka_client_errors_total",
                "Warnings and errors logged by the Kafka client library (connection errors), logged or not.",
                ["library"],
                registry=registry,
            ),
            desk_requests=Counter(
                "newswire_ingest_desk_requests_total",
                "POST /v1/articles requests that passed authentication, by desk and status code.",
                ["desk", "status"],
                registry=registry,
            ),
            desk_articles=Counter(
                "newswire_ingest_desk_articles_total",
                "Articles accepted (202) from each desk.",
                ["desk"],
                registry=registry,
            ),
            auth_failures=Counter(
                "newswire_ingest_auth_failures_total",
                "Requests refused by authentication (401) or for a provider the desk may not send as (403).",
                ["reason"],
                registry=registry,
            ),
        )
