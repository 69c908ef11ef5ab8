"""The embedded price table is well formed: every row dated and sourced, no key listed twice."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from importlib import resources

REQUIRED = ("provider", "region", "kind", "key", "term", "platform", "unit", "price", "currency", "as_of", "source")


def _rows() -> list[dict[str, str]]:
    text = resources.files("finml.pricing").joinpath("data/prices.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#")))


def test_rows_are_complete_dated_and_positive() -> None:
    rows = _rows()
    assert len(rows) > 50
    for r in rows:
        assert all(r[c] for c in REQUIRED), r
        assert Decimal(r["price"]) >= 0 and r["unit"] in ("hour", "GB-month")
        assert date.fromisoformat(r["as_of"]) <= date.today()
        assert r["kind"] in ("instance", "storage", "address")


def test_no_key_is_listed_twice() -> None:
    seen: dict[tuple[str, ...], int] = {}
    for i, r in enumerate(_rows()):
        key = (r["provider"], r["region"], r["kind"], r["key"].lower(), r["term"], r["platform"])
        assert key not in seen, f"row {i} repeats row {seen[key]}: {key}"
        seen[key] = i
