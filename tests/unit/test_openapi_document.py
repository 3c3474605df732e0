"""The OpenAPI document ingest serves (services/ingest/web/openapi.json) against the code and the docs.

tests/integration/test_openapi_fuzz.py runs schemathesis against a running ingest; these are the parts
that need no server: the document restates the schema file, names the query fields, content types and
answers the service has, and its examples are articles ingest accepts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from services.common.schemas import compile_validators, load_schema
from services.ingest.web.http_api import OPENAPI_PATH
from services.ingest.web.submissions import QUERY_FIELDS, SUPPORTED, drafts_from_body

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
POST = DOCUMENT["paths"]["/v1/articles"]["post"]
CONTENT = POST["requestBody"]["content"]


def test_article_submission_is_the_schema_file():
    schema = load_schema("article-submission")
    del schema["$schema"], schema["$id"]
    assert DOCUMENT["components"]["schemas"]["ArticleSubmission"] == schema


def test_each_query_parameter_is_checked_as_the_field_it_sets_and_may_be_empty():
    query = [p for p in POST["parameters"] if p["in"] == "query"]
    assert [p["name"] for p in query] == list(QUERY_FIELDS)
    for parameter in query:
        assert parameter["schema"] == {
            "type": "string",
            "anyOf": [
                {"const": ""},  # sets nothing
                {"$ref": f"#/components/schemas/ArticleSubmission/properties/{parameter['name']}"},
            ],
        }


def test_a_batch_holds_at_least_one_article():
    batch = CONTENT["application/json"]["schema"]["oneOf"][1]
    assert batch["type"] == "array" and batch["minItems"] == 1  # [] is a 422 no_articles


def test_content_encoding_is_described_not_offered_as_a_parameter():
    # As a parameter with enum gzip, any body may go with `gzip`: the server answers 400 invalid_gzip.
    assert "content-encoding" not in {p["name"].lower() for p in POST["parameters"]}
    description = POST["requestBody"]["description"]
    assert "Content-Encoding: gzip" in description and "invalid_gzip" in description
    assert "invalid_gzip" in POST["responses"]["400"]["description"]
    assert "unsupported_encoding" in POST["responses"]["415"]["description"]


def test_every_documented_content_type_is_one_ingest_takes():
    assert set(CONTENT) <= set(SUPPORTED)


def answers_table() -> list[str]:
    """The rows of docs/sending.md's table of answers to POST /v1/articles."""
    text = (ROOT / "docs" / "sending.md").read_text(encoding="utf-8")
    section = text.split("## HTTP API", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if re.match(r"\| \d{3}\b", line)]


def test_the_answers_are_the_ones_docs_sending_lists():
    listed = {line[2:5] for line in answers_table()}
    assert set(POST["responses"]) == listed


def test_every_error_code_docs_sending_names_is_in_the_error_schema():
    codes = DOCUMENT["components"]["schemas"]["Error"]["properties"]["error"]["description"]
    named = {code for line in answers_table() for code in re.findall(r"`([a-z]+(?:_[a-z]+)+)`", line)}
    assert named and not {code for code in named if code not in codes}


@pytest.mark.parametrize("content_type", sorted(t for t in CONTENT if "example" in CONTENT[t]))
def test_each_example_is_an_article_ingest_accepts(content_type):
    example = CONTENT[content_type]["example"]
    body = example.encode() if isinstance(example, str) else json.dumps(example).encode()
    drafts = drafts_from_body(content_type, body, {})
    validator = compile_validators(("article-submission",))["article-submission"]
    assert drafts and all(validator.errors(draft) == [] for draft in drafts)
