"""Options and helpers shared by finml subcommands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def output_options(formats: tuple[str, ...] = ("table", "json", "csv")) -> Callable[[F], F]:
    """``--format`` and ``--output``, the same on every command that prints results."""

    def deco(fn: F) -> F:
        fn = click.option("--output", "-o", "output", type=click.Path(dir_okay=False, writable=True),
                          help="Write results to this file instead of stdout.")(fn)
        fn = click.option("--format", "fmt", type=click.Choice(formats), default=formats[0], show_default=True,
                          help="Output format; machine formats are unstyled.")(fn)
        return fn

    return deco


def write_output(text: str, output: str | None) -> None:
    """Write to ``output`` atomically, or to stdout."""
    if output is None:
        click.echo(text, nl=False)
        return
    path = Path(output)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def stdout_is_tty() -> bool:
    return sys.stdout.isatty() and os.environ.get("CI") != "true"


@contextmanager
def progress_display(enabled: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress display on stderr while collecting; a no-op when not a TTY."""
    if not enabled or not sys.stderr.isatty():
        yield lambda label, done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    tasks: dict[str, Any] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = progress.add_task(label, total=total)
            progress.update(tasks[label], completed=done, total=total)

        yield update
