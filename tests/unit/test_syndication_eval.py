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


def labelled(page_id, body, family, origin=None, contributors=(), **extra):
    return {**page(page_id, body, origin, contributors), "family": family, **extra}


REAL_SHAPED = [
    labelled("w1", WIRE, "dateline", "Associated Press", source="https://example.org/a", headline="Ferries"),
    labelled("w2", WIRE, "dateline", "Reuters", byline="Jane Doe", provider="Example", evidence="(AP) —"),
    labelled("t1", STAFF + "Photo: Reuters\n", "trap_photo", evidence="Photo: Reuters"),
    labelled("t2", "OSLO (AP) — The harbour council met.\n", "trap_person"),
]


def test_pages_with_the_labelled_sets_extra_fields_are_read(tmp_path):
    path = tmp_path / "dev.jsonl"
    path.write_bytes(
        b"".join(orjson.dumps({**p, "gold": {**p["gold"], "note": "x"}}) + b"\n" for p in REAL_SHAPED)
    )
    assert [p["family"] for p in load_pages(path)] == ["dateline", "dateline", "trap_photo", "trap_person"]


def test_per_family_counts_and_every_false_positive(outlets):
    report = score_pages(REAL_SHAPED + [page("plain", WIRE, "Associated Press")], outlets)
    s = report.summary()
    assert s["families"] == {
        "-": {"pages": 1, "origin_right": 1, "both_right": 1, "false_positives": 0},
        "dateline": {"pages": 2, "origin_right": 1, "both_right": 1, "false_positives": 1},
        "trap_person": {"pages": 1, "origin_right": 0, "both_right": 0, "false_positives": 1},
        "trap_photo": {"pages": 1, "origin_right": 1, "both_right": 1, "false_positives": 0},
    }
    assert s["false_positives"] == [
        {
            "id": "w2",
            "family": "dateline",
            "found": ["origin: Associated Press"],
            "credit_lines": ["OSLO (AP) —"],
        },
        {
            "id": "t2",
            "family": "trap_person",
            "found": ["origin: Associated Press"],
            "credit_lines": ["OSLO (AP) —"],
        },
    ]
    assert s["false_positives_on_unmarked"] == 1  # t2; w2 is marked, its wrong origin a false positive too


def test_the_cli_prints_the_family_table_false_positives_and_evidence(tmp_path, capsys):
    path = tmp_path / "dev.jsonl"
    path.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in REAL_SHAPED))
    assert main(["eval", "--syndication", str(path), "--errors"]) == 0
    out = capsys.readouterr().out
    assert "dateline                     2             1           1           1" in out
    assert "false positives (2 pages):" in out
    assert "  t2 [trap_person] origin: Associated Press" in out and "credit line: 'OSLO (AP) —'" in out
    assert "  w2 (dateline) [origin]" in out and "evidence: '(AP) —'" in out


def test_marked_pages_both_right_counts_only_pages_with_a_credit(outlets):
    report = SyndicationReport()
    score_page(report, "a", page("a", "", "Reuters")["gold"], got("Reuters"), outlets)
    score_page(report, "b", page("b", "", "Reuters")["gold"], got("Associated Press"), outlets)
    score_page(report, "staff", page("staff", "")["gold"], got(), outlets)  # right, but unmarked
    assert (report.marked_both_right, report.marked, report.both_right) == (1, 2, 2)
    assert report.summary()["marked_both_right"] == 0.5
