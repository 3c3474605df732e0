"""Standard news formats -> drafts, on team-written fixtures: detection, field mapping, hostile input."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

# Imported up front so the timing checks below do not pay for the first import of feedparser and trafilatura.
import services.ingest.formats.feeds  # noqa: F401
import services.ingest.formats.html  # noqa: F401
from services.common.schemas import compile_validators
from services.common.serialization import dumps
from services.common.settings import Settings
from services.ingest.formats import FormatError, detect_format, parse
from services.ingest.formats.dates import rfc3339
from services.ingest.formats.ninjs import parse_ninjs

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"
GOOD = {
    "story.txt": "text",
    "story.ninjs-1.json": "ninjs",
    "story.ninjs-2.json": "ninjs",
    "story.newsml.xml": "newsml",
    "story.nitf.xml": "nitf",
    "feed.rss": "rss",
    "feed.atom": "atom",
    "page.html": "html",
}
# Hostile input must be refused at once: an expanded bomb or a fetched entity would take far longer.
FAST_S = 1.0


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse_file(name: str) -> list[dict]:
    return parse(GOOD[name], load(name))


def only(drafts: list[dict]) -> dict:
    assert len(drafts) == 1
    return drafts[0]


def paragraphs(draft: dict) -> list[str]:
    return draft["body_text"].split("\n")


# --- detection -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("story.txt", "text/plain; charset=utf-8", "text"),
        ("story.ninjs-1.json", "application/vnd.iptc.ninjs+json", "ninjs"),
        ("story.ninjs-2.json", "application/vnd.iptc.ninjs+json", "ninjs"),
        ("story.newsml.xml", "application/vnd.iptc.g2.newsitem+xml", "newsml"),
        ("story.newsml.xml", "application/xml", "newsml"),
        ("story.nitf.xml", "text/xml; charset=utf-8", "nitf"),
        ("story.nitf.xml", "application/nitf+xml", "nitf"),
        ("feed.rss", "application/rss+xml", "rss"),
        ("feed.rss", "application/xml", "rss"),
        ("feed.atom", "application/atom+xml", "atom"),
        ("page.html", "text/html; charset=utf-8", "html"),
    ],
)
def test_detect_format_by_content_type(name, content_type, expected):
    assert detect_format(content_type, load(name)) == expected


@pytest.mark.parametrize(("name", "expected"), GOOD.items())
def test_detect_format_by_filename(name, expected):
    assert detect_format(None, load(name), name) == expected


@pytest.mark.parametrize(("name", "expected"), GOOD.items())
def test_detect_format_by_sniffing_the_bytes(name, expected):
    assert detect_format(None, load(name)) == expected


def test_filename_wins_over_sniffing():
    note = b"{draft} Council meets on Thursday to vote on the harbor dredging contract."
    assert detect_format(None, note) == "json"
    assert detect_format(None, note, "notes.txt") == "text"
    assert detect_format(None, load("story.ninjs-1.json"), "wire/STORY.NINJS") == "ninjs"


def test_a_byte_order_mark_does_not_hide_the_format():
    bom = b"\xef\xbb\xbf"
    assert detect_format(None, bom + load("feed.rss")) == "rss"
    assert detect_format(None, bom + load("story.ninjs-2.json")) == "ninjs"
    assert only(parse("ninjs", bom + load("story.ninjs-2.json"))) == only(parse_file("story.ninjs-2.json"))


def test_xhtml_page_with_an_xml_declaration_is_html():
    page = b'<?xml version="1.0" encoding="UTF-8"?>\n' + load("page.html").split(b"\n", 1)[1]
    assert detect_format(None, page, "page.html") == "html"
    assert detect_format("application/xml", page) == "html"


def test_unknown_content_type_is_named():
    with pytest.raises(FormatError) as caught:
        detect_format("application/pdf", b"%PDF-1.7 binary")
    assert "application/pdf" in str(caught.value)
    assert "not a supported content type" in str(caught.value)


def test_unknown_xml_root_is_named():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><text>Hi</text></svg>'
    with pytest.raises(FormatError) as caught:
        detect_format("application/xml", svg)
    assert "<svg>" in str(caught.value)


# --- good fixtures -> drafts -----------------------------------------------------------------------------


def test_plain_text_story():
    draft = only(parse_file("story.txt"))
    assert draft["headline"] == "Duluth opens lake-cooled greenhouse to grow winter vegetables"
    assert draft["dateline"] == "DULUTH, Minn. (AP)"
    body = paragraphs(draft)
    assert len(body) == 5
    assert body[0].startswith("DULUTH, Minn. (AP) — A greenhouse heated and cooled with water")
    assert body[2].startswith("“Our kids have been eating vegetables")
    assert (
        body[-1] == "Associated Press writer Tom Reyes contributed to this report from St. Paul, Minnesota."
    )
    assert draft["headline"] not in draft["body_text"]
    assert set(draft) == {"headline", "dateline", "body_text"}


NINJS_STORY = {
    "guid": "urn:newswire:ap:20261124:duluth-greenhouse",
    "headline": "Duluth opens lake-cooled greenhouse to grow winter vegetables",
    "byline": "By Karin Lindqvist",
    "dateline": "Duluth, Minn.",
    "language": "en-US",
    "provider": "Associated Press",
    "url": "https://news.example.org/2026/11/24/duluth-lake-greenhouse",
    "versioncreated": "2026-11-24T20:05:00Z",
}


@pytest.mark.parametrize("name", ["story.ninjs-1.json", "story.ninjs-2.json"])
def test_ninjs_story(name):
    draft = only(parse_file(name))
    assert {k: v for k, v in draft.items() if k != "body_text"} == NINJS_STORY
    body = paragraphs(draft)
    assert len(body) == 4
    assert body[0].startswith("DULUTH, Minn. (AP) — A greenhouse heated")
    assert body[-1].endswith("under an agreement the city signed last month.")


def test_ninjs_1_and_2_give_the_same_draft():
    assert parse_file("story.ninjs-1.json") == parse_file("story.ninjs-2.json")


def test_ninjs_2_html_body_reads_like_the_plain_one():
    item = json.loads(load("story.ninjs-2.json"))
    item["bodies"] = [b for b in item["bodies"] if b["contenttype"] == "text/html"]
    html_only = only(parse("ninjs", json.dumps(item).encode()))
    assert html_only["body_text"] == only(parse_file("story.ninjs-2.json"))["body_text"]


def test_ninjs_array_gives_one_draft_per_item():
    items = [json.loads(load("story.ninjs-1.json")), json.loads(load("story.ninjs-2.json"))]
    items[1]["uri"] = "urn:newswire:ap:20261124:duluth-greenhouse-2"
    drafts = parse("ninjs", json.dumps(items).encode())
    assert [d["guid"] for d in drafts] == [
        "urn:newswire:ap:20261124:duluth-greenhouse",
        "urn:newswire:ap:20261124:duluth-greenhouse-2",
    ]


def test_newsml_g2_news_item():
    draft = only(parse_file("story.newsml.xml"))
    assert {k: v for k, v in draft.items() if k != "body_text"} == {
        "guid": "urn:newsml:newswire.example:20261120:halifax-ferries",
        "headline": "Electric ferries enter service across Halifax harbour",
        "byline": "By Priya Natarajan",
        "dateline": "HALIFAX, Nova Scotia",
        "language": "en-CA",
        "provider": "Harbour Wire Service",
        "versioncreated": "2026-11-20T12:15:00Z",
    }
    body = paragraphs(draft)
    assert len(body) == 4
    assert body[0].startswith("HALIFAX, Nova Scotia — The first two battery-powered ferries")
    assert "charges for about six minutes at a dock-side station" in body[1]
    assert (
        body[-1]
        == "A third electric ferry is being built in a shipyard on Cape Breton Island and is due next spring."
    )
    assert (
        "Halifax gets electric ferries" not in draft["body_text"]
    )  # the short headline and <title> stay out


def test_newsml_message_wrapping_the_item():
    item = load("story.newsml.xml").split(b"?>", 1)[1]
    message = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><header><sent>2026-11-20T12:16:00Z</sent>'
        b"</header><itemSet>" + item + b"</itemSet></newsMessage>"
    )
    assert detect_format(None, message) == "newsml"
    assert parse("newsml", message) == parse_file("story.newsml.xml")


def test_nitf_story():
    draft = only(parse_file("story.nitf.xml"))
    assert {k: v for k, v in draft.items() if k != "body_text"} == {
        "guid": "gmw-20261118-0042",
        "headline": "Burlington library reopens with a shelf of seeds to borrow",
        "byline": "By Daniel Okafor, Vermont Bureau",
        "dateline": "BURLINGTON, Vt., Nov. 18",
        "language": "en-US",
        "provider": "Green Mountain Wire",
        "versioncreated": "2026-11-18T15:00:00Z",  # date.release wins over date.issue
    }
    body = paragraphs(draft)
    assert len(body) == 4
    assert body[0].startswith("The North End branch of the Burlington public library reopened on Wednesday")
    assert "a retired farmer in Winooski." in body[1]
    assert body[-1] == "Reporting by Daniel Okafor; editing by Lena Marsh."  # body.end tagline
    assert "seed cabinet at the North End branch" not in draft["body_text"]  # media caption
    assert "Gardeners can check out packets" not in draft["body_text"]  # hl2


def test_rss_feed():
    drafts = parse_file("feed.rss")
    assert [d["guid"] for d in drafts] == [
        "https://lakeshore-ledger.example/2026/11/24/bus-route-ferry-dock",
        "ledger-2026-11-23-0419",
        "ledger-2026-11-22-0388",
    ]
    assert [d["url"] for d in drafts] == [
        "https://lakeshore-ledger.example/2026/11/24/bus-route-ferry-dock",
        "https://lakeshore-ledger.example/2026/11/23/lighthouse-cottage-museum",
        "https://lakeshore-ledger.example/2026/11/22/robotics-state-finals",
    ]
    assert [d["versioncreated"] for d in drafts] == [
        "2026-11-24T14:30:00Z",
        "2026-11-23T22:45:00Z",
        "2026-11-22T12:00:00Z",
    ]
    assert [d.get("byline") for d in drafts] == ["Rosa Delgado", "Owen Pike", None]
    assert drafts[0]["headline"] == "Council approves year-round bus route to the ferry dock"
    assert {d["provider"] for d in drafts} == {"Lakeshore Ledger"}
    assert {d["language"] for d in drafts} == {"en-us"}
    assert paragraphs(drafts[0]) == [
        "The town council voted 6-1 on Monday night to run the No. 4 bus to the ferry dock all year, not only in summer.",
        "The change starts on Jan. 5 and will cost about $180,000 a year, paid from parking fees at the marina.",
    ]


def test_rss_item_prefers_content_encoded_over_description():
    draft = parse_file("feed.rss")[1]
    body = paragraphs(draft)
    assert len(body) == 3
    assert body[0].startswith("The Lakeshore Historical Society has signed a 25-year lease")
    assert body[-1] == '"Most people in town have never been inside," said society president Joan Albright.'
    assert "trackView" not in draft["body_text"]
    assert "open the cottage to visitors next summer" not in draft["body_text"]  # the short description


def test_atom_feed():
    first, second = parse_file("feed.atom")
    assert {k: v for k, v in first.items() if k != "body_text"} == {
        "guid": "tag:courier.example,2026-11-21:footbridge",
        "headline": "Estuary footbridge reopens after storm repairs",
        "byline": "Hannah Wells",
        "url": "https://courier.example/news/2026/11/21/footbridge-reopens",
        "provider": "Harbour Town Courier",
        "language": "en-GB",
        "versioncreated": "2026-11-21T09:45:00Z",  # <updated>, converted from +01:00
    }
    assert paragraphs(first)[0].startswith("The footbridge between the harbour and Saltmarsh Lane reopened")
    assert len(paragraphs(first)) == 2
    assert second["guid"] == "tag:courier.example,2026-11-20:electric-boat"
    assert second["byline"] == "Samir Chowdhury"
    assert second["versioncreated"] == "2026-11-20T16:30:00Z"
    assert paragraphs(second)[-1] == (
        "Members say it will run for a full day on one charge from the new quay-side charger."
    )


def test_html_page_keeps_the_article_and_drops_the_boilerplate():
    draft = only(parse_file("page.html"))
    assert {k: v for k, v in draft.items() if k != "body_text"} == {
        "headline": "Valley orchard turns bruised apples into cider vinegar",
        "byline": "Lucia Fernandes",
        "url": "https://millbrook-gazette.example/news/2026/11/19/orchard-cider-vinegar",
        "provider": "Millbrook Gazette",
        "language": "en",
        "dateline": "MILLBROOK, N.Y.",
        # trafilatura keeps the day only; html.py documents that a date without a time reads as midnight UTC.
        "versioncreated": "2026-11-19T00:00:00Z",
    }
    body = draft["body_text"]
    assert body.startswith("MILLBROOK, N.Y. — For three generations the Hadley family sold the apples")
    assert '"We were composting money," Hadley said' in body
    assert body.endswith("about the equipment and permits the business needed.")
    assert len(paragraphs(draft)) == 4
    for boilerplate in (
        "Subscribe for unlimited access",
        "Spring Valley Motors",
        "Advertisement",
        "Compare home insurance quotes",
        "Most read",
        "Snowplow schedule",
        "All rights reserved",
        "Privacy policy",
        "Millbrook Gazette",
    ):
        assert boilerplate not in body


def test_every_good_fixture_gives_valid_submissions():
    validator = compile_validators(("article-submission",))["article-submission"]
    for name in GOOD:
        drafts = parse_file(name)
        assert drafts, name
        for draft in drafts:
            assert validator.errors(draft) == [], name


# --- hostile and malformed input ------------------------------------------------------------------------


def utf8_error_offset(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    raise AssertionError("the fixture is valid UTF-8")


@pytest.mark.parametrize(
    ("name", "fmt", "problem"),
    [
        ("bomb.xml", "nitf", "nitf: XML entity declarations are refused"),
        ("bomb.xml", "newsml", "newsml: XML entity declarations are refused"),
        ("bomb.rss", "rss", "rss: XML entity declarations are refused"),
        ("bomb.rss", "atom", "atom: XML entity declarations are refused"),
        ("xxe.xml", "nitf", "nitf: external entities are refused"),
        ("xxe.xml", "rss", "rss: external entities are refused"),
        ("xxe-parameter.xml", "newsml", "newsml: external entities are refused"),
        ("xxe-parameter.xml", "rss", "rss: external entities are refused"),
        ("truncated.nitf.xml", "nitf", "nitf: not well-formed XML"),
        ("empty.txt", "text", "text: no body text found"),
        ("no-body.ninjs.json", "ninjs", "ninjs: no body text found"),
    ],
)
def test_hostile_input_is_refused_quickly_with_a_reason(name, fmt, problem):
    started = time.perf_counter()
    with pytest.raises(FormatError) as caught:
        parse(fmt, load(name))
    assert time.perf_counter() - started < FAST_S
    assert problem in str(caught.value)
    assert caught.value.format == fmt


@pytest.mark.parametrize(("name", "fmt"), [("latin1.txt", "text"), ("latin1-declared-utf8.xml", "nitf")])
def test_wrong_encoding_names_the_byte_offset(name, fmt):
    data = load(name)
    with pytest.raises(FormatError) as caught:
        parse(fmt, data)
    assert f"not valid UTF-8 at byte {utf8_error_offset(data)}" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("bomb.xml", "entity declarations are refused"),
        ("bomb.rss", "entity declarations are refused"),
        ("xxe.xml", "external entities are refused"),
        ("xxe-parameter.xml", "external entities are refused"),
        ("truncated.nitf.xml", "not well-formed XML"),
        ("latin1.txt", "not valid UTF-8"),
        ("latin1-declared-utf8.xml", "not valid UTF-8"),
        ("empty.txt", "no body text found"),
        ("no-body.ninjs.json", "no body text found"),
    ],
)
def test_hostile_files_fail_through_detection_and_parsing(name, problem):
    data = load(name)
    started = time.perf_counter()
    with pytest.raises(FormatError) as caught:
        parse(detect_format(None, data, name), data)
    assert time.perf_counter() - started < FAST_S
    assert problem in str(caught.value)


def test_missing_body_names_the_field():
    with pytest.raises(FormatError) as caught:
        parse("ninjs", load("no-body.ninjs.json"))
    assert caught.value.field == "body_text"


def test_huge_input_is_parsed_whole_so_the_size_limit_can_name_it():
    # Not stored: generated just over the article limit. The parsers do not cut text short; the intake's size
    # check is what refuses it, and it can only do so if the whole body arrives.
    limit = Settings().max_article_bytes
    count = limit // 80
    lines = [
        f"Paragraph {i} of the council's minutes on the harbor dredging contract, as read aloud."
        for i in range(count)
    ]
    text = "\n\n".join(lines).encode()
    nitf = (
        "<nitf><body><body.content>"
        + "".join(f"<p>{line}</p>" for line in lines)
        + "</body.content></body></nitf>"
    )
    for fmt, data in (("text", text), ("nitf", nitf.encode())):
        assert len(data) > limit
        started = time.perf_counter()
        body = only(parse(fmt, data))["body_text"]
        assert time.perf_counter() - started < 10 * FAST_S
        assert len(body.encode()) > limit
        assert body.split("\n")[-1] == lines[-1]


def test_deeply_nested_xml_does_not_exhaust_the_stack():
    depth = 50_000
    data = b"<nitf><body><body.content>" + b"<div>" * depth + b"<p>Still here.</p>" + b"</div>" * depth
    data += b"</body.content></body></nitf>"
    assert only(parse("nitf", data))["body_text"] == "Still here."


@pytest.mark.parametrize("field, value", [("headlines", 5), ("bodies", 5), ("links", True), ("bylines", "x")])
def test_ninjs_array_field_of_another_type_is_ignored(field, value):
    [draft] = parse_ninjs(dumps({"body_text": "Text of the story.", field: value}))
    assert draft["body_text"] == "Text of the story."


def test_a_date_before_year_one_in_utc_is_a_format_error_naming_the_field():
    with pytest.raises(FormatError, match="versioncreated .* out of range"):
        rfc3339("0001-01-01T00:00:00+01:00", "ninjs")
