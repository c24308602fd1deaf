"""Benchmark of the exact mu N -> mu N S cross section (issue #4, item 7). Prints figures, asserts nothing.

1. |M|^2 evaluations per second per core: the numba batch kernel alone (phase-space map + spinor
   amplitude + form factor), on 10^6 uniform points, one thread.
2. Wall time of one sigma at 1 % relative precision after compilation: median over several (E, m_S).
3. JIT cost: first-call time in a fresh interpreter with an empty numba cache (compile) and again with
   the cache filled (load), each measured in a subprocess.

Goals (issue #4): >= 5e6 evaluations/s/core; <= 0.5 s per cross section at 1 %.

Run:  python validation/bench_xsec.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

GOAL_RATE = 5e6
GOAL_SIGMA_S = 0.5

_FIRST_CALL = """
import time, numpy as np
t0 = time.perf_counter()
from generator.xsec import Target, exact_integrand
from generator.processes import SCALAR
f = exact_integrand(SCALAR, Target.from_material("Pb"), 160.0, 0.1)
f(np.random.default_rng(0).random((10, 4)))
print(time.perf_counter() - t0)
"""


def first_call_seconds(cache_dir: str) -> float:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, NUMBA_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", _FIRST_CALL], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def kernel_rate(f, u: np.ndarray, repeats: int = 5) -> tuple[float, np.ndarray]:
    """Best-of-``repeats`` evaluations/s of the batch integrand ``f`` on points ``u``, and its values."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        w = f(u)
        times.append(time.perf_counter() - t0)
    return len(u) / min(times), w


def time_cross_sections(process, target, points, form_factor: str, goal_s: float) -> None:
    """Time one exact sigma at 1 % per (E, m, params) point and print the median against the goal."""
    from generator.integrate import VegasSettings
    from generator.xsec import integrate_exact
    walls = []
    for energy, mass, params in points:
        t0 = time.perf_counter()
        r = integrate_exact(process, target, energy, mass, form_factor=form_factor,
                            settings=VegasSettings(rel_precision=0.01), seed=1, params=params)
        dt = time.perf_counter() - t0
        walls.append(dt)
        extra = "".join(f", {k} = {v:.3f}" for k, v in params.items())
        print(f"   {target.name} E = {energy:6.0f} GeV, m = {mass * 1e3:6.0f} MeV{extra}: {dt:.3f} s, rel. error "
              f"{r.rel_error:.2%}, {r.n_eval} evaluations, chi2/dof {r.chi2_dof:.2f}")
    med = statistics.median(walls)
    print(f"   median {med:.3f} s per {process.name} cross section (goal {goal_s} s: ratio {med / goal_s:.2f})")


def main() -> None:
    from generator.processes import SCALAR
    from generator.xsec import Target, exact_integrand, integrate_exact

    lead = Target.from_material("Pb")
    f = exact_integrand(SCALAR, lead, 160.0, 0.1)
    rng = np.random.default_rng(1)
    u = rng.random((1_000_000, 4))
    f(u[:100])  # compile / load
    rate, w = kernel_rate(f, u)
    frac_nonzero = float(np.mean(w > 0))
    print("== 1. batch kernel (numba, 1 thread) ==")
    print(f"   {rate:.3e} |M|^2 evaluations/s/core  (goal {GOAL_RATE:.0e}: ratio {rate / GOAL_RATE:.2f}); "
          f"{frac_nonzero:.0%} of uniform points inside the Q^2 <= 1 GeV^2 region")

    # the same kernel on the points VEGAS actually feeds it (adapted map: almost all inside the region)
    r = integrate_exact(SCALAR, lead, 160.0, 0.1, seed=1)
    y = rng.random((1_000_000, 4))
    u_map = np.empty_like(y)
    jac = np.empty(len(y))
    r.integrator.map.map(y, u_map, jac)
    rate_map, w = kernel_rate(f, u_map)
    print(f"   {rate_map:.3e} evaluations/s/core on points of the adapted VEGAS map "
          f"({float(np.mean(w > 0)):.1%} inside; ratio to goal {rate_map / GOAL_RATE:.2f})")

    print("== 2. one cross section at 1 % (after compilation) ==")
    points = [(160.0, 0.01, {}), (160.0, 0.1, {}), (160.0, 0.5, {}), (50.0, 0.2, {}), (3.0, 0.1, {}),
              (1500.0, 1.0, {}), (10.0, 0.05, {})]
    time_cross_sections(SCALAR, lead, points, "tsai", GOAL_SIGMA_S)

    print("== 2b. LFV ALP mu N -> tau N a at 1 % (issue #10 item 9: goal 0.2 s) ==")
    from generator.processes.lfv_alp import LFV_ALP

    points = [(160.0, 2.0, {"theta": 1.5708}), (160.0, 10.0, {"theta": 0.0}), (1500.0, 2.0, {"theta": 0.785}),
              (1500.0, 10.0, {"theta": 1.5708}), (5000.0, 10.0, {"theta": 0.785})]
    time_cross_sections(LFV_ALP, lead, points, "lfv", 0.2)

    print("== 3. JIT ==")
    with tempfile.TemporaryDirectory() as cache:
        cold = first_call_seconds(cache)
        warm = first_call_seconds(cache)
    print(f"   first call, empty numba cache (compile): {cold:.2f} s")
    print(f"   first call, filled numba cache (load):   {warm:.2f} s  (ratio {cold / warm:.1f})")


if __name__ == "__main__":
    main()
