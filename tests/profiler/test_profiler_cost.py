"""Cost attribution: share of the host, concurrent runs, idle cost, energy, exact money."""

from __future__ import annotations

import dataclasses
import json
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from finml.money import Money
from profiler import profile_run
from profiler.registry import ActiveRuns, Claim
from profiler.settings import ProfilerSettings
from tests.profiler.fake_nvml import FakeNvml, gpus, pynvml


def _busy(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.01)


def _money(m: dict[str, str]) -> Money:
    return Money.from_json(m)


def test_two_of_eight_gpus_pay_a_quarter_of_the_host(fast_settings: ProfilerSettings, data_dir: Path) -> None:
    fake = FakeNvml(gpus(8))
    fake.gpus[2].util = 0  # one of the two GPUs is idle the whole time
    settings = dataclasses.replace(fast_settings, hourly_price=Decimal("8.00"), currency="EUR")
    env = {"CUDA_VISIBLE_DEVICES": f"{fake.gpus[2].uuid},{fake.gpus[5].uuid}"}
    with profile_run(name="two-gpus", settings=settings, nvml=fake, env=env, data_dir=data_dir,
                     install_signal_handlers=False) as run:
        _busy(0.4)
    rec = run.record
    assert rec is not None and rec["status"] == "finished"
    assert [d["index"] for d in rec["devices"]] == [2, 5]
    assert rec["hosts"][0]["host_gpus"] == 8
    assert rec["cost"]["share_mean"] == "0.25"
    total = _money(rec["cost"]["total"])
    assert total.currency == "EUR"
    expected = Decimal("8.00") * Decimal(repr(rec["wall_s"])) / 3600 / 4
    assert abs(total.amount - expected) < Decimal("1e-9")
    idle = _money(rec["cost"]["idle"])
    assert abs(idle.amount * 2 - total.amount) < Decimal("1e-9")  # one GPU of two idle
    assert _money(rec["cost"]["busy"]) == total - idle
    # energy from the cumulative counters of the two GPUs (300 W each)
    assert rec["energy"]["method"] == "counter"
    kwh_max = 2 * 300 * rec["wall_s"] / 3.6e6
    assert 0.5 * kwh_max < rec["energy"]["kwh"] <= kwh_max * 1.01
    assert rec["usage"]["gpu_hours"] > 0 and abs(rec["usage"]["gpu_util_mean"] - 47.5) < 0.01
    # the record on disk is the same document
    assert json.loads((run.dir / "record.json").read_text())["cost"] == rec["cost"]


def test_energy_integrated_from_power_when_counter_missing(fast_settings: ProfilerSettings,
                                                           data_dir: Path) -> None:
    settings = dataclasses.replace(fast_settings, electricity_price_per_kwh=Decimal("0.25"))
    with profile_run(settings=settings, nvml=FakeNvml(gpus(1, energy_counter=False)), env={},
                     data_dir=data_dir, install_signal_handlers=False) as run:
        _busy(0.3)
    rec = run.record
    assert rec is not None
    assert rec["energy"]["method"] == "integration"
    assert rec["devices"][0]["energy_method"] == "integration"
    kwh = rec["energy"]["kwh"]
    assert 0 < kwh <= 300 * rec["wall_s"] / 3.6e6 * 1.01
    elec = _money(rec["energy"]["electricity"]["cost"])
    assert abs(elec.amount - Decimal("0.25") * Decimal(repr(kwh))) < Decimal("1e-12")


def test_nvml_errors_mid_run_do_not_stop_the_run(fast_settings: ProfilerSettings, data_dir: Path) -> None:
    fake = FakeNvml(gpus(1))
    with profile_run(settings=fast_settings, nvml=fake, env={}, data_dir=data_dir,
                     install_signal_handlers=False) as run:
        fake.fail("nvmlDeviceGetUtilizationRates", times=3)
        fake.fail("nvmlDeviceGetMemoryInfo", times=2, code=pynvml.NVML_ERROR_UNKNOWN)
        _busy(0.4)
    rec = run.record
    assert rec is not None and rec["status"] == "finished"
    host = rec["hosts"][0]
    assert host["sampler_errors"] == 5 and host["samples"] >= 3
    assert rec["usage"]["gpu_util_mean"] == 95.0  # failed readings are left out, not zero


def test_no_price_says_so_and_leaves_cost_empty(fast_settings: ProfilerSettings, data_dir: Path) -> None:
    settings = dataclasses.replace(fast_settings, instance_type="x9.mega", provider="aws",
                                   region="us-east-1")
    with profile_run(settings=settings, nvml=FakeNvml([], init_error=pynvml.NVML_ERROR_LIBRARY_NOT_FOUND),
                     env={}, data_dir=data_dir, install_signal_handlers=False) as run:
        _busy(0.1)
    rec = run.record
    assert rec is not None and rec["cost"]["total"] is None
    assert any("x9.mega" in n and "not in the price catalog" in n for n in rec["notes"])
    assert any("CPU-only" in n for n in rec["notes"])


def test_catalog_price_for_identified_type(fast_settings: ProfilerSettings, data_dir: Path) -> None:
    settings = dataclasses.replace(fast_settings, instance_type="g5.xlarge", provider="aws",
                                   region="us-east-1")
    with profile_run(settings=settings, nvml=FakeNvml(gpus(1)), env={}, data_dir=data_dir,
                     install_signal_handlers=False) as run:
        _busy(0.1)
    price = run.record["hosts"][0]["price"] if run.record else {}
    assert price["hourly"] == {"amount": "1.006", "currency": "USD"}
    assert price["source"].startswith("embedded:") and price["term"] == "on-demand"


def test_concurrent_cpu_runs_split_the_host(fast_settings: ProfilerSettings, data_dir: Path) -> None:
    settings = dataclasses.replace(fast_settings, hourly_price=Decimal("3.60"))
    no_gpu = FakeNvml([], init_error=pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)
    a = profile_run(name="a", settings=settings, nvml=no_gpu, env={}, data_dir=data_dir,
                    install_signal_handlers=False).start()
    _busy(0.2)
    b = profile_run(name="b", settings=settings, nvml=no_gpu, env={}, data_dir=data_dir,
                    install_signal_handlers=False).start()
    _busy(0.4)
    rb = b.close()
    _busy(0.3)
    ra = a.close()
    assert ra is not None and rb is not None
    assert rb["cost"]["share_mean"] == "0.5"  # a was active the whole time b ran
    assert 0.5 < float(ra["cost"]["share_mean"]) < 1.0  # alone, shared, alone again
    both = _money(ra["cost"]["total"]) + _money(rb["cost"]["total"])
    host = Decimal("3.60") * Decimal(repr(ra["wall_s"])) / 3600
    assert abs(both.amount - host) < Decimal("1e-9")  # together they pay for the host, once
    assert ActiveRuns(data_dir).active() == []  # both marked ended in the registry


def test_share_rules() -> None:
    reg = ActiveRuns(Path("/nonexistent"))
    mine = Claim("r1", 1, {"GPU-a": 1.0, "GPU-b": 1.0}, (0, 1))
    assert reg.share(mine, 8, 16, others=[]) == Fraction(1, 4)
    other = Claim("r2", 2, {"GPU-b": 1.0}, (0,))
    assert reg.share(mine, 8, 16, others=[other]) == Fraction(3, 16)  # GPU-b split in two
    rank2 = Claim("r1", 3, {"GPU-b": 1.0}, (0,))  # another rank of the same run
    assert reg.share(mine, 8, 16, others=[rank2]) == Fraction(1, 4)
    mig = Claim("r3", 4, {"MIG-x": 0.5}, ())
    assert reg.share(mig, 8, 16, others=[]) == Fraction(1, 16)
    cpu = Claim("c1", 5, {}, tuple(range(8)))
    assert reg.share(cpu, 0, 16, others=[]) == Fraction(1, 2)  # pinned to 8 of 16 cores
    disjoint = Claim("c2", 6, {}, tuple(range(8, 16)))
    assert reg.share(cpu, 0, 16, others=[disjoint]) == Fraction(1, 2)
    overlap = Claim("c3", 7, {}, tuple(range(16)))
    assert reg.share(cpu, 0, 16, others=[overlap]) == Fraction(1, 4)


def test_registry_ignores_dead_and_stale_entries(tmp_path: Path) -> None:
    reg = ActiveRuns(tmp_path, host="h", stale_s=60)
    live = Claim("live", __import__("os").getpid(), {}, (0,))
    reg.register(live)
    reg.register(Claim("dead", 2**22 + 12345, {}, (0,)))
    assert [c.run_id for c in reg.active()] == ["live"]
    assert reg.active(now=time.time() + 120) == []
    reg.unregister(live)
    assert reg.active() == []


def test_gpus_the_tree_is_seen_on_are_the_ones_paid_for(fast_settings: ProfilerSettings,
                                                        data_dir: Path) -> None:
    """All 4 GPUs visible, the process uses GPU 2 only: it pays 1/4 from its start."""
    import os

    fake = FakeNvml(gpus(4))
    fake.gpus[2].procs = [(os.getpid(), 3 * 2**30)]
    settings = dataclasses.replace(fast_settings, hourly_price=Decimal("4.00"))
    with profile_run(settings=settings, nvml=fake, env={}, data_dir=data_dir,
                     install_signal_handlers=False) as run:
        _busy(0.3)
    rec = run.record
    assert rec is not None
    assert [d["index"] for d in rec["devices"] if d["used"]] == [2]
    assert rec["devices"][2]["process_memory_peak"] == 3 * 2**30
    assert rec["cost"]["share_mean"] == "0.25"
    assert rec["usage"]["gpu_hours"] == pytest.approx(rec["wall_s"] / 3600, rel=1e-3)
