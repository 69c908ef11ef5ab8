"""Pure normalisation of Compute Engine / Cloud Monitoring REST JSON pages into the model.

Resource ids are relative resource names, i.e. the ``selfLink`` without the API prefix
(``projects/P/zones/Z/disks/NAME``, ``projects/P/global/snapshots/NAME``,
``projects/P/regions/R/addresses/NAME``, ``projects/P/global/addresses/NAME``): stable, unique
across projects, and what ``gcloud`` and IAM conditions call the resource. ``account`` is the
project id; ``region`` is the region (zones are mapped to their region; snapshots and images use
their storage location, which may be a multi-region such as ``us``; global addresses ``global``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from finml.model import (
    Address,
    Commitment,
    Estate,
    Image,
    Instance,
    InstanceState,
    InstanceType,
    LaunchTemplate,
    MetricSeries,
    Resource,
    ScalingGroup,
    Snapshot,
    Volume,
)
from finml.raw import RawPages
from providers.gcp.metrics import BY_TYPE, PERIOD_S

PROVIDER = "gcp"
_API_PREFIX = re.compile(r"^https?://[^/]+/compute/(?:v1|beta|alpha)/")
_CUSTOM = re.compile(r"^(?:(?P<family>[a-z0-9]+)-)?custom-(?P<cpus>\d+)-(?P<mem>\d+)(?P<ext>-ext)?$")

STATES = {
    "PROVISIONING": InstanceState.PENDING,
    "STAGING": InstanceState.PENDING,
    "RUNNING": InstanceState.RUNNING,
    "REPAIRING": InstanceState.RUNNING,
    "STOPPING": InstanceState.STOPPING,
    "SUSPENDING": InstanceState.STOPPING,
    "STOPPED": InstanceState.STOPPED,
    "TERMINATED": InstanceState.STOPPED,
    "SUSPENDED": InstanceState.SUSPENDED,
}
"""GCP ``TERMINATED`` is a stopped VM (vCPU/RAM not billed, its disks and static IPs are)."""

GPU_MEMORY_GIB = {
    "nvidia-tesla-t4": 16.0, "nvidia-tesla-v100": 16.0, "nvidia-tesla-p100": 16.0,
    "nvidia-tesla-p4": 8.0, "nvidia-tesla-k80": 12.0, "nvidia-tesla-a100": 40.0,
    "nvidia-a100-80gb": 80.0, "nvidia-l4": 24.0, "nvidia-h100-80gb": 80.0,
    "nvidia-h100-mega-80gb": 80.0, "nvidia-h200-141gb": 141.0,
}
PLAN_MONTHS = {"TWELVE_MONTH": 12, "THIRTY_SIX_MONTH": 36}
ARM_FAMILIES = frozenset({"t2a", "c4a"})


def resource_id(link: str | None) -> str:
    """``https://www.googleapis.com/compute/v1/projects/p/zones/z/disks/d`` -> ``projects/p/zones/z/disks/d``."""
    return _API_PREFIX.sub("", link or "")


def last(link: str | None) -> str:
    return (link or "").rstrip("/").rsplit("/", 1)[-1]


def zone_region(zone: str) -> str:
    return zone.rsplit("-", 1)[0] if zone.count("-") >= 2 else zone


def parse_time(value: str | None) -> datetime | None:
    """RFC 3339 (``Z`` or offset, any fraction digits) to an aware UTC datetime."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    m = re.match(r"^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?([+-]\d\d:\d\d)?$", text)
    if m is None:
        return None
    frac = (m.group(2) or "")[:6].ljust(6, "0")
    parsed = datetime.fromisoformat(f"{m.group(1)}.{frac}{m.group(3) or '+00:00'}")
    return parsed.astimezone(timezone.utc)


def _items(pages: RawPages, operation: str, key: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(project, item) for every item of a list or aggregatedList page, deduplicated by selfLink."""
    seen: set[str] = set()
    for p in pages.select(PROVIDER, "compute", operation):
        body = p.response or {}
        if "items" in body and isinstance(body["items"], Mapping):
            groups = [g.get(key, []) for g in body["items"].values()]
        else:
            groups = [body.get("items", [])]
        for group in groups:
            for item in group:
                link = item.get("selfLink") or f"{p.account}/{item.get('name')}"
                if link in seen:
                    continue
                seen.add(link)
                yield p.account, item


def _labels(item: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (item.get("labels") or {}).items()}


def _rid(project: str, item: Mapping[str, Any], path: str) -> str:
    return resource_id(item.get("selfLink")) or f"projects/{project}/{path}/{item.get('name')}"


def machine_type_facts(name: str, item: Mapping[str, Any] | None = None) -> InstanceType | None:
    """Facts from a machineTypes item, or parsed from a custom type name."""
    family = name.split("-", 1)[0]
    if item is not None:
        accels = item.get("accelerators") or []
        model = accels[0].get("guestAcceleratorType") if accels else None
        gpus = sum(int(a.get("guestAcceleratorCount", 0)) for a in accels)
        arch = str(item.get("architecture") or "").lower()
        return InstanceType(
            provider=PROVIDER, name=name, vcpus=int(item.get("guestCpus", 0)),
            memory_gib=int(item.get("memoryMb", 0)) / 1024, family=family, gpus=gpus,
            gpu_model=model, gpu_memory_gib=GPU_MEMORY_GIB.get(model or "", 0.0) * gpus,
            architecture="arm64" if arch == "arm64" or family in ARM_FAMILIES else "x86_64",
            burstable=bool(item.get("isSharedCpu", False)),
            current_generation=family not in {"n1", "f1", "g1"},
        )
    m = _CUSTOM.match(name)
    if m is None:
        return None
    fam = m.group("family") or "n1"
    return InstanceType(provider=PROVIDER, name=name, vcpus=int(m.group("cpus")),
                        memory_gib=int(m.group("mem")) / 1024, family=fam,
                        current_generation=fam != "n1")


def _with_attached_gpus(base: InstanceType | None, inst: Mapping[str, Any]) -> InstanceType | None:
    accels = inst.get("guestAccelerators") or []
    if base is None or not accels or base.gpus:
        return base
    model = last(accels[0].get("acceleratorType"))
    gpus = sum(int(a.get("acceleratorCount", 0)) for a in accels)
    return InstanceType(
        provider=base.provider, name=base.name, vcpus=base.vcpus, memory_gib=base.memory_gib,
        family=base.family, gpus=gpus, gpu_model=model,
        gpu_memory_gib=GPU_MEMORY_GIB.get(model, 0.0) * gpus, architecture=base.architecture,
        current_generation=base.current_generation, burstable=base.burstable,
    )


def normalise(pages: RawPages) -> Estate:
    estate = Estate(providers=[PROVIDER])
    for _, item in _items(pages, "machineTypes.aggregatedList", "machineTypes"):
        facts = machine_type_facts(str(item.get("name")), item)
        if facts is not None:
            estate.instance_types.setdefault((PROVIDER, facts.name), facts)

    disks = list(_items(pages, "disks.aggregatedList", "disks"))
    disk_image = {resource_id(d.get("selfLink")): resource_id(d.get("sourceImage")) or None for _, d in disks}
    instance_ids: dict[tuple[str, str], str] = {}
    for project, item in _items(pages, "instances.aggregatedList", "instances"):
        inst = _instance(project, item, estate, disk_image)
        estate.resources.append(inst)
        instance_ids[(project, str(item.get("id", "")))] = inst.id
        instance_ids[(project, f"{last(item.get('zone'))}/{item.get('name')}")] = inst.id
    estate.resources.extend(_volume(p, d) for p, d in disks)

    images: list[Image] = []
    for project, item in _items(pages, "images.list", "items"):
        images.append(_image(project, item, "images", [item.get("sourceSnapshot")]))
    for project, item in _items(pages, "machineImages.list", "items"):
        disks_props = (item.get("instanceProperties") or {}).get("disks") or []
        snaps = [(d.get("initializeParams") or {}).get("sourceSnapshot") for d in disks_props]
        images.append(_image(project, item, "machineImages", snaps))
    templates_groups = _templates_and_groups(pages)
    users: dict[str, list[str]] = {}
    for pinner in [*images, *templates_groups]:
        for sid in getattr(pinner, "snapshot_ids", ()):
            users.setdefault(sid, []).append(pinner.id)
    for project, item in _items(pages, "snapshots.list", "items"):
        estate.resources.append(_snapshot(project, item, users))
    estate.resources.extend(images)
    for operation, key in (("addresses.aggregatedList", "addresses"), ("globalAddresses.list", "items")):
        for project, item in _items(pages, operation, key):
            if str(item.get("addressType", "EXTERNAL")) == "EXTERNAL":  # internal addresses are free
                estate.resources.append(_address(project, item))
    for project, item in _items(pages, "regionCommitments.aggregatedList", "commitments"):
        estate.resources.append(_commitment(project, item))
    estate.resources.extend(templates_groups)
    estate.metrics.extend(_metrics(pages, instance_ids))
    return estate


def _instance(project: str, item: Mapping[str, Any], estate: Estate,
              disk_image: Mapping[str, str | None]) -> Instance:
    status = str(item.get("status", ""))
    state = STATES.get(status, InstanceState.UNKNOWN)
    zone = last(item.get("zone"))
    type_name = last(item.get("machineType"))
    facts = estate.instance_types.get((PROVIDER, type_name)) or machine_type_facts(type_name)
    sched = item.get("scheduling") or {}
    spot = sched.get("provisioningModel") == "SPOT" or bool(sched.get("preemptible"))
    disks = item.get("disks") or []
    volume_ids = [resource_id(d.get("source")) for d in disks if d.get("source")]
    boot = next((resource_id(d.get("source")) for d in disks if d.get("boot")), None)
    licenses = " ".join(str(lic) for d in disks for lic in d.get("licenses") or [])
    since_key = {InstanceState.STOPPED: "lastStopTimestamp",
                 InstanceState.SUSPENDED: "lastSuspendedTimestamp"}.get(state, "lastStartTimestamp")
    return Instance(
        provider=PROVIDER, account=project, region=zone_region(zone), id=_rid(project, item, f"zones/{zone}/instances"),
        name=item.get("name"), created_at=parse_time(item.get("creationTimestamp")), tags=_labels(item),
        raw=item, instance_type=type_name, state=state, type_info=_with_attached_gpus(facts, item),
        platform="windows" if "windows-cloud" in licenses else "linux",
        lifecycle="spot" if spot else "on-demand",
        launched_at=parse_time(item.get("lastStartTimestamp")) or parse_time(item.get("creationTimestamp")),
        state_since=parse_time(item.get(since_key)), volume_ids=volume_ids,
        image_id=disk_image.get(boot) if boot else None,
    )


def _volume(project: str, item: Mapping[str, Any]) -> Volume:
    zone = last(item.get("zone")) if item.get("zone") else None
    region = zone_region(zone) if zone else last(item.get("region"))
    where = f"zones/{zone}" if zone else f"regions/{region}"
    attached = [resource_id(u) for u in item.get("users") or []]
    iops, tput = item.get("provisionedIops"), item.get("provisionedThroughput")
    return Volume(
        provider=PROVIDER, account=project, region=region, id=_rid(project, item, f"{where}/disks"),
        name=item.get("name"), created_at=parse_time(item.get("creationTimestamp")), tags=_labels(item),
        raw=item, size_gib=float(item.get("sizeGb", 0)), volume_type=last(item.get("type")) or "pd-standard",
        attached_to=attached, state="in-use" if attached else "available",
        last_detached_at=parse_time(item.get("lastDetachTimestamp")),
        iops=int(iops) if iops else None, throughput_mbps=int(tput) if tput else None, encrypted=True,
    )


def _location(item: Mapping[str, Any]) -> str:
    locations = item.get("storageLocations") or []
    return str(locations[0]) if locations else "global"


def _snapshot(project: str, item: Mapping[str, Any], users: Mapping[str, list[str]]) -> Snapshot:
    rid = _rid(project, item, "global/snapshots")
    scheduled = bool(item.get("autoCreated")) or bool(item.get("sourceSnapshotSchedulePolicy"))
    stored = item.get("storageBytes")
    return Snapshot(
        provider=PROVIDER, account=project, region=_location(item), id=rid, name=item.get("name"),
        created_at=parse_time(item.get("creationTimestamp")), tags=_labels(item), raw=item,
        size_gib=float(item.get("diskSizeGb", 0)),
        source_volume_id=resource_id(item.get("sourceDisk")) or None, incremental=True,
        storage_bytes=int(stored) if stored is not None else None, backup_managed=scheduled,
        used_by=sorted(users.get(rid, [])),
    )


def _image(project: str, item: Mapping[str, Any], path: str, snapshots: list[Any]) -> Image:
    return Image(
        provider=PROVIDER, account=project, region=_location(item), id=_rid(project, item, f"global/{path}"),
        name=item.get("name"), created_at=parse_time(item.get("creationTimestamp")), tags=_labels(item),
        raw=item, snapshot_ids=[resource_id(s) for s in snapshots if s],
        state=str(item.get("status", "READY")).lower(),
    )


def _address(project: str, item: Mapping[str, Any]) -> Address:
    """A regional (``regions/R/addresses``) or global (``global/addresses``, region ``global``)
    static address. ``IN_USE`` (or any ``users``) is associated, ``RESERVING`` is transitional,
    ``RESERVED`` is unassociated, i.e. billed for nothing."""
    region = last(item.get("region")) or "global"
    path = f"regions/{region}/addresses" if item.get("region") else "global/addresses"
    users = [resource_id(u) for u in item.get("users") or []]
    status = str(item.get("status", ""))
    if status == "IN_USE" or users:
        state = "associated"
    elif status == "RESERVING":
        state = "reserving"
    else:
        state = "unassociated"
    return Address(
        provider=PROVIDER, account=project, region=region, id=_rid(project, item, path),
        name=item.get("name"), created_at=parse_time(item.get("creationTimestamp")), tags=_labels(item),
        raw=item, ip=str(item.get("address", "")), associated_with=users[0] if users else None,
        state=state,
    )


def _commitment(project: str, item: Mapping[str, Any]) -> Commitment:
    region = last(item.get("region"))
    return Commitment(
        provider=PROVIDER, account=project, region=region, id=_rid(project, item, f"regions/{region}/commitments"),
        name=item.get("name"), created_at=parse_time(item.get("creationTimestamp")), raw=item,
        commitment_type="cud", start=parse_time(item.get("startTimestamp")),
        end=parse_time(item.get("endTimestamp")), state=str(item.get("status", "")).lower(),
        scope=region, offering=item.get("type"), term_months=PLAN_MONTHS.get(str(item.get("plan"))),
    )


def _templates_and_groups(pages: RawPages) -> list[Resource]:
    """Instance templates (pin images/snapshots) and the managed instance groups that use them.

    A MIG's members are the instances whose ``created-by`` metadata names it (listing them via
    ``listManagedInstances`` would be a POST, which a read-only audit does not make)."""
    members: dict[tuple[str, str], list[str]] = {}
    for project, inst in _items(pages, "instances.aggregatedList", "instances"):
        for md in (inst.get("metadata") or {}).get("items") or []:
            if md.get("key") == "created-by":  # projects/<project NUMBER>/zones/Z/instanceGroupManagers/N
                local = re.sub(r"^projects/[^/]+/", "", resource_id(str(md.get("value"))))
                members.setdefault((project, local), []).append(resource_id(inst.get("selfLink")))
    groups: list[Resource] = []
    used: set[str] = set()
    for project, item in _items(pages, "instanceGroupManagers.aggregatedList", "instanceGroupManagers"):
        scope = f"zones/{last(item['zone'])}" if item.get("zone") else f"regions/{last(item.get('region'))}"
        rid = _rid(project, item, f"{scope}/instanceGroupManagers")
        templates = [item.get("instanceTemplate")] + [v.get("instanceTemplate") for v in item.get("versions") or []]
        tids = sorted({resource_id(t) for t in templates if t})
        used.update(tids)
        groups.append(ScalingGroup(
            provider=PROVIDER, account=project, region=zone_region(scope.split("/", 1)[1]), id=rid,
            name=item.get("name"), created_at=parse_time(item.get("creationTimestamp")), raw=item,
            launch_template_ids=tids,
            instance_ids=sorted(members.get((project, f"{scope}/instanceGroupManagers/{item.get('name')}"), [])),
            desired_capacity=int(item.get("targetSize", 0) or 0),
        ))
    out: list[Resource] = []
    for project, item in _items(pages, "instanceTemplates.aggregatedList", "instanceTemplates"):
        region = last(item.get("region")) if item.get("region") else "global"
        scope = f"regions/{region}" if item.get("region") else "global"
        rid = _rid(project, item, f"{scope}/instanceTemplates")
        params = [(d.get("initializeParams") or {}) for d in (item.get("properties") or {}).get("disks") or []]
        out.append(LaunchTemplate(
            provider=PROVIDER, account=project, region=region, id=rid, name=item.get("name"),
            created_at=parse_time(item.get("creationTimestamp")), raw=item,
            tags=_labels(item.get("properties") or {}),
            image_ids=[resource_id(p["sourceImage"]) for p in params if p.get("sourceImage")],
            snapshot_ids=[resource_id(p["sourceSnapshot"]) for p in params if p.get("sourceSnapshot")],
            in_use=rid in used,
        ))
    return out + groups


def _metrics(pages: RawPages, instance_ids: Mapping[tuple[str, str], str]) -> list[MetricSeries]:
    out: list[MetricSeries] = []
    for p in pages.select(PROVIDER, "monitoring", "timeSeries.list"):
        for ts in (p.response or {}).get("timeSeries", []):
            mtype = (ts.get("metric") or {}).get("type") or p.params.get("metricType")
            q = BY_TYPE.get(str(mtype))
            labels = (ts.get("resource") or {}).get("labels") or {}
            project = str(labels.get("project_id") or p.account)
            rid = instance_ids.get((project, str(labels.get("instance_id", ""))))
            if rid is None:
                name = ((ts.get("metric") or {}).get("labels") or {}).get("instance_name")
                rid = instance_ids.get((project, f"{labels.get('zone')}/{name}"))
            if q is None or rid is None:
                continue
            points = []
            for pt in ts.get("points", []):
                t = parse_time((pt.get("interval") or {}).get("endTime"))
                v = _value(pt.get("value") or {})
                if t is not None and v is not None:
                    points.append((t, v * q.scale))
            points.sort()
            out.append(MetricSeries(PROVIDER, rid, q.neutral, q.unit, PERIOD_S, q.statistic,
                                    [t for t, _ in points], [v for _, v in points]))
    return out


def _value(v: Mapping[str, Any]) -> float | None:
    for key in ("doubleValue", "int64Value"):
        if key in v:
            return float(v[key])
    return None
