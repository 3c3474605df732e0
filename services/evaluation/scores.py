"""Scoring enrichment against gold annotations. Pure functions: annotations in, counts and ratios out.

Entities are scored on name + type. A predicted entity is right when its type is the gold type and its
name is the gold name or one of the gold aliases, compared after `normalise_name`. Each gold entity can be
found once: a second prediction for it (say "Putin" next to "Vladimir Putin", when "Putin" is an alias) is
a false positive, because downstream systems would see one person twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")
_POSSESSIVE = re.compile(r"['’]s?$")


def normalise_name(name: str) -> str:
    """'The  Kremlin's' -> 'kremlin': case, spacing, a leading article, a possessive and a final full
    stop ("Co." at the end of a sentence) do not matter."""
    text = _SPACE.sub(" ", name.replace("’", "'")).strip().casefold()
    text = _POSSESSIVE.sub("", text).rstrip(".")
    return text.removeprefix("the ").strip()


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Miss:
    kind: str  # "missed" (gold not found) or "spurious" (predicted, not in gold)
    name: str
    type: str


def score_entities(
    gold: Sequence[dict], predicted: Iterable[tuple[str, str]], types: Sequence[str]
) -> tuple[dict[str, Counts], list[Miss]]:
    """Per-type counts for one article. `gold`: [{"name", "type", "aliases"?}], `predicted`: (name, type)."""
    counts = {t: Counts() for t in types}
    misses: list[Miss] = []
    wanted = [g for g in gold if g["type"] in counts]
    names = [{normalise_name(n) for n in (g["name"], *g.get("aliases", ()))} for g in wanted]
    found = [False] * len(wanted)
    for name, etype in predicted:
        if etype not in counts:
            continue
        key = normalise_name(name)
        hit = next(
            (i for i, g in enumerate(wanted) if g["type"] == etype and key in names[i] and not found[i]), None
        )
        if hit is None:
            counts[etype].fp += 1
            misses.append(Miss("spurious", name, etype))
        else:
            found[hit] = True
            counts[etype].tp += 1
    for g, was_found in zip(wanted, found, strict=True):
        if not was_found:
            counts[g["type"]].fn += 1
            misses.append(Miss("missed", g["name"], g["type"]))
    return counts, misses


def score_outlets(gold: Sequence[str], predicted: Sequence[str]) -> Counts:
    """Set overlap of outlet names (attributions): order and repeats do not matter."""
    g, p = set(gold), set(predicted)
    return Counts(tp=len(g & p), fp=len(p - g), fn=len(g - p))


def same_outlets(gold: Sequence[str], predicted: Sequence[str]) -> bool:
    return set(gold) == set(predicted)


def micro(counts: Iterable[Counts]) -> Counts:
    total = Counts()
    for c in counts:
        total += c
    return total
