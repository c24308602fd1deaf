"""The progress lines of a run (generator/progress.py) as a log file or a narrow terminal shows them."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from generator.progress import ConsoleProgress

ELAPSED = r"\d+:\d\d:\d\d"


def _lines(width: int) -> list[str]:
    buf = io.StringIO()
    progress = ConsoleProgress(Console(file=buf, width=width, force_terminal=False))
    with progress.integrating(1.0) as update:
        update("adapt", 1, 724.69, 5.2)
    with progress.integrating(1.0):
        pass
    with progress.generating(1000) as advance:
        advance(400)
        advance(600)
    return buf.getvalue().splitlines()


@pytest.mark.parametrize("width", [80, 50])
def test_progress_is_not_cut_at_the_console_width(width):
    """The description wraps instead of ending in "..." at 80 columns ("(a first run on this machine also
    compile..." before, issue 18)."""
    lines = _lines(width)
    text = " ".join(" ".join(lines).split())
    assert "…" not in text
    assert "sigma = 724.7 +- 5.2 pb (0.7%)" in text
    assert "(a first run on this machine also compiles the kernels, about a minute; cached afterwards)" in text
    assert all(len(line.rstrip()) <= width for line in lines)


def test_integration_and_event_lines_both_show_the_time_elapsed_first():
    """Both lines start with the time elapsed (the event bar showed the time remaining and the integration
    the time elapsed); the event bar ends with the time left, "done" at the end."""
    lines = _lines(100)
    starts = [ln for ln in lines if re.match(rf"^\s*{ELAPSED} (integrating|generating)", ln)]
    assert len(starts) == 3, lines
    assert len({re.search(ELAPSED, ln).start() for ln in starts}) == 1, "elapsed times in one column"
    assert starts[-1].rstrip().endswith("1000/1000 events, done")
