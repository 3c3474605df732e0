"""Helpers both services use to build and serve their Prometheus metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

__all__ = ["CONTENT_TYPE_LATEST", "new_registry", "render"]

# Seconds. Enrichment of one article is ~10-100 ms; an HTTP request up to the publish timeout.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def new_registry(with_process: bool = True) -> CollectorRegistry:
    """A registry of our own (not the global one), with process metrics, so tests get a fresh one."""
    registry = CollectorRegistry(auto_describe=True)
    if with_process:
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
