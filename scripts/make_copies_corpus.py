"""Build a republication corpus (tests/corpus/copies*.jsonl) from team-written sources.

    python -m scripts.make_copies_corpus tests/corpus/copies_sources.txt tests/corpus/copies.jsonl

The sources file holds originals (with the alternative headline, credit line, an update paragraph for a
new version, a paragraph a partner might add and, for some, a quote as another outlet translated it) and
hand-written hard negatives. This script writes the stream: each original, then its rewrites made the
way partner sites and aggregators edit wire copy (credit line cut, headline rewritten, paragraphs cut,
reordered or added, boilerplate, light copy-editing, translated quotes, combinations), a new version of
the same id, copies of copies, and the negatives, in order of a made-up publication time. The output is
deterministic (seeded by each original's key), so the corpus can be rebuilt and reviewed as a diff.

Each record: id, provider, headline, body_text, published_at, gold {copy_of, transformation, kept}; kept
is the share of the original's paragraph words the copy keeps unchanged in substance (a copy-edited
paragraph is kept, a translated quote is not).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

PARTNERS = [
    "Yahoo News",
    "MSN",
    "The Independent",
    "Newsday",
    "Daily Ledger",
    "Herald Online",
    "Metro Courier",
    "Coastal Times",
    "The Star Tribune Online",
    "NewsNow Aggregator",
]
HEADERS = [
    "Advertisement",
    "Listen to this article",
    "Sign up for our free morning newsletter and get the day's top stories in your inbox.",
]
FOOTERS = [
    "Do you have a news tip? Email us at tips@dailyledger.example.",
    "Follow us on Facebook and X for the latest updates.",
    "Copyright 2026 Herald Media Group. All rights reserved.",
    "Related: Read more stories from our world desk.",
]
OWN_PARAGRAPHS = [
    "This is a developing story and will be updated as more information becomes available.",
    "We have contacted the relevant authorities for further comment and will update this article.",
    "Local officials in our area said they were monitoring the situation closely but had no immediate "
    "plans to change their own arrangements.",
]
# Light copy-editing as partner desks do it: house style, spelling, contractions, a verb or two.
EDITS = [
    (r"\bsaid on (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", r"said \1"),
    (r"(\d)%", r"\1 percent"),
    (r"\bpercent\b", "per cent"),
    (r"\bU\.S\.", "US"),
    (r"\btold reporters\b", "told journalists"),
    (r"\bkilometers\b", "kilometres"),
    (r"\bcenter\b", "centre"),
    (r"\borganization", "organisation"),
    (r"\bdid not\b", "didn't"),
    (r"\bwas not\b", "wasn't"),
    (r"\bmore than\b", "over"),
    (r"\babout\b", "around"),
    (r"\bofficials\b", "authorities"),
    (r"\bThe company\b", "The firm"),
    (r"\bsaid\b", "says"),
]
# Rewrites of one original, cycled so that every transformation occurs for several originals.
RECIPES = [
    ("credit-removed",),
    ("headline-changed",),
    ("cut",),
    ("reordered",),
    ("added",),
    ("boilerplate",),
    ("copy-edited",),
    ("credit-removed", "headline-changed", "cut"),
    ("cut", "added", "copy-edited"),
    ("reordered", "boilerplate", "credit-removed"),
    ("cut-heavy",),
    ("headline-changed", "cut", "boilerplate", "copy-edited"),
]
PER_ORIGINAL = 4


@dataclass
class Source:
    kind: str  # original | negative
    key: str
    label: str = ""  # a negative's kind: same-event, follow-up, press-release
    after: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Copy:
    headline: str
    dateline: str | None
    paragraphs: list[tuple[str, int | None]]  # text, index in the original (None: not the original's)
    credit: str | None
    header: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)

    def body(self) -> str:
        paras = [text for text, _ in self.paragraphs]
        if self.dateline and paras:
            paras[0] = f"{self.dateline} {paras[0]}"
        return "\n".join(self.header + paras + ([self.credit] if self.credit else []) + self.footer)


def parse(path: Path) -> list[Source]:
    sources: list[Source] = []
    current: Source | None = None
    in_body = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") and current is None:
            continue
        if line.startswith("=== "):
            words = line[4:].split()
            current = Source(kind=words[0], key=words[1])
            for word in words[2:]:
                if word.startswith("after="):
                    current.after = word[6:]
                else:
                    current.label = word
            sources.append(current)
            in_body = False
            continue
        if current is None:
            continue
        if line == "---":
            in_body = True
            current.paragraphs.append("")
        elif in_body:
            if line.strip():
                current.paragraphs[-1] = (current.paragraphs[-1] + " " + line.strip()).strip()
            elif current.paragraphs[-1]:
                current.paragraphs.append("")
        elif ":" in line:
            name, _, value = line.partition(":")
            current.fields[name.strip()] = value.strip()
    for source in sources:
        source.paragraphs = [p for p in source.paragraphs if p]
    return sources


def words(text: str) -> int:
    return len(text.split())


def original_copy(s: Source) -> Copy:
    return Copy(
        headline=s.fields["headline"],
        dateline=s.fields.get("dateline") or None,
        paragraphs=[(p, i) for i, p in enumerate(s.paragraphs)],
        credit=s.fields.get("credit") or None,
    )


def kept(copy: Copy, s: Source) -> float:
    total = sum(words(p) for p in s.paragraphs)
    return round(sum(words(s.paragraphs[i]) for _, i in copy.paragraphs if i is not None) / total, 3)


def cut(copy: Copy, rng: random.Random, s: Source, lo: float, hi: float) -> None:
    """Keep the lede and drop other paragraphs until the share kept falls in [lo, hi]."""
    target = rng.uniform(lo, hi)
    paras = list(copy.paragraphs)
    while len(paras) > 2:
        droppable = [i for i in range(1, len(paras))]
        trial = list(paras)
        del trial[rng.choice(droppable)]
        if kept(Copy(copy.headline, None, trial, None), s) < target:
            break
        paras = trial
    copy.paragraphs = paras


def edit(text: str, rng: random.Random) -> str:
    for pattern, replacement in EDITS:
        text = re.sub(
            pattern, lambda m, r=replacement: m.expand(r) if rng.random() < 0.5 else m.group(0), text
        )
    return text


def apply(op: str, copy: Copy, rng: random.Random, s: Source) -> None:
    if op == "credit-removed":
        copy.dateline, copy.credit = None, None
    elif op == "headline-changed":
        copy.headline = s.fields["alt_headline"]
    elif op == "cut":
        cut(copy, rng, s, 0.5, 0.8)
    elif op == "cut-heavy":
        cut(copy, rng, s, 0.25, 0.45)
    elif op == "reordered":
        rest = copy.paragraphs[1:]
        while len(rest) > 1 and rest == copy.paragraphs[1:]:
            rng.shuffle(rest)
        copy.paragraphs = copy.paragraphs[:1] + rest
    elif op == "added":
        own = [s.fields["extra"]] if s.fields.get("extra") else []
        own.append(rng.choice(OWN_PARAGRAPHS))
        for text in own:
            copy.paragraphs.insert(rng.randint(1, len(copy.paragraphs)), (text, None))
    elif op == "boilerplate":
        copy.header = [rng.choice(HEADERS)]
        copy.footer = rng.sample(FOOTERS, 2)
    elif op == "copy-edited":
        copy.paragraphs = [(edit(text, rng), i) for text, i in copy.paragraphs]
        copy.headline = edit(copy.headline, rng)
    elif op == "quotes-translated":
        index, _, text = s.fields["translated"].partition("|")
        copy.paragraphs = [(text, None) if i == int(index) else (p, i) for p, i in copy.paragraphs]
    else:
        raise ValueError(f"unknown transformation {op}")


def build(sources: list[Source], start: float) -> list[dict]:
    originals = {s.key: s for s in sources if s.kind == "original"}
    events: list[tuple[float, int, dict]] = []
    times: dict[str, float] = {}
    seq = 0

    def emit(at: float, record: dict) -> None:
        nonlocal seq
        events.append((at, seq, record))
        seq += 1

    for number, s in enumerate(originals.values()):
        rng = random.Random(zlib.crc32(s.key.encode()))
        at = start + number * 1800.0
        times[s.key] = at
        original_id = f"cp-{s.key}"
        base = original_copy(s)
        emit(at, record(original_id, s.fields["provider"], base, None, "original", 1.0))
        made: list[tuple[float, Copy, tuple[str, ...]]] = []
        for j in range(PER_ORIGINAL):
            recipe = RECIPES[(PER_ORIGINAL * number + j) % len(RECIPES)]
            copy = original_copy(s)
            for op in recipe:
                apply(op, copy, rng, s)
            copy_at = at + rng.uniform(300, 2 * 86400)
            provider = rng.choice(PARTNERS)
            emit(
                copy_at,
                record(
                    f"{original_id}-{j + 1}", provider, copy, original_id, "+".join(recipe), kept(copy, s)
                ),
            )
            made.append((copy_at, copy, recipe))
        if s.fields.get("translated"):
            copy = original_copy(s)
            apply("quotes-translated", copy, rng, s)
            apply("credit-removed", copy, rng, s)
            emit(
                at + rng.uniform(600, 86400),
                record(
                    f"{original_id}-tq",
                    rng.choice(PARTNERS),
                    copy,
                    original_id,
                    "quotes-translated",
                    kept(copy, s),
                ),
            )
        if number % 2 == 0 and s.fields.get("update"):
            version = original_copy(s)
            version.paragraphs.insert(1, (s.fields["update"], None))
            version.paragraphs[0] = (edit(version.paragraphs[0][0], rng), 0)
            emit(
                at + rng.uniform(600, 4 * 3600),
                record(original_id, s.fields["provider"], version, None, "new-version", 1.0),
            )
        if number % 3 == 1:
            parent_at, parent, _ = max(made, key=lambda m: kept(m[1], s))
            child = Copy(parent.headline, parent.dateline, list(parent.paragraphs), parent.credit)
            apply("credit-removed", child, rng, s)
            apply("copy-edited", child, rng, s)
            emit(
                parent_at + 3600,
                record(
                    f"{original_id}-cc",
                    rng.choice(PARTNERS),
                    child,
                    original_id,
                    "copy-of-copy",
                    kept(child, s),
                ),
            )
    for s in sources:
        if s.kind != "negative":
            continue
        if s.after not in times:
            raise ValueError(f"negative {s.key} follows unknown original {s.after}")
        rng = random.Random(zlib.crc32(s.key.encode()))
        delay = rng.uniform(3600, 86400) if s.label == "follow-up" else rng.uniform(60, 6 * 3600)
        copy = Copy(s.fields["headline"], None, [(p, None) for p in s.paragraphs], None)
        emit(times[s.after] + delay, record(f"cp-{s.key}", s.fields["provider"], copy, None, s.label, 0.0))
    events.sort(key=lambda e: (e[0], e[1]))
    out = []
    for at, _, rec in events:
        rec["published_at"] = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(rec)
    return out


def record(
    record_id: str, provider: str, copy: Copy, copy_of: str | None, transformation: str, share: float
) -> dict:
    return {
        "id": record_id,
        "provider": provider,
        "headline": copy.headline,
        "body_text": copy.body(),
        "gold": {"copy_of": copy_of, "transformation": transformation, "kept": share},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--start", default="2026-03-02T06:00:00Z", help="time of the first original")
    args = parser.parse_args(argv)
    start = datetime.fromisoformat(args.start.replace("Z", "+00:00")).timestamp()
    records = build(parse(args.sources), start)
    args.out.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    print(f"{len(records)} records -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
