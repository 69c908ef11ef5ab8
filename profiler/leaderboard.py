"""Runs ranked by quality per unit of cost, with the cost/quality Pareto front.

For a metric where higher is better (accuracy) the score is ``metric / cost``; where lower is
better (loss) it is ``1 / (metric x cost)``; higher scores rank first. A run is on the Pareto
front when no other run (same currency) costs no more and scores a metric at least as good, being
strictly better in one of the two. Runs without the metric or without a priced cost are listed
as unranked with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["Entry", "leaderboard"]


@dataclass(frozen=True, slots=True)
class Entry:
    run_id: str
    name: str | None
    metric: float | None
    cost: Decimal | None
    currency: str | None
    score: float | None
    pareto: bool
    rank: int | None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"rank": self.rank, "run_id": self.run_id, "name": self.name, "metric": self.metric,
                "cost": str(self.cost) if self.cost is not None else None,
                "currency": self.currency, "score": self.score, "pareto": self.pareto,
                "reason": self.reason}


def _better_or_equal(a: float, b: float, higher: bool) -> bool:
    return a >= b if higher else a <= b


def leaderboard(records: list[dict[str, Any]], metric: str, higher_is_better: bool) -> list[Entry]:
    ranked: list[tuple[dict[str, Any], float, Decimal, str]] = []
    unranked: list[Entry] = []
    for r in records:
        value = (r.get("metrics") or {}).get(metric)
        total = (r.get("cost") or {}).get("total")
        rid, name = str(r.get("run_id")), r.get("name")
        if value is None:
            unranked.append(Entry(rid, name, None, None, None, None, False, None,
                                  f"no metric {metric!r} logged"))
            continue
        if not total:
            unranked.append(Entry(rid, name, float(value), None, None, None, False, None,
                                  "no cost (instance type or price unknown)"))
            continue
        cost = Decimal(total["amount"])
        if cost <= 0 or (not higher_is_better and float(value) <= 0):
            unranked.append(Entry(rid, name, float(value), cost, total["currency"], None, False,
                                  None, "zero cost or metric: no ratio"))
            continue
        ranked.append((r, float(value), cost, total["currency"]))
    entries: list[Entry] = []
    for r, value, cost, cur in ranked:
        score = value / float(cost) if higher_is_better else 1.0 / (value * float(cost))
        dominated = any(
            c2 == cur and o is not r and c <= cost and _better_or_equal(v, value, higher_is_better)
            and (c < cost or v != value)
            for o, v, c, c2 in ranked)
        entries.append(Entry(str(r.get("run_id")), r.get("name"), value, cost, cur, score,
                             not dominated, None))
    entries.sort(key=lambda e: -(e.score or 0.0))
    out = [Entry(e.run_id, e.name, e.metric, e.cost, e.currency, e.score, e.pareto, i + 1)
           for i, e in enumerate(entries)]
    return out + unranked
