"""Collectors: one function per API, each adding the raw response pages to the collection.

Only read operations are called (Describe*/Get*). A failure of one operation in one region is
recorded as a :class:`~finml.model.CollectionIssue` and collection goes on; a rejected AccessKey
(:class:`~finml.errors.CredentialsError`) stops the provider.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from finml.errors import PermissionDenied, ProviderError, RegionUnavailable, Throttled
from finml.model import CollectionIssue
from finml.provider import CollectContext
from finml.raw import GLOBAL
from providers.alibaba.api import CMS, ECS, PROVIDER, STS, VPC, AlibabaApi, Product
from providers.alibaba.settings import AlibabaSettings
from providers.alibaba.shapes import items

log = logging.getLogger(__name__)

NAMESPACE = "acs_ecs_dashboard"
METRICS = (
    "CPUUtilization",
    "memory_usedutilization",
    "InternetInRate",
    "InternetOutRate",
    "IntranetInRate",
    "IntranetOutRate",
)
"""CloudMonitor ECS metrics read for running instances (memory needs the CloudMonitor agent)."""
METRIC_BATCH = 50
"""Instances per DescribeMetricList call (Dimensions is a JSON list of {"instanceId": ...})."""


class Collector:
    """Collects one account: regions in parallel, each region's operations in sequence."""

    def __init__(self, api: AlibabaApi, settings: AlibabaSettings, ctx: CollectContext) -> None:
        self.api = api
        self.settings = settings
        self.ctx = ctx
        self.account = api.account

    # ---- bookkeeping -------------------------------------------------------------------------

    def _add(self, region: str, product: Product, action: str, params: dict[str, Any], response: Any) -> None:
        self.ctx.pages.add(PROVIDER, self.account, region, product.ram, action, response, params)

    def _issue(self, exc: ProviderError, region: str | None) -> None:
        cause = (
            "access-denied" if isinstance(exc, PermissionDenied)
            else "throttled" if isinstance(exc, Throttled)
            else "region-disabled" if isinstance(exc, RegionUnavailable)
            else "error"
        )
        log.warning("alibaba: %s", exc.message)
        self.ctx.issue(CollectionIssue(
            provider=PROVIDER, account=self.account, region=exc.region or region,
            service=exc.service, operation=exc.operation, cause=cause, message=exc.message,
            permission=exc.permission, hint=exc.hint,
        ))

    def _pages(
        self, product: Product, action: str, region: str, params: dict[str, Any] | None = None,
        *, style: str = "page", page_size: int | None = None, api_region: str | None = "",
    ) -> list[dict[str, Any]]:
        """Fetch and record every page; returns the responses."""
        out = []
        call_region = region if api_region == "" else api_region
        for sent, response in self.api.paginate(
            product, action, call_region, params, style=style,
            page_size=page_size or self.settings.page_size,
        ):
            self._add(region, product, action, sent, response)
            out.append(response)
        return out

    # ---- the plan ----------------------------------------------------------------------------

    def regions(self) -> list[str]:
        if self.settings.regions:
            return list(self.settings.regions)
        responses = self._pages(ECS, "DescribeRegions", GLOBAL, {}, style="once", api_region=None)
        found = [r["RegionId"] for resp in responses for r in items(resp, "Regions", "Region")]
        return sorted(set(found))

    def run(self) -> None:
        try:
            regions = self.regions()
        except ProviderError as exc:
            self._issue(exc, GLOBAL)
            return
        total = len(regions)
        done = 0
        self.ctx.progress("alibaba regions", 0, total)
        used_types: set[str] = set()
        workers = max(1, min(self.settings.max_workers, total or 1))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="finml-alibaba") as pool:
            for types in pool.map(self.region, regions):
                used_types.update(types)
                done += 1
                self.ctx.progress("alibaba regions", done, total)
        self.instance_types(sorted(used_types), regions[0] if regions else "cn-hangzhou")

    def region(self, region: str) -> set[str]:
        """Everything in one region; returns the instance type names in use there."""
        steps: list[tuple[str, Callable[[str], Any]]] = [
            ("DescribeInstances", self.instances),
            ("DescribeDisks", self.disks),
            ("DescribeSnapshots", self.snapshots),
            ("DescribeImages", self.images),
            ("DescribeEipAddresses", self.eips),
        ]
        instances: list[dict[str, Any]] = []
        disks: list[dict[str, Any]] = []
        succeeded: set[str] = set()
        for name, step in steps:
            try:
                result = step(region)
            except RegionUnavailable as exc:
                self._issue(exc, region)
                return {i.get("InstanceType", "") for i in instances} - {""}
            except ProviderError as exc:
                self._issue(exc, region)
                continue
            succeeded.add(name)
            if name == "DescribeInstances":
                instances = result
            elif name == "DescribeDisks":
                disks = result
        if {"DescribeInstances", "DescribeDisks"} <= succeeded:
            self._check_hidden_instances(region, instances, disks)
        running = [i["InstanceId"] for i in instances if i.get("Status") == "Running" and i.get("InstanceId")]
        if self.settings.collect_metrics and running:
            self.metrics(region, running)
        return {i.get("InstanceType", "") for i in instances} - {""}

    # ---- collectors --------------------------------------------------------------------------

    def instances(self, region: str) -> list[dict[str, Any]]:
        pages = self._pages(ECS, "DescribeInstances", region, {}, style="token")
        return [i for p in pages for i in items(p, "Instances", "Instance")]

    def disks(self, region: str) -> list[dict[str, Any]]:
        pages = self._pages(ECS, "DescribeDisks", region, {}, style="page")
        return [d for p in pages for d in items(p, "Disks", "Disk")]

    def _check_hidden_instances(self, region: str, instances: list[dict[str, Any]], disks: list[dict[str, Any]]) -> None:
        """DescribeInstances answers a RAM user who lacks the permission with an *empty list*, not
        an error; disks attached to instances that were not listed reveal it."""
        listed = {i.get("InstanceId") for i in instances}
        unseen = sorted({d["InstanceId"] for d in disks if d.get("InstanceId")} - listed)
        if not unseen:
            return
        permission = f"{ECS.ram}:DescribeInstances"
        message = (f"DescribeInstances in {region} did not list {len(unseen)} instance(s) that disks are "
                   f"attached to (e.g. {unseen[0]}); Alibaba returns an empty list when the RAM user "
                   f"lacks {permission}")
        log.warning("alibaba: %s", message)
        self.ctx.issue(CollectionIssue(
            provider=PROVIDER, account=self.account, region=region, service=ECS.ram,
            operation="DescribeInstances", cause="access-denied", message=message, permission=permission,
            hint=f"grant the RAM action {permission} (see the read-only policy in docs/alibaba.md)",
        ))

    def snapshots(self, region: str) -> None:
        self._pages(ECS, "DescribeSnapshots", region, {}, style="page")

    def images(self, region: str) -> None:
        self._pages(ECS, "DescribeImages", region, {"ImageOwnerAlias": "self", "Status": "Creating,Available,UnAvailable,Deprecated"}, style="page")

    def eips(self, region: str) -> None:
        self._pages(VPC, "DescribeEipAddresses", region, {}, style="page", page_size=min(self.settings.page_size, 100))

    def instance_types(self, names: list[str], region: str) -> None:
        """DescribeInstanceTypes for the types in use, 10 names per call (InstanceTypes.N)."""
        for start in range(0, len(names), 10):
            batch = names[start:start + 10]
            params = {f"InstanceTypes.{n + 1}": t for n, t in enumerate(batch)}
            try:
                self._pages(ECS, "DescribeInstanceTypes", GLOBAL, params, style="token", api_region=region)
            except ProviderError as exc:
                self._issue(exc, GLOBAL)
                return

    def metrics(self, region: str, instance_ids: Iterable[str]) -> None:
        """CloudMonitor DescribeMetricList over the lookback, hourly, NextToken-paged."""
        ids = list(instance_ids)
        days = self.settings.lookback_days or self.ctx.lookback_days
        end = self.ctx.now.replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(days=days)
        for metric in METRICS:
            for i in range(0, len(ids), METRIC_BATCH):
                dims = [{"instanceId": x} for x in ids[i:i + METRIC_BATCH]]
                params = {
                    "Namespace": NAMESPACE, "MetricName": metric,
                    "Period": str(self.settings.metric_period_s),
                    "StartTime": str(_ms(start)), "EndTime": str(_ms(end)),
                    "Dimensions": json.dumps(dims, separators=(",", ":")),
                }
                try:
                    self._pages(CMS, "DescribeMetricList", region, params, style="cms", page_size=1000)
                except (RegionUnavailable, PermissionDenied) as exc:
                    self._issue(exc, region)
                    return
                except ProviderError as exc:
                    self._issue(exc, region)


def account_label(api: AlibabaApi, configured: str | None) -> str:
    """The configured label, else the AccessKey owner's account id from STS, else 'default'.

    STS GetCallerIdentity needs no RAM permission. A rejected key raises CredentialsError here,
    before any region is touched.
    """
    if configured:
        return configured
    try:
        body = api.call(STS, "GetCallerIdentity", None)
    except ProviderError as exc:
        log.info("alibaba: account id unknown (%s); using 'default'", exc.message)
        return "default"
    return str(body.get("AccountId") or "default")


def _ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)
