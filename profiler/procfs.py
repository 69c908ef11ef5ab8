"""Linux fast path for the host reader: ``/proc`` files opened once and re-read with ``pread``.

Opening a ``/proc`` file costs more than reading it, so each file (``/proc/stat``,
``/proc/diskstats``, ``/proc/net/dev`` and ``/proc/<pid>/stat`` of every process in the tree)
keeps one descriptor for the life of the run and is read from offset 0 at every sample. One read
of ``/proc/<pid>/stat`` gives both CPU times and resident memory. Used only where ``/proc``
exists; elsewhere :mod:`profiler.host` uses psutil.
"""

from __future__ import annotations

import os

__all__ = ["ProcFile", "available", "pid_stat", "host_cpu", "disk_bytes", "net_bytes",
           "CLK_TCK", "PAGE_SIZE"]

CLK_TCK = float(os.sysconf("SC_CLK_TCK")) if hasattr(os, "sysconf") else 100.0
PAGE_SIZE = int(os.sysconf("SC_PAGE_SIZE")) if hasattr(os, "sysconf") else 4096
_BUF = 1 << 16


def available() -> bool:
    return os.path.exists("/proc/self/stat") and os.path.exists("/proc/stat")


class ProcFile:
    """A ``/proc`` file kept open; :meth:`read` returns its current content."""

    __slots__ = ("fd",)

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))

    def read(self) -> bytes:
        return os.pread(self.fd, _BUF, 0)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def pid_stat(data: bytes) -> tuple[float, float, int]:
    """(own CPU s, reaped children CPU s, RSS bytes) from ``/proc/<pid>/stat``."""
    f = data[data.rindex(b")") + 2:].split()
    # after "pid (comm) ": state=0 ... utime=11 stime=12 cutime=13 cstime=14 ... rss=21
    own = (int(f[11]) + int(f[12])) / CLK_TCK
    children = (int(f[13]) + int(f[14])) / CLK_TCK
    return own, children, int(f[21]) * PAGE_SIZE


def host_cpu(data: bytes) -> tuple[float, float, float]:
    """(total, idle, iowait) ticks from the first line of ``/proc/stat``."""
    line = data[:data.index(b"\n")].split()
    vals = [int(x) for x in line[1:9]]  # user nice system idle iowait irq softirq steal
    return float(sum(vals)), float(vals[3]), float(vals[4])


def disk_bytes(data: bytes, disks: frozenset[bytes]) -> tuple[int, int]:
    read = written = 0
    for line in data.split(b"\n"):
        f = line.split()
        if len(f) > 9 and f[2] in disks:
            read += int(f[5]) * 512
            written += int(f[9]) * 512
    return read, written


def net_bytes(data: bytes) -> tuple[int, int]:
    """Bytes received and sent on every interface but loopback."""
    recv = sent = 0
    for line in data.split(b"\n")[2:]:
        name, sep, rest = line.partition(b":")
        if not sep or name.strip() == b"lo":
            continue
        f = rest.split()
        recv += int(f[0])
        sent += int(f[8])
    return recv, sent
