"""A real Dask cluster for the tests: ``dask scheduler`` and ``dask worker`` as separate processes on
127.0.0.1 (the ``dask_scheduler`` fixture in conftest.py starts the scheduler and stops everything)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def spawn(*args: str, log: Path) -> subprocess.Popen:
    """``python -m ARGS`` in its own session, its output in ``log``."""
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", *args], stdout=out, stderr=subprocess.STDOUT,
                                cwd=str(ROOT), start_new_session=True)


def worker(address: str, log: Path) -> subprocess.Popen:
    """One single-threaded worker without a nanny (so killing it kills the worker)."""
    return spawn("distributed.cli.dask_worker", address, "--nthreads", "1", "--nworkers", "1", "--no-nanny",
                 "--no-dashboard", "--host", "127.0.0.1", "--death-timeout", "60", log=log)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the process group, SIGKILL it after 20 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_for_workers(address: str, n: int) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(n, timeout=60)
