"""Which finml runs share this host, when, and what each of them claims.

Concurrent runs on one host split its cost. Each run process keeps a small file under
``DATA_DIR/hosts/<host>/active/`` with its claim (GPUs by UUID with MIG slice fractions, or the
CPU cores of its affinity) and the time it started (``since``); at the end it writes the time
it stopped (``until``) and the file stays a day for runs that overlapped it. A run killed before
writing ``until`` ends at its last heartbeat (the file's mtime, renewed at every flush).

:meth:`ActiveRuns.share` turns the claims active at an instant into this run's share of the host
as an exact fraction: each GPU is split between the runs on it, and a CPU-only run's cores are
split the same way between CPU-only runs. :meth:`ActiveRuns.changes` lists the instants at which
other runs started or stopped, so shares are exact in time, not just sampled at flushes.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from finml.store import default_data_dir

__all__ = ["Claim", "ActiveRuns"]

_KEEP_ENDED_S = 86400.0


@dataclass(frozen=True, slots=True)
class Claim:
    """``gpus`` maps device UUID (GPU or MIG instance) to its fraction of a physical GPU;
    ``cpus`` lists the cores in the run's CPU affinity (the basis of the share only when
    ``gpus`` is empty)."""

    run_id: str
    pid: int
    gpus: dict[str, float]
    cpus: tuple[int, ...]
    since: float = 0.0
    until: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "pid": self.pid, "gpus": self.gpus,
                "cpus": list(self.cpus), "since": self.since, "until": self.until}

    def active_at(self, t: float) -> bool:
        return self.since <= t and (self.until is None or self.until > t)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ActiveRuns:
    """The host's registry of runs (one directory, one small JSON file per run process)."""

    def __init__(self, data_dir: Path | None = None, host: str | None = None,
                 stale_s: float = 60.0) -> None:
        self.host = host or socket.gethostname()
        self.dir = (data_dir or default_data_dir()) / "hosts" / self.host / "active"
        self.stale_s = stale_s

    def _path(self, claim: Claim) -> Path:
        return self.dir / f"{claim.run_id}.{claim.pid}.json"

    def register(self, claim: Claim) -> Claim:
        """Write ``claim`` (``since`` defaults to now); returns the claim as written."""
        if not claim.since:
            claim = replace(claim, since=time.time())
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self._path(claim)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(claim.to_json()), encoding="utf-8")
        os.replace(tmp, path)
        return claim

    def heartbeat(self, claim: Claim) -> None:
        path = self._path(claim)
        try:
            os.utime(path)
        except FileNotFoundError:
            self.register(claim)

    def unregister(self, claim: Claim, at: float | None = None) -> None:
        """Mark the claim ended (kept a day for overlapping runs) and drop old entries."""
        self.register(replace(claim, until=time.time() if at is None else at))
        now = time.time()
        for c, path in self._entries():
            if c.until is not None and now - c.until > _KEEP_ENDED_S:
                path.unlink(missing_ok=True)

    def _entries(self, min_mtime: float = 0.0) -> list[tuple[Claim, Path]]:
        """Registry entries last written at or after ``min_mtime`` (older files are not read:
        an ended entry is written last at its end, a live one at every heartbeat)."""
        out: list[tuple[Claim, Path]] = []
        try:
            entries = list(self.dir.glob("*.json"))
        except OSError:
            return out
        for p in entries:
            try:
                mtime = p.stat().st_mtime
                if mtime < min_mtime:
                    continue
                d = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            until = d.get("until")
            if until is None and (not _pid_alive(int(d["pid"]))):
                until = mtime  # killed: it ran until its last heartbeat
            c = Claim(d["run_id"], int(d["pid"]), dict(d.get("gpus") or {}),
                      tuple(int(x) for x in d.get("cpus") or ()), float(d.get("since") or 0.0),
                      float(until) if until is not None else None)
            out.append((c, p))
        return out

    def history(self, since: float = 0.0) -> list[Claim]:
        """Claims that were active at some point after ``since``."""
        now = time.time()
        out = []
        for c, p in self._entries(min_mtime=since - self.stale_s):
            if c.until is not None and c.until <= since:
                continue
            if c.until is None and not self._fresh(p, now):
                continue
            out.append(c)
        return out

    def _fresh(self, path: Path, now: float) -> bool:
        """Whether an open claim's heartbeat file was touched within ``stale_s``."""
        try:
            return now - path.stat().st_mtime <= self.stale_s
        except OSError:
            return False

    def active(self, now: float | None = None) -> list[Claim]:
        now = time.time() if now is None else now
        out = []
        for c, p in self._entries(min_mtime=now - self.stale_s):
            if c.until is None and self._fresh(p, now):
                out.append(c)
        return out

    @staticmethod
    def changes(claims: list[Claim], mine: Claim, after: float, upto: float) -> list[float]:
        """Instants in ``(after, upto]`` at which another run started or stopped."""
        points = set()
        for c in claims:
            if c.run_id == mine.run_id:
                continue
            for t in (c.since, c.until):
                if t is not None and after < t <= upto:
                    points.add(t)
        return sorted(points)

    def share(self, mine: Claim, host_gpus: int, host_cpus: int,
              others: list[Claim] | None = None, at: float | None = None) -> Fraction:
        """This run's share of the host with ``others`` (default: the registry now), counting
        only claims active at ``at`` when given. Processes of the same run count as one run."""
        pool = self.active() if others is None else others
        active = [c for c in pool if c.run_id != mine.run_id and (at is None or c.active_at(at))]
        if mine.gpus and host_gpus > 0:
            total = Fraction(0)
            for uuid, frac in mine.gpus.items():
                sharing = 1 + len({c.run_id for c in active if uuid in c.gpus})
                total += Fraction(frac).limit_denominator(1000) / sharing
            return total / host_gpus
        if host_cpus <= 0:
            return Fraction(1)
        total = Fraction(0)
        for core in mine.cpus:
            sharing = 1 + len({c.run_id for c in active if not c.gpus and core in c.cpus})
            total += Fraction(1, sharing)
        return min(total / host_cpus, Fraction(1))
