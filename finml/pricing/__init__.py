"""One place for prices.

A :class:`PriceCatalog` answers the hourly price of a machine type, the GB-month price of a
storage class (disk types, snapshot storage, object storage classes) and the hourly price of a
public IP, for a provider and region. Every answer is a :class:`PriceQuote` that says where the
price came from and how old it is, so every saving can be traced to its price.

Layering (bill-derived, live APIs with a disk cache, embedded dated table, unit-rate estimator) is
built by :func:`default_catalog`; the embedded table is :mod:`finml.pricing.embedded`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from finml.money import Money

Term = Literal["on-demand", "spot", "committed-1y", "committed-3y"]
Unit = Literal["hour", "GB-month"]

__all__ = ["PriceCatalog", "PriceQuote", "Term", "Unit", "LayeredCatalog", "default_catalog"]


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """A unit price with provenance. ``source`` is e.g. ``embedded``, ``aws-pricing-api``,
    ``bill-derived`` or ``estimate``; ``estimate`` is True when no published price was found."""

    price: Money
    unit: Unit
    source: str
    as_of: date
    estimate: bool = False
    note: str | None = None

    def evidence(self) -> dict[str, str | bool | None]:
        return {
            "price": str(self.price.amount),
            "currency": self.price.currency,
            "unit": self.unit,
            "price_source": self.source,
            "price_as_of": self.as_of.isoformat(),
            "price_is_estimate": self.estimate,
            "price_note": self.note,
        }


class PriceCatalog(Protocol):
    def instance_hour(self, provider: str, region: str, instance_type: str, term: Term = "on-demand", platform: str = "linux") -> PriceQuote | None: ...

    def storage_gb_month(self, provider: str, region: str, storage_class: str) -> PriceQuote | None: ...

    def address_hour(self, provider: str, region: str) -> PriceQuote | None: ...


class LayeredCatalog:
    """Asks each catalog in order and returns the first answer."""

    def __init__(self, layers: Sequence[PriceCatalog]) -> None:
        self.layers = list(layers)

    def instance_hour(self, provider: str, region: str, instance_type: str, term: Term = "on-demand", platform: str = "linux") -> PriceQuote | None:
        for layer in self.layers:
            q = layer.instance_hour(provider, region, instance_type, term, platform)
            if q is not None:
                return q
        return None

    def storage_gb_month(self, provider: str, region: str, storage_class: str) -> PriceQuote | None:
        for layer in self.layers:
            q = layer.storage_gb_month(provider, region, storage_class)
            if q is not None:
                return q
        return None

    def address_hour(self, provider: str, region: str) -> PriceQuote | None:
        for layer in self.layers:
            q = layer.address_hour(provider, region)
            if q is not None:
                return q
        return None


def default_catalog() -> PriceCatalog:
    """The catalog an offline audit uses: the embedded, dated price table."""
    from finml.pricing.embedded import EmbeddedCatalog

    return LayeredCatalog([EmbeddedCatalog.load()])
