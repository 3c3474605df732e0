"""Schemathesis, with every check it has, against a real ingest serving its own OpenAPI document.

The schemathesis command line runs as a user would run it (`schemathesis run .../openapi.json --checks
all`): the examples of the document, its coverage cases (edges of every schema: an empty array, a missing
field, each enum value), fuzzing in positive and negative modes, and the checks on every answer: no 5xx,
status codes, content types, headers and bodies as documented, schema-valid requests accepted,
schema-invalid ones refused, unsupported methods, auth that is not ignored. A request the document allows
and ingest refuses (or the reverse) fails this test, so the document and the server stay in step.

Runs against a real ingest process on the embedded broker, with desk tokens on; the HTTP contract does not
depend on the broker, so not on the real cluster too. Examples are bounded (`--max-examples`) and the seed
fixed, so a run takes seconds and a failure can be replayed. Every request carries a valid desk token
(`--header`); schemathesis' auth checks send it without one too.

Two content types have grammars no JSON Schema states: XML (NewsML-G2, NITF, RSS, Atom) and HTML pages
(whose article text an extractor must find). The document types them as strings and describes them, so
random strings are not valid documents of them; a hooks file gives schemathesis real ones
(tests/fixtures/formats) to send with its generated query parameters. NDJSON, which schemathesis cannot
serialize at all, gets lines of generated articles the same way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from services.common.broker import free_port
from services.common.kafka import ensure_topics
from services.common.settings import Settings
from services.ingest.web.auth import hash_token
from tests.integration.conftest import Stack, start_service, stop_process

TOKEN = "fuzzing-desk-token"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
MAX_EXAMPLES = 100
SEED = 20261207
HOOKS = """
import json
from pathlib import Path

import schemathesis
from hypothesis import strategies as st

FIXTURES = Path({fixtures!r})
SAMPLES = {{
    "application/xml": [
        (FIXTURES / name).read_bytes() for name in ("story.newsml.xml", "story.nitf.xml", "feed.rss", "feed.atom")
    ],
    "text/html": [(FIXTURES / "page.html").read_bytes()],
}}
visible = st.text(min_size=1, max_size=200).filter(str.strip)  # as ArticleSubmission's body_text pattern
article = st.fixed_dictionaries(
    {{"body_text": visible}},
    optional={{"guid": visible, "headline": st.text(max_size=200), "language": st.sampled_from(["en", "de-CH"])}},
)


@schemathesis.hook
def before_load_schema(context, raw_schema):
    # The document's own examples of these types join the samples: a custom strategy takes bytes only.
    content = raw_schema["paths"]["/v1/articles"]["post"]["requestBody"]["content"]
    for media_type, samples in SAMPLES.items():
        example = content[media_type].pop("example", None)
        if example is not None:
            samples.append(example.encode())
        schemathesis.openapi.media_type(media_type, st.sampled_from(samples))
    schemathesis.openapi.media_type(
        "application/x-ndjson",
        st.lists(article, min_size=1, max_size=4).map(lambda lines: "\\n".join(map(json.dumps, lines)).encode()),
    )
"""


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


@pytest.mark.embedded_only  # the HTTP contract does not depend on the broker
def test_schemathesis_finds_no_mismatch_between_the_document_and_the_server(ingest_api, tmp_path):
    hooks = tmp_path / "hooks.py"
    hooks.write_text(HOOKS.format(fixtures=str(FIXTURES)), encoding="utf-8")
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{ingest_api.ingest_url}/openapi.json",  # the document the running service serves
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--header",
        f"Authorization: Bearer {TOKEN}",
        "--request-timeout",
        "30",
        "--workers",
        "1",
    ]
    # In tmp_path: schemathesis and hypothesis keep their caches in the working directory.
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(hooks), "PYTHONIOENCODING": "utf-8"}
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, encoding="utf-8", errors="replace", timeout=600
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, f"schemathesis found the document and ingest out of step:\n{report}"
    # It really ran: every operation, in the phases that find mismatches.
    assert "4 selected / 4 total" in report
    for phase in ("Examples", "Coverage", "Fuzzing"):
        assert f"✅  {phase}" in report, report
