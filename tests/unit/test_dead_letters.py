import base64
from datetime import UTC, datetime

import pytest

from services.common.schemas import compile_validators
from services.enrich.exceptions import PoisonRecord
from services.enrich.worker.dead_letters import MAX_ORIGINAL_BYTES, Source, dead_letter
from services.enrich.worker.raw_records import decode_raw_article

WHEN = datetime(2026, 11, 25, tzinfo=UTC)
SOURCE = Source("news.articles.raw", 2, 41)


@pytest.fixture(scope="module")
def validators():
    return compile_validators()


def test_text_original_is_kept_as_text_with_its_source(validators):
    letter = dead_letter(
        original=b"{oops",
        key=b"k",
        source=SOURCE,
        stage="consume",
        error_type="not_json",
        reason="not valid JSON",
        failed_at=WHEN,
    )
    validators["dead-letter"].validate(letter)
    assert letter["original"] == "{oops" and letter["original_encoding"] == "utf-8"
    assert letter["source"] == {"topic": "news.articles.raw", "partition": 2, "offset": 41}
    assert letter["original_key"] == "k"


def test_binary_original_is_base64(validators):
    raw = b"\xff\xfe\x00binary"
    letter = dead_letter(
        original=raw,
        key=None,
        source=SOURCE,
        stage="consume",
        error_type="not_json",
        reason="r",
        failed_at=WHEN,
    )
    validators["dead-letter"].validate(letter)
    assert letter["original_encoding"] == "base64"
    assert base64.b64decode(letter["original"]) == raw


def test_huge_original_is_cut_and_says_so():
    letter = dead_letter(
        original=b"a" * (MAX_ORIGINAL_BYTES + 5),
        key=None,
        source=SOURCE,
        stage="consume",
        error_type="too_large",
        reason="r",
        failed_at=WHEN,
    )
    assert letter["original_truncated"] and letter["original_size"] == MAX_ORIGINAL_BYTES + 5
    assert len(letter["original"]) == MAX_ORIGINAL_BYTES


@pytest.mark.parametrize(
    ("value", "error_type", "mentions"),
    [
        (b"", "empty_message", "no value"),
        (b"x" * 1001, "too_large", "1001 bytes"),
        (b"{not json", "not_json", "line 1"),
        (b"[1, 2]", "invalid_record", "list"),
        (
            b'{"id": "nw-00000000000000000000000000000000", "received_at": "2026-01-01T00:00:00Z", "body_text": "  "}',
            "empty_body",
            "body_text",
        ),
        (
            b'{"id": "nw-00000000000000000000000000000000", "received_at": "yesterday", "body_text": "b"}',
            "invalid_record",
            "received_at",
        ),
    ],
)
def test_poison_is_named(validators, value, error_type, mentions):
    with pytest.raises(PoisonRecord) as caught:
        decode_raw_article(value, validators["raw-article"], max_bytes=1000)
    assert caught.value.error_type == error_type
    assert mentions in caught.value.reason
