"""Enrichment speed on one core: raw spaCy NER against newswire's full enrichment, in one run.

    ./dev bench                                   (all benchmarks)
    .venv/bin/python benchmarks/enrichment_speed.py --articles 200 --rounds 3

Articles of ~750 words are built from the evaluation corpus (team-written wire copy, credit lines kept at
the end of each piece). Both sides process the same texts through `nlp.pipe` with the same batch size, and
take turns batch by batch (raw, full, full on the other BLAS: well under a second each), so a noisy
neighbour or a change of clock speed slows every side alike; whole passes in turn had the ratio move by
10% between runs of the same code. The figure to watch is the ratio (issue 3: full enrichment >= 0.8x raw
NER), taken in each round from the time each side spent on the same batches and reported as the median
over rounds, not the absolute rates, which depend on the machine.

Each round also runs the full enrichment with the other BLAS for the NER's dense layers
(`NEWSWIRE_NER_MATMUL`, services/enrich/entities/matmul.py), so the choice is measured on the machine at hand.
"""

from __future__ import annotations

import os

# One core: thinc/numpy would otherwise spread matrix work over every core and blur "per core".
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import spacy  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.common.records import build_raw_article, utc_now  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.enrich.entities.extract import UNUSED_COMPONENTS  # noqa: E402
from services.enrich.entities.matmul import MATMULS, blis_kernels, use_matmul  # noqa: E402
from services.enrich.pipeline import build_enricher  # noqa: E402
from services.evaluation.evaluation import DEFAULT_CORPUS, load_corpus  # noqa: E402

TARGET_WORDS = 750


def long_articles(count: int, words: int = TARGET_WORDS) -> list[str]:
    """Stories of ~`words` words: corpus bodies joined in turn, each piece keeping its closing lines."""
    bodies = [a["body_text"] for a in load_corpus(DEFAULT_CORPUS)]
    articles, i = [], 0
    while len(articles) < count:
        parts, length = [], 0
        while length < words:
            body = bodies[i % len(bodies)]
            parts.append(body)
            length += len(body.split())
            i += 1
        articles.append("\n".join(parts))
    return articles


def interleaved_rates(sides: list, inputs: list[list], batch_size: int) -> list[float]:
    """Articles/s of each side over all of its input, the sides taking turns batch by batch."""
    spent = [0.0] * len(sides)
    for start in range(0, len(inputs[0]), batch_size):
        for i, (run, items) in enumerate(zip(sides, inputs, strict=True)):
            began = time.perf_counter()
            run(items[start : start + batch_size])
            spent[i] += time.perf_counter() - began
    return [len(inputs[0]) / s for s in spent]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()

    settings = Settings.from_env()
    texts = long_articles(args.articles)
    records = [build_raw_article({"body_text": t}, received_at=utc_now()) for t in texts]
    mean_words = statistics.mean(len(t.split()) for t in texts)

    raw_nlp = use_matmul(spacy.load(settings.ner_model, exclude=list(UNUSED_COMPONENTS)), settings.ner_matmul)
    other_matmul = next(m for m in MATMULS if m != settings.ner_matmul)
    enricher, other = (
        build_enricher(
            settings.ner_model,
            settings.outlets_path,
            batch_size=args.batch_size,
            organisations_file=settings.organisations_path,
            matmul=matmul,
        )
        for matmul in (settings.ner_matmul, other_matmul)
    )

    def raw(items: list[str]) -> None:
        for doc in raw_nlp.pipe(items, batch_size=args.batch_size):
            _ = doc.ents

    def enriching(using):
        def run(items: list[dict]) -> None:
            for start in range(0, len(items), args.batch_size):
                using.enrich(items[start : start + args.batch_size])

        return run

    full, full_other = enriching(enricher), enriching(other)

    raw(texts[:8])  # warm-up: first calls allocate
    full(records[:8])
    full_other(records[:8])
    raw_rates, full_rates, other_rates = [], [], []
    for _ in range(args.rounds):
        rates = interleaved_rates([raw, full, full_other], [texts, records, records], args.batch_size)
        for rates_of, measured in zip((raw_rates, full_rates, other_rates), rates, strict=True):
            rates_of.append(measured)

    raw_median, full_median = statistics.median(raw_rates), statistics.median(full_rates)
    ratios = [f / r for f, r in zip(full_rates, raw_rates, strict=True)]
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    matmul_ratios = [f / o for f, o in zip(full_rates, other_rates, strict=True)]
    print(f"enrichment speed: {len(texts)} articles of ~{mean_words:.0f} words, model {settings.ner_model},")
    print(
        f"  one core, batch size {args.batch_size}, {args.rounds} rounds of batches in turn (median), {cpu_name()}"
    )
    print(
        f"  dense layers on {settings.ner_matmul} (NEWSWIRE_NER_MATMUL); BLIS's kernels here: {blis_kernels()}"
    )
    print(f"  raw spaCy NER      {raw_median:8.1f} articles/s   rounds: {_fmt(raw_rates)}")
    print(f"  full enrichment    {full_median:8.1f} articles/s   rounds: {_fmt(full_rates)}")
    print(
        f"  ratio full / raw   {statistics.median(ratios):8.2f}x   rounds: {_fmt(ratios, 2)} (target >= 0.80x)"
    )
    print(
        f"  full enrichment, {other_matmul} matmul {statistics.median(other_rates):8.1f} articles/s   rounds: "
        f"{_fmt(other_rates)}; {settings.ner_matmul} / {other_matmul} {statistics.median(matmul_ratios):.2f}x "
        f"(rounds: {_fmt(matmul_ratios, 2)})"
    )
    print(f"  peak RSS           {peak_mib:8.0f} MiB (both enrichers loaded)")
    return 0


def cpu_name() -> str:
    """The CPU, as BLIS sees it (it picks kernels by family and model); "" where /proc/cpuinfo is missing."""
    try:
        with open("/proc/cpuinfo") as info:
            first = info.read().split("\n\n")[0]
    except OSError:
        return ""
    fields = {
        key.strip(): value.strip() for key, _, value in (line.partition(":") for line in first.splitlines())
    }
    return f"{fields.get('model name', '?')} (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')})"


def _fmt(values: list[float], places: int = 1) -> str:
    return ", ".join(f"{v:.{places}f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())
