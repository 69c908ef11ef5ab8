"""The process-tree and host reader, on real processes (procfs fast path and psutil)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from profiler import procfs
from profiler.host import HostReader

BUSY = "import time\nt=time.time()\nwhile time.time()-t<0.3: pass\ntime.sleep(5)"


@pytest.fixture
def children() -> list[subprocess.Popen[bytes]]:
    procs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(2)]
    time.sleep(0.05)
    yield procs
    for p in procs:
        p.kill()
        p.wait()


@pytest.mark.parametrize("fast", [True, False] if procfs.available() else [False])
def test_tree_cpu_rss_and_children_only(children: list[subprocess.Popen[bytes]], fast: bool) -> None:
    h = HostReader(os.getpid(), use_procfs=fast)
    h.read()
    assert {p.pid for p in children} | {os.getpid()} <= h.pids
    time.sleep(0.25)
    row = h.read()
    assert row[0] > 0.1  # two busy children: measurable CPU even on a loaded 2-core machine
    assert row[1] > 10 * 2**20  # RSS of three Python processes
    assert 0 <= row[2] <= 100 and 0 <= row[3] <= 100
    only = HostReader(os.getpid(), use_procfs=fast, children_only=True)
    assert os.getpid() not in only.pids and {p.pid for p in children} <= only.pids
    h.close()
    only.close()


def test_exited_children_cpu_is_kept_through_reaped_counters() -> None:
    h = HostReader(os.getpid(), children_only=True)
    h.read()
    subprocess.run([sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<0.3: pass"],
                   check=True)  # starts and ends between two readings
    row = h.read()
    assert row[0] > 0  # its CPU arrived through this process's children counters
    assert h.pids == frozenset()


def test_procfs_parsers() -> None:
    stat = b"123 (my (odd) name) S 1 2 3 4 5 6 7 8 9 10 200 100 50 25 20 0 1 0 99 1000 256 rest"
    own, kids, rss = procfs.pid_stat(stat)
    assert own == 300 / procfs.CLK_TCK and kids == 75 / procfs.CLK_TCK and rss == 256 * procfs.PAGE_SIZE
    total, idle, iow = procfs.host_cpu(b"cpu  10 0 5 80 5 0 0 0 0 0\ncpu0 1 2\n")
    assert (total, idle, iow) == (100.0, 80.0, 5.0)
    net = (b"Inter-|   Receive\n face |bytes\n    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n"
           b"  eth0: 100 1 0 0 0 0 0 0 40 1 0 0 0 0 0 0\n")
    assert procfs.net_bytes(net) == (100, 40)
    disk = b"   8 0 sda 1 0 10 0 2 0 20 0 0 0 0\n   8 1 sda1 1 0 10 0 2 0 20 0 0 0 0\n"
    assert procfs.disk_bytes(disk, frozenset({b"sda"})) == (5120, 10240)
