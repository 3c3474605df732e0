"""Sports results and tables, lines in capitals, speakers, initialled names and breaks inside a mention:
the families found on real wire copy, each with invented examples of where it fires and where it must not."""

from __future__ import annotations

import pytest
import spacy

from services.common.records import build_raw_article, utc_now
from services.common.settings import Settings
from services.enrich.entities.wire_lines import caps_line, is_sports, split_at_breaks
from services.enrich.pipeline import build_enricher


@pytest.fixture(scope="module")
def enricher():
    return build_enricher(Settings.from_env({}).ner_model)


def mentions(enricher, body: str, headline: str | None = None) -> dict[str, str]:
    """Each mention's text (headline or story) -> its entity's type."""
    draft = {"body_text": body, "headline": headline}
    (record,) = enricher.enrich([build_raw_article(draft, received_at=utc_now())])
    offset = len(headline) + 2 if headline else 0
    text = f"{headline}\n\n{record['body_text']}" if headline else record["body_text"]
    out = {}
    for e in record["entities"]:
        for s, t in e["headline_spans"]:
            out[text[s:t]] = e["type"]
        for s, t in e["spans"]:
            out[text[s + offset : t + offset]] = e["type"]
    return out


@pytest.mark.parametrize(
    ("text", "sports"),
    [
        ("SOCCER - LATE GOAL SINKS THE LEADERS.", True),
        ("Ice hockey: Brandvik hold on", True),
        ("The team beat the league leaders and scored twice in the match; the coach said the season and the "
         "cup are open.", True),
        ("Football fans gathered in the square.", False),
        ("The central bank raised rates as markets fell.", False),
    ],
)  # fmt: skip
def test_sports_copy_is_told_by_headline_or_words(text, sports):
    assert is_sports(text) is sports


@pytest.mark.parametrize(
    ("line", "caps"),
    [
        ("HOSTS STUN CHAMPIONS IN OPENER", True),
        ("W L PCT GB", True),
        ("NATO", True),
        ("Talks resume in Oslo", False),
    ],
)
def test_a_line_in_capitals(line, caps):
    assert caps_line(line) is caps


def test_teams_named_by_their_city_in_results_are_organisations(enricher):
    body = (
        "Results of matches played on Saturday:\n"
        "Leeds 2 Bristol 1\n"
        "Norwich 0 Plymouth 3\n"
        "Bristol, who had won their last four games, host Norwich next week in the league."
    )
    got = mentions(enricher, body, headline="SOCCER - ENGLISH LEAGUE RESULTS.")
    assert {got[n] for n in ("Leeds", "Bristol", "Norwich", "Plymouth")} == {"ORG"}


def test_a_country_in_a_results_line_stays_the_place(enricher):
    body = "Results of the group matches:\nNorway 2 Chile 1\nPeru 0 Ghana 0\nThe coach praised the defence."
    got = mentions(enricher, body, headline="SOCCER - WORLD CUP QUALIFIERS.")
    assert {got[n] for n in ("Norway", "Chile", "Peru", "Ghana")} == {"GPE"}


def test_table_rows_and_schedule_lines(enricher):
    body = (
        "Standings after Sunday's games:\n"
        "W L PCT GB\n"
        "BOSTON 70 60 .538 -\n"
        "DENVER 66 64 .508 4\n"
        "Monday's games:\n"
        "BOSTON AT DENVER"
    )
    got = mentions(enricher, body, headline="BASEBALL - STANDINGS.")
    assert got["BOSTON"] == "ORG"
    assert "W L PCT GB" not in got  # a table heading in capitals names nothing
    assert "Monday" not in got


def test_results_rules_do_not_fire_outside_sports_copy(enricher):
    body = "Fuel prices by city, in cents a litre:\nLeeds 142 Bristol 139\nPrices in Leeds rose again."
    got = mentions(enricher, body, headline="Fuel prices climb")
    assert got.get("Leeds") != "ORG"


@pytest.mark.parametrize("dateline", ["LONDON 2031-05-04", "LONDON, England 2031-05-04"])
def test_a_dateline_place_is_the_place_in_sports_copy(enricher, dateline):
    """The tokenizer splits the date at its hyphens: "LONDON 2031" must not read as a score."""
    body = f"{dateline}\nResults on Saturday:\nSaracens 24 Halifax 10\nThe league resumes next week."
    got = mentions(enricher, body, headline="RUGBY LEAGUE - RESULTS.")
    assert got["LONDON"] == "GPE"
    assert got["Saracens"] == got["Halifax"] == "ORG"


def test_scorecard_players(enricher):
    body = (
        "Scoreboard on the first day:\n"
        "Karlsby innings\n"
        "T. Vollmer c Haskins b Oduya 45\n"
        "P. Renshaw not out 12\n"
        "Bowling: Oduya 20-4-65-3, Kettering 12-1-40-0\n"
        "Karlsby won the toss and batted."
    )
    got = mentions(enricher, body, headline="CRICKET - SCOREBOARD.")
    assert got.get("T. Vollmer") == "PERSON"
    assert got.get("P. Renshaw") == "PERSON"
    assert got.get("Oduya") == "PERSON"


def test_capitals_headline_found_by_the_names_the_story_gives(enricher):
    body = "Marta Ruiz of Velmora Holdings said on Tuesday the plan for Portugal was ready."
    got = mentions(enricher, body, headline="VELMORA HOLDINGS READY TO SIGN PORTUGAL DEAL")
    assert got.get("VELMORA HOLDINGS") == got.get("Velmora Holdings")
    assert got.get("PORTUGAL") == "GPE"
    assert "READY" not in got and "SIGN" not in got


@pytest.mark.parametrize(
    ("body", "name", "label"),
    [
        ("The deal was signed. Kastellan told reporters he was pleased.", "Kastellan", "PERSON"),
        ('"We are ready," said Kastellan.', "Kastellan", "PERSON"),
        ("Officials said the road was closed.", "Officials", None),
        ("Russia said the talks would go on.", "Russia", "GPE"),
    ],
)
def test_speakers_are_people_but_not_countries_or_common_words(enricher, body, name, label):
    assert mentions(enricher, body).get(name) == label


def test_a_known_person_keeps_mentions_at_a_sentence_start(enricher):
    body = "Minister Ilse Vanderkamp arrived on Monday. Vanderkamp met the unions. Vanderkamp left at noon."
    record_mentions = [m for m in mentions(enricher, body) if "Vanderkamp" in m]
    assert "Vanderkamp" in record_mentions


@pytest.fixture(scope="module")
def blank():
    return spacy.blank("en")


@pytest.mark.parametrize(
    ("text", "label", "parts"),
    [
        ("Haitai 2 Samsung", "ORG", ["Haitai", "Samsung"]),
        ("Willie\nWood", "PERSON", ["Willie", "Wood"]),
        ("Vaughan ; Harris", "PERSON", ["Vaughan", "Harris"]),
        ("Oval, London", "GPE", ["Oval", "London"]),
        ("Schalke 04", "ORG", ["Schalke 04"]),  # a number that ends a club's name is the name
        ("Smith, Barney", "ORG", ["Smith, Barney"]),  # an organisation's comma is its own
    ],
)
def test_a_mention_never_runs_across_a_break(blank, text, label, parts):
    doc = blank(text)
    ent = doc.char_span(0, len(text), label=label)
    assert [p.text for p in split_at_breaks(ent)] == parts
