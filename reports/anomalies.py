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


def _baseline(values: list[float], i: int, weeks: int) -> tuple[float, str] | None:
    """Seasonal baseline for day index ``i`` of a dense daily series (None = too little history)."""
    same_weekday = [values[i - 7 * w] for w in range(1, weeks + 1) if i - 7 * w >= 0]
    if len(same_weekday) >= 2:
        return statistics.median(same_weekday), f"median of same weekday, {len(same_weekday)} weeks"
    prev = values[max(0, i - 7):i]
    if len(prev) >= 3:
        return statistics.median(prev), f"median of previous {len(prev)} days (too little history for weekly seasonality)"
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
    n = (last - first).days + 1
    if n <= s.min_history_days:
        return []
    exact = [series.get(first + timedelta(days=i), Decimal(0)) for i in range(n)]
    values = [float(v) for v in exact]
    start = max(s.min_history_days, n - s.lookback_days)
    bases = {i: _baseline(values, i, s.weeks) for i in range(max(0, start - s.window_days), n)}
    residuals = {i: values[i] - b[0] for i, b in bases.items() if b is not None}
    out: list[Anomaly] = []
    for i in range(start, n):
        base = bases[i]
        if base is None:
            continue
        baseline, method = base
        window = [residuals[j] for j in range(max(0, i - s.window_days), i) if j in residuals]
        if len(window) < 3:
            continue
        centre = statistics.median(window)
        mad = statistics.median([abs(r - centre) for r in window])
        spread = max(1.4826 * mad, s.min_spread_ratio * baseline, 0.01)
        score = (values[i] - baseline) / spread
        exact_baseline = _exact_median(exact, i, s.weeks)
        if score >= s.sensitivity and exact[i] - exact_baseline >= s.min_amount:
            out.append(Anomaly(dimension, value, first + timedelta(days=i), exact[i], exact_baseline, spread, score,
                               currency, method, i))
    return out


def _exact_median(exact: list[Decimal], i: int, weeks: int) -> Decimal:
    """The same baseline as :func:`_baseline`, in exact Decimal for the reported amounts."""
    same_weekday = [exact[i - 7 * w] for w in range(1, weeks + 1) if i - 7 * w >= 0]
    pool = same_weekday if len(same_weekday) >= 2 else exact[max(0, i - 7):i]
    return Decimal(statistics.median(pool))


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
