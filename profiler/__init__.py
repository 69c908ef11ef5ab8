"""finml profiler: what each training run cost, measured while it runs.

A background sampler reads GPUs (NVML) and the run's process tree (psutil) into a crash-safe
ledger; closing the run (or ``finml runs reconcile`` after a crash) turns the ledger into a cost
record: money attributed from the host's price and the run's share of it, idle cost, energy,
a diagnosis with priced advice, and MLflow annotations. See ``docs/profiler.md``.
"""

from __future__ import annotations

from profiler.run import ProfileRun, profile_run

__all__ = ["ProfileRun", "profile_run"]
