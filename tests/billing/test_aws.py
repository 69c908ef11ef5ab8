from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finml.billing.ingest import ingest
from finml.store.costs import CostStore
from tests.billing import _cur


def _focus(data_dir: Path) -> list[dict]:
    store = CostStore(data_dir)
    con = duckdb.connect()
    rel = con.sql(f"SELECT ChargeCategory, CommitmentDiscountStatus, CommitmentDiscountType, BilledCost, "
                  f"EffectiveCost, x_SourceRow, Tags, RegionId, x_InstanceType FROM {store.scan_sql()} "
                  "ORDER BY x_SourceRow, CommitmentDiscountStatus NULLS FIRST")
    cols = rel.columns
    return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]


def _check_amortisation(rows: list[dict]) -> None:
    assert len(rows) == 10  # 8 lines + an Unused row each for RIFee and SavingsPlanRecurringFee
    assert sum(r["BilledCost"] for r in rows) == _cur.BILLED
    assert sum(r["EffectiveCost"] for r in rows) == _cur.EFFECTIVE
    unused = {r["CommitmentDiscountType"]: r["EffectiveCost"] for r in rows if r["CommitmentDiscountStatus"] == "Unused"}
    assert unused == {"Reservation": _cur.UNUSED_RI, "Savings Plan": _cur.UNUSED_SP}
    by_row = {(r["x_SourceRow"], r["CommitmentDiscountStatus"]): r for r in rows}
    assert by_row[(2, "Used")]["EffectiveCost"] == Decimal("6.00")  # DiscountedUsage
    assert by_row[(3, None)]["ChargeCategory"] == "Purchase" and by_row[(3, None)]["EffectiveCost"] == 0
    assert by_row[(4, None)]["BilledCost"] == Decimal("500") and by_row[(4, None)]["EffectiveCost"] == 0
    assert by_row[(5, "Used")]["EffectiveCost"] == Decimal("5.00")
    assert by_row[(6, "Used")]["BilledCost"] == Decimal("-8.00") and by_row[(6, "Used")]["EffectiveCost"] == 0
    assert by_row[(8, None)]["ChargeCategory"] == "Tax"
    assert by_row[(1, None)]["Tags"] == {"team": "web"}
    assert by_row[(1, None)]["RegionId"] == "us-east-1"


def test_legacy_csv_gz_amortisation_matches_hand_computed(tmp_path: Path, data_dir: Path) -> None:
    f = _cur.write_legacy_csv(tmp_path / "cur-00001.csv.gz", gz=True)
    report = ingest([str(f)], data_dir=data_dir)
    assert report.files[0].format == "aws-cur"
    labels = {ln.label: (ln.source_total, ln.focus_total) for ln in report.lines}
    assert labels["lineItem/UnblendedCost"] == (_cur.BILLED, _cur.BILLED)
    assert labels["amortised cost (AWS rules)"] == (_cur.EFFECTIVE, _cur.EFFECTIVE)
    _check_amortisation(_focus(data_dir))
    parts = list(CostStore(data_dir).partitions())
    assert [(p.provider, p.period, p.account) for p in parts] == [("aws", "2026-10", _cur.PAYER)]


def test_athena_parquet_and_cur2_give_the_same_amortisation(tmp_path: Path, data_dir: Path) -> None:
    f = _cur.write_parquet(_cur.athena_table(), tmp_path / "athena.parquet")
    assert ingest([str(f)], data_dir=data_dir).files[0].format == "aws-cur-athena"
    _check_amortisation(_focus(data_dir))
    g = _cur.write_parquet(_cur.cur2_table(), tmp_path / "cur2.parquet")
    report = ingest([str(g)], data_dir=data_dir)
    assert report.files[0].format == "aws-cur2"
    rows = _focus(data_dir)
    _check_amortisation(rows)
    assert rows[0]["x_InstanceType"] == "m5.large"


def test_athena_schema_drift_missing_columns_read_as_null(tmp_path: Path, data_dir: Path) -> None:
    drifted = _cur.athena_table(drop=("pricing_public_on_demand_cost", "resource_tags_user_team", "product_region"))
    f = _cur.write_parquet(drifted, tmp_path / "month2.parquet")
    report = ingest([str(f)], data_dir=data_dir)
    assert all(ln.ok for ln in report.lines)
    assert "pricing/publicOnDemandCost" not in {ln.label for ln in report.lines}
    rows = _focus(data_dir)
    assert sum(r["EffectiveCost"] for r in rows) == _cur.EFFECTIVE
    assert rows[0]["Tags"] == {}


def test_zip_with_manifest_and_bom(tmp_path: Path, data_dir: Path) -> None:
    import zipfile

    d = tmp_path / "report" / "20261001-20261101"
    (d / "assembly-1").mkdir(parents=True)
    csv_path = _cur.write_legacy_csv(tmp_path / "part.csv", bom=True)
    with zipfile.ZipFile(d / "assembly-1" / "cur-1.csv.zip", "w") as zf:
        zf.write(csv_path, "cur-1.csv")
    (d / "cur-Manifest.json").write_text(json.dumps(
        {"reportKeys": ["report/20261001-20261101/assembly-1/cur-1.csv.zip"]}))
    report = ingest([str(tmp_path / "report")], data_dir=data_dir)
    assert report.files[0].file.endswith("cur-1.csv.zip!cur-1.csv")
    _check_amortisation(_focus(data_dir))


def test_s3_prefix_with_moto(tmp_path: Path, data_dir: Path) -> None:
    boto3 = pytest.importorskip("boto3")
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="billing")
        f = _cur.write_legacy_csv(tmp_path / "cur.csv.gz", gz=True)
        s3.upload_file(str(f), "billing", "cur/demo/20261001-20261101/cur-00001.csv.gz")
        s3.put_object(Bucket="billing", Key="other/ignored.txt", Body=b"x")
        report = ingest(["s3://billing/cur/demo/"], data_dir=data_dir, s3_client=s3)
    assert report.files[0].file == "s3://billing/cur/demo/20261001-20261101/cur-00001.csv.gz"
    _check_amortisation(_focus(data_dir))
    src = duckdb.sql(f"SELECT DISTINCT x_SourceFile FROM {CostStore(data_dir).scan_sql()}").fetchall()
    assert src == [("s3://billing/cur/demo/20261001-20261101/cur-00001.csv.gz",)]
