"""Every bundled public sample ingests, with reconciled totals."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from finml.billing.ingest import ingest
from finml.store.costs import CostStore
from tests.billing.conftest import DATA

SAMPLES = {
    "focus/focus_sample.csv": ("focus", 1000),
    "focus_converters/azure-ea-export-sample.csv": ("azure-export", 27),
    "koku/test_cur.csv": ("aws-cur", 19),
    "koku/aws/2022-07-01-alt-columns.csv": ("aws-cur-athena", 2),
    "koku/aws/2023-06-01.csv": ("aws-cur", 3),
    "koku/azure/azure_camelCased.csv": ("azure-export", 3),
    "koku/azure/azure_version_2.csv": ("azure-export", 5),
    "koku/azure/camel_azure_version_2.csv": ("azure-export", 4),
    "koku/azure/costreport_a243c6f2-199f-4074-9a2c-40e671cf1584.csv": ("azure-export", 3),
    "koku/gcp/202011_30c31bca571d9b7f3b2c8459dd8bc34a_2020-11-08_2020-11-11.csv": ("gcp-export", 25),
    "koku/gcp/2022-08-01_5.csv": ("gcp-export", 9),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_ingests_and_reconciles(name: str, data_dir: Path) -> None:
    fmt, rows = SAMPLES[name]
    report = ingest([str(DATA / name)], data_dir=data_dir)
    (f,) = report.files
    assert (f.format, f.rows_in) == (fmt, rows)
    assert f.lines and all(ln.ok and ln.source_total == ln.focus_total for ln in f.lines)
    stored = CostStore(data_dir).rows(datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
    assert stored.num_rows == f.rows_out


def test_focus_sample_keeps_its_providers_apart(data_dir: Path) -> None:
    report = ingest([str(DATA / "focus/focus_sample.csv")], data_dir=data_dir)
    providers = {p for p, _, _ in report.partitions}
    assert {"aws", "azure"} <= providers


def test_gcp_sample_credits_become_credit_rows(data_dir: Path) -> None:
    import duckdb

    report = ingest([str(DATA / "koku/gcp/202011_30c31bca571d9b7f3b2c8459dd8bc34a_2020-11-08_2020-11-11.csv")],
                    data_dir=data_dir)
    totals = {ln.label: ln.focus_total for ln in report.lines}
    assert totals["credits.amount"] == -totals["cost"]  # free-trial promotions cover everything
    n = duckdb.sql(f"SELECT count(*) FROM {CostStore(data_dir).scan_sql()} WHERE ChargeCategory = 'Credit'").fetchall()
    assert n == [(8,)]
