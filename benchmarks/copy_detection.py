"""Republication detection: what the copy stage costs per article, and what its index holds in memory.

    ./dev bench                                   (all benchmarks)
    .venv/bin/python benchmarks/copy_detection.py --articles 200 --rounds 3 --index-size 100000

1. Cost (issue 9: <= 10% of enrichment time). The same articles (~300 words, built from the team's
   evaluation corpus) go through full enrichment without the stage and with it (fingerprint, index
   lookup, exact verification, indexing) against an index already holding `--index-size` articles.
   The two take turns batch by batch (well under a second each), so a noisy neighbour or a change of
   clock speed slows both alike (whole passes in turn put one run's rounds at 0.95-1.15x); the figure
   is the median ratio over rounds.
2. Memory. The resident-set growth of building that index (one process, nothing else allocated
   meanwhile), per 100k articles, and the encoded entry size that goes to the index topic.

The indexed articles are synthetic: each shuffles the corpus's sentences into a new ~300-word story, so
they share vocabulary and phrasing with the articles checked against them, as a day's wire does.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.enrichment_speed import interleaved_rates  # noqa: E402
from services.common.records import build_raw_article, utc_now  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.enrich.copies.rule import CopyIndex, Entry, encode_entry, fingerprint, story_id  # noqa: E402
from services.enrich.pipeline import build_enricher  # noqa: E402
from services.enrich.worker.copy_replica import CopyStage  # noqa: E402
from services.evaluation.evaluation import DEFAULT_CORPUS, load_corpus  # noqa: E402

WORDS = 300
VOCABULARY = [w for a in load_corpus(DEFAULT_CORPUS) for w in a["body_text"].split()]


def sentences() -> list[str]:
    found = []
    for article in load_corpus(DEFAULT_CORPUS):
        for line in article["body_text"].split("\n"):
            found.extend(s.strip() + "." for s in line.split(". ") if len(s.split()) > 4)
    return found


def story(pool: list[str], rng: random.Random, words: int = WORDS, mix: str = "worst") -> str:
    """~`words` words in paragraphs of three sentences.

    worst: every sentence from the corpus's ~400, so any two stories likely share one or more whole
    sentences: far more text in common than unrelated wire stories have.
    typical: new sentences (corpus words drawn by their frequency) and one from the corpus, like the
    stock phrase, quote or boilerplate line that unrelated stories do share.
    """
    parts, length = [], 0
    while length < words:
        if mix == "worst" or not parts:
            sentence = rng.choice(pool)
        else:
            sentence = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(12, 25))) + "."
        parts.append(sentence)
        length += len(sentence.split())
    return "\n".join(" ".join(parts[i : i + 3]) for i in range(0, len(parts), 3))


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def build_index(size: int, pool: list[str], window_s: float, mix: str) -> tuple[CopyIndex, float, float]:
    """(index, MiB it grew the process by, mean encoded entry bytes)."""
    rng = random.Random(7)
    index = CopyIndex(window_s, max_entries=size + 1)
    before = rss_mib()
    encoded = 0
    now = time.time()
    for i in range(size):
        fp = fingerprint(f"Story {i}", story(pool, rng, mix=mix))
        if fp is None:
            continue
        entry = Entry(f"bench-{i}", "bench-wire", story_id(f"bench-{i}"), now - 3600, fp)
        encoded += len(encode_entry(entry))
        index.add(entry)
    return index, rss_mib() - before, encoded / max(1, size)


def measure(mix: str, args, settings: Settings, pool: list[str], plain, with_prints) -> None:
    started = time.perf_counter()
    index, grew_mib, entry_bytes = build_index(args.index_size, pool, settings.copy_window_s, mix)
    built_s = time.perf_counter() - started
    print(f"copy_detection ({mix} overlap): index of {len(index)} synthetic articles built in {built_s:.1f}s")
    print(
        f"  memory: {grew_mib:.0f} MiB resident for {len(index)} entries "
        f"= {grew_mib * 100_000 / max(1, len(index)):.0f} MiB per 100k; "
        f"encoded entry {entry_bytes:.0f} bytes (index topic)"
    )
    stage = CopyStage(index, settings.copy_window_s)
    rng = random.Random(11)
    raws = [
        build_raw_article(
            {"body_text": story(pool, rng, mix=mix), "guid": f"check-{i}"}, received_at=utc_now()
        )
        for i in range(args.articles)
    ]
    size = settings.enrich_batch_size

    def without(items):
        plain.enrich(items)

    def with_stage(items):
        for record, fp in with_prints.enrich_fingerprinted(items):
            stage.check(record, fp)

    def forget(items):  # checked articles are indexed: take them out, so every round checks the same
        for raw in items:
            index.remove(raw["id"])

    without(raws[:size])  # warm-up: first pipe call pays for lazy initialisation
    with_stage(raws[:size])
    forget(raws[:size])
    ratios, stage_ms = [], []
    for _ in range(args.rounds):
        plain_rate, stage_rate = interleaved_rates([without, with_stage], [raws, raws], size)
        ratios.append(plain_rate / stage_rate)
        stage_ms.append((1 / stage_rate - 1 / plain_rate) * 1000)
        forget(raws)
    ratio = statistics.median(ratios)
    print(
        f"  cost: enrichment with the copy stage takes {ratio:.3f}x the time without it "
        f"(+{(ratio - 1) * 100:.1f}%, {statistics.median(stage_ms):.2f} ms per article; target <= +10%), "
        f"rounds {', '.join(f'{r:.3f}' for r in ratios)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--index-size", type=int, default=100_000)
    parser.add_argument("--mix", default="typical,worst", help="how much text the synthetic articles share")
    args = parser.parse_args(argv)

    mixes = args.mix.split(",")
    if len(mixes) > 1:  # one process per mix: a freed index would hide the next one's resident growth
        for mix in mixes:
            rest = ["--articles", str(args.articles), "--rounds", str(args.rounds)]
            rest += ["--index-size", str(args.index_size), "--mix", mix]
            subprocess.run([sys.executable, __file__, *rest], check=True)
        return 0
    settings = Settings.from_env()
    pool = sentences()
    plain = build_enricher(settings.ner_model, batch_size=settings.enrich_batch_size)
    with_prints = dataclasses.replace(plain, fingerprints=True)
    measure(mixes[0], args, settings, pool, plain, with_prints)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
