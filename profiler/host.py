"""CPU, memory and I/O of the run's process tree and of the host.

Built for a tiny per-sample cost. On Linux the ``/proc`` files are opened once and re-read (see
:mod:`profiler.procfs`); elsewhere psutil ``Process`` objects are kept between samples. The tree
is re-walked only every ``tree_refresh_s`` (through ``/proc/<pid>/task/<tid>/children`` where
available, so only the tree is read, not every process on the host), and CPU is computed from
cumulative CPU-time deltas. CPU time of processes that exited is kept through their parents'
reaped-children counters. Network I/O excludes loopback on Linux.
"""

from __future__ import annotations

import os
import time
from typing import Any

import psutil

from profiler import procfs

__all__ = ["HostReader", "HOST_FIELDS"]

HOST_FIELDS = ("cpu", "rss", "hcpu", "iow", "dr", "dw", "nr", "ns")
"""Values of a host reading: tree CPU in cores, tree RSS bytes, host CPU %, iowait %, and disk
read/write and network receive/send bytes since the previous reading."""


class HostReader:
    """Samples one process tree (root ``pid`` and its descendants) and the host."""

    def __init__(self, pid: int, tree_refresh_s: float = 2.0, children_only: bool = False,
                 use_procfs: bool | None = None) -> None:
        self.root = psutil.Process(pid)
        self.root_pid = pid
        self.children_only = children_only
        """Measure only the root's descendants (``finml profile`` measures its command, not
        itself); CPU of exited children still counts through the root's children counters."""
        self.tree_refresh_s = tree_refresh_s
        self.cpu_count = psutil.cpu_count() or 1
        self.errors = 0
        self.last_error: str | None = None
        self.fast = procfs.available() if use_procfs is None else use_procfs
        self._tree: dict[int, Any] = {}
        self._pids: frozenset[int] = frozenset()
        self._next_refresh = 0.0
        if self.fast:
            self._stat = procfs.ProcFile("/proc/stat")
            self._diskstats = procfs.ProcFile("/proc/diskstats")
            self._netdev = procfs.ProcFile("/proc/net/dev")
            self._disks = frozenset(d.encode() for d in _whole_disks() or ())
        self._add(pid)
        self.refresh_tree()
        self._next_refresh = time.monotonic() + tree_refresh_s
        self._last_t = time.monotonic()
        self._last_proc_cpu = self._tree_stats()[0]
        self._last_host = self._host_cpu()
        self._last_disk = self._disk()
        self._last_net = self._net()

    # -- the tree ---------------------------------------------------------------------------------
    def _add(self, pid: int) -> None:
        try:
            self._tree[pid] = (procfs.ProcFile(f"/proc/{pid}/stat") if self.fast
                               else (self.root if pid == self.root_pid else psutil.Process(pid)))
        except (OSError, psutil.Error):
            return

    def _drop(self, pid: int) -> None:
        h = self._tree.pop(pid, None)
        if isinstance(h, procfs.ProcFile):
            h.close()

    @property
    def pids(self) -> frozenset[int]:
        """Process ids of the measured tree (rebuilt only when the tree changes)."""
        return self._pids

    def _update_pids(self) -> None:
        pids = frozenset(self._tree)
        self._pids = pids - {self.root_pid} if self.children_only else pids

    def refresh_tree(self) -> None:
        kids = _descendants_proc(self.root_pid)
        if kids is None:  # no /proc/<pid>/task/<tid>/children: let psutil scan every process
            try:
                kids = [p.pid for p in self.root.children(recursive=True)]
            except psutil.Error:
                return
        wanted = {self.root_pid, *kids}
        for pid in [p for p in self._tree if p not in wanted]:
            self._drop(pid)
        for pid in wanted:
            if pid not in self._tree:
                self._add(pid)
        self._update_pids()

    def _tree_stats(self) -> tuple[float, int]:
        """(CPU seconds, RSS bytes) of the tree, including reaped children's CPU."""
        cpu = 0.0
        rss = 0
        dead = []
        for pid, h in self._tree.items():
            root = pid == self.root_pid
            try:
                if self.fast:
                    own, kids, mem = procfs.pid_stat(h.read())
                else:
                    t = h.cpu_times()
                    own, kids = float(t.user + t.system), float(t.children_user + t.children_system)
                    mem = h.memory_info().rss
            except (OSError, ValueError, IndexError, psutil.Error):
                dead.append(pid)
                continue
            # reaped children's CPU counts for every member: when a process of the tree exits,
            # its CPU moves from the live sum into its parent's counter, keeping the sum steady
            cpu += kids
            if root and self.children_only:
                continue
            cpu += own
            rss += mem
        for pid in dead:
            if pid != self.root_pid:
                self._drop(pid)
        if dead:
            self._update_pids()
        return cpu, rss

    # -- the host ---------------------------------------------------------------------------------
    def _host_cpu(self) -> tuple[float, float, float]:
        if self.fast:
            return procfs.host_cpu(self._stat.read())
        t = psutil.cpu_times()
        return float(sum(t)), float(t.idle), float(getattr(t, "iowait", 0.0))

    def _disk(self) -> tuple[int, int]:
        if self.fast:
            return procfs.disk_bytes(self._diskstats.read(), self._disks)
        try:
            d = psutil.disk_io_counters()
        except (OSError, RuntimeError):
            return (0, 0)
        return (d.read_bytes, d.write_bytes) if d else (0, 0)

    def _net(self) -> tuple[int, int]:
        if self.fast:
            return procfs.net_bytes(self._netdev.read())
        try:
            n = psutil.net_io_counters()
        except (OSError, RuntimeError):
            return (0, 0)
        return (n.bytes_recv, n.bytes_sent) if n else (0, 0)

    def read(self) -> list[Any]:
        """One reading in :data:`HOST_FIELDS` order."""
        now = time.monotonic()
        if now >= self._next_refresh:
            self.refresh_tree()
            self._next_refresh = now + self.tree_refresh_s
        dt = max(now - self._last_t, 1e-6)
        cpu, rss = self._tree_stats()
        cores = max(cpu - self._last_proc_cpu, 0.0) / dt
        total, idle, iow = self._host_cpu()
        ltotal, lidle, liow = self._last_host
        dtot = total - ltotal
        hcpu = 100.0 * (dtot - (idle - lidle) - (iow - liow)) / dtot if dtot > 0 else 0.0
        iow_pct = 100.0 * (iow - liow) / dtot if dtot > 0 else 0.0
        disk, net = self._disk(), self._net()
        row = [round(cores, 3), rss, round(hcpu, 1), round(iow_pct, 1),
               max(disk[0] - self._last_disk[0], 0), max(disk[1] - self._last_disk[1], 0),
               max(net[0] - self._last_net[0], 0), max(net[1] - self._last_net[1], 0)]
        self._last_t, self._last_proc_cpu, self._last_host = now, cpu, (total, idle, iow)
        self._last_disk, self._last_net = disk, net
        return row

    def alive(self) -> bool:
        try:
            return self.root.is_running() and self.root.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def cpu_claim(self) -> tuple[int, ...]:
        """Cores the run may use (its CPU affinity), the basis of a CPU run's host share."""
        try:
            return tuple(sorted(os.sched_getaffinity(self.root_pid)))
        except (AttributeError, OSError):
            return tuple(range(self.cpu_count))

    def close(self) -> None:
        for pid in list(self._tree):
            self._drop(pid)
        if self.fast:
            for f in (self._stat, self._diskstats, self._netdev):
                f.close()


def _has_proc_children() -> bool:
    pid = os.getpid()
    return os.path.exists(f"/proc/{pid}/task/{pid}/children")


_PROC_CHILDREN = _has_proc_children()


def _descendants_proc(root: int) -> list[int] | None:
    """Descendants of ``root`` from ``/proc/<pid>/task/<tid>/children`` (Linux): a walk of the
    tree only, instead of reading every process on the host. None where unsupported."""
    if not _PROC_CHILDREN:
        return None
    out: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:  # exited meanwhile
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", "rb") as fh:
                    kids = [int(x) for x in fh.read().split()]
            except OSError:
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


def _whole_disks() -> frozenset[str] | None:
    """Whole block devices (not partitions, not loop/ram/zram); None when unknown."""
    try:
        names = os.listdir("/sys/block")
    except OSError:
        return None
    return frozenset(n for n in names if not n.startswith(("loop", "ram", "zram")))
