"""End-to-end AWS audits against moto through the real boto3 clients finml builds."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from finml.cli import cli
from finml.provider import CollectContext
from finml.raw import RawPages
from providers.aws import AwsProvider, AwsSettings
from providers.aws.permissions import OPERATIONS
from tests.providers.aws._hooks import Recorder, canned, fail, region_of, throttle
from tests.providers.aws.conftest import ACCOUNT, REGIONS, SECRET, Planted, plant

READ_PREFIXES = ("Describe", "List", "Get", "Head")
POLICY = Path(__file__).resolve().parents[3] / "docs" / "aws-iam-policy.json"


def _audit(runner: CliRunner, config: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(cli, ["--config", str(config), "audit", "-p", "aws", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def _collect(session: Any, **settings: Any) -> RawPages:
    from datetime import datetime, timezone

    settings.setdefault("regions", REGIONS)
    pages = RawPages()
    AwsProvider(AwsSettings(**settings), session=session).collect(
        CollectContext(pages=pages, now=datetime.now(timezone.utc)))
    return pages


def test_audit_finds_planted_waste(cli_session: Any, planted: Planted, config_file: Any) -> None:
    code, out = _audit(CliRunner(), config_file())
    assert code == 0, out["collection_errors"]
    by_rec: dict[str, set[str]] = {}
    for f in out["findings"]:
        by_rec.setdefault(f["recommender"], set()).add(f["resource_id"])
        assert f["account"] == ACCOUNT
        assert float(f["monthly_saving"]["amount"]) > 0
    assert by_rec["unattached-volumes"] == set(planted.unattached.values())
    assert by_rec["unused-addresses"] == set(planted.free_eips.values())
    flagged = by_rec["unattached-volumes"] | by_rec["unused-addresses"]
    assert not flagged & set(planted.attached + planted.used_eips)


def test_audit_is_read_only_and_policy_covers_every_call(session: Any, planted: Planted) -> None:
    recorder = Recorder().attach(session)
    pages = _collect(session)
    assert not pages.issues
    ops = {(svc, op) for svc, op, _ in recorder.calls}
    assert ("ec2", "DescribeInstances") in ops and ("s3", "ListObjectsV2") in ops
    for svc, op in ops:
        assert op.startswith(READ_PREFIXES) or op in ("AssumeRole", "GetCallerIdentity"), (svc, op)
    policy = json.loads(POLICY.read_text())
    granted = {a for st in policy["Statement"] for a in st["Action"]}
    for svc, op in ops:
        assert OPERATIONS[(svc, op)] in granted, f"{svc}.{op} needs {OPERATIONS[(svc, op)]} in {POLICY.name}"


def test_access_denied_region_is_partial(cli_session: Any, planted: Planted, config_file: Any) -> None:
    fail(cli_session, "ec2", "DescribeVolumes", "UnauthorizedOperation",
         when=lambda ctx: region_of(ctx) == "eu-west-1")
    code, out = _audit(CliRunner(), config_file())
    assert code == 4
    [issue] = out["collection_errors"]
    assert issue["account"] == ACCOUNT and issue["region"] == "eu-west-1"
    assert issue["permission"] == "ec2:DescribeVolumes" and issue["cause"] == "access-denied"
    assert "ec2:DescribeVolumes" in issue["hint"]
    ids = {f["resource_id"] for f in out["findings"]}
    assert planted.unattached["us-east-1"] in ids  # the other region still audited
    assert planted.unattached["eu-west-1"] not in ids
    assert planted.free_eips["eu-west-1"] in ids  # other services in the denied region go on


def test_snapshot_round_trip_and_no_secrets(cli_session: Any, planted: Planted, config_file: Any,
                                            tmp_path: Path) -> None:
    runner = CliRunner()
    config = config_file()
    snap = tmp_path / "snap"
    result = runner.invoke(cli, ["--config", str(config), "collect", "-p", "aws", "--out", str(snap)])
    assert result.exit_code == 0, result.output
    _, live = _audit(runner, config)
    result = runner.invoke(cli, ["--config", str(config), "audit", "--from", str(snap), "--format", "json"])
    assert result.exit_code == 0, result.output
    offline = json.loads(result.stdout)
    key = [(f["id"], f["monthly_saving"]["amount"]) for f in live["findings"]]
    assert key and key == [(f["id"], f["monthly_saving"]["amount"]) for f in offline["findings"]]
    files = list(snap.rglob("*.json"))
    assert any("DescribeLaunchTemplateVersions" in f.name for f in files)
    import base64

    encoded = base64.b64encode(f"#!/bin/sh\nexport DB_PASSWORD={SECRET}\n".encode()).decode()
    for f in files:
        text = f.read_text()
        assert SECRET not in text and encoded not in text, f
    versions = json.loads(next(f for f in files if "DescribeLaunchTemplateVersions" in f.name).read_text())
    assert versions["response"]["LaunchTemplateVersions"][0]["LaunchTemplateData"]["UserData"] == "***"


def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Keep botocore's retry backoff and adaptive token bucket, minus the real waiting; returns
    how often the adaptive (client-side rate limiting) bucket was asked for a token."""
    from botocore.retries.bucket import TokenBucket

    acquired: list[int] = []

    def acquire(self: Any, amount: int = 1, block: bool = True) -> bool:
        acquired.append(amount)
        return True

    monkeypatch.setattr(TokenBucket, "acquire", acquire)
    return acquired


def test_throttling_is_retried(session: Any, planted: Planted, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # botocore's backoff, without the wait
    acquired = _no_waiting(monkeypatch)
    sent = throttle(session, "ec2", "DescribeAddresses", times=2)
    pages = _collect(session, regions=("us-east-1",))
    assert not pages.issues
    assert sent[0] == 3  # two throttled sends, then the answer
    assert slept  # it backed off before retrying
    assert acquired  # adaptive retry mode: the client-side rate limiter is in the path
    assert len(next(iter(pages.select("aws", "ec2", "DescribeAddresses"))).response["Addresses"]) == 2


def test_throttling_that_outlives_retries_is_an_issue(session: Any, planted: Planted,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda s: None)
    _no_waiting(monkeypatch)
    throttle(session, "ec2", "DescribeAddresses", times=100)
    pages = _collect(session, regions=("us-east-1",), max_attempts=3)
    [issue] = pages.issues
    assert (issue.cause, issue.operation, issue.permission) == ("throttled", "DescribeAddresses", "ec2:DescribeAddresses")
    assert pages.select("aws", "ec2", "DescribeVolumes")  # the rest was collected


def test_no_credentials_is_a_credentials_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    config = tmp_path / "finml.toml"
    config.write_text('[providers.aws]\nregions = ["us-east-1"]\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "audit", "-p", "aws"])
    assert result.exit_code == 2
    assert "no AWS credentials" in result.stderr and "aws configure" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_profile_names_it(tmp_path: Path) -> None:
    config = tmp_path / "finml.toml"
    config.write_text('[providers.aws]\nprofile = "nope"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "audit", "-p", "aws"])
    assert result.exit_code == 2 and "'nope'" in result.stderr


def test_assumed_role_accounts(session: Any) -> None:
    member = "222222222222"
    sts = session.client("sts")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/finml-audit", RoleSessionName="setup")["Credentials"]
    import boto3

    other = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                          aws_session_token=creds["SessionToken"], region_name="us-east-1")
    alloc = other.client("ec2").allocate_address(Domain="vpc")["AllocationId"]
    pages = _collect(session, regions=("us-east-1",), include_caller_account=False, accounts=[
        _account(member, f"arn:aws:iam::{member}:role/finml-audit")])
    assert not pages.issues
    estate = AwsProvider.normalise(pages)
    addresses = [r for r in estate.resources if r.kind.value == "network.address"]
    assert [(a.account, a.id) for a in addresses] == [(member, alloc)]


def test_assume_role_denied_is_an_issue(session: Any) -> None:
    fail(session, "sts", "AssumeRole", "AccessDenied")
    pages = _collect(session, regions=("us-east-1",), skip_services=("s3", "cloudwatch"),
                     accounts=[_account("222222222222", "arn:aws:iam::222222222222:role/finml-audit")])
    [issue] = pages.issues
    assert (issue.account, issue.operation, issue.permission) == ("222222222222", "AssumeRole", "sts:AssumeRole")
    assert "trust policy" in (issue.hint or "")
    assert pages.select("aws", "ec2", "DescribeVolumes")  # the caller's own account still audited


def test_organization_discovery(session: Any) -> None:
    org = session.client("organizations")
    org.create_organization(FeatureSet="ALL")
    created = org.create_account(AccountName="member", Email="m@example.com")["CreateAccountStatus"]
    member = created["AccountId"]
    recorder = Recorder().attach(session)
    pages = _collect(session, regions=("us-east-1",), discover_organization=True,
                     organization_role_name="finml-audit", skip_services=("s3", "cloudwatch", "savingsplans"))
    assert not pages.issues
    assert {p.account for p in pages.select("aws", "ec2", "DescribeVolumes")} == {ACCOUNT, member}
    assert ("sts", "AssumeRole", "us-east-1") in recorder.calls


def test_region_discovery_uses_enabled_regions(session: Any) -> None:
    canned(session, "ec2", "DescribeRegions", {"Regions": [
        {"RegionName": "us-east-1", "OptInStatus": "opt-in-not-required"},
        {"RegionName": "eu-west-1", "OptInStatus": "opt-in-not-required"},
        {"RegionName": "af-south-1", "OptInStatus": "not-opted-in"},
    ]})
    pages = _collect(session, regions=(), skip_services=("s3", "cloudwatch", "savingsplans", "autoscaling"))
    assert {p.region for p in pages.select("aws", "ec2", "DescribeInstances")} == {"us-east-1", "eu-west-1"}


def test_s3_listing_is_bounded_and_filtered(session: Any) -> None:
    s3 = session.client("s3")
    for bucket in ("finml-big", "finml-skip"):
        s3.create_bucket(Bucket=bucket)
        for n in range(5):
            s3.put_object(Bucket=bucket, Key=f"k{n}", Body=b"x" * n)
    pages = _collect(session, regions=("us-east-1",), s3_max_objects_per_bucket=3, s3_buckets_exclude=("*-skip",))
    estate = AwsProvider.normalise(pages)
    buckets = {r.id: r for r in estate.resources if r.kind.value == "storage.bucket"}
    assert buckets["finml-big"].objects_listed == 3 and buckets["finml-big"].listing_truncated  # type: ignore[attr-defined]
    assert buckets["finml-skip"].objects_listed == 0  # type: ignore[attr-defined]
    assert {o.key for o in estate.objects} == {"k0", "k1", "k2"}
    assert all(o.etag and '"' not in o.etag for o in estate.objects)


def test_metrics_and_references_from_moto(session: Any, planted: Planted) -> None:
    pages = _collect(session)
    for page in pages.select("aws", "cloudwatch", "GetMetricData"):
        assert len(page.params["MetricDataQueries"]) <= 500
    estate = AwsProvider.normalise(pages)
    cpu = estate.metrics_for(planted.instances["us-east-1"][1])["cpu.utilization"]
    assert cpu.period_s == 3600 and cpu.unit == "Percent" and len(cpu) == 5
    assert sorted(cpu.values) == [2.0, 2.0, 3.0, 3.0, 3.0]
    assert list(cpu.timestamps) == sorted(cpu.timestamps)
    inst = next(r for r in estate.resources if r.id == planted.instances["us-east-1"][0])
    assert planted.attached[0] in inst.volume_ids  # type: ignore[attr-defined]
    assert estate.instance_types[("aws", "m5.large")].vcpus == 2
    kinds = {r.kind.value for r in estate.resources}
    assert {"commitment.reservation", "commitment.savings_plan", "compute.launch_template", "storage.snapshot"} <= kinds


def _account(account_id: str, role_arn: str) -> Any:
    from providers.aws.settings import AwsAccount

    return AwsAccount(id=account_id, role_arn=role_arn)


def test_plant_helper_is_region_parametrised(session: Any) -> None:
    p = plant(session, ("us-west-2",))
    assert set(p.unattached) == {"us-west-2"}


def test_unexpected_failure_in_one_job_is_contained(moto_env: None) -> None:
    """moto raises NotImplementedError for DescribeReservedInstances (not an SDK error): that one
    job becomes an issue, the rest of the region is still collected."""
    import boto3

    s = boto3.Session(region_name="us-east-1")
    plant(s, ("us-east-1",))
    pages = _collect(s, regions=("us-east-1",), skip_services=("savingsplans",))
    [issue] = pages.issues
    assert issue.cause == "error" and issue.service == "reserved" and "NotImplementedError" in issue.message
    assert pages.select("aws", "ec2", "DescribeVolumes") and pages.select("aws", "s3", "ListObjectsV2")


def test_disabled_region_is_reported_per_operation(session: Any, planted: Planted) -> None:
    fail(session, "ec2", "*", "OptInRequired", when=lambda ctx: region_of(ctx) == "eu-west-1")
    pages = _collect(session, skip_services=("cloudwatch",))
    assert pages.issues and {(i.cause, i.region, i.service) for i in pages.issues} == {
        ("region-disabled", "eu-west-1", "ec2")}
    assert "eu-west-1" in (pages.issues[0].hint or "")
    estate = AwsProvider.normalise(pages)
    assert {r.region for r in estate.resources if r.kind.value == "storage.volume"} == {"us-east-1"}
