"""A deterministic FOCUS bill for the demo estate: four providers, 60 days before the demo clock.

Daily rows per service, account and region with team/env tags; AWS commitments as FOCUS models
them (one EC2 Reserved Instance fleet used at ~60 % with daily *Unused* rows, one Compute Savings
Plan used at ~97 %, each with its monthly Purchase row); GCP committed-use credits; an Alibaba
subscription amortised daily; and a planted spike on AWS SageMaker over the last three days for
anomaly detection. Same ``now`` -> same table, to the last digit.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pyarrow as pa

from finml.focus import SCHEMA

DAYS = 60
_Q = Decimal("0.0000000001")

# provider, billing account, sub-account, sub-account name, region, service, category, resource,
# instance type, base daily cost, team, env
_LINES: list[tuple[str, str, str, str, str, str, str, str | None, str | None, str, str, str]] = [
    ("aws", "111111111111", "111111111111", "prod", "us-east-1", "Amazon Elastic Compute Cloud", "Compute",
     "i-0a1b2c3d4e5f60001", "m5.2xlarge", "92.16", "web", "prod"),
    ("aws", "111111111111", "111111111111", "prod", "us-east-1", "Amazon Simple Storage Service", "Storage",
     "arn:aws:s3:::demo-datalake", None, "38.40", "data", "prod"),
    ("aws", "111111111111", "111111111111", "prod", "us-east-1", "Amazon Relational Database Service",
     "Databases", "arn:aws:rds:us-east-1:111111111111:db:orders", "db.r6g.xlarge", "57.60", "web", "prod"),
    ("aws", "111111111111", "222222222222", "ml-research", "us-west-2", "Amazon SageMaker", "AI and Machine Learning",
     "arn:aws:sagemaker:us-west-2:222222222222:training-job/demo", "ml.g5.2xlarge", "48.00", "ml", "dev"),
    ("aws", "111111111111", "222222222222", "ml-research", "us-west-2", "AWS Lambda", "Compute",
     "arn:aws:lambda:us-west-2:222222222222:function:etl", None, "4.80", "data", "dev"),
    ("azure", "demo-ea-8611537", "5a1c0e7e-0000-4000-8000-00000000d001", "prod-sub", "westeurope",
     "Virtual Machines", "Compute", "/subscriptions/5a1c0e7e-0000-4000-8000-00000000d001/resourceGroups/web/"
     "providers/Microsoft.Compute/virtualMachines/web-1", "Standard_D4s_v5", "44.16", "web", "prod"),
    ("azure", "demo-ea-8611537", "5a1c0e7e-0000-4000-8000-00000000d001", "prod-sub", "westeurope", "Storage",
     "Storage", "/subscriptions/5a1c0e7e-0000-4000-8000-00000000d001/resourceGroups/data/providers/"
     "Microsoft.Storage/storageAccounts/demodata", None, "12.30", "data", "prod"),
    ("azure", "demo-ea-8611537", "5a1c0e7e-0000-4000-8000-00000000d002", "dev-sub", "eastus", "SQL Database",
     "Databases", "/subscriptions/5a1c0e7e-0000-4000-8000-00000000d002/resourceGroups/dev/providers/"
     "Microsoft.Sql/servers/dev/databases/app", None, "16.80", "web", "dev"),
    ("gcp", "01D3M0-5A3B1E-C0FFEE", "ml-training-prod", "ML training", "us-central1", "Compute Engine", "Compute",
     "//compute.googleapis.com/projects/ml-training-prod/zones/us-central1-a/instances/trainer-1", "a2-highgpu-1g",
     "88.18", "ml", "prod"),
    ("gcp", "01D3M0-5A3B1E-C0FFEE", "ml-training-prod", "ML training", "us-central1", "Cloud Storage", "Storage",
     "//storage.googleapis.com/projects/_/buckets/ml-datasets", None, "9.60", "ml", "prod"),
    ("gcp", "01D3M0-5A3B1E-C0FFEE", "analytics-prod", "Analytics", "us", "BigQuery", "Analytics", None, None,
     "21.00", "data", "prod"),
    ("alibaba", "5123456789012345", "5123456789012345", "demo-intl", "ap-southeast-1", "Elastic Compute Service",
     "Compute", "i-t4n0demo000000000001", "ecs.g7.xlarge", "11.52", "platform", "prod"),
    ("alibaba", "5123456789012345", "5123456789012345", "demo-intl", "ap-southeast-1", "Object Storage Service",
     "Storage", "oss-demo-backups", None, "3.10", "platform", "prod"),
]
_PROVIDER_NAME = {"aws": "AWS", "azure": "Microsoft", "gcp": "Google Cloud", "alibaba": "Alibaba Cloud"}

RI_ARN = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/4f2b8c3a-demo-ri-m5xlarge"
RI_COUNT = 10
RI_USED = 6  # ~60 % utilisation
RI_HOURLY = Decimal("0.121")  # effective hourly rate of one m5.xlarge RI (1 yr, no upfront)
RI_ON_DEMAND = Decimal("0.192")
SP_ARN = "arn:aws:savingsplans::111111111111:savingsplan/7d3e1f22-demo-compute-sp"
SP_HOURLY = Decimal("5.00")
SP_USED = Decimal("0.97")
SP_DISCOUNT = Decimal("0.72")  # SP rate / on-demand rate


def _m(value: Decimal | str | int) -> Decimal:
    return Decimal(value).quantize(_Q, rounding=ROUND_HALF_EVEN)


def _fleet_hours(provider: str, region: str, itype: str | None, daily_cost: Decimal) -> Decimal:
    """Instance-hours a line's daily cost buys at the embedded list price, so that prices derived
    from the demo bills are realistic (a line is a small fleet, not one very expensive machine)."""
    if itype is None:
        return Decimal(24)
    from finml.pricing.embedded import EmbeddedCatalog

    quote = EmbeddedCatalog.load().instance_hour(provider, region, itype)
    if quote is None:
        return Decimal(24)
    return max(Decimal(24), (daily_cost / quote.price.amount).quantize(Decimal(1)))


def _month_bounds(day: datetime) -> tuple[datetime, datetime]:
    start = day.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def demo_costs(now: datetime) -> pa.Table:
    """The demo FOCUS table for the ``DAYS`` days before ``now`` (deterministic)."""
    rng = random.Random(20261101)
    first = (now - timedelta(days=DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows: list[dict[str, Any]] = []

    def add(**kw: Any) -> None:
        day: datetime = kw["ChargePeriodStart"]
        bstart, bend = _month_bounds(day)
        row: dict[str, Any] = {c: None for c in SCHEMA.names}
        row.update({"BillingPeriodStart": bstart, "BillingPeriodEnd": bend, "ChargeClass": None,
                    "ChargeFrequency": "Usage-Based", "x_SourceFile": "finml-demo", "x_SourceRow": len(rows) + 1,
                    "InvoiceIssuerName": kw.get("ProviderName"), "PublisherName": kw.get("ProviderName")})
        row.update(kw)
        if row["ChargePeriodEnd"] is None:  # daily rows unless the caller gave another period
            row["ChargePeriodEnd"] = day + timedelta(days=1)
        rows.append(row)

    for d in range(DAYS):
        day = first + timedelta(days=d)
        weekend = day.weekday() >= 5
        for (prov, billing, sub, sub_name, region, service, category, resource, itype, base, team, env) in _LINES:
            factor = Decimal(rng.randint(900, 1100)) / 1000
            if weekend and env == "dev":
                factor *= Decimal("0.6")
            if service == "Amazon SageMaker" and d >= DAYS - 3:
                factor *= 6  # the planted spike: a runaway training job
            cost = _m(Decimal(base) * factor)
            hours = _fleet_hours(prov, region, itype, Decimal(base)) * factor
            add(ProviderName=_PROVIDER_NAME[prov], BillingAccountId=billing, BillingAccountName=f"{prov}-demo",
                BillingCurrency="USD", ChargePeriodStart=day, ChargeCategory="Usage",
                ChargeDescription=f"{service} usage", BilledCost=cost, EffectiveCost=cost,
                ListCost=cost, ContractedCost=cost, PricingCategory="Standard", PricingQuantity=_m(hours),
                PricingUnit="Hours" if itype else "Units", ConsumedQuantity=_m(hours),
                ConsumedUnit="Hours" if itype else "Units", ServiceName=service, ServiceCategory=category,
                SubAccountId=sub, SubAccountName=sub_name, RegionId=region, RegionName=region,
                ResourceId=resource, ResourceType=category, SkuId=f"{prov}-{service[:12]}".replace(" ", "-"),
                Tags={"team": team, "env": env}, x_InstanceType=itype)
        _aws_commitments(add, day)
        _steady_fleet(add, day)
        _gcp_cud(add, day, rng)
    _alibaba_subscription(add, first, now)
    _monthly_purchases(add, first, now)
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    return table


def _aws_commitments(add: Any, day: datetime) -> None:
    common = dict(ProviderName="AWS", BillingAccountId="111111111111", BillingAccountName="aws-demo",
                  BillingCurrency="USD", ChargePeriodStart=day, ServiceName="Amazon Elastic Compute Cloud",
                  ServiceCategory="Compute", SubAccountId="111111111111", SubAccountName="prod", RegionId="us-east-1",
                  RegionName="us-east-1", Tags={"team": "web", "env": "prod"})
    used = _m(RI_HOURLY * 24 * RI_USED)
    add(**common, ChargeCategory="Usage", ChargeDescription="m5.xlarge covered by Reserved Instances",
        BilledCost=_m(0), EffectiveCost=used, ListCost=_m(RI_ON_DEMAND * 24 * RI_USED), ContractedCost=_m(0),
        PricingCategory="Committed", PricingQuantity=_m(24 * RI_USED), PricingUnit="Hours",
        ConsumedQuantity=_m(24 * RI_USED), ConsumedUnit="Hours", ResourceId="i-0ri0fleet0000000001",
        x_InstanceType="m5.xlarge", CommitmentDiscountId=RI_ARN, CommitmentDiscountType="Reservation",
        CommitmentDiscountCategory="Usage", CommitmentDiscountStatus="Used", CommitmentDiscountName="m5.xlarge x10")
    add(**common, ChargeCategory="Usage", ChargeDescription="Unused Reserved Instance hours",
        BilledCost=_m(0), EffectiveCost=_m(RI_HOURLY * 24 * (RI_COUNT - RI_USED)), ContractedCost=_m(0),
        PricingCategory="Committed", x_InstanceType="m5.xlarge", CommitmentDiscountId=RI_ARN,
        CommitmentDiscountType="Reservation", CommitmentDiscountCategory="Usage",
        CommitmentDiscountStatus="Unused", CommitmentDiscountName="m5.xlarge x10")
    sp_used = _m(SP_HOURLY * 24 * SP_USED)
    add(**{**common, "ServiceName": "Amazon Elastic Compute Cloud", "RegionId": "eu-west-1", "RegionName": "eu-west-1"},
        ChargeCategory="Usage", ChargeDescription="c6i usage covered by Compute Savings Plan",
        BilledCost=_m(0), EffectiveCost=sp_used, ListCost=_m(sp_used / SP_DISCOUNT), ContractedCost=_m(0),
        PricingCategory="Committed", x_InstanceType="c6i.4xlarge", ResourceId="i-0sp0covered00000001",
        CommitmentDiscountId=SP_ARN, CommitmentDiscountType="Savings Plan", CommitmentDiscountCategory="Spend",
        CommitmentDiscountStatus="Used", CommitmentDiscountName="Compute SP $5/h")
    add(**common, ChargeCategory="Usage", ChargeDescription="Unused Savings Plan commitment",
        BilledCost=_m(0), EffectiveCost=_m(SP_HOURLY * 24) - sp_used, ContractedCost=_m(0), PricingCategory="Committed",
        CommitmentDiscountId=SP_ARN, CommitmentDiscountType="Savings Plan", CommitmentDiscountCategory="Spend",
        CommitmentDiscountStatus="Unused", CommitmentDiscountName="Compute SP $5/h")


FLEET_ACCOUNT = "333333333333"
"""A batch account running eight c5.xlarge around the clock on demand, with no commitment: the
demo's commitment-purchase candidate."""


def _steady_fleet(add: Any, day: datetime) -> None:
    hourly = Decimal("0.17")  # c5.xlarge on-demand, us-east-1 (embedded price table)
    for k in range(8):
        cost = _m(hourly * 24)
        add(ProviderName="AWS", BillingAccountId="111111111111", BillingAccountName="aws-demo",
            BillingCurrency="USD", ChargePeriodStart=day, ChargeCategory="Usage",
            ChargeDescription="$0.17 per On Demand Linux c5.xlarge Instance Hour", BilledCost=cost,
            EffectiveCost=cost, ListCost=cost, ContractedCost=cost, PricingCategory="Standard",
            PricingQuantity=_m(24), PricingUnit="Hours", ConsumedQuantity=_m(24), ConsumedUnit="Hours",
            ServiceName="Amazon Elastic Compute Cloud", ServiceCategory="Compute", SubAccountId=FLEET_ACCOUNT,
            SubAccountName="staging", RegionId="us-east-1", RegionName="us-east-1",
            ResourceId=f"i-0f1ee7000000000{k:02d}", ResourceType="Compute", SkuId="aws-EC2-c5.xlarge",
            Tags={"team": "data", "env": "prod"}, x_InstanceType="c5.xlarge")


def _gcp_cud(add: Any, day: datetime, rng: random.Random) -> None:
    credit = _m(Decimal("-26.45") * Decimal(rng.randint(980, 1000)) / 1000)
    add(ProviderName="Google Cloud", BillingAccountId="01D3M0-5A3B1E-C0FFEE", BillingCurrency="USD",
        ChargePeriodStart=day, ChargeCategory="Credit", ChargeDescription="Committed use discount: A2 GPU",
        BilledCost=credit, EffectiveCost=credit, ServiceName="Compute Engine", ServiceCategory="Compute",
        SubAccountId="ml-training-prod", SubAccountName="ML training", RegionId="us-central1",
        RegionName="us-central1", CommitmentDiscountId="projects/ml-training-prod/regions/us-central1/commitments/a2",
        CommitmentDiscountType="Committed Use", Tags={"team": "ml", "env": "prod"})


def _alibaba_subscription(add: Any, first: datetime, now: datetime) -> None:
    """One 1-month ECS subscription per calendar month, amortised per day."""
    month_start, _ = _month_bounds(first)
    while month_start < now:
        _, month_end = _month_bounds(month_start)
        days = (month_end - month_start).days
        total = _m("279.00")
        common = dict(ProviderName="Alibaba Cloud", BillingAccountId="5123456789012345", BillingCurrency="USD",
                      ServiceName="Elastic Compute Service", ServiceCategory="Compute",
                      SubAccountId="5123456789012345", SubAccountName="demo-intl", RegionId="ap-southeast-1",
                      RegionName="ap-southeast-1", ResourceId="i-t4n0demo000000000002", x_InstanceType="ecs.g7.2xlarge",
                      Tags={"team": "platform", "env": "prod"})
        if month_start >= first:
            add(**common, ChargePeriodStart=month_start, ChargePeriodEnd=month_end, ChargeCategory="Purchase",
                ChargeFrequency="One-Time", ChargeDescription="ECS subscription (1 month)", BilledCost=total,
                EffectiveCost=_m(0), PricingCategory="Committed")
        units = int(total / _Q)
        for k in range(days):
            day = month_start + timedelta(days=k)
            if day < first or day >= now:
                continue
            share = units // days + (1 if k < units % days else 0)
            add(**common, ChargePeriodStart=day, ChargeCategory="Usage", ChargeDescription="Amortised subscription",
                BilledCost=_m(0), EffectiveCost=_m(Decimal(share) * _Q), PricingCategory="Committed")
        month_start = month_end


def _monthly_purchases(add: Any, first: datetime, now: datetime) -> None:
    """The RI and Savings Plan recurring fees, billed on the first of each month."""
    month_start, _ = _month_bounds(first)
    while month_start < now:
        _, month_end = _month_bounds(month_start)
        hours = Decimal((month_end - month_start).days * 24)
        if month_start >= first:
            common = dict(ProviderName="AWS", BillingAccountId="111111111111", BillingCurrency="USD",
                          ChargePeriodStart=month_start, ChargePeriodEnd=month_end, ChargeCategory="Purchase",
                          ChargeFrequency="Recurring", EffectiveCost=_m(0), ServiceName="Amazon Elastic Compute Cloud",
                          ServiceCategory="Compute", SubAccountId="111111111111", SubAccountName="prod",
                          RegionId="us-east-1", RegionName="us-east-1", Tags={"team": "web", "env": "prod"})
            add(**common, ChargeDescription="Reserved Instance fee", BilledCost=_m(RI_HOURLY * RI_COUNT * hours),
                CommitmentDiscountId=RI_ARN, CommitmentDiscountType="Reservation", CommitmentDiscountCategory="Usage")
            add(**common, ChargeDescription="Savings Plan recurring fee", BilledCost=_m(SP_HOURLY * hours),
                CommitmentDiscountId=SP_ARN, CommitmentDiscountType="Savings Plan", CommitmentDiscountCategory="Spend")
        month_start = month_end


__all__ = ["demo_costs", "DAYS", "RI_ARN", "SP_ARN"]

