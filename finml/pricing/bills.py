"""Prices derived from the customer's own bills (the first catalog layer).

What a customer actually pays beats any list price: negotiated discounts (EDP, MACC, private
pricing) are already in the bill. From normalised FOCUS rows (:mod:`finml.focus`) this layer
derives, per provider/region:

* the effective on-demand hourly price of each instance type: ``sum(EffectiveCost) /
  sum(PricingQuantity)`` over Usage rows with an ``x_InstanceType``, an hourly ``PricingUnit``,
  ``PricingCategory`` Standard (or empty) and no commitment discount applied;
* the effective GB-month price of each storage class: the same ratio over Usage rows with a
  GB-month ``PricingUnit``; the class is recognised as a token (``gp3``, ``pd-ssd``,
  ``Premium_LRS``, ``snapshot``…) in ``SkuId``/``ResourceType``/``ChargeDescription``, from the
  storage classes the embedded table knows.

Bills do not say the operating system of an hour, so these prices answer ``platform="linux"``
only when no Windows/RHEL/SUSE marker appears in the charge description.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa

from finml.focus import CostsView, provider_key
from finml.money import Money
from finml.pricing import PriceQuote, Term

__all__ = ["BillDerivedCatalog", "provider_key", "usage_without_commitment", "HOUR_UNITS", "GB_MONTH_UNITS"]

HOUR_UNITS = frozenset({"hours", "hour", "hrs", "hr", "1 hour", "h"})
GB_MONTH_UNITS = frozenset({"gb-mo", "gb-month", "gb month", "gib-month", "gibibyte month", "gb-months", "gibibytemonth", "1 gb/month", "gb/month"})
_OTHER_OS = re.compile(r"windows|rhel|red hat|suse|sql server", re.I)



def usage_without_commitment(table: pa.Table) -> pa.Table:
    """Usage rows no commitment discount applied to (filtered in Arrow before rows become Python)."""
    import pyarrow.compute as pc

    mask = pc.and_(pc.equal(table["ChargeCategory"], "Usage"), pc.is_null(table["CommitmentDiscountId"]))
    return table.filter(pc.fill_null(mask, False))


@dataclass
class _Acc:
    cost: Decimal = Decimal(0)
    quantity: Decimal = Decimal(0)
    rows: int = 0
    first: datetime | None = None
    last: datetime | None = None

    def add(self, cost: Decimal, qty: Decimal, at: datetime) -> None:
        self.cost += cost
        self.quantity += qty
        self.rows += 1
        self.first = at if self.first is None or at < self.first else self.first
        self.last = at if self.last is None or at > self.last else self.last


_COLUMNS = (
    "ProviderName", "RegionId", "ChargeCategory", "PricingCategory", "PricingUnit", "PricingQuantity",
    "EffectiveCost", "BillingCurrency", "CommitmentDiscountId", "x_InstanceType", "SkuId", "ResourceType",
    "ChargeDescription", "ChargePeriodStart",
)


class BillDerivedCatalog:
    """A catalog layer answering from effective prices found in the customer's bills."""

    def __init__(self, instance: dict[tuple[str, str, str], PriceQuote], storage: dict[tuple[str, str, str], PriceQuote]) -> None:
        self._instance = instance
        self._storage = storage

    @classmethod
    def from_costs(
        cls, costs: CostsView, since: datetime, until: datetime, storage_classes: Iterable[str] = (),
    ) -> BillDerivedCatalog:
        table = usage_without_commitment(costs.rows(since, until, _COLUMNS))
        classes = sorted({c.lower() for c in storage_classes}, key=len, reverse=True)
        inst: dict[tuple[str, str, str, str], _Acc] = {}
        stor: dict[tuple[str, str, str, str], _Acc] = {}
        for r in table.to_pylist():
            if r["ChargeCategory"] != "Usage" or r["CommitmentDiscountId"]:
                continue
            if (r["PricingCategory"] or "Standard") != "Standard":
                continue
            provider = provider_key(r["ProviderName"])
            qty, cost = r["PricingQuantity"], r["EffectiveCost"]
            if provider is None or qty is None or cost is None or qty <= 0 or not r["RegionId"]:
                continue
            unit = (r["PricingUnit"] or "").strip().lower()
            currency = r["BillingCurrency"] or "USD"
            if unit in HOUR_UNITS and r["x_InstanceType"]:
                if _OTHER_OS.search(r["ChargeDescription"] or ""):
                    continue
                key = (provider, r["RegionId"], r["x_InstanceType"].lower(), currency)
                inst.setdefault(key, _Acc()).add(cost, qty, r["ChargePeriodStart"])
            elif unit in GB_MONTH_UNITS:
                text = " ".join(filter(None, (r["SkuId"], r["ResourceType"], r["ChargeDescription"]))).lower()
                found = next((c for c in classes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)), None)
                if found is not None:
                    stor.setdefault((provider, r["RegionId"], found, currency), _Acc()).add(cost, qty, r["ChargePeriodStart"])
        return cls(
            {k[:3]: _quote(a, k[3], "hour") for k, a in inst.items()},
            {k[:3]: _quote(a, k[3], "GB-month") for k, a in stor.items()},
        )

    @classmethod
    def from_recent(cls, costs: CostsView, now: datetime, days: int = 30, storage_classes: Iterable[str] = ()) -> BillDerivedCatalog:
        return cls.from_costs(costs, now - timedelta(days=days), now, storage_classes)

    def instance_hour(self, provider: str, region: str, instance_type: str, term: Term = "on-demand", platform: str = "linux") -> PriceQuote | None:
        if term != "on-demand" or platform != "linux":
            return None
        return self._instance.get((provider, region, instance_type.lower()))

    def storage_gb_month(self, provider: str, region: str, storage_class: str) -> PriceQuote | None:
        return self._storage.get((provider, region, storage_class.lower()))

    def address_hour(self, provider: str, region: str) -> PriceQuote | None:
        return None

    def __len__(self) -> int:
        return len(self._instance) + len(self._storage)


def _quote(acc: _Acc, currency: str, unit: str) -> PriceQuote:
    assert acc.first is not None and acc.last is not None
    price = acc.cost / acc.quantity
    return PriceQuote(
        Money(price, currency), unit, "bill-derived", _day(acc.last),  # type: ignore[arg-type]
        note=f"EffectiveCost {acc.cost} / PricingQuantity {acc.quantity} over {acc.rows} bill rows "
             f"from {acc.first.isoformat()} to {acc.last.isoformat()}",
    )


def _day(at: datetime) -> date:
    return at.date()
