"""Each kind of bad billing file is a clear BillingFileError naming the file: exit 2, store untouched."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from finml.store.costs import CostStore
from tests.billing import _cur


def _truncated_gzip(p: Path) -> Path:
    f = _cur.write_legacy_csv(p / "cur.csv.gz", _cur.legacy_rows() * 1, gz=True)
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    return f


def _corrupt_parquet(p: Path) -> Path:
    f = _cur.write_parquet(_cur.athena_table(), p / "cur.parquet")
    data = f.read_bytes()
    f.write_bytes(data[:200] + b"\x00" * 300 + data[500:])
    return f


def _truncated_parquet(p: Path) -> Path:
    f = _cur.write_parquet(_cur.athena_table(), p / "cur.parquet")
    f.write_bytes(f.read_bytes()[:-100])
    return f


def _unknown(p: Path) -> Path:
    f = p / "mystery.csv"
    f.write_text("name,amount\nfoo,1\n")
    return f


def _missing_mandatory(p: Path) -> Path:
    rows = _cur.legacy_rows()
    f = p / "cur.csv"
    import csv

    with open(f, "w", newline="") as fh:
        w = csv.writer(fh)
        idx = _cur.LEGACY_HEADER.index("bill/PayerAccountId")
        w.writerow([h for i, h in enumerate(_cur.LEGACY_HEADER) if i != idx])
        w.writerows([[v for i, v in enumerate(r) if i != idx] for r in rows])
    return f


def _edit(col: str, row: int, value: str) -> Callable[[Path], Path]:
    def make(p: Path) -> Path:
        rows = _cur.legacy_rows()
        rows[row][_cur.LEGACY_HEADER.index(col)] = value
        return _cur.write_legacy_csv(p / "cur.csv", rows)

    return make


def _duplicate(p: Path) -> Path:
    rows = _cur.legacy_rows()
    return _cur.write_legacy_csv(p / "cur.csv", rows + [rows[1]])


def _empty(p: Path) -> Path:
    f = p / "empty.csv"
    f.write_bytes(b"")
    return f


def _header_only(p: Path) -> Path:
    return _cur.write_legacy_csv(p / "cur.csv", [])


def _bad_zip(p: Path) -> Path:
    f = p / "cur.zip"
    f.write_bytes(b"PK\x03\x04" + b"garbage" * 20)
    return f


def _bad_date(p: Path) -> Path:
    return _edit("lineItem/UsageStartDate", 3, "yesterday")(p)


CASES = {
    "truncated gzip": (_truncated_gzip, "cur.csv.gz", None),
    "corrupt parquet": (_corrupt_parquet, "cur.parquet", None),
    "truncated parquet": (_truncated_parquet, "cur.parquet", None),
    "unknown layout": (_unknown, "mystery.csv", "unknown billing layout"),
    "missing mandatory column": (_missing_mandatory, "cur.csv", "bill_payer_account_id"),
    "non-numeric cost": (_edit("lineItem/UnblendedCost", 2, "12,50"), "cur.csv",
                         "row 3, column 'line_item_unblended_cost': not a number"),
    "mixed currencies": (_edit("lineItem/CurrencyCode", 4, "EUR"), "cur.csv", "mixes currencies (EUR, USD)"),
    "duplicate line items": (_duplicate, "cur.csv", "duplicate line item: rows 2 and 9"),
    "empty file": (_empty, "empty.csv", "the file is empty"),
    "header only": (_header_only, "cur.csv", "no billing rows"),
    "corrupt zip": (_bad_zip, "cur.zip", "zip"),
    "unreadable date": (_bad_date, "cur.csv", "row 4, column 'line_item_usage_start_date': not a date"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_exits_2_naming_the_file(case: str, tmp_path: Path, data_dir: Path, run_cli) -> None:
    make, filename, expected = CASES[case]
    good = _cur.write_legacy_csv(tmp_path / "good.csv")
    bad = make(tmp_path)
    result = run_cli("ingest", str(good), str(bad))
    assert result.exit_code == 2, result.output
    assert "Error:" in result.stderr and filename in result.stderr
    if expected:
        assert expected in result.stderr
    assert "Traceback" not in result.output
    assert CostStore(data_dir).is_empty()  # the good file before it was not half-ingested


def test_forced_wrong_format_is_a_clear_error(tmp_path: Path, data_dir: Path, run_cli) -> None:
    f = _cur.write_legacy_csv(tmp_path / "cur.csv")
    result = run_cli("ingest", "--format", "gcp-export", str(f))
    assert result.exit_code == 2
    assert "missing mandatory column" in result.stderr and "cur.csv" in result.stderr


def test_gzip_sanity(tmp_path: Path) -> None:
    f = _truncated_gzip(tmp_path)
    with pytest.raises(EOFError):
        gzip.decompress(f.read_bytes())
