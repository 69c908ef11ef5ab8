"""Ingest billing files into the FOCUS cost store, reconciled, all-or-nothing.

For each file: read it with DuckDB (CSV as text so that bad values can be located; Parquet and
JSON typed), detect the format, validate (mandatory columns, numbers, one currency, no duplicate
line items, not empty), normalise to FOCUS with one vectorised ``SELECT``, write the rows to a
private staging folder split into store partitions, and reconcile: per billing period and account,
the totals of the source's own cost columns against the totals of the FOCUS rows written. Only
when every file passed are the staged partitions moved into the store (atomic rename each), all
under the store lock. A failure anywhere leaves the store exactly as it was.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from finml.billing import detect as detect_mod
from finml.billing.base import Plan, SourceFormat
from finml.billing.sources import SourceFile, resolve
from finml.billing.sql import Cols, lit, period_key, q, safe_key
from finml.errors import BillingFileError
from finml.focus import provider_key_sql
from finml.store import default_data_dir, store_lock
from finml.store.costs import CostStore

log = logging.getLogger(__name__)

CENT = Decimal("0.005")
"""Totals must agree to the cent: a difference of half a cent or more fails the ingest."""

MEMORY_LIMIT = os.environ.get("FINML_DUCKDB_MEMORY", "1GB")


@dataclass(frozen=True)
class ReconLine:
    file: str
    format: str
    period: str
    account: str
    currency: str
    rows_in: int
    rows_out: int
    label: str
    source_total: Decimal
    focus_total: Decimal

    @property
    def difference(self) -> Decimal:
        return self.focus_total - self.source_total

    @property
    def ok(self) -> bool:
        return abs(self.difference) < CENT


@dataclass
class FileReport:
    file: str
    format: str
    provider: str
    rows_in: int
    rows_out: int
    lines: list[ReconLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    files: list[FileReport]
    partitions: list[tuple[str, str, str]]

    @property
    def lines(self) -> list[ReconLine]:
        return [ln for f in self.files for ln in f.lines]


class ReconciliationError(BillingFileError):
    """Source and FOCUS totals differ; carries the lines."""

    def __init__(self, message: str, *, path: str, lines: list[ReconLine]) -> None:
        super().__init__(message, path=path, hint="this is a finml bug or a file finml misreads; "
                                                  "please report it with the table above")
        self.lines = lines


def connect(workdir: Path) -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = {lit(MEMORY_LIMIT)}")
    con.execute(f"SET temp_directory = {lit(str(workdir / 'duckdb-tmp'))}")
    return con


@contextmanager
def _duck_errors(file: str) -> Iterator[None]:
    """DuckDB read errors -> BillingFileError naming the file."""
    import duckdb

    try:
        yield
    except duckdb.Error as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BillingFileError(f"cannot read the file: {msg}", path=file,
                               hint="the file looks truncated, corrupt or is not a billing export") from exc


def _open(con: Any, sf: SourceFile, raw: str) -> dict[str, str]:
    """Create relation ``raw`` over the file (``__row`` = 1-based data row) and return its
    column types."""
    path = lit(str(sf.path))
    comp = lit("gzip" if sf.compression == "gzip" else "none")
    with _duck_errors(sf.name):
        if sf.kind == "parquet":
            con.execute(f"CREATE OR REPLACE TEMP VIEW {raw} AS SELECT *, file_row_number + 1 AS __row "
                        f"FROM read_parquet({path}, file_row_number = true)")
        elif sf.kind == "json":
            con.execute(f"CREATE OR REPLACE TEMP TABLE {raw}_t AS SELECT * FROM read_json({path}, "
                        f"format = 'newline_delimited', compression = {comp}, sample_size = -1)")
            con.execute(f"CREATE OR REPLACE TEMP VIEW {raw} AS SELECT *, rowid + 1 AS __row FROM {raw}_t")
        else:
            header = _csv_header(sf)
            columns = "{" + ", ".join(f"{lit(h)}: 'VARCHAR'" for h in header) + "}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {raw}_t AS SELECT * FROM read_csv({path}, auto_detect = false, "
                        f"header = true, columns = {columns}, delim = ',', quote = '\"', escape = '\"', "
                        f"compression = {comp}, null_padding = true, nullstr = ['', 'NULL'], strict_mode = false, "
                        "max_line_size = 16777216)")
            con.execute(f"CREATE OR REPLACE TEMP VIEW {raw} AS SELECT *, rowid + 1 AS __row FROM {raw}_t")
        rows = con.execute(f"DESCRIBE {raw}").fetchall()
    return {str(r[0]): str(r[1]) for r in rows if r[0] != "__row"}


def _csv_header(sf: SourceFile) -> list[str]:
    """The header row (BOM stripped, duplicate names suffixed), read with Python's csv module so
    that DuckDB's dialect sniffer cannot misjudge a ragged or mixed-newline export."""
    import csv
    import gzip
    import io

    try:
        raw = gzip.open(sf.path, "rb") if sf.compression == "gzip" else open(sf.path, "rb")
        with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="") as fh:
            header = next(csv.reader(fh), None)
    except (OSError, EOFError, csv.Error) as exc:
        raise BillingFileError(f"cannot read the header row ({exc})", path=sf.name,
                               hint="the file looks truncated or corrupt; re-download it") from exc
    if not header or not any(h.strip() for h in header):
        raise BillingFileError("the file has no header row", path=sf.name,
                               hint="billing exports start with a row of column names")
    seen: dict[str, int] = {}
    out = []
    for h in header:
        name = h.strip() or "column"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _source_view(con: Any, raw: str, types: dict[str, str], fmt: SourceFormat, trim: bool = True) -> Cols:
    renamed: dict[str, str] = {}
    for col in types:
        canon = fmt.canonical(col.lstrip("\ufeff").strip())
        if canon not in renamed:
            renamed[canon] = col
    select = ", ".join(f"{q(orig)} AS {q(canon)}" for canon, orig in renamed.items())
    con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT {select}, __row FROM {raw}")
    return Cols(renamed, {canon: types[orig] for canon, orig in renamed.items()}, trim=trim)


def _first_row(con: Any, where: str) -> int | None:
    row = con.execute(f"SELECT min(__row) FROM src WHERE {where}").fetchall()
    return None if not row or row[0][0] is None else int(row[0][0])


@dataclass
class _SourcePass:
    """What one aggregate pass over the source learnt: per (period, account) row counts and
    source totals."""

    groups: dict[tuple[str, str], tuple[int, list[Decimal]]]

    @property
    def rows(self) -> int:
        return sum(n for n, _ in self.groups.values())


def _source_pass(con: Any, sf: SourceFile, cols: Cols, plan: Plan) -> _SourcePass:
    """One scan of the source: row counts, currencies, the first bad row of every check and the
    reconciliation totals, per billing period and account."""
    totals = [f"sum({t.source_sql})" if not t.source_sql.lower().startswith("sum(") else t.source_sql
              for t in plan.totals]
    checks = [f"min(__row) FILTER (WHERE {c.predicate})" for c in plan.checks]
    cur = f"list(DISTINCT {plan.currency_sql})" if plan.currency_sql else "[]"
    aggs = ", ".join(["count(*)", cur, *checks, *totals])
    with _duck_errors(sf.name):
        # Group by the raw period timestamp (cheap) and derive the YYYY-MM key on the few groups.
        rows = con.execute(f"SELECT {period_key('p')} AS m, * EXCLUDE (p) FROM (SELECT {plan.billing_period_sql} AS p, "
                           f"CAST({plan.billing_account_sql} AS VARCHAR) AS a, {aggs} FROM src GROUP BY ALL)").fetchall()
        rows = _merge(rows, n_checks=len(plan.checks))
    if not rows:
        raise BillingFileError("the file has a header but no billing rows", path=sf.name,
                               hint="re-export the billing period; an empty export cannot be reconciled")
    for i, check in enumerate(plan.checks):
        hits = [r[4 + i] for r in rows if r[4 + i] is not None]
        if hits:
            row = min(hits)
            value = con.execute(f"SELECT CAST({q(check.column)} AS VARCHAR) FROM src WHERE __row = {row}").fetchall() \
                if check.column in cols else None
            shown = f" (value {value[0][0]!r})" if value and value[0][0] is not None else ""
            raise BillingFileError(check.message + shown, path=sf.name, row=row, column=check.column,
                                   hint=check.hint)
    currencies = sorted({c for r in rows for c in (r[3] or []) if c is not None})
    if len(currencies) > 1:
        row = _first_row(con, f"{plan.currency_sql} = {lit(currencies[1])}")
        raise BillingFileError(
            f"the file mixes currencies ({', '.join(currencies)}); finml never converts currencies", path=sf.name,
            row=row, hint="export each billing currency separately")
    off = 4 + len(plan.checks)
    groups = {(str(r[0]), str(r[1])): (int(r[2]), [Decimal(v if v is not None else 0) for v in r[off:]])
              for r in rows}
    return _SourcePass(groups)


def _merge(rows: list[tuple], n_checks: int) -> list[tuple]:
    """Merge aggregate rows that share (period key, account): count, currencies, check minima, sums."""
    out: dict[tuple[Any, Any], list[Any]] = {}
    for r in rows:
        key = (r[0], r[1])
        if key not in out:
            out[key] = list(r)
            continue
        acc = out[key]
        acc[2] += r[2]
        acc[3] = list(acc[3] or []) + list(r[3] or [])
        for i in range(4, 4 + n_checks):
            acc[i] = r[i] if acc[i] is None else acc[i] if r[i] is None else min(acc[i], r[i])
        for i in range(4 + n_checks, len(r)):
            acc[i] = r[i] if acc[i] is None else acc[i] if r[i] is None else acc[i] + r[i]
    return [tuple(v) for v in out.values()]


def _check_duplicates(con: Any, sf: SourceFile, cols: Cols, plan: Plan) -> None:
    """Duplicate line items, found by a 64-bit hash of the key and confirmed on the key itself."""
    key = plan.key_sql or "row(" + ", ".join(q(c) for c in cols.names) + ")::VARCHAR"
    with _duck_errors(sf.name):
        hashes = con.execute(f"SELECT h FROM (SELECT hash({key}) AS h FROM src) GROUP BY h HAVING count(*) > 1 "
                             "LIMIT 20").fetchall()
        for (h,) in hashes:
            rows = con.execute(f"SELECT __row, CAST({key} AS VARCHAR) FROM src WHERE hash({key}) = {int(h)} "
                               "ORDER BY __row").fetchall()
            seen: dict[str, int] = {}
            for row, value in rows:
                if value in seen:
                    copies = sum(1 for _, v in rows if v == value)
                    raise BillingFileError(
                        f"duplicate line item: rows {seen[value]} and {row} are the same charge ({copies} copies)",
                        path=sf.name, row=int(row),
                        hint="the export was concatenated twice or is corrupt; re-download it")
                seen[value] = row


_REQUIRED_OUT = ("BillingAccountId", "BillingPeriodStart", "ChargePeriodStart", "ChargeCategory", "BilledCost",
                 "EffectiveCost", "BillingCurrency")


def _stage(con: Any, sf: SourceFile, fmt: SourceFormat, plan: Plan, out: Path, single: tuple[str, str] | None) -> None:
    """Write the FOCUS rows under ``out`` as ``__p=/__m=/__a=/*.parquet``. With a single partition
    (one payer and one month, the usual export) the file is written directly, else split by DuckDB."""
    provider = fmt.provider
    prov_sql = lit(provider) if provider != "any" else (
        f"{provider_key_sql('ProviderName')} ELSE {safe_key('lower(ProviderName)')} END")
    name = lit(sf.name)
    body = f"SELECT * REPLACE (COALESCE(x_SourceFile, {name}) AS x_SourceFile) FROM ({plan.focus_sql}) AS f"
    with _duck_errors(sf.name):
        con.execute("SET preserve_insertion_order = false")
        try:
            if single is not None and provider != "any":
                period, account = single
                target = (out / f"__p={provider}" / f"__m={period}" / f"__a={_safe(account)}")
                target.mkdir(parents=True, exist_ok=True)
                con.execute(f"COPY ({body}) TO {lit(str(target / 'data_0.parquet'))} (FORMAT parquet, "
                            "COMPRESSION zstd, ROW_GROUP_SIZE 122880)")
            else:
                sql = (f"SELECT *, {prov_sql} AS __p, {period_key('BillingPeriodStart')} AS __m, "
                       f"{safe_key('BillingAccountId')} AS __a FROM ({body})")
                con.execute(f"COPY ({sql}) TO {lit(str(out))} (FORMAT parquet, PARTITION_BY (__p, __m, __a), "
                            "COMPRESSION zstd, ROW_GROUP_SIZE 122880)")
        finally:
            con.execute("SET preserve_insertion_order = true")


def _safe(value: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9._@-]+", "_", value) or "_"


def _staged_glob(out: Path) -> str:
    return str(out / "**" / "*.parquet")


def _reconcile(con: Any, sf: SourceFile, fmt: SourceFormat, plan: Plan, out: Path,
               source: _SourcePass) -> list[ReconLine]:
    """One scan of the written FOCUS rows: required values present, and per period and account
    the FOCUS totals equal the source totals to the cent."""
    missing = " OR ".join(f"{c} IS NULL" for c in _REQUIRED_OUT)
    foc_aggs = ", ".join(t.focus_sql for t in plan.totals)
    nulls = ", ".join(f"count(*) FILTER (WHERE {c} IS NULL)" for c in _REQUIRED_OUT)
    with _duck_errors(sf.name):
        foc = con.execute(
            f"SELECT {period_key('p')} AS m, * EXCLUDE (p) FROM (SELECT BillingPeriodStart AS p, BillingAccountId AS a, "
            f"count(*), any_value(BillingCurrency), min(x_SourceRow) FILTER (WHERE {missing}), {nulls}, {foc_aggs} "
            f"FROM read_parquet({lit(_staged_glob(out))}, hive_partitioning = false) GROUP BY ALL)").fetchall()
    nreq = len(_REQUIRED_OUT)
    merged: dict[tuple[Any, Any], list[Any]] = {}
    for r in foc:
        acc = merged.setdefault((r[0], r[1]), [r[0], r[1], 0, r[3], None] + [0] * nreq + [None] * len(plan.totals))
        acc[2] += r[2]
        acc[4] = r[4] if acc[4] is None else acc[4] if r[4] is None else min(acc[4], r[4])
        for i in range(5, 5 + nreq):
            acc[i] += r[i]
        for i in range(5 + nreq, len(r)):
            acc[i] = r[i] if acc[i] is None else acc[i] if r[i] is None else acc[i] + r[i]
    foc = [tuple(v) for v in merged.values()]
    bad = [r for r in foc if r[4] is not None]
    if bad:
        first = min(bad, key=lambda r: r[4])
        which = [c for i, c in enumerate(_REQUIRED_OUT) if any(r[5 + i] for r in bad)]
        count = sum(max(r[5:5 + nreq]) for r in bad)
        raise BillingFileError(
            f"{count} row(s) lack a value FOCUS requires ({', '.join(which)}): a date or id column is empty "
            "or unreadable", path=sf.name, row=int(first[4]), hint="check the dates and account columns of this row")
    foc_by = {(str(r[0]), str(r[1])): r for r in foc}
    lines: list[ReconLine] = []
    zero = Decimal(0)
    for key in sorted(set(source.groups) | set(foc_by)):
        s = source.groups.get(key)
        f = foc_by.get(key)
        for i, total in enumerate(plan.totals):
            fv = f[5 + nreq + i] if f else None
            lines.append(ReconLine(
                file=sf.name, format=fmt.name, period=key[0], account=key[1],
                currency=str(f[3]) if f else "", rows_in=s[0] if s else 0, rows_out=int(f[2]) if f else 0,
                label=total.label, source_total=s[1][i] if s else zero,
                focus_total=Decimal(fv if fv is not None else zero),
            ))
    wrong = [ln for ln in lines if not ln.ok]
    if wrong:
        first_wrong = wrong[0]
        raise ReconciliationError(
            f"totals do not reconcile for {first_wrong.period} account {first_wrong.account}: {first_wrong.label} is "
            f"{first_wrong.source_total} in the source but {first_wrong.focus_total} in FOCUS "
            f"(difference {first_wrong.difference})", path=sf.name, lines=lines)
    return lines


def _process(con: Any, sf: SourceFile, index: int, staging: Path, fmt_name: str | None,
             provider: str | None) -> FileReport:
    types = _open(con, sf, f"raw{index}")
    lowered = {k.lstrip("\ufeff").strip().lower(): v for k, v in types.items()}
    fmt = detect_mod.get(fmt_name) if fmt_name else detect_mod.detect(lowered, sf.name, provider)
    if provider and fmt.provider not in (provider, "any"):
        raise BillingFileError(f"this is a {fmt.title} file, not {provider}", path=sf.name,
                               hint="drop --provider or pass the right file")
    cols = _source_view(con, f"raw{index}", types, fmt, trim=sf.kind == "csv")
    missing = [c for c in fmt.mandatory if c not in cols]
    if missing:
        raise BillingFileError(
            f"missing mandatory column(s) for {fmt.title}: {', '.join(missing)}", path=sf.name, column=missing[0],
            hint="export the report with all default columns (or pass --format if the layout was misdetected)")
    plan = fmt.plan(cols, sf.name)
    source = _source_pass(con, sf, cols, plan)
    _check_duplicates(con, sf, cols, plan)
    out = staging / f"file{index}"
    keys = list(source.groups)
    single = keys[0] if len(keys) == 1 and "None" not in keys[0] else None
    _stage(con, sf, fmt, plan, out, single)
    lines = _reconcile(con, sf, fmt, plan, out, source)
    rows_out = sum({(ln.period, ln.account): ln.rows_out for ln in lines}.values())
    con.execute(f"DROP VIEW IF EXISTS raw{index}")
    con.execute(f"DROP TABLE IF EXISTS raw{index}_t")
    log.info("%s: %s, %d rows in, %d FOCUS rows", sf.name, fmt.name, source.rows, rows_out)
    return FileReport(file=sf.name, format=fmt.name, provider=fmt.provider, rows_in=source.rows, rows_out=rows_out,
                      lines=lines, notes=list(plan.notes))


def _pieces(staging: Path) -> dict[tuple[str, str, str], list[Path]]:
    out: dict[tuple[str, str, str], list[Path]] = {}
    for f in sorted(staging.glob("file*/__p=*/__m=*/__a=*/*.parquet")):
        key = tuple(unquote(p.split("=", 1)[1]) for p in f.parts[-4:-1])
        out.setdefault(key, []).append(f)  # type: ignore[arg-type]
    return out


def ingest_files(files: Sequence[SourceFile], *, data_dir: Path | None = None, fmt: str | None = None,
                 provider: str | None = None, workdir: Path | None = None) -> IngestReport:
    """Ingest already-resolved ``files`` (see :func:`ingest` for paths and URIs)."""
    data_dir = data_dir or default_data_dir()
    store = CostStore(data_dir)
    with store_lock(data_dir):
        store.root.mkdir(parents=True, exist_ok=True)
        staging = store.root / f".staging-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        try:
            con = connect(workdir or staging)
            try:
                reports = [_process(con, sf, i, staging, fmt, provider) for i, sf in enumerate(files)]
                pieces = _pieces(staging)
                final: dict[tuple[str, str, str], Path] = {}
                for key, paths in pieces.items():
                    if len(paths) == 1:
                        final[key] = paths[0]
                        continue
                    merged = staging / "merged" / f"{len(final)}.parquet"
                    merged.parent.mkdir(parents=True, exist_ok=True)
                    plist = "[" + ", ".join(lit(str(p)) for p in paths) + "]"
                    con.execute(f"COPY (SELECT * FROM read_parquet({plist}, hive_partitioning = false)) TO "
                                f"{lit(str(merged))} (FORMAT parquet, COMPRESSION zstd)")
                    final[key] = merged
            finally:
                con.close()
            store.commit(final)
            return IngestReport(files=reports, partitions=sorted(final))
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def ingest(inputs: Sequence[str], *, data_dir: Path | None = None, fmt: str | None = None,
           provider: str | None = None, s3_client: Any = None) -> IngestReport:
    """Ingest every billing file behind ``inputs`` (paths, folders, manifests, ``s3://`` URIs).

    Each (provider, billing period, billing account) partition touched is replaced by exactly the
    rows of this ingest: pass all files of a billing period together (a folder or manifest does).
    """
    with tempfile.TemporaryDirectory(prefix="finml-ingest-") as tmp:
        files = resolve(list(inputs), Path(tmp), s3_client=s3_client)
        return ingest_files(files, data_dir=data_dir, fmt=fmt, provider=provider, workdir=Path(tmp))
