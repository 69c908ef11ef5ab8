"""The Python API: decorator forms, phases, steps, callbacks with duck-typed framework objects,
settings validation, and the lazy ``finml.profile_run``."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

import finml
from finml.errors import ConfigError
from profiler.callbacks import FinmlLightningCallback, FinmlTrainerCallback
from profiler.leaderboard import leaderboard
from profiler.record import read_record
from profiler.run import ProfileRun
from profiler.settings import ProfilerSettings, load_settings
from tests.profiler.fake_nvml import FakeNvml, gpus


def _kw(fast_settings: ProfilerSettings, data_dir: Path) -> dict:
    return {"settings": fast_settings, "nvml": FakeNvml(gpus(1)), "env": {}, "data_dir": data_dir,
            "install_signal_handlers": False}


def test_finml_profile_run_forwards_and_decorates(fast_settings: ProfilerSettings, data_dir: Path) -> None:
    seen: list[str] = []

    @finml.profile_run(name="decorated", **_kw(fast_settings, data_dir))
    def train(x: int) -> int:
        time.sleep(0.06)
        return x * 2

    assert train(21) == 42 and train(1) == 2  # a fresh run per call
    runs = sorted((data_dir / "runs").iterdir())
    assert len(runs) == 2
    for d in runs:
        rec = read_record(d)
        assert rec is not None and rec["name"] == "decorated" and rec["status"] == "finished"
        seen.append(rec["run_id"])
    assert seen[0] != seen[1]


def test_bare_decorator_uses_function_name(fast_settings: ProfilerSettings, data_dir: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINML_HOURLY_PRICE", "1.00")
    from profiler import profile_run

    @profile_run
    def my_training() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        my_training()
    (d,) = (Path(__import__("os").environ["FINML_DATA_DIR"]) / "runs").iterdir()
    rec = read_record(d)
    assert rec is not None and rec["name"] == "my_training" and rec["status"] == "failed"


def test_keyboard_interrupt_is_terminated(fast_settings: ProfilerSettings, data_dir: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        with ProfileRun(**_kw(fast_settings, data_dir)) as run:
            raise KeyboardInterrupt
    assert run.record is not None and run.record["status"] == "terminated"


def test_distributed_ranks_share_one_run_dir(fast_settings: ProfilerSettings, data_dir: Path) -> None:
    fake = FakeNvml(gpus(4))
    env0 = {"TORCHELASTIC_RUN_ID": "j1", "RANK": "0", "LOCAL_RANK": "0", "WORLD_SIZE": "2"}
    env1 = {**env0, "RANK": "1", "LOCAL_RANK": "1"}
    s = dataclasses.replace(fast_settings, hourly_price=Decimal("4"))
    r0 = ProfileRun(settings=s, nvml=fake, env=env0, data_dir=data_dir, install_signal_handlers=False)
    r1 = ProfileRun(settings=s, nvml=FakeNvml(fake.gpus), env=env1, data_dir=data_dir,
                    install_signal_handlers=False)
    assert r0.run_id == r1.run_id == "job-j1"
    r0.start()
    r1.start()
    time.sleep(0.2)
    r1.close()
    rec = r0.close()
    assert rec is not None and rec["job_id"] == "j1" and rec["ranks"] == 2
    assert sorted(d["index"] for d in rec["devices"]) == [0, 1]  # each rank its own GPU
    assert rec["cost"]["share_mean"] == "0.25"  # each rank 1 of 4 GPUs


def test_hf_trainer_callback_with_duck_typed_objects(fast_settings: ProfilerSettings, data_dir: Path) -> None:
    cb = FinmlTrainerCallback(**_kw(fast_settings, data_dir))
    args, state, control = SimpleNamespace(run_name="bert"), SimpleNamespace(global_step=0), SimpleNamespace()
    assert cb.on_train_begin(args, state, control) is control
    for _ in range(3):
        time.sleep(0.03)  # the data loader
        cb.on_step_begin(args, state, control)
        time.sleep(0.01)  # forward/backward
        cb.on_step_end(args, state, control)
    cb.on_prediction_step(args, state, control)
    time.sleep(0.02)
    cb.on_evaluate(args, state, control, metrics={"eval_accuracy": 0.8, "epoch": 1.0})
    cb.on_train_end(args, state, control)
    rec = cb.run.record if cb.run else None
    assert rec is not None and rec["name"] == "bert"
    steps = rec["steps"]
    assert steps["count"] == 3
    assert steps["data_wait_share"] > 0.4  # the 30 ms waits dominate the 10 ms steps
    assert [p["name"] for p in rec["phases"]] == ["eval"]
    assert rec["metrics"]["eval_accuracy"] == 0.8


def test_lightning_callback_hooks(fast_settings: ProfilerSettings, data_dir: Path) -> None:
    cb = FinmlLightningCallback(name="lit", **_kw(fast_settings, data_dir))
    trainer = SimpleNamespace(callback_metrics={"val_loss": 0.5, "note": "x"})
    cb.on_fit_start(trainer, None)
    for i in range(2):
        cb.on_train_batch_start(trainer, None, None, i)
        cb.on_train_batch_end(trainer, None, None, None, i)
    cb.on_validation_start(trainer, None)
    cb.on_validation_end(trainer, None)
    cb.on_fit_end(trainer, None)
    rec = cb.run.record if cb.run else None
    assert rec is not None and rec["steps"]["count"] == 2
    assert rec["metrics"] == {"val_loss": 0.5} and rec["phases"][0]["name"] == "eval"


def test_settings_validation_and_env_overrides() -> None:
    s = load_settings({"interval": 0.5, "electricity_price_per_kwh": "0.31"},
                      env={"FINML_INSTANCE_TYPE": "g5.xlarge", "FINML_PRICING_MODEL": "spot",
                           "FINML_HOURLY_PRICE": "1.5"})
    assert (s.interval, s.instance_type, s.pricing_model, s.hourly_price) == (0.5, "g5.xlarge", "spot", Decimal("1.5"))
    assert s.electricity_price_per_kwh == Decimal("0.31")
    with pytest.raises(ConfigError, match="profiler.intervall"):
        load_settings({"intervall": 1}, env={})
    with pytest.raises(ConfigError, match="profiler.pricing_model"):
        load_settings({}, env={"FINML_PRICING_MODEL": "free"})
    with pytest.raises(ConfigError, match="profiler.interval"):
        load_settings({"interval": 0}, env={})


def test_leaderboard_lower_is_better_and_unranked() -> None:
    def rec(rid: str, loss: float | None, cost: str | None) -> dict:
        return {"run_id": rid, "name": rid, "metrics": {} if loss is None else {"loss": loss},
                "cost": {"total": {"amount": cost, "currency": "USD"} if cost else None}}

    out = leaderboard([rec("a", 0.2, "10"), rec("b", 0.3, "5"), rec("c", 0.4, "6"),
                       rec("d", None, "1"), rec("e", 0.1, None)], "loss", higher_is_better=False)
    assert [e.run_id for e in out] == ["b", "a", "c", "d", "e"]
    assert {e.run_id: e.pareto for e in out if e.rank} == {"b": True, "a": True, "c": False}
    assert out[3].reason and "no metric" in out[3].reason and "no cost" in (out[4].reason or "")


def test_finml_help_does_not_import_nvml_or_mlflow() -> None:
    code = ("import sys, finml.cli\n"
            "from click.testing import CliRunner\n"
            "CliRunner().invoke(finml.cli.cli, ['--help'])\n"
            "CliRunner().invoke(finml.cli.cli, ['profile', '--help'])\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pynvml', 'mlflow', 'psutil')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], check=True).stdout
    assert "pynvml" not in out and "mlflow" not in out
