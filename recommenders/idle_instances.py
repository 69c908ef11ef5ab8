"""Idle instances: running machines that do (almost) nothing, by a published idle rule.

Detects: running instances whose CPU and network stay under an idle rule over the lookback. The
default rule mirrors AWS Trusted Advisor "Low Utilization Amazon EC2 Instances": daily average CPU
<= 10 % and network I/O <= 5 MB on at least 4 of the last 14 days. The ``azure-advisor`` rule set
adds Azure Advisor's shutdown criteria (P95 of CPU < 3 % over 7 days, P100 of CPU over the last
3 days <= 2 %, outbound network only).
Why it costs: compute is billed per running hour whether or not it does work.
Action: stop (or terminate, per the ``action`` setting) the instance; snapshot and delete it if it
is not needed any more.
Risk: an instance may be idle by design (standby, license server, low-traffic admin host);
stopping loses instance-store data and public IPs that are not elastic; attached volumes are still
billed while stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from finml.model import Estate, Finding, Instance, InstanceState, Kind
from finml.recommender import Recommender, RecommenderContext
from finml.settings import setting
from recommenders._common import make_finding, monthly_from_hourly
from recommenders._metrics import daily, percentile, r2, window

_TA = "AWS Trusted Advisor 'Low Utilization Amazon EC2 Instances' (10 % CPU, 5 MB network, 4 of 14 days)"
_AZ = ("Azure Advisor shutdown recommendation (learn.microsoft.com/azure/advisor/advisor-cost-recommendations): "
       "P95 CPU < 3 % over 7 days, P100 CPU <= 2 % over the last 3 days, outbound network < 2 %")


@dataclass(frozen=True)
class IdleInstancesSettings:
    lookback_days: int = setting(14, "Days of hourly metrics the rule looks at.", _TA)
    daily_cpu_max_pct: float = setting(10.0, "A day is idle when its average CPU utilisation is at or below this.", _TA)
    daily_network_max_bytes: int = setting(5_000_000, "... and its network bytes (summed over the metrics in network_metrics) are at or below this.", _TA)
    min_idle_days: int = setting(4, "Instances with at least this many idle days in the lookback are reported.", _TA)
    network_metrics: tuple[str, ...] = setting(("network.in.bytes", "network.out.bytes"), "Network metrics summed per day.", _TA)
    require_network: bool = setting(True, "Skip instances without network metrics instead of judging on CPU alone.", "finml default")
    cpu_percentile: float | None = setting(None, "Optional: also require this percentile of hourly CPU over the lookback ...", _AZ)
    cpu_percentile_max_pct: float = setting(3.0, "... to be below this (used only with cpu_percentile).", _AZ)
    recent_days: int = setting(0, "Optional: also require the maximum CPU over the last N days ...", _AZ)
    recent_cpu_max_pct: float = setting(2.0, "... to be at or below this (used only with recent_days > 0).", _AZ)
    action: Literal["stop", "terminate"] = setting("stop", "Action to recommend for an idle instance.", "finml default")


RULE_SETS = {
    "finml-default": IdleInstancesSettings(),
    "aws-trusted-advisor": IdleInstancesSettings(),
    "azure-advisor": IdleInstancesSettings(
        lookback_days=7, daily_cpu_max_pct=3.0, min_idle_days=7, network_metrics=("network.out.bytes",),
        cpu_percentile=95.0, cpu_percentile_max_pct=3.0, recent_days=3, recent_cpu_max_pct=2.0,
    ),
}


def idle_verdict(estate: Estate, inst: Instance, now: datetime, s: IdleInstancesSettings) -> tuple[bool | None, dict[str, Any], str]:
    """``(idle?, evidence, reason)``; ``idle?`` is None when the data cannot decide."""
    metrics = estate.metrics_for(inst.id)
    cpu = window(metrics.get("cpu.utilization"), now, s.lookback_days)
    if not cpu.values:
        return None, {}, "no CPU metrics in the lookback"
    cpu_days = daily(cpu)
    if len(cpu_days) < s.min_idle_days:
        return None, {}, f"only {len(cpu_days)} days of CPU data (need {s.min_idle_days})"
    net_series = [metrics[m] for m in s.network_metrics if m in metrics]
    if not net_series and s.require_network:
        return None, {}, "no network metrics (set require_network = false to judge on CPU alone)"
    net_days: dict[Any, float] = {}
    for series in net_series:
        for d, v in daily(window(series, now, s.lookback_days), "sum").items():
            net_days[d] = net_days.get(d, 0.0) + v
    idle_days = [d for d, c in cpu_days.items()
                 if c <= s.daily_cpu_max_pct and (not net_series or net_days.get(d, 0.0) <= s.daily_network_max_bytes)]
    ev: dict[str, Any] = {
        "days_with_data": len(cpu_days),
        "idle_days": len(idle_days),
        "daily_cpu_avg_pct": {d.isoformat(): r2(v) for d, v in cpu_days.items()},
        "daily_network_bytes": {d.isoformat(): int(v) for d, v in net_days.items()} if net_series else None,
        "rule": (f"daily avg CPU <= {s.daily_cpu_max_pct:g} % and network <= {s.daily_network_max_bytes} bytes "
                 f"on >= {s.min_idle_days} of the last {s.lookback_days} days"),
    }
    idle = len(idle_days) >= s.min_idle_days
    if s.cpu_percentile is not None:
        p = percentile(cpu.values, s.cpu_percentile)
        ev[f"cpu_p{s.cpu_percentile:g}_pct"] = r2(p)
        ev["rule"] += f"; CPU p{s.cpu_percentile:g} < {s.cpu_percentile_max_pct:g} %"
        idle = idle and p < s.cpu_percentile_max_pct
    if s.recent_days:
        recent = [v for t, v in zip(cpu.timestamps, cpu.values, strict=True) if t >= now - timedelta(days=s.recent_days)]
        peak = max(recent) if recent else float("inf")
        ev[f"cpu_max_last_{s.recent_days}d_pct"] = r2(peak) if recent else None
        ev["rule"] += f"; CPU max over the last {s.recent_days} days <= {s.recent_cpu_max_pct:g} %"
        idle = idle and peak <= s.recent_cpu_max_pct
    return idle, ev, ""


class IdleInstances(Recommender):
    name = "idle-instances"
    summary = "Running instances with near-zero CPU and network, by the Trusted Advisor / Azure Advisor idle rules."
    kinds = (Kind.INSTANCE.value,)
    needs = ("metrics",)
    Settings = IdleInstancesSettings
    RULE_SETS = RULE_SETS

    def run(self, estate: Estate, ctx: RecommenderContext) -> Iterable[Finding]:
        s: IdleInstancesSettings = self.settings
        for r in estate.of_kind(Kind.INSTANCE):
            assert isinstance(r, Instance)
            if r.state != InstanceState.RUNNING:
                continue
            idle, ev, reason = idle_verdict(estate, r, ctx.now, s)
            if idle is None:
                ctx.skip(self.name, r.provider, r.id, reason)
                continue
            if not idle:
                continue
            quote = ctx.prices.instance_hour(r.provider, r.region, r.instance_type, "on-demand", r.platform)
            if quote is None:
                ctx.skip(self.name, r.provider, r.id, f"no price for {r.instance_type} in {r.region}")
                continue
            yield make_finding(
                self.name, r, ctx,
                title=f"{s.action.capitalize()} idle {r.instance_type} ({ev['idle_days']} idle days of {ev['days_with_data']})",
                action=s.action,
                saving=monthly_from_hourly(quote),
                quote=quote,
                evidence={**ev, "instance_type": r.instance_type, "formula": "on-demand hourly price x 730 h"},
                details={"suggestion": "stop it (attached volumes stay billed) or snapshot and terminate it if unused",
                         "note": "savings exclude attached volumes, which keep being billed while stopped"},
            )
