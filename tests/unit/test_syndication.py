"""Syndication: origin, contributors, attributions, credit lines and tags, from short invented stories."""

import re

import orjson
import pytest

from services.enrich.syndication.outlets import AGENCIES, BUILTIN, load_outlets
from services.enrich.syndication.tagger import find_syndication, mask_spans, syndication_tags
from tests.conftest import SEED_STORY

# Two ordinary story lines: no outlet, no credit.
BODY = "The harbour council met on Tuesday to debate the new ferry plan.\nMembers voted 7-2 in favour.\n"
TAG = re.compile(
    r"^(?:syndicated|wire|origin:[a-z0-9-]+|contributor:[a-z0-9-]+|cites:[a-z0-9-]+|"
    r"origin-from:(?:credit-line|dateline|byline|provider)|origin-unregistered)$"
)


@pytest.fixture(scope="module")
def outlets():
    return load_outlets()


def listed_rows() -> list[dict]:
    """The rows of both built-in lists: the agency registry and the other outlets."""
    return [row for path in (AGENCIES, BUILTIN) for row in orjson.loads(path.read_bytes())]


def canonical_for(alias: str) -> str:
    """The canonical name the built-in lists give the outlet that lists `alias`."""
    (name,) = [row["name"] for row in listed_rows() if alias in row.get("aliases", [])]
    return name


def context_only_aliases() -> set[str]:
    return {form for row in listed_rows() for form in row.get("context_only", [])}


# (id, closing line, origin, contributors, tags)
CLOSING_FAMILIES = [
    (
        "contributed-to-this-report",
        "Reuters contributed to this report.",
        None,
        ("Reuters",),
        ["contributor:reuters", "syndicated"],
    ),
    (
        "outlet-reporter-contributed-reporting",
        "Reuters' Jane Doe contributed reporting from Kyiv.",
        None,
        ("Reuters",),
        ["contributor:reuters", "syndicated"],
    ),
    (
        "curly-possessive-reporter",
        "Bloomberg’s Jane Doe contributed reporting.",
        None,
        ("Bloomberg",),
        ["contributor:bloomberg", "syndicated"],
    ),
    (
        "additional-reporting-by",
        "Additional reporting by Reuters",
        None,
        ("Reuters",),
        ["contributor:reuters", "syndicated"],
    ),
    (
        "with",
        "With Reuters",
        None,
        ("Reuters",),
        ["contributor:reuters", "syndicated"],
    ),
    (
        "x-contributed",
        "Bloomberg contributed.",
        None,
        ("Bloomberg",),
        ["contributor:bloomberg", "syndicated"],
    ),
    (
        "two-contributors",
        "Reuters and Bloomberg contributed to this report.",
        None,
        ("Reuters", "Bloomberg"),
        ["contributor:bloomberg", "contributor:reuters", "syndicated"],
    ),
    (
        "from",
        "From The Epoch Times",
        "The Epoch Times",
        (),
        ["origin-from:credit-line", "origin:the-epoch-times", "syndicated"],
    ),
    (
        "originally-published-on",
        "This article was originally published on Politico.",
        "Politico",
        (),
        ["origin-from:credit-line", "origin:politico", "syndicated"],
    ),
    (
        "first-appeared-in-with-date",
        "This story first appeared in Kyiv Post on June 3, 2024.",
        "Kyiv Post",
        (),
        ["origin-from:credit-line", "origin:kyiv-post", "syndicated"],
    ),
    (
        "appeared-on-and-is-republished",
        "This article originally appeared on ProPublica and is republished under a Creative Commons license.",
        "ProPublica",
        (),
        ["origin-from:credit-line", "origin:propublica", "syndicated"],
    ),
    (
        "republished-with-permission",
        "Republished with permission of The Christian Science Monitor.",
        "The Christian Science Monitor",
        (),
        ["origin-from:credit-line", "origin:the-christian-science-monitor", "syndicated"],
    ),
    (
        "distributed-by",
        "Distributed by Tribune Content Agency, LLC.",
        "Tribune Content Agency",
        (),
        ["origin-from:credit-line", "origin:tribune-content-agency", "syndicated", "wire"],
    ),
    (
        "copyright-c",
        "(c) 2024 The Washington Post",
        "The Washington Post",
        (),
        ["origin-from:credit-line", "origin:the-washington-post", "syndicated"],
    ),
    (
        "copyright-word",
        "Copyright 2024 Reuters. All rights reserved.",
        "Reuters",
        (),
        ["origin-from:credit-line", "origin:reuters", "syndicated", "wire"],
    ),
    (
        "copyright-sign-unlisted-title",
        "© Kyiv Herald",
        "Kyiv Herald",
        (),
        ["origin-from:credit-line", "origin-unregistered", "origin:kyiv-herald", "syndicated"],
    ),
]


@pytest.mark.parametrize(
    ("closing", "origin", "contributors", "tags"),
    [case[1:] for case in CLOSING_FAMILIES],
    ids=[case[0] for case in CLOSING_FAMILIES],
)
def test_closing_credit_families(outlets, closing, origin, contributors, tags):
    body = BODY + closing
    found = find_syndication(body, outlets)
    assert found.origin == origin
    assert found.contributors == contributors
    assert found.origin_from == ("credit-line" if origin else None)
    assert found.credit_lines == (closing,)
    assert found.attributions == ()  # a credit is not a citation
    assert syndication_tags(found, outlets) == tags
    # the credit span is exactly the closing line, so the NER never sees it
    ((start, end),) = found.credit_spans
    assert body[start:end] == closing


WIRE_DATELINES = [
    ("ap-em-dash", "ROTTERDAM, Netherlands (AP) —", "Associated Press", "associated-press"),
    ("reuters-hyphen", "KYIV (Reuters) -", "Reuters", "reuters"),
    ("afp-with-date", "PARIS, June 3 (AFP) -", "Agence France-Presse", "agence-france-presse"),
    (
        "city-country-date",
        "SAINT-LOUIS, Senegal, April 3 (AFP) -",
        "Agence France-Presse",
        "agence-france-presse",
    ),
    ("reuters-city-country-date", "KATOWICE, Poland, June 9 (Reuters) -", "Reuters", "reuters"),
]


@pytest.mark.parametrize(
    ("dateline", "origin", "slug"),
    [case[1:] for case in WIRE_DATELINES],
    ids=[case[0] for case in WIRE_DATELINES],
)
def test_wire_dateline_gives_the_origin(outlets, dateline, origin, slug):
    body = f"{dateline} {BODY}"
    found = find_syndication(body, outlets)
    assert found.origin == origin
    assert found.origin_from == "dateline"
    assert found.contributors == ()
    assert found.credit_lines == (dateline,)
    assert found.credit_spans == ((0, len(dateline)),)
    assert syndication_tags(found, outlets) == [
        "origin-from:dateline",
        f"origin:{slug}",
        "syndicated",
        "wire",
    ]


def test_dateline_under_a_headline_line_still_counts(outlets):
    found = find_syndication("Ferry plan approved\nKYIV (Reuters) - " + BODY, outlets)
    assert found.origin == "Reuters"
    assert found.credit_lines == ("KYIV (Reuters) -",)


def test_a_broadcaster_dateline_is_an_origin_but_not_wire(outlets):
    found = find_syndication("ATLANTA (CNN) — " + BODY, outlets)
    assert found.origin == "CNN"
    assert "wire" not in syndication_tags(found, outlets)
    assert "origin:cnn" in syndication_tags(found, outlets)


REUTERS_SIGNOFFS = [
    ("plain", "Reporting by Jane Doe in London; Editing by John Smith"),
    ("with-a-location", "Reporting by Jane Doe in Lagos and Ann Lee in Accra; Editing by John Smith"),
    ("bloomberg-assistance", "--With assistance from Jana Wolff-Reinhardt."),
    ("bloomberg-contact", "To contact the reporter on this story: Max Roe in Berlin at mroe@example.com"),
    ("bloomberg-editors", "To contact the editors responsible for this story: Ann Lee at alee@example.com"),
]


@pytest.mark.parametrize("signoff", [s for _, s in REUTERS_SIGNOFFS], ids=[i for i, _ in REUTERS_SIGNOFFS])
def test_reuters_signoff_names_people_not_outlets(outlets, signoff):
    body = BODY + signoff
    found = find_syndication(body, outlets)
    assert found.origin is None
    assert found.contributors == ()
    assert found.credit_lines == ()
    assert syndication_tags(found, outlets) == []
    # still masked: the reporters' names are not story entities
    ((start, end),) = found.credit_spans
    assert body[start:end] == signoff


def test_additional_reporting_inside_a_signoff_names_the_outlet(outlets):
    line = "Reporting by Jane Doe; Additional reporting by AFP; Editing by John Smith"
    found = find_syndication(BODY + line, outlets)
    assert found.contributors == (canonical_for("AFP"),)
    assert found.credit_lines == (line,)


def test_a_person_contributing_is_masked_but_is_no_outlet(outlets):
    line = "Jane Doe contributed to this report."
    body = BODY + line
    found = find_syndication(body, outlets)
    assert (found.origin, found.contributors, found.credit_lines) == (None, (), ())
    assert [body[s:e] for s, e in found.credit_spans] == [line]


ATTRIBUTIONS = [
    ("told", "The minister told ABC News that talks would resume.", "ABC News", "abc-news"),
    ("x-reported", "The cabinet will resign, Politico reported on Monday.", "Politico", "politico"),
    (
        "according-to",
        "The deal is close, according to The Wall Street Journal.",
        "The Wall Street Journal",
        "the-wall-street-journal",
    ),
    ("interview-with", "He said in an interview with CNN that he would run.", "CNN", "cnn"),
    ("x-said", "Reuters said it could not verify the video.", "Reuters", "reuters"),
    (
        "staff-witness",
        "An Associated Press photographer saw police detain a dozen people.",
        "Associated Press",
        "associated-press",
    ),
    ("outlet-tally", "Nine people died, according to officials and a Reuters tally.", "Reuters", "reuters"),
    ("the-x-news-agency-reported", "Roofs were torn off, the Lusa news agency reported.", "Lusa", "lusa"),
]


@pytest.mark.parametrize(
    ("sentence", "cited", "slug"), [case[1:] for case in ATTRIBUTIONS], ids=[case[0] for case in ATTRIBUTIONS]
)
def test_in_text_attributions(outlets, sentence, cited, slug):
    found = find_syndication(sentence + "\n" + BODY, outlets)
    assert found.attributions == (cited,)
    assert found.origin is None
    assert found.contributors == ()
    assert syndication_tags(found, outlets) == [f"cites:{slug}"]


def test_an_outlet_named_without_a_cue_is_not_an_attribution(outlets):
    found = find_syndication("Shares in Reuters' parent company rose.\n" + BODY, outlets)
    assert found.attributions == ()


@pytest.mark.parametrize(
    "sentence",
    [
        "Japan offered help, the Department of Foreign Affairs said.",
        "The Ministry of Foreign Affairs reported two arrests.",
        "Associated Press writers reported from the capital.",  # no article before it: a byline habit
    ],
)
def test_an_outlet_name_inside_a_longer_name_or_without_a_cue_is_not_cited(outlets, sentence):
    assert find_syndication(sentence + "\n" + BODY, outlets).attributions == ()


def test_sentence_initial_according_to_is_an_attribution(outlets):
    found = find_syndication("According to Reuters, the plant closed.\n" + BODY, outlets)
    assert found.attributions == ("Reuters",)


@pytest.mark.parametrize(
    "body",
    [
        "Reuters reported that the plant closed on Monday.\n" + BODY,
        BODY + "The vote was close, Reuters reported.",  # in the closing lines, still a citation
        "WASHINGTON (AP) — The vote was close, Reuters reported.\n" + BODY,
    ],
    ids=["opening", "last-line", "under-a-wire-dateline"],
)
def test_reuters_reported_in_the_story_never_makes_reuters_the_origin(outlets, body):
    found = find_syndication(body, outlets)
    assert found.origin != "Reuters"
    assert "Reuters" not in found.contributors
    assert found.attributions == ("Reuters",)
    assert "origin:reuters" not in syndication_tags(found, outlets)


def test_a_story_citation_is_kept_beside_a_credit(outlets):
    body = "Reuters reported that the plant closed.\n" + BODY + "From The Epoch Times"
    found = find_syndication(body, outlets)
    assert found.origin == "The Epoch Times"
    assert found.contributors == ()
    assert found.attributions == ("Reuters",)


def test_from_the_start_mid_story_is_not_a_credit(outlets):
    body = (
        "From the start, the ferry plan split the council.\n"
        "Supporters said it would cut journeys by half.\n"
        "Opponents said the cost was too high.\n" + BODY * 5 + "The next vote is due in March."
    )
    found = find_syndication(body, outlets)
    assert found.origin is None
    assert found.credit_lines == ()
    assert found.credit_spans == ()
    assert syndication_tags(found, outlets) == []


def test_a_closing_story_sentence_opening_with_from_is_not_a_credit(outlets):
    found = find_syndication(BODY + "From the start, CNN said the vote was rigged.", outlets)
    assert found.origin is None
    assert found.attributions == ("CNN",)


def test_credit_line_beats_wire_dateline(outlets):
    body = "KYIV (Reuters) - " + BODY + "From The Epoch Times"
    found = find_syndication(body, outlets)
    assert found.origin == "The Epoch Times"
    assert found.origin_from == "credit-line"
    assert "wire" not in syndication_tags(found, outlets)


@pytest.mark.parametrize(
    "closing",
    [
        "Distributed by Tribune Content Agency.\nThis article originally appeared in The Philadelphia Inquirer.",
        "This article originally appeared in The Philadelphia Inquirer.\nDistributed by Tribune Content Agency.",
    ],
    ids=["distributor-first", "distributor-last"],
)
def test_originally_published_beats_distributed_by(outlets, closing):
    found = find_syndication(BODY + closing, outlets)
    assert found.origin == "The Philadelphia Inquirer"
    assert len(found.credit_spans) == 2  # both lines are masked


def test_several_credits_on_one_line(outlets):
    line = "Reuters contributed to this report. From The Epoch Times"
    found = find_syndication(BODY + line, outlets)
    assert found.origin == "The Epoch Times"
    assert found.contributors == ("Reuters",)
    assert found.credit_lines == (line,)


@pytest.mark.parametrize(
    ("kwargs", "origin", "how"),
    [
        ({"dateline": "LONDON (Reuters) -"}, "Reuters", "dateline"),
        ({"byline": "By Jane Doe, The Associated Press"}, "Associated Press", "byline"),
        ({"provider": "AFP"}, "Agence France-Presse", "provider"),
        ({"provider": "Harbour Council Newsletter"}, None, None),
        ({"byline": "By Jane Doe", "provider": "Bloomberg News"}, "Bloomberg", "provider"),
    ],
    ids=["dateline-field", "byline", "provider-alias", "unknown-provider", "byline-without-outlet"],
)
def test_origin_from_the_other_fields(outlets, kwargs, origin, how):
    found = find_syndication(BODY, outlets, **kwargs)
    assert (found.origin, found.origin_from) == (origin, how)
    tags = syndication_tags(found, outlets)
    assert (f"origin-from:{how}" in tags) == (how is not None)


def test_a_credit_line_beats_byline_and_provider(outlets):
    found = find_syndication(
        BODY + "From The Epoch Times", outlets, byline="By Jane Doe, Reuters", provider="Bloomberg"
    )
    assert (found.origin, found.origin_from) == ("The Epoch Times", "credit-line")


@pytest.mark.parametrize(
    ("alias", "line"),
    [
        ("The Associated Press", "The Associated Press contributed to this report."),
        ("The Associated Press", "Copyright © 2024 The Associated Press. All rights reserved."),
        ("AFP", "With AFP"),
        ("AFP", "PARIS (AFP) -"),
        ("Thomson Reuters", "© 2024 Thomson Reuters"),
    ],
)
def test_aliases_map_to_the_canonical_name(outlets, alias, line):
    expected = canonical_for(alias)
    assert expected != alias
    body = line + " " + BODY if line.endswith("-") else BODY + line
    found = find_syndication(body, outlets)
    assert expected in (found.origin, *found.contributors)
    assert alias not in (found.origin, *found.contributors)


def test_context_only_alias_is_not_an_outlet_in_plain_story_text(outlets):
    assert "AP" in context_only_aliases()
    found = find_syndication("The AP style guide was updated on Monday.\n" + BODY, outlets)
    assert (found.origin, found.contributors, found.attributions) == (None, (), ())


@pytest.mark.parametrize(
    "body",
    [
        BODY + "AP contributed to this report.",
        "WASHINGTON (AP) — " + BODY,
        "The mayor told AP that the ferry would run.\n" + BODY,
    ],
    ids=["credit", "dateline", "attribution"],
)
def test_context_only_alias_counts_in_a_credit_or_dateline_context(outlets, body):
    found = find_syndication(body, outlets)
    assert canonical_for("AP") in (found.origin, *found.contributors, *found.attributions)


def test_mask_spans_keeps_length_and_offsets():
    text = "ROME (AP) — Story text here.\nAP contributed."
    spans = [(0, 11), (29, 44)]
    masked = mask_spans(text, spans)
    assert len(masked) == len(text)
    assert masked[:11] == " " * 11 and masked[29:] == " " * 15
    assert masked[11:29] == text[11:29]
    assert masked.index("Story") == text.index("Story")


def test_mask_spans_without_spans_is_the_text():
    assert mask_spans("Story text.", []) == "Story text."
    assert mask_spans("Story text.", ()) == "Story text."


def test_credit_spans_index_into_the_body(outlets):
    body = "KYIV (Reuters) - " + BODY + "Bloomberg contributed to this report.\nFrom The Epoch Times"
    found = find_syndication(body, outlets)
    assert [body[s:e] for s, e in found.credit_spans] == [
        "KYIV (Reuters) -",
        "Bloomberg contributed to this report.",
        "From The Epoch Times",
    ]
    masked = mask_spans(body, found.credit_spans)
    assert len(masked) == len(body)
    assert "Bloomberg" not in masked and "Epoch" not in masked and "Reuters" not in masked
    assert masked.strip() == BODY.strip()


def test_tags_are_sorted_stable_and_follow_the_vocabulary(outlets):
    body = (
        "KYIV (Reuters) - The minister told ABC News the talks failed, Politico reported.\n"
        + BODY
        + "Bloomberg contributed to this report."
    )
    found = find_syndication(body, outlets)
    tags = syndication_tags(found, outlets)
    assert tags == sorted(tags)
    assert len(tags) == len(set(tags))
    assert all(TAG.match(tag) for tag in tags), tags
    assert tags == syndication_tags(find_syndication(body, outlets), outlets)
    assert tags == [
        "cites:abc-news",
        "cites:politico",
        "contributor:bloomberg",
        "origin-from:dateline",
        "origin:reuters",
        "syndicated",
        "wire",
    ]


def test_tags_do_not_depend_on_citation_order(outlets):
    one = find_syndication("He told ABC News, then CNN reported it.\n" + BODY, outlets)
    two = find_syndication("He told CNN, then ABC News reported it.\n" + BODY, outlets)
    assert one.attributions != two.attributions  # order of first citation differs...
    assert syndication_tags(one, outlets) == syndication_tags(two, outlets)  # ...the tags do not


def test_no_syndication_means_no_tags(outlets):
    found = find_syndication(BODY, outlets)
    assert found.to_record() == {"origin": None, "contributors": [], "attributions": [], "credit_lines": []}
    assert syndication_tags(found, outlets) == []


def test_seed_story(outlets):
    if not SEED_STORY.exists():
        pytest.skip(f"seed story {SEED_STORY.name} is not checked out next to the repo (../shared/seeds)")
    body = SEED_STORY.read_text(encoding="utf-8").strip()
    found = find_syndication(body, outlets)
    assert found.origin == "The Epoch Times"
    assert found.contributors == ("Reuters",)
    assert found.origin_from == "credit-line"
    assert found.credit_lines == ("Reuters contributed to this report.", "From The Epoch Times")
    # the story cites Reuters too ("reported Reuters"), and ABC News and Il Messaggero
    assert set(found.attributions) == {"ABC News", "Reuters", "Il Messaggero"}
    tags = syndication_tags(found, outlets)
    assert {"origin:the-epoch-times", "contributor:reuters", "syndicated"} <= set(tags)
    assert "wire" not in tags


@pytest.mark.parametrize(
    ("opening", "dateline"),
    [
        ("KUALA LUMPUR – The court sat.", "KUALA LUMPUR –"),
        ("BACOLOD CITY, Philippines – Sugar planters warned.", "BACOLOD CITY, Philippines –"),
        ("LONDON, Jan 5 — Prices rose.", "LONDON, Jan 5 —"),
    ],
)
def test_a_dateline_without_an_agency_is_masked_but_credits_nothing(outlets, opening, dateline):
    found = find_syndication(opening, outlets)
    assert [opening[s:e] for s, e in found.credit_spans] == [dateline]
    assert (found.origin, found.credit_lines) == (None, ())


@pytest.mark.parametrize("opening", ["NATO - the alliance - met.", "A Romanian court – on Tuesday – ruled."])
def test_a_story_opening_with_capitals_and_a_dash_is_not_a_dateline(outlets, opening):
    assert find_syndication(opening, outlets).credit_spans == ()
