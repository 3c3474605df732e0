"""NEWSWIRE_LOG_FORMAT: JSON lines for machines, readable lines for a person at a terminal, `auto` choosing
by whether stdout is a terminal; and `newswire up` handing its decision to the services it runs."""

import io
import json
import logging
import os
import re

import pytest
import structlog

from services.common.logs import configure_logging, resolve_log_format, use_colors
from services.common.settings import Settings
from services.runner import _relay, child_log_env

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_logging():
    """configure_logging changes process-wide state: put structlog and the root logger back."""
    root = logging.getLogger()
    handlers = {handler: list(handler.filters) for handler in root.handlers}
    level = root.level
    yield
    structlog.reset_defaults()
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler, filters in handlers.items():
        handler.filters[:] = filters
    root.setLevel(level)


def log_lines(log_format: str, stream: io.StringIO, environ: dict[str, str] | None = None) -> list[str]:
    configure_logging(
        Settings.from_env({"NEWSWIRE_LOG_FORMAT": log_format}), stream=stream, environ=environ or {}
    )
    log = structlog.get_logger("test")
    log.info("article_enriched", id="nw-1", entities=12, origin="Associated Press")
    log.warning("kafka_unreachable", bootstrap=["127.0.0.1:9092"])
    return stream.getvalue().splitlines()


def test_json_format_writes_one_parseable_object_per_line():
    lines = log_lines("json", Terminal())  # json even on a terminal, when asked for
    records = [json.loads(line) for line in lines]
    assert [r["event"] for r in records] == ["article_enriched", "kafka_unreachable"]
    assert records[0] | {"timestamp": None} == {
        "id": "nw-1",
        "entities": 12,
        "origin": "Associated Press",
        "event": "article_enriched",
        "level": "info",
        "timestamp": None,
    }
    assert records[1]["level"] == "warning" and records[0]["timestamp"].endswith("Z")


def test_console_format_writes_readable_lines_not_json():
    lines = log_lines("console", io.StringIO())
    assert len(lines) == 2  # one line per event: one summary line per processed article stays one line
    for line in lines:
        with pytest.raises(json.JSONDecodeError):
            json.loads(line)
    first = lines[0]
    assert "[info" in first and "article_enriched" in first
    assert "id=nw-1" in first and "entities=12" in first and "origin='Associated Press'" in first
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", first)
    assert "[warning" in lines[1] and "kafka_unreachable" in lines[1]
    assert not ANSI.search("\n".join(lines)), "no colour where the stream is not a terminal"


def test_auto_picks_json_when_stdout_is_not_a_terminal():
    assert Settings.from_env({}).log_format == "auto"
    assert resolve_log_format("auto", io.StringIO()) == "json"
    lines = log_lines("auto", io.StringIO())
    assert [json.loads(line)["event"] for line in lines] == ["article_enriched", "kafka_unreachable"]


def test_auto_picks_console_on_a_terminal_in_colour():
    assert resolve_log_format("auto", Terminal()) == "console"
    lines = log_lines("auto", Terminal())
    assert ANSI.search(lines[0]) and "article_enriched" in ANSI.sub("", lines[0])


def test_no_color_turns_colour_off_on_a_terminal():
    lines = log_lines("auto", Terminal(), environ={"NO_COLOR": "1"})
    assert "article_enriched" in lines[0] and not ANSI.search("\n".join(lines))


@pytest.mark.parametrize(
    ("terminal", "environ", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # no-color.org: set and not empty
        (False, {"FORCE_COLOR": "1"}, True),
        (False, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_colour_follows_the_terminal_no_color_and_force_color(terminal, environ, expected):
    assert use_colors(Terminal() if terminal else io.StringIO(), environ) is expected


def test_explicit_formats_are_kept_whatever_the_stream():
    assert resolve_log_format("console", io.StringIO()) == "console"
    assert resolve_log_format("json", Terminal()) == "json"


def test_console_format_shows_an_exception_without_warning():
    configure_logging(Settings.from_env({"NEWSWIRE_LOG_FORMAT": "console"}), stream=(out := io.StringIO()))
    try:
        raise ValueError("broken record")
    except ValueError:
        structlog.get_logger("test").exception("record_failed", id="nw-2")
    text = out.getvalue()
    assert "record_failed" in text and "ValueError: broken record" in text


def test_json_format_puts_an_exception_in_the_object():
    configure_logging(Settings.from_env({"NEWSWIRE_LOG_FORMAT": "json"}), stream=(out := io.StringIO()))
    try:
        raise ValueError("broken record")
    except ValueError:
        structlog.get_logger("test").exception("record_failed")
    (line,) = out.getvalue().splitlines()
    assert "ValueError: broken record" in json.loads(line)["exception"]


@pytest.mark.parametrize(
    ("log_format", "colors", "colour_env"),
    [
        ("console", True, {"PYTHONUNBUFFERED": "1", "FORCE_COLOR": "1"}),
        ("console", False, {"PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}),
        ("json", False, {}),
    ],
)
def test_up_hands_its_services_the_format_it_settled(log_format, colors, colour_env):
    env = child_log_env(log_format, colors)
    assert env == {"NEWSWIRE_LOG_FORMAT": log_format, **colour_env}
    assert Settings.from_env(env).log_format == log_format  # a setting the services accept


def test_up_relays_each_service_line_after_its_name():
    read, write = os.pipe()
    out = io.StringIO()
    with os.fdopen(read, "rb") as source:
        relay = _relay(source, out, "enrich | ")
        with os.fdopen(write, "wb") as sink:
            sink.write(b"2026-01-01 10:00:00 [info     ] article_enriched id=nw-1\r\nsecond line\npartial")
        relay.join(5)
    assert not relay.is_alive()
    assert out.getvalue().splitlines() == [
        "enrich | 2026-01-01 10:00:00 [info     ] article_enriched id=nw-1",
        "enrich | second line",
        "enrich | partial",
    ]
