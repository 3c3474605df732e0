"""Every Prometheus metric of the enrich worker, in one object built by `create(registry)`."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.common.metrics import LATENCY_BUCKETS

# Origins get their own label value only for the outlets most copy comes from; the rest fold into "other"
# so the label stays bounded whatever the wire sends.
TOP_ORIGINS = frozenset(
    {
        "Associated Press",
        "Reuters",
        "Agence France-Presse",
        "Bloomberg",
        "dpa",
        "EFE",
        "ANSA",
        "Kyodo News",
        "Xinhua",
        "United Press International",
        "PA Media",
        "The Canadian Press",
        "Australian Associated Press",
        "The Epoch Times",
        "The New York Times",
        "The Washington Post",
        "The Guardian",
        "BBC",
        "CNN",
        "ABC News",
        "CBS News",
        "NBC News",
        "Fox News",
        "NPR",
        "Al Jazeera",
        "The Wall Street Journal",
        "Financial Times",
    }
)
ENTITY_BUCKETS = (0, 1, 2, 5, 10, 20, 50, 100, 200)


def origin_label(origin: str | None) -> str:
    if not origin:
        return "none"
    return origin if origin in TOP_ORIGINS else "other"


@dataclass(frozen=True)
class EnrichMetrics:
    consumed: Counter
    enriched: Counter
    dead_lettered: Counter
    enrich_duration: Histogram
    batch_size: Histogram
    entities_per_article: Histogram
    syndicated: Counter
    languages: Counter
    consumer_lag: Gauge
    last_progress: Gauge
    kafka_reachable: Gauge
    kafka_client_errors: Counter
    copies_found: Counter
    copy_index_entries: Gauge
    copy_check_duration: Histogram
    copy_index_writes: Counter
    copy_index_replayed: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> EnrichMetrics:
        return cls(
            consumed=Counter(
                "newswire_enrich_articles_consumed_total",
                "Messages taken from the raw topic.",
                registry=registry,
            ),
            enriched=Counter(
                "newswire_enrich_articles_enriched_total",
                "Enriched records acknowledged by Kafka.",
                registry=registry,
            ),
            dead_lettered=Counter(
                "newswire_enrich_articles_dead_lettered_total",
                "Records sent to the dead-letter topic, by stage and reason.",
                ["stage", "reason"],
                registry=registry,
            ),
            enrich_duration=Histogram(
                "newswire_enrich_duration_seconds",
                "Enrichment time per article (NER, syndication, fingerprint and copy check), excluding Kafka.",
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            batch_size=Histogram(
                "newswire_enrich_batch_size",
                "Articles per processed batch.",
                buckets=(1, 2, 4, 8, 16, 32, 64),
                registry=registry,
            ),
            entities_per_article=Histogram(
                "newswire_enrich_entities_per_article",
                "Distinct entities found per article.",
                buckets=ENTITY_BUCKETS,
                registry=registry,
            ),
            syndicated=Counter(
                "newswire_enrich_syndicated_articles_total",
                "Enriched articles by syndication origin (top outlets; others are 'other').",
                ["origin"],
                registry=registry,
            ),
            languages=Counter(
                "newswire_enrich_articles_by_language_total",
                "Enriched articles by language (configured NER languages; others are 'other') and "
                "entities 'ran' or 'skipped' (no model for the language).",
                ["language", "entities"],
                registry=registry,
            ),
            consumer_lag=Gauge(
                "newswire_enrich_consumer_lag_messages",
                "End offset minus committed offset, per assigned partition of the raw topic.",
                ["topic", "partition"],
                registry=registry,
            ),
            last_progress=Gauge(
                "newswire_enrich_last_progress_timestamp_seconds",
                "Unix time the worker last finished a batch.",
                registry=registry,
            ),
            kafka_reachable=Gauge(
                "newswire_enrich_kafka_reachable",
                "1 while the worker's last probe of the Kafka cluster succeeded, else 0.",
                registry=registry,
            ),
            kafka_client_errors=Counter(
                "newswire_enrich_kafka_client_errors_total",
                "Warnings and errors logged by the Kafka client, Faust and mode, logged or not.",
                ["library"],
                registry=registry,
            ),
            copies_found=Counter(
                "newswire_enrich_copies_found_total",
                "Enriched articles found to reproduce an earlier article (syndication.copy_of set).",
                registry=registry,
            ),
            copy_index_entries=Gauge(
                "newswire_enrich_copy_index_entries",
                "Articles in this worker's copy index (its replica of the index topic).",
                registry=registry,
            ),
            copy_check_duration=Histogram(
                "newswire_enrich_copy_check_duration_seconds",
                "Copy check per article: index lookup, exact verification and indexing (fingerprinting "
                "is in newswire_enrich_duration_seconds).",
                buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1),
                registry=registry,
            ),
            copy_index_writes=Counter(
                "newswire_enrich_copy_index_writes_total",
                "Index entries written to the copy-index topic, by result (ok, failed).",
                ["result"],
                registry=registry,
            ),
            copy_index_replayed=Gauge(
                "newswire_enrich_copy_index_replayed",
                "1 once this worker has read the copy-index topic to its end after starting, else 0.",
                registry=registry,
            ),
        )
