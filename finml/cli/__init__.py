"""The ``finml`` command. Subcommands are imported lazily so ``finml --help`` stays light.

Exit codes (documented in the README):
0 success · 1 unexpected error · 2 usage/config/credentials/input error ·
3 ``--fail-on-savings`` threshold reached · 4 completed with partial collection errors.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from finml import __version__
from finml.errors import FinmlError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_SAVINGS = 3
EXIT_PARTIAL = 4

COMMANDS: dict[str, str] = {
    "audit": "finml.cli.audit:audit",
    "collect": "finml.cli.collect:collect",
    "report": "reports.cli:report",
    "anomalies": "reports.cli:anomalies",
    "profile": "profiler.cli:profile",
    "runs": "profiler.cli:runs",
    "ingest": "finml.billing.cli:ingest",
    "costs": "finml.billing.cli:costs",
}
"""Subcommand name -> ``module:attribute`` of its click command."""


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        path = COMMANDS.get(cmd_name)
        if path is None:
            return None
        module, _, attr = path.partition(":")
        cmd: click.Command = getattr(importlib.import_module(module), attr)
        return cmd

    def invoke(self, ctx: click.Context) -> Any:
        """Turn :class:`FinmlError` into ``Error:``/``Hint:`` and its exit code (no traceback
        unless -vv), in one place for every subcommand."""
        try:
            return super().invoke(ctx)
        except FinmlError as exc:
            report_error(exc, (ctx.obj or {}).get("verbose", 0))
            ctx.exit(exc.exit_code)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "FINML"})
@click.version_option(__version__, prog_name="finml")
@click.option("-v", "--verbose", count=True, help="-v for info, -vv for debug and tracebacks.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="FINML_CONFIG",
              help="Path to finml.toml (default: ./finml.toml if present).")
@click.pass_context
def cli(ctx: click.Context, verbose: int, config_path: str | None) -> None:
    """finml: where your cloud money goes, what to change, and what each training run cost."""
    _configure_logging(verbose)
    ctx.obj = {"verbose": verbose, "config_path": config_path}


def _configure_logging(verbose: int) -> None:
    from rich.logging import RichHandler

    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = RichHandler(console=_stderr_console(), show_path=verbose > 1, rich_tracebacks=verbose > 1)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("botocore", "boto3", "urllib3", "azure", "google", "s3transfer", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING) if verbose < 2 else logging.INFO)
    # aliyunsdkcore logs every failed call at ERROR; finml records those as collection issues already
    logging.getLogger("aliyunsdkcore").setLevel(logging.CRITICAL if verbose < 2 else logging.INFO)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def load_config(ctx: click.Context) -> Any:
    from finml.config import load

    return load((ctx.obj or {}).get("config_path"))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="finml")


def report_error(exc: FinmlError, verbose: int) -> None:
    click.echo(f"Error: {exc}", err=True)
    if exc.hint:
        click.echo(f"Hint: {exc.hint}", err=True)
    if verbose >= 2:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
