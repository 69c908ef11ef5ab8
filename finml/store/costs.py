"""The cost store: normalised FOCUS rows as Parquet partitions, queried with DuckDB.

Layout (one file per partition; a partition is everything one billing account was billed for one
billing period by one provider)::

    DATA_DIR/costs/provider=<p>/period=<YYYY-MM>/account=<billing account id>.parquet

Writing a partition replaces it whole (write to a temporary file, fsync, atomic rename), so
re-ingesting a file or a restated billing period never double-counts, and an interrupted ingest
leaves the previous state intact. Columns are :data:`finml.focus.SCHEMA`. Readers query
``read_parquet(<glob>, hive_partitioning = true, union_by_name = true)``; writers hold
:func:`finml.store.store_lock`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from finml.focus import COLUMNS, SCHEMA

_SAFE = re.compile(r"[^A-Za-z0-9._@-]+")


@dataclass(frozen=True, slots=True)
class Partition:
    provider: str
    period: str  # YYYY-MM
    account: str
    path: Path


def _safe(value: str) -> str:
    return _SAFE.sub("_", value) or "_"


class CostStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "costs"

    def partition_path(self, provider: str, period: str, account: str) -> Path:
        return self.root / f"provider={_safe(provider)}" / f"period={period}" / f"account={_safe(account)}.parquet"

    def write_partition(self, table: pa.Table, provider: str, period: str, account: str) -> Path:
        """Replace one partition atomically with ``table`` (cast to the FOCUS schema)."""
        path = self.partition_path(provider, period, account)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        pq.write_table(table.select(list(COLUMNS)).cast(SCHEMA), tmp, compression="zstd")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return path

    def commit(self, staged: Mapping[tuple[str, str, str], Path]) -> list[Path]:
        """Move already-written partition files (``(provider, period, account) -> path``, on the
        store's filesystem, FOCUS columns) into place, each by fsync + atomic rename. The caller
        holds the store lock and has validated every file first, so a failure before this point
        changes nothing and each partition is always either its old or its new version."""
        moved = []
        for (provider, period, account), src in sorted(staged.items()):
            path = self.partition_path(provider, period, account)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(src, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(src, path)
            moved.append(path)
        return moved

    def partitions(self) -> Iterator[Partition]:
        for f in sorted(self.root.glob("provider=*/period=*/account=*.parquet")):
            yield Partition(
                provider=f.parts[-3].split("=", 1)[1],
                period=f.parts[-2].split("=", 1)[1],
                account=f.stem.split("=", 1)[1],
                path=f,
            )

    def is_empty(self) -> bool:
        return next(self.partitions(), None) is None

    def glob(self) -> str:
        return str(self.root / "provider=*" / "period=*" / "account=*.parquet")

    def scan_sql(self) -> str:
        """A DuckDB table expression over every stored row (FOCUS columns only)."""
        cols = ", ".join(f'"{c}"' for c in COLUMNS)
        path = self.glob().replace("'", "''")
        return f"(SELECT {cols} FROM read_parquet('{path}', union_by_name = true))"

    def rows(self, since: datetime, until: datetime, columns: tuple[str, ...] = COLUMNS) -> pa.Table:
        """:class:`finml.focus.CostsView`: rows with ChargePeriodStart in [since, until)."""
        import duckdb

        if self.is_empty():
            return SCHEMA.empty_table().select(list(columns))
        cols = ", ".join(f'"{c}"' for c in columns)
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            rel = con.sql(
                f"SELECT {cols} FROM {self.scan_sql()} WHERE ChargePeriodStart >= $since AND ChargePeriodStart < $until",
                params={"since": since, "until": until},
            )
            return rel.to_arrow_table().cast(pa.schema([SCHEMA.field(c) for c in columns]))
        finally:
            con.close()
