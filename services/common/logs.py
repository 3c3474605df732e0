"""Structured logs to stdout: readable console lines on a terminal, one JSON object per line otherwise.

NEWSWIRE_LOG_FORMAT picks: `auto` (the default) is `console` when stdout is a terminal and `json` when it
is not (a pipe, a file, a container's log driver); `console` and `json` force one. Console lines are in
colour on a terminal unless NO_COLOR is set (https://no-color.org); FORCE_COLOR asks for colour where
stdout is not a terminal, as `newswire up` does for the services whose output it relays (runner.py).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import IO

import structlog

from services.common.log_limits import RepeatLimiter
from services.common.settings import Settings


def is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def resolve_log_format(log_format: str, stream: IO[str] | None = None) -> str:
    """ "auto" -> "console" when `stream` (stdout by default) is a terminal, else "json"."""
    if log_format != "auto":
        return log_format
    return "console" if is_terminal(sys.stdout if stream is None else stream) else "json"


def use_colors(stream: IO[str] | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Colour for console lines: never with NO_COLOR set (non-empty), always with FORCE_COLOR, else on a
    terminal."""
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return is_terminal(sys.stdout if stream is None else stream)


def configure_logging(
    settings: Settings, *, stream: IO[str] | None = None, environ: Mapping[str, str] | None = None
) -> RepeatLimiter:
    """Returns the filter that bounds library log repeats, to be given the service's error counter.

    `stream` (stdout by default) receives the service's own log lines; `environ` (os.environ) is where
    NO_COLOR and FORCE_COLOR are looked up."""
    stream = sys.stdout if stream is None else stream
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    if resolve_log_format(settings.log_format, stream) == "json":
        tail: list[structlog.typing.Processor] = [
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ]
    else:
        # The renderer formats exceptions itself (format_exc_info would spoil that, and it warns).
        tail = [
            structlog.processors.TimeStamper(fmt="%Y-%m-%d %H:%M:%S", utc=False),
            structlog.dev.ConsoleRenderer(colors=use_colors(stream, environ)),
        ]
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level, *tail],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(stream),
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
