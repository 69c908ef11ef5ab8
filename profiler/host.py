"""CPU, memory and I/O of the run's process tree and of the host, through psutil.

Built for a tiny per-sample cost: ``psutil.Process`` objects are kept between samples, the tree
is re-walked only every ``tree_refresh_s`` (walking ``/proc`` is the expensive part), and CPU is
computed from cumulative CPU-time deltas. CPU time of children that exited and were reaped by
the root is kept through the root's ``children_user``/``children_system`` counters.
"""

from __future__ import annotations

import os
import time
from typing import Any

import psutil

__all__ = ["HostReader", "HOST_FIELDS"]

HOST_FIELDS = ("cpu", "rss", "hcpu", "iow", "dr", "dw", "nr", "ns")
"""Values of a host reading: tree CPU in cores, tree RSS bytes, host CPU %, iowait %, and disk
read/write and network receive/send bytes since the previous reading."""


def _cpu_total(times: Any) -> float:
    return float(times.user + times.system)


class HostReader:
    """Samples one process tree (root ``pid`` and its descendants) and the host."""

    def __init__(self, pid: int, tree_refresh_s: float = 5.0, children_only: bool = False) -> None:
        self.root = psutil.Process(pid)
        self.children_only = children_only
        """Measure only the root's descendants (``finml profile`` measures its command, not
        itself); CPU of exited children still counts through the root's children counters."""
        self.tree_refresh_s = tree_refresh_s
        self.cpu_count = psutil.cpu_count() or 1
        self.errors = 0
        self.last_error: str | None = None
        self._procs: dict[int, psutil.Process] = {pid: self.root}
        self._next_refresh = 0.0
        self._last_t = time.monotonic()
        self._last_proc_cpu = self._tree_cpu()
        self._last_host = psutil.cpu_times()
        self._last_disk = self._disk()
        self._last_net = self._net()

    @property
    def pids(self) -> set[int]:
        if self.children_only:
            return {pid for pid in self._procs if pid != self.root.pid}
        return set(self._procs)

    def refresh_tree(self) -> None:
        try:
            kids = self.root.children(recursive=True)
        except psutil.Error:
            return
        procs = {self.root.pid: self.root}
        for p in kids:
            procs[p.pid] = self._procs.get(p.pid, p)  # reuse objects: psutil caches per Process
        self._procs = procs

    def _tree_cpu(self) -> float:
        total = 0.0
        dead = []
        for pid, p in self._procs.items():
            try:
                t = p.cpu_times()
            except psutil.Error:
                dead.append(pid)
                continue
            if p is self.root:
                total += float(t.children_user + t.children_system)
                if self.children_only:
                    continue
            total += _cpu_total(t)
        for pid in dead:
            if pid != self.root.pid:
                self._procs.pop(pid, None)
        return total

    def _rss(self) -> int:
        rss = 0
        for p in self._procs.values():
            if self.children_only and p is self.root:
                continue
            try:
                rss += p.memory_info().rss
            except psutil.Error:
                continue
        return rss

    @staticmethod
    def _disk() -> tuple[int, int]:
        try:
            d = psutil.disk_io_counters()
        except (OSError, RuntimeError):
            return (0, 0)
        return (d.read_bytes, d.write_bytes) if d else (0, 0)

    @staticmethod
    def _net() -> tuple[int, int]:
        try:
            n = psutil.net_io_counters()
        except (OSError, RuntimeError):
            return (0, 0)
        return (n.bytes_recv, n.bytes_sent) if n else (0, 0)

    def alive(self) -> bool:
        try:
            return self.root.is_running() and self.root.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def read(self) -> list[Any]:
        """One reading in :data:`HOST_FIELDS` order."""
        now = time.monotonic()
        if now >= self._next_refresh:
            self.refresh_tree()
            self._next_refresh = now + self.tree_refresh_s
        dt = max(now - self._last_t, 1e-6)
        cpu = self._tree_cpu()
        cores = max(cpu - self._last_proc_cpu, 0.0) / dt
        host = psutil.cpu_times()
        last = self._last_host
        total = sum(host) - sum(last)
        idle = host.idle - last.idle
        iow = getattr(host, "iowait", 0.0) - getattr(last, "iowait", 0.0)
        hcpu = 100.0 * (total - idle - iow) / total if total > 0 else 0.0
        iow_pct = 100.0 * iow / total if total > 0 else 0.0
        disk, net = self._disk(), self._net()
        row = [round(cores, 3), self._rss(), round(hcpu, 1), round(iow_pct, 1),
               max(disk[0] - self._last_disk[0], 0), max(disk[1] - self._last_disk[1], 0),
               max(net[0] - self._last_net[0], 0), max(net[1] - self._last_net[1], 0)]
        self._last_t, self._last_proc_cpu, self._last_host = now, cpu, host
        self._last_disk, self._last_net = disk, net
        return row

    def cpu_claim(self) -> tuple[int, ...]:
        """Cores the run may use (its CPU affinity), the basis of a CPU run's host share."""
        try:
            return tuple(sorted(os.sched_getaffinity(self.root.pid)))
        except (AttributeError, OSError):
            return tuple(range(self.cpu_count))
