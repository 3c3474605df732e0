"""docker-compose.yml, its laptop override, the Dockerfile and deploy/ agree with each other and with the code.

Nothing here runs containers: the files are read (the override merged onto docker-compose.yml as compose
merges them), so a port, a topic, a node id or a metric name that drifts fails in the tests rather than in
a deployment. Where a docker compose v2 client is installed, `docker compose config` validates both shapes
too (it needs no daemon).
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

from services.common.kafka import topics_of
from services.common.kafka_cluster import KAFKA_VERSION
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


COMPOSE_FILE = REPO / "docker-compose.yml"
LAPTOP_FILE = REPO / "docker-compose.laptop.yml"
KAFKA_NODES = ("kafka-1", "kafka-2", "kafka-3")
NEWSWIRE_SERVICES = ("topics", "ingest", "enrich")
# shape -> the compose files, the Kafka nodes that run, and (replication, min.insync.replicas)
SHAPES = {
    "cluster": ((COMPOSE_FILE,), KAFKA_NODES, (3, 2)),
    "laptop": ((COMPOSE_FILE, LAPTOP_FILE), ("kafka-1",), (1, 1)),
}


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def volume_target(entry) -> str:
    return entry["target"] if isinstance(entry, dict) else str(entry).split(":")[1]


def volume_mounts(service: dict) -> dict[str, str]:
    """target -> source: a named volume's name, or the absolute path of a bind mount."""
    mounts = {}
    for entry in service.get("volumes", []):
        source = entry["source"] if isinstance(entry, dict) else str(entry).split(":")[0]
        mounts[volume_target(entry)] = str((REPO / source).resolve()) if source.startswith(".") else source
    return mounts


def dependencies(service: dict) -> dict[str, str]:
    """depends_on as {service: condition}, from the list form too."""
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return dict.fromkeys(depends, "service_started")
    return {name: how.get("condition", "service_started") for name, how in depends.items()}


def merge_service(base: dict, override: dict) -> dict:
    """docker compose v2's merge of one service, for the keys the override uses: maps (environment,
    depends_on, deploy) merge key by key and volumes by their mount target. Anything else is taken from
    the override, which is right for scalars and for command; compose appends to some other lists (ports,
    for one), which the override must then not set (test_the_laptop_override_only_changes...)."""
    merged = dict(base)
    for key, value in override.items():
        if key == "environment":
            merged[key] = environment(base) | environment(override)
        elif key == "volumes":
            by_target = {volume_target(v): v for v in base.get(key, [])}
            by_target |= {volume_target(v): v for v in value}
            merged[key] = list(by_target.values())
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = merge_service(base[key], value)
        else:
            merged[key] = value
    return merged


def compose_project(*files: Path) -> dict:
    """The files merged in order, as `docker compose -f a -f b` does (services and top-level volumes)."""
    project = load_yaml(files[0])
    for file in files[1:]:
        override = load_yaml(file)
        services = dict(project["services"])
        for name, service in override.get("services", {}).items():
            services[name] = merge_service(services.get(name, {}), service)
        project = project | {
            "services": services,
            "volumes": (project.get("volumes") or {}) | (override.get("volumes") or {}),
        }
    return project


def compose_services(shape: str = "cluster") -> dict:
    return compose_project(*SHAPES[shape][0])["services"]


def replicas(service: dict) -> int:
    """How many containers compose runs for a service (0: none, and nothing waits for it)."""
    if "scale" in service:
        return int(service["scale"])
    return int((service.get("deploy") or {}).get("replicas", 1))


def kafka_services(services: dict) -> dict[str, dict]:
    return {name: s for name, s in services.items() if str(s.get("image", "")).startswith("apache/kafka:")}


def running_kafka(services: dict) -> dict[str, dict]:
    return {name: s for name, s in kafka_services(services).items() if replicas(s) > 0}


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


def service_settings(name: str, shape: str = "cluster") -> Settings:
    """What the service runs with: the image's NEWSWIRE_* variables, then the compose file's."""
    image = {key: value for key, value in image_env().items() if key.startswith("NEWSWIRE_")}
    return Settings.from_env(image | environment(compose_services(shape)[name]))


def voters(value: str) -> dict[int, tuple[str, int]]:
    """'1@kafka-1:9093,2@kafka-2:9093' -> {1: ('kafka-1', 9093), 2: ('kafka-2', 9093)}"""
    result = {}
    for item in value.split(","):
        node_id, address = item.strip().split("@", 1)
        host, port = address.rsplit(":", 1)
        assert int(node_id) not in result, f"node {node_id} is twice in the quorum {value}"
        result[int(node_id)] = (host, int(port))
    return result


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
    for name in (*KAFKA_NODES, *NEWSWIRE_SERVICES, "prometheus", "grafana"):
        assert name in services, f"docker-compose.yml has no {name} service"
    assert set(kafka_services(services)) == set(KAFKA_NODES)
    assert services["prometheus"]["image"].startswith("prom/prometheus:")
    assert services["grafana"]["image"].startswith("grafana/grafana:")
    for name in (*KAFKA_NODES, "prometheus", "grafana"):
        assert not services[name]["image"].endswith(":latest"), f"pin the {name} image"
    assert all(replicas(service) == 1 for service in services.values())


@pytest.mark.parametrize("shape", SHAPES)
def test_kafka_is_the_version_the_tests_run(shape):
    """The image is the Apache Kafka that ./dev kafka and the real_kafka tests run (kafka_cluster.py)."""
    for name, service in kafka_services(compose_services(shape)).items():
        assert service["image"] == f"apache/kafka:{KAFKA_VERSION}", f"{name}: kafka_cluster.KAFKA_VERSION"


@pytest.mark.parametrize("shape", SHAPES)
def test_kafka_nodes_form_one_quorum(shape):
    services = compose_services(shape)
    nodes = running_kafka(services)
    assert tuple(nodes) == SHAPES[shape][1], f"{shape}: these Kafka nodes run: {sorted(nodes)}"
    envs = {name: environment(service) for name, service in nodes.items()}
    ids = {name: int(env["KAFKA_NODE_ID"]) for name, env in envs.items()}
    assert len(set(ids.values())) == len(ids), f"node ids are not distinct: {ids}"
    expected_voters = {}
    for name, env in envs.items():
        assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
        controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
        expected_voters[ids[name]] = (name, listeners(env["KAFKA_LISTENERS"])[controller][1])
        # Every node is reached by its service name, which its advertised listener must be.
        assert {host for host, _ in listeners(env["KAFKA_ADVERTISED_LISTENERS"]).values()} == {name}
    for name, env in envs.items():
        assert voters(env["KAFKA_CONTROLLER_QUORUM_VOTERS"]) == expected_voters, (
            f"{name}'s quorum is not the nodes that run"
        )
    assert len({env["CLUSTER_ID"] for env in envs.values()}) == 1, "one CLUSTER_ID for all nodes"
    assert len(envs["kafka-1"]["CLUSTER_ID"]) == 22, "CLUSTER_ID is 16 bytes, base64url"


@pytest.mark.parametrize("shape", SHAPES)
def test_kafka_replication_is_the_production_shape(shape):
    """Cluster: three replicas of every topic, Kafka's own included, and acks=all needs two of them.
    Laptop: one node, so one replica and one in sync."""
    services = compose_services(shape)
    replication, min_insync = SHAPES[shape][2]
    assert replication == len(running_kafka(services))
    for name, service in running_kafka(services).items():
        env = environment(service)
        assert {
            key: env.get(key)
            for key in (
                "KAFKA_DEFAULT_REPLICATION_FACTOR",
                "KAFKA_MIN_INSYNC_REPLICAS",
                "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR",
                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR",
            )
        } == {
            "KAFKA_DEFAULT_REPLICATION_FACTOR": str(replication),
            "KAFKA_MIN_INSYNC_REPLICAS": str(min_insync),
            "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": str(replication),
            "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": str(replication),
            "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": str(min_insync),
            "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": str(replication),
            "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": str(min_insync),
        }, f"{shape}: {name}'s replication settings"
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"].lower() == "false", (
            "topics are made by `newswire topics`"
        )
    for name in NEWSWIRE_SERVICES:
        # topics creates the article topics and enrich its copy index with this factor.
        assert service_settings(name, shape).topic_replication == replication, f"{shape}: {name}"


@pytest.mark.parametrize("shape", SHAPES)
def test_each_kafka_node_keeps_its_log_in_a_volume_of_its_own(shape):
    project = compose_project(*SHAPES[shape][0])
    sources = []
    for name, service in running_kafka(project["services"]).items():
        log_dir = environment(service)["KAFKA_LOG_DIRS"]
        mounted = [v for v in service.get("volumes", []) if volume_target(v) == log_dir]
        assert len(mounted) == 1, f"{name} does not mount a volume at {log_dir}"
        source = str(mounted[0]).split(":")[0]
        assert source in (project.get("volumes") or {}), f"{name}: {source} is not a named volume"
        sources.append(source)
        test = " ".join(service["healthcheck"]["test"])
        assert "--bootstrap-server localhost:9092" in test, f"{name} has no broker healthcheck"
    assert len(set(sources)) == len(sources), f"Kafka nodes share a volume: {sources}"
    if shape == "laptop":
        cluster_sources = {
            str(v).split(":")[0] for s in running_kafka(compose_services()).values() for v in s["volumes"]
        }
        assert not set(sources) & cluster_sources, "the one-node log must not be a cluster node's"


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", NEWSWIRE_SERVICES)
def test_services_bootstrap_from_every_broker_as_it_advertises_itself(shape, name):
    services = compose_services(shape)
    settings = service_settings(name, shape)
    assert not settings.uses_embedded_broker, f"{name} would start against its embedded broker"
    advertised = {}
    for node, service in running_kafka(services).items():
        kafka = environment(service)
        listening = listeners(kafka["KAFKA_LISTENERS"])
        protocols = dict(item.split(":") for item in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
        for listener, (host, port) in listeners(kafka["KAFKA_ADVERTISED_LISTENERS"]).items():
            # Clients connect to the advertised address after bootstrap: Kafka must listen there.
            assert listening[listener][1] == port, f"{node} does not listen on {port}"
            if protocols[listener] == settings.kafka_security_protocol:
                advertised[f"{host}:{port}"] = node
    assert sorted(settings.bootstrap_servers) == sorted(advertised), (
        f"{shape}: {name} bootstraps from {settings.bootstrap_servers}, the brokers are {sorted(advertised)}"
    )


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


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", NEWSWIRE_SERVICES)
def test_services_start_after_the_brokers_and_the_topics(shape, name):
    services = compose_services(shape)
    service = services[name]
    assert service["command"] == [name]
    assert service["build"] == "." and service["image"] == services["ingest"]["image"]
    depends = service["depends_on"]
    for node in KAFKA_NODES:
        assert depends[node]["condition"] == "service_healthy", f"{name} does not wait for {node}"
    if name == "topics":
        assert service["restart"] == "no", "topics is a one-shot: it must not be restarted"
    else:
        assert depends["topics"]["condition"] == "service_completed_successfully"
    # Compose waits for a dependency only if it runs: with replicas 0 (the laptop's kafka-2 and
    # kafka-3) it is skipped. Every dependency must still be a service, or the project is invalid.
    assert set(depends) <= set(services), f"{name} depends on services that are not there"
    waited = {
        dep
        for dep, how in depends.items()
        if how["condition"] == "service_healthy" and replicas(services[dep])
    }
    assert waited == set(running_kafka(services)), f"{shape}: {name} waits for {sorted(waited)}"


@pytest.mark.parametrize("shape", SHAPES)
def test_topics_creates_the_topics_the_services_use(shape):
    made = service_settings("topics", shape)
    for name in ("ingest", "enrich"):
        settings = service_settings(name, shape)
        assert topics_of(settings) == topics_of(made), (
            f"{name} uses topics that `newswire topics` does not make"
        )
        assert settings.topic_partitions == made.topic_partitions
        assert settings.topic_replication == made.topic_replication


@pytest.mark.parametrize("shape", SHAPES)
def test_every_newswire_variable_is_a_setting(shape):
    """A misspelt NEWSWIRE_ variable is not ignored: Settings.from_env refuses it, and the service would not
    start. Checked for every service, since only the newswire ones are started through Settings."""
    fields = {f.name for f in dataclasses.fields(Settings)}
    seen = set()
    for name, service in compose_services(shape).items():
        for key in environment(service):
            if key.startswith("NEWSWIRE_"):
                seen.add(key)
                assert key.removeprefix("NEWSWIRE_").lower() in fields, (
                    f"{shape}: {name} sets {key}, no setting"
                )
    assert {"NEWSWIRE_KAFKA_BOOTSTRAP", "NEWSWIRE_TOPIC_REPLICATION"} <= seen
    for name in NEWSWIRE_SERVICES:
        service_settings(name, shape)  # and every value is one the settings accept


def test_the_laptop_override_only_changes_what_one_node_needs():
    cluster, laptop = compose_services(), compose_services("laptop")
    assert set(laptop) == set(cluster), "an override cannot remove services; it must not add any either"
    for name, service in load_yaml(LAPTOP_FILE)["services"].items():
        # The keys merge_service merges as compose does; another would need its rule there first.
        assert set(service) <= {"environment", "volumes", "deploy"}, (
            f"the override sets {name}.{set(service)}"
        )
    for name in ("prometheus", "grafana"):
        assert laptop[name] == cluster[name]
    for name in NEWSWIRE_SERVICES:
        ours, theirs = environment(laptop[name]), environment(cluster[name])
        changed = {key for key, value in ours.items() if theirs.get(key) != value}
        assert changed == {"NEWSWIRE_KAFKA_BOOTSTRAP", "NEWSWIRE_TOPIC_REPLICATION"}, f"{name}: {changed}"
        assert {k: v for k, v in laptop[name].items() if k != "environment"} == {
            k: v for k, v in cluster[name].items() if k != "environment"
        }


def compose_command() -> list[str] | None:
    """A docker compose v2 (or later) client: the docker CLI plugin or the standalone binary."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if not shutil.which(command[0]):
            continue
        done = subprocess.run([*command, "version", "--short"], capture_output=True, text=True, check=False)
        # Compose v1 (Debian bookworm's docker-compose 1.29) merges and validates by other rules.
        # A client built from source says "dev".
        if done.returncode == 0 and done.stdout.strip() and not re.match(r"v?1\.", done.stdout.strip()):
            return command
    return None


COMPOSE = compose_command()


@pytest.mark.skipif(COMPOSE is None, reason="no docker compose v2 client (docker compose or docker-compose)")
@pytest.mark.parametrize("shape", SHAPES)
def test_docker_compose_accepts_and_merges_the_files_as_the_tests_do(shape):
    files = [arg for file in SHAPES[shape][0] for arg in ("-f", str(file))]
    done = subprocess.run(
        [*COMPOSE, *files, "config", "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    services = __import__("json").loads(done.stdout)["services"]
    ours = compose_services(shape)
    assert set(services) == set(ours)
    for name, service in services.items():
        assert environment(service) == environment(ours[name]), f"{shape}: {name}'s environment"
        assert replicas(service) == replicas(ours[name]), f"{shape}: {name}'s replicas"
        assert volume_mounts(service) == volume_mounts(ours[name]), f"{shape}: {name}'s volumes"
        assert dependencies(service) == dependencies(ours[name]), f"{shape}: {name}'s depends_on"
        assert service.get("image") == ours[name].get("image"), f"{shape}: {name}'s image"


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
