"""Profiled training runs appear in the report with cost, idle cost and the leaderboard."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import finml
from finml.cli import cli
from finml.store.costs import CostStore
from tests.reports.focus_rows import rows


def _profiled_run(data_dir: Path, name: str, accuracy: float, seconds: float) -> None:
    env = {"FINML_INSTANCE_TYPE": "m5.large", "FINML_REGION": "us-east-1", "FINML_PROVIDER": "aws"}
    with finml.profile_run(name=name, interval=0.05, flush_interval=0.1, data_dir=data_dir, env=env,
                           install_signal_handlers=False) as run:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            sum(i * i for i in range(2000))
        run.log_metric("accuracy", accuracy)


def test_runs_section_ranks_by_metric_per_cost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("FINML_DATA_DIR", str(data_dir))
    CostStore(data_dir).write_partition(rows(date(2026, 10, 1), 10), "aws", "2026-10", "payer")
    _profiled_run(data_dir, "cheap-good", 0.9, 0.3)
    _profiled_run(data_dir, "pricey-worse", 0.8, 0.9)
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    section = html[html.index('id="runs"'):html.index('id="freshness"')]
    assert section.index("cheap-good") < section.index("pricey-worse")  # better accuracy per USD first
    costs = re.findall(r'<td class="num">([0-9.]+) USD</td>', section)
    assert len(costs) == 2 and all(float(c) > 0 for c in costs)
    assert section.count("★") == 1  # the cheaper, better run dominates the other


def test_report_settings_are_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "finml.toml"
    cfg.write_text("[report]\nleaderbord_metric = 'loss'\n")
    r = CliRunner().invoke(cli, ["--config", str(cfg), "report", "-o", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "report.leaderbord_metric" in r.output
