"""Annotate an MLflow run with the cost record.

On the active run (or an explicit run id): tags ``finml.*`` with exact values, numeric metrics
(``finml.cost_total``, ``finml.idle_cost``, ``finml.gpu_hours``, ``finml.energy_kwh``,
``finml.gpu_util_mean``) logged at step 0 with a fixed timestamp, and the full record as the
artifact ``finml/finml-cost-record.json``. Annotating again (resume, reconcile) overwrites the
same keys and replaces the artifact.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from finml.errors import require

log = logging.getLogger(__name__)

__all__ = ["annotate", "annotate_if_active", "ARTIFACT_PATH", "ARTIFACT_NAME"]

ARTIFACT_PATH = "finml"
ARTIFACT_NAME = "finml-cost-record.json"


def _figures(record: dict[str, Any]) -> tuple[dict[str, str], dict[str, float]]:
    cost = record.get("cost") or {}
    usage = record.get("usage") or {}
    total = (cost.get("total") or {}).get("amount")
    idle = (cost.get("idle") or {}).get("amount")
    kwh = (record.get("energy") or {}).get("kwh")
    tags = {
        "finml.run_id": str(record.get("run_id")),
        "finml.currency": str(cost.get("currency")),
        "finml.diagnosis": str((record.get("diagnosis") or {}).get("label")),
        "finml.status": str(record.get("status")),
        "finml.energy_method": str((record.get("energy") or {}).get("method")),
    }
    metrics: dict[str, float] = {"finml.gpu_hours": float(usage.get("gpu_hours") or 0.0)}
    if total is not None:
        tags["finml.cost_total"] = str(total)
        metrics["finml.cost_total"] = float(total)
    if idle is not None:
        tags["finml.idle_cost"] = str(idle)
        metrics["finml.idle_cost"] = float(idle)
    if kwh is not None:
        metrics["finml.energy_kwh"] = float(kwh)
    if usage.get("gpu_util_mean") is not None:
        metrics["finml.gpu_util_mean"] = float(usage["gpu_util_mean"])
    return tags, metrics


def annotate(record: dict[str, Any], run_id: str, tracking_uri: str | None = None) -> None:
    """Write tags, metrics and the record artifact to MLflow run ``run_id``."""
    require("mlflow", "mlflow", "MLflow annotation")
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    tags, metrics = _figures(record)
    ts = _timestamp_ms(record)
    for key, text in tags.items():
        client.set_tag(run_id, key, text)
    for key, value in metrics.items():
        client.log_metric(run_id, key, value, timestamp=ts, step=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ARTIFACT_NAME
        path.write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
        client.log_artifact(run_id, str(path), artifact_path=ARTIFACT_PATH)


def _timestamp_ms(record: dict[str, Any]) -> int:
    ended = record.get("ended_at")
    if ended:
        return int(datetime.fromisoformat(ended).timestamp() * 1000)
    return 0


def annotate_if_active(record: dict[str, Any], record_path: Path | None, run_id: str | None,
                       *, required: bool = False) -> str | None:
    """Annotate ``run_id``, else MLflow's active run; return the run id annotated.

    Without an explicit id MLflow is only used if the training code already imported it (the
    record stays next to the ledger either way). ``required`` raises MissingExtraError when
    mlflow is not installed.
    """
    if run_id is None:
        if "mlflow" not in sys.modules and not required:
            return None
        if required:
            require("mlflow", "mlflow", "MLflow annotation")
        import mlflow

        active = mlflow.active_run()
        if active is None:
            if required:
                log.warning("--mlflow given but no MLflow run is active; record kept at %s",
                            record_path)
            return None
        run_id = active.info.run_id
    annotate(record, run_id)
    return run_id
