"""Commitment expiry: reservations and savings plans that end soon.

Detects: active commitments (from the estate's Commitment resources) whose end date falls within
``within_days`` of now.
Why it costs: when a commitment lapses, the usage it covered falls back to on-demand prices from
the next hour; the figure in the evidence is the on-demand cost of what a reserved-instance
commitment covered (instance count x on-demand price x 730 h), when it can be priced.
Action: decide before the end date: renew (or buy a savings plan that covers the usage), or let it
lapse if the workload is going away. The reported saving is zero: this finding protects savings
rather than creating new ones.
Risk: none from the finding itself; renewing locks in spend for another term.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from finml.model import Estate, Finding
from finml.money import HOURS_PER_MONTH, Money
from finml.recommender import Recommender, RecommenderContext
from finml.settings import setting
from recommenders._commitments import commitments_in
from recommenders._common import make_finding

_ENDED = frozenset({"retired", "expired", "cancelled", "canceled", "terminated", "failed", "payment-failed", "queued-deleted"})
"""States (lower case) of commitments that no longer cover anything; every other state counts as live."""


@dataclass(frozen=True)
class CommitmentExpirySettings:
    within_days: int = setting(30, "Report commitments ending within this many days.", "finml default; AWS Cost Explorer RI expiration alerts offer 7/30/60 days")


class CommitmentExpiry(Recommender):
    name = "commitment-expiry"
    summary = "Reservations and savings plans that expire within 30 days (renew or replace before coverage lapses)."
    kinds = ("commitment.reservation", "commitment.savings_plan")
    Settings = CommitmentExpirySettings
    RULE_SETS = {"finml-default": CommitmentExpirySettings()}

    def run(self, estate: Estate, ctx: RecommenderContext) -> Iterable[Finding]:
        s: CommitmentExpirySettings = self.settings
        for c in commitments_in(estate):
            if c.end is None or c.state.lower() in _ENDED:
                continue
            days_left = (c.end - ctx.now).total_seconds() / 86400
            if days_left < 0 or days_left > s.within_days:
                continue
            ev: dict[str, Any] = {
                "commitment_type": c.commitment_type, "end": c.end.isoformat(), "days_left": round(days_left, 1),
                "instance_type": c.instance_type, "instance_count": c.instance_count, "offering": c.offering,
                "term_months": c.term_months,
                "hourly_commitment": c.hourly_commitment.to_json() if c.hourly_commitment else None,
                "rule": f"active and ending within {s.within_days} days",
            }
            quote = None
            if c.instance_type and c.instance_count:
                quote = ctx.prices.instance_hour(c.provider, c.region, c.instance_type, "on-demand")
                if quote is not None:
                    ev["on_demand_monthly_if_lapsed"] = str((quote.price * HOURS_PER_MONTH * c.instance_count).amount)
                    ev["formula"] = "instance_count x on-demand hourly x 730 h (cost once it lapses)"
            yield make_finding(
                self.name, c, ctx,
                title=f"{c.commitment_type} {c.name or c.id} expires in {days_left:.0f} days",
                action="renew-or-replace", saving=Money.zero(ctx.currency), quote=quote, evidence=ev,
                details={"suggestion": "renew it, or cover the usage with a savings plan, before the end date"},
            )
