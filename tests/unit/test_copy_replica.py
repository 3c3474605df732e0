"""The worker's side of the copy index: what it takes from the topic, and what it indexes itself."""

from services.enrich.copies.rule import CopyIndex, Entry, encode_entry, fingerprint, story_id
from services.enrich.worker.copy_replica import CopyStage

NOW = 1_800_000_000.0
WINDOW = 3600.0
# Team-written, invented copy.
BODY = "\n".join(
    [
        "The city council of Ghent voted on Monday to close the old harbour bridge to cars from next "
        "spring, after engineers found that two of its steel supports had corroded far faster than expected.",
        "Cyclists and pedestrians will keep using the bridge while a replacement is designed, the council "
        "said, and buses will be sent along the ring road, adding about six minutes to the journey.",
        "Shopkeepers on the north bank said the closure would cost them customers during the works, which "
        "the council expects to last at least three years and to cost around forty million euros.",
    ]
)


def _entry(article_id: str, seen_at: float, body: str = BODY) -> Entry:
    fp = fingerprint(None, body)
    assert fp is not None
    return Entry(article_id, "ghent-wire", story_id(article_id), seen_at, fp)


def _record(article_id: str) -> dict:
    return {"id": article_id, "provider": "partner", "syndication": {}, "tags": []}


def _stage() -> CopyStage:
    return CopyStage(CopyIndex(WINDOW, 100), WINDOW, clock=lambda: NOW)


def test_an_entry_from_the_topic_is_indexed_and_then_found():
    stage = _stage()
    assert stage.apply(encode_entry(_entry("orig", NOW - 60)))
    record = _record("copy")
    entry = stage.check(record, fingerprint(None, BODY))
    assert record["syndication"]["copy_of"]["id"] == "orig"
    assert record["syndication"]["story"] == story_id("orig")
    assert entry is not None and "copy" in stage.index, "the checked article is indexed at once"


def test_expired_unreadable_and_deleted_entries_are_skipped_without_stopping_the_reader():
    stage = _stage()
    assert not stage.apply(encode_entry(_entry("old", NOW - WINDOW - 1)))
    assert not stage.apply(b"not an entry")
    assert not stage.apply(None)
    assert len(stage) == 0


def test_a_copy_later_in_the_same_batch_finds_an_original_checked_just_before_it():
    stage = _stage()
    first, second = _record("first"), _record("second")
    stage.check(first, fingerprint(None, BODY))
    stage.check(second, fingerprint(None, BODY.replace("Monday", "Tuesday")))
    assert first["syndication"]["copy_of"] is None
    assert second["syndication"]["copy_of"]["id"] == "first"


def test_expire_drops_what_left_the_window():
    clock = [NOW]
    stage = CopyStage(CopyIndex(WINDOW, 100), WINDOW, clock=lambda: clock[0])
    stage.apply(encode_entry(_entry("orig", NOW - 10)))
    clock[0] = NOW + WINDOW
    assert stage.expire() == 1
    assert len(stage) == 0
