"""Benchmark of sharded event production (issue 20). Prints figures, asserts nothing.

A run of ``cards/na64mu_scalar.dat`` (its formats: LHE, ROOT, HepMC3) with ``--events`` events (default
10^6) through ``mudump run`` in a fresh subprocess, once per mode:

* ``serial``       ``--shards 1``: one stream of events in one process, the writers in threads (the run as
  it was before sharding, and as it still is for fewer than 2 x 10^5 events);
* ``processes``    ``--executor processes --jobs 2``: the run's shards (one per 10^5 events) on two local
  worker processes, merged while they run;
* ``dask-local``   ``--dask-local 2``: the same shards on a Dask LocalCluster of two workers.

Per mode: the wall time of the command, the CPU time of the whole process tree, the peak resident memory
of the largest process (``ru_maxrss``) and of the process tree at once (the sum of the proportional set
sizes over the tree, sampled every 0.1 s with psutil when it is installed), the phases from
``summary.json`` (integration; the shards, with the merge running meanwhile; what is left of the merge
after the last shard), and the speed-up over ``serial``. Each mode runs ``--repeat`` times (default 2);
the best wall time counts (the machine's other load only ever slows a run down). The files of
``processes`` and ``dask-local`` are compared byte for byte.

Run:  python validation/bench_run.py [--events N] [--repeat R] [--jobs J] [--modes serial,processes,...]
Wall-clock figures depend on the machine's load (``uptime`` is printed before each run); the output goes to
a temporary directory on the same disk as the repository unless ``--output DIR`` is given.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CARD = REPO / "cards" / "na64mu_scalar.dat"
CLI = [sys.executable, "-m", "generator.cli"]


def _modes(jobs: int) -> dict[str, list[str]]:
    return {"serial": ["--shards", "1"],
            "processes": ["--executor", "processes", "--jobs", str(jobs)],
            "dask-local": ["--dask-local", str(jobs)]}


class _TreeMemory(threading.Thread):
    """Peak of the summed PSS (proportional set size: a page shared by k processes counts 1/k in each, so
    forked workers are not counted twice) of a process and all its descendants (psutil; RSS where PSS is
    not available; 0 without psutil)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stop.wait(0.1):
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    info = p.memory_full_info()
                    total += getattr(info, "pss", info.rss)
            self.peak = max(self.peak, total)


def _run(mode_args: list[str], out: Path, events: int) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    command = [*CLI, "run", str(CARD), "--nevents", str(events), "--output", str(out), "--json", "-q",
               "--overwrite"]
    proc = subprocess.Popen([*command, *mode_args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    mem = _TreeMemory(proc.pid)
    mem.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    mem.stop.set()
    mem.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"mudump run {' '.join(mode_args)} failed ({proc.returncode}): {stderr[-2000:]}")
    s = json.loads(stdout)
    return {"wall_s": wall, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "max_rss_MB": after.ru_maxrss / 1024, "tree_rss_MB": mem.peak / 2**20, "timing_s": s["timing_s"],
            "n_events": s["n_events"], "files": {k: v for k, v in s["files"].items() if k != "summary"},
            "bytes": sum(Path(v).stat().st_size for k, v in s["files"].items() if k != "summary")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000, help="events per run (default %(default)s)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per mode; the best wall time counts")
    ap.add_argument("--jobs", type=int, default=2, help="workers of processes and dask-local")
    ap.add_argument("--modes", default="serial,processes,dask-local", help="comma-separated modes to run")
    ap.add_argument("--output", metavar="DIR", default=None,
                    help="where the runs write (default: a temporary directory)")
    args = ap.parse_args()
    modes = {m: _modes(args.jobs)[m] for m in args.modes.split(",")}

    base = Path(args.output) if args.output else Path(tempfile.mkdtemp(prefix="mudump-bench-run-"))
    best: dict[str, dict] = {}
    try:
        # a first small run loads (and if needed compiles) the kernels, so no mode pays for it
        _run(["--shards", "1"], base / "warm", 2000)
        print(f"{args.events:,} events of {CARD.name}, {os.cpu_count()} cores; best of {args.repeat}")
        print(f"{'mode':>11} {'wall s':>7} {'CPU s':>7} {'integr.':>7} {'shards':>7} {'merge':>6} "
              f"{'max RSS':>8} {'tree PSS':>9}  load average")
        for rep in range(args.repeat):
            for mode, mode_args in modes.items():
                load = os.getloadavg()
                r = _run(mode_args, base / mode, args.events)
                t = r["timing_s"]
                print(f"{mode:>11} {r['wall_s']:7.1f} {r['cpu_s']:7.1f} {t['integration']:7.1f} "
                      f"{t['events_and_writing']:7.1f} {t.get('merging_after_shards', 0.0):6.1f} "
                      f"{r['max_rss_MB']:6.0f} MB "
                      f"{r['tree_rss_MB']:6.0f} MB  {load[0]:.2f} {load[1]:.2f} (run {rep + 1})")
                if mode not in best or r["wall_s"] < best[mode]["wall_s"]:
                    best[mode] = r
        if "serial" in best:
            print("\nspeed-up over serial (best wall times):")
            for mode, r in best.items():
                print(f"{mode:>11} {best['serial']['wall_s'] / r['wall_s']:5.2f}x   "
                      f"({r['bytes'] / 1e9:.2f} GB of files, {r['n_events']:,} events)")
        if "processes" in best and "dask-local" in best:
            a, b = best["processes"]["files"], best["dask-local"]["files"]
            same = all(filecmp.cmp(a[k], b[k], shallow=False) for k in a)
            print(f"\nprocesses and dask-local files byte-identical: {same}")
    finally:
        if not args.output:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
