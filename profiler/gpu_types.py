"""GPU facts of cloud instance types (accelerator model, count, memory per GPU).

Prices live in the price catalog; this table only says what each GPU type holds, so the
diagnosis can name the cheapest type in the catalog whose GPU fits the run's peak memory.
Sources: the providers' instance-type pages (AWS EC2 accelerated computing, GCP G2, Azure NCasT4_v3).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GpuType", "GPU_TYPES", "gpu_type"]

GiB = 1024**3


@dataclass(frozen=True, slots=True)
class GpuType:
    provider: str
    instance_type: str
    gpu: str
    gpus: int
    memory_per_gpu: int
    """Bytes of memory on each GPU."""


def _t(provider: str, itype: str, gpu: str, n: int, gib: int) -> GpuType:
    return GpuType(provider, itype, gpu, n, gib * GiB)


GPU_TYPES: dict[tuple[str, str], GpuType] = {
    (g.provider, g.instance_type): g
    for g in (
        _t("aws", "g4dn.xlarge", "NVIDIA T4", 1, 16),
        _t("aws", "g4dn.2xlarge", "NVIDIA T4", 1, 16),
        _t("aws", "g4dn.12xlarge", "NVIDIA T4", 4, 16),
        _t("aws", "g5.xlarge", "NVIDIA A10G", 1, 24),
        _t("aws", "g5.2xlarge", "NVIDIA A10G", 1, 24),
        _t("aws", "g5.12xlarge", "NVIDIA A10G", 4, 24),
        _t("aws", "g6.xlarge", "NVIDIA L4", 1, 24),
        _t("aws", "g6.12xlarge", "NVIDIA L4", 4, 24),
        _t("aws", "g6e.xlarge", "NVIDIA L40S", 1, 48),
        _t("aws", "p3.2xlarge", "NVIDIA V100", 1, 16),
        _t("aws", "p3.8xlarge", "NVIDIA V100", 4, 16),
        _t("aws", "p4d.24xlarge", "NVIDIA A100", 8, 40),
        _t("gcp", "g2-standard-4", "NVIDIA L4", 1, 24),
        _t("gcp", "a2-highgpu-1g", "NVIDIA A100", 1, 40),
        _t("azure", "Standard_NC4as_T4_v3", "NVIDIA T4", 1, 16),
    )
}


def gpu_type(provider: str | None, instance_type: str | None) -> GpuType | None:
    if not provider or not instance_type:
        return None
    return GPU_TYPES.get((provider, instance_type))
