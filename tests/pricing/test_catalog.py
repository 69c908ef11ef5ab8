"""The layered price catalog: embedded table, region fallback, estimator, bill-derived rates."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pyarrow as pa
import pytest

from finml import config as config_mod
from finml.focus import SCHEMA, TableCostsView
from finml.model import InstanceType
from finml.pricing import LayeredCatalog, default_catalog
from finml.pricing.bills import BillDerivedCatalog
from finml.pricing.embedded import EmbeddedCatalog
from finml.pricing.facts import embedded_facts, known_types, lookup

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


def test_embedded_exact_region_price_has_source_and_date() -> None:
    q = default_catalog().instance_hour("aws", "us-east-1", "m6i.xlarge")
    assert q is not None
    assert q.price.amount == Decimal("0.192") and q.price.currency == "USD"
    assert q.source == "embedded:aws.amazon.com/ec2/pricing/on-demand"
    assert q.as_of == date(2026, 10, 1) and not q.estimate and q.note is None


def test_region_fallback_uses_reference_price_and_says_so() -> None:
    q = default_catalog().instance_hour("aws", "sa-east-1", "c6i.large")
    assert q is not None and q.price.amount == Decimal("0.085")
    assert q.note == "no sa-east-1 price in the embedded table; reference-region price used"
    ev = q.evidence()
    assert ev["price_note"] == q.note and ev["price_is_estimate"] is False


@pytest.mark.parametrize("provider,key", [
    ("aws", "gp3"), ("azure", "Premium_LRS"), ("gcp", "pd-balanced"), ("alibaba", "cloud_essd"),
    ("azure", "snapshot"), ("gcp", "gcs-nearline"), ("alibaba", "oss-standard"),
])
def test_storage_classes_of_all_four_providers(provider: str, key: str) -> None:
    q = default_catalog().storage_gb_month(provider, "some-region-1", key)
    assert q is not None and q.unit == "GB-month" and q.price.amount > 0


@pytest.mark.parametrize("provider", ["aws", "azure", "gcp", "alibaba"])
def test_public_ip_price_for_all_providers(provider: str) -> None:
    q = default_catalog().address_hour(provider, "anywhere")
    assert q is not None and q.unit == "hour"


@pytest.mark.parametrize("provider,name,gpus,model", [
    ("aws", "p5.48xlarge", 8, "NVIDIA H100"), ("aws", "g6e.xlarge", 1, "NVIDIA L40S"),
    ("azure", "Standard_ND96isr_H100_v5", 8, "NVIDIA H100"), ("azure", "Standard_NC24ads_A100_v4", 1, "NVIDIA A100"),
    ("gcp", "a3-highgpu-8g", 8, "NVIDIA H100"), ("gcp", "g2-standard-4", 1, "NVIDIA L4"),
    ("alibaba", "ecs.gn7i-c8g1.2xlarge", 1, "NVIDIA A10"),
])
def test_gpu_types_have_price_and_facts(provider: str, name: str, gpus: int, model: str) -> None:
    it = lookup(provider, name)
    assert it is not None and it.gpus == gpus and it.gpu_model == model
    assert default_catalog().instance_hour(provider, "*", name) is not None


def test_every_fact_row_has_a_reference_price_and_every_price_row_a_date() -> None:
    table = EmbeddedCatalog.load()
    missing = [k for k in embedded_facts() if table.instance_hour(k[0], "*", embedded_facts()[k].name) is None]
    assert missing == []
    assert all(q.as_of >= date(2024, 1, 1) and len(q.source) > len("embedded:") for q in table._rows.values())


def test_estimator_prices_unknown_type_from_unit_rates_and_flags_it() -> None:
    facts = {("aws", "x9.large"): InstanceType(provider="aws", name="x9.large", vcpus=2, memory_gib=8, family="x9")}
    catalog = default_catalog(facts=facts)
    q = catalog.instance_hour("aws", "us-east-1", "x9.large")
    assert q is not None and q.estimate is True and q.source == "estimate:unit-rates"
    assert "2 vCPU x" in (q.note or "") and "8 GiB x" in (q.note or "")
    # in the right range: a general-purpose 2 vCPU / 8 GiB type costs about 0.096/h
    assert Decimal("0.07") < q.price.amount < Decimal("0.12")
    assert q.evidence()["price_is_estimate"] is True


def test_estimator_prices_gpu_by_model_and_never_for_committed_terms() -> None:
    facts = {("gcp", "a9-gpu"): InstanceType(provider="gcp", name="a9-gpu", vcpus=12, memory_gib=85, family="a9",
                                             gpus=1, gpu_model="NVIDIA A100", gpu_memory_gib=40)}
    catalog = default_catalog(facts=facts)
    q = catalog.instance_hour("gcp", "us-central1", "a9-gpu")
    assert q is not None and q.estimate and "NVIDIA A100 rate" in (q.note or "")
    # close to a2-highgpu-1g (same shape): 3.673385
    assert abs(q.price.amount - Decimal("3.673385")) < Decimal("0.2")
    assert catalog.instance_hour("gcp", "us-central1", "a9-gpu", "committed-1y") is None
    assert catalog.instance_hour("gcp", "us-central1", "totally-unknown") is None


def _rows(*rows: dict) -> TableCostsView:
    full = []
    for r in rows:
        row = {c: None for c in SCHEMA.names}
        row.update(r)
        full.append(row)
    return TableCostsView(pa.Table.from_pylist(full, schema=SCHEMA))


def _usage(**kw: object) -> dict:
    base = {
        "ProviderName": "AWS", "RegionId": "us-east-1", "ChargeCategory": "Usage", "PricingCategory": "Standard",
        "BillingCurrency": "USD", "ChargePeriodStart": datetime(2026, 10, 20, 0, tzinfo=timezone.utc),
        "ChargePeriodEnd": datetime(2026, 10, 21, 0, tzinfo=timezone.utc),
    }
    base.update(kw)
    return base


def test_bill_derived_rate_beats_the_embedded_table() -> None:
    costs = _rows(
        # negotiated discount: 24 h of m5.large at 0.0864 (10 % off list) in two rows
        _usage(x_InstanceType="m5.large", PricingUnit="Hours", PricingQuantity=Decimal(12), EffectiveCost=Decimal("1.0368")),
        _usage(x_InstanceType="m5.large", PricingUnit="Hrs", PricingQuantity=Decimal(12), EffectiveCost=Decimal("1.0368")),
        # Windows hours are not a Linux price; commitment-covered hours are not on-demand
        _usage(x_InstanceType="m5.large", PricingUnit="Hours", PricingQuantity=Decimal(1), EffectiveCost=Decimal("0.188"),
               ChargeDescription="$0.188 per On Demand Windows m5.large Instance Hour"),
        _usage(x_InstanceType="m5.large", PricingUnit="Hours", PricingQuantity=Decimal(5), EffectiveCost=Decimal("0.1"),
               CommitmentDiscountId="ri-1", PricingCategory="Committed"),
        # gp3 storage at 0.072 per GB-month
        _usage(PricingUnit="GB-Mo", PricingQuantity=Decimal("100"), EffectiveCost=Decimal("7.2"),
               SkuId="EBS:VolumeUsage.gp3", ChargeDescription="$0.072 per GB-month of General Purpose SSD (gp3) provisioned storage"),
    )
    catalog = default_catalog(costs=costs, now=NOW)
    q = catalog.instance_hour("aws", "us-east-1", "m5.large")
    assert q is not None and q.source == "bill-derived"
    assert q.price.amount == Decimal("0.0864")
    assert "over 2 bill rows" in (q.note or "")
    s = catalog.storage_gb_month("aws", "us-east-1", "gp3")
    assert s is not None and s.source == "bill-derived" and s.price.amount == Decimal("0.072")
    # other regions and types still come from the table
    other = catalog.instance_hour("aws", "eu-west-1", "m5.large")
    assert other is not None and other.source.startswith("embedded:")
    assert catalog.storage_gb_month("aws", "us-east-1", "gp2").source.startswith("embedded:")  # type: ignore[union-attr]


def test_bill_rows_outside_the_window_are_ignored() -> None:
    costs = _rows(_usage(x_InstanceType="m5.large", PricingUnit="Hours", PricingQuantity=Decimal(1), EffectiveCost=Decimal("0.05")))
    recent = BillDerivedCatalog.from_recent(costs, NOW, days=30)
    assert len(recent) == 1
    later = BillDerivedCatalog.from_recent(costs, datetime(2027, 6, 1, tzinfo=timezone.utc), days=30)
    assert len(later) == 0


def test_no_arg_call_still_works_and_layers_in_order() -> None:
    catalog = default_catalog()
    assert isinstance(catalog, LayeredCatalog)
    assert [type(layer).__name__ for layer in catalog.layers] == ["EmbeddedCatalog", "UnitRateEstimator"]


def test_live_layers_are_opt_in_and_missing_provider_modules_are_skipped() -> None:
    cfg = config_mod.parse({"audit": {"live_prices": True}, "providers": {"aws": {}, "nosuchcloud": {}}})
    layers = default_catalog(cfg).layers  # type: ignore[attr-defined]
    assert [type(layer).__name__ for layer in layers] == ["_Guarded", "EmbeddedCatalog", "UnitRateEstimator"]
    assert layers[0].provider == "aws"
    off = default_catalog(config_mod.parse({"providers": {"aws": {}}})).layers  # type: ignore[attr-defined]
    assert [type(layer).__name__ for layer in off] == ["EmbeddedCatalog", "UnitRateEstimator"]


def test_known_types_prefers_estate_facts() -> None:
    custom = InstanceType(provider="aws", name="m5.large", vcpus=2, memory_gib=7.5, family="m5")
    types = {t.name: t for t in known_types("aws", {("aws", "m5.large"): custom})}
    assert types["m5.large"].memory_gib == 7.5 and "m7i.48xlarge" in types


def test_windows_price_is_estimated_from_linux_plus_fitted_licence_rate() -> None:
    from finml.pricing.embedded import EmbeddedCatalog
    from finml.pricing.estimate import UnitRateEstimator

    table = EmbeddedCatalog.load()
    est = UnitRateEstimator(table)
    pairs = table.platform_pairs("azure", "windows")
    assert len(pairs) >= 2
    rate, n = est.licence_rate("azure", "windows")  # type: ignore[misc]
    assert n == len(pairs) and rate > 0
    linux = table.instance_hour("azure", "eastus", "Standard_E4s_v5")
    q = default_catalog().instance_hour("azure", "eastus", "Standard_E4s_v5", "on-demand", "windows")
    assert linux is not None and q is not None and q.estimate and q.source == "estimate:licence-rate"
    assert q.price.amount == (linux.price.amount + rate * 4).quantize(Decimal("0.000001"))
    # a published Windows price still wins over the estimate
    published = default_catalog().instance_hour("azure", "eastus", "Standard_E16s_v5", "on-demand", "windows")
    assert published is not None and not published.estimate
    # no linux/windows pairs for the provider: no guess
    assert est.licence_rate("gcp", "windows") is None
