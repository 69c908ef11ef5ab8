"""``finml report``: one self-contained HTML cost report (and ``finml anomalies``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import click

from finml.cli import load_config
from finml.cli.common import output_options, write_output
from finml.errors import InputError, UsageError
from finml.settings import setting
from reports.anomalies import AnomalySettings


@dataclass(frozen=True)
class ReportSettings:
    """The ``[report]`` table of finml.toml."""

    leaderboard_metric: str = setting("accuracy", "Run metric for the cost-vs-metric leaderboard.")
    higher_is_better: bool = setting(True, "Whether a higher leaderboard metric is better (accuracy) or not (loss).")
    anomalies: dict[str, Any] = setting({}, "Anomaly detection settings (reports.anomalies.AnomalySettings).")


def _settings(config: Any) -> tuple[ReportSettings, AnomalySettings]:
    from finml import settings as settings_mod

    rs = settings_mod.build(ReportSettings, config.section("report"), "report")
    return rs, settings_mod.build(AnomalySettings, rs.anomalies, "report.anomalies")


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _period(con: Any, costs_sql: str, since: date | None, until: date | None) -> Any:
    from reports.data import Period, default_period

    if since is None and until is None:
        return default_period(con, costs_sql)
    if until is None:
        until = default_period(con, costs_sql).until
    if since is None:
        since = until - timedelta(days=30)
    if since >= until:
        raise UsageError(f"--since {since} is not before --until {until}")
    return Period(since, until)


def _sources(config: Any, demo: bool) -> tuple[Any, str, Any]:
    """A DuckDB connection, the FOCUS table expression, and the demo 'now' (or None)."""
    import duckdb

    con = duckdb.connect()
    if demo:
        from finml.audit import DEMO_NOW
        from finml.billing.demo import demo_costs

        con.register("demo_costs", demo_costs(DEMO_NOW))
        return con, "demo_costs", DEMO_NOW
    from finml.store.costs import CostStore

    store = CostStore(config.resolved_data_dir())
    if store.is_empty():
        raise UsageError(
            f"no billing data in the store at {config.resolved_data_dir()}",
            hint="ingest bills first (finml ingest PATH...), or try: finml report --demo -o report.html",
        )
    return con, store.scan_sql(), None


def _audit_doc(config: Any, demo: bool, audit_path: Path | None, now: Any) -> tuple[Any, Any]:
    """The audit to show (explicit file, a fresh demo audit, or the latest recorded) and its diff."""
    from finml.store.history import AuditHistory, diff

    history = AuditHistory(config.resolved_data_dir(), "demo" if demo else "default")
    if audit_path is not None:
        try:
            doc = json.loads(audit_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"{audit_path}: not a finml audit JSON file ({exc})",
                             hint="write one with: finml audit --format json -o FILE") from exc
        if doc.get("schema") != "finml-audit/1":
            raise InputError(f"{audit_path}: schema {doc.get('schema')!r} is not finml-audit/1")
        return doc, None
    if demo:
        from finml.audit import Source, analyse, costs_view, gather
        from finml.history_cli import record_and_diff
        from finml.output import result_json
        from providers import registry

        pages = gather(registry.names(), Source("demo"), config, now=now)
        result = analyse(pages, config, now=now, source=Source("demo"), costs=costs_view(config, True, now))
        demo_diff = record_and_diff(result, config, "demo", record=False, want_diff=True)
        return result_json(result), demo_diff.to_json() if demo_diff else None
    recent = history.latest(20)
    if not recent:
        return None, None
    current, previous = recent[0], (recent[1] if len(recent) > 1 else None)
    return current.doc, diff(current.doc, previous, recent).to_json()


@click.command()
@click.option("--since", callback=_date, metavar="YYYY-MM-DD", help="First day (default: 30 days before --until).")
@click.option("--until", callback=_date, metavar="YYYY-MM-DD", help="Day after the last (default: after the newest data).")
@click.option("--demo", is_flag=True, help="Report on the bundled sample estate and bills.")
@click.option("--audit", "audit_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Audit JSON to show (default: the latest recorded audit).")
@click.option("--output", "-o", "output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="HTML file to write.")
@click.pass_context
def report(ctx: click.Context, since: date | None, until: date | None, demo: bool, audit_path: Path | None,
           output: str) -> None:
    """Write a self-contained HTML cost report: spend, trends, anomalies, commitments, findings, runs."""
    from reports import data as report_data
    from reports.render import render
    from reports.runs import load_runs

    config = load_config(ctx)
    report_settings, anomaly_settings = _settings(config)
    con, costs_sql, now = _sources(config, demo)
    period = _period(con, costs_sql, since, until)
    audit_doc, audit_diff = _audit_doc(config, demo, audit_path, now)
    data = report_data.build(con, costs_sql, period, audit=audit_doc, diff=audit_diff,
                             runs=load_runs(config.resolved_data_dir(), report_settings.leaderboard_metric,
                                            report_settings.higher_is_better),
                             anomaly_settings=anomaly_settings,
                             generated_at=datetime.now(timezone.utc))
    html = render(data)
    write_output(html, output)
    click.echo(f"Wrote {output} ({os.path.getsize(output) / 1024:.0f} KiB): {data['totals']['effective']} "
               f"{data['currency']} over {period.days} days, {data['anomalies']['count']} anomalies, "
               f"{len((audit_doc or {}).get('findings', []))} findings", err=True)


@click.command()
@click.option("--since", callback=_date, metavar="YYYY-MM-DD")
@click.option("--until", callback=_date, metavar="YYYY-MM-DD")
@click.option("--demo", is_flag=True, help="Use the bundled sample bills.")
@click.option("--notify", "notify_url", metavar="URL", envvar="FINML_NOTIFY_WEBHOOK",
              help="POST anomalies above [notify] min_anomaly_amount to this webhook.")
@output_options(("table", "json"))
@click.pass_context
def anomalies(ctx: click.Context, since: date | None, until: date | None, demo: bool, notify_url: str | None,
              fmt: str, output: str | None) -> None:
    """Daily cost anomalies per service, account and tag, with their evidence."""
    from reports import data as report_data

    config = load_config(ctx)
    _, s = _settings(config)
    con, costs_sql, _ = _sources(config, demo)
    period = _period(con, costs_sql, since, until)
    con.execute("SET TimeZone = 'UTC'")
    found = report_data._anomalies(report_data._Q(con, costs_sql), period, _currency(con, costs_sql), s)
    if fmt == "json":
        write_output(json.dumps(found, indent=2) + "\n", output)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{found['count']} cost anomalies")
        for col in ("Day", "Dimension", "Value", "Actual", "Baseline", "Excess", "Score"):
            table.add_column(col, justify="right" if col in ("Actual", "Baseline", "Excess", "Score") else "left")
        for a in found["items"]:
            table.add_row(a["day"], a["dimension"], a["value"], a["actual"], a["baseline"], a["excess"], str(a["score"]))
        Console(file=open(output, "w", encoding="utf-8") if output else None).print(table)  # noqa: SIM115
    if notify_url:
        from finml.notify import anomaly_message, notify_settings, post

        ns = notify_settings(config)
        msg = anomaly_message(found["items"], ns)
        if msg:
            post(notify_url, msg, ns.timeout_s)


def _currency(con: Any, costs_sql: str) -> str:
    row = con.execute(f"SELECT BillingCurrency FROM {costs_sql} GROUP BY 1 ORDER BY sum(abs(EffectiveCost)) DESC LIMIT 1").fetchone()
    return row[0] if row and row[0] else "USD"
