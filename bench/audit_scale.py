"""Scale benchmark of the AWS collection against moto.

Builds an estate of (by default) 5,000 instances, 5,000 volumes and 20,000 snapshots over four
regions, runs the real collector (boto3 clients, thread pool, pagination, CloudWatch batching) and
prints wall time, peak memory and API calls per operation next to the minimum number of calls the
listing needs: ceil(items / largest page size the API allows), per region. Instances are created
with batched ``run_instances`` (each brings its root volume); extra volumes and the snapshots are
seeded straight into moto's EC2 backend, which keeps the setup to seconds instead of minutes.

Note: moto answers EC2 Describe* calls in one page whatever MaxResults says, so against moto the
listing calls can come out *below* the AWS minimum; the page size finml asks for is printed too,
and equals the API maximum, so against AWS the listing calls are exactly the minimum.

    python bench/audit_scale.py            # full size
    python bench/audit_scale.py --quick    # a small estate, to check that it runs
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "ap-southeast-1")
ACCOUNT = "123456789012"
API_MAX_PAGE = {"DescribeInstances": 1000, "DescribeVolumes": 500, "DescribeSnapshots": 1000}
"""Largest MaxResults each listing accepts (EC2 API reference)."""


def _env() -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_SESSION_TOKEN": "bench",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                       "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}.items():
        os.environ[key] = value
    amis = Path(tempfile.mkdtemp()) / "amis.json"
    amis.write_text("[]")
    os.environ["MOTO_AMIS_PATH"] = str(amis)


def _share(total: int, index: int, parts: int) -> int:
    return total // parts + (1 if index < total % parts else 0)


def build(session: Any, instances: int, volumes: int, snapshots: int, regions: tuple[str, ...]) -> dict[str, dict[str, int]]:
    from moto.ec2.models import ec2_backends

    counts: dict[str, dict[str, int]] = {}
    for r, region in enumerate(regions):
        n_inst, n_vol, n_snap = (_share(total, r, len(regions)) for total in (instances, volumes, snapshots))
        ec2 = session.client("ec2", region_name=region)
        for start in range(0, n_inst, 500):  # batched: one call per 500 instances
            n = min(500, n_inst - start)
            ec2.run_instances(ImageId="ami-12345678", MinCount=n, MaxCount=n, InstanceType="m5.large")
        backend = ec2_backends[ACCOUNT][region]
        vol_ids = [v.id for v in backend.volumes.values()]
        for _ in range(max(0, n_vol - len(vol_ids))):
            vol_ids.append(backend.create_volume(size=50, zone_name=f"{region}a", volume_type="gp3").id)
        for k in range(n_snap):
            backend.create_snapshot(vol_ids[k % len(vol_ids)], f"bench {k}")
        counts[region] = {"DescribeInstances": n_inst, "DescribeVolumes": len(vol_ids), "DescribeSnapshots": n_snap}
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instances", type=int, default=5000)
    ap.add_argument("--volumes", type=int, default=5000)
    ap.add_argument("--snapshots", type=int, default=20000)
    ap.add_argument("--regions", type=int, default=4, choices=range(1, len(REGIONS) + 1))
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--quick", action="store_true", help="200 instances, 200 volumes, 800 snapshots, 2 regions")
    ap.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    args = ap.parse_args(argv)
    if args.quick:
        args.instances, args.volumes, args.snapshots, args.regions = 200, 200, 800, 2
    regions = REGIONS[: args.regions]
    _env()

    import boto3
    from moto import mock_aws

    from finml.provider import CollectContext
    from finml.raw import RawPages
    from providers.aws import AwsProvider, AwsSettings

    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        t0 = time.perf_counter()
        counts = build(session, args.instances, args.volumes, args.snapshots, regions)
        setup_s = time.perf_counter() - t0
        calls: Counter[str] = Counter()
        page_sizes: dict[str, set[Any]] = {}

        def record(model: Any, params: Any = None, **_: Any) -> None:
            calls[model.name] += 1
            for key in ("MaxResults", "MaxRecords", "MaxKeys", "maxResults"):
                if key in (params or {}):
                    page_sizes.setdefault(model.name, set()).add(int(params[key]))

        session.events.register("provide-client-params", record)  # every call, stubbed or not
        # moto lacks these two read APIs: answer them empty so the run has no issues
        session.events.register("before-call.ec2.DescribeReservedInstances", _empty("ReservedInstances"))
        session.events.register("before-call.savingsplans.DescribeSavingsPlans", _empty("savingsPlans"))
        settings = AwsSettings(regions=regions, max_workers=args.workers)
        pages = RawPages()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if args.tracemalloc:
            tracemalloc.start()
        t0 = time.perf_counter()
        AwsProvider(settings, session=session).collect(CollectContext(pages=pages, now=datetime.now(timezone.utc)))
        collect_s = time.perf_counter() - t0
        traced = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        estate = AwsProvider.normalise(pages)
        normalise_s = time.perf_counter() - t0

    from providers.aws.collectors.cloudwatch import MAX_POINTS, batch_size

    points = 14 * 24
    minimum = {op: sum(math.ceil(c[op] / size) or 1 for c in counts.values()) for op, size in API_MAX_PAGE.items()}
    # CPU, NetworkIn, NetworkOut per instance (moto has no agent metrics); calls cannot span regions
    minimum["GetMetricData"] = sum(
        math.ceil(3 * c["DescribeInstances"] * points / MAX_POINTS) for c in counts.values())
    minimum["DescribeInstanceTypes"] = len(regions)
    minimum["ListMetrics"] = 2 * len(regions)  # one listing per CloudWatch agent metric name
    print(f"estate: {args.instances} instances, {sum(c['DescribeVolumes'] for c in counts.values())} volumes, "
          f"{args.snapshots} snapshots over {len(regions)} regions (setup {setup_s:.1f} s)")
    print(f"collection: {collect_s:.2f} s wall with {args.workers} workers; {len(pages)} pages; "
          f"{len(pages.issues)} issues; normalise {normalise_s:.2f} s -> {len(estate.resources)} resources")
    print(f"peak RSS: {rss_before / 1024:.0f} MiB before collection, {rss_after / 1024:.0f} MiB after"
          + (f"; tracemalloc peak during collection {traced / 2**20:.0f} MiB" if traced is not None else ""))
    print(f"GetMetricData batch: {batch_size(points)} queries per call ({points} hourly points each)")
    print(f"{'operation':32} {'calls':>6} {'minimum':>8} {'over min':>9}  page size asked (API max)")
    total_calls = total_min = 0
    for op in sorted(calls):
        made = calls[op]
        low = minimum.get(op, 1 if op in ("GetCallerIdentity", "ListBuckets", "DescribeSavingsPlans") else len(regions))
        total_calls += made
        total_min += low
        asked = ",".join(str(s) for s in sorted(page_sizes.get(op, ()))) or "-"
        print(f"{op:32} {made:6d} {low:8d} {100 * (made - low) / low:8.0f}%  {asked} ({API_MAX_PAGE.get(op, '-')})")
    print(f"{'total':32} {total_calls:6d} {total_min:8d} {100 * (total_calls - total_min) / total_min:8.0f}%")
    below = [op for op in calls if calls[op] < minimum.get(op, 0)]
    if below:
        print(f"note: moto ignores MaxResults for {', '.join(sorted(below))} and answers in one page, hence "
              "fewer calls than AWS needs; finml asks for the API's largest page, so against AWS these "
              "listings take exactly the minimum")
    return 0


def _empty(key: str) -> Any:
    class _Http:
        status_code = 200

    def hook(**_: Any) -> Any:
        return _Http(), {key: [], "ResponseMetadata": {"HTTPStatusCode": 200}}

    return hook


if __name__ == "__main__":
    raise SystemExit(main())
