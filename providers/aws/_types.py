"""DescribeInstanceTypes facts for the instance types the demo estate uses (real AWS values)."""

from __future__ import annotations

from typing import Any

# name: (vCPUs, memory MiB, architecture, current generation, burstable, GPUs (count, manufacturer, name, MiB each))
_FACTS: dict[str, tuple[int, int, str, bool, bool, tuple[int, str, str, int] | None]] = {
    "t3.medium": (2, 4096, "x86_64", True, True, None),
    "t3.large": (2, 8192, "x86_64", True, True, None),
    "m5.large": (2, 8192, "x86_64", True, False, None),
    "m5.xlarge": (4, 16384, "x86_64", True, False, None),
    "m5.2xlarge": (8, 32768, "x86_64", True, False, None),
    "m6i.large": (2, 8192, "x86_64", True, False, None),
    "m6i.xlarge": (4, 16384, "x86_64", True, False, None),
    "m6g.large": (2, 8192, "arm64", True, False, None),
    "c5.large": (2, 4096, "x86_64", True, False, None),
    "c5.xlarge": (4, 8192, "x86_64", True, False, None),
    "r5.large": (2, 16384, "x86_64", True, False, None),
    "r5.xlarge": (4, 32768, "x86_64", True, False, None),
    "m4.large": (2, 8192, "x86_64", False, False, None),
    "m4.xlarge": (4, 16384, "x86_64", False, False, None),
    "c4.large": (2, 3840, "x86_64", False, False, None),
    "g5.xlarge": (4, 16384, "x86_64", True, False, (1, "NVIDIA", "A10G", 24576)),
    "p4d.24xlarge": (96, 1179648, "x86_64", True, False, (8, "NVIDIA", "A100", 40960)),
}


def describe(name: str) -> dict[str, Any]:
    """One ``InstanceTypes`` element in the DescribeInstanceTypes response shape."""
    vcpus, mem, arch, current, burst, gpu = _FACTS[name]
    item: dict[str, Any] = {
        "InstanceType": name,
        "CurrentGeneration": current,
        "FreeTierEligible": False,
        "SupportedUsageClasses": ["on-demand", "spot"],
        "ProcessorInfo": {"SupportedArchitectures": [arch]},
        "VCpuInfo": {"DefaultVCpus": vcpus},
        "MemoryInfo": {"SizeInMiB": mem},
        "BurstablePerformanceSupported": burst,
        "Hypervisor": "nitro" if current else "xen",
    }
    if gpu:
        count, maker, model, each = gpu
        item["GpuInfo"] = {
            "Gpus": [{"Name": model, "Manufacturer": maker, "Count": count, "MemoryInfo": {"SizeInMiB": each}}],
            "TotalGpuMemoryInMiB": count * each,
        }
    return item
