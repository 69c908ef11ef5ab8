from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from reports.anomalies import AnomalySettings, detect, detect_all

START = date(2026, 8, 3)  # a Monday


def weekly(days: int, seed: int = 1) -> dict[date, Decimal]:
    """Weekdays ~100, weekends ~40: strong weekly seasonality with a little noise."""
    rng = random.Random(seed)
    out = {}
    for i in range(days):
        d = START + timedelta(days=i)
        base = 100 if d.weekday() < 5 else 40
        out[d] = Decimal(base) + Decimal(rng.randint(-300, 300)) / 100
    return out


def test_planted_spike_is_flagged_with_evidence() -> None:
    s = weekly(70)
    spike = START + timedelta(days=66)
    s[spike] += Decimal("500")
    (a,) = detect("service", "Amazon S3", s, "USD", AnomalySettings())
    assert a.day == spike and a.excess > Decimal("490") and a.score > 4
    assert "same weekday" in a.method
    doc = a.to_json()
    assert doc["actual"] == str(s[spike]) and Decimal(doc["excess"]) == s[spike] - Decimal(doc["baseline"])


def test_weekend_drop_and_monday_return_are_not_anomalies() -> None:
    # a naive 7-day median would call every Monday after a weekend normal but is fooled by seasonality
    # in other ways; the seasonal baseline must produce no false positives on a clean weekly series
    assert detect("service", "x", weekly(70), "USD", AnomalySettings()) == []


def test_min_amount_and_drops() -> None:
    s = weekly(70)
    s[START + timedelta(days=66)] += Decimal("30")  # statistically large but below 50
    s[START + timedelta(days=65)] = Decimal(0)  # a drop is not reported
    assert detect("service", "x", s, "USD", AnomalySettings(sensitivity=3.0)) == []
    assert detect("service", "x", s, "USD", AnomalySettings(sensitivity=3.0, min_amount=Decimal(10)))


def test_short_history_uses_previous_days_and_too_short_is_ignored() -> None:
    s = {START + timedelta(days=i): Decimal(100) for i in range(10)}
    s[START + timedelta(days=9)] = Decimal(400)
    (a,) = detect("account", "1", s, "USD", AnomalySettings())
    assert "previous" in a.method
    assert detect("account", "1", {START: Decimal(5), START + timedelta(days=1): Decimal(500)}, "USD",
                  AnomalySettings()) == []


def test_detect_all_orders_by_excess_and_treats_missing_days_as_zero() -> None:
    a = weekly(70, seed=2)
    b = weekly(70, seed=3)
    a[START + timedelta(days=68)] += Decimal(200)
    b[START + timedelta(days=68)] += Decimal(900)
    rows = [("service", "a", d, c, "USD") for d, c in a.items()]
    rows += [("service", "b", d, c, "USD") for d, c in b.items()]
    found = detect_all(rows, AnomalySettings())
    assert [x.value for x in found] == ["b", "a"]
