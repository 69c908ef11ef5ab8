"""Utilisation helpers shared by the compute recommenders: windows, percentiles, daily roll-ups.

Utilisation figures are floats (they are measurements, not money); every money figure derived
from them goes through Decimal prices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from finml.model import MetricSeries


@dataclass(frozen=True)
class Window:
    """Samples of one metric inside ``[start, end)``."""

    timestamps: tuple[datetime, ...]
    values: tuple[float, ...]
    per_sample_hours: float = 1.0

    def __len__(self) -> int:
        return len(self.values)

    @property
    def hours(self) -> float:
        """Hours of data (samples x period)."""
        return len(self.values) * self.per_sample_hours


def window(series: MetricSeries | None, now: datetime, days: int) -> Window:
    if series is None:
        return Window((), ())
    start = now - timedelta(days=days)
    pairs = [(t, float(v)) for t, v in zip(series.timestamps, series.values, strict=False) if start <= t < now and not math.isnan(float(v))]
    per_sample = series.period_s / 3600 if series.period_s else 1.0
    return Window(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs), per_sample)


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (the numpy default), ``p`` in 0..100."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    lo = math.floor(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def daily(win: Window, how: str = "mean") -> dict[date, float]:
    """Per-UTC-day mean (``how="mean"``) or sum (``how="sum"``) of a window."""
    buckets: dict[date, list[float]] = {}
    for t, v in zip(win.timestamps, win.values, strict=True):
        buckets.setdefault(t.date(), []).append(v)
    if how == "sum":
        return {d: sum(v) for d, v in sorted(buckets.items())}
    return {d: sum(v) / len(v) for d, v in sorted(buckets.items())}


def r2(x: float) -> float:
    """Round a utilisation figure for evidence (2 decimals)."""
    return round(x, 2)
