"""Pull the GCP billing export live from BigQuery, incrementally by ``export_time``.

``bigquery://project.dataset.table``: finml asks which invoice months received rows exported after
the last successful pull (its watermark, kept in ``DATA_DIR/billing-state/``), then reads those
whole months (a month is a store partition and is replaced whole) with ``query_and_wait`` and
saves them as JSON lines for :mod:`finml.billing.gcp_export`. The first pull reads everything.
Read-only: two SELECT queries per pull (needs ``bigquery.jobs.create`` and read access to the
dataset).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from finml.errors import CredentialsError, PermissionDenied, ProviderError, UsageError, require

log = logging.getLogger(__name__)

_TABLE = re.compile(r"^[A-Za-z0-9_.:-]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_$]+$")


def parse_uri(uri: str) -> str:
    table = uri[len("bigquery://"):].strip("/")
    if not _TABLE.match(table):
        raise UsageError(f"{uri!r} does not name a BigQuery table",
                         hint="use bigquery://PROJECT.DATASET.gcp_billing_export_v1_XXXXXX")
    return table


def make_client(table: str) -> Any:
    require("google.cloud.bigquery", "gcp", "BigQuery billing pulls")
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud import bigquery

    try:
        return bigquery.Client(project=table.split(".")[0])
    except DefaultCredentialsError as exc:
        raise CredentialsError("no Google Cloud credentials",
                               hint="run 'gcloud auth application-default login' or set "
                                    "GOOGLE_APPLICATION_CREDENTIALS") from exc


def _state_path(data_dir: Path, table: str) -> Path:
    return data_dir / "billing-state" / f"bigquery-{re.sub(r'[^A-Za-z0-9_.-]', '_', table)}.json"


def watermark(data_dir: Path, table: str) -> str | None:
    path = _state_path(data_dir, table)
    if not path.exists():
        return None
    value: str | None = json.loads(path.read_text()).get("export_time")
    return value


def save_watermark(data_dir: Path, table: str, export_time: str) -> None:
    path = _state_path(data_dir, table)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"export_time": export_time}))
    tmp.replace(path)


def _query(client: Any, sql: str, params: list[Any]) -> Any:
    from google.api_core import exceptions as gexc
    from google.cloud import bigquery

    try:
        return client.query_and_wait(sql, job_config=bigquery.QueryJobConfig(query_parameters=params))
    except gexc.Forbidden as exc:
        raise PermissionDenied(f"BigQuery refused the query: {exc.message}", provider="gcp", service="bigquery",
                               operation="jobs.query", permission="bigquery.jobs.create",
                               hint="grant roles/bigquery.jobUser and roles/bigquery.dataViewer on the "
                                    "billing export dataset") from exc
    except gexc.GoogleAPICallError as exc:
        raise ProviderError(f"BigQuery query failed: {exc.message}", provider="gcp", service="bigquery",
                            operation="jobs.query") from exc


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def pull(client: Any, table: str, path: Path, since: str | None) -> tuple[int, str | None]:
    """Write the rows of every invoice month touched since ``since`` to ``path`` (JSON lines).
    Returns (rows, newest export_time seen)."""
    from google.cloud import bigquery

    where = "WHERE export_time > @since" if since else ""
    params = [bigquery.ScalarQueryParameter("since", "TIMESTAMP", since)] if since else []
    changed = list(_query(client, f"SELECT invoice.month AS month, MAX(export_time) AS newest FROM `{table}` "
                                  f"{where} GROUP BY month ORDER BY month", params))
    if not changed:
        return 0, since
    months = [r["month"] for r in changed]
    newest = max(r["newest"] for r in changed)
    rows = _query(client, f"SELECT * FROM `{table}` WHERE invoice.month IN UNNEST(@months)",
                  [bigquery.ArrayQueryParameter("months", "STRING", months)])
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(_plain(dict(row.items()))) + "\n")
            n += 1
    log.info("bigquery %s: %d rows for invoice months %s", table, n, ", ".join(months))
    return n, newest.isoformat() if isinstance(newest, datetime) else str(newest)
