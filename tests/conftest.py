"""Shared test helpers: paths of the repo and of the seed story, and the choice of Kafka tiers.

Integration tests run on the embedded broker and, where Java and Maven are present, again on a real
three-broker Apache Kafka cluster (`--kafka`, marker `real_kafka`). Without Java the real tier is left
out with one line saying why; with NEWSWIRE_REQUIRE_REAL_KAFKA=1 (CI) that is an error instead.
"""

import os
from pathlib import Path

import pytest

from services.common.kafka_cluster import missing_tools

REPO = Path(__file__).resolve().parents[1]
SEED_STORY = REPO.parent / "shared" / "seeds" / "wagner-rostov-epoch-times.txt"


@pytest.fixture(scope="session")
def seed_story() -> str:
    return SEED_STORY.read_text(encoding="utf-8")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--kafka",
        choices=("embedded", "apache", "both"),
        default=os.environ.get("NEWSWIRE_TEST_KAFKA", "both"),
        help="which brokers the integration tests run on (default both; apache needs Java 17+ and Maven)",
    )


def kafka_tiers(config: pytest.Config) -> tuple[list[str], str | None]:
    """The broker kinds to run on, and why the real tier is left out (None when it is not)."""
    chosen = config.getoption("--kafka")
    tiers = ["embedded", "apache"] if chosen == "both" else [chosen]
    if "apache" in tiers:
        problem = missing_tools()
        if problem:
            if os.environ.get("NEWSWIRE_REQUIRE_REAL_KAFKA") == "1" or chosen == "apache":
                raise pytest.UsageError(f"the real Apache Kafka tier cannot run: {problem}")
            return [t for t in tiers if t != "apache"], problem
    return tiers, None


def pytest_configure(config: pytest.Config) -> None:
    config.stash[TIERS] = kafka_tiers(config)


TIERS = pytest.StashKey[tuple[list[str], str | None]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tiers, _ = config.stash[TIERS]
    kept, dropped = [], []
    for item in items:
        if item.nodeid.startswith("tests/integration/"):
            item.add_marker(pytest.mark.integration)
        callspec = getattr(item, "callspec", None)
        kind = callspec.params.get("kafka_kind") if callspec else None
        # A module marked real_kafka holds real-cluster tests: never run on the embedded broker.
        only_real = item.get_closest_marker("real_kafka") is not None
        if kind == "apache":
            item.add_marker(pytest.mark.real_kafka)
        real = kind == "apache" or only_real
        # Tests of the embedded broker itself, or that start their own, have nothing to check on the real one.
        if (
            (real and "apache" not in tiers)
            or (kind == "embedded" and ("embedded" not in tiers or only_real))
            or (kind == "apache" and item.get_closest_marker("embedded_only"))
        ):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str:
    tiers, why_not = config.stash[TIERS]
    line = f"kafka tiers: {', '.join(tiers)}"
    return line + (f" (real Apache Kafka tier skipped: {why_not})" if why_not else "")


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    _, why_not = config.stash[TIERS]
    if why_not:
        terminalreporter.write_line(f"SKIPPED the real Apache Kafka tier: {why_not}")
