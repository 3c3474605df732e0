"""A real Apache Kafka cluster on loopback, run from the broker's own jars (Maven Central), for tests,
benchmarks and development: `./dev kafka up|down|stop-broker|start-broker|status`.

Each node is a combined KRaft broker + controller, so N nodes are N JVMs. Topics default to replication
min(3, N) with `min.insync.replicas` min(2, N), as operators run production. The jars are resolved once
into a cache outside the repo; each cluster lives in a state dir (configs, data, logs, pid files and
`cluster.json`), so the verbs work from separate shell invocations.

With `sasl=True`, clients authenticate with SCRAM-SHA-512 and StandardAuthorizer enforces ACLs: one
principal per role (`ROLES`), each with only the rights `pipeline_acls` grants it. The controller
listener uses PLAIN with a static user, since SCRAM credentials live in the metadata log that the
controllers themselves serve.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from services.common.exceptions import NewswireError

KAFKA_VERSION = "4.4.0"  # the one place the Apache Kafka version is pinned (compose reads the same)
LOG4J_VERSION = "2.24.3"
SCRAM = "SCRAM-SHA-512"
ROLES = ("admin", "ingest", "enrich", "reader")
DEFAULT_BASE_PORT = 19092
HEAP = os.environ.get("NEWSWIRE_KAFKA_HEAP", "-Xms128m -Xmx384m")


class ClusterError(NewswireError):
    """The local Apache Kafka cluster could not be resolved, started or reached."""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(os.environ.get("NEWSWIRE_KAFKA_CACHE", Path(base) / "newswire" / f"kafka-{KAFKA_VERSION}"))


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(os.environ.get("NEWSWIRE_KAFKA_STATE", Path(base) / "newswire" / "kafka-cluster"))


def missing_tools() -> str | None:
    """What stops a real cluster on this machine (None: nothing), naming the Debian package that helps."""
    java = shutil.which("java")
    if java is None:
        return "java not found on PATH (Debian package openjdk-17-jre-headless; Kafka 4.x needs Java 17+)"
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    try:
        major = int(out.split('"')[1].split(".")[0])
    except (IndexError, ValueError):
        major = 0
    if major < 17:
        return (
            f"java is older than 17 ({out.splitlines()[0] if out else '?'}): install openjdk-17-jre-headless"
        )
    if shutil.which("mvn") is None and not (default_cache_dir() / "libs" / ".complete").exists():
        return "mvn not found on PATH (Debian package maven), needed once to fetch Apache Kafka's jars"
    return None


POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>newswire</groupId><artifactId>apache-kafka-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{kafka}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId>
      <version>{log4j}</version></dependency>
  </dependencies>
</project>
"""

LOG4J2 = """status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c{1})%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.server.name = org.apache.kafka.server
logger.server.level = INFO
logger.raft.name = org.apache.kafka.raft
logger.raft.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
"""


def resolve_jars(cache_dir: Path | None = None) -> Path:
    """Apache Kafka's jars and their dependencies, fetched by Maven once into `cache_dir/libs`."""
    cache_dir = cache_dir or default_cache_dir()
    libs = cache_dir / "libs"
    if (libs / ".complete").exists():
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ClusterError("mvn not found on PATH (Debian package maven): it fetches Apache Kafka's jars")
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / "pom.xml").write_text(POM.format(kafka=KAFKA_VERSION, log4j=LOG4J_VERSION))
    partial = cache_dir / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    done = subprocess.run(
        [mvn, "-q", "-B", "-f", str(cache_dir / "pom.xml"), "dependency:copy-dependencies",
         f"-DoutputDirectory={partial}", "-DincludeScope=runtime"],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise ClusterError(
            f"Maven could not resolve org.apache.kafka:kafka_2.13:{KAFKA_VERSION}:\n{done.stdout[-2000:]}"
        )
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)
    (libs / ".complete").write_text(KAFKA_VERSION)
    return libs


def free_ports(count: int) -> list[int]:
    socks = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            socks.append(sock)
        return [s.getsockname()[1] for s in socks]
    finally:
        for sock in socks:
            sock.close()


@dataclass
class Cluster:
    """What `cluster.json` in the state dir records: enough for any later invocation to act on it."""

    state_dir: str
    brokers: int
    ports: list[int]
    controller_ports: list[int]
    cluster_id: str
    sasl: bool = False
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{p}" for p in self.ports)

    @property
    def replication(self) -> int:
        return min(3, self.brokers)

    @property
    def min_insync(self) -> int:
        return min(2, self.brokers)

    @property
    def credentials_file(self) -> Path:
        return Path(self.state_dir) / "credentials.env"

    def node_dir(self, node_id: int) -> Path:
        return Path(self.state_dir) / f"node-{node_id}"

    def pid_file(self, node_id: int) -> Path:
        return self.node_dir(node_id) / "kafka.pid"

    def log_file(self, node_id: int) -> Path:
        return self.node_dir(node_id) / "server.log"

    def client_env(self, role: str | None = None) -> dict[str, str]:
        """NEWSWIRE_ settings that connect a service to this cluster (as `role` when it has SASL)."""
        env = {
            "NEWSWIRE_KAFKA_BOOTSTRAP": self.bootstrap,
            "NEWSWIRE_TOPIC_REPLICATION": str(self.replication),
        }
        if self.sasl:
            role = role or "admin"
            env |= {
                "NEWSWIRE_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                "NEWSWIRE_KAFKA_SASL_MECHANISM": SCRAM,
                "NEWSWIRE_KAFKA_SASL_USERNAME": role,
                "NEWSWIRE_KAFKA_SASL_PASSWORD": self.passwords[role],
            }
        return env

    def client_options(self, role: str | None = None) -> dict[str, Any]:
        """kafka-python options for a plain client of this cluster: the services' own set-up, from
        the settings `client_env` gives."""
        from services.common.kafka import client_options
        from services.common.settings import Settings

        return client_options(Settings.from_env(self.client_env(role)))

    def save(self) -> None:
        (Path(self.state_dir) / "cluster.json").write_bytes(
            orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2)
        )

    @classmethod
    def load(cls, state_dir: Path) -> Cluster:
        path = state_dir / "cluster.json"
        if not path.exists():
            raise ClusterError(f"no cluster in {state_dir}: run `./dev kafka up` first")
        return cls(**orjson.loads(path.read_bytes()))


def _server_properties(cluster: Cluster, node_id: int) -> str:
    voters = ",".join(f"{i}@127.0.0.1:{p}" for i, p in enumerate(cluster.controller_ports, start=1))
    port, controller_port = cluster.ports[node_id - 1], cluster.controller_ports[node_id - 1]
    protocol = "SASL_PLAINTEXT" if cluster.sasl else "PLAINTEXT"
    lines = [
        "process.roles=broker,controller",
        f"node.id={node_id}",
        f"controller.quorum.voters={voters}",
        f"listeners=CLIENT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        f"advertised.listeners=CLIENT://127.0.0.1:{port}",
        f"listener.security.protocol.map=CLIENT:{protocol},CONTROLLER:{protocol}",
        "inter.broker.listener.name=CLIENT",
        "controller.listener.names=CONTROLLER",
        f"log.dirs={cluster.node_dir(node_id) / 'data'}",
        # Production shape: every topic (ours and Kafka's own) replicated, acks=all needs two copies.
        f"default.replication.factor={cluster.replication}",
        f"min.insync.replicas={cluster.min_insync}",
        f"offsets.topic.replication.factor={cluster.replication}",
        f"transaction.state.log.replication.factor={cluster.replication}",
        f"transaction.state.log.min.isr={cluster.min_insync}",
        "offsets.topic.num.partitions=5",
        "transaction.state.log.num.partitions=5",
        # Operators create topics on purpose; so must the services (ensure_topics).
        "auto.create.topics.enable=false",
        "group.initial.rebalance.delay.ms=0",
        # Tests and `newswire up` run consumer groups with a 2 s session (the broker's floor is 6 s).
        "group.min.session.timeout.ms=1000",
        "num.partitions=2",
        # Retention is enforced within seconds, so tests of an expiring topic need not wait minutes.
        "log.retention.check.interval.ms=1000",
        "log.segment.delete.delay.ms=0",
        "log.cleaner.dedupe.buffer.size=8388608",
        "num.network.threads=2",
        "num.io.threads=2",
        "background.threads=2",
        "num.recovery.threads.per.data.dir=1",
        f"share.coordinator.state.topic.replication.factor={cluster.replication}",
        f"share.coordinator.state.topic.min.isr={cluster.min_insync}",
    ]
    if cluster.sasl:
        pw = cluster.passwords
        lines += [
            f"sasl.enabled.mechanisms={SCRAM}",
            f"sasl.mechanism.inter.broker.protocol={SCRAM}",
            "sasl.mechanism.controller.protocol=PLAIN",
            "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
            "listener.name.controller.plain.sasl.jaas.config="
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="controller" password="{pw["controller"]}" user_controller="{pw["controller"]}";',
            f"listener.name.client.{SCRAM.lower()}.sasl.jaas.config="
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="admin" password="{pw["admin"]}";',
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users=User:admin;User:controller",
            "allow.everyone.if.no.acl.found=false",
        ]
    return "\n".join(lines) + "\n"


def _java_command(libs: Path, main_class: str, *args: str, log4j: Path) -> list[str]:
    java = shutil.which("java") or "java"
    return [
        java, *HEAP.split(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
        "-Djava.awt.headless=true", f"-Dlog4j2.configurationFile={log4j}",
        "-cp", f"{libs}/*", main_class, *args,
    ]  # fmt: skip


class LocalCluster:
    """Starts, stops and inspects the nodes of one cluster described by `Cluster`."""

    def __init__(self, cluster: Cluster, libs: Path) -> None:
        self.cluster = cluster
        self.libs = libs
        # Brokers this object started: kept so they are reaped when stopped (the CLI's outlive it).
        self._processes: dict[int, subprocess.Popen[bytes]] = {}

    @classmethod
    def create(
        cls,
        state_dir: Path,
        brokers: int = 3,
        sasl: bool = False,
        base_port: int | None = DEFAULT_BASE_PORT,
    ) -> LocalCluster:
        """Formats a new cluster in `state_dir` (emptied first); base_port None picks free ports."""
        problem = missing_tools()
        if problem:
            raise ClusterError(f"cannot run Apache Kafka here: {problem}")
        if brokers < 1:
            raise ClusterError(f"--brokers must be at least 1, not {brokers}")
        libs = resolve_jars()
        if base_port is None:
            ports = free_ports(2 * brokers)
            client_ports, controller_ports = ports[:brokers], ports[brokers:]
        else:
            client_ports = [base_port + i for i in range(brokers)]
            controller_ports = [base_port + 100 + i for i in range(brokers)]
            busy = [p for p in client_ports + controller_ports if _listening(p)]
            if busy:
                raise ClusterError(
                    f"port(s) {busy} on 127.0.0.1 are in use: is a cluster already up? (`./dev kafka down`)"
                )
        shutil.rmtree(state_dir, ignore_errors=True)
        state_dir.mkdir(parents=True)
        passwords = {role: secrets.token_urlsafe(12) for role in (*ROLES, "controller")} if sasl else {}
        cluster = Cluster(
            str(state_dir), brokers, client_ports, controller_ports, _cluster_id(), sasl, passwords
        )
        (state_dir / "log4j2.properties").write_text(LOG4J2)
        for node_id in range(1, brokers + 1):
            node = cluster.node_dir(node_id)
            node.mkdir()
            config = node / "server.properties"
            config.write_text(_server_properties(cluster, node_id))
            scram = [
                a
                for role in ROLES
                if sasl
                for a in ("--add-scram", f"{SCRAM}=[name={role},password={passwords[role]}]")
            ]
            done = subprocess.run(
                _java_command(libs, "kafka.tools.StorageTool", "format", "--config", str(config),
                              "--cluster-id", cluster.cluster_id, "--ignore-formatted", *scram,
                              log4j=state_dir / "log4j2.properties"),
                capture_output=True, text=True,
            )  # fmt: skip
            if done.returncode != 0:
                raise ClusterError(
                    f"kafka-storage format failed for node {node_id}:\n{done.stdout}{done.stderr}"
                )
        if sasl:
            cluster.credentials_file.write_text(
                "".join(f"{role.upper()}_PASSWORD={passwords[role]}\n" for role in ROLES)
                + f"SASL_MECHANISM={SCRAM}\nSECURITY_PROTOCOL=SASL_PLAINTEXT\n"
            )
            cluster.credentials_file.chmod(0o600)
        cluster.save()
        return cls(cluster, libs)

    @classmethod
    def open(cls, state_dir: Path) -> LocalCluster:
        return cls(Cluster.load(state_dir), resolve_jars())

    # -- nodes -------------------------------------------------------------------------------------

    def start_broker(self, node_id: int) -> int:
        """Starts one node on its existing data (in the background, in its own session); returns its pid."""
        self._check_id(node_id)
        if self.pid(node_id) is not None:
            return self.pid(node_id)  # type: ignore[return-value]
        node = self.cluster.node_dir(node_id)
        with open(self.cluster.log_file(node_id), "ab") as log:
            process = subprocess.Popen(
                _java_command(self.libs, "kafka.Kafka", str(node / "server.properties"),
                              log4j=Path(self.cluster.state_dir) / "log4j2.properties"),
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, cwd=node,
            )  # fmt: skip
        self._processes[node_id] = process
        self.cluster.pid_file(node_id).write_text(str(process.pid))
        return process.pid

    def stop_broker(self, node_id: int, sig: int = signal.SIGKILL) -> None:
        """SIGKILL by default: a crash, with no controlled shutdown."""
        self._check_id(node_id)
        pid = self.pid(node_id)
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + 60
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        process = self._processes.pop(node_id, None)
        if process is not None:
            process.wait()
        self.cluster.pid_file(node_id).unlink(missing_ok=True)

    def pid(self, node_id: int) -> int | None:
        path = self.cluster.pid_file(node_id)
        if not path.exists():
            return None
        pid = int(path.read_text())
        return pid if _alive(pid) else None

    def up(self, timeout_s: float = 180) -> None:
        for node_id in self.node_ids:
            self.start_broker(node_id)
        self.wait_ready(timeout_s)

    def down(self) -> None:
        for node_id in self.node_ids:
            self.stop_broker(node_id, signal.SIGKILL)
        shutil.rmtree(self.cluster.state_dir, ignore_errors=True)

    @property
    def node_ids(self) -> list[int]:
        return list(range(1, self.cluster.brokers + 1))

    def _check_id(self, node_id: int) -> None:
        if node_id not in self.node_ids:
            raise ClusterError(f"no broker {node_id}: this cluster has brokers {self.node_ids}")

    # -- readiness ---------------------------------------------------------------------------------

    def live_brokers(self, timeout_ms: int = 3000) -> set[int]:
        """Broker ids the cluster's metadata lists now (empty when none answers)."""
        from kafka import KafkaAdminClient

        try:
            admin = KafkaAdminClient(**self.cluster.client_options(), request_timeout_ms=timeout_ms)
        except Exception:
            return set()
        try:
            return {b["broker_id"] for b in admin.describe_cluster()["brokers"] if not b.get("is_fenced")}
        except Exception:
            return set()
        finally:
            admin.close()

    def wait_ready(self, timeout_s: float = 180, expect: Iterable[int] | None = None) -> None:
        """Returns once metadata lists every expected broker (default: all that are running)."""
        wanted = set(expect) if expect is not None else {i for i in self.node_ids if self.pid(i) is not None}
        deadline = time.monotonic() + timeout_s
        seen: set[int] = set()
        while time.monotonic() < deadline:
            for node_id in self.node_ids:
                if node_id in wanted and self.pid(node_id) is None:
                    raise ClusterError(
                        f"broker {node_id} exited during start-up; its log "
                        f"({self.cluster.log_file(node_id)}) ends:\n{_tail(self.cluster.log_file(node_id))}"
                    )
            seen = self.live_brokers()
            # A broker just restarted may still be listed from before its crash: its port tells.
            if wanted <= seen and all(_listening(self.cluster.ports[i - 1]) for i in wanted):
                return
            time.sleep(0.5)
        raise ClusterError(
            f"metadata listed brokers {sorted(seen)} of {sorted(wanted)} after {timeout_s:.0f}s"
        )

    def under_replicated(self) -> list[str]:
        """Partitions whose in-sync replicas are fewer than their replicas ("topic-partition")."""
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(**self.cluster.client_options(), request_timeout_ms=5000)
        try:
            return [
                f"{topic['name']}-{p['partition_index']}"
                for topic in admin.describe_topics()
                for p in topic["partitions"]
                if len(p["isr_nodes"]) < len(p["replica_nodes"])
            ]
        finally:
            admin.close()

    def wait_in_sync(self, timeout_s: float = 120) -> None:
        """Returns once every partition has all its replicas in sync again (after a broker came back):
        until then, losing another broker leaves some partition below min.insync.replicas."""
        deadline = time.monotonic() + timeout_s
        behind: list[str] = []
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                behind = self.under_replicated()
                if not behind:
                    return
            time.sleep(0.5)
        raise ClusterError(
            f"{len(behind)} partition(s) still under-replicated after {timeout_s:.0f}s: {behind[:5]}"
        )

    def leader_of(self, topic: str, partition: int) -> int:
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(**self.cluster.client_options())
        try:
            (described,) = admin.describe_topics([topic])
            for p in described["partitions"]:
                if p["partition_index"] == partition:
                    return p["leader_id"]
            raise ClusterError(f"{topic} has no partition {partition}")
        finally:
            admin.close()


def pipeline_acls(
    *,
    raw: str,
    enriched: str,
    dlq: str,
    copy_index: str,
    enrich_group: str,
    reader_group_prefix: str = "newswire-reader",
) -> list[tuple[str, str, str, str, str]]:
    """The least rights of each role: (principal, resource type, pattern type, name, operation).

    Faust's exactly-once producers have one transactional id per partition, prefixed with the group
    (the app id); topic DESCRIBE lets each client read metadata; CREATE is never granted, since topics
    are made by the admin (or `newswire topics` run as admin) before the services start.
    """
    rows = []
    for topic in (raw,):
        rows += [("ingest", "TOPIC", "LITERAL", topic, op) for op in ("WRITE", "DESCRIBE")]
    rows += [("enrich", "TOPIC", "LITERAL", raw, op) for op in ("READ", "DESCRIBE")]
    rows += [("enrich", "GROUP", "LITERAL", enrich_group, "READ")]
    for topic in (enriched, dlq):
        rows += [("enrich", "TOPIC", "LITERAL", topic, op) for op in ("WRITE", "DESCRIBE")]
    # The copy index is written by every worker and replayed by every worker.
    rows += [("enrich", "TOPIC", "LITERAL", copy_index, op) for op in ("WRITE", "READ", "DESCRIBE")]
    rows += [("enrich", "TRANSACTIONAL_ID", "PREFIXED", enrich_group, op) for op in ("WRITE", "DESCRIBE")]
    rows += [("reader", "TOPIC", "LITERAL", enriched, op) for op in ("READ", "DESCRIBE")]
    rows += [("reader", "GROUP", "PREFIXED", reader_group_prefix, "READ")]
    return rows


def grant(cluster: Cluster, rows: list[tuple[str, str, str, str, str]]) -> None:
    """Creates the ACLs, as admin."""
    from kafka import KafkaAdminClient
    from kafka.admin import (
        ACL,
        ACLOperation,
        ACLPermissionType,
        ACLResourcePatternType,
        ResourcePattern,
        ResourceType,
    )

    acls = [
        ACL(
            principal=f"User:{principal}",
            host="*",
            operation=ACLOperation[operation],
            permission_type=ACLPermissionType.ALLOW,
            resource_pattern=ResourcePattern(ResourceType[resource], name, ACLResourcePatternType[pattern]),
        )
        for principal, resource, pattern, name, operation in rows
    ]
    admin = KafkaAdminClient(**cluster.client_options("admin"))
    try:
        result = admin.create_acls(acls)
        if result["failed"]:
            raise ClusterError(f"could not create ACLs: {result['failed']}")
    finally:
        admin.close()


def _cluster_id() -> str:
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed, not yet reaped by its parent) is not a running broker.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            return False
    return True


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return "(no log)"


# -- `./dev kafka` ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="./dev kafka",
        description=f"A local Apache Kafka {KAFKA_VERSION} cluster (KRaft, loopback) from Maven Central.",
    )
    parser.add_argument("--state-dir", type=Path, default=default_state_dir(), help="default: %(default)s")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    up = verbs.add_parser("up", help="format and start a cluster; prints NEWSWIRE_KAFKA_BOOTSTRAP=... last")
    up.add_argument("--brokers", type=int, default=3, help="combined broker+controller nodes (default 3)")
    up.add_argument("--sasl", action="store_true", help="SCRAM-SHA-512 + ACLs, one principal per role")
    up.add_argument(
        "--base-port", type=int, default=DEFAULT_BASE_PORT, help="first client port (default %(default)s)"
    )
    stop = verbs.add_parser("stop-broker", help="SIGKILL one broker, as a crash does")
    stop.add_argument("id", type=int)
    start = verbs.add_parser(
        "start-broker", help="restart one broker on its data; returns once it is in sync"
    )
    start.add_argument("id", type=int)
    verbs.add_parser("down", help="stop every broker and remove the cluster's data")
    verbs.add_parser("status", help="which brokers run, and which the metadata lists")
    verbs.add_parser("env", help="print the NEWSWIRE_ settings that point the services at the cluster")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except ClusterError as exc:
        print(f"newswire kafka: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.verb == "up":
        with contextlib.suppress(ClusterError):
            previous = LocalCluster.open(args.state_dir)
            if any(previous.pid(i) for i in previous.node_ids):
                raise ClusterError(
                    f"a cluster is already running from {args.state_dir}: `./dev kafka down` first"
                )
        print(f"resolving Apache Kafka {KAFKA_VERSION} with Maven ...", file=sys.stderr)
        cluster = LocalCluster.create(args.state_dir, args.brokers, args.sasl, args.base_port)
        print(f"starting {args.brokers} broker(s) in {args.state_dir} ...", file=sys.stderr)
        cluster.up()
        if cluster.cluster.sasl:
            from services.common.settings import Settings

            defaults = Settings.from_env({})
            grant(
                cluster.cluster,
                pipeline_acls(
                    raw=defaults.topic_raw,
                    enriched=defaults.topic_enriched,
                    dlq=defaults.topic_dlq,
                    copy_index=defaults.topic_copy_index,
                    enrich_group=defaults.enrich_group,
                ),
            )
            print(f"credentials (one SCRAM-SHA-512 user per role): {cluster.cluster.credentials_file}")
        print(f"NEWSWIRE_TOPIC_REPLICATION={cluster.cluster.replication}")
        print(f"NEWSWIRE_KAFKA_BOOTSTRAP={cluster.cluster.bootstrap}")
        return 0
    cluster = LocalCluster.open(args.state_dir)
    if args.verb == "stop-broker":
        cluster.stop_broker(args.id)
    elif args.verb == "start-broker":
        cluster.start_broker(args.id)
        cluster.wait_ready(expect={args.id})
        cluster.wait_in_sync()
    elif args.verb == "down":
        cluster.down()
    elif args.verb == "status":
        listed = cluster.live_brokers()
        for node_id in cluster.node_ids:
            pid = cluster.pid(node_id)
            state = f"running (pid {pid})" if pid else "stopped"
            print(f"broker {node_id} 127.0.0.1:{cluster.cluster.ports[node_id - 1]} {state}"
                  f"{', in metadata' if node_id in listed else ''}")  # fmt: skip
    elif args.verb == "env":
        for name, value in cluster.cluster.client_env().items():
            print(f"{name}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
