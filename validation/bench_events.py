"""Benchmark of event output on the NA64-mu card (issue 12). Prints figures, asserts nothing.

1. Per-format writer rates, events/s on one core: the NA64-mu card's events are generated once in
   memory, then each writer (LHE, LHE.gz, HepMC3, ROOT, FairShip tree) writes them alone, called from
   this process's main thread. "Per core" divides by the CPU time of the process while the writer runs
   (``time.process_time``: all its threads, so LHE.gz's compressor thread counts), which other processes
   on a shared machine do not inflate; the wall-clock rate is printed beside it (LHE.gz formats and
   compresses on two threads at once, so its wall rate is above its per-core rate on two cores).
   ``--before GIT_REV`` also times the writers of that revision (loaded from ``git show``) on the
   same events, for the before/after table.
2. The end-to-end wall time of a ``mudump run`` of the card with ``--events`` events (default 10^6)
   and all formats, in a fresh subprocess (integration, generation and the concurrent writers), with
   its peak resident memory. Goal of issue 12: <= 30 s for 10^6 events on a 2-core machine (214 s
   before).

Run:  python validation/bench_events.py [--events N] [--writer-events N] [--before GIT_REV]
Wall-clock figures depend on the machine's load (other processes on the same cores slow them); the
per-core rates (CPU time of the writing thread) much less. The end-to-end time is wall clock.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CARD = REPO / "cards" / "na64mu_scalar.dat"
FORMATS = {"lhe": "events.lhe", "lhe.gz": "events.lhe.gz", "hepmc": "events.hepmc3", "root": "events.root",
           "fairship": "events_fairship.root"}

_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from generator.run import run_card
s = run_card(sys.argv[1], progress=False, output_dir=sys.argv[2], nevents=int(sys.argv[3]),
             output_formats="lhe, root, hepmc, fairship")
wall = time.perf_counter() - t0
use = resource.getrusage(resource.RUSAGE_SELF)
s["peak_rss_MB"] = use.ru_maxrss / 1024
print(json.dumps({"wall_s": wall, "cpu_s": use.ru_utime + use.ru_stime, **{k: s[k] for k in ("n_events", "timing_s", "peak_rss_MB", "sigma_pb",
                                                    "partial_unweighting")}}))
"""


def _events(n: int) -> tuple[list, object]:
    """``n`` NA64-mu events in chunks of the run's size, and the files' RunInfo."""
    import numpy as np

    from generator.cards import load_card
    from generator.plan import plan
    from generator.reweight import CHUNK_EVENTS
    from generator.run import generate, integrate_point
    from generator.summary import run_info

    cfg = load_card(CARD, nevents=n)
    t = time.perf_counter()
    events, _ = generate(cfg)
    dt = time.perf_counter() - t
    run_plan = plan(cfg)
    point = integrate_point(run_plan, np.random.default_rng(cfg.seed))
    header = run_info(run_plan, point.integration, cfg.weighted)
    print(f"generated {n} events in memory in {dt:.1f} s (integration included)")
    return [events[i : i + CHUNK_EVENTS] for i in range(0, n, CHUNK_EVENTS)], header


def _writers(module_prefix: str = "generator.output") -> dict[str, object]:
    from importlib import import_module

    lhe, hepmc = import_module(f"{module_prefix}.lhe"), import_module(f"{module_prefix}.hepmc")
    root, fairship = import_module(f"{module_prefix}.root"), import_module(f"{module_prefix}.fairship")
    return {"lhe": lhe.write_lhe, "lhe.gz": lhe.write_lhe, "hepmc": hepmc.write_hepmc, "root": root.write_root,
            "fairship": fairship.write_fairship}


def _old_writers(rev: str) -> dict[str, object]:
    """The writers of git revision ``rev``, imported under ``mudump_before.*``."""
    tmp = Path(tempfile.mkdtemp(prefix="mudump-before-"))
    names = subprocess.run(["git", "-C", str(REPO), "ls-tree", "--name-only", rev, "generator/output/"],
                           capture_output=True, text=True, check=True).stdout.split()
    for name in names:  # every module of the package at that revision (its writers import each other)
        if name.endswith(".py") and not name.endswith("__init__.py"):
            src = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:{name}"],
                                 capture_output=True, text=True, check=True).stdout
            (tmp / Path(name).name).write_text(src.replace("generator.output.", "mudump_before."))
    pkg = types.ModuleType("mudump_before")
    pkg.__path__ = [str(tmp)]  # type: ignore[attr-defined]
    sys.modules["mudump_before"] = pkg
    return _writers("mudump_before")


def _rates(writers: dict[str, object], chunks: list, header: object, label: str) -> dict[str, tuple[float, float]]:
    """Events/s per core (CPU of the process) and wall-clock events/s of each writer."""
    n = sum(len(c) for c in chunks)
    out = {}
    with tempfile.TemporaryDirectory() as d:
        writers["lhe"](Path(d) / "warm.lhe", header, chunks[:1])  # compiled kernels: load from cache
        writers["hepmc"](Path(d) / "warm.hepmc3", header, chunks[:1])
        for fmt, fn in writers.items():
            path = Path(d) / FORMATS[fmt]
            t, c = time.perf_counter(), time.process_time()
            fn(path, header, iter(chunks))
            dt, cpu = time.perf_counter() - t, time.process_time() - c
            out[fmt] = (n / cpu, n / dt)
            print(f"{label:>8} {fmt:>9} {n:9d} events {dt:7.2f} s wall {cpu:7.2f} s CPU {n / cpu:10.0f} events/s "
                  f"per core ({n / dt:8.0f} wall) {path.stat().st_size / n:6.0f} bytes/event")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000, help="events of the end-to-end run (0: skip)")
    ap.add_argument("--writer-events", type=int, default=100_000, help="events for the per-format rates")
    ap.add_argument("--before", metavar="GIT_REV", help="also time the writers of this git revision")
    ap.add_argument("--before-events", type=int, default=0,
                    help="events for the writers of --before (default: a fifth of --writer-events)")
    args = ap.parse_args()

    chunks, header = _events(args.writer_events)
    after = _rates(_writers(), chunks, header, "after")
    if args.before:
        n_old = args.before_events or max(args.writer_events // 5, 1)
        old_chunks = chunks[: max(1, n_old // len(chunks[0]))]
        before = _rates(_old_writers(args.before), old_chunks, header, "before")
        print("\nevents/s: per core (CPU time of all threads) and wall clock"
              "\nformat     before/core   after/core  speed-up   before/wall   after/wall  speed-up")
        for fmt in after:
            (bc, bw), (ac, aw) = before[fmt], after[fmt]
            print(f"{fmt:>9} {bc:12.0f} {ac:12.0f} {ac / bc:8.1f}x {bw:13.0f} {aw:12.0f} {aw / bw:8.1f}x")

    if args.events:
        with tempfile.TemporaryDirectory() as out:
            proc = subprocess.run([sys.executable, "-c", _CHILD, str(CARD), out, str(args.events)],
                                  capture_output=True, text=True, check=True, cwd=REPO)
            sizes = {p.name: p.stat().st_size for p in Path(out).iterdir()}
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        t = r["timing_s"]
        print(f"\nend to end: {r['n_events']} events, formats lhe, root, hepmc, fairship: {r['wall_s']:.1f} s wall, "
              f"{r['cpu_s']:.1f} s CPU "
              f"(integration {t['integration']:.1f} s, events and writing {t['events_and_writing']:.1f} s), "
              f"peak RSS {r['peak_rss_MB']:.0f} MB, files {sum(sizes.values()) / 1e9:.2f} GB")
        pu = r.get("partial_unweighting") or {}
        if pu:
            print(f"partial unweighting: {pu['fraction_of_events_above_max']:.2%} of events above w_max "
                  f"({pu['fraction_of_sigma_above_max']:.2%} of sigma), weights {pu['weight_range_pb'][0]:.4g}"
                  f" .. {pu['weight_range_pb'][1]:.4g} pb")


if __name__ == "__main__":
    main()
