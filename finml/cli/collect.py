"""``finml collect``: fetch raw API pages into a snapshot directory for offline audits."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from finml import __version__
from finml.cli import EXIT_OK, EXIT_PARTIAL, load_config
from finml.cli.common import progress_display


@click.command()
@click.option("--provider", "-p", "providers", multiple=True, required=True, metavar="NAME",
              help="Provider(s) to collect from (repeatable).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the snapshot to (created if missing).")
@click.option("--demo", is_flag=True, help="Write the bundled sample estate instead of calling cloud APIs.")
@click.pass_context
def collect(ctx: click.Context, providers: tuple[str, ...], out: Path, demo: bool) -> None:
    """Save what an audit would read (raw API pages, no secrets) for 'finml audit --from'."""
    from finml.audit import DEMO_NOW, Source, gather

    config = load_config(ctx)
    now = DEMO_NOW if demo else datetime.now(timezone.utc)
    with progress_display(True) as progress:
        pages = gather(list(providers), Source("demo" if demo else "live"), config, now=now, progress=progress)
    pages.write_dir(out, created_at=now, finml_version=__version__)
    click.echo(f"Wrote {len(pages)} pages for {', '.join(providers)} to {out}", err=True)
    for issue in pages.issues:
        where = "/".join(x for x in (issue.provider, issue.account, issue.region, issue.service) if x)
        click.echo(f"  could not collect {where}: {issue.message}", err=True)
    ctx.exit(EXIT_PARTIAL if pages.issues else EXIT_OK)
