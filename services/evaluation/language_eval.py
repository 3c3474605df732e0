"""`newswire eval --languages PATH`: language detection accuracy on labelled short articles.

Each line: {"id", "headline" (optional), "body_text", "gold_language"} (ISO 639-1). Detection reads the
text only: a declared `language` in the file is ignored, that is what is being measured.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from services.common.serialization import dumps_pretty, loads
from services.enrich.entities.languages import detect_language


def score(articles: list[dict[str, Any]]) -> dict[str, Any]:
    right: Counter = Counter()
    total: Counter = Counter()
    wrong = []
    for article in articles:
        gold = article["gold_language"]
        got = detect_language(article.get("headline"), article["body_text"])
        total[gold] += 1
        if got.language == gold:
            right[gold] += 1
        else:
            wrong.append({"id": article.get("id"), "gold": gold, "detected": got.language})
    return {
        "articles": sum(total.values()),
        "accuracy": round(sum(right.values()) / max(1, sum(total.values())), 4),
        "by_language": {lang: {"articles": n, "right": right[lang]} for lang, n in sorted(total.items())},
        "wrong": wrong,
    }


def main(path: Path, *, as_json: bool = False) -> int:
    articles = [loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    figures = score(articles)
    if as_json:
        print(dumps_pretty(figures).decode())
        return 0
    print(f"language detection: {figures['articles']} articles from {path.name}")
    for lang, counts in figures["by_language"].items():
        print(f"  {lang}: {counts['right']}/{counts['articles']}")
    print(f"accuracy: {figures['accuracy']:.3f}")
    for miss in figures["wrong"]:
        print(f"  wrong: {miss['id']}: gold {miss['gold']}, detected {miss['detected']}")
    return 0
