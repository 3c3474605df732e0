"""The pure rooms of enrich (entities, syndication, copies, and pipeline.py that joins them) import
nothing of Kafka, Faust, HTTP, the worker, the composition root or ingest: read from the source, so an
import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENRICH = REPO / "services" / "enrich"
PURE = sorted(
    [
        *(p for room in ("entities", "syndication", "copies") for p in (ENRICH / room).rglob("*.py")),
        ENRICH / "pipeline.py",
    ]
)
FORBIDDEN = (
    "kafka",
    "aiokafka",
    "faust",
    "mode",
    "services.enrich.worker",
    "services.enrich.app",
    "services.ingest",
    "services.common.kafka",
    "services.common.broker",
    "httpx",
    "starlette",
    "uvicorn",
)


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every module the file imports; `from a import b` gives a and a.b."""
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the file's package
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def forbidden(name: str) -> str | None:
    return next((f for f in FORBIDDEN if name == f or name.startswith(f + ".")), None)


def test_the_pure_rooms_are_there():
    assert len(PURE) > 15, PURE


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(REPO)))
def test_a_pure_module_imports_no_kafka_faust_http_worker_or_ingest(path):
    bad = [
        f"{path.relative_to(REPO)}:{line} imports {name}" for line, name in imported(path) if forbidden(name)
    ]
    assert not bad, "\n".join(bad)
