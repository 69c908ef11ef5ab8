"""The commitment simulation arithmetic, checked against hand-computed figures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pyarrow as pa
import pytest

from finml.focus import SCHEMA, TableCostsView
from recommenders._commitments import (
    Terms,
    aws_normalised_units,
    best_spend_level,
    best_unit_level,
    commitment_use,
    on_demand_usage,
)

SINCE = datetime(2026, 10, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("t,nu", [("t3.nano", "0.25"), ("m5.large", "4"), ("m5.xlarge", "8"), ("c5.9xlarge", "72"),
                                  ("m7i.48xlarge", "384"), ("g4dn.metal", None)])
def test_aws_normalisation_factors(t: str, nu: str | None) -> None:
    assert aws_normalised_units(t) == (D(nu) if nu else None)


def test_unit_level_maximises_net_saving_under_the_floor() -> None:
    # 10 hours: 8 units for 6 hours, 16 units for 4 hours; od 0.024/unit, RI 0.015/unit
    usage = [D(8)] * 6 + [D(16)] * 4
    od_cost = sum(usage) * D("0.024")
    free = best_unit_level(usage, D("0.024"), D("0.015"), D(4), D(0), od_cost)
    assert free is not None
    # level 8: 80 covered x 0.024 - 8 x 0.015 x 10 = 0.72; level 12: 96 x 0.024 - 1.8 = 0.504; level 16: 2.688 - 2.4 = 0.288
    assert free.level == D(8) and free.net_saving == D("0.720")
    assert free.utilisation_pct == D(100)
    # 16 units used 8 hours of 10: 80 % utilisation, below a 90 % floor
    strict = best_unit_level([D(16)] * 8 + [D(0)] * 2, D("0.024"), D("0.015"), D(4), D(90), D("3.072"))
    assert strict is None


def test_spend_level_covers_highest_discount_first() -> None:
    # one hour: type A 0.10 at SP rates (od/sp ratio 2), type B 0.10 (ratio 1.25); commitment 0.10 covers A only
    hourly = [[(D("0.10"), D(2)), (D("0.10"), D("1.25"))]] * 4
    sim = best_spend_level(hourly, D(90), D("1.8"), granularity=D("0.01"), steps=2)
    assert sim is not None
    # levels tried: 0.20 (all): avoided 0.2+0.125=0.325/h, net 0.125/h; level equal for all hours
    assert sim.level == D("0.20") and sim.net_saving == D("0.500") and sim.utilisation_pct == D(100)


def test_terms_upfront_break_even_and_roi() -> None:
    hourly = [[(D("0.1652"), D("0.384") / D("0.1652"))]] * 720
    sim = best_spend_level(hourly, D(90), D("276.48"), granularity=D("0.0001"), steps=1)
    assert sim is not None and sim.level == D("0.1652")
    t = Terms.of(sim, "3y", "all-upfront", "USD")
    assert t.upfront.amount == D("0.1652") * 26280
    assert t.recurring_monthly.amount == 0
    assert t.monthly_saving.amount == (D("0.384") - D("0.1652")) * 730
    assert t.break_even_months == D("15.5") and t.roi_pct == D("132.4")
    half = Terms.of(sim, "1y", "partial-upfront", "USD")
    assert half.upfront.amount == D("0.1652") * 8760 / 2 and half.recurring_monthly.amount == D("0.1652") * 730 / 2


def _table(rows: list[dict]) -> TableCostsView:
    full = []
    for r in rows:
        row = {c: None for c in SCHEMA.names}
        row.update(r)
        full.append(row)
    return TableCostsView(pa.Table.from_pylist(full, schema=SCHEMA))


def test_daily_rows_are_spread_over_their_hours_and_clipped_to_the_window() -> None:
    day = {"ProviderName": "AWS", "SubAccountId": "1", "RegionId": "us-east-1", "ChargeCategory": "Usage",
           "PricingCategory": "Standard", "PricingUnit": "Hours", "BillingCurrency": "USD", "x_InstanceType": "m5.large",
           "PricingQuantity": D(96), "EffectiveCost": D("9.216")}
    rows = [{**day, "ChargePeriodStart": SINCE + timedelta(days=i), "ChargePeriodEnd": SINCE + timedelta(days=i + 1)} for i in range(3)]
    until = SINCE + timedelta(days=2, hours=12)  # the third day is half inside the window
    [u] = on_demand_usage(_table(rows), SINCE, until)
    assert len(u.quantity) == 60 and set(u.quantity.values()) == {D(4)}
    assert u.total_quantity == D(240) and u.cost == D("23.040")
    assert u.rate == D("0.096")


def test_commitment_use_used_unused_and_on_demand_by_service() -> None:
    base = {"ProviderName": "AWS", "SubAccountId": "1", "ChargeCategory": "Usage", "BillingCurrency": "USD",
            "ServiceName": "Amazon Elastic Compute Cloud", "ChargePeriodStart": SINCE, "ChargePeriodEnd": SINCE + timedelta(hours=1)}
    uses, od = commitment_use(_table([
        {**base, "CommitmentDiscountId": "ri-1", "CommitmentDiscountStatus": "Used", "EffectiveCost": D("0.03"), "ListCost": D("0.096")},
        {**base, "CommitmentDiscountId": "ri-1", "CommitmentDiscountStatus": "Unused", "EffectiveCost": D("0.01")},
        {**base, "PricingCategory": "Standard", "EffectiveCost": D("0.5")},
        {**base, "ChargeCategory": "Purchase", "CommitmentDiscountId": "ri-1", "EffectiveCost": D("0")},
    ]), SINCE, SINCE + timedelta(days=1))
    [u] = uses
    assert (u.used, u.unused, u.purchased, u.utilisation_pct) == (D("0.03"), D("0.01"), D("0.04"), D(75))
    assert u.covered_list_cost == D("0.096") and u.hours == D(1)
    assert od == {("aws", "1"): {"Amazon Elastic Compute Cloud": D("0.5")}}
