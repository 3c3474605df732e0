import pytest

from services.common.exceptions import SettingsError
from services.common.settings import Settings


def test_defaults_work_on_one_machine():
    settings = Settings.from_env({})
    assert settings.uses_embedded_broker
    assert settings.bootstrap_servers == ["127.0.0.1:9092"]


def test_values_are_read_with_the_prefix_and_typed():
    settings = Settings.from_env(
        {
            "NEWSWIRE_KAFKA_BOOTSTRAP": "k1:9092, k2:9093",
            "NEWSWIRE_TOPIC_PARTITIONS": "12",
            "NEWSWIRE_SESSION_TIMEOUT_S": "2.5",
            "OTHER": "ignored",
        }
    )
    assert settings.bootstrap_servers == ["k1:9092", "k2:9093"]
    assert settings.topic_partitions == 12 and settings.session_timeout_s == 2.5
    assert not settings.uses_embedded_broker


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"NEWSWIRE_TOPIC_PARTITIONS": "many"}, "NEWSWIRE_TOPIC_PARTITIONS"),
        ({"NEWSWIRE_TOPIC_PARTITONS": "3"}, "NEWSWIRE_TOPIC_PARTITONS"),
        ({"NEWSWIRE_INGEST_PORT": "70000"}, "NEWSWIRE_INGEST_PORT"),
        ({"NEWSWIRE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "NEWSWIRE_KAFKA_SASL_USERNAME"),
        ({"NEWSWIRE_NER_MATMUL": "mkl"}, "NEWSWIRE_NER_MATMUL"),
        (
            {"NEWSWIRE_MAX_ARTICLE_BYTES": "20", "NEWSWIRE_MAX_REQUEST_BYTES": "10"},
            "NEWSWIRE_MAX_ARTICLE_BYTES",
        ),
    ],
)
def test_bad_values_name_the_variable(env, names):
    with pytest.raises(SettingsError, match=names):
        Settings.from_env(env)


def test_secrets_are_hidden_when_printed():
    settings = Settings.from_env(
        {
            "NEWSWIRE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "NEWSWIRE_KAFKA_SASL_USERNAME": "desk",
            "NEWSWIRE_KAFKA_SASL_PASSWORD": "hunter2",
        }
    )
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.public_view())
    assert settings.kafka_sasl_password == "hunter2"


def test_every_setting_is_in_the_readme_settings_table():
    import dataclasses
    import re

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for row in re.findall(r"^\| (`NEWSWIRE_[^|]*)\|", table, re.MULTILINE):
        names = re.findall(r"`(NEWSWIRE_\w+|_\w+)`", row)
        first = names[0]
        documented.add(first)
        # "`NEWSWIRE_INGEST_HOST` / `_PORT`": the suffix replaces the last word of the first name
        documented |= {first.rsplit("_", 1)[0] + suffix for suffix in names[1:]}
    expected = {f"NEWSWIRE_{f.name.upper()}" for f in dataclasses.fields(Settings)}
    assert expected - documented == set(), "settings missing from the README table"
    assert documented - expected == set(), "README documents settings that do not exist"


@pytest.mark.parametrize("value", ["auto", "off", "0", "12"])
def test_ingest_cpu_takes_auto_off_or_a_number(value):
    assert Settings.from_env({"NEWSWIRE_INGEST_CPU": value}).ingest_cpu == value


@pytest.mark.parametrize("value", ["on", "-1", "0,1", ""])
def test_ingest_cpu_refuses_anything_else(value):
    with pytest.raises(SettingsError, match="NEWSWIRE_INGEST_CPU"):
        Settings.from_env({"NEWSWIRE_INGEST_CPU": value})
