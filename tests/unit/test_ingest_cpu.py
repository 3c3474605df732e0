import json
import os
import subprocess
import sys

import pytest

from services.common.exceptions import SettingsError
from services.ingest.cpu import choose_cpu, current_cpu


def test_off_and_a_single_cpu_leave_the_scheduler_free():
    assert choose_cpu("off", {0, 1, 2, 3}, current=1) is None
    assert choose_cpu("auto", {3}, current=3) is None
    assert choose_cpu("3", {3}, current=3) is None


def test_auto_stays_where_the_scheduler_put_the_process():
    assert [choose_cpu("auto", {2, 5, 7}, current) for current in (2, 5, 7)] == [2, 5, 7]
    assert choose_cpu("auto", {2, 5, 7}, current=3) == 2  # not a CPU it may use: the first that is


def test_a_number_must_be_a_cpu_the_process_may_use():
    assert choose_cpu("5", {2, 5}, current=2) == 5
    with pytest.raises(SettingsError, match=r"NEWSWIRE_INGEST_CPU=4 .*\(2, 5\)"):
        choose_cpu("4", {2, 5}, current=2)


def test_thecurrent_cpu_is_read_from_proc():
    if not os.path.exists("/proc/self/stat"):
        pytest.skip("Linux only")
    # Pinned to one CPU in a child, the reading must be that CPU.
    allowed = sorted(os.sched_getaffinity(0))
    script = f"import os; os.sched_setaffinity(0, {{{allowed[-1]}}}); from services.ingest.cpu import current_cpu; print(current_cpu())"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert int(out) == allowed[-1]
    assert current_cpu() in allowed


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs"
)
def test_threads_started_after_the_call_keep_to_the_same_cpu():
    # In a child process: pinning the test process would slow the rest of the suite.
    script = (
        "import json, os, threading\n"
        "from services.ingest.cpu import keep_to_one_cpu\n"
        "cpu = keep_to_one_cpu('auto')\n"
        "seen = []\n"
        "t = threading.Thread(target=lambda: seen.append(sorted(os.sched_getaffinity(0))))\n"
        "t.start(); t.join()\n"
        "print(json.dumps([cpu, sorted(os.sched_getaffinity(0)), seen[0]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    cpu, main_mask, thread_mask = json.loads(out)
    assert cpu in os.sched_getaffinity(0)
    assert main_mask == [cpu]
    assert thread_mask == [cpu]
