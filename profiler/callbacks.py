"""Training-loop callbacks for Hugging Face ``Trainer`` and PyTorch Lightning.

Both log every step's wall time and the part spent waiting for the next batch (the time between
the end of one step and the start of the next, where the data loader runs), so the diagnosis can
tell input-bound steps apart, and mark evaluation as an ``eval`` phase. Each opens a
:class:`~profiler.run.ProfileRun` at train start (or uses the one given) and closes it at train
end. The frameworks are optional: the base classes are imported only if installed.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from typing import Any

from profiler.run import ProfileRun

__all__ = ["FinmlTrainerCallback", "FinmlLightningCallback", "StepTimer"]


class StepTimer:
    """Turns begin/end-of-step calls into ``log_step(duration_s, data_wait_s)``."""

    def __init__(self) -> None:
        self.run: ProfileRun | None = None
        self._prev_end: float | None = None
        self._begin: float | None = None
        self._phase: AbstractContextManager[None] | None = None

    def attach(self, run: ProfileRun) -> None:
        self.run = run

    def step_begin(self) -> None:
        self._begin = time.perf_counter()

    def step_end(self) -> None:
        now = time.perf_counter()
        if self.run is None or self._begin is None:
            return
        start = self._prev_end if self._prev_end is not None else self._begin
        wait = max(self._begin - start, 0.0)
        self.run.log_step(duration_s=now - start, data_wait_s=wait)
        self._prev_end = now
        self._begin = None

    def pause(self) -> None:
        """Evaluation or checkpointing in between: the next wait is not data loading."""
        self._prev_end = None

    def phase_begin(self, name: str) -> None:
        if self.run is not None and self._phase is None:
            self._phase = self.run.phase(name)
            self._phase.__enter__()

    def phase_end(self) -> None:
        if self._phase is not None:
            self._phase.__exit__(None, None, None)
            self._phase = None
            self.pause()


class _RunHolder:
    """The run a callback profiles: one it was given, or one it opens and closes itself."""

    def __init__(self, run: ProfileRun | None = None, **run_kwargs: Any) -> None:
        super().__init__()
        self.timer = StepTimer()
        self._own = run is None
        self._run: ProfileRun | None = run
        self._run_kwargs = run_kwargs

    @property
    def run(self) -> ProfileRun | None:
        return self._run

    def _open(self, **defaults: Any) -> None:
        run = self._run or ProfileRun(**{**defaults, **self._run_kwargs})
        self._run = run
        run.start()
        self.timer.attach(run)

    def _finish(self) -> None:
        self.timer.phase_end()
        if self._run is not None and self._own:
            self._run.close("finished", 0)


def _hf_base() -> type:
    try:
        from transformers import TrainerCallback
    except ImportError:
        return object
    return TrainerCallback  # type: ignore[no-any-return]


class FinmlTrainerCallback(_RunHolder, _hf_base()):  # type: ignore[misc]
    """``Trainer(callbacks=[FinmlTrainerCallback(name="bert")])``.

    ``run`` reuses an open run; otherwise ``run_kwargs`` go to :class:`ProfileRun`. Every rank
    of a distributed job profiles its own devices under the shared job id (one record per job).
    """

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self._open(name=getattr(args, "run_name", None))
        return control

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self.timer.phase_end()
        self.timer.step_begin()
        return control

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self.timer.step_end()
        return control

    def on_prediction_step(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self.timer.phase_begin("eval")
        return control

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self.timer.phase_end()
        metrics = kwargs.get("metrics") or {}
        if self._run is not None:
            for k, v in metrics.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    self._run.log_metric(k, float(v))
        return control

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self.timer.pause()
        return control

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self._finish()
        return control


def _lightning_base() -> type:
    for mod in ("lightning.pytorch", "pytorch_lightning"):
        try:
            module = __import__(mod, fromlist=["Callback"])
        except ImportError:
            continue
        return module.Callback  # type: ignore[no-any-return]
    return object


class FinmlLightningCallback(_RunHolder, _lightning_base()):  # type: ignore[misc]
    """``Trainer(callbacks=[FinmlLightningCallback(name="resnet")])``."""

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        self._open()

    def on_train_batch_start(self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int) -> None:
        self.timer.step_begin()

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self.timer.step_end()

    def on_validation_start(self, trainer: Any, pl_module: Any) -> None:
        self.timer.phase_begin("eval")

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        self.timer.phase_end()
        if self._run is not None:
            for k, v in (getattr(trainer, "callback_metrics", None) or {}).items():
                try:
                    self._run.log_metric(str(k), float(v))
                except (TypeError, ValueError):
                    continue

    def on_save_checkpoint(self, trainer: Any, pl_module: Any, checkpoint: Any) -> None:
        self.timer.pause()

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        self._finish()

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        if self._run is not None and self._own:
            self._run.close("failed", 1)
