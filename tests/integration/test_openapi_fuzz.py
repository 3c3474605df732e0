"""Schemathesis fuzzes the ingest API from its own OpenAPI document: no request may get a 5xx.

Runs against a real ingest process on the embedded broker, with desk tokens on; examples are bounded
so the run stays short. Every request carries a valid desk token: the 401 paths are tested in
test_access.py, and without a token every generated case would stop at the door.
"""

from __future__ import annotations

import json
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, status_code_conformance

from services.common.broker import free_port
from services.common.kafka import ensure_topics
from services.common.settings import Settings
from services.ingest.web.auth import hash_token
from tests.integration.conftest import Stack, start_service, stop_process

TOKEN = "fuzzing-desk-token"


@pytest.fixture(scope="module")
def ingest_api(kafka_bootstrap, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "tokens.json").write_text(json.dumps({"fuzz": {"sha256": hash_token(TOKEN)}}), encoding="utf-8")
    suffix = uuid.uuid4().hex[:10]
    env = {
        "NEWSWIRE_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "NEWSWIRE_TOPIC_RAW": f"test.{suffix}.raw",
        "NEWSWIRE_TOPIC_ENRICHED": f"test.{suffix}.enriched",
        "NEWSWIRE_TOPIC_DLQ": f"test.{suffix}.dlq",
        "NEWSWIRE_TOPIC_PARTITIONS": "1",
        "NEWSWIRE_INGEST_PORT": str(free_port()),
        "NEWSWIRE_INGEST_TOKENS_FILE": str(folder / "tokens.json"),
        "NEWSWIRE_LOG_FORMAT": "json",
    }
    stack = Stack(env, Settings.from_env(env))
    ensure_topics(stack.settings)
    start_service(stack, "ingest", f"{stack.ingest_url}/readyz", folder / "ingest.log")
    yield stack
    for process in stack.processes:
        stop_process(process)


def test_no_generated_request_gets_a_server_error(ingest_api):
    # The schema is loaded from the running service: the document it serves is the one fuzzed.
    # (schemathesis' pytest plugin does not run under this pytest, so hypothesis drives each operation.)
    api = schemathesis.openapi.from_url(f"{ingest_api.ingest_url}/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert {(op.method, op.path) for op in operations} >= {("post", "/v1/articles"), ("get", "/readyz")}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(
                base_url=ingest_api.ingest_url,
                headers={"Authorization": f"Bearer {TOKEN}"},
                checks=[not_a_server_error, status_code_conformance],
                timeout=30,
            )

        check()
