"""``finml costs``: aggregate the FOCUS cost store in DuckDB, exactly.

Money is summed as DECIMAL(38,10) and always per billing currency (finml never adds dollars to
euros); results carry the exact decimal as a string. JSON schema: ``docs/costs-json.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from finml.billing.sql import lit, q
from finml.errors import UsageError
from finml.store.costs import CostStore

SCHEMA_VERSION = "finml-costs/1"

GROUPS = {
    "provider": "provider",
    "service": "ServiceName",
    "category": "ServiceCategory",
    "account": "SubAccountId",
    "billing-account": "BillingAccountId",
    "region": "RegionId",
    "resource": "ResourceId",
    "sku": "SkuId",
    "charge-category": "ChargeCategory",
    "pricing-category": "PricingCategory",
    "commitment": "CommitmentDiscountId",
    "commitment-status": "CommitmentDiscountStatus",
    "instance-type": "x_InstanceType",
}
METRICS = {"billed": "BilledCost", "effective": "EffectiveCost", "list": "ListCost", "contracted": "ContractedCost"}
GRANULARITIES = ("day", "month", "none")
_TAG = re.compile(r"^tag:(.+)$")


@dataclass(frozen=True)
class CostRow:
    period_start: datetime | None
    group: dict[str, str | None]
    currency: str
    amount: Decimal
    line_items: int


@dataclass(frozen=True)
class CostResult:
    since: datetime | None
    until: datetime | None
    group_by: tuple[str, ...]
    granularity: str
    metric: str
    rows: list[CostRow]

    def totals(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for r in self.rows:
            out[r.currency] = out.get(r.currency, Decimal(0)) + r.amount
        return out


def parse_group_by(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    keys = tuple(k.strip() for k in value.split(",") if k.strip())
    for k in keys:
        if k not in GROUPS and not _TAG.match(k):
            raise UsageError(f"cannot group by {k!r}",
                             hint=f"use {', '.join(GROUPS)} or tag:KEY (comma-separated)")
    return keys


def _group_expr(key: str) -> str:
    m = _TAG.match(key)
    if m:
        return f"map_extract_value(Tags, {lit(m.group(1))})"
    return q(GROUPS[key])


def scan_sql(store: CostStore) -> str:
    """Every stored row plus ``provider`` (the store partition's provider id)."""
    path = lit(store.glob())
    return f"(SELECT * FROM read_parquet({path}, hive_partitioning = true, union_by_name = true))"


def aggregate(data_dir: Path, *, since: datetime | None = None, until: datetime | None = None,
              group_by: tuple[str, ...] = (), granularity: str = "day", metric: str = "effective") -> CostResult:
    import duckdb

    if granularity not in GRANULARITIES:
        raise UsageError(f"unknown granularity {granularity!r}", hint="use day, month or none")
    if metric not in METRICS:
        raise UsageError(f"unknown metric {metric!r}", hint=f"use {', '.join(METRICS)}")
    store = CostStore(data_dir)
    if store.is_empty():
        return CostResult(since, until, group_by, granularity, metric, [])
    col = q(METRICS[metric])
    keys = [_group_expr(k) for k in group_by]
    where = ["TRUE"]
    params: dict[str, Any] = {}
    if since is not None:
        where.append("ChargePeriodStart >= CAST($since AS TIMESTAMPTZ)")
        params["since"] = since.isoformat()
    if until is not None:
        where.append("ChargePeriodStart < CAST($until AS TIMESTAMPTZ)")
        params["until"] = until.isoformat()
    # Group by the UTC day number first (integer arithmetic, no calendar per row), then turn the
    # few resulting days into day/month buckets.
    day = "epoch_us(ChargePeriodStart) // 86400000000" if granularity != "none" else "NULL"
    select_keys = "".join(f", {k} AS g{i}" for i, k in enumerate(keys))
    outer_keys = "".join(f", g{i}" for i in range(len(keys)))
    date = "(DATE '1970-01-01' + CAST(d AS INTEGER))"
    bucket = {"day": f"strftime({date}, '%Y-%m-%dT00:00:00Z')",
              "month": f"strftime(date_trunc('month', {date}), '%Y-%m-%dT00:00:00Z')",
              "none": "NULL"}[granularity]
    sql = (f"SELECT {bucket} AS p{outer_keys}, cur, sum(amount) AS amount, sum(n) AS n FROM ("
           f"SELECT {day} AS d{select_keys}, BillingCurrency AS cur, sum({col}) AS amount, count(*) AS n "
           f"FROM {scan_sql(store)} WHERE {' AND '.join(where)} GROUP BY ALL) GROUP BY ALL "
           f"ORDER BY p NULLS FIRST{''.join(f', g{i} NULLS LAST' for i in range(len(keys)))}, cur")
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        result = con.execute(sql, params).fetchall()
    finally:
        con.close()
    rows = []
    for r in result:
        p = datetime.fromisoformat(r[0].replace("Z", "+00:00")) if r[0] else None
        group = {k: (None if v is None else str(v)) for k, v in zip(group_by, r[1:1 + len(keys)], strict=True)}
        amount = r[1 + len(keys) + 1]
        rows.append(CostRow(p, group, str(r[1 + len(keys)]), Decimal(amount if amount is not None else 0),
                            int(r[-1])))
    return CostResult(since, until, group_by, granularity, metric, rows)


def money_str(value: Decimal) -> str:
    """Exact, without exponent or trailing zeros beyond cents (``12.3400000000`` -> ``12.34``)."""
    text = format(value, "f")
    if "." in text:
        head, tail = text.split(".")
        tail = tail.rstrip("0")
        tail = tail + "0" * (2 - len(tail)) if len(tail) < 2 else tail
        text = f"{head}.{tail}"
    return text


def to_json(result: CostResult) -> dict[str, Any]:
    from finml import __version__

    return {
        "schema": SCHEMA_VERSION,
        "finml_version": __version__,
        "query": {
            "since": result.since.isoformat() if result.since else None,
            "until": result.until.isoformat() if result.until else None,
            "group_by": list(result.group_by),
            "granularity": result.granularity,
            "metric": result.metric,
            "column": METRICS[result.metric],
        },
        "totals": [{"currency": c, "amount": money_str(a)} for c, a in sorted(result.totals().items())],
        "rows": [
            {
                "period_start": r.period_start.strftime("%Y-%m-%dT%H:%M:%SZ") if r.period_start else None,
                "group": r.group,
                "currency": r.currency,
                "amount": money_str(r.amount),
                "line_items": r.line_items,
            }
            for r in result.rows
        ],
    }
