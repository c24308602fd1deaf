"""Benchmark of event generation on the NA64-mu card (issue #5). Prints figures, asserts nothing.

For weighted and unweighted runs of cards/na64mu_scalar.dat (all formats: LHE, ROOT, HepMC3): events/s
of the generation step (sampling + kinematics + decays + decay-in-volume weights), of the writing step,
the unweighting efficiency, and the peak resident memory of the whole run for 10^4 and 10^5 events
(flat memory: the ratio should stay near 1). Each run is a fresh subprocess so the memory figure is its own.

Run:  python validation/bench_events.py [--big]   (--big adds 10^6 events)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CARD = Path(__file__).resolve().parents[1] / "cards" / "na64mu_scalar.dat"

_CHILD = """
import json, resource, sys
from generator.run import run_card
s = run_card(sys.argv[1], progress=False, output_dir=sys.argv[2], nevents=int(sys.argv[3]),
             weighted=sys.argv[4] == "1", output_formats="lhe, root, hepmc")
s["peak_rss_MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({k: s[k] for k in ("n_events", "timing_s", "unweighting_efficiency",
                                     "fraction_over_max_weight", "peak_rss_MB", "sigma_pb")}))
"""


def run(n: int, weighted: bool) -> dict:
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(CARD), out, str(n), "1" if weighted else "0"],
                              capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", action="store_true")
    args = ap.parse_args()
    sizes = [10_000, 100_000] + ([1_000_000] if args.big else [])
    print(f"{'mode':>10} {'events':>8} {'gen ev/s':>10} {'write ev/s':>10} {'unw. eff':>8} {'over max':>8} "
          f"{'peak RSS/MB':>11}")
    for weighted in (True, False):
        rss = []
        for n in sizes:
            r = run(n, weighted)
            t = r["timing_s"]
            rss.append(r["peak_rss_MB"])
            print(f"{'weighted' if weighted else 'unweighted':>10} {n:8d} {n / t['events']:10.0f} "
                  f"{n / t['writing']:10.0f} {r['unweighting_efficiency']:8.3f} "
                  f"{r['fraction_over_max_weight']:8.1e} {r['peak_rss_MB']:11.0f}")
        print(f"{'':>10} peak-memory ratio {sizes[-1]:.0e} / {sizes[0]:.0e} events: {rss[-1] / rss[0]:.2f}")


if __name__ == "__main__":
    main()
