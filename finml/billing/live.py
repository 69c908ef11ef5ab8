"""Inputs that are not files: live pulls (``alibaba://YYYY-MM``) and the bundled demo bill.

Each pull is saved into the ingest's work folder in the source's own shape and then ingested
exactly like a file of that format, so reconciliation and the store rules are the same.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from finml.billing.ingest import IngestReport, ingest_files
from finml.billing.sources import SourceFile, resolve
from finml.errors import InputError
from finml.store import default_data_dir

SCHEMES = ("alibaba://", "bigquery://")


def is_live(item: str) -> bool:
    return item.startswith(SCHEMES)


def ingest_live(inputs: Sequence[str], *, data_dir: Path | None = None, fmt: str | None = None,
                provider: str | None = None, clients: dict[str, Any] | None = None) -> IngestReport:
    """Ingest a mix of files and live URIs in one all-or-nothing run."""
    clients = clients or {}
    store_dir = data_dir or default_data_dir()
    marks: list[tuple[str, str | None]] = []
    with tempfile.TemporaryDirectory(prefix="finml-ingest-") as tmp:
        work = Path(tmp)
        files: list[SourceFile] = []
        plain = [i for i in inputs if not is_live(i)]
        if plain:
            files.extend(resolve(plain, work, s3_client=clients.get("s3")))
        for i, item in enumerate(x for x in inputs if is_live(x)):
            if item.startswith("alibaba://"):
                from finml.billing.alibaba_api import instance_bill_items, make_client, save_jsonl

                cycle = item[len("alibaba://"):].strip("/")
                client = clients.get("alibaba") or make_client()
                path = work / f"alibaba-{cycle}-{i}.jsonl"
                if save_jsonl(instance_bill_items(client, cycle), path) == 0:
                    raise InputError(f"{item}: DescribeInstanceBill returned no items for {cycle}",
                                     hint="check the billing cycle and that the account has bills")
                files.append(SourceFile(path, f"{item} (DescribeInstanceBill)", "json"))
            elif item.startswith("bigquery://"):
                from finml.billing import gcp_bigquery

                table = gcp_bigquery.parse_uri(item)
                client = clients.get("bigquery") or gcp_bigquery.make_client(table)
                path = work / f"bigquery-{i}.jsonl"
                n, newest = gcp_bigquery.pull(client, table, path, gcp_bigquery.watermark(store_dir, table))
                if n:
                    files.append(SourceFile(path, f"{item} (BigQuery)", "json"))
                    marks.append((table, newest))
        if not files:
            return IngestReport(files=[], partitions=[])
        report = ingest_files(files, data_dir=store_dir, fmt=fmt, provider=provider, workdir=work)
        for table, newest in marks:
            if newest:
                from finml.billing.gcp_bigquery import save_watermark

                save_watermark(store_dir, table, newest)
        return report


def ingest_demo(data_dir: Path | None = None) -> IngestReport:
    """Load :func:`finml.billing.demo.demo_costs` at the demo clock into the store."""
    import pyarrow.parquet as pq

    from finml.audit import DEMO_NOW
    from finml.billing.demo import demo_costs

    with tempfile.TemporaryDirectory(prefix="finml-demo-") as tmp:
        path = Path(tmp) / "finml-demo.parquet"
        pq.write_table(demo_costs(DEMO_NOW), path)
        return ingest_files([SourceFile(path, "finml-demo", "parquet")], data_dir=data_dir, fmt="focus",
                            workdir=Path(tmp))
