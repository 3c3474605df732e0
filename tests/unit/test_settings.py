"""Every NEWSWIRE_* setting reads the way the README says: typed strictly, each bad value an error naming
the variable, and the README's settings table naming exactly the settings there are, with defaults that
parse and are the real ones."""

import dataclasses
import re
import typing
from dataclasses import dataclass

import pytest

from services.common.exceptions import SettingsError
from services.common.settings import Settings
from tests.conftest import REPO

FIELD_TYPES = typing.get_type_hints(Settings)


def env_name(field_name: str) -> str:
    return f"NEWSWIRE_{field_name.upper()}"


def fields_of_type(kind: type) -> list[str]:
    return [f.name for f in dataclasses.fields(Settings) if FIELD_TYPES[f.name] is kind]


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


def test_secret_token_is_hidden_when_printed():
    settings = Settings.from_env({"NEWSWIRE_INGEST_TOKEN": "s3cr3t-token"})
    for shown in (repr(settings), str(settings), str(settings.public_view())):
        assert "s3cr3t-token" not in shown
    assert settings.public_view()["ingest_token"] == "********"
    assert settings.ingest_token == "s3cr3t-token"


def test_every_secret_is_masked_in_the_public_view():
    secrets = [f.name for f in dataclasses.fields(Settings) if not f.repr]
    assert {"kafka_sasl_password", "ingest_token"} <= set(secrets)
    settings = Settings().replace(**{name: f"secret-{name}" for name in secrets})
    view = settings.public_view()
    for name in secrets:
        assert view[name] == "********"
        assert f"secret-{name}" not in repr(settings)


def test_a_bad_value_next_to_a_secret_does_not_print_the_secret():
    with pytest.raises(SettingsError) as error:
        Settings.from_env(
            {"NEWSWIRE_KAFKA_SASL_PASSWORD": "hunter2", "NEWSWIRE_KAFKA_SECURITY_PROTOCOL": "SASL"}
        )
    assert "NEWSWIRE_KAFKA_SECURITY_PROTOCOL" in str(error.value) and "hunter2" not in str(error.value)


# --- one test per type of setting: the forms it takes, and a bad value named with its variable ---------


def test_every_field_is_of_a_type_the_loader_reads():
    assert set(FIELD_TYPES.values()) <= {str, int, float, bool}, "teach settings._coerce the new type"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        (" yes ", True),
        ("On", True),
        ("1", True),
        ("false", False),
        ("False", False),
        ("no", False),
        ("OFF", False),
        ("0", False),
        ("\toff\n", False),
    ],
)
def test_bool_setting_reads_true_false_yes_no_on_off_1_0(raw, expected):
    assert Settings.from_env({"NEWSWIRE_COPY_DETECTION": raw}).copy_detection is expected


@pytest.mark.parametrize("raw", ["", "  ", "2", "tru", "enabled", "nope", "none", "-1", "y", "t"])
def test_bool_setting_refuses_other_words(raw):
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"NEWSWIRE_COPY_DETECTION": raw})
    message = str(error.value)
    assert "NEWSWIRE_COPY_DETECTION" in message and repr(raw) in message
    for word in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        assert re.search(rf"\b{word}\b", message), word


def test_every_bool_setting_turns_off_with_false():
    names = fields_of_type(bool)
    assert names, "Settings has no bool field: this test would prove nothing"
    for name in names:
        for raw in ("false", "FALSE", "0", "no", "off"):
            assert getattr(Settings.from_env({env_name(name): raw}), name) is False, (name, raw)
        assert getattr(Settings.from_env({env_name(name): "true"}), name) is True, name


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), (" 12 ", 12), ("+7", 7), ("1_000", 1000)])
def test_int_setting_reads_whole_numbers(raw, expected):
    assert Settings.from_env({"NEWSWIRE_TOPIC_PARTITIONS": raw}).topic_partitions == expected


@pytest.mark.parametrize("raw", ["", "many", "1.5", "3 partitions", "0x10", "1e3"])
def test_int_setting_refuses_anything_else(raw):
    with pytest.raises(
        SettingsError, match=rf"NEWSWIRE_TOPIC_PARTITIONS={re.escape(repr(raw))} is not a whole"
    ):
        Settings.from_env({"NEWSWIRE_TOPIC_PARTITIONS": raw})


@pytest.mark.parametrize(("raw", "expected"), [("2.5", 2.5), ("3", 3.0), (" 4 ", 4.0), ("1e1", 10.0)])
def test_float_setting_reads_numbers(raw, expected):
    assert Settings.from_env({"NEWSWIRE_SESSION_TIMEOUT_S": raw}).session_timeout_s == expected


@pytest.mark.parametrize("raw", ["", "fast", "2,5", "6s", "nan", "inf", "-inf"])
def test_float_setting_refuses_anything_else(raw):
    with pytest.raises(SettingsError, match=rf"NEWSWIRE_SESSION_TIMEOUT_S={re.escape(repr(raw))} is not a"):
        Settings.from_env({"NEWSWIRE_SESSION_TIMEOUT_S": raw})


def test_str_setting_is_read_as_written_without_surrounding_space():
    settings = Settings.from_env({"NEWSWIRE_TOPIC_RAW": "  wire.raw \n", "NEWSWIRE_DEFAULT_PROVIDER": ""})
    assert settings.topic_raw == "wire.raw" and settings.default_provider == ""


# Settings that are strings of a fixed set of words (or a pattern), checked after loading.
@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("KAFKA_SECURITY_PROTOCOL", ["PLAINTEXT", "SSL"], ["TLS", "plaintext"]),
        ("KAFKA_SASL_MECHANISM", ["PLAIN", "SCRAM-SHA-512"], ["GSSAPI"]),
        ("LOG_FORMAT", ["auto", "console", "json"], ["pretty", "jsonl", ""]),
        ("INGEST_AUTH", ["auto", "off"], ["on", "none"]),
        ("NER_MATMUL", ["numpy", "blis"], ["mkl"]),
        ("DEFAULT_LANGUAGE", ["en", "fr", ""], ["EN", "english"]),
        ("INGEST_CPU", ["auto", "off", "3"], ["any"]),
    ],
)
def test_word_settings_take_their_words_and_name_a_bad_one(name, good, bad):
    for raw in good:
        assert getattr(Settings.from_env({env_name(name.lower()): raw}), name.lower()) == raw
    for raw in bad:
        with pytest.raises(SettingsError) as error:
            Settings.from_env({env_name(name.lower()): raw})
        assert f"NEWSWIRE_{name}={raw.strip()!r}" in str(error.value)


def test_log_format_error_lists_the_formats():
    with pytest.raises(
        SettingsError, match=r"NEWSWIRE_LOG_FORMAT='pretty' must be one of auto, console, json"
    ):
        Settings.from_env({"NEWSWIRE_LOG_FORMAT": "pretty"})


def test_ner_models_error_names_the_variable_and_the_item():
    with pytest.raises(SettingsError, match=r"NEWSWIRE_NER_MODELS: 'french' is not language:model"):
        Settings.from_env({"NEWSWIRE_NER_MODELS": "fr:fr_core_news_sm,french"})


# --- the README's settings table ---------------------------------------------------------------------

_README_NAME = re.compile(r"`(NEWSWIRE_\w+|_\w+)`")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_CODE = re.compile(r"`([^`]*)`")
# Default cells that give no value: the variable is empty unless set.
_NO_VALUE = {"", "empty", "none", "unset", "not set", "-", "--", "\u2014", "\u2013", "n/a"}


@dataclass(frozen=True)
class ReadmeRow:
    name: str  # NEWSWIRE_...
    default: str | None  # None: the cell gives no value (empty, *(empty)*, (none), unset, ...)
    line: int


def readme_settings(readme: str) -> list[ReadmeRow]:
    """The variables of the first markdown table whose first column holds `NEWSWIRE_...` names, wherever it
    is in the README. A row "`NEWSWIRE_INGEST_HOST` / `_PORT`" names two (the suffix replaces the last
    word), with defaults "`127.0.0.1` / `8080`" or one for both; a default is its cell's first `code`, else
    the cell's text without a trailing "(note)", else None when the cell is empty or says so."""
    rows: list[ReadmeRow] = []
    for line_no, line in enumerate(readme.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("|"):
            if rows:
                break  # the end of the settings table
            continue
        cells = [cell.strip() for cell in _CELL_SPLIT.split(stripped.strip("|"))]
        names = _README_NAME.findall(cells[0])
        if not names or not names[0].startswith("NEWSWIRE_"):
            continue  # a header, a |---| line, or a row of another table
        full = [names[0]]
        full += [n if n.startswith("NEWSWIRE_") else names[0].rsplit("_", 1)[0] + n for n in names[1:]]
        cell = cells[1] if len(cells) > 1 else ""
        parts = [p.strip() for p in cell.split(" / ")] if len(full) > 1 else [cell]
        if len(parts) != len(full):
            parts = [cell] * len(full)
        rows += [
            ReadmeRow(name, _readme_default(part), line_no) for name, part in zip(full, parts, strict=True)
        ]
    return rows


def _readme_default(cell: str) -> str | None:
    code = _CODE.search(cell)
    if code:
        return code.group(1)
    text = cell.strip().strip("*_").strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    text = re.sub(r"\s*\(.*\)$", "", text).strip()
    return None if text.lower() in _NO_VALUE else text


@pytest.fixture(scope="module")
def readme_rows() -> list[ReadmeRow]:
    rows = readme_settings((REPO / "README.md").read_text(encoding="utf-8"))
    assert rows, "README.md has no settings table (| `NEWSWIRE_X` | default | meaning |)"
    return rows


def test_readme_table_reader_takes_the_forms_of_the_table():
    table = "\n".join(
        [
            "Some text.",
            "",
            "| other | table |",
            "|---|---|",
            "| `x` | `y` |",
            "",
            "| variable | default | meaning |",
            "|---|---|---|",
            "| `NEWSWIRE_A` | `9092` | a |",
            "| `NEWSWIRE_B_HOST` / `_PORT` | `127.0.0.1` / `8080` | where |",
            "| `NEWSWIRE_C_CERTFILE` / `_KEYFILE` | | pair, no default |",
            "| `NEWSWIRE_D` | *(empty)* | d |",
            "| `NEWSWIRE_E` | `604800` (7 days) | e \\| with a pipe |",
            "| `NEWSWIRE_F` | (none) | f |",
            "| `NEWSWIRE_G` | unset | g |",
            "| `NEWSWIRE_H` | 15 (seconds) | h |",
            "",
            "| `NEWSWIRE_LATER` | `1` | another table |",
        ]
    )
    assert [(r.name, r.default) for r in readme_settings(table)] == [
        ("NEWSWIRE_A", "9092"),
        ("NEWSWIRE_B_HOST", "127.0.0.1"),
        ("NEWSWIRE_B_PORT", "8080"),
        ("NEWSWIRE_C_CERTFILE", None),
        ("NEWSWIRE_C_KEYFILE", None),
        ("NEWSWIRE_D", None),
        ("NEWSWIRE_E", "604800"),
        ("NEWSWIRE_F", None),
        ("NEWSWIRE_G", None),
        ("NEWSWIRE_H", "15"),
    ]


def test_every_setting_is_in_the_readme_settings_table(readme_rows):
    documented = {row.name for row in readme_rows}
    expected = {env_name(f.name) for f in dataclasses.fields(Settings)}
    assert expected - documented == set(), "settings missing from the README table"
    assert documented - expected == set(), "README documents settings that do not exist"


def test_readme_defaults_parse(readme_rows):
    failures = []
    for row in readme_rows:
        if row.default is None:
            continue
        try:
            Settings.from_env({row.name: row.default})
        except SettingsError as exc:
            failures.append(f"README.md:{row.line}: {exc}")
    assert failures == []


def test_readme_defaults_are_the_real_defaults(readme_rows):
    defaults = Settings()
    wrong = []
    for row in readme_rows:
        name = row.name.removeprefix("NEWSWIRE_").lower()
        if name not in FIELD_TYPES:
            continue  # an unknown name fails test_every_setting_is_in_the_readme_settings_table
        real = getattr(defaults, name)
        if row.default is None:
            ok = real == ""
        else:
            try:
                ok = getattr(Settings.from_env({row.name: row.default}), name) == real
            except SettingsError:
                continue  # test_readme_defaults_parse says why
        if not ok:
            wrong.append(f"README.md:{row.line}: {row.name} documented {row.default!r}, is {real!r}")
    assert wrong == []


@pytest.mark.parametrize("value", ["auto", "off", "0", "12"])
def test_ingest_cpu_takes_auto_off_or_a_number(value):
    assert Settings.from_env({"NEWSWIRE_INGEST_CPU": value}).ingest_cpu == value


@pytest.mark.parametrize("value", ["on", "-1", "0,1", ""])
def test_ingest_cpu_refuses_anything_else(value):
    with pytest.raises(SettingsError, match="NEWSWIRE_INGEST_CPU"):
        Settings.from_env({"NEWSWIRE_INGEST_CPU": value})
