"""A recorded Alibaba Cloud RPC endpoint behind the real AcsClient's HTTP session.

The real ``aliyunsdkcore.client.AcsClient`` signs and sends its request through its vendored
``requests`` session; :class:`AliyunServer` is a transport adapter mounted on that session, so
everything above the socket (signing, CommonRequest, JSON parsing, ServerException) is the SDK's
own code. Responses follow the API reference shapes (RPC list wrappers, ``RequestId``, error
bodies ``{"RequestId", "HostId", "Code", "Message", "Recommend"}``) and honour the paging
parameters actually sent (PageNumber/PageSize, MaxResults/NextToken, CloudMonitor Length).
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.vendored.requests.adapters import BaseAdapter
from aliyunsdkcore.vendored.requests.models import Response
from aliyunsdkcore.vendored.requests.structures import CaseInsensitiveDict

TEST_KEY_ID = "LTAI5tFinmlTestKeyId00"
TEST_SECRET = "finml-test-secret-do-not-log"  # noqa: S105 - a fake credential

_WRAP = {
    "DescribeRegions": ("Regions", "Region"),
    "DescribeInstances": ("Instances", "Instance"),
    "DescribeDisks": ("Disks", "Disk"),
    "DescribeSnapshots": ("Snapshots", "Snapshot"),
    "DescribeImages": ("Images", "Image"),
    "DescribeEipAddresses": ("EipAddresses", "EipAddress"),
    "DescribeInstanceTypes": ("InstanceTypes", "InstanceType"),
}
_TOKEN_STYLE = {"DescribeInstances", "DescribeInstanceTypes"}


class AliyunServer(BaseAdapter):
    """Serves ``data[(region, action)]`` lists; ``fail(...)`` queues error answers first."""

    def __init__(self, data: dict[tuple[str, str], list[dict[str, Any]]], *, account_id: str = "1234567890123456",
                 metrics: dict[tuple[str, str], list[dict[str, Any]]] | None = None, cms_page: int = 24) -> None:
        super().__init__()
        self.data = data
        self.metrics = metrics or {}
        self.account_id = account_id
        self.cms_page = cms_page
        self.prices: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, str]] = []
        self.hosts: list[str] = []
        self._errors: dict[tuple[str, str | None], list[tuple[int, str, str]]] = defaultdict(list)
        self._after: dict[tuple[str, str | None], int] = defaultdict(int)
        self._n = 0

    # ---- test controls -----------------------------------------------------------------------

    def fail(self, action: str, code: str, message: str, status: int = 400, *, region: str | None = None,
             times: int = 1, after: int = 0) -> None:
        """Answer the next ``times`` calls of ``action`` (in ``region``) with an error, once
        ``after`` calls have succeeded."""
        self._errors[(action, region)].extend([(status, code, message)] * times)
        self._after[(action, region)] = after

    def actions(self) -> list[str]:
        return [r["Action"] for r in self.requests]

    def factory(self) -> Callable[[str], AcsClient]:
        def make(region: str) -> AcsClient:
            client = AcsClient(TEST_KEY_ID, TEST_SECRET, region, auto_retry=False)
            self.mount_on(client)
            return client
        return make

    def mount_on(self, client: AcsClient) -> AcsClient:
        client.session.mount("https://", self)
        client.session.mount("http://", self)
        return client

    # ---- transport ---------------------------------------------------------------------------

    def send(self, request: Any, **kwargs: Any) -> Response:
        url = urlsplit(request.url)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if request.body:
            body = request.body.decode() if isinstance(request.body, bytes) else request.body
            params.update(dict(parse_qsl(body, keep_blank_values=True)))
        self.requests.append(params)
        self.hosts.append(url.hostname or "")
        action = params.get("Action", "")
        region = params.get("RegionId")
        for key in ((action, region), (action, None)):
            if self._errors.get(key) and self._after[key] > 0:
                self._after[key] -= 1
                break
            if self._errors.get(key):
                status, code, message = self._errors[key].pop(0)
                return self._respond(request, status, {
                    "RequestId": self._rid(), "HostId": url.hostname, "Code": code, "Message": message,
                    "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=Ecs",
                })
        return self._respond(request, 200, self._answer(action, region, params))

    def close(self) -> None:
        return None

    def _rid(self) -> str:
        self._n += 1
        return f"6A5F022D-AC7C-460E-94AE-{self._n:012d}"

    def _respond(self, request: Any, status: int, body: dict[str, Any]) -> Response:
        resp = Response()
        resp.status_code = status
        resp._content = json.dumps(body).encode()
        resp.headers = CaseInsensitiveDict({"Content-Type": "application/json;charset=utf-8"})
        resp.url = request.url
        resp.request = request
        resp.encoding = "utf-8"
        return resp

    def _answer(self, action: str, region: str | None, params: dict[str, str]) -> dict[str, Any]:
        if action == "GetCallerIdentity":
            return {"RequestId": self._rid(), "AccountId": self.account_id,
                    "Arn": f"acs:ram::{self.account_id}:user/finml-audit", "IdentityType": "RAMUser",
                    "PrincipalId": "276223928478512345", "UserId": "276223928478512345"}
        if action == "DescribeMetricList":
            return self._metrics(params)
        if action == "DescribePrice":
            return {"RequestId": self._rid(), **copy.deepcopy(self.prices[params["ResourceType"]])}
        if action not in _WRAP:
            return {"RequestId": self._rid(), "Code": "InvalidAction.NotFound"}
        outer, inner = _WRAP[action]
        rows = copy.deepcopy(self.data.get((region or "*", action), self.data.get(("*", action), [])))
        if action == "DescribeInstanceTypes":
            wanted = {v for k, v in params.items() if k.startswith("InstanceTypes.")}
            rows = [r for r in rows if not wanted or r["InstanceTypeId"] in wanted]
        if action == "DescribeRegions":
            return {"RequestId": self._rid(), outer: {inner: rows}}
        if "MaxResults" in params or action in _TOKEN_STYLE and "PageNumber" not in params:
            size = int(params.get("MaxResults", 10))
            start = int(params.get("NextToken") or 0)
            chunk = rows[start:start + size]
            nxt = str(start + size) if start + size < len(rows) else ""
            return {"RequestId": self._rid(), "NextToken": nxt, outer: {inner: chunk}}
        size = int(params.get("PageSize", 10))
        number = int(params.get("PageNumber", 1))
        chunk = rows[(number - 1) * size:number * size]
        return {"RequestId": self._rid(), "TotalCount": len(rows), "PageNumber": number, "PageSize": size,
                outer: {inner: chunk}}

    def _metrics(self, params: dict[str, str]) -> dict[str, Any]:
        ids = [d["instanceId"] for d in json.loads(params.get("Dimensions") or "[]")]
        name = params["MetricName"]
        points = [p for i in ids for p in self.metrics.get((i, name), [])]
        size = min(int(params.get("Length", 1000)), self.cms_page)
        start = int(params.get("NextToken") or 0)
        chunk = points[start:start + size]
        body: dict[str, Any] = {
            "RequestId": self._rid(), "Code": "200", "Success": True, "Period": params.get("Period", "60"),
            "Datapoints": json.dumps(chunk),  # a JSON string, as the real API returns it
        }
        if start + size < len(points):
            body["NextToken"] = f"{start + size}"
        return body
