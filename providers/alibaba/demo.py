"""A deterministic sample Alibaba Cloud estate, as raw RPC pages, for ``finml audit --demo``.

Two regions (cn-hangzhou, ap-southeast-1), about 70 resources, in the API's own JSON shapes
(list wrappers, ``Tags.Tag``, ``2024-01-02T03:04Z`` times, CloudMonitor ``Datapoints`` as a JSON
string). Planted waste: unattached disks, unassociated EIPs, a GPU instance stopped in
KeepCharging mode, an idle instance (CPU about 1 %), orphaned old snapshots, and a trap: an old
snapshot whose source disk is gone but which a custom image uses (``Usage=image``).
"""

from __future__ import annotations

import json
import random
import string
from datetime import datetime, timedelta
from typing import Any

from finml.raw import GLOBAL, RawPages
from providers.alibaba.api import PROVIDER

ACCOUNT = "1234567890123456"
SEED = 20261101
_PREFIX = {"cn-hangzhou": "bp1", "ap-southeast-1": "t4n"}
_TYPES: dict[str, dict[str, Any]] = {
    "ecs.g7.large": {"CpuCoreCount": 2, "MemorySize": 8.0, "InstanceTypeFamily": "ecs.g7"},
    "ecs.g7.xlarge": {"CpuCoreCount": 4, "MemorySize": 16.0, "InstanceTypeFamily": "ecs.g7"},
    "ecs.g7.2xlarge": {"CpuCoreCount": 8, "MemorySize": 32.0, "InstanceTypeFamily": "ecs.g7"},
    "ecs.c7.2xlarge": {"CpuCoreCount": 8, "MemorySize": 16.0, "InstanceTypeFamily": "ecs.c7"},
    "ecs.r7.large": {"CpuCoreCount": 2, "MemorySize": 16.0, "InstanceTypeFamily": "ecs.r7"},
    "ecs.t6-c1m2.large": {"CpuCoreCount": 2, "MemorySize": 4.0, "InstanceTypeFamily": "ecs.t6",
                          "InstanceFamilyLevel": "CreditEntryLevel"},
    "ecs.gn7i-c8g1.2xlarge": {"CpuCoreCount": 8, "MemorySize": 30.0, "InstanceTypeFamily": "ecs.gn7i",
                              "GPUAmount": 1, "GPUSpec": "NVIDIA A10", "GPUMemorySize": 24.0},
}


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def make(self, kind: str, region: str) -> str:
        tail = "".join(self.rng.choice(string.ascii_lowercase + string.digits) for _ in range(17))
        return f"{kind}-{_PREFIX[region]}{tail}"


def _t(ts: datetime, seconds: bool = False) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ" if seconds else "%Y-%m-%dT%H:%MZ")


def _tags(**kv: str) -> dict[str, list[dict[str, str]]]:
    return {"Tag": [{"TagKey": k, "TagValue": v} for k, v in kv.items()]}


def _rid(rng: random.Random) -> str:
    h = "".join(rng.choice("0123456789ABCDEF") for _ in range(32))
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def demo_pages(now: datetime) -> RawPages:
    rng = random.Random(SEED)
    ids = _Ids(rng)
    pages = RawPages()
    regions = ["cn-hangzhou", "ap-southeast-1"]
    pages.add(PROVIDER, ACCOUNT, GLOBAL, "ecs", "DescribeRegions", {
        "RequestId": _rid(rng),
        "Regions": {"Region": [
            {"RegionId": "cn-hangzhou", "LocalName": "华东1（杭州）", "RegionEndpoint": "ecs.cn-hangzhou.aliyuncs.com", "Status": "available"},
            {"RegionId": "ap-southeast-1", "LocalName": "新加坡", "RegionEndpoint": "ecs.ap-southeast-1.aliyuncs.com", "Status": "available"},
        ]},
    }, {})
    for region in regions:
        _region(pages, rng, ids, region, now)
    pages.add(PROVIDER, ACCOUNT, GLOBAL, "ecs", "DescribeInstanceTypes", {
        "RequestId": _rid(rng), "NextToken": "",
        "InstanceTypes": {"InstanceType": [
            {"InstanceTypeId": name, "GPUAmount": 0, "GPUSpec": "", "GPUMemorySize": 0.0,
             "CpuArchitecture": "X86", "InstanceFamilyLevel": "EnterpriseLevel", **facts}
            for name, facts in sorted(_TYPES.items())
        ]},
    }, {f"InstanceTypes.{n + 1}": t for n, t in enumerate(sorted(_TYPES))} | {"MaxResults": 100})
    return pages


def _region(pages: RawPages, rng: random.Random, ids: _Ids, region: str, now: datetime) -> None:
    hz = region == "cn-hangzhou"
    plan: list[tuple[str, str, dict[str, Any]]] = [  # (type, role, overrides)
        ("ecs.g7.large", "web", {}), ("ecs.g7.large", "web", {}), ("ecs.g7.xlarge", "api", {}),
        ("ecs.c7.2xlarge", "batch", {}), ("ecs.r7.large", "cache", {}), ("ecs.t6-c1m2.large", "bastion", {}),
        ("ecs.g7.xlarge", "worker", {"InstanceChargeType": "PrePaid"}),
        ("ecs.g7.large", "ci", {"SpotStrategy": "SpotAsPriceGo"}),
    ]
    if hz:
        plan += [
            ("ecs.g7.2xlarge", "idle-reporting", {}),  # planted: idle (CPU ~1 %)
            ("ecs.gn7i-c8g1.2xlarge", "gpu-train", {"Status": "Stopped", "StoppedMode": "KeepCharging"}),  # planted
            ("ecs.c7.2xlarge", "old-batch", {"Status": "Stopped", "StoppedMode": "StopCharging"}),
            ("ecs.gn7i-c8g1.2xlarge", "gpu-infer", {}),
        ]
    instances: list[dict[str, Any]] = []
    disks: list[dict[str, Any]] = []
    running: list[tuple[str, str]] = []
    for n, (type_name, role, over) in enumerate(plan):
        iid = ids.make("i", region)
        created = now - timedelta(days=30 + 17 * n, hours=n)
        facts = _TYPES[type_name]
        inst: dict[str, Any] = {
            "InstanceId": iid, "InstanceName": f"{role}-{n:02d}", "HostName": f"{role}-{n:02d}",
            "RegionId": region, "ZoneId": f"{region}-{'hi'[n % 2]}" if hz else f"{region}-{'ab'[n % 2]}",
            "InstanceType": type_name, "InstanceTypeFamily": facts["InstanceTypeFamily"],
            "Cpu": facts["CpuCoreCount"], "Memory": int(facts["MemorySize"] * 1024),
            "GPUAmount": facts.get("GPUAmount", 0), "GPUSpec": facts.get("GPUSpec", ""),
            "Status": "Running", "InstanceChargeType": "PostPaid", "InternetChargeType": "PayByTraffic",
            "SpotStrategy": "NoSpot", "StoppedMode": "Not-applicable", "CreationTime": _t(created),
            "StartTime": _t(created + timedelta(minutes=2)), "ExpiredTime": "2099-12-31T15:59Z",
            "OSType": "linux", "OSName": "Alibaba Cloud Linux 3.2104 LTS 64位",
            "ImageId": "aliyun_3_x64_20G_alibase_20250629.vhd", "IoOptimized": True,
            "InstanceNetworkType": "vpc", "DeletionProtection": False,
            "VpcAttributes": {"VpcId": f"vpc-{_PREFIX[region]}demo", "VSwitchId": f"vsw-{_PREFIX[region]}demo",
                              "PrivateIpAddress": {"IpAddress": [f"172.16.{n}.10"]}, "NatIpAddress": ""},
            "PublicIpAddress": {"IpAddress": []},
            "EipAddress": {"AllocationId": "", "IpAddress": "", "InternetChargeType": ""},
            "Tags": _tags(team="ml" if "gpu" in role else "platform", env="prod", role=role),
        }
        inst.update(over)
        instances.append(inst)
        if inst["Status"] == "Running":
            running.append((iid, role))
        disks.append(_disk(ids, region, created, 40, "cloud_essd", iid, system=True, rng=rng))
        if role in ("api", "cache", "gpu-train", "gpu-infer", "batch"):
            disks.append(_disk(ids, region, created, 500 if "gpu" in role else 200, "cloud_essd", iid, rng=rng))
    # planted: unattached disks (two old, one recent that is not yet waste)
    unattached = [(500, "cloud_essd", 40), (200, "cloud_efficiency", 95)] if hz else [(100, "cloud_ssd", 21), (80, "cloud_essd", 2)]
    for size, category, days in unattached:
        d = _disk(ids, region, now - timedelta(days=days + 60), size, category, "", rng=rng)
        d.update(Status="Available", DetachedTime=_t(now - timedelta(days=days)), Device="",
                 Attachments={"Attachment": []}, DiskName=f"detached-{category}-{size}g",
                 Tags=_tags(owner="data-team" if hz else "sre"))
        disks.append(d)
    _add_paged(pages, rng, region, "ecs", "DescribeInstances", "Instances", "Instance", instances, token=True)
    _add_paged(pages, rng, region, "ecs", "DescribeDisks", "Disks", "Disk", disks)
    snapshots, images = _snapshots_and_images(ids, rng, region, now, disks)
    _add_paged(pages, rng, region, "ecs", "DescribeSnapshots", "Snapshots", "Snapshot", snapshots)
    _add_paged(pages, rng, region, "ecs", "DescribeImages", "Images", "Image", images,
               params={"ImageOwnerAlias": "self", "Status": "Creating,Available,UnAvailable,Deprecated"})
    eips = []
    bound: list[dict[str, Any] | None] = []
    bound.extend([i for i in instances if i["Status"] == "Running"][:2])
    bound += [None] * (2 if hz else 1)
    for n, owner in enumerate(bound):
        eips.append({
            "AllocationId": ids.make("eip", region), "IpAddress": f"47.{96 if hz else 88}.{n}.{10 + n}",
            "RegionId": region, "Status": "InUse" if owner else "Available",
            "InstanceId": owner["InstanceId"] if owner else "", "InstanceType": "EcsInstance" if owner else "",
            "InstanceRegionId": region if owner else "", "ChargeType": "PostPaid",
            "InternetChargeType": "PayByTraffic", "Bandwidth": "5", "Name": f"eip-{n}",
            "AllocationTime": _t(now - timedelta(days=120 - 10 * n), seconds=True),
            "Tags": {"Tag": [{"Key": "env", "Value": "prod"}]},
        })
    _add_paged(pages, rng, region, "vpc", "DescribeEipAddresses", "EipAddresses", "EipAddress", eips)
    _metrics(pages, rng, region, now, running)


def _disk(ids: _Ids, region: str, created: datetime, size: int, category: str, instance: str, *,
          rng: random.Random, system: bool = False) -> dict[str, Any]:
    return {
        "DiskId": ids.make("d", region), "DiskName": "", "Description": "", "RegionId": region,
        "ZoneId": f"{region}-{'h' if region == 'cn-hangzhou' else 'a'}", "Type": "system" if system else "data",
        "Category": category, "Size": size, "Status": "In_use" if instance else "Available",
        "InstanceId": instance, "Device": ("/dev/xvda" if system else "/dev/xvdb") if instance else "",
        "CreationTime": _t(created), "AttachedTime": _t(created + timedelta(minutes=1)) if instance else "",
        "DetachedTime": "", "DiskChargeType": "PostPaid", "Portable": not system,
        "DeleteWithInstance": system, "Encrypted": False, "IOPS": min(50000, 1800 + 50 * size),
        "PerformanceLevel": "PL1" if category == "cloud_essd" else "", "SourceSnapshotId": "",
        "EnableAutoSnapshot": True, "Tags": {"Tag": []},
        "Attachments": {"Attachment": [{"InstanceId": instance, "Device": "/dev/xvda" if system else "/dev/xvdb",
                                        "AttachedTime": _t(created + timedelta(minutes=1))}] if instance else []},
    }


def _snapshots_and_images(ids: _Ids, rng: random.Random, region: str, now: datetime,
                          disks: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    snaps: list[dict[str, Any]] = []

    def snap(source: str, size: int, age_days: int, usage: str, kind: str = "user", name: str = "",
             retention: int = 0) -> dict[str, Any]:
        s = {
            "SnapshotId": ids.make("s", region), "SnapshotName": name, "RegionId": region,
            "SourceDiskId": source, "SourceDiskSize": str(size), "SourceDiskType": "Data",
            "Usage": usage, "Status": "accomplished", "Progress": "100%", "SnapshotType": kind,
            "Category": "standard", "RetentionDays": retention, "Encrypted": False, "InstantAccess": False,
            "CreationTime": _t(now - timedelta(days=age_days), seconds=True), "Tags": {"Tag": []},
        }
        snaps.append(s)
        return s

    data_disks = [d for d in disks if d["Type"] == "data" and d["Status"] == "In_use"]
    for d in data_disks[:3]:  # healthy: recent automatic snapshots of live disks
        snap(d["DiskId"], d["Size"], 3, "none", kind="auto", name=f"auto_{d['DiskId'][-6:]}", retention=7)
    gone = ids.make("d", region)
    snap(gone, 300, 420, "none", name="pre-migration-backup")  # planted: orphaned, old
    snap(ids.make("d", region), 120, 200, "none", name="tmp-debug")  # planted: orphaned
    images: list[dict[str, Any]] = []
    if region == "cn-hangzhou":
        # trap: source disk gone and old, but a custom image is built from it (Usage=image)
        golden = snap(ids.make("d", region), 40, 380, "image", name="golden-base")
        images.append({
            "ImageId": f"m-{_PREFIX[region]}golden{rng.randrange(10**8):08d}", "ImageName": "golden-base-2025",
            "ImageOwnerAlias": "self", "RegionId": region, "Status": "Available", "Size": 40,
            "CreationTime": _t(now - timedelta(days=379), seconds=True), "OSType": "linux",
            "Architecture": "x86_64", "Usage": "instance", "IsSelfShared": "", "Platform": "Aliyun",
            "DiskDeviceMappings": {"DiskDeviceMapping": [
                {"SnapshotId": golden["SnapshotId"], "Size": "40", "Device": "/dev/xvda", "Type": "system",
                 "Format": "", "ImportOSSBucket": "", "ImportOSSObject": ""}]},
            "Tags": _tags(purpose="golden-image"),
        })
    return snaps, images


def _add_paged(pages: RawPages, rng: random.Random, region: str, service: str, action: str, outer: str,
               inner: str, rows: list[dict[str, Any]], *, token: bool = False, size: int = 10,
               params: dict[str, Any] | None = None) -> None:
    chunks = [rows[i:i + size] for i in range(0, len(rows), size)] or [[]]
    for n, chunk in enumerate(chunks):
        body: dict[str, Any] = {"RequestId": _rid(rng), outer: {inner: chunk}}
        sent = dict(params or {})
        if token:
            body["NextToken"] = str(n + 1) if n + 1 < len(chunks) else ""
            sent["MaxResults"] = size
            if n:
                sent["NextToken"] = str(n)
        else:
            body.update(TotalCount=len(rows), PageNumber=n + 1, PageSize=size)
            sent.update(PageNumber=n + 1, PageSize=size)
        sent["RegionId"] = region
        pages.add(PROVIDER, ACCOUNT, region, service, action, body, sent)


def _metrics(pages: RawPages, rng: random.Random, region: str, now: datetime, running: list[tuple[str, str]]) -> None:
    end = now.replace(minute=0, second=0, microsecond=0)
    hours = 14 * 24
    start = end - timedelta(hours=hours)
    for metric in ("CPUUtilization", "InternetOutRate"):
        points = []
        for iid, role in running:
            base = {"idle-reporting": 1.2, "bastion": 4.0, "gpu-infer": 55.0, "batch": 40.0}.get(role, 25.0)
            for h in range(hours):
                ts = start + timedelta(hours=h + 1)
                daily = 1 + 0.4 * (1 if 9 <= ts.hour <= 18 else -1)
                if metric == "CPUUtilization":
                    avg = max(0.1, min(100.0, base * daily * rng.uniform(0.8, 1.2)))
                else:
                    avg = (100.0 if role == "idle-reporting" else 400_000.0) * daily * rng.uniform(0.7, 1.3)  # bit/s
                points.append({"timestamp": int(ts.timestamp() * 1000), "userId": ACCOUNT, "instanceId": iid,
                               "Average": round(avg, 2), "Maximum": round(avg * 1.6, 2), "Minimum": round(avg * 0.5, 2)})
        dims = json.dumps([{"instanceId": i} for i, _ in running], separators=(",", ":"))
        chunks = [points[i:i + 1000] for i in range(0, len(points), 1000)] or [[]]
        for n, chunk in enumerate(chunks):
            params: dict[str, Any] = {
                "Namespace": "acs_ecs_dashboard", "MetricName": metric, "Period": "3600",
                "StartTime": str(int(start.timestamp() * 1000)), "EndTime": str(int(end.timestamp() * 1000)),
                "Dimensions": dims, "Length": 1000,
            }
            if n:
                params["NextToken"] = f"demo-{metric}-{n}"
            body: dict[str, Any] = {"RequestId": _rid(rng), "Code": "200", "Success": True, "Period": "3600",
                                    "Datapoints": json.dumps(chunk, separators=(",", ":"))}
            if n + 1 < len(chunks):
                body["NextToken"] = f"demo-{metric}-{n + 1}"
            pages.add(PROVIDER, ACCOUNT, region, "cms", "DescribeMetricList", body, params)
