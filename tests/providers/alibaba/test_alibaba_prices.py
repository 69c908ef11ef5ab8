"""DescribePrice catalog through the real AcsClient, with the disk price cache."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from finml.pricing.cache import PriceCache
from providers.alibaba.api import AlibabaApi
from providers.alibaba.prices import SOURCE, AlibabaPriceCatalog
from tests.providers.alibaba.alibaba_server import AliyunServer

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)

INSTANCE_PRICE = {"PriceInfo": {
    "Price": {"Currency": "USD", "OriginalPrice": 0.142, "DiscountPrice": 0.0, "TradePrice": 0.142,
              "DetailInfos": {"ResourcePriceModel": [
                  {"Resource": "instanceType", "OriginalPrice": 0.119, "DiscountPrice": 0.0, "TradePrice": 0.119,
                   "SubRules": {"Rule": []}},
                  {"Resource": "systemDisk", "OriginalPrice": 0.023, "DiscountPrice": 0.0, "TradePrice": 0.023,
                   "SubRules": {"Rule": []}}]}},
    "Rules": {"Rule": []}}}
DISK_PRICE = {"PriceInfo": {
    "Price": {"Currency": "USD", "OriginalPrice": 0.0192, "DiscountPrice": 0.0, "TradePrice": 0.0192,
              "DetailInfos": {"ResourcePriceModel": [
                  {"Resource": "dataDisk", "OriginalPrice": 0.0192, "DiscountPrice": 0.0, "TradePrice": 0.0192,
                   "SubRules": {"Rule": []}}]}},
    "Rules": {"Rule": []}}}


def catalog(server: AliyunServer, tmp_path: Path, clock: list[datetime]) -> AlibabaPriceCatalog:
    server.prices = {"instance": INSTANCE_PRICE, "disk": DISK_PRICE}
    cache = PriceCache(tmp_path, "alibaba", ttl=timedelta(days=7))
    return AlibabaPriceCatalog(AlibabaApi(server.factory(), sleep=lambda s: None), cache, clock=lambda: clock[0])


def test_instance_hour_uses_the_compute_part_of_describe_price(server: AliyunServer, tmp_path: Path) -> None:
    q = catalog(server, tmp_path, [NOW]).instance_hour("alibaba", "ap-southeast-1", "ecs.g7.large")
    assert q is not None and q.price.amount == Decimal("0.119") and q.price.currency == "USD"
    assert q.unit == "hour" and q.source == SOURCE and q.as_of == NOW.date()
    [sent] = server.requests
    assert sent["Action"] == "DescribePrice" and sent["ResourceType"] == "instance"
    assert sent["InstanceType"] == "ecs.g7.large" and sent["PriceUnit"] == "Hour" and sent["RegionId"] == "ap-southeast-1"


def test_storage_price_is_converted_from_hourly_reference_disk(server: AliyunServer, tmp_path: Path) -> None:
    q = catalog(server, tmp_path, [NOW]).storage_gb_month("alibaba", "ap-southeast-1", "cloud_essd")
    assert q is not None and q.unit == "GB-month"
    assert q.price.amount == Decimal("0.0192") / 100 * 730  # 0.14016 per GB-month
    sent = server.requests[0]
    assert sent["DataDisk.1.Category"] == "cloud_essd" and sent["DataDisk.1.Size"] == "100"
    assert sent["DataDisk.1.PerformanceLevel"] == "PL1"


def test_answers_are_cached_on_disk_and_stale_used_when_api_fails(server: AliyunServer, tmp_path: Path) -> None:
    clock = [NOW]
    catalog(server, tmp_path, clock).instance_hour("alibaba", "cn-hangzhou", "ecs.g7.large")
    assert len(server.requests) == 1
    again = catalog(server, tmp_path, clock).instance_hour("alibaba", "cn-hangzhou", "ecs.g7.large")
    assert again is not None and len(server.requests) == 1  # served from the disk cache
    clock[0] = NOW + timedelta(days=30)  # past the TTL; the API now refuses
    server.fail("DescribePrice", "Forbidden.RAM", "User not authorized to operate on the specified resource.", 403)
    stale = catalog(server, tmp_path, clock).instance_hour("alibaba", "cn-hangzhou", "ecs.g7.large")
    assert stale is not None and stale.price.amount == Decimal("0.119") and "cached" in (stale.note or "")
    assert stale.as_of == NOW.date()


def test_unpriced_questions_return_none_without_calls(server: AliyunServer, tmp_path: Path) -> None:
    cat = catalog(server, tmp_path, [NOW])
    assert cat.instance_hour("aws", "us-east-1", "m5.large") is None
    assert cat.instance_hour("alibaba", "cn-hangzhou", "ecs.g7.large", term="spot") is None
    assert cat.storage_gb_month("alibaba", "cn-hangzhou", "snapshot") is None
    assert cat.address_hour("alibaba", "cn-hangzhou") is None
    assert server.requests == []


def test_failure_without_cache_returns_none(server: AliyunServer, tmp_path: Path) -> None:
    server.fail("DescribePrice", "InvalidInstanceType.ValueNotSupported", "The specified InstanceType does not exist.", 400)
    assert catalog(server, tmp_path, [NOW]).instance_hour("alibaba", "cn-hangzhou", "ecs.nope.large") is None
