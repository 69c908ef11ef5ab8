"""The cost record of a run (schema ``finml-run/1``), built from its ledgers.

The same function serves a run closing normally and ``finml runs reconcile`` after SIGKILL,
OOM or a spot reclaim: everything is derived from the ledger events that reached the disk.
How each figure was measured is stated next to it (``counter``, ``integration``, ``estimate``,
``config``, ``catalog``). Money is exact (Decimal strings with a currency).
"""

from __future__ import annotations

import json
import os
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from finml.money import Money
from finml.pricing import PriceCatalog
from profiler.streams import Sample, Stream, load_streams

__all__ = ["build_record", "write_record", "read_record", "SCHEMA", "RECORD_FILE"]

SCHEMA = "finml-run/1"
RECORD_FILE = "record.json"
_MJ_PER_KWH = 3.6e9
_STATUS_RANK = {"failed": 4, "interrupted": 3, "terminated": 2, "finished": 1}


def _iso(t: float | None) -> str | None:
    return datetime.fromtimestamp(t, timezone.utc).isoformat() if t is not None else None


def _dec(x: float) -> Decimal:
    return Decimal(repr(round(x, 6)))


def _frac_dec(f: Fraction) -> Decimal:
    return Decimal(f.numerator) / Decimal(f.denominator)


@dataclass(slots=True)
class Segment:
    """A stretch of one process's run with its cost and utilisation."""

    a: float
    b: float
    cost: Decimal
    idle_cost: Decimal
    util: float | None
    idle: float
    stream: int


@dataclass(slots=True)
class _Acc:
    segments: list[Segment] = field(default_factory=list)
    gpu_s: float = 0.0
    util_w: float = 0.0
    util_wt: float = 0.0
    memb_w: float = 0.0
    memb_wt: float = 0.0
    cpu_w: float = 0.0
    hcpu_w: float = 0.0
    iow_w: float = 0.0
    host_t: float = 0.0
    rss_peak: int = 0
    io: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    cost: Decimal = Decimal(0)
    idle_cost: Decimal = Decimal(0)
    energy_kwh: float = 0.0
    energy_methods: set[str] = field(default_factory=set)
    currency: str | None = None
    priced: bool = True
    devices: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _segments(s: Stream) -> list[tuple[float, float, Sample | None]]:
    """Pieces of the process's lifetime, cut at samples and at share changes; each piece
    carries the sample that measured it (the next one, else the last)."""
    t0, t1 = s.t0, s.t1
    cuts = sorted({t for t in (*(x.t for x in s.samples), *s.share_t) if t0 < t < t1} | {t1})
    times = [x.t for x in s.samples]
    out: list[tuple[float, float, Sample | None]] = []
    prev = t0
    for t in cuts:
        if t <= prev:
            continue
        i = bisect_left(times, t)
        smp = s.samples[i] if i < len(times) else (s.samples[-1] if s.samples else None)
        out.append((prev, t, smp))
        prev = t
    return out


def _device_energy(s: Stream, k: int, frac: float) -> tuple[float | None, str]:
    first = last = None
    for smp in s.samples:
        if smp.g and len(smp.g) > k and smp.g[k][4] is not None:
            first = smp.g[k][4] if first is None else first
            last = smp.g[k][4]
    if first is not None and last is not None and last >= first:
        return (last - first) / _MJ_PER_KWH * frac, "counter"
    joules = 0.0
    have = False
    prev: tuple[float, float] | None = None
    for smp in s.samples:
        p = smp.g[k][3] if smp.g and len(smp.g) > k else None
        if p is None:
            continue
        if prev is not None:
            joules += (p + prev[1]) / 2 * (smp.t - prev[0])
            have = True
        prev = (smp.t, p)
    if have:
        return joules / 3.6e6 * frac, "integration"
    return None, "none"


def _stream_figures(i: int, s: Stream, acc: _Acc, threshold: float) -> None:
    devices = s.start.get("devices") or []
    used = s.used_devices()
    weights = {k: float(devices[k].get("slice_fraction") or 1.0) for k in used}
    price = (s.host_info or {}).get("price") or s.start.get("price") or {}
    hourly = Money.from_json(price["hourly"]) if price.get("hourly") else None
    if hourly is None:
        acc.priced = False
    elif acc.currency is None:
        acc.currency = hourly.currency
    elif acc.currency != hourly.currency:
        acc.notes.append(f"{s.path.name}: price in {hourly.currency}, not {acc.currency}; "
                         "left out of the total")
        hourly = None
        acc.priced = False
    claim = s.start.get("cpu_claim") or 1
    for a, b, smp in _segments(s):
        dt = b - a
        idle = 0.0
        util: float | None = None
        if smp is not None and used and smp.g:
            wsum = known = 0.0
            idle_w = util_sum = 0.0
            for k in used:
                if k >= len(smp.g):
                    continue
                w = weights[k]
                wsum += w
                u = smp.g[k][0]
                if u is None:
                    continue
                known += w
                util_sum += u * w
                if u < threshold:
                    idle_w += w
                mb = smp.g[k][1]
                if mb is not None:
                    acc.memb_w += mb * w * dt
                    acc.memb_wt += w * dt
            idle = idle_w / wsum if wsum else 0.0
            if known:
                util = util_sum / known
                acc.util_w += util * known * dt
                acc.util_wt += known * dt
        elif smp is not None and smp.h and not devices:
            util = 100.0 * smp.h[0] / claim
            idle = 1.0 if util < threshold else 0.0
        if devices:
            acc.gpu_s += dt * sum(weights.values())
        if smp is not None and smp.h:
            acc.cpu_w += smp.h[0] * dt
            acc.hcpu_w += smp.h[2] * dt
            acc.iow_w += smp.h[3] * dt
            acc.host_t += dt
        cost = idle_cost = Decimal(0)
        if hourly is not None:
            cost = hourly.amount * _dec(dt) / 3600 * _frac_dec(s.share_at(a))
            idle_cost = cost * _dec(idle)
            acc.cost += cost
            acc.idle_cost += idle_cost
        acc.segments.append(Segment(a, b, cost, idle_cost, util, idle, i))
    for smp in s.samples:
        if smp.h:
            acc.rss_peak = max(acc.rss_peak, int(smp.h[1]))
            for j in range(4):
                acc.io[j] += int(smp.h[4 + j])
    for k, dev in enumerate(devices):
        mem_peak = max((smp.g[k][2] or 0 for smp in s.samples if smp.g and len(smp.g) > k),
                       default=0)
        proc_peak = max((smp.g[k][5] or 0 for smp in s.samples if smp.g and len(smp.g) > k),
                        default=0)
        utils = [smp.g[k][0] for smp in s.samples
                 if smp.g and len(smp.g) > k and smp.g[k][0] is not None]
        frac = float(dev.get("slice_fraction") or 1.0)
        kwh, method = _device_energy(s, k, frac if dev.get("mig") else 1.0)
        if method != "none" and k in weights:
            acc.energy_kwh += kwh or 0.0
            acc.energy_methods.add(method)
        acc.devices.append({
            **dev, "host": s.start.get("host"), "rank": s.start.get("rank"), "used": k in weights,
            "util_mean": round(sum(utils) / len(utils), 2) if utils else None,
            "memory_peak": mem_peak, "process_memory_peak": proc_peak,
            "energy_kwh": round(kwh, 6) if kwh is not None else None, "energy_method": method,
            **({"energy_note": "MIG: parent GPU energy x slice fraction (estimate)"}
               if dev.get("mig") and method != "none" else {}),
        })


def _status(sampling: list[Stream]) -> tuple[str, int | None, bool]:
    ends = [s.end for s in sampling]
    if not sampling or any(e is None for e in ends):
        return "incomplete", None, True
    worst = max(ends, key=lambda e: _STATUS_RANK.get(str(e and e.get("status")), 0))
    assert worst is not None
    codes = [e.get("exit_code") for e in ends if e and e.get("exit_code") is not None]
    code = next((c for c in codes if c != 0), codes[0] if codes else None)
    return str(worst.get("status")), code, False


def _phases(streams: list[Stream], segs: list[Segment], priced: bool) -> list[dict[str, Any]]:
    opened: dict[tuple[int, str], float] = {}
    spans: list[tuple[str, float, float]] = []
    for i, s in enumerate(streams):
        for ev in sorted(s.phases, key=lambda e: e["t"]):
            key = (i, ev["name"])
            if ev.get("action") == "begin":
                opened[key] = float(ev["t"])
            elif key in opened:
                spans.append((ev["name"], opened.pop(key), float(ev["t"])))
        for (j, name), t0 in list(opened.items()):
            if j == i:
                spans.append((name, t0, s.t1))
                opened.pop((j, name))
    out = []
    for name, a, b in sorted(spans, key=lambda x: x[1]):
        cost = idle_cost = Decimal(0)
        uw = ut = 0.0
        for g in segs:
            ov = min(b, g.b) - max(a, g.a)
            if ov <= 0 or g.b <= g.a:
                continue
            part = _dec(ov / (g.b - g.a))
            cost += g.cost * part
            idle_cost += g.idle_cost * part
            if g.util is not None:
                uw += g.util * ov
                ut += ov
        out.append({"name": name, "start": _iso(a), "end": _iso(b), "duration_s": round(b - a, 3),
                    "util_mean": round(uw / ut, 2) if ut else None,
                    "cost": str(cost) if priced else None,
                    "idle_cost": str(idle_cost) if priced else None})
    return out


def _idle_stretches(segs: list[Segment], phases: list[dict[str, Any]], min_s: float,
                    starts: dict[str, tuple[float, float]], priced: bool) -> list[dict[str, Any]]:
    runs: list[list[Segment]] = []
    for g in sorted(segs, key=lambda g: (g.stream, g.a)):
        if g.idle >= 0.999:
            if runs and runs[-1][-1].stream == g.stream and abs(runs[-1][-1].b - g.a) < 1e-6:
                runs[-1].append(g)
            else:
                runs.append([g])
    out = []
    for r in runs:
        a, b = r[0].a, r[-1].b
        if b - a < min_s:
            continue
        names = sorted({p["name"] for p in phases if starts[p["name"] + p["start"]][0] < b
                        and starts[p["name"] + p["start"]][1] > a})
        out.append({"start": _iso(a), "end": _iso(b), "duration_s": round(b - a, 3),
                    "cost": str(sum((g.cost for g in r), Decimal(0))) if priced else None,
                    "phases": names})
    return out


def build_record(directory: Path, catalog: PriceCatalog | None = None) -> dict[str, Any]:
    """Merge every ledger in ``directory`` into one cost record (see module docstring)."""
    from profiler.diagnosis import diagnose

    streams = load_streams(directory)
    if not streams:
        raise FileNotFoundError(f"no ledger with a start event in {directory}")
    sampling = [s for s in streams if s.sampling] or streams
    first = min(streams, key=lambda s: s.t0).start
    cfg = first.get("settings") or {}
    threshold = float(cfg.get("idle_threshold_pct", 10.0))
    acc = _Acc()
    for i, s in enumerate(sampling):
        _stream_figures(i, s, acc, threshold)
    t0 = min(s.t0 for s in streams)
    t1 = max(s.t1 for s in streams)
    status, exit_code, reconciled = _status([s for s in sampling if s.sampling])
    spot = next((s.spot for s in streams if s.spot), None)
    if spot is not None and status in ("incomplete", "terminated"):
        status = "interrupted"
    phases = _phases(streams, acc.segments, acc.priced and acc.currency is not None)
    bounds = {p["name"] + p["start"]: (datetime.fromisoformat(p["start"]).timestamp(),
                                       datetime.fromisoformat(p["end"]).timestamp())
              for p in phases}
    stretches = _idle_stretches(acc.segments, phases, float(cfg.get("idle_phase_min_s", 300)),
                                bounds, acc.priced and acc.currency is not None)
    steps_n = sum(int(e.get("n", 0)) for s in streams for e in s.steps)
    steps_sum = sum(float(e.get("sum_s", 0)) for s in streams for e in s.steps)
    steps_wait = sum(float(e.get("wait_s", 0)) for s in streams for e in s.steps)
    metrics: dict[str, float] = {}
    for s in streams:
        for e in sorted(s.metrics, key=lambda e: e["t"]):
            metrics[str(e["key"])] = float(e["value"])
    notes: list[str] = []
    hosts: list[dict[str, Any]] = []
    prices: list[dict[str, Any]] = []
    for s in sampling:
        info = s.host_info or {}
        price = info.get("price") or s.start.get("price") or {}
        notes.extend(s.start.get("notes") or [])
        notes.extend(price.get("notes") or [])
        prices.append(price)
        notes.extend(s.notes)
        hosts.append({
            "host": s.start.get("host"), "pid": s.start.get("pid"), "rank": s.start.get("rank"),
            "local_rank": s.start.get("local_rank"), "identity": info.get("identity"),
            "price": price or None, "host_gpus": s.start.get("host_gpus"),
            "host_cpus": s.start.get("host_cpus"), "samples": len(s.samples),
            "sampler_errors": s.errors, "last_sampler_error": s.last_error,
            "ended": s.end is not None,
            "sampler_cpu_s": (s.end or {}).get("sampler_cpu_s"),
            "sampler_startup_cpu_s": (s.end or {}).get("sampler_startup_cpu_s"),
        })
    notes.extend(acc.notes)
    if reconciled:
        flush = float(cfg.get("flush_interval", 5.0))
        notes.append(f"run did not close (killed, OOM or machine lost): rebuilt from the ledger; "
                     f"up to {flush:g} s (one flush interval) after the last sample may be missing")
    currency = acc.currency or "USD"
    priced = acc.priced and acc.currency is not None
    total = Money(acc.cost, currency).rounded(10) if priced else None
    idle = Money(acc.idle_cost, currency).rounded(10) if priced else None
    tariff = cfg.get("electricity_price_per_kwh")
    energy_method = ("none" if not acc.energy_methods else acc.energy_methods.pop()
                     if len(acc.energy_methods) == 1 else "mixed")
    kwh = round(acc.energy_kwh, 6) if energy_method != "none" else None
    electricity = None
    if tariff is not None and kwh is not None:
        m = Money.of(tariff, cfg.get("electricity_currency", "USD")) * _dec(kwh)
        electricity = {"cost": m.rounded(10).to_json(), "tariff_per_kwh": str(tariff),
                       "method": f"energy ({energy_method}) x configured tariff"}
    wall = t1 - t0
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "run_id": first.get("run_id"),
        "name": first.get("name"),
        "tags": first.get("tags") or {},
        "job_id": first.get("job_id"),
        "command": first.get("command"),
        "mlflow_run_id": next((s.start.get("mlflow_run_id") for s in streams
                               if s.start.get("mlflow_run_id")), None),
        "status": status,
        "exit_code": exit_code,
        "reconciled": reconciled,
        "started_at": _iso(t0),
        "ended_at": _iso(t1),
        "wall_s": round(wall, 3),
        "ranks": len([s for s in sampling if s.sampling]),
        "hosts": hosts,
        "devices": acc.devices,
        "usage": {
            "gpu_hours": round(acc.gpu_s / 3600, 9),
            "gpu_seconds": round(acc.gpu_s, 6),
            "gpu_util_mean": round(acc.util_w / acc.util_wt, 2) if acc.util_wt else None,
            "gpu_memory_util_mean": round(acc.memb_w / acc.memb_wt, 2) if acc.memb_wt else None,
            "cpu_cores_mean": round(acc.cpu_w / acc.host_t, 3) if acc.host_t else None,
            "host_cpu_pct_mean": round(acc.hcpu_w / acc.host_t, 2) if acc.host_t else None,
            "iowait_pct_mean": round(acc.iow_w / acc.host_t, 2) if acc.host_t else None,
            "rss_peak_bytes": acc.rss_peak,
            "disk_read_bytes": acc.io[0], "disk_write_bytes": acc.io[1],
            "net_recv_bytes": acc.io[2], "net_sent_bytes": acc.io[3],
            "samples": sum(len(s.samples) for s in sampling),
            "idle_fraction": _idle_fraction(acc.segments),
        },
        "energy": {"kwh": kwh, "method": energy_method, "scope": "GPUs used by the run",
                   "electricity": electricity},
        "cost": {
            "currency": currency,
            "total": total.to_json() if total else None,
            "idle": idle.to_json() if idle else None,
            "busy": (total - idle).to_json() if total and idle else None,
            "idle_threshold_pct": threshold,
            "method": ("hourly host price x wall time x the run's share of the host "
                       "(GPUs used / GPUs on host, or CPU cores / host cores; split with "
                       "concurrent finml runs)") if priced else None,
            "share_mean": _share_mean(sampling),
        },
        "phases": phases,
        "idle_stretches": stretches,
        "steps": {"count": steps_n, "total_s": round(steps_sum, 6), "data_wait_s": round(steps_wait, 6),
                  "data_wait_share": round(steps_wait / steps_sum, 4) if steps_sum else None},
        "metrics": metrics,
        "spot_notice": {k: v for k, v in spot.items() if k not in ("e",)} if spot else None,
        "notes": list(dict.fromkeys(notes)),
        "measured_by": {
            "gpu": "nvml" if acc.devices else "none (no NVML or no GPU): CPU-only",
            "cpu": sorted({str(s.start.get("cpu_source") or "psutil") for s in sampling}),
            "energy": energy_method,
            "price": sorted({str(p["source"]) for p in prices if p.get("source")}) or None,
            "share": "host registry of concurrent finml runs (exact fractions)",
            "idle": f"sampled utilisation below {threshold:g} %",
        },
        "settings": cfg,
    }
    record["diagnosis"] = diagnose(record, catalog)
    return record


def _idle_fraction(segs: list[Segment]) -> float | None:
    dur = sum(g.b - g.a for g in segs)
    return round(sum(g.idle * (g.b - g.a) for g in segs) / dur, 4) if dur else None


def _share_mean(streams: list[Stream]) -> str | None:
    total = Fraction(0)
    dur = 0.0
    for s in streams:
        if not s.sampling:
            continue
        for a, b, _ in _segments(s):
            total += s.share_at(a) * Fraction(b - a)
            dur += b - a
    return str(round(float(total) / dur, 6)) if dur else None


def write_record(directory: Path, record: dict[str, Any]) -> Path:
    """Write ``record.json`` atomically (fsync'd) and return its path."""
    path = directory / RECORD_FILE
    tmp = directory / f".{RECORD_FILE}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=2, default=str)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def read_record(directory: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((directory / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data
