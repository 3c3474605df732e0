"""`newswire eval`: raw spaCy NER and newswire's enrichment, scored side by side on the team's corpus.

The corpus (tests/corpus/articles.jsonl, conventions in tests/corpus/README.md) holds short articles in
many wire styles, each with gold entities (name, type, aliases) and gold syndication (origin,
contributors, attributions). "Raw spaCy" is the same model with the same components, without anything
newswire adds: its `doc.ents` as they come, one entry per distinct (text, label). Syndication has no raw
spaCy counterpart, so only newswire's figures are printed for it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spacy

from services.common.records import SUBMISSION_FIELDS, build_raw_article, utc_now
from services.common.serialization import dumps_pretty, loads
from services.common.settings import Settings
from services.enrich.entities.extract import UNUSED_COMPONENTS, ner_text
from services.enrich.entities.matmul import use_matmul
from services.enrich.pipeline import build_enricher
from services.enrich.syndication.outlets import OutletIndex
from services.evaluation.scores import Counts, Miss, micro, same_outlets, score_entities, score_outlets

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "tests" / "corpus" / "articles.jsonl"
TYPES = ("PERSON", "ORG", "GPE", "LOC", "NORP")
HEADLINE_TYPES = ("PERSON", "ORG", "GPE")  # the target: F1 over these three, micro-averaged


@dataclass
class SystemScores:
    by_type: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in TYPES})
    misses: dict[str, list[Miss]] = field(default_factory=dict)

    def add(self, article_id: str, counts: dict[str, Counts], misses: list[Miss]) -> None:
        for t, c in counts.items():
            self.by_type[t] += c
        if misses:
            self.misses[article_id] = misses

    def over(self, types: Sequence[str]) -> Counts:
        return micro(self.by_type[t] for t in types)


@dataclass
class SyndicationScores:
    articles: int = 0
    origin_right: int = 0
    contributors_right: int = 0
    attributions_right: int = 0
    attributions: Counts = field(default_factory=Counts)
    wrong: dict[str, dict[str, Any]] = field(default_factory=dict)

    def ratio(self, right: int) -> float:
        return right / self.articles if self.articles else 1.0


@dataclass
class Report:
    corpus: str
    model: str
    articles: int
    raw: SystemScores
    newswire: SystemScores
    syndication: SyndicationScores
    seconds: dict[str, float]

    def summary(self) -> dict[str, Any]:
        """The figures, as data: what tests hold floors on and what `--json` prints."""

        def prf(c: Counts) -> dict[str, float]:
            return {"precision": round(c.precision, 4), "recall": round(c.recall, 4), "f1": round(c.f1, 4)}

        def system(s: SystemScores) -> dict[str, Any]:
            return {
                "by_type": {t: prf(c) for t, c in s.by_type.items()},
                "person_org_gpe": prf(s.over(HEADLINE_TYPES)),
                "all_types": prf(s.over(TYPES)),
            }

        syn = self.syndication
        return {
            "corpus": self.corpus,
            "model": self.model,
            "articles": self.articles,
            "raw_spacy": system(self.raw),
            "newswire": system(self.newswire),
            "syndication": {
                "origin_accuracy": round(syn.ratio(syn.origin_right), 4),
                "contributors_accuracy": round(syn.ratio(syn.contributors_right), 4),
                "attributions_accuracy": round(syn.ratio(syn.attributions_right), 4),
                "attributions": prf(syn.attributions),
            },
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def load_corpus(path: Path) -> list[dict[str, Any]]:
    articles = []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if line.strip():
            article = loads(line)
            if not isinstance(article, dict) or "body_text" not in article or "gold" not in article:
                raise ValueError(f"{path}:{number}: an article needs body_text and gold")
            articles.append(article)
    return articles


# Raw models named by another label set get only a one-to-one renaming, nothing newswire decides (the
# gazetteer's GPE or LOC, dropping MISC): "raw" stays the model as it comes.
RAW_LABELS = {"PER": "PERSON"}


def evaluate(articles: list[dict[str, Any]], settings: Settings, corpus_name: str = "") -> Report:
    started = time.perf_counter()
    enricher = build_enricher(
        settings.ner_model,
        settings.outlets_path,
        organisations_file=settings.organisations_path,
        ner_models=settings.ner_models,
        default_language=settings.default_language,
        matmul=settings.ner_matmul,
    )
    records = [
        build_raw_article({k: a[k] for k in SUBMISSION_FIELDS if k in a}, received_at=utc_now())
        for a in articles
    ]
    enriched = enricher.enrich(records)
    newswire_seconds = time.perf_counter() - started

    started = time.perf_counter()
    # The same text newswire's NER reads (headline and story), without the credit-line masking, through
    # the model configured for the article's language (as newswire found it); none: no entities.
    names = settings.ner_model_names
    raw_docs: list[Any] = [None] * len(articles)
    for language in {r["language"] for r in enriched} & set(names):
        raw_nlp = use_matmul(
            spacy.load(names[language], exclude=list(UNUSED_COMPONENTS)), settings.ner_matmul
        )
        indexes = [i for i, r in enumerate(enriched) if r["language"] == language]
        texts = (ner_text(articles[i].get("headline"), articles[i]["body_text"])[0] for i in indexes)
        for i, doc in zip(indexes, raw_nlp.pipe(texts), strict=True):
            raw_docs[i] = doc
    raw_seconds = time.perf_counter() - started

    raw, ours, syndication = SystemScores(), SystemScores(), SyndicationScores()
    for article, doc, record in zip(articles, raw_docs, enriched, strict=True):
        gold, name = article["gold"], article.get("id", "?")
        gold_entities = [_with_outlet_name(g, enricher.outlets) for g in gold["entities"]]
        ents = doc.ents if doc is not None else ()
        raw_predicted = list(
            dict.fromkeys((ent.text, RAW_LABELS.get(ent.label_, ent.label_)) for ent in ents)
        )
        raw.add(name, *score_entities(gold_entities, raw_predicted, TYPES))
        our_predicted = [(e["name"], e["type"]) for e in record["entities"]]
        ours.add(name, *score_entities(gold_entities, our_predicted, TYPES))
        _score_syndication(syndication, name, gold["syndication"], record["syndication"])
    seconds = {"raw_spacy": raw_seconds, "newswire": newswire_seconds}
    used = [(lang, name) for lang, name in names.items() if lang in {r["language"] for r in enriched}]
    # One language: its model's name, as before there were several; more: "en:model, fr:model".
    model = used[0][1] if len(used) == 1 else ", ".join(f"{lang}:{name}" for lang, name in used) or "none"
    return Report(corpus_name, model, len(articles), raw, ours, syndication, seconds)


def _with_outlet_name(entity: dict[str, Any], outlets: OutletIndex) -> dict[str, Any]:
    """Gold names an outlet as the story writes it ("AFP"); newswire reports its canonical name
    ("Agence France-Presse"). Either is the right entity."""
    forms = (entity["name"], *entity.get("aliases", ()))
    names = {outlets.canonical(form) for form in forms} - {None}
    return {**entity, "aliases": [*entity.get("aliases", ()), *sorted(names)]} if names else entity


def _score_syndication(scores: SyndicationScores, name: str, gold: dict, got: dict) -> None:
    scores.articles += 1
    origin_ok = gold.get("origin") == got.get("origin")
    contributors_ok = same_outlets(gold.get("contributors", []), got.get("contributors", []))
    attributions_ok = same_outlets(gold.get("attributions", []), got.get("attributions", []))
    scores.origin_right += origin_ok
    scores.contributors_right += contributors_ok
    scores.attributions_right += attributions_ok
    scores.attributions += score_outlets(gold.get("attributions", []), got.get("attributions", []))
    if not (origin_ok and contributors_ok and attributions_ok):
        keys = ("origin", "contributors", "attributions")
        scores.wrong[name] = {
            "gold": {k: gold.get(k) for k in keys},
            "newswire": {k: got.get(k) for k in keys},
        }


def format_report(report: Report, *, errors: bool = False) -> str:
    s = report.summary()
    lines = [
        f"newswire eval: {report.articles} articles from {report.corpus}, model {report.model}",
        "",
        f"{'entities (name + type)':<24}{'raw spaCy':^24}{'newswire':^24}",
        f"{'':<24}" + f"{'P':>8}{'R':>8}{'F1':>8}" * 2,
    ]

    def row(label: str, raw: dict, ours: dict) -> str:
        cells = "".join(f"{d[k]:>8.3f}" for d in (raw, ours) for k in ("precision", "recall", "f1"))
        return f"{label:<24}{cells}"

    raw, ours = s["raw_spacy"], s["newswire"]
    lines += [row(t, raw["by_type"][t], ours["by_type"][t]) for t in TYPES]
    lines.append(row("PERSON+ORG+GPE (micro)", raw["person_org_gpe"], ours["person_org_gpe"]))
    lines.append(row("all five (micro)", raw["all_types"], ours["all_types"]))
    syn = s["syndication"]
    attr = syn["attributions"]
    lines += [
        "",
        f"{'syndication':<24}{'raw spaCy':^24}{'newswire':^24}",
        f"{'origin accuracy':<24}{'-':^24}{syn['origin_accuracy']:^24.3f}",
        f"{'contributors accuracy':<24}{'-':^24}{syn['contributors_accuracy']:^24.3f}",
        f"{'attributions accuracy':<24}{'-':^24}{syn['attributions_accuracy']:^24.3f}",
        f"{'attributions P/R/F1':<24}{'-':^24}"
        + f"{attr['precision']:.3f} / {attr['recall']:.3f} / {attr['f1']:.3f}".center(24),
        "",
        f"time: raw spaCy {s['seconds']['raw_spacy']:.2f} s, newswire {s['seconds']['newswire']:.2f} s "
        "(model loading included)",
    ]
    if errors:
        lines += ["", "newswire entity errors:"]
        for article_id, misses in report.newswire.misses.items():
            lines += [f"  {article_id}: {m.kind} {m.type} {m.name!r}" for m in misses]
        lines += ["", "newswire syndication errors:"]
        for article_id, wrong in report.syndication.wrong.items():
            lines.append(f"  {article_id}: gold {wrong['gold']} / newswire {wrong['newswire']}")
    return "\n".join(lines)


def main(settings: Settings, argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="newswire eval", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="JSON lines with gold")
    parser.add_argument("--errors", action="store_true", help="list every entity and syndication error")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--languages",
        type=Path,
        metavar="PATH",
        help="instead: language detection accuracy on JSON lines with body_text and gold_language",
    )
    args = parser.parse_args(list(argv))
    if args.languages:
        from services.evaluation.language_eval import main as language_eval_main

        return language_eval_main(args.languages, as_json=args.json)
    articles = load_corpus(args.corpus)
    report = evaluate(articles, settings, corpus_name=args.corpus.name)
    if args.json:
        print(dumps_pretty(report.summary()).decode())
    else:
        print(format_report(report, errors=args.errors))
    return 0
