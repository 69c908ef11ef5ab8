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
from finml.errors import BillingFileError, FinmlError
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


def _source_view(con: Any, raw: str, types: dict[str, str], fmt: SourceFormat) -> Cols:
    renamed: dict[str, str] = {}
    for col in types:
        canon = fmt.canonical(col.lstrip("\ufeff").strip())
        if canon not in renamed:
            renamed[canon] = col
    select = ", ".join(f"{q(orig)} AS {q(canon)}" for canon, orig in renamed.items())
    con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT {select}, __row FROM {raw}")
    return Cols(renamed, {canon: types[orig] for canon, orig in renamed.items()})


def _first_row(con: Any, where: str) -> int | None:
    row = con.execute(f"SELECT min(__row) FROM src WHERE {where}").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def _validate(con: Any, sf: SourceFile, fmt: SourceFormat, cols: Cols, plan: Plan) -> int:
    with _duck_errors(sf.name):
        n = int(con.execute("SELECT count(*) FROM src").fetchone()[0])
    if n == 0:
        raise BillingFileError("the file has a header but no billing rows", path=sf.name,
                               hint="re-export the billing period; an empty export cannot be reconciled")
    for check in plan.checks:
        with _duck_errors(sf.name):
            row = _first_row(con, check.predicate)
        if row is not None:
            value = con.execute(f"SELECT CAST({q(check.column)} AS VARCHAR) FROM src WHERE __row = {row}").fetchone() \
                if check.column in cols else None
            shown = f" (value {value[0]!r})" if value else ""
            raise BillingFileError(check.message + shown, path=sf.name, row=row, column=check.column,
                                   hint=check.hint)
    if plan.currency_sql:
        with _duck_errors(sf.name):
            cur = con.execute(f"SELECT list(DISTINCT c ORDER BY c) FROM (SELECT {plan.currency_sql} AS c FROM src) "
                              "WHERE c IS NOT NULL").fetchone()[0] or []
        if len(cur) > 1:
            other = cur[1]
            row = _first_row(con, f"{plan.currency_sql} = {lit(other)}")
            raise BillingFileError(
                f"the file mixes currencies ({', '.join(cur)}); finml never converts currencies", path=sf.name,
                row=row, hint="export each billing currency separately")
    key = plan.key_sql or "hash(" + ", ".join(q(c) for c in cols.names) + ")"
    with _duck_errors(sf.name):
        dup = con.execute(f"SELECT k, count(*) AS n, min(__row), max(__row) FROM (SELECT {key} AS k, __row FROM src) "
                          "GROUP BY k HAVING count(*) > 1 ORDER BY min(__row) LIMIT 1").fetchone()
    if dup is not None:
        raise BillingFileError(
            f"duplicate line item: rows {dup[2]} and {dup[3]} are the same charge ({dup[1]} copies)",
            path=sf.name, row=int(dup[3]),
            hint="the export was concatenated twice or is corrupt; re-download it")
    return n


_REQUIRED_OUT = ("BillingAccountId", "BillingPeriodStart", "ChargePeriodStart", "ChargeCategory", "BilledCost",
                 "EffectiveCost", "BillingCurrency")


def _stage(con: Any, sf: SourceFile, fmt: SourceFormat, plan: Plan, out: Path) -> None:
    provider = fmt.provider
    prov_sql = lit(provider) if provider != "any" else (
        "CASE WHEN lower(ProviderName) IN ('aws', 'amazon web services') THEN 'aws' "
        "WHEN lower(ProviderName) IN ('microsoft', 'azure', 'microsoft azure') THEN 'azure' "
        "WHEN lower(ProviderName) IN ('google cloud', 'google', 'gcp', 'google cloud platform') THEN 'gcp' "
        "WHEN lower(ProviderName) IN ('alibaba cloud', 'alibaba', 'alibabacloud', 'aliyun') THEN 'alibaba' "
        f"ELSE {safe_key('lower(ProviderName)')} END")
    name = lit(sf.name)
    sql = (f"SELECT * REPLACE (COALESCE(x_SourceFile, {name}) AS x_SourceFile), {prov_sql} AS __p, "
           f"{period_key('BillingPeriodStart')} AS __m, {safe_key('BillingAccountId')} AS __a "
           f"FROM ({plan.focus_sql}) AS f")
    with _duck_errors(sf.name):
        con.execute("SET preserve_insertion_order = false")
        try:
            con.execute(f"COPY ({sql}) TO {lit(str(out))} (FORMAT parquet, PARTITION_BY (__p, __m, __a), "
                        "COMPRESSION zstd, ROW_GROUP_SIZE 122880)")
        finally:
            con.execute("SET preserve_insertion_order = true")
    staged = _staged_glob(out)
    missing = " OR ".join(f"{c} IS NULL" for c in _REQUIRED_OUT)
    bad = con.execute(f"SELECT min(x_SourceRow), count(*) FROM read_parquet({lit(staged)}, hive_partitioning = false) "
                      f"WHERE {missing}").fetchone()
    if bad and bad[1]:
        cols = ", ".join(_REQUIRED_OUT)
        row = con.execute(f"SELECT {', '.join(f'{c} IS NULL' for c in _REQUIRED_OUT)} FROM read_parquet("
                          f"{lit(staged)}, hive_partitioning = false) WHERE x_SourceRow = {int(bad[0] or 0)} "
                          f"AND ({missing}) LIMIT 1").fetchone()
        which = [c for c, isnull in zip(_REQUIRED_OUT, row or (), strict=False) if isnull] or [cols]
        raise BillingFileError(
            f"{bad[1]} row(s) lack a value FOCUS requires ({', '.join(which)}): a date or id column is empty "
            "or unreadable", path=sf.name, row=int(bad[0]) if bad[0] is not None else None,
            hint="check the dates and account columns of this row")


def _staged_glob(out: Path) -> str:
    return str(out / "**" / "*.parquet")


def _reconcile(con: Any, sf: SourceFile, fmt: SourceFormat, plan: Plan, out: Path) -> list[ReconLine]:
    src_aggs = ", ".join(f"sum({t.source_sql})" if not t.source_sql.lower().startswith("sum(") else t.source_sql
                         for t in plan.totals)
    foc_aggs = ", ".join(t.focus_sql for t in plan.totals)
    period = period_key(plan.billing_period_sql)
    with _duck_errors(sf.name):
        src = con.execute(f"SELECT {period} AS m, CAST({plan.billing_account_sql} AS VARCHAR) AS a, count(*), "
                          f"{src_aggs} FROM src GROUP BY ALL").fetchall()
        foc = con.execute(f"SELECT {period_key('BillingPeriodStart')} AS m, BillingAccountId AS a, count(*), "
                          f"any_value(BillingCurrency), {foc_aggs} FROM read_parquet({lit(_staged_glob(out))}, "
                          "hive_partitioning = false) GROUP BY ALL").fetchall()
    src_by = {(r[0], r[1]): r for r in src}
    foc_by = {(r[0], r[1]): r for r in foc}
    lines: list[ReconLine] = []
    zero = Decimal(0)
    for key in sorted(set(src_by) | set(foc_by), key=lambda k: (str(k[0]), str(k[1]))):
        s = src_by.get(key)
        f = foc_by.get(key)
        for i, total in enumerate(plan.totals):
            lines.append(ReconLine(
                file=sf.name, format=fmt.name, period=str(key[0]), account=str(key[1]),
                currency=str(f[3]) if f else "", rows_in=int(s[2]) if s else 0, rows_out=int(f[2]) if f else 0,
                label=total.label,
                source_total=Decimal(s[3 + i] if s and s[3 + i] is not None else zero),
                focus_total=Decimal(f[4 + i] if f and f[4 + i] is not None else zero),
            ))
    bad = [ln for ln in lines if not ln.ok]
    if bad:
        first = bad[0]
        raise ReconciliationError(
            f"totals do not reconcile for {first.period} account {first.account}: {first.label} is "
            f"{first.source_total} in the source but {first.focus_total} in FOCUS (difference {first.difference})",
            path=sf.name, lines=lines)
    return lines


def _process(con: Any, sf: SourceFile, index: int, staging: Path, fmt_name: str | None,
             provider: str | None) -> FileReport:
    types = _open(con, sf, f"raw{index}")
    lowered = {k.lstrip("\ufeff").strip().lower(): v for k, v in types.items()}
    fmt = detect_mod.get(fmt_name) if fmt_name else detect_mod.detect(lowered, sf.name, provider)
    if provider and fmt.provider not in (provider, "any"):
        raise BillingFileError(f"this is a {fmt.title} file, not {provider}", path=sf.name,
                               hint="drop --provider or pass the right file")
    cols = _source_view(con, f"raw{index}", types, fmt)
    missing = [c for c in fmt.mandatory if c not in cols]
    if missing:
        raise BillingFileError(
            f"missing mandatory column(s) for {fmt.title}: {', '.join(missing)}", path=sf.name, column=missing[0],
            hint="export the report with all default columns (or pass --format if the layout was misdetected)")
    plan = fmt.plan(cols, sf.name)
    rows_in = _validate(con, sf, fmt, cols, plan)
    out = staging / f"file{index}"
    _stage(con, sf, fmt, plan, out)
    lines = _reconcile(con, sf, fmt, plan, out)
    rows_out = sum({(ln.period, ln.account): ln.rows_out for ln in lines}.values())
    con.execute(f"DROP VIEW IF EXISTS raw{index}")
    con.execute(f"DROP TABLE IF EXISTS raw{index}_t")
    log.info("%s: %s, %d rows in, %d FOCUS rows", sf.name, fmt.name, rows_in, rows_out)
    return FileReport(file=sf.name, format=fmt.name, provider=fmt.provider, rows_in=rows_in, rows_out=rows_out,
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


def ingest_error_lines(exc: FinmlError) -> list[ReconLine]:
    return list(getattr(exc, "lines", []))
