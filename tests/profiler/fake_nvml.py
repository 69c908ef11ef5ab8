"""A fake NVML module with pynvml's function names and its real ``NVMLError`` classes.

Passed to :class:`profiler.nvml.GpuReader` through its ``nvml=`` parameter. Each GPU has a
utilisation pattern, power draw, an energy counter that advances with (real) time at that power
(or none: ``NVMLError_NotSupported``), MIG instances and compute processes. ``fail`` injects NVML
errors into the next calls of a named function, as a flaky driver would.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pynvml

GiB = 1024**3


@dataclass
class FakeMig:
    uuid: str
    memory_total: int
    memory_used: int = 0
    procs: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class FakeGpu:
    uuid: str
    name: str = "NVIDIA A100-SXM4-40GB"
    memory_total: int = 40 * GiB
    memory_used: int = 1 * GiB
    util: Any = 95
    """An int, or a callable ``(elapsed_s) -> int``."""
    mem_busy: int = 30
    power_w: float = 300.0
    energy_counter: bool = True
    migs: list[FakeMig] | None = None
    procs: list[tuple[int, int]] = field(default_factory=list)
    """``(pid, used bytes)`` of compute processes."""


@dataclass(frozen=True)
class _Handle:
    gpu: int
    mig: int | None = None


class FakeNvml:
    NVMLError = pynvml.NVMLError
    NVMLError_NotSupported = pynvml.NVMLError_NotSupported
    NVMLError_NotFound = pynvml.NVMLError_NotFound
    NVMLError_GpuIsLost = pynvml.NVMLError_GpuIsLost
    NVMLError_LibraryNotFound = pynvml.NVMLError_LibraryNotFound
    NVML_DEVICE_MIG_ENABLE = pynvml.NVML_DEVICE_MIG_ENABLE

    def __init__(self, gpus: list[FakeGpu], *, init_error: int | None = None) -> None:
        self.gpus = gpus
        self.init_error = init_error
        self.calls: dict[str, int] = {}
        self._fail: dict[str, list[int]] = {}
        self._t0 = time.monotonic()
        self.initialised = False

    # test controls
    def fail(self, fn: str, times: int = 1, code: int = pynvml.NVML_ERROR_GPU_IS_LOST) -> None:
        self._fail.setdefault(fn, []).extend([code] * times)

    def _enter(self, fn: str) -> None:
        self.calls[fn] = self.calls.get(fn, 0) + 1
        pending = self._fail.get(fn)
        if pending:
            raise pynvml.NVMLError(pending.pop(0))

    def _gpu(self, h: _Handle) -> FakeGpu:
        return self.gpus[h.gpu]

    # NVML API (names and shapes as in pynvml)
    def nvmlInit(self) -> None:
        self._enter("nvmlInit")
        if self.init_error is not None:
            raise pynvml.NVMLError(self.init_error)
        self.initialised = True

    def nvmlShutdown(self) -> None:
        self._enter("nvmlShutdown")
        self.initialised = False

    def nvmlDeviceGetCount(self) -> int:
        self._enter("nvmlDeviceGetCount")
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, i: int) -> _Handle:
        self._enter("nvmlDeviceGetHandleByIndex")
        if not 0 <= i < len(self.gpus):
            raise pynvml.NVMLError(pynvml.NVML_ERROR_INVALID_ARGUMENT)
        return _Handle(i)

    def nvmlDeviceGetUUID(self, h: _Handle) -> str:
        self._enter("nvmlDeviceGetUUID")
        g = self._gpu(h)
        return g.uuid if h.mig is None else (g.migs or [])[h.mig].uuid

    def nvmlDeviceGetName(self, h: _Handle) -> str:
        self._enter("nvmlDeviceGetName")
        return self._gpu(h).name

    def nvmlDeviceGetMemoryInfo(self, h: _Handle) -> SimpleNamespace:
        self._enter("nvmlDeviceGetMemoryInfo")
        g = self._gpu(h)
        if h.mig is not None:
            m = (g.migs or [])[h.mig]
            return SimpleNamespace(total=m.memory_total, used=m.memory_used,
                                   free=m.memory_total - m.memory_used)
        return SimpleNamespace(total=g.memory_total, used=g.memory_used,
                               free=g.memory_total - g.memory_used)

    def nvmlDeviceGetUtilizationRates(self, h: _Handle) -> SimpleNamespace:
        self._enter("nvmlDeviceGetUtilizationRates")
        if h.mig is not None:  # NVML does not report utilisation per MIG instance
            raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)
        g = self._gpu(h)
        util = g.util(time.monotonic() - self._t0) if callable(g.util) else g.util
        return SimpleNamespace(gpu=int(util), memory=g.mem_busy)

    def nvmlDeviceGetPowerUsage(self, h: _Handle) -> int:
        self._enter("nvmlDeviceGetPowerUsage")
        return int(self._gpu(h).power_w * 1000)

    def nvmlDeviceGetTotalEnergyConsumption(self, h: _Handle) -> int:
        self._enter("nvmlDeviceGetTotalEnergyConsumption")
        g = self._gpu(h)
        if not g.energy_counter:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)
        return int(10_000_000 + g.power_w * 1000 * (time.monotonic() - self._t0))

    def nvmlDeviceGetComputeRunningProcesses(self, h: _Handle) -> list[SimpleNamespace]:
        self._enter("nvmlDeviceGetComputeRunningProcesses")
        g = self._gpu(h)
        procs = g.procs if h.mig is None else (g.migs or [])[h.mig].procs
        return [SimpleNamespace(pid=p, usedGpuMemory=m, gpuInstanceId=0xFFFFFFFF,
                                computeInstanceId=0xFFFFFFFF) for p, m in procs]

    def nvmlDeviceGetMigMode(self, h: _Handle) -> tuple[int, int]:
        self._enter("nvmlDeviceGetMigMode")
        g = self._gpu(h)
        if g.migs is None:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)
        return (pynvml.NVML_DEVICE_MIG_ENABLE, pynvml.NVML_DEVICE_MIG_ENABLE)

    def nvmlDeviceGetMaxMigDeviceCount(self, h: _Handle) -> int:
        self._enter("nvmlDeviceGetMaxMigDeviceCount")
        return 7

    def nvmlDeviceGetMigDeviceHandleByIndex(self, h: _Handle, j: int) -> _Handle:
        self._enter("nvmlDeviceGetMigDeviceHandleByIndex")
        migs = self._gpu(h).migs or []
        if j >= len(migs):
            raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_FOUND)
        return _Handle(h.gpu, j)


def gpus(n: int, **kw: Any) -> list[FakeGpu]:
    return [FakeGpu(uuid=f"GPU-{i:08x}-aaaa-bbbb-cccc-{i:012x}", **kw) for i in range(n)]
