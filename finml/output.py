"""Render audit results as a table (rich), JSON (schema ``finml-audit/1``) or CSV.

JSON and CSV are unstyled and go to stdout or ``--output``; money is always an exact decimal
string with its currency. The JSON schema is documented in ``docs/audit-json.md`` and shipped as
``docs/schemas/finml-audit-1.schema.json``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from finml import __version__
from finml.audit import AuditResult
from finml.model import Finding

SCHEMA_VERSION = "finml-audit/1"


def finding_json(f: Finding, first_seen: str | None = None) -> dict[str, Any]:
    return {
        "id": f.id,
        "recommender": f.recommender,
        "rule_set": f.rule_set,
        "provider": f.provider,
        "account": f.account,
        "region": f.region,
        "resource_id": f.resource_id,
        "resource_name": f.resource_name,
        "resource_kind": f.resource_kind,
        "title": f.title,
        "action": f.action,
        "monthly_saving": f.monthly_saving.to_json(),
        "confidence": f.confidence.value,
        "evidence": _plain(f.evidence),
        "details": _plain(f.details),
        "tags": dict(f.tags),
        **({"first_seen": first_seen} if first_seen else {}),
    }


def _plain(value: Any) -> Any:
    from finml.raw import to_jsonable

    return to_jsonable(value)


def _totals(groups: Mapping[str, Mapping[str, Decimal]]) -> dict[str, list[dict[str, str]]]:
    return {
        g: [{"amount": str(a), "currency": c} for c, a in sorted(per.items())] for g, per in sorted(groups.items())
    }


def result_json(result: AuditResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "run": {
            "finml_version": __version__,
            "source": result.source,
            "started_at": result.started_at.isoformat(),
            "finished_at": result.finished_at.isoformat(),
            "analysed_at": result.analysed_at.isoformat(),
            "rule_set": result.rule_set,
            "providers": result.providers,
            "recommenders": result.recommenders,
            "resources": result.resource_counts,
            "config": result.config_source,
            "partial": result.partial,
        },
        "totals": {
            "all": _totals(result.totals()).get("all", []),
            "by_recommender": _totals(result.totals("recommender")),
            "by_provider": _totals(result.totals("provider")),
        },
        "findings": [finding_json(f, result.first_seen.get(f.id)) for f in result.findings],
        "collection_errors": [i.to_json() for i in result.issues],
        "skipped": [
            {"recommender": s.recommender, "provider": s.provider, "resource_id": s.resource_id, "reason": s.reason}
            for s in result.skipped
        ],
        "excluded": [{"id": f.id, "recommender": f.recommender, "resource_id": f.resource_id} for f in result.excluded],
        **({"extra": _plain(result.extra)} if result.extra else {}),
    }


def render_json(result: AuditResult) -> str:
    return json.dumps(result_json(result), indent=2, sort_keys=False) + "\n"


CSV_COLUMNS = (
    "id", "recommender", "provider", "account", "region", "resource_kind", "resource_id", "resource_name",
    "action", "title", "monthly_saving", "currency", "confidence", "rule_set", "price_source", "evidence",
)


def render_csv(result: AuditResult) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for f in result.findings:
        w.writerow([
            f.id, f.recommender, f.provider, f.account, f.region, f.resource_kind, f.resource_id,
            f.resource_name or "", f.action, f.title, str(f.monthly_saving.amount), f.monthly_saving.currency,
            f.confidence.value, f.rule_set, f.evidence.get("price_source", ""),
            json.dumps(_plain(f.evidence), sort_keys=True),
        ])
    return buf.getvalue()


def render_table(result: AuditResult, console: Any) -> None:
    """Print a human summary with rich: findings, totals, then what could not be collected."""
    from rich.table import Table

    table = Table(title=f"finml audit — {len(result.findings)} findings", show_lines=False)
    table.add_column("Saving/mo", justify="right", style="bold green")
    for col in ("Recommender", "Provider", "Account", "Region"):
        table.add_column(col)
    table.add_column("Resource", overflow="fold")
    table.add_column("Action")
    for f in result.findings:
        table.add_row(
            str(f.monthly_saving), f.recommender, f.provider, f.account, f.region,
            f.resource_name or f.resource_id, f.title,
        )
    console.print(table)
    totals = result.totals().get("all", {})
    if totals:
        console.print("[bold]Estimated monthly savings:[/bold] " + ", ".join(
            f"{a.quantize(Decimal('0.01')):,} {c}" for c, a in sorted(totals.items())))
    for rec, per in sorted(result.totals("recommender").items()):
        console.print(f"  {rec}: " + ", ".join(f"{a.quantize(Decimal('0.01')):,} {c}" for c, a in sorted(per.items())))
    if result.excluded:
        console.print(f"[dim]{len(result.excluded)} finding(s) excluded by config (tags/ids).[/dim]")
    if result.skipped:
        console.print(f"[dim]{len(result.skipped)} resource(s) skipped (see --format json for reasons).[/dim]")
    if result.issues:
        console.print(f"[bold yellow]Partial collection: {len(result.issues)} problem(s); results above exclude them:[/bold yellow]")
        for i in result.issues:
            where = "/".join(x for x in (i.provider, i.account, i.region, i.service) if x)
            line = f"  - {where}: {i.message}"
            if i.permission:
                line += f" (needs {i.permission})"
            console.print(line, markup=False, highlight=False)
            if i.hint:
                console.print(f"    hint: {i.hint}", markup=False, highlight=False)
