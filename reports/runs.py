"""Training runs for the report: the profiler's cost records, ranked by metric per unit of cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_runs(data_dir: Path, metric: str = "accuracy", higher: bool = True) -> list[dict[str, Any]]:
    """Rows for the report's runs table from ``DATA_DIR/runs`` (see docs/profiler.md), ranked by
    ``metric`` per unit of cost with the cost/metric Pareto front."""
    from profiler.leaderboard import leaderboard
    from profiler.runs import load_records

    records = load_records(data_dir)
    ranking = {e.run_id: e for e in leaderboard(records, metric, higher)}
    rows = []
    for r in records:
        cost = r.get("cost") or {}
        total, idle = cost.get("total") or {}, cost.get("idle") or {}
        usage, energy = r.get("usage") or {}, r.get("energy") or {}
        entry = ranking.get(str(r.get("run_id")))
        rows.append({
            "run_id": r.get("run_id"),
            "name": r.get("name") or "",
            "cost": total.get("amount", "n/a"),
            "currency": total.get("currency", ""),
            "idle_cost": idle.get("amount", "n/a"),
            "gpu_hours": usage.get("gpu_hours"),
            "energy_kwh": energy.get("kwh"),
            "diagnosis": (r.get("diagnosis") or {}).get("label", ""),
            "metric": (r.get("metrics") or {}).get(metric),
            "metric_per_cost": f"{entry.score:.4g} {metric}/{entry.currency}" if entry and entry.score else "",
            "rank": entry.rank if entry else None,
            "pareto": bool(entry and entry.pareto),
        })
    rows.sort(key=lambda row: (row["rank"] is None, row["rank"] or 0))
    return rows
