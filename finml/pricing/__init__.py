"""One place for prices.

A :class:`PriceCatalog` answers the hourly price of a machine type, the GB-month price of a
storage class (disk types, snapshot storage, object storage classes) and the hourly price of a
public IP, for a provider and region. Every answer is a :class:`PriceQuote` that says where the
price came from and how old it is, so every saving can be traced to its price.

Layering is built by :func:`default_catalog`, first answer wins:

1. bill-derived effective prices (:mod:`finml.pricing.bills`) when cost rows are available;
2. live price APIs with a disk cache, when asked for (``[audit] live_prices = true``): each
   configured provider plug-in's :meth:`~finml.provider.Provider.price_catalog`, which answers
   only for its own provider and shares the provider's credentials;
3. the embedded, dated table (:mod:`finml.pricing.embedded`);
4. the unit-rate estimator (:mod:`finml.pricing.estimate`), whose answers say ``estimate=True``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from finml.money import Money

Term = Literal["on-demand", "spot", "committed-1y", "committed-3y"]
Unit = Literal["hour", "GB-month"]

if TYPE_CHECKING:
    from finml.config import Config
    from finml.focus import CostsView
    from finml.model import InstanceType

__all__ = ["PriceCatalog", "PriceQuote", "Term", "Unit", "LayeredCatalog", "default_catalog"]

log = logging.getLogger(__name__)

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


class _Guarded:
    """A live layer that answers only for its provider and turns failures into a warning:
    after the first failure it is switched off for the rest of the run (next layers answer)."""

    def __init__(self, provider: str, inner: PriceCatalog) -> None:
        self.provider = provider
        self.inner = inner
        self.failed = False

    def _ask(self, provider: str, call: Any) -> PriceQuote | None:
        if provider != self.provider or self.failed:
            return None
        from finml.errors import FinmlError

        try:
            result: PriceQuote | None = call()
            return result
        except FinmlError as exc:
            self.failed = True
            log.warning("live %s prices unavailable (%s); using the next price source", self.provider, exc)
            return None

    def instance_hour(self, provider: str, region: str, instance_type: str, term: Term = "on-demand", platform: str = "linux") -> PriceQuote | None:
        return self._ask(provider, lambda: self.inner.instance_hour(provider, region, instance_type, term, platform))

    def storage_gb_month(self, provider: str, region: str, storage_class: str) -> PriceQuote | None:
        return self._ask(provider, lambda: self.inner.storage_gb_month(provider, region, storage_class))

    def address_hour(self, provider: str, region: str) -> PriceQuote | None:
        return self._ask(provider, lambda: self.inner.address_hour(provider, region))


def live_catalog(provider: str, config: Config) -> PriceCatalog | None:
    """The live catalog of ``provider``: its plug-in's :meth:`~finml.provider.Provider.price_catalog`
    built with the configured settings (so it shares the provider's credentials), guarded so that a
    failure falls back to the next layer. None when the provider offers none or cannot be built."""
    from finml.audit import build_provider
    from finml.errors import FinmlError

    try:
        catalog = build_provider(provider, config).price_catalog(config.resolved_data_dir())
    except FinmlError as exc:  # e.g. missing SDK extra or credentials: fall back to the table
        log.warning("live %s prices unavailable (%s); using the next price source", provider, exc)
        return None
    return None if catalog is None else _Guarded(provider, catalog)


def default_catalog(
    config: Config | None = None,
    costs: CostsView | None = None,
    live: bool | None = None,
    *,
    facts: Mapping[tuple[str, str], InstanceType] | None = None,
    now: datetime | None = None,
    bill_days: int = 30,
) -> PriceCatalog:
    """The layered catalog an audit uses (see the module docstring for the order).

    ``costs``: FOCUS rows to derive the customer's effective prices from (the ``bill_days``
    before ``now``). ``live``: ask live price APIs; ``None`` reads ``[audit] live_prices`` from the
    config (default off, so audits stay offline and reproducible). ``facts``: instance-type facts
    from the estate, so the estimator can price types the tables do not list. With no arguments:
    the embedded table, then the estimator.
    """
    from datetime import timedelta, timezone

    from finml.pricing.embedded import EmbeddedCatalog
    from finml.pricing.estimate import UnitRateEstimator

    embedded = EmbeddedCatalog.load()
    layers: list[PriceCatalog] = []
    if costs is not None:
        from finml.pricing.bills import BillDerivedCatalog

        until = now or datetime.now(timezone.utc)
        layers.append(BillDerivedCatalog.from_costs(
            costs, until - timedelta(days=bill_days), until, storage_classes=embedded.storage_classes(),
        ))
    if live is None:
        live = bool(config is not None and config.section("audit").get("live_prices") is True)
    if live and config is not None:
        for provider in config.providers:
            catalog = live_catalog(provider, config)
            if catalog is not None:
                layers.append(catalog)
    layers.append(embedded)
    layers.append(UnitRateEstimator(embedded, facts))
    return LayeredCatalog(layers)
