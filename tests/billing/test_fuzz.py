"""Fuzz the parsers: malformed rows and bytes give a BillingFileError or a reconciled ingest, never
another exception."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finml.billing.ingest import ingest
from finml.errors import BillingFileError, InputError
from tests.billing import _cur
from tests.billing.test_alibaba import HEADER as ALI_HEADER
from tests.billing.test_azure import EA_HEADER

_cell = st.one_of(st.sampled_from(["", "NULL", "1e5", "-0.00", "nan", "12,5", "2026-13-45", "9/31/2026", "{",
                                   '"', "\ufeff", "x" * 50, "1" * 40]),
                  st.text(max_size=12))
_FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def _mutate(rows: list[list[str]], edits: list[tuple[int, int, str]], drop: int) -> list[list[str]]:
    out = [list(r) for r in rows]
    for r, c, v in edits:
        row = out[r % len(out)]
        row[c % len(row)] = v
    if drop:
        out[0] = out[0][:-drop]
    return out


def _run(header: list[str], rows: list[list[str]], name: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / name
        f.write_text(buf.getvalue(), encoding="utf-8")
        try:
            report = ingest([str(f)], data_dir=Path(tmp) / "store")
        except (BillingFileError, InputError) as exc:
            assert name in str(exc)
            return
        assert all(ln.ok for ln in report.lines)


@_FUZZ
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 40), _cell), max_size=4), st.integers(0, 3))
def test_cur_rows(edits: list[tuple[int, int, str]], drop: int) -> None:
    _run(_cur.LEGACY_HEADER, _mutate(_cur.legacy_rows(), edits, drop), "cur.csv")


_AZ = [["8611537", "C", "10/1/2026", "10/31/2026", "s", "p", "10/5/2026", "Storage", "m", "westeurope", "/r", "1",
        "1 GB", "1.25", "EUR", "Usage", "OnDemand", "", "", "UsageBased", '"a": "b"', "{}"]] * 3


@_FUZZ
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 30), _cell), max_size=4), st.integers(0, 2))
def test_azure_rows(edits: list[tuple[int, int, str]], drop: int) -> None:
    _run(EA_HEADER, _mutate(_AZ, edits, drop), "azure.csv")


_ALI = [["2026-10", "5123", "n", "5123", "Subscription", "ecs", "ECS", "SubscriptionOrder", "i-1", "cn-hangzhou", "z",
         "ecs.g7", "2026-10-10 08:00:00", "", "1", "Month", "12", "10", "CNY", "a:b", "r-1"]]


@_FUZZ
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 30), _cell), max_size=4))
def test_alibaba_rows(edits: list[tuple[int, int, str]]) -> None:
    _run(ALI_HEADER, _mutate(_ALI, edits, 0), "ali.csv")


@_FUZZ
@given(st.binary(min_size=0, max_size=300))
def test_random_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("bill.csv", "bill.parquet", "bill.json", "bill.csv.gz"):
            f = Path(tmp) / name
            f.write_bytes(data)
            try:
                ingest([str(f)], data_dir=Path(tmp) / "store")
            except (BillingFileError, InputError) as exc:
                assert name in str(exc)
