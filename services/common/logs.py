"""Structured logs to stdout: one JSON object per line (or readable console lines for a terminal)."""

from __future__ import annotations

import logging
import sys

import structlog

from services.common.log_limits import RepeatLimiter
from services.common.settings import Settings


def configure_logging(settings: Settings) -> RepeatLimiter:
    """Returns the filter that bounds library log repeats, to be given the service's error counter."""
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    renderer = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    # Libraries log through stdlib logging; keep them quiet unless they warn.
    logging.basicConfig(
        level=max(level, logging.WARNING),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    limiter = RepeatLimiter()
    limit_repeats(logging.getLogger(), limiter)
    return limiter


def limit_repeats(logger: logging.Logger, limiter: RepeatLimiter) -> None:
    """On the handlers, not the logger: a logger's own filters do not see its children's records."""
    for handler in logger.handlers:
        if limiter not in handler.filters:
            handler.addFilter(limiter)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
