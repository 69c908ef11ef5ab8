"""finml.audit.analyse prices findings with the layered catalog: bills first, then the table,
then the estimator (fed with the estate's instance-type facts)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pyarrow as pa
import pytest

from finml.audit import Source, analyse
from finml.config import Config
from finml.focus import SCHEMA, TableCostsView
from finml.model import Estate, Instance, InstanceState, InstanceType, MetricSeries
from finml.provider import Provider
from finml.raw import RawPages

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


class _Fake(Provider):
    name = "fake-wiring"
    title = "Fake"

    def collect(self, ctx: object) -> None:  # pragma: no cover - never called
        raise AssertionError

    @classmethod
    def normalise(cls, pages: RawPages) -> Estate:
        start = NOW - timedelta(days=14)
        ts = tuple(start + timedelta(hours=i) for i in range(336))
        estate = Estate(resources=[
            Instance(provider="aws", account="1", region="us-east-1", id="i-old", instance_type="m4.large", state=InstanceState.RUNNING),
            Instance(provider="aws", account="1", region="us-east-1", id="i-odd", instance_type="x9.large", state=InstanceState.RUNNING),
        ])
        estate.instance_types[("aws", "x9.large")] = InstanceType(provider="aws", name="x9.large", vcpus=2, memory_gib=8, family="x9")
        for metric, value in (("cpu.utilization", 1.0), ("network.in.bytes", 10.0)):
            estate.metrics.append(MetricSeries("aws", "i-odd", metric, "x", 3600, "Average", ts, (value,) * 336))
        return estate

    @classmethod
    def demo_pages(cls, now: datetime) -> RawPages:  # pragma: no cover
        return RawPages()


@pytest.fixture()
def fake_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    from providers import registry

    monkeypatch.setitem(registry._paths, "fake-wiring", f"{__name__}:_Fake")
    monkeypatch.setitem(registry._loaded, "fake-wiring", _Fake)


def test_analyse_uses_bill_rates_and_the_estimator(fake_provider: None) -> None:
    pages = RawPages()
    pages.add("fake-wiring", "1", "us-east-1", "ec2", "DescribeInstances", {})
    row: dict[str, object] = {c: None for c in SCHEMA.names}
    row.update({"ProviderName": "AWS", "RegionId": "us-east-1", "ChargeCategory": "Usage", "PricingCategory": "Standard",
                "PricingUnit": "Hours", "PricingQuantity": Decimal(10), "EffectiveCost": Decimal("1.10"),
                "BillingCurrency": "USD", "x_InstanceType": "m4.large",
                "ChargePeriodStart": NOW - timedelta(days=2), "ChargePeriodEnd": NOW - timedelta(days=1)})
    costs = TableCostsView(pa.Table.from_pylist([row], schema=SCHEMA))
    result = analyse(pages, Config(), now=NOW, source=Source("demo"), costs=costs,
                     recommender_names=["previous-generation", "idle-instances"])
    by = {(f.recommender, f.resource_id): f for f in result.findings}
    prev = by[("previous-generation", "i-old")]
    assert prev.evidence["price_source"] == "bill-derived" and prev.evidence["current_hourly"] == "0.11"
    assert prev.monthly_saving.amount == (Decimal("0.11") - Decimal("0.096")) * 730
    idle = by[("idle-instances", "i-odd")]
    assert idle.evidence["price_source"] == "estimate:unit-rates" and idle.evidence["price_is_estimate"] is True
    assert idle.confidence.value == "medium"
