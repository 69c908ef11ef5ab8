"""Helpers shared by the waste recommenders: id matching, billed cost per resource, inventory gaps.

Ids from different APIs name the same resource differently (Azure resource URIs differ in case
between ARM and cost exports; GCP mixes full self links and relative paths; AWS bills name an EBS
snapshot by ARN where EC2 names it ``snap-…``), so matching goes through :func:`norm_id` and
:func:`id_matches`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from finml.focus import CostsView
from finml.model import Estate
from finml.money import HOURS_PER_MONTH, Money

_URL_PREFIXES = (
    "https://www.googleapis.com/compute/v1/",
    "https://www.googleapis.com/compute/beta/",
    "https://compute.googleapis.com/compute/v1/",
    "//compute.googleapis.com/",
)


def norm_id(resource_id: str) -> str:
    """Case-folded id without a GCP API URL prefix or a trailing slash."""
    rid = resource_id.strip()
    for prefix in _URL_PREFIXES:
        if rid.startswith(prefix):
            rid = rid[len(prefix):]
            break
    return rid.rstrip("/").lower()


def short_id(resource_id: str) -> str:
    """The last path segment of an id (``arn:…:snapshot/snap-1`` -> ``snap-1``)."""
    return norm_id(resource_id).rsplit("/", 1)[-1]


def id_matches(a: str, b: str) -> bool:
    """Whether two ids name the same resource (exact after :func:`norm_id`, or one is the other's
    last path segment, as with an EC2 id against its ARN)."""
    na, nb = norm_id(a), norm_id(b)
    if na == nb:
        return True
    return na.endswith("/" + nb) or nb.endswith("/" + na)


@dataclass(frozen=True, slots=True)
class BilledCost:
    """Cost the bills attribute to one resource over a window, normalised to a 730-hour month."""

    total: Money
    monthly: Money
    rows: int
    span_hours: Decimal
    since: datetime
    until: datetime

    def evidence(self) -> dict[str, object]:
        return {
            "billed_cost_window": str(self.total.amount),
            "billed_rows": self.rows,
            "billed_span_hours": str(self.span_hours),
            "billed_window": f"{self.since.isoformat()}/{self.until.isoformat()}",
            "billed_formula": "sum(EffectiveCost) / covered hours x 730",
        }


def billed_costs(
    costs: CostsView | None, ids: Iterable[str], now: datetime, days: int = 30
) -> dict[str, BilledCost]:
    """EffectiveCost per resource id (keys as given in ``ids``) over the last ``days`` days.

    Rows match on ``ResourceId`` by :func:`short_id` (so ARNs and resource URIs match plain ids).
    The monthly figure is ``sum / covered hours x 730`` where the covered hours run from the first
    row's ChargePeriodStart to the last row's ChargePeriodEnd inside the window, so that bill lag
    and resources younger than the window are not under-counted. Only one currency per resource
    is supported; a resource billed in several currencies is left out.
    """
    wanted: dict[str, list[str]] = {}
    for rid in ids:
        wanted.setdefault(short_id(rid), []).append(rid)
    if costs is None or not wanted:
        return {}
    since = now - timedelta(days=days)
    table = costs.rows(
        since, now,
        columns=("ResourceId", "EffectiveCost", "BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd"),
    )
    acc: dict[str, tuple[Decimal, str, int, datetime, datetime]] = {}
    mixed: set[str] = set()
    for row in table.to_pylist():
        rid = row["ResourceId"]
        if not rid:
            continue
        key = short_id(rid)
        if key not in wanted or row["EffectiveCost"] is None:
            continue
        start = max(row["ChargePeriodStart"], since)
        end = min(row["ChargePeriodEnd"] or row["ChargePeriodStart"], now)
        cur = row["BillingCurrency"] or "USD"
        if key in acc:
            amount, c, n, first, last = acc[key]
            if c != cur:
                mixed.add(key)
            acc[key] = (amount + row["EffectiveCost"], c, n + 1, min(first, start), max(last, end))
        else:
            acc[key] = (row["EffectiveCost"], cur, 1, start, end)
    out: dict[str, BilledCost] = {}
    for key, (amount, cur, n, first, last) in acc.items():
        if key in mixed:
            continue
        hours = Decimal((last - first).total_seconds()) / Decimal(3600)
        if hours <= 0:
            continue
        total = Money(amount, cur)
        monthly = Money(amount / hours * HOURS_PER_MONTH, cur)
        for rid in wanted[key]:
            out[rid] = BilledCost(total, monthly, n, hours.quantize(Decimal("0.01")), since, now)
    return out


def inventory_gap(estate: Estate, provider: str, account: str) -> str | None:
    """A collection issue that makes "X no longer exists" unsafe to conclude for this account."""
    for issue in estate.issues:
        if issue.provider != provider:
            continue
        if issue.account is not None and issue.account != account:
            continue
        where = "/".join(p for p in (issue.service, issue.operation, issue.region) if p)
        return f"{issue.cause} while collecting {where or provider}: {issue.message}"
    return None
