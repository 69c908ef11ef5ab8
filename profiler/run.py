"""``finml.profile_run``: profile a training run as a context manager or a decorator.

::

    with finml.profile_run(name="resnet", tags={"team": "vision"}) as run:
        for batch in loader:
            ...
            run.log_step(duration_s=step_s, data_wait_s=wait_s)
        with run.phase("eval"):
            evaluate()
        run.log_metric("accuracy", acc)

Starting is cheap: the ledger's ``start`` event is written at once and cloud identity is detected
by the sampler thread. Closing (normally, on an exception, on SIGTERM/SIGINT or at interpreter
exit) writes an ``end`` event, builds the cost record next to the ledger and, when MLflow is in
use, annotates the MLflow run. Inside ``finml profile -- cmd`` the run attaches to the wrapper's
run: it logs phases, steps and metrics only, and the wrapper measures the whole process tree.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from finml.pricing import PriceCatalog
from profiler.cloud import Http, InstanceIdentity, detect_identity
from profiler.host import HostReader
from profiler.identity import JobIdentity, job_identity, new_run_id, parse_visible_devices
from profiler.ledger import LedgerWriter, run_dir
from profiler.nvml import GpuReader
from profiler.pricing import host_price
from profiler.registry import ActiveRuns, Claim
from profiler.sampler import Sampler
from profiler.settings import ProfilerSettings, load_settings
from profiler.spot import SpotWatcher

log = logging.getLogger(__name__)

__all__ = ["ProfileRun", "profile_run", "ENV_RUN_ID", "ENV_RUN_DIR"]

ENV_RUN_ID = "FINML_PROFILE_RUN_ID"
ENV_RUN_DIR = "FINML_PROFILE_RUN_DIR"
"""Set by ``finml profile`` for the wrapped command, so code inside attaches to its run."""

_RECORD_SETTINGS = ("interval", "flush_interval", "idle_threshold_pct", "idle_phase_min_s",
                    "short_job_hours", "gpu_memory_headroom", "electricity_price_per_kwh",
                    "electricity_currency")


class ProfileRun:
    """One profiled run (or one rank of a distributed job). See the module docstring."""

    def __init__(self, *, name: str | None = None, tags: Mapping[str, Any] | None = None,
                 interval: float | None = None, flush_interval: float | None = None,
                 run_id: str | None = None, data_dir: Path | None = None,
                 settings: ProfilerSettings | None = None, pid: int | None = None,
                 command: list[str] | None = None, checkpointed: bool = False,
                 mlflow: bool | None = None, mlflow_run_id: str | None = None,
                 nvml: Any = None, http: Http | None = None, catalog: PriceCatalog | None = None,
                 env: Mapping[str, str] | None = None, install_signal_handlers: bool = True,
                 attach: bool = True, children_only: bool = False) -> None:
        self._env = dict(os.environ if env is None else env)
        self.settings = settings or _settings_from_config(interval, flush_interval, self._env)
        if settings is not None and (interval or flush_interval):
            import dataclasses

            self.settings = dataclasses.replace(
                settings, interval=interval or settings.interval,
                flush_interval=flush_interval or settings.flush_interval)
        self.name = name
        self.tags = {str(k): str(v) for k, v in (tags or {}).items()}
        if checkpointed:
            self.tags.setdefault("checkpointed", "true")
        self.job: JobIdentity = job_identity(self._env)
        self.attached = bool(attach and run_id is None and self._env.get(ENV_RUN_DIR))
        if self.attached:
            self.run_id = self._env.get(ENV_RUN_ID) or Path(self._env[ENV_RUN_DIR]).name
            self.dir = Path(self._env[ENV_RUN_DIR])
        else:
            self.run_id = run_id or self.job.run_id_for_job() or new_run_id(name)
            self.dir = run_dir(self.run_id, data_dir)
        self.data_dir = data_dir
        self.pid = pid or os.getpid()
        self.children_only = children_only
        self.command = command
        self.mlflow = mlflow
        self.mlflow_run_id = mlflow_run_id
        self.record: dict[str, Any] | None = None
        self.record_path: Path | None = None
        self.mlflow_error: str | None = None
        self.identity: InstanceIdentity | None = None
        self._nvml, self._http, self._catalog = nvml, http, catalog
        self._install_signals = install_signal_handlers
        self._closed = False
        self._started = False
        self._close_lock = threading.RLock()
        self._steps = [0, 0.0, 0.0, 0.0]  # n, sum, wait, max
        self._steps_lock = threading.RLock()  # a signal handler may drain mid-log_step
        self._prev_handlers: dict[int, Any] = {}
        self.ledger: LedgerWriter | None = None
        self.sampler: Sampler | None = None
        self.gpus: GpuReader | None = None
        self.host: HostReader | None = None
        self._registry: ActiveRuns | None = None
        self._claim: Claim | None = None
        self._spot: SpotWatcher | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> ProfileRun:
        if self._started:
            return self
        self._started = True
        s = self.settings
        self.ledger = LedgerWriter(
            self.dir / f"ledger-{self.job.host}-r{self.job.rank}-{os.getpid()}.jsonl")
        start: dict[str, Any] = {
            "e": "start", "v": 1, "t": round(time.time(), 3), "run_id": self.run_id,
            "name": self.name, "tags": self.tags, "job_id": self.job.job_id,
            "job_id_source": self.job.job_id_source, "rank": self.job.rank,
            "local_rank": self.job.local_rank, "world_size": self.job.world_size,
            "host": self.job.host, "pid": self.pid, "sampling": not self.attached,
            "command": self.command, "mlflow_run_id": self.mlflow_run_id,
            "settings": {k: (str(v) if v is not None and k.startswith("electricity_price")
                             else v) for k, v in ((k, getattr(s, k)) for k in _RECORD_SETTINGS)},
        }
        if self.attached:
            self.ledger.add(start)
            self.ledger.flush()
            self.sampler = Sampler(self.ledger, None, None, interval=s.flush_interval,
                                   flush_interval=s.flush_interval, measure=False,
                                   on_flush=self._drain_steps)
            self.sampler.start()
            return self
        self.host = HostReader(self.pid, children_only=self.children_only)
        self.gpus = GpuReader(parse_visible_devices(self._env), nvml=self._nvml)
        devices = self.gpus.devices if self.gpus.available else []
        cpus = self.host.cpu_claim()
        self._claim = Claim(self.run_id, os.getpid(),
                            {d.uuid: d.slice_fraction for d in devices}, cpus, since=start["t"])
        self._registry = ActiveRuns(self.data_dir, self.job.host, s.heartbeat_stale_s)
        self._claim = self._registry.register(self._claim)
        host_gpus = self.gpus.host_gpu_count if self.gpus.available else 0
        share0 = self._registry.share(self._claim, host_gpus, self.host.cpu_count)
        start.update({
            "devices": [d.to_json() for d in devices], "host_gpus": host_gpus,
            "host_cpus": self.host.cpu_count, "cpu_claim": len(cpus),
            "cpu_source": "procfs" if self.host.fast else "psutil",
            "share0": f"{share0.numerator}/{share0.denominator}",
            "notes": list(self.gpus.notes),
        })
        self.ledger.add(start)
        self.ledger.flush()
        self.sampler = Sampler(
            self.ledger, self.host, self.gpus, interval=s.interval,
            flush_interval=s.flush_interval, registry=self._registry, claim=self._claim,
            on_start=self._identify, host_gpus=host_gpus, host_cpus=self.host.cpu_count,
            on_flush=self._drain_steps)
        self.sampler.start()
        if self._install_signals:
            self._install_handlers()
        atexit.register(self._atexit)
        return self

    def _identify(self) -> None:
        assert self.ledger is not None
        self.identity = detect_identity(self.settings, http=self._http, env=self._env)
        price = host_price(self.settings, self.identity, self._catalog)
        self.ledger.add({"e": "host", "t": round(time.time(), 3),
                         "identity": self.identity.to_json(), "price": price})
        self.ledger.flush()
        if (self.settings.spot_watch and self.identity.source == "metadata:aws"
                and not self._closed):
            self._spot = SpotWatcher(self._on_spot, poll_s=self.settings.spot_poll_s,
                                     timeout=self.settings.metadata_timeout_s, http=self._http)
            self._spot.start()

    def _on_spot(self, notice: dict[str, Any]) -> None:
        """Spot reclaim notice: persist everything and write the record now, keep sampling."""
        if self.ledger is None or self._closed:
            return
        self.ledger.add({"e": "spot", "t": round(time.time(), 3), **notice})
        self._drain_steps()
        self.ledger.flush()
        self._write_record(preliminary=True)

    def close(self, status: str = "finished", exit_code: int | None = None,
              signal_name: str | None = None) -> dict[str, Any] | None:
        """End the run (idempotent): stop sampling, write ``end`` and the cost record."""
        with self._close_lock:
            if self._closed or not self._started:
                return self.record
            self._closed = True
            self._restore_handlers()
            try:
                atexit.unregister(self._atexit)
            except Exception:  # noqa: BLE001
                pass
            if self._spot is not None:
                self._spot.stop()
            assert self.ledger is not None
            if self.sampler is not None:
                self.sampler.stop(timeout=max(5.0, self.settings.interval * 2))
            self._drain_steps()
            end: dict[str, Any] = {"e": "end", "t": round(time.time(), 3), "status": status,
                                   "exit_code": exit_code}
            if signal_name:
                end["signal"] = signal_name
            if self.sampler is not None and self.sampler.measure:
                end["samples"] = self.sampler.samples
                end["sampler_cpu_s"] = round(self.sampler.cpu_s, 6)
                end["sampler_startup_cpu_s"] = round(self.sampler.startup_cpu_s, 6)
            self.ledger.add(end)
            self.ledger.close()
            if self._registry is not None and self.sampler is not None:
                claim = self.sampler.claim or self._claim
                if claim is not None:
                    self._registry.unregister(claim, at=end["t"])
            if self.gpus is not None:
                self.gpus.close()
            if self.host is not None:
                self.host.close()
            self._write_record()
            if self.record is not None and self.job.rank == 0:
                self._annotate_mlflow()
            return self.record

    def _write_record(self, preliminary: bool = False) -> None:
        from profiler.record import build_record, write_record

        try:
            with _dir_lock(self.dir):
                self.record = build_record(self.dir, self._catalog)
                if preliminary:  # the run goes on; reconcile or close replaces it
                    self.record["preliminary"] = True
                self.record_path = write_record(self.dir, self.record)
        except Exception:  # noqa: BLE001 - never mask the training's own outcome
            log.warning("could not build the cost record for run %s; run 'finml runs "
                        "reconcile %s'", self.run_id, self.run_id, exc_info=True)

    def _annotate_mlflow(self) -> None:
        from profiler.mlflow_sink import annotate_if_active

        if self.mlflow is False or self.record is None:
            return
        try:
            annotate_if_active(self.record, self.record_path, self.mlflow_run_id,
                               required=bool(self.mlflow))
        except Exception as exc:  # noqa: BLE001 - the record is safe next to the ledger
            self.mlflow_error = f"{type(exc).__name__}: {exc}"
            log.warning("could not annotate the MLflow run (record kept at %s): %s",
                        self.record_path, self.mlflow_error)

    def _atexit(self) -> None:
        self.close(status="exited")

    # -- signals --------------------------------------------------------------------------------
    def _install_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                self._prev_handlers[sig] = signal.getsignal(sig)
                signal.signal(sig, self._on_signal)
            except (ValueError, OSError):
                continue

    def _restore_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, prev in self._prev_handlers.items():
            try:
                if signal.getsignal(sig) == self._on_signal:
                    signal.signal(sig, prev if prev is not None else signal.SIG_DFL)
            except (ValueError, OSError):
                continue
        self._prev_handlers.clear()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        prev = self._prev_handlers.get(signum, signal.SIG_DFL)
        name = signal.Signals(signum).name
        if prev is signal.SIG_IGN:
            if self.ledger is not None:
                self.ledger.add({"e": "note", "t": round(time.time(), 3),
                                 "msg": f"{name} received and ignored (previous handler)"})
            return
        if signum == signal.SIGINT and prev is signal.default_int_handler:
            if self.ledger is not None:
                self.ledger.flush()
            prev(signum, frame)  # raises KeyboardInterrupt; __exit__ closes as terminated
            return
        self.close(status="terminated", exit_code=128 + signum, signal_name=name)
        if callable(prev):
            prev(signum, frame)
        elif prev in (signal.SIG_DFL, None):
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    # -- what the training code calls -----------------------------------------------------------
    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Mark a phase (``eval``, ``checkpoint``, ``data-prep``...) of the run."""
        self._event({"e": "phase", "name": name, "action": "begin"})
        try:
            yield
        finally:
            self._event({"e": "phase", "name": name, "action": "end"})

    def log_step(self, duration_s: float, data_wait_s: float = 0.0) -> None:
        """Record one training step: its wall time and the part of it spent waiting for data."""
        with self._steps_lock:
            st = self._steps
            st[0] += 1
            st[1] += duration_s
            st[2] += data_wait_s
            if duration_s > st[3]:
                st[3] = duration_s

    def log_metric(self, key: str, value: float) -> None:
        """A quality metric (e.g. ``accuracy``) for ``finml runs leaderboard``."""
        self._event({"e": "metric", "key": key, "value": float(value)})

    def note(self, message: str) -> None:
        self._event({"e": "note", "msg": message})

    def _event(self, ev: dict[str, Any]) -> None:
        if self.ledger is not None and not self._closed:
            ev["t"] = round(time.time(), 3)
            self.ledger.add(ev)

    def _drain_steps(self) -> None:
        with self._steps_lock:
            n, total, wait, mx = self._steps
            self._steps = [0, 0.0, 0.0, 0.0]
        if n and self.ledger is not None:
            self.ledger.add({"e": "steps", "t": round(time.time(), 3), "n": n,
                             "sum_s": round(total, 6), "wait_s": round(wait, 6),
                             "max_s": round(mx, 6)})

    # -- protocol -------------------------------------------------------------------------------
    def __enter__(self) -> ProfileRun:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: object) -> None:
        if exc_type is None:
            self.close("finished", 0)
        elif issubclass(exc_type, KeyboardInterrupt):
            self.close("terminated", 130, "SIGINT")
        elif issubclass(exc_type, SystemExit):
            code = exc.code if isinstance(exc, SystemExit) else None
            ok = code in (None, 0)
            self.close("finished" if ok else "failed", code if isinstance(code, int) else
                       (0 if ok else 1))
        else:
            self.close("failed", 1)


class _dir_lock:
    """Serialises record writes of ranks sharing one run directory."""

    def __init__(self, directory: Path) -> None:
        from filelock import FileLock

        self._lock = FileLock(str(directory / ".record.lock"), timeout=30)

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def _settings_from_config(interval: float | None, flush_interval: float | None,
                          env: Mapping[str, str]) -> ProfilerSettings:
    from finml.config import load

    config = load(env.get("FINML_CONFIG"))
    return load_settings(config.section("profiler"), env, interval=interval,
                         flush_interval=flush_interval)


class _Profiled:
    """``profile_run`` used as a decorator: a fresh run for every call."""

    def __init__(self, fn: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        self.fn = fn
        self.kwargs = kwargs
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kw: Any) -> Any:
        opts = dict(self.kwargs)
        opts.setdefault("name", getattr(self.fn, "__name__", None))
        with ProfileRun(**opts):
            return self.fn(*args, **kw)


class _RunFactory(ProfileRun):
    """What ``profile_run(...)`` returns: a run that also works as a decorator."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._kwargs = kwargs

    def __call__(self, fn: Callable[..., Any]) -> Any:
        return _Profiled(fn, self._kwargs)


def profile_run(fn: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """Profile a run: ``with profile_run(name=...) as run:``, ``@profile_run`` or
    ``@profile_run(name=...)``. Keyword arguments are those of :class:`ProfileRun`."""
    if fn is not None:
        return _Profiled(fn, kwargs)
    return _RunFactory(**kwargs)
