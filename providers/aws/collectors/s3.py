"""S3 collectors: the bucket list (once per account), then per bucket its region, versioning,
object lock, default encryption and a bounded, page-by-page object listing.

ListObjectsV2 does not report an object's encryption. An object is taken as SSE-KMS when its
bucket's default encryption is ``aws:kms``/``aws:kms:dsse`` (GetBucketEncryption); objects
written with an explicit KMS header into other buckets are not detected (``sse_kms`` stays False).
"""

from __future__ import annotations

import fnmatch
import functools
from typing import Any

from providers.aws.scope import Scope

OBJECTS_PAGE = 1000
_ABSENT = {
    "ObjectLockConfigurationNotFoundError", "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchObjectLockConfiguration",
}


def buckets(scope: Scope) -> None:
    """ListBuckets (global), then one job per bucket in the bucket's region."""
    for page in scope.pages("s3", "ListBuckets"):
        for bucket in page.get("Buckets", []):
            name = bucket["Name"]
            region = bucket.get("BucketRegion")
            scope.spawn(scope.region, "s3", f"s3 {name}", functools.partial(_details, name=name, region=region))


def _details(scope: Scope, *, name: str, region: str | None) -> None:
    bucket_details(scope, name, region)


def bucket_details(scope: Scope, name: str, region: str | None) -> None:
    if region is None:
        location = scope.call("s3", "GetBucketLocation", Bucket=name)
        region = bucket_region(location.get("LocationConstraint"))
    for operation in ("GetBucketVersioning", "GetObjectLockConfiguration", "GetBucketEncryption"):
        scope.attempt(lambda op=operation: _optional(scope, op, name, region))  # type: ignore[misc]
    if scope.settings.s3_list_objects and wanted(name, scope.settings.s3_buckets_include,
                                                 scope.settings.s3_buckets_exclude):
        list_objects(scope, name, region)


def list_objects(scope: Scope, name: str, region: str) -> None:
    """Stream the listing page by page; stop after ``s3_max_objects_per_bucket`` objects."""
    limit = scope.settings.s3_max_objects_per_bucket
    listed = 0
    for page in scope.pages("s3", "ListObjectsV2", page_size=min(OBJECTS_PAGE, max(1, limit)),
                            region=region, Bucket=name):
        listed += len(page.get("Contents", []))
        if listed >= limit:
            return


def _optional(scope: Scope, operation: str, name: str, region: str) -> None:
    """A bucket setting whose absence AWS reports as an error code (recorded as an empty page)."""
    from botocore.exceptions import ClientError

    from finml.errors import ProviderError

    try:
        scope.call("s3", operation, region=region, Bucket=name)
    except ProviderError as exc:
        cause = exc.__cause__
        if isinstance(cause, ClientError) and cause.response.get("Error", {}).get("Code") in _ABSENT:
            scope.raw.add("aws", scope.account, scope.region, "s3", operation, {}, {"Bucket": name})
            return
        raise


def bucket_region(location: Any) -> str:
    """GetBucketLocation's LocationConstraint: null means us-east-1, "EU" the old eu-west-1."""
    if not location:
        return "us-east-1"
    return "eu-west-1" if location == "EU" else str(location)


def wanted(name: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    if include and not any(fnmatch.fnmatchcase(name, p) for p in include):
        return False
    return not any(fnmatch.fnmatchcase(name, p) for p in exclude)
