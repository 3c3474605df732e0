"""Per-desk quotas: articles per second with a burst, as one token bucket per desk.

A desk over its quota gets 429 with Retry-After at once; nothing waits, and each desk has its own bucket,
so one desk sending too fast never slows another.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from services.ingest.web.auth import AccessDenied


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    at: float


class Quotas:
    def __init__(
        self,
        limits: dict[str, tuple[float, float]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`limits`: desk -> (articles per second, burst). A desk not in it is not limited."""
        now = clock()
        self._buckets = {desk: _Bucket(rate, burst, burst, now) for desk, (rate, burst) in limits.items()}
        self._clock = clock
        self._lock = threading.Lock()

    def take(self, desk: str, articles: int) -> None:
        """Admit `articles` for `desk`, or raise AccessDenied 429 with the seconds to wait.

        A request larger than the burst is admitted once the bucket is full and leaves it in debt, so a big
        batch is slowed, never refused for ever; the long-run rate holds either way.
        """
        bucket = self._buckets.get(desk)
        if bucket is None or articles <= 0:
            return
        with self._lock:
            now = self._clock()
            bucket.tokens = min(bucket.burst, bucket.tokens + (now - bucket.at) * bucket.rate)
            bucket.at = now
            needed = min(float(articles), bucket.burst)
            if bucket.tokens >= needed:
                bucket.tokens -= articles
                return
            wait_s = (needed - bucket.tokens) / bucket.rate
        retry_after = max(1, math.ceil(wait_s))
        raise AccessDenied(
            429,
            "quota_exceeded",
            f"desk {desk} is over its quota of {bucket.rate:g} articles/s (burst {bucket.burst:g}); "
            f"retry in {retry_after}s",
            {"Retry-After": str(retry_after)},
        )
