"""Floors on the evaluation corpus: a change that makes entities or syndication worse fails CI.

The floors sit just under what the code reaches today (README, "Quality"); raise them when it improves.
"""

from __future__ import annotations

import pytest

from services.common.settings import Settings
from services.enrich.evaluation import DEFAULT_CORPUS, evaluate, load_corpus


@pytest.fixture(scope="module")
def summary() -> dict:
    articles = load_corpus(DEFAULT_CORPUS)
    assert len(articles) >= 40
    return evaluate(articles, Settings.from_env({}), corpus_name=DEFAULT_CORPUS.name).summary()


def test_entity_f1_floor_and_margin_over_raw_spacy(summary):
    ours = summary["newswire"]["person_org_gpe"]["f1"]
    raw = summary["raw_spacy"]["person_org_gpe"]["f1"]
    assert ours >= FLOORS["entity_f1"], summary["newswire"]
    assert ours - raw >= FLOORS["entity_margin"], (ours, raw)


@pytest.mark.parametrize("entity_type", ["PERSON", "ORG", "GPE"])
def test_each_main_type_beats_raw_spacy(summary, entity_type):
    ours = summary["newswire"]["by_type"][entity_type]["f1"]
    raw = summary["raw_spacy"]["by_type"][entity_type]["f1"]
    assert ours > raw, (entity_type, ours, raw)


def test_syndication_floors(summary):
    syndication = summary["syndication"]
    assert syndication["origin_accuracy"] >= FLOORS["origin"], syndication
    assert syndication["contributors_accuracy"] >= FLOORS["contributors"], syndication
    assert syndication["attributions"]["f1"] >= FLOORS["attributions_f1"], syndication


FLOORS = {
    "entity_f1": 0.92,  # the target; reached 0.931
    "entity_margin": 0.15,  # reached 0.160 over raw spaCy (target 0.10)
    "origin": 0.97,
    "contributors": 0.97,
    "attributions_f1": 0.97,  # reached 1.000
}
