"""Pure translation of Alibaba Cloud raw pages into the finml model.

Mapping notes:

* Instance ``Status`` Stopped with ``StoppedMode`` KeepCharging (or a pay-as-you-go instance for
  which economical mode does not apply, ``Not-applicable``) is ``STOPPED_ALLOCATED`` with
  ``billed_while_stopped``; ``StopCharging`` is ``STOPPED``. PrePaid (subscription) instances
  are ``lifecycle="reserved-capacity"``; ``SpotStrategy`` other than NoSpot is ``spot``.
* Disk ``Status`` Available means attached to nothing; ``DetachedTime`` is the detach time.
* Snapshot ``Usage`` (image / disk / image_disk / none) gives ``used_by``: the custom images
  whose ``DiskDeviceMappings`` name the snapshot and the disks whose ``SourceSnapshotId`` it is;
  when Alibaba says it is used but the user is not in the pages, a marker ``image:?``/``disk:?``.
* EIP ``Status`` Available means associated with nothing.
* CloudMonitor rates (bit/s) become bytes per period; CPU/memory stay in percent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from finml.model import (
    Address,
    Estate,
    Image,
    Instance,
    InstanceState,
    InstanceType,
    MetricSeries,
    Snapshot,
    Volume,
)
from finml.raw import RawPage, RawPages
from providers.alibaba.api import PROVIDER
from providers.alibaba.shapes import items, json_list, number, parse_time, tags

_STATES = {
    "Pending": InstanceState.PENDING,
    "Starting": InstanceState.PENDING,
    "Running": InstanceState.RUNNING,
    "Stopping": InstanceState.STOPPING,
    "Stopped": InstanceState.STOPPED,
}
_PERCENT = {"CPUUtilization": "cpu.utilization", "memory_usedutilization": "memory.utilization"}
_RATES = {
    "InternetInRate": "network.in.bytes",
    "IntranetInRate": "network.in.bytes",
    "InternetOutRate": "network.out.bytes",
    "IntranetOutRate": "network.out.bytes",
}


def _resources(pages: RawPages, operation: str, outer: str, inner: str) -> Iterable[tuple[RawPage, dict[str, Any]]]:
    seen: set[tuple[str, str]] = set()
    for page in pages.select(PROVIDER, operation=operation):
        for item in items(page.response, outer, inner):
            key = (page.account, str(item.get(_ID_FIELD[operation], id(item))))
            if key in seen:  # overlapping pages (a resource moved between pages while paging)
                continue
            seen.add(key)
            yield page, item


_ID_FIELD = {
    "DescribeInstances": "InstanceId",
    "DescribeDisks": "DiskId",
    "DescribeSnapshots": "SnapshotId",
    "DescribeImages": "ImageId",
    "DescribeEipAddresses": "AllocationId",
    "DescribeInstanceTypes": "InstanceTypeId",
}


def normalise(pages: RawPages) -> Estate:
    estate = Estate(providers=[PROVIDER])
    estate.instance_types.update(instance_types(pages))

    images: list[Image] = []
    snapshot_images: dict[str, list[str]] = defaultdict(list)
    for page, raw in _resources(pages, "DescribeImages", "Images", "Image"):
        snap_ids = [m["SnapshotId"] for m in items(raw, "DiskDeviceMappings", "DiskDeviceMapping") if m.get("SnapshotId")]
        image = Image(
            provider=PROVIDER, account=page.account, region=raw.get("RegionId") or page.region,
            id=raw["ImageId"], name=raw.get("ImageName") or None,
            created_at=parse_time(raw.get("CreationTime")), tags=tags(raw), raw=raw,
            snapshot_ids=tuple(snap_ids), state=str(raw.get("Status") or "Available").lower(),
        )
        images.append(image)
        for s in snap_ids:
            snapshot_images[s].append(image.id)

    volumes: list[Volume] = []
    disks_of: dict[str, list[str]] = defaultdict(list)
    snapshot_disks: dict[str, list[str]] = defaultdict(list)
    for page, raw in _resources(pages, "DescribeDisks", "Disks", "Disk"):
        vol = volume(page, raw)
        volumes.append(vol)
        for inst in vol.attached_to:
            disks_of[inst].append(vol.id)
        if raw.get("SourceSnapshotId"):
            snapshot_disks[raw["SourceSnapshotId"]].append(vol.id)

    instances = [
        instance(page, raw, estate.instance_types, disks_of.get(raw.get("InstanceId", ""), []))
        for page, raw in _resources(pages, "DescribeInstances", "Instances", "Instance")
    ]

    snapshots = [
        snapshot(page, raw, snapshot_images.get(raw.get("SnapshotId", ""), []),
                 snapshot_disks.get(raw.get("SnapshotId", ""), []))
        for page, raw in _resources(pages, "DescribeSnapshots", "Snapshots", "Snapshot")
    ]
    addresses = [address(page, raw) for page, raw in _resources(pages, "DescribeEipAddresses", "EipAddresses", "EipAddress")]

    estate.resources.extend(instances)
    estate.resources.extend(volumes)
    estate.resources.extend(snapshots)
    estate.resources.extend(images)
    estate.resources.extend(addresses)
    estate.metrics.extend(metric_series(pages))
    return estate


def instance_types(pages: RawPages) -> dict[tuple[str, str], InstanceType]:
    out: dict[tuple[str, str], InstanceType] = {}
    for _, raw in _resources(pages, "DescribeInstanceTypes", "InstanceTypes", "InstanceType"):
        name = raw.get("InstanceTypeId")
        if not name:
            continue
        arch = str(raw.get("CpuArchitecture") or "X86").upper()
        out[(PROVIDER, name)] = InstanceType(
            provider=PROVIDER, name=name, vcpus=int(number(raw.get("CpuCoreCount"))),
            memory_gib=number(raw.get("MemorySize")),
            family=str(raw.get("InstanceTypeFamily") or _family(name)),
            gpus=int(number(raw.get("GPUAmount"))), gpu_model=raw.get("GPUSpec") or None,
            gpu_memory_gib=number(raw.get("GPUMemorySize")) * max(1, int(number(raw.get("GPUAmount")))),
            architecture="arm64" if arch == "ARM" else "x86_64",
            burstable=raw.get("InstanceFamilyLevel") == "CreditEntryLevel",
        )
    return out


def _family(type_name: str) -> str:
    parts = type_name.split(".")
    return ".".join(parts[:2]) if len(parts) >= 3 else type_name


def instance(page: RawPage, raw: dict[str, Any], types: dict[tuple[str, str], InstanceType], volume_ids: list[str]) -> Instance:
    type_name = str(raw.get("InstanceType") or "")
    status = str(raw.get("Status") or "")
    state = _STATES.get(status, InstanceState.UNKNOWN)
    charge = raw.get("InstanceChargeType") or "PostPaid"
    stopped_mode = raw.get("StoppedMode") or ""
    billed = False
    if state is InstanceState.STOPPED and (
        stopped_mode == "KeepCharging" or (stopped_mode == "Not-applicable" and charge == "PostPaid")
    ):
        state, billed = InstanceState.STOPPED_ALLOCATED, True
    info = types.get((PROVIDER, type_name))
    if info is None and type_name:
        info = InstanceType(
            provider=PROVIDER, name=type_name, vcpus=int(number(raw.get("Cpu"))),
            memory_gib=number(raw.get("Memory")) / 1024,  # DescribeInstances reports MiB
            family=str(raw.get("InstanceTypeFamily") or _family(type_name)),
            gpus=int(number(raw.get("GPUAmount"))), gpu_model=raw.get("GPUSpec") or None,
        )
    spot = raw.get("SpotStrategy") or "NoSpot"
    lifecycle = "spot" if spot != "NoSpot" else "reserved-capacity" if charge == "PrePaid" else "on-demand"
    return Instance(
        provider=PROVIDER, account=page.account, region=raw.get("RegionId") or page.region,
        id=raw["InstanceId"], name=raw.get("InstanceName") or None,
        created_at=parse_time(raw.get("CreationTime")), tags=tags(raw), raw=raw,
        instance_type=type_name, state=state, type_info=info,
        platform="windows" if str(raw.get("OSType") or "").lower() == "windows" else "linux",
        lifecycle=lifecycle, launched_at=parse_time(raw.get("StartTime")),
        volume_ids=tuple(sorted(volume_ids)), image_id=raw.get("ImageId") or None,
        billed_while_stopped=billed,
    )


def volume(page: RawPage, raw: dict[str, Any]) -> Volume:
    status = str(raw.get("Status") or "")
    attached: list[str] = []
    if status != "Available":
        attached = [raw["InstanceId"]] if raw.get("InstanceId") else [
            a["InstanceId"] for a in items(raw, "Attachments", "Attachment") if a.get("InstanceId")
        ]
    return Volume(
        provider=PROVIDER, account=page.account, region=raw.get("RegionId") or page.region,
        id=raw["DiskId"], name=raw.get("DiskName") or None,
        created_at=parse_time(raw.get("CreationTime")), tags=tags(raw), raw=raw,
        size_gib=number(raw.get("Size")), volume_type=str(raw.get("Category") or "unknown"),
        attached_to=tuple(attached),
        state="available" if status == "Available" else "in-use" if status == "In_use" else status.lower(),
        last_detached_at=parse_time(raw.get("DetachedTime")),
        iops=int(number(raw.get("IOPS"))) or None,
        encrypted=bool(raw.get("Encrypted")),
    )


def snapshot(page: RawPage, raw: dict[str, Any], image_ids: list[str], disk_ids: list[str]) -> Snapshot:
    usage = str(raw.get("Usage") or "none")
    used_by = list(image_ids)
    if "image" in usage and not image_ids:
        used_by.append("image:?")
    if "disk" in usage:
        used_by.extend(disk_ids or ["disk:?"])
    created = parse_time(raw.get("CreationTime"))
    retention = int(number(raw.get("RetentionDays"), 0))
    return Snapshot(
        provider=PROVIDER, account=page.account, region=raw.get("RegionId") or page.region,
        id=raw["SnapshotId"], name=raw.get("SnapshotName") or None, created_at=created,
        tags=tags(raw), raw=raw, size_gib=number(raw.get("SourceDiskSize")),
        source_volume_id=raw.get("SourceDiskId") or None, incremental=True,
        backup_managed=raw.get("SnapshotType") == "auto",
        used_by=tuple(used_by),
        retention_until=created + timedelta(days=retention) if created and retention > 0 else None,
    )


def address(page: RawPage, raw: dict[str, Any]) -> Address:
    status = str(raw.get("Status") or "")
    bound = raw.get("InstanceId") or None
    return Address(
        provider=PROVIDER, account=page.account, region=raw.get("RegionId") or page.region,
        id=raw["AllocationId"], name=raw.get("Name") or None,
        created_at=parse_time(raw.get("AllocationTime")), tags=tags(raw), raw=raw,
        ip=str(raw.get("IpAddress") or ""), associated_with=bound,
        state="unassociated" if status == "Available" and not bound else "associated",
    )


def metric_series(pages: RawPages) -> list[MetricSeries]:
    """One series per (instance, neutral metric); network components are summed per timestamp."""
    points: dict[tuple[str, str], dict[datetime, float]] = defaultdict(dict)
    components: dict[tuple[str, str, datetime], set[str]] = defaultdict(set)
    periods: dict[tuple[str, str], int] = {}
    for page in pages.select(PROVIDER, operation="DescribeMetricList"):
        name = str(page.params.get("MetricName") or "")
        period = int(number(page.response.get("Period") if isinstance(page.response, dict) else None,
                            number(page.params.get("Period"), 3600)))
        target = _PERCENT.get(name) or _RATES.get(name)
        if target is None:
            continue
        for dp in json_list(page.response.get("Datapoints") if isinstance(page.response, dict) else None):
            inst = dp.get("instanceId")
            ts = parse_time(dp.get("timestamp"))
            if not inst or ts is None or dp.get("Average") is None:
                continue
            value = number(dp.get("Average"))
            key = (str(inst), target)
            periods[key] = period
            if name in _RATES:
                if name in components[(key[0], target, ts)]:
                    continue  # the same datapoint seen on two pages
                components[(key[0], target, ts)].add(name)
                points[key][ts] = points[key].get(ts, 0.0) + value * period / 8
            else:
                points[key][ts] = value
    out = []
    for (inst, metric), series in sorted(points.items()):
        stamps = sorted(series)
        unit = "percent" if metric.endswith("utilization") else "bytes"
        out.append(MetricSeries(
            provider=PROVIDER, resource_id=inst, metric=metric, unit=unit,
            period_s=periods[(inst, metric)], statistic="Average",
            timestamps=tuple(stamps), values=tuple(series[t] for t in stamps),
        ))
    return out

