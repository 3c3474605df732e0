"""The embedded broker ends with `newswire broker`, however that ends, and never shares a taken port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.common.broker import BrokerError, EmbeddedBroker, free_port
from tests.conftest import REPO

pytestmark = pytest.mark.integration


def children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended; only its entry waits


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_sigkill_of_newswire_broker_leaves_no_broker_and_frees_the_port(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env["NEWSWIRE_BROKER_PORT"] = str(port)
    with open(tmp_path / "broker.log", "wb") as log:
        parent = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "broker"], cwd=REPO, env=env, stdout=log, stderr=log
        )
    brokers: list[int] = []
    try:
        wait_for(lambda: "Kafka protocol on" in (tmp_path / "broker.log").read_text(), 60, "the broker")
        brokers = children_of(parent.pid)
        assert len(brokers) == 1, f"expected one broker child, found {brokers}"
        assert not port_free(port)

        parent.send_signal(signal.SIGKILL)
        parent.wait(10)

        wait_for(lambda: not alive(brokers[0]), 10, f"broker {brokers[0]} to end")
        wait_for(lambda: port_free(port), 10, f"port {port} to be free")
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in brokers:  # an orphan left by a failing run must not hold the port for later tests
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_sigkill_of_newswire_up_leaves_no_broker_ingest_or_worker(tmp_path):
    ports = {name: free_port() for name in ("BROKER", "INGEST", "ENRICH")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env |= {f"NEWSWIRE_{name}_PORT": str(port) for name, port in ports.items()}
    env |= {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    log_path = tmp_path / "up.log"
    with open(log_path, "wb") as log:
        parent = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "up", "--quiet"], cwd=REPO, env=env, stdout=log, stderr=log
        )
    children: list[int] = []
    try:
        wait_for(lambda: "newswire is up" in log_path.read_text(errors="replace"), 180, "newswire up")
        assert "auth:     off" in log_path.read_text(), "up prints whether auth is on"
        children = children_of(parent.pid)
        assert len(children) == 3, f"expected broker, ingest and enrich, found {children}"

        parent.send_signal(signal.SIGKILL)
        parent.wait(10)

        for pid in children:
            wait_for(lambda pid=pid: not alive(pid), 20, f"child {pid} of newswire up to end")
        for name, port in ports.items():
            wait_for(lambda port=port: port_free(port), 10, f"the {name.lower()} port {port} to be free")
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_broker_on_a_taken_port_fails_at_once_naming_the_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        broker = EmbeddedBroker(port=port)
        with pytest.raises(BrokerError, match=rf"port {port}\b"):
            broker.start()
        assert broker.pid is None, "refused before any broker process was started"


def test_a_port_bound_but_not_listening_is_taken_too():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        with pytest.raises(BrokerError, match=rf"port {port}\b"):
            EmbeddedBroker(port=port).start()
