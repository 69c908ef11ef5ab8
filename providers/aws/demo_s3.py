"""S3 part of the demo estate: buckets with duplicate objects (single-part ETags, multipart
``-N`` ETags with different part counts), an SSE-KMS bucket and an object-locked log bucket."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from typing import Any

from finml.raw import GLOBAL, RawPages

P = "aws"
_CLASSES = ("STANDARD", "STANDARD", "STANDARD", "STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR")
_PAGE = 1000


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _obj(key: str, size: int, etag: str, when: datetime, cls: str = "STANDARD", checksum: str | None = None) -> dict[str, Any]:
    o: dict[str, Any] = {"Key": key, "LastModified": when.isoformat(), "ETag": f'"{etag}"', "Size": size, "StorageClass": cls}
    if checksum:
        o["ChecksumAlgorithm"] = [checksum]
        o["ChecksumType"] = "FULL_OBJECT" if checksum.startswith("CRC") else "COMPOSITE"
    return o


def buckets(pages: RawPages, rng: random.Random, now: datetime, account: str, name: str) -> None:
    datasets, secure, logs = f"{name}-datasets-{account[-4:]}", f"{name}-secure-{account[-4:]}", f"{name}-logs-{account[-4:]}"
    data: list[dict[str, Any]] = []
    for n in range(1200 if name == "ml-research" else 400):
        size = rng.randint(10_000, 400_000_000)
        checksum = ("CRC32", "CRC64NVME", "SHA256", None)[n % 4]
        data.append(_obj(f"raw/2026/{n:05d}.parquet", size, _md5(f"{account}-{n}"),
                         now - timedelta(days=rng.randint(1, 600)), _CLASSES[n % len(_CLASSES)], checksum))
    # planted: single-part copies of the same bytes (same ETag and size) under other prefixes
    for src in data[:25]:
        data.append({**src, "Key": src["Key"].replace("raw/", "copies/raw-backup/"),
                     "LastModified": (now - timedelta(days=5)).isoformat(), "StorageClass": "STANDARD"})
    # planted: a 6 GiB checkpoint uploaded twice with the same part size (identical multipart ETag) ...
    big = 6 * 1024**3
    data.append(_obj("checkpoints/model-v3.pt", big, f"{_md5('ckpt-v3')}-48", now - timedelta(days=40)))
    data.append(_obj("checkpoints/archive/model-v3.pt", big, f"{_md5('ckpt-v3')}-48", now - timedelta(days=39)))
    # ... and once more with a different part size: same bytes, but the ETag cannot prove it
    data.append(_obj("exports/model-v3.pt", big, f"{_md5('ckpt-v3-16mb')}-384", now - timedelta(days=38)))
    sensitive = [
        _obj("exports/model-v3.pt", big, f"{_md5('ckpt-v3')}-48", now - timedelta(days=37)),  # SSE-KMS copy
        _obj("pii/customers.csv", 52_428_800, _md5(f"{account}-pii"), now - timedelta(days=90)),
        _obj("pii/customers-copy.csv", 52_428_800, _md5(f"{account}-pii-kms2"), now - timedelta(days=80)),
    ]
    log_objects = [_obj(f"alb/{d:03d}.log.gz", rng.randint(1_000_000, 9_000_000), _md5(f"{account}-log-{d}"),
                        now - timedelta(days=d), "STANDARD") for d in range(1, 60)]
    spec: tuple[tuple[str, str | None, dict[str, Any], dict[str, Any], str, list[dict[str, Any]]], ...] = (
        (datasets, None, {"Status": "Enabled"}, {}, "AES256", data),
        (secure, "eu-west-1", {"Status": "Suspended"}, {}, "aws:kms", sensitive),
        (logs, "us-west-2", {"Status": "Enabled"}, {"ObjectLockConfiguration": {
            "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}}}},
         "AES256", log_objects),
    )
    pages.add(P, account, GLOBAL, "s3", "ListBuckets", {
        "Buckets": [{"Name": b, "CreationDate": (now - timedelta(days=700 - 10 * i)).isoformat()}
                    for i, (b, *_rest) in enumerate(spec)],
        "Owner": {"DisplayName": name, "ID": _md5(account) * 2},
    }, {})
    for bucket, location, versioning, lock, sse, objects in spec:
        pages.add(P, account, GLOBAL, "s3", "GetBucketLocation", {"LocationConstraint": location}, {"Bucket": bucket})
        pages.add(P, account, GLOBAL, "s3", "GetBucketVersioning", versioning, {"Bucket": bucket})
        pages.add(P, account, GLOBAL, "s3", "GetObjectLockConfiguration", lock, {"Bucket": bucket})
        rule: dict[str, Any] = {"SSEAlgorithm": sse}
        if sse == "aws:kms":
            rule["KMSMasterKeyID"] = f"arn:aws:kms:eu-west-1:{account}:key/{_md5(bucket)[:8]}-demo"
        pages.add(P, account, GLOBAL, "s3", "GetBucketEncryption", {"ServerSideEncryptionConfiguration": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": rule, "BucketKeyEnabled": sse == "aws:kms"}]}},
            {"Bucket": bucket})
        for i in range(0, len(objects), _PAGE):
            chunk = objects[i:i + _PAGE]
            body: dict[str, Any] = {"IsTruncated": i + _PAGE < len(objects), "Contents": chunk, "Name": bucket,
                                    "Prefix": "", "MaxKeys": _PAGE, "KeyCount": len(chunk), "EncodingType": "url"}
            if body["IsTruncated"]:
                body["NextContinuationToken"] = _md5(f"{bucket}-{i}")
            pages.add(P, account, GLOBAL, "s3", "ListObjectsV2", body, {"Bucket": bucket})
