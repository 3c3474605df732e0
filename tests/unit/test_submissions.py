"""HTTP request bodies -> drafts by content type: JSON, NDJSON, the standard formats, query overrides, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from services.common.schemas import compile_validators
from services.common.settings import Settings
from services.ingest.exceptions import Rejected
from services.ingest.intake import Intake
from services.ingest.metrics import IngestMetrics
from services.ingest.web.submissions import FORMAT_TYPES, SUPPORTED, drafts_from_body

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"
ARTICLE = {
    "guid": "urn:desk:2026:0001",
    "headline": "Harbor dredging starts",
    "body_text": "Work began at dawn.",
}


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rejected(content_type: str | None, body: bytes, query: dict[str, str] | None = None) -> Rejected:
    with pytest.raises(Rejected) as caught:
        drafts_from_body(content_type, body, query or {})
    return caught.value


# --- JSON and NDJSON: drafts as sent ---------------------------------------------------------------------


def test_json_object_is_one_draft():
    assert drafts_from_body("application/json", json.dumps(ARTICLE).encode(), {}) == [ARTICLE]


def test_json_array_is_one_draft_per_element():
    second = {"body_text": "Second story."}
    body = json.dumps([ARTICLE, second]).encode()
    assert drafts_from_body("application/json; charset=utf-8", body, {}) == [ARTICLE, second]


def test_json_that_is_not_an_object_or_array_is_refused():
    error = rejected("application/json", b'"just a string"')
    assert (error.status, error.code) == (422, "invalid_article")
    assert "got str" in error.problems[0]["message"]


def test_invalid_json_is_refused_with_the_position():
    error = rejected("application/json", b'{"body_text": "unterminated}')
    assert (error.status, error.code) == (400, "invalid_json")
    assert "line 1" in error.reason


def test_ndjson_one_draft_per_line_blank_lines_skipped():
    body = json.dumps(ARTICLE).encode() + b"\n\n" + b'{"body_text": "Second story."}\n'
    assert drafts_from_body("application/x-ndjson", body, {}) == [ARTICLE, {"body_text": "Second story."}]


def test_ndjson_bad_line_is_named():
    body = b'{"body_text": "one"}\n{"body_text": "two"}\n{"body_text": "three"\n'
    error = rejected("application/x-ndjson", body)
    assert (error.status, error.code) == (400, "invalid_json")
    assert error.reason.startswith("line 3: not valid JSON")
    assert error.problems[0]["line"] == 3


# --- standard formats --------------------------------------------------------------------------------------


def test_plain_text():
    (draft,) = drafts_from_body("text/plain; charset=utf-8", load("story.txt"), {})
    assert draft["headline"] == "Duluth opens lake-cooled greenhouse to grow winter vegetables"
    assert draft["dateline"] == "DULUTH, Minn. (AP)"
    assert draft["body_text"].startswith("DULUTH, Minn. (AP) — A greenhouse heated")


def test_html_page():
    (draft,) = drafts_from_body("text/html", load("page.html"), {})
    assert draft["headline"] == "Valley orchard turns bruised apples into cider vinegar"
    assert draft["url"] == "https://millbrook-gazette.example/news/2026/11/19/orchard-cider-vinegar"
    assert "Spring Valley Motors" not in draft["body_text"]
    assert "Hadley family" in draft["body_text"]


def test_ninjs():
    (draft,) = drafts_from_body("application/vnd.iptc.ninjs+json", load("story.ninjs-2.json"), {})
    assert draft["guid"] == "urn:newswire:ap:20261124:duluth-greenhouse"
    assert draft["byline"] == "By Karin Lindqvist"
    assert draft["versioncreated"] == "2026-11-24T20:05:00Z"


def test_ninjs_posted_as_plain_json_is_taken_as_sent():
    (draft,) = drafts_from_body("application/json", load("story.ninjs-1.json"), {})
    assert draft == json.loads(load("story.ninjs-1.json"))


@pytest.mark.parametrize(
    ("name", "content_type", "guids"),
    [
        ("story.newsml.xml", "application/xml", ["urn:newsml:newswire.example:20261120:halifax-ferries"]),
        ("story.nitf.xml", "application/xml", ["gmw-20261118-0042"]),
        ("story.nitf.xml", "text/xml; charset=utf-8", ["gmw-20261118-0042"]),
        (
            "feed.rss",
            "application/xml",
            [
                "https://lakeshore-ledger.example/2026/11/24/bus-route-ferry-dock",
                "ledger-2026-11-23-0419",
                "ledger-2026-11-22-0388",
            ],
        ),
        (
            "feed.atom",
            "application/atom+xml",
            ["tag:courier.example,2026-11-21:footbridge", "tag:courier.example,2026-11-20:electric-boat"],
        ),
    ],
)
def test_xml_formats_are_told_apart_by_the_root_element(name, content_type, guids):
    drafts = drafts_from_body(content_type, load(name), {})
    assert [d["guid"] for d in drafts] == guids
    assert all(d["body_text"] for d in drafts)


def test_xml_with_an_unknown_root_is_refused():
    error = rejected("application/xml", b"<invoice><total>12</total></invoice>")
    assert (error.status, error.code) == (400, "invalid_format")
    assert "<invoice>" in error.reason


# --- content type and query parameters ----------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", None])
def test_unknown_content_type_is_415(content_type):
    error = rejected(content_type, b"%PDF-1.7")
    assert (error.status, error.code) == (415, "unsupported_media_type")
    assert (content_type or "(none)") in error.reason
    assert "text/plain" in error.reason  # lists what is supported


def test_unknown_query_parameter_is_400():
    error = rejected("text/plain", load("story.txt"), {"headline": "x", "priority": "1"})
    assert (error.status, error.code) == (400, "unknown_parameter")
    assert "priority" in error.reason
    assert "headline" not in error.reason.split(";")[0]


def test_query_fields_override_and_fill_in():
    query = {
        "guid": "urn:desk:2026:0042",
        "provider": "Associated Press",
        "url": "https://news.example.org/duluth",
        "headline": "Lake water warms Duluth greenhouse",
        "language": "en-US",
        "versioncreated": "2026-11-24T20:05:00Z",
        "byline": "",  # empty values set nothing
    }
    (draft,) = drafts_from_body("text/plain", load("story.txt"), query)
    assert draft == {
        "guid": "urn:desk:2026:0042",
        "provider": "Associated Press",
        "url": "https://news.example.org/duluth",
        "headline": "Lake water warms Duluth greenhouse",
        "language": "en-US",
        "versioncreated": "2026-11-24T20:05:00Z",
        "dateline": "DULUTH, Minn. (AP)",
        "body_text": draft["body_text"],
    }
    assert draft["body_text"].startswith("DULUTH, Minn. (AP)")


@pytest.mark.parametrize("content_type", ["application/json", "application/x-ndjson"])
def test_a_json_articles_own_value_of_a_field_the_query_sets_must_be_valid_too(content_type):
    # Found by schemathesis: {"language": {}} with ?language=en was accepted, the query hiding what the
    # client wrote. Its valid values are still replaced.
    body = json.dumps({"body_text": "Work began at dawn.", "language": {}, "url": "x"}).encode()
    error = rejected(content_type, body, {"language": "en", "url": "https://example.org/a"})
    assert (error.status, error.code) == (422, "invalid_article")
    assert error.problems == [{"index": 0, "field": "language", "message": "must be string"}]
    valid = json.dumps({"body_text": "Work began at dawn.", "language": "de"}).encode()
    assert drafts_from_body(content_type, valid, {"language": "en"})[0]["language"] == "en"


def test_the_query_replaces_what_parsed_copy_carries_whatever_it_is():
    ninjs = json.dumps({"body_text": "Work began at dawn.", "language": "English!"}).encode()
    (draft,) = drafts_from_body("application/vnd.iptc.ninjs+json", ninjs, {"language": "en"})
    assert draft["language"] == "en"


def test_query_fields_apply_to_every_draft_of_a_feed():
    drafts = drafts_from_body("application/rss+xml", load("feed.rss"), {"provider": "Lakeshore Ledger Wire"})
    assert [d["provider"] for d in drafts] == ["Lakeshore Ledger Wire"] * 3


# --- hostile and malformed bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "problem"),
    [
        ("bomb.xml", "application/xml", "entity declarations are refused"),
        ("bomb.rss", "application/rss+xml", "entity declarations are refused"),
        ("bomb.rss", "application/xml", "entity declarations are refused"),
        ("xxe.xml", "application/xml", "external entities are refused"),
        ("xxe.xml", "application/nitf+xml", "external entities are refused"),
        ("xxe-parameter.xml", "application/vnd.iptc.g2.newsitem+xml", "external entities are refused"),
        ("truncated.nitf.xml", "application/xml", "not well-formed XML"),
        ("latin1-declared-utf8.xml", "application/xml", "not valid UTF-8 at byte 255"),
    ],
)
def test_hostile_xml_is_refused_with_the_reason(name, content_type, problem):
    error = rejected(content_type, load(name))
    assert (error.status, error.code) == (400, "invalid_format")
    assert problem in error.reason
    assert error.problems == [{"index": 0, "field": "(body)", "message": error.reason}]


@pytest.mark.parametrize(
    "document",
    [
        {"body_text": "Work began at dawn.", "headlines": 5},
        {"body_text": "Work began at dawn.", "links": True},
    ],
)
def test_a_ninjs_array_sent_as_another_type_is_ignored(document):
    # Found by schemathesis: such fields raised TypeError in the parser (a 500).
    [draft] = drafts_from_body("application/vnd.iptc.ninjs+json", json.dumps(document).encode(), {})
    assert draft["body_text"] == "Work began at dawn."


@pytest.mark.parametrize(
    ("document", "problem", "field"),
    [
        ({"bodies": 5}, "no body text found", "body_text"),
        (
            {"body_text": "Work began at dawn.", "versioncreated": "0001-01-01T00:00:00+01:00"},
            "out of range",
            "versioncreated",
        ),
    ],
)
def test_a_ninjs_document_the_parser_cannot_use_is_a_422_naming_the_field(document, problem, field):
    error = rejected("application/vnd.iptc.ninjs+json", json.dumps(document).encode())
    assert (error.status, error.code) == (422, "invalid_format")
    assert problem in error.reason
    assert error.problems[0]["field"] == field


@pytest.mark.parametrize(
    ("name", "content_type", "problem"),
    [
        ("empty.txt", "text/plain", "no body text found"),
        ("no-body.ninjs.json", "application/vnd.iptc.ninjs+json", "no body text found"),
    ],
)
def test_bodies_without_usable_text_name_the_field(name, content_type, problem):
    error = rejected(content_type, load(name))
    assert (error.status, error.code) == (422, "invalid_format")
    assert problem in error.reason
    assert error.problems[0]["field"] == "body_text"


@pytest.mark.parametrize("content_type", [t for t in SUPPORTED if FORMAT_TYPES.get(t, "") is not None])
def test_invalid_utf8_is_one_answer_for_every_text_content_type(content_type):
    body = b'{"body_text": "Caf\xe9 owners in Lyon protested."}'  # Latin-1 e-acute: not UTF-8
    error = rejected(content_type, body)
    assert (error.status, error.code) == (400, "invalid_encoding")
    bad_byte = body.index(0xE9)
    assert f"not valid UTF-8 at byte {bad_byte}" in error.reason


def test_huge_body_arrives_whole_and_the_intake_names_the_limit():
    # Generated, not stored: a plain-text story just over the article size limit.
    limit = Settings().max_article_bytes
    body = "\n\n".join(f"Paragraph {i} of the council minutes." for i in range(limit // 30)).encode()
    assert len(body) > limit
    (draft,) = drafts_from_body("text/plain", body, {})
    assert draft["body_text"].endswith(f"Paragraph {limit // 30 - 1} of the council minutes.")
    intake = Intake(
        validator=compile_validators(("article-submission",))["article-submission"],
        publisher=None,  # prepare() refuses before anything is published
        metrics=IngestMetrics.create(CollectorRegistry()),
        max_article_bytes=limit,
    )
    with pytest.raises(Rejected) as caught:
        intake.prepare([draft], "http")
    assert (caught.value.status, caught.value.code) == (413, "too_large")
    assert f"over the limit of {limit}" in caught.value.problems[0]["message"]


class _ReadyPublisher:
    def __init__(self, ready: bool) -> None:
        self.ready = ready

    def can_publish_on_loop(self) -> bool:
        return self.ready


def test_only_small_requests_are_submitted_on_the_event_loop():
    from services.ingest.intake import ON_LOOP_MAX_ARTICLES, ON_LOOP_MAX_BYTES

    def intake(ready: bool) -> Intake:
        return Intake(
            validator=compile_validators(("article-submission",))["article-submission"],
            publisher=_ReadyPublisher(ready),
            metrics=IngestMetrics.create(CollectorRegistry()),
            max_article_bytes=Settings().max_article_bytes,
        )

    assert intake(True).can_submit_on_loop(ON_LOOP_MAX_ARTICLES, 20_000)  # a few wire stories
    assert not intake(True).can_submit_on_loop(ON_LOOP_MAX_ARTICLES + 1, 60_000)
    assert not intake(True).can_submit_on_loop(1, ON_LOOP_MAX_BYTES + 1)  # one long story: a thread
    assert not intake(False).can_submit_on_loop(1, 1_000)  # metadata unknown: send() would block
