"""The crash-safe run ledger: append-only JSON Lines, flushed and fsync'd every few seconds.

Layout under the data directory::

    runs/<run_id>/ledger-<host>-r<rank>-<pid>.jsonl   one per process (rank, or the CLI wrapper)
    runs/<run_id>/record.json                 the cost record, rebuilt from the ledgers

Every line is one event with ``e`` (its type) and ``t`` (unix seconds). Events: ``start``
(identity, devices, pricing), ``s`` (a sample), ``phase``, ``steps`` (step timings aggregated per
flush), ``metric``, ``note``, ``err``, ``spot`` and ``end``. A process killed with SIGKILL loses
at most the events buffered since the last flush; a torn last line is skipped on reading.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from finml.store import default_data_dir

log = logging.getLogger(__name__)

__all__ = ["LedgerWriter", "read_ledger", "ledger_files", "runs_dir", "run_dir"]


def runs_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or default_data_dir()) / "runs"


def run_dir(run_id: str, data_dir: Path | None = None) -> Path:
    return runs_dir(data_dir) / run_id


class LedgerWriter:
    """Buffers events in memory and appends them with fsync on :meth:`flush` (thread-safe)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._buf: list[str] = []
        self._lock = threading.RLock()  # re-entrant: a signal handler may flush mid-add
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.flushes = 0

    def add(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, separators=(",", ":"), default=str)
        with self._lock:
            self._buf.append(line)

    def flush(self) -> None:
        with self._lock:
            if not self._buf or self._fd < 0:
                return
            data = ("\n".join(self._buf) + "\n").encode()
            self._buf.clear()
            os.write(self._fd, data)
            os.fsync(self._fd)
            self.flushes += 1

    def close(self) -> None:
        self.flush()
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def read_ledger(path: Path) -> Iterator[dict[str, Any]]:
    """Events of one ledger; a torn or corrupt line (crash mid-write) is skipped and logged."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                log.warning("%s line %d is incomplete (crash while writing); skipped", path, n)
                continue
            if isinstance(event, dict) and "e" in event:
                yield event


def ledger_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("ledger-*.jsonl"))
