"""A real Prometheus server scrapes ingest and an enrich worker with the repo's own config and rules.

The config is deploy/prometheus/prometheus.yml with only the targets (compose service names) pointed
at this test's ports and the intervals shortened; the rule file is the repo's alerts.yml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from services.common.broker import free_port
from tests.integration.conftest import wait_until
from tests.unit.test_deploy import panel_targets

PROMETHEUS_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMETHEUS = shutil.which("prometheus")
STORIES = [
    "Harbour reopens\n\nThe harbour in Gdansk reopened on Monday, the port authority said.",
    "Council vote\n\nThe city council of Lyon voted on the budget, Mayor Claire Dubois said.",
    "Rail strike ends\n\nTrains ran again in Milan on Friday after a two-day strike.",
]


def config_for_test(tmp_path: Path, ports: dict[str, int]) -> Path:
    """The repo's prometheus.yml with `service:port` targets rewritten to this test's loopback ports."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text(encoding="utf-8"))
    config["global"] |= {"scrape_interval": "1s", "evaluation_interval": "1s"}
    for job in config["scrape_configs"]:
        for static in job["static_configs"]:
            static["targets"] = [f"127.0.0.1:{ports[t.split(':')[0]]}" for t in static["targets"]]
    for rule_file in config["rule_files"]:
        shutil.copy(PROMETHEUS_DIR / rule_file, tmp_path / rule_file)
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture
def prometheus(tmp_path):
    """Start Prometheus on loopback; yields a function that starts it for a given config."""
    started: list[subprocess.Popen[bytes]] = []

    def start(config: Path) -> str:
        port = free_port()
        log = open(tmp_path / "prometheus.log", "ab")  # noqa: SIM115 (the child keeps it)
        started.append(
            subprocess.Popen(
                [
                    PROMETHEUS,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        log.close()
        url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            assert started[-1].poll() is None, (tmp_path / "prometheus.log").read_text()[-3000:]
            try:
                return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, timeout_s=60, what="Prometheus to be ready")
        return url

    yield start
    for process in started:
        process.terminate()
        process.wait(20)


def query(url: str, promql: str) -> list[dict]:
    answer = httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=5).json()
    assert answer["status"] == "success", (promql, answer)
    return answer["data"]["result"]


def value(url: str, promql: str) -> float | None:
    result = query(url, promql)
    return float(result[0]["value"][1]) if result else None


@pytest.mark.skipif(
    PROMETHEUS is None and not os.environ.get("CI"),
    reason="prometheus not installed (Debian: apt-get install prometheus); CI must have it",
)
def test_prometheus_scrapes_both_services_and_sees_the_articles_go_through(
    stack_factory, ingest_factory, enrich_factory, prometheus, tmp_path
):
    assert PROMETHEUS, "prometheus is not installed (Debian: apt-get install prometheus)"
    stack = stack_factory()
    ingest_factory(stack)
    enrich_factory(stack)
    url = prometheus(
        config_for_test(
            tmp_path, {"ingest": stack.settings.ingest_port, "enrich": stack.settings.enrich_port}
        )
    )

    def targets_up() -> dict[str, str]:
        targets = httpx.get(f"{url}/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
        health = {t["labels"]["job"]: t["health"] for t in targets}
        return health if set(health.values()) == {"up"} else {}

    assert wait_until(targets_up, timeout_s=30, what="both targets up") == {
        "newswire-ingest": "up",
        "newswire-enrich": "up",
    }
    assert value(url, 'sum(up{job=~"newswire-.*"})') == 2
    rules = httpx.get(f"{url}/api/v1/rules", timeout=5).json()["data"]["groups"]
    loaded = {rule["name"]: rule["health"] for group in rules for rule in group["rules"]}
    assert loaded and set(loaded.values()) <= {"ok", "unknown"}, loaded  # unknown: not evaluated yet

    # Before: nothing published or enriched yet (no series, or 0).
    published = "sum(newswire_ingest_articles_published_total)"
    enriched = "sum(newswire_enrich_articles_enriched_total)"
    assert not value(url, published) and not value(url, enriched)
    for story in STORIES:
        response = httpx.post(
            f"{stack.ingest_url}/v1/articles",
            content=story.encode(),
            headers={"Content-Type": "text/plain; charset=utf-8"},
            params={"provider": "Test Desk"},
            timeout=30,
        )
        assert response.status_code == 202, response.text

    # Each target is scraped on its own schedule: wait for every series, not for one and read the rest.
    def eventually(query: str, expected: float, at_least: bool = False) -> None:
        def seen() -> bool:
            got = value(url, query)
            return got is not None and (got >= expected if at_least else got == expected)

        wait_until(seen, timeout_s=90, what=lambda: f"{query} == {expected} (now {value(url, query)})")

    eventually(enriched, len(STORIES))
    eventually(published, len(STORIES))
    eventually('sum(newswire_ingest_request_duration_seconds_count{route="/v1/articles",status="202"})', 3)
    eventually("sum(newswire_enrich_duration_seconds_count)", len(STORIES), at_least=True)
    eventually('sum(newswire_ingest_desk_articles_total{desk="anonymous"})', len(STORIES))
    wait_until(
        lambda: value(url, "sum(newswire_enrich_consumer_lag_messages)") == 0,
        timeout_s=30,
        what="the lag gauge to reach 0",
    )
    assert value(url, "max(newswire_enrich_last_progress_timestamp_seconds)") > 0

    # Every dashboard query is valid PromQL for this Prometheus; the throughput and latency panels have data.
    answers = {target["expr"]: query(url, target["expr"]) for _, target in panel_targets()}
    for expr in answers:
        if "published_total" in expr or "enriched_total" in expr or "up{" in expr:
            # rate() needs two scrapes after a labelled counter first appeared: give it a few.
            wait_until(lambda expr=expr: query(url, expr), timeout_s=30, what=f"data for {expr}")
