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

SCHEMES = ("alibaba://",)


def is_live(item: str) -> bool:
    return item.startswith(SCHEMES)


def ingest_live(inputs: Sequence[str], *, data_dir: Path | None = None, fmt: str | None = None,
                provider: str | None = None, clients: dict[str, Any] | None = None) -> IngestReport:
    """Ingest a mix of files and live URIs in one all-or-nothing run."""
    clients = clients or {}
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
        return ingest_files(files, data_dir=data_dir, fmt=fmt, provider=provider, workdir=work)


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
