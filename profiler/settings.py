"""Profiler settings: the ``[profiler]`` table of finml.toml, overridden by ``FINML_*`` variables.

Every threshold is a named setting with its documentation and source; :func:`load_settings`
validates the table (unknown keys and wrong types name the dotted key) and applies environment
overrides (``FINML_INSTANCE_TYPE``, ``FINML_REGION``, ``FINML_PROVIDER``, ``FINML_PRICING_MODEL``,
``FINML_HOURLY_PRICE``, ``FINML_CURRENCY``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from finml.errors import ConfigError
from finml.settings import build, setting

__all__ = ["ProfilerSettings", "load_settings", "PRICING_MODELS"]

PRICING_MODELS = ("on-demand", "spot", "committed", "committed-1y", "committed-3y")


@dataclass(frozen=True, slots=True)
class ProfilerSettings:
    interval: float = setting(1.0, "Seconds between samples of GPUs and the process tree.")
    flush_interval: float = setting(
        5.0, "Seconds between fsync'd ledger flushes; at most this much is lost on SIGKILL.")
    idle_threshold_pct: float = setting(
        10.0, "GPU (or CPU) utilisation below this percentage counts as idle time.",
        "NVIDIA DCGM idle-GPU guidance / finml default")
    idle_phase_min_s: float = setting(
        300.0, "Idle stretches at least this long are reported with their time range and phase.")
    short_job_hours: float = setting(
        6.0, "Checkpointed jobs shorter than this are candidates for spot capacity.",
        "AWS spot best practices: interruptible, checkpointed, short jobs")
    gpu_memory_headroom: float = setting(
        1.2, "A smaller GPU must hold peak memory times this factor to be recommended.")
    instance_type: str | None = setting(None, "Instance type when metadata services are unreachable.")
    provider: str | None = setting(None, "Cloud provider (aws, gcp, azure, alibaba) for pricing.")
    region: str | None = setting(None, "Region code for pricing.")
    pricing_model: str = setting("on-demand", "on-demand, spot or committed (committed-1y/-3y).")
    hourly_price: Decimal | None = setting(
        None, "Hourly price of the whole host; overrides the price catalog (on-prem, negotiated).")
    currency: str = setting("USD", "Currency of hourly_price.")
    electricity_price_per_kwh: Decimal | None = setting(
        None, "Electricity tariff per kWh; when set, the record includes an electricity cost.")
    electricity_currency: str = setting("USD", "Currency of electricity_price_per_kwh.")
    metadata_timeout_s: float = setting(
        0.3, "Timeout of each cloud metadata request (instance identity, spot notices).")
    detect_cloud: bool = setting(True, "Ask cloud metadata services for the instance identity.")
    spot_watch: bool = setting(True, "On AWS, poll the spot instance-action notice.")
    spot_poll_s: float = setting(5.0, "Seconds between spot interruption polls.",
                                 "AWS: notice is given two minutes ahead; poll every 5 s")
    heartbeat_stale_s: float = setting(
        60.0, "An active-run registry entry older than this (and not renewed) is ignored.")


_ENV = {
    "FINML_INSTANCE_TYPE": "instance_type",
    "FINML_REGION": "region",
    "FINML_PROVIDER": "provider",
    "FINML_PRICING_MODEL": "pricing_model",
    "FINML_HOURLY_PRICE": "hourly_price",
    "FINML_CURRENCY": "currency",
}


def load_settings(table: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None,
                  **overrides: Any) -> ProfilerSettings:
    """Settings from a ``[profiler]`` table, then environment, then keyword ``overrides``."""
    env = os.environ if env is None else env
    s = build(ProfilerSettings, table, "profiler")
    values: dict[str, Any] = {}
    for var, name in _ENV.items():
        raw = env.get(var)
        if raw:
            values[name] = Decimal(raw) if name == "hourly_price" else raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    if values:
        s = dataclasses.replace(s, **values)
    _validate(s)
    return s


def _validate(s: ProfilerSettings) -> None:
    if s.pricing_model not in PRICING_MODELS:
        raise ConfigError(f"must be one of {', '.join(PRICING_MODELS)}, got {s.pricing_model!r}",
                          key="profiler.pricing_model", hint="or set FINML_PRICING_MODEL")
    if not s.interval > 0:
        raise ConfigError("must be greater than 0", key="profiler.interval")
    if not s.flush_interval > 0:
        raise ConfigError("must be greater than 0", key="profiler.flush_interval")
    if not 0 <= s.idle_threshold_pct <= 100:
        raise ConfigError("must be between 0 and 100", key="profiler.idle_threshold_pct")
    for name in ("currency", "electricity_currency"):
        cur = getattr(s, name)
        if not (isinstance(cur, str) and len(cur) == 3 and cur.isalpha()):
            raise ConfigError(f"must be a 3-letter ISO 4217 code, got {cur!r}", key=f"profiler.{name}")
