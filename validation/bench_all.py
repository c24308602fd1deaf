"""Every figure of issue 19, beside the same figure of an earlier revision, measured in the same call.

Figures (each against its goal; the "before" and "after" code run alternately, in fresh processes, with
warm numba caches):

1. ``import generator`` wall time;
2. ``mudump xsec --target Pb --energy 160 --mass 0.1 --coupling 5e-4`` wall (and CPU) time;
3. ``mudump run cards/na64mu_scalar.dat --nevents 10000`` (lhe, root, hepmc) wall (and CPU) time;
4. the unweighting efficiency of that run (its ``summary.json``: sum <|w|> / sum W_max over the pilot), the
   events above their maximum and the effective sample size of the weights;
5. |M|^2 evaluations per second per core of the scalar and LFV kernels (1e6 uniform points, the thread's
   CPU time, median of 7);
6. the CPU time per event of the LHE and HepMC3 writers: alone (10^5 NA64-mu events in the run's chunks of
   2e4, to a file, best of 3: formatting, awkward and the writes) and as threads inside a run of
   ``--events`` (10^6) events in all formats (``summary.json`` ``output.<format>.cpu_s``, or the shards'
   ``writers_cpu_s`` of a sharded run, with the generation and the other writers on the same two cores),
   and that run's wall and CPU time (the CPU of the shards' worker processes included);
7. the scatter of sigma over seeds divided by the quoted VEGAS error, at m = 5 MeV and 1 GeV on Pb at
   160 GeV (``--pull-seeds`` seeds at ``--pull-precision``; its own statistical error is
   1/sqrt(2 (N - 1))).

Timings are medians of ``--repeats`` runs; the load average is printed at the start and the end (other
processes on the same cores inflate wall times; the CPU times much less). The "before" revision is
checked out once as a git worktree under ``~/.cache/mudump/bench/<sha>`` (kept, with its numba cache),
or taken from ``--before-path``.

Run:  python validation/bench_all.py [--before REV | --before-path DIR] [--repeats 5] [--events 1000000]
                                     [--pull-seeds 40] [--pull-precision 2e-4] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CARD = "cards/na64mu_scalar.dat"
XSEC = ["xsec", "--target", "Pb", "--energy", "160", "--mass", "0.1", "--coupling", "5e-4"]

_KERNEL = """
import json, statistics, sys, time
import numpy as np
from generator.registry import get_process
from generator.xsec import Target, exact_integrand
lead = Target.from_material("Pb")
u = np.random.default_rng(1).random((1_000_000, 4))
out = {}
for name, mass, params in (("scalar", 0.1, {}), ("lfv_alp", 2.0, {"theta": 0.785})):
    proc = get_process(name)
    f = exact_integrand(proc, lead, 160.0, mass, form_factor=proc.default_form_factor,
                        params=proc.read_params(params))
    f(u[:100])
    times = []
    for _ in range(7):
        c = time.thread_time()
        f(u)
        times.append(time.thread_time() - c)
    out[name] = len(u) / statistics.median(times)
print(json.dumps(out))
"""

_BIG_RUN = """
import json, sys, time
t0 = time.perf_counter()
from generator.run import run_card
s = run_card(sys.argv[1], progress=False, output_dir=sys.argv[2], nevents=int(sys.argv[3]),
             output_formats="lhe, root, hepmc, fairship")
wall = time.perf_counter() - t0
cpu = {k: v.get("cpu_s", float("nan")) for k, v in s.get("output", {}).items()}
shards = (s.get("shards") or {}).get("shards") or []
if shards:  # a sharded run: the formats are written by each shard's piece writers, then merged
    cpu = {k: sum(sh["writers_cpu_s"].get(k, 0.0) for sh in shards) for k in ("lhe", "hepmc")}
print(json.dumps({"wall_s": wall, "n": s["n_events"], "shards": len(shards),
                  "cpu_per_event_us": {k: v / s["n_events"] * 1e6 for k, v in cpu.items()}}))
"""

_WRITERS = """
import json, tempfile, time
from pathlib import Path
import numpy as np
from generator.cards import load_card
from generator.plan import plan
from generator.point import integrate_point
from generator.run import generate
from generator.summary import run_info
from generator.output.hepmc import write_hepmc
from generator.output.lhe import write_lhe
cfg = load_card("cards/na64mu_scalar.dat", nevents=20_000)
events, _ = generate(cfg)
run_plan = plan(cfg)
header = run_info(run_plan, integrate_point(run_plan, np.random.default_rng(cfg.seed)).integration, cfg.weighted)
chunks = [events] * 5
n = 5 * len(events)
out = {}
with tempfile.TemporaryDirectory() as d:
    write_lhe(Path(d) / "w.lhe", header, [events[:10]])
    write_hepmc(Path(d) / "w.hepmc3", header, [events[:10]])
    for name, fn in (("lhe", write_lhe), ("hepmc", write_hepmc)):
        best = float("inf")
        for _ in range(3):
            c = time.process_time()
            fn(Path(d) / f"e.{name}", header, iter(chunks))
            best = min(best, time.process_time() - c)
        out[name] = best / n * 1e6
print(json.dumps(out))
"""

_PULLS = """
import json, sys
import numpy as np
from generator.xsec import cross_section
n, precision = int(sys.argv[1]), float(sys.argv[2])
out = {}
for mass in (0.005, 1.0):
    runs = [cross_section(target="Pb", energy=160.0, mass=mass, coupling=1.0, precision=precision, seed=s)
            for s in range(n)]
    sigma = np.array([r.sigma_pb for r in runs])
    error = np.array([r.error_pb for r in runs])
    out[str(mass)] = float(np.std(sigma, ddof=1) / np.sqrt(np.mean(error**2)))
print(json.dumps(out))
"""


class Tree:
    """A checkout of the code: runs its Python in fresh processes with ``PYTHONPATH`` set to it."""

    def __init__(self, label: str, path: Path) -> None:
        self.label = label
        self.path = path
        self.env = dict(os.environ, PYTHONPATH=str(path))

    def run(self, args: list[str], *, capture: bool = True) -> tuple[float, float, str]:
        """(wall s, CPU s of the child, stdout) of ``python args`` in this tree."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, *args], cwd=self.path, env=self.env, capture_output=capture,
                              text=True, check=False)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise RuntimeError(f"{self.label}: python {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu, proc.stdout

    def cli(self, args: list[str]) -> tuple[float, float, str]:
        return self.run(["-m", "generator.cli", *args])


def _checkout(rev: str) -> Path:
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", rev], capture_output=True, text=True,
                         check=True).stdout.strip()
    path = Path.home() / ".cache" / "mudump" / "bench" / sha[:12]
    if not (path / "generator").is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), sha], check=True,
                       capture_output=True)
    return path


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _run_args(out: str, n: int) -> list[str]:
    return ["run", CARD, "--nevents", str(n), "--output", out, "--overwrite", "-q", "--json"]


def _medians(trees: list[Tree], measure, repeats: int) -> dict[str, list]:
    """``measure(tree)`` ``repeats`` times per tree, alternating the trees."""
    got: dict[str, list] = {t.label: [] for t in trees}
    for _ in range(repeats):
        for t in trees:
            got[t.label].append(measure(t))
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="HEAD~1", help="git revision to compare with (default: the previous commit)")
    ap.add_argument("--before-path", type=Path, help="a checkout of the earlier code to use instead of --before")
    ap.add_argument("--repeats", type=int, default=5, help="runs per timing figure (median)")
    ap.add_argument("--events", type=int, default=1_000_000, help="events of the all-formats run (0: skip)")
    ap.add_argument("--pull-seeds", type=int, default=40, help="seeds of the error check (0: skip)")
    ap.add_argument("--pull-precision", type=float, default=2e-4, help="relative precision of those sigmas")
    ap.add_argument("--quick", action="store_true", help="--repeats 3 --events 200000 --pull-seeds 30 at 1e-3")
    args = ap.parse_args()
    if args.quick:
        args.repeats, args.events, args.pull_seeds, args.pull_precision = 3, 200_000, 30, 1e-3

    before_path = args.before_path or _checkout(args.before)
    trees = [Tree("before", before_path.resolve()), Tree("after", REPO)]
    print(f"before: {before_path}  after: {REPO}  ({os.cpu_count()} cores, load average {_load()} at the start)")
    rows: list[tuple[str, float, float, str, bool | None]] = []

    with tempfile.TemporaryDirectory() as tmp:
        for t in trees:  # warm the numba caches (compiles on a fresh checkout)
            t.cli(XSEC)
            t.cli(_run_args(f"{tmp}/warm_{t.label}", 1000))

        imp = _medians(trees, lambda t: t.run(["-c", "import generator"])[0], args.repeats)
        api = _medians(trees, lambda t: t.run(["-c", "import generator; generator.cross_section"])[0], args.repeats)
        xs = _medians(trees, lambda t: t.cli(XSEC)[:2], args.repeats)
        runs = _medians(trees, lambda t: t.cli(_run_args(f"{tmp}/run_{t.label}", 10_000)), args.repeats)
        kern = {t.label: json.loads(t.run(["-c", _KERNEL])[2]) for t in trees}

        def med(values: list, i: int | None = None) -> float:
            return statistics.median(v if i is None else v[i] for v in values)

        def add(name: str, goal: float, unit: str, lower_better: bool, before: float, after: float):
            met = after <= goal if lower_better else after >= goal
            rows.append((f"{name} [{unit}]", before, after, f"{'<=' if lower_better else '>='} {goal:g}", met))

        add("import generator", 0.3, "s wall", True, med(imp["before"]), med(imp["after"]))
        rows.append(("  and its API (generator.cross_section) [s wall]", med(api["before"]), med(api["after"]), "", None))
        add("mudump xsec", 0.8, "s wall", True, med(xs["before"], 0), med(xs["after"], 0))
        rows.append(("  (its CPU time) [s]", med(xs["before"], 1), med(xs["after"], 1), "", None))
        add("mudump run, 1e4 events", 2.0, "s wall", True, med(runs["before"], 0), med(runs["after"], 0))
        rows.append(("  (its CPU time) [s]", med(runs["before"], 1), med(runs["after"], 1), "", None))
        summ = {t.label: json.loads(runs[t.label][-1][2]) for t in trees}
        eff = {k: s["unweighting_efficiency"] for k, s in summ.items()}
        add("unweighting efficiency (NA64-mu card)", 0.40, "", False, eff["before"], eff["after"])
        over = {k: (s.get("partial_unweighting") or {}).get("fraction_of_events_above_max", float("nan"))
                for k, s in summ.items()}
        rows.append(("  events above their maximum", over["before"], over["after"], "", None))
        for name in ("scalar", "lfv_alp"):
            add(f"kernel {name}", 5e6, "|M|^2/s/core", False, kern["before"][name], kern["after"][name])

        alone = {t.label: json.loads(t.run(["-c", _WRITERS])[2]) for t in trees}
        for fmt, label in (("lhe", "LHE"), ("hepmc", "HepMC3")):
            add(f"{label} writer CPU per event (alone)", 5.0, "us", True, alone["before"][fmt], alone["after"][fmt])

        if args.events:
            big = {}
            for t in trees:
                _, cpu, out = t.run(["-c", _BIG_RUN, CARD, f"{tmp}/big_{t.label}", str(args.events)])
                big[t.label] = {**json.loads(out.strip().splitlines()[-1]), "cpu_s": cpu}
                for p in Path(tmp, f"big_{t.label}").glob("*"):
                    p.unlink()  # a few GB
            for fmt, label in (("lhe", "LHE"), ("hepmc", "HepMC3")):
                add(f"{label} writer CPU per event (in the run)", 5.0, "us", True,
                    big["before"]["cpu_per_event_us"].get(fmt, float("nan")),
                    big["after"]["cpu_per_event_us"].get(fmt, float("nan")))
            add(f"{args.events:.0e} events, all formats", 15.0, "s wall", True, big["before"]["wall_s"],
                big["after"]["wall_s"])
            rows.append(("  (its CPU time) [s]", big["before"]["cpu_s"], big["after"]["cpu_s"], "", None))

        if args.pull_seeds:
            pulls = {t.label: json.loads(t.run(["-c", _PULLS, str(args.pull_seeds), str(args.pull_precision)])[2])
                     for t in trees}
            sd = 1.0 / (2.0 * (args.pull_seeds - 1)) ** 0.5
            for mass in ("0.005", "1.0"):
                b, a = pulls["before"][mass], pulls["after"][mass]
                name = (f"scatter / quoted error, m = {float(mass) * 1e3:g} MeV ({args.pull_seeds} seeds, "
                        f"{args.pull_precision:g})")
                rows.append((name, b, a, f"<= 1 (+-{sd:.2f})", a <= 1.0 + 2 * sd))

    print(f"\n{'figure':58s} {'before':>12s} {'after':>12s} {'after/before':>13s}  {'goal':>12s}  met")
    for name, b, a, goal, met in rows:
        ratio = a / b if b else float("nan")
        mark = "" if met is None else ("yes" if met else "NO")
        print(f"{name:58s} {b:12.4g} {a:12.4g} {ratio:13.3f}  {goal:>12s}  {mark}")
    print(f"\nload average at the end {_load()}")


if __name__ == "__main__":
    main()
