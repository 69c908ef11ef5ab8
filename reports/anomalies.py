"""Cost anomaly detection on daily cost per service, account and tag.

Method (documented in docs/report.md): for each series and day *d*, the **seasonal baseline** is
the median of the same weekday over the previous ``weeks`` weeks (median of the previous 7 days
when fewer than 2 such weeks exist). The **spread** is 1.4826 x the median absolute deviation of
the previous ``window_days`` days from their own baselines (a robust standard deviation), floored
at ``min_spread_ratio`` x baseline so near-constant series do not flag pennies. Day *d* is an
anomaly when ``(actual - baseline) / spread >= sensitivity`` **and** the excess is at least
``min_amount``. Only increases are reported: a drop in cost is not a FinOps incident.

Statistics use floats; every amount reported (actual, baseline, excess) is the exact Decimal.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from finml.settings import setting


@dataclass(frozen=True)
class AnomalySettings:
    sensitivity: float = setting(4.0, "Robust z-score (excess / spread) at or above which a day is anomalous.",
                                 "finml default; 3.5 is Iglewicz & Hoaglin's outlier cut-off for modified z")
    min_amount: Decimal = setting(Decimal(50), "Ignore anomalies whose excess over baseline is smaller (currency units).")
    weeks: int = setting(4, "Weeks of same-weekday history in the seasonal baseline.")
    window_days: int = setting(28, "Days of history used to estimate the spread.")
    min_history_days: int = setting(7, "Series with less history are not judged.")
    min_spread_ratio: float = setting(0.05, "Spread floor as a fraction of the baseline.")
    lookback_days: int = setting(14, "Only report anomalies on the most recent N days.")


@dataclass(frozen=True)
class Anomaly:
    dimension: str
    value: str
    day: date
    actual: Decimal
    baseline: Decimal
    spread: float
    score: float
    currency: str
    method: str
    history_days: int

    @property
    def excess(self) -> Decimal:
        return self.actual - self.baseline

    def to_json(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension, "value": self.value, "day": self.day.isoformat(),
            "actual": str(self.actual), "baseline": str(self.baseline), "excess": str(self.excess),
            "currency": self.currency, "score": round(self.score, 2), "spread": round(self.spread, 4),
            "method": self.method, "history_days": self.history_days,
        }


def _baseline(series: Mapping[date, Decimal], day: date, weeks: int) -> tuple[Decimal, str] | None:
    same_weekday = [series.get(day - timedelta(weeks=w), Decimal(0)) for w in range(1, weeks + 1)
                    if day - timedelta(weeks=w) >= min(series)]
    if len(same_weekday) >= 2:
        return Decimal(statistics.median(same_weekday)), f"median of same weekday, {len(same_weekday)} weeks"
    prev = [series.get(day - timedelta(days=i), Decimal(0)) for i in range(1, 8) if day - timedelta(days=i) >= min(series)]
    if len(prev) >= 3:
        return Decimal(statistics.median(prev)), f"median of previous {len(prev)} days (too little history for weekly seasonality)"
    return None


def detect(
    dimension: str,
    value: str,
    series: Mapping[date, Decimal],
    currency: str,
    s: AnomalySettings,
    until: date | None = None,
) -> list[Anomaly]:
    """Anomalies in one daily series (missing days count as zero cost)."""
    if not series:
        return []
    first, last = min(series), until or max(series)
    out: list[Anomaly] = []
    start = max(first + timedelta(days=s.min_history_days), last - timedelta(days=s.lookback_days - 1))
    day = start
    while day <= last:
        base = _baseline(series, day, s.weeks)
        if base is not None:
            baseline, method = base
            residuals = []
            for i in range(1, s.window_days + 1):
                past = day - timedelta(days=i)
                if past < first:
                    break
                pb = _baseline(series, past, s.weeks)
                if pb is not None:
                    residuals.append(float(series.get(past, Decimal(0)) - pb[0]))
            if len(residuals) >= 3:
                centre = statistics.median(residuals)
                mad = statistics.median(abs(r - centre) for r in residuals)
                spread = max(1.4826 * mad, s.min_spread_ratio * float(baseline), 0.01)
                actual = series.get(day, Decimal(0))
                score = float(actual - baseline) / spread
                if score >= s.sensitivity and actual - baseline >= s.min_amount:
                    out.append(Anomaly(dimension, value, day, actual, baseline, spread, score, currency,
                                       method, (day - first).days))
        day += timedelta(days=1)
    return out


def detect_all(rows: Iterable[tuple[str, str, date, Decimal, str]], s: AnomalySettings,
               until: date | None = None) -> list[Anomaly]:
    """``rows`` = (dimension, value, day, cost, currency); returns anomalies, largest excess first."""
    series: dict[tuple[str, str, str], dict[date, Decimal]] = {}
    for dim, val, day, cost, cur in rows:
        series.setdefault((dim, val, cur), {})[day] = cost
    found: list[Anomaly] = []
    for (dim, val, cur), points in series.items():
        found.extend(detect(dim, val, points, cur, s, until))
    found.sort(key=lambda a: (-a.excess, a.dimension, a.value, a.day))
    return found
