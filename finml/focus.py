"""The FOCUS cost-row schema finml stores bills in, and the view recommenders read it through.

Column names and meanings follow the FinOps FOCUS specification (1.0-1.2). Money columns are
exact decimals (``decimal128(38, 10)`` in Arrow/DuckDB); times are UTC. ``x_InstanceType`` and
``x_SourceFile``/``x_SourceRow`` are finml extensions (FOCUS reserves the ``x_`` prefix for them):
the source columns make every figure traceable to the bill line that produced it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import pyarrow as pa

MONEY = pa.decimal128(38, 10)
TIME = pa.timestamp("us", tz="UTC")

SCHEMA = pa.schema(
    [
        ("BillingAccountId", pa.string()),
        ("BillingAccountName", pa.string()),
        ("BillingCurrency", pa.string()),
        ("BillingPeriodStart", TIME),
        ("BillingPeriodEnd", TIME),
        ("ChargePeriodStart", TIME),
        ("ChargePeriodEnd", TIME),
        ("ChargeCategory", pa.string()),  # Usage | Purchase | Tax | Credit | Adjustment
        ("ChargeClass", pa.string()),  # Correction | null
        ("ChargeDescription", pa.string()),
        ("ChargeFrequency", pa.string()),  # One-Time | Recurring | Usage-Based
        ("BilledCost", MONEY),
        ("EffectiveCost", MONEY),
        ("ListCost", MONEY),
        ("ContractedCost", MONEY),
        ("ListUnitPrice", MONEY),
        ("ContractedUnitPrice", MONEY),
        ("PricingCategory", pa.string()),  # Standard | Dynamic | Committed | Other
        ("PricingQuantity", MONEY),
        ("PricingUnit", pa.string()),
        ("ConsumedQuantity", MONEY),
        ("ConsumedUnit", pa.string()),
        ("ProviderName", pa.string()),
        ("PublisherName", pa.string()),
        ("InvoiceIssuerName", pa.string()),
        ("ServiceName", pa.string()),
        ("ServiceCategory", pa.string()),
        ("SubAccountId", pa.string()),
        ("SubAccountName", pa.string()),
        ("RegionId", pa.string()),
        ("RegionName", pa.string()),
        ("AvailabilityZone", pa.string()),
        ("ResourceId", pa.string()),
        ("ResourceName", pa.string()),
        ("ResourceType", pa.string()),
        ("SkuId", pa.string()),
        ("SkuPriceId", pa.string()),
        ("CommitmentDiscountId", pa.string()),
        ("CommitmentDiscountName", pa.string()),
        ("CommitmentDiscountType", pa.string()),  # Reservation | Savings Plan | Committed Use ...
        ("CommitmentDiscountCategory", pa.string()),  # Spend | Usage
        ("CommitmentDiscountStatus", pa.string()),  # Used | Unused
        ("Tags", pa.map_(pa.string(), pa.string())),
        ("x_InstanceType", pa.string()),
        ("x_SourceFile", pa.string()),
        ("x_SourceRow", pa.int64()),
    ]
)

COLUMNS = tuple(SCHEMA.names)
MONEY_COLUMNS = tuple(f.name for f in SCHEMA if f.type == MONEY)


PROVIDER_KEYS: dict[str, str] = {
    "aws": "aws", "amazon web services": "aws", "amazon": "aws",
    "microsoft": "azure", "azure": "azure", "microsoft azure": "azure",
    "google cloud": "gcp", "google": "gcp", "gcp": "gcp", "google cloud platform": "gcp",
    "alibaba cloud": "alibaba", "alibaba": "alibaba", "alibabacloud": "alibaba", "aliyun": "alibaba",
}
"""Lower-cased FOCUS ``ProviderName`` values -> finml provider plug-in names."""


def provider_key(provider_name: str | None) -> str | None:
    """The finml provider name for a FOCUS ``ProviderName`` (``AWS`` -> ``aws``…), or None."""
    if not provider_name:
        return None
    return PROVIDER_KEYS.get(provider_name.strip().lower())


def provider_key_sql(column: str = "ProviderName") -> str:
    """SQL ``CASE`` branches mapping ``column`` the way :func:`provider_key` does (no ELSE/END)."""
    by_key: dict[str, list[str]] = {}
    for name, key in PROVIDER_KEYS.items():
        by_key.setdefault(key, []).append(name)
    whens = " ".join(
        f"WHEN lower({column}) IN ({', '.join(repr(n) for n in names)}) THEN '{key}'" for key, names in by_key.items()
    )
    return f"CASE {whens}"


class CostsView(Protocol):
    """Read access to normalised cost rows (the billing store implements it)."""

    def rows(self, since: datetime, until: datetime, columns: tuple[str, ...] = COLUMNS) -> pa.Table:
        """FOCUS rows whose ChargePeriodStart is in [since, until)."""
        ...


class TableCostsView:
    """A :class:`CostsView` over an in-memory Arrow table (tests, demo, small inputs)."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def rows(self, since: datetime, until: datetime, columns: tuple[str, ...] = COLUMNS) -> pa.Table:
        import pyarrow.compute as pc

        start = self.table["ChargePeriodStart"]
        mask = pc.and_(pc.greater_equal(start, pa.scalar(since, TIME)), pc.less(start, pa.scalar(until, TIME)))
        return self.table.filter(mask).select(list(columns))
