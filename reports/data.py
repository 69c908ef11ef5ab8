"""Everything the HTML report shows, aggregated in DuckDB over the FOCUS cost rows.

:func:`build` takes a DuckDB connection and a table expression over FOCUS rows (the cost store's
``scan_sql()`` or a registered Arrow table), plus the optional audit result, audit diff and
training runs, and returns a JSON-serialisable dict. Money is exact: amounts are Decimal strings;
chart series additionally carry float copies for drawing only.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from reports.anomalies import AnomalySettings, detect_all

TOP_N = 10
METRIC = "EffectiveCost"
"""Spend is shown amortised (FOCUS EffectiveCost): commitment fees spread over the usage they cover."""


@dataclass(frozen=True)
class Period:
    since: date
    until: date  # exclusive

    @property
    def days(self) -> int:
        return (self.until - self.since).days

    def previous(self) -> Period:
        return Period(self.since - timedelta(days=self.days), self.since)

    def bounds(self) -> tuple[datetime, datetime]:
        return (datetime.combine(self.since, datetime.min.time(), timezone.utc),
                datetime.combine(self.until, datetime.min.time(), timezone.utc))


def _money(v: Any) -> str:
    return str((v or Decimal(0)).quantize(Decimal("0.01")))


class _Q:
    def __init__(self, con: Any, costs_sql: str) -> None:
        self.con = con
        self.costs = costs_sql

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return list(self.con.execute(sql.replace("{costs}", self.costs), dict(params or {})).fetchall())


def data_extent(con: Any, costs_sql: str) -> tuple[date, date] | None:
    """First day and the day after the last day with cost rows, or None if there are none."""
    row = con.execute(f"SELECT min(ChargePeriodStart), max(ChargePeriodStart) FROM {costs_sql}").fetchone()
    if row is None or row[0] is None:
        return None
    return row[0].date(), row[1].date() + timedelta(days=1)


def default_period(con: Any, costs_sql: str, days: int = 30) -> Period:
    extent = data_extent(con, costs_sql)
    if extent is None:
        today = datetime.now(timezone.utc).date()
        return Period(today - timedelta(days=days), today)
    first, end = extent
    return Period(max(first, end - timedelta(days=days)), end)


def build(
    con: Any,
    costs_sql: str,
    period: Period,
    *,
    audit: Mapping[str, Any] | None = None,
    diff: Mapping[str, Any] | None = None,
    runs: Sequence[Mapping[str, Any]] = (),
    anomaly_settings: AnomalySettings | None = None,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    q = _Q(con, costs_sql)
    con.execute("SET TimeZone = 'UTC'")
    since, until = period.bounds()
    p = {"since": since, "until": until}
    currency = _main_currency(q, p)
    p_cur = {**p, "cur": currency}
    where = "ChargePeriodStart >= $since AND ChargePeriodStart < $until AND BillingCurrency = $cur"

    prev_since, prev_until = period.previous().bounds()
    cur_total, billed_total, rows_n = q.rows(
        f"SELECT sum({METRIC}), sum(BilledCost), count(*) FROM {{costs}} WHERE {where}", p_cur)[0]
    prev_total = q.rows(
        f"SELECT sum({METRIC}) FROM {{costs}} WHERE ChargePeriodStart >= $since AND ChargePeriodStart < $until "
        "AND BillingCurrency = $cur", {"since": prev_since, "until": prev_until, "cur": currency})[0][0]

    days = [period.since + timedelta(days=i) for i in range(period.days)]
    daily_provider = _daily_stack(q, "ProviderName", where, p_cur, days)
    daily_service = _daily_stack(q, "ServiceName", where, p_cur, days, top=8)

    def top(expr: str, label: str) -> list[dict[str, Any]]:
        rows = q.rows(f"SELECT {expr} AS k, sum({METRIC}) AS c FROM {{costs}} WHERE {where} "
                      f"GROUP BY k ORDER BY c DESC NULLS LAST LIMIT {TOP_N}", p_cur)
        return [{label: k if k is not None else "(none)", "cost": _money(c)} for k, c in rows]

    tags = q.rows(
        "SELECT e.key || '=' || e.value AS k, sum(c) FROM (SELECT unnest(map_entries(Tags)) AS e, "
        f"{METRIC} AS c FROM {{costs}} WHERE {where}) GROUP BY k ORDER BY 2 DESC LIMIT {TOP_N}", p_cur)

    return {
        "schema": "finml-report/1",
        "generated_at": (generated_at or datetime.now(timezone.utc)).isoformat(),
        "currency": currency,
        "metric": METRIC,
        "period": {"since": period.since.isoformat(), "until": period.until.isoformat(), "days": period.days},
        "totals": {
            "effective": _money(cur_total), "billed": _money(billed_total), "rows": rows_n,
            "previous_effective": _money(prev_total),
            "change_pct": (None if not prev_total else
                           float(((cur_total or Decimal(0)) - prev_total) / prev_total * 100)),
        },
        "other_currencies": _other_currencies(q, p, currency),
        "daily_by_provider": daily_provider,
        "daily_by_service": daily_service,
        "top": {
            "accounts": top("coalesce(SubAccountName, SubAccountId)", "account"),
            "regions": top("RegionId", "region"),
            "services": top("ServiceName", "service"),
            "resources": top("ResourceId", "resource"),
            "tags": [{"tag": k, "cost": _money(c)} for k, c in tags],
        },
        "forecast": _forecast(q, period, currency),
        "anomalies": _anomalies(q, period, currency, anomaly_settings or AnomalySettings()),
        "commitments": _commitments(q, where, p_cur),
        "freshness": [
            {"provider": prov, "last_charge": last.isoformat() if last else None, "rows": n}
            for prov, last, n in q.rows("SELECT ProviderName, max(ChargePeriodEnd), count(*) FROM {costs} "
                                        "GROUP BY 1 ORDER BY 1")
        ],
        "audit": _audit_section(audit),
        "diff": diff,
        "runs": _runs_section(runs),
    }


def _main_currency(q: _Q, p: Mapping[str, Any]) -> str:
    rows = q.rows("SELECT BillingCurrency, sum(abs(EffectiveCost)) FROM {costs} WHERE ChargePeriodStart >= $since "
                  "AND ChargePeriodStart < $until GROUP BY 1 ORDER BY 2 DESC LIMIT 1", p)
    return rows[0][0] if rows and rows[0][0] else "USD"


def _other_currencies(q: _Q, p: Mapping[str, Any], main: str) -> list[dict[str, str]]:
    rows = q.rows(f"SELECT BillingCurrency, sum({METRIC}) FROM {{costs}} WHERE ChargePeriodStart >= $since "
                  "AND ChargePeriodStart < $until AND BillingCurrency <> $cur GROUP BY 1 ORDER BY 1", {**p, "cur": main})
    return [{"currency": c, "effective": _money(v)} for c, v in rows]


def _daily_stack(q: _Q, column: str, where: str, p: Mapping[str, Any], days: list[date], top: int | None = None) -> dict[str, Any]:
    rows = q.rows(f"SELECT CAST(ChargePeriodStart AS DATE) AS d, coalesce({column}, '(none)') AS k, sum({METRIC}) "
                  f"FROM {{costs}} WHERE {where} GROUP BY 1, 2", p)
    totals: dict[str, Decimal] = {}
    for _, k, c in rows:
        totals[k] = totals.get(k, Decimal(0)) + (c or Decimal(0))
    keys = sorted(totals, key=lambda k: -totals[k])
    kept = set(keys[:top]) if top else set(keys)
    series: dict[str, dict[date, Decimal]] = {}
    for d, k, c in rows:
        name = k if k in kept else "Other"
        slot = series.setdefault(name, {})
        slot[d] = slot.get(d, Decimal(0)) + (c or Decimal(0))
    order = [k for k in keys if k in kept] + (["Other"] if "Other" in series else [])
    return {
        "labels": [d.isoformat() for d in days],
        "series": [{"name": k, "values": [float(series[k].get(d, 0)) for d in days],
                    "total": _money(sum(series[k].values(), Decimal(0)))} for k in order],
    }


def _forecast(q: _Q, period: Period, currency: str) -> dict[str, Any] | None:
    """Month-end forecast for the month of the period's last day: month-to-date actual plus the mean
    of the last 7 complete days times the days left."""
    last = period.until - timedelta(days=1)
    month_start = last.replace(day=1)
    days_in_month = calendar.monthrange(last.year, last.month)[1]
    month_end = month_start + timedelta(days=days_in_month)
    t = lambda d: datetime.combine(d, datetime.min.time(), timezone.utc)  # noqa: E731
    mtd = q.rows(f"SELECT sum({METRIC}) FROM {{costs}} WHERE ChargePeriodStart >= $a AND ChargePeriodStart < $b "
                 "AND BillingCurrency = $cur", {"a": t(month_start), "b": t(period.until), "cur": currency})[0][0]
    recent = q.rows(f"SELECT sum({METRIC}) FROM {{costs}} WHERE ChargePeriodStart >= $a AND ChargePeriodStart < $b "
                    "AND BillingCurrency = $cur", {"a": t(period.until - timedelta(days=7)), "b": t(period.until),
                                                   "cur": currency})[0][0]
    if mtd is None:
        return None
    days_left = (month_end - period.until).days
    daily = (recent or Decimal(0)) / 7
    return {
        "month": month_start.strftime("%Y-%m"), "month_to_date": _money(mtd),
        "daily_run_rate": _money(daily), "days_left": days_left,
        "forecast": _money(mtd + daily * days_left),
        "method": "month-to-date + mean of the last 7 days x days left",
    }


def _anomalies(q: _Q, period: Period, currency: str, s: AnomalySettings) -> dict[str, Any]:
    since = datetime.combine(period.until - timedelta(days=s.weeks * 7 + s.window_days + s.lookback_days),
                             datetime.min.time(), timezone.utc)
    until = datetime.combine(period.until, datetime.min.time(), timezone.utc)
    p = {"since": since, "until": until, "cur": currency}
    base = "ChargePeriodStart >= $since AND ChargePeriodStart < $until AND BillingCurrency = $cur"
    rows: list[tuple[str, str, date, Decimal, str]] = []
    for dim, expr in (("service", "ServiceName"), ("account", "SubAccountId")):
        for k, d, c in q.rows(f"SELECT {expr}, CAST(ChargePeriodStart AS DATE), sum({METRIC}) FROM {{costs}} "
                              f"WHERE {base} AND {expr} IS NOT NULL GROUP BY 1, 2", p):
            rows.append((dim, k, d, c or Decimal(0), currency))
    for k, d, c in q.rows("SELECT e.key || '=' || e.value, d, sum(c) FROM (SELECT unnest(map_entries(Tags)) AS e, "
                          f"CAST(ChargePeriodStart AS DATE) AS d, {METRIC} AS c FROM {{costs}} WHERE {base}) "
                          "GROUP BY 1, 2", p):
        rows.append(("tag", k, d, c or Decimal(0), currency))
    found = detect_all(rows, s, until=period.until - timedelta(days=1))
    return {
        "settings": {"sensitivity": s.sensitivity, "min_amount": str(s.min_amount), "weeks": s.weeks,
                     "window_days": s.window_days, "lookback_days": s.lookback_days},
        "items": [a.to_json() for a in found[:50]],
        "count": len(found),
    }


def _commitments(q: _Q, where: str, p: Mapping[str, Any]) -> dict[str, Any]:
    rows = q.rows(
        "SELECT CommitmentDiscountId, any_value(CommitmentDiscountType), "
        f"sum(CASE WHEN CommitmentDiscountStatus = 'Used' THEN {METRIC} ELSE 0 END), "
        f"sum(CASE WHEN CommitmentDiscountStatus = 'Unused' THEN {METRIC} ELSE 0 END) "
        f"FROM {{costs}} WHERE {where} AND CommitmentDiscountId IS NOT NULL GROUP BY 1 ORDER BY 4 DESC", p)
    items = []
    for cid, ctype, used, unused in rows:
        used, unused = used or Decimal(0), unused or Decimal(0)
        denom = used + unused
        items.append({"id": cid, "type": ctype, "used": _money(used), "unused": _money(unused),
                      "utilisation_pct": float(used / denom * 100) if denom else None})
    cov = q.rows(
        f"SELECT sum(CASE WHEN CommitmentDiscountId IS NOT NULL THEN {METRIC} ELSE 0 END), sum({METRIC}) "
        f"FROM {{costs}} WHERE {where} AND ChargeCategory = 'Usage' AND ServiceCategory = 'Compute'", p)[0]
    covered, eligible = cov
    return {
        "items": items,
        "unused_total": _money(sum((Decimal(i["unused"]) for i in items), Decimal(0))),
        "coverage_pct": float(covered / eligible * 100) if eligible else None,
        "coverage_basis": "commitment-covered compute usage / all compute usage (EffectiveCost)",
    }


def _audit_section(audit: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not audit:
        return None
    return {
        "run": audit.get("run", {}),
        "totals": audit.get("totals", {}),
        "findings": audit.get("findings", []),
        "collection_errors": audit.get("collection_errors", []),
        "skipped_count": len(audit.get("skipped", [])),
    }


def _runs_section(runs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [dict(r) for r in runs]
