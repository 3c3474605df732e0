"""Memory of an enrich worker's models: English only, then English and French (NEWSWIRE_NER_MODELS).

    .venv/bin/python benchmarks/language_memory.py

Each configuration is built in a fresh Python process, the way a worker starts (build_enricher: outlet
lists, language detector, one spaCy pipeline per configured language), then enriches the team corpora's
English and French articles once, so what the first batches allocate is counted too. Printed: resident
memory (RSS) now and at peak, and what French adds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGURATIONS = {"en only": "", "en + fr": "fr:fr_core_news_sm"}
CHILD = """
import json, resource, sys
sys.path.insert(0, {root!r})
from services.common.records import build_raw_article, utc_now
from services.common.settings import Settings
from services.evaluation.evaluation import DEFAULT_CORPUS, load_corpus
from services.enrich.pipeline import build_enricher

def rss_mib():
    try:
        with open("/proc/self/statm") as f:
            import os
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return None

settings = Settings.from_env({{"NEWSWIRE_NER_MODELS": {models!r}}})
enricher = build_enricher(settings.ner_model, ner_models=settings.ner_models)
loaded = rss_mib()
articles = load_corpus(DEFAULT_CORPUS) + load_corpus(DEFAULT_CORPUS.with_name("french.jsonl"))
records = [build_raw_article({{"body_text": a["body_text"], "headline": a.get("headline")}}, received_at=utc_now())
           for a in articles]
for start in range(0, len(records), 8):
    enricher.enrich(records[start : start + 8])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)
print(json.dumps({{"loaded": loaded, "after_enriching": rss_mib(), "peak": peak, "articles": len(records),
                   "models": sorted(enricher.models)}}))
"""


def measure(models: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), models=models)],
        check=True,
        capture_output=True,
        text=True,
        env={"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PATH": ""},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_known_args()  # ./dev bench passes all
    figures = {name: measure(models) for name, models in CONFIGURATIONS.items()}
    print("enrich worker memory (RSS, MiB), each configuration in a fresh process:")
    print(f"{'models':<12}{'loaded':>10}{'after enriching':>18}{'peak':>10}")
    for name, f in figures.items():
        loaded = f"{f['loaded']:.0f}" if f["loaded"] is not None else "-"
        after = f"{f['after_enriching']:.0f}" if f["after_enriching"] is not None else "-"
        print(f"{name:<12}{loaded:>10}{after:>18}{f['peak']:>10.0f}   models: {', '.join(f['models'])}")
    en, both = figures["en only"], figures["en + fr"]
    print(
        f"French adds {both['peak'] - en['peak']:.0f} MiB at peak ({en['articles']} articles enriched each)"
    )


if __name__ == "__main__":
    main()
