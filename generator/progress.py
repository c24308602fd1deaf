"""What a run reports while it works: VEGAS iterations (sigma +- delta sigma so far), then events.

:func:`generator.run.run_config` calls a reporter with this interface (any object with these methods
will do; ``progress=False`` reports nothing)::

    integrating(coupling_sq) -> context yielding update(phase, itn, mean, sdev)   (unit coupling, pb)
    generating(total)        -> context yielding advance(n_events)

:class:`ConsoleProgress` draws both with *rich* on **stderr**, so ``mudump run --json`` keeps stdout for
the JSON. On a terminal the lines update in place; in a log file (a batch job) each finished phase is
one line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["ConsoleProgress", "NullProgress"]


class NullProgress:
    """Reports nothing."""

    @contextlib.contextmanager
    def integrating(self, coupling_sq: float) -> Iterator[Callable[[str, int, float, float], None] | None]:
        yield None

    @contextlib.contextmanager
    def generating(self, total: int) -> Iterator[Callable[[int], None] | None]:
        yield None


class ConsoleProgress:
    """Progress on stderr with *rich*: the VEGAS iterations with sigma so far, then an event bar.

    Both lines start with the time elapsed (the event bar ends with the time left); the text after it
    wraps at the console's width instead of being cut (a log file's console is 80 columns wide).
    """

    def __init__(self, console: Any = None) -> None:
        if console is None:
            from rich.console import Console

            console = Console(stderr=True)
        self.console = console

    @staticmethod
    def _text(text_format: str) -> Any:
        from rich.progress import TextColumn
        from rich.table import Column

        return TextColumn(text_format, table_column=Column(no_wrap=False, overflow="fold"))

    @contextlib.contextmanager
    def integrating(self, coupling_sq: float) -> Iterator[Callable[[str, int, float, float], None]]:
        from rich.progress import Progress, SpinnerColumn, TimeElapsedColumn

        columns = (SpinnerColumn(), TimeElapsedColumn(), self._text("{task.description}"))
        with Progress(*columns, console=self.console, transient=False) as bar:
            task = bar.add_task("integrating: adapting the VEGAS grid (a first run on this machine also "
                                "compiles the kernels, about a minute; cached afterwards)", total=None)

            def update(phase: str, itn: int, mean: float, sdev: float) -> None:
                sigma, err = mean * coupling_sq, sdev * coupling_sq
                rel = f" ({sdev / abs(mean):.1%})" if mean else ""
                what = "adapting the grid, iteration" if phase == "adapt" else "iteration"
                bar.update(task, description=f"integrating: {what} {itn}: sigma = {sigma:.4g} +- {err:.2g} pb{rel}")

            yield update
            bar.update(task, total=1, completed=1)

    @contextlib.contextmanager
    def generating(self, total: int) -> Iterator[Callable[[int], None]]:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn(" "), TimeElapsedColumn(), TextColumn("generating"), BarColumn(),
                   MofNCompleteColumn(), self._text("events, {task.fields[left]}"))
        with Progress(*columns, console=self.console, transient=False) as bar:
            task = bar.add_task("events", total=total, left="time left: -")

            def advance(k: int) -> None:
                bar.advance(task, k)
                t = bar.tasks[0]
                left = t.time_remaining
                bar.update(task, left="done" if t.finished else
                           "time left: -" if left is None else f"time left: {_clock(left)}")

            yield advance


def _clock(seconds: float) -> str:
    """``H:MM:SS``, as rich prints the time elapsed.

    >>> _clock(3725.4)
    '1:02:05'
    """
    s = int(max(seconds, 0.0))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
