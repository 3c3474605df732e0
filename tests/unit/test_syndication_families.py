"""Syndication families met on real published copy, each with the cases where it must not fire.

Every story here is invented, in the house style of the wire or paper it imitates.
"""

import pytest

from services.enrich.syndication.outlets import load_outlets
from services.enrich.syndication.tagger import find_syndication

STORY = "The harbour council met on Tuesday to debate the new ferry plan.\nMembers voted 7-2 in favour.\n"


@pytest.fixture(scope="module")
def outlets():
    return load_outlets()


def origin_of(text, outlets):
    return find_syndication(text, outlets).origin


# --- one dateline grammar: place, optional region and date, agency in parentheses, any separator ---

DATELINES = [
    ("no-separator", "(CNN) President Ana Ruiz signed the ferry bill on Tuesday.", "CNN"),
    ("no-space", "London (CNN)The harbour council met on Tuesday.", "CNN"),
    ("desk-after-outlet", "Hong Kong (CNN Business) A ferry operator lost its licence.", "CNN"),
    (
        "caps-place-no-dash",
        "NEW DELHI (PTI) The ferry ministry said on Tuesday it would act.",
        "Press Trust of India",
    ),
    ("spanish-date-dot-dash", "MADRID, 1 dic (EFE).- El consejo del puerto votó el martes.", "EFE"),
    ("no-place-dot-dash", "(EFE).- El consejo del puerto votó el martes.", "EFE"),
    ("double-hyphen", "BEIJING, Jan. 5 (Xinhua) -- The harbour council met on Tuesday.", "Xinhua"),
    ("em-dash", "ROSTOV, Russia (TASS) — The harbour council met on Tuesday.", "TASS"),
    ("en-dash", "SEOUL, March 3 (Yonhap) – The harbour council met on Tuesday.", "Yonhap"),
    ("hyphen", "OTTAWA (CP) - The harbour council met on Tuesday.", "The Canadian Press"),
    ("lower-case-agency", "BERLIN (dpa) - The harbour council met on Tuesday.", "dpa"),
    ("region-and-date", "ROME, Italy, April 3 (ANSA) - The harbour council met on Tuesday.", "ANSA"),
    ("call-sign", "NAPA COUNTY, Calif. (KQRT) -- A resort plan moved a step closer.", "KQRT"),
    ("call-sign-band", "AUSTIN (WZXT-TV) — Voters approved the amendment.", "WZXT-TV"),
]


@pytest.mark.parametrize(("opening", "origin"), [c[1:] for c in DATELINES], ids=[c[0] for c in DATELINES])
def test_every_dateline_form_names_its_agency(outlets, opening, origin):
    found = find_syndication(opening + "\n" + STORY, outlets)
    assert (found.origin, found.origin_from) == (origin, "dateline")
    start, end = found.credit_spans[0]
    assert start == 0 and opening[start:end].rstrip(" -—–.").endswith(")")  # the dateline, not the story


@pytest.mark.parametrize(
    "opening",
    [
        "WASHINGTON (Aug. 13) -- Declaring the harbour at stake, the council voted.",  # a date, no agency
        "(Corrects paragraph 3 to show the vote was 7-2.)",  # a correction note
        "The Centers for Disease Control (CDC) Director said the ferry was safe.",  # an acronym, no dash
        "Shares of Ferrylines (FRYL) rose 4% on Tuesday.",  # a ticker
        "Port chief Ana Ruiz (CNN) said nothing.",  # lower-case continuation is no story start
    ],
)
def test_parentheses_that_are_not_a_dateline_credit_nothing(outlets, opening):
    assert origin_of(opening + "\n" + STORY, outlets) is None


def test_a_publication_via_an_agency(outlets):
    found = find_syndication("HARBOURLIGHT via JTA — The council met.\n" + STORY, outlets)
    assert found.origin == "HARBOURLIGHT"


def test_a_publication_name_as_the_dateline(outlets):
    assert origin_of("Lakeside News – Police are investigating a fire.\n" + STORY, outlets) == "Lakeside News"


@pytest.mark.parametrize(
    "opening",
    [
        "KUALA LUMPUR – The court sat.",
        "Ana Ruiz – the mayor – spoke.",
        "Breaking News – The court sat on Tuesday.",
        "Staff Report – Police are investigating a fire.",
    ],
)
def test_a_place_or_a_person_before_a_dash_is_no_publication(outlets, opening):
    assert origin_of(opening + "\n" + STORY, outlets) is None


# --- agency sign-offs at the end of the last paragraph ---

SIGNOFFS = [
    ("bare-caps", "Exports rose 4% into the US. PTI", "Press Trust of India"),
    ("bare-ians", "The ferry resumes on Monday. IANS", "Indo-Asian News Service"),
    ("dash", "The ferry resumes on Monday. — AFP", "Agence France-Presse"),
    ("parentheses", "The ferry resumes on Monday. (CMC)", "Caribbean Media Corporation"),
    ("lower-case", "The ferry resumes on Monday. dpa", "dpa"),
    ("own-line", "GIS", "Government Information Service"),
]


@pytest.mark.parametrize(("closing", "origin"), [c[1:] for c in SIGNOFFS], ids=[c[0] for c in SIGNOFFS])
def test_agency_signoff_closing_the_copy(outlets, closing, origin):
    body = STORY + closing
    found = find_syndication(body, outlets)
    assert found.origin == origin
    assert any(body[s:e].strip().strip("(—) .").lower() in closing.lower() for s, e in found.credit_spans)


@pytest.mark.parametrize(
    "closing",
    [
        "The ferry resumes on Monday. (BA)",  # a reporter's initials
        "The figures were compiled from PTI",  # no sentence end before the name
        "The ferry resumes on Monday, she told Reuters",  # cited, not signed
        "The ferry resumes on Monday. Reuters",  # Reuters does not sign off with its bare name
        "– David Dunkley",  # a person
    ],
)
def test_endings_that_are_no_agency_signoff(outlets, closing):
    assert origin_of(STORY + closing, outlets) is None


def test_a_signoff_inside_the_copy_is_not_one(outlets):
    assert origin_of("Exports rose 4% into the US. PTI\n" + STORY, outlets) is None


def test_broadcaster_signoff_with_the_reporter(outlets):
    assert origin_of(STORY + "Min Park, KBS World Radio News.", outlets) == "KBS"


# --- credit notes that are not on the last line ---


def test_originally_published_closing_a_paragraph(outlets):
    body = "The council met on Tuesday. Originally published on Harbour Ledger.\n" + STORY
    assert origin_of(body, outlets) == "Harbour Ledger"


def test_originally_appeared_followed_by_an_author_bio(outlets):
    body = (
        STORY + "This article originally appeared on VICE US.\n"
        "Jane Doe is a reporter who covers ports and shipping. She lives in Lisbon with two cats.\n"
    )
    assert origin_of(body, outlets) == "Vice News"


def test_republication_note_as_the_first_line(outlets):
    assert origin_of("This article originally appeared in The Philadelphia Inquirer.\n" + STORY, outlets) == (
        "The Philadelphia Inquirer"
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "The ferry first appeared in the harbour in 1999.",
        "The mural originally appeared on a wall in Lisbon, she said.",
        "It was first published in a local paper decades ago.",
    ],
)
def test_story_sentences_about_first_appearances_are_no_credit(outlets, sentence):
    assert origin_of(STORY + sentence + "\n" + STORY, outlets) is None


# --- provision and production notes ---

PROVISIONS = [
    ("provided", "This story was provided by Harbour Ledger.", "Harbour Ledger", ()),
    ("produced", "This story was produced by KFF Health News.", "KFF Health News", ()),
    ("material", "Material from The Associated Press was used in this report.", None, ("Associated Press",)),
]


@pytest.mark.parametrize(
    ("note", "origin", "contributors"), [c[1:] for c in PROVISIONS], ids=[c[0] for c in PROVISIONS]
)
def test_provision_and_production_notes(outlets, note, origin, contributors):
    for body in (
        STORY + note,
        STORY + note + "\nJane Doe covers ports for the paper. She lives in Lisbon.\n",
    ):
        found = find_syndication(body, outlets)
        assert (found.origin, found.contributors) == (origin, contributors)


@pytest.mark.parametrize(
    "note",
    [
        "This project was produced with support from the Harbour Civic Fund.",  # a funder, not an outlet
        "This story was produced by Jane Doe.",  # a person
    ],
)
def test_production_notes_that_name_no_outlet(outlets, note):
    found = find_syndication(STORY + note, outlets)
    assert (found.origin, found.contributors) == (None, ())


# --- credit lines at the top of the copy ---


@pytest.mark.parametrize(
    ("first", "origin"),
    [
        ("© 2024 Kyiv Herald", "Kyiv Herald"),
        ("Distributed by Tribune Content Agency", "Tribune Content Agency"),
        ("Courtesy of Forest Watch News", "Forest Watch News"),
    ],
)
def test_credit_lines_above_the_story(outlets, first, origin):
    body = first + "\n" + STORY
    found = find_syndication(body, outlets)
    assert found.origin == origin
    assert body[slice(*found.credit_spans[0])] == first


@pytest.mark.parametrize(
    "first",
    [
        "Copyright lawsuits against ferry operators are mounting.",
        "Courtesy G4",  # a photo credit
    ],
)
def test_first_lines_that_are_story_or_photo_credit(outlets, first):
    assert origin_of(first + "\n" + STORY, outlets) is None


def test_a_copyright_owner_company_yields_to_the_station_dateline(outlets):
    body = "MIAMI (WQXT) - A crash closed the road.\n" + STORY + "Copyright 2024 Sunray Television Corp."
    assert origin_of(body, outlets) == "WQXT"


@pytest.mark.parametrize(
    "caption",
    [
        "© Jane Doe/Getty Images",
        "The mayor at the harbour on Tuesday. © AFP / JANE DOE",
        "© Shutterstock",
        "Copyright 2024 Harbour Photo Agency",
    ],
)
def test_a_picture_credit_is_not_the_copys_origin(outlets, caption):
    body = STORY + caption
    found = find_syndication(body, outlets)
    assert found.origin is None
    assert found.credit_spans  # masked all the same


def test_a_date_after_the_copyright_holder_is_not_its_name(outlets):
    assert origin_of(STORY + "© Harbour Institute, 21. Jan. 2015", outlets) == "Harbour Institute"


def test_a_copyright_held_by_a_person_is_no_outlet(outlets):
    body = STORY + "Copyright © 2019 by Thomas W. Malone. All rights reserved."
    found = find_syndication(body, outlets)
    assert found.origin is None
    assert found.credit_spans  # still masked


def test_a_copyright_by_an_unlisted_name_is_an_author_not_an_outlet(outlets):
    body = STORY + "Copyright © 2021 by Oyelaran Adekunle-Bright."
    assert origin_of(body, outlets) is None
    assert origin_of(STORY + "Copyright © 2021 by The Associated Press.", outlets) == "Associated Press"


def test_book_excerpt_names_the_publisher(outlets):
    body = STORY + "Copyright © 2019 by Ana Ruiz. Reprinted by permission of Harbour Books, New York, NY."
    assert origin_of(body, outlets) == "Harbour Books"


def test_copyrighted_property_names_the_publication(outlets):
    body = STORY + "This article is the copyrighted property of Harbour Light News."
    assert origin_of(body, outlets) == "Harbour Light News"


def test_a_domain_in_a_copyright_line_is_the_publication(outlets):
    assert origin_of(STORY + "© 2022, HarbourLightNews.com.", outlets) == "Harbour Light News"


# --- Reuters' sign-off in parentheses, with no dateline ---


def test_reuters_staff_signoff_in_parentheses_names_reuters(outlets):
    body = STORY + "(Reporting by Jane Doe; Additional reporting by Ann Lee; Editing by John Smith)"
    found = find_syndication(body, outlets)
    assert found.origin == "Reuters"
    assert found.contributors == ()


def test_a_dateline_beats_the_staff_signoff_style(outlets):
    body = "LAGOS (AFP) - " + STORY + "(Reporting by Jane Doe; Editing by John Smith)"
    assert origin_of(body, outlets) == "Agence France-Presse"


def test_staff_signoff_without_parentheses_names_no_outlet(outlets):
    assert origin_of(STORY + "Reporting by Jane Doe; Editing by John Smith", outlets) is None


# --- precision: staff copy, people, citations ---


def test_a_staff_story_with_no_credit_has_no_origin(outlets):
    body = "WASHINGTON — The harbour council met.\n" + STORY + "Jane Doe can be reached at jane@example.com."
    assert find_syndication(body, outlets).origin is None


def test_an_outlet_told_is_an_attribution_not_the_origin(outlets):
    body = STORY + "The mayor told Reuters the vote would stand.\nThe ferry resumes on Monday."
    found = find_syndication(body, outlets)
    assert (found.origin, found.attributions) == (None, ("Reuters",))


def test_an_unlisted_station_or_paper_told_is_cited(outlets):
    body = STORY + "The mayor told KQRT the vote would stand. Her aide told the Lakeside Journal more."
    assert find_syndication(body, outlets).attributions == ("KQRT", "Lakeside Journal")


def test_a_person_named_like_an_outlet_is_not_cited(outlets):
    body = "Michael R. Bloomberg entered the race.\nBloomberg said in a statement he would debate.\n"
    assert find_syndication(body, outlets).attributions == ()
