"""Commitment utilisation: reservations and savings plans the customer pays for but does not use.

Detects: commitments (Reserved Instances, Savings Plans, CUDs, Azure reservations) whose
utilisation over the lookback, from the normalised bills, is below ``min_utilisation_pct``:
utilisation = EffectiveCost of rows with ``CommitmentDiscountStatus`` Used / (Used + Unused),
i.e. used versus purchased (amortised). Reports the unused commitment per day and per month, and
the coverage of eligible usage (the on-demand equivalent the commitments covered, ListCost of Used
rows, against that plus the on-demand spend of the same services in the account).
Why it costs: a commitment is paid every hour whether usage matches it or not; the unused part is
pure waste.
Action: move matching workloads onto it (right family/region/size), exchange it (convertible RIs),
change its scope (shared/regional), or sell it (AWS RI Marketplace, standard RIs).
Risk: low; changing the scope or exchanging can move the discount away from other workloads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from finml.model import Confidence, Estate, Finding
from finml.money import HOURS_PER_MONTH, Money
from finml.recommender import Recommender, RecommenderContext
from finml.settings import setting
from recommenders._commitments import (
    ZERO,
    commitment_resource,
    commitment_use,
    commitments_in,
    plain,
)
from recommenders._common import make_finding

_Q = Decimal("0.01")


@dataclass(frozen=True)
class CommitmentUtilisationSettings:
    lookback_days: int = setting(30, "Days of bill rows to measure utilisation over.", "finml default; AWS Cost Explorer RI/SP utilisation reports default to the last 30 days")
    min_utilisation_pct: Decimal = setting(Decimal("90"), "Report commitments used below this percentage.", "finml default (same floor as commitment-purchase)")
    min_monthly_waste: Decimal = setting(Decimal("1"), "Do not report unused commitment below this amount per month.", "finml default")


class CommitmentUtilisation(Recommender):
    name = "commitment-utilisation"
    summary = "Reservations and savings plans paid for but not used (utilisation and coverage from the bills)."
    kinds = ("commitment.reservation", "commitment.savings_plan")
    needs = ("costs",)
    Settings = CommitmentUtilisationSettings
    RULE_SETS = {"finml-default": CommitmentUtilisationSettings()}

    def run(self, estate: Estate, ctx: RecommenderContext) -> Iterable[Finding]:
        s: CommitmentUtilisationSettings = self.settings
        if ctx.costs is None:
            return
        uses, on_demand = commitment_use(ctx.costs, ctx.now - timedelta(days=s.lookback_days), ctx.now)
        known = commitments_in(estate)
        covered_by_account: dict[tuple[str | None, str], Decimal] = {}
        services_by_account: dict[tuple[str | None, str], set[str]] = {}
        for u in uses:
            covered_by_account[(u.provider, u.account)] = covered_by_account.get((u.provider, u.account), ZERO) + u.covered_list_cost
            services_by_account.setdefault((u.provider, u.account), set()).update(u.service_names)
        for u in uses:
            if u.utilisation_pct >= s.min_utilisation_pct or u.hours <= 0:
                continue
            per_hour = u.unused / u.hours
            monthly = Money(per_hour * HOURS_PER_MONTH, u.currency)
            if monthly.amount < s.min_monthly_waste:
                continue
            key = (u.provider, u.account)
            covered = covered_by_account.get(key, ZERO)
            eligible = covered + sum((on_demand.get(key, {}).get(n, ZERO) for n in services_by_account.get(key, ())), ZERO)
            coverage = (covered / eligible * 100).quantize(_Q) if eligible else None
            resource = commitment_resource(u, known)
            yield make_finding(
                self.name, resource, ctx,
                title=f"Commitment {u.name or u.commitment_id} is {u.utilisation_pct.quantize(_Q)} % used",
                action="use-or-exchange",
                saving=monthly,
                confidence=Confidence.MEDIUM,
                evidence={
                    "commitment_id": u.commitment_id,
                    "commitment_type": u.discount_type,
                    "utilisation_pct": str(u.utilisation_pct.quantize(_Q)),
                    "used_cost": plain(u.used), "unused_cost": plain(u.unused), "purchased_cost": plain(u.purchased),
                    "unused_per_day": str((per_hour * 24).quantize(_Q)),
                    "hours_measured": plain(u.hours),
                    "coverage_pct": str(coverage) if coverage is not None else None,
                    "coverage_basis": "ListCost of commitment-covered rows / (that + on-demand EffectiveCost of the same services in the account)",
                    "bill_rows": u.rows,
                    "rule": f"utilisation < {s.min_utilisation_pct} % over {s.lookback_days} days",
                    "formula": "unused EffectiveCost / hours measured x 730 h",
                    "price_source": "bill",
                },
                details={"suggestion": "move matching workloads onto it, exchange or re-scope it, or sell it (AWS RI Marketplace)",
                         "note": "the monthly figure is what the unused part costs today; it is only recovered by using or reselling the commitment"},
            )
