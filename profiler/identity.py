"""Who is running: run and job ids, distributed rank, and which accelerators this rank uses.

A distributed job has one cost record, not one per rank: the job id comes from the launcher
(``TORCHELASTIC_RUN_ID``, ``FINML_JOB_ID``, ``SLURM_JOB_ID``) and every rank writes its own
ledger into the job's run directory, measuring only its own devices.

Device visibility follows CUDA's rules without initialising CUDA: ``CUDA_VISIBLE_DEVICES`` lists
indices, ``GPU-<uuid>`` (or a unique prefix) or ``MIG-<uuid>`` entries, and stops at the first
invalid one. Indices are NVML (PCI bus) order, which matches CUDA only with
``CUDA_DEVICE_ORDER=PCI_BUS_ID``; otherwise the mapping is flagged in the record. With
``LOCAL_RANK`` set and several devices visible, a rank measures the device it trains on
(``visible[LOCAL_RANK]``).
"""

from __future__ import annotations

import os
import re
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["JobIdentity", "DeviceSelector", "job_identity", "parse_visible_devices", "new_run_id"]

_JOB_VARS = ("FINML_JOB_ID", "TORCHELASTIC_RUN_ID", "SLURM_JOB_ID")


def new_run_id(name: str | None = None) -> str:
    """A sortable, unique run id: UTC timestamp, a slug of ``name`` and random hex."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    slug = re.sub(r"[^a-zA-Z0-9_.-]+", "-", name or "run").strip("-")[:24].strip("-") or "run"
    return f"{stamp}-{slug}-{uuid.uuid4().hex[:8]}"


def safe_id(value: str) -> str:
    """``value`` made safe as a directory name."""
    return re.sub(r"[^a-zA-Z0-9_.-]+", "_", value)[:120] or "_"


@dataclass(frozen=True, slots=True)
class JobIdentity:
    """The job this process belongs to and its place in it."""

    job_id: str | None
    job_id_source: str | None
    rank: int
    local_rank: int | None
    world_size: int
    host: str

    @property
    def distributed(self) -> bool:
        return self.job_id is not None and self.world_size > 1

    def run_id_for_job(self) -> str | None:
        """The run id every rank of a distributed job shares."""
        return f"job-{safe_id(self.job_id)}" if self.job_id else None


def _int(env: Mapping[str, str], *names: str) -> int | None:
    for n in names:
        raw = env.get(n)
        if raw is not None and raw.strip().lstrip("-").isdigit():
            return int(raw)
    return None


def job_identity(env: Mapping[str, str] | None = None) -> JobIdentity:
    env = os.environ if env is None else env
    job_id = source = None
    for var in _JOB_VARS:
        if env.get(var) and env.get(var) != "none":
            job_id, source = env[var], var
            break
    rank = _int(env, "RANK", "SLURM_PROCID") or 0
    world = _int(env, "WORLD_SIZE", "SLURM_NTASKS") or 1
    local_rank = _int(env, "LOCAL_RANK", "SLURM_LOCALID")
    return JobIdentity(job_id, source, rank, local_rank, world, socket.gethostname())


@dataclass(frozen=True, slots=True)
class DeviceSelector:
    """Which NVML devices this process may use, as parsed from the environment.

    ``entries`` are the visible-device tokens in CUDA order (``None`` = all devices visible);
    ``local_rank`` picks one of them for distributed ranks.
    """

    entries: tuple[str, ...] | None
    local_rank: int | None = None
    index_order_note: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def wanted(self) -> tuple[str, ...] | None:
        """Tokens this rank measures (``None`` = every device on the host)."""
        if self.entries is None:
            if self.local_rank is not None:
                return (str(self.local_rank),)
            return None
        if self.local_rank is not None and len(self.entries) > 1:
            if self.local_rank < len(self.entries):
                return (self.entries[self.local_rank],)
        return self.entries


def parse_visible_devices(env: Mapping[str, str] | None = None, *,
                          use_local_rank: bool = True) -> DeviceSelector:
    """Parse ``CUDA_VISIBLE_DEVICES`` (and ``NVIDIA_VISIBLE_DEVICES`` as a fallback)."""
    env = os.environ if env is None else env
    raw = env.get("CUDA_VISIBLE_DEVICES")
    if raw is None:
        nv = env.get("NVIDIA_VISIBLE_DEVICES")
        raw = None if nv in (None, "all", "void", "") else nv
    local_rank = _int(env, "LOCAL_RANK") if use_local_rank else None
    if raw is None:
        return DeviceSelector(None, local_rank, _order_note(env, None))
    entries: list[str] = []
    notes: list[str] = []
    for tok in (t.strip() for t in raw.split(",")):
        if not tok:
            break
        if tok.isdigit() or tok.startswith(("GPU-", "MIG-")):
            entries.append(tok)
            continue
        if tok.startswith("-"):  # CUDA treats a negative index as the end of the list
            break
        notes.append(f"CUDA_VISIBLE_DEVICES entry {tok!r} is not an index, GPU- or MIG- uuid; "
                     "CUDA ignores it and every later entry")
        break
    return DeviceSelector(tuple(entries), local_rank, _order_note(env, entries), tuple(notes))


def _order_note(env: Mapping[str, str], entries: list[str] | None) -> str | None:
    uses_index = entries is None or any(e.isdigit() for e in entries)
    if uses_index and env.get("CUDA_DEVICE_ORDER") != "PCI_BUS_ID":
        return ("device indices mapped in NVML (PCI bus) order; set CUDA_DEVICE_ORDER=PCI_BUS_ID "
                "or use GPU- uuids in CUDA_VISIBLE_DEVICES for an exact mapping")
    return None
