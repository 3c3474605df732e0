"""Measure the copy stage: time per article, bytes per encoded entry, memory of CopyIndex per 100k entries.

    python -m scripts.measure_copies [--entries 100000]

Fills a CopyIndex with synthetic ~300-word articles (words drawn from the copies corpus vocabulary, so
their shingles do not collide), then times fingerprint + find for copies of corpus originals cut to
~300 words. Memory is the process's resident set before and after filling (Linux /proc; the LSH lives in
Rust, where tracemalloc cannot see it).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from pathlib import Path

from services.enrich.copies import CopyIndex, Entry, encode_entry, fingerprint, story_id
from services.enrich.copies_eval import DEFAULT_COPIES, load_stream


def rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return float("nan")
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=300)
    args = parser.parse_args(argv)
    records = load_stream(DEFAULT_COPIES)
    vocabulary = sorted({w for r in records for w in r["body_text"].split()})
    rng = random.Random(7)

    def synthetic(n: int) -> str:
        words = rng.choices(vocabulary, k=n)
        return "\n".join(" ".join(words[i : i + 40]) for i in range(0, n, 40))

    sizes = []
    gc.collect()
    before = rss_mb()
    index = CopyIndex(window_s=7 * 86400, max_entries=args.entries)
    started = time.perf_counter()
    for i in range(args.entries):
        fp = fingerprint(None, synthetic(args.words))
        entry = Entry(f"nw-{i:032x}", "Synthetic Wire", story_id(f"nw-{i:032x}"), float(i), fp)
        if i < 1000:
            sizes.append(len(encode_entry(entry)))
        index.add(entry)
    fill_s = time.perf_counter() - started
    gc.collect()
    after = rss_mb()
    originals = [r for r in records if r["gold"]["transformation"] == "original"]
    for n, r in enumerate(originals):
        index.add(
            Entry(r["id"], r["provider"], story_id(r["id"]), 1e7 + n, fingerprint(None, r["body_text"]))
        )
    timings = []
    found = 0
    for r in originals:
        # The whole original plus a partner's own text up to ~300 words: a copy the stage must find.
        extra = max(0, args.words - len(r["body_text"].split()))
        copy = r["body_text"] + ("\n" + synthetic(extra) if extra else "")
        t = time.perf_counter()
        fp = fingerprint(None, copy)
        match = index.find("copy-" + r["id"], fp)
        timings.append((time.perf_counter() - t) * 1000)
        found += match is not None and match.original_id == r["id"]
    print(f"entries indexed                     {len(index)} (filled in {fill_s:.1f} s)")
    print(
        f"bytes per encoded entry ({args.words} words)  mean {statistics.mean(sizes):.0f}, max {max(sizes)}"
    )
    print(
        f"resident memory for the index       {after - before:.0f} MB ({(after - before) / len(index) * 1e5:.0f} MB per 100k)"
    )
    print(
        f"fingerprint + find, ~{args.words}-word copy  median {statistics.median(timings):.3f} ms, max {max(timings):.3f} ms"
    )
    print(f"copies found among {len(originals)} probes      {found}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
