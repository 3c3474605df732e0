"""`newswire publish PATH... | -`: send files or stdin to the ingest API and report what it said."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from services.common.settings import Settings

CONTENT_TYPES = {
    ".json": "application/json",
    ".ndjson": "application/x-ndjson",
    ".jsonl": "application/x-ndjson",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".html": "text/html",
    ".htm": "text/html",
}


def content_type_for(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith((".ninjs.json", ".ninjs")):
        return "application/vnd.iptc.ninjs+json"
    return CONTENT_TYPES.get(Path(lowered).suffix, "text/plain; charset=utf-8")


def publish_paths(
    settings: Settings,
    paths: list[str],
    *,
    url: str | None,
    content_type: str | None,
    provider: str | None,
    token: str | None = None,
) -> int:
    base = url or f"http://{settings.ingest_host}:{settings.ingest_port}"
    params = {"provider": provider} if provider else {}
    token = token or settings.ingest_token
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    failures = 0
    with httpx.Client(base_url=base, timeout=settings.publish_timeout_s + 5) as client:
        for path in paths:
            data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
            kind = content_type or content_type_for("stdin.txt" if path == "-" else path)
            try:
                response = client.post(
                    "/v1/articles", content=data, headers={"Content-Type": kind, **auth}, params=params
                )
            except httpx.HTTPError as exc:
                print(f"{path}: cannot reach {base}: {exc}", file=sys.stderr)
                failures += 1
                continue
            ok = response.status_code == 202
            failures += not ok
            print(f"{path}: {response.status_code} {response.text}", file=sys.stdout if ok else sys.stderr)
    return 1 if failures else 0
