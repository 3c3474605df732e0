"""Syndication on copy as published pages lay it out: notes naming outlets no list knows, credits after
other sentences, datelines past photo captions, stories on one table line, agencies in lower case.

Every text here is invented. Each family has the cases where it must not fire.
"""

import pytest

from services.enrich.syndication.layout import as_page_text
from services.enrich.syndication.outlets import load_outlets
from services.enrich.syndication.tagger import find_syndication, syndication_tags

STORY = "The harbour council met on Tuesday to debate the new ferry plan.\nMembers voted 7-2 in favour.\n"
# A paragraph long enough to be story text, not a headline or a caption.
PARAGRAPH = (
    "The harbour council met on Tuesday to debate the new ferry plan, which would add two routes to the "
    "islands. Members voted 7-2 in favour after a long debate about the cost of fuel and the timetable."
)


@pytest.fixture(scope="module")
def outlets():
    return load_outlets()


def found(text, outlets):
    return find_syndication(text, outlets)


def origin_and_contributors(text, outlets):
    s = find_syndication(text, outlets)
    return s.origin, s.contributors


# --- 1. a provision note naming an outlet the registry does not know: the noun phrase its grammar names ---

UNREGISTERED = [
    (
        "dedicated-to",
        "This story was provided by Gullwing Weekly, dedicated to news of the coast.",
        "Gullwing Weekly",
    ),
    ("appositive", "This story was provided by Gullwing Weekly, a nonprofit newsroom.", "Gullwing Weekly"),
    (
        "which",
        "This article was republished with permission from Tidemark Notes, which covers ports.",
        "Tidemark Notes",
    ),
    (
        "and-clause",
        "This story originally appeared on Tidemark Notes and is shared with permission.",
        "Tidemark Notes",
    ),
    ("two-outlets", "This story was produced by Gullwing Weekly and the Tidemark Review.", "Gullwing Weekly"),
    (
        "partnership",
        "This story was produced by Gullwing Weekly in partnership with a local college.",
        "Gullwing Weekly",
    ),
    (
        "originally-by",
        "This piece was originally published by Saltmarsh Ledger, a weekly paper.",
        "Saltmarsh Ledger",
    ),
    (
        "a-version",
        "A version of this story was originally published in the Saltmarsh Ledger.",
        "the Saltmarsh Ledger",
    ),
    ("no-subject", "Originally published on Saltmarsh Ledger News, a weekly paper.", "Saltmarsh Ledger News"),
    ("comma-inside-name", "This story was provided by Rowe, Pike and Company.", "Rowe, Pike and Company"),
]


@pytest.mark.parametrize(("note", "origin"), [c[1:] for c in UNREGISTERED], ids=[c[0] for c in UNREGISTERED])
def test_a_note_names_the_outlet_its_grammar_names(outlets, note, origin):
    s = found(STORY + note, outlets)
    assert (s.origin, s.origin_from, s.credit_lines) == (origin, "credit-line", (note,))
    assert "origin-unregistered" in syndication_tags(s, outlets)


def test_a_registered_outlet_is_not_tagged_unregistered(outlets):
    s = found(STORY + "This story was provided by Reuters, which distributes it to its clients.", outlets)
    assert s.origin == "Reuters"
    assert "origin-unregistered" not in syndication_tags(s, outlets)


@pytest.mark.parametrize(
    "note",
    [
        "This story was written by Jane Doe, a reporter who covers the port.",  # a person
        "First published in Paris, the magazine soon moved to Lyon.",  # a place, then the story goes on
        "This article was originally published in March, before the vote.",  # a date
        "Originally published in 1999, the guide is still sold at the pier.",  # a year
        "The story was first published in the Saltmarsh Ledger, which later retracted it.",  # a story's story
    ],
)
def test_notes_that_name_no_outlet(outlets, note):
    assert found(STORY + note, outlets).origin is None


# --- 2. notes and credits anywhere in the last paragraphs, and in the opening ---


@pytest.mark.parametrize(
    ("closing", "origin", "contributors"),
    [
        (
            "Follow Ana Ruiz on Twitter at @anaruiz. Originally published on Saltmarsh Ledger News.",
            "Saltmarsh Ledger News",
            (),
        ),
        (
            "Ana Ruiz covers ports. This story was originally published by Saltmarsh Ledger News. "
            "Sign up for our newsletter at the link below.",
            "Saltmarsh Ledger News",
            (),
        ),
        (
            "The ferry resumes on Monday. Reuters contributed to this report. Read more on our site.",
            None,
            ("Reuters",),
        ),
        (
            "Sign up for our newsletter. With additional reporting from AFP. More on the vote soon.",
            None,
            ("AFP",),
        ),
    ],
)
def test_a_note_after_other_sentences_of_the_last_paragraph(outlets, closing, origin, contributors):
    for body in (STORY + closing, STORY + closing + "\nShare this story\nComments are closed.\n"):
        s = found(body, outlets)
        assert s.origin == origin
        assert tuple(s.contributors) == tuple(
            {"AFP": "Agence France-Presse"}.get(name, name) for name in contributors
        )
        (line,) = s.credit_lines
        assert line in closing and "newsletter" not in line  # the note, not its neighbours


def test_a_note_in_the_opening_after_a_byline(outlets):
    body = "By Ana Ruiz. This story originally appeared in Saltmarsh Ledger News. " + PARAGRAPH + "\n" + STORY
    s = found(body, outlets)
    assert s.origin == "Saltmarsh Ledger News"
    start, end = s.credit_spans[0]
    assert body[start:end] == "This story originally appeared in Saltmarsh Ledger News."  # the story stays


@pytest.mark.parametrize(
    "closing",
    [
        "Residents contributed to the fund. The ferry resumes on Monday.",  # money, not a report
        "She said the ferry, first published in a guide, is popular. The city agreed.",
        "An earlier version of this story misstated the vote. The ferry resumes on Monday.",  # a correction
        "The guide was reprinted on Tidemark Notes last year. The ferry resumes on Monday.",  # reprinted on
        "From the start, the council was split. With the vote done, the ferry resumes.",  # loose forms
    ],
)
def test_story_sentences_in_the_last_paragraph_are_no_credit(outlets, closing):
    assert origin_and_contributors(STORY + closing, outlets) == (None, ())


# --- 3. a wire dateline past photo captions and bylines ---

PAST_CAPTIONS = [
    ("credit-in-parentheses", "Ferry passengers wait at the pier. (photo via AP) MOSCOW (AP) — "),
    ("agency-photo", "A ferry docks at dawn. (AP Photo/Jane Roe) MOSCOW (AP) — "),
    ("photo-colon", "A ferry docks at dawn. Photo: Jane Roe MOSCOW (AP) — "),
    ("byline", "By ANA RUIZ Associated Press MOSCOW (AP) — "),
    (
        "caption-lines",
        "Ferry plan wins\nA ferry docks at dawn. (AP Photo/Jane Roe)\nBy Ana Ruiz\nShare\nMOSCOW (AP) — ",
    ),
    ("region-and-date", "A ferry docks. (File photo) ST. PETERSBURG, Russia, March 3 (AP) — "),
]


@pytest.mark.parametrize("opening", [c[1] for c in PAST_CAPTIONS], ids=[c[0] for c in PAST_CAPTIONS])
def test_the_dateline_past_captions_and_bylines(outlets, opening):
    body = opening + PARAGRAPH + "\n" + STORY
    s = found(body, outlets)
    assert (s.origin, s.origin_from) == ("Associated Press", "dateline")
    dateline = s.credit_lines[0]
    assert dateline.endswith("(AP) —") and body[slice(*s.credit_spans[0])] == dateline


@pytest.mark.parametrize(
    "opening",
    [
        "Ferry plan wins the vote | Posted Jan 9 | MOSCOW (AP) — ",  # capitals: past headers, wherever
        "Home\nWorld\nSport\nWeather: 4°C\n" * 12 + "MOSCOW (AP) — ",  # a long menu first
        "Ferry plan wins the vote Moscow, Jan. 9 (AP) — ",  # small letters: past a headline
        "By Ana Ruiz Jan. 9 (AP) -- ",  # a date alone, past a byline
        "Ferry plan wins the vote\n- The council voted 7-2\n- Two routes are added\n(AP) -- ",  # a line of its own
    ],
)
def test_the_dateline_past_headers_and_menus(outlets, opening):
    s = found(opening + PARAGRAPH + "\n" + STORY, outlets)
    assert (s.origin, s.origin_from) == ("Associated Press", "dateline")


@pytest.mark.parametrize(
    ("opening", "origin"),
    [
        ("ST. LOUIS, Mo. (Harbour Sports Network) - ", "Harbour Sports Network"),  # a name outlets end in
        ("OSLO (Fjord Reporter) - ", "Fjord Reporter"),
        ("ALBANY, N.Y. (NEWS12) — ", "NEWS12"),  # a station's brand
        ("(KQRT) — ", "KQRT"),  # a station's four letters, opening the copy
        ("LONDON, Jan 5 (efe-epa).- ", "EFE"),  # the first listed of a pair
        ("NEW ORLEANS (CNN and AP) -- ", "CNN"),
        ("GAZA CITY, Gaza Strip, (AP) - ", "Associated Press"),
    ],
)
def test_an_unlisted_source_in_a_full_dateline(outlets, opening, origin):
    assert found(opening + PARAGRAPH + "\n" + STORY, outlets).origin == origin


@pytest.mark.parametrize(
    "opening",
    [
        "LONDON (Updated) - ",  # an edition note
        "KYIV (Ukraine) - ",  # a region, no outlet
        "(WHO) - ",  # three letters: an acronym as likely as a station
        "(Harbour Sports Network) ",  # no separator
        "The Sports Network (HSN) - ",
    ],
)
def test_parentheses_in_a_dateline_that_name_no_outlet(outlets, opening):
    assert found(opening + PARAGRAPH + "\n" + STORY, outlets).origin is None


@pytest.mark.parametrize(
    "opening",
    [
        PARAGRAPH + " Moscow, Jan. 9 (AP) — ",  # small letters after story text: not this copy's dateline
        "A ferry docks at dawn. (AP Photo/Jane Roe) The council met. ",  # a photo credit only
        "A ferry docks at dawn. (AP Photo) ",
        "Passengers wait (Reuters) — ",  # no place in capitals
    ],
)
def test_captions_without_a_dateline_credit_nothing(outlets, opening):
    assert found(opening + PARAGRAPH + "\n" + STORY, outlets).origin is None


def test_a_dateline_past_the_opening_is_not_read(outlets):
    body = "\n".join(["Share"] * 3 + [PARAGRAPH] * 4) + "\nMOSCOW (AP) — " + PARAGRAPH
    assert found(body, outlets).origin is None


# --- 4. a story on one table line: split into cells first ---


def test_a_table_line_is_split_into_cells_with_the_same_offsets():
    line = "Ferry plan | " + PARAGRAPH + " | Share"
    cells = as_page_text(line)
    assert len(cells) == len(line) and cells.split("\n") == ["Ferry plan ", " " + PARAGRAPH + " ", " Share"]
    # a short line keeps its cells together: "Photo: Jane Roe | Reuters" is one credit
    assert as_page_text("| Photo: Jane Roe \\| Reuters |") == "  Photo: Jane Roe    Reuters  "


def test_a_wrapped_line_is_joined_with_the_same_offsets():
    text = "Copyright 2008 by The\nHarbour Wire. All rights reserved. This may not be\nreprinted.\nThe end.\nNext"
    joined = as_page_text(text)
    assert len(joined) == len(text)
    assert joined.splitlines() == [
        "Copyright 2008 by The Harbour Wire. All rights reserved. This may not be reprinted.",
        "The end.",
        "Next",
    ]


@pytest.mark.parametrize(
    ("line", "origin", "contributors"),
    [
        (
            "Ferry plan | MOSCOW (AP) — " + PARAGRAPH + " | Reuters contributed to this report. | Share",
            "Associated Press",
            ("Reuters",),
        ),
        (
            "| Ferry plan |\tBERLIN (dpa) - " + PARAGRAPH + "\t| With reporting by afp |",
            "dpa",
            ("Agence France-Presse",),
        ),
        (
            "Ferry plan | " + PARAGRAPH + " | This story was provided by Gullwing Weekly. | Related",
            "Gullwing Weekly",
            (),
        ),
    ],
)
def test_the_dateline_and_credits_inside_a_table_line(outlets, line, origin, contributors):
    s = found(line, outlets)
    assert (s.origin, s.contributors) == (origin, contributors)
    for credit in s.credit_lines:
        assert "|" not in credit and "\t" not in credit and credit in line


def test_a_table_line_of_story_only_credits_nothing(outlets):
    line = (
        "Ferry plan | " + PARAGRAPH + " The mayor told Reuters she was pleased. | Photo: Jane Roe | Reuters"
    )
    s = found(line, outlets)
    assert (s.origin, s.contributors, s.attributions) == (None, (), ("Reuters",))


# --- 5. agency names in any case inside a credit's grammar ---


@pytest.mark.parametrize(
    ("closing", "contributors"),
    [
        ("With reporting by dpa.", ("dpa",)),
        ("with reporting by reuters and afp", ("Reuters", "Agence France-Presse")),
        ("Additional reporting by REUTERS.", ("Reuters",)),
        ("reuters contributed to this report.", ("Reuters",)),
        ("Reporting by Jane Doe; additional reporting by dpa", ("dpa",)),
    ],
)
def test_agencies_in_any_case_in_a_credit(outlets, closing, contributors):
    assert origin_and_contributors(STORY + closing, outlets) == (None, contributors)


@pytest.mark.parametrize(
    "closing",
    [
        "Reporting by Jane Smith.",  # a person
        "With reporting by Jane Smith and Bo Li.",
        "Additional reporting by Ani Petrosyan in Yerevan.",  # a given name spelt like an agency
        "The trend is clear, the mayor said.",  # an agency's name as a common word, in a story sentence
        "With time, the ferry will pay for itself.",
    ],
)
def test_lower_case_words_outside_a_credit_are_no_outlet(outlets, closing):
    assert origin_and_contributors(STORY + closing, outlets) == (None, ())


# --- precision: credits that never give an origin ---


@pytest.mark.parametrize(
    "closing",
    [
        "Photo: Reuters",
        "(AP Photo/Evan Roe)",
        "Video via Twitter",
        "Source: reuters.com",
        "An earlier version of this story misstated the date of the vote.",
        "This story was reprinted on Tidemark Notes.",
    ],
)
def test_credits_that_are_never_an_origin(outlets, closing):
    assert origin_and_contributors(STORY + closing, outlets) == (None, ())


# --- 6. copyright lines where a page puts them ---


@pytest.mark.parametrize(
    ("closing", "origin"),
    [
        (  # a page's note after it
            "Copyright 2008 Associated Press. All rights reserved.\nThe full text runs to 400 words in print.",
            "Associated Press",
        ),
        (  # far from the end, under links and captions
            "Copyright 2008 Associated Press.\nPrint this story\n"
            + "A ferry docks at dawn in the harbour on a cold Tuesday morning.\n" * 6,
            "Associated Press",
        ),
        (  # wrapped at a fixed width
            "Copyright 2025 by The\nAssociated Press. All rights reserved. Reuse needs the\nagency's consent.",
            "Associated Press",
        ),
        ("Copyright (c) Press Association Ltd. 2025, all rights reserved.", "PA Media"),  # a company's form
        ("© Rights reserved, copy from Canadian Press", "The Canadian Press"),
        ("© 2025 The Times Gazette of Harbourville", "The Times Gazette of Harbourville"),  # not The Times
    ],
)
def test_an_agencys_copyright_wherever_the_page_puts_it(outlets, closing, origin):
    assert found(STORY + closing, outlets).origin == origin


@pytest.mark.parametrize(
    "closing",
    [
        "© 2008 Harbour Media Group, LLC.",  # a company: the page's owner
        "Copyright © 2008 Harbour Herald Communications",
        "Copyright © 1998-2008 Harbour Herald",  # the years of a site
        "Copyright © 2008 Independent Harbour Television Limited",  # not The Independent
        "Share this\nHome\nContact us\nCopyright © 2008 Harbour Herald.",  # a footer under the menu
        "Copyright and Privacy Notice",  # a link
        # a publication's copyright away from the end of the copy
        "Copyright 2008 Harbour Herald.\nPrint this story\n"
        + "A ferry docks at dawn on a cold Tuesday.\n" * 4,
    ],
)
def test_a_sites_copyright_is_no_origin(outlets, closing):
    s = found(PARAGRAPH + "\n" + STORY + closing, outlets)
    assert s.origin is None
    assert s.credit_spans or "Notice" in closing  # masked all the same


def test_a_publications_copyright_closing_the_copy_is_still_its_origin(outlets):
    assert found(STORY + "© 2024 Harbour Herald", outlets).origin == "Harbour Herald"
    assert found("© 2024 Harbour Herald\n" + STORY, outlets).origin == "Harbour Herald"


def test_an_agency_dateline_beats_a_publications_copyright(outlets):
    body = "MOSCOW (AP) — The harbour council met on Tuesday.\n" + STORY + "© 2008 Harbour Herald"
    assert found(body, outlets).origin == "Associated Press"
    body = "The harbour council met.\n" + STORY + "Copyright 2008 Associated Press\n© 2008 Harbour Herald"
    assert found(body, outlets).origin == "Associated Press"


# --- 7. bylines that name the outlet ---

BYLINES = [
    ("by-person-role", "By ANA RUIZ, Associated Press Writer", "Associated Press"),
    ("two-people", "By ANA RUIZ and BO LI, AP Business Writers", "Associated Press"),
    ("caps-agency", "By: Ana Ruiz, THE CANADIAN PRESS", "The Canadian Press"),
    ("for-the", "By Ana Ruiz / For The Associated Press", "Associated Press"),
    ("own-line", "By ANA RUIZ\n(AP)", "Associated Press"),
    ("role-alone", "AP Tennis Writer OSLO --", "Associated Press"),
    ("caps-stamp", "Ferry plan wins the vote | ASSOCIATED PRESS 7:12 a.m. Jan. 8 |", "Associated Press"),
    (
        "caps-after-name",
        "Ferry plan wins Ana Ruiz, THE ASSOCIATED PRESS Published Jan. 8",
        "Associated Press",
    ),
    ("published-by", "Filed on March 2, 2025 by IANS", "Indo-Asian News Service"),
    ("after-a-date", "Posted on Apr 2, 2025 By Ana Ruiz / Tidewater News Network", "Tidewater News Network"),
    ("person-comma", "Ana Ruiz, Harbour News Service", "Harbour News Service"),
    ("person-comma-now", "Ana Ruiz, Gullwing Now\nPublished: Jan 9", "Gullwing Now"),
]


@pytest.mark.parametrize(("byline", "origin"), [c[1:] for c in BYLINES], ids=[c[0] for c in BYLINES])
def test_a_byline_naming_an_outlet(outlets, byline, origin):
    body = "Ferry plan wins\n" + byline + "\n" + PARAGRAPH + "\n" + STORY
    s = found(body, outlets)
    assert (s.origin, s.origin_from) == (origin, "byline")
    begin = body.index(byline)
    assert any(begin <= a < begin + len(byline) for a, b in s.credit_spans)  # masked


@pytest.mark.parametrize(
    "byline",
    [
        "By Ana Ruiz",  # people only
        "Reporting by Jane Smith",
        "A ferry docks at dawn. (Ana Ruiz / THE CANADIAN PRESS)",  # a picture's credit
        "A ferry docks at dawn. Photo by Ana Ruiz/AP",
        "By Ana Ruiz, Washington Post Staff Writer",  # a paper's own staff, on its own page
        "Washington Post Staff Writer",
        "Ana Ruiz, Staff Reporter",  # a role, not a paper
        "Paris, Harbour News Service",  # no person before the comma
    ],
)
def test_bylines_that_name_no_origin(outlets, byline):
    assert found("Ferry plan wins\n" + byline + "\n" + PARAGRAPH + "\n" + STORY, outlets).origin is None


def test_a_dateline_comes_before_a_byline(outlets):
    body = "By ANA RUIZ, Associated Press Writer\nLONDON (Reuters) - " + PARAGRAPH
    assert (found(body, outlets).origin, found(body, outlets).origin_from) == ("Reuters", "dateline")


# --- 8. sign-offs past the page's items, and the agencies a copy was written from ---


@pytest.mark.parametrize(
    ("closing", "origin", "contributors"),
    [
        (
            "The ferry resumes on Monday. — PTI Print this page Share it",
            "Press Trust of India",
            (),
        ),
        (
            "The ferry resumes on Monday.\nAgence France-Presse\n- Text size\n- Print",
            "Agence France-Presse",
            (),
        ),
        ("(Editing by Ana Ruiz)\n- REUTERS\nSubscribe to the feed", "Reuters", ()),
        ("The ferry resumes on Monday.\n- The Washington Post", "The Washington Post", ()),
        (
            "The ferry resumes on Monday. – The Straits Times/Harbour Partner Network/Ana Ruiz",
            "The Straits Times",
            (),
        ),
        ("The ferry resumes on Monday.\nab/cd (Reuters, AP)", None, ("Reuters", "Associated Press")),
    ],
)
def test_a_signoff_past_the_pages_items(outlets, closing, origin, contributors):
    assert origin_and_contributors(STORY + closing, outlets) == (origin, contributors)


@pytest.mark.parametrize(
    "closing",
    [
        "The ferry resumes on Monday. — AFP reported the vote.",  # a sentence goes on
        "The ferry resumes on Monday. (Reuters, Jane Doe)",  # not agencies only
        "The ferry resumes on Monday.\nHome\nNews\nSport",  # the page's items, no sign-off
        "The ferry resumes on Monday. Reuters\nPrint",  # a bare name that is not the house style
    ],
)
def test_endings_past_the_pages_items_that_sign_nothing(outlets, closing):
    assert origin_and_contributors(STORY + closing, outlets) == (None, ())


# --- 9. contributions in more words, copyrights run into the last sentence, notes in parentheses ---


@pytest.mark.parametrize(
    ("closing", "origin", "contributors"),
    [
        ("The ferry resumes on Monday. – Additional reporting from Reuters", None, ("Reuters",)),
        (
            "Additional information for this story was supplied by AFP and AP.",
            None,
            ("Agence France-Presse", "Associated Press"),
        ),
        ("Information from: Harbour Herald", None, ("Harbour Herald",)),
        ("With files from The Canadian Press", None, ("The Canadian Press",)),
        (
            "Associated Press writers Ana B. Ruiz and Bo Li contributed to this report.",
            None,
            ("Associated Press",),
        ),
        (
            "The ferry resumes near the pier Copyright 2008 The Associated Press. All rights reserved.",
            "Associated Press",
            (),
        ),
        ("The ferry resumes on Monday. Supplied by AAP © AAP 2025", "Australian Associated Press", ()),
        ("The ferry resumes on Monday.\n© 2008\nAAP", "Australian Associated Press", ()),
        ("All content is copyright © 2025 HarbourNews.com and AFP.", "Agence France-Presse", ()),
        ("(This news story provided by Harbour Entertainment Wire)", "Harbour Entertainment Wire", ()),
        (
            "This article was originally published on page 9 of The Harbour Herald on Jan. 3, 2025",
            "The Harbour Herald",
            (),
        ),
        (
            "This article originally appeared in the spring issue of Harbour Magazine.",
            "Harbour Magazine",
            (),
        ),
    ],
)
def test_more_ways_pages_credit_the_copy(outlets, closing, origin, contributors):
    assert origin_and_contributors(STORY + closing, outlets) == (origin, contributors)


@pytest.mark.parametrize(
    "closing",
    [
        "Reporting from Oslo -- The ferry resumes on Monday.",  # a place, not an outlet
        "Information from residents helped the council.",
        "The ferry resumes, the Copyright Office said.",
        "The ferry resumes near the pier © 2008 Harbour Herald",  # a site's, run into the text
    ],
)
def test_more_sentences_that_credit_nothing(outlets, closing):
    assert origin_and_contributors(STORY + closing, outlets) == (None, ())


@pytest.mark.parametrize(
    ("closing", "origin", "contributors"),
    [
        (
            "FOX News' Ana Ruiz and Bo Li contributed to this report.",
            None,
            ("Fox News",),
        ),  # the case it writes
        ("FoxNews' Ana Ruiz contributed to this report.", None, ("Fox News",)),  # run together
        ("© 2025 USATODAY.COM", "USA Today", ()),  # a domain in capitals, run together
        ("Ana Ruiz's neighbour Bo Li contributed to this report.", None, ()),  # a person's possessive
    ],
)
def test_outlets_written_as_pages_write_them(outlets, closing, origin, contributors):
    assert origin_and_contributors(STORY + closing, outlets) == (origin, contributors)


# --- 10. credits above a page's related stories, sign-offs above its footer, wire stamps ---

RELATED = "\n".join(
    f"- Harbour story {n}: the ferry council is expected to meet again next week, officials said."
    for n in range(6)
)


@pytest.mark.parametrize(
    ("closing", "origin", "contributors"),
    [
        ("With files from The Associated Press\nMore stories\n" + RELATED, None, ("Associated Press",)),
        (
            "The ferry resumes on Monday. © 2007 The Associated Press. All rights reserved.\nOther stories\n"
            + RELATED,
            "Associated Press",
            (),
        ),
    ],
)
def test_credits_above_the_pages_related_stories(outlets, closing, origin, contributors):
    assert origin_and_contributors(STORY + closing, outlets) == (origin, contributors)


def test_a_signoff_above_the_pages_menu_and_footer(outlets):
    menu = "\n".join(["Front Page", "National", "Sport", "Opinion"] * 5)
    closing = "The ferry resumes on Monday. — PTI Print this page Share it with a friend or two\n" + menu
    body = STORY + closing + "\nHome\nCopyright © 2025, The Harbour Herald. Reuse needs our written consent"
    assert found(body, outlets).origin == "Press Trust of India"


@pytest.mark.parametrize(
    ("opening", "origin"),
    [
        ("Ferry plan wins Harbour Wire Service Tuesday, March 4, 2025 (Oslo):", None),  # no agency
        ("Ferry plan wins Press Trust of India Tuesday, March 4, 2025 (Pune):", "Press Trust of India"),
        ("Ferry plan wins 4 Mar, 2025, 0915 hrs IST, PTI", "Press Trust of India"),
        ("Ferry plan wins in Oslo Associated Press OSLO, Norway —", "Associated Press"),
        ("By ANA RUIZ\nHarbour Post-Gazette\nFriday, March 7, 2025", "Harbour Post-Gazette"),
        (
            "Posted on Apr 2, 2025 By Ana Ruiz / Tidewater News Network The council met",
            "Tidewater News Network",
        ),
    ],
)
def test_wire_stamps_and_bylines_in_the_opening(outlets, opening, origin):
    assert found(opening + "\n" + PARAGRAPH + "\n" + STORY, outlets).origin == origin


@pytest.mark.parametrize(
    "opening",
    [
        "The mayor told Reuters Monday, January 14, that the plan would pass.",  # a citation, then a date
        "Ferry plan wins. The figures came from Reuters, 2008, officials said.",
    ],
)
def test_an_agency_beside_a_date_in_a_sentence_is_no_stamp(outlets, opening):
    assert found(opening + "\n" + PARAGRAPH + "\n" + STORY, outlets).origin is None
