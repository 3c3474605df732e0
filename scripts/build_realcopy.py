"""Builds the unlabelled real-copy JSONL for `newswire eval --syndication` from extractor test fixtures.

The pages are other people's published articles: they are read from bare git directories given on the
command line (the goose3 and trafilatura repositories) and written to a file OUTSIDE this repository.
Each page goes through the product's own HTML reader (services/ingest/formats/html.py), so the body text
is exactly what the enrich worker would see. Only English pages are kept.

Run:
  .venv/bin/python scripts/build_realcopy.py --goose3 GOOSE3_GIT_DIR --trafilatura TRAFILATURA_GIT_DIR \
      [--with-eval] --out OUT.jsonl
Then label each line's "gold" (origin, contributors, attributions) by reading the text; see the README,
"Quality".
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import orjson

from services.ingest.formats.errors import FormatError
from services.ingest.formats.html import parse_html

# (repository flag, path prefix inside that repository) of the fixture pages.
SOURCES = {"goose3": ("tests/data/",), "trafilatura": ("tests/cache/",)}
# trafilatura's larger evaluation set (tests/eval/), read too with --with-eval.
EVAL_FOLDER = "tests/eval/"
_ENGLISH_WORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "on",
        "was",
        "with",
        "as",
        "it",
        "by",
        "at",
        "from",
        "are",
        "be",
        "has",
        "have",
        "said",
        "his",
        "her",
    ]
)
_WORD = re.compile(r"[A-Za-z]+")


def is_english(text: str, lang: str | None) -> bool:
    """The words decide, not the page's lang attribute, which is often a site template's default: a
    declared other language excludes the page, and most common words must be English ones."""
    if lang and not lang.lower().startswith("en"):
        return False
    words = [w.lower() for w in _WORD.findall(text[:5000])]
    return len(words) >= 50 and sum(w in _ENGLISH_WORDS for w in words) / len(words) >= 0.15


def _git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True).stdout


def pages(git_dir: Path, prefix: str) -> list[str]:
    names = _git(git_dir, "ls-tree", "-r", "-z", "--name-only", "HEAD").decode().split("\0")
    return sorted(n for n in names if n.startswith(prefix) and n.endswith((".html", ".htm")))


def build(sources: dict[str, Path], *, with_eval: bool = False) -> list[dict]:
    records, seen = [], set()
    for repo, git_dir in sources.items():
        commit = _git(git_dir, "rev-parse", "HEAD").decode().strip()
        folders = SOURCES[repo] + ((EVAL_FOLDER,) if with_eval and repo == "trafilatura" else ())
        for path in [p for folder in folders for p in pages(git_dir, folder)]:
            try:
                draft = parse_html(_git(git_dir, "show", f"HEAD:{path}"))[0]
            except FormatError:
                continue
            if not is_english(draft["body_text"], draft.get("language")) or draft["body_text"] in seen:
                continue  # the fixtures hold a few copies of one page, parsed for different features
            seen.add(draft["body_text"])
            stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            records.append(
                {
                    "id": f"{repo}:{stem}",
                    "source": f"{repo}@{commit[:12]}:{path}",
                    **{k: draft.get(k) for k in ("headline", "byline", "provider", "dateline", "language")},
                    "body_text": draft["body_text"],
                    "gold": None,
                }
            )
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for repo in SOURCES:
        parser.add_argument(f"--{repo}", type=Path, help=f"bare git directory of {repo}")
    parser.add_argument("--with-eval", action="store_true", help=f"also trafilatura's {EVAL_FOLDER}")
    parser.add_argument("--out", type=Path, required=True, help="JSONL to write (outside the repository)")
    args = parser.parse_args(argv)
    sources = {repo: getattr(args, repo) for repo in SOURCES if getattr(args, repo)}
    if not sources:
        parser.error("give at least one of --goose3, --trafilatura")
    records = build(sources, with_eval=args.with_eval)
    args.out.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    print(f"{len(records)} English pages -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
