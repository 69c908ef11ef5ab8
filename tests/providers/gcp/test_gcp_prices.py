"""Cloud Billing Catalog prices through the real CloudCatalogClient (REST) over recorded SKUs."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finml.errors import ProviderError
from finml.model import InstanceType
from providers.gcp.prices import SOURCE, GcpCatalogPrices, classify, unit_price
from tests.providers.gcp.gcp_fakes import FakeGoogleApis, catalog_routes, error_body, recorded

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def catalog_client(api: FakeGoogleApis) -> Any:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import billing_v1

    client = billing_v1.CloudCatalogClient(credentials=AnonymousCredentials(), transport="rest")
    transport: Any = client._transport
    transport._session.mount("https://", api)
    return client


@pytest.fixture
def prices(google_apis: FakeGoogleApis, tmp_path: Path) -> GcpCatalogPrices:
    catalog_routes(google_apis)
    return GcpCatalogPrices.fetch(catalog_client(google_apis), data_dir=tmp_path, now=NOW)


def test_n2_standard_4_is_priced_exactly_from_core_and_ram_skus(prices: GcpCatalogPrices) -> None:
    q = prices.instance_hour("gcp", "us-central1", "n2-standard-4")
    assert q is not None
    # 4 vCPU x 0.031611 (units 0 + nanos 31611000) + 16 GiB x 0.004237
    assert q.price.amount == Decimal("0.194236") and q.price.currency == "USD"
    assert (q.unit, q.source, q.as_of, q.estimate) == ("hour", SOURCE, NOW.date(), False)
    assert "D982-F0A1-332B" in (q.note or "") and "F449-33EC-A5EF" in (q.note or "")


def test_terms_regions_and_shared_core(prices: GcpCatalogPrices) -> None:
    spot = prices.instance_hour("gcp", "us-east1", "n2-standard-4", term="spot")
    cud = prices.instance_hour("gcp", "us-central1", "n2-standard-8", term="committed-1y")
    eu = prices.instance_hour("gcp", "europe-west1", "n2-standard-4")
    e2 = prices.instance_hour("gcp", "us-central1", "e2-medium")
    assert spot is not None and spot.price.amount == Decimal("0.047000")  # 4 x 0.00765 + 16 x 0.001025
    assert cud is not None and cud.price.amount == Decimal("0.244728")  # 8 x 0.019915 + 32 x 0.002669
    assert eu is not None and eu.price.amount == Decimal("0.213848")
    assert e2 is not None and e2.price.amount == Decimal("0.03350571")  # 1 billed vCPU + 4 GiB
    assert prices.instance_hour("gcp", "asia-east1", "n2-standard-4") is None
    assert prices.instance_hour("gcp", "us-central1", "n2-standard-4", term="committed-3y") is None
    assert prices.instance_hour("gcp", "us-central1", "n2-standard-4", platform="windows") is None
    assert prices.instance_hour("aws", "us-central1", "n2-standard-4") is None


def test_custom_and_gpu_shapes_use_machine_type_facts(prices: GcpCatalogPrices) -> None:
    custom = InstanceType(provider="gcp", name="n2-custom-6-24576", vcpus=6, memory_gib=24.0, family="n2")
    prices.with_machine_types({("gcp", custom.name): custom})
    q = prices.instance_hour("gcp", "us-central1", custom.name)
    # custom types are priced from the family's Custom Instance Core SKU; the recorded catalog has
    # no Custom RAM SKU, so no price is claimed rather than mixing in predefined rates
    assert q is None
    n1 = InstanceType(provider="gcp", name="custom-2-8192", vcpus=2, memory_gib=8.0, family="n1")
    prices.with_machine_types({("gcp", n1.name): n1})
    assert prices.instance_hour("gcp", "us-central1", n1.name) is None
    assert prices._get("us-central1", "OnDemand", "core-custom:N2") is not None
    gpu_vm = InstanceType(provider="gcp", name="n2-standard-4", vcpus=4, memory_gib=16.0, family="n2",
                          gpus=1, gpu_model="nvidia-tesla-t4")
    prices.with_machine_types({("gcp", gpu_vm.name): gpu_vm})
    q = prices.instance_hour("gcp", "us-central1", "n2-standard-4")
    assert q is not None and q.price.amount == Decimal("0.544236")


def test_storage_snapshot_and_address(prices: GcpCatalogPrices) -> None:
    def amount(q: Any) -> Decimal:
        assert q is not None
        return q.price.amount

    assert amount(prices.storage_gb_month("gcp", "us-central1", "pd-ssd")) == Decimal("0.17")
    assert amount(prices.storage_gb_month("gcp", "us-central1", "pd-balanced")) == Decimal("0.10")  # not regional
    assert amount(prices.storage_gb_month("gcp", "us-central1", "pd-standard")) == Decimal("0.04")
    assert amount(prices.storage_gb_month("gcp", "us", "snapshot")) == Decimal("0.05")
    assert amount(prices.address_hour("gcp", "europe-west1")) == Decimal("0.01")  # first non-free tier
    assert prices.storage_gb_month("gcp", "us-central1", "hyperdisk-extreme") is None


def test_catalog_calls_are_paged_reads(prices: GcpCatalogPrices, google_apis: FakeGoogleApis) -> None:
    assert {s.method for s in google_apis.seen} == {"GET"}
    skus = [s for s in google_apis.seen if s.path.endswith("/skus")]
    assert len(skus) == 2 and skus[0].query["currencyCode"] == ["USD"]
    assert skus[1].query["pageToken"] == [recorded("skus.p1.json")["nextPageToken"]]


def test_cache_is_used_then_stale_fallback(prices: GcpCatalogPrices, tmp_path: Path) -> None:
    down = FakeGoogleApis().add("/v1/services", error_body(503, "UNAVAILABLE", "backend down", "backendError"), 503)
    again = GcpCatalogPrices.fetch(catalog_client(down), data_dir=tmp_path, now=NOW + timedelta(hours=1))
    assert down.seen == [] and again.instance_hour("gcp", "us-central1", "n2-standard-4") is not None
    stale = GcpCatalogPrices.fetch(catalog_client(down), data_dir=tmp_path, now=NOW + timedelta(days=30),
                                   ttl=timedelta(days=7))
    q = stale.instance_hour("gcp", "us-central1", "n2-standard-4")
    assert q is not None and q.price.amount == Decimal("0.194236") and "catalog unreachable" in (q.note or "")


def test_unreachable_catalog_without_cache_is_a_provider_error(tmp_path: Path) -> None:
    down = FakeGoogleApis().add("/v1/services", error_body(403, "PERMISSION_DENIED", "denied"), 403)
    with pytest.raises(ProviderError) as err:
        GcpCatalogPrices.fetch(catalog_client(down), data_dir=tmp_path, now=NOW)
    assert err.value.hint and "embedded price table" in err.value.hint


def test_unit_price_is_exact_and_classify_skips_licences() -> None:
    assert unit_price({"units": "1", "nanos": 500000000}) == Decimal("1.5")
    assert unit_price({"nanos": 1}) == Decimal("0.000000001")
    (licence,) = [s for s in recorded("skus.p2.json")["skus"] if "Licensing" in s["description"]]
    assert classify(licence) == []
    catalog = GcpCatalogPrices.from_skus(recorded("skus.p1.json")["skus"], date(2026, 11, 1))
    assert catalog.storage_gb_month("gcp", "us-central1", "pd-ssd") is None


def test_provider_builds_the_catalog_with_its_clients(google_apis: FakeGoogleApis, gcp_clients: Any,
                                                      tmp_path: Path) -> None:
    from providers.gcp import GcpProvider, GcpSettings

    catalog_routes(google_apis)
    provider = GcpProvider(GcpSettings(price_cache_ttl_hours=1), **gcp_clients())
    first = provider.price_catalog(tmp_path, now=NOW)
    provider.price_catalog(tmp_path, now=NOW + timedelta(minutes=30))  # from the cache
    assert len([s for s in google_apis.seen if s.path.endswith("/skus")]) == 2
    provider.price_catalog(tmp_path, now=NOW + timedelta(hours=2))  # TTL passed: fetched again
    assert len([s for s in google_apis.seen if s.path.endswith("/skus")]) == 4
    q = first.instance_hour("gcp", "us-central1", "n2-standard-4")
    assert q is not None and q.price.amount == Decimal("0.194236")
