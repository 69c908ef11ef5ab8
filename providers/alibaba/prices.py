"""Live Alibaba Cloud prices from ECS ``DescribePrice``, cached on disk.

:class:`AlibabaPriceCatalog` implements :class:`finml.pricing.PriceCatalog` for provider
``alibaba``:

* ``instance_hour``: pay-as-you-go (``PriceUnit=Hour``) price of an instance type, Linux, VPC.
  DescribePrice prices an instance *with* its system disk; the ``instanceType`` entry of
  ``Price.DetailInfos`` is used when present so that only compute is counted, else the total.
* ``storage_gb_month``: disk categories (cloud, cloud_efficiency, cloud_ssd, cloud_essd [PL1],
  cloud_essd_entry, cloud_auto). DescribePrice prices disks only by the hour, so a reference
  disk of ``reference_gib`` GiB is priced and converted: ``hourly / reference_gib x 730``.
* ``address_hour``: not offered by DescribePrice (EIPs are a VPC product): ``None``, so the
  next catalog layer (the embedded table) answers.

The price used is ``TradePrice`` (after the discounts the account is entitled to), in the
account's ``Currency`` (CNY on the China site, USD on the international site). Answers are cached
for ``ttl`` under ``DATA_DIR/price-cache/alibaba``; when the API fails a stale entry is used
(noted in the quote), else ``None``. Source: ``alibaba-describeprice``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from finml.errors import CredentialsError, ProviderError
from finml.money import HOURS_PER_MONTH, Money
from finml.pricing import PriceQuote, Term
from finml.pricing.cache import PriceCache
from providers.alibaba.api import ECS, PROVIDER, AlibabaApi
from providers.alibaba.shapes import items

log = logging.getLogger(__name__)

SOURCE = "alibaba-describeprice"
DISK_CATEGORIES = frozenset({"cloud", "cloud_efficiency", "cloud_ssd", "cloud_essd", "cloud_essd_entry", "cloud_auto"})


class AlibabaPriceCatalog:
    """PriceCatalog answering from ECS DescribePrice (see the module docstring)."""

    def __init__(
        self,
        api: AlibabaApi,
        cache: PriceCache | None = None,
        *,
        reference_gib: int = 100,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.api = api
        self.cache = cache
        self.reference_gib = reference_gib
        self._clock = clock
        self._memo: dict[str, tuple[datetime, Any, bool] | None] = {}

    @classmethod
    def for_provider(cls, provider: Any, data_dir: Path | None = None) -> AlibabaPriceCatalog:
        """A catalog using an :class:`~providers.alibaba.AlibabaProvider`'s credentials/clients."""
        from finml.store import default_data_dir

        ttl = timedelta(hours=provider.settings.price_cache_ttl_hours)
        cache = PriceCache(data_dir or default_data_dir(), PROVIDER, ttl=ttl)
        return cls(provider.api(), cache)

    # ---- PriceCatalog ------------------------------------------------------------------------

    def instance_hour(self, provider: str, region: str, instance_type: str, term: Term = "on-demand",
                      platform: str = "linux") -> PriceQuote | None:
        if provider != PROVIDER or term != "on-demand" or platform != "linux":
            return None
        params = {"ResourceType": "instance", "InstanceType": instance_type, "PriceUnit": "Hour",
                  "Period": 1, "InstanceNetworkType": "vpc", "IoOptimized": "optimized"}
        found = self._fetch(region, params)
        if found is None:
            return None
        fetched, body, stale = found
        price = _price(body, prefer="instanceType")
        if price is None:
            return None
        amount, currency = price
        return PriceQuote(
            Money.of(amount, currency), "hour", SOURCE, _day(fetched),
            note=_note(f"DescribePrice {instance_type} pay-as-you-go, {region}", stale),
        )

    def storage_gb_month(self, provider: str, region: str, storage_class: str) -> PriceQuote | None:
        if provider != PROVIDER or storage_class not in DISK_CATEGORIES:
            return None
        params: dict[str, Any] = {"ResourceType": "disk", "PriceUnit": "Hour",
                                  "DataDisk.1.Category": storage_class, "DataDisk.1.Size": self.reference_gib}
        if storage_class == "cloud_essd":
            params["DataDisk.1.PerformanceLevel"] = "PL1"
        found = self._fetch(region, params)
        if found is None:
            return None
        fetched, body, stale = found
        price = _price(body, prefer="dataDisk")
        if price is None:
            return None
        hourly, currency = price
        per_gb_month = hourly / Decimal(self.reference_gib) * HOURS_PER_MONTH
        return PriceQuote(
            Money.of(per_gb_month, currency), "GB-month", SOURCE, _day(fetched),
            note=_note(f"DescribePrice {self.reference_gib} GiB {storage_class} hourly / "
                       f"{self.reference_gib} x {HOURS_PER_MONTH} h, {region}", stale),
        )

    def address_hour(self, provider: str, region: str) -> PriceQuote | None:
        return None

    # ---- fetching ----------------------------------------------------------------------------

    def _fetch(self, region: str, params: Mapping[str, Any]) -> tuple[datetime, Any, bool] | None:
        key = f"{region}|{json.dumps(params, sort_keys=True)}"
        if key in self._memo:
            return self._memo[key]
        now = self._clock()
        result: tuple[datetime, Any, bool] | None = None
        if self.cache is not None:
            fresh = self.cache.get(key, now)
            if fresh is not None:
                result = (datetime.fromisoformat(fresh["fetched_at"]), fresh["body"], False)
        if result is None:
            try:
                body = self.api.call(ECS, "DescribePrice", region, params)
                result = (now, body, False)
                if self.cache is not None:
                    self.cache.put(key, {"fetched_at": now.isoformat(), "body": body}, now)
            except (ProviderError, CredentialsError) as exc:
                log.warning("alibaba DescribePrice in %s failed: %s", region, exc)
                stale = self.cache.get_stale(key) if self.cache is not None else None
                if stale is not None:
                    result = (datetime.fromisoformat(stale[1]["fetched_at"]), stale[1]["body"], True)
        self._memo[key] = result
        return result


def _price(body: Any, prefer: str) -> tuple[Decimal, str] | None:
    """``TradePrice`` of the ``prefer`` detail entry, else of the total; with the currency."""
    info = body.get("PriceInfo") if isinstance(body, Mapping) else None
    price = info.get("Price") if isinstance(info, Mapping) else None
    if not isinstance(price, Mapping):
        return None
    currency = str(price.get("Currency") or "CNY")
    details = items(price, "DetailInfos", "ResourcePriceModel") or items(price, "DetailInfos", "DetailInfo")
    for d in details:
        if d.get("Resource") == prefer and d.get("TradePrice") is not None:
            return Decimal(str(d["TradePrice"])), currency
    if price.get("TradePrice") is None:
        return None
    return Decimal(str(price["TradePrice"])), currency


def _day(ts: datetime) -> date:
    return ts.astimezone(timezone.utc).date()


def _note(text: str, stale: bool) -> str:
    return text + ("; API unreachable, last cached answer used" if stale else "")
