"""``finml costs``: group-by and granularity with exact totals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from finml.billing.demo import demo_costs
from finml.billing.ingest import ingest
from tests.billing import _cur


@pytest.fixture
def two_months(tmp_path: Path, data_dir: Path) -> Path:
    ingest([str(_cur.write_legacy_csv(tmp_path / "oct.csv")),
            str(_cur.write_legacy_csv(tmp_path / "nov.csv", _cur.legacy_rows("2026-11")))], data_dir=data_dir)
    return data_dir


def test_json_month_by_team_is_exact(two_months: Path, run_cli) -> None:
    res = run_cli("costs", "--group-by", "provider,tag:team", "--granularity", "month", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["schema"] == "finml-costs/1"
    assert doc["totals"] == [{"currency": "USD", "amount": str(2 * _cur.EFFECTIVE)}]
    by = {(r["period_start"], r["group"]["tag:team"]): r["amount"] for r in doc["rows"]}
    assert by[("2026-10-01T00:00:00Z", "web")] == "16.00"  # 10 on demand + 6 RI
    assert by[("2026-10-01T00:00:00Z", "ml")] == "5.00"  # SP covered (negation 0)
    assert by[("2026-11-01T00:00:00Z", None)] == "50.21"  # unused RI 35 + unused SP 12 + tax 3.21


def test_billed_metric_by_day_and_range(two_months: Path, run_cli) -> None:
    res = run_cli("costs", "--metric", "billed", "--granularity", "day", "--since", "2026-11-01", "--until",
                  "2026-12-01", "--format", "json")
    doc = json.loads(res.stdout)
    assert [r["period_start"] for r in doc["rows"]] == ["2026-11-05T00:00:00Z"]
    assert doc["totals"][0]["amount"] == str(_cur.BILLED)


def test_csv_and_table(two_months: Path, run_cli) -> None:
    res = run_cli("costs", "--group-by", "commitment-status", "--granularity", "none", "--format", "csv")
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "period_start,commitment-status,currency,amount,line_items"
    assert ",Unused,USD,94.00,4" in lines  # (35 + 12) x 2 months
    table = run_cli("costs", "--group-by", "service")
    assert "Amazon Elastic Compute Cloud" in table.stdout and "Total: 142.42 USD" in table.stdout


def test_bad_group_key(two_months: Path, run_cli) -> None:
    res = run_cli("costs", "--group-by", "colour")
    assert res.exit_code == 2 and "cannot group by 'colour'" in res.stderr


def test_demo_ingest_and_service_totals(data_dir: Path, run_cli) -> None:
    from finml.audit import DEMO_NOW

    res = run_cli("ingest", "--demo", "--output-format", "json")
    assert res.exit_code == 0, res.output
    table = demo_costs(DEMO_NOW)
    expected = sum(table["EffectiveCost"].to_pylist(), Decimal(0))
    doc = json.loads(run_cli("costs", "--group-by", "service", "--granularity", "day", "--format", "json").stdout)
    assert Decimal(doc["totals"][0]["amount"]) == expected
    assert len({r["group"]["service"] for r in doc["rows"]}) == 13
