"""Which finml runs are active on this host right now, and what each of them claims.

Concurrent runs on one host split its cost. Each run keeps a small file under
``DATA_DIR/hosts/<host>/active/`` naming the GPUs (by UUID, with MIG slice fractions) or CPU cores
it uses, renewed at every ledger flush; entries whose process is gone or whose heartbeat is older
than ``stale_s`` are ignored. :meth:`ActiveRuns.share` turns the claims into this run's share of
the host as an exact fraction: each GPU is split between the runs on it, and a CPU-only run's
cores (its CPU affinity) are split the same way between CPU-only runs.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from finml.store import default_data_dir

__all__ = ["Claim", "ActiveRuns"]


@dataclass(frozen=True, slots=True)
class Claim:
    """``gpus`` maps device UUID (GPU or MIG instance) to its fraction of a physical GPU; ``cpus`` lists the
    cores in the run's CPU affinity (the basis of the share only when ``gpus`` is empty)."""

    run_id: str
    pid: int
    gpus: dict[str, float]
    cpus: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "pid": self.pid, "gpus": self.gpus, "cpus": list(self.cpus)}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ActiveRuns:
    """The host's registry of active runs (one directory, one small JSON file per run process)."""

    def __init__(self, data_dir: Path | None = None, host: str | None = None,
                 stale_s: float = 60.0) -> None:
        self.host = host or socket.gethostname()
        self.dir = (data_dir or default_data_dir()) / "hosts" / self.host / "active"
        self.stale_s = stale_s

    def _path(self, claim: Claim) -> Path:
        return self.dir / f"{claim.run_id}.{claim.pid}.json"

    def register(self, claim: Claim) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self._path(claim)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(claim.to_json()), encoding="utf-8")
        os.replace(tmp, path)

    def heartbeat(self, claim: Claim) -> None:
        path = self._path(claim)
        try:
            os.utime(path)
        except FileNotFoundError:
            self.register(claim)

    def unregister(self, claim: Claim) -> None:
        try:
            self._path(claim).unlink()
        except FileNotFoundError:
            pass

    def active(self, now: float | None = None) -> list[Claim]:
        now = time.time() if now is None else now
        out: list[Claim] = []
        try:
            entries = list(self.dir.glob("*.json"))
        except OSError:
            return out
        for p in entries:
            try:
                if now - p.stat().st_mtime > self.stale_s:
                    continue
                d = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not _pid_alive(int(d["pid"])):
                continue
            out.append(Claim(d["run_id"], int(d["pid"]), dict(d.get("gpus") or {}),
                             tuple(int(c) for c in d.get("cpus") or ())))
        return out

    def share(self, mine: Claim, host_gpus: int, host_cpus: int,
              others: list[Claim] | None = None) -> Fraction:
        """This run's share of the host, given the runs active now (``others`` or the registry).

        Several processes of one run (ranks of a job) count as one run.
        """
        active = [c for c in (self.active() if others is None else others)
                  if c.run_id != mine.run_id]
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
