"""Pure normalisation of EC2/Auto Scaling/commitment pages into the model."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from finml.model import (
    Address,
    Commitment,
    Image,
    Instance,
    InstanceState,
    InstanceType,
    Kind,
    LaunchTemplate,
    ScalingGroup,
)
from finml.raw import RawPages
from providers.aws._parse import money, months, tags, transition_time, ts

P = "aws"

_STATES = {
    "pending": InstanceState.PENDING,
    "running": InstanceState.RUNNING,
    "stopping": InstanceState.STOPPING,
    "stopped": InstanceState.STOPPED,
    "shutting-down": InstanceState.TERMINATED,
    "terminated": InstanceState.TERMINATED,
}
_PLATFORMS = {
    "windows": "windows", "linux/unix": "linux", "red hat enterprise linux": "rhel",
    "suse linux": "suse", "ubuntu pro": "ubuntu-pro",
}


def items(pages: RawPages, service: str, operation: str, key: str) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """``(account, region, item, params)`` for every element of ``response[key]``."""
    for page in pages.select(P, service, operation):
        for item in (page.response or {}).get(key, []) or []:
            yield page.account, page.region, item, dict(page.params)


def instance_types(pages: RawPages) -> dict[tuple[str, str], InstanceType]:
    out: dict[tuple[str, str], InstanceType] = {}
    for _, _, t, _ in items(pages, "ec2", "DescribeInstanceTypes", "InstanceTypes"):
        name = t["InstanceType"]
        gpu = t.get("GpuInfo") or {}
        gpus = gpu.get("Gpus") or []
        archs = (t.get("ProcessorInfo") or {}).get("SupportedArchitectures") or ["x86_64"]
        out[(P, name)] = InstanceType(
            provider=P, name=name,
            vcpus=int((t.get("VCpuInfo") or {}).get("DefaultVCpus", 0)),
            memory_gib=float((t.get("MemoryInfo") or {}).get("SizeInMiB", 0)) / 1024,
            family=name.split(".")[0],
            gpus=sum(int(g.get("Count", 0)) for g in gpus),
            gpu_model=" ".join(x for x in (gpus[0].get("Manufacturer"), gpus[0].get("Name")) if x) if gpus else None,
            gpu_memory_gib=float(gpu.get("TotalGpuMemoryInMiB", 0)) / 1024,
            architecture="arm64" if archs == ["arm64"] or archs[0] == "arm64" else "x86_64",
            current_generation=bool(t.get("CurrentGeneration", True)),
            burstable=bool(t.get("BurstablePerformanceSupported", False)),
        )
    return out


def instances(pages: RawPages, types: dict[tuple[str, str], InstanceType]) -> Iterator[Instance]:
    for account, region, reservation, _ in items(pages, "ec2", "DescribeInstances", "Reservations"):
        owner = str(reservation.get("OwnerId") or account)
        for i in reservation.get("Instances", []):
            state = _STATES.get((i.get("State") or {}).get("Name", ""), InstanceState.UNKNOWN)
            t = tags(i.get("Tags"))
            lifecycle = i.get("InstanceLifecycle")
            details = (i.get("PlatformDetails") or i.get("Platform") or "linux/unix").lower()
            yield Instance(
                provider=P, account=owner, region=region, id=i["InstanceId"], name=t.get("Name"),
                created_at=ts(i.get("LaunchTime")), tags=t, raw=i,
                instance_type=i["InstanceType"], state=state, type_info=types.get((P, i["InstanceType"])),
                platform=_PLATFORMS.get(details, "windows" if "windows" in details else details.split("/")[0]),
                lifecycle="spot" if lifecycle == "spot" else "reserved-capacity" if lifecycle == "capacity-block" else "on-demand",
                launched_at=ts(i.get("LaunchTime")),
                state_since=transition_time(i.get("StateTransitionReason")) if state != InstanceState.RUNNING else None,
                volume_ids=tuple(b["Ebs"]["VolumeId"] for b in i.get("BlockDeviceMappings", []) if "Ebs" in b),
                image_id=i.get("ImageId"),
                # AWS stops compute billing when stopped; the EBS volumes (volume_ids) stay billed
                billed_while_stopped=False,
            )


def images(pages: RawPages) -> Iterator[Image]:
    for account, region, img, _ in items(pages, "ec2", "DescribeImages", "Images"):
        yield Image(
            provider=P, account=str(img.get("OwnerId") or account), region=region, id=img["ImageId"],
            name=img.get("Name"), created_at=ts(img.get("CreationDate")), tags=tags(img.get("Tags")), raw=img,
            snapshot_ids=_bdm_snapshots(img.get("BlockDeviceMappings")), state=img.get("State", "available"),
        )


def _bdm_snapshots(mappings: Any) -> tuple[str, ...]:
    return tuple(
        m["Ebs"]["SnapshotId"] for m in mappings or [] if (m.get("Ebs") or {}).get("SnapshotId")
    )


def scaling_groups(pages: RawPages) -> list[ScalingGroup]:
    out = []
    for account, region, g, _ in items(pages, "autoscaling", "DescribeAutoScalingGroups", "AutoScalingGroups"):
        out.append(ScalingGroup(
            provider=P, account=account, region=region, id=g.get("AutoScalingGroupARN") or g["AutoScalingGroupName"],
            name=g["AutoScalingGroupName"], created_at=ts(g.get("CreatedTime")), tags=tags(g.get("Tags")), raw=g,
            launch_template_ids=tuple(_group_templates(g)),
            instance_ids=tuple(i["InstanceId"] for i in g.get("Instances", [])),
            desired_capacity=int(g.get("DesiredCapacity", 0)),
        ))
    return out


def _group_templates(g: dict[str, Any]) -> list[str]:
    """Launch template ids and launch configuration names a group launches from."""
    out = []
    specs = [g.get("LaunchTemplate")]
    mixed = (g.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}
    specs.append(mixed.get("LaunchTemplateSpecification"))
    specs.extend(o.get("LaunchTemplateSpecification") for o in mixed.get("Overrides", []) or [])
    for spec in specs:
        if spec:
            out.append(spec.get("LaunchTemplateId") or spec.get("LaunchTemplateName"))
    if g.get("LaunchConfigurationName"):
        out.append(g["LaunchConfigurationName"])
    return [x for x in out if x]


def launch_templates(pages: RawPages, groups: list[ScalingGroup]) -> Iterator[LaunchTemplate]:
    """Templates with the AMIs/snapshots of their $Default and $Latest versions; in use when an
    Auto Scaling group launches from them."""
    used = {(g.account, g.region, ref) for g in groups for ref in g.launch_template_ids}
    versions: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for account, region, v, _ in items(pages, "ec2", "DescribeLaunchTemplateVersions", "LaunchTemplateVersions"):
        versions.setdefault((account, region, v["LaunchTemplateId"]), []).append(v)
    for account, region, t, _ in items(pages, "ec2", "DescribeLaunchTemplates", "LaunchTemplates"):
        tid = t["LaunchTemplateId"]
        data = [v.get("LaunchTemplateData") or {} for v in versions.get((account, region, tid), [])]
        yield LaunchTemplate(
            provider=P, account=account, region=region, id=tid, name=t.get("LaunchTemplateName"),
            created_at=ts(t.get("CreateTime")), tags=tags(t.get("Tags")), raw=t,
            image_ids=tuple(sorted({d["ImageId"] for d in data if d.get("ImageId")})),
            snapshot_ids=tuple(sorted({s for d in data for s in _bdm_snapshots(d.get("BlockDeviceMappings"))})),
            in_use=(account, region, tid) in used or (account, region, t.get("LaunchTemplateName")) in used,
        )
    for account, region, c, _ in items(pages, "autoscaling", "DescribeLaunchConfigurations", "LaunchConfigurations"):
        yield LaunchTemplate(
            provider=P, account=account, region=region, id=c.get("LaunchConfigurationARN") or c["LaunchConfigurationName"],
            name=c["LaunchConfigurationName"], created_at=ts(c.get("CreatedTime")), raw=c,
            image_ids=(c["ImageId"],) if c.get("ImageId") else (),
            snapshot_ids=_bdm_snapshots(c.get("BlockDeviceMappings")),
            in_use=(account, region, c["LaunchConfigurationName"]) in used,
        )


def addresses(pages: RawPages) -> Iterator[Address]:
    for account, region, a, _ in items(pages, "ec2", "DescribeAddresses", "Addresses"):
        assoc = a.get("InstanceId") or a.get("NetworkInterfaceId") or a.get("AssociationId")
        yield Address(
            provider=P, account=account, region=region, id=a.get("AllocationId") or a["PublicIp"],
            name=tags(a.get("Tags")).get("Name"), tags=tags(a.get("Tags")), raw=a, ip=a["PublicIp"],
            associated_with=assoc, state="associated" if assoc else "unassociated",
        )


def reserved_instances(pages: RawPages) -> Iterator[Commitment]:
    for account, region, ri, _ in items(pages, "ec2", "DescribeReservedInstances", "ReservedInstances"):
        currency = ri.get("CurrencyCode") or "USD"
        hourly = sum(
            (Decimal(str(c.get("Amount", 0))) for c in ri.get("RecurringCharges", []) or []
             if c.get("Frequency") == "Hourly"),
            Decimal(0),
        )
        recurring = money(hourly + Decimal(str(ri.get("UsagePrice") or 0)), currency)
        yield Commitment(
            provider=P, account=account, region=region, id=ri["ReservedInstancesId"], kind=Kind.RESERVATION,
            tags=tags(ri.get("Tags")), raw=ri, commitment_type="reserved-instance",
            start=ts(ri.get("Start")), end=ts(ri.get("End")), state=ri.get("State", "active"),
            instance_type=ri.get("InstanceType"), instance_count=int(ri.get("InstanceCount", 0)),
            scope=ri.get("Scope"), offering=ri.get("OfferingType"), term_months=months(ri.get("Duration")),
            upfront=money(ri.get("FixedPrice"), currency), recurring_hourly=recurring,
        )


def savings_plans(pages: RawPages) -> Iterator[Commitment]:
    for account, _, sp, _ in items(pages, "savingsplans", "DescribeSavingsPlans", "savingsPlans"):
        currency = sp.get("currency") or "USD"
        yield Commitment(
            provider=P, account=account, region=sp.get("region") or "global",
            id=sp.get("savingsPlanArn") or sp["savingsPlanId"], name=sp.get("savingsPlanId"),
            kind=Kind.SAVINGS_PLAN, tags=tags(sp.get("tags")), raw=sp, commitment_type="savings-plan",
            start=ts(sp.get("start")), end=ts(sp.get("end")), state=sp.get("state", "active"),
            instance_type=sp.get("ec2InstanceFamily"), scope=sp.get("savingsPlanType"),
            offering=sp.get("paymentOption"), term_months=months(sp.get("termDurationInSeconds")),
            hourly_commitment=money(sp.get("commitment"), currency),
            upfront=money(sp.get("upfrontPaymentAmount"), currency),
            recurring_hourly=money(sp.get("recurringPaymentAmount"), currency),
        )
