"""The one place records are turned into bytes and back (orjson, UTF-8)."""

from typing import Any

import orjson

from services.common.exceptions import RecordError


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def dumps_pretty(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


def loads(data: bytes | str) -> Any:
    """Parse JSON; the error says where it broke (line and column), as the HTTP API reports it."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise RecordError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
