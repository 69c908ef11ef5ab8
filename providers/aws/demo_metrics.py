"""Hourly CloudWatch series for the demo estate, in GetMetricData/ListMetrics page shapes and
batched exactly as :mod:`providers.aws.collectors.cloudwatch` requests them."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from finml.raw import RawPages

P = "aws"
_CPU = {"idle": (1.0, 3.0), "oversized": (4.0, 12.0), "busy": (35.0, 85.0), "steady": (20.0, 45.0)}
_MEM = {"idle": (8.0, 14.0), "oversized": (12.0, 25.0), "busy": (50.0, 80.0), "steady": (35.0, 55.0)}
_GPU = {"idle": (0.0, 2.0), "oversized": (5.0, 20.0), "busy": (85.0, 99.0), "steady": (40.0, 70.0)}
_GPUS = {"g5.xlarge": 1, "p4d.24xlarge": 8}


def _cpu(rng: random.Random, profile: str) -> float:
    lo, hi = _CPU[profile]
    if profile == "oversized" and rng.random() < 0.02:
        return round(rng.uniform(14.0, 15.5), 2)  # rare peaks: p99 around 15 %
    return round(rng.uniform(lo, hi), 2)


def metrics(pages: RawPages, rng: random.Random, now: datetime, account: str, region: str,
            profiles: dict[str, str], types: dict[str, str], cloudwatch: ModuleType) -> None:
    period = 3600
    end = now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=14)
    n = int((end - start).total_seconds() // period)
    stamps = [(start + timedelta(seconds=period * k)).isoformat() for k in range(n)]
    series: list[tuple[dict[str, Any], list[float]]] = []
    memory_list: list[dict[str, Any]] = []
    gpu_list: list[dict[str, Any]] = []
    for iid, profile in sorted(profiles.items()):
        dims = [{"Name": "InstanceId", "Value": iid}]
        idle = profile == "idle"
        cpu = [_cpu(rng, profile) for _ in range(n)]
        net_in = [float(rng.randint(2_000, 40_000) if idle else rng.randint(50_000_000, 2_000_000_000)) for _ in range(n)]
        net_out = [float(rng.randint(1_000, 30_000) if idle else rng.randint(20_000_000, 900_000_000)) for _ in range(n)]
        for (name, stat), values in zip(cloudwatch.EC2_METRICS, (cpu, net_in, net_out), strict=True):
            series.append(({"Metric": {"Namespace": "AWS/EC2", "MetricName": name, "Dimensions": dims},
                            "Period": period, "Stat": stat}, values))
        if int(iid[-1], 16) % 2 == 0:  # half of the fleet runs the CloudWatch agent
            metric = {"Namespace": "CWAgent", "MetricName": cloudwatch.AGENT_MEMORY, "Dimensions": [
                *dims, {"Name": "ImageId", "Value": "ami-demo"}, {"Name": "InstanceType", "Value": types[iid]}]}
            memory_list.append(metric)
            lo, hi = _MEM[profile]
            series.append(({"Metric": metric, "Period": period, "Stat": "Average"},
                           [round(rng.uniform(lo, hi), 2) for _ in range(n)]))
    for iid, profile in sorted(profiles.items()):
        for index in range(_GPUS.get(types[iid], 0)):
            metric = {"Namespace": "CWAgent", "MetricName": cloudwatch.AGENT_GPU, "Dimensions": [
                {"Name": "InstanceId", "Value": iid}, {"Name": "index", "Value": str(index)},
                {"Name": "name", "Value": "NVIDIA A10G" if types[iid].startswith("g5") else "NVIDIA A100-SXM4-40GB"}]}
            gpu_list.append(metric)
            lo, hi = _GPU[profile]
            series.append(({"Metric": metric, "Period": period, "Stat": "Average"},
                           [round(rng.uniform(lo, hi), 1) for _ in range(n)]))
    # the collector orders EC2 metrics first, then agent memory, then GPUs; ids follow that order
    ec2 = [s for s in series if s[0]["Metric"]["Namespace"] == "AWS/EC2"]
    mem = [s for s in series if s[0]["Metric"].get("MetricName") == cloudwatch.AGENT_MEMORY]
    gpu = [s for s in series if s[0]["Metric"].get("MetricName") == cloudwatch.AGENT_GPU]
    ordered = ec2 + mem + gpu
    for name, listed in ((cloudwatch.AGENT_MEMORY, memory_list), (cloudwatch.AGENT_GPU, gpu_list)):
        pages.add(P, account, region, "cloudwatch", "ListMetrics", {"Metrics": listed},
                  {"Namespace": cloudwatch.AGENT_NAMESPACE, "MetricName": name})
    size = cloudwatch.batch_size(n)
    for i in range(0, len(ordered), size):
        chunk = ordered[i:i + size]
        queries = [{"Id": f"q{i + k}", "MetricStat": stat, "ReturnData": True} for k, (stat, _) in enumerate(chunk)]
        results = [{"Id": f"q{i + k}", "Label": stat["Metric"]["MetricName"], "Timestamps": stamps,
                    "Values": values, "StatusCode": "Complete"} for k, (stat, values) in enumerate(chunk)]
        pages.add(P, account, region, "cloudwatch", "GetMetricData", {"MetricDataResults": results, "Messages": []},
                  {"MetricDataQueries": queries, "StartTime": start.isoformat(), "EndTime": end.isoformat(),
                   "ScanBy": "TimestampAscending"})
