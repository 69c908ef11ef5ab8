"""Profiler test helpers: fast settings and a fake NVML."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from profiler.settings import ProfilerSettings


@pytest.fixture
def fast_settings() -> ProfilerSettings:
    """Small intervals, no metadata probing: tests stay fast and offline."""
    return dataclasses.replace(ProfilerSettings(), interval=0.05, flush_interval=0.1,
                               detect_cloud=False, idle_phase_min_s=0.1)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"
