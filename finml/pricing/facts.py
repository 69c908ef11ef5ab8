"""Instance-type facts shipped with finml (``data/instance_types.csv``).

Rightsizing needs vCPUs, memory, GPUs, family, generation and architecture of *candidate* types,
not only of the types a provider described in the collected estate. This table covers the
families in the embedded price table; facts from the estate (``Estate.instance_types``) take
precedence over it. Names are matched case-insensitively (Azure sizes are ``Standard_D2s_v5``).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

from finml.model import InstanceType

__all__ = ["embedded_facts", "lookup", "known_types", "family_of"]

FactsMap = Mapping[tuple[str, str], InstanceType]


@lru_cache(maxsize=1)
def embedded_facts() -> dict[tuple[str, str], InstanceType]:
    """Facts by ``(provider, lower-case type name)``."""
    out: dict[tuple[str, str], InstanceType] = {}
    path = resources.files("finml.pricing").joinpath("data/instance_types.csv")
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(line for line in fh if not line.startswith("#")):
            it = InstanceType(
                provider=r["provider"], name=r["name"], vcpus=int(r["vcpus"]),
                memory_gib=float(r["memory_gib"]), family=r["family"], gpus=int(r["gpus"]),
                gpu_model=r["gpu_model"] or None, gpu_memory_gib=float(r["gpu_memory_gib"]),
                architecture=r["architecture"], current_generation=r["current_generation"] == "true",
                burstable=r["burstable"] == "true",
            )
            out[(it.provider, it.name.lower())] = it
    return out


def lookup(provider: str, name: str, estate_types: FactsMap | None = None) -> InstanceType | None:
    """Facts for one type: the estate's description first, else the embedded table."""
    if estate_types:
        hit = estate_types.get((provider, name))
        if hit is not None:
            return hit
    return embedded_facts().get((provider, name.lower()))


def known_types(provider: str, estate_types: FactsMap | None = None) -> list[InstanceType]:
    """Every type of ``provider`` finml has facts for (estate descriptions override the table)."""
    merged = {k[1]: v for k, v in embedded_facts().items() if k[0] == provider}
    for (prov, name), it in (estate_types or {}).items():
        if prov == provider:
            merged[name.lower()] = it
    return sorted(merged.values(), key=lambda t: t.name)


def family_of(t: InstanceType) -> str:
    """The family name finml compares on: the embedded table's when it knows the type (providers
    name families differently, e.g. Azure ``standardDSv5Family``), else the type's own."""
    known = embedded_facts().get((t.provider, t.name.lower()))
    return known.family if known is not None else t.family
