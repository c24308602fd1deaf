r"""VEGAS driver, independent of the physics (DESIGN.md rule 2).

A process hands over a batch integrand ``f(u[n, d]) -> w[n]`` on the unit hypercube; this module adapts
a :class:`vegas.Integrator` to it, then iterates until the requested relative precision is reached and
reports sigma +- delta sigma with the chi^2/dof of the iterations (the VEGAS consistency check).
The iterations are combined by vegas' own running average :class:`vegas.RAvg` (``weighted=True``)::

    I = sum_i w_i I_i / sum_i w_i,   w_i = 1 / sigma_i^2,   sigma_I = (sum_i w_i)^(-1/2),
    chi^2 = sum_i w_i (I_i - I)^2,   dof = n_itn - 1,   Q = P(chi^2_dof >= chi^2)  (gvar.gammaQ).

Cost follows the asked precision p (issue 11): the grid adapts on ``nitn_adapt`` iterations of
min(neval, max(2000, 2000 * 1e-3/p)) points (the number of iterations shapes the grid more than their
size); then each averaged iteration is sized to what is still missing, N_missing = 1.1 v/p^2 - N_done
with v = (sdev/mean)^2 N the relative variance per evaluation (first from the last adaptation
iteration), spread over the iterations left to ``nitn_min``, between min(neval, 1000) and
max(neval, 1e6) points. The run stops once sdev/mean <= p after at least ``nitn_min`` iterations; after
``nitn_max`` it stops anyway, logs a warning and the result records ``precision_met = False``. At
W, 3 GeV, m_S = 0.1 GeV: 1 % costs 1.7e4 evaluations (2.2e5 before, for about 0.1 %), 1e-4 is met with
2e6 (it stopped at 2e-4 before). Over 40 seeds the chi^2/dof of the three averaged iterations follows
the 2-dof distribution (mean 1.0-1.2, P(> 3) 0-10 %) and the spread of the means matches the quoted
errors (0.95-1.1) at W 3 GeV (m_S = 0.1) and Pb 10 GeV (m_S = 0.05), so chi^2/dof = 3.4-3.7 there is
the 3 % tail of a 2-dof statistic, not an inconsistency; a VEGAS result should be judged by its Q.
The quoted error covers the scatter over seeds on Pb at 160 GeV (issue 19, ``tests/test_pulls.py``): scatter /
quoted error = 1.00 (m_S = 5 MeV) and 1.02 (1 GeV) over 300 seeds at 2e-4, 0.98 and 0.99 over 100 seeds at
1e-3, 1.02 and 1.14 over 150 seeds at 5e-4 (each +-4-7 %); the 1.5x once seen at 5 MeV and 2e-4 is not
reproduced, so neither discarding iterations nor capping their growth (tried: no change beyond the noise)
was adopted.

Randomness is explicit: one :class:`numpy.random.Generator` made from the seed feeds vegas through its
``ran_array_generator`` hook, so a fixed seed gives an identical result.

The adapted integrator is kept in the result, so sampling events reuses the map (``sample_points``).

References: G. P. Lepage, J. Comput. Phys. 27 (1978) 192; G. P. Lepage, J. Comput. Phys. 439 (2021)
110386 (vegas+ adaptive stratified sampling).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import vegas

BatchIntegrand = Callable[[np.ndarray], np.ndarray]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VegasSettings:
    """Knobs of the VEGAS run (defaults tuned on mu N -> mu N S; see validation/bench_xsec.py)."""

    neval: int = 20_000
    """Integrand evaluations per iteration."""
    nitn_adapt: int = 8
    """Warm-up iterations whose results are discarded (the grid adapts)."""
    nitn_min: int = 3
    """Minimum number of iterations in the final estimate."""
    nitn_max: int = 40
    """Maximum number of iterations in the final estimate."""
    rel_precision: float = 0.01
    """Stop when sdev/mean falls below this."""
    alpha: float = 0.5
    """Grid damping (vegas default)."""

    def __post_init__(self) -> None:
        if not 0.0 < self.rel_precision < 1.0:
            raise ValueError(f"rel_precision = {self.rel_precision} but require 0 < rel_precision < 1")
        if self.neval < 100:
            raise ValueError(f"neval = {self.neval} but require neval >= 100")
        if self.nitn_min < 1 or self.nitn_max < self.nitn_min:
            raise ValueError(f"nitn_min = {self.nitn_min}, nitn_max = {self.nitn_max}: require 1 <= min <= max")


@dataclass(slots=True)
class IntegrationResult:
    """sigma +- error with the adapted integrator (for sampling events from the same map)."""

    mean: float
    sdev: float
    chi2_dof: float
    q_value: float
    n_eval: int
    n_itn: int
    integrator: vegas.Integrator = field(repr=False)
    integrand: BatchIntegrand = field(repr=False)
    rng: np.random.Generator = field(repr=False)
    adapted_map: Any = field(default=None, repr=False)
    """The adapted ``vegas.AdaptiveMap`` events are sampled from (default: the integrator's)."""
    precision_requested: float = math.nan
    """The relative precision asked of :func:`integrate` (NaN if unknown)."""

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle with the adapted map itself: ``vegas.Integrator`` pickles re-adapt the map from the
        training data of the last iterations, so a copy would sample from another map than the original."""
        return _restore_result, (self.mean, self.sdev, self.chi2_dof, self.q_value, self.n_eval, self.n_itn,
                                 self.sampling_map, self.integrand, self.rng, self.integrator.alpha,
                                 self.precision_requested)

    @property
    def sampling_map(self) -> Any:
        """The adapted map events are drawn from."""
        return self.adapted_map if self.adapted_map is not None else self.integrator.map

    @property
    def precision_met(self) -> bool:
        """Whether sdev/|mean| reached the requested precision (True when none was recorded)."""
        return not self.rel_error > self.precision_requested

    @property
    def rel_error(self) -> float:
        return self.sdev / abs(self.mean) if self.mean != 0 else math.inf


def _restore_result(mean: float, sdev: float, chi2_dof: float, q_value: float, n_eval: int, n_itn: int,
                    adapted_map: vegas.AdaptiveMap, integrand: Any, rng: np.random.Generator,
                    alpha: float, precision_requested: float = math.nan) -> IntegrationResult:
    integ = vegas.Integrator(adapted_map, ran_array_generator=rng.random, alpha=alpha)  # re-grids its copy
    return IntegrationResult(mean, sdev, chi2_dof, q_value, n_eval, n_itn, integ, integrand, rng, adapted_map,
                             precision_requested)


def _make_integrator(dim: int, rng: np.random.Generator, alpha: float) -> vegas.Integrator:
    return vegas.Integrator(dim * [[0.0, 1.0]], ran_array_generator=rng.random, alpha=alpha)


def integrate(
    integrand: BatchIntegrand,
    dim: int,
    *,
    settings: VegasSettings | None = None,
    seed: int = 0,
    rng: np.random.Generator | None = None,
    progress: Callable[[str, int, float, float], None] | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> IntegrationResult:
    """Integrate a batch integrand over the unit hypercube [0, 1]^dim with VEGAS.

    Parameters
    ----------
    integrand
        ``f(u[n, dim]) -> w[n]`` (``vegas.lbatchintegrand`` convention); units are the caller's.
    dim
        Number of dimensions.
    settings
        :class:`VegasSettings`; the run stops at ``rel_precision`` or after ``nitn_max`` iterations.
    seed, rng
        Randomness: a given ``rng`` is used as is, otherwise ``numpy.random.default_rng(seed)``.
    progress
        Optional ``progress(phase, itn, mean, sdev)`` called after every iteration: ``phase = "adapt"``
        with that iteration's estimate, then ``"integrate"`` with the average so far. It only reports.
    checkpoint
        Optional ``checkpoint()`` called after every iteration, before ``progress``: the caller's point to
        stop the integration (it raises, e.g. :class:`~generator.exceptions.RunInterrupted` on SIGTERM).

    Returns
    -------
    IntegrationResult
        mean, sdev, chi^2/dof and Q of the final iterations, evaluations used, and the adapted map.

    >>> r = integrate(lambda u: 3 * u[:, 0] ** 2, 1, seed=1)
    >>> abs(r.mean - 1) < 5 * r.sdev
    True
    """
    settings = settings or VegasSettings()
    rng = rng if rng is not None else np.random.default_rng(seed)
    batch = vegas.lbatchintegrand(integrand)
    integ = _make_integrator(dim, rng, settings.alpha)
    target = settings.rel_precision
    # 1. adapt the grid (results discarded). Iterations of n_adapt points: the number of iterations
    #    shapes the grid far more than their size (validation/bench_scan.py), so a loose target adapts
    #    on small iterations and a tight one (where the final iterations dominate the cost) on neval.
    n_adapt = min(settings.neval, max(2000, int(2000 * 1e-3 / target)))
    between = progress is not None or checkpoint is not None
    warm = integ(batch, nitn=settings.nitn_adapt, neval=n_adapt,
                 analyzer=_BetweenIterations(progress, checkpoint) if between else None)
    integ.set(analyzer=None)
    n_eval = int(warm.sum_neval)
    last = warm.itn_results[-1]
    # relative variance per evaluation, from the last adaptation iteration (then from the average)
    per_eval = (last.sdev / last.mean) ** 2 * n_adapt if last.mean != 0 else math.nan
    # 2. iterate until sdev/mean <= target (and at least nitn_min iterations)
    avg, n_final = _final_iterations(integ, batch, settings, per_eval, n_eval, progress, checkpoint)
    n_eval += n_final
    mean, sdev, chi2, dof, q_value = _summary(avg)
    return IntegrationResult(
        mean=mean,
        sdev=sdev,
        chi2_dof=chi2 / dof if dof > 0 else 0.0,
        q_value=q_value,
        n_eval=n_eval,
        n_itn=avg.nitn,
        integrator=integ,
        integrand=integrand,
        rng=rng,
        precision_requested=target,
    )


def _final_iterations(integ: vegas.Integrator, batch: Any, settings: VegasSettings, per_eval: float,
                      n_adapt_eval: int, progress: Callable[[str, int, float, float], None] | None,
                      checkpoint: Callable[[], None] | None) -> tuple[vegas.RAvg, int]:
    """The averaged iterations of :func:`integrate` after adaptation: until sdev/mean <= the target (and
    at least ``nitn_min`` of them), each sized to what is still missing (``per_eval``: the relative
    variance per evaluation so far) between min(neval, 1000) and max(neval, 10^6) evaluations; the map
    adapts during the first half of ``nitn_max``. Returns the average and the evaluations used
    (``n_adapt_eval``: those of the adaptation, for the warning when the target is not met)."""
    target = settings.rel_precision
    n_floor, n_cap = min(settings.neval, 1000), max(settings.neval, 1_000_000)
    avg = vegas.RAvg(weighted=True)
    n_final = 0
    while True:
        if math.isfinite(per_eval):
            missing = 1.1 * per_eval / target**2 - n_final
            n_itn = int(min(max(missing / max(settings.nitn_min - avg.nitn, 1), n_floor), n_cap))
        else:
            n_itn = settings.neval
        r = integ(batch, nitn=1, neval=n_itn, adapt=avg.nitn < settings.nitn_max // 2)
        n_final += int(r.sum_neval)
        if r.sdev > 0 or r.mean != 0:
            avg.add(r.itn_results[-1])
        mean, sdev, _, _, _ = _summary(avg)
        if mean != 0:
            per_eval = (sdev / mean) ** 2 * n_final
        if checkpoint is not None:
            checkpoint()
        if progress is not None:
            progress("integrate", avg.nitn, mean, sdev)
        if avg.nitn >= settings.nitn_min and (mean == 0.0 or sdev / abs(mean) <= target):
            return avg, n_final
        if avg.nitn >= settings.nitn_max:
            logger.warning("VEGAS: relative precision %.3g requested but %.3g reached after %d iterations "
                           "(%d evaluations); the result records precision_met = False",
                           target, sdev / abs(mean), avg.nitn, n_adapt_eval + n_final)
            return avg, n_final


class _BetweenIterations:
    """A vegas ``analyzer``: after each adaptation iteration, the caller's ``checkpoint()``, then
    ``progress("adapt", itn, mean, sdev)``."""

    def __init__(self, progress: Callable[[str, int, float, float], None] | None,
                 checkpoint: Callable[[], None] | None) -> None:
        self.progress = progress
        self.checkpoint = checkpoint

    def begin(self, itn: int, integrator: Any) -> None:
        self.itn = itn

    def end(self, itn_result: Any, result: Any) -> None:
        if self.checkpoint is not None:
            self.checkpoint()
        if self.progress is not None:
            self.progress("adapt", self.itn + 1, float(itn_result.mean), float(itn_result.sdev))


def _summary(avg: vegas.RAvg) -> tuple[float, float, float, int, float]:
    """``(mean, sdev, chi2, dof, Q)`` of the iterations averaged in ``avg`` (a weighted ``vegas.RAvg``).

    Two cases are settled here rather than by ``RAvg``: no iteration yet (0, 0, 0, 0, Q = 1), and an
    iteration with zero variance (a constant integrand), which ``RAvg`` would weight by 1/TINY: then the
    plain mean of the iterations is exact, with sdev = 0, chi^2 = 0, dof = 0 and Q = 1.
    """
    results = avg.itn_results
    if not results:
        return 0.0, 0.0, 0.0, 0, 1.0
    if any(not g.sdev > 0 for g in results):
        return float(np.mean([g.mean for g in results])), 0.0, 0.0, 0, 1.0
    dof = int(avg.dof)
    return float(avg.mean), float(avg.sdev), float(avg.chi2), dof, float(avg.Q) if dof > 0 else 1.0


def sample_points(result: IntegrationResult, n_min: int) -> tuple[np.ndarray, np.ndarray]:
    """Weighted points from the adapted map: ``(u[n, dim], w[n])`` with sum(w) estimating the integral.

    Draws whole VEGAS iterations (``random_batch``) until at least ``n_min`` points with nonzero weight
    are collected; the weights of the iterations are averaged, so sum(w) is an unbiased estimate of the
    integral in the integrand's units. Deterministic for a given ``result.rng`` state.
    """
    integ = result.integrator
    us: list[np.ndarray] = []
    ws: list[np.ndarray] = []
    n_have = 0
    n_iter = 0
    while n_have < n_min:
        for u, wgt in integ.random_batch():
            f = result.integrand(u)
            keep = f != 0
            us.append(np.array(u[keep]))
            ws.append(wgt[keep] * f[keep])
            n_have += int(keep.sum())
        n_iter += 1
    return np.concatenate(us), np.concatenate(ws) / n_iter


@dataclass(slots=True)
class SamplingStats:
    """Book-keeping of event sampling, reported in the run summary."""

    n_drawn: int = 0
    """Points drawn from the adapted map (including rejected and zero-weight ones)."""
    n_accepted: int = 0
    """Events kept."""
    n_over_max: int = 0
    """Unweighting: accepted points whose weight exceeded the assumed maximum."""
    w_max: float = 0.0
    """Unweighting: the assumed maximum weight (integrand units x map Jacobian): the mean of the
    hypercubes' maxima, sum_c V_c W_c (:class:`EventSampler`)."""
    acceptance_nonzero: float = 1.0
    """Fraction of map points with nonzero integrand (pilot estimate)."""
    mean_weight: float = 0.0
    """Mean of f x jac over the pilot (the integral estimate of the pilot)."""
    excess_fraction: float = 0.0
    """Unweighting: share of sigma above the maxima, <max(|w| - W_c, 0)> / <|w|> (first batch of draws)."""
    n_cubes: int = 1
    """Unweighting: hypercubes of the stratified acceptance-rejection."""
    sampling_map: Any = field(default=None, repr=False)
    """The sampler's setup, so that another process draws as this one does (:class:`EventSampler`
    ``pilot``; the shards of a run, :mod:`generator.shards`): the map events are drawn from ..."""
    n_strata: int = 1
    """... the hypercubes per dimension ..."""
    cube_max: Any = field(default=None, repr=False)
    """... and each hypercube's maximum W_c (flat index)."""
    unit_weight: float = 0.0
    """Unweighting: the weight of an event below w_max (the smallest over the chunks), sigma / N times
    k / sum(ratio) of its chunk of k events (:meth:`EventSampler.unweighted`)."""
    max_weight_ratio: float = 1.0
    """Unweighting: the largest weight / unit_weight of a kept event (> 1 for events above w_max)."""

    @property
    def unweighting_efficiency(self) -> float:
        """<w> / w_max: the fraction of draws an unweighted run keeps."""
        return self.mean_weight / self.w_max if self.w_max > 0 else 0.0

    @property
    def fraction_over_max(self) -> float:
        return self.n_over_max / self.n_accepted if self.n_accepted else 0.0


def truncated_maximum(w: np.ndarray, max_truncation: float) -> float:
    """Smallest w_max with sum(max(w - w_max, 0)) <= max_truncation * sum(w), for w >= 0.

    The excess E(w_max) = sum(max(w_i - w_max, 0)) is piecewise linear and decreasing; with the weights
    sorted in decreasing order and S_k the sum of the k largest, E = S_k - k w_max on [w_(k+1), w_(k)],
    so the root of E = f sum(w) is found exactly inside the bracket.

    >>> round(truncated_maximum(np.array([100.0] + [1.0] * 999), 0.05), 9)
    45.05
    """
    ws = np.sort(np.asarray(w, dtype=float))[::-1]
    allowed = max_truncation * ws.sum()
    csum = np.concatenate([[0.0], np.cumsum(ws)])  # csum[k] = S_k
    excess_at = csum[:-1] - np.arange(len(ws)) * ws  # E(ws[k]), non-decreasing in k
    k = int(np.searchsorted(excess_at, allowed, side="right")) - 1  # largest k with E(ws[k]) <= allowed
    if k >= len(ws) - 1:
        return float(ws[-1])
    w_star = (csum[k + 1] - allowed) / (k + 1)
    return float(max(w_star, ws[k + 1]))


#: Draws of the pilot that sets the maxima and P_nz (:class:`EventSampler`), whatever the number of events.
PILOT_POINTS = 200_000
#: The sampling map: the integration's map re-adapted on this many iterations of this many draws each
#: (:class:`EventSampler`, ``adapt=True``).
SAMPLING_ADAPT_ITERATIONS = 4
SAMPLING_ADAPT_POINTS = 50_000
#: Pilot draws per hypercube of the stratified acceptance-rejection (sets the number of hypercubes).
PILOT_POINTS_PER_CUBE = 800
#: The maximum of a hypercube whose pilot draws are all zero, as a fraction of the global maximum: such a
#: cube is still drawn from (rarely), so a region the pilot missed is not lost, only heavily weighted.
EMPTY_CUBE_MAX = 1e-3


class EventSampler:
    r"""Draw events from the adapted VEGAS map of an :class:`IntegrationResult`.

    A point is y ~ U[0,1]^d mapped to u = map(y) with Jacobian J(y); its weight w = f(u) J(y) has mean
    equal to the integral.

    **The sampling map** (``adapt=True``, issue 19). The integration adapts its map on iterations of a few
    thousand points (enough for sigma at 1 %, :func:`integrate`); for sampling, a copy is adapted further on
    :data:`SAMPLING_ADAPT_ITERATIONS` iterations of :data:`SAMPLING_ADAPT_POINTS` draws (training data
    w^2, vegas' damping alpha = 0.5), which flattens w = f J. Events are drawn from the final map only,
    with their own w, so the map changes the variance, never the distribution.

    **Stratified acceptance-rejection.** The unit cube of y is cut into n_s^d equal hypercubes c (n_s
    the largest with :data:`PILOT_POINTS_PER_CUBE` pilot draws per cube). A stratified pilot (equal draws
    in every cube, ``n_pilot`` in all) gives each cube its maximum W_c: as in MadGraph, not the single
    largest pilot weight but the truncated one, the smallest value whose excess
    sum(max(|w| - W_c, 0)) is at most ``max_truncation`` (1e-3) of the cube's sum (:func:`truncated_maximum`).
    An event is made by drawing a cube with probability p_c = W_c / sum(W) (equal volumes V), y uniform in
    it, and keeping it with probability min(1, |w|/W_c); a kept point carries the ratio
    r = max(1, |w|/W_c) (partial unweighting, :meth:`unweighted`). Its density is then::

        p_c / V  min(1, |w|/W_c)  max(1, |w|/W_c) = |w| / (V sum_c W_c)   proportional to |w|,

    whatever W_c is (an underestimated W_c makes more ratios r > 1, never a bias). The efficiency is
    sum_c <|w|>_c / sum_c W_c (``stats.unweighting_efficiency``: the pilot's), where one global maximum
    gives <|w|> / W_max: a cube where w is small no longer pays for the maximum of another. On the
    NA64-mu card: 13 % with the integration map and one maximum, 47 % with both (validation/bench_all.py).
    A cube whose pilot draws are all zero gets W_c = :data:`EMPTY_CUBE_MAX` times the global truncated
    maximum, so it is drawn from rarely but never excluded.

    Weighted events (:meth:`weighted`) are drawn from the sampling map uniformly in y, keep the points with
    f != 0 and carry w = f J P_nz / N, with P_nz the fraction of nonzero pilot points, so exactly N events
    are produced and their weights sum to the integral (exactly to a given ``total``). ``adapt=False``
    keeps the integration's map and one cube (the weighted samples of reweighting, which need P_nz only).
    ``pilot``: the ``stats`` of another sampler of the same result, whose map and maxima this one uses
    without drawing a pilot (the shards of a run draw alike, :mod:`generator.shards`).

    The pilot and the adaptation have fixed sizes whatever the number of events, so a run's maxima and
    efficiency depend on the integration and the seed only, not on ``nevents`` (issue 18). Chunks are
    generated lazily so memory stays flat for any N.

    References: F. James, Rep. Prog. Phys. 43 (1980) 1145 (accept-reject); Lepage (1978) (the map);
    G. P. Lepage, J. Comput. Phys. 439 (2021) 110386 (hypercubes of the map's y space, vegas+).
    """

    def __init__(self, result: IntegrationResult, rng: np.random.Generator, *, n_pilot: int = PILOT_POINTS,
                 max_truncation: float = 1e-3, adapt: bool = True, pilot: SamplingStats | None = None):
        self.result = result
        self.rng = rng
        self.map = result.sampling_map
        self.dim = self.map.dim
        if pilot is not None:  # another sampler's setup (a shard of a run): same map and maxima, no draws
            self.stats = dataclasses.replace(pilot, n_drawn=0, n_accepted=0, n_over_max=0, excess_fraction=0.0,
                                             unit_weight=0.0, max_weight_ratio=1.0)
            self.map, self.n_strata, self.cube_max = pilot.sampling_map, pilot.n_strata, pilot.cube_max
            self.cube_cdf = np.cumsum(self.cube_max) / self.cube_max.sum()
            return
        self.stats = SamplingStats()
        if adapt:
            self.map = self._sampling_map(self.map)
            self.n_strata = max(1, int((n_pilot / PILOT_POINTS_PER_CUBE) ** (1.0 / self.dim) + 1e-9))
        else:
            self.n_strata = 1
        n_cubes = self.n_strata**self.dim
        per_cube = max(n_pilot // n_cubes, 1)
        _, w = self._draw_y(self._in_cubes(np.repeat(np.arange(n_cubes), per_cube)))
        aw = np.abs(w)
        nz = aw != 0
        self.stats.acceptance_nonzero = float(nz.mean())
        self.stats.mean_weight = float(w.mean())
        if not nz.any():
            raise ValueError("no phase-space point with nonzero cross section: nothing to sample")
        w_global = truncated_maximum(aw[nz], max_truncation)
        cube_max = np.array([truncated_maximum(row[row != 0], max_truncation) if np.any(row) else 0.0
                             for row in aw.reshape(n_cubes, per_cube)])
        self.cube_max = np.maximum(cube_max, EMPTY_CUBE_MAX * w_global)
        self.cube_cdf = np.cumsum(self.cube_max) / self.cube_max.sum()
        self.stats.w_max = float(self.cube_max.mean())  # sum_c V_c W_c
        self.stats.n_cubes = n_cubes
        self.stats.sampling_map, self.stats.n_strata, self.stats.cube_max = self.map, self.n_strata, self.cube_max

    def _sampling_map(self, start: Any) -> Any:
        """A copy of ``start`` adapted further on w^2 (the class docstring), for sampling only."""
        smap = vegas.AdaptiveMap(start)
        for _ in range(SAMPLING_ADAPT_ITERATIONS):
            y = self.rng.random((SAMPLING_ADAPT_POINTS, self.dim))
            _, w = self._draw_y(y, smap)
            smap.add_training_data(y, w * w)
            smap.adapt(alpha=0.5)
        return smap

    def _in_cubes(self, cubes: np.ndarray) -> np.ndarray:
        """A uniform point of y in each of the hypercubes ``cubes`` (flat indices)."""
        ns = self.n_strata
        if ns == 1:
            return self.rng.random((len(cubes), self.dim))
        corner = np.stack(np.unravel_index(cubes, (ns,) * self.dim), axis=1)
        return (corner + self.rng.random((len(cubes), self.dim))) / ns

    def _draw_y(self, y: np.ndarray, smap: Any = None) -> tuple[np.ndarray, np.ndarray]:
        u = np.empty_like(y)
        jac = np.empty(len(y))
        (smap or self.map).map(y, u, jac)
        f = self.result.integrand(u)
        return u, f * jac

    def _draw(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        return self._draw_y(self.rng.random((n, self.dim)))

    def weighted(self, n_events: int, chunk_size: int = 50_000, total: float | None = None
                 ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(u, w)`` chunks totalling exactly ``n_events`` points with nonzero weight.

        ``total``: the sum the ``n_events`` weights are normalised to (the integral, e.g. VEGAS' sigma),
        chunk by chunk (:func:`chunk_sizes`): a chunk of k events is scaled to sum to total k / N, so the
        weights of the run sum to ``total`` exactly, as the Les Houches accord asks of a file whose header
        says sigma. ``None``: w = f J P_nz / N, whose sum estimates the integral with the sample's MC error.
        """
        p_nz = self.stats.acceptance_nonzero
        for size in chunk_sizes(n_events, chunk_size):
            us, ws, have = [], [], 0
            while have < size:
                u, w = self._draw(int((size - have) / p_nz * 1.05) + 16)
                self.stats.n_drawn += len(w)
                keep = np.flatnonzero(w != 0)[:size - have]
                us.append(u[keep])
                ws.append(w[keep])
                have += len(keep)
            u, w = np.concatenate(us), np.concatenate(ws)
            self.stats.n_accepted += len(w)
            if total is None:
                yield u, w * p_nz / n_events
            else:
                yield u, w * (total / n_events * (len(w) / float(w.sum())))

    def unweighted(self, n_events: int, sigma: float, chunk_size: int = 50_000
                   ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        r"""Yield ``(u, w)`` chunks of partially unweighted events (MadGraph's partial unweighting).

        A drawn point of weight w in hypercube c (drawn with probability W_c / sum(W), class docstring) is
        kept with probability min(1, |w|/W_c) and carries the unit weight times r = max(1, |w|/W_c):
        almost every event has the unit weight, and the few above their cube's truncated maximum keep the
        excess as a weight ratio instead of being capped, so no region is under-weighted (capping left
        10-40 % deficits in sparse bins, issue 12). As MadGraph normalises its events to the integrated
        sigma, each chunk of k events (:func:`chunk_sizes`) gets the unit::

            unit = sigma / N  k / sum_chunk(r)

        so the N weights sum to sigma exactly (the Les Houches accord: the header's XSECUP is the sum, or
        the mean with ``event_norm = average``; issue 18). All weights equal ``sigma / N`` when no point
        exceeds its maximum. ``stats`` records f = <max(|w| - W_c, 0)> / <|w|> of the first batch of draws,
        the smallest unit weight, the events above their maximum and the largest weight over that unit.
        """
        eff = max(self.stats.unweighting_efficiency, 1e-6)
        largest, first = 0.0, True
        for size in chunk_sizes(n_events, chunk_size):
            us, ratios, have = [], [], 0
            while have < size:
                n_draw = min(int((size - have) / eff * 1.1) + 16, 2_000_000)
                cubes = np.minimum(np.searchsorted(self.cube_cdf, self.rng.random(n_draw), side="right"),
                                   len(self.cube_cdf) - 1)
                u, w = self._draw_y(self._in_cubes(cubes))
                aw = np.abs(w)
                w_max = self.cube_max[cubes]
                self.stats.n_drawn += len(w)
                if first:
                    # uniform in y, a draw in cube c has weight p_c / (V p_c) = 1/(V W_c) relative: reweight
                    total, first = float(np.sum(aw / w_max)), False
                    self.stats.excess_fraction = (float(np.sum(np.maximum(aw - w_max, 0.0) / w_max)) / total
                                                  if total > 0 else 0.0)
                accept = self.rng.random(len(w)) * w_max < aw
                keep = np.flatnonzero(accept)[:size - have]
                us.append(u[keep])
                ratios.append(np.maximum(aw[keep] / w_max[keep], 1.0))
                have += len(keep)
            u, ratio = np.concatenate(us), np.concatenate(ratios)
            n_over = int(np.count_nonzero(ratio > 1.0))
            unit = sigma / n_events * (len(ratio) / float(ratio.sum()))  # exactly sigma / N without n_over
            self.stats.n_over_max += n_over
            self.stats.n_accepted += len(ratio)
            self.stats.unit_weight = min(self.stats.unit_weight or unit, unit)
            largest = max(largest, unit * float(ratio.max()))
            self.stats.max_weight_ratio = largest / self.stats.unit_weight
            yield u, unit * ratio


def chunk_sizes(n_events: int, chunk_size: int) -> list[int]:
    """``n_events`` split into chunks of at most ``chunk_size``, as equal as can be (no small last chunk
    whose normalisation would rest on a few events).

    >>> chunk_sizes(120_000, 50_000)
    [40000, 40000, 40000]
    >>> chunk_sizes(7, 50_000)
    [7]
    """
    n_chunks = max(-(-int(n_events) // int(chunk_size)), 1) if n_events > 0 else 0
    base, extra = divmod(int(n_events), n_chunks) if n_chunks else (0, 0)
    return [base + (i < extra) for i in range(n_chunks)]
