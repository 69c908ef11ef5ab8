"""Small helpers shared by recommenders: ages, pricing a resource, building findings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from finml.model import Confidence, Finding, Resource
from finml.money import HOURS_PER_MONTH, Money
from finml.pricing import PriceQuote
from finml.recommender import RecommenderContext


def age_days(since: datetime | None, now: datetime) -> float | None:
    if since is None:
        return None
    return (now - since).total_seconds() / 86400


def monthly_from_gb_month(quote: PriceQuote, size_gib: float) -> Money:
    return quote.price * Decimal(str(size_gib))


def monthly_from_hourly(quote: PriceQuote, quantity: Decimal | int = 1) -> Money:
    return quote.price * HOURS_PER_MONTH * Decimal(quantity)


def make_finding(
    recommender: str,
    resource: Resource,
    ctx: RecommenderContext,
    *,
    title: str,
    action: str,
    saving: Money,
    evidence: dict[str, Any],
    quote: PriceQuote | None = None,
    details: dict[str, Any] | None = None,
    confidence: Confidence = Confidence.HIGH,
    variant: str = "",
) -> Finding:
    ev = dict(evidence)
    if quote is not None:
        ev.update(quote.evidence())
        if quote.estimate and confidence == Confidence.HIGH:
            confidence = Confidence.MEDIUM
    return Finding(
        recommender=recommender, rule_set=ctx.rule_set, provider=resource.provider,
        account=resource.account, region=resource.region, resource_id=resource.id,
        resource_kind=resource.kind.value, resource_name=resource.name, title=title, action=action,
        monthly_saving=saving, confidence=confidence, evidence=ev, details=details or {},
        variant=variant, tags=dict(resource.tags),
    )
