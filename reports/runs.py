"""Training runs for the report: read the profiler's cost records and rank them by metric per cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_runs(data_dir: Path, demo: bool = False) -> list[dict[str, Any]]:
    """Rows for the report's runs table (empty until the profiler has recorded runs)."""
    return []
