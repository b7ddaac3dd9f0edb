"""What a long management command shows while it works and when it is done: a progress bar
(on stderr, so a command's own output stays clean to pipe) and a closing summary table."""

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

# Advance the bar by n steps.
Advance = Callable[[int], None]


def _file(stream: Any, default: IO[str]) -> IO[str]:
    # A management command's self.stdout/self.stderr wraps the stream and ends every write
    # with a newline; rich writes pieces of lines, so it gets the stream itself.
    if stream is None:
        return default
    return getattr(stream, "_out", stream)


@contextmanager
def progress_bar(description: str, *, total: int | None, stream: Any = None) -> Iterator[Advance]:
    """A bar for `total` steps (None: unknown, it counts) on `stream` (stderr by default);
    yields how to advance it. Drawn live on a terminal; elsewhere (a log, a pipe) rich prints
    its last state once."""
    console = Console(file=_file(stream, sys.stderr))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(description, total=total)

        def advance(steps: int = 1) -> None:
            progress.advance(task, steps)

        yield advance


def summary_print(title: str, rows: Sequence[tuple[str, Any]], *, stream: Any = None) -> None:
    """The closing summary: one row per figure, on `stream` (a file, or a command's stdout
    wrapper), stdout by default."""
    table = Table(show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, value in rows:
        table.add_row(Text(label), Text(str(value)))
    console = Console(file=_file(stream, sys.stdout), width=120)
    # Text, not markup: a path may hold square brackets.
    console.print(Text(title, style="bold"))
    console.print(table)
