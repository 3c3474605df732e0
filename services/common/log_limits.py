"""Bounded logs while Kafka is away: repeats of one library message are counted, not written.

During an outage the Kafka clients log every reconnect attempt; a worker left for two hours wrote
475,557 ERROR lines (62.6 MB). This filter lets the first `burst` records of each message template
through per `window_s`, drops the rest, and notes how many were dropped on the next one it lets
through. Every warning or error is still counted (the `*_kafka_client_errors_total` metric).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

# Loggers whose repeats are limited: the Kafka clients and the Faust / mode layers above them.
LIMITED = ("kafka", "aiokafka", "faust", "mode")
MAX_TEMPLATES = 1000


@dataclass
class _Window:
    start: float
    passed: int = 0
    dropped: int = 0


class RepeatLimiter(logging.Filter):
    def __init__(
        self,
        burst: int = 3,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.burst = burst
        self.window_s = window_s
        self.clock = clock
        self.on_warning = on_warning  # set once the service's metrics exist
        # Libraries counted but never written: their failures are reported by the service in its own words.
        self.quiet: frozenset[str] = frozenset()
        self._windows: dict[tuple[str, str], _Window] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        library = record.name.split(".", 1)[0]
        if library not in LIMITED:
            return True
        if record.levelno >= logging.WARNING and self.on_warning is not None:
            self.on_warning(library)
        if library in self.quiet:
            return False
        # The template, not the formatted text: the same error with a new address or delay is a repeat.
        key = (record.name, str(record.msg))
        now = self.clock()
        window = self._windows.get(key)
        if window is None or now - window.start >= self.window_s:
            if len(self._windows) >= MAX_TEMPLATES:
                self._windows.clear()
            self._windows[key] = _Window(start=now, passed=1)
            if window is not None and window.dropped:
                record.msg = (
                    f"{record.msg} [{window.dropped} more like this in the last {now - window.start:.0f} s"
                    " were not logged]"
                )
            return True
        if window.passed < self.burst:
            window.passed += 1
            return True
        window.dropped += 1
        return False
