"""Cross sections: one entry point for the exact 2->3 (VEGAS), WW and IWW methods (DESIGN.md rule 4).

:func:`cross_section` (the API) and ``mudump xsec`` build the same validated
:class:`~generator.cards.RunConfig` a card builds (:func:`request_config`) and go through the same stages
as a run, :func:`generator.plan.plan` and :func:`generator.point.integrate_point`; so a bad request is
refused with the same message on every path (the coupling by :func:`generator.plan.check_coupling`, the
process's parameters by its own schema). The integration is done once at unit coupling and scaled by
the coupling squared (DESIGN.md rule 3). Returns a :class:`~generator.results.CrossSection` in pb.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from .beam_integrands import ExactKernel, FixedEnergyIntegrand, SigmaTableKernel
from .cards import RunConfig
from .exceptions import NotANumber
from .form_factors import form_factor_code
from .integrate import IntegrationResult, VegasSettings, integrate
from .plan import RunPlan, check_coupling, plan
from .point import integrate_point
from .process_spec import Process
from .registry import PROCESSES
from .results import CrossSection
from .target import Target, check_request, require_number

__all__ = ["Target", "check_request", "cross_section", "point_cross_section", "request_config"]


def exact_integrand(process: Process, target: Target, energy: float, mass: float,
                    form_factor: str = "tsai", params: Mapping[str, Any] | None = None,
                    q2_cap: float = math.inf) -> FixedEnergyIntegrand:
    """The exact 2->3 integrand at unit coupling (for VEGAS or event generation)."""
    par = process.parameters(mass, target.z, target.a, target.m_nucleus, form_factor_code(form_factor),
                             q2_cap=q2_cap, params=params)
    return FixedEnergyIntegrand(ExactKernel(process, par), float(energy))


def integrate_exact(
    process: Process,
    target: Target,
    energy: float,
    mass: float,
    *,
    form_factor: str = "tsai",
    settings: VegasSettings | None = None,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
) -> IntegrationResult:
    """VEGAS integration of the exact 2->3 at unit coupling; keeps the adapted map for sampling."""
    f = exact_integrand(process, target, energy, mass, form_factor, params)
    return integrate(f, f.dim, settings=settings, seed=seed)


def request_config(*, process: str | None, model: str | None, target: str | Target, energy: Any, mass: Any,
                   coupling: Any, method: str = "exact", form_factor: str | None = None, precision: Any = 0.01,
                   seed: Any = 0, neval: Any = 20_000, params: Mapping[str, Any] | None = None,
                   source: str = "cross_section()") -> RunConfig:
    """The :class:`RunConfig` of a cross-section request (thin target, no events): what a card with these
    keys would give, validated by the same schema (process, model, method, form factor, the process's
    own parameters, ranges), with ``source`` naming the caller in messages."""
    if process is None:
        process = next(iter(PROCESSES))
    if model is None and process in PROCESSES:
        model = PROCESSES[process].models[0]
    return RunConfig(process=process, model=model,  # type: ignore[arg-type]  # None: an unknown process, refused
                     mass=mass, coupling=coupling,
                     target=target.name if isinstance(target, Target) else target, beam_energy=energy,
                     method=method, form_factor=form_factor, precision=precision, seed=seed, neval=neval,
                     nevents=0, decay=False, params=dict(params or {}), source_path=source)


def point_cross_section(run_plan: RunPlan) -> CrossSection:
    """sigma of a thin-target plan at its coupling: VEGAS over the exact 2->3 (stage
    :func:`generator.point.integrate_point`) or the approximation's sigma(E) at the beam energy."""
    config = run_plan.config
    g2 = config.coupling**2
    kernel = run_plan.integrand.kernel
    if kernel.has_final_state:
        r = integrate_point(run_plan, np.random.default_rng(config.seed)).integration
        return CrossSection(r.mean * g2, r.sdev * g2, config.method, r.n_eval, r.chi2_dof)
    if not isinstance(kernel, SigmaTableKernel):
        raise TypeError(f"method = {config.method}: expected a sigma(E) table, got {type(kernel).__name__}")
    return CrossSection(float(kernel.sigmas[0]) * g2, float(kernel.errors[0]) * g2, config.method)


def cross_section(
    *,
    target: str | Target,
    energy: float,
    mass: float,
    coupling: float = 1.0,
    process: str | None = None,
    model: str | None = None,
    method: str = "exact",
    form_factor: str | None = None,
    precision: float = 0.01,
    seed: int = 0,
    neval: int = 20_000,
    **params: Any,
) -> CrossSection:
    """Total cross section in pb of ``process`` on ``target`` at beam ``energy`` (GeV).

    Parameters
    ----------
    target
        Material name (``"Pb"``, ``"W"``, ``"Cu"``, ``"Mo"``, ``"Fe"``, ...) or a :class:`Target`.
    energy, mass
        Beam-lepton lab energy and boson mass in GeV.
    coupling
        The process's coupling (``Process.coupling_name``); sigma scales as its square (integrated at 1).
    process, model
        A registered process (:data:`generator.registry.PROCESSES`; default: the first registered) and one
        of its models (default: its first; sigma depends on the coupling, not on the model's decays).
    method
        ``"exact"`` (VEGAS over the exact 2->3) or one of the process's approximations (``Process.methods``).
    form_factor
        One of the process's form factors; None = the process's default.
    precision
        Target relative error of the VEGAS estimate (exact method).
    seed
        Random seed; the same seed gives the same result.
    **params
        The process's own parameters (``Process.params``), as on a card.

    Raises
    ------
    CardError
        For a request a card with the same keys would refuse (the same message, with ``cross_section()``
        as its source), including a coupling of 0 or beyond perturbativity.
    UnphysicalRequest
        Below the exact threshold on the target nucleus.

    >>> cs = cross_section(target="Pb", energy=160.0, mass=0.1, coupling=1.0, method="iww")
    >>> cs.sigma_pb > 0
    True
    """
    for name, value, expected in (("energy", energy, "a number > 0 (GeV)"), ("mass", mass, "a number > 0 (GeV)"),
                                  ("coupling", coupling, "a number >= 0"),
                                  ("precision", precision, "a number with 0 < precision < 1")):
        require_number(name, value, expected)  # a Python caller gets a TypeError for a str or a list
    for name, value in (("seed", seed), ("neval", neval)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise NotANumber(name, value, "an integer >= 0", kind="an integer")
    config = request_config(process=process, model=model, target=target, energy=energy, mass=mass,
                            coupling=coupling, method=method, form_factor=form_factor, precision=precision,
                            seed=seed, neval=neval, params=params)
    check_coupling(config)
    return point_cross_section(plan(config))
