"""docker-compose.yml, the Dockerfile and deploy/prometheus/ agree with each other and with the code.

Nothing here runs Docker: the files are read, so a port, a topic or a metric name that drifts fails in the
tests rather than in a deployment.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from services.common.metrics import new_registry
from services.common.settings import Settings
from services.enrich.worker.metrics import EnrichMetrics
from services.ingest.metrics import IngestMetrics

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = REPO / "deploy" / "prometheus"
# service, its port and host settings, its Prometheus job
SERVICES = [
    ("ingest", "ingest_port", "ingest_host", "newswire-ingest"),
    ("enrich", "enrich_port", "enrich_host", "newswire-enrich"),
]
# What a metric family of each type exposes, as Prometheus sees it.
SAMPLE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
}


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def compose_services() -> dict:
    return load_yaml(REPO / "docker-compose.yml")["services"]


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def dockerfile_instructions(stage: str = "final") -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the whole Dockerfile or only of its final stage."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.replace("\\\n", " ").splitlines() if not line.lstrip().startswith("#")]
    instructions = [(line.split(None, 1) + [""])[:2] for line in lines if line.strip()]
    instructions = [(word.upper(), args.strip()) for word, args in instructions]
    if stage == "final":
        last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
        instructions = instructions[last_from:]
    return instructions


def copy_sources(args: str) -> list[str]:
    """'--chown=x a b ./dest' -> ['a', 'b']"""
    return [word for word in args.split()[:-1] if not word.startswith("--")]


def image_env() -> dict[str, str]:
    env = {}
    for word, args in dockerfile_instructions():
        if word == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(args))
    return env


def service_settings(name: str) -> Settings:
    """What the service runs with: the image's NEWSWIRE_* variables, then the compose file's."""
    image = {key: value for key, value in image_env().items() if key.startswith("NEWSWIRE_")}
    return Settings.from_env(image | environment(compose_services()[name]))


def listeners(value: str) -> dict[str, tuple[str, int]]:
    """'PLAINTEXT://:9092,CONTROLLER://:9093' -> {'PLAINTEXT': ('', 9092), ...}"""
    result = {}
    for item in value.split(","):
        name, address = item.strip().split("://", 1)
        host, port = address.rsplit(":", 1)
        result[name] = (host, int(port))
    return result


def container_ports(service: dict) -> set[int]:
    ports = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(str(entry).split("/")[0].rsplit(":", 1)[-1]))
    return ports


def scrape_targets(job: str) -> list[str]:
    config = load_yaml(PROMETHEUS_DIR / "prometheus.yml")
    jobs = [c for c in config["scrape_configs"] if c["job_name"] == job]
    assert len(jobs) == 1, f"prometheus.yml should have one scrape job {job}"
    return [target for static in jobs[0].get("static_configs", []) for target in static["targets"]]


def exported_metrics() -> dict[str, set[str]]:
    """Every sample name the two services can expose -> its label names, from the code's own metrics:
    each service's metrics object built on a fresh registry of its own, as the service builds it."""
    exported = {}
    for metrics_class in (IngestMetrics, EnrichMetrics):
        registry = new_registry(with_process=False)
        metrics = metrics_class.create(registry)
        # prometheus_client has no public way to list the label names of a metric that has no child yet.
        labels = {
            metric._name: set(metric._labelnames)
            for metric in (getattr(metrics, f.name) for f in dataclasses.fields(metrics))
        }
        for family in registry.collect():
            for suffix in SAMPLE_SUFFIXES[family.type]:
                exported[family.name + suffix] = labels[family.name] | (
                    {"le"} if suffix == "_bucket" else set()
                )
    return exported


def alert_rules() -> list[dict]:
    groups = load_yaml(PROMETHEUS_DIR / "alerts.yml")["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_compose_has_the_whole_stack():
    services = compose_services()
    for name in ("kafka", "init-topics", "ingest", "enrich", "prometheus", "grafana"):
        assert name in services, f"docker-compose.yml has no {name} service"
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["prometheus"]["image"].startswith("prom/prometheus:")
    assert services["grafana"]["image"].startswith("grafana/grafana:")
    for name in ("kafka", "init-topics", "prometheus", "grafana"):
        assert not services[name]["image"].endswith(":latest"), f"pin the {name} image"


def test_kafka_controller_quorum_is_this_node():
    env = environment(compose_services()["kafka"])
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    _, port = listeners(env["KAFKA_LISTENERS"])[controller]
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:{port}"


@pytest.mark.parametrize("name", ["ingest", "enrich"])
def test_services_bootstrap_from_a_listener_kafka_advertises(name):
    services = compose_services()
    kafka = environment(services["kafka"])
    listening = listeners(kafka["KAFKA_LISTENERS"])
    advertised = listeners(kafka["KAFKA_ADVERTISED_LISTENERS"])
    protocols = dict(item.split(":") for item in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    settings = service_settings(name)

    assert not settings.uses_embedded_broker, f"{name} would start against its embedded broker"
    for server in settings.bootstrap_servers:
        host, port = server.rsplit(":", 1)
        assert host == "kafka", f"{name} bootstraps from {server}, not the kafka service"
        # Clients connect to the advertised address after bootstrap: it must be this one too.
        names = [n for n, address in advertised.items() if address == (host, int(port))]
        assert names, f"{server} is not among Kafka's advertised listeners {advertised}"
        assert listening[names[0]][1] == int(port), f"Kafka does not listen on {port}"
        assert protocols[names[0]] == settings.kafka_security_protocol


@pytest.mark.parametrize(("name", "port_setting", "host_setting", "job"), SERVICES)
def test_services_listen_where_they_are_published_probed_and_scraped(name, port_setting, host_setting, job):
    service = compose_services()[name]
    settings = service_settings(name)
    port = getattr(settings, port_setting)

    assert getattr(settings, host_setting) == "0.0.0.0", f"{name} would listen on the container's loopback"
    assert container_ports(service) == {port}, f"{name} listens on {port}"
    assert scrape_targets(job) == [f"{name}:{port}"]
    assert f"127.0.0.1:{port}/healthz" in " ".join(service["healthcheck"]["test"])
    exposed = {p for word, args in dockerfile_instructions() if word == "EXPOSE" for p in args.split()}
    assert str(port) in exposed, f"the Dockerfile does not EXPOSE {port}"


@pytest.mark.parametrize("name", ["ingest", "enrich"])
def test_services_start_after_kafka_and_the_topics(name):
    service = compose_services()[name]
    assert service["command"] == [name]
    assert service["build"] == "."
    assert service["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert service["depends_on"]["init-topics"]["condition"] == "service_completed_successfully"
    assert "healthcheck" in compose_services()["kafka"]


def test_init_topics_creates_the_topics_the_services_use():
    services = compose_services()
    command = " ".join(services["init-topics"]["command"])
    advertised = listeners(environment(services["kafka"])["KAFKA_ADVERTISED_LISTENERS"])
    assert re.findall(r"--bootstrap-server (\S+)", command) == [
        f"{host}:{port}" for host, port in advertised.values()
    ]
    for name in ("ingest", "enrich"):
        settings = service_settings(name)
        for topic in (settings.topic_raw, settings.topic_enriched, settings.topic_dlq):
            assert re.search(rf"(?<![\w.]){re.escape(topic)}(?![\w.])", command), f"{topic} is not created"
        assert set(re.findall(r"--partitions (\d+)", command)) == {str(settings.topic_partitions)}
        assert set(re.findall(r"--replication-factor (\d+)", command)) == {str(settings.topic_replication)}


def test_prometheus_mounts_its_config_and_rules():
    service = compose_services()["prometheus"]
    flags = dict(arg.split("=", 1) for arg in service["command"] if "=" in arg)
    config_path = flags["--config.file"]
    host_path = None
    for volume in service["volumes"]:
        source, target = volume.split(":")[:2]
        if source.startswith(".") and config_path.startswith(target.rstrip("/") + "/"):
            host_path = REPO / source / config_path[len(target.rstrip("/")) + 1 :]
    assert host_path is not None, f"no volume mounts {config_path}"
    assert host_path.resolve() == (PROMETHEUS_DIR / "prometheus.yml").resolve()
    rule_files = load_yaml(host_path)["rule_files"]
    assert rule_files
    for rule_file in rule_files:
        assert (host_path.parent / rule_file).is_file(), f"rule file {rule_file} is not in the mounted folder"


def test_alerts_use_metrics_and_labels_the_code_exports():
    exported = exported_metrics()
    rules = alert_rules()
    assert rules
    used = set()
    for rule in rules:
        expr = rule["expr"]
        for name in re.findall(r"\bnewswire_\w+", expr):
            assert name in exported, f"alert {rule['alert']}: no metric {name} in services/**/metrics.py"
            used.add(name)
        for name, selector in re.findall(r"\b(newswire_\w+)\s*\{([^}]*)\}", expr):
            for label in re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", selector):
                assert label in exported[name], f"alert {rule['alert']}: {name} has no label {label}"
        assert rule["labels"]["severity"] in ("critical", "warning")
        assert rule["annotations"]["summary"]
    assert used, "no alert watches a newswire metric"


def test_dockerfile_installs_exactly_the_lock():
    instructions = dockerfile_instructions(stage="all")
    runs = [(i, args) for i, (word, args) in enumerate(instructions) if word == "RUN" and "uv sync" in args]
    copies = [(i, args) for i, (word, args) in enumerate(instructions) if word == "COPY"]
    assert len(runs) == 2
    for _, args in runs:
        assert "--locked" in args and "--no-dev" in args
        # The code finds schemas/ and samples/ next to services/, so the project must stay editable.
        assert "--no-editable" not in args
    lock_copied = min(i for i, args in copies if "uv.lock" in copy_sources(args))
    source_copied = min(i for i, args in copies if "services" in copy_sources(args))
    # Dependencies get their own layer: installed from the lock before any source is copied.
    assert lock_copied < runs[0][0] < source_copied < runs[1][0]
    assert "--no-install-project" in runs[0][1]
    for folder in ("schemas", "services"):
        assert any(folder in copy_sources(args) for _, args in copies), f"the image lacks {folder}/"


def test_dockerfile_uses_the_uv_of_dev():
    pinned = re.search(r"^UV_VERSION=(\S+)", (REPO / "dev").read_text(encoding="utf-8"), re.MULTILINE)
    args = [args for word, args in dockerfile_instructions(stage="all") if word == "ARG"]
    assert f"UV_VERSION={pinned.group(1)}" in args


def test_image_runs_newswire_as_a_user():
    final = dict(dockerfile_instructions())
    assert final["ENTRYPOINT"] == '["newswire"]'
    assert final["CMD"] == '["ingest"]'
    assert final.get("USER", "root") not in ("root", "0")
    assert "/app/.venv/bin" in image_env()["PATH"]


PROMTOOL = shutil.which("promtool")


@pytest.mark.skipif(
    PROMTOOL is None and not os.environ.get("CI"),
    reason="promtool not installed (Debian: apt-get install prometheus); CI must have it",
)
@pytest.mark.parametrize(("check", "file"), [("config", "prometheus.yml"), ("rules", "alerts.yml")])
def test_promtool_accepts_the_prometheus_files(check, file):
    assert PROMTOOL, "promtool is not installed (Debian: apt-get install prometheus)"
    result = subprocess.run(
        [PROMTOOL, "check", check, file], cwd=PROMETHEUS_DIR, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(
    PROMTOOL is None and not os.environ.get("CI"),
    reason="promtool not installed (Debian: apt-get install prometheus); CI must have it",
)
def test_promtool_unit_tests_of_the_alerts_pass():
    assert PROMTOOL, "promtool is not installed (Debian: apt-get install prometheus)"
    result = subprocess.run(
        [PROMTOOL, "test", "rules", "alerts.test.yml"],
        cwd=PROMETHEUS_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_every_alert_has_a_firing_and_a_not_firing_unit_test():
    tests = load_yaml(PROMETHEUS_DIR / "alerts.test.yml")
    assert tests["rule_files"] == ["alerts.yml"]
    firing, quiet = set(), set()
    exported = exported_metrics()
    for test in tests["tests"]:
        for series in test["input_series"]:
            name = re.match(r"\w+", series["series"]).group(0)
            assert name == "up" or name in exported, f"alerts.test.yml feeds {name}, which no service exports"
        for case in test.get("alert_rule_test", []):
            (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
    alerts = {rule["alert"] for rule in alert_rules()}
    assert alerts - firing == set(), "alerts with no firing test"
    assert alerts - quiet == set(), "alerts with no not-firing test"
    assert (firing | quiet) - alerts == set(), "tests of alerts that alerts.yml does not have"


# -- Grafana

GRAFANA_DIR = REPO / "deploy" / "grafana"
PROMQL_WORDS = {
    "sum", "avg", "min", "max", "count", "rate", "irate", "increase", "histogram_quantile", "by", "without",
    "on", "ignoring", "and", "or", "unless", "time", "deriv", "delta", "topk", "bottomk", "abs", "clamp_min",
}  # fmt: skip
# Series Prometheus makes itself for each target, and the labels it adds to every scraped series.
PROMETHEUS_SERIES = {"up": {"job", "instance"}}
TARGET_LABELS = {"job", "instance"}


GROUPING = r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)"


def promql_series(expr: str) -> set[str]:
    """Series names in a PromQL expression: what is left once strings, selectors, ranges, grouping
    clauses, numbers, functions and keywords are taken out."""
    bare = re.sub(r'"[^"]*"', "", expr)
    bare = re.sub(GROUPING + r"|\{[^}]*\}|\[[^\]]*\]", " ", bare)
    return {word for word in re.findall(r"(?<![\w.])[a-zA-Z_]\w*", bare) if word not in PROMQL_WORDS}


def dashboard() -> dict:
    return __import__("json").loads(
        (GRAFANA_DIR / "dashboards" / "newswire.json").read_text(encoding="utf-8")
    )


def panel_targets() -> list[tuple[str, dict]]:
    return [
        (panel["title"], target) for panel in dashboard()["panels"] for target in panel.get("targets", [])
    ]


def volume_for(service: dict, target: str) -> Path | None:
    """The repo folder a compose service mounts at `target` (or at a parent of it)."""
    for volume in service.get("volumes", []):
        source, mounted = volume.split(":")[:2]
        if source.startswith(".") and (target == mounted or target.startswith(mounted.rstrip("/") + "/")):
            return REPO / source / target[len(mounted) :].lstrip("/")
    return None


def test_every_panel_query_uses_only_metrics_and_labels_the_code_exports():
    exported = exported_metrics() | PROMETHEUS_SERIES
    targets = panel_targets()
    assert targets
    for title, target in targets:
        expr = target["expr"]
        names = promql_series(expr)
        assert names, f"panel {title!r}: no metric in {expr}"
        for name in names:
            assert name in exported, f"panel {title!r}: no metric {name} is exported (services/**/metrics.py)"
        labels = set().union(*(exported[name] for name in names)) | TARGET_LABELS
        used = set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", " ".join(re.findall(r"\{([^}]*)\}", expr))))
        for group in re.findall(GROUPING, expr):
            used |= {label.strip() for label in group.split(",") if label.strip()}
        for label in used:
            assert label in labels, f"panel {title!r}: {label} is not a label of {sorted(names)}"
        for label in re.findall(r"\{\{\s*(\w+)\s*\}\}", target.get("legendFormat", "")):
            assert label in labels, f"panel {title!r}: legend names {label}, not a label of {sorted(names)}"


def test_the_dashboard_covers_what_an_operator_watches():
    used = " ".join(target["expr"] for _, target in panel_targets())
    for metric in (
        "newswire_ingest_articles_published_total",  # throughput in
        "newswire_enrich_articles_enriched_total",  # throughput out
        "newswire_enrich_articles_dead_lettered_total",  # dead letters by reason
        "newswire_enrich_consumer_lag_messages",  # consumer lag
        "newswire_enrich_duration_seconds_bucket",  # enrichment latency
        "newswire_ingest_request_duration_seconds_count",  # ingest errors by status
        "newswire_ingest_auth_failures_total",  # auth failures
    ):
        assert metric in used, f"no panel shows {metric}"


def test_grafana_is_provisioned_with_the_dashboard_and_the_compose_prometheus():
    services = compose_services()
    grafana = services["grafana"]
    provisioning = volume_for(grafana, "/etc/grafana/provisioning")
    assert provisioning and provisioning.resolve() == (GRAFANA_DIR / "provisioning").resolve()
    [source] = load_yaml(provisioning / "datasources" / "prometheus.yml")["datasources"]
    host, port = source["url"].removeprefix("http://").split(":")
    assert host == "prometheus" and int(port) in container_ports(services["prometheus"])
    [provider] = load_yaml(provisioning / "dashboards" / "newswire.yml")["providers"]
    folder = volume_for(grafana, provider["options"]["path"])
    assert (
        folder
        and (folder / "newswire.json").resolve() == (GRAFANA_DIR / "dashboards" / "newswire.json").resolve()
    )
    uids = {panel["datasource"]["uid"] for panel in dashboard()["panels"]}
    uids |= {target["datasource"]["uid"] for _, target in panel_targets()}
    assert uids == {source["uid"]}, "every panel must query the provisioned Prometheus"


def test_compose_ingest_listens_openly_only_with_desk_tokens():
    """In the container ingest binds 0.0.0.0: it must get a tokens file, from a folder the compose file mounts."""
    from services.ingest.web.auth import is_loopback

    service = compose_services()["ingest"]
    settings = service_settings("ingest")
    assert not is_loopback(settings.ingest_host)
    assert settings.ingest_auth == "auto", "do not switch auth off in the production-shaped stack"
    folder = volume_for(service, str(Path(settings.ingest_tokens_file).parent))
    assert folder is not None and folder.is_dir(), "the tokens file's folder is not mounted from the repo"
    assert "tokens.json" in (REPO / ".gitignore").read_text(encoding="utf-8"), (
        "tokens.json must not be committed"
    )
