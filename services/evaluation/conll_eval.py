"""`newswire eval --conll PATH`: raw spaCy NER and newswire's enrichment scored on CoNLL-2003 files.

CoNLL-2003 holds Reuters stories, one token a line (token, POS, chunk, NER tag in IOB1 or IOB2), blank
lines between sentences and a `-DOCSTART-` line before each story. Each story is rebuilt as wire copy: its
first sentence is the headline and the rest the story, one sentence a line (the second one is usually the
dateline, "LONDON 1996-08-30"). Tokens are joined with a space except before closing punctuation, and the
character offsets of the gold mentions are kept.

Scoring is per mention (every occurrence, not one entry per entity): strict counts a mention right when its
span and type are exactly the gold ones, lenient when it overlaps a gold mention of its type (each gold
and each predicted mention pairs at most once). Types are mapped to CoNLL's four:

    PERSON -> PER;  ORG -> ORG;  GPE, LOC, FAC -> LOC;  NORP, EVENT, PRODUCT, WORK_OF_ART, LAW, LANGUAGE -> MISC
    (DATE, TIME, money and other numeric types are not CoNLL entities and are dropped)

"Raw spaCy" is the model's own `doc.ents` on the same text; "newswire" is the full enrichment's entity
spans (headline and story). Error families count what newswire gets wrong that raw spaCy got right.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spacy

from services.common.serialization import dumps_pretty
from services.common.settings import Settings
from services.enrich.entities.extract import UNUSED_COMPONENTS, ner_text
from services.enrich.entities.matmul import use_matmul
from services.enrich.pipeline import build_enricher
from services.evaluation.scores import Counts

CONLL_TYPES = ("PER", "ORG", "LOC", "MISC")
HEADLINE_TYPES = ("PER", "ORG", "LOC")
TYPE_MAP = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "PRODUCT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
}
# Tokens written against the word before them, and after which the next word follows without a space.
_NO_SPACE_BEFORE = frozenset([",", ".", ";", ":", "?", "!", ")", "]", "}", "%", "'s", "'", "n't"])
_NO_SPACE_AFTER = frozenset(["(", "[", "{", "$"])
_DIGITS = re.compile(r"\d")

Mention = tuple[int, int, str]
"""[start, end) character offsets into the story's full text (headline, blank line, story) and a type."""


@dataclass(frozen=True)
class Story:
    headline: str
    body: str
    gold: tuple[Mention, ...]

    @property
    def text(self) -> str:
        return ner_text(self.headline, self.body)[0]


def read_conll(path: Path) -> list[Story]:
    return parse_conll(path.read_text(encoding="utf-8"))


def parse_conll(text: str) -> list[Story]:
    """Stories from CoNLL-2003 text. A file without -DOCSTART- lines is one story."""
    stories, sentences, sentence = [], [], []
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            if sentence:
                sentences.append(sentence)
            sentence = []
        elif fields[0] == "-DOCSTART-":
            if sentence:
                sentences.append(sentence)
            if sentences:
                stories.append(_story(sentences))
            sentences, sentence = [], []
        else:
            sentence.append((fields[0], fields[-1]))
    if sentence:
        sentences.append(sentence)
    if sentences:
        stories.append(_story(sentences))
    return stories


def _story(sentences: list[list[tuple[str, str]]]) -> Story:
    lines = []  # (text, mentions with offsets in the line)
    for sentence in sentences:
        lines.append(_join(sentence))
    headline, head_mentions = lines[0]
    offset = len(headline) + 2
    body_parts, gold = [], list(head_mentions)
    position = 0
    for line, mentions in lines[1:]:
        gold += [(offset + position + s, offset + position + e, t) for s, e, t in mentions]
        body_parts.append(line)
        position += len(line) + 1
    return Story(headline, "\n".join(body_parts), tuple(gold))


def _join(tokens: list[tuple[str, str]]) -> tuple[str, list[Mention]]:
    """One sentence as text, with its gold mentions (IOB1 or IOB2 tags) as offsets into it."""
    text = ""
    mentions: list[Mention] = []
    open_start, open_type, last_end = -1, "", 0
    previous = ""
    for word, tag in tokens:
        if text and word not in _NO_SPACE_BEFORE and previous not in _NO_SPACE_AFTER:
            text += " "
        start = len(text)
        text += word
        prefix, _, etype = tag.partition("-")
        continues = prefix == "I" and etype == open_type
        if open_type and not continues:
            mentions.append((open_start, last_end, open_type))
            open_type = ""
        if etype and not continues:
            open_start, open_type = start, etype
        last_end = len(text)
        previous = word
    if open_type:
        mentions.append((open_start, last_end, open_type))
    return text, mentions


# ---------------------------------------------------------------------------------------------- scoring


@dataclass
class TypeCounts:
    strict: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in CONLL_TYPES})
    lenient: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in CONLL_TYPES})

    def add(self, gold: Sequence[Mention], predicted: Sequence[Mention]) -> None:
        for t, c in score_strict(gold, predicted).items():
            self.strict[t] += c
        for t, c in score_lenient(gold, predicted).items():
            self.lenient[t] += c


def score_strict(gold: Iterable[Mention], predicted: Iterable[Mention]) -> dict[str, Counts]:
    """Exact span and type. Duplicated predictions count once."""
    g, p = set(gold), set(predicted)
    counts = {t: Counts() for t in CONLL_TYPES}
    for _, _, t in g & p:
        counts[t].tp += 1
    for _, _, t in p - g:
        counts[t].fp += 1
    for _, _, t in g - p:
        counts[t].fn += 1
    return counts


def score_lenient(gold: Iterable[Mention], predicted: Iterable[Mention]) -> dict[str, Counts]:
    """Overlap and type: each gold mention pairs with at most one predicted one and the other way round,
    exact matches first, then in text order."""
    g, p = sorted(set(gold)), sorted(set(predicted))
    counts = {t: Counts() for t in CONLL_TYPES}
    used_g, used_p = set(), set()
    for i, m in enumerate(p):
        if m in g:
            used_p.add(i)
            used_g.add(g.index(m))
    for i, (ps, pe, pt) in enumerate(p):
        if i in used_p:
            continue
        j = next(
            (j for j, (gs, ge, gt) in enumerate(g) if j not in used_g and gt == pt and gs < pe and ps < ge),
            None,
        )
        if j is not None:
            used_p.add(i)
            used_g.add(j)
    for i, (_, _, t) in enumerate(p):
        if i in used_p:
            counts[t].tp += 1
        else:
            counts[t].fp += 1
    for j, (_, _, t) in enumerate(g):
        if j not in used_g:
            counts[t].fn += 1
    return counts


def micro(counts: dict[str, Counts], types: Sequence[str]) -> Counts:
    total = Counts()
    for t in types:
        total += counts[t]
    return total


def error_families(
    text: str, gold: Sequence[Mention], raw: Sequence[Mention], ours: Sequence[Mention]
) -> list[tuple[str, str]]:
    """Newswire's errors that raw spaCy did not make, each as (family, the text in question).

    Families: `PER as LOC` (the gold span, another type), `ORG boundary` (overlaps a gold mention of its
    type, other span), `spurious ORG` (no gold mention there), `dropped PER` (a gold mention raw spaCy
    found exactly and newswire has nowhere). Each is suffixed with where it stood: a line in capitals,
    a table or result line (several numbers), or prose."""
    gold_set, raw_set, ours_set = set(gold), set(raw), set(ours)
    out = []
    for m in sorted(ours_set - gold_set - raw_set):
        s, e, t = m
        same_span = [g for g in gold if g[0] == s and g[1] == e]
        overlapping = [g for g in gold if g[0] < e and s < g[1]]
        if same_span:
            family = f"{same_span[0][2]} as {t}"
        elif any(g[2] == t for g in overlapping):
            family = f"{t} boundary"
        elif overlapping:
            family = f"{overlapping[0][2]} as {t}, other span"
        else:
            family = f"spurious {t}"
        out.append((f"{family} ({_line_kind(text, s)})", text[s:e]))
    for m in sorted(gold_set & raw_set - ours_set):
        s, e, t = m
        if not any(o[0] < e and s < o[1] for o in ours_set):
            out.append((f"dropped {t} ({_line_kind(text, s)})", text[s:e]))
    return out


def _line_kind(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    line = text[start : end if end >= 0 else len(text)]
    letters = [c for c in line if c.isalpha()]
    if len(re.findall(r"(?<![\w.])\d+(?:[.-]\d+)*(?![\w.])", line)) >= 2:
        return "table line"
    if letters and sum(c.isupper() for c in letters) >= 0.8 * len(letters) and len(letters) > 3:
        return "caps line"
    return "prose"


# ---------------------------------------------------------------------------------------------- running


@dataclass
class ConllReport:
    source: str
    model: str
    stories: int
    mentions: int
    raw: TypeCounts
    newswire: TypeCounts
    families: Counter
    examples: dict[str, list[str]]
    seconds: dict[str, float]

    def summary(self) -> dict[str, Any]:
        def prf(c: Counts) -> dict[str, Any]:
            return {
                "precision": round(c.precision, 4),
                "recall": round(c.recall, 4),
                "f1": round(c.f1, 4),
                "tp": c.tp,
                "fp": c.fp,
                "fn": c.fn,
            }

        def system(s: TypeCounts) -> dict[str, Any]:
            return {
                mode: {
                    "by_type": {t: prf(c) for t, c in counts.items()},
                    "per_org_loc": prf(micro(counts, HEADLINE_TYPES)),
                    "all_types": prf(micro(counts, CONLL_TYPES)),
                }
                for mode, counts in (("strict", s.strict), ("lenient", s.lenient))
            }

        return {
            "source": self.source,
            "model": self.model,
            "stories": self.stories,
            "gold_mentions": self.mentions,
            "raw_spacy": system(self.raw),
            "newswire": system(self.newswire),
            "error_families": dict(self.families.most_common()),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def raw_mentions(doc) -> list[Mention]:
    return [(e.start_char, e.end_char, TYPE_MAP[e.label_]) for e in doc.ents if e.label_ in TYPE_MAP]


def newswire_mentions(record: dict[str, Any], body_offset: int) -> list[Mention]:
    """Every mention of every entity in an enriched record, as offsets into `ner_text`."""
    out = []
    for entity in record["entities"]:
        etype = TYPE_MAP.get(entity["type"])
        if etype is None:
            continue
        out += [(s, e, etype) for s, e in entity.get("headline_spans", ())]
        out += [(s + body_offset, e + body_offset, etype) for s, e in entity["spans"]]
    return out


def evaluate_conll(stories: list[Story], settings: Settings, source: str = "") -> ConllReport:
    texts = [s.text for s in stories]
    started = time.perf_counter()
    raw_nlp = use_matmul(spacy.load(settings.ner_model, exclude=list(UNUSED_COMPONENTS)), settings.ner_matmul)
    raw_docs = list(raw_nlp.pipe(texts, batch_size=8))
    raw_seconds = time.perf_counter() - started

    started = time.perf_counter()
    enricher = build_enricher(
        settings.ner_model,
        settings.outlets_path,
        organisations_file=settings.organisations_path,
        matmul=settings.ner_matmul,
    )
    records = [
        {"id": str(i), "headline": s.headline, "body_text": s.body, "provider": "", "guid": None}
        for i, s in enumerate(stories)
    ]
    enriched = enricher.enrich(records)
    newswire_seconds = time.perf_counter() - started

    raw, ours = TypeCounts(), TypeCounts()
    families: Counter = Counter()
    examples: dict[str, list[str]] = {}
    for story, text, doc, record in zip(stories, texts, raw_docs, enriched, strict=True):
        body_offset = len(story.headline) + 2
        raw_found = raw_mentions(doc)
        ours_found = newswire_mentions(record, body_offset)
        raw.add(story.gold, raw_found)
        ours.add(story.gold, ours_found)
        for family, mention in error_families(text, story.gold, raw_found, ours_found):
            families[family] += 1
            examples.setdefault(family, []).append(mention)
    seconds = {"raw_spacy": raw_seconds, "newswire": newswire_seconds}
    mentions = sum(len(s.gold) for s in stories)
    return ConllReport(
        source, settings.ner_model, len(stories), mentions, raw, ours, families, examples, seconds
    )


def format_conll_report(report: ConllReport, *, errors: bool = False) -> str:
    s = report.summary()
    lines = [
        f"newswire eval --conll: {report.stories} stories, {report.mentions} gold mentions from "
        f"{report.source}, model {report.model}",
        "types: PERSON->PER, ORG->ORG, GPE/LOC/FAC->LOC, NORP/EVENT/PRODUCT/WORK_OF_ART/LAW/LANGUAGE->MISC",
    ]
    for mode in ("strict", "lenient"):
        lines += [
            "",
            f"{mode + ' (mentions)':<24}{'raw spaCy':^24}{'newswire':^24}",
            f"{'':<24}" + f"{'P':>8}{'R':>8}{'F1':>8}" * 2,
        ]
        raw, ours = s["raw_spacy"][mode], s["newswire"][mode]
        for t in CONLL_TYPES:
            lines.append(_row(t, raw["by_type"][t], ours["by_type"][t]))
        lines.append(_row("PER+ORG+LOC (micro)", raw["per_org_loc"], ours["per_org_loc"]))
        lines.append(_row("all four (micro)", raw["all_types"], ours["all_types"]))
    lines += ["", "newswire errors raw spaCy did not make, by family:"]
    for family, count in report.families.most_common():
        shown = ", ".join(
            repr(x) for x in list(dict.fromkeys(report.examples[family]))[: 20 if errors else 4]
        )
        lines.append(f"  {count:>5}  {family}: {shown}")
    lines += [
        "",
        f"time: raw spaCy {s['seconds']['raw_spacy']:.2f} s, newswire {s['seconds']['newswire']:.2f} s "
        "(model loading included)",
    ]
    return "\n".join(lines)


def _row(label: str, raw: dict, ours: dict) -> str:
    cells = "".join(f"{d[k]:>8.3f}" for d in (raw, ours) for k in ("precision", "recall", "f1"))
    return f"{label:<24}{cells}"


def main(settings: Settings, argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="newswire eval --conll", description=__doc__.splitlines()[0])
    parser.add_argument("--conll", type=Path, required=True, metavar="PATH", help="a CoNLL-2003 file")
    parser.add_argument("--limit", type=int, default=0, help="only the first N stories")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--errors", action="store_true", help="more examples of each error family")
    args = parser.parse_args(list(argv))
    stories = read_conll(args.conll)
    if args.limit:
        stories = stories[: args.limit]
    report = evaluate_conll(stories, settings, source=args.conll.name)
    print(
        dumps_pretty(report.summary()).decode()
        if args.json
        else format_conll_report(report, errors=args.errors)
    )
    return 0
