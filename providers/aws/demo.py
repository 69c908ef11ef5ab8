"""A deterministic sample AWS estate, as the raw pages the collectors would record.

Three accounts, three or four regions each, several hundred resources, generated in code (no moto)
in the real boto3 response shapes. Planted waste: unattached volumes, unassociated Elastic IPs,
idle instances (CPU 1-3 %, little network), oversized ones (p99 CPU ~15 %), old generations
(m4, c4), orphaned snapshots, long daily snapshot chains, snapshots backing AMIs and a launch
template (which must be kept), AWS Backup snapshots, duplicate S3 objects (single-part and
multipart ETags, an SSE-KMS bucket), Reserved Instances and a Savings Plan; and busy GPU instances.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from typing import Any

from finml.raw import GLOBAL, RawPages
from providers.aws import _types
from providers.aws.collectors import cloudwatch

P = "aws"
ACCOUNTS = (("111111111111", "prod"), ("222222222222", "ml-research"), ("333333333333", "staging"))
REGIONS = {
    "111111111111": ("us-east-1", "eu-west-1", "us-west-2", "ap-southeast-1"),
    "222222222222": ("us-east-1", "us-west-2", "eu-west-1"),
    "333333333333": ("us-east-1", "eu-west-1", "us-west-2"),
}
_AZ_SUFFIX = "abc"
_PROFILES = {"idle": (1.0, 3.0), "oversized": (4.0, 12.0), "busy": (35.0, 85.0), "steady": (20.0, 45.0)}


class _Ids:
    """Deterministic AWS-looking ids."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self, prefix: str, n: int = 17) -> str:
        return f"{prefix}-{self.rng.getrandbits(n * 4):0{n}x}"


def _iso(dt: datetime) -> str:
    return dt.isoformat()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def demo_pages(now: datetime) -> RawPages:
    pages = RawPages()
    rng = random.Random(20261101)
    ids = _Ids(rng)
    pages.add(P, ACCOUNTS[0][0], GLOBAL, "sts", "GetCallerIdentity",
              {"UserId": "AIDADEMO", "Account": ACCOUNTS[0][0], "Arn": f"arn:aws:iam::{ACCOUNTS[0][0]}:user/finml"})
    for account, name in ACCOUNTS:
        regions = REGIONS[account]
        pages.add(P, account, GLOBAL, "ec2", "DescribeRegions", {"Regions": [
            {"RegionName": r, "Endpoint": f"ec2.{r}.amazonaws.com", "OptInStatus": "opt-in-not-required"}
            for r in regions]}, {})
        for region in regions:
            _region(pages, rng, ids, now, account, name, region)
        _buckets(pages, rng, now, account, name)
        _savings_plans(pages, now, account, name)
    return pages


def _region(pages: RawPages, rng: random.Random, ids: _Ids, now: datetime, account: str, name: str, region: str) -> None:
    az = f"{region}{_AZ_SUFFIX[0]}"
    ml = name == "ml-research"
    instances: list[dict[str, Any]] = []
    volumes: list[dict[str, Any]] = []
    profiles: dict[str, str] = {}

    def volume(size: int, vtype: str, created: datetime, attach: str | None, tags: dict[str, str] | None = None) -> dict[str, Any]:
        vid = ids("vol")
        v: dict[str, Any] = {
            "VolumeId": vid, "Size": size, "VolumeType": vtype, "AvailabilityZone": az, "CreateTime": _iso(created),
            "State": "in-use" if attach else "available", "Encrypted": rng.random() < 0.7, "MultiAttachEnabled": False,
            "Iops": 3000 if vtype == "gp3" else max(100, size * 3), "SnapshotId": "",
            "Attachments": [{"AttachTime": _iso(created), "Device": "/dev/xvdf", "InstanceId": attach,
                             "State": "attached", "VolumeId": vid, "DeleteOnTermination": False}] if attach else [],
        }
        if vtype == "gp3":
            v["Throughput"] = 125
        if tags:
            v["Tags"] = [{"Key": k, "Value": val} for k, val in tags.items()]
        volumes.append(v)
        return v

    types = ["m5.large", "m5.xlarge", "m5.2xlarge", "c5.xlarge", "r5.large", "t3.medium", "m6i.large", "m6g.large",
             "m4.large", "m4.xlarge", "c4.large"]
    count = 22 if region == "us-east-1" else 14
    plan: list[tuple[str, str, str]] = []  # (type, profile, state)
    for n in range(count):
        itype = types[n % len(types)]
        profile = ("idle", "oversized", "busy", "steady", "steady")[n % 5]
        state = "stopped" if n % 9 == 8 else "running"
        plan.append((itype, profile, state))
    if ml:
        plan += [("g5.xlarge", "busy", "running"), ("g5.xlarge", "idle", "running")]
        if region == "us-east-1":
            plan.append(("p4d.24xlarge", "busy", "running"))
    image_ids = [ids("ami") for _ in range(3)]
    for n, (itype, profile, state) in enumerate(plan):
        iid = ids("i")
        launched = now - timedelta(days=rng.randint(20, 400), hours=rng.randint(0, 23))
        root = volume(rng.choice((8, 20, 30, 50)), "gp3" if n % 3 else "gp2", launched, iid)
        mappings = [{"DeviceName": "/dev/xvda", "Ebs": {"AttachTime": _iso(launched), "DeleteOnTermination": True,
                                                        "Status": "attached", "VolumeId": root["VolumeId"]}}]
        if n % 4 == 0:
            data = volume(rng.choice((100, 200, 500)), "gp3", launched, iid, {"Name": f"data-{n}"})
            mappings.append({"DeviceName": "/dev/xvdf", "Ebs": {"AttachTime": _iso(launched), "DeleteOnTermination": False,
                                                                "Status": "attached", "VolumeId": data["VolumeId"]}})
        tags = {"Name": f"{name}-{itype.split('.')[0]}-{n:02d}", "team": ("web", "data", "ml", "platform")[n % 4]}
        inst: dict[str, Any] = {
            "InstanceId": iid, "InstanceType": itype, "ImageId": image_ids[n % 3], "LaunchTime": _iso(launched),
            "State": {"Code": 16 if state == "running" else 80, "Name": state},
            "StateTransitionReason": "" if state == "running" else
            f"User initiated ({(now - timedelta(days=40 + n)).strftime('%Y-%m-%d %H:%M:%S')} GMT)",
            "Placement": {"AvailabilityZone": az, "Tenancy": "default"},
            "PrivateIpAddress": f"10.0.{n // 250}.{n % 250 + 4}", "Architecture": _types.describe(itype)["ProcessorInfo"]["SupportedArchitectures"][0],
            "RootDeviceType": "ebs", "RootDeviceName": "/dev/xvda", "BlockDeviceMappings": mappings,
            "PlatformDetails": "Windows" if n % 13 == 12 else "Linux/UNIX", "EbsOptimized": True,
            "Monitoring": {"State": "disabled"}, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        }
        if n % 13 == 12:
            inst["Platform"] = "windows"
        if n % 11 == 10:
            inst["InstanceLifecycle"] = "spot"
        instances.append(inst)
        if state == "running":
            profiles[iid] = profile
    # planted waste: unattached volumes (old ones flagged; one detached-looking but just created)
    for k in range(3):
        volume(rng.choice((50, 100, 250, 500)), ("gp2", "gp3", "io2")[k], now - timedelta(days=30 + 20 * k), None,
               {"Name": f"old-data-{k}"})
    volume(40, "gp3", now - timedelta(days=2), None, {"Name": "scratch-new"})

    _page(pages, account, region, "ec2", "DescribeInstances",
          {"Reservations": [{"ReservationId": ids("r"), "OwnerId": account, "Groups": [], "Instances": instances[i:i + 5]}
                            for i in range(0, len(instances), 5)]}, {}, page_size=1000, key="Reservations")
    pages.add(P, account, region, "ec2", "DescribeInstanceTypes",
              {"InstanceTypes": [_types.describe(t) for t in sorted({i["InstanceType"] for i in instances})]},
              {"InstanceTypes": sorted({i["InstanceType"] for i in instances})})
    _page(pages, account, region, "ec2", "DescribeVolumes", {"Volumes": volumes}, {}, page_size=500, key="Volumes")
    snapshots, images = _snapshots_and_images(rng, ids, now, account, region, volumes, image_ids)
    templates, versions = _templates(ids, now, account, region, image_ids, snapshots)
    _page(pages, account, region, "ec2", "DescribeSnapshots", {"Snapshots": snapshots}, {"OwnerIds": ["self"]},
          page_size=1000, key="Snapshots")
    pages.add(P, account, region, "ec2", "DescribeImages", {"Images": images}, {"Owners": ["self"]})
    pages.add(P, account, region, "ec2", "DescribeLaunchTemplates", {"LaunchTemplates": templates}, {})
    for t in templates:
        pages.add(P, account, region, "ec2", "DescribeLaunchTemplateVersions",
                  {"LaunchTemplateVersions": [v for v in versions if v["LaunchTemplateId"] == t["LaunchTemplateId"]]},
                  {"LaunchTemplateId": t["LaunchTemplateId"], "Versions": ["$Default", "$Latest"]})
    asg_members = [i["InstanceId"] for i in instances[:3]]
    pages.add(P, account, region, "autoscaling", "DescribeAutoScalingGroups", {"AutoScalingGroups": [{
        "AutoScalingGroupName": f"{name}-web", "AutoScalingGroupARN":
        f"arn:aws:autoscaling:{region}:{account}:autoScalingGroup:{ids('uuid', 8)}:autoScalingGroupName/{name}-web",
        "LaunchTemplate": {"LaunchTemplateId": templates[0]["LaunchTemplateId"], "Version": "$Default"},
        "MinSize": 1, "MaxSize": 6, "DesiredCapacity": 3, "DefaultCooldown": 300, "AvailabilityZones": [az],
        "HealthCheckType": "EC2", "CreatedTime": _iso(now - timedelta(days=300)),
        "Instances": [{"InstanceId": i, "AvailabilityZone": az, "LifecycleState": "InService",
                       "HealthStatus": "Healthy", "ProtectedFromScaleIn": False} for i in asg_members],
        "Tags": [],
    }]}, {})
    pages.add(P, account, region, "autoscaling", "DescribeLaunchConfigurations", {"LaunchConfigurations": [{
        "LaunchConfigurationName": f"{name}-legacy-lc", "LaunchConfigurationARN":
        f"arn:aws:autoscaling:{region}:{account}:launchConfiguration:{ids('uuid', 8)}:launchConfigurationName/{name}-legacy-lc",
        "ImageId": image_ids[2], "InstanceType": "m4.large", "CreatedTime": _iso(now - timedelta(days=900)),
        "BlockDeviceMappings": [], "SecurityGroups": [], "UserData": "I2Nsb3VkLWNvbmZpZwpwYXNzd29yZDogZGVtbwo=",
    }]}, {})
    _addresses(pages, rng, ids, now, account, region, instances)
    _reserved(pages, ids, now, account, name, region)
    _metrics(pages, rng, now, account, region, profiles, {i["InstanceId"]: i["InstanceType"] for i in instances})


def _page(pages: RawPages, account: str, region: str, service: str, operation: str, response: dict[str, Any],
          params: dict[str, Any], *, page_size: int, key: str) -> None:
    """Split ``response[key]`` into pages of ``page_size`` as the real paginator would."""
    rows = response[key]
    for i in range(0, max(1, len(rows)), page_size):
        body: dict[str, Any] = {key: rows[i:i + page_size]}
        if i + page_size < len(rows):
            body["NextToken"] = f"token-{i + page_size}"
        pages.add(P, account, region, service, operation, body, params)


def _snapshots_and_images(rng: random.Random, ids: _Ids, now: datetime, account: str, region: str,
                          volumes: list[dict[str, Any]], image_ids: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    snaps: list[dict[str, Any]] = []

    def snap(volume_id: str, size: int, started: datetime, description: str = "", tags: dict[str, str] | None = None) -> str:
        sid = ids("snap")
        s: dict[str, Any] = {
            "SnapshotId": sid, "VolumeId": volume_id, "VolumeSize": size, "StartTime": _iso(started),
            "State": "completed", "Progress": "100%", "OwnerId": account, "Description": description,
            "Encrypted": False, "StorageTier": "standard",
        }
        if tags:
            s["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        snaps.append(s)
        return sid

    # long daily chains on a few volumes (many old snapshots per volume)
    for v in volumes[:4]:
        for d in range(1, 31 if region == "us-east-1" else 12):
            snap(v["VolumeId"], v["Size"], now - timedelta(days=d, hours=3), f"daily backup of {v['VolumeId']}")
    # orphans: the source volume is gone
    for _ in range(3):
        snap(ids("vol"), rng.choice((20, 100, 500)), now - timedelta(days=rng.randint(90, 700)), "pre-migration copy")
    # AWS Backup recovery points (managed by a backup plan: must not be deleted by hand)
    for v in volumes[4:6]:
        arn = f"arn:aws:ec2:{region}:{account}:volume/{v['VolumeId']}"
        snap(v["VolumeId"], v["Size"], now - timedelta(days=3), "This snapshot is created by the AWS Backup service.",
             {"aws:backup:source-resource": f"{v['VolumeId']}:{arn}"})
    images = []
    for n, ami in enumerate(image_ids):
        created = now - timedelta(days=200 + 50 * n)
        sid = snap("vol-ffffffff", 30, created, f"Created by CreateImage(i-0{n}) for {ami}")
        images.append({
            "ImageId": ami, "Name": f"golden-{n}", "CreationDate": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "State": "available", "OwnerId": account, "Public": False, "Architecture": "x86_64",
            "ImageType": "machine", "RootDeviceType": "ebs", "RootDeviceName": "/dev/xvda", "VirtualizationType": "hvm",
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": sid, "VolumeSize": 30,
                                                                         "VolumeType": "gp3", "DeleteOnTermination": True}}],
        })
    return snaps, images


def _templates(ids: _Ids, now: datetime, account: str, region: str, image_ids: list[str],
               snaps: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    # the launch template pins a snapshot whose source volume is gone: an orphan that must stay
    pinned = next(s["SnapshotId"] for s in snaps if s["Description"] == "pre-migration copy")
    templates, versions = [], []
    for n, tname in enumerate(("web", "batch-data")):
        tid = ids("lt")
        created = now - timedelta(days=300 - n)
        templates.append({"LaunchTemplateId": tid, "LaunchTemplateName": tname, "CreateTime": _iso(created),
                          "CreatedBy": f"arn:aws:iam::{account}:user/ops", "DefaultVersionNumber": 1,
                          "LatestVersionNumber": 2})
        for number in (1, 2):
            data: dict[str, Any] = {"ImageId": image_ids[n], "InstanceType": "m5.large",
                                    "UserData": "IyEvYmluL2Jhc2gKZXhwb3J0IERCX1BBU1NXT1JEPWh1bnRlcjIK"}
            if tname == "batch-data":
                data["BlockDeviceMappings"] = [{"DeviceName": "/dev/xvdf", "Ebs": {"SnapshotId": pinned, "VolumeSize": 100}}]
            versions.append({"LaunchTemplateId": tid, "LaunchTemplateName": tname, "VersionNumber": number,
                             "CreateTime": _iso(created + timedelta(days=number)), "DefaultVersion": number == 1,
                             "LaunchTemplateData": data})
    return templates, versions


def _addresses(pages: RawPages, rng: random.Random, ids: _Ids, now: datetime, account: str, region: str,
               instances: list[dict[str, Any]]) -> None:
    addresses = []
    for n in range(6):
        ip = f"{rng.randint(3, 54)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        a: dict[str, Any] = {"PublicIp": ip, "AllocationId": ids("eipalloc"), "Domain": "vpc",
                             "NetworkBorderGroup": region, "PublicIpv4Pool": "amazon"}
        if n < 4:  # the last two are planted: associated with nothing
            a.update(AssociationId=ids("eipassoc"), InstanceId=instances[n]["InstanceId"],
                     NetworkInterfaceId=ids("eni"), PrivateIpAddress=instances[n]["PrivateIpAddress"])
        else:
            a["Tags"] = [{"Key": "Name", "Value": f"spare-{n}"}]
        addresses.append(a)
    pages.add(P, account, region, "ec2", "DescribeAddresses", {"Addresses": addresses}, {})


def _reserved(pages: RawPages, ids: _Ids, now: datetime, account: str, name: str, region: str) -> None:
    ris = []
    if name == "prod" and region == "us-east-1":
        year = 31536000
        for itype, count, offering, fixed, hourly, start, state in (
            ("m5.large", 4, "No Upfront", 0.0, 0.06, now - timedelta(days=200), "active"),
            ("m5.xlarge", 2, "Partial Upfront", 508.0, 0.058, now - timedelta(days=100), "active"),
            ("m4.large", 6, "All Upfront", 1100.0, 0.0, now - timedelta(days=500), "retired"),
            # planted: expires in 18 days (commitment-expiry)
            ("c5.xlarge", 3, "No Upfront", 0.0, 0.1062, now - timedelta(days=365 - 18), "active"),
        ):
            ris.append({
                "ReservedInstancesId": ids("ri", 8) + "-0000-4000-8000-000000000000", "InstanceType": itype,
                "InstanceCount": count, "Start": _iso(start), "End": _iso(start + timedelta(seconds=year)),
                "Duration": year, "State": state, "OfferingType": offering, "OfferingClass": "standard",
                "FixedPrice": fixed, "UsagePrice": 0.0, "CurrencyCode": "USD", "InstanceTenancy": "default",
                "ProductDescription": "Linux/UNIX", "Scope": "Region",
                "RecurringCharges": [{"Amount": hourly, "Frequency": "Hourly"}] if hourly else [],
            })
    pages.add(P, account, region, "ec2", "DescribeReservedInstances", {"ReservedInstances": ris}, {})


def _savings_plans(pages: RawPages, now: datetime, account: str, name: str) -> None:
    plans = []
    if name in ("prod", "ml-research"):
        start = now - timedelta(days=120 if name == "prod" else 30)
        plans.append({
            "savingsPlanId": f"sp-{_md5(account)[:8]}", "offeringId": _md5(name)[:32],
            "savingsPlanArn": f"arn:aws:savingsplans::{account}:savingsplan/sp-{_md5(account)[:8]}",
            "description": "1 year No Upfront Compute Savings Plan", "start": _iso(start),
            "end": _iso(start + timedelta(days=365)), "state": "active", "region": "",
            "savingsPlanType": "Compute", "paymentOption": "No Upfront", "productTypes": ["EC2", "Fargate", "Lambda"],
            "currency": "USD", "commitment": "1.5" if name == "prod" else "12.0", "upfrontPaymentAmount": "0.0",
            "recurringPaymentAmount": "1.5" if name == "prod" else "12.0", "termDurationInSeconds": 31536000,
            "tags": {"cost-center": name},
        })
    pages.add(P, account, GLOBAL, "savingsplans", "DescribeSavingsPlans", {"savingsPlans": plans}, {"maxResults": 100})


def _buckets(pages: RawPages, rng: random.Random, now: datetime, account: str, name: str) -> None:
    from providers.aws.demo_s3 import buckets

    buckets(pages, rng, now, account, name)


def _metrics(pages: RawPages, rng: random.Random, now: datetime, account: str, region: str,
             profiles: dict[str, str], types: dict[str, str]) -> None:
    from providers.aws.demo_metrics import metrics

    metrics(pages, rng, now, account, region, profiles, types, cloudwatch)
