"""Records and diagnoses from ledgers written event by event (the real on-disk format)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from finml.money import Money
from finml.pricing.embedded import EmbeddedCatalog
from profiler.ledger import LedgerWriter
from profiler.record import build_record

GiB = 1024**3
T0 = 1_800_000_000.0


class Catalog:
    """A price catalog with a spot price, for the spot advice."""

    def __init__(self) -> None:
        self.base = EmbeddedCatalog.load()

    def instance_hour(self, provider: str, region: str, itype: str, term: str = "on-demand",
                      platform: str = "linux") -> Any:
        if term == "spot" and itype == "g5.xlarge":
            from finml.pricing import PriceQuote

            q = self.base.instance_hour(provider, region, itype)
            return PriceQuote(Money.of("0.3018", "USD"), "hour", "test-spot-feed", q.as_of)
        return self.base.instance_hour(provider, region, itype, term, platform)  # type: ignore[arg-type]

    def storage_gb_month(self, *a: Any) -> Any:
        return None

    def address_hour(self, *a: Any) -> Any:
        return None


def write_run(d: Path, *, itype: str = "p3.8xlarge", host_gpus: int = 4, used: int = 1,
              mem_total: int = 16 * GiB, util: Any = 90, mem_busy: int = 20,
              peak: int = 8 * GiB, seconds: int = 600, step: float = 10.0,
              hcpu: float = 30.0, iow: float = 0.0, steps: tuple[int, float, float] | None = None,
              phases: list[tuple[str, float, float]] = (), tags: dict | None = None,
              hourly: str | None = None, settings: dict | None = None) -> Path:
    led = LedgerWriter(d / "ledger-h-1.jsonl")
    devices = [{"uuid": f"GPU-{k}", "name": "Tesla V100", "index": k, "memory_total": mem_total,
                "mig": False, "parent_uuid": None, "slice_fraction": 1.0} for k in range(used)]
    led.add({"e": "start", "t": T0, "run_id": d.name, "name": d.name, "tags": tags or {},
             "host": "h", "pid": 1, "rank": 0, "sampling": True, "devices": devices,
             "host_gpus": host_gpus, "host_cpus": 32, "cpu_claim": 32,
             "share0": f"{used}/{host_gpus}",
             "settings": {"idle_threshold_pct": 10.0, "idle_phase_min_s": 60, "flush_interval": 5,
                          "short_job_hours": 6, "gpu_memory_headroom": 1.2, **(settings or {})}})
    price = ({"hourly": {"amount": hourly, "currency": "USD"}, "term": "on-demand",
              "source": "config:hourly_price", "notes": []} if hourly else None)
    led.add({"e": "host", "t": T0 + 0.5, "identity": {"provider": "aws", "region": "us-east-1",
             "instance_type": itype, "source": "env"},
             "price": price or {"hourly": {"amount": str(EmbeddedCatalog.load().instance_hour(
                 "aws", "us-east-1", itype).price.amount), "currency": "USD"},  # type: ignore[union-attr]
                 "term": "on-demand", "source": "embedded", "notes": []}})
    n = int(seconds / step)
    for i in range(1, n + 1):
        t = T0 + i * step
        u = util(t - T0) if callable(util) else util
        led.add({"e": "s", "t": t, "h": [4.0, 2 * GiB, hcpu, iow, 0, 0, 0, 0],
                 "g": [[u, mem_busy, peak, 250.0, int(1e6 * i), peak, True] for _ in range(used)]})
    for name, a, b in phases:
        led.add({"e": "phase", "t": T0 + a, "name": name, "action": "begin"})
        led.add({"e": "phase", "t": T0 + b, "name": name, "action": "end"})
    if steps:
        led.add({"e": "steps", "t": T0 + seconds, "n": steps[0], "sum_s": steps[1], "wait_s": steps[2]})
    led.add({"e": "end", "t": T0 + seconds, "status": "finished", "exit_code": 0})
    led.close()
    return d


@pytest.fixture
def rundir(tmp_path: Path) -> Path:
    return tmp_path / "run"


def _advice(rec: dict, kind: str) -> dict:
    return next(a for a in rec["diagnosis"]["advice"] if a["kind"] == kind)


def test_gpu_bound(rundir: Path) -> None:
    rec = build_record(write_run(rundir, peak=14 * GiB), Catalog())
    assert rec["diagnosis"]["label"] == "gpu-bound"
    assert rec["usage"]["gpu_hours"] == pytest.approx(600 / 3600, rel=1e-6)
    # 1 of 4 GPUs of a p3.8xlarge (12.24 USD/h) for 10 minutes
    assert rec["cost"]["total"] == {"amount": "0.5100000000", "currency": "USD"}
    assert rec["energy"]["method"] == "counter"


def test_smaller_gpu_advice_names_the_cheapest_type_that_fits(rundir: Path) -> None:
    rec = build_record(write_run(rundir, peak=3 * GiB), Catalog())
    a = _advice(rec, "smaller-gpu")
    assert "g4dn.xlarge" in a["message"]  # T4 16 GiB at 0.526/GPU-h holds 3 GiB x 1.2
    # (12.24/4 - 0.526) USD per GPU-hour x 1/6 GPU-hour
    assert Money.from_json(a["saving"]) == Money.of("0.4223333333", "USD")


def test_input_bound_from_data_wait(rundir: Path) -> None:
    rec = build_record(write_run(rundir, util=35, steps=(100, 50.0, 20.0)), Catalog())
    assert rec["diagnosis"]["label"] == "input-bound"
    assert any("waiting for data" in r for r in rec["diagnosis"]["reasons"])
    assert _advice(rec, "input-pipeline")


def test_input_bound_from_saturated_cpu_or_iowait(rundir: Path, tmp_path: Path) -> None:
    assert build_record(write_run(rundir, util=30, hcpu=95), Catalog())["diagnosis"]["label"] == "input-bound"
    rec = build_record(write_run(tmp_path / "io", util=30, iow=40), Catalog())
    assert rec["diagnosis"]["label"] == "input-bound" and "iowait 40 %" in rec["diagnosis"]["reasons"]


def test_memory_bound(rundir: Path) -> None:
    rec = build_record(write_run(rundir, util=55, mem_busy=80, peak=15 * GiB), Catalog())
    assert rec["diagnosis"]["label"] == "memory-bound"


def test_mostly_idle_with_idle_stretch_located_by_phase(rundir: Path) -> None:
    rec = build_record(write_run(rundir, util=lambda s: 95 if s <= 200 else 0,
                                 phases=[("train", 0, 200), ("eval", 200, 600)], hourly="3.60",
                                 host_gpus=1), Catalog())
    assert rec["diagnosis"]["label"] == "mostly-idle"
    (st,) = rec["idle_stretches"]
    assert st["phases"] == ["eval"] and st["duration_s"] == 400.0
    assert Money.of(st["cost"], "USD") == Money.of("0.4", "USD")  # 400 s of a 3.60/h host
    assert Money.from_json(rec["cost"]["idle"]) == Money.of("0.4", "USD")
    assert Money.from_json(rec["cost"]["busy"]) == Money.of("0.2", "USD")
    train, ev = rec["phases"]
    assert (train["name"], train["util_mean"], ev["util_mean"]) == ("train", 95.0, 0.0)
    assert Money.of(ev["idle_cost"], "USD") == Money.of("0.4", "USD")
    assert "idle for 400 s" in _advice(rec, "idle-stretch")["message"]


def test_fewer_gpus_when_many_gpus_idle_along(rundir: Path) -> None:
    rec = build_record(write_run(rundir, itype="p3.8xlarge", used=4, util=25, peak=15 * GiB), Catalog())
    a = _advice(rec, "fewer-gpus")
    assert "2 GPU(s)" in a["message"]  # ceil(4 x 25 / 70)
    assert Money.from_json(a["saving"]) == Money.from_json(rec["cost"]["total"]) * "0.5"


def test_spot_advice_for_short_checkpointed_jobs(rundir: Path, tmp_path: Path) -> None:
    rec = build_record(write_run(rundir, itype="g5.xlarge", host_gpus=1, peak=20 * GiB,
                                 mem_total=24 * GiB, tags={"checkpointed": "true"}), Catalog())
    a = _advice(rec, "spot")
    total = Money.from_json(rec["cost"]["total"])
    assert Money.from_json(a["saving"]) == (total * (1 - __import__("decimal").Decimal("0.3018") / __import__("decimal").Decimal("1.006"))).rounded(10)
    # no checkpoint: no spot advice
    plain = build_record(write_run(tmp_path / "plain", itype="g5.xlarge", host_gpus=1,
                                   peak=20 * GiB, mem_total=24 * GiB), Catalog())
    assert not any(x["kind"] == "spot" for x in plain["diagnosis"]["advice"])


def test_torn_last_line_is_skipped(rundir: Path) -> None:
    write_run(rundir, seconds=100)
    with open(rundir / "ledger-h-1.jsonl", "a") as fh:
        fh.write('{"e": "s", "t": 18000')  # crash mid-write
    rec = build_record(rundir, Catalog())
    assert rec["usage"]["samples"] == 10


def test_two_ranks_merge_into_one_job_record(tmp_path: Path) -> None:
    d = tmp_path / "job-42"
    write_run(d, used=1, host_gpus=8, hourly="8.00")
    (d / "ledger-h-1.jsonl").rename(d / "ledger-h-rank0.jsonl")
    write_run(d, used=1, host_gpus=8, hourly="8.00")
    rec = build_record(d, Catalog())
    assert rec["ranks"] == 2 and len(rec["devices"]) == 2
    # two ranks, one GPU each of 8, 600 s at 8/h
    assert Money.from_json(rec["cost"]["total"]) == Money.of("0.3333333333", "USD")
    assert rec["usage"]["gpu_hours"] == pytest.approx(2 * 600 / 3600, rel=1e-6)
