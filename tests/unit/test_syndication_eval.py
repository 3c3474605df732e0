"""The real-copy syndication scorer (`newswire eval --syndication`), on small invented pages."""

import orjson
import pytest

from services.cli import main
from services.enrich.syndication.outlets import load_outlets
from services.evaluation.syndication_eval import SyndicationReport, load_pages, score_page, score_pages

WIRE = "OSLO (AP) — The harbour council met on Tuesday.\nMembers voted 7-2.\n"
STAFF = "The harbour council met on Tuesday.\nMembers voted 7-2, the mayor told Reuters.\n"


@pytest.fixture(scope="module")
def outlets():
    return load_outlets()


def page(page_id, body, origin=None, contributors=(), attributions=()):
    gold = {"origin": origin, "contributors": list(contributors), "attributions": list(attributions)}
    return {"id": page_id, "body_text": body, "gold": gold}


def got(origin=None, contributors=(), attributions=()):
    return {"origin": origin, "contributors": list(contributors), "attributions": list(attributions)}


def test_names_compare_through_the_outlet_list(outlets):
    report = SyndicationReport()
    score_page(report, "a", page("a", "", "AFP")["gold"], got("Agence France-Presse"), outlets)
    score_page(report, "b", page("b", "", "the Kyiv Herald")["gold"], got("Kyiv Herald"), outlets)
    assert (report.origin_right, report.both_right, report.errors) == (2, 2, [])


def test_a_wrong_origin_is_an_error_and_not_both_right(outlets):
    report = SyndicationReport()
    score_page(report, "a", page("a", "", "Reuters")["gold"], got("Associated Press"), outlets)
    assert (report.origin_right, report.contributors_right, report.both_right) == (0, 1, 0)
    assert [(e.id, e.wrong) for e in report.errors] == [("a", ("origin",))]


def test_an_origin_on_unmarked_copy_is_a_false_positive(outlets):
    report = SyndicationReport()
    score_page(report, "staff", page("staff", "")["gold"], got("CNN"), outlets)
    score_page(report, "staff2", page("staff2", "")["gold"], got(None, ["Reuters"]), outlets)
    score_page(report, "marked", page("marked", "", "CNN")["gold"], got("Reuters"), outlets)
    assert (report.marked, report.unmarked, report.false_positives) == (1, 2, 2)


def test_attributions_are_counted_as_sets(outlets):
    report = SyndicationReport()
    gold = page("a", "", attributions=["Reuters", "BBC"])["gold"]
    score_page(report, "a", gold, got(attributions=["Reuters", "Reuters", "CNN"]), outlets)
    a = report.attributions
    assert (a.tp, a.fp, a.fn) == (1, 1, 1)
    assert report.origin_right == 1 and report.errors[0].wrong == ("attributions",)


def test_score_pages_runs_the_syndication_rules(outlets):
    pages = [page("wire", WIRE, "Associated Press"), page("staff", STAFF, attributions=["Reuters"])]
    s = score_pages(pages, outlets).summary()
    assert (s["pages"], s["marked"], s["both_right"], s["false_positives_on_unmarked"]) == (2, 1, 1.0, 0)
    assert s["attributions"]["f1"] == 1.0


def test_the_team_corpus_gold_shape_is_read_too(outlets):
    nested = {"id": "n", "body_text": WIRE, "gold": {"syndication": {"origin": "AP", "contributors": []}}}
    assert score_pages([nested], outlets).origin_right == 1


def test_load_pages_needs_body_and_gold(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_bytes(orjson.dumps(page("a", WIRE)) + b"\n\n" + orjson.dumps({"id": "b", "body_text": "x"}))
    with pytest.raises(ValueError, match="no gold"):
        load_pages(path)
    path.write_bytes(orjson.dumps(page("a", WIRE)) + b"\n")
    assert [p["id"] for p in load_pages(path)] == ["a"]


def test_the_cli_verb_prints_the_figures_and_errors(tmp_path, capsys):
    path = tmp_path / "set.jsonl"
    lines = [page("wire", WIRE, "Reuters"), page("staff", STAFF, attributions=["Reuters"])]
    path.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in lines))
    assert main(["eval", "--syndication", str(path), "--errors"]) == 0
    out = capsys.readouterr().out
    assert "origin and contributors right     0.500" in out
    assert "wire [origin]" in out and "gold 'Reuters' / newswire 'Associated Press'" in out
    assert main(["eval", "--syndication", str(path), "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["false_positives_on_unmarked"] == 0
