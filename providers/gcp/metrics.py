"""Cloud Monitoring: hourly utilisation series per project (``projects.timeSeries.list``).

Queries, each aligned to one hour over the lookback window:

==========================================================  ===========  ===========================
metric type                                                 aligner      finml metric
==========================================================  ===========  ===========================
compute.googleapis.com/instance/cpu/utilization              ALIGN_MEAN   cpu.utilization (ratio->%)
compute.googleapis.com/instance/network/received_bytes_count ALIGN_SUM    network.in.bytes (per hour)
compute.googleapis.com/instance/network/sent_bytes_count     ALIGN_SUM    network.out.bytes (per hour)
agent.googleapis.com/memory/percent_used (state=used)        ALIGN_MEAN   memory.utilization (%)
==========================================================  ===========  ===========================

The network counters are DELTA metrics split by ``loadbalanced``; ALIGN_SUM then REDUCE_SUM per
instance gives the bytes moved in each hour (ALIGN_RATE would give bytes/s). The memory metric
exists only where the Ops Agent runs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from finml.provider import CollectContext
from finml.raw import GLOBAL
from providers.gcp._sdk import GcpClients, rest_json
from providers.gcp.errors import is_google_error, issue_from_exception

log = logging.getLogger(__name__)

SERVICE = "monitoring"
OPERATION = "timeSeries.list"
PERIOD_S = 3600
GROUP_BY = ("resource.label.project_id", "resource.label.zone", "resource.label.instance_id")


@dataclass(frozen=True)
class MetricQuery:
    metric_type: str
    neutral: str
    unit: str
    statistic: str
    aligner: str
    reducer: str | None = None
    extra_filter: str = ""
    scale: float = 1.0


QUERIES = (
    MetricQuery("compute.googleapis.com/instance/cpu/utilization", "cpu.utilization", "Percent",
                "Average", "ALIGN_MEAN", scale=100.0),
    MetricQuery("compute.googleapis.com/instance/network/received_bytes_count", "network.in.bytes",
                "Bytes", "Sum", "ALIGN_SUM", reducer="REDUCE_SUM"),
    MetricQuery("compute.googleapis.com/instance/network/sent_bytes_count", "network.out.bytes",
                "Bytes", "Sum", "ALIGN_SUM", reducer="REDUCE_SUM"),
    MetricQuery("agent.googleapis.com/memory/percent_used", "memory.utilization", "Percent",
                "Average", "ALIGN_MEAN", extra_filter=' AND metric.labels.state = "used"'),
)
BY_TYPE = {q.metric_type: q for q in QUERIES}


def window(now: datetime, lookback_days: int) -> tuple[datetime, datetime]:
    end = now.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    return end - timedelta(days=lookback_days), end


def location_filter(regions: Sequence[str], zones: Sequence[str]) -> str:
    """A Monitoring filter clause restricting ``resource.labels.zone`` (empty: no restriction)."""
    if zones:
        terms = [f'resource.labels.zone = "{z}"' for z in zones]
    else:
        terms = [f'resource.labels.zone = starts_with("{r}-")' for r in regions]
    return f" AND ({' OR '.join(terms)})" if terms else ""


def collect_metrics(ctx: CollectContext, clients: GcpClients, project: str, lookback_days: int,
                    where: str = "") -> None:
    """One paged ListTimeSeries per query; failures become issues, other queries go on."""
    start, end = window(ctx.now, lookback_days)
    for q in QUERIES:
        try:
            _collect_one(ctx, clients, project, q, start, end, where)
        except Exception as exc:
            if not is_google_error(exc):
                raise
            log.debug("gcp %s metrics %s failed", project, q.metric_type, exc_info=True)
            ctx.issue(issue_from_exception(exc, project=project, region=None, service=SERVICE,
                                           operation=OPERATION))


def _collect_one(ctx: CollectContext, clients: GcpClients, project: str, q: MetricQuery,
                 start: datetime, end: datetime, where: str) -> None:
    from google.cloud import monitoring_v3

    filt = f'metric.type = "{q.metric_type}" AND resource.type = "gce_instance"{q.extra_filter}{where}'
    aggregation: dict[str, Any] = {
        "alignment_period": {"seconds": PERIOD_S},
        "per_series_aligner": getattr(monitoring_v3.Aggregation.Aligner, q.aligner),
    }
    if q.reducer:
        aggregation["cross_series_reducer"] = getattr(monitoring_v3.Aggregation.Reducer, q.reducer)
        aggregation["group_by_fields"] = list(GROUP_BY)
    request = monitoring_v3.ListTimeSeriesRequest(
        name=f"projects/{project}",
        filter=filt,
        interval=monitoring_v3.TimeInterval(start_time=start, end_time=end),
        aggregation=monitoring_v3.Aggregation(aggregation),
        view=monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.FULL,
    )
    params = {
        "name": f"projects/{project}", "filter": filt,
        "interval.startTime": _iso(start), "interval.endTime": _iso(end),
        "aggregation.alignmentPeriod": f"{PERIOD_S}s", "aggregation.perSeriesAligner": q.aligner,
        "aggregation.crossSeriesReducer": q.reducer, "metricType": q.metric_type,
    }
    pager = clients.monitoring().list_time_series(request=request, retry=clients.retry())
    for page in pager.pages:
        ctx.pages.add("gcp", project, GLOBAL, SERVICE, OPERATION, rest_json(page), params)


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
