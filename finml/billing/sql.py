"""SQL building blocks shared by the billing normalisers (DuckDB dialect).

Every normaliser turns a source file into FOCUS rows with one ``SELECT``; these helpers keep the
casts identical everywhere: money is ``DECIMAL(38,10)`` (never a float), times are ``TIMESTAMPTZ``
in UTC, and a column that a given export does not have reads as ``NULL`` (schema drift).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

MONEY_SQL = "DECIMAL(38,10)"

# String layouts seen in billing exports that a plain cast to TIMESTAMPTZ does not read.
_DATE_FORMATS = ("%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S",
                 "%Y%m%d")


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str | None) -> str:
    """A SQL string literal (or NULL)."""
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


class Cols:
    """The columns of one source relation, with NULL for absent ones."""

    def __init__(self, names: Iterable[str], types: Mapping[str, str] | None = None, *, trim: bool = True) -> None:
        self.trim = trim  # text files may pad values; typed Parquet/JSON columns are taken as they are
        self.names = list(names)
        self.set = frozenset(self.names)
        self.types = dict(types or {})

    def __contains__(self, name: object) -> bool:
        return name in self.set

    def has(self, *names: str) -> bool:
        return all(n in self.set for n in names)

    def first(self, *names: str) -> str | None:
        return next((n for n in names if n in self.set), None)

    def get(self, *names: str, default: str = "NULL") -> str:
        """The quoted first present column, else ``default`` (an SQL expression)."""
        name = self.first(*names)
        return q(name) if name else default

    def text(self, *names: str) -> str:
        """The first present column as trimmed VARCHAR with '' turned into NULL."""
        name = self.first(*names)
        if name is None:
            return "NULL::VARCHAR"
        if not self.trim and self.types.get(name, "VARCHAR") == "VARCHAR":
            return f"NULLIF({q(name)}, '')"
        return f"NULLIF(TRIM(CAST({q(name)} AS VARCHAR)), '')"

    def money(self, *names: str, default: str = "NULL") -> str:
        name = self.first(*names)
        if name is None:
            return f"CAST({default} AS {MONEY_SQL})" if default != "NULL" else f"NULL::{MONEY_SQL}"
        return money(q(name), self.types.get(name, "VARCHAR"))

    def number(self, *names: str) -> str:
        return self.money(*names)

    def time(self, *names: str, offset_hours: int = 0) -> str:
        name = self.first(*names)
        if name is None:
            return "NULL::TIMESTAMPTZ"
        return timestamp(q(name), self.types.get(name, "VARCHAR"), offset_hours)

    def is_text(self, name: str) -> bool:
        return self.types.get(name, "VARCHAR").upper() in ("VARCHAR", "STRING", "TEXT")


def money(expr: str, sql_type: str = "VARCHAR") -> str:
    """``expr`` as an exact DECIMAL(38,10); empty strings are NULL. Callers validate first."""
    t = sql_type.upper()
    if t.startswith("DECIMAL") or t in ("DOUBLE", "FLOAT", "REAL", "BIGINT", "INTEGER", "HUGEINT", "SMALLINT"):
        return f"CAST({expr} AS {MONEY_SQL})"
    return f"TRY_CAST(NULLIF(TRIM(CAST({expr} AS VARCHAR)), '') AS {MONEY_SQL})"


def bad_number(expr: str, sql_type: str = "VARCHAR") -> str:
    """A predicate true where a non-empty value does not parse as a number."""
    t = sql_type.upper()
    if not (t in ("VARCHAR", "STRING", "TEXT") or t.startswith("VARCHAR")):
        return "FALSE"
    txt = f"NULLIF(TRIM(CAST({expr} AS VARCHAR)), '')"
    return f"({txt} IS NOT NULL AND TRY_CAST({txt} AS {MONEY_SQL}) IS NULL)"


def timestamp(expr: str, sql_type: str = "VARCHAR", offset_hours: int = 0) -> str:
    """Parse ``expr`` to TIMESTAMPTZ (UTC). Strings without an explicit offset are taken as
    local time ``offset_hours`` east of UTC (0 = already UTC; 8 = Beijing time)."""
    t = sql_type.upper()
    if t.startswith("TIMESTAMP WITH TIME ZONE") or t == "TIMESTAMPTZ":
        return f"CAST({expr} AS TIMESTAMPTZ)"
    # Naive timestamps -> TIMESTAMPTZ through epoch microseconds: exact, and no time-zone calendar
    # work per row (a plain CAST goes through ICU and costs ~15x more on large files).
    shift = f" - {offset_hours * 3_600_000_000}" if offset_hours else ""
    if t.startswith("TIMESTAMP") or t == "DATE":
        return f"make_timestamptz(epoch_us(CAST({expr} AS TIMESTAMP)){shift})"
    txt = f"NULLIF(TRIM(CAST({expr} AS VARCHAR)), '')"
    naive = "COALESCE(TRY_CAST({t} AS TIMESTAMP), {alts})".format(
        t=txt, alts=", ".join(f"TRY_STRPTIME({txt}, '{f}')" for f in _DATE_FORMATS)
    )
    return (
        f"(CASE WHEN regexp_matches({txt}, '(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$') "
        f"THEN TRY_CAST({txt} AS TIMESTAMPTZ) "
        f"ELSE make_timestamptz(epoch_us({naive}){shift}) END)"
    )


def bad_time(expr: str, sql_type: str = "VARCHAR") -> str:
    t = sql_type.upper()
    if not (t in ("VARCHAR", "STRING", "TEXT") or t.startswith("VARCHAR")):
        return "FALSE"
    txt = f"NULLIF(TRIM(CAST({expr} AS VARCHAR)), '')"
    return f"({txt} IS NOT NULL AND {timestamp(expr, sql_type)} IS NULL)"


def month_start(ts_expr: str) -> str:
    return f"CAST(date_trunc('month', {ts_expr}) AS TIMESTAMPTZ)"


def next_month(ts_expr: str) -> str:
    return f"CAST(date_trunc('month', {ts_expr}) + INTERVAL 1 MONTH AS TIMESTAMPTZ)"


def tags_from_columns(columns: Mapping[str, str]) -> str:
    """A MAP(VARCHAR, VARCHAR) from ``{tag key: column}``, leaving out empty values."""
    if not columns:
        return "MAP {}::MAP(VARCHAR, VARCHAR)"
    entries = ", ".join(
        f"struct_pack(key := {lit(k)}, value := NULLIF(TRIM(CAST({q(c)} AS VARCHAR)), ''))"
        for k, c in columns.items()
    )
    return (f"map_from_entries(list_filter([{entries}], lambda e: e.value IS NOT NULL))"
            "::MAP(VARCHAR, VARCHAR)")


def tags_from_json(expr: str) -> str:
    """Tags held as a JSON object string (with or without its braces) -> MAP(VARCHAR, VARCHAR)."""
    txt = f"NULLIF(TRIM(CAST({expr} AS VARCHAR)), '')"
    obj = f"(CASE WHEN starts_with({txt}, '{{') THEN {txt} ELSE '{{' || {txt} || '}}' END)"
    return (
        f"(CASE WHEN {txt} IS NULL OR NOT json_valid({obj}) THEN MAP {{}}::MAP(VARCHAR, VARCHAR) "
        f"ELSE CAST(json_transform({obj}, '\"MAP(VARCHAR, VARCHAR)\"') AS MAP(VARCHAR, VARCHAR)) END)"
    )


def tags_from_pairs(expr: str, pair_sep: str = ";", kv_sep: str = ":") -> str:
    """Tags held as ``k1:v1;k2:v2`` -> MAP(VARCHAR, VARCHAR)."""
    txt = f"NULLIF(TRIM(CAST({expr} AS VARCHAR)), '')"
    return (
        f"(CASE WHEN {txt} IS NULL THEN MAP {{}}::MAP(VARCHAR, VARCHAR) ELSE map_from_entries(list_transform("
        f"list_filter(string_split({txt}, {lit(pair_sep)}), lambda p: TRIM(p) <> ''), "
        f"lambda p: struct_pack(key := TRIM(split_part(p, {lit(kv_sep)}, 1)), "
        f"value := TRIM(substr(p, length(split_part(p, {lit(kv_sep)}, 1)) + 2)))))"
        f"::MAP(VARCHAR, VARCHAR) END)"
    )


def safe_key(expr: str) -> str:
    """The store's partition-name sanitiser (see :mod:`finml.store.costs`) in SQL."""
    return f"COALESCE(NULLIF(regexp_replace(COALESCE({expr}, ''), '[^A-Za-z0-9._@-]+', '_', 'g'), ''), '_')"


def period_key(ts_expr: str) -> str:
    """The ``YYYY-MM`` store partition of a billing period start. Twelve hours are added so that
    a period that starts at local midnight east or west of UTC (Alibaba: 16:00Z the day before)
    files under its own month."""
    return f"strftime(({ts_expr}) + INTERVAL 12 HOUR, '%Y-%m')"


def plus_hours(ts_expr: str, hours: int) -> str:
    """``ts + hours`` for a TIMESTAMPTZ, by epoch arithmetic (UTC has no DST; no calendar per row)."""
    return f"make_timestamptz(epoch_us({ts_expr}) + {hours * 3_600_000_000})"
