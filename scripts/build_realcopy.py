"""Builds the unlabelled real-copy JSONL for `newswire eval --syndication` from public extraction datasets.

The pages are other people's published articles: they are read from bare git directories given on the
command line and written to a file OUTSIDE this repository. Each page goes through the product's own HTML
reader (services/ingest/formats/html.py), so the body text is exactly what the enrich worker would see.
Only English pages are kept, each page once (same body text, or same URL, across every source), and only
pages that look like an article (at least MIN_WORDS words of running prose).

Sources (each a flag taking a bare git directory; give any of them):
  --goose3            goose3/goose3                     tests/data/
  --trafilatura       adbar/trafilatura                 tests/cache/ (and tests/eval/ with --with-eval)
  --htmldate          adbar/htmldate                    tests/cache/, tests/test_set/, tests/eval/
  --go-trafilatura    markusmobius/go-trafilatura       test-files/
  --postlight         postlight/parser                  fixtures/
  --l3s-gn1           geodrome/page-signal              L3S-GN1-20100130203947-00001/original/ (L3S-GN1)
  --msv               MSVCode/ir-research-data          Extraction/*/html/ (Big5 and Chaos sets)
  --dragnet-data      dragnet-org/dragnet_data          data/html.tar.gz (an archive of pages)
  --chatnoir          chatnoir-eu/web-content-extraction-benchmark  datasets/*.tar.xz (archives)
Archives (.tar.gz, .tar.xz, .zip, .gz) are opened and their HTML members read (also JSON lines of
{"html": ...} or {id: html}); an archive that is only a Git LFS pointer is reported and skipped.

Run:
  .venv/bin/python scripts/build_realcopy.py --goose3 DIR --trafilatura DIR --with-eval [...] --out OUT.jsonl
Then label each line's "gold" (origin, contributors, attributions) by reading the text; see the README,
"Quality".
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import io
import lzma
import re
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import orjson

from services.ingest.formats.errors import FormatError
from services.ingest.formats.html import parse_html

# source flag -> (repository, path prefixes inside it). A prefix may hold a "*" for one folder level.
SOURCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "goose3": ("goose3/goose3", ("tests/data/",)),
    "trafilatura": ("adbar/trafilatura", ("tests/cache/",)),
    "htmldate": ("adbar/htmldate", ("tests/cache/", "tests/test_set/", "tests/eval/")),
    "go-trafilatura": ("markusmobius/go-trafilatura", ("test-files/",)),
    "postlight": ("postlight/parser", ("fixtures/",)),
    "l3s-gn1": ("geodrome/page-signal", ("L3S-GN1-20100130203947-00001/original/",)),
    "msv": ("MSVCode/ir-research-data", ("Extraction/*/html/",)),
    "dragnet-data": ("dragnet-org/dragnet_data", ("data/html.tar.gz", "data/html/")),
    "chatnoir": ("chatnoir-eu/web-content-extraction-benchmark", ("datasets/",)),
}
# trafilatura's larger evaluation set (tests/eval/), read too with --with-eval.
EVAL_FOLDER = "tests/eval/"
HTML_ENDINGS = (".html", ".htm", ".html.gz", ".htm.gz")
ARCHIVE_ENDINGS = (
    ".tar.gz",
    ".tgz",
    ".tar.xz",
    ".tar.bz2",
    ".tar",
    ".zip",
    ".jsonl.gz",
    ".jsonl",
    ".json.gz",
)
MIN_WORDS = 80
_LFS = b"version https://git-lfs"
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
_SENTENCE_END = re.compile(r"[a-z0-9\)\"'”’%][.!?][\"'”’)]?(?:\s|$)")


def is_english(text: str, lang: str | None) -> bool:
    """The words decide, not the page's lang attribute, which is often a site template's default: a
    declared other language excludes the page, and most common words must be English ones."""
    if lang and not lang.lower().startswith("en"):
        return False
    words = [w.lower() for w in _WORD.findall(text[:5000])]
    return len(words) >= 50 and sum(w in _ENGLISH_WORDS for w in words) / len(words) >= 0.15


def looks_like_article(text: str) -> bool:
    """At least MIN_WORDS words, and running prose: sentences, most words on lines of some length
    (a list of links, a product grid or a table of figures has neither)."""
    words = text.split()
    if len(words) < MIN_WORDS:
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    long_words = sum(len(line.split()) for line in lines if len(line.split()) >= 12)
    return long_words >= 0.5 * len(words) and len(_SENTENCE_END.findall(text)) >= 4


def _git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True).stdout


def _matches(name: str, prefix: str) -> bool:
    if "*" not in prefix:
        return name.startswith(prefix)
    return re.match(re.escape(prefix).replace(r"\*", "[^/]+"), name) is not None


def tree(git_dir: Path, prefixes: tuple[str, ...]) -> list[str]:
    names = _git(git_dir, "ls-tree", "-r", "-z", "--name-only", "HEAD").decode().split("\0")
    return sorted(n for n in names if any(_matches(n, p) for p in prefixes))


def _decompress(name: str, data: bytes) -> bytes:
    if name.endswith(".gz"):
        return gzip.decompress(data)
    if name.endswith(".xz"):
        return lzma.decompress(data)
    if name.endswith(".bz2"):
        return bz2.decompress(data)
    return data


def _html_of_json_lines(data: bytes) -> list[tuple[str, bytes]]:
    out = []
    for number, line in enumerate(data.splitlines()):
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(item, dict) and isinstance(item.get("html"), str):
            out.append((str(item.get("page_id") or item.get("id") or number), item["html"].encode()))
        elif isinstance(item, dict):
            out += [(str(k), v.encode()) for k, v in item.items() if isinstance(v, str) and "<" in v[:2000]]
    return out


def archive_members(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """(member name, HTML bytes) of the pages an archive holds."""
    if name.endswith((".jsonl", ".jsonl.gz", ".json.gz")):
        return _html_of_json_lines(_decompress(name, data))
    members: list[tuple[str, bytes]] = []
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            items = [(i.filename, archive.read(i)) for i in archive.infolist() if not i.is_dir()]
    else:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            items = [(m.name, archive.extractfile(m).read()) for m in archive.getmembers() if m.isfile()]
    for member, content in items:
        if member.endswith(HTML_ENDINGS):
            members.append((member, _decompress(member, content)))
        elif member.endswith((".jsonl", ".jsonl.gz", ".json.gz")):
            members += [
                (f"{member}#{k}", html) for k, html in _html_of_json_lines(_decompress(member, content))
            ]
    return members


def _parse(item: tuple[str, str, str, bytes]) -> tuple[str, str, str, dict | None, str]:
    flag, path, member, data = item
    try:
        draft = parse_html(data)[0]
    except FormatError:
        return flag, path, member, None, "no text"
    except Exception as error:  # noqa: BLE001 - a broken fixture page must not stop the build
        return flag, path, member, None, f"reader error {type(error).__name__}"
    if not is_english(draft["body_text"], draft.get("language")):
        return flag, path, member, None, "not English"
    if not looks_like_article(draft["body_text"]):
        return flag, path, member, None, "short or not an article"
    return flag, path, member, draft, "kept"


def _items(flag: str, git_dir: Path, prefixes: tuple[str, ...], stats: Counter):
    for path in tree(git_dir, prefixes):
        if path.endswith(HTML_ENDINGS):
            data = _git(git_dir, "show", f"HEAD:{path}")
            if data.startswith(_LFS):
                stats[(flag, "LFS pointer")] += 1
                continue
            yield flag, path, "", _decompress(path, data)
        elif path.endswith(ARCHIVE_ENDINGS):
            data = _git(git_dir, "show", f"HEAD:{path}")
            if data.startswith(_LFS):
                print(
                    f"{flag}: {path} is a Git LFS pointer, its content is not in the repository",
                    file=sys.stderr,
                )
                stats[(flag, "LFS pointer")] += 1
                continue
            for member, html in archive_members(path, data):
                yield flag, path, member, html


def _normal(text: str) -> str:
    return " ".join(text.lower().split())[:3000]


def _id(flag: str, path: str, member: str, prefixes: tuple[str, ...]) -> str:
    rel = member or path
    for prefix in prefixes:
        if not member and _matches(path, prefix) and "*" not in prefix:
            rel = path[len(prefix) :]
    rel = re.sub(r"\.(html?)(\.gz)?$", "", rel)
    return f"{flag}:{re.sub(r'[^A-Za-z0-9._/-]+', '_', rel).strip('_')}"


def build(
    sources: dict[str, Path], *, with_eval: bool = False, workers: int = 2
) -> tuple[list[dict], Counter]:
    records: list[dict] = []
    stats: Counter = Counter()
    seen_text: set[str] = set()
    seen_url: set[str] = set()
    ids: set[str] = set()
    for flag, git_dir in sources.items():
        repo, prefixes = SOURCES[flag]
        if flag == "trafilatura" and with_eval:
            prefixes += (EVAL_FOLDER,)
        commit = _git(git_dir, "rev-parse", "HEAD").decode().strip()
        with ProcessPoolExecutor(workers) as pool:
            for _, path, member, draft, verdict in pool.map(
                _parse, _items(flag, git_dir, prefixes, stats), chunksize=4
            ):
                stats[(flag, "pages")] += 1
                if verdict == "kept" and draft is not None:
                    stats[(flag, "English")] += 1
                    text, url = _normal(draft["body_text"]), (draft.get("url") or "").rstrip("/").lower()
                    if text in seen_text or (url and url in seen_url):
                        verdict = "duplicate"
                    else:
                        seen_text.add(text)
                        if url:
                            seen_url.add(url)
                elif verdict == "short or not an article":
                    stats[(flag, "English")] += 1  # English, but skipped for its length or form
                stats[(flag, verdict)] += 1
                if verdict != "kept":
                    continue
                page_id = _id(flag, path, member, prefixes)
                while page_id in ids:
                    page_id += "+"
                ids.add(page_id)
                records.append(
                    {
                        "id": page_id,
                        "source": {
                            "repo": repo,
                            "commit": commit,
                            "path": path + (f"#{member}" if member else ""),
                        },
                        **{k: draft.get(k) for k in ("headline", "byline", "provider", "dateline")},
                        "body_text": draft["body_text"],
                        "gold": None,
                    }
                )
    return records, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag, (repo, _) in SOURCES.items():
        parser.add_argument(f"--{flag}", type=Path, help=f"bare git directory of {repo}")
    parser.add_argument("--with-eval", action="store_true", help=f"also trafilatura's {EVAL_FOLDER}")
    parser.add_argument("--workers", type=int, default=2, help="processes reading pages")
    parser.add_argument("--out", type=Path, required=True, help="JSONL to write (outside the repository)")
    args = parser.parse_args(argv)
    sources = {
        flag: getattr(args, flag.replace("-", "_"))
        for flag in SOURCES
        if getattr(args, flag.replace("-", "_"))
    }
    if not sources:
        parser.error("give at least one source directory")
    records, stats = build(sources, with_eval=args.with_eval, workers=args.workers)
    args.out.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    for flag in sources:
        row = {k: v for (f, k), v in sorted(stats.items()) if f == flag}
        print(f"{flag}: {row}", file=sys.stderr)
    print(f"{len(records)} English pages -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
