"""moto-backed AWS fixtures: a planted estate, the injected session, and the CLI wired to it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.providers.aws._hooks import canned

ACCOUNT = "123456789012"
"""moto's default account."""
REGIONS = ("us-east-1", "eu-west-1")
SECRET = "hunter2-db-password"


@dataclass
class Planted:
    unattached: dict[str, str] = field(default_factory=dict)  # region -> volume id
    attached: list[str] = field(default_factory=list)
    free_eips: dict[str, str] = field(default_factory=dict)  # region -> allocation id
    used_eips: list[str] = field(default_factory=list)
    instances: dict[str, list[str]] = field(default_factory=dict)
    template_id: str = ""


@pytest.fixture
def moto_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    from moto import mock_aws

    amis = tmp_path_factory.mktemp("moto") / "amis.json"
    amis.write_text("[]")  # no public AMIs: keeps moto fast and the snapshot list ours
    monkeypatch.setenv("MOTO_AMIS_PATH", str(amis))
    with mock_aws():
        yield


@pytest.fixture
def session(moto_env: None) -> Any:
    """A real boto3 session against moto, with canned answers for the two APIs moto lacks."""
    import boto3

    s = boto3.Session(region_name="us-east-1")
    canned(s, "ec2", "DescribeReservedInstances", {"ReservedInstances": [{
        "ReservedInstancesId": "11111111-2222-3333-4444-555555555555", "InstanceType": "m5.large",
        "InstanceCount": 2, "Start": "2026-01-01T00:00:00Z", "End": "2027-01-01T00:00:00Z", "Duration": 31536000,
        "State": "active", "OfferingType": "Partial Upfront", "FixedPrice": 254.0, "UsagePrice": 0.0,
        "CurrencyCode": "USD", "RecurringCharges": [{"Amount": 0.029, "Frequency": "Hourly"}], "Scope": "Region",
    }]})
    canned(s, "savingsplans", "DescribeSavingsPlans", {"savingsPlans": [{
        "savingsPlanId": "sp-1", "savingsPlanArn": f"arn:aws:savingsplans::{ACCOUNT}:savingsplan/sp-1",
        "start": "2026-06-01T00:00:00.000Z", "end": "2027-06-01T00:00:00.000Z", "state": "active",
        "savingsPlanType": "Compute", "paymentOption": "No Upfront", "currency": "USD", "commitment": "0.75",
        "upfrontPaymentAmount": "0.0", "recurringPaymentAmount": "0.75", "termDurationInSeconds": 31536000,
    }]})
    return s


def plant(s: Any, regions: tuple[str, ...] = REGIONS) -> Planted:
    """Per region: 2 instances (one with an extra attached volume and an EIP), an old unattached
    volume, an unassociated EIP; in us-east-1 also a launch template with a secret in UserData."""
    import base64
    from datetime import datetime, timedelta, timezone

    p = Planted()
    for region in regions:
        ec2 = s.client("ec2", region_name=region)
        run = ec2.run_instances(ImageId="ami-12345678", MinCount=2, MaxCount=2, InstanceType="m5.large")
        ids = [i["InstanceId"] for i in run["Instances"]]
        p.instances[region] = ids
        vol = ec2.create_volume(AvailabilityZone=f"{region}a", Size=200, VolumeType="gp3")
        ec2.attach_volume(VolumeId=vol["VolumeId"], InstanceId=ids[0], Device="/dev/sdf")
        p.attached.append(vol["VolumeId"])
        free = ec2.create_volume(AvailabilityZone=f"{region}a", Size=100, VolumeType="gp2",
                                 TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "old"}]}])
        p.unattached[region] = free["VolumeId"]
        ec2.create_snapshot(VolumeId=free["VolumeId"], Description="nightly")
        used = ec2.allocate_address(Domain="vpc")
        ec2.associate_address(AllocationId=used["AllocationId"], InstanceId=ids[0])
        p.used_eips.append(used["AllocationId"])
        p.free_eips[region] = ec2.allocate_address(Domain="vpc")["AllocationId"]
        if region == "us-east-1":
            user_data = base64.b64encode(f"#!/bin/sh\nexport DB_PASSWORD={SECRET}\n".encode()).decode()
            lt = ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={
                "ImageId": "ami-12345678", "InstanceType": "m5.large", "UserData": user_data})
            p.template_id = lt["LaunchTemplate"]["LaunchTemplateId"]
            cw = s.client("cloudwatch", region_name=region)
            now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
            cw.put_metric_data(Namespace="AWS/EC2", MetricData=[{
                "MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": ids[1]}],
                "Timestamp": now - timedelta(hours=h), "Value": 2.0 + h % 2, "Unit": "Percent"} for h in range(1, 6)])
    s3 = s.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="finml-test-data")
    for key in ("a.csv", "b.csv", "copy-of-a.csv"):
        s3.put_object(Bucket="finml-test-data", Key=key, Body=b"same bytes" if "a" in key else b"other")
    return p


@pytest.fixture
def planted(session: Any) -> Planted:
    return plant(session)


@pytest.fixture
def config_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a finml.toml with a [providers.aws] table; returns its path."""

    def write(**aws: Any) -> Path:
        aws.setdefault("regions", list(REGIONS))
        lines = ["[providers.aws]"] + [f"{k} = {json.dumps(v)}" for k, v in aws.items()]
        # moto stamps volumes "now": judge them regardless of age
        lines += ["[recommenders.unattached-volumes]", "min_age_days = 0"]
        path = tmp_path / "finml.toml"
        path.write_text("\n".join(lines) + "\n")
        return path

    return write


@pytest.fixture
def cli_session(session: Any) -> Iterator[Any]:
    """Make ``finml`` build its AWS provider with the moto session (a registered factory)."""
    from providers import registry
    from providers.aws import AwsProvider

    class InjectedAws(AwsProvider):
        def __init__(self, settings: Any = None, **clients: Any) -> None:
            super().__init__(settings, **{"session": session, **clients})

    registry.register("aws", InjectedAws)
    try:
        yield session
    finally:
        registry.register("aws", AwsProvider)
