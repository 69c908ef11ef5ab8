"""The background sampler: one daemon thread that reads GPUs and the process tree every
``interval`` seconds and flushes the ledger every ``flush_interval`` seconds.

It never raises into training code: every failure is counted, the last one is kept, and both go
into the ledger (``err`` events). At each flush it also renews the run's entry in the host
registry and records the run's current share of the host (``share`` events), so concurrent runs
split the host for exactly the intervals they overlapped. The thread's own CPU time is recorded
so the profiler's overhead is a measured figure (``sampler_cpu_s`` / ``samples``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from profiler.host import HostReader
from profiler.ledger import LedgerWriter
from profiler.nvml import GpuReader
from profiler.registry import ActiveRuns, Claim

log = logging.getLogger(__name__)

__all__ = ["Sampler"]


class Sampler:
    def __init__(self, ledger: LedgerWriter, host: HostReader | None, gpus: GpuReader | None, *,
                 interval: float, flush_interval: float, registry: ActiveRuns | None = None,
                 claim: Claim | None = None, on_start: Callable[[], None] | None = None,
                 host_gpus: int = 0, host_cpus: int = 1, measure: bool = True,
                 on_flush: Callable[[], None] | None = None) -> None:
        self.ledger = ledger
        self.host = host
        self.gpus = gpus
        self.interval = interval
        self.flush_interval = flush_interval
        self.registry = registry
        self.claim = claim
        self.on_start = on_start
        self.host_gpus = host_gpus
        self.host_cpus = host_cpus
        self.measure = measure
        self.on_flush = on_flush
        self.samples = 0
        self.errors = 0
        self.last_error: str | None = None
        self.cpu_s = 0.0
        """CPU time of the sampling thread spent sampling and flushing (startup excluded)."""
        self.startup_cpu_s = 0.0
        """CPU time of the one-off start work (cloud identity, price lookup)."""
        self._reported_errors = 0
        self._last_share: Fraction | None = None
        self.seen: set[int] = set()
        """Devices on which the run's process tree was seen holding memory."""
        self._claim_changed = False
        self._share_checked: float | None = None
        self._narrowed = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="finml-profiler-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop sampling, take a last sample and flush."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        t0 = time.thread_time()
        if self.on_start is not None:
            self._guard(self.on_start)
        self.startup_cpu_s = time.thread_time() - t0
        t0 = time.thread_time()
        next_flush = time.monotonic() + self.flush_interval
        self._guard(self._share)
        while True:
            started = time.monotonic()
            self._guard(self.sample)
            if started >= next_flush:
                self._guard(self._flush)
                next_flush = started + self.flush_interval
            self.cpu_s = time.thread_time() - t0
            wait = self.interval - (time.monotonic() - started)
            if self._stop.wait(max(wait, 0.0)):
                break
        self._guard(self.sample)
        self.cpu_s = time.thread_time() - t0
        self._guard(self._flush)

    def _guard(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - the sampler must never break training
            self.errors += 1
            self.last_error = repr(exc)
            log.debug("profiler sampler error", exc_info=True)

    def sample(self) -> None:
        if not self.measure:
            return
        ev: dict[str, Any] = {"e": "s", "t": round(time.time(), 3)}
        if self.host is not None:
            ev["h"] = self.host.read()
        if self.gpus is not None and self.gpus.available:
            rows = self.gpus.read(self.host.pids if self.host is not None else ())
            for k, row in enumerate(rows):
                if row[-1] and k not in self.seen:
                    self.seen.add(k)
                    self._claim_changed = True
            ev["g"] = rows
        self.ledger.add(ev)
        self.samples += 1

    def _share(self) -> None:
        """Record the run's share of the host at every instant it changed since last time."""
        if self.registry is None or self.claim is None:
            return
        if self._claim_changed and self.gpus is not None:
            self._claim_changed = False
            devs = [d for k, d in enumerate(self.gpus.devices) if k in self.seen]
            self.claim = self.registry.register(Claim(
                self.claim.run_id, self.claim.pid, {d.uuid: d.slice_fraction for d in devs},
                self.claim.cpus, self.claim.since))
            if not self._narrowed:
                # the run used these GPUs from its start; it was only seen there now
                self._narrowed = True
                self._share_checked = None
                self._last_share = None
        self.registry.heartbeat(self.claim)
        now = time.time()
        after = self._share_checked if self._share_checked is not None else self.claim.since
        claims = self.registry.history(after)
        points = [after, *self.registry.changes(claims, self.claim, after, now)]
        for t in points:
            share = self.registry.share(self.claim, self.host_gpus, self.host_cpus, claims, at=t)
            if share != self._last_share:
                self._last_share = share
                self.ledger.add({"e": "share", "t": round(t, 3),
                                 "v": f"{share.numerator}/{share.denominator}"})
        self._share_checked = now

    def _flush(self) -> None:
        if self.on_flush is not None:
            self._guard(self.on_flush)
        self._guard(self._share)
        errors = self.errors + (self.gpus.errors if self.gpus is not None else 0) + (
            self.host.errors if self.host is not None else 0)
        if errors != self._reported_errors:
            self._reported_errors = errors
            last = self.last_error or (self.gpus.last_error if self.gpus is not None else None)
            self.ledger.add({"e": "err", "t": round(time.time(), 3), "count": errors,
                             "last": last})
        self.ledger.flush()
