"""A small recorded Alibaba Cloud estate in the exact RPC response element shapes.

Two regions. cn-hangzhou holds the planted waste: an unattached ultra disk (``Available``,
detached in January 2024), an unassociated EIP, an instance Stopped in KeepCharging mode, a
snapshot used by a custom image (Usage=image) and an orphaned snapshot of a deleted disk.
"""

from __future__ import annotations

from typing import Any


def tag(k: str, v: str) -> dict[str, str]:
    return {"TagKey": k, "TagValue": v}


def _instance(iid: str, region: str, type_: str, status: str, **extra: Any) -> dict[str, Any]:
    cpu, mem = {"ecs.g6.large": (2, 8192), "ecs.g6.xlarge": (4, 16384), "ecs.c6.large": (2, 4096),
                "ecs.t6-c1m1.large": (2, 2048)}[type_]
    base: dict[str, Any] = {
        "InstanceId": iid, "InstanceName": f"name-{iid}", "RegionId": region, "ZoneId": f"{region}-b",
        "InstanceType": type_, "InstanceTypeFamily": ".".join(type_.split(".")[:2]), "Cpu": cpu, "Memory": mem,
        "Status": status, "InstanceChargeType": "PostPaid", "InternetChargeType": "PayByTraffic",
        "SpotStrategy": "NoSpot", "StoppedMode": "Not-applicable", "CreationTime": "2024-01-02T03:04Z",
        "StartTime": "2024-01-02T03:05Z", "ExpiredTime": "2099-12-31T15:59Z", "OSType": "linux",
        "OSName": "Alibaba Cloud Linux 3.2104 LTS 64位", "ImageId": "aliyun_3_x64_20G_alibase_20240528.vhd",
        "GPUAmount": 0, "GPUSpec": "", "IoOptimized": True, "InstanceNetworkType": "vpc",
        "VpcAttributes": {"VpcId": "vpc-bp1opxu1zkhn00gzv****", "VSwitchId": "vsw-bp1ddbrxdlrcbim46****",
                          "PrivateIpAddress": {"IpAddress": ["172.17.0.10"]}, "NatIpAddress": ""},
        "PublicIpAddress": {"IpAddress": []}, "EipAddress": {"AllocationId": "", "IpAddress": "",
                                                             "InternetChargeType": ""},
        "Tags": {"Tag": [tag("team", "ml")]},
    }
    base.update(extra)
    return base


def _disk(did: str, region: str, status: str, size: int, category: str, instance: str = "", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "DiskId": did, "DiskName": f"name-{did}", "RegionId": region, "ZoneId": f"{region}-b",
        "Type": "data", "Category": category, "Size": size, "Status": status, "InstanceId": instance,
        "Device": "/dev/xvdb" if instance else "", "CreationTime": "2024-01-01T00:00Z",
        "AttachedTime": "2024-01-01T00:01Z" if instance else "", "DetachedTime": "",
        "DiskChargeType": "PostPaid", "Portable": True, "DeleteWithInstance": False, "Encrypted": False,
        "IOPS": 2400, "PerformanceLevel": "PL1" if category == "cloud_essd" else "", "SourceSnapshotId": "",
        "Tags": {"Tag": []},
        "Attachments": {"Attachment": [{"InstanceId": instance, "Device": "/dev/xvdb",
                                        "AttachedTime": "2024-01-01T00:01Z"}] if instance else []},
    }
    base.update(extra)
    return base


HZ = "cn-hangzhou"
SG = "ap-southeast-1"

DATA: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("*", "DescribeRegions"): [
        {"RegionId": HZ, "LocalName": "华东1（杭州）", "RegionEndpoint": "ecs.cn-hangzhou.aliyuncs.com", "Status": "available"},
        {"RegionId": SG, "LocalName": "新加坡", "RegionEndpoint": "ecs.ap-southeast-1.aliyuncs.com", "Status": "available"},
    ],
    (HZ, "DescribeInstances"): [
        _instance("i-bp1running0000001", HZ, "ecs.g6.large", "Running"),
        _instance("i-bp1keepchg0000002", HZ, "ecs.g6.xlarge", "Stopped", StoppedMode="KeepCharging"),
        _instance("i-bp1stopchg0000003", HZ, "ecs.c6.large", "Stopped", StoppedMode="StopCharging"),
    ],
    (SG, "DescribeInstances"): [
        _instance("i-t4nsgrunning00001", SG, "ecs.t6-c1m1.large", "Running", InstanceChargeType="PrePaid"),
    ],
    (HZ, "DescribeDisks"): [
        _disk("d-bp1sys00000000001", HZ, "In_use", 40, "cloud_essd", "i-bp1running0000001", Type="system"),
        _disk("d-bp1unattached0002", HZ, "Available", 100, "cloud_efficiency",
              DetachedTime="2024-01-02T03:04Z", Tags={"Tag": [tag("owner", "data-team")]}),
        _disk("d-bp1sys00000000003", HZ, "In_use", 40, "cloud_essd", "i-bp1keepchg0000002", Type="system"),
        _disk("d-bp1fromimage00004", HZ, "In_use", 40, "cloud_essd", "i-bp1stopchg0000003",
              SourceSnapshotId="s-bp1usedbyimage001"),
    ],
    (SG, "DescribeDisks"): [
        _disk("d-t4nsys00000000001", SG, "In_use", 40, "cloud_essd", "i-t4nsgrunning00001", Type="system"),
    ],
    (HZ, "DescribeSnapshots"): [
        {"SnapshotId": "s-bp1usedbyimage001", "SnapshotName": "golden", "RegionId": HZ,
         "SourceDiskId": "d-bp1sys00000000001", "SourceDiskSize": "40", "SourceDiskType": "System",
         "Usage": "image_disk", "Status": "accomplished", "Progress": "100%", "SnapshotType": "user",
         "Category": "standard", "RetentionDays": 0, "Encrypted": False, "InstantAccess": False,
         "CreationTime": "2024-02-01T00:00:00Z", "Tags": {"Tag": []}},
        {"SnapshotId": "s-bp1orphan00000002", "SnapshotName": "before-upgrade", "RegionId": HZ,
         "SourceDiskId": "d-bp1deleted0000009", "SourceDiskSize": "200", "SourceDiskType": "Data",
         "Usage": "none", "Status": "accomplished", "Progress": "100%", "SnapshotType": "user",
         "Category": "standard", "RetentionDays": 30, "Encrypted": False, "InstantAccess": False,
         "CreationTime": "2023-06-01T08:00Z", "Tags": {"Tag": [tag("purpose", "pre-upgrade")]}},
    ],
    (SG, "DescribeSnapshots"): [],
    (HZ, "DescribeImages"): [
        {"ImageId": "m-bp1golden00000001", "ImageName": "golden-2024", "ImageOwnerAlias": "self",
         "RegionId": HZ, "Status": "Available", "CreationTime": "2024-02-01T00:10:00Z", "Size": 40,
         "OSType": "linux", "Architecture": "x86_64", "Usage": "instance",
         "DiskDeviceMappings": {"DiskDeviceMapping": [
             {"SnapshotId": "s-bp1usedbyimage001", "Size": "40", "Device": "/dev/xvda", "Type": "system",
              "Format": "", "ImportOSSBucket": "", "ImportOSSObject": ""}]},
         "Tags": {"Tag": []}},
    ],
    (SG, "DescribeImages"): [],
    (HZ, "DescribeEipAddresses"): [
        {"AllocationId": "eip-bp1unused000001", "IpAddress": "47.96.10.1", "RegionId": HZ, "Status": "Available",
         "InstanceId": "", "InstanceType": "", "InstanceRegionId": "", "AllocationTime": "2024-03-01T00:00:00Z",
         "ChargeType": "PostPaid", "InternetChargeType": "PayByTraffic", "Bandwidth": "5", "Name": "spare",
         "Tags": {"Tag": [{"Key": "env", "Value": "prod"}]}},
        {"AllocationId": "eip-bp1inuse0000002", "IpAddress": "47.96.10.2", "RegionId": HZ, "Status": "InUse",
         "InstanceId": "i-bp1running0000001", "InstanceType": "EcsInstance", "InstanceRegionId": HZ,
         "AllocationTime": "2024-03-01T00:00:00Z", "ChargeType": "PostPaid", "InternetChargeType": "PayByTraffic",
         "Bandwidth": "5", "Name": "web", "Tags": {"Tag": []}},
    ],
    (SG, "DescribeEipAddresses"): [],
    ("*", "DescribeInstanceTypes"): [
        {"InstanceTypeId": "ecs.g6.large", "CpuCoreCount": 2, "MemorySize": 8.0, "InstanceTypeFamily": "ecs.g6",
         "GPUAmount": 0, "GPUSpec": "", "GPUMemorySize": 0.0, "CpuArchitecture": "X86",
         "InstanceFamilyLevel": "EnterpriseLevel", "InstanceCategory": "General-purpose"},
        {"InstanceTypeId": "ecs.g6.xlarge", "CpuCoreCount": 4, "MemorySize": 16.0, "InstanceTypeFamily": "ecs.g6",
         "GPUAmount": 0, "GPUSpec": "", "GPUMemorySize": 0.0, "CpuArchitecture": "X86",
         "InstanceFamilyLevel": "EnterpriseLevel", "InstanceCategory": "General-purpose"},
        {"InstanceTypeId": "ecs.c6.large", "CpuCoreCount": 2, "MemorySize": 4.0, "InstanceTypeFamily": "ecs.c6",
         "GPUAmount": 0, "GPUSpec": "", "GPUMemorySize": 0.0, "CpuArchitecture": "X86",
         "InstanceFamilyLevel": "EnterpriseLevel", "InstanceCategory": "Compute-optimized"},
        {"InstanceTypeId": "ecs.t6-c1m1.large", "CpuCoreCount": 2, "MemorySize": 2.0,
         "InstanceTypeFamily": "ecs.t6", "GPUAmount": 0, "GPUSpec": "", "GPUMemorySize": 0.0,
         "CpuArchitecture": "X86", "InstanceFamilyLevel": "CreditEntryLevel", "InstanceCategory": "Shared"},
        {"InstanceTypeId": "ecs.gn7i-c8g1.2xlarge", "CpuCoreCount": 8, "MemorySize": 30.0,
         "InstanceTypeFamily": "ecs.gn7i", "GPUAmount": 1, "GPUSpec": "NVIDIA A10", "GPUMemorySize": 24.0,
         "CpuArchitecture": "X86", "InstanceFamilyLevel": "EnterpriseLevel", "InstanceCategory": "GPU"},
    ],
}

T0_MS = 1_704_067_200_000  # 2024-01-01T00:00Z


def metrics(hours: int = 30) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Hourly datapoints as CloudMonitor returns them (timestamp in ms, Average/Maximum/Minimum)."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for name, value in (("CPUUtilization", 3.5), ("InternetOutRate", 8000.0), ("IntranetOutRate", 800.0)):
        out[("i-bp1running0000001", name)] = [
            {"timestamp": T0_MS + h * 3_600_000, "userId": "1234567890123456", "instanceId": "i-bp1running0000001",
             "Average": value, "Maximum": value * 2, "Minimum": value / 2}
            for h in range(hours)
        ]
    return out
