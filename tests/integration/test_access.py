"""Ingest access over real HTTP on the embedded broker: desk tokens, providers, quotas, gzip, safe default."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import httpx
import pytest

from services.ingest.web.auth import hash_token
from tests.conftest import REPO
from tests.integration.conftest import read_all, scrape

METRO, WIRES = "metro-token-for-tests", "wires-token-for-tests"
STORY = "Harbour reopens\n\nThe harbour reopened on Monday after the storm, the port authority said."


@pytest.fixture
def guarded(stack_factory, ingest_factory, tmp_path):
    tokens = tmp_path / "tokens.json"
    tokens.write_text(
        json.dumps(
            {
                # metro: 2 articles at once, then one every 100 s; wires: the service-wide quota (none)
                "metro": {"sha256": hash_token(METRO), "providers": ["Metro Desk"], "rate": 0.01, "burst": 2},
                "wires": {"sha256": hash_token(WIRES)},
            }
        ),
        encoding="utf-8",
    )
    stack = stack_factory(
        NEWSWIRE_INGEST_TOKENS_FILE=str(tokens),
        NEWSWIRE_MAX_REQUEST_BYTES="200000",
        NEWSWIRE_MAX_ARTICLE_BYTES="100000",
    )
    ingest_factory(stack)
    return stack


def post(stack, body: bytes, token: str | None = None, provider: str = "Metro Desk", **headers: str):
    headers = {"Content-Type": "text/plain; charset=utf-8", **headers}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(
        f"{stack.ingest_url}/v1/articles",
        content=body,
        headers=headers,
        params={"provider": provider},
        timeout=30,
    )


def test_only_desks_with_a_valid_token_may_post(guarded, tmp_path):
    missing = post(guarded, STORY.encode())
    wrong = post(guarded, STORY.encode(), token="guessed-token")
    basic = post(guarded, STORY.encode(), Authorization="Basic bWV0cm86eA==")
    for response in (missing, wrong, basic):
        assert response.status_code == 401, response.text
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="newswire-ingest"')
    assert missing.json()["error"] == "missing_token" and wrong.json()["error"] == "invalid_token"

    accepted = post(guarded, STORY.encode(), token=METRO)
    assert accepted.status_code == 202, accepted.text
    records = [r["value"] for r in read_all(guarded.settings, guarded.settings.topic_raw)]
    assert [r["id"] for r in records] == accepted.json()["accepted"], (
        "only the authenticated post is published"
    )

    metrics = scrape(f"{guarded.ingest_url}/metrics")
    assert metrics['newswire_ingest_auth_failures_total{reason="missing_token"}'] == 1
    assert metrics['newswire_ingest_auth_failures_total{reason="invalid_token"}'] == 2
    assert metrics['newswire_ingest_desk_articles_total{desk="metro"}'] == 1
    assert metrics['newswire_ingest_desk_articles_total{desk="wires"}'] == 0
    assert metrics['newswire_ingest_desk_requests_total{desk="metro",status="202"}'] == 1

    log = (tmp_path / "ingest.log").read_text(encoding="utf-8")
    assert '"desk": "metro"' in log or '"desk":"metro"' in log
    for secret in (METRO, WIRES, "guessed-token"):
        assert secret not in log


def test_a_desk_sends_only_as_its_providers(guarded):
    refused = post(guarded, STORY.encode(), token=METRO, provider="Reuters")
    assert refused.status_code == 403, refused.text
    assert "Reuters" in refused.json()["message"]
    assert post(guarded, STORY.encode(), token=WIRES, provider="Reuters").status_code == 202
    assert [r["value"]["provider"] for r in read_all(guarded.settings, guarded.settings.topic_raw)] == [
        "Reuters"
    ]


def test_a_desk_over_quota_gets_429_and_other_desks_go_on(guarded):
    assert [post(guarded, STORY.encode(), token=METRO).status_code for _ in range(2)] == [202, 202]
    over = post(guarded, STORY.encode(), token=METRO)
    assert over.status_code == 429, over.text
    assert 90 <= int(over.headers["Retry-After"]) <= 100
    # The other desk is not slowed: it is admitted while metro is still over its quota.
    assert [post(guarded, STORY.encode(), token=WIRES, provider="x").status_code for _ in range(5)] == [
        202
    ] * 5
    assert post(guarded, STORY.encode(), token=METRO).status_code == 429
    metrics = scrape(f"{guarded.ingest_url}/metrics")
    assert metrics['newswire_ingest_desk_requests_total{desk="metro",status="429"}'] == 2
    assert metrics['newswire_ingest_desk_requests_total{desk="wires",status="202"}'] == 5


def test_gzip_bodies_are_accepted_and_bombs_and_other_encodings_refused(guarded):
    accepted = post(guarded, gzip.compress(STORY.encode()), token=WIRES, **{"Content-Encoding": "gzip"})
    assert accepted.status_code == 202, accepted.text
    [record] = [r["value"] for r in read_all(guarded.settings, guarded.settings.topic_raw)]
    assert record["headline"] == "Harbour reopens" and "port authority" in record["body_text"]

    bomb = gzip.compress(b"A" * 5_000_000)  # ~5 KB on the wire, 25x the 200 KB request limit
    too_large = post(guarded, bomb, token=WIRES, **{"Content-Encoding": "gzip"})
    assert too_large.status_code == 413, too_large.text
    unsupported = post(guarded, STORY.encode(), token=WIRES, **{"Content-Encoding": "br"})
    assert unsupported.status_code == 415, unsupported.text
    assert httpx.get(f"{guarded.ingest_url}/healthz").status_code == 200


def run_cli(stack, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        cwd=REPO,
        env=base | stack.env | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_newswire_publish_sends_the_token_from_the_flag_or_the_setting(guarded, tmp_path):
    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    without = run_cli(guarded, "publish", "--provider", "Metro Desk", str(story))
    assert without.returncode == 1 and "401" in without.stderr
    flag = run_cli(guarded, "publish", "--provider", "Metro Desk", "--token", METRO, str(story))
    assert flag.returncode == 0 and "202" in flag.stdout, flag.stderr
    setting = run_cli(guarded, "publish", "--provider", "x", str(story), NEWSWIRE_INGEST_TOKEN=WIRES)
    assert setting.returncode == 0 and "202" in setting.stdout, setting.stderr
    assert len(read_all(guarded.settings, guarded.settings.topic_raw)) == 2


def test_ingest_on_a_non_loopback_address_refuses_to_start_without_tokens(stack_factory):
    stack = stack_factory()
    refused = run_cli(stack, "ingest", NEWSWIRE_INGEST_HOST="0.0.0.0")
    assert refused.returncode == 2
    assert "NEWSWIRE_INGEST_TOKENS_FILE" in refused.stderr and "NEWSWIRE_INGEST_AUTH=off" in refused.stderr
