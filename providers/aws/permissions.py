"""Every AWS API operation finml calls, the IAM permission it needs, and failure classification.

``OPERATIONS`` is the single list the collectors draw from; ``docs/aws-iam-policy.json`` must grant
each permission in it (a test checks both directions). :func:`classify` turns a botocore error
into the ``cause``/``permission``/``hint`` of a :class:`~finml.model.CollectionIssue`.
"""

from __future__ import annotations

from dataclasses import dataclass

OPERATIONS: dict[tuple[str, str], str] = {
    ("sts", "GetCallerIdentity"): "sts:GetCallerIdentity",
    ("sts", "AssumeRole"): "sts:AssumeRole",
    ("organizations", "ListAccounts"): "organizations:ListAccounts",
    ("ec2", "DescribeRegions"): "ec2:DescribeRegions",
    ("ec2", "DescribeInstances"): "ec2:DescribeInstances",
    ("ec2", "DescribeInstanceTypes"): "ec2:DescribeInstanceTypes",
    ("ec2", "DescribeVolumes"): "ec2:DescribeVolumes",
    ("ec2", "DescribeSnapshots"): "ec2:DescribeSnapshots",
    ("ec2", "DescribeImages"): "ec2:DescribeImages",
    ("ec2", "DescribeLaunchTemplates"): "ec2:DescribeLaunchTemplates",
    ("ec2", "DescribeLaunchTemplateVersions"): "ec2:DescribeLaunchTemplateVersions",
    ("ec2", "DescribeAddresses"): "ec2:DescribeAddresses",
    ("ec2", "DescribeReservedInstances"): "ec2:DescribeReservedInstances",
    ("autoscaling", "DescribeAutoScalingGroups"): "autoscaling:DescribeAutoScalingGroups",
    ("autoscaling", "DescribeLaunchConfigurations"): "autoscaling:DescribeLaunchConfigurations",
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketLocation"): "s3:GetBucketLocation",
    ("s3", "GetBucketVersioning"): "s3:GetBucketVersioning",
    ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("savingsplans", "DescribeSavingsPlans"): "savingsplans:DescribeSavingsPlans",
    ("cloudwatch", "ListMetrics"): "cloudwatch:ListMetrics",
    ("cloudwatch", "GetMetricData"): "cloudwatch:GetMetricData",
}
"""(boto3 service name, API operation) -> IAM action."""

SERVICES = ("ec2", "autoscaling", "s3", "savingsplans", "cloudwatch")
"""Services that ``skip_services`` may name."""

_DENIED = {
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
    "AuthorizationError", "AuthorizationErrorException", "Forbidden", "AllAccessDisabled",
}
_THROTTLED = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
    "TooManyRequestsException", "SlowDown", "RequestThrottled", "RequestThrottledException",
    "ProvisionedThroughputExceededException", "BandwidthLimitExceeded", "EC2ThrottledException",
}
_REGION = {"OptInRequired", "InvalidAction", "UnrecognizedClientException", "SubscriptionRequiredException"}
_AUTH = {
    "AuthFailure", "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
    "RequestExpired", "SignatureDoesNotMatch", "InvalidToken",
}


def permission(service: str, operation: str) -> str | None:
    return OPERATIONS.get((service, operation))


@dataclass(frozen=True, slots=True)
class Classified:
    cause: str
    permission: str | None
    hint: str


def classify(service: str, operation: str, code: str, region: str | None) -> Classified:
    """Cause, IAM permission and a hint for an AWS error ``code`` from ``service.operation``."""
    perm = permission(service, operation)
    if code in _DENIED:
        return Classified(
            "access-denied", perm,
            f"grant {perm or f'{service}:{operation}'} to the audit identity (docs/aws-iam-policy.json "
            f"lists every permission), or set [providers.aws] skip_services = [\"{service}\"]",
        )
    if code in _THROTTLED:
        return Classified(
            "throttled", perm,
            "AWS kept throttling after the retries; re-run later, lower [providers.aws] max_workers "
            "or raise max_attempts",
        )
    if code in _REGION:
        return Classified(
            "region-disabled", perm,
            f"region {region} is not enabled for this account; enable it or leave it out of "
            "[providers.aws] regions",
        )
    if code in _AUTH:
        where = f" in {region}" if region else ""
        return Classified(
            "auth", perm,
            f"the credentials were refused{where} (a disabled opt-in region also answers AuthFailure); "
            "refresh them (aws sso login / aws configure) or leave the region out",
        )
    return Classified("error", perm, f"AWS answered {code}; re-run with -vv for details")
