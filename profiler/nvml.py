"""GPU readings through NVML (``pynvml`` from nvidia-ml-py), never through CUDA.

:class:`GpuReader` opens NVML once, resolves the devices this rank uses (physical GPUs or MIG
instances, matched by UUID), caches their handles and reads, per sample and device: utilisation,
memory-controller utilisation, memory used, power, the cumulative energy counter
(``nvmlDeviceGetTotalEnergyConsumption``; power integration when it is not supported) and the
GPU memory held by the run's process tree (``nvmlDeviceGetComputeRunningProcesses``).

A metric NVML reports as not supported is not asked for again; any other NVML error is counted
and leaves that reading empty, so a flaky driver never stops training. The NVML module is a
parameter (``nvml=``) so tests pass a fake with pynvml's function names and error classes.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from profiler.identity import DeviceSelector

log = logging.getLogger(__name__)

__all__ = ["GpuDevice", "GpuReader", "load_nvml", "GPU_FIELDS"]

GPU_FIELDS = ("util", "mem_busy", "mem_used", "power_w", "energy_mj", "proc_mem", "seen")
"""Order of the per-device values in a sample (see :meth:`GpuReader.read`)."""

_UTIL, _MEMBUSY, _MEM, _POWER, _ENERGY, _PROCMEM, _SEEN = range(7)


def load_nvml() -> ModuleType | None:
    """Import pynvml quietly; ``None`` when it is not installed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pynvml
    except ImportError:
        return None
    return pynvml


@dataclass(frozen=True, slots=True)
class GpuDevice:
    """One measured device. ``slice_fraction`` is 1 for a whole GPU; for a MIG instance it is
    the instance's share of its parent GPU's memory (the basis of its cost share)."""

    uuid: str
    name: str
    index: int
    memory_total: int
    mig: bool = False
    parent_uuid: str | None = None
    slice_fraction: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "name": self.name, "index": self.index,
                "memory_total": self.memory_total, "mig": self.mig,
                "parent_uuid": self.parent_uuid, "slice_fraction": self.slice_fraction}


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class GpuReader:
    """Open NVML, select devices and read them. ``available`` is False without NVML."""

    def __init__(self, selector: DeviceSelector, nvml: Any = None) -> None:
        self.notes: list[str] = []
        self.errors = 0
        self.last_error: str | None = None
        self.devices: list[GpuDevice] = []
        self.host_gpu_count = 0
        self._nvml: Any = nvml if nvml is not None else load_nvml()
        self._handles: list[Any] = []
        self._power_handles: list[Any] = []
        self._unsupported: list[set[int]] = []
        self.energy_method: list[str] = []
        self.available = False
        if self._nvml is None:
            self.notes.append("NVML not available (pip install 'finml[gpu]'): CPU-only profiling")
            return
        try:
            self._nvml.nvmlInit()
        except Exception as exc:  # NVMLError_LibraryNotFound / DriverNotLoaded / anything else
            self.notes.append(f"NVML could not start ({exc!r}): CPU-only profiling")
            return
        try:
            self._select(selector)
        except self._nvml.NVMLError as exc:
            self.notes.append(f"NVML device enumeration failed ({exc!r}): CPU-only profiling")
            self._shutdown()
            return
        self.available = True

    # -- device discovery ---------------------------------------------------------------------
    def _select(self, selector: DeviceSelector) -> None:
        nv = self._nvml
        physical: list[tuple[Any, GpuDevice]] = []
        migs: list[tuple[Any, Any, GpuDevice]] = []
        count = nv.nvmlDeviceGetCount()
        self.host_gpu_count = count
        for i in range(count):
            h = nv.nvmlDeviceGetHandleByIndex(i)
            uuid = _s(nv.nvmlDeviceGetUUID(h))
            name = _s(nv.nvmlDeviceGetName(h))
            total = int(nv.nvmlDeviceGetMemoryInfo(h).total)
            physical.append((h, GpuDevice(uuid, name, i, total)))
            for mh, mdev in self._mig_instances(h, uuid, name, i, total):
                migs.append((mh, h, mdev))
        wanted = selector.wanted()
        chosen: list[tuple[Any, Any, GpuDevice]] = []
        if wanted is None:
            for h, dev in physical:
                inst = [m for m in migs if m[2].parent_uuid == dev.uuid]
                chosen.extend(inst if inst else [(h, h, dev)])
        else:
            for tok in wanted:
                found = self._match(tok, physical, migs)
                if found is None:
                    self.notes.append(f"visible device {tok!r} not found by NVML; not measured")
                elif all(c[2].uuid != found[2].uuid for c in chosen):
                    chosen.append(found)
        if selector.index_order_note and any(not c[2].mig for c in chosen) and count > 1:
            self.notes.append(selector.index_order_note)
        self.notes.extend(selector.notes)
        for h, ph, dev in chosen:
            self.devices.append(dev)
            self._handles.append(h)
            self._power_handles.append(ph)
            self._unsupported.append(set())
            self.energy_method.append("counter")

    def _mig_instances(self, h: Any, uuid: str, name: str, index: int,
                       total: int) -> list[tuple[Any, GpuDevice]]:
        nv = self._nvml
        try:
            current, _pending = nv.nvmlDeviceGetMigMode(h)
        except nv.NVMLError:  # NotSupported on GPUs without MIG
            return []
        if current != getattr(nv, "NVML_DEVICE_MIG_ENABLE", 1):
            return []
        out = []
        for j in range(nv.nvmlDeviceGetMaxMigDeviceCount(h)):
            try:
                mh = nv.nvmlDeviceGetMigDeviceHandleByIndex(h, j)
            except nv.NVMLError:  # NotFound: slot without an instance
                continue
            mtotal = int(nv.nvmlDeviceGetMemoryInfo(mh).total)
            frac = round(mtotal / total, 4) if total else 0.0
            out.append((mh, GpuDevice(_s(nv.nvmlDeviceGetUUID(mh)), f"{name} MIG", index,
                                      mtotal, True, uuid, frac)))
        return out

    @staticmethod
    def _match(tok: str, physical: list[tuple[Any, GpuDevice]],
               migs: list[tuple[Any, Any, GpuDevice]]) -> tuple[Any, Any, GpuDevice] | None:
        if tok.isdigit():
            i = int(tok)
            for h, dev in physical:
                if dev.index == i:
                    return h, h, dev
            return None
        if tok.startswith("MIG-GPU-"):  # legacy MIG-GPU-<uuid>/<gi>/<ci>: first instance of that GPU
            parent = tok[4:].split("/")[0]
            for mh, ph, dev in migs:
                if dev.parent_uuid == parent:
                    return mh, ph, dev
            return None
        pool = migs if tok.startswith("MIG-") else [(h, h, d) for h, d in physical]
        hits = [m for m in pool if m[2].uuid.startswith(tok)]
        return hits[0] if len(hits) == 1 else None

    # -- sampling -----------------------------------------------------------------------------
    def _call(self, k: int, metric: int, fn: Any, *args: Any) -> Any:
        if metric in self._unsupported[k]:
            return None
        nv = self._nvml
        try:
            return fn(*args)
        except nv.NVMLError_NotSupported:
            self._unsupported[k].add(metric)
            if metric == _ENERGY:
                self.energy_method[k] = "integration"
            return None
        except nv.NVMLError as exc:
            self.errors += 1
            self.last_error = f"{self.devices[k].uuid}: {exc!r}"
            return None

    def read(self, pids: Collection[int]) -> list[list[Any]]:
        """One reading per device, values in :data:`GPU_FIELDS` order (``None`` = unavailable)."""
        nv = self._nvml
        out: list[list[Any]] = []
        for k, h in enumerate(self._handles):
            ph = self._power_handles[k]
            row: list[Any] = [None, None, None, None, None, None, False]
            util = self._call(k, _UTIL, nv.nvmlDeviceGetUtilizationRates, h)
            if util is not None:
                row[_UTIL] = util.gpu
                row[_MEMBUSY] = util.memory
            mem = self._call(k, _MEM, nv.nvmlDeviceGetMemoryInfo, h)
            if mem is not None:
                row[_MEM] = int(mem.used)
            power = self._call(k, _POWER, nv.nvmlDeviceGetPowerUsage, ph)
            if power is not None:
                row[_POWER] = power / 1000.0
            row[_ENERGY] = self._call(k, _ENERGY, nv.nvmlDeviceGetTotalEnergyConsumption, ph)
            procs = self._call(k, _PROCMEM, nv.nvmlDeviceGetComputeRunningProcesses, h)
            if procs:
                used = 0
                for p in procs:
                    if p.pid in pids:
                        row[_SEEN] = True
                        used += int(p.usedGpuMemory or 0)
                row[_PROCMEM] = used
            out.append(row)
        return out

    def close(self) -> None:
        if self.available:
            self._shutdown()
            self.available = False

    def _shutdown(self) -> None:
        try:
            self._nvml.nvmlShutdown()
        except Exception:  # noqa: BLE001 - closing must never raise into training code
            log.debug("nvmlShutdown failed", exc_info=True)
