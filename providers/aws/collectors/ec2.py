"""EC2 collectors: instances (+ their types and metrics), volumes, snapshots, images, launch
templates, Elastic IPs and Reserved Instances. Thin: call, record, return ids for dependants."""

from __future__ import annotations

from typing import Any

from providers.aws.collectors import cloudwatch
from providers.aws.scope import Scope

INSTANCES_PAGE = 1000
VOLUMES_PAGE = 500
SNAPSHOTS_PAGE = 1000
IMAGES_PAGE = 1000
TEMPLATES_PAGE = 200
TYPES_PER_CALL = 100


def instances(scope: Scope) -> None:
    """DescribeInstances, then DescribeInstanceTypes for the types seen, then their metrics."""
    seen_types: set[str] = set()
    ids: list[str] = []
    for page in scope.pages("ec2", "DescribeInstances", page_size=INSTANCES_PAGE):
        for reservation in page.get("Reservations", []):
            for inst in reservation.get("Instances", []):
                seen_types.add(inst["InstanceType"])
                if inst.get("State", {}).get("Name") in ("running", "stopping", "stopped", "pending"):
                    ids.append(inst["InstanceId"])
    if seen_types:
        scope.attempt(lambda: instance_types(scope, sorted(seen_types)))
    if ids and not scope.skipped("cloudwatch"):
        scope.attempt(lambda: cloudwatch.instance_metrics(scope, ids))


def instance_types(scope: Scope, names: list[str]) -> None:
    for i in range(0, len(names), TYPES_PER_CALL):
        for _ in scope.pages("ec2", "DescribeInstanceTypes", InstanceTypes=names[i:i + TYPES_PER_CALL]):
            pass


def volumes(scope: Scope) -> None:
    for _ in scope.pages("ec2", "DescribeVolumes", page_size=VOLUMES_PAGE):
        pass


def snapshots(scope: Scope) -> None:
    for _ in scope.pages("ec2", "DescribeSnapshots", page_size=SNAPSHOTS_PAGE, OwnerIds=["self"]):
        pass


def images(scope: Scope) -> None:
    for _ in scope.pages("ec2", "DescribeImages", page_size=IMAGES_PAGE, Owners=["self"]):
        pass


def launch_templates(scope: Scope) -> None:
    """DescribeLaunchTemplates, then the $Default and $Latest version of each (pinned AMIs and
    snapshots)."""
    ids: list[str] = []
    for page in scope.pages("ec2", "DescribeLaunchTemplates", page_size=TEMPLATES_PAGE):
        ids.extend(t["LaunchTemplateId"] for t in page.get("LaunchTemplates", []))
    for template_id in ids:
        scope.attempt(lambda tid=template_id: _template_versions(scope, tid))  # type: ignore[misc]


def _template_versions(scope: Scope, template_id: str) -> None:
    for _ in scope.pages("ec2", "DescribeLaunchTemplateVersions", LaunchTemplateId=template_id,
                         Versions=["$Default", "$Latest"]):
        pass


def addresses(scope: Scope) -> None:
    scope.call("ec2", "DescribeAddresses")


def reserved_instances(scope: Scope) -> None:
    scope.call("ec2", "DescribeReservedInstances")


def regions(scope: Scope) -> list[dict[str, Any]]:
    """Regions enabled for the account (opted in or not requiring opt-in)."""
    page = scope.call("ec2", "DescribeRegions")
    return [r for r in page.get("Regions", []) if r.get("OptInStatus") != "not-opted-in"]
