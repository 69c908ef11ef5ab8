"""GCP billing export files with nested credits (CUD, SUD, free tier, promotion) and labels."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from finml.billing.ingest import ingest
from finml.store.costs import CostStore


def _row(cost: str, credits: list[dict], sku: str = "N2 Instance Core", labels: list | None = None) -> dict:
    return {
        "billing_account_id": "01ABCD-234567-89EFGH",
        "service": {"id": "6F81-5844-456A", "description": "Compute Engine"},
        "sku": {"id": "SKU-1", "description": sku},
        "usage_start_time": "2026-10-03T10:00:00+00:00", "usage_end_time": "2026-10-03T11:00:00+00:00",
        "project": {"id": "ml-prod", "name": "ML prod"},
        "labels": labels or [{"key": "team", "value": "ml"}],
        "location": {"location": "us-central1", "region": "us-central1", "zone": "us-central1-a"},
        "export_time": "2026-10-04T01:00:00+00:00",
        "cost": cost, "currency": "USD",
        "usage": {"amount": "3600", "unit": "seconds", "amount_in_pricing_units": "1", "pricing_unit": "hour"},
        "credits": credits, "invoice": {"month": "202610"}, "cost_type": "regular",
    }


ROWS = [
    _row("10.00", [{"name": "Committed use discount: N2 Core", "amount": "-6.50", "full_name": None,
                    "id": "CUD-1", "type": "COMMITTED_USAGE_DISCOUNT"},
                   {"name": "Promo", "amount": "-1.00", "full_name": None, "id": "P-1", "type": "PROMOTION"}]),
    _row("4.00", [{"name": "Sustained usage discount", "amount": "-0.80", "full_name": None, "id": "SUD",
                   "type": "SUSTAINED_USAGE_DISCOUNT"}]),
    _row("0.30", [{"name": "Free tier", "amount": "-0.30", "full_name": None, "id": "FT", "type": "FREE_TIER"}]),
    _row("5.00", [], sku="Commitment v1: N2 Cpu in Americas for 1 Year"),
]


def _check(data_dir: Path) -> None:
    rows = duckdb.sql(f"SELECT ChargeCategory, BilledCost, EffectiveCost, CommitmentDiscountId, "
                      f"CommitmentDiscountStatus, Tags, SubAccountId FROM {CostStore(data_dir).scan_sql()} "
                      "ORDER BY x_SourceRow, ChargeCategory DESC, BilledCost").fetchall()
    assert sum(r[1] for r in rows) == Decimal("10.70")  # cost 19.30 + credits -8.60
    assert sum(r[2] for r in rows) == Decimal("10.70")
    usage = rows[0]
    assert usage[0] == "Usage" and usage[2] == Decimal("3.50")  # 10 - 6.50 CUD (promotion stays a credit)
    assert usage[3] == "CUD-1" and usage[4] == "Used" and usage[5] == {"team": "ml"} and usage[6] == "ml-prod"
    credits = [r for r in rows if r[0] == "Credit"]
    assert len(credits) == 4
    promo = next(r for r in credits if r[1] == Decimal("-1.00"))
    assert promo[2] == Decimal("-1.00")
    assert all(r[2] == 0 for r in credits if r is not promo)
    assert rows[-1][0] == "Purchase"  # commitment fee


def test_jsonl_nested_credits(tmp_path: Path, data_dir: Path) -> None:
    f = tmp_path / "billing.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    report = ingest([str(f)], data_dir=data_dir)
    totals = {ln.label: ln.source_total for ln in report.lines}
    assert totals == {"cost": Decimal("19.30"), "credits.amount": Decimal("-8.60"), "cost + credits": Decimal("10.70")}
    _check(data_dir)


def test_parquet_nested_credits(tmp_path: Path, data_dir: Path) -> None:
    rows = [dict(r, cost=float(r["cost"]), credits=[dict(c, amount=float(c["amount"])) for c in r["credits"]])
            for r in ROWS]
    f = tmp_path / "billing.parquet"
    pq.write_table(pa.Table.from_pylist(rows), f)
    ingest([str(f)], data_dir=data_dir)
    _check(data_dir)
