"""Glue between ``finml audit`` and the audit history: record, first-seen dates, diff display."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from finml.audit import AuditResult
from finml.config import Config
from finml.store.history import AuditDiff, AuditHistory, RecordedAudit, diff

log = logging.getLogger(__name__)


def _config_snapshot(config: Config) -> dict[str, object]:
    from finml.raw import to_jsonable

    data = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    data["exclude"] = {"tags": dict(config.exclude.tags), "resource_ids": sorted(config.exclude.resource_ids)}
    return to_jsonable(data)  # type: ignore[no-any-return]


def record_and_diff(result: AuditResult, config: Config, estate: str, *, record: bool, want_diff: bool) -> AuditDiff | None:
    """Fill first-seen dates, optionally record the audit, and diff it against the previous one."""
    from finml.output import result_json

    history = AuditHistory(config.resolved_data_dir(), estate)
    known = history.first_seen()
    today = result.started_at.date().isoformat()
    result.first_seen = {f.id: known.get(f.id, today) for f in result.findings}
    previous = history.latest(20) if want_diff else []
    doc = result_json(result)
    if record:
        history.record(doc, _config_snapshot(config), result.started_at)
    if not want_diff:
        return None
    current_at = result.started_at
    trend = [*previous, _as_record(doc, current_at)]
    return diff(doc, previous[0] if previous else None, trend)


def _as_record(doc: dict[str, Any], when: datetime) -> RecordedAudit:
    return RecordedAudit(Path("<current>"), when, doc)


def print_diff(d: AuditDiff) -> None:
    from rich.console import Console

    console = Console()
    if d.previous_at is None:
        console.print("[dim]No previous audit recorded: every finding is new.[/dim]")
    else:
        console.print(f"[bold]Since the audit of {d.previous_at:%Y-%m-%d %H:%M} UTC:[/bold] "
                      f"{len(d.new)} new, {len(d.resolved)} resolved, {len(d.changed)} changed, "
                      f"{d.unchanged} unchanged")
    for label, items in (("new", d.new), ("resolved", d.resolved)):
        for f in items:
            m = f["monthly_saving"]
            console.print(f"  {label:8} {m['amount']:>12} {m['currency']}  {f['recommender']}  {f['resource_id']}",
                          markup=False, highlight=False)
    for before, after in d.changed:
        console.print(f"  changed  {before['monthly_saving']['amount']} -> {after['monthly_saving']['amount']} "
                      f"{after['monthly_saving']['currency']}  {after['recommender']}  {after['resource_id']}",
                      markup=False, highlight=False)
    if len(d.trend) > 1:
        points = []
        for when, totals in d.trend[-8:]:
            amount = ", ".join(f"{Decimal(a).quantize(Decimal('0.01'))} {c}" for c, a in sorted(totals.items()))
            points.append(f"{when:%m-%d}: {amount or '0'}")
        console.print("Savings trend: " + " | ".join(points), markup=False, highlight=False)
