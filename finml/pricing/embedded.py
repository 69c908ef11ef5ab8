"""The embedded, dated price table shipped with finml (``data/prices.csv``).

Columns: ``provider,region,kind,key,term,platform,unit,price,currency,as_of,source``. ``kind`` is
``instance``, ``storage`` or ``address``; ``region`` ``*`` is the fallback for regions not listed
(prices there are the provider's reference region, flagged in the quote's note). Prices are list
prices in USD published by each provider on ``as_of``; ``source`` names the page they came from.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from finml.money import Money
from finml.pricing import PriceQuote, Term

_Key = tuple[str, str, str, str, str, str]  # provider, region, kind, key, term, platform


class EmbeddedCatalog:
    def __init__(self, rows: dict[_Key, PriceQuote]) -> None:
        self._rows = rows

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> EmbeddedCatalog:
        rows: dict[_Key, PriceQuote] = {}
        with resources.files("finml.pricing").joinpath("data/prices.csv").open(encoding="utf-8") as fh:
            for r in csv.DictReader(line for line in fh if not line.startswith("#")):
                key = (r["provider"], r["region"], r["kind"], r["key"].lower(), r["term"], r["platform"])
                rows[key] = PriceQuote(
                    price=Money.of(r["price"], r["currency"]),
                    unit=r["unit"],  # type: ignore[arg-type]
                    source=f"embedded:{r['source']}",
                    as_of=date.fromisoformat(r["as_of"]),
                )
        return cls(rows)

    def _get(self, provider: str, region: str, kind: str, key: str, term: str, platform: str) -> PriceQuote | None:
        exact = self._rows.get((provider, region, kind, key.lower(), term, platform))
        if exact is not None:
            return exact
        fallback = self._rows.get((provider, "*", kind, key.lower(), term, platform))
        if fallback is None:
            return None
        return PriceQuote(
            fallback.price, fallback.unit, fallback.source, fallback.as_of,
            estimate=fallback.estimate,
            note=f"no {region} price in the embedded table; reference-region price used",
        )

    def instance_hour(self, provider: str, region: str, instance_type: str, term: Term = "on-demand", platform: str = "linux") -> PriceQuote | None:
        return self._get(provider, region, "instance", instance_type, term, platform)

    def storage_gb_month(self, provider: str, region: str, storage_class: str) -> PriceQuote | None:
        return self._get(provider, region, "storage", storage_class, "on-demand", "*")

    def address_hour(self, provider: str, region: str) -> PriceQuote | None:
        return self._get(provider, region, "address", "public-ip", "on-demand", "*")

    def storage_classes(self) -> set[str]:
        """Every storage class key the table prices (any provider)."""
        return {k[3] for k in self._rows if k[2] == "storage"}

    def platform_pairs(self, provider: str, platform: str) -> list[tuple[str, Decimal, Decimal]]:
        """(type, linux price, ``platform`` price) for every on-demand type the table lists under
        both platforms at the fallback region ``*``: the basis for licence-rate estimates."""
        out = []
        for (prov, region, kind, key, term, plat), q in self._rows.items():
            if (prov, region, kind, term, plat) != (provider, "*", "instance", "on-demand", platform):
                continue
            linux = self._rows.get((prov, region, kind, key, term, "linux"))
            if linux is not None:
                out.append((key, linux.price.amount, q.price.amount))
        return out

    def instance_types(self, provider: str) -> set[str]:
        return {k[3] for k in self._rows if k[0] == provider and k[2] == "instance"}
