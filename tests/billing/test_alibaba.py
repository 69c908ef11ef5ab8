"""Alibaba bills: OSS CSV in Beijing time, subscription amortisation, and DescribeInstanceBill through
the real AcsClient with its HTTP layer fed recorded JSON."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import duckdb
import pytest

from finml.billing.ingest import ingest
from finml.store.costs import CostStore

HEADER = ["BillingCycle", "AccountID", "AccountName", "OwnerID", "SubscriptionType", "ProductCode", "ProductName",
          "Item", "InstanceID", "Region", "Zone", "InstanceSpec", "UsageStartTime", "UsageEndTime", "ServicePeriod",
          "ServicePeriodUnit", "PretaxGrossAmount", "PretaxAmount", "Currency", "Tag", "RecordID"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def _rows(data_dir: Path, where: str = "TRUE") -> list[tuple]:
    return duckdb.sql(f"SELECT ChargeCategory, strftime(ChargePeriodStart, '%Y-%m-%dT%H:%M'), BilledCost, "
                      f"EffectiveCost, Tags, x_InstanceType FROM {CostStore(data_dir).scan_sql()} WHERE {where} "
                      "ORDER BY x_SourceRow, ChargePeriodStart").fetchall()


def test_oss_csv_beijing_time_and_subscription_amortisation(tmp_path: Path, data_dir: Path) -> None:
    f = _write(tmp_path / "bill.csv", [
        ["2026-10", "5123", "intl", "5123", "PayAsYouGo", "ecs", "ECS", "PayAsYouGoBill", "i-1", "cn-hangzhou",
         "cn-hangzhou-h", "ecs.g7.large", "2026-10-01 00:00:00", "2026-10-01 01:00:00", "", "", "1.50", "1.20",
         "CNY", "team:ml;env:prod", "r-1"],
        ["2026-10", "5123", "intl", "5123", "Subscription", "ecs", "ECS", "SubscriptionOrder", "i-2", "cn-hangzhou",
         "cn-hangzhou-h", "ecs.g7.xlarge", "2026-10-10 08:00:00", "", "1", "Month", "120.00", "100.00", "CNY",
         "", "r-2"],
    ])
    report = ingest([str(f)], data_dir=data_dir)
    assert all(ln.ok for ln in report.lines)
    assert [p for _, p, _ in report.partitions] == ["2026-10"]  # 2026-10-01 00:00 Beijing = 09-30 16:00Z
    payg = _rows(data_dir, "ChargeDescription IS NULL OR ChargeDescription NOT LIKE 'Amortised%'")
    assert payg[0][1] == "2026-09-30T16:00"  # Beijing midnight -> UTC
    assert payg[0][4] == {"team": "ml", "env": "prod"} and payg[0][5] == "ecs.g7.large"
    assert payg[1][:4] == ("Purchase", "2026-10-10T00:00", Decimal("100.00"), Decimal("0"))
    daily = _rows(data_dir, "ChargeDescription LIKE 'Amortised%'")
    assert len(daily) == 31  # 10 Oct 08:00 +08 .. 10 Nov, one row per day
    assert daily[0][1] == "2026-10-10T00:00" and daily[-1][1] == "2026-11-09T00:00"
    assert sum(r[3] for r in daily) == Decimal("100.00")  # exact to the last digit
    assert {r[3] for r in daily} == {Decimal("3.2258064516"), Decimal("3.2258064517")}
    assert all(r[2] == 0 for r in daily)


class _Resp:
    def __init__(self, body: dict[str, Any]) -> None:
        self.status_code = 200
        self.headers = {"Content-Type": "application/json"}
        self.content = json.dumps(body).encode()


def _page(day: str, items: list[dict[str, Any]], token: str | None) -> dict[str, Any]:
    return {"Code": "Success", "Message": "Successful!", "RequestId": "REQ", "Success": True,
            "Data": {"BillingCycle": "2026-10", "AccountID": "5123", "AccountName": "intl", "MaxResults": 300,
                     "NextToken": token, "TotalCount": len(items), "Items": items}}


def _item(day: str, inst: str, amount: float) -> dict[str, Any]:
    return {"BillingDate": day, "InstanceID": inst, "ProductCode": "ecs", "ProductName": "Elastic Compute Service",
            "SubscriptionType": "PayAsYouGo", "Item": "PayAsYouGoBill", "Region": "cn-shanghai", "Zone": "cn-shanghai-l",
            "InstanceSpec": "ecs.c7.large", "PretaxGrossAmount": amount, "PretaxAmount": amount, "Currency": "USD",
            "Tag": "team:web", "OwnerID": "5123", "BillAccountID": "5123", "ServicePeriod": "86400",
            "ServicePeriodUnit": "Second"}


def test_describe_instance_bill_with_real_acsclient(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aliyunsdkcore.client import AcsClient

    from finml.billing import alibaba_api
    from finml.billing.live import ingest_live

    calls: list[dict[str, str]] = []

    def send(self: Any, prepared: Any, **kwargs: Any) -> _Resp:
        params = dict(parse_qsl(urlsplit(prepared.url).query))
        if prepared.body:
            params.update(parse_qsl(prepared.body if isinstance(prepared.body, str) else prepared.body.decode()))
        calls.append(params)
        assert params["Action"] == "DescribeInstanceBill" and params["Granularity"] == "DAILY"
        day = params["BillingDate"]
        if day == "2026-10-01" and "NextToken" not in params:
            return _Resp(_page(day, [_item(day, "i-a", 0.1), _item(day, "i-b", 0.2)], "tok-2"))
        if day == "2026-10-01":
            assert params["NextToken"] == "tok-2"
            return _Resp(_page(day, [_item(day, "i-c", 0.3)], None))
        return _Resp(_page(day, [_item(day, "i-a", 0.1)], None))

    monkeypatch.setattr("aliyunsdkcore.vendored.requests.Session.send", send)
    real_days = alibaba_api.billing_days
    monkeypatch.setattr(alibaba_api, "billing_days", lambda cycle, today: real_days(cycle, date(2026, 10, 4)))
    client = AcsClient("ak", "secret", "ap-southeast-1")
    report = ingest_live(["alibaba://2026-10"], data_dir=data_dir, clients={"alibaba": client})
    assert len(calls) == 4  # 1 Oct (2 pages), 2 Oct, 3 Oct
    (f,) = report.files
    assert f.format == "alibaba-bill" and f.rows_in == 5
    assert report.lines[0].source_total == Decimal("0.8")
    rows = _rows(data_dir)
    assert rows[0][1] == "2026-09-30T16:00" and rows[0][4] == {"team": "web"}


def test_describe_instance_bill_permission_error(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aliyunsdkcore.client import AcsClient

    from finml.billing.live import ingest_live
    from finml.errors import PermissionDenied

    def send(self: Any, prepared: Any, **kwargs: Any) -> _Resp:
        r = _Resp({"Code": "NotAuthorized", "Message": "no permission", "RequestId": "R"})
        r.status_code = 403
        return r

    monkeypatch.setattr("aliyunsdkcore.vendored.requests.Session.send", send)
    with pytest.raises(PermissionDenied, match="DescribeInstanceBill"):
        ingest_live(["alibaba://2026-10"], data_dir=data_dir, clients={"alibaba": AcsClient("ak", "s", "ap-southeast-1")})
    assert CostStore(data_dir).is_empty()
