"""Honesty checks of event sampling (generator/integrate.py ``EventSampler``, ``truncated_maximum``).

* Unweighted events (accept-reject on the VEGAS map) reproduce the distributions of the weighted ones
  drawn from the SAME integration: a chi^2 test on x = E_S/E and cos(theta_S), with a negative control
  (an unweighted sample of another mass) showing that the test can fail.
* The weights of weighted events sum to sigma within the errors.
* ``truncated_maximum`` returns the smallest w_max whose excess is within the allowed fraction.
* Unweighted events carry one unit weight, those above w_max w/w_max times it (partial unweighting),
  which removes the bias of capping where w_max is exceeded; the unit makes the N weights sum to sigma.
"""

from __future__ import annotations

import numpy as np
import pytest
from _cards import small_card
from scipy.stats import chi2 as chi2_dist

from generator.cards import parse_card_text
from generator.integrate import EventSampler, chunk_sizes, truncated_maximum
from generator.plan import plan
from generator.run import generate, integrate_point

E_BEAM = 160.0
N_SAMPLE = 20_000
N_BINS = 18


def _card(mass: float, seed: int, *, nevents: int = 2000, weighted: bool = False) -> str:
    return small_card(mass=mass, energy=E_BEAM, seed=seed, nevents=nevents, weighted=weighted,
                      nitn_adapt=5, neval=8000)


def _integration(mass: float, seed: int):
    """One setup + VEGAS integration + sampler (unit coupling), as the run pipeline builds them."""
    cfg = parse_card_text(_card(mass, seed), path=f"<sampling m={mass}>")
    setup = plan(cfg)
    rng = np.random.default_rng(seed)
    res = integrate_point(setup, rng).integration
    sampler = EventSampler(res, rng)
    return setup, res, sampler


def _collect(draws) -> tuple[np.ndarray, np.ndarray]:
    us, ws = zip(*draws)
    return np.concatenate(us), np.concatenate(ws)


def _observables(setup, u: np.ndarray) -> dict[str, np.ndarray]:
    """x = E_S / E_beam and cos(theta_S) in the lab, from the process kinematics of the points u."""
    k = setup.integrand.momenta(u)[4]
    kabs = np.linalg.norm(k[:, 1:], axis=1)
    return {"x": k[:, 0] / E_BEAM, "cos_theta": k[:, 3] / kabs}


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, q: np.ndarray) -> np.ndarray:
    order = np.argsort(values)
    cdf = np.cumsum(weights[order])
    cdf /= cdf[-1]
    return np.interp(q, cdf, values[order])


def _edges(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """N_BINS bins of (about) equal weighted content covering the central 99.4 % of the weighted sample."""
    edges = _weighted_quantiles(values, weights, np.linspace(0.003, 0.997, N_BINS + 1))
    assert np.all(np.diff(edges) > 0), "degenerate binning"
    return edges


def _chi2_shapes(
    edges: np.ndarray, w_values: np.ndarray, w: np.ndarray, u_values: np.ndarray, u_w: np.ndarray | None = None
) -> tuple[float, int, float, float]:
    """chi^2 of normalised shapes: weighted (sum-of-w^2 errors) vs unweighted (Poisson errors; with
    ``u_w`` the unweighted sample's own weights, sum-of-w^2 errors).

    Returns (chi2, ndf, p-value, fraction of unweighted events inside the binning).
    """
    hw, _ = np.histogram(w_values, bins=edges, weights=w)
    hw2, _ = np.histogram(w_values, bins=edges, weights=w * w)
    uw = np.ones(len(u_values)) if u_w is None else u_w
    hu, _ = np.histogram(u_values, bins=edges, weights=uw)
    hu2, _ = np.histogram(u_values, bins=edges, weights=uw * uw)
    sw, su = hw.sum(), hu.sum()
    pw, pu = hw / sw, hu / su
    var = hw2 / sw**2 + hu2 / su**2
    assert np.all(var > 0), "empty bin: widen the sample or reduce the number of bins"
    chi2 = float(np.sum((pw - pu) ** 2 / var))
    ndf = len(hw) - 1
    return chi2, ndf, float(chi2_dist.sf(chi2, ndf)), float(su / uw.sum())


@pytest.fixture(scope="module")
def samples_m01():
    """Weighted and unweighted points drawn from ONE integration (m_S = 0.1 GeV)."""
    setup, res, sampler = _integration(0.1, seed=11)
    u_w, w = _collect(sampler.weighted(N_SAMPLE, 10_000))
    u_u, w_u = _collect(sampler.unweighted(N_SAMPLE, res.mean, 10_000))
    return {
        "setup": setup,
        "res": res,
        "sampler": sampler,
        "weighted": (_observables(setup, u_w), w),
        "unweighted": (_observables(setup, u_u), w_u),
    }


@pytest.fixture(scope="module")
def unweighted_m03():
    """Unweighted points of a different mass (m_S = 0.3 GeV): the negative control."""
    setup, res, sampler = _integration(0.3, seed=12)
    u_u, _ = _collect(sampler.unweighted(N_SAMPLE, res.mean, 10_000))
    return _observables(setup, u_u)


def test_sample_sizes(samples_m01):
    obs_w, w = samples_m01["weighted"]
    obs_u, w_u = samples_m01["unweighted"]
    assert len(w) == N_SAMPLE
    assert len(w_u) == N_SAMPLE
    assert np.all(w > 0)
    assert np.all((obs_w["x"] > 0) & (obs_w["x"] < 1))
    assert np.all((obs_u["x"] > 0) & (obs_u["x"] < 1))


@pytest.mark.parametrize("observable", ["x", "cos_theta"])
def test_unweighted_reproduce_weighted_distribution(samples_m01, observable):
    obs_w, w = samples_m01["weighted"]
    obs_u, w_u = samples_m01["unweighted"]
    edges = _edges(obs_w[observable], w)
    chi2, ndf, p, coverage = _chi2_shapes(edges, obs_w[observable], w, obs_u[observable], w_u)
    weighted_coverage = (
        np.sum(w[(obs_w[observable] >= edges[0]) & (obs_w[observable] <= edges[-1])]) / w.sum()
    )
    assert weighted_coverage >= 0.99
    assert coverage >= 0.99, f"binning covers only {coverage:.4f} of the unweighted events"
    assert p > 1e-3, f"{observable}: chi2/ndf = {chi2:.1f}/{ndf}, p = {p:.2e}"


@pytest.mark.parametrize("observable", ["x", "cos_theta"])
def test_shape_test_detects_wrong_mass(samples_m01, unweighted_m03, observable):
    """Negative control: unweighted events of m_S = 0.3 GeV against weighted ones of 0.1 GeV must fail."""
    obs_w, w = samples_m01["weighted"]
    edges = _edges(obs_w[observable], w)
    chi2, ndf, p, _ = _chi2_shapes(edges, obs_w[observable], w, unweighted_m03[observable])
    assert p < 1e-6, (
        f"{observable}: the chi2 test does not see a 0.1 vs 0.3 GeV difference (chi2/ndf = {chi2:.1f}/{ndf})"
    )


def test_weighted_sum_equals_sigma(samples_m01):
    res = samples_m01["res"]
    _, w = samples_m01["weighted"]
    n = len(w)
    total = float(w.sum())
    var_sum = float((w * w).sum() - total**2 / n)
    assert var_sum > 0
    tol = 5.0 * np.sqrt(res.sdev**2 + var_sum)
    assert abs(total - res.mean) < tol, f"sum w = {total:.6g}, sigma = {res.mean:.6g} +- {res.sdev:.2g}"
    # and the comparison is not vacuous: the tolerance is a few per cent of sigma at most
    assert tol < 0.05 * res.mean


def test_weighted_sum_equals_sigma_in_generate():
    """Through the run pipeline: sum of w_xsec of weighted events = summary sigma within errors."""
    cfg = parse_card_text(_card(0.1, seed=5, nevents=5000, weighted=True), path="<weighted>")
    events, summary = generate(cfg)
    w = np.asarray(events.weights.w_xsec)
    n = len(w)
    assert n == 5000
    total = float(w.sum())
    var_sum = float((w * w).sum() - total**2 / n)
    tol = 5.0 * np.sqrt(summary["error_pb"] ** 2 + var_sum)
    assert abs(total - summary["sigma_pb"]) < tol
    assert summary["sum_w_xsec_pb"] == pytest.approx(total, rel=1e-12)


# ------------------------------------------------------------------------------------------------
# truncated_maximum
# ------------------------------------------------------------------------------------------------
def _excess(w: np.ndarray, w_max: float) -> float:
    return float(np.maximum(w - w_max, 0.0).sum())


@pytest.mark.parametrize("fraction", [1e-3, 1e-2, 0.05])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_truncated_maximum_excess_within_fraction(seed, fraction):
    """The excess above w_max is within the allowed fraction; the next smaller sample weight is not."""
    w = np.random.default_rng(seed).lognormal(0.0, 1.5, 50_000)
    allowed = fraction * w.sum()
    w_max = truncated_maximum(w, fraction)
    assert w.min() <= w_max <= w.max()
    assert _excess(w, w_max) <= allowed * (1 + 1e-12)
    below = np.sort(w[w < w_max])
    assert len(below) > 0
    assert _excess(w, below[-1]) > allowed


@pytest.mark.parametrize("fraction", [1e-3, 0.05])
def test_truncated_maximum_is_smallest(fraction):
    """Docstring: 'Smallest w_max with sum(max(w - w_max, 0)) <= max_truncation * sum(w)'.

    So any slightly smaller w_max must exceed the allowed fraction.
    """
    w = np.random.default_rng(1).lognormal(0.0, 1.5, 50_000)
    allowed = fraction * w.sum()
    w_max = truncated_maximum(w, fraction)
    assert _excess(w, w_max) <= allowed * (1 + 1e-12)
    assert _excess(w, w_max * (1 - 1e-6)) > allowed, (
        f"w_max = {w_max!r} is not the smallest: w_max (1 - 1e-6) still has excess "
        f"{_excess(w, w_max * (1 - 1e-6)) / w.sum():.3e} <= {fraction}"
    )


def test_truncated_maximum_hand_computed():
    """w = [100, 1 x 999], fraction 5 %: excess(w_max) = 100 - w_max <= 0.05 * 1099 -> w_max = 45.05."""
    w = np.array([100.0] + [1.0] * 999)
    assert truncated_maximum(w, 0.05) == pytest.approx(45.05, rel=1e-9)
    # no truncation allowed -> the largest weight
    assert truncated_maximum(w, 0.0) == 100.0


def test_truncated_maximum_no_truncation_is_max():
    w = np.random.default_rng(7).exponential(1.0, 1000)
    assert truncated_maximum(w, 0.0) == w.max()


# ------------------------------------------------------------------------------------------------
# unweighted events carry sigma / N
# ------------------------------------------------------------------------------------------------
def test_unweighted_events_carry_sigma_over_n():
    """Partially unweighted events: the unit weight sigma/N (1 - f) for all but the few above w_max,
    which keep w/w_max times it; the summary reports both and the weights sum to sigma."""
    n = 3000
    cfg = parse_card_text(_card(0.1, seed=3, nevents=n), path="<unweighted>")
    events, summary = generate(cfg)
    assert len(events) == n
    w = np.asarray(events.weights.w_xsec)
    pu = summary["partial_unweighting"]
    unit = pu["unit_weight_pb"]
    assert unit == pytest.approx(summary["sigma_pb"] / n * n / (w / unit).sum(), rel=1e-12)  # one chunk
    assert np.all(w >= unit * (1 - 1e-12))
    above = w > unit * (1 + 1e-12)
    assert np.count_nonzero(above) == round(pu["fraction_of_events_above_max"] * n)
    assert np.all(w[~above] == w[~above][0])
    assert w.max() == pytest.approx(pu["weight_range_pb"][1], rel=1e-12)
    assert w.sum() == pytest.approx(summary["sigma_pb"], rel=1e-12)
    assert summary["weighted"] is False


def test_unweighted_sampler_weights(samples_m01):
    """Each chunk of k events has one unit weight, sigma/N k / sum(ratio); the N weights sum to sigma."""
    res, sampler = samples_m01["res"], samples_m01["sampler"]
    _, w_u = samples_m01["unweighted"]
    stats = sampler.stats
    assert w_u.sum() == pytest.approx(res.mean, rel=1e-12)
    units, n_over = [], 0
    for chunk in np.split(w_u, np.cumsum(chunk_sizes(N_SAMPLE, 10_000))[:-1]):
        unit = chunk.min()
        ratio = chunk / unit
        assert unit == pytest.approx(res.mean / N_SAMPLE * len(chunk) / ratio.sum(), rel=1e-12)
        n_over += np.count_nonzero(ratio > 1 + 1e-12)
        units.append(unit)
    assert n_over == stats.n_over_max
    assert stats.unit_weight == min(units)
    assert w_u.max() / stats.unit_weight == pytest.approx(stats.max_weight_ratio, rel=1e-12)


def test_partial_unweighting_is_unbiased_where_the_cap_bites():
    """With a deliberately low w_max (20 % of sigma above it), events capped at the unit weight
    under-fill the bins where the weights exceed w_max (the bias of issue 12); keeping w/w_max
    (MadGraph's partial unweighting) fills them: the chi^2 against the weighted sample passes for the
    partially unweighted events and fails for the capped ones (the same events, weights set to 1).
    One maximum for the whole cube (``adapt=False``), so the cap bites in one region, the tail of the
    weights; the hypercube maxima of the default sampler spread a cap over every cube (issue 19)."""
    setup, res, _ = _integration(0.1, seed=21)
    sampler = EventSampler(res, np.random.default_rng(22), max_truncation=0.2, adapt=False)
    u_w, w = _collect(sampler.weighted(N_SAMPLE, 10_000))
    u_u, w_u = _collect(sampler.unweighted(N_SAMPLE, res.mean, 10_000))
    assert sampler.stats.excess_fraction > 0.1
    assert sampler.stats.n_over_max > 100
    assert w_u.sum() == pytest.approx(res.mean, rel=1e-12)
    obs_w, obs_u = _observables(setup, u_w)["cos_theta"], _observables(setup, u_u)["cos_theta"]
    edges = _edges(obs_w, w)
    _, _, p_partial, _ = _chi2_shapes(edges, obs_w, w, obs_u, w_u)
    chi2, ndf, p_capped, _ = _chi2_shapes(edges, obs_w, w, obs_u)
    assert p_partial > 1e-3
    assert p_capped < 1e-3, f"capped weights pass too (chi2/ndf = {chi2:.1f}/{ndf}): the test sees no bias"


def test_unweighting_efficiency_does_not_depend_on_nevents():
    """The pilot that sets w_max has the same size for any nevents, so one card and seed give one
    unweighting efficiency (a pilot of 4 draws per event gave 18 % at 2k events, 12 % at 10k, issue 18)."""
    effs = set()
    for n in (1000, 12_000):
        cfg = parse_card_text(_card(0.1, seed=4, nevents=n), path=f"<nevents {n}>")
        _, summary = generate(cfg)
        effs.add(summary["unweighting_efficiency"])
    assert len(effs) == 1, effs


# ------------------------------------------------------------------------------------------------
# stratified acceptance-rejection (issue 19): a maximum per hypercube of a re-adapted map
# ------------------------------------------------------------------------------------------------
RIDGE_WIDTH = 0.03


def _ridge(width: float):
    """1 + 50 exp(-(u0 - u1)^2 / 2 width^2): a diagonal ridge, which no product of 1-d maps flattens."""

    def f(u: np.ndarray) -> np.ndarray:
        return 1.0 + 50.0 * np.exp(-0.5 * ((u[:, 0] - u[:, 1]) / width) ** 2)

    return f


def _ridge_bin_probabilities(width: float, edges: np.ndarray) -> np.ndarray:
    """Exact probabilities of t = u0 - u1 in the bins ``edges`` under the ridge density (the density of t
    is (1 - |t|) f(t) on [-1, 1])."""
    t = np.linspace(-1.0, 1.0, 400_001)
    dens = (1.0 - np.abs(t)) * (1.0 + 50.0 * np.exp(-0.5 * (t / width) ** 2))
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(t))])
    return np.diff(np.interp(edges, t, cdf / cdf[-1]))


@pytest.fixture(scope="module")
def ridge_samples():
    from generator.integrate import VegasSettings, integrate

    res = integrate(_ridge(RIDGE_WIDTH), 2, settings=VegasSettings(rel_precision=0.01), seed=5)
    stratified = EventSampler(res, np.random.default_rng(6))
    one_max = EventSampler(res, np.random.default_rng(7), adapt=False)
    u, w = _collect(stratified.unweighted(N_SAMPLE, res.mean, 10_000))
    return res, stratified, one_max, u, w


def test_stratified_unweighting_reproduces_the_density(ridge_samples):
    """Unweighted events of the stratified sampler follow the integrand: chi^2 of t = u0 - u1 against the
    exact bin probabilities passes; against a ridge 1.5x wider (the negative control) it fails."""
    res, sampler, _, u, w = ridge_samples
    assert sampler.stats.n_cubes > 100
    assert w.sum() == pytest.approx(res.mean, rel=1e-12)
    t = u[:, 0] - u[:, 1]
    edges = np.concatenate([[-1.0], np.linspace(-0.15, 0.15, 19), [1.0]])
    hist, _ = np.histogram(t, bins=edges, weights=w / w.sum() * len(w))
    hist2, _ = np.histogram(t, bins=edges, weights=(w / w.sum() * len(w)) ** 2)

    def p_value(width: float) -> float:
        expected = _ridge_bin_probabilities(width, edges) * len(w)
        chi2 = float(np.sum((hist - expected) ** 2 / np.maximum(hist2, 1.0)))
        return float(chi2_dist.sf(chi2, len(expected) - 1))

    assert p_value(RIDGE_WIDTH) > 1e-3
    assert p_value(1.5 * RIDGE_WIDTH) < 1e-6


def test_stratified_unweighting_is_more_efficient(ridge_samples):
    """The hypercube maxima of the re-adapted map keep 6x more draws than one maximum on the integration's
    map (43 % vs 6 %), with about 1e-3 of sigma above the maxima: ~5 % of the events (the maximum of a
    cube is estimated from ~900 pilot draws) keep a weight ratio, at most ~1.3, so the sample is worth
    as much as an unweighted one (Kish's N_eff = (sum w)^2 / sum w^2 above 0.999 N)."""
    _, sampler, one_max, _, w = ridge_samples
    stats = sampler.stats
    assert stats.unweighting_efficiency > 3.0 * one_max.stats.unweighting_efficiency
    assert stats.unweighting_efficiency == pytest.approx(stats.n_accepted / stats.n_drawn, rel=0.15)
    assert stats.excess_fraction < 3e-3
    assert stats.fraction_over_max < 0.1
    assert stats.max_weight_ratio < 2.0
    assert w.sum() ** 2 / (w * w).sum() > 0.999 * len(w)


def test_unweighting_efficiency_na64mu_card():
    """Issue 19: at least 40 % of the draws kept on the NA64-mu card (13 % with one maximum)."""
    from pathlib import Path

    from generator.cards import load_card

    cfg = load_card(Path(__file__).resolve().parents[1] / "cards" / "na64mu_scalar.dat", nevents=2000)
    _, summary = generate(cfg)
    assert summary["unweighting_efficiency"] >= 0.40
