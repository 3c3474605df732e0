"""Republication detection: does this article reproduce the text of one seen earlier in the stream?

Pure: no I/O. The worker (and `newswire eval --copies`) calls `find_syndication` -> `fingerprint` ->
`check_copy` -> `CopyIndex.add`; the index's entries travel between workers as `encode_entry` bytes.

- Text: the body only, NFKC-normalised, case-folded, quotes and punctuation unified (digits kept), with
  the credit lines, sign-offs and dateline that `find_syndication` found masked, so a copy that cut or
  rewrote its credit line looks the same as one that kept it. The headline is ignored: partners rewrite
  it more often than anything else, and at ~10 words it carries too few shingles to help.
- Shingles: every run of SHINGLE_WORDS words within a paragraph, hashed to 32 bits (CRC-32: stable
  across processes and Python versions, unlike hash()). Light copy-editing changes a word, which costs only the shingles that
  hold it. Texts under MIN_WORDS words (after masking) get no fingerprint: a brief that short is mostly
  the event's own vocabulary, and two agencies' briefs on one event would look alike.
- MinHash and LSH: `rensa` (RMinHash / RMinHashLSH, Rust). Measured against `datasketch` 2.0 on 300-word
  texts: a signature in 0.03 ms vs 0.29 ms, an LSH query in ~0.001 ms vs 0.09 ms, and the 64-band index
  at 100k entries in ~550 MB vs ~2.3 GB (datasketch keeps a Python dict of byte strings per band). Its
  one gap: an RMinHash cannot be rebuilt from hash values, so an entry carries its shingles (needed for
  the exact check anyway) and the signature is recomputed from them (deterministic: fixed seed).
- Verification: LSH only proposes candidates; each is checked with the exact overlap of shingle sets
  (`Overlap`) and `is_copy`. Among verified matches the earliest seen wins, and the copy joins the
  original's story, so a copy of a copy names the first article and shares its story.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import struct
import unicodedata
import zlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import rensa

from services.enrich.syndication.outlets import slug

SHINGLE_WORDS = 5
MIN_WORDS = 40
NUM_PERM = 128
# 64 bands of 2 rows: a pair whose shingle sets have Jaccard s becomes a candidate with probability
# 1 - (1 - s^2)^64: 0.998 at s = 0.3, 0.93 at s = 0.2, 0.47 at s = 0.1, 0.025 at s = 0.02. A copy that
# keeps half the original and adds a third of its own text still has s ~ 0.35, so the copies the target
# counts (>= 50% kept) are found; unrelated stories on one event (s ~ 0.01-0.03) are rarely even
# candidates, and the exact check below rejects those that are. More rows per band would cut candidates
# but lose the partial copies: at 4 rows x 32 bands a pair at s = 0.3 is found only 23% of the time.
BANDS = 64
SEED = 20261202

# Candidates whose signatures agree on fewer than this share of values are not checked exactly. The
# least similar pair is_copy accepts has a Jaccard of ~0.13 (a brief whose every sentence is in an
# original 3x its length); with 128 values the estimate's spread there is ~0.03, so 0.05 keeps it.
MIN_ESTIMATE = 0.05
# ...and those whose estimated shared shingles fall short of half of is_copy's bars. At the least
# similar copy the target counts (half the original kept, nothing added: J = 0.33), the estimate of the
# shared share is 0.5 +- 0.06; half the bar (0.25) is 4 spreads below it.
ESTIMATE_MARGIN = 0.5

# Decision rule over the exact overlap (see is_copy).
MIN_SHARED = 0.5
MIN_KEPT = 0.15

_QUOTES = str.maketrans({c: "'" for c in "‘’‚‛′`´"} | {c: '"' for c in "“”„‟″«»"})
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Fingerprint:
    signature: tuple[int, ...]
    """MinHash values (NUM_PERM of them, rensa RMinHash with SEED) of the shingles."""
    shingles: frozenset[int]
    words: int


@dataclass(frozen=True)
class Overlap:
    similarity: float
    """Exact Jaccard of the two shingle sets."""
    shared_fraction: float
    """Share of this article's shingles found in the original."""
    original_kept: float
    """Share of the original's shingles found in this article."""


@dataclass(frozen=True)
class CopyMatch:
    original_id: str
    provider: str | None
    story: str
    similarity: float
    shared_fraction: float

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.original_id,
            "provider": self.provider,
            "similarity": round(self.similarity, 3),
            "shared_fraction": round(self.shared_fraction, 3),
        }


@dataclass(frozen=True)
class Entry:
    id: str
    provider: str | None
    story: str
    seen_at: float
    fingerprint: Fingerprint


def normalise(text: str) -> list[str]:
    """Words of `text`: NFKC, case-folded, quote styles unified, punctuation dropped, digits kept."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = text.replace("'", "")  # "don't"/"dont", "Merz's"/"merzs": elision marks are not word breaks
    return _WORD.findall(text)


def shingles_of(lines: Iterable[list[str]]) -> frozenset[int]:
    """Hashes of the word SHINGLE_WORDS-grams of each paragraph (a shorter paragraph is one shingle).

    Shingles stop at paragraph ends, so a copy that cuts or reorders whole paragraphs keeps every
    shingle of the paragraphs it kept: no shingle straddles two paragraphs that were not adjacent.
    """
    out = set()
    for words in lines:
        if 0 < len(words) <= SHINGLE_WORDS:
            out.add(zlib.crc32(" ".join(words).encode()))
        for i in range(len(words) - SHINGLE_WORDS + 1):
            out.add(zlib.crc32(" ".join(words[i : i + SHINGLE_WORDS]).encode()))
    return frozenset(out)


def fingerprint(
    headline: str | None, body_text: str, credit_spans: Iterable[tuple[int, int]] = ()
) -> Fingerprint | None:
    """The article's fingerprint, or None when the body has under MIN_WORDS words once credits are masked.

    The headline is not used (module docstring). Masked spans are cut out, so a credit line removed by
    the copy and one kept by it give the same shingles.
    """
    del headline
    parts, last = [], 0
    for start, end in sorted(credit_spans):
        if start > last:
            parts.append(body_text[last:start])
        last = max(last, end)
    parts.append(body_text[last:])
    lines = [normalise(line) for line in "".join(parts).splitlines()]
    words = sum(len(line) for line in lines)
    if words < MIN_WORDS:
        return None
    shingles = shingles_of(lines)
    return Fingerprint(signature=tuple(_minhash(shingles).digest()), shingles=shingles, words=words)


def _minhash(shingles: Iterable[int]) -> rensa.RMinHash:
    m = rensa.RMinHash(NUM_PERM, SEED)
    m.update([s.to_bytes(4, "little") for s in shingles])
    return m


def overlap(this: frozenset[int], original: Iterable[int], original_size: int | None = None) -> Overlap:
    """Exact overlap of this article's shingles with the original's."""
    original = original if isinstance(original, (set, frozenset)) else list(original)
    size = len(original) if original_size is None else original_size
    return _overlap_of(sum(1 for s in original if s in this), len(this), size)


def _overlap_of(shared: int, this_size: int, original_size: int) -> Overlap:
    union = this_size + original_size - shared
    return Overlap(
        similarity=shared / union if union else 0.0,
        shared_fraction=shared / this_size if this_size else 0.0,
        original_kept=shared / original_size if original_size else 0.0,
    )


def _low_bits(signature: tuple[int, ...]) -> np.ndarray:
    """A signature's values cut to 16 bits, for the prefilter: two values then agree by chance once in
    65,536, which can only raise an estimate (the prefilter keeps all it kept, the exact check decides),
    and the rows gathered per query are half the bytes (~5,800 of them for a story of stock sentences)."""
    return np.asarray(signature, dtype=np.uint32).astype(np.uint16)


def shared_counts(this: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
    """How many of the (unique) values of `this` each array of `others` holds, for all in one pass.

    A story of stock sentences brings hundreds of candidates; one np.intersect1d each cost ~10 us of
    call overhead apiece, and one binary search of all their shingles (np.searchsorted) still 1.2 ms a
    story (benchmarks/copy_detection.py, worst overlap). Shingles are hashes, so their low bits spread
    them evenly: `this` goes into a few small tables by those bits (a value whose slot is taken goes to
    the next table), and every other shingle is looked up by its bits in each: ~0.4 ms.
    """
    if not others:
        return np.zeros(0, dtype=np.int64)
    bits = max(8, (8 * this.size).bit_length())  # tables at most 1/8 full: 2-4 of them for ~300 values
    mask = np.uint32((1 << bits) - 1)
    theirs = np.concatenate(others)
    wanted, keys = theirs.astype(np.int64), (theirs & mask).astype(np.intp)
    found = np.zeros(theirs.size, dtype=bool)
    left, left_keys = this.astype(np.int64), (this & mask).astype(np.intp)
    while left.size:
        table = np.full(1 << bits, -1, dtype=np.int64)  # -1: no uint32 value
        table[left_keys] = left  # of values that share a slot, one lands; the rest wait for the next table
        placed = table[left_keys] == left
        found |= table[keys] == wanted
        left, left_keys = left[~placed], left_keys[~placed]
    sizes = np.array([o.size for o in others])
    ends = np.cumsum(sizes)
    running = np.concatenate([[0], np.cumsum(found)])
    return running[ends] - running[ends - sizes]


def is_copy(o: Overlap) -> bool:
    """Most of this article's text is the original's, and it keeps a real part of the original.

    - shared_fraction >= MIN_SHARED: a copy is mostly the original's words, even with a partner's own
      paragraphs or boilerplate added. A follow-up that repeats its story's background paragraphs, or a
      story quoting a press release for a sentence or two, is mostly new text and stays below it.
    - original_kept >= MIN_KEPT: it reproduces more than a quotation of the original: a short brief
      whose few sentences all occur in a long original is still counted, a single shared sentence is not.
    Two agencies writing one event separately share a few phrases, far below both bars.
    """
    return bool(_copy_bars(o.shared_fraction, o.original_kept))


def _copy_bars(shared_fraction: Any, original_kept: Any) -> Any:
    """is_copy's bars, on two numbers or on two arrays of them (`find` judges all its candidates at once)."""
    return (shared_fraction >= MIN_SHARED) & (original_kept >= MIN_KEPT)


def story_id(article_id: str) -> str:
    """The story cluster id an original starts: stable, so every worker derives the same one."""
    return "st-" + hashlib.blake2b(article_id.encode(), digest_size=8).hexdigest()


# -- the entry wire format ---------------------------------------------------------------------------

_MAGIC = b"nwc1"
_HEAD = struct.Struct("<4sdI")  # magic, seen_at, words
_NONE = 0xFFFF


def encode_entry(entry: Entry) -> bytes:
    """Compact bytes: header, id, provider, story, then the sorted shingles as little-endian uint32.

    The signature is not sent: the receiver recomputes it from the shingles (the exact check needs them
    anyway), so a 300-word article costs ~1.2 kB plus its ids.
    """
    out = bytearray(_HEAD.pack(_MAGIC, entry.seen_at, entry.fingerprint.words))
    for text in (entry.id, entry.provider, entry.story):
        if text is None:
            out += struct.pack("<H", _NONE)
            continue
        raw = text.encode()
        if len(raw) >= _NONE:
            raise ValueError(f"entry field too long to encode ({len(raw)} bytes)")
        out += struct.pack("<H", len(raw)) + raw
    shingles = array("I", sorted(entry.fingerprint.shingles))
    if shingles.itemsize != 4:  # pragma: no cover - every platform newswire runs on has a 4-byte "I"
        raise RuntimeError("array('I') is not 32-bit here")
    out += shingles.tobytes() if struct.pack("=I", 1) == struct.pack("<I", 1) else _swapped(shingles)
    return bytes(out)


def _swapped(a: array) -> bytes:  # pragma: no cover - big-endian hosts only
    b = array("I", a)
    b.byteswap()
    return b.tobytes()


def decode_entry(data: bytes) -> Entry:
    """The Entry `encode_entry` wrote; ValueError naming what is wrong with any other payload."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"copy index entry must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) < _HEAD.size or data[:4] != _MAGIC:
        raise ValueError(f"not a copy index entry (expected magic {_MAGIC!r}, got {data[:4]!r})")
    _, seen_at, words = _HEAD.unpack_from(data)
    at = _HEAD.size
    fields: list[str | None] = []
    try:
        for name in ("id", "provider", "story"):
            (length,) = struct.unpack_from("<H", data, at)
            at += 2
            if length == _NONE:
                fields.append(None)
                continue
            if at + length > len(data):
                raise ValueError(f"copy index entry truncated in its {name}")
            fields.append(data[at : at + length].decode())
            at += length
    except struct.error as exc:
        raise ValueError(f"copy index entry truncated ({len(data)} bytes)") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"copy index entry has a field that is not UTF-8: {exc}") from exc
    rest = data[at:]
    if len(rest) % 4:
        raise ValueError(f"copy index entry has {len(rest)} shingle bytes, not a multiple of 4")
    entry_id, provider, story = fields
    if not entry_id or not story:
        raise ValueError("copy index entry has no id or no story")
    values = array("I")
    values.frombytes(rest)
    if struct.pack("=I", 1) != struct.pack("<I", 1):  # pragma: no cover
        values.byteswap()
    shingles = frozenset(values)
    return Entry(
        id=entry_id,
        provider=provider,
        story=story,
        seen_at=seen_at,
        fingerprint=Fingerprint(tuple(_minhash(shingles).digest()), shingles, words),
    )


# -- the index --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Slot:
    article_id: str
    row: int  # the LSH key and the row of its signature (rows are reused once freed)
    order: tuple[float, int]  # (first seen_at, arrival number): "earliest", ties broken by arrival
    provider: str | None
    story: str
    shingles: np.ndarray  # sorted uint32: ~1.2 kB for 300 words, where a frozenset of ints costs ~20 kB


class CopyIndex:
    """Recent articles' fingerprints, for `find`. In memory; the worker keeps it in step with a topic.

    With 2-row bands, LSH proposes every pair that shares a little text: at 100k entries, hundreds of
    unrelated articles per query (same-event phrasing, shared boilerplate). Checking each exactly cost
    ~100 ms an article (benchmarks/copy_detection.py). So the candidates are first sorted out on their
    signatures, kept as one matrix: the share of equal MinHash values estimates the Jaccard similarity,
    hence the shared text, and only those that may pass is_copy are checked exactly, earliest first.
    """

    def __init__(self, window_s: float, max_entries: int) -> None:
        if window_s <= 0 or max_entries <= 0:
            raise ValueError("window_s and max_entries must be positive")
        self.window_s = window_s
        self.max_entries = max_entries
        self._lsh = rensa.RMinHashLSH(0.5, NUM_PERM, BANDS)
        self._slots: dict[str, _Slot] = {}
        self._row_slots: list[_Slot | None] = [None] * 1024  # by row
        self._signatures = np.zeros((1024, NUM_PERM), dtype=np.uint16)  # _low_bits of each
        self._sizes = np.zeros(1024, dtype=np.uint32)
        # Each row's order (first seen, arrival), as arrays: candidates are filtered and sorted by it
        # without a Python step per candidate (hundreds a query for a story of stock sentences).
        self._seen = np.zeros(1024, dtype=np.float64)
        self._arrival = np.zeros(1024, dtype=np.int64)
        self._free: list[int] = []
        self._rows = 0
        self._heap: list[tuple[tuple[float, int], str]] = []  # (order, id); stale items skipped on pop
        self._arrivals = 0

    def __len__(self) -> int:
        return len(self._slots)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._slots

    def first_seen(self, article_id: str) -> float | None:
        """When `article_id` was first indexed (its earliest version), or None."""
        slot = self._slots.get(article_id)
        return slot.order[0] if slot is not None else None

    def add(self, entry: Entry) -> None:
        """Index `entry`. The same id again is a new version: it replaces the old text but keeps the time
        the id was first seen, since a copy can only reproduce what appeared before it."""
        old = self._slots.get(entry.id)
        if old is not None:
            self._drop(entry.id)
        self._arrivals += 1
        order = (
            old.order
            if old is not None and old.order[0] <= entry.seen_at
            else (entry.seen_at, self._arrivals)
        )
        row = self._row()
        shingles = np.array(sorted(entry.fingerprint.shingles), dtype=np.uint32)
        self._slots[entry.id] = self._row_slots[row] = _Slot(
            entry.id, row, order, entry.provider, entry.story, shingles
        )
        self._signatures[row] = _low_bits(entry.fingerprint.signature)
        self._sizes[row] = len(shingles)
        self._seen[row], self._arrival[row] = order
        self._lsh.insert(row, _minhash(entry.fingerprint.shingles))
        heapq.heappush(self._heap, (order, entry.id))
        while len(self._slots) > self.max_entries:
            self._pop_oldest()

    def remove(self, article_id: str) -> bool:
        if article_id not in self._slots:
            return False
        self._drop(article_id)
        return True

    def expire(self, now: float) -> int:
        """Drop entries first seen more than window_s before `now`; how many were dropped."""
        cutoff = now - self.window_s
        dropped = 0
        while self._heap and self._heap[0][0][0] < cutoff:
            if self._pop_oldest():
                dropped += 1
        return dropped

    def find(self, article_id: str, fp: Fingerprint) -> CopyMatch | None:
        """The earliest indexed article (not `article_id` itself) that `fp`'s text verifiably copies."""
        own = self._slots.get(article_id)
        rows = self._lsh.query(_minhash(fp.shingles))
        if not rows:
            return None
        rows = np.fromiter(rows, dtype=np.int64, count=len(rows))
        likely = rows[self._may_be_copied(rows, fp)]
        if own is not None:
            seen, arrival = self._seen[likely], self._arrival[likely]
            # A new version is checked against what existed when its id first appeared: never against
            # its own id, nor the copies made of it since.
            likely = likely[(seen < own.order[0]) | ((seen == own.order[0]) & (arrival < own.order[1]))]
        if likely.size == 0:
            return None
        likely = likely[np.lexsort((self._arrival[likely], self._seen[likely]))]  # earliest first
        slots = [self._row_slots[row] for row in likely.tolist()]
        this = np.fromiter(fp.shingles, dtype=np.uint32, count=len(fp.shingles))
        sizes = self._sizes[likely]
        shared = shared_counts(this, [slot.shingles for slot in slots])
        passing = np.flatnonzero(_copy_bars(shared / this.size, shared / sizes))  # the first: earliest
        if passing.size == 0:
            return None
        slot = slots[int(passing[0])]
        o = _overlap_of(int(shared[passing[0]]), this.size, slot.shingles.size)
        return CopyMatch(slot.article_id, slot.provider, slot.story, o.similarity, o.shared_fraction)

    def _may_be_copied(self, rows: np.ndarray, fp: Fingerprint) -> np.ndarray:
        """Which candidate rows may pass is_copy, judged on signatures alone (a boolean mask).

        The share of equal MinHash values estimates the Jaccard similarity J; with both set sizes known,
        J gives the shared shingles, s = J (a + b) / (1 + J). Kept: the rows whose estimated s could
        still reach is_copy's bars, with a margin for the estimate's spread.
        """
        equal = self._signatures[rows] == _low_bits(fp.signature)
        jaccard = np.count_nonzero(equal, axis=1) / NUM_PERM
        sizes = self._sizes[rows]
        this = len(fp.shingles)
        shared = jaccard * (sizes + this) / (1.0 + jaccard)
        return (
            (jaccard >= MIN_ESTIMATE)
            & (shared >= ESTIMATE_MARGIN * MIN_SHARED * this)
            & (shared >= ESTIMATE_MARGIN * MIN_KEPT * sizes)
        )

    def _row(self) -> int:
        if self._free:
            return self._free.pop()
        if self._rows == len(self._signatures):
            grown = np.zeros((len(self._signatures) * 2, NUM_PERM), dtype=np.uint16)
            grown[: self._rows] = self._signatures
            self._signatures = grown
            self._sizes = np.concatenate([self._sizes, np.zeros_like(self._sizes)])
            self._seen = np.concatenate([self._seen, np.zeros_like(self._seen)])
            self._arrival = np.concatenate([self._arrival, np.zeros_like(self._arrival)])
            self._row_slots.extend([None] * len(self._row_slots))
        self._rows += 1
        return self._rows - 1

    def _drop(self, article_id: str) -> None:
        slot = self._slots.pop(article_id)
        self._row_slots[slot.row] = None
        self._lsh.remove(slot.row)
        self._free.append(slot.row)

    def _pop_oldest(self) -> bool:
        """Pop the heap's head; True if it was a live entry (and is now dropped)."""
        order, article_id = heapq.heappop(self._heap)
        slot = self._slots.get(article_id)
        if slot is None or slot.order != order:
            return False  # removed already, or a stale item of an id indexed again since
        self._drop(article_id)
        return True


# -- the one rule for the worker and the eval -------------------------------------------------------


def check_copy(record: dict[str, Any], fp: Fingerprint | None, index: CopyIndex, now: float) -> Entry | None:
    """Set syndication.copy_of and syndication.story (and the copy tags) on an enriched record.

    Returns the Entry the caller adds to the index (and publishes), or None when there is no fingerprint.
    `origin` and `contributors` are never touched: the copy's own credit lines still decide them.
    """
    article_id = record["id"]
    syndication = record.setdefault("syndication", {})
    match = index.find(article_id, fp) if fp is not None else None
    syndication["copy_of"] = match.to_record() if match else None
    story = match.story if match else story_id(article_id)
    syndication["story"] = story
    if match:
        tags = set(record.get("tags") or ())
        tags.add("republished")
        if match.provider and slug(match.provider):
            tags.add(f"copy-of:{slug(match.provider)}")
        record["tags"] = sorted(tags)
    if fp is None:
        return None
    first = index.first_seen(article_id)
    seen_at = now if first is None else min(first, now)
    return Entry(article_id, record.get("provider"), story, seen_at, fp)
