"""Small, hand-checkable AWS CUR files (legacy CSV, Athena Parquet, CUR 2.0) with RI and SP lines."""

from __future__ import annotations

import csv
import gzip
import io
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PAYER = "123456789012"
RI = "arn:aws:ec2:us-east-1:123456789012:reserved-instances/ri-1"
SP = "arn:aws:savingsplans::123456789012:savingsplan/sp-1"

# (line item type, unblended, public on-demand cost, RI effective, RI unused upfront, RI unused recurring,
#  SP effective, SP commitment to date, SP used, RI arn, SP arn, resource, tag team)
LINES = [
    ("Usage", "10.00", "10.00", "", "", "", "", "", "", "", "", "i-od", "web"),
    ("DiscountedUsage", "0", "9.60", "6.00", "", "", "", "", "", RI, "", "i-ri", "web"),
    ("RIFee", "100.00", "", "", "20.00", "15.00", "", "", "", RI, "", "", ""),
    ("Fee", "500.00", "", "", "", "", "", "", "", RI, "", "", ""),
    ("SavingsPlanCoveredUsage", "8.00", "8.00", "", "", "", "5.00", "", "", "", SP, "i-sp", "ml"),
    ("SavingsPlanNegation", "-8.00", "", "", "", "", "", "", "", "", SP, "i-sp", "ml"),
    ("SavingsPlanRecurringFee", "72.00", "", "", "", "", "", "72.00", "60.00", "", SP, "", ""),
    ("Tax", "3.21", "", "", "", "", "", "", "", "", "", "", ""),
]
BILLED = Decimal("685.21")
EFFECTIVE = Decimal("71.21")  # 10 + 6 + (20 + 15 unused RI) + 5 + (72 - 60 unused SP) + 3.21
UNUSED_RI = Decimal("35.00")
UNUSED_SP = Decimal("12.00")

LEGACY_HEADER = [
    "identity/LineItemId", "identity/TimeInterval", "bill/PayerAccountId", "bill/BillingPeriodStartDate",
    "bill/BillingPeriodEndDate", "lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate",
    "lineItem/UsageEndDate", "lineItem/ProductCode", "lineItem/ResourceId", "lineItem/UsageAmount",
    "lineItem/CurrencyCode", "lineItem/UnblendedCost", "pricing/publicOnDemandCost",
    "reservation/EffectiveCost", "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
    "reservation/UnusedRecurringFee", "savingsPlan/SavingsPlanEffectiveCost",
    "savingsPlan/TotalCommitmentToDate", "savingsPlan/UsedCommitment", "reservation/ReservationARN",
    "savingsPlan/SavingsPlanARN", "product/ProductName", "product/region", "product/instanceType",
    "resourceTags/user:team",
]


def legacy_rows(period: str = "2026-10") -> list[list[str]]:
    start = f"{period}-01T00:00:00Z"
    y, m = map(int, period.split("-"))
    end = f"{y + (m == 12):04d}-{m % 12 + 1:02d}-01T00:00:00Z"
    rows = []
    for i, ln in enumerate(LINES):
        (lit, unb, lst, rie, riu, rir, spe, spc, spu, ri, sp, res, team) = ln
        hour = f"{period}-05T{i:02d}:00:00Z"
        hour_end = f"{period}-05T{i + 1:02d}:00:00Z"
        rows.append([f"li-{i}", f"{hour}/{hour_end}", PAYER, start, end, "210987654321", lit, hour, hour_end,
                     "AmazonEC2", res, "1", "USD", unb, lst, rie, riu, rir, spe, spc, spu, ri, sp,
                     "Amazon Elastic Compute Cloud", "us-east-1", "m5.large" if res else "", team])
    return rows


def write_legacy_csv(path: Path, rows: list[list[str]] | None = None, *, gz: bool = False, bom: bool = False) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(LEGACY_HEADER)
    w.writerows(rows if rows is not None else legacy_rows())
    data = (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def athena_table(drop: tuple[str, ...] = ()) -> pa.Table:
    """The same lines with Athena/Parquet (snake_case, typed) columns."""
    from finml.billing.aws_cur import athena_name

    cols: dict[str, list[object]] = {}
    for j, h in enumerate(LEGACY_HEADER):
        name = athena_name(h)
        if name.startswith("resource_tags/"):
            name = "resource_tags_user_team"
        if name in drop:
            continue
        vals = [r[j] for r in legacy_rows()]
        if h in ("lineItem/UnblendedCost", "pricing/publicOnDemandCost", "reservation/EffectiveCost",
                 "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "reservation/UnusedRecurringFee",
                 "savingsPlan/SavingsPlanEffectiveCost", "savingsPlan/TotalCommitmentToDate",
                 "savingsPlan/UsedCommitment", "lineItem/UsageAmount"):
            cols[name] = [float(v) if v else None for v in vals]
        else:
            cols[name] = [v or None for v in vals]
    return pa.table(cols)


def cur2_table() -> pa.Table:
    """CUR 2.0: timestamps typed, ``product`` and ``resource_tags`` as maps."""
    from datetime import datetime

    t = athena_table(drop=("product_product_name", "product_region", "product_instance_type",
                           "resource_tags_user_team"))
    n = t.num_rows

    def ts(col: str) -> pa.Array:
        return pa.array([datetime.fromisoformat(v.replace("Z", "+00:00")) for v in t[col].to_pylist()],
                        pa.timestamp("us", tz="UTC"))

    for c in ("bill_billing_period_start_date", "bill_billing_period_end_date", "line_item_usage_start_date",
              "line_item_usage_end_date"):
        t = t.set_column(t.schema.get_field_index(c), c, ts(c))
    rows = legacy_rows()
    product = pa.array([[("product_name", "Amazon Elastic Compute Cloud"), ("region", "us-east-1")]
                        + ([("instance_type", "m5.large")] if r[10] else []) for r in rows],
                       pa.map_(pa.string(), pa.string()))
    tags = pa.array([[("user_team", r[26])] if r[26] else [] for r in rows], pa.map_(pa.string(), pa.string()))
    t = t.append_column("product", product).append_column("resource_tags", tags)
    t = t.append_column("product_region_code", pa.array(["us-east-1"] * n))
    return t


def write_parquet(table: pa.Table, path: Path) -> Path:
    pq.write_table(table, path)
    return path
