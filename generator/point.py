"""Stage 2 of a run: ``integrate_point(plan, rng) -> PointResult``, VEGAS at unit coupling (DESIGN.md rule 3).

A :class:`PointResult` is plain, picklable data: the plan and the adapted integration. It can be cached
under a key or shipped to another process or machine, and sampling from it continues its random stream.
Kept apart from :mod:`generator.run` so that a cross section (:func:`generator.cross_section`,
``mudump xsec``) loads neither the event schema nor the writers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .exceptions import UnphysicalRequest
from .integrate import IntegrationResult, VegasSettings, integrate
from .plan import RunPlan

__all__ = ["PointResult", "integrate_point"]


@dataclass(frozen=True)
class PointResult:
    """One integrated point: the plan and the VEGAS result at unit coupling (sigma, adapted map)."""

    plan: RunPlan
    integration: IntegrationResult

    @property
    def sigma_pb(self) -> float:
        """sigma at the card's coupling, pb."""
        return self.integration.mean * self.plan.config.coupling**2


def integrate_point(run_plan: RunPlan, rng: np.random.Generator,
                    progress: Callable[[str, int, float, float], None] | None = None,
                    checkpoint: Callable[[], None] | None = None) -> PointResult:
    """VEGAS integration of the plan's integrand at unit coupling (DESIGN.md rule 3); ``progress`` and
    ``checkpoint`` as in :func:`generator.integrate.integrate`."""
    cfg = run_plan.config
    settings = VegasSettings(neval=cfg.neval, nitn_adapt=cfg.nitn_adapt, rel_precision=cfg.precision)
    res = integrate(run_plan.integrand, run_plan.dim, settings=settings, rng=rng, progress=progress,
                    checkpoint=checkpoint)
    if not res.mean > 0:
        raise UnphysicalRequest("the integrated cross section is zero: no phase space passes the cuts")
    return PointResult(run_plan, res)
