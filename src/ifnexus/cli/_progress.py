"""Progress display of the long-running commands: rich on stderr, silent when asked or piped.

Libraries never import rich: they report progress through a plain ``progress(message)``
callback, or not at all, and the command then reports its stages (before each library call).
:func:`progress` is the one place that decides whether anything is shown: never with
``--quiet``, never when stderr is not a terminal (a pipe, a file, a test, the study pipeline).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Step = Callable[[str], None]


def _noop(_: str) -> None:
    return None


def shown(quiet: bool) -> bool:
    """Whether a progress display is shown: not ``quiet`` and stderr is a terminal."""
    if quiet:
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty is not None and isatty())


@contextmanager
def progress(description: str, *, total: int | None = None, quiet: bool = False) -> Iterator[Step]:
    """Yield a ``step(message)`` callback that moves a progress display on stderr one stage on.

    Parameters
    ----------
    description
        What the command does, shown until the first step.
    total
        The number of steps (a bar and ``done/total``); ``None`` shows a spinner only.
    quiet
        Show nothing (``--quiet``); nothing is shown either when stderr is not a terminal.

    Yields
    ------
    Callable[[str], None]
        ``step(message)``: the stage now running; it advances the bar by one.
    """
    if not shown(quiet):
        yield _noop
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        started = False

        def step(message: str) -> None:
            nonlocal started
            # the first step names the first stage; each later one completes the one before
            bar.update(task, description=message, advance=1 if started else 0)
            started = True

        yield step
        if total is not None:
            bar.update(task, completed=total)
