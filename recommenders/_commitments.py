"""Commitment arithmetic shared by the commitment recommenders: reading bill rows, AWS
normalisation factors, and the simulation of a commitment level over hourly on-demand usage.

Everything is exact Decimal. A simulation replays the lookback hour by hour: with a commitment of
level L, each hour pays the commitment and whatever on-demand usage it does not cover; the net
saving is the on-demand cost avoided minus the commitment paid, and the utilisation is the share
of the commitment that found usage to cover.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from finml.focus import CostsView, provider_key
from finml.model import Commitment, Kind
from finml.money import HOURS_PER_MONTH, Money
from finml.pricing.bills import HOUR_UNITS, usage_without_commitment

ZERO = Decimal(0)
HOUR = timedelta(hours=1)

NORMALISATION_FACTORS: Mapping[str, Decimal] = {
    "nano": Decimal("0.25"), "micro": Decimal("0.5"), "small": Decimal(1), "medium": Decimal(2),
    "large": Decimal(4), "xlarge": Decimal(8),
}
"""AWS RI normalisation factors by size; ``<n>xlarge`` is ``8 x n`` (EC2 User Guide, "How
Reserved Instances are applied", size flexibility table). Metal sizes have no fixed factor here."""

_OTHER_OS = re.compile(r"windows|rhel|red hat|suse|sql server", re.I)

TERM_HOURS = {"1y": Decimal(8760), "3y": Decimal(26280)}
TERM_MONTHS = {"1y": 12, "3y": 36}
UPFRONT_SHARE = {"no-upfront": Decimal(0), "partial-upfront": Decimal("0.5"), "all-upfront": Decimal(1)}


def plain(d: Decimal) -> str:
    """A Decimal as a plain string without trailing zeros (``4341.456000`` -> ``4341.456``)."""
    return format(d.normalize(), "f")


def aws_normalised_units(instance_type: str) -> Decimal | None:
    size = instance_type.split(".", 1)[-1]
    if size in NORMALISATION_FACTORS:
        return NORMALISATION_FACTORS[size]
    m = re.fullmatch(r"(\d+)xlarge", size)
    return Decimal(8 * int(m.group(1))) if m else None


@dataclass
class HourlyUsage:
    """On-demand usage of one (provider, account, region, instance type) over the window."""

    provider: str
    account: str
    region: str
    instance_type: str
    currency: str
    quantity: dict[int, Decimal] = field(default_factory=dict)  # hour index -> instance-hours
    cost: Decimal = ZERO
    total_quantity: Decimal = ZERO
    rows: int = 0

    @property
    def rate(self) -> Decimal:
        """Effective on-demand price per instance-hour the customer paid."""
        return self.cost / self.total_quantity


_USAGE_COLUMNS = (
    "ProviderName", "SubAccountId", "BillingAccountId", "RegionId", "x_InstanceType", "ChargeCategory",
    "PricingCategory", "PricingUnit", "PricingQuantity", "EffectiveCost", "BillingCurrency",
    "CommitmentDiscountId", "ChargeDescription", "ChargePeriodStart", "ChargePeriodEnd",
)


def on_demand_usage(costs: CostsView, since: datetime, until: datetime) -> list[HourlyUsage]:
    """Hourly on-demand (PricingCategory Standard) Linux instance usage from FOCUS rows; rows
    spanning several hours are spread evenly over them, and only the hours inside
    ``[since, until)`` are counted (quantity and cost alike)."""
    window_hours = math.ceil((until - since) / HOUR)
    out: dict[tuple[str, str, str, str, str], HourlyUsage] = {}
    for r in usage_without_commitment(costs.rows(since, until, _USAGE_COLUMNS)).to_pylist():
        if r["ChargeCategory"] != "Usage" or r["CommitmentDiscountId"] or not r["x_InstanceType"]:
            continue
        if (r["PricingCategory"] or "Standard") != "Standard" or (r["PricingUnit"] or "").strip().lower() not in HOUR_UNITS:
            continue
        provider = provider_key(r["ProviderName"])
        qty, cost = r["PricingQuantity"], r["EffectiveCost"]
        if provider is None or qty is None or cost is None or qty <= 0 or _OTHER_OS.search(r["ChargeDescription"] or ""):
            continue
        account = r["SubAccountId"] or r["BillingAccountId"] or ""
        key = (provider, account, r["RegionId"] or "", r["x_InstanceType"], r["BillingCurrency"] or "USD")
        u = out.setdefault(key, HourlyUsage(*key))
        start: datetime = r["ChargePeriodStart"]
        end: datetime = r["ChargePeriodEnd"] or start + HOUR
        n = max(1, math.ceil((end - start) / HOUR))
        first = math.floor((start - since) / HOUR)
        inside = [first + i for i in range(n) if 0 <= first + i < window_hours]
        if not inside:
            continue
        for h in inside:
            u.quantity[h] = u.quantity.get(h, ZERO) + qty / n
        share = Decimal(len(inside)) / n
        u.cost += cost * share
        u.total_quantity += qty * share
        u.rows += 1
    return [u for u in out.values() if u.total_quantity > 0]


@dataclass(frozen=True)
class CommitmentUse:
    """Used/unused amortised cost of one commitment over the window (FOCUS rows)."""

    commitment_id: str
    provider: str | None
    account: str
    region: str | None
    name: str | None
    discount_type: str | None
    currency: str
    used: Decimal
    unused: Decimal
    covered_list_cost: Decimal
    first: datetime
    last: datetime
    service_names: frozenset[str]
    rows: int

    @property
    def purchased(self) -> Decimal:
        return self.used + self.unused

    @property
    def utilisation_pct(self) -> Decimal:
        return self.used / self.purchased * 100 if self.purchased else Decimal(100)

    @property
    def hours(self) -> Decimal:
        return Decimal(int((self.last - self.first).total_seconds())) / 3600


_COMMIT_COLUMNS = (
    "ProviderName", "SubAccountId", "BillingAccountId", "RegionId", "ChargeCategory", "EffectiveCost", "ListCost",
    "BillingCurrency", "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountType",
    "CommitmentDiscountStatus", "ServiceName", "ChargePeriodStart", "ChargePeriodEnd", "PricingCategory",
)


def commitment_use(costs: CostsView, since: datetime, until: datetime) -> tuple[list[CommitmentUse], dict[tuple[str | None, str], dict[str, Decimal]]]:
    """Per-commitment use, and on-demand spend per (provider, account) and service name (for coverage)."""
    acc: dict[str, dict[str, Any]] = {}
    on_demand: dict[tuple[str | None, str], dict[str, Decimal]] = {}
    for r in costs.rows(since, until, _COMMIT_COLUMNS).to_pylist():
        if r["ChargeCategory"] != "Usage":
            continue
        provider = provider_key(r["ProviderName"])
        account = r["SubAccountId"] or r["BillingAccountId"] or ""
        cost = r["EffectiveCost"] or ZERO
        cid = r["CommitmentDiscountId"]
        if not cid:
            if (r["PricingCategory"] or "Standard") == "Standard" and r["ServiceName"]:
                slot = on_demand.setdefault((provider, account), {})
                slot[r["ServiceName"]] = slot.get(r["ServiceName"], ZERO) + cost
            continue
        a = acc.setdefault(cid, {
            "provider": provider, "account": account, "regions": set(), "name": r["CommitmentDiscountName"],
            "type": r["CommitmentDiscountType"], "currency": r["BillingCurrency"] or "USD", "used": ZERO,
            "unused": ZERO, "list": ZERO, "first": r["ChargePeriodStart"], "last": r["ChargePeriodEnd"] or r["ChargePeriodStart"],
            "services": set(), "rows": 0,
        })
        status = (r["CommitmentDiscountStatus"] or "Used").lower()
        if status == "unused":
            a["unused"] += cost
        else:
            a["used"] += cost
            a["list"] += r["ListCost"] if r["ListCost"] is not None else cost
            if r["ServiceName"]:
                a["services"].add(r["ServiceName"])
        if r["RegionId"]:
            a["regions"].add(r["RegionId"])
        a["first"] = min(a["first"], r["ChargePeriodStart"])
        a["last"] = max(a["last"], r["ChargePeriodEnd"] or r["ChargePeriodStart"])
        a["rows"] += 1
    uses = [
        CommitmentUse(cid, a["provider"], a["account"], next(iter(a["regions"])) if len(a["regions"]) == 1 else None,
                      a["name"], a["type"], a["currency"], a["used"], a["unused"], a["list"], a["first"], a["last"],
                      frozenset(a["services"]), a["rows"])
        for cid, a in sorted(acc.items())
    ]
    return uses, on_demand


def commitment_resource(use: CommitmentUse, known: Iterable[Commitment]) -> Commitment:
    """The estate's Commitment for a bill's CommitmentDiscountId (exact id or ARN/URI tail), else
    one built from the bill row."""
    tail = use.commitment_id.rsplit("/", 1)[-1]
    for c in known:
        if c.id == use.commitment_id or c.id == tail or use.commitment_id.endswith("/" + c.id) or c.id.endswith("/" + tail):
            return c
    kind_name = (use.discount_type or "").lower()
    is_sp = "savings" in kind_name
    ctype = "savings-plan" if is_sp else "cud" if "committed" in kind_name else "reserved-instance"
    return Commitment(
        provider=use.provider or "unknown", account=use.account, region=use.region or "global", id=use.commitment_id,
        name=use.name, kind=Kind.SAVINGS_PLAN if is_sp else Kind.RESERVATION, commitment_type=ctype,
    )


@dataclass(frozen=True)
class Simulation:
    level: Decimal  # units (RI) or $/h at commitment rates (savings plan)
    hourly_cost: Decimal  # commitment cost per hour
    hours: int
    on_demand_cost: Decimal  # eligible on-demand cost over the window
    avoided: Decimal  # on-demand cost the commitment would have replaced
    used: Decimal  # commitment capacity that found usage, in level units x hours
    candidates: int

    @property
    def net_saving(self) -> Decimal:
        return self.avoided - self.hourly_cost * self.hours

    @property
    def utilisation_pct(self) -> Decimal:
        return self.used / (self.level * self.hours) * 100

    @property
    def coverage_pct(self) -> Decimal:
        return self.avoided / self.on_demand_cost * 100 if self.on_demand_cost else ZERO


def best_unit_level(units_per_hour: list[Decimal], od_rate_per_unit: Decimal, commit_rate_per_unit: Decimal,
                    step: Decimal, floor_pct: Decimal, on_demand_cost: Decimal) -> Simulation | None:
    """Best number of normalised units (a multiple of ``step``) to reserve: the one maximising net
    saving among the levels whose utilisation stays at or above ``floor_pct``."""
    hours = len(units_per_hour)
    ordered = sorted(units_per_hour)
    prefix = [ZERO]
    for u in ordered:
        prefix.append(prefix[-1] + u)
    levels = sorted({(u / step).to_integral_value(ROUND_FLOOR) * step for u in ordered if u >= step})
    best: Simulation | None = None
    for n in levels:
        k = bisect.bisect_left(ordered, n)
        covered = prefix[k] + n * (hours - k)
        sim = Simulation(n, n * commit_rate_per_unit, hours, on_demand_cost, covered * od_rate_per_unit, covered, len(levels))
        if sim.utilisation_pct < floor_pct or sim.net_saving <= 0:
            continue
        if best is None or sim.net_saving > best.net_saving:
            best = sim
    return best


def best_spend_level(hourly: list[list[tuple[Decimal, Decimal]]], floor_pct: Decimal, on_demand_cost: Decimal,
                     granularity: Decimal = Decimal("0.001"), steps: int = 50) -> Simulation | None:
    """Best hourly spend commitment. ``hourly[h]`` lists ``(cost at commitment rates, on-demand /
    commitment rate ratio)`` per usage type, highest discount first; the commitment covers them in
    that order each hour. Levels tried: the 0th..100th percentiles of hourly committed-rate spend
    in ``100/steps`` steps, rounded down to ``granularity``."""
    hours = len(hourly)
    totals = sorted(sum((c for c, _ in h), ZERO) for h in hourly)
    levels = sorted({(totals[min(hours - 1, (hours - 1) * i // steps)] / granularity).to_integral_value(ROUND_FLOOR) * granularity
                     for i in range(steps + 1)} - {ZERO})
    best: Simulation | None = None
    for level in levels:
        avoided = used = ZERO
        for h in hourly:
            rem = level
            for cost, ratio in h:
                if rem <= 0:
                    break
                take = cost if cost < rem else rem
                avoided += take * ratio
                rem -= take
            used += level - rem
        sim = Simulation(level, level, hours, on_demand_cost, avoided, used, len(levels))
        if sim.utilisation_pct < floor_pct or sim.net_saving <= 0:
            continue
        if best is None or sim.net_saving > best.net_saving:
            best = sim
    return best


@dataclass(frozen=True)
class Terms:
    """What buying a commitment of ``hourly`` (per hour) means for a term and payment option."""

    term: str
    payment: str
    hourly: Money
    upfront: Money
    recurring_monthly: Money
    monthly_saving: Money
    avoided_monthly: Money
    break_even_months: Decimal
    roi_pct: Decimal

    @classmethod
    def of(cls, sim: Simulation, term: str, payment: str, currency: str) -> Terms:
        per_month = HOURS_PER_MONTH / sim.hours
        share = UPFRONT_SHARE[payment]
        upfront = sim.hourly_cost * TERM_HOURS[term] * share
        recurring = sim.hourly_cost * HOURS_PER_MONTH * (1 - share)
        avoided_monthly = sim.avoided * per_month
        monthly_saving = sim.net_saving * per_month
        gross = avoided_monthly - recurring
        break_even = (upfront / gross).quantize(Decimal("0.1")) if upfront and gross > 0 else Decimal("0.0")
        total_commit = sim.hourly_cost * TERM_HOURS[term]
        roi = (monthly_saving * TERM_MONTHS[term] / total_commit * 100).quantize(Decimal("0.1"))
        return cls(term, payment, Money(sim.hourly_cost, currency), Money(upfront, currency), Money(recurring, currency),
                   Money(monthly_saving, currency), Money(avoided_monthly, currency), break_even, roi)


def commitments_in(estate: Any) -> list[Commitment]:
    """The estate's Commitment resources (reservations and savings plans)."""
    return [r for r in estate.resources if isinstance(r, Commitment)]
