"""Azure raw REST pages -> the finml model. Pure: no SDK import, no I/O, no clock.

Resource ids are ARM ids as ARM returns them (matching is case-insensitive, as ARM ids are);
``account`` is the subscription id and ``region`` the ARM location (``eastus``).

Power states (``PowerState/<x>`` in the instance view) map to :class:`InstanceState`:
``running`` -> RUNNING, ``starting`` -> PENDING, ``stopping``/``deallocating`` -> STOPPING,
``stopped`` -> STOPPED_ALLOCATED with ``billed_while_stopped`` (Azure keeps billing compute until a
VM is *deallocated*), ``deallocated`` -> STOPPED. ``state_since`` is the time of the last
provisioning operation (the stop or deallocation), the only timestamp the instance view gives.

``memory.utilization`` is derived from the "Available Memory Bytes" metric and the VM size's
MemoryGB (resource SKUs): ``100 * (1 - available / memory)``; without the size's memory the
metric is dropped (see docs/azure.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
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

PROVIDER = "azure"
_GIB = 1024**3

_POWER = {
    "running": InstanceState.RUNNING,
    "starting": InstanceState.PENDING,
    "stopping": InstanceState.STOPPING,
    "deallocating": InstanceState.STOPPING,
    "stopped": InstanceState.STOPPED_ALLOCATED,
    "deallocated": InstanceState.STOPPED,
}

_METRICS = {
    # Azure metric name: (finml metric, unit, aggregation read)
    "Percentage CPU": ("cpu.utilization", "percent", "average"),
    "Network In Total": ("network.in.bytes", "bytes", "total"),
    "Network Out Total": ("network.out.bytes", "bytes", "total"),
}
_MEMORY_METRIC = "Available Memory Bytes"

_BACKUP_TAG_PREFIXES = ("azurebackup",)
_BACKUP_ID_MARKERS = (
    "/providers/microsoft.compute/restorepointcollections/",
    "/providers/microsoft.recoveryservices/",
    "/providers/microsoft.dataprotection/",
)


def normalise(pages: RawPages) -> Estate:
    estate = Estate(providers=[PROVIDER])
    types = _instance_types(pages.select(PROVIDER, "compute", "resource_skus.list"))
    estate.instance_types.update({(PROVIDER, k): v for k, v in types.items()})
    by_lower = {k.lower(): v for k, v in types.items()}
    power = _power_states(pages)
    vm_memory: dict[str, float] = {}
    for page, vm in _items(pages, "compute", "virtual_machines.list_all"):
        inst = _instance(page, vm, power, by_lower)
        estate.resources.append(inst)
        if inst.type_info is not None:
            vm_memory[inst.id.lower()] = inst.type_info.memory_gib
    for page, disk in _items(pages, "compute", "disks.list"):
        estate.resources.append(_volume(page, disk))
    images = [_image(page, img) for page, img in _items(pages, "compute", "images.list")]
    images += [_gallery_image_version(page, ver)
               for page, ver in _items(pages, "compute", "gallery_image_versions.list_by_gallery_image")]
    used_by: dict[str, list[str]] = {}
    for img in images:
        for sid in img.snapshot_ids:
            used_by.setdefault(sid.lower(), []).append(img.id)
    estate.resources.extend(images)
    for page, snap in _items(pages, "compute", "snapshots.list"):
        estate.resources.append(_snapshot(page, snap, used_by.get(str(snap.get("id", "")).lower(), [])))
    for page, ip in _items(pages, "network", "public_ip_addresses.list_all"):
        addr = _address(page, ip)
        if addr is not None:
            estate.resources.append(addr)
    for page in pages.select(PROVIDER, "monitor", "metrics.list"):
        estate.metrics.extend(_metric_series(page, vm_memory))
    return estate


# ---- helpers ------------------------------------------------------------------------------------


def _items(pages: RawPages, service: str, operation: str) -> Iterable[tuple[RawPage, Mapping[str, Any]]]:
    seen: set[str] = set()
    for page in pages.select(PROVIDER, service, operation):
        body = page.response if isinstance(page.response, Mapping) else {}
        for item in body.get("value") or []:
            key = str(item.get("id", "")).lower()
            if key in seen:
                continue
            seen.add(key)
            yield page, item


def parse_time(value: Any) -> datetime | None:
    """ARM timestamps: ISO 8601, ``Z`` or offset, up to 7 fractional digits."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # .NET writes 7 fractional digits
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def parse_duration_s(value: str | None, default: int = 3600) -> int:
    """Seconds in an ISO 8601 duration like ``PT1H``, ``PT5M``, ``P1D``."""
    m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", str(value or ""))
    if not m or not any(m.groups()):
        return default
    d, h, mi, s = (int(g or 0) for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def _region(item: Mapping[str, Any]) -> str:
    return str(item.get("location", "")).replace(" ", "").lower() or "global"


def _tags(item: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (item.get("tags") or {}).items()}


def _account(page: RawPage, item: Mapping[str, Any]) -> str:
    parts = str(item.get("id", "")).split("/")
    if len(parts) > 2 and parts[1].lower() == "subscriptions":
        return parts[2]
    return page.account


def _power_states(pages: RawPages) -> dict[str, tuple[str | None, datetime | None]]:
    out: dict[str, tuple[str | None, datetime | None]] = {}
    for _page, item in _items(pages, "compute", "virtual_machines.list_all_status"):
        statuses = ((item.get("properties") or {}).get("instanceView") or {}).get("statuses") or []
        out[str(item.get("id", "")).lower()] = _state_of(statuses)
    for page in pages.select(PROVIDER, "compute", "virtual_machines.instance_view"):
        body = page.response if isinstance(page.response, Mapping) else {}
        out[str(page.params.get("id", "")).lower()] = _state_of(body.get("statuses") or [])
    return out


def _state_of(statuses: Iterable[Mapping[str, Any]]) -> tuple[str | None, datetime | None]:
    power, since = None, None
    for s in statuses:
        code = str(s.get("code", ""))
        if code.startswith("PowerState/"):
            power = code.split("/", 1)[1].lower()
        elif code.startswith("ProvisioningState/"):
            since = parse_time(s.get("time"))
    return power, since


def _instance_types(pages: list[RawPage]) -> dict[str, InstanceType]:
    out: dict[str, InstanceType] = {}
    for page in pages:
        body = page.response if isinstance(page.response, Mapping) else {}
        for sku in body.get("value") or []:
            if sku.get("resourceType") != "virtualMachines" or not sku.get("name"):
                continue
            caps = {str(c.get("name")): str(c.get("value")) for c in sku.get("capabilities") or []}
            name = str(sku["name"])
            family = str(sku.get("family") or "")
            arch = caps.get("CpuArchitectureType", "x64").lower()
            out[name] = InstanceType(
                provider=PROVIDER, name=name,
                vcpus=int(float(caps.get("vCPUs", "0"))),
                memory_gib=float(caps.get("MemoryGB", "0")),
                family=family,
                gpus=int(float(caps.get("GPUs", "0"))),
                architecture="arm64" if arch.startswith("arm") else "x86_64",
                burstable=family.lower().startswith("standardb"),
            )
    return out


def _instance(page: RawPage, vm: Mapping[str, Any], power: Mapping[str, tuple[str | None, datetime | None]],
              types: Mapping[str, InstanceType]) -> Instance:
    props = vm.get("properties") or {}
    storage = props.get("storageProfile") or {}
    os_disk = storage.get("osDisk") or {}
    vm_id = str(vm.get("id", ""))
    size = str((props.get("hardwareProfile") or {}).get("vmSize", ""))
    state_name, since = power.get(vm_id.lower(), (None, None))
    state = _POWER.get(state_name or "", InstanceState.UNKNOWN)
    volume_ids = [str(d["managedDisk"]["id"]) for d in [os_disk, *(storage.get("dataDisks") or [])]
                  if (d.get("managedDisk") or {}).get("id")]
    ref = storage.get("imageReference") or {}
    image = ref.get("id") or (":".join(str(ref.get(k, "")) for k in ("publisher", "offer", "sku", "version"))
                              if ref.get("publisher") else None)
    priority = str(props.get("priority", "Regular")).lower()
    return Instance(
        provider=PROVIDER, account=_account(page, vm), region=_region(vm), id=vm_id,
        name=vm.get("name"), created_at=parse_time(props.get("timeCreated")), tags=_tags(vm), raw=vm,
        instance_type=size, state=state, type_info=types.get(size.lower()),
        platform=str(os_disk.get("osType") or "Linux").lower(),
        lifecycle="spot" if priority in ("spot", "low") else "on-demand",
        launched_at=parse_time(props.get("timeCreated")),
        state_since=since if state != InstanceState.RUNNING else None,
        volume_ids=tuple(volume_ids), image_id=image,
        billed_while_stopped=state == InstanceState.STOPPED_ALLOCATED,
    )


def _volume(page: RawPage, disk: Mapping[str, Any]) -> Volume:
    props = disk.get("properties") or {}
    disk_state = str(props.get("diskState", ""))
    managed_by = disk.get("managedBy")
    size = props.get("diskSizeGB")
    if size is None and props.get("diskSizeBytes"):
        size = int(props["diskSizeBytes"]) / _GIB
    state = {"Unattached": "available", "Attached": "in-use", "Reserved": "in-use"}.get(
        disk_state, disk_state.lower() or ("in-use" if managed_by else "available"))
    return Volume(
        provider=PROVIDER, account=_account(page, disk), region=_region(disk), id=str(disk.get("id", "")),
        name=disk.get("name"), created_at=parse_time(props.get("timeCreated")), tags=_tags(disk), raw=disk,
        size_gib=float(size or 0), volume_type=str((disk.get("sku") or {}).get("name", "unknown")),
        attached_to=(str(managed_by),) if managed_by else (),
        state=state,
        last_detached_at=parse_time(props.get("LastOwnershipUpdateTime")) if not managed_by else None,
        iops=props.get("diskIOPSReadWrite"), throughput_mbps=props.get("diskMBpsReadWrite"),
        encrypted=True,  # managed disks are always encrypted at rest (platform or customer key)
    )


def is_backup_managed(snap: Mapping[str, Any]) -> bool:
    """Azure Backup owns the snapshot: its restore-point / vault markers or ``AzureBackup*`` tags
    or resource groups (``AzureBackupRG_<region>_<n>``)."""
    snap_id = str(snap.get("id", "")).lower()
    if "/resourcegroups/azurebackuprg" in snap_id:
        return True
    managed_by = str(snap.get("managedBy") or "").lower()
    if any(m in managed_by for m in _BACKUP_ID_MARKERS):
        return True
    for k, v in (snap.get("tags") or {}).items():
        if str(k).lower().startswith(_BACKUP_TAG_PREFIXES) or str(v).lower() == "azurebackup":
            return True
    return False


def _image(page: RawPage, img: Mapping[str, Any]) -> Image:
    """A managed image; its OS/data disks may be built from snapshots (``snapshot.id``)."""
    props = img.get("properties") or {}
    storage = props.get("storageProfile") or {}
    disks = [storage.get("osDisk") or {}, *(storage.get("dataDisks") or [])]
    snapshot_ids = tuple(str(d["snapshot"]["id"]) for d in disks if (d.get("snapshot") or {}).get("id"))
    return Image(
        provider=PROVIDER, account=_account(page, img), region=_region(img), id=str(img.get("id", "")),
        name=img.get("name"), tags=_tags(img), raw=img, snapshot_ids=snapshot_ids,
        state=str(props.get("provisioningState", "Succeeded")).lower(),
    )


_SNAPSHOT_SEGMENT = "/providers/microsoft.compute/snapshots/"


def _gallery_image_version(page: RawPage, ver: Mapping[str, Any]) -> Image:
    """An Azure Compute Gallery image version. Its sources (``storageProfile.source.id``, newer API
    versions, and ``osDiskImage.source.id`` / ``dataDiskImages[].source.id``) may be snapshots,
    managed disks, managed images, VMs or other versions; the snapshots among them become
    ``snapshot_ids`` (ARM ids as ARM wrote them, deduplicated case-insensitively)."""
    props = ver.get("properties") or {}
    storage = props.get("storageProfile") or {}
    disks = [storage.get("osDiskImage") or {}, *(storage.get("dataDiskImages") or [])]
    refs = [(storage.get("source") or {}).get("id"), *((d.get("source") or {}).get("id") for d in disks)]
    snapshot_ids: dict[str, str] = {}
    for ref in refs:
        if ref and _SNAPSHOT_SEGMENT in str(ref).lower():
            snapshot_ids.setdefault(str(ref).lower(), str(ref))
    ver_id = str(ver.get("id", ""))
    parts = ver_id.split("/")
    lower = [p.lower() for p in parts]
    name = ver.get("name")
    if "galleries" in lower and len(parts) > lower.index("galleries") + 5:
        g = lower.index("galleries")
        name = f"{parts[g + 1]}/{parts[g + 3]}/{parts[g + 5]}"  # gallery/definition/version
    published = (props.get("publishingProfile") or {}).get("publishedDate")
    return Image(
        provider=PROVIDER, account=_account(page, ver), region=_region(ver), id=ver_id,
        name=name, created_at=parse_time(published), tags=_tags(ver), raw=ver,
        snapshot_ids=tuple(snapshot_ids.values()),
        state=str(props.get("provisioningState", "Succeeded")).lower(),
    )


def _snapshot(page: RawPage, snap: Mapping[str, Any], image_ids: list[str]) -> Snapshot:
    props = snap.get("properties") or {}
    creation = props.get("creationData") or {}
    size = props.get("diskSizeGB")
    if size is None and props.get("diskSizeBytes"):
        size = int(props["diskSizeBytes"]) / _GIB
    managed_by = snap.get("managedBy")
    return Snapshot(
        provider=PROVIDER, account=_account(page, snap), region=_region(snap), id=str(snap.get("id", "")),
        name=snap.get("name"), created_at=parse_time(props.get("timeCreated")), tags=_tags(snap), raw=snap,
        size_gib=float(size or 0),
        source_volume_id=creation.get("sourceResourceId"),
        incremental=bool(props.get("incremental", False)),
        storage_bytes=None,
        backup_managed=is_backup_managed(snap),
        used_by=tuple(image_ids) + ((str(managed_by),) if managed_by else ()),
    )


def _address(page: RawPage, ip: Mapping[str, Any]) -> Address | None:
    props = ip.get("properties") or {}
    bound = (props.get("ipConfiguration") or {}).get("id") or (props.get("natGateway") or {}).get("id")
    address = props.get("ipAddress")
    if not address and not bound and str(props.get("publicIPAllocationMethod")) == "Dynamic":
        return None  # a dynamic IP with no address allocated is not billed
    return Address(
        provider=PROVIDER, account=_account(page, ip), region=_region(ip), id=str(ip.get("id", "")),
        name=ip.get("name"), tags=_tags(ip), raw=ip, ip=str(address or ""),
        associated_with=str(bound) if bound else None,
        state="associated" if bound else "unassociated",
    )


def _metric_series(page: RawPage, vm_memory: Mapping[str, float]) -> list[MetricSeries]:
    body = page.response if isinstance(page.response, Mapping) else {}
    resource_id = str(page.params.get("resource_uri", ""))
    period = parse_duration_s(body.get("interval") or page.params.get("interval"))
    out: list[MetricSeries] = []
    for metric in body.get("value") or []:
        name = str((metric.get("name") or {}).get("value", ""))
        points = [p for ts in metric.get("timeseries") or [] for p in ts.get("data") or []]
        if name in _METRICS:
            neutral, unit, agg = _METRICS[name]
            stamps, values = _points(points, agg)
            statistic = "Average" if agg == "average" else "Sum"
        elif name == _MEMORY_METRIC:
            mem = vm_memory.get(resource_id.lower())
            if not mem:
                continue
            stamps, avail = _points(points, "average")
            total = mem * _GIB
            values = [max(0.0, min(100.0, 100.0 * (1 - a / total))) for a in avail]
            neutral, unit, statistic = "memory.utilization", "percent", "Average"
        else:
            continue
        if values:
            out.append(MetricSeries(PROVIDER, resource_id, neutral, unit, period, statistic, stamps, values))
    return out


def _points(points: Iterable[Mapping[str, Any]], agg: str) -> tuple[list[datetime], list[float]]:
    stamps: list[datetime] = []
    values: list[float] = []
    for p in points:
        v = p.get(agg)
        t = parse_time(p.get("timeStamp"))
        if v is None or t is None:
            continue
        stamps.append(t)
        values.append(float(v))
    return stamps, values
