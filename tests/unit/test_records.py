from datetime import UTC, datetime

import pytest

from services.common.exceptions import RecordError
from services.common.records import article_id, build_raw_article
from services.common.schemas import SCHEMAS_DIR, compile_validators
from services.common.serialization import loads

WHEN = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def validators():
    return compile_validators()


def test_id_is_stable_across_spacing_quotes_and_unicode_forms():
    a = article_id(guid=None, provider=None, body_text="Putin’s  power\n“cracks”")
    b = article_id(guid=None, provider=None, body_text='  Putin\'s power "cracks"  ')
    assert a == b
    assert a != article_id(guid=None, provider=None, body_text='Putin\'s power "cracked"')


def test_id_follows_the_guid_when_given_so_new_versions_share_it():
    v1 = article_id(guid="urn:ap:123", provider="AP", body_text="first version")
    v2 = article_id(guid="urn:ap:123", provider="AP", body_text="second version, corrected")
    assert v1 == v2
    assert v1 != article_id(guid="urn:ap:123", provider="Reuters", body_text="first version")


def test_raw_record_matches_its_schema(validators):
    record = build_raw_article(
        {"body_text": " Body. ", "headline": "H", "guid": "g1"}, received_at=WHEN, default_provider="desk"
    )
    validators["raw-article"].validate(record)
    assert record["received_at"] == "2026-11-25T07:00:00.000Z"
    assert record["provider"] == "desk" and record["body_text"] == "Body."
    assert record["id"].startswith("nw-")


def test_submission_errors_name_every_field(validators):
    problems = dict(
        validators["article-submission"].errors({"headline": 5, "language": "english!", "colour": "red"})
    )
    assert set(problems) == {"body_text", "headline", "language", "colour"}
    with pytest.raises(RecordError, match="body_text"):
        validators["article-submission"].validate({"headline": "no body"})


@pytest.mark.parametrize("path", sorted((SCHEMAS_DIR / "examples").glob("*.json")), ids=lambda p: p.name)
def test_each_schema_example_validates(validators, path):
    schema_name = path.name.split(".")[0]
    validators[schema_name].validate(loads(path.read_bytes()))


def test_there_is_an_example_for_every_topic_record():
    names = {p.name.split(".")[0] for p in (SCHEMAS_DIR / "examples").glob("*.json")}
    assert {"raw-article", "enriched-article", "dead-letter", "article-submission"} <= names
