from __future__ import annotations

import pytest

from services.evaluation.scores import Counts, normalise_name, score_entities, score_outlets

GOLD = [
    {"name": "Vladimir Putin", "type": "PERSON", "aliases": ["Putin"]},
    {"name": "United States", "type": "GPE", "aliases": ["U.S."]},
    {"name": "Reuters", "type": "ORG"},
]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("The Kremlin's", "kremlin"),
        ("Eli Lilly & Co.", "eli lilly & co"),
        ("  Putin’s ", "putin"),
        ("U.S.", "u.s"),
    ],
)
def test_names_compare_without_article_possessive_case_or_final_stop(name, expected):
    assert normalise_name(name) == expected


def test_aliases_match_and_a_second_mention_of_the_same_entity_is_spurious():
    counts, misses = score_entities(
        GOLD, [("Vladimir Putin", "PERSON"), ("Putin", "PERSON"), ("U.S.", "GPE")], ["PERSON", "GPE", "ORG"]
    )
    assert (counts["PERSON"].tp, counts["PERSON"].fp, counts["PERSON"].fn) == (1, 1, 0)
    assert (counts["GPE"].tp, counts["GPE"].fn) == (1, 0)
    assert (counts["ORG"].tp, counts["ORG"].fn) == (0, 1)
    assert {(m.kind, m.name) for m in misses} == {("spurious", "Putin"), ("missed", "Reuters")}


def test_a_right_name_with_the_wrong_type_is_both_spurious_and_missed():
    counts, _ = score_entities(GOLD, [("Reuters", "PERSON")], ["PERSON", "ORG"])
    assert counts["PERSON"].fp == 1 and counts["ORG"].fn == 1 and counts["ORG"].tp == 0


def test_types_outside_the_scored_set_are_ignored():
    counts, misses = score_entities(GOLD, [("Monday", "DATE")], ["PERSON"])
    assert counts["PERSON"].fn == 1 and all(m.type == "PERSON" for m in misses)


def test_precision_recall_f1():
    c = Counts(tp=8, fp=2, fn=4)
    assert c.precision == pytest.approx(0.8)
    assert c.recall == pytest.approx(8 / 12)
    assert c.f1 == pytest.approx(2 * 0.8 * (8 / 12) / (0.8 + 8 / 12))
    outlets = score_outlets(["CNN", "Reuters"], ["Reuters", "Politico"])
    assert (outlets.tp, outlets.fp, outlets.fn) == (1, 1, 1)


def test_an_outlet_named_as_the_story_writes_it_also_matches_its_canonical_name():
    from services.enrich.syndication.outlets import load_outlets
    from services.evaluation.evaluation import _with_outlet_name

    outlets = load_outlets(None)
    gold = [
        _with_outlet_name(g, outlets)
        for g in [{"name": "AFP", "type": "ORG"}, {"name": "Ibama", "type": "ORG"}]
    ]
    counts, _ = score_entities(gold, [("Agence France-Presse", "ORG"), ("Ibama", "ORG")], ["ORG"])
    assert (counts["ORG"].tp, counts["ORG"].fp, counts["ORG"].fn) == (2, 0, 0)
    counts, _ = score_entities(gold, [("Reuters", "ORG")], ["ORG"])
    assert (counts["ORG"].tp, counts["ORG"].fp, counts["ORG"].fn) == (0, 1, 2)
