r"""The work list of a sensitivity scan: the card's mass, coupling, model and experiment lists -> one
:class:`ScanPoint` per (experiment, model, mass), each with its card at the reference coupling g0, its seed
and its cache key (:mod:`generator.scan` runs them).

**Seeds.** The integration and sampling of a mass use a seed derived from the card's ``seed`` and the mass
itself (``numpy.random.SeedSequence(seed, spawn_key=(mass in 1e-12 GeV,))``), never from its position in
the grid or from the worker that runs it: the numbers are identical whatever the executor, the number of
workers, the order in which points finish, and whether a mass is added to the grid later.

References: DESIGN.md rules 3 and 9; docs/architecture.md "Scans: one integration per mass".
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numpy as np

from .cards import RunConfig
from .exceptions import CardError, UnphysicalRequest
from .grids import parse_couplings, parse_masses, parse_names
from .plan import plan
from .scan_cache import sample_key

__all__ = ["ScanPoint", "mass_seed", "scan_lists", "scan_points"]


@dataclass(frozen=True)
class ScanPoint:
    """One mass of one (experiment, model): the card at that mass and the reference coupling g0."""

    experiment: str
    model: str
    mass: float
    """GeV."""
    config: RunConfig
    """The card at this mass, model and experiment, coupling = g0, ``scan_events`` weighted events."""
    seed: int
    """Integration and sampling seed derived from the card's seed and the mass (:func:`mass_seed`)."""
    key: str
    """Cache key of the sample (SHA-256 hex)."""
    problem: str | None = None
    """Why this point has no events (e.g. a mass above the experiment's threshold), or None."""


def mass_seed(card_seed: int, mass: float) -> int:
    """Seed of a mass point from the card's seed and the mass alone (not its place in the grid).

    >>> mass_seed(0, 0.1) == mass_seed(0, 0.1) != mass_seed(0, 0.2)
    True
    """
    mass_key = round(float(mass) * 1e12)  # 1e-12 GeV steps
    return int(np.random.SeedSequence(card_seed, spawn_key=(mass_key,)).generate_state(2, np.uint64)[0] >> 1)


def scan_lists(config: RunConfig) -> tuple[tuple[float, ...], tuple[float, ...], tuple[str, ...], tuple[str, ...]]:
    """The card's masses, couplings, models and experiments (a single value where the card gives no list)."""
    masses = parse_masses(config.scan_masses) if config.scan_masses else (config.mass,)
    if config.scan_couplings is None:
        raise CardError(config.source_path, None, "scan_couplings", "a scan needs a coupling grid",
                        "scan_couplings = lo:hi:n (log-spaced), e.g. 1e-6:1e-2:100")
    couplings = parse_couplings(config.scan_couplings)
    models = parse_names(config.scan_models) if config.scan_models else (config.model,)
    experiments = parse_names(config.scan_experiments) if config.scan_experiments else (config.experiment,)
    if any(e is None for e in experiments):
        raise CardError(config.source_path, config.source_lines.get("target"), "experiment",
                        "a scan counts events in an experiment, but the card gives only a target",
                        "experiment = <name> (e.g. na64mu) or scan_experiments = a, b")
    return masses, couplings, models, tuple(e for e in experiments if e is not None)


def scan_points(config: RunConfig) -> tuple[list[ScanPoint], tuple[float, ...]]:
    """The work list of a scan card: every (experiment, model, mass), and the coupling grid."""
    masses, couplings, models, experiments = scan_lists(config)
    g0 = math.sqrt(couplings[0] * couplings[-1])
    base = config.replace(scan_masses=None, scan_couplings=None, scan_models=None, scan_experiments=None,
                          scan_background=0.0, scan_signal=None, nevents=config.scan_events, weighted=True,
                          coupling=g0, decay=True, g2_band=type(config).__dataclass_fields__["g2_band"].default)
    points = []
    for experiment in experiments:
        with contextlib.suppress(UnphysicalRequest):  # a bad experiment is a card error now, not on a worker later
            plan(base.replace(experiment=experiment, target=None, mass=masses[0]))
        for model in models:
            for mass in masses:
                points.append(_scan_point(base, experiment, model, mass, mass_seed(config.seed, mass)))
    return points, couplings


def _scan_point(base: RunConfig, experiment: str, model: str, mass: float, seed: int) -> ScanPoint:
    """The point of one (experiment, model, mass); a mass the card refuses there keeps the reason."""
    problem: str | None = None
    try:
        cfg = base.replace(experiment=experiment, target=None, model=model, mass=mass)
    except CardError as exc:  # e.g. a mass above the beam's kinematic limit
        cfg, problem = base.replace(experiment=experiment, target=None, model=model), str(exc)
    return ScanPoint(experiment, model, mass, cfg, seed, sample_key(cfg, seed), problem)
