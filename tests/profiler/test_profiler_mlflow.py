"""MLflow annotation against a real local file store."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from profiler import profile_run
from profiler.mlflow_sink import ARTIFACT_NAME, ARTIFACT_PATH, annotate
from profiler.settings import ProfilerSettings
from tests.profiler.fake_nvml import FakeNvml, gpus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _allow_file_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """MLflow 3 keeps the file store behind this opt-in; it is the local store we test with."""
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")


@pytest.fixture
def tracking(tmp_path: Path) -> Iterator[str]:
    uri = f"file:{tmp_path / 'mlruns'}"
    mlflow.set_tracking_uri(uri)
    yield uri
    if mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


def test_active_run_gets_tags_metrics_and_record_artifact(
        tracking: str, fast_settings: ProfilerSettings, data_dir: Path, tmp_path: Path) -> None:
    settings = dataclasses.replace(fast_settings, hourly_price=Decimal("4.00"))
    with mlflow.start_run() as active:
        with profile_run(name="ml", settings=settings, nvml=FakeNvml(gpus(1)), env={},
                         data_dir=data_dir, install_signal_handlers=False) as run:
            time.sleep(0.2)
    client = MlflowClient(tracking)
    got = client.get_run(active.info.run_id).data
    rec = run.record
    assert rec is not None
    assert got.tags["finml.cost_total"] == rec["cost"]["total"]["amount"]  # exact string
    assert got.tags["finml.currency"] == "USD"
    assert got.tags["finml.diagnosis"] == rec["diagnosis"]["label"]
    for key in ("finml.cost_total", "finml.idle_cost", "finml.gpu_hours", "finml.energy_kwh",
                "finml.gpu_util_mean"):
        assert key in got.metrics
    assert got.metrics["finml.gpu_util_mean"] == 95.0
    arts = client.list_artifacts(active.info.run_id, ARTIFACT_PATH)
    assert [a.path for a in arts] == [f"{ARTIFACT_PATH}/{ARTIFACT_NAME}"]
    local = client.download_artifacts(active.info.run_id, f"{ARTIFACT_PATH}/{ARTIFACT_NAME}", str(tmp_path))
    assert json.loads(Path(local).read_text())["run_id"] == rec["run_id"]

    # resume / reconcile: same keys overwritten, artifact replaced, no duplicates
    changed = dict(rec, cost={**rec["cost"], "total": {"amount": "9.5", "currency": "USD"}})
    annotate(changed, active.info.run_id, tracking)
    again = client.get_run(active.info.run_id).data
    assert again.tags["finml.cost_total"] == "9.5" and again.metrics["finml.cost_total"] == 9.5
    assert len(client.list_artifacts(active.info.run_id, ARTIFACT_PATH)) == 1
    history = client.get_metric_history(active.info.run_id, "finml.cost_total")
    assert {h.step for h in history} == {0}


def test_no_mlflow_run_means_record_next_to_ledger_only(
        tracking: str, fast_settings: ProfilerSettings, data_dir: Path) -> None:
    with profile_run(settings=fast_settings, nvml=FakeNvml(gpus(1)), env={}, data_dir=data_dir,
                     install_signal_handlers=False) as run:
        time.sleep(0.05)
    assert (run.dir / "record.json").is_file()
    assert MlflowClient(tracking).search_runs(["0"]) == []


def test_missing_mlflow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from finml.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "mlflow", None)  # as if not installed
    with pytest.raises(MissingExtraError) as err:
        annotate({}, "abc")
    assert err.value.extra == "mlflow" and "finml[mlflow]" in (err.value.hint or "")


def test_profile_wrapper_creates_and_annotates_a_run(tmp_path: Path, data_dir: Path) -> None:
    uri = f"file:{tmp_path / 'mlruns'}"
    env = dict(os.environ, FINML_DATA_DIR=str(data_dir), FINML_HOURLY_PRICE="2.00",
               MLFLOW_TRACKING_URI=uri, PYTHONPATH=str(ROOT))
    child = ("import os, mlflow\n"
             "with mlflow.start_run() as r:\n"  # resumes the wrapper's run via MLFLOW_RUN_ID
             "    mlflow.log_metric('accuracy', 0.9)\n"
             "    print(r.info.run_id)\n")
    proc = subprocess.run([sys.executable, "-m", "finml", "profile", "--interval", "0.05", "--mlflow",
                           "--", sys.executable, "-c", child], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    run_id = proc.stdout.strip().splitlines()[-1]
    got = MlflowClient(uri).get_run(run_id)
    assert got.data.metrics["accuracy"] == 0.9
    assert got.data.tags["finml.currency"] == "USD" and "finml.cost_total" in got.data.tags
    assert got.info.status == "FINISHED"


def test_annotation_failure_keeps_the_exit_code(tmp_path: Path, data_dir: Path) -> None:
    env = dict(os.environ, FINML_DATA_DIR=str(data_dir), FINML_HOURLY_PRICE="2.00",
               MLFLOW_TRACKING_URI=f"file:{tmp_path / 'mlruns'}", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "finml", "profile", "--interval", "0.05",
                           "--mlflow-run-id", "0123456789abcdef", "--", sys.executable, "-c",
                           "raise SystemExit(5)"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 5
    assert "MLflow annotation failed" in proc.stderr and "runs reconcile" in proc.stderr
    (run,) = (data_dir / "runs").iterdir()
    assert json.loads((run / "record.json").read_text())["mlflow_run_id"] == "0123456789abcdef"
