"""The hourly price of the host a run is on, with its provenance.

An explicit ``hourly_price`` (config or ``FINML_HOURLY_PRICE``) wins; otherwise the price catalog
(:func:`finml.pricing.default_catalog`) is asked for the identified instance type, region and
pricing model. A type the catalog does not know is said so in the record, and cost figures are
then left empty rather than guessed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from finml.money import Money
from finml.pricing import PriceCatalog, Term
from profiler.cloud import InstanceIdentity

__all__ = ["host_price", "TERMS"]

TERMS: dict[str, Term] = {
    "on-demand": "on-demand", "spot": "spot", "committed": "committed-1y",
    "committed-1y": "committed-1y", "committed-3y": "committed-3y",
}


def host_price(settings: Any, identity: InstanceIdentity,
               catalog: PriceCatalog | None = None) -> dict[str, Any]:
    """A ``price`` block for the ledger: hourly amount, currency, term, source, notes."""
    term = TERMS[settings.pricing_model]
    notes: list[str] = []
    if identity.lifecycle == "spot" and term == "on-demand":
        term = "spot"
        notes.append("metadata service reports a spot instance; spot price used")
    if settings.hourly_price is not None:
        m = Money.of(settings.hourly_price, settings.currency)
        return {"hourly": m.to_json(), "term": term, "source": "config:hourly_price",
                "as_of": date.today().isoformat(), "estimate": False, "notes": notes}
    if not identity.instance_type or not identity.provider:
        notes.append("instance type unknown (no cloud metadata service answered and neither "
                      "FINML_INSTANCE_TYPE nor FINML_HOURLY_PRICE is set): no cost computed")
        return {"hourly": None, "term": term, "source": None, "notes": notes}
    if catalog is None:
        from finml.pricing import default_catalog

        catalog = default_catalog()
    region = identity.region or "*"
    quote = catalog.instance_hour(identity.provider, region, identity.instance_type, term)
    if quote is None and term != "on-demand":
        quote = catalog.instance_hour(identity.provider, region, identity.instance_type)
        if quote is not None:
            notes.append(f"no {term} price for {identity.instance_type} in the catalog; "
                         "on-demand price used (overstates the cost)")
    if quote is None:
        notes.append(f"instance type {identity.provider}/{identity.instance_type} in "
                     f"{region} is not in the price catalog: no cost computed; set "
                     "FINML_HOURLY_PRICE or [profiler] hourly_price")
        return {"hourly": None, "term": term, "source": None, "notes": notes}
    if quote.note:
        notes.append(quote.note)
    return {"hourly": quote.price.to_json(), "term": term, "source": quote.source,
            "as_of": quote.as_of.isoformat(), "estimate": quote.estimate, "notes": notes}
