"""`newswire eval --copies [PATH]`: republication detection scored on a labelled stream of articles.

The stream is JSON lines in publication order: `id`, `provider`, `headline`, `body_text`, an optional
`published_at` (RFC 3339; without it articles are a minute apart), and `gold` with `copy_of` (the id of the
earliest article this one reproduces, or null), `transformation` (how it was made: see
tests/corpus/README.md) and `kept` (share of the original's text it keeps). Default: the team corpus
tests/corpus/copies.jsonl.

Each article goes through what the worker does: find_syndication -> fingerprint -> check_copy, then its
entry into the index. An article is right when the copy_of it gets names the gold id (null for null).
Precision and recall are over copy_of: a copy given the wrong original counts as a false positive and a
false negative. Printed by transformation and overall, with recall over copies keeping >= 50% of the
original (the issue's target), story agreement (a copy's story is its original's), and the mistakes.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from services.common.serialization import dumps_pretty, loads
from services.common.settings import Settings
from services.enrich.copies.rule import CopyIndex, check_copy, fingerprint, story_id
from services.enrich.syndication.outlets import OutletIndex, load_outlets
from services.enrich.syndication.tagger import find_syndication, syndication_tags
from services.evaluation.scores import Counts

DEFAULT_COPIES = Path(__file__).resolve().parents[2] / "tests" / "corpus" / "copies.jsonl"
WINDOW_S = 7 * 86400.0
TARGET_KEPT = 0.5


@dataclass
class Tally(Counts):
    """Counts of one transformation: a copy_of naming the gold original is a true positive."""

    records: int = 0

    def add(self, gold: str | None, got: str | None) -> None:
        self.records += 1
        if got is not None and got == gold:
            self.tp += 1
            return
        if got is not None:
            self.fp += 1
        if gold is not None:
            self.fn += 1


@dataclass
class Mistake:
    id: str
    transformation: str
    gold: str | None
    got: dict[str, Any] | None


@dataclass
class CopiesReport:
    overall: Tally = field(default_factory=Tally)
    target: Tally = field(default_factory=Tally)  # gold copies keeping >= TARGET_KEPT
    by_transformation: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    stories_right: int = 0
    stories: int = 0
    no_fingerprint: int = 0
    stage_ms: float = 0.0
    mistakes: list[Mistake] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        def figures(t: Tally) -> dict[str, Any]:
            return {
                "records": t.records,
                "precision": round(t.precision, 4),
                "recall": round(t.recall, 4),
                "tp": t.tp,
                "fp": t.fp,
                "fn": t.fn,
            }

        return {
            "records": self.overall.records,
            "overall": figures(self.overall),
            "recall_kept_50": round(self.target.recall, 4),
            "copies_kept_50": self.target.tp + self.target.fn,
            "story_agreement": round(self.stories_right / self.stories, 4) if self.stories else 1.0,
            "no_fingerprint": self.no_fingerprint,
            "stage_ms_per_article": round(self.stage_ms / max(1, self.overall.records), 3),
            "by_transformation": {name: figures(t) for name, t in sorted(self.by_transformation.items())},
        }


def load_stream(path: Path) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        record = loads(line)
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("body_text"), str)
            or not record.get("id")
        ):
            raise ValueError(f"{path}:{number}: a record needs id and body_text")
        if not isinstance(record.get("gold"), dict) or "copy_of" not in record["gold"]:
            raise ValueError(f"{path}:{number}: record {record['id']} has no gold.copy_of")
        records.append(record)
    return records


def _seen_at(record: dict[str, Any], number: int) -> float:
    published = record.get("published_at")
    if published:
        return datetime.fromisoformat(published.replace("Z", "+00:00")).timestamp()
    return 60.0 * number


def score_stream(records: Iterable[dict[str, Any]], outlets: OutletIndex) -> CopiesReport:
    report = CopiesReport()
    index = CopyIndex(window_s=WINDOW_S, max_entries=1_000_000)
    for number, record in enumerate(records):
        now = _seen_at(record, number)
        syndication = find_syndication(record["body_text"], outlets, provider=record.get("provider"))
        enriched = {
            "id": record["id"],
            "provider": record.get("provider"),
            "syndication": syndication.to_record(),
            "tags": syndication_tags(syndication, outlets),
        }
        started = time.perf_counter()
        index.expire(now)
        fp = fingerprint(record.get("headline"), record["body_text"], syndication.credit_spans)
        entry = check_copy(enriched, fp, index, now)
        if entry is not None:
            index.add(entry)
        report.stage_ms += (time.perf_counter() - started) * 1000
        report.no_fingerprint += fp is None
        gold = record["gold"]
        got = enriched["syndication"]["copy_of"]
        got_id = got["id"] if got else None
        transformation = gold.get("transformation") or "unlabelled"
        report.overall.add(gold["copy_of"], got_id)
        report.by_transformation[transformation].add(gold["copy_of"], got_id)
        if gold["copy_of"] is not None and (gold.get("kept") or 0) >= TARGET_KEPT:
            report.target.add(gold["copy_of"], got_id)
        if gold["copy_of"] is not None:
            report.stories += 1
            report.stories_right += enriched["syndication"]["story"] == story_id(gold["copy_of"])
        if got_id != gold["copy_of"]:
            report.mistakes.append(Mistake(record["id"], transformation, gold["copy_of"], got))
    return report


def format_report(report: CopiesReport, source: str) -> str:
    s = report.summary()
    o = s["overall"]
    lines = [
        f"newswire eval --copies: {s['records']} articles from {source}",
        "",
        f"{'transformation':<46}{'n':>4}{'precision':>11}{'recall':>8}",
    ]
    for name, t in s["by_transformation"].items():
        lines.append(f"{name:<46}{t['records']:>4}{t['precision']:>11.3f}{t['recall']:>8.3f}")
    lines += [
        f"{'overall':<46}{o['records']:>4}{o['precision']:>11.3f}{o['recall']:>8.3f}",
        "",
        f"{'recall, copies keeping >= 50%':<46}{s['recall_kept_50']:.3f} of {s['copies_kept_50']}",
        f"{'story agreement (copies)':<46}{s['story_agreement']:.3f}",
        f"{'articles too short to fingerprint':<46}{s['no_fingerprint']}",
        f"{'stage time per article (ms)':<46}{s['stage_ms_per_article']:.3f}",
        "",
        f"mistakes ({len(report.mistakes)}):",
    ]
    for m in report.mistakes:
        got = (
            f"{m.got['id']} (similarity {m.got['similarity']}, shared {m.got['shared_fraction']})"
            if m.got
            else None
        )
        lines.append(f"  {m.id} [{m.transformation}] gold {m.gold} / newswire {got}")
    return "\n".join(lines)


def main(settings: Settings, argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="newswire eval", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--copies",
        type=Path,
        nargs="?",
        const=DEFAULT_COPIES,
        required=True,
        metavar="PATH",
        help="labelled JSONL",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(list(argv))
    report = score_stream(load_stream(args.copies), load_outlets(settings.outlets_path))
    if args.json:
        print(dumps_pretty(report.summary()).decode())
    else:
        print(format_report(report, args.copies.name))
    return 0
