"""Whether the Kafka cluster can be reached, found out in the background so no request waits on it.

Two probes: a TCP connect to the bootstrap servers every tick (costs nothing, logs nothing, so a broker
process that died is seen within a tick) and a metadata round trip every `interval_s` and before an
outage is declared over (it proves the cluster answers, not only that a port is open). While the round
trip fails it backs off, doubling up to `retry_max_s`: bounded reconnects, bounded log lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class KafkaWatch:
    def __init__(
        self,
        connect_probe: Callable[[], str | None],
        cluster_probe: Callable[[], str | None],
        *,
        tick_s: float = 0.5,
        interval_s: float = 5.0,
        retry_max_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Probes return None when all is well, else why not, within a few seconds."""
        self._connect_probe = connect_probe
        self._cluster_probe = cluster_probe
        self.tick_s = tick_s
        self._interval_s = interval_s
        self._retry_max_s = retry_max_s
        self._clock = clock
        self._cluster_due = clock()
        self._cluster_problem: str | None = "not checked yet"
        self._failures = 0
        self.attempts = 0

    def check(self) -> str | None:
        """One tick (blocking: call it from a thread). None when the cluster is reachable, else why not."""
        self.attempts += 1
        problem = self._connect_probe()
        if problem is not None:
            self.recheck_soon(problem)  # ask the cluster as soon as it accepts connections again
            return problem
        if self._clock() >= self._cluster_due:
            self._cluster_problem = self._cluster_probe()
            self._failures = 0 if self._cluster_problem is None else self._failures + 1
            wait = (
                self._interval_s
                if self._cluster_problem is None
                else min(self._retry_max_s, self.tick_s * 2**self._failures)
            )
            self._cluster_due = self._clock() + wait
        return self._cluster_problem

    def recheck_soon(self, problem: str) -> None:
        """Something failed (a publish, a connect): unreachable until the next metadata round trip says not."""
        self._cluster_problem = problem
        self._cluster_due = self._clock()

    def seconds_to_answer(self) -> float:
        """How long until a check could say the cluster is back: what a Retry-After should say."""
        return max(self.tick_s, self._cluster_due - self._clock())
