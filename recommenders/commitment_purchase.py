"""Commitment purchases: how much steady on-demand usage to commit to, and on which terms.

Detects: on-demand instance usage (FOCUS Usage rows, PricingCategory Standard, hourly
PricingUnit, from ``ctx.costs``) steady enough that a commitment would have cost less over the
lookback (7, 30 or 60 days). Two kinds are simulated hour by hour over the lookback:

* a savings plan: an hourly spend commitment, per provider account, that covers any instance
  usage at a discount of ``savings_plan_discount_share`` of the Standard-RI discount of each type,
  highest discount first;
* size-flexible reserved instances: normalised units per family and region (AWS normalisation
  factors: large = 4, xlarge = 8…; vCPUs for other providers), priced at the committed rate of the
  family's most-used type.

For each, every level from the observed hourly usage is tried; the one with the largest net saving
(on-demand cost avoided minus commitment paid) wins, among levels whose expected utilisation is at
least ``min_utilisation_pct``. ``commitment_type = "best"`` keeps whichever kind saves more.
Committed rates come from the price catalog (``committed-1y``/``committed-3y``, No Upfront); the
on-demand rates are the customer's own (EffectiveCost / PricingQuantity).
Why it costs: on-demand is the most expensive way to run a steady baseline.
Action: purchase the commitment shown (term, payment option, amount).
Risk: a commitment is paid for the whole term even if usage drops; no purchase is proposed in an
account whose existing commitments are under-used, or below the utilisation floor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from finml.model import Commitment, Confidence, Estate, Finding, Kind
from finml.money import Money
from finml.pricing.facts import lookup
from finml.recommender import Recommender, RecommenderContext
from finml.settings import setting
from recommenders._commitments import (
    ZERO,
    HourlyUsage,
    Simulation,
    Terms,
    aws_normalised_units,
    best_spend_level,
    best_unit_level,
    commitment_use,
    on_demand_usage,
    plain,
)
from recommenders._common import make_finding

_Q2 = Decimal("0.01")
_CE = "AWS Cost Explorer purchase recommendations (lookback 7, 30 or 60 days; 1 or 3 year terms; payment options)"


@dataclass(frozen=True)
class CommitmentPurchaseSettings:
    lookback_days: Literal[7, 30, 60] = setting(30, "Days of hourly on-demand usage to simulate over.", _CE)
    term: Literal["1y", "3y"] = setting("1y", "Commitment term.", _CE)
    payment_option: Literal["no-upfront", "partial-upfront", "all-upfront"] = setting(
        "no-upfront", "Payment option: the upfront share of the term cost (0, 1/2, all); the effective rate is the "
        "catalog's No Upfront rate for every option (conservative: upfront options are a little cheaper).", _CE,
    )
    commitment_type: Literal["best", "savings-plan", "reserved-instance"] = setting(
        "best", "Which commitment to simulate; 'best' keeps the kind with the larger total saving per account.", "finml default",
    )
    min_utilisation_pct: Decimal = setting(Decimal("90"), "Never propose a level whose expected utilisation is below this.", "finml default")
    min_monthly_saving: Decimal = setting(Decimal("10"), "Do not propose commitments saving less than this per month.", "finml default")
    savings_plan_discount_share: Decimal = setting(
        Decimal("0.9"), "A savings plan's discount as a share of the Standard-RI discount of the same type.",
        "AWS Savings Plans pricing: Compute SP up to 66 % vs Standard RI / EC2 Instance SP up to 72 % (66/72 = 0.92, rounded down)",
    )
    block_when_underused: bool = setting(True, "Propose nothing in an account whose existing commitments are below min_utilisation_pct.", "finml default")


@dataclass(frozen=True)
class _Proposal:
    kind: str
    region: str
    family: str | None
    sim: Simulation
    evidence: dict[str, Any]
    details: dict[str, Any]


class CommitmentPurchase(Recommender):
    name = "commitment-purchase"
    summary = "Savings plans and reserved instances to buy for steady on-demand usage, simulated hour by hour."
    kinds = ("commitment.reservation", "commitment.savings_plan")
    needs = ("costs",)
    Settings = CommitmentPurchaseSettings
    RULE_SETS = {"finml-default": CommitmentPurchaseSettings()}

    def run(self, estate: Estate, ctx: RecommenderContext) -> Iterable[Finding]:
        s: CommitmentPurchaseSettings = self.settings
        if ctx.costs is None:
            return
        since = ctx.now - timedelta(days=s.lookback_days)
        hours = s.lookback_days * 24
        usage = on_demand_usage(ctx.costs, since, ctx.now)
        uses, _ = commitment_use(ctx.costs, since, ctx.now)
        accounts: dict[tuple[str, str, str], list[HourlyUsage]] = {}
        for u in usage:
            accounts.setdefault((u.provider, u.account, u.currency), []).append(u)
        for (provider, account, currency), items in sorted(accounts.items()):
            scope = f"{provider}/{account}"
            under = [c for c in uses if c.provider == provider and c.account == account and c.utilisation_pct < s.min_utilisation_pct]
            if under and s.block_when_underused:
                worst = min(under, key=lambda c: c.utilisation_pct)
                ctx.skip(self.name, provider, scope,
                         f"existing commitment {worst.commitment_id} is only {worst.utilisation_pct.quantize(_Q2)} % used; "
                         "use it before buying more (see commitment-utilisation)")
                continue
            ri = [] if s.commitment_type == "savings-plan" else self._reserved(items, provider, hours, ctx, s, scope)
            sp = None if s.commitment_type == "reserved-instance" else self._savings_plan(items, provider, hours, ctx, s, scope)
            chosen: list[_Proposal]
            if sp is not None and (not ri or sp.sim.net_saving > sum((p.sim.net_saving for p in ri), ZERO)):
                chosen = [sp]
            else:
                chosen = ri
            for p in chosen:
                f = self._finding(p, provider, account, currency, s, ctx, alternative=(ri if p is sp else [sp] if sp else []))
                if f is not None:
                    yield f

    def _reserved(self, items: list[HourlyUsage], provider: str, hours: int, ctx: RecommenderContext,
                  s: CommitmentPurchaseSettings, scope: str) -> list[_Proposal]:
        groups: dict[tuple[str, str], list[tuple[HourlyUsage, Decimal]]] = {}
        for u in items:
            facts = lookup(provider, u.instance_type)
            units = aws_normalised_units(u.instance_type) if provider == "aws" else (Decimal(facts.vcpus) if facts else None)
            family = facts.family if facts else (u.instance_type.split(".")[0] if provider == "aws" else None)
            if units is None or family is None:
                ctx.skip(self.name, provider, f"{scope}/{u.region}/{u.instance_type}", "no normalisation factor or family for this type")
                continue
            groups.setdefault((u.region, family), []).append((u, units))
        out = []
        for (region, family), members in sorted(groups.items()):
            per_hour = [ZERO] * hours
            od_cost = ZERO
            for u, units in members:
                od_cost += u.cost
                for h, q in u.quantity.items():
                    if 0 <= h < hours:
                        per_hour[h] += q * units
            total_units = sum(per_hour, ZERO)
            if total_units <= 0:
                continue
            ref, ref_units = max(members, key=lambda m: (m[0].total_quantity * m[1], m[0].instance_type))
            quote = ctx.prices.instance_hour(provider, region, ref.instance_type, f"committed-{s.term}")  # type: ignore[arg-type]
            if quote is None or quote.estimate:
                ctx.skip(self.name, provider, f"{scope}/{region}/{family}", f"no {s.term} committed price for {ref.instance_type} in {region}")
                continue
            od_unit = od_cost / total_units
            commit_unit = quote.price.amount / ref_units
            step = min(units for _, units in members)
            sim = best_unit_level(per_hour, od_unit, commit_unit, step, s.min_utilisation_pct, od_cost)
            if sim is None:
                continue
            equiv = sim.level / ref_units
            out.append(_Proposal("reserved-instance", region, family, sim, {
                "normalisation_factors": {u.instance_type: plain(units) for u, units in members},
                "on_demand_rate_per_unit": plain(od_unit), "committed_rate_per_unit": plain(commit_unit),
                "reference_type": ref.instance_type,
                **{f"committed_{k}": v for k, v in quote.evidence().items()},
            }, {
                "normalised_units": plain(sim.level),
                "instance_equivalent": f"{equiv.normalize()} x {ref.instance_type}" if equiv == equiv.to_integral_value()
                else f"{plain(sim.level)} normalised units ({equiv.quantize(_Q2)} x {ref.instance_type})",
                "family": family, "region": region, "size_flexible": True,
            }))
        return out

    def _savings_plan(self, items: list[HourlyUsage], provider: str, hours: int, ctx: RecommenderContext,
                      s: CommitmentPurchaseSettings, scope: str) -> _Proposal | None:
        eligible: list[tuple[HourlyUsage, Decimal, Decimal]] = []  # usage, sp rate, od/sp ratio
        rates: dict[str, Any] = {}
        od_cost = ZERO
        for u in items:
            quote = ctx.prices.instance_hour(provider, u.region, u.instance_type, f"committed-{s.term}")  # type: ignore[arg-type]
            rate = u.rate
            if quote is None or quote.estimate or quote.price.amount >= rate:
                continue
            sp_rate = rate - (rate - quote.price.amount) * s.savings_plan_discount_share
            eligible.append((u, sp_rate, rate / sp_rate))
            od_cost += u.cost
            rates[f"{u.region}/{u.instance_type}"] = {
                "on_demand_rate": plain(rate), "on_demand_source": f"bill: EffectiveCost/PricingQuantity over {u.rows} rows",
                "committed_rate": plain(quote.price.amount), "committed_source": quote.source, "committed_as_of": quote.as_of.isoformat(),
                "savings_plan_rate": plain(sp_rate),
            }
        if not eligible:
            return None
        eligible.sort(key=lambda e: (-e[2], e[0].instance_type))
        hourly: list[list[tuple[Decimal, Decimal]]] = [[] for _ in range(hours)]
        for u, sp_rate, ratio in eligible:
            for h, q in u.quantity.items():
                if 0 <= h < hours:
                    hourly[h].append((q * sp_rate, ratio))
        for slot in hourly:
            slot.sort(key=lambda c: -c[1])
        sim = best_spend_level(hourly, s.min_utilisation_pct, od_cost)
        if sim is None:
            return None
        return _Proposal("savings-plan", "global", None, sim, {
            "rates": rates, "savings_plan_discount_share": plain(s.savings_plan_discount_share),
            "coverage_order": "highest discount first, each hour",
        }, {"hourly_commitment": plain(sim.level)})

    def _finding(self, p: _Proposal, provider: str, account: str, currency: str, s: CommitmentPurchaseSettings,
                 ctx: RecommenderContext, alternative: list[Any]) -> Finding | None:
        t = Terms.of(p.sim, s.term, s.payment_option, currency)
        if t.monthly_saving.amount < s.min_monthly_saving:
            return None
        where = p.region if p.family is None else f"{p.region}/{p.family}"
        rid = f"proposal/{provider}/{account}/{p.kind}/{where}/{s.term}"
        resource = Commitment(
            provider=provider, account=account, region=p.region, id=rid, name=f"proposed {p.kind} {where}",
            kind=Kind.SAVINGS_PLAN if p.kind == "savings-plan" else Kind.RESERVATION, commitment_type=p.kind,
            term_months=12 if s.term == "1y" else 36, offering=s.payment_option, hourly_commitment=t.hourly,
            upfront=t.upfront, recurring_hourly=Money(t.recurring_monthly.amount / 730, currency),
        )
        alt_saving = sum((a.sim.net_saving for a in alternative if a is not None), ZERO) * Decimal(730) / p.sim.hours
        return make_finding(
            self.name, resource, ctx,
            title=(f"Buy a {s.term} {p.kind} ({where}) committing {plain(t.hourly.amount)} {currency}/h: "
                   f"{p.sim.utilisation_pct.quantize(_Q2)} % expected utilisation"),
            action="purchase", saving=t.monthly_saving, confidence=Confidence.MEDIUM,
            evidence={
                **p.evidence,
                "lookback_days": s.lookback_days, "hours_simulated": p.sim.hours, "levels_tried": p.sim.candidates,
                "on_demand_cost_in_lookback": plain(p.sim.on_demand_cost), "on_demand_avoided_in_lookback": plain(p.sim.avoided),
                "net_saving_in_lookback": plain(p.sim.net_saving),
                "utilisation_floor_pct": plain(s.min_utilisation_pct),
                "other_kind_monthly_saving": str(alt_saving.quantize(_Q2)) if alternative else None,
                "rule": f"maximise net saving over the last {s.lookback_days} days with utilisation >= {s.min_utilisation_pct} %",
                "formula": "(on-demand avoided - commitment cost) in the lookback x 730 / hours simulated",
                "price_source": "bill (on-demand) + catalog (committed)",
            },
            details={
                **p.details, "commitment_type": p.kind, "term": s.term, "payment_option": s.payment_option,
                "hourly_commitment": plain(t.hourly.amount), "upfront": plain(t.upfront.amount),
                "recurring_monthly": plain(t.recurring_monthly.amount),
                "estimated_monthly_saving": plain(t.monthly_saving.amount),
                "break_even_months": str(t.break_even_months), "roi_pct": str(t.roi_pct),
                "expected_utilisation_pct": str(p.sim.utilisation_pct.quantize(_Q2)),
                "expected_coverage_pct": str(p.sim.coverage_pct.quantize(_Q2)),
            },
        )
