"""The repository as a new user meets it: the README's install and test commands, CI, .gitignore."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_readme_venv_is_ignored_by_git():
    """The README creates ``.venv`` in the checkout; ``git status`` must not list it."""
    patterns = {line.strip() for line in (REPO / ".gitignore").read_text().splitlines()}
    assert patterns & {".venv", ".venv/", "/.venv", "/.venv/"}, patterns


def _pyproject() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def test_slow_tests_are_registered_and_left_out_by_default():
    """``python -m pytest -q`` deselects the slow marker (a two-minute default run); it is registered."""
    opts = _pyproject()["tool"]["pytest"]["ini_options"]
    assert any(m.startswith("slow:") for m in opts["markers"])
    addopts = opts["addopts"]
    assert addopts[addopts.index("-m") + 1] == "not slow"


def test_ci_runs_the_full_suite_and_a_minimal_install():
    """.ci/run: every extra and every test; then a fresh venv with only .[test] and the default selection."""
    ci = (REPO / ".ci" / "run").read_text()
    extras = _pyproject()["project"]["optional-dependencies"]
    full = re.search(r"^python -m pip install -e '\.\[([a-z,]+)\]'", ci, flags=re.MULTILINE)
    assert full, ci
    assert set(full.group(1).split(",")) >= set(extras) - {"dev"}
    assert 'pytest -q -m "slow or not slow"' in ci
    assert re.search(r"venv.*\n(.*\n)*.*pip install -e '\.\[test\]'\n.*-m pytest -q( +#[^\n]*)?\n?$", ci), ci
    readme_command = next(line for line in (REPO / "README.md").read_text().splitlines()
                          if line.startswith("python -m pytest -q "))
    assert readme_command in ci.splitlines()  # the README's test command, as it is written there


def test_readme_install_line_and_test_commands():
    """The README's install line names extras that exist (the tests' and the plot's) and its test section
    says how to run everything."""
    readme = (REPO / "README.md").read_text()
    install = re.search(r"^pip install -e '\.\[([a-z,]+)\]'", readme, flags=re.MULTILINE)
    assert install, "no install line"
    chosen = set(install.group(1).split(","))
    assert chosen <= set(_pyproject()["project"]["optional-dependencies"])
    assert {"test", "plots"} <= chosen  # the Tour's scan makes its plot
    tests = readme.split("## Run the tests")[1].split("## ")[0]
    assert re.search(r"^python -m pytest -q +#", tests, flags=re.MULTILINE)
    assert 'python -m pytest -q -m "slow or not slow"' in tests
