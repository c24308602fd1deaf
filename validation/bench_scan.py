"""Benchmark of ``mudump scan`` (issue 11 item 7): a 40-mass x 100-coupling scan at one experiment.

Prints, for the same card and seed,
  1. wall time and peak memory of the scan run serially, in local worker processes (all cores) and on a
     Dask ``LocalCluster(2)`` (cluster start-up shown separately), each in a fresh Python process, and
     whether the three give identical N(m, g);
  2. the speed-up of reweighting (one integration per mass, every coupling from the same events) over
     re-integrating and re-sampling at every grid point, on a small grid (4 masses x 10 couplings).
Goal: the 40 x 100 scan in <= 10 s wall on this 2-core machine with both cores busy.

Run:  python validation/bench_scan.py [--card cards/na64mu_scalar_scan.dat] [--skip-dask]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
GRID = {"scan_masses": "0.01:0.2:40", "scan_couplings": "1e-7:1e-1:100", "scan_models": "leptophilic"}
GOAL_S = 10.0


def _one(card: str, mode: str, out: str) -> None:
    """Child process: one scan in one mode; writes its numbers and N(m, g) to ``out``."""
    t_start = time.perf_counter()
    from generator.cards import load_card
    from generator.scan import make_executor, scan_config

    cfg = load_card(card, **GRID)
    t_import = time.perf_counter() - t_start
    t0 = time.perf_counter()
    ex = make_executor("dask", dask_local=2) if mode == "dask" else make_executor(mode)
    t_start_ex = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = scan_config(cfg, executor=ex, use_cache=False)
    t_scan = time.perf_counter() - t1
    ex.close()
    accepted = next(iter(result.counts.values()))["accepted"]
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    np.save(out + ".npy", accepted)
    Path(out).write_text(json.dumps({"mode": mode, "workers": ex.workers, "import_s": t_import,
                                     "executor_start_s": t_start_ex, "scan_s": t_scan,
                                     "peak_rss_self_MB": kb[0] / 1024, "peak_rss_child_MB": kb[1] / 1024}))


def _run_mode(card: str, mode: str, tmp: Path) -> tuple[dict, np.ndarray, float]:
    out = str(tmp / f"bench_{mode}.json")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--one", mode, "--card", card, "--out", out], check=True,
                   cwd=REPO, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    return json.loads(Path(out).read_text()), np.load(out + ".npy"), wall


def _reweight_speedup(card: str) -> None:
    from generator.cards import load_card
    from generator.run import yields_vs_coupling
    from generator.scan import scan_config

    small = {"scan_masses": "0.02:0.2:4", "scan_couplings": "1e-6:1e-2:20", "scan_models": "leptophilic"}
    cfg = load_card(card, **small)
    scan_config(cfg.replace(seed=cfg.seed + 1), executor="serial", use_cache=False)  # load the kernels first
    t0 = time.perf_counter()
    res = scan_config(cfg, executor="serial", use_cache=False)
    t_rw = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_direct = []
    for m in res.masses:
        for g in res.couplings:  # a run made at that (m, g): integrate and sample again
            one = cfg.replace(mass=float(m), coupling=float(g), scan_masses=None, scan_couplings=None, scan_models=None)
            n_direct.append(yields_vs_coupling(one, np.array([g]), n_events=cfg.scan_events)["accepted"][0])
    t_direct = time.perf_counter() - t0
    n_rw = next(iter(res.counts.values()))["accepted"].ravel()
    big = n_rw > 30
    ratio = np.median(np.array(n_direct)[big] / n_rw[big]) if big.any() else float("nan")
    print(f"   4 x 20 grid, serial: reweighting {t_rw:.2f} s, re-integrating at each of the 80 points "
          f"{t_direct:.2f} s: speed-up {t_direct / t_rw:.1f}x (median N_direct/N_reweighted where N > 30: "
          f"{ratio:.3f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--card", default=str(REPO / "cards" / "na64mu_scalar_scan.dat"))
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    if args.one:
        _one(args.card, args.one, args.out)
        return
    import tempfile

    print(f"== 1. 40 masses x 100 couplings, {Path(args.card).name} (leptophilic), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the start ==")
    modes = ["serial", "processes"] + ([] if args.skip_dask else ["dask"])
    grids = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in modes:
            info, grid, wall = _run_mode(args.card, mode, Path(tmp))
            grids[mode] = grid
            extra = f", LocalCluster start {info['executor_start_s']:.1f} s" if mode == "dask" else ""
            print(f"   {mode:>9} ({info['workers']} worker(s)): scan {info['scan_s']:6.2f} s{extra}; whole "
                  f"process {wall:6.2f} s (imports {info['import_s']:.1f} s); peak RSS {info['peak_rss_self_MB']:.0f} "
                  f"MB (largest worker {info['peak_rss_child_MB']:.0f} MB)"
                  + (f"  [goal {GOAL_S:.0f} s: ratio {info['scan_s'] / GOAL_S:.2f}]" if mode == "processes" else ""))
    same = all(np.array_equal(grids[modes[0]], g) for g in grids.values())
    print(f"   identical N(m, g) in {', '.join(modes)}: {same}  (load average now {os.getloadavg()[0]:.1f})")
    print("== 2. reweighting vs re-integrating at every grid point ==")
    _reweight_speedup(args.card)


if __name__ == "__main__":
    main()
