from __future__ import annotations

from decimal import Decimal

import pytest

from finml.money import Money, total


def test_sums_are_exact_where_floats_drift() -> None:
    cents = [Money.of("0.1", "USD")] * 10
    assert total(cents, "USD") == Money.of("1.0", "USD")
    assert sum([0.1] * 10) != 1.0  # the float sum this type exists to avoid


def test_floats_are_taken_by_their_repr_not_binary_value() -> None:
    assert Money.of(0.1, "usd").amount == Decimal("0.1")
    assert Money.of(0.1, "usd").currency == "USD"


def test_currency_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="currency mismatch"):
        Money.of(1, "USD") + Money.of(1, "EUR")
    with pytest.raises(ValueError):
        total([Money.of(1, "USD"), Money.of(1, "EUR")], "USD")


def test_rounding_is_bankers_and_json_is_a_string() -> None:
    assert Money.of("2.345", "USD").rounded().amount == Decimal("2.34")
    assert Money.of("2.355", "USD").rounded().amount == Decimal("2.36")
    assert Money.of("1.5", "EUR").to_json() == {"amount": "1.5", "currency": "EUR"}
    assert Money.from_json({"amount": "1.5", "currency": "EUR"}) == Money.of("1.5", "EUR")


def test_hourly_to_monthly_uses_730_hours() -> None:
    assert Money.of("0.005", "USD").per_month_from_hourly() == Money.of("3.65", "USD")


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError):
        Money.of("abc", "USD")
    with pytest.raises(ValueError):
        Money.of(1, "US")
    with pytest.raises(TypeError):
        Money.of(True, "USD")
