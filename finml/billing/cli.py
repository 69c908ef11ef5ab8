"""``finml ingest`` (billing files -> FOCUS cost store, reconciled) and ``finml costs``."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from finml.cli.common import write_output
from finml.errors import UsageError

_OUT_FORMATS = ("table", "json", "csv")


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        d = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return datetime.combine(d, time(0), tzinfo=timezone.utc)


def _data_dir() -> Path:
    from finml.store import default_data_dir

    return default_data_dir()


@click.command()
@click.argument("inputs", nargs=-1, metavar="PATH_OR_URI...")
@click.option("--provider", "-p", type=click.Choice(["aws", "azure", "gcp", "alibaba"]),
              help="Only accept files of this provider (helps detection).")
@click.option("--format", "source_format", metavar="FORMAT",
              help="Force the source format instead of detecting it (aws-cur, aws-cur-athena, aws-cur2, "
                   "azure-export, gcp-export, alibaba-bill, focus).")
@click.option("--demo", is_flag=True, help="Load the bundled demo bills (all four providers) into the store.")
@click.option("--output-format", "fmt", type=click.Choice(_OUT_FORMATS), default="table", show_default=True,
              help="How to print the reconciliation report.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the report to this file instead of stdout.")
def ingest(inputs: tuple[str, ...], provider: str | None, source_format: str | None, demo: bool, fmt: str,
           output: str | None) -> None:
    """Load billing exports into the FOCUS cost store and reconcile them.

    PATH_OR_URI: a file (CSV, CSV.gz, ZIP, Parquet, JSONL), a folder, an AWS manifest,
    s3://bucket/prefix, alibaba://YYYY-MM (BSS DescribeInstanceBill) or
    bigquery://project.dataset.table (GCP billing export, incremental by export_time).
    Each billing period and account is replaced whole, so pass all files of a period together.
    """
    from finml.billing.ingest import ReconciliationError
    from finml.billing.ingest import ingest as run_ingest
    from finml.billing.live import ingest_demo, ingest_live, is_live

    if demo and inputs:
        raise UsageError("--demo takes no paths", hint="run 'finml ingest --demo' on its own")
    if not demo and not inputs:
        raise UsageError("nothing to ingest", hint="pass billing files or folders, an s3:// URI, or --demo")
    if source_format:
        from finml.billing.detect import get

        get(source_format)
    try:
        if demo:
            report = ingest_demo(_data_dir())
        elif any(is_live(i) for i in inputs):
            report = ingest_live(list(inputs), data_dir=_data_dir(), fmt=source_format, provider=provider)
        else:
            report = run_ingest(list(inputs), data_dir=_data_dir(), fmt=source_format, provider=provider)
    except ReconciliationError as exc:
        click.echo(_render_lines(exc.lines, "table"), err=True)
        raise
    write_output(render_ingest(report, fmt), output)


def render_ingest(report: Any, fmt: str) -> str:
    from finml.billing.query import money_str

    if fmt == "json":
        return json.dumps({
            "schema": "finml-ingest/1",
            "files": [
                {"file": f.file, "format": f.format, "provider": f.provider, "rows_in": f.rows_in,
                 "rows_out": f.rows_out, "notes": f.notes,
                 "reconciliation": [
                     {"period": ln.period, "account": ln.account, "currency": ln.currency, "rows_in": ln.rows_in,
                      "rows_out": ln.rows_out, "total": ln.label, "source": money_str(ln.source_total),
                      "focus": money_str(ln.focus_total), "difference": money_str(ln.difference), "ok": ln.ok}
                     for ln in f.lines]}
                for f in report.files],
            "partitions": [{"provider": p, "period": m, "account": a} for p, m, a in report.partitions],
        }, indent=2) + "\n"
    return _render_lines(report.lines, fmt) + (
        f"\n{len(report.files)} file(s) ingested into {len(report.partitions)} partition(s); all totals reconcile.\n"
        if fmt == "table" else "")


def _render_lines(lines: list[Any], fmt: str) -> str:
    from finml.billing.query import money_str

    header = ("file", "format", "period", "account", "currency", "rows_in", "rows_out", "total", "source", "focus",
              "difference", "ok")
    rows = [(ln.file, ln.format, ln.period, ln.account, ln.currency, ln.rows_in, ln.rows_out, ln.label,
             money_str(ln.source_total), money_str(ln.focus_total), money_str(ln.difference),
             "yes" if ln.ok else "NO") for ln in lines]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        return buf.getvalue()
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Reconciliation: source totals vs FOCUS totals")
    for h in ("File", "Format", "Period", "Account", "Cur", "Rows in", "Rows out", "Total", "Source", "FOCUS",
              "Diff", "OK"):
        table.add_column(h, justify="right" if h in ("Rows in", "Rows out", "Source", "FOCUS", "Diff") else "left",
                         overflow="fold")
    for r in rows:
        table.add_row(*(Path(str(r[0])).name if i == 0 else str(v) for i, v in enumerate(r)))
    buf = io.StringIO()
    Console(file=buf, width=200, no_color=True).print(table)
    return buf.getvalue()


@click.command()
@click.option("--since", callback=_day, metavar="YYYY-MM-DD", help="First day (UTC, inclusive).")
@click.option("--until", callback=_day, metavar="YYYY-MM-DD", help="Last day (UTC, exclusive).")
@click.option("--group-by", "group_by", metavar="KEYS",
              help="Comma-separated: provider, service, category, account, billing-account, region, resource, "
                   "sku, charge-category, pricing-category, commitment, commitment-status, instance-type, tag:KEY.")
@click.option("--granularity", type=click.Choice(["day", "month", "none"]), default="month", show_default=True)
@click.option("--metric", type=click.Choice(["effective", "billed", "list", "contracted"]), default="effective",
              show_default=True, help="effective = amortised (FOCUS EffectiveCost); billed = invoiced.")
@click.option("--format", "fmt", type=click.Choice(_OUT_FORMATS), default="table", show_default=True,
              help="Output format; machine formats are unstyled.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write results to this file instead of stdout.")
def costs(since: datetime | None, until: datetime | None, group_by: str | None, granularity: str, metric: str,
          fmt: str, output: str | None) -> None:
    """Show costs from the store, aggregated exactly (per currency) by period and dimensions."""
    from finml.billing.query import aggregate, money_str, parse_group_by, to_json

    if since and until and since >= until:
        raise UsageError("--since must be before --until")
    keys = parse_group_by(group_by)
    result = aggregate(_data_dir(), since=since, until=until, group_by=keys, granularity=granularity, metric=metric)
    if fmt == "json":
        write_output(json.dumps(to_json(result), indent=2) + "\n", output)
        return
    header = ["period_start", *keys, "currency", "amount", "line_items"]
    rows = [[r.period_start.strftime("%Y-%m-%d") if r.period_start else "", *(r.group[k] or "" for k in keys),
             r.currency, money_str(r.amount), str(r.line_items)] for r in result.rows]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        write_output(buf.getvalue(), output)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"finml costs — {metric} cost by {granularity}" + (f", {', '.join(keys)}" if keys else ""))
    for h in header:
        table.add_column(h, justify="right" if h in ("amount", "line_items") else "left", overflow="fold")
    for r in rows:
        table.add_row(*r)
    buf = io.StringIO()
    Console(file=buf, width=160, no_color=True).print(table)
    totals = result.totals()
    text = buf.getvalue()
    if totals:
        text += "Total: " + ", ".join(f"{money_str(a.quantize(Decimal('0.01')))} {c}"
                                      for c, a in sorted(totals.items())) + "\n"
    else:
        text += "No cost rows in the store for this range (run 'finml ingest' first).\n"
    write_output(text, output)
