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


@pytest.fixture
def dask_scheduler(tmp_path):
    """A ``dask scheduler`` process on 127.0.0.1 (address, and a list for the test's workers); it and the
    workers are stopped after the test."""
    import json
    import time

    from _dask_cluster import spawn, stop

    pytest.importorskip("distributed", reason="a Dask cluster needs the dask extra: pip install 'mudump[dask]'")
    info = tmp_path / "scheduler.json"
    sched = spawn("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                  "--scheduler-file", str(info), log=tmp_path / "scheduler.log")
    workers: list[subprocess.Popen] = []
    try:
        t0 = time.monotonic()
        while not info.exists() or not info.read_text().strip():
            assert sched.poll() is None, (tmp_path / "scheduler.log").read_text()
            assert time.monotonic() - t0 < 60, "scheduler did not start"
            time.sleep(0.1)
        time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        yield address, workers
    finally:
        for w in workers:
            stop(w)
        stop(sched)
