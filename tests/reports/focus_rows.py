"""Deterministic FOCUS rows for report tests: daily costs per provider/service/account with tags,
a commitment at partial utilisation, and an optional planted spike."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pyarrow as pa

from finml.focus import SCHEMA

SERVICES = [("aws", "AWS", "Amazon EC2", "Compute"), ("aws", "AWS", "Amazon S3", "Storage"),
            ("azure", "Microsoft", "Virtual Machines", "Compute"), ("gcp", "Google Cloud", "Compute Engine", "Compute")]


def rows(start: date, days: int, *, spike_day: date | None = None, spike_service: str = "Amazon S3",
         spike_amount: Decimal = Decimal("900"), xss_tag: str | None = None, seed: int = 7) -> pa.Table:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(days):
        day = start + timedelta(days=i)
        t0 = datetime.combine(day, datetime.min.time(), timezone.utc)
        for key, provider, service, category in SERVICES:
            for acct in ("111111111111", "222222222222"):
                base = Decimal(100 if category == "Compute" else 40) + Decimal(rng.randint(0, 800)) / 100
                if day.weekday() >= 5:
                    base *= Decimal("0.8")
                if spike_day == day and service == spike_service and acct == "111111111111":
                    base += spike_amount
                tags = [("team", "ml" if acct.startswith("1") else "web")]
                if xss_tag:
                    tags.append(("owner", xss_tag))
                out.append(_row(t0, provider, service, category, acct, base, tags,
                                resource=f"{key}-{service[:6].strip().lower()}-{acct[-3:]}"))
        # a commitment: 10.00/day, 6.00 used, 4.00 unused
        out.append(_row(t0, "AWS", "Amazon EC2", "Compute", "111111111111", Decimal("6.00"), [],
                        commitment=("ri-1", "Used")))
        out.append(_row(t0, "AWS", "Amazon EC2", "Compute", "111111111111", Decimal("4.00"), [],
                        commitment=("ri-1", "Unused")))
    return pa.Table.from_pylist(out, schema=SCHEMA)


def _row(t0: datetime, provider: str, service: str, category: str, acct: str, cost: Decimal,
         tags: list[tuple[str, str]], resource: str | None = None, commitment: tuple[str, str] | None = None) -> dict[str, Any]:
    r: dict[str, Any] = {c: None for c in SCHEMA.names}
    r.update(
        BillingAccountId="payer", BillingCurrency="USD", ChargePeriodStart=t0, ChargePeriodEnd=t0 + timedelta(days=1),
        BillingPeriodStart=t0.replace(day=1), ChargeCategory="Usage", BilledCost=cost, EffectiveCost=cost,
        ListCost=cost, ProviderName=provider, ServiceName=service, ServiceCategory=category, SubAccountId=acct,
        RegionId="us-east-1", ResourceId=resource, Tags=tags,
    )
    if commitment:
        r.update(CommitmentDiscountId=commitment[0], CommitmentDiscountStatus=commitment[1],
                 CommitmentDiscountType="Reservation", ResourceId=None)
    return r
