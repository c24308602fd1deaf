from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261121)


@pytest.fixture
def _restore_logging():
    """The CLI configures the root logger; put its handlers and level back after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def mudump_here(capsys, monkeypatch, _restore_logging):
    """``mudump ARGS`` run by ``main(argv)`` in this process, captured as a ``CompletedProcess``: for tests of
    what a command prints and returns, whose process-level behaviour (the entry point, exit codes, signals,
    locks held by another process) the subprocess tests cover; it spares a process's imports (~2 s of CPU)."""
    from generator.cli import main

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["mudump", *args], code, out, err)

    return run
