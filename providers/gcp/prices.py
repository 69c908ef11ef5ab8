"""Compute Engine list prices from the Cloud Billing Catalog API, as a :class:`PriceCatalog`.

``services.list`` finds the Compute Engine service; ``services.skus.list`` returns its SKUs, each
priced per usage unit (``pricingInfo[].pricingExpression.tieredRates[].unitPrice`` as
``units`` + ``nanos`` / 10^9, read exactly into a Decimal) for the regions in ``serviceRegions``.
Machine types have no SKU of their own: a predefined type costs

    vCPUs x (family core SKU, per hour) + memory GiB x (family RAM SKU, per GiB-hour)
    + GPUs x (GPU SKU, per hour)

(custom types use the family's "Custom Instance Core/Ram" SKUs) for the usage type of the term (``OnDemand``, ``Preemptible`` = spot, ``Commit1Yr``,
``Commit3Yr``). Disk types, snapshot storage and unused static IPs have their own SKUs. The
parsed price index is kept in the finml price cache (namespace ``gcp-cloud-billing-catalog``) for
``price_cache_ttl_hours``; a stale index is used, with a note, when the API cannot be reached.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from finml.errors import ProviderError
from finml.model import InstanceType
from finml.money import HOURS_PER_MONTH, Money
from finml.pricing import PriceQuote, Term
from finml.pricing.cache import PriceCache

log = logging.getLogger(__name__)

SOURCE = "gcp-cloud-billing-catalog"
COMPUTE_SERVICE = "Compute Engine"
USAGE_TYPES: dict[str, str] = {
    "on-demand": "OnDemand", "spot": "Preemptible", "committed-1y": "Commit1Yr", "committed-3y": "Commit3Yr",
}
FAMILIES = ("N2D", "N2", "N1", "N4", "E2", "C2D", "C3D", "C3", "C4A", "C4", "T2D", "T2A", "A2", "A3",
            "G2", "M1", "M2", "M3", "H3", "Z3")
_FAMILY_ALIASES = {"compute optimized": "C2", "memory-optimized": "M1"}
_EXCLUDE = ("sole tenancy", "extended", "premium", "reserved", "dws", "calendar mode", "flex")
STORAGE_SKUS = (
    ("ssd backed pd capacity", "pd-ssd"),
    ("balanced pd capacity", "pd-balanced"),
    ("extreme pd capacity", "pd-extreme"),
    ("storage pd capacity", "pd-standard"),
    ("hyperdisk balanced capacity", "hyperdisk-balanced"),
    ("hyperdisk extreme capacity", "hyperdisk-extreme"),
    ("hyperdisk throughput capacity", "hyperdisk-throughput"),
)
GIB_PER_VCPU = {"standard": Decimal("4"), "highmem": Decimal("8"), "highcpu": Decimal("1")}
_N1_GIB = {"standard": Decimal("3.75"), "highmem": Decimal("6.5"), "highcpu": Decimal("0.9")}
_HIGHCPU_2 = frozenset({"c3", "c3d", "c4", "c4a"})
SHARED_CORE_VCPUS = {"e2-micro": Decimal("0.25"), "e2-small": Decimal("0.5"), "e2-medium": Decimal("1")}
"""E2 shared-core types are billed for a fraction of a vCPU (cloud.google.com/compute/vm-instance-pricing)."""


@dataclass(frozen=True, slots=True)
class SkuPrice:
    """One usable price point: ``per`` is the unit it is quoted in (hour, GiB-hour, GiB-month)."""

    region: str
    usage_type: str
    component: str  # core:N2 | ram:N2 | gpu:nvidia-tesla-t4 | storage:pd-ssd | snapshot | ip
    price: Decimal
    per: str
    sku_id: str
    description: str


def unit_price(money: Mapping[str, Any]) -> Decimal:
    """A google.type.Money (``units`` string + ``nanos``) as an exact Decimal."""
    units = Decimal(str(money.get("units", "0") or "0"))
    nanos = Decimal(int(money.get("nanos", 0) or 0)).scaleb(-9)
    return units + nanos


def _first_price(sku: Mapping[str, Any]) -> tuple[Decimal, str] | None:
    infos = sku.get("pricingInfo") or []
    if not infos:
        return None
    expr = infos[-1].get("pricingExpression") or {}
    rates = sorted(expr.get("tieredRates") or [], key=lambda r: float(r.get("startUsageAmount", 0) or 0))
    priced = [unit_price(r.get("unitPrice") or {}) for r in rates]
    nonzero = [p for p in priced if p > 0]
    if not priced:
        return None
    return (nonzero[0] if nonzero else priced[0]), str(expr.get("usageUnit", ""))


def _family(desc: str) -> str | None:
    low = desc.lower()
    for alias, fam in _FAMILY_ALIASES.items():
        if low.startswith(alias) or f" {alias}" in low:
            return fam
    tokens = re.findall(r"[A-Z0-9]+", desc)
    return next((t for t in tokens if t in FAMILIES), None)


def classify(sku: Mapping[str, Any]) -> list[SkuPrice]:
    """The price points one Compute Engine SKU (REST JSON) contributes, one per service region."""
    desc = str(sku.get("description", ""))
    low = desc.lower()
    cat = sku.get("category") or {}
    group, usage = str(cat.get("resourceGroup", "")), str(cat.get("usageType", ""))
    found = _first_price(sku)
    if found is None or any(x in low for x in _EXCLUDE):
        return []
    price, unit = found
    component: str | None = None
    per = {"h": "hour", "GiBy.h": "GiB-hour", "GiBy.mo": "GiB-month"}.get(unit)
    if group == "GPU" or re.search(r"\bgpu\b", low):
        model = re.sub(r"\s+(gpu|running|in|for)\b.*$", "", low).strip()
        component = "gpu:" + re.sub(r"[^a-z0-9]+", "-", model).strip("-")
        component = component.replace("commitment-v1-", "").replace("spot-preemptible-", "")
    elif cat.get("resourceFamily") == "Storage" or "capacity" in low or "snapshot" in low:
        if "snapshot" in low and "storage" in low and not any(x in low for x in ("archive", "instant", "regional ")):
            component = "snapshot"
        elif "regional" not in low:
            component = next((f"storage:{cls}" for key, cls in STORAGE_SKUS if low.startswith(key)), None)
    elif "static ip charge" in low:
        component = "ip"
    elif group in ("CPU", "RAM") or "instance core" in low or "instance ram" in low or " cpu " in f" {low} ":
        custom = "custom" in low
        fam = _family(desc) or ("N1" if custom else None)
        kind = "ram" if (group == "RAM" or " ram " in f" {low} ") else "core"
        component = f"{kind}{'-custom' if custom else ''}:{fam}" if fam else None
    if component is None or per is None:
        return []
    return [SkuPrice(r, usage, component, price, per, str(sku.get("skuId", "")), desc)
            for r in sku.get("serviceRegions") or []]


def standard_shape(type_name: str) -> tuple[Decimal, Decimal] | None:
    """(billed vCPUs, GiB) of a predefined machine type, from its name (``n2-standard-4``)."""
    if type_name in SHARED_CORE_VCPUS:
        return SHARED_CORE_VCPUS[type_name], {"e2-micro": Decimal(1), "e2-small": Decimal(2)}.get(type_name, Decimal(4))
    parts = type_name.split("-")
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    fam, cls, n = parts[0], parts[1], Decimal(parts[2])
    ratios = _N1_GIB if fam == "n1" else GIB_PER_VCPU
    if cls == "highcpu" and fam in _HIGHCPU_2:
        return n, n * 2
    if cls not in ratios:
        return None
    return n, n * ratios[cls]


class GcpCatalogPrices:
    """A :class:`~finml.pricing.PriceCatalog` over parsed Compute Engine SKUs."""

    def __init__(self, prices: Iterable[SkuPrice], as_of: date, currency: str = "USD",
                 machine_types: Mapping[str, InstanceType] | None = None, note: str | None = None) -> None:
        self._index: dict[tuple[str, str, str], SkuPrice] = {}
        for p in prices:
            self._index.setdefault((p.region, p.usage_type, p.component), p)
        self.as_of = as_of
        self.currency = currency
        self.machine_types = dict(machine_types or {})
        self.note = note

    # ---- building -----------------------------------------------------------------------------

    @classmethod
    def from_skus(cls, skus: Iterable[Mapping[str, Any]], as_of: date, currency: str = "USD") -> GcpCatalogPrices:
        return cls([p for s in skus for p in classify(s)], as_of, currency)

    @classmethod
    def fetch(cls, catalog_client: Any, *, data_dir: Path, now: datetime | None = None,
              currency: str = "USD", ttl: timedelta = timedelta(days=7)) -> GcpCatalogPrices:
        """Prices from the cache if fresh, else from the API (read-only list calls), else stale."""
        now = now or datetime.now(timezone.utc)
        cache = PriceCache(data_dir, SOURCE, ttl)
        key = f"compute-skus:{currency}"
        hit = cache.get(key, now)
        if hit is not None:
            return cls._from_cached(hit, currency)
        try:
            skus = list(_list_compute_skus(catalog_client, currency))
        except Exception as exc:
            stale = cache.get_stale(key)
            if stale is not None:
                log.warning("Cloud Billing Catalog unreachable; using prices cached %s", stale[0])
                return cls._from_cached(stale[1], currency, note=f"cached {stale[0].date()}; catalog unreachable")
            raise ProviderError(
                f"cannot read Compute Engine prices from the Cloud Billing Catalog API: {exc}",
                provider="gcp", service="cloudbilling", operation="services.skus.list",
                hint="check network access to cloudbilling.googleapis.com; the embedded price table is used otherwise",
            ) from exc
        catalog = cls.from_skus(skus, now.date(), currency)
        cache.put(key, catalog._to_cached(), now)
        return catalog

    def _to_cached(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "prices": [
            [p.region, p.usage_type, p.component, str(p.price), p.per, p.sku_id, p.description]
            for p in self._index.values()]}

    @classmethod
    def _from_cached(cls, value: Mapping[str, Any], currency: str, note: str | None = None) -> GcpCatalogPrices:
        prices = [SkuPrice(r, u, c, Decimal(pr), per, sid, d) for r, u, c, pr, per, sid, d in value["prices"]]
        return cls(prices, date.fromisoformat(value["as_of"]), currency, note=note)

    def with_machine_types(self, types: Mapping[tuple[str, str], InstanceType]) -> GcpCatalogPrices:
        """Use the machine type facts of an estate (custom and unusual shapes)."""
        self.machine_types.update({name: t for (prov, name), t in types.items() if prov == "gcp"})
        return self

    # ---- PriceCatalog -------------------------------------------------------------------------

    def _get(self, region: str, usage: str, component: str) -> SkuPrice | None:
        return self._index.get((region, usage, component))

    def _quote(self, amount: Decimal, unit: str, note: str) -> PriceQuote:
        full = f"{note}; {self.note}" if self.note else note
        return PriceQuote(Money(amount, self.currency), unit, SOURCE, self.as_of, note=full)  # type: ignore[arg-type]

    def instance_hour(self, provider: str, region: str, instance_type: str, term: Term = "on-demand",
                      platform: str = "linux") -> PriceQuote | None:
        if provider != "gcp" or platform != "linux":
            return None
        usage = USAGE_TYPES.get(term)
        facts = self.machine_types.get(instance_type)
        fam = instance_type.split("-", 1)[0].upper()
        if instance_type in SHARED_CORE_VCPUS or facts is None:
            shape = standard_shape(instance_type)
            if shape is None:
                return None
            vcpus, gib = shape
            gpus, gpu_model = (facts.gpus, facts.gpu_model) if facts else (0, None)
        else:
            vcpus, gib = Decimal(facts.vcpus), Decimal(str(facts.memory_gib))
            gpus, gpu_model = facts.gpus, facts.gpu_model
        if usage is None:
            return None
        if instance_type.endswith("-ext"):
            return None  # extended memory has its own SKUs, not parsed
        kind = "-custom" if "custom" in instance_type else ""
        if kind and fam == "CUSTOM":
            fam = "N1"  # custom-4-16384 is an N1 custom type
        core = self._get(region, usage, f"core{kind}:{fam}")
        ram = self._get(region, usage, f"ram{kind}:{fam}")
        if core is None or ram is None or core.per != "hour" or ram.per != "GiB-hour":
            return None
        amount = core.price * vcpus + ram.price * gib
        parts = [f"{vcpus} vCPU x {core.price} (SKU {core.sku_id})", f"{gib} GiB x {ram.price} (SKU {ram.sku_id})"]
        if gpus:
            gpu = self._gpu(region, usage, gpu_model or "")
            if gpu is None:
                return None
            amount += gpu.price * gpus
            parts.append(f"{gpus} GPU x {gpu.price} (SKU {gpu.sku_id})")
        return self._quote(amount, "hour", f"{instance_type} {region} {usage}: " + " + ".join(parts))

    def _gpu(self, region: str, usage: str, model: str) -> SkuPrice | None:
        for candidate in (model, model.replace("nvidia-", "nvidia-tesla-"), model.replace("nvidia-tesla-", "nvidia-")):
            hit = self._get(region, usage, f"gpu:{candidate}")
            if hit is not None:
                return hit
        return None

    def storage_gb_month(self, provider: str, region: str, storage_class: str) -> PriceQuote | None:
        if provider != "gcp":
            return None
        component = "snapshot" if storage_class == "snapshot" else f"storage:{storage_class}"
        hit = self._get(region, "OnDemand", component)
        if hit is None:
            return None
        amount = hit.price * HOURS_PER_MONTH if hit.per == "GiB-hour" else hit.price
        return self._quote(amount, "GB-month", f"{hit.description} (SKU {hit.sku_id})")

    def address_hour(self, provider: str, region: str) -> PriceQuote | None:
        if provider != "gcp":
            return None
        hit = self._get(region, "OnDemand", "ip")
        if hit is None or hit.per != "hour":
            return None
        return self._quote(hit.price, "hour", f"{hit.description} (SKU {hit.sku_id})")


def _list_compute_skus(catalog_client: Any, currency: str) -> Iterable[dict[str, Any]]:
    """Read-only: ``services.list`` then ``services.skus.list`` for Compute Engine."""
    from providers.gcp._sdk import rest_json

    service = None
    for page in catalog_client.list_services(request={"page_size": 5000}).pages:
        for s in rest_json(page).get("services", []):
            if s.get("displayName") == COMPUTE_SERVICE:
                service = s["name"]
                break
        if service:
            break
    if service is None:
        raise LookupError("the catalog lists no 'Compute Engine' service")
    pager = catalog_client.list_skus(request={"parent": service, "currency_code": currency, "page_size": 5000})
    for page in pager.pages:
        yield from rest_json(page).get("skus", [])
