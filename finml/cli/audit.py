"""``finml audit``: collect (or load) an estate, run every recommender, print the findings."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from finml.cli import EXIT_OK, EXIT_PARTIAL, EXIT_SAVINGS, load_config
from finml.cli.common import output_options, progress_display, write_output
from finml.errors import UsageError


def _amount(ctx: click.Context, param: click.Parameter, value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not a number") from None
    if amount < 0:
        raise click.BadParameter("must be zero or more")
    return amount


@click.command()
@click.option("--provider", "-p", "providers", multiple=True, metavar="NAME",
              help="Provider(s) to audit (repeatable). Default: those in finml.toml, or all in --from/--demo.")
@click.option("--from", "from_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Audit a snapshot written by 'finml collect' instead of calling cloud APIs.")
@click.option("--demo", is_flag=True, help="Audit the bundled sample estate (no credentials needed).")
@click.option("--recommender", "-r", "recommender_names", multiple=True, metavar="NAME",
              help="Run only these recommenders (repeatable). Default: all.")
@click.option("--fail-on-savings", "fail_on", callback=_amount, metavar="AMOUNT",
              help="Exit 3 when total estimated monthly savings (in the config currency) reach AMOUNT.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Show what changed since the previous recorded audit (new, resolved, changed findings).")
@click.option("--record/--no-record", default=True, show_default=True,
              help="Record this audit in the store's history (needed for --diff and first-seen dates).")
@click.option("--history", "history_name", metavar="NAME",
              help="History to record into and diff against (default: 'demo' with --demo, else 'default').")
@click.option("--notify", "notify_url", metavar="URL", envvar="FINML_NOTIFY_WEBHOOK",
              help="POST a Slack-compatible message here when new findings exceed [notify] thresholds.")
@output_options()
@click.pass_context
def audit(ctx: click.Context, providers: tuple[str, ...], from_dir: Path | None, demo: bool,
          recommender_names: tuple[str, ...], fail_on: Decimal | None, show_diff: bool, record: bool,
          history_name: str | None, notify_url: str | None, fmt: str, output: str | None) -> None:
    """Find savings: unattached volumes, idle IPs, rightsizing, commitments and more.

    Read-only: an audit only calls Describe/List/Get operations on your clouds.
    """
    from finml.audit import DEMO_NOW, Source, analyse, costs_view, gather
    from finml.output import render_csv, render_json

    if demo and from_dir:
        raise UsageError("--demo and --from cannot be combined", hint="pick one data source")
    config = load_config(ctx)
    source = Source("demo") if demo else Source("snapshot", from_dir) if from_dir else Source("live")
    names = list(providers) or _default_providers(source, config)
    started = datetime.now(timezone.utc)
    now = DEMO_NOW if demo else started
    with progress_display(fmt == "table" and output is None) as progress:
        pages = gather(names, source, config, now=now, progress=progress)
    if not names:
        names = pages.providers()
    result = analyse(pages, config, now=now, source=source, started_at=started,
                     recommender_names=recommender_names or None, costs=costs_view(config, demo, now))

    from finml.history_cli import record_and_diff

    audit_diff = record_and_diff(result, config, history_name or ("demo" if demo else "default"),
                                 record=record, want_diff=show_diff or bool(notify_url))
    if audit_diff is not None and show_diff:
        result.extra["diff"] = audit_diff.to_json()
    if fmt == "json":
        write_output(render_json(result), output)
    elif fmt == "csv":
        write_output(render_csv(result), output)
    else:
        _print_table(result, output)
        if audit_diff is not None and show_diff:
            from finml.history_cli import print_diff

            print_diff(audit_diff)
    if notify_url and audit_diff is not None:
        from finml.notify import notify_audit

        notify_audit(notify_url, result, audit_diff, config)

    ctx.exit(exit_code(result, fail_on, config.currency))


def exit_code(result: object, fail_on: Decimal | None, currency: str) -> int:
    """3 when the savings threshold is reached (takes precedence), else 4 when partial, else 0."""
    from finml.audit import AuditResult

    assert isinstance(result, AuditResult)
    if fail_on is not None:
        total = result.totals().get("all", {}).get(currency, Decimal(0))
        if total >= fail_on:
            return EXIT_SAVINGS
    return EXIT_PARTIAL if result.partial else EXIT_OK


def _default_providers(source: object, config: object) -> list[str]:
    from finml.audit import Source
    from finml.config import Config
    from providers import registry

    assert isinstance(source, Source) and isinstance(config, Config)
    if source.kind == "demo":
        return registry.names()
    if source.kind == "snapshot":
        return []  # whatever the snapshot holds
    configured = [n for n, t in config.providers.items() if t.get("enabled", True)]
    if not configured:
        raise UsageError(
            "no provider to audit",
            hint="pass --provider aws (or azure, gcp, alibaba), configure [providers.<name>] in finml.toml, "
                 "or try the sample estate with --demo",
        )
    return configured


def _print_table(result: object, output: str | None) -> None:
    from rich.console import Console

    from finml.output import render_table

    if output is None:
        render_table(result, Console())  # type: ignore[arg-type]
        return
    with open(output, "w", encoding="utf-8") as fh:
        render_table(result, Console(file=fh, width=160, no_color=True))  # type: ignore[arg-type]
