"""The repository as a new user meets it: the README's install and test commands, CI, .gitignore."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_readme_venv_is_ignored_by_git():
    """The README creates ``.venv`` in the checkout; ``git status`` must not list it."""
    patterns = {line.strip() for line in (REPO / ".gitignore").read_text().splitlines()}
    assert patterns & {".venv", ".venv/", "/.venv", "/.venv/"}, patterns
