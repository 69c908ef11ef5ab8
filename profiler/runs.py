"""Finding runs in the data directory and reconciling the ones that never closed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from finml.errors import InputError
from profiler.ledger import ledger_files, runs_dir
from profiler.record import build_record, read_record, write_record
from profiler.registry import ActiveRuns
from profiler.streams import load_streams

__all__ = ["run_dirs", "find_run", "run_state", "reconcile", "iter_records", "load_records"]


def run_dirs(data_dir: Path | None = None) -> list[Path]:
    root = runs_dir(data_dir)
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if p.is_dir() and ledger_files(p)),
                  key=lambda p: p.name)


def find_run(ref: str, data_dir: Path | None = None) -> Path:
    """A run directory by exact id or unique prefix."""
    dirs = run_dirs(data_dir)
    exact = [d for d in dirs if d.name == ref]
    hits = exact or [d for d in dirs if d.name.startswith(ref)]
    if len(hits) == 1:
        return hits[0]
    where = runs_dir(data_dir)
    if not hits:
        raise InputError(f"no run {ref!r} under {where}",
                         hint="'finml runs list' shows the run ids (FINML_DATA_DIR picks the store)")
    raise InputError(f"run id prefix {ref!r} matches {len(hits)} runs under {where}",
                     hint="give more characters of the run id")


def run_state(directory: Path, data_dir: Path | None = None) -> str:
    """``running`` (a live process owns it), ``closed`` (its record is final, or was rebuilt
    by reconcile) or ``unclosed`` (killed before closing: reconcile it)."""
    for claim in ActiveRuns(data_dir, stale_s=1e9).active():
        if claim.run_id == directory.name:
            return "running"
    rec = read_record(directory)
    if rec is not None and not rec.get("preliminary"):
        return "closed"
    if any(s.end is None for s in load_streams(directory) if s.sampling):
        return "unclosed"
    return "closed"


def reconcile(directory: Path) -> dict[str, Any]:
    """Rebuild and write the record from the ledgers (after a crash, or to refresh it)."""
    record = build_record(directory)
    write_record(directory, record)
    return record


def iter_records(data_dir: Path | None = None) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(run directory, record) of every run; runs without a record are built from their ledgers
    (not written); unreadable ones are skipped."""
    for d in run_dirs(data_dir):
        rec = read_record(d)
        if rec is None:
            try:
                rec = build_record(d)
            except (OSError, ValueError):
                continue
        yield d, rec


def load_records(data_dir: Path | None = None) -> list[dict[str, Any]]:
    """Records of every run (see :func:`iter_records`)."""
    return [rec for _, rec in iter_records(data_dir)]
