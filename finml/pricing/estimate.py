"""Last-resort prices: unit rates (per vCPU-hour, per GiB-hour, per GPU-hour by GPU model).

For a machine type that no catalog layer prices, the estimator takes its facts (from the estate
or the embedded facts table) and prices it as ``vcpus x vcpu_rate + memory_gib x gib_rate +
gpus x gpu_rate[model]``. The rates are fitted per provider from the embedded table: vCPU and
memory rates by least squares over current-generation, non-burstable CPU types at the reference
region; GPU rates as the median, over that provider's types with the GPU model, of what the
price leaves after the CPU and memory part, per GPU. Every answer has ``estimate=True``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from finml.model import InstanceType
from finml.money import Money
from finml.pricing import PriceQuote, Term
from finml.pricing.embedded import EmbeddedCatalog
from finml.pricing.facts import FactsMap, known_types, lookup

__all__ = ["UnitRates", "UnitRateEstimator", "fit_unit_rates"]

_Q = Decimal("0.000001")


@dataclass(frozen=True)
class UnitRates:
    provider: str
    vcpu_hour: Decimal
    gib_hour: Decimal
    gpu_hour: dict[str, Decimal]
    samples: int
    as_of: object

    def gpu_rate(self, model: str | None) -> tuple[Decimal, str]:
        if model and model in self.gpu_hour:
            return self.gpu_hour[model], f"{model} rate"
        if not self.gpu_hour:
            return Decimal(0), "no GPU rate known"
        return Decimal(median(self.gpu_hour.values())), "median GPU rate (model not priced)"


def fit_unit_rates(provider: str, types: Iterable[InstanceType], table: EmbeddedCatalog) -> UnitRates | None:
    """Fit the provider's unit rates from the reference-region on-demand prices in ``table``."""
    cpu: list[tuple[Decimal, Decimal, Decimal]] = []
    gpu: list[tuple[InstanceType, Decimal]] = []
    as_of = None
    for t in types:
        q = table.instance_hour(provider, "*", t.name)
        if q is None:
            continue
        as_of = max(as_of, q.as_of) if as_of else q.as_of
        if t.gpus:
            gpu.append((t, q.price.amount))
        elif t.current_generation and not t.burstable:
            cpu.append((Decimal(t.vcpus), Decimal(str(t.memory_gib)), q.price.amount))
    if len(cpu) < 2:
        return None
    svv = sum((v * v for v, _, _ in cpu), Decimal(0))
    smm = sum((m * m for _, m, _ in cpu), Decimal(0))
    svm = sum((v * m for v, m, _ in cpu), Decimal(0))
    svp = sum((v * p for v, _, p in cpu), Decimal(0))
    smp = sum((m * p for _, m, p in cpu), Decimal(0))
    det = svv * smm - svm * svm
    if det == 0:
        return None
    a = ((svp * smm - smp * svm) / det).quantize(_Q)
    b = ((smp * svv - svp * svm) / det).quantize(_Q)
    by_model: dict[str, list[Decimal]] = {}
    for t, price in gpu:
        if not t.gpu_model or "partition" in t.gpu_model:
            continue
        rest = price - a * t.vcpus - b * Decimal(str(t.memory_gib))
        by_model.setdefault(t.gpu_model, []).append(rest / t.gpus)
    rates = {m: Decimal(median(v)).quantize(_Q) for m, v in by_model.items() if median(v) > 0}
    return UnitRates(provider, a, b, rates, len(cpu), as_of)


class UnitRateEstimator:
    """A catalog layer that estimates on-demand instance prices from unit rates."""

    def __init__(self, table: EmbeddedCatalog, facts: FactsMap | None = None) -> None:
        self.table = table
        self.facts = facts
        self._rates: dict[str, UnitRates | None] = {}
        self._licence: dict[tuple[str, str], tuple[Decimal, int] | None] = {}

    def rates(self, provider: str) -> UnitRates | None:
        if provider not in self._rates:
            self._rates[provider] = fit_unit_rates(provider, known_types(provider), self.table)
        return self._rates[provider]

    def licence_rate(self, provider: str, platform: str) -> tuple[Decimal, int] | None:
        """Median extra price per vCPU-hour of ``platform`` (e.g. Windows) over Linux, fitted on
        the types the table lists under both; with the number of pairs it was fitted on."""
        key = (provider, platform)
        if key not in self._licence:
            rates = []
            for name, linux, other in self.table.platform_pairs(provider, platform):
                it = lookup(provider, name, self.facts)
                if it is not None and it.vcpus and other > linux:
                    rates.append((other - linux) / it.vcpus)
            self._licence[key] = (Decimal(median(rates)).quantize(_Q), len(rates)) if len(rates) >= 2 else None
        return self._licence[key]

    def instance_hour(self, provider: str, region: str, instance_type: str, term: Term = "on-demand", platform: str = "linux") -> PriceQuote | None:
        if term != "on-demand":
            return None
        if platform != "linux":
            return self._licensed(provider, region, instance_type, platform)
        it = lookup(provider, instance_type, self.facts)
        rates = self.rates(provider)
        if it is None or rates is None:
            return None
        price = rates.vcpu_hour * it.vcpus + rates.gib_hour * Decimal(str(it.memory_gib))
        formula = f"{it.vcpus} vCPU x {rates.vcpu_hour} + {it.memory_gib:g} GiB x {rates.gib_hour}"
        if it.gpus:
            rate, why = rates.gpu_rate(it.gpu_model)
            price += rate * it.gpus
            formula += f" + {it.gpus} GPU x {rate} ({why})"
        assert rates.as_of is not None
        return PriceQuote(
            Money(price.quantize(_Q), "USD"), "hour", "estimate:unit-rates", rates.as_of,  # type: ignore[arg-type]
            estimate=True,
            note=f"no published price for {instance_type} in {region}; {formula} "
                 f"(rates fitted on {rates.samples} embedded {provider} prices)",
        )

    def _licensed(self, provider: str, region: str, instance_type: str, platform: str) -> PriceQuote | None:
        """Linux price (published, else estimated) + vCPUs x the fitted licence rate."""
        it = lookup(provider, instance_type, self.facts)
        licence = self.licence_rate(provider, platform)
        base = self.table.instance_hour(provider, region, instance_type, "on-demand", "linux") \
            or self.instance_hour(provider, region, instance_type, "on-demand", "linux")
        if it is None or licence is None or base is None:
            return None
        rate, pairs = licence
        price = base.price.amount + rate * it.vcpus
        return PriceQuote(
            Money(price.quantize(_Q), base.price.currency), "hour", "estimate:licence-rate", base.as_of,
            estimate=True,
            note=f"no published {platform} price for {instance_type} in {region}; linux price "
                 f"{base.price.amount} ({base.source}) + {it.vcpus} vCPU x {rate} {platform} licence "
                 f"(median of {pairs} embedded {provider} linux/{platform} pairs)",
        )

    def storage_gb_month(self, provider: str, region: str, storage_class: str) -> PriceQuote | None:
        return None

    def address_hour(self, provider: str, region: str) -> PriceQuote | None:
        return None
