"""GPU facts of cloud instance types (accelerator model, count, memory per GPU).

Prices live in the price catalog and machine facts in :mod:`finml.pricing.facts` (the embedded
instance-type table); this module picks the NVIDIA GPU types from there, so the diagnosis can name
the cheapest type in the catalog whose GPU fits the run's peak memory. A few GPU types the core
table does not describe yet (AWS P3, V100) are listed here, from the AWS EC2 accelerated
computing instance-type page.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GpuType", "gpu_types", "gpu_type"]

GiB = 1024**3


@dataclass(frozen=True, slots=True)
class GpuType:
    provider: str
    instance_type: str
    gpu: str
    gpus: int
    memory_per_gpu: int
    """Bytes of memory on each GPU (on each partition for fractional GPUs)."""


_EXTRA = (
    GpuType("aws", "p3.2xlarge", "NVIDIA V100", 1, 16 * GiB),
    GpuType("aws", "p3.8xlarge", "NVIDIA V100", 4, 16 * GiB),
    GpuType("aws", "p3.16xlarge", "NVIDIA V100", 8, 16 * GiB),
)


def gpu_types(provider: str) -> list[GpuType]:
    """NVIDIA GPU types of ``provider``: the core facts table, then the extras above."""
    from finml.pricing.facts import known_types

    out = {t.name.lower(): GpuType(provider, t.name, t.gpu_model or "GPU", t.gpus,
                                   int(t.gpu_memory_gib * GiB))
           for t in known_types(provider)
           if t.gpus > 0 and "nvidia" in (t.gpu_model or "").lower()}
    for g in _EXTRA:
        if g.provider == provider:
            out.setdefault(g.instance_type.lower(), g)
    return sorted(out.values(), key=lambda g: g.instance_type)


def gpu_type(provider: str | None, instance_type: str | None) -> GpuType | None:
    if not provider or not instance_type:
        return None
    name = instance_type.lower()
    return next((g for g in gpu_types(provider) if g.instance_type.lower() == name), None)
