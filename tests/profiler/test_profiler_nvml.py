from __future__ import annotations

import os

from profiler.identity import parse_visible_devices
from profiler.nvml import GpuReader
from tests.profiler.fake_nvml import FakeGpu, FakeMig, FakeNvml, GiB, gpus, pynvml


def _reader(fake: FakeNvml, env: dict[str, str]) -> GpuReader:
    return GpuReader(parse_visible_devices(env), nvml=fake)


def test_uuid_selection_maps_cuda_order_to_nvml_devices() -> None:
    fake = FakeNvml(gpus(4))
    r = _reader(fake, {"CUDA_VISIBLE_DEVICES": f"{fake.gpus[3].uuid},{fake.gpus[1].uuid[:12]}"})
    assert r.available and r.host_gpu_count == 4
    assert [d.index for d in r.devices] == [3, 1]
    assert not any("PCI" in n for n in r.notes)


def test_index_selection_is_flagged_without_pci_order() -> None:
    r = _reader(FakeNvml(gpus(4)), {"CUDA_VISIBLE_DEVICES": "2"})
    assert [d.index for d in r.devices] == [2]
    assert any("PCI_BUS_ID" in n for n in r.notes)


def test_unknown_visible_device_is_noted_not_measured() -> None:
    r = _reader(FakeNvml(gpus(2)), {"CUDA_VISIBLE_DEVICES": "GPU-ffff"})
    assert r.devices == [] and any("GPU-ffff" in n for n in r.notes)


def test_mig_instances_are_devices_with_a_slice_fraction() -> None:
    g = gpus(2)
    g[1].migs = [FakeMig("MIG-1111", 10 * GiB, 3 * GiB), FakeMig("MIG-2222", 20 * GiB)]
    fake = FakeNvml(g)
    everything = _reader(fake, {})
    assert [d.uuid for d in everything.devices] == [g[0].uuid, "MIG-1111", "MIG-2222"]
    r = _reader(FakeNvml(g), {"CUDA_VISIBLE_DEVICES": "MIG-2222"})
    (dev,) = r.devices
    assert dev.mig and dev.parent_uuid == g[1].uuid and dev.slice_fraction == 0.5
    (row,) = r.read({os.getpid()})
    assert row[0] is None  # no utilisation per MIG instance
    assert row[3] == 300.0 and row[4] is not None  # parent GPU power and energy
    legacy = _reader(FakeNvml(g), {"CUDA_VISIBLE_DEVICES": f"MIG-{g[1].uuid}/1/0"})
    assert legacy.devices[0].uuid == "MIG-1111"


def test_missing_energy_counter_falls_back_to_integration_and_is_not_retried() -> None:
    fake = FakeNvml(gpus(1, energy_counter=False))
    r = _reader(fake, {})
    for _ in range(3):
        (row,) = r.read(set())
        assert row[4] is None and row[3] == 300.0
    assert r.energy_method == ["integration"]
    assert fake.calls["nvmlDeviceGetTotalEnergyConsumption"] == 1
    assert r.errors == 0


def test_nvml_errors_mid_run_are_counted_not_raised() -> None:
    fake = FakeNvml(gpus(2))
    r = _reader(fake, {})
    fake.fail("nvmlDeviceGetUtilizationRates", times=1)
    fake.fail("nvmlDeviceGetPowerUsage", times=2)
    rows = r.read(set())
    assert rows[0][0] is None and rows[1][0] == 95  # only the failing call is empty
    assert rows[0][3] is None and rows[1][3] is None
    assert r.errors == 3 and "GpuIsLost" in (r.last_error or "")
    assert r.read(set())[0][0] == 95  # recovers on the next sample


def test_process_memory_counts_only_the_run_tree() -> None:
    g = gpus(1)
    g[0].procs = [(os.getpid(), 2 * GiB), (999_999, 5 * GiB)]
    (row,) = _reader(FakeNvml(g), {}).read({os.getpid()})
    assert row[5] == 2 * GiB and row[6] is True
    (other,) = _reader(FakeNvml(g), {}).read({123})
    assert other[5] == 0 and other[6] is False


def test_no_nvml_library_means_cpu_only_with_a_note() -> None:
    r = _reader(FakeNvml(gpus(1), init_error=pynvml.NVML_ERROR_LIBRARY_NOT_FOUND), {})
    assert not r.available and r.devices == []
    assert any("CPU-only" in n for n in r.notes)


def test_default_loader_without_driver_is_cpu_only() -> None:
    r = GpuReader(parse_visible_devices({}))  # real pynvml, no driver on CI machines
    if r.available:  # pragma: no cover - a machine with a GPU
        r.close()
        return
    assert any("CPU-only" in n for n in r.notes)


def test_enumeration_failure_is_cpu_only() -> None:
    fake = FakeNvml([FakeGpu("GPU-x")])
    fake.fail("nvmlDeviceGetCount")
    r = _reader(fake, {})
    assert not r.available and any("enumeration" in n for n in r.notes)
