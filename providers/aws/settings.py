"""``[providers.aws]`` settings: credentials, accounts, regions, bounds and concurrency."""

from __future__ import annotations

from dataclasses import dataclass

from finml.settings import setting


@dataclass(frozen=True)
class AwsAccount:
    """A member account reached by assuming a role (``[[providers.aws.accounts]]``)."""

    id: str = setting("", "12-digit AWS account id.")
    role_arn: str = setting("", "ARN of the read-only role finml assumes in that account.")
    external_id: str | None = setting(None, "External id the role's trust policy requires, if any.")
    name: str | None = setting(None, "Display name (defaults to the account id).")


@dataclass(frozen=True)
class AwsSettings:
    enabled: bool = setting(True, "Audit AWS when no --provider is given.")
    profile: str | None = setting(
        None, "Named profile from ~/.aws/config (SSO profiles included). Default: the standard chain "
        "(AWS_PROFILE, environment variables, SSO cache, instance/container role).",
        "boto3 credential chain",
    )
    regions: tuple[str, ...] = setting(
        (), "Only these regions. Default: every region enabled for each account (ec2:DescribeRegions).",
    )
    home_region: str = setting(
        "us-east-1", "Region used for global calls (STS, Organizations, Savings Plans, DescribeRegions).",
    )
    include_caller_account: bool = setting(
        True, "Audit the account of the credentials themselves, besides `accounts`.",
    )
    accounts: tuple[AwsAccount, ...] = setting(
        (), "Member accounts to audit through sts:AssumeRole (id, role_arn, external_id, name).",
    )
    discover_organization: bool = setting(
        False, "List the organization's active accounts (organizations:ListAccounts, from the "
        "management or a delegated administrator account) and assume `organization_role_name` in each.",
    )
    organization_role_name: str = setting(
        "OrganizationAccountAccessRole",
        "Role assumed in each discovered account; use a read-only role such as finml-audit.",
        "AWS Organizations default role name",
    )
    organization_external_id: str | None = setting(None, "External id for the organization roles.")
    role_session_name: str = setting("finml-audit", "RoleSessionName recorded in CloudTrail.")
    role_duration_s: int = setting(
        3600, "Lifetime of assumed-role credentials (DurationSeconds; the role's maximum session "
        "duration must allow it). Raise it for audits of very large organizations.",
        "sts:AssumeRole default",
    )
    max_workers: int = setting(8, "Concurrent API calls (account x region x service tasks).")
    max_attempts: int = setting(
        10, "Attempts per API call, with botocore adaptive retries (client-side rate limiting).",
        "botocore retry modes",
    )
    lookback_days: int | None = setting(
        None, "Days of CloudWatch metrics to read. Default: the top-level lookback_days (14).",
    )
    metrics_period_s: int = setting(3600, "CloudWatch period in seconds (hourly samples).")
    agent_metrics: bool = setting(
        True, "Read CloudWatch agent metrics (CWAgent mem_used_percent, nvidia_smi_utilization_gpu) "
        "where the agent publishes them.",
    )
    s3_max_objects_per_bucket: int = setting(
        100_000, "Stop listing a bucket after this many objects (the bucket is marked truncated).",
    )
    s3_list_objects: bool = setting(True, "List objects (for duplicate detection); off = buckets only.")
    s3_buckets_include: tuple[str, ...] = setting(
        (), "Only list objects of buckets matching these glob patterns (default: all).",
    )
    s3_buckets_exclude: tuple[str, ...] = setting((), "Never list objects of buckets matching these globs.")
    skip_services: tuple[str, ...] = setting(
        (), "Services not to call: ec2, autoscaling, s3, savingsplans, cloudwatch.",
    )
