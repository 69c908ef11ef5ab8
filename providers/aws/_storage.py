"""Pure normalisation of EBS, S3 and CloudWatch pages into the model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from finml.model import Bucket, Image, LaunchTemplate, MetricSeries, Snapshot, StoredObject, Volume
from finml.raw import RawPages
from providers.aws._compute import P, items
from providers.aws._parse import tags, ts

BACKUP_TAG = "aws:backup:source-resource"
_BACKUP_MARKERS = ("aws backup", "aws:backup", "awsbackup")
_NO_VOLUME = "vol-ffffffff"
"""EC2's placeholder VolumeId for snapshots copied or registered without a source volume."""

METRIC_NAMES: dict[tuple[str, str], tuple[str, str]] = {
    ("AWS/EC2", "CPUUtilization"): ("cpu.utilization", "Percent"),
    ("AWS/EC2", "NetworkIn"): ("network.in.bytes", "Bytes"),
    ("AWS/EC2", "NetworkOut"): ("network.out.bytes", "Bytes"),
    ("CWAgent", "mem_used_percent"): ("memory.utilization", "Percent"),
    ("CWAgent", "nvidia_smi_utilization_gpu"): ("gpu.utilization", "Percent"),
}
"""CloudWatch (namespace, metric) -> neutral metric name and unit. Several series of one instance
under one name (one per GPU) are averaged per timestamp."""


def volumes(pages: RawPages) -> Iterator[Volume]:
    for account, region, v, _ in items(pages, "ec2", "DescribeVolumes", "Volumes"):
        t = tags(v.get("Tags"))
        attached = tuple(
            a["InstanceId"] for a in v.get("Attachments", []) or [] if a.get("State") in ("attached", "attaching", "busy")
        )
        yield Volume(
            provider=P, account=account, region=region, id=v["VolumeId"], name=t.get("Name"),
            created_at=ts(v.get("CreateTime")), tags=t, raw=v, size_gib=float(v.get("Size", 0)),
            volume_type=v.get("VolumeType", "standard"), attached_to=attached, state=v.get("State", "available"),
            last_detached_at=None,  # EC2 does not report it; recommenders fall back to created_at
            iops=v.get("Iops"), throughput_mbps=v.get("Throughput"), encrypted=bool(v.get("Encrypted", False)),
        )


def snapshots(pages: RawPages, images: list[Image], templates: list[LaunchTemplate]) -> Iterator[Snapshot]:
    users: dict[tuple[str, str], list[str]] = {}
    for holder in [*images, *templates]:
        for sid in holder.snapshot_ids:  # type: ignore[attr-defined]
            users.setdefault((holder.account, sid), []).append(holder.id)
    for account, region, s, _ in items(pages, "ec2", "DescribeSnapshots", "Snapshots"):
        t = tags(s.get("Tags"))
        owner = str(s.get("OwnerId") or account)
        description = (s.get("Description") or "").lower()
        volume_id = s.get("VolumeId")
        yield Snapshot(
            provider=P, account=owner, region=region, id=s["SnapshotId"], name=t.get("Name"),
            created_at=ts(s.get("StartTime")), tags=t, raw=s, size_gib=float(s.get("VolumeSize", 0)),
            source_volume_id=None if volume_id in (None, "", _NO_VOLUME) else volume_id,
            storage_bytes=s.get("FullSnapshotSizeInBytes"),
            backup_managed=BACKUP_TAG in t or any(m in description for m in _BACKUP_MARKERS),
            used_by=tuple(sorted(users.get((owner, s["SnapshotId"]), ()))),
            retention_until=ts(s.get("RestoreExpiryTime")),
        )


def _by_bucket(pages: RawPages, operation: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The last recorded response of a per-bucket S3 operation, by (account, bucket)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for page in pages.select(P, "s3", operation):
        out[(page.account, str(page.params.get("Bucket")))] = page.response or {}
    return out


def buckets_and_objects(pages: RawPages) -> tuple[list[Bucket], list[StoredObject]]:
    from providers.aws.collectors.s3 import bucket_region

    locations = _by_bucket(pages, "GetBucketLocation")
    versioning = _by_bucket(pages, "GetBucketVersioning")
    locks = _by_bucket(pages, "GetObjectLockConfiguration")
    encryption = _by_bucket(pages, "GetBucketEncryption")
    listed: dict[tuple[str, str], list[Any]] = {}
    for page in pages.select(P, "s3", "ListObjectsV2"):
        listed.setdefault((page.account, str(page.params.get("Bucket"))), []).append(page.response or {})
    buckets: list[Bucket] = []
    objects: list[StoredObject] = []
    for account, _, b, _ in items(pages, "s3", "ListBuckets", "Buckets"):
        name = b["Name"]
        key = (account, name)
        region = b.get("BucketRegion") or bucket_region(locations.get(key, {}).get("LocationConstraint"))
        lock_conf = locks.get(key, {}).get("ObjectLockConfiguration") or {}
        lock = lock_conf.get("ObjectLockEnabled") == "Enabled"
        default_retention = bool((lock_conf.get("Rule") or {}).get("DefaultRetention"))
        kms = _kms_default(encryption.get(key, {}))
        responses = listed.get(key, [])
        count = 0
        for response in responses:
            for o in response.get("Contents", []) or []:
                count += 1
                algorithms = o.get("ChecksumAlgorithm") or []
                objects.append(StoredObject(
                    provider=P, account=account, bucket=name, key=o["Key"], size=int(o.get("Size", 0)),
                    etag=str(o.get("ETag", "")).strip('"'), storage_class=o.get("StorageClass") or "STANDARD",
                    last_modified=ts(o.get("LastModified")) or ts("1970-01-01T00:00:00+00:00"),  # type: ignore[arg-type]
                    checksum_algorithm=algorithms[0] if algorithms else None,
                    sse_kms=kms, object_lock=default_retention,
                ))
        buckets.append(Bucket(
            provider=P, account=account, region=region, id=name, name=name, created_at=ts(b.get("CreationDate")),
            raw=b, versioning=versioning.get(key, {}).get("Status") or "Disabled", object_lock=lock,
            objects_listed=count, listing_truncated=bool(responses and responses[-1].get("IsTruncated")),
        ))
    return buckets, objects


def _kms_default(response: dict[str, Any]) -> bool:
    rules = (response.get("ServerSideEncryptionConfiguration") or {}).get("Rules", []) or []
    return any(
        str((r.get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm", "")).startswith("aws:kms")
        for r in rules
    )


def metrics(pages: RawPages) -> list[MetricSeries]:
    """GetMetricData results joined (across pages) with the queries recorded in the request."""
    series: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for page in pages.select(P, "cloudwatch", "GetMetricData"):
        queries = {q["Id"]: q.get("MetricStat") or {} for q in page.params.get("MetricDataQueries", [])}
        for result in (page.response or {}).get("MetricDataResults", []) or []:
            stat = queries.get(result.get("Id"))
            if not stat:
                continue
            metric = stat.get("Metric") or {}
            known = METRIC_NAMES.get((metric.get("Namespace", ""), metric.get("MetricName", "")))
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            if known is None or "InstanceId" not in dims:
                continue
            key = (page.account, page.region, dims["InstanceId"], known[0])
            slot = series.setdefault(key, {"unit": known[1], "period": int(stat.get("Period", 3600)),
                                           "stat": stat.get("Stat", "Average"), "points": {}})
            for t, v in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                stamp = ts(t)
                if stamp is not None:
                    slot["points"].setdefault(stamp, {})[result.get("Id")] = float(v)
    out = []
    for (_, _, rid, name), slot in sorted(series.items()):
        stamps = sorted(slot["points"])
        values = [sum(slot["points"][s].values()) / len(slot["points"][s]) for s in stamps]
        out.append(MetricSeries(
            provider=P, resource_id=rid, metric=name, unit=slot["unit"], period_s=slot["period"],
            statistic=slot["stat"], timestamps=tuple(stamps), values=tuple(values),
        ))
    return out
