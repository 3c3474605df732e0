"""Floors on the evaluation corpus: a change that makes entities or syndication worse fails CI.

The floors sit just under what the code reaches today (README, "Quality"); raise them when it improves.
"""

from __future__ import annotations

import pytest

from services.common.settings import Settings
from services.evaluation.evaluation import DEFAULT_CORPUS, evaluate, load_corpus


@pytest.fixture(scope="module")
def summary() -> dict:
    articles = load_corpus(DEFAULT_CORPUS)
    assert len(articles) >= 40
    return evaluate(articles, Settings.from_env({}), corpus_name=DEFAULT_CORPUS.name).summary()


def _scored(name: str) -> dict:
    path = DEFAULT_CORPUS.with_name(name)
    return evaluate(load_corpus(path), Settings.from_env({}), corpus_name=path.name).summary()


@pytest.fixture(scope="module")
def heldout() -> dict:
    return _scored("heldout.jsonl")


@pytest.fixture(scope="module")
def heldout2() -> dict:
    return _scored("heldout2.jsonl")


@pytest.fixture(scope="module")
def round2() -> dict:
    return _scored("round2.jsonl")


def test_round2_entity_f1_floor_and_margin(round2):
    """The second round: written blind like the held-out set, then used to find general fixes."""
    ours = round2["newswire"]["person_org_gpe"]["f1"]
    raw = round2["raw_spacy"]["person_org_gpe"]["f1"]
    assert ours >= FLOORS["round2_entity_f1"], round2["newswire"]
    assert ours - raw >= FLOORS["round2_entity_margin"], (ours, raw)
    syndication = round2["syndication"]
    assert min(syndication["origin_accuracy"], syndication["contributors_accuracy"]) >= FLOORS["origin"]


def test_heldout_entity_f1_floor_and_margin(heldout):
    """The held-out articles were written without sight of the rules and never tuned on: the floor says
    the rules still help on names they were not written around."""
    ours = heldout["newswire"]["person_org_gpe"]["f1"]
    raw = heldout["raw_spacy"]["person_org_gpe"]["f1"]
    assert ours >= FLOORS["heldout_entity_f1"], heldout["newswire"]
    assert ours - raw >= FLOORS["heldout_entity_margin"], (ours, raw)
    assert heldout["syndication"]["origin_accuracy"] >= FLOORS["origin"], heldout["syndication"]


def test_second_heldout_floors(heldout2):
    """A second held-out set, written blind after the first was spent: entities and syndication on copy
    the rules and outlet patterns were not written around."""
    ours = heldout2["newswire"]["person_org_gpe"]["f1"]
    raw = heldout2["raw_spacy"]["person_org_gpe"]["f1"]
    assert ours >= FLOORS["heldout2_entity_f1"], heldout2["newswire"]
    assert ours - raw >= FLOORS["heldout2_entity_margin"], (ours, raw)
    syndication = heldout2["syndication"]
    assert syndication["origin_accuracy"] >= FLOORS["heldout2_origin"], syndication
    assert syndication["contributors_accuracy"] >= FLOORS["contributors"], syndication
    assert syndication["attributions"]["f1"] >= FLOORS["heldout2_attributions_f1"], syndication


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
    "entity_f1": 0.945,  # the target is 0.92; reached 0.951
    "entity_margin": 0.18,  # reached 0.189 over raw spaCy (target 0.10)
    "origin": 0.97,
    "contributors": 0.97,
    "attributions_f1": 0.97,  # reached 1.000
    "round2_entity_f1": 0.89,  # reached 0.899 on tests/corpus/round2.jsonl
    "round2_entity_margin": 0.21,  # reached 0.222 over raw spaCy
    "heldout_entity_f1": 0.84,  # reached 0.850 on tests/corpus/heldout.jsonl
    "heldout_entity_margin": 0.165,  # reached 0.176 over raw spaCy
    "heldout2_entity_f1": 0.795,  # 0.798 scored blind, 0.803 with later rules found on the other sets
    "heldout2_entity_margin": 0.165,  # reached 0.176 over raw spaCy
    "heldout2_origin": 0.97,  # 0.900 blind (two "CITY, Country, Month DD (AFP)" datelines), 1.000 since
    "heldout2_attributions_f1": 0.97,  # 0.957 blind ("the Lusa news agency reported"), 1.000 since
}
