"""The ingest service's link to Kafka: the one producer, and whether Kafka can be reached right now.

No request ever waits to find out whether Kafka is there. A background thread probes the cluster (a
metadata round trip), creates the producer when it answers, and keeps a circuit breaker: while it is
open, publishes fail at once with a 503, and readiness answers from the same state in microseconds.
A failed publish opens the circuit too and wakes the prober, so a dead broker is noticed at the first
timeout rather than at the next scheduled probe; the first probe that succeeds closes it again.

Before this, each request built a producer under a lock when the last one had failed: with the broker
gone, 40 concurrent posts queued behind one another's 5 s connection attempts (and behind the six
threads of the default executor), and /readyz queued behind them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kafka import KafkaProducer

from services.common.kafka_watch import KafkaWatch
from services.common.logs import get_logger
from services.ingest.exceptions import KafkaUnavailable
from services.ingest.metrics import IngestMetrics

log = get_logger("newswire.ingest.kafka")
SUMMARY_EVERY_S = 60.0


@dataclass(frozen=True)
class LinkState:
    reachable: bool
    reason: str
    since: float  # monotonic time of the last change


class KafkaLink:
    def __init__(
        self,
        producer_factory: Callable[[], KafkaProducer],
        watch: KafkaWatch,
        metrics: IngestMetrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._producer_factory = producer_factory
        self._watch = watch
        self._metrics = metrics
        self._clock = clock
        self._lock = threading.Lock()
        self._producer: KafkaProducer | None = None
        self._state = LinkState(False, "not checked yet", clock())
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._first_probe = threading.Event()
        self._thread: threading.Thread | None = None
        # What happened while the circuit was open, for the summary lines.
        self._refused = 0
        self._attempts_at_open = 0
        self._summary_at = clock()

    # --- what requests and probes call -------------------------------------------------------------

    @property
    def state(self) -> LinkState:
        return self._state

    def producer(self, article_ids: list[str]) -> KafkaProducer:
        """The producer, or KafkaUnavailable at once while the circuit is open."""
        with self._lock:
            producer, state = self._producer, self._state
            if producer is None or not state.reachable:
                self._refused += 1
        if producer is None or not state.reachable:
            self._metrics.circuit_refusals.inc()
            raise KafkaUnavailable(
                f"Kafka is unreachable ({state.reason}); not trying until a probe succeeds",
                [],
                article_ids,
                retry_after_s=self.retry_after_s(),
            )
        return producer

    def current(self) -> KafkaProducer | None:
        """The producer if the circuit is closed, else None; never raises, never counts a refusal."""
        producer, state = self._producer, self._state
        return producer if state.reachable else None

    def retry_after_s(self) -> int:
        """Seconds until the next probe could close the circuit: what Retry-After should say."""
        return max(1, math.ceil(self._watch.seconds_to_answer()))

    def failed(self, producer: KafkaProducer, reason: str) -> None:
        """A publish on `producer` was not acknowledged: open the circuit and let the prober decide.

        The producer is replaced: a broker that restarted has forgotten its idempotence id and sequence
        numbers, and kafka-python keeps retrying against that stale state.
        """
        with self._lock:
            if self._producer is not producer:
                return  # already replaced: a publish on the old one failed late
            self._open(f"a publish failed: {reason}")
            # Ask the cluster at once rather than at the next interval; closed only by its answer.
            self._watch.recheck_soon(f"a publish failed: {reason}")
        self._wake.set()

    # --- lifecycle ----------------------------------------------------------------------------------

    def start(self, first_probe_timeout_s: float = 3.0) -> None:
        """Starts the prober and waits (briefly) for its first answer, so a healthy start serves 202s."""
        self._thread = threading.Thread(target=self._run, name="newswire-kafka-link", daemon=True)
        self._thread.start()
        self._first_probe.wait(first_probe_timeout_s)

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stopped.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            _close_quietly(producer, timeout_s)

    # --- the prober ---------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopped.is_set():
            problem = self._watch.check()
            if problem is None and self._producer is None:
                problem = self._new_producer()  # created here, never in a request
            self._metrics.kafka_probes.labels("ok" if problem is None else "failed").inc()
            with self._lock:
                if problem is None:
                    self._close()
                else:
                    self._open(problem)
            self._first_probe.set()
            self._wake.wait(self._watch.tick_s)
            self._wake.clear()

    def _new_producer(self) -> str | None:
        try:
            producer = self._producer_factory()
        except Exception as exc:
            return f"cannot create a producer: {type(exc).__name__}: {exc}"
        with self._lock:
            self._producer = producer
        return None

    def _open(self, reason: str) -> None:
        """With the lock held."""
        now = self._clock()
        if self._producer is not None:
            # A new producer once Kafka is back: a broker that restarted has forgotten this one's
            # idempotence id, and kafka-python retries against that stale state until the timeout.
            stale, self._producer = self._producer, None
            threading.Thread(target=_close_quietly, args=(stale, 1.0), daemon=True).start()
        if self._state.reachable or self._state.reason == "not checked yet":
            log.warning("kafka_unreachable", reason=reason[:300])
            self._attempts_at_open, self._refused, self._summary_at = self._watch.attempts, 0, now
            self._state = LinkState(False, reason, now)
        else:
            self._state = LinkState(False, reason, self._state.since)
            if now - self._summary_at >= SUMMARY_EVERY_S:  # one line a minute, however long it lasts
                self._summary_at = now
                log.warning(
                    "kafka_still_unreachable",
                    unreachable_for_s=round(now - self._state.since),
                    probes=self._watch.attempts - self._attempts_at_open,
                    requests_refused=self._refused,
                    reason=reason[:300],
                )
        self._metrics.kafka_reachable.set(0)

    def _close(self) -> None:
        """With the lock held."""
        if not self._state.reachable:
            if self._state.reason != "not checked yet":
                log.warning(
                    "kafka_reachable_again",
                    unreachable_for_s=round(self._clock() - self._state.since, 1),
                    probes=self._watch.attempts - self._attempts_at_open,
                    requests_refused=self._refused,
                )
            self._state = LinkState(True, "reachable", self._clock())
        self._metrics.kafka_reachable.set(1)


def _close_quietly(producer: KafkaProducer, timeout_s: float) -> None:
    # Shutting down with Kafka away must not fail: what a flush cannot deliver was never acknowledged,
    # so its senders were already told (503, file kept in the drop folder).
    for step in (producer.flush, producer.close):
        try:
            step(timeout=timeout_s)
        except Exception as exc:
            log.warning("producer_close_failed", step=step.__name__, error=f"{type(exc).__name__}: {exc}")
