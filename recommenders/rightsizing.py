"""Rightsizing: running instances larger than their measured peak needs.

Detects: running instances whose high-percentile CPU (p99 by default) and peak memory over the
lookback (14 days of hourly metrics) fit a cheaper machine type with headroom to spare. Targets
must have at least: the vCPUs the CPU percentile needs plus headroom; the observed memory peak
plus headroom (when memory is reported); as many GPUs of the same model as are in use (all of them
when GPU utilisation is not reported); the same CPU architecture (unless allowed). Burstable
targets (t-family, Azure B, GCP shared-core) are only proposed when configured, and only for a
low average load, because steady workloads exhaust CPU credits. The cheapest fitting type in the
same family is chosen; other current-generation families only when that finds nothing and
``allow_other_families`` is set.
Why it costs: the price of a machine type scales with its vCPUs, memory and GPUs, used or not.
Action: resize (stop, change type, start) to the target type.
Risk: the lookback may miss rare peaks (month-end, seasonal); memory pressure is invisible when
memory is not reported (confidence is then medium); resizing needs a restart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from finml.model import Confidence, Estate, Finding, Instance, InstanceState, InstanceType, Kind
from finml.money import HOURS_PER_MONTH
from finml.pricing import PriceQuote
from finml.pricing.facts import family_of, known_types, lookup
from finml.recommender import Recommender, RecommenderContext
from finml.settings import setting
from recommenders._common import make_finding
from recommenders._metrics import percentile, r2, window
from recommenders.idle_instances import RULE_SETS as IDLE_RULE_SETS
from recommenders.idle_instances import idle_verdict

_CO = "AWS Compute Optimizer (14-day default lookback; needs 30 hours of metrics)"
_AZ_RESIZE = ("Azure Advisor resize SKU recommendations (learn.microsoft.com/azure/advisor/advisor-cost-recommendations): "
              "user-facing targets P95 CPU <= 40 % and P100 memory <= 60 % on the new SKU, 7-day lookback")
_CO_PREFS = ("AWS Compute Optimizer utilization preferences defaults (API UtilizationPreference / "
             "CustomizableMetricParameters): CPU threshold P99_5, CPU headroom PERCENT_20, memory headroom PERCENT_20")


@dataclass(frozen=True)
class RightsizingSettings:
    lookback_days: int = setting(14, "Days of hourly metrics to judge on.", _CO)
    min_hours: int = setting(30, "Skip instances with fewer hours of CPU data than this in the lookback.", _CO)
    cpu_percentile: float = setting(99.0, "Percentile of hourly CPU utilisation the target must absorb.", "finml default p99; " + _CO_PREFS + " (rule set aws-compute-optimizer: p99.5); " + _AZ_RESIZE + " (rule set azure-advisor: p95)")
    headroom_pct: float = setting(20.0, "Capacity above the CPU percentile the target must keep (target vCPUs >= used vCPUs x (1 + headroom)).", _CO_PREFS + "; " + _AZ_RESIZE + " (azure-advisor: 150 %, i.e. <= 40 % projected)")
    memory_headroom_pct: float = setting(20.0, "Memory above the observed peak the target must keep.", _CO_PREFS + "; " + _AZ_RESIZE + " (azure-advisor: 66.67 %, i.e. <= 60 % projected)")
    memory_unknown: Literal["one-size-down", "keep-memory", "cpu-only"] = setting(
        "one-size-down",
        "Without memory metrics: keep at least half the current memory (one size down; confidence medium), "
        "never go below the current memory, or decide on CPU alone.",
        "finml default (memory pressure is invisible without an agent)",
    )
    gpu_percentile: float = setting(99.0, "Percentile of GPU utilisation used to count busy GPUs.", "finml default")
    allow_other_families: bool = setting(False, "Also consider other current-generation families when the same family has no cheaper fit.", "finml default")
    allow_architecture_change: bool = setting(False, "Allow targets of another CPU architecture (x86_64 <-> arm64); needs rebuilt software.", "finml default")
    allow_burstable: bool = setting(False, "Allow burstable targets (t-family, Azure B, GCP shared-core) for non-burstable instances.", "finml default; burstable credits")
    burstable_max_mean_cpu_pct: float = setting(20.0, "A burstable target is only proposed when the projected average CPU stays below this (CPU-credit baseline).", "AWS T3 baselines: 20-40 % per vCPU for medium..2xlarge")
    min_monthly_saving: Decimal = setting(Decimal("1"), "Do not report savings below this amount per month.", "finml default")
    skip_idle: bool = setting(True, "Leave instances the idle-instances rule flags to that recommender (no double counting).", "finml default")


@dataclass(frozen=True)
class _Need:
    vcpus: float
    memory_gib: float | None
    gpus: int
    gpu_model: str | None


class Rightsizing(Recommender):
    name = "rightsizing"
    summary = "Running instances whose CPU, memory and GPU use fit a cheaper machine type."
    kinds = (Kind.INSTANCE.value,)
    needs = ("metrics",)
    Settings = RightsizingSettings
    RULE_SETS = {
        "finml-default": RightsizingSettings(),
        "aws-compute-optimizer": RightsizingSettings(cpu_percentile=99.5, allow_other_families=True),
        # Azure Advisor resize targets for user-facing workloads: P95 CPU <= 40 % and P100 memory
        # <= 60 % on the new SKU (1 / 0.4 = 2.5 -> 150 % headroom; 1 / 0.6 -> 66.67 %), 7 days.
        "azure-advisor": RightsizingSettings(
            lookback_days=7, cpu_percentile=95.0, headroom_pct=150.0, memory_headroom_pct=66.67,
            allow_other_families=True,
        ),
    }

    def run(self, estate: Estate, ctx: RecommenderContext) -> Iterable[Finding]:
        s: RightsizingSettings = self.settings
        idle_rules = IDLE_RULE_SETS.get(ctx.rule_set, IDLE_RULE_SETS["finml-default"])
        for r in estate.of_kind(Kind.INSTANCE):
            assert isinstance(r, Instance)
            if r.state != InstanceState.RUNNING:
                continue
            f = self._judge(estate, r, ctx, s, idle_rules)
            if f is not None:
                yield f

    def _judge(self, estate: Estate, r: Instance, ctx: RecommenderContext, s: RightsizingSettings, idle_rules: Any) -> Finding | None:
        cur = r.type_info or lookup(r.provider, r.instance_type, estate.instance_types)
        if cur is None:
            ctx.skip(self.name, r.provider, r.id, f"no facts (vCPU, memory) for type {r.instance_type}")
            return None
        metrics = estate.metrics_for(r.id)
        cpu = window(metrics.get("cpu.utilization"), ctx.now, s.lookback_days)
        if cpu.hours < s.min_hours:
            ctx.skip(self.name, r.provider, r.id, f"only {cpu.hours:g} hours of CPU data in the last {s.lookback_days} days (need {s.min_hours} hours)")
            return None
        if s.skip_idle and idle_verdict(estate, r, ctx.now, idle_rules)[0]:
            ctx.skip(self.name, r.provider, r.id, "idle by the idle-instances rule; see that finding instead")
            return None
        cur_q = ctx.prices.instance_hour(r.provider, r.region, r.instance_type, "on-demand", r.platform)
        if cur_q is None:
            ctx.skip(self.name, r.provider, r.id, f"no price for {r.instance_type} in {r.region}")
            return None
        cpu_p = percentile(cpu.values, s.cpu_percentile)
        cpu_mean = sum(cpu.values) / len(cpu.values)
        mem = window(metrics.get("memory.utilization"), ctx.now, s.lookback_days)
        mem_peak = max(mem.values) if mem.values else None
        gpu = window(metrics.get("gpu.utilization"), ctx.now, s.lookback_days)
        need = self._need(cur, cpu_p, mem_peak, gpu.values, s)
        target, unpriced = self._choose(estate, r, cur, need, cpu_mean, cur_q, ctx, s)
        if target is None:
            if unpriced:
                ctx.skip(self.name, r.provider, r.id, f"{unpriced} smaller type(s) fit but none has a "
                         f"{r.platform} price in {r.region}; add prices or enable live prices")
            return None
        tt, tq = target
        delta = (cur_q.price - tq.price) * HOURS_PER_MONTH
        if delta.amount < s.min_monthly_saving:
            return None
        projected_cpu = cpu_p * cur.vcpus / tt.vcpus
        ev: dict[str, Any] = {
            "current_type": cur.name, "target_type": tt.name,
            "hours_of_data": cpu.hours, "lookback_days": s.lookback_days,
            f"cpu_p{s.cpu_percentile:g}_pct": r2(cpu_p), "cpu_mean_pct": r2(cpu_mean),
            f"projected_cpu_p{s.cpu_percentile:g}_pct": r2(projected_cpu),
            "memory_peak_pct": r2(mem_peak) if mem_peak is not None else None,
            "projected_memory_peak_pct": r2(mem_peak * cur.memory_gib / tt.memory_gib) if mem_peak is not None else None,
            "needed_vcpus": r2(need.vcpus), "needed_memory_gib": r2(need.memory_gib) if need.memory_gib is not None else None,
            "needed_gpus": need.gpus,
            "current_vcpus": cur.vcpus, "target_vcpus": tt.vcpus,
            "current_memory_gib": cur.memory_gib, "target_memory_gib": tt.memory_gib,
            "current_monthly": str((cur_q.price * HOURS_PER_MONTH).amount),
            "target_monthly": str((tq.price * HOURS_PER_MONTH).amount),
            "monthly_delta": str(delta.amount),
            "rule": (f"target vCPUs >= vCPUs x CPU p{s.cpu_percentile:g} x (1 + {s.headroom_pct:g} %); "
                     f"memory >= peak x (1 + {s.memory_headroom_pct:g} %); GPUs >= busy GPUs; same architecture"),
            "formula": "(current hourly - target hourly) x 730 h",
        }
        ev.update({f"target_{k}": v for k, v in tq.evidence().items() if k.startswith("price")})
        confidence = Confidence.HIGH if mem_peak is not None else Confidence.MEDIUM
        if tq.estimate:
            confidence = Confidence.LOW
        return make_finding(
            self.name, r, ctx,
            title=f"Resize {cur.name} to {tt.name} (CPU p{s.cpu_percentile:g} {cpu_p:.0f} % -> {projected_cpu:.0f} %)",
            action="resize", saving=delta, quote=cur_q, evidence=ev, confidence=confidence,
            details={"target_type": tt.name, "current_type": cur.name,
                     "suggestion": "stop the instance, change its type, start it; watch the metrics for a week",
                     "memory_reported": mem_peak is not None},
        )

    @staticmethod
    def _need(cur: InstanceType, cpu_p: float, mem_peak: float | None, gpu_values: tuple[float, ...], s: RightsizingSettings) -> _Need:
        vcpus = cur.vcpus * cpu_p / 100 * (1 + s.headroom_pct / 100)
        if mem_peak is not None:
            memory: float | None = cur.memory_gib * mem_peak / 100 * (1 + s.memory_headroom_pct / 100)
        else:
            memory = {"keep-memory": cur.memory_gib, "one-size-down": cur.memory_gib / 2}.get(s.memory_unknown)
        gpus = 0
        if cur.gpus:
            if gpu_values:
                busy = cur.gpus * percentile(gpu_values, s.gpu_percentile) / 100 * (1 + s.headroom_pct / 100)
                gpus = min(cur.gpus, max(1, math.ceil(busy - 1e-9)))
            else:
                gpus = cur.gpus  # unknown use: keep every GPU
        return _Need(vcpus, memory, gpus, cur.gpu_model)

    def _choose(self, estate: Estate, r: Instance, cur: InstanceType, need: _Need, cpu_mean: float,
                cur_q: PriceQuote, ctx: RecommenderContext, s: RightsizingSettings,
                ) -> tuple[tuple[InstanceType, PriceQuote] | None, int]:
        """The cheapest fitting type (same family first) and how many fitting types had no price."""
        same: list[tuple[InstanceType, PriceQuote]] = []
        other: list[tuple[InstanceType, PriceQuote]] = []
        unpriced = 0
        for t in known_types(r.provider, estate.instance_types):
            if t.name.lower() == cur.name.lower() or not self._fits(t, cur, need, cpu_mean, s):
                continue
            in_family = family_of(t) == family_of(cur)
            if not in_family and not (s.allow_other_families and t.current_generation):
                continue
            q = ctx.prices.instance_hour(r.provider, r.region, t.name, "on-demand", r.platform)
            if q is None:
                unpriced += 1
                continue
            if q.price.currency != cur_q.price.currency or q.price >= cur_q.price:
                continue
            (same if in_family else other).append((t, q))
        for pool in (same, other):
            if pool:
                return min(pool, key=lambda tq: (tq[1].price.amount, -tq[0].vcpus, tq[0].name)), unpriced
        return None, unpriced

    @staticmethod
    def _fits(t: InstanceType, cur: InstanceType, need: _Need, cpu_mean: float, s: RightsizingSettings) -> bool:
        if t.architecture != cur.architecture and not s.allow_architecture_change:
            return False
        if t.vcpus < need.vcpus:
            return False
        if need.memory_gib is not None and t.memory_gib < need.memory_gib:
            return False
        if cur.gpus:
            if t.gpus < need.gpus or t.gpu_model != need.gpu_model:
                return False
        elif t.gpus:
            return False
        if t.burstable:
            if not (s.allow_burstable or (cur.burstable and family_of(t) == family_of(cur))):
                return False
            if cpu_mean * cur.vcpus / t.vcpus > s.burstable_max_mean_cpu_pct:
                return False
        return True
