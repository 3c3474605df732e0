"""Shared test helpers: paths of the repo and of the seed story."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED_STORY = REPO.parent / "shared" / "seeds" / "wagner-rostov-epoch-times.txt"


@pytest.fixture(scope="session")
def seed_story() -> str:
    return SEED_STORY.read_text(encoding="utf-8")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith("tests/integration/"):
            item.add_marker(pytest.mark.integration)
