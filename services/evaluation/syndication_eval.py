"""`newswire eval --syndication PATH`: syndication scored on a labelled set of real published copy.

The set is JSON lines, one page each: `id`, `body_text` (what the product's HTML reader extracted), an
optional `dateline`, and `gold` with `origin` (a name or null), `contributors` and `attributions` (lists
of names). The README ("Quality") says how the set is rebuilt from public extractor test fixtures; its
text is other people's, so it lives outside the repository and is read from the path given.

Only what the copy itself says is scored: the page's byline and site name are not given to
`find_syndication`, since on a publisher's own page they name the publisher, and an unmarked staff story
must get no origin. Names are compared through the outlet list ("AFP" and "Agence France-Presse" are one
outlet), then case- and article-blind.

Figures: origin accuracy, contributors accuracy, both right (the issue's target), attributions P/R/F1
over every page, and false positives: unmarked pages (gold origin null, no contributors) given an origin
or a contributor.

A page may carry a `family` (the form its credit takes: dateline, credit_line, provision_note,
caption_then_dateline, table_line, trap_person, ...) and an `evidence` string; any other field is
ignored. Per family: pages, both right, and false positives; then every false positive, that is every
origin or contributor newswire gave that the gold does not have, with the credit lines it read it from.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.common.serialization import dumps_pretty, loads
from services.common.settings import Settings
from services.enrich.syndication.outlets import OutletIndex, load_outlets
from services.enrich.syndication.tagger import find_syndication
from services.evaluation.scores import Counts, normalise_name

NO_FAMILY = "-"


@dataclass
class PageError:
    id: str
    gold: dict[str, Any]
    got: dict[str, Any]
    wrong: tuple[str, ...]  # which of origin, contributors, attributions differ
    family: str = NO_FAMILY
    evidence: str | None = None


@dataclass
class FalsePositive:
    id: str
    family: str
    found: tuple[str, ...]  # "origin: X", "contributor: Y"
    credit_lines: tuple[str, ...]


@dataclass
class FamilyCounts:
    pages: int = 0
    origin_right: int = 0
    both_right: int = 0
    false_positives: int = 0  # pages with at least one false positive


@dataclass
class SyndicationReport:
    pages: int = 0
    marked: int = 0
    origin_right: int = 0
    contributors_right: int = 0
    both_right: int = 0
    marked_both_right: int = 0  # the issue-27 figure: of the pages carrying a credit, both right
    false_positives: int = 0
    attributions: Counts = field(default_factory=Counts)
    errors: list[PageError] = field(default_factory=list)
    families: dict[str, FamilyCounts] = field(default_factory=dict)
    false_positive_list: list[FalsePositive] = field(default_factory=list)

    @property
    def unmarked(self) -> int:
        return self.pages - self.marked

    def summary(self) -> dict[str, Any]:
        def ratio(right: int) -> float:
            return round(right / self.pages, 4) if self.pages else 1.0

        a = self.attributions
        return {
            "pages": self.pages,
            "marked": self.marked,
            "unmarked": self.unmarked,
            "origin_accuracy": ratio(self.origin_right),
            "contributors_accuracy": ratio(self.contributors_right),
            "both_right": ratio(self.both_right),
            "marked_both_right": round(self.marked_both_right / self.marked, 4) if self.marked else 1.0,
            "false_positives_on_unmarked": self.false_positives,
            "attributions": {
                "precision": round(a.precision, 4),
                "recall": round(a.recall, 4),
                "f1": round(a.f1, 4),
            },
            "families": {
                name: {
                    "pages": c.pages,
                    "origin_right": c.origin_right,
                    "both_right": c.both_right,
                    "false_positives": c.false_positives,
                }
                for name, c in sorted(self.families.items())
            },
            "false_positives": [
                {"id": f.id, "family": f.family, "found": list(f.found), "credit_lines": list(f.credit_lines)}
                for f in self.false_positive_list
            ],
        }


def load_pages(path: Path) -> list[dict[str, Any]]:
    pages = []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        page = loads(line)
        if not isinstance(page, dict) or not isinstance(page.get("body_text"), str):
            raise ValueError(f"{path}:{number}: a page needs body_text")
        if not isinstance(page.get("gold"), dict):
            raise ValueError(f"{path}:{number}: page {page.get('id', '?')} has no gold labels")
        pages.append(page)
    return pages


def gold_of(page: dict[str, Any]) -> dict[str, Any]:
    """The team corpus nests syndication under gold.syndication; the real-copy set puts it in gold."""
    gold = page["gold"].get("syndication", page["gold"])
    return {
        "origin": gold.get("origin"),
        "contributors": list(gold.get("contributors") or ()),
        "attributions": list(gold.get("attributions") or ()),
    }


def score_pages(pages: Iterable[dict[str, Any]], outlets: OutletIndex) -> SyndicationReport:
    report = SyndicationReport()
    for page in pages:
        found = find_syndication(page["body_text"], outlets, dateline=page.get("dateline"))
        family = page.get("family") if isinstance(page.get("family"), str) else None
        evidence = page.get("evidence") if isinstance(page.get("evidence"), str) else None
        score_page(
            report,
            page.get("id", "?"),
            gold_of(page),
            found.to_record(),
            outlets,
            family=family,
            evidence=evidence,
        )
    return report


def score_page(
    report: SyndicationReport,
    page_id: str,
    gold: dict[str, Any],
    got: dict[str, Any],
    outlets: OutletIndex,
    *,
    family: str | None = None,
    evidence: str | None = None,
) -> None:
    """Add one page's comparison to `report` (pure: `got` is what find_syndication returned)."""
    key = _keyer(outlets)
    marked = bool(gold["origin"] or gold["contributors"])
    origin_ok = key(gold["origin"]) == key(got.get("origin"))
    contributors_ok = _keys(gold["contributors"], key) == _keys(got.get("contributors", ()), key)
    gold_cited, got_cited = _keys(gold["attributions"], key), _keys(got.get("attributions", ()), key)
    report.pages += 1
    report.marked += marked
    report.origin_right += origin_ok
    report.contributors_right += contributors_ok
    report.both_right += origin_ok and contributors_ok
    report.marked_both_right += marked and origin_ok and contributors_ok
    if not marked and (got.get("origin") or got.get("contributors")):
        report.false_positives += 1
    gold_contributors = _keys(gold["contributors"], key)
    wrongly_found = ([f"origin: {got['origin']}"] if got.get("origin") and not origin_ok else []) + [
        f"contributor: {name}" for name in got.get("contributors", ()) if key(name) not in gold_contributors
    ]
    counts = report.families.setdefault(family or NO_FAMILY, FamilyCounts())
    counts.pages += 1
    counts.origin_right += origin_ok
    counts.both_right += origin_ok and contributors_ok
    if wrongly_found:
        counts.false_positives += 1
        lines = tuple(got.get("credit_lines") or ())
        report.false_positive_list.append(
            FalsePositive(page_id, family or NO_FAMILY, tuple(wrongly_found), lines)
        )
    report.attributions += Counts(
        tp=len(gold_cited & got_cited), fp=len(got_cited - gold_cited), fn=len(gold_cited - got_cited)
    )
    wrong = tuple(
        name
        for name, ok in (
            ("origin", origin_ok),
            ("contributors", contributors_ok),
            ("attributions", gold_cited == got_cited),
        )
        if not ok
    )
    if wrong:
        keys = ("origin", "contributors", "attributions")
        got_keys = {k: got.get(k) for k in keys}
        report.errors.append(PageError(page_id, gold, got_keys, wrong, family or NO_FAMILY, evidence))


def _keyer(outlets: OutletIndex):
    def key(name: str | None) -> str | None:
        if not name:
            return None
        return normalise_name(outlets.canonical(name) or name)

    return key


def _keys(names: Iterable[str], key) -> set[str]:
    return {k for k in (key(n) for n in names) if k}


def format_report(report: SyndicationReport, source: str, *, errors: bool = False) -> str:
    s = report.summary()
    a = s["attributions"]
    lines = [
        f"newswire eval --syndication: {s['pages']} pages from {source} "
        f"({s['marked']} marked, {s['unmarked']} unmarked)",
        "",
        f"{'origin accuracy':<34}{s['origin_accuracy']:.3f}",
        f"{'contributors accuracy':<34}{s['contributors_accuracy']:.3f}",
        f"{'origin and contributors right':<34}{s['both_right']:.3f}",
        f"{'  of the marked pages':<34}{s['marked_both_right']:.3f} ({report.marked_both_right} of {s['marked']})",
        f"{'false positives on unmarked':<34}{s['false_positives_on_unmarked']} of {s['unmarked']}",
        f"{'attributions P / R / F1':<34}{a['precision']:.3f} / {a['recall']:.3f} / {a['f1']:.3f}",
    ]
    lines += ["", f"{'family':<24}{'pages':>6}{'origin right':>14}{'both right':>12}{'false pos.':>12}"]
    for name, c in sorted(report.families.items()):
        lines.append(f"{name:<24}{c.pages:>6}{c.origin_right:>14}{c.both_right:>12}{c.false_positives:>12}")
    lines += ["", f"false positives ({len(report.false_positive_list)} pages):"]
    for f in report.false_positive_list:
        lines.append(f"  {f.id} [{f.family}] {'; '.join(f.found)}")
        lines.extend(f"      credit line: {line!r}" for line in f.credit_lines)
    if errors:
        lines += ["", f"errors ({len(report.errors)} pages):"]
        for e in report.errors:
            family = f" ({e.family})" if e.family != NO_FAMILY else ""
            lines.append(f"  {e.id}{family} [{', '.join(e.wrong)}]")
            for k in e.wrong:
                lines.append(f"      {k}: gold {e.gold[k]!r} / newswire {e.got[k]!r}")
            if e.evidence:
                lines.append(f"      evidence: {e.evidence!r}")
    return "\n".join(lines)


def main(settings: Settings, argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="newswire eval", description=__doc__.splitlines()[0])
    parser.add_argument("--syndication", type=Path, required=True, metavar="PATH", help="labelled JSONL")
    parser.add_argument("--errors", action="store_true", help="list every page that is not all right")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(list(argv))
    pages = load_pages(args.syndication)
    report = score_pages(pages, load_outlets(settings.outlets_path))
    if args.json:
        print(dumps_pretty(report.summary()).decode())
    else:
        print(format_report(report, args.syndication.name, errors=args.errors))
    return 0
