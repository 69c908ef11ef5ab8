"""Live Azure list prices from the public Azure Retail Prices API, as a :class:`PriceCatalog`.

``GET https://prices.azure.com/api/retail/prices?api-version=2023-01-01-preview&$filter=...``
needs no credentials and pages with ``NextPageLink``. Requests go through an azure-core pipeline
(retry policy honouring ``Retry-After``), so tests inject a transport; answers are kept in the
finml price cache (:mod:`finml.pricing.cache`) for ``ttl`` and a stale answer is used when the
API cannot be reached.

What is priced, and how:

* ``instance_hour``: ``Virtual Machines`` meters of the size (``armSkuName``) in the region:
  Consumption rows without "Spot"/"Low Priority" (on-demand), with "Spot" (spot), Linux rows have
  no "Windows" in ``productName``; ``committed-1y/3y`` from Reservation rows, whose ``unitPrice``
  is the whole term, divided by 8760 or 26280 hours.
* ``storage_gb_month``: Azure bills managed disks by size tier, not per GB; the per-GB figure is
  the P10/E10/S10 (128 GiB) tier's monthly price / 128, flagged as an estimate. ``snapshot`` is
  the Standard HDD "LRS Snapshot" meter per GB-month (incremental snapshots are billed there).
* ``address_hour``: the "Standard IPv4 Static Public IP" meter of ``IP Addresses``.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from finml.money import Money, to_decimal
from finml.pricing import PriceQuote, Term
from finml.pricing.cache import PriceCache

log = logging.getLogger(__name__)

API = "https://prices.azure.com/api/retail/prices"
API_VERSION = "2023-01-01-preview"
SOURCE = "azure-retail-prices-api"
_MAX_PAGES = 20

_DISK_TIERS: dict[str, tuple[str, str, int]] = {
    # storage class: (productName, skuName of the reference tier, tier size GiB)
    "premium_lrs": ("Premium SSD Managed Disks", "P10 LRS", 128),
    "premium_zrs": ("Premium SSD Managed Disks", "P10 ZRS", 128),
    "standardssd_lrs": ("Standard SSD Managed Disks", "E10 LRS", 128),
    "standardssd_zrs": ("Standard SSD Managed Disks", "E10 ZRS", 128),
    "standard_lrs": ("Standard HDD Managed Disks", "S10 LRS", 128),
}
_TERM_HOURS = {"committed-1y": ("1 Year", Decimal(8760)), "committed-3y": ("3 Years", Decimal(26280))}


class AzureRetailPrices:
    """PriceCatalog over the Azure Retail Prices API (provider ``azure`` only)."""

    def __init__(self, data_dir: Path, *, transport: Any = None, ttl: timedelta = timedelta(days=7),
                 currency: str = "USD", now: datetime | None = None) -> None:
        self.cache = PriceCache(data_dir, "azure-retail-prices", ttl)
        self.currency = currency
        self._transport = transport
        self._now = now
        self._client: Any = None
        self._lock = threading.Lock()
        self.failed = False

    # ---- PriceCatalog ----------------------------------------------------------------------------

    def instance_hour(self, provider: str, region: str, instance_type: str, term: Term = "on-demand",
                      platform: str = "linux") -> PriceQuote | None:
        if provider != "azure":
            return None
        committed = _TERM_HOURS.get(term)
        price_type = "Reservation" if committed else "Consumption"
        flt = (f"serviceName eq 'Virtual Machines' and armRegionName eq '{region}' "
               f"and armSkuName eq '{instance_type}' and priceType eq '{price_type}'")
        got = self._query(flt)
        if got is None:
            return None
        items, as_of, note = got
        windows = platform.lower().startswith("win")
        rows = []
        for it in items:
            meter = f"{it.get('meterName', '')} {it.get('skuName', '')}"
            if it.get("unitOfMeasure") != "1 Hour" or float(it.get("tierMinimumUnits") or 0) > 0:
                continue
            if ("Windows" in str(it.get("productName", ""))) != windows:
                continue
            if committed:
                if it.get("reservationTerm") != committed[0]:
                    continue
            elif ("Spot" in meter) != (term == "spot") or "Low Priority" in meter:
                continue
            rows.append(it)
        if not rows:
            return None
        row = sorted(rows, key=lambda r: (not r.get("isPrimaryMeterRegion", True), str(r.get("meterId", ""))))[0]
        price = to_decimal(str(row.get("retailPrice", row.get("unitPrice"))))
        if committed:
            price = price / committed[1]
            note = _join(note, f"reservation {committed[0]} total price / {committed[1]} h")
        return self._quote(price, "hour", row, as_of, note=note)

    def storage_gb_month(self, provider: str, region: str, storage_class: str) -> PriceQuote | None:
        if provider != "azure":
            return None
        key = storage_class.lower()
        if key == "snapshot":
            got = self._product(region, "Standard HDD Managed Disks")
            if got is None:
                return None
            items, as_of, note = got
            rows = [it for it in items if "Snapshot" in str(it.get("meterName", ""))
                    and "ZRS" not in str(it.get("meterName", ""))
                    and "GB/Month" in str(it.get("unitOfMeasure", ""))]
            if not rows:
                return None
            return self._quote(to_decimal(str(rows[0]["retailPrice"])), "GB-month", rows[0], as_of, note=note)
        tier = _DISK_TIERS.get(key)
        if tier is None:
            return None
        product, sku, size = tier
        got = self._product(region, product)
        if got is None:
            return None
        items, as_of, note = got
        rows = [it for it in items if it.get("skuName") == sku and it.get("unitOfMeasure") == "1/Month"
                and str(it.get("meterName", "")).endswith("Disk")]
        if not rows:
            return None
        price = to_decimal(str(rows[0]["retailPrice"])) / size
        return self._quote(price, "GB-month", rows[0], as_of, estimate=True, note=_join(
            note, f"per-GB approximation: {sku} ({size} GiB) monthly tier price / {size}; Azure bills "
                  "disks by size tier"))

    def address_hour(self, provider: str, region: str) -> PriceQuote | None:
        if provider != "azure":
            return None
        flt = (f"serviceName eq 'Virtual Network' and productName eq 'IP Addresses' "
               f"and armRegionName eq '{region}' and priceType eq 'Consumption'")
        got = self._query(flt)
        if got is None:
            return None
        items, as_of, note = got
        rows = [it for it in items if it.get("meterName") == "Standard IPv4 Static Public IP"
                and it.get("unitOfMeasure") == "1 Hour"]
        if not rows:
            return None
        return self._quote(to_decimal(str(rows[0]["retailPrice"])), "hour", rows[0], as_of, note=note)

    # ---- fetching and caching --------------------------------------------------------------------

    def _product(self, region: str, product: str) -> tuple[list[dict[str, Any]], date, str | None] | None:
        return self._query(f"serviceName eq 'Storage' and armRegionName eq '{region}' "
                           f"and productName eq '{product}' and priceType eq 'Consumption'")

    def _quote(self, price: Decimal, unit: str, row: dict[str, Any], as_of: date, *,
               estimate: bool = False, note: str | None = None) -> PriceQuote:
        currency = str(row.get("currencyCode") or self.currency)
        meter = f"{row.get('productName')} / {row.get('meterName')} ({row.get('armRegionName')})"
        return PriceQuote(Money.of(price, currency), unit, SOURCE, as_of,  # type: ignore[arg-type]
                          estimate=estimate, note=_join(f"meter: {meter}", note))

    def _query(self, flt: str) -> tuple[list[dict[str, Any]], date, str | None] | None:
        """Items for an OData filter, from the cache or the API (all pages)."""
        key = f"{self.currency}|{flt}"
        now = self._now or datetime.now(timezone.utc)
        hit = self.cache.get(key, now)
        if hit is not None:
            return hit["items"], date.fromisoformat(hit["fetched"][:10]), None
        try:
            items = self._fetch(flt)
        except Exception as exc:  # noqa: BLE001 - network/HTTP errors: fall back to stale cache
            self.failed = True
            log.warning("Azure Retail Prices API unavailable (%s); using cached prices if any", exc)
            stale = self.cache.get_stale(key)
            if stale is None:
                return None
            fetched, value = stale
            return value["items"], fetched.date(), f"stale cached price from {fetched.date()}"
        self.cache.put(key, {"items": items, "fetched": now.isoformat()}, now)
        return items, now.date(), None

    def _fetch(self, flt: str) -> list[dict[str, Any]]:
        from azure.core.rest import HttpRequest

        client = self._pipeline()
        request = HttpRequest("GET", API, params={"api-version": API_VERSION, "currencyCode": self.currency,
                                                   "$filter": flt})
        items: list[dict[str, Any]] = []
        for _ in range(_MAX_PAGES):
            response = client.send_request(request)
            response.raise_for_status()
            body = response.json()
            items.extend(body.get("Items") or [])
            nxt = body.get("NextPageLink")
            if not nxt:
                return items
            request = HttpRequest("GET", nxt)
        log.warning("Azure Retail Prices: stopped after %d pages for %s", _MAX_PAGES, flt)
        return items

    def _pipeline(self) -> Any:
        with self._lock:
            if self._client is None:
                from azure.core import PipelineClient
                from azure.core.pipeline.policies import HeadersPolicy, RetryPolicy, UserAgentPolicy
                from azure.core.pipeline.transport import RequestsTransport

                from providers.azure._http import ReadOnlyTransport

                transport = ReadOnlyTransport(self._transport or RequestsTransport())
                self._client = PipelineClient(
                    base_url=API, transport=transport,
                    policies=[HeadersPolicy({"Accept": "application/json"}), UserAgentPolicy("finml"),
                              RetryPolicy(retry_total=3)],
                )
            return self._client


def _join(a: str | None, b: str | None) -> str | None:
    parts = [p for p in (a, b) if p]
    return "; ".join(parts) if parts else None
