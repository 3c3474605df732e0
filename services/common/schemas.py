"""JSON Schemas of every record, loaded from `schemas/` and compiled once at start-up.

The schema files are the contract downstream consumers read; code never restates them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema
import orjson

from services.common.exceptions import RecordError

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
NAMES = ("article-submission", "raw-article", "enriched-article", "dead-letter")


def schema_path(name: str) -> Path:
    return SCHEMAS_DIR / f"{name}.schema.json"


def load_schema(name: str) -> dict[str, Any]:
    return orjson.loads(schema_path(name).read_bytes())


@dataclass(frozen=True)
class Validator:
    """A compiled schema. `validate` raises RecordError naming the field path; `errors` lists them all."""

    name: str
    _check: Callable[[Any], Any]
    _schema: dict[str, Any]
    _field_checks: dict[str, Callable[[Any], Any]]

    def validate(self, record: Any) -> None:
        try:
            self._check(record)
        except fastjsonschema.JsonSchemaValueException:
            problems = self.errors(record)
            summary = "; ".join(f"{path}: {msg}" for path, msg in problems)
            raise RecordError(f"{self.name}: {summary}", problems) from None

    def errors(self, record: Any) -> list[tuple[str, str]]:
        """Every problem, not just the first: fastjsonschema stops at one, so walk the top level here."""
        try:
            self._check(record)
            return []
        except fastjsonschema.JsonSchemaValueException as first:
            if not isinstance(record, dict) or self._schema.get("type") != "object":
                return [(_path(first), _message(first))]
        problems: list[tuple[str, str]] = []
        props = self._field_checks
        for name in self._schema.get("required", []):
            if name not in record:
                problems.append((name, "is required"))
        if self._schema.get("additionalProperties") is False:
            problems.extend((name, "is not a known field") for name in record if name not in props)
        for name, value in record.items():
            if name in props:
                try:
                    props[name](value)
                except fastjsonschema.JsonSchemaValueException as exc:
                    inner = _path(exc).removeprefix("data").lstrip(".")
                    problems.append((f"{name}{'.' + inner if inner else ''}", _message(exc)))
        return problems or [("(record)", "does not match the schema")]


def _path(exc: fastjsonschema.JsonSchemaValueException) -> str:
    return exc.name


def _message(exc: fastjsonschema.JsonSchemaValueException) -> str:
    # fastjsonschema says "data.field must be ..."; keep only the "must be ..." part.
    return exc.message.split(" ", 1)[1] if exc.message.startswith("data") else exc.message


def compile_validators(names: tuple[str, ...] = NAMES) -> dict[str, Validator]:
    validators = {}
    for name in names:
        schema = load_schema(name)
        # Per-field validators too, so an error report can name every bad field, not only the first.
        field_checks = {
            field: fastjsonschema.compile({"$schema": schema.get("$schema"), **sub})
            for field, sub in schema.get("properties", {}).items()
        }
        validators[name] = Validator(name, fastjsonschema.compile(schema), schema, field_checks)
    return validators


def require_valid(validator: Validator, record: Any) -> Any:
    validator.validate(record)
    return record
