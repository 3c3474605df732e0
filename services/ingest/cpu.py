"""The ingest process keeps to one CPU.

Its Python work runs on two threads that take turns holding the GIL: the event loop (HTTP) and
kafka-python's network thread. Left to the scheduler, they sit on different cores, and every hand-over
of the GIL is a wake-up sent across cores: on the 2-core development machines that cost a third more
CPU per single-article request and a third of the throughput (issue 11; README, Benchmarks). On one
CPU a hand-over is a plain context switch. A second core gives the process nothing (one thread holds
the GIL at a time), and the broker, the workers and the clients keep it.
"""

from __future__ import annotations

import os

from services.common.exceptions import SettingsError


def choose_cpu(setting: str, allowed: set[int], current: int) -> int | None:
    """The CPU to keep to, or None to leave the scheduler free.

    "off": None. A number: that CPU, which must be one the process may use. "auto": the one it runs on
    (`current`), where the scheduler put it at start-up: several ingest processes on one host spread as
    the scheduler spread them. Not a choice by process id: in containers every ingest is process 1.
    With a single CPU there is nothing to choose.
    """
    if setting == "off" or len(allowed) < 2:
        return None
    if setting == "auto":
        return current if current in allowed else min(allowed)
    cpu = int(setting)
    if cpu not in allowed:
        usable = ", ".join(str(c) for c in sorted(allowed))
        raise SettingsError(f"NEWSWIRE_INGEST_CPU={cpu} is not a CPU this process may use ({usable})")
    return cpu


def keep_to_one_cpu(setting: str) -> int | None:
    """Applies `choose_cpu` to this process; returns the CPU, or None where nothing was changed.

    Call it before any thread starts: Linux sets the calling thread's mask, and threads inherit it.
    """
    if not hasattr(os, "sched_setaffinity"):  # Linux only; elsewhere the scheduler decides
        return None
    cpu = choose_cpu(setting, os.sched_getaffinity(0), current_cpu())
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    return cpu


def current_cpu() -> int:
    """The CPU this process last ran on: field 39 of /proc/self/stat (the fields after the name)."""
    with open("/proc/self/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[36])
