"""Pull Alibaba Cloud bills live: BSS OpenAPI ``DescribeInstanceBill`` (daily granularity).

Read-only. Each day of the billing cycle is paged with ``NextToken`` (``MaxResults`` 300); the
items keep their API field names and are saved as JSON lines (numbers kept as exact decimal text)
for :mod:`finml.billing.alibaba_bill` to normalise like an OSS bill file.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from finml.errors import CredentialsError, PermissionDenied, ProviderError, UsageError, require

log = logging.getLogger(__name__)

API_VERSION = "2017-12-14"
DEFAULT_ENDPOINT = "business.ap-southeast-1.aliyuncs.com"
PAGE_SIZE = 300
BEIJING = timezone(timedelta(hours=8))


def make_client() -> Any:
    require("aliyunsdkcore", "alibaba", "Alibaba bill pulls")
    from aliyunsdkcore.client import AcsClient

    key = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
    secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if not key or not secret:
        raise CredentialsError("no Alibaba Cloud credentials",
                               hint="set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET "
                                    "(a RAM user with bss:DescribeInstanceBill)")
    return AcsClient(key, secret, os.environ.get("ALIBABA_CLOUD_REGION_ID", "ap-southeast-1"))


def billing_days(cycle: str, today: date) -> list[date]:
    """Days of ``cycle`` (YYYY-MM) up to yesterday in Beijing time."""
    try:
        first = datetime.strptime(cycle, "%Y-%m").date()
    except ValueError as exc:
        raise UsageError(f"{cycle!r} is not a billing cycle", hint="use YYYY-MM, e.g. alibaba://2026-10") from exc
    nxt = (first + timedelta(days=32)).replace(day=1)
    last = min(nxt - timedelta(days=1), today - timedelta(days=1))
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _call(client: Any, params: dict[str, str], endpoint: str) -> dict[str, Any]:
    from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
    from aliyunsdkcore.request import CommonRequest

    req = CommonRequest()
    req.set_domain(endpoint)
    req.set_version(API_VERSION)
    req.set_action_name("DescribeInstanceBill")
    req.set_method("POST")
    req.set_accept_format("json")
    req.set_protocol_type("https")
    for k, v in params.items():
        req.add_query_param(k, v)
    try:
        body = client.do_action_with_exception(req)
    except ServerException as exc:
        code = exc.get_error_code() or ""
        if code.startswith(("Forbidden", "NotAuthorized")) or "NoPermission" in code:
            raise PermissionDenied(f"DescribeInstanceBill refused: {exc.get_error_msg()}", provider="alibaba",
                                   service="bssopenapi", operation="DescribeInstanceBill",
                                   permission="bss:DescribeInstanceBill",
                                   hint="grant the RAM user AliyunBSSReadOnlyAccess") from exc
        if code.startswith("InvalidAccessKeyId") or code.startswith("SignatureDoesNotMatch"):
            raise CredentialsError(f"Alibaba Cloud rejected the credentials ({code})",
                                   hint="check ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET") from exc
        raise ProviderError(f"DescribeInstanceBill failed: {code} {exc.get_error_msg()}", provider="alibaba",
                            service="bssopenapi", operation="DescribeInstanceBill") from exc
    except ClientException as exc:
        raise ProviderError(f"cannot call DescribeInstanceBill: {exc.get_error_msg()}", provider="alibaba",
                            service="bssopenapi", operation="DescribeInstanceBill",
                            hint="check network access to the BSS endpoint") from exc
    data: dict[str, Any] = json.loads(body, parse_float=Decimal)
    if data.get("Success") is False:
        raise ProviderError(f"DescribeInstanceBill failed: {data.get('Code')} {data.get('Message')}",
                            provider="alibaba", service="bssopenapi", operation="DescribeInstanceBill")
    return data


def instance_bill_items(client: Any, cycle: str, *, today: date | None = None,
                        endpoint: str | None = None) -> Iterator[dict[str, Any]]:
    """Every DescribeInstanceBill item of ``cycle``, one day at a time, all pages."""
    endpoint = endpoint or os.environ.get("FINML_ALIBABA_BSS_ENDPOINT", DEFAULT_ENDPOINT)
    today = today or datetime.now(BEIJING).date()
    for day in billing_days(cycle, today):
        token: str | None = None
        while True:
            params = {"BillingCycle": cycle, "Granularity": "DAILY", "BillingDate": day.isoformat(),
                      "MaxResults": str(PAGE_SIZE)}
            if token:
                params["NextToken"] = token
            data = _call(client, params, endpoint).get("Data") or {}
            items = data.get("Items") or []
            if isinstance(items, dict):  # XML-shaped JSON: {"Item": [...]}
                items = items.get("Item") or []
            for item in items:
                item.setdefault("BillingCycle", data.get("BillingCycle") or cycle)
                item.setdefault("BillingDate", day.isoformat())
                item.setdefault("AccountID", data.get("AccountID"))
                item.setdefault("AccountName", data.get("AccountName"))
                yield item
            token = data.get("NextToken") or None
            if not token:
                break


def save_jsonl(items: Iterator[dict[str, Any]], path: Path) -> int:
    """Write items as JSON lines, decimals as exact strings. Returns the count."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps({k: (str(v) if isinstance(v, Decimal) else v) for k, v in item.items()}) + "\n")
            n += 1
    return n
