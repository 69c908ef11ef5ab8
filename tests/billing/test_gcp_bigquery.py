"""Live BigQuery pull with the real google-cloud-bigquery client (AnonymousCredentials) and a
patched HTTP transport answering jobs.query in the REST shape; incremental by export_time."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from finml.store.costs import CostStore

bigquery = pytest.importorskip("google.cloud.bigquery")

TABLE = "billing-proj.billing.gcp_billing_export_v1_0123"


def _us(ts: str) -> str:
    return str(int(datetime.fromisoformat(ts).replace(tzinfo=timezone.utc).timestamp() * 1_000_000))


def _f(name: str, typ: str, mode: str = "NULLABLE", fields: list[dict] | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"name": name, "type": typ, "mode": mode}
    if fields:
        d["fields"] = fields
    return d


EXPORT_SCHEMA = {"fields": [
    _f("billing_account_id", "STRING"),
    _f("service", "RECORD", fields=[_f("id", "STRING"), _f("description", "STRING")]),
    _f("sku", "RECORD", fields=[_f("id", "STRING"), _f("description", "STRING")]),
    _f("usage_start_time", "TIMESTAMP"), _f("usage_end_time", "TIMESTAMP"),
    _f("project", "RECORD", fields=[_f("id", "STRING"), _f("name", "STRING")]),
    _f("labels", "RECORD", "REPEATED", [_f("key", "STRING"), _f("value", "STRING")]),
    _f("location", "RECORD", fields=[_f("region", "STRING")]),
    _f("export_time", "TIMESTAMP"),
    _f("cost", "FLOAT"), _f("currency", "STRING"),
    _f("credits", "RECORD", "REPEATED", [_f("name", "STRING"), _f("amount", "FLOAT"), _f("full_name", "STRING"),
                                         _f("id", "STRING"), _f("type", "STRING")]),
    _f("invoice", "RECORD", fields=[_f("month", "STRING")]),
    _f("cost_type", "STRING"),
]}


def _export_row(month: str, day: str, cost: str, credit: str | None) -> dict[str, Any]:
    credits = [] if credit is None else [{"v": {"f": [{"v": "Committed use discount"}, {"v": credit}, {"v": None},
                                                       {"v": "cud-1"}, {"v": "COMMITTED_USAGE_DISCOUNT"}]}}]
    return {"f": [
        {"v": "01AAAA-BBBBBB-CCCCCC"}, {"v": {"f": [{"v": "6F81"}, {"v": "Compute Engine"}]}},
        {"v": {"f": [{"v": "SKU1"}, {"v": "N2 Core"}]}},
        {"v": _us(f"{day}T10:00:00")}, {"v": _us(f"{day}T11:00:00")},
        {"v": {"f": [{"v": "proj-a"}, {"v": "Project A"}]}},
        {"v": [{"v": {"f": [{"v": "team"}, {"v": "ml"}]}}]},
        {"v": {"f": [{"v": "us-central1"}]}},
        {"v": _us(f"{day}T20:00:00")}, {"v": cost}, {"v": "USD"}, {"v": credits},
        {"v": {"f": [{"v": month}]}}, {"v": "regular"},
    ]}


class _Resp:
    def __init__(self, body: dict[str, Any]) -> None:
        self.status_code = 200
        self.headers = {"content-type": "application/json"}
        self._body = json.dumps(body).encode()
        self.content = self._body
        self.text = self._body.decode()
        self.request = None

    def json(self) -> Any:
        return json.loads(self._body)


class FakeBigQueryHttp:
    """Answers POST .../queries (jobs.query) from an in-memory export table."""

    def __init__(self, rows: list[tuple[str, str, str, str | None]]) -> None:
        self.rows = rows
        self.queries: list[dict[str, Any]] = []
        self.is_mtls = False

    def request(self, method: str, url: str, data: Any = None, headers: Any = None, **kw: Any) -> _Resp:
        assert method == "POST" and url.split("?")[0].endswith("/projects/billing-proj/queries"), url
        body = json.loads(data)
        self.queries.append(body)
        params = {p["name"]: p["parameterValue"] for p in body.get("queryParameters", [])}
        sql = body["query"]
        base = {"kind": "bigquery#queryResponse", "jobComplete": True,
                "jobReference": {"projectId": "billing-proj", "jobId": f"job{len(self.queries)}", "location": "US"}}
        if "GROUP BY month" in sql:
            since = params.get("since", {}).get("value")
            cutoff = datetime.fromisoformat(since.replace(" UTC", "+00:00")) if since else None
            months: dict[str, str] = {}
            for month, day, _, _ in self.rows:
                exported = datetime.fromisoformat(f"{day}T20:00:00+00:00")
                if cutoff is None or exported > cutoff:
                    months[month] = max(months.get(month, ""), day)
            out = [{"f": [{"v": m}, {"v": _us(f"{d}T20:00:00")}]} for m, d in sorted(months.items())]
            return _Resp({**base, "schema": {"fields": [_f("month", "STRING"), _f("newest", "TIMESTAMP")]},
                          "totalRows": str(len(out)), "rows": out})
        wanted = [v["value"] for v in params["months"]["arrayValues"]]
        out = [_export_row(*r) for r in self.rows if r[0] in wanted]
        return _Resp({**base, "schema": EXPORT_SCHEMA, "totalRows": str(len(out)), "rows": out})


def _client(http: FakeBigQueryHttp) -> Any:
    from google.auth.credentials import AnonymousCredentials

    return bigquery.Client(project="billing-proj", credentials=AnonymousCredentials(), _http=http)


def _stored(data_dir: Path) -> list[tuple]:
    return duckdb.sql(f"SELECT strftime(BillingPeriodStart, '%Y-%m'), ChargeCategory, BilledCost, EffectiveCost, "
                      f"Tags FROM {CostStore(data_dir).scan_sql()} ORDER BY ALL").fetchall()


def test_bigquery_pull_is_incremental_by_export_time(data_dir: Path) -> None:
    from finml.billing.live import ingest_live

    http = FakeBigQueryHttp([("202609", "2026-09-29", "4.0", None), ("202610", "2026-10-02", "10.0", "-6.5")])
    report = ingest_live([f"bigquery://{TABLE}"], data_dir=data_dir, clients={"bigquery": _client(http)})
    assert [p[1] for p in report.partitions] == ["2026-09", "2026-10"]
    rows = _stored(data_dir)
    assert sum(r[2] for r in rows) == Decimal("7.5") and sum(r[3] for r in rows) == Decimal("7.5")
    assert ("2026-10", "Usage", Decimal("10"), Decimal("3.5"), {"team": "ml"}) in rows

    # October is restated (a late row); September is not touched again.
    http.rows.append(("202610", "2026-10-03", "1.25", None))
    report = ingest_live([f"bigquery://{TABLE}"], data_dir=data_dir, clients={"bigquery": _client(http)})
    assert [p[1] for p in report.partitions] == ["2026-10"]
    assert http.queries[-2]["queryParameters"][0]["name"] == "since"
    assert sum(r[2] for r in _stored(data_dir)) == Decimal("8.75")

    # Nothing new: no rows pulled, store unchanged.
    report = ingest_live([f"bigquery://{TABLE}"], data_dir=data_dir, clients={"bigquery": _client(http)})
    assert report.files == []
    assert sum(r[2] for r in _stored(data_dir)) == Decimal("8.75")
