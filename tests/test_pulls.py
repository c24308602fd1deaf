"""The quoted VEGAS error covers the seed-to-seed scatter (issue 19 item 5).

sigma(mu Pb -> mu Pb S) at 160 GeV for N >= 30 seeds, at m_S = 5 MeV and 1 GeV: with honest errors
delta_i the statistic chi^2 = sum_i (sigma_i - mean)^2 / delta_i^2 follows chi^2(N - 1), so its upper tail
probability must not be tiny, nor its lower tail (errors grossly too large). With N = 80 the test rejects at
p < 1e-3 once chi^2/dof > 1.56, i.e. errors 1.25x too small; errors 1.5x too small (chi^2/dof ~ 2.25) are
rejected with probability 0.98 (checked below from the chi^2 distribution, so the test can fail).
Measured with many more seeds (validation/bench_all.py prints it): scatter / quoted error = 1.00 (5 MeV)
and 1.02 (1 GeV) over 300 seeds at 2e-4; 0.98 and 0.99 over 100 seeds at 1e-3.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2 as chi2_dist

from generator.xsec import cross_section

N_SEEDS = 80


def _sigmas(mass: float, precision: float) -> tuple[np.ndarray, np.ndarray]:
    runs = [cross_section(target="Pb", energy=160.0, mass=mass, coupling=1.0, precision=precision, seed=seed)
            for seed in range(N_SEEDS)]
    return np.array([r.sigma_pb for r in runs]), np.array([r.error_pb for r in runs])


def _tails(sigma: np.ndarray, error: np.ndarray) -> tuple[float, float, float]:
    """(chi^2/dof, P(chi^2 >= observed), P(chi^2 <= observed)) of the scatter about the mean."""
    chi2 = float(np.sum((sigma - sigma.mean()) ** 2 / error**2))
    dof = len(sigma) - 1
    return chi2 / dof, float(chi2_dist.sf(chi2, dof)), float(chi2_dist.cdf(chi2, dof))


def _check(mass: float, precision: float) -> None:
    sigma, error = _sigmas(mass, precision)
    assert np.all(error / sigma < 1.2 * precision)
    per_dof, upper, lower = _tails(sigma, error)
    assert upper > 1e-3, f"m = {mass}: scatter / quoted error = {np.sqrt(per_dof):.2f} (chi2/dof {per_dof:.2f})"
    assert lower > 1e-3, f"m = {mass}: errors too large, scatter / quoted error = {np.sqrt(per_dof):.2f}"


def test_the_seeds_see_a_1p5x_underestimate():
    """The power of the check: with errors 1.5x too small chi^2/dof ~ 2.25, above the 1e-3 critical value
    (1.56 at 79 dof) with probability > 0.95."""
    dof = N_SEEDS - 1
    critical = chi2_dist.isf(1e-3, dof)
    assert chi2_dist.sf(critical / 1.5**2, dof) > 0.95


@pytest.mark.parametrize("mass", [0.005, 1.0])
def test_quoted_error_covers_the_scatter(mass):
    _check(mass, 1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("mass", [0.005, 1.0])
def test_quoted_error_covers_the_scatter_at_2e4(mass):
    """At 2e-4, where the issue saw 1.5x (not reproduced: 1.00 and 1.02 over 300 seeds)."""
    _check(mass, 2e-4)
