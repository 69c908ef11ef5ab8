"""Re-ingest replaces, never double-counts; a failing ingest leaves the previous state intact."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finml.billing.ingest import ingest
from finml.errors import BillingFileError
from finml.store.costs import CostStore
from tests.billing import _cur


def _total(data_dir: Path) -> tuple[int, Decimal]:
    n, billed = duckdb.sql(f"SELECT count(*), sum(BilledCost) FROM {CostStore(data_dir).scan_sql()}").fetchall()[0]
    return n, billed


def test_reingesting_the_same_file_replaces_it(tmp_path: Path, data_dir: Path) -> None:
    f = _cur.write_legacy_csv(tmp_path / "cur.csv")
    ingest([str(f)], data_dir=data_dir)
    first = _total(data_dir)
    ingest([str(f)], data_dir=data_dir)
    assert _total(data_dir) == first == (10, _cur.BILLED)


def test_restated_period_replaces_the_old_rows(tmp_path: Path, data_dir: Path) -> None:
    ingest([str(_cur.write_legacy_csv(tmp_path / "v1.csv"))], data_dir=data_dir)
    rows = _cur.legacy_rows()
    rows[0][_cur.LEGACY_HEADER.index("lineItem/UnblendedCost")] = "11.00"  # AWS restated the usage line
    ingest([str(_cur.write_legacy_csv(tmp_path / "v2-restated.csv", rows))], data_dir=data_dir)
    assert _total(data_dir) == (10, _cur.BILLED + 1)
    assert len(list(CostStore(data_dir).partitions())) == 1


def test_other_periods_are_kept(tmp_path: Path, data_dir: Path) -> None:
    ingest([str(_cur.write_legacy_csv(tmp_path / "oct.csv"))], data_dir=data_dir)
    ingest([str(_cur.write_legacy_csv(tmp_path / "nov.csv", _cur.legacy_rows("2026-11")))], data_dir=data_dir)
    assert [p.period for p in CostStore(data_dir).partitions()] == ["2026-10", "2026-11"]
    assert _total(data_dir) == (20, 2 * _cur.BILLED)


def test_parts_of_one_period_in_one_ingest_are_merged(tmp_path: Path, data_dir: Path) -> None:
    rows = _cur.legacy_rows()
    a = _cur.write_legacy_csv(tmp_path / "part1.csv", rows[:4])
    b = _cur.write_legacy_csv(tmp_path / "part2.csv", rows[4:])
    report = ingest([str(a), str(b)], data_dir=data_dir)
    assert len(report.partitions) == 1
    assert _total(data_dir) == (10, _cur.BILLED)


def test_failing_second_file_leaves_previous_state(tmp_path: Path, data_dir: Path) -> None:
    ingest([str(_cur.write_legacy_csv(tmp_path / "v1.csv"))], data_dir=data_dir)
    before = {p.path: p.path.read_bytes() for p in CostStore(data_dir).partitions()}
    rows = _cur.legacy_rows()
    rows[0][_cur.LEGACY_HEADER.index("lineItem/UnblendedCost")] = "99.00"
    good_restatement = _cur.write_legacy_csv(tmp_path / "v2.csv", rows)
    bad = _cur.write_legacy_csv(tmp_path / "bad.csv", rows[:2] + [rows[2][:13] + ["oops"] + rows[2][14:]])
    with pytest.raises(BillingFileError, match="bad.csv"):
        ingest([str(good_restatement), str(bad)], data_dir=data_dir)
    after = {p.path: p.path.read_bytes() for p in CostStore(data_dir).partitions()}
    assert after == before
    assert not list(CostStore(data_dir).root.glob(".staging-*"))


def test_crash_during_commit_keeps_each_partition_whole(tmp_path: Path, data_dir: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed while moving partitions: each partition is either the old or the new version."""
    ingest([str(_cur.write_legacy_csv(tmp_path / "oct.csv"))], data_dir=data_dir)
    import os

    real = os.replace
    calls = {"n": 0}

    def flaky(src: object, dst: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk went away")
        real(src, dst)  # type: ignore[arg-type]

    rows = _cur.legacy_rows()
    rows[0][_cur.LEGACY_HEADER.index("lineItem/UnblendedCost")] = "11.00"
    oct2 = _cur.write_legacy_csv(tmp_path / "oct2.csv", rows)
    nov = _cur.write_legacy_csv(tmp_path / "nov.csv", _cur.legacy_rows("2026-11"))
    monkeypatch.setattr("finml.store.costs.os.replace", flaky)
    with pytest.raises(OSError):
        ingest([str(oct2), str(nov)], data_dir=data_dir)
    monkeypatch.setattr("finml.store.costs.os.replace", real)
    n, billed = _total(data_dir)
    assert (n, billed) in {(10, _cur.BILLED + 1), (10, _cur.BILLED), (20, 2 * _cur.BILLED + 1)}


def test_totals_that_do_not_reconcile_fail_with_the_difference(tmp_path: Path, data_dir: Path, run_cli,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A normaliser that loses a cent is caught: exit 2, the difference shown, nothing stored."""
    from finml.billing import aws_cur
    from finml.billing.base import Plan

    real = aws_cur.CurFormat.plan

    def lossy(self: aws_cur.CurFormat, cols: object, source: str) -> Plan:
        plan = real(self, cols, source)  # type: ignore[arg-type]
        return Plan(**{**plan.__dict__, "focus_sql": plan.focus_sql.replace(
            "AS \"BilledCost\"", "- CAST(0.01 AS DECIMAL(38,10)) AS \"BilledCost\"", 1)})

    monkeypatch.setattr(aws_cur.CurFormat, "plan", lossy)
    f = _cur.write_legacy_csv(tmp_path / "cur.csv")
    res = run_cli("ingest", str(f))
    assert res.exit_code == 2
    assert "do not reconcile" in res.stderr and "difference -0.08" in res.stderr  # 8 rows x 1 cent
    assert "Reconciliation" in res.stderr and "NO" in res.stderr
    assert CostStore(data_dir).is_empty()


def test_cli_json_report_and_empty_costs(tmp_path: Path, data_dir: Path, run_cli) -> None:
    import json

    assert "No cost rows" in run_cli("costs").stdout
    res = run_cli("ingest", str(_cur.write_legacy_csv(tmp_path / "cur.csv")), "--output-format", "json")
    doc = json.loads(res.stdout)
    assert doc["schema"] == "finml-ingest/1"
    rec = {r["total"]: r for r in doc["files"][0]["reconciliation"]}
    assert rec["lineItem/UnblendedCost"]["source"] == "685.21" and rec["lineItem/UnblendedCost"]["ok"] is True
    assert doc["partitions"] == [{"provider": "aws", "period": "2026-10", "account": _cur.PAYER}]
    assert run_cli("ingest").exit_code == 2
    assert run_cli("ingest", "--format", "bogus", str(tmp_path / "cur.csv")).exit_code == 2
