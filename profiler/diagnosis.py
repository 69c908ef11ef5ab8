"""What bound the run and what it would save to change it, in money.

Labels (first match wins): ``unknown`` (no samples), ``mostly-idle`` (half the GPU/CPU time below
the idle threshold), ``gpu-bound`` (GPU utilisation >= 70 %), ``memory-bound`` (memory controller
>= 60 % busy or memory >= 95 % full), ``input-bound`` (GPU < 50 % while the host CPU is >= 85 %,
iowait >= 20 % or steps spend >= 30 % waiting for data), ``cpu-bound`` (CPU runs) and ``balanced``.

Advice, each with the saving for this run where a price is known: a cheaper GPU type that still
fits the peak memory (price catalog plus the instance-type facts, :mod:`profiler.gpu_types`), fewer GPUs or larger
batches when several GPUs idle, where long idle stretches happened (phase names and times), and
spot capacity for short checkpointed jobs.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from finml.money import Money
from finml.pricing import PriceCatalog
from profiler.gpu_types import gpu_type, gpu_types

__all__ = ["diagnose", "LABELS"]

LABELS = ("unknown", "mostly-idle", "gpu-bound", "memory-bound", "input-bound", "cpu-bound",
          "balanced")

GPU_BOUND_PCT = 70.0
INPUT_GPU_BELOW_PCT = 50.0
HOST_CPU_SATURATED_PCT = 85.0
IOWAIT_HIGH_PCT = 20.0
DATA_WAIT_SHARE = 0.3
MEM_BUSY_PCT = 60.0
MEM_FULL = 0.95
MEM_FAR_BELOW = 0.5
FEW_GPUS_UTIL_PCT = 40.0


def _label(r: dict[str, Any], gpu_run: bool) -> tuple[str, list[str]]:
    u = r["usage"]
    reasons: list[str] = []
    if not u["samples"]:
        return "unknown", ["no samples were recorded"]
    idle = u.get("idle_fraction") or 0.0
    thr = r["cost"]["idle_threshold_pct"]
    if idle >= 0.5:
        return "mostly-idle", [f"{idle:.0%} of the {'GPU' if gpu_run else 'CPU'} time was below "
                               f"{thr:g} % utilisation"]
    wait = r["steps"].get("data_wait_share")
    iow = u.get("iowait_pct_mean") or 0.0
    hcpu = u.get("host_cpu_pct_mean") or 0.0
    if gpu_run:
        util = u.get("gpu_util_mean")
        if util is not None and util >= GPU_BOUND_PCT:
            return "gpu-bound", [f"mean GPU utilisation {util:.0f} %"]
        memb = u.get("gpu_memory_util_mean") or 0.0
        full = max((d["memory_peak"] / d["memory_total"] for d in r["devices"]
                    if d.get("used") and d.get("memory_total")), default=0.0)
        if memb >= MEM_BUSY_PCT or full >= MEM_FULL:
            return "memory-bound", [f"memory controller {memb:.0f} % busy, "
                                    f"peak memory {full:.0%} of capacity"]
        if util is None or util < INPUT_GPU_BELOW_PCT:
            if hcpu >= HOST_CPU_SATURATED_PCT:
                reasons.append(f"host CPU {hcpu:.0f} % busy")
            if iow >= IOWAIT_HIGH_PCT:
                reasons.append(f"iowait {iow:.0f} %")
            if wait is not None and wait >= DATA_WAIT_SHARE:
                reasons.append(f"{wait:.0%} of step time waiting for data")
            if reasons:
                return "input-bound", [f"GPU utilisation {util or 0:.0f} %", *reasons]
        return "balanced", [f"mean GPU utilisation {util or 0:.0f} %"]
    if iow >= IOWAIT_HIGH_PCT or (wait is not None and wait >= DATA_WAIT_SHARE):
        return "input-bound", [f"iowait {iow:.0f} %", f"data wait share {wait or 0:.0%}"]
    return "cpu-bound", [f"{u.get('cpu_cores_mean') or 0:.2f} cores busy on average"]


def _money(r: dict[str, Any], key: str) -> Money | None:
    v = r["cost"].get(key)
    return Money.from_json(v) if v else None


def _host(r: dict[str, Any]) -> dict[str, Any]:
    return r["hosts"][0] if r["hosts"] else {}


def _smaller_gpu(r: dict[str, Any], catalog: PriceCatalog, headroom: float) -> dict[str, Any] | None:
    used = [d for d in r["devices"] if d.get("used") and not d.get("mig")]
    if not used:
        return None
    peak = max(d.get("process_memory_peak") or d.get("memory_peak") or 0 for d in used)
    cap = min(d["memory_total"] for d in used)
    if not cap or peak <= 0 or peak / cap >= MEM_FAR_BELOW:
        return None
    h = _host(r)
    ident = h.get("identity") or {}
    provider, region = ident.get("provider"), ident.get("region") or "*"
    need = peak * headroom
    msg = (f"peak GPU memory {peak / 2**30:.1f} GiB is {peak / cap:.0%} of the "
           f"{cap / 2**30:.0f} GiB GPU")
    current = gpu_type(provider, ident.get("instance_type"))
    price = (h.get("price") or {}).get("hourly")
    if not provider or current is None or not price:
        return {"kind": "smaller-gpu", "message": msg + "; a GPU with less memory would do "
                "(instance type or price unknown, so no alternative is priced)", "saving": None}
    cur_gpu_h = Money.from_json(price) / current.gpus
    best: tuple[Money, str] | None = None
    for g in gpu_types(provider):
        itype = g.instance_type
        if g.memory_per_gpu < need or itype == current.instance_type:
            continue
        q = catalog.instance_hour(provider, region, itype)
        if q is None or q.price.currency != cur_gpu_h.currency:
            continue
        per_gpu = q.price / g.gpus
        if per_gpu < cur_gpu_h and (best is None or per_gpu < best[0]):
            best = (per_gpu, f"{itype} ({g.gpu}, {g.memory_per_gpu // 2**30} GiB)")
    if best is None:
        return None
    gpu_hours = Decimal(repr(r["usage"]["gpu_seconds"])) / 3600
    saving = (cur_gpu_h - best[0]) * gpu_hours
    return {"kind": "smaller-gpu", "message": f"{msg}; the cheapest catalog GPU that fits is "
            f"{best[1]} at {best[0].rounded(4).amount} {best[0].currency}/GPU-hour vs "
            f"{cur_gpu_h.rounded(4).amount}", "saving": saving.rounded(10).to_json()}


def _fewer_gpus(r: dict[str, Any]) -> dict[str, Any] | None:
    used = [d for d in r["devices"] if d.get("used")]
    util = r["usage"].get("gpu_util_mean")
    if len(used) < 2 or util is None or util >= FEW_GPUS_UTIL_PCT:
        return None
    k = max(1, math.ceil(len(used) * util / GPU_BOUND_PCT))
    total = _money(r, "total")
    saving = (total * Decimal(len(used) - k) / Decimal(len(used))) if total else None
    return {"kind": "fewer-gpus", "message": f"{len(used)} GPUs averaged {util:.0f} % "
            f"utilisation: {k} GPU(s) with larger batches would do the same work",
            "saving": saving.rounded(10).to_json() if saving else None}


def _spot(r: dict[str, Any], catalog: PriceCatalog, short_h: float) -> dict[str, Any] | None:
    checkpointed = bool(r["tags"].get("checkpointed")) or any(
        "checkpoint" in p["name"].lower() for p in r["phases"])
    h = _host(r)
    price = h.get("price") or {}
    if not checkpointed or r["wall_s"] / 3600 > short_h or price.get("term") != "on-demand":
        return None
    ident = h.get("identity") or {}
    total = _money(r, "total")
    msg = (f"short ({r['wall_s'] / 3600:.2f} h) checkpointed job on on-demand capacity: "
           "spot capacity would do")
    if not ident.get("provider") or not ident.get("instance_type") or total is None:
        return {"kind": "spot", "message": msg, "saving": None}
    spot = catalog.instance_hour(ident["provider"], ident.get("region") or "*",
                                 ident["instance_type"], "spot")
    if spot is None or not price.get("hourly"):
        return {"kind": "spot", "message": msg + " (no spot price in the catalog to price it)",
                "saving": None}
    od = Money.from_json(price["hourly"])
    if spot.price.currency != od.currency or not spot.price < od:
        return None
    saving = total * ((od.amount - spot.price.amount) / od.amount)
    return {"kind": "spot", "message": msg + f": {spot.price.amount} vs {od.amount} "
            f"{od.currency}/hour ({spot.source})", "saving": saving.rounded(10).to_json()}


def diagnose(r: dict[str, Any], catalog: PriceCatalog | None = None) -> dict[str, Any]:
    gpu_run = any(d.get("used") for d in r["devices"])
    label, reasons = _label(r, gpu_run)
    cfg = r.get("settings") or {}
    advice: list[dict[str, Any]] = []

    def cat() -> PriceCatalog:
        nonlocal catalog
        if catalog is None:
            from finml.pricing import default_catalog

            catalog = default_catalog()
        return catalog

    if gpu_run:
        for item in (_smaller_gpu(r, cat(), float(cfg.get("gpu_memory_headroom", 1.2))),
                     _fewer_gpus(r)):
            if item:
                advice.append(item)
    if label == "input-bound":
        idle = _money(r, "idle")
        advice.append({"kind": "input-pipeline", "message": "the accelerator waits for input: "
                       "more data-loader workers, prefetching, faster or local storage",
                       "saving": idle.to_json() if idle else None})
    for st in r["idle_stretches"]:
        where = f" during {', '.join(st['phases'])}" if st["phases"] else ""
        advice.append({"kind": "idle-stretch", "message": f"idle for {st['duration_s']:.0f} s "
                       f"from {st['start']} to {st['end']}{where}",
                       "saving": {"amount": st["cost"], "currency": r["cost"]["currency"]}
                       if r["cost"]["total"] else None})
    spot = _spot(r, cat(), float(cfg.get("short_job_hours", 6.0)))
    if spot:
        advice.append(spot)
    return {"label": label, "reasons": reasons, "advice": advice}
