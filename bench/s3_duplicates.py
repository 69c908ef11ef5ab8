"""Benchmark: duplicate-object grouping over a 1,000,000-object listing.

Generates a deterministic listing (seeded RNG) that looks like a real estate: log, data-lake,
image and ML-checkpoint key layouts over 24 buckets in 3 accounts, log-normal sizes, ~5 %
duplicate copies (single-part, multipart with the same part size, multipart re-uploaded with a
different part size, copies into SSE-KMS buckets, renamed copies) and planted SSE-KMS ETag
collisions that must not be grouped. Then it times :func:`group_objects`, the full recommender
(pricing + findings), and prints peak RSS and the API calls a collector needs per 1,000 objects.

API calls are computed from the paging model, not measured against an endpoint: ListObjectsV2
returns at most 1,000 keys per page, so a bucket of n objects costs ceil(n / 1000) list calls;
the only extra calls are one HeadObject/GetObjectAttributes per object of a likely group whose
listing names a checksum algorithm without a value (:func:`needing_checksum`).

Run: ``python -m bench.s3_duplicates [--objects 1000000]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import math
import random
import resource
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from finml.audit import DEMO_NOW
from finml.model import Bucket, Estate, Finding, StoredObject
from finml.pricing import default_catalog
from finml.recommender import RecommenderContext
from recommenders._object_groups import GroupRules, group_objects, needing_checksum
from recommenders.s3_duplicates import S3Duplicates

MIB = 1 << 20
PART_A = 8 * MIB  # AWS CLI / boto3 default multipart chunk size
PART_B = 16 * MIB
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
KMS_BUCKETS = frozenset({"secure-0", "secure-1", "secure-2", "secure-3", "secure-4"})


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _etag(content: int, size: int, part: int, kms: bool, rng: random.Random) -> str:
    if kms:
        return f'"{rng.getrandbits(128):032x}"'
    if size <= part:
        return f'"{_md5(f"c{content}")}"'
    return f'"{_md5(f"c{content}/p{part}")}-{math.ceil(size / part)}"'


def _key(kind: int, rng: random.Random, n: int) -> tuple[str, int]:
    if kind == 0:  # logs
        d = DEMO_NOW - timedelta(hours=rng.randrange(24 * 400))
        return (f"logs/svc-{rng.randrange(40)}/{d:%Y/%m/%d/%H}/{n:08x}.log.gz",
                int(rng.lognormvariate(math.log(200_000), 1.2)))
    if kind == 1:  # data lake
        d = DEMO_NOW - timedelta(days=rng.randrange(700))
        return (f"lake/table_{rng.randrange(60)}/dt={d:%Y-%m-%d}/part-{rng.randrange(200):05d}-{n:08x}.snappy.parquet",
                int(rng.lognormvariate(math.log(64 * MIB), 1.0)))
    if kind == 2:  # images
        return (f"img/{rng.randrange(256):02x}/{rng.randrange(256):02x}/{n:08x}.jpg",
                int(rng.lognormvariate(math.log(300_000), 0.8)))
    return (f"models/run-{rng.randrange(3000)}/checkpoint-{rng.randrange(1, 100) * 1000}.pt",
            int(rng.lognormvariate(math.log(800 * MIB), 1.0)))


def generate(n: int, seed: int = 42) -> tuple[list[StoredObject], list[Bucket], dict[int, int]]:
    """``n`` listed objects (~5 % duplicate copies), the buckets, and the true content id of each
    object index (for the checksum second pass)."""
    rng = random.Random(seed)
    names = [f"data-{i}" for i in range(19)] + sorted(KMS_BUCKETS)
    weights = [1 / (i + 1) for i in range(len(names))]
    bucket_account = {b: ACCOUNTS[i % len(ACCOUNTS)] for i, b in enumerate(names)}
    buckets = [Bucket(provider="aws", account=bucket_account[b], region="us-east-1", id=f"arn:aws:s3:::{b}", name=b,
                      versioning="Enabled" if i % 6 == 0 else "Disabled") for i, b in enumerate(names)]
    objects: list[StoredObject] = []
    truth: dict[int, int] = {}
    originals = int(n * 0.95)
    cutoff = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for i in range(originals):
        bucket = rng.choices(names, weights)[0]
        key, size = _key(rng.choices((0, 1, 2, 3), (45, 25, 28, 2))[0], rng, i)
        modified = DEMO_NOW - timedelta(seconds=rng.randrange(86400 * 900))
        kms = bucket in KMS_BUCKETS
        objects.append(StoredObject(
            "aws", bucket_account[bucket], bucket, key, max(size, 1), _etag(i, size, PART_A, kms, rng),
            "STANDARD" if rng.random() < 0.8 else "STANDARD_IA", modified,
            checksum_algorithm="CRC64NVME" if modified >= cutoff else None, sse_kms=kms,
        ))
        truth[i] = i
    for j in range(n - originals):
        src_idx = rng.randrange(originals)
        src = objects[src_idx]
        bucket = rng.choice([b for b in names[:8] if b != src.bucket])
        kms = bucket in KMS_BUCKETS
        style = rng.random()
        part = PART_B if style < 0.2 else PART_A
        if style < 0.1 and not kms:
            bucket = rng.choice(sorted(KMS_BUCKETS))
            kms = True
        key = src.key if style < 0.9 else f"renamed/{j:07x}-{src.key.rsplit('/', 1)[-1]}.copy"
        modified = src.last_modified + timedelta(days=rng.randrange(1, 200))
        truth[len(objects)] = src_idx
        objects.append(dataclasses.replace(
            src, account=bucket_account[bucket], bucket=bucket, key=key, last_modified=modified,
            etag=_etag(src_idx, src.size, part, kms, rng), sse_kms=kms,
            checksum_algorithm="CRC64NVME" if modified >= cutoff else None,
        ))
    for t in range(200):  # SSE-KMS ETag collisions: equal size and ETag, different content
        a = len(objects)
        etag = f'"{_md5(f"collide{t}")}"'
        for side in range(2):
            objects.append(StoredObject(
                "aws", ACCOUNTS[0], f"secure-{side}", f"collide/{t}/{side}.bin", 5 * MIB + t, etag, "STANDARD",
                DEMO_NOW - timedelta(days=400), sse_kms=True,
            ))
            truth[a + side] = -(a + side)
    return objects, buckets, truth


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, default=1_000_000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    objects, buckets, truth = generate(args.objects)
    gen_s = time.perf_counter() - t0
    gc.collect()
    rss_listing = _rss_mib()
    print(f"generated {len(objects):,} objects in {gen_s:.1f} s; peak RSS with listing {rss_listing:.0f} MiB")

    rules = GroupRules(min_size_bytes=MIB)
    t0 = time.perf_counter()
    proven, likely = group_objects(objects, rules)
    group_s = time.perf_counter() - t0
    rss_group = _rss_mib()
    dup_copies = sum(len(g.members) - 1 for g in proven)
    print(f"grouping: {group_s:.2f} s wall; {len(proven):,} proven groups ({dup_copies:,} removable copies), "
          f"{len(likely):,} likely groups; peak RSS {rss_group:.0f} MiB (+{rss_group - rss_listing:.0f} MiB)")
    wrong = [g for g in proven if len({truth[i] for i in g.members}) > 1]
    planted = {i for i, c in truth.items() if 0 <= c != i and objects[i].size >= MIB}
    in_proven = planted & {i for g in proven for i in g.members}
    in_likely = planted & {i for g in likely for i in g.members}
    print(f"planted copies >= 1 MiB: {len(planted):,}; in proven groups {len(in_proven):,}, "
          f"in likely groups {len(in_likely - in_proven):,}, missed {len(planted - in_proven - in_likely):,}")
    false_likely = sum(1 for g in likely if len({truth[i] for i in g.members}) > 1)
    print(f"proven groups joining different content: {len(wrong)} (must be 0); likely groups that are "
          f"not duplicates: {false_likely} of {len(likely):,}")

    estate = Estate(resources=list(buckets), objects=objects, providers=["aws"])
    ctx = RecommenderContext(prices=default_catalog(), now=DEMO_NOW)
    t0 = time.perf_counter()
    findings = list(S3Duplicates().run(estate, ctx))
    run_s = time.perf_counter() - t0
    print(f"recommender run (grouping + pricing + findings): {run_s:.2f} s wall; {_summary(findings)}; "
          f"peak RSS {_rss_mib():.0f} MiB")

    per_bucket: dict[str, int] = {}
    for o in objects:
        per_bucket[o.bucket] = per_bucket.get(o.bucket, 0) + 1
    pages = sum(math.ceil(c / 1000) for c in per_bucket.values())
    heads = needing_checksum(objects, likely)
    per_k = len(objects) / 1000
    print(f"API calls (paging model), listing only (what the recommender needs): {pages:,} ListObjectsV2 "
          f"pages over {len(per_bucket)} buckets = {pages / per_k:.4f} per 1,000 objects, 0 HEAD calls")
    print(f"opt-in checksum pass: {len(heads):,} HEAD/GetObjectAttributes beyond the list pages = "
          f"{len(heads) / per_k:.4f} per 1,000; total {(pages + len(heads)) / per_k:.4f} per 1,000")

    for i in heads:  # what a collector would get back: the full-object CRC64NVME of the content
        objects[i] = dataclasses.replace(objects[i], checksum=f"crc64:{truth[i]:x}")
    t0 = time.perf_counter()
    proven2, likely2 = group_objects(objects, rules)
    print(f"after the HEAD pass: {len(proven2):,} proven, {len(likely2):,} likely groups "
          f"({time.perf_counter() - t0:.2f} s); wrong proven groups: "
          f"{sum(1 for g in proven2 if len({truth[i] for i in g.members}) > 1)}")
    t0 = time.perf_counter()
    findings = list(S3Duplicates().run(estate, ctx))
    print(f"recommender run after the HEAD pass: {time.perf_counter() - t0:.2f} s wall; {_summary(findings)}; "
          f"peak RSS {_rss_mib():.0f} MiB")


def _summary(findings: list[Finding]) -> str:
    proven = [f for f in findings if f.action == "delete-duplicates"]
    saving = sum((f.monthly_saving.amount for f in proven), Decimal(0))
    potential = sum((Decimal(str(f.evidence["potential_monthly_saving"])) for f in findings if f not in proven),
                    Decimal(0))
    return (f"{len(proven):,} delete-duplicates findings saving {saving:.2f} USD/month, "
            f"{len(findings) - len(proven):,} review-likely findings (potential {potential:.2f} USD/month)")


if __name__ == "__main__":
    main()
