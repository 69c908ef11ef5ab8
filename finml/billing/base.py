"""What a billing source format is: detection, canonical column names, and a normalisation plan.

A format module (``aws_cur``, ``azure_export``, ``gcp_export``, ``alibaba_bill``, ``focus_file``)
exposes one :class:`SourceFormat`. The ingest pipeline (:mod:`finml.billing.ingest`) reads a file
into a DuckDB relation named ``src`` (canonical column names plus ``__row``, the 1-based data row)
and asks the format for a :class:`Plan`: the validation checks, the FOCUS ``SELECT``, and the
reconciliation totals computed from the source's own cost columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from finml.billing.sql import Cols


@dataclass(frozen=True)
class Check:
    """Rows where ``predicate`` holds are invalid; the first one is reported with ``column``."""

    column: str
    predicate: str
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class Total:
    """One reconciliation line: ``source_sql`` aggregates ``src``; ``focus_sql`` aggregates the
    FOCUS rows produced from it. Both must agree to the cent per billing period and account."""

    label: str
    source_sql: str
    focus_sql: str


@dataclass(frozen=True)
class Plan:
    focus_sql: str
    """A SELECT over ``src`` producing FOCUS columns (missing ones are filled with NULL)."""
    billing_period_sql: str
    """Expression over ``src``: the billing period start (TIMESTAMPTZ)."""
    billing_account_sql: str
    """Expression over ``src``: the billing account id (VARCHAR)."""
    totals: tuple[Total, ...]
    checks: tuple[Check, ...] = ()
    currency_sql: str | None = None
    """Expression over ``src`` giving the row's currency (one file must hold one currency)."""
    key_sql: str | None = None
    """Expression identifying a line item (duplicates are errors); None = the whole row."""
    notes: tuple[str, ...] = field(default_factory=tuple)


class SourceFormat(Protocol):
    name: str
    provider: str
    title: str
    mandatory: tuple[str, ...]
    """Canonical column names that must be present."""

    def score(self, raw_columns: dict[str, str]) -> int:
        """How sure this format is that it reads a file with these columns (lower-cased name ->
        DuckDB type); 0 = not this format."""
        ...

    def canonical(self, raw: str) -> str:
        """The canonical name of a raw column header."""
        ...

    def plan(self, cols: Cols, source: str) -> Plan:
        """The normalisation plan for a file with canonical columns ``cols``."""
        ...
