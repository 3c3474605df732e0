"""Republication detection (services/enrich/copies/rule.py): fingerprints, the index, the one rule."""

from __future__ import annotations

import numpy as np
import pytest

from services.enrich.copies.rule import (
    MIN_WORDS,
    CopyIndex,
    CopyMatch,
    Entry,
    check_copy,
    decode_entry,
    encode_entry,
    fingerprint,
    normalise,
    shared_counts,
    story_id,
)

# An invented wire story, paragraph by paragraph.
STORY = [
    "GDANSK, Poland (AP) — A freight train carrying grain derailed near the Polish port of Gdansk on Monday, "
    "spilling wheat across the tracks and halting rail traffic to the docks for most of the day.",
    "Nobody was injured, the regional rail operator said, but 14 of the train's 30 wagons left the rails on a "
    "curve about two kilometers from the terminal, and two of them overturned.",
    "“We heard a long screech and then a noise like thunder,” said Agata Nowicka, who lives in a house beside "
    "the line. “When I went outside the whole field was covered in grain.”",
    "Investigators were examining the track and the wagons' brakes. The operator said the line had been "
    "inspected in the spring and that the train was travelling below the speed limit.",
    "Poland has become one of the main routes for grain exports from Ukraine since the war closed most of "
    "its Black Sea ports, and the Gdansk terminal handles several trains a day.",
    "Crews with cranes were expected to clear the wagons overnight, and the operator said it hoped to "
    "reopen the line to the docks by Tuesday afternoon.",
    "Associated Press writer Monika Scislowska in Warsaw contributed to this report.",
]
# The same event written separately by another agency.
OTHER_AGENCY = [
    "WARSAW (Reuters) - Rail traffic to Gdansk's grain terminal was suspended on Monday after wagons of a "
    "freight train came off the track close to the port, the operator PKP Cargo said.",
    "A spokesperson said there were no casualties and that the cause was being investigated. Local media "
    "showed overturned wagons and heaps of spilled grain beside the line.",
    "Shipments of Ukrainian grain through Polish ports have risen sharply as Kyiv looks for routes to "
    "world markets, and farmers' groups have complained about congestion on the railways.",
    "The port authority said ships waiting to load would face delays of up to two days.",
    "(Reporting by Anna Koper; Editing by Alex Richardson)",
]
# The agency's own next-day story, repeating two background paragraphs.
FOLLOW_UP = [
    "GDANSK, Poland (AP) — Rail traffic to the port of Gdansk resumed on Tuesday after crews worked through "
    "the night to lift derailed grain wagons, and investigators said a broken rail was the likely cause.",
    "The State Commission for Railway Accident Investigation said it had found a fracture in the outer rail "
    "on the curve where the wagons left the track, and would test samples of the steel in a laboratory.",
    "Rail unions said the accident showed that freight lines had been neglected for years while money went "
    "into passenger routes, and called for an emergency inspection of all lines serving the ports.",
    "Infrastructure Minister Dariusz Klimczak said the government would review the maintenance budget.",
    STORY[4],
    STORY[1],
]
PRESS_RELEASE = [
    "Baltic Grain Terminal today announced record throughput for the third quarter, handling 1.2 million "
    "tonnes of grain and oilseeds, an increase of 31 percent on the same period last year.",
    "“Our investment in new silos and rail sidings has allowed us to serve more customers than ever,” said "
    "Chief Executive Tomasz Lewandowski. “We expect volumes to keep growing as we add a fourth berth.”",
    "The terminal, located in the port of Gdansk, employs 420 people and operates 24 hours a day, seven days "
    "a week. Construction of the fourth berth will begin in January and is due to finish in 2028.",
    "Baltic Grain Terminal is a member of the Polish Ports Association and is certified to international "
    "food safety standards. Media contact: press office, Baltic Grain Terminal.",
]
# A story that quotes the release for one sentence.
QUOTES_RELEASE = [
    "Grain exports through Polish ports are on course for a record year, port operators say, even as "
    "farmers complain that cheap Ukrainian imports are pushing down prices at home.",
    "Baltic Grain Terminal in Gdansk said it handled 1.2 million tonnes of grain and oilseeds in the third "
    "quarter. “Our investment in new silos and rail sidings has allowed us to serve more customers than "
    "ever,” said Chief Executive Tomasz Lewandowski.",
    "Analysts at the agricultural consultancy Agritel said the growth in transit trade had eased pressure on "
    "Ukraine's farm sector but left Polish railways struggling to keep up with demand.",
    "Farmers' protests blocked border crossings for weeks last winter, and the government has banned sales "
    "of some Ukrainian grain on the Polish market while allowing it to pass through.",
]


def text(paragraphs: list[str]) -> str:
    return "\n".join(paragraphs)


def fp_of(paragraphs: list[str]):
    result = fingerprint(None, text(paragraphs))
    assert result is not None
    return result


def entry(
    article_id: str, paragraphs: list[str], seen_at: float, provider: str = "Associated Press"
) -> Entry:
    return Entry(article_id, provider, story_id(article_id), seen_at, fp_of(paragraphs))


def record(article_id: str, provider: str = "Partner Site", tags=()) -> dict:
    return {
        "id": article_id,
        "provider": provider,
        "syndication": {"origin": "Associated Press", "contributors": ["Reuters"]},
        "tags": list(tags),
    }


@pytest.fixture
def index() -> CopyIndex:
    return CopyIndex(window_s=7 * 86400, max_entries=1000)


def test_too_short_to_judge_gets_no_fingerprint():
    words = ["the", "council", "met", "on", "monday", "and", "agreed", "the", "plan"]
    assert fingerprint(None, " ".join((words * 10)[: MIN_WORDS - 1])) is None
    assert fingerprint(None, " ".join((words * 10)[:MIN_WORDS])) is not None


def test_normalising_unifies_case_quotes_and_punctuation():
    assert normalise("“We heard it,” said O’Neill — 2,000 metres.") == normalise(
        '"we heard it," SAID O\'Neill - 2,000 metres'
    )
    assert "2" in normalise("2,000") and "000" in normalise("2,000")  # digits are kept


def test_masked_credit_lines_do_not_count():
    with_credit = text(STORY)
    without = text(STORY[:-1])
    start = with_credit.index(STORY[-1])
    masked = fingerprint(None, with_credit, [(start, len(with_credit))])
    assert masked is not None and masked.shingles == fp_of(STORY[:-1]).shingles
    assert fingerprint(None, with_credit).shingles != fingerprint(None, without).shingles


def test_headline_is_ignored():
    assert fingerprint("One headline", text(STORY)) == fingerprint("Quite another", text(STORY))


def test_cut_and_reordered_copy_is_found(index):
    index.add(entry("a", STORY, 0.0))
    copy = [STORY[0], STORY[3], STORY[1], STORY[5]]  # four of six paragraphs, reordered, no credit
    match = index.find("b", fp_of(copy))
    assert match is not None and match.original_id == "a"
    assert match.shared_fraction > 0.9 and 0.3 < match.similarity < 0.8
    assert match.story == story_id("a") and match.provider == "Associated Press"


@pytest.mark.parametrize(
    "paragraphs",
    [OTHER_AGENCY, FOLLOW_UP, QUOTES_RELEASE],
    ids=["same-event-other-text", "own-follow-up", "press-release-quoted"],
)
def test_hard_negatives_are_not_copies(index, paragraphs):
    index.add(entry("a", STORY, 0.0))
    index.add(entry("pr", PRESS_RELEASE, 1.0, provider="Business Wire"))
    assert index.find("b", fp_of(paragraphs)) is None


def test_a_new_version_is_never_a_copy_of_itself_nor_of_its_copies(index):
    original = record("a", provider="Associated Press")
    added = check_copy(original, fp_of(STORY), index, now=0.0)
    index.add(added)
    copy = record("b")
    index.add(check_copy(copy, fp_of(STORY[:5]), index, now=60.0))
    assert copy["syndication"]["copy_of"]["id"] == "a"
    version = record("a", provider="Associated Press")
    revised = STORY[:2] + ["Rail traffic resumed late on Monday evening, the operator said."] + STORY[2:]
    new_entry = check_copy(version, fp_of(revised), index, now=600.0)
    assert version["syndication"]["copy_of"] is None  # not a copy of b, though b holds its text
    assert version["syndication"]["story"] == story_id("a")
    assert "republished" not in version["tags"]
    assert new_entry is not None and new_entry.seen_at == 0.0  # the id keeps its first time
    index.add(new_entry)
    assert len(index) == 2 and "a" in index


def test_the_earliest_original_wins_and_a_copy_of_a_copy_keeps_the_first_story(index):
    index.add(entry("a", STORY, 0.0))
    b = record("b")
    index.add(check_copy(b, fp_of(STORY[:5]), index, now=100.0))
    c = record("c")
    check_copy(c, fp_of(STORY[:4]), index, now=200.0)
    assert c["syndication"]["copy_of"]["id"] == "a"  # both a and b match: the earliest
    # With the original gone from the index, the copy of the copy names b and still joins a's story.
    index.remove("a")
    d = record("d")
    check_copy(d, fp_of(STORY[:4]), index, now=300.0)
    assert d["syndication"]["copy_of"]["id"] == "b"
    assert d["syndication"]["story"] == b["syndication"]["story"] == story_id("a")


def test_check_copy_sets_tags_and_leaves_origin_alone(index):
    index.add(entry("a", STORY, 0.0, provider="Associated Press"))
    copy = record("b", tags=["syndicated", "origin:associated-press", "republished"])
    returned = check_copy(copy, fp_of(STORY[1:6]), index, now=50.0)
    assert copy["tags"] == sorted(
        ["syndicated", "origin:associated-press", "republished", "copy-of:associated-press"]
    )
    assert copy["syndication"]["origin"] == "Associated Press"
    assert copy["syndication"]["contributors"] == ["Reuters"]
    assert set(copy["syndication"]["copy_of"]) == {"id", "provider", "similarity", "shared_fraction"}
    assert returned is not None and returned.story == story_id("a") and returned.seen_at == 50.0


def test_an_original_starts_its_own_story(index):
    original = record("solo")
    returned = check_copy(original, fp_of(STORY), index, now=5.0)
    assert original["syndication"]["copy_of"] is None
    assert original["syndication"]["story"] == story_id("solo")
    assert original["tags"] == []
    assert returned is not None and returned.id == "solo"
    short = record("brief")
    assert check_copy(short, None, index, now=5.0) is None
    assert short["syndication"] == {**short["syndication"], "copy_of": None, "story": story_id("brief")}


def test_story_id_is_stable_and_distinct():
    assert story_id("nw-1") == story_id("nw-1") != story_id("nw-2")
    assert story_id("nw-1").startswith("st-") and len(story_id("nw-1")) == 19


def test_copy_match_record_is_rounded():
    match = CopyMatch("a", "AP", "st-x", similarity=0.123456, shared_fraction=0.98765)
    assert match.to_record() == {"id": "a", "provider": "AP", "similarity": 0.123, "shared_fraction": 0.988}


def test_expiry_drops_entries_older_than_the_window():
    index = CopyIndex(window_s=100.0, max_entries=10)
    index.add(entry("a", STORY, 0.0))
    index.add(entry("z", OTHER_AGENCY, 80.0))
    assert index.expire(50.0) == 0 and len(index) == 2
    assert index.expire(150.0) == 1
    assert "a" not in index and "z" in index
    assert index.find("b", fp_of(STORY[:5])) is None


def test_max_entries_evicts_the_oldest_seen():
    index = CopyIndex(window_s=1e9, max_entries=2)
    index.add(entry("late", STORY, 50.0))
    index.add(entry("early", OTHER_AGENCY, 10.0))
    index.add(entry("middle", PRESS_RELEASE, 30.0))
    assert len(index) == 2
    assert "early" not in index and "late" in index and "middle" in index  # by seen_at, not by arrival
    assert index.find("x", fp_of(STORY[:5])).original_id == "late"


def test_replacing_a_version_does_not_grow_the_index_or_leave_stale_candidates():
    index = CopyIndex(window_s=1e9, max_entries=2)
    index.add(entry("a", STORY, 0.0))
    index.add(entry("a", OTHER_AGENCY, 10.0))  # a new version with different text
    index.add(entry("b", PRESS_RELEASE, 20.0))
    assert len(index) == 2
    assert index.find("x", fp_of(STORY[:5])) is None  # the old text of a is gone
    assert index.find("x", fp_of(OTHER_AGENCY[:4])).original_id == "a"


def test_entries_round_trip_compactly():
    original = entry("nw-" + "0" * 32, STORY, 1_764_000_000.25)
    data = encode_entry(original)
    assert decode_entry(data) == original
    words = original.fingerprint.words
    assert len(data) < 4 * words + 120  # shingles at 4 bytes each, plus a header and the ids
    no_provider = Entry("x", None, "st-1", 2.0, original.fingerprint)
    assert decode_entry(encode_entry(no_provider)) == no_provider


@pytest.mark.parametrize(
    "bad, message",
    [
        (b"", "not a copy index entry"),
        (b"JUNKJUNKJUNKJUNKJUNK", "not a copy index entry"),
        ("text", "must be bytes"),
    ],
)
def test_bad_payloads_raise_value_error(bad, message):
    with pytest.raises(ValueError, match=message):
        decode_entry(bad)


def test_truncated_or_misaligned_payloads_raise_value_error():
    data = encode_entry(entry("a", STORY, 0.0))
    with pytest.raises(ValueError, match="truncated"):
        decode_entry(data[:20])
    with pytest.raises(ValueError, match="multiple of 4"):
        decode_entry(data[:-1])


def test_shared_counts_agree_with_set_intersection_when_values_share_table_slots():
    rng = np.random.default_rng(3)
    # Values that agree in their low 12 bits land on one table slot: several tables are needed.
    this = np.unique(np.concatenate([rng.integers(0, 2**32, 300), (rng.integers(1, 50, 20) << 12) | 7]))
    this = this.astype(np.uint32)
    others = [
        np.unique(np.concatenate([rng.choice(this, k, replace=False), rng.integers(0, 2**32, 50)])).astype(
            np.uint32
        )
        for k in (0, 1, 40, 300)
    ] + [np.zeros(0, dtype=np.uint32), ((np.arange(30, dtype=np.uint32) << 12) | 7)]
    expected = [len(set(this.tolist()) & set(o.tolist())) for o in others]
    assert shared_counts(this, others).tolist() == expected
    assert shared_counts(this, []).tolist() == []
