"""CloudWatch collector: hourly instance metrics over the lookback window via GetMetricData.

Queries are batched: at most 500 per call (the API limit) and at most 100,800 data points per
response, so with 14 days of hourly samples (336 points) a call carries 300 queries. Query ids are
``q<n>``; the recorded request parameters map each id back to its metric and instance, which is
what the normaliser reads. CPU and network come from ``AWS/EC2``; memory from the CloudWatch agent
(``CWAgent`` ``mem_used_percent``) whose dimension set depends on the agent configuration, so the
exact metrics are found with ListMetrics first.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from providers.aws.scope import Scope

MAX_QUERIES = 500
MAX_POINTS = 100_800
LIST_PAGE = 500

EC2_METRICS = (
    ("CPUUtilization", "Average"),
    ("NetworkIn", "Sum"),
    ("NetworkOut", "Sum"),
)
AGENT_NAMESPACE = "CWAgent"
AGENT_MEMORY = "mem_used_percent"
AGENT_GPU = "nvidia_smi_utilization_gpu"
"""Published per GPU (an ``index`` dimension); the normaliser averages the GPUs of an instance."""


def batch_size(points_per_series: int) -> int:
    return max(1, min(MAX_QUERIES, MAX_POINTS // max(1, points_per_series)))


def instance_metrics(scope: Scope, instance_ids: list[str]) -> None:
    period = scope.settings.metrics_period_s
    end = scope.now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=scope.lookback_days)
    points = int((end - start).total_seconds() // period)
    metrics: list[dict[str, Any]] = []
    for iid in instance_ids:
        dims = [{"Name": "InstanceId", "Value": iid}]
        for name, stat in EC2_METRICS:
            metrics.append({"Metric": {"Namespace": "AWS/EC2", "MetricName": name, "Dimensions": dims},
                            "Period": period, "Stat": stat})
    if scope.settings.agent_metrics:
        metrics.extend(_agent_metrics(scope, set(instance_ids), period))
    size = batch_size(points)
    for i in range(0, len(metrics), size):
        queries = [
            {"Id": f"q{i + n}", "MetricStat": stat, "ReturnData": True}
            for n, stat in enumerate(metrics[i:i + size])
        ]
        for _ in scope.pages("cloudwatch", "GetMetricData", MetricDataQueries=queries,
                             StartTime=start, EndTime=end, ScanBy="TimestampAscending"):
            pass


def _agent_metrics(scope: Scope, wanted: set[str], period: int) -> list[dict[str, Any]]:
    """CloudWatch agent series of our instances: memory (one per instance, the one with the fewest
    dimensions when the agent publishes several) and every GPU's utilisation."""
    memory: dict[str, dict[str, Any]] = {}
    gpus: list[dict[str, Any]] = []
    for name in (AGENT_MEMORY, AGENT_GPU):
        for page in scope.pages("cloudwatch", "ListMetrics", Namespace=AGENT_NAMESPACE, MetricName=name):
            for metric in page.get("Metrics", []):
                dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
                iid = dims.get("InstanceId")
                if iid not in wanted:
                    continue
                if name == AGENT_GPU:
                    gpus.append(metric)
                elif iid not in memory or len(metric["Dimensions"]) < len(memory[iid]["Dimensions"]):
                    memory[iid] = metric
    found = [m for _, m in sorted(memory.items())] + gpus
    return [{"Metric": m, "Period": period, "Stat": "Average"} for m in found]
