"""Desk tokens, providers, quotas and request encodings: the pure parts of ingest access."""

from __future__ import annotations

import gzip
import json
import zlib

import pytest

from services.common.exceptions import SettingsError
from services.common.settings import Settings
from services.ingest.exceptions import Rejected
from services.ingest.web.auth import AccessDenied, Gate, hash_token, is_loopback, load_desks, token_entry
from services.ingest.web.encodings import decode_body
from services.ingest.web.quotas import Quotas


def tokens_file(tmp_path, entries: dict) -> str:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return str(path)


@pytest.fixture
def gate(tmp_path) -> Gate:
    return Gate(
        load_desks(
            tokens_file(
                tmp_path,
                {
                    "metro": {"sha256": hash_token("metro-secret"), "providers": ["Metro Desk"]},
                    "wires": {"sha256": hash_token("wires-secret")},
                },
            )
        )
    )


# -- tokens


def test_a_desk_is_found_by_its_token_only(gate):
    assert gate.authenticate("Bearer metro-secret").name == "metro"
    assert gate.authenticate("bearer  wires-secret ").name == "wires"
    for header, code in [
        (None, "missing_token"),
        ("", "missing_token"),
        ("Basic bWV0cm86c2VjcmV0", "invalid_token"),
        ("Bearer", "invalid_token"),
        ("Bearer metro-secre", "invalid_token"),
        ("Bearer " + hash_token("metro-secret"), "invalid_token"),  # the stored hash is not a token
    ]:
        with pytest.raises(AccessDenied) as caught:
            gate.authenticate(header)
        assert (caught.value.status, caught.value.code) == (401, code), header
        assert caught.value.headers["WWW-Authenticate"].startswith("Bearer realm=")
        assert "secret" not in caught.value.reason


def test_auth_off_lets_every_request_in_as_no_desk():
    assert Gate(None).authenticate(None) is None
    assert not Gate(None).enabled


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({}, "expected an object"),
        ({"metro": {"sha256": "abc"}}, "64 hex digits"),
        ({"metro": {"token": "x", "sha256": hash_token("x")}}, "unknown field"),
        ({"metro": {"sha256": hash_token("x"), "providers": "AP"}}, "providers must be a list"),
        ({"metro": {"sha256": hash_token("x"), "rate": 0}}, "rate must be a number greater than 0"),
        ({"a": {"sha256": hash_token("x")}, "b": {"sha256": hash_token("x")}}, "share one token"),
    ],
)
def test_a_bad_tokens_file_fails_naming_the_file_and_the_problem(tmp_path, entries, message):
    path = tokens_file(tmp_path, entries)
    with pytest.raises(SettingsError, match=message) as caught:
        load_desks(path)
    assert path in str(caught.value)


def test_a_missing_tokens_file_is_named(tmp_path):
    with pytest.raises(SettingsError, match="cannot read"):
        load_desks(str(tmp_path / "nope.json"))


def test_token_entry_prints_a_token_whose_hash_is_the_entry():
    printed = token_entry("metro", ["Metro Desk"])
    token = printed.splitlines()[0].rsplit(": ", 1)[1]
    entry = json.loads(printed.split("\n", 2)[2])
    assert entry == {"metro": {"sha256": hash_token(token), "providers": ["Metro Desk"]}}
    assert token_entry("metro", None) != printed  # a new token each time


# -- providers


def test_a_desk_sends_only_as_its_providers(gate):
    metro = gate.authenticate("Bearer metro-secret")
    gate.check_providers(metro, [{"provider": "Metro Desk"}, {}], default_provider="Metro Desk")
    with pytest.raises(AccessDenied) as caught:
        gate.check_providers(metro, [{"provider": "Metro Desk"}, {"provider": "Reuters"}], "")
    assert caught.value.status == 403 and "Reuters" in caught.value.reason
    with pytest.raises(AccessDenied, match=r"\(none\)"):
        gate.check_providers(metro, [{"body_text": "no provider and no default"}], "")
    gate.check_providers(gate.authenticate("Bearer wires-secret"), [{"provider": "Anyone"}], "")


# -- safe default


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.1.2.3"])
def test_loopback_without_tokens_starts_open(host):
    assert is_loopback(host)
    assert not Gate.from_settings(Settings.from_env({"NEWSWIRE_INGEST_HOST": host})).enabled


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "ingest.example"])
def test_a_non_loopback_bind_without_tokens_refuses_to_start(host):
    with pytest.raises(SettingsError, match="NEWSWIRE_INGEST_TOKENS_FILE"):
        Gate.from_settings(Settings.from_env({"NEWSWIRE_INGEST_HOST": host}))
    opened = Settings.from_env({"NEWSWIRE_INGEST_HOST": host, "NEWSWIRE_INGEST_AUTH": "off"})
    assert not Gate.from_settings(opened).enabled


def test_auth_settings_that_contradict_are_refused(tmp_path):
    with pytest.raises(SettingsError, match="NEWSWIRE_INGEST_AUTH"):
        Settings.from_env({"NEWSWIRE_INGEST_AUTH": "off", "NEWSWIRE_INGEST_TOKENS_FILE": "t.json"})
    with pytest.raises(SettingsError, match="NEWSWIRE_INGEST_AUTH"):
        Settings.from_env({"NEWSWIRE_INGEST_AUTH": "no"})


def test_the_publish_token_is_never_printed():
    settings = Settings.from_env({"NEWSWIRE_INGEST_TOKEN": "s3cret-token"})
    assert "s3cret-token" not in repr(settings)
    assert "s3cret-token" not in json.dumps(settings.public_view())


# -- quotas


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_desk_gets_its_burst_then_its_rate():
    clock = Clock()
    quotas = Quotas({"metro": (2.0, 4.0)}, clock)
    for _ in range(4):
        quotas.take("metro", 1)
    with pytest.raises(AccessDenied) as caught:
        quotas.take("metro", 1)
    assert caught.value.status == 429 and caught.value.headers["Retry-After"] == "1"
    clock.now += 0.5  # one article's worth at 2/s
    quotas.take("metro", 1)
    with pytest.raises(AccessDenied):
        quotas.take("metro", 1)


def test_a_desk_over_quota_does_not_take_from_another():
    quotas = Quotas({"metro": (1.0, 1.0), "wires": (1.0, 1.0)}, Clock())
    quotas.take("metro", 1)
    with pytest.raises(AccessDenied):
        quotas.take("metro", 1)
    quotas.take("wires", 1)
    quotas.take("unlimited-desk", 1000)


def test_retry_after_says_how_long_until_the_request_fits():
    clock = Clock()
    quotas = Quotas({"metro": (0.5, 3.0)}, clock)
    quotas.take("metro", 3)
    with pytest.raises(AccessDenied) as caught:
        quotas.take("metro", 2)
    assert caught.value.headers["Retry-After"] == "4"  # 2 articles at 0.5/s
    clock.now += 4
    quotas.take("metro", 2)


def test_a_batch_larger_than_the_burst_waits_for_a_full_bucket_and_leaves_debt():
    clock = Clock()
    quotas = Quotas({"metro": (1.0, 2.0)}, clock)
    quotas.take("metro", 10)  # full bucket: admitted, 8 in debt
    clock.now += 8  # back to 0
    with pytest.raises(AccessDenied):
        quotas.take("metro", 1)
    clock.now += 1
    quotas.take("metro", 1)


# -- encodings


def test_gzip_bodies_are_decoded():
    body = "Ünïcode wire copy\n".encode() * 100
    assert decode_body("gzip", gzip.compress(body), len(body)) == body
    assert decode_body("GZIP", gzip.compress(b"a") + gzip.compress(b"b"), 10) == b"ab"
    assert decode_body(None, body, len(body)) == body
    assert decode_body("identity", body, len(body)) == body


def test_a_gzip_bomb_is_refused_as_too_large_without_inflating_it():
    bomb = gzip.compress(b"\0" * 50_000_000)
    assert len(bomb) < 100_000
    with pytest.raises(Rejected) as caught:
        decode_body("gzip", bomb, 1_000_000)
    assert caught.value.status == 413 and "decompressed" in caught.value.reason


@pytest.mark.parametrize("encoding", ["br", "deflate", "compress", "gzip, br", "zstd"])
def test_other_encodings_are_unsupported(encoding):
    with pytest.raises(Rejected) as caught:
        decode_body(encoding, zlib.compress(b"x"), 100)
    assert caught.value.status == 415


@pytest.mark.parametrize(
    "body", [b"not gzip", gzip.compress(b"x" * 1000)[:20], gzip.compress(b"x") + b"junk"]
)
def test_corrupt_gzip_is_a_bad_request(body):
    with pytest.raises(Rejected) as caught:
        decode_body("gzip", body, 10_000)
    assert caught.value.status == 400
