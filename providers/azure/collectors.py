"""Per-service Azure collectors: thin calls to the azure-mgmt-* clients, raw REST JSON to pages.

Each collector drives one read-only SDK operation and stores every response page exactly as ARM
sent it (captured with azure-core's ``raw_response_hook``, so ``nextLink``, casing and read-only
fields are kept) in ``ctx.pages``. Items outside the configured regions are dropped before a page
is stored (``params["regions"]`` says so). Failures become collection issues via
:func:`providers.azure.errors.to_issue`; the caller decides what to do next.

Page layout: ``azure/<subscription>/<region>/<service>/<operation>``; subscription-wide lists use
region ``global``, metrics and resource SKUs use the VM's region, gallery image definitions and
versions their gallery's region.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from finml.provider import CollectContext
from finml.raw import GLOBAL
from providers.azure.errors import PROVIDER, to_issue

log = logging.getLogger(__name__)

VM_METRICS = ("Percentage CPU", "Network In Total", "Network Out Total", "Available Memory Bytes")
"""Azure Monitor platform metrics of ``Microsoft.Compute/virtualMachines`` that finml reads."""


@dataclass
class SubscriptionClients:
    """The SDK clients for one subscription (built by the provider, injectable in tests)."""

    subscription: str
    compute: Any
    network: Any
    monitor: Any


def region_key(location: str) -> str:
    """ARM location names are lower case without spaces (``East US`` -> ``eastus``)."""
    return location.replace(" ", "").lower()


def _in_regions(item: Mapping[str, Any], regions: frozenset[str]) -> bool:
    return not regions or region_key(str(item.get("location", ""))) in regions


def paged(
    ctx: CollectContext,
    op: Callable[..., Any],
    *,
    subscription: str,
    region: str,
    service: str,
    operation: str,
    regions: frozenset[str] = frozenset(),
    keep: Callable[[Mapping[str, Any]], bool] | None = None,
    params: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """Run a paged list operation; store each page's raw JSON; return the kept items.

    Raises the SDK's exception (the caller turns it into an issue).
    """
    bodies: list[Any] = []

    def hook(response: Any) -> None:
        http = response.http_response
        if http.status_code == 200:
            bodies.append(http.json())

    items: list[dict[str, Any]] = []
    stored_params = dict(params or {})
    if regions:
        stored_params["regions"] = sorted(regions)
    try:
        for _page in op(raw_response_hook=hook, **kwargs).by_page():
            pass
    finally:
        # Pages fetched before a failure on a later page are kept: partial data beats none.
        for body in bodies:
            body = dict(body) if isinstance(body, dict) else {"value": []}
            value = [v for v in body.get("value") or [] if _in_regions(v, regions) and (keep is None or keep(v))]
            body["value"] = value
            items.extend(value)
            ctx.pages.add(PROVIDER, subscription, region, service, operation, body, stored_params)
    return items


def _raw_json(pipeline_response: Any, deserialized: Any, headers: Any) -> Any:
    """``cls=`` callback that returns the response body as ARM sent it."""
    return pipeline_response.http_response.json()


def _guard(ctx: CollectContext, subscription: str, region: str | None, service: str, operation: str,
           fn: Callable[[], Any]) -> Any:
    """Run ``fn``; on an Azure error record an issue and return None."""
    from azure.core.exceptions import AzureError

    try:
        return fn()
    except AzureError as exc:
        log.debug("azure %s %s failed", subscription, operation, exc_info=True)
        ctx.issue(to_issue(exc, subscription=subscription, region=region, service=service, operation=operation))
        return None


def power_state(statuses: Iterable[Mapping[str, Any]]) -> str | None:
    for s in statuses:
        code = str(s.get("code", ""))
        if code.startswith("PowerState/"):
            return code.split("/", 1)[1]
    return None


def collect_subscription(
    ctx: CollectContext,
    c: SubscriptionClients,
    *,
    regions: frozenset[str],
    lookback: timedelta,
    interval: str,
    metrics: bool,
    max_workers: int,
) -> None:
    """Everything finml reads from one subscription. Each service fails on its own."""
    sub = c.subscription
    vms: list[dict[str, Any]] = _guard(ctx, sub, None, "compute", "virtual_machines.list_all", lambda: paged(
        ctx, c.compute.virtual_machines.list_all, subscription=sub, region=GLOBAL, service="compute",
        operation="virtual_machines.list_all", regions=regions)) or []
    ctx.progress(f"azure {sub}", 1, 6)
    power = _collect_power_states(ctx, c, vms, regions, max_workers)
    ctx.progress(f"azure {sub}", 2, 6)
    _collect_skus(ctx, c, vms)
    _guard(ctx, sub, None, "compute", "disks.list", lambda: paged(
        ctx, c.compute.disks.list, subscription=sub, region=GLOBAL, service="compute",
        operation="disks.list", regions=regions))
    _guard(ctx, sub, None, "compute", "snapshots.list", lambda: paged(
        ctx, c.compute.snapshots.list, subscription=sub, region=GLOBAL, service="compute",
        operation="snapshots.list", regions=regions))
    _guard(ctx, sub, None, "compute", "images.list", lambda: paged(
        ctx, c.compute.images.list, subscription=sub, region=GLOBAL, service="compute",
        operation="images.list", regions=regions))
    _collect_galleries(ctx, c, max_workers)
    ctx.progress(f"azure {sub}", 4, 6)
    _guard(ctx, sub, None, "network", "public_ip_addresses.list_all", lambda: paged(
        ctx, c.network.public_ip_addresses.list_all, subscription=sub, region=GLOBAL, service="network",
        operation="public_ip_addresses.list_all", regions=regions))
    ctx.progress(f"azure {sub}", 5, 6)
    if metrics:
        running = [vm for vm in vms if power.get(str(vm.get("id", "")).lower()) in (None, "running")]
        _collect_metrics(ctx, c, running, lookback, interval, max_workers)
    ctx.progress(f"azure {sub}", 6, 6)


def _collect_power_states(ctx: CollectContext, c: SubscriptionClients, vms: list[dict[str, Any]],
                          regions: frozenset[str], max_workers: int) -> dict[str, str | None]:
    """Power state per VM id (lower case): one ``statusOnly=true`` listing, then a per-VM
    instance view for any VM the listing did not cover."""
    sub = c.subscription
    power: dict[str, str | None] = {}
    if not vms:
        return power
    listed = _guard(ctx, sub, None, "compute", "virtual_machines.list_all_status", lambda: paged(
        ctx, c.compute.virtual_machines.list_all, subscription=sub, region=GLOBAL, service="compute",
        operation="virtual_machines.list_all_status", regions=regions, params={"statusOnly": "true"},
        status_only="true")) or []
    for item in listed:
        statuses = ((item.get("properties") or {}).get("instanceView") or {}).get("statuses") or []
        power[str(item.get("id", "")).lower()] = power_state(statuses)
    missing = [vm for vm in vms if str(vm.get("id", "")).lower() not in power]

    def one(vm: dict[str, Any]) -> None:
        vm_id = str(vm.get("id", ""))
        rg, name = _rg_and_name(vm_id)
        region = region_key(str(vm.get("location", GLOBAL)))
        view = _guard(ctx, sub, region, "compute", "virtual_machines.instance_view",
                      lambda: c.compute.virtual_machines.instance_view(rg, name, cls=_raw_json))
        if view is not None:
            ctx.pages.add(PROVIDER, sub, region, "compute", "virtual_machines.instance_view", view, {"id": vm_id})
            power[vm_id.lower()] = power_state(view.get("statuses") or [])

    _run_all(one, missing, max_workers)
    return power


def _collect_galleries(ctx: CollectContext, c: SubscriptionClients, max_workers: int) -> None:
    """Azure Compute Galleries, their image definitions and image versions (a version's
    ``storageProfile`` names the snapshots or disks it was built from).

    Galleries are read in every region, whatever ``regions`` says: a version in a gallery outside
    the audited regions may still pin a snapshot inside them, and missing it would let
    snapshot-cleanup propose a snapshot that is in use. Definitions and versions are stored under
    their gallery's region, with the parent id in ``params``."""
    sub = c.subscription
    galleries: list[dict[str, Any]] = _guard(ctx, sub, None, "compute", "galleries.list", lambda: paged(
        ctx, c.compute.galleries.list, subscription=sub, region=GLOBAL, service="compute",
        operation="galleries.list")) or []

    def one(gallery: dict[str, Any]) -> None:
        gallery_id = str(gallery.get("id", ""))
        rg, name = _rg_and_name(gallery_id)
        region = region_key(str(gallery.get("location", ""))) or GLOBAL
        definitions: list[dict[str, Any]] = _guard(
            ctx, sub, region, "compute", "gallery_images.list_by_gallery", lambda: paged(
                ctx, c.compute.gallery_images.list_by_gallery, subscription=sub, region=region,
                service="compute", operation="gallery_images.list_by_gallery",
                params={"gallery_id": gallery_id}, resource_group_name=rg, gallery_name=name)) or []
        for definition in definitions:
            definition_id = str(definition.get("id", ""))
            image_name = definition_id.rstrip("/").rsplit("/", 1)[-1]
            _guard(ctx, sub, region, "compute", "gallery_image_versions.list_by_gallery_image",
                   partial(paged, ctx, c.compute.gallery_image_versions.list_by_gallery_image,
                           subscription=sub, region=region, service="compute",
                           operation="gallery_image_versions.list_by_gallery_image",
                           params={"gallery_image_id": definition_id}, resource_group_name=rg,
                           gallery_name=name, gallery_image_name=image_name))

    _run_all(one, galleries, max_workers)


def _collect_skus(ctx: CollectContext, c: SubscriptionClients, vms: list[dict[str, Any]]) -> None:
    """Resource SKU facts (vCPUs, MemoryGB, GPUs) for the VM sizes in use, per region. The SKU
    list is large, so only the ``virtualMachines`` entries for sizes in use are stored."""
    sub = c.subscription
    sizes_by_region: dict[str, set[str]] = {}
    for vm in vms:
        size = ((vm.get("properties") or {}).get("hardwareProfile") or {}).get("vmSize")
        if size:
            sizes_by_region.setdefault(region_key(str(vm.get("location", ""))), set()).add(str(size).lower())
    for region, sizes in sorted(sizes_by_region.items()):
        _guard(ctx, sub, region, "compute", "resource_skus.list",
               partial(_skus_in_region, ctx, c, region, frozenset(sizes)))


def _skus_in_region(ctx: CollectContext, c: SubscriptionClients, region: str, sizes: frozenset[str]) -> None:
    def keep(item: Mapping[str, Any]) -> bool:
        return item.get("resourceType") == "virtualMachines" and str(item.get("name", "")).lower() in sizes

    flt = f"location eq '{region}'"
    paged(ctx, c.compute.resource_skus.list, subscription=c.subscription, region=region, service="compute",
          operation="resource_skus.list", keep=keep,
          params={"$filter": flt, "kept": "virtualMachines sizes in use"}, filter=flt)


def _collect_metrics(ctx: CollectContext, c: SubscriptionClients, vms: list[dict[str, Any]],
                     lookback: timedelta, interval: str, max_workers: int) -> None:
    """Hourly Azure Monitor metrics per VM over the lookback window."""
    sub = c.subscription
    end = ctx.now.replace(minute=0, second=0, microsecond=0)
    timespan = f"{_iso(end - lookback)}/{_iso(end)}"

    def one(vm: dict[str, Any]) -> None:
        from azure.core.exceptions import AzureError

        vm_id = str(vm.get("id", ""))
        region = region_key(str(vm.get("location", GLOBAL)))
        names = list(VM_METRICS)
        body: Any = None
        try:
            body = _metrics_call(c, vm_id, timespan, interval, names)
        except AzureError as exc:
            if getattr(exc, "status_code", None) == 400:
                # A query naming a metric the resource lacks is rejected whole: retry without
                # the optional memory metric (older agents/images do not emit it).
                names.remove("Available Memory Bytes")
                body = _guard(ctx, sub, region, "monitor", "metrics.list",
                              lambda: _metrics_call(c, vm_id, timespan, interval, names))
            else:
                ctx.issue(to_issue(exc, subscription=sub, region=region, service="monitor",
                                   operation="metrics.list"))
        if body is not None:
            ctx.pages.add(PROVIDER, sub, region, "monitor", "metrics.list", body, {
                "resource_uri": vm_id, "timespan": timespan, "interval": interval,
                "metricnames": ",".join(names), "aggregation": "Average,Total",
            })

    _run_all(one, vms, max_workers)


def _metrics_call(c: SubscriptionClients, vm_id: str, timespan: str, interval: str, names: list[str]) -> Any:
    return c.monitor.metrics.list(
        vm_id, timespan=timespan, interval=interval, metricnames=",".join(names),
        aggregation="Average,Total", cls=_raw_json,
    )


def _run_all(fn: Callable[[Any], None], items: list[Any], max_workers: int) -> None:
    if not items:
        return
    if max_workers <= 1 or len(items) == 1:
        for item in items:
            fn(item)
        return
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        for _ in pool.map(fn, items):
            pass


def _rg_and_name(arm_id: str) -> tuple[str, str]:
    parts = arm_id.strip("/").split("/")
    lower = [p.lower() for p in parts]
    rg = parts[lower.index("resourcegroups") + 1] if "resourcegroups" in lower else ""
    return rg, parts[-1]


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
