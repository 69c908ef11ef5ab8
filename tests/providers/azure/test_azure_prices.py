"""The Azure Retail Prices API catalog, through azure-core with a fake transport."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from azure.core.exceptions import ServiceRequestError

from providers.azure.prices import SOURCE, AzureRetailPrices
from tests.providers.azure.fake_arm import FakeArm, FakeCredential

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
PATH = "/api/retail/prices"


def item(**kw: Any) -> dict[str, Any]:
    """One Items[] row as the Retail Prices API returns it."""
    base = {
        "currencyCode": "USD", "tierMinimumUnits": 0.0, "armRegionName": "eastus", "location": "US East",
        "effectiveStartDate": "2024-05-01T00:00:00Z", "meterId": "00000000-0000-4000-8000-000000000000",
        "productId": "DZH318Z0BQ4L", "skuId": "DZH318Z0BQ4L/00F7", "availabilityId": None,
        "serviceId": "DZH313Z7MMC8", "serviceFamily": "Compute", "type": "Consumption", "isPrimaryMeterRegion": True,
    }
    base.update(kw)
    base.setdefault("unitPrice", base.get("retailPrice"))
    return base


def body(items: list[dict[str, Any]], next_link: str | None = None) -> dict[str, Any]:
    return {"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
            "Items": items, "NextPageLink": next_link, "Count": len(items)}


VM_FILTER = ("serviceName eq 'Virtual Machines' and armRegionName eq 'eastus' and armSkuName eq 'Standard_D2s_v5' "
             "and priceType eq 'Consumption'")
VM_ROWS = [
    item(retailPrice=0.096, meterName="D2s v5", skuName="D2s v5", productName="Virtual Machines Dsv5 Series",
         armSkuName="Standard_D2s_v5", serviceName="Virtual Machines", unitOfMeasure="1 Hour", meterId="a1"),
    item(retailPrice=0.0195, meterName="D2s v5 Spot", skuName="D2s v5 Spot", armSkuName="Standard_D2s_v5",
         productName="Virtual Machines Dsv5 Series", serviceName="Virtual Machines", unitOfMeasure="1 Hour", meterId="a2"),
    item(retailPrice=0.0192, meterName="D2s v5 Low Priority", skuName="D2s v5 Low Priority",
         armSkuName="Standard_D2s_v5", productName="Virtual Machines Dsv5 Series", serviceName="Virtual Machines",
         unitOfMeasure="1 Hour", meterId="a3"),
]
VM_ROWS_PAGE2 = [
    item(retailPrice=0.188, meterName="D2s v5", skuName="D2s v5", armSkuName="Standard_D2s_v5",
         productName="Virtual Machines Dsv5 Series Windows", serviceName="Virtual Machines", unitOfMeasure="1 Hour",
         meterId="a4"),
]


def catalog(tmp_path: Path, arm: FakeArm, now: datetime = NOW) -> AzureRetailPrices:
    return AzureRetailPrices(tmp_path, transport=arm, ttl=timedelta(days=1), now=now)


def serve_vm_prices(arm: FakeArm) -> None:
    nxt = "https://prices.azure.com:443/api/retail/prices?api-version=2023-01-01-preview&$filter=x&$skip=100"
    arm.route(PATH, body(VM_ROWS_PAGE2), query={"$skip": "100"})
    arm.route(PATH, body(VM_ROWS, nxt), query={"$filter": VM_FILTER})


def test_instance_prices_by_platform_and_term_across_pages(tmp_path: Path, arm: FakeArm) -> None:
    serve_vm_prices(arm)
    c = catalog(tmp_path, arm)
    linux = c.instance_hour("azure", "eastus", "Standard_D2s_v5")
    assert linux is not None and linux.price.amount == Decimal("0.096") and linux.price.currency == "USD"
    assert (linux.unit, linux.source, linux.as_of, linux.estimate) == ("hour", SOURCE, date(2026, 11, 1), False)
    windows = c.instance_hour("azure", "eastus", "Standard_D2s_v5", platform="windows")
    assert windows is not None and windows.price.amount == Decimal("0.188")  # from page 2 (NextPageLink)
    spot = c.instance_hour("azure", "eastus", "Standard_D2s_v5", term="spot")
    assert spot is not None and spot.price.amount == Decimal("0.0195")
    assert c.instance_hour("aws", "us-east-1", "m5.large") is None
    # one fetch of two pages served all three questions (cached)
    assert len(arm.requests) == 2 and {m for m, _ in arm.requests} == {"GET"}


def test_reservation_price_is_divided_by_term_hours(tmp_path: Path, arm: FakeArm) -> None:
    flt = VM_FILTER.replace("'Consumption'", "'Reservation'")
    arm.route(PATH, body([item(retailPrice=525.6, unitPrice=525.6, meterName="D2s v5", skuName="D2s v5",
                               armSkuName="Standard_D2s_v5", productName="Virtual Machines Dsv5 Series",
                               type="Reservation", reservationTerm="1 Year", unitOfMeasure="1 Hour")]),
              query={"$filter": flt})
    q = catalog(tmp_path, arm).instance_hour("azure", "eastus", "Standard_D2s_v5", term="committed-1y")
    assert q is not None and q.price.amount == Decimal("0.06")  # 525.6 / 8760


def test_disk_snapshot_and_ip_prices(tmp_path: Path, arm: FakeArm) -> None:
    premium = ("serviceName eq 'Storage' and armRegionName eq 'eastus' and productName eq "
               "'Premium SSD Managed Disks' and priceType eq 'Consumption'")
    hdd = premium.replace("Premium SSD Managed Disks", "Standard HDD Managed Disks")
    arm.route(PATH, body([
        item(retailPrice=19.71, meterName="P10 LRS Disk", skuName="P10 LRS", productName="Premium SSD Managed Disks",
             serviceName="Storage", unitOfMeasure="1/Month"),
        item(retailPrice=0.0, meterName="P10 LRS Disk Mount", skuName="P10 LRS",
             productName="Premium SSD Managed Disks", serviceName="Storage", unitOfMeasure="1/Month"),
    ]), query={"$filter": premium})
    arm.route(PATH, body([
        item(retailPrice=5.89, meterName="S10 LRS Disk", skuName="S10 LRS", productName="Standard HDD Managed Disks",
             serviceName="Storage", unitOfMeasure="1/Month"),
        item(retailPrice=0.05, meterName="LRS Snapshot", skuName="Snapshots LRS",
             productName="Standard HDD Managed Disks", serviceName="Storage", unitOfMeasure="1 GB/Month"),
    ]), query={"$filter": hdd})
    arm.route(PATH, body([
        item(retailPrice=0.004, meterName="Basic IPv4 Static Public IP", skuName="Basic",
             productName="IP Addresses", serviceName="Virtual Network", unitOfMeasure="1 Hour"),
        item(retailPrice=0.005, meterName="Standard IPv4 Static Public IP", skuName="Standard",
             productName="IP Addresses", serviceName="Virtual Network", unitOfMeasure="1 Hour"),
    ]))
    c = catalog(tmp_path, arm)
    p = c.storage_gb_month("azure", "eastus", "Premium_LRS")
    assert p is not None and p.price.amount == Decimal("19.71") / 128 and p.estimate
    assert "P10 LRS" in (p.note or "")
    s = c.storage_gb_month("azure", "eastus", "snapshot")
    assert s is not None and s.price.amount == Decimal("0.05") and not s.estimate
    std = c.storage_gb_month("azure", "eastus", "Standard_LRS")
    assert std is not None and std.price.amount == Decimal("5.89") / 128
    ip = c.address_hour("azure", "eastus")
    assert ip is not None and ip.price.amount == Decimal("0.005")
    assert c.storage_gb_month("azure", "eastus", "UltraSSD_LRS") is None


def test_cache_survives_instances_and_expires(tmp_path: Path, arm: FakeArm) -> None:
    serve_vm_prices(arm)
    catalog(tmp_path, arm).instance_hour("azure", "eastus", "Standard_D2s_v5")
    assert len(arm.requests) == 2
    catalog(tmp_path, arm, NOW + timedelta(hours=2)).instance_hour("azure", "eastus", "Standard_D2s_v5")
    assert len(arm.requests) == 2  # served from the disk cache
    catalog(tmp_path, arm, NOW + timedelta(days=2)).instance_hour("azure", "eastus", "Standard_D2s_v5")
    assert len(arm.requests) == 4  # TTL passed: fetched again


def test_unreachable_api_falls_back_to_stale_cache(tmp_path: Path, arm: FakeArm) -> None:
    serve_vm_prices(arm)
    catalog(tmp_path, arm).instance_hour("azure", "eastus", "Standard_D2s_v5")

    class Down(FakeArm):
        def send(self, request: Any, **kwargs: Any) -> Any:
            self.requests.append((request.method, str(request.url)))
            raise ServiceRequestError("Failed to establish a new connection")

    down = Down()
    later = catalog(tmp_path, down, NOW + timedelta(days=3))
    q = later.instance_hour("azure", "eastus", "Standard_D2s_v5")
    assert q is not None and q.price.amount == Decimal("0.096") and q.as_of == date(2026, 11, 1)
    assert "stale" in (q.note or "") and later.failed
    assert catalog(tmp_path / "empty", down).instance_hour("azure", "eastus", "Standard_D2s_v5") is None


def test_throttled_price_request_is_retried(tmp_path: Path, arm: FakeArm) -> None:
    arm.route(PATH, (429, {"Error": {"Code": "TooManyRequests"}}, {"Retry-After": "3"}),
              body([item(retailPrice=0.005, meterName="Standard IPv4 Static Public IP", productName="IP Addresses",
                         serviceName="Virtual Network", unitOfMeasure="1 Hour")]))
    q = catalog(tmp_path, arm).address_hour("azure", "westus")
    assert q is not None and q.price.amount == Decimal("0.005")
    assert arm.sleeps == [3.0]


def test_provider_builds_the_catalog_with_its_transport(tmp_path: Path, arm: FakeArm) -> None:
    from providers.azure import AzureProvider, AzureSettings

    serve_vm_prices(arm)
    provider = AzureProvider(AzureSettings(price_cache_ttl_hours=1), credential=FakeCredential(), transport=arm)
    c = provider.price_catalog(tmp_path)
    assert c.cache.ttl == timedelta(hours=1)
    q = c.instance_hour("azure", "eastus", "Standard_D2s_v5")
    assert q is not None and q.source == SOURCE and arm.requests
