"""newswire eval --copies: scoring of a labelled stream (services/evaluation/copies_eval.py)."""

from __future__ import annotations

import pytest

from services.common.settings import Settings
from services.enrich.syndication.outlets import load_outlets
from services.evaluation.copies_eval import Tally, format_report, score_stream
from tests.unit.test_copies import OTHER_AGENCY, STORY


@pytest.fixture(scope="module")
def outlets():
    return load_outlets(Settings.from_env({}).outlets_path)


def test_a_wrong_original_is_a_false_positive_and_a_false_negative():
    tally = Tally()
    tally.add("a", "b")
    tally.add(None, None)
    tally.add("a", "a")
    assert (tally.tp, tally.fp, tally.fn, tally.records) == (1, 1, 1, 3)
    assert tally.precision == tally.recall == 0.5


def test_stream_is_scored_in_order_by_transformation(outlets):
    def rec(i, paragraphs, gold, how, kept=1.0):
        return {
            "id": i,
            "provider": "Partner",
            "headline": "h",
            "body_text": "\n".join(paragraphs),
            "gold": {"copy_of": gold, "transformation": how, "kept": kept},
        }

    stream = [
        rec("a", STORY, None, "original"),
        rec("b", STORY[1:5], "a", "cut", 0.6),
        rec("c", OTHER_AGENCY, None, "same-event"),
        rec("d", OTHER_AGENCY[:4], "a", "mislabelled"),  # gold says copy of a: newswire finds c
    ]
    report = score_stream(stream, outlets)
    s = report.summary()
    assert s["by_transformation"]["cut"]["tp"] == 1
    assert s["by_transformation"]["same-event"]["fp"] == 0
    assert s["by_transformation"]["mislabelled"] == {
        "records": 1,
        "precision": 0.0,
        "recall": 0.0,
        "tp": 0,
        "fp": 1,
        "fn": 1,
    }
    assert s["recall_kept_50"] == 0.5 and s["copies_kept_50"] == 2
    assert [m.id for m in report.mistakes] == ["d"]
    assert "d [mislabelled] gold a / newswire c" in format_report(report, "test")
