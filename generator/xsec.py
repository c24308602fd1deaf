"""Cross sections: one entry point for the exact 2->3 (VEGAS), WW and IWW methods (DESIGN.md rule 4).

``cross_section(...)`` resolves the target material, refuses unphysical requests before any work, and
returns a :class:`~generator.results.CrossSection` in pb. The integration is done once at unit coupling
and scaled by g_mu^2 (DESIGN.md rule 3).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geometry.materials import Material, get_material

from .beam_integrands import ExactKernel, FixedEnergyIntegrand
from .exceptions import NotANumber, UnphysicalRequest
from .form_factors import form_factor_code
from .integrate import IntegrationResult, VegasSettings, integrate
from .process_spec import Process
from .registry import get_process
from .results import CrossSection


@dataclass(frozen=True, slots=True)
class Target:
    """What the cross section needs of a target: Z, A (g/mol, enters the form factor), nucleus mass."""

    name: str
    """Material name as given by the user."""
    z: float
    """Atomic number."""
    a: float
    """Atomic weight in g/mol (the A of the form factors' d = 0.164 A^-2/3 GeV^2)."""
    m_nucleus: float
    """Nucleus mass in GeV (of the most abundant isotope, see ``geometry.materials``)."""
    mass_number: int
    """Integer mass number (for PDG ion codes)."""

    @classmethod
    def from_material(cls, name: str | Material) -> Target:
        """Resolve a material name (``Pb``, ``tungsten``, ...) through ``geometry.materials``."""
        mat = get_material(name)
        return cls(name=mat.symbol, z=float(mat.z), a=float(mat.a_g_mol), m_nucleus=float(mat.nucleus_mass_GeV),
                   mass_number=int(mat.mass_number))


def _require_number(name: str, value: object, expected: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise NotANumber(name, value, expected)


def check_request(process: Process, target: Target, energy: float, mass: float, coupling: float) -> None:
    """Refuse unphysical requests before any work (DESIGN.md rule 10); a non-number raises
    :class:`~generator.exceptions.NotANumber` (a ``TypeError`` naming the argument)."""
    _require_number("energy", energy, "a number > 0 (GeV)")
    _require_number("mass", mass, "a number > 0 (GeV)")
    _require_number("coupling", coupling, "a number >= 0")
    if not (math.isfinite(mass) and mass > 0):
        raise UnphysicalRequest(f"mass = {mass} GeV but require mass > 0")
    if not (math.isfinite(coupling) and coupling >= 0):
        raise UnphysicalRequest(f"coupling = {coupling} but require coupling >= 0")
    if not (math.isfinite(energy) and energy > 0):
        raise UnphysicalRequest(f"energy = {energy} GeV but require energy > 0")
    e_thr = process.threshold_energy(mass, target.m_nucleus)
    if energy <= e_thr:
        raise UnphysicalRequest(
            f"energy = {energy} GeV is below the threshold {e_thr:.6g} GeV of {process.description} "
            f"for mass = {mass} GeV on {target.name}; require energy > {e_thr:.6g} GeV "
            f"(or mass < {energy - process.m_out:.6g} GeV)"
        )


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


def cross_section(
    *,
    target: str | Target,
    energy: float,
    mass: float,
    coupling: float = 1.0,
    process: str = "scalar",
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
        The process's coupling (g_mu for the scalar); sigma scales as its square (integrated at 1).
    process
        A registered process (:data:`generator.registry.PROCESSES`).
    method
        ``"exact"`` (VEGAS over the exact 2->3) or one of the process's approximations
        (scalar: ``"ww"``, WW with the exact t_min(x, theta); ``"iww"``, Chen–Pospelov–Zhong eqs. 12–13).
    form_factor
        One of the process's form factors (scalar: ``"tsai"``, ``"tsai_unsquared"``, ``"lfv"``); None =
        the process's default.
    precision
        Target relative error of the VEGAS estimate (exact method); a result that misses it says so in
        ``CrossSection.precision_met``.
    seed
        Random seed; the same seed gives the same result.
    **params
        The process's own card fields (e.g. ``iww_end_point="kinematic"`` for the scalar's IWW).

    >>> cs = cross_section(target="Pb", energy=160.0, mass=0.1, coupling=1.0, method="iww")
    >>> cs.sigma_pb > 0
    True
    """
    proc = get_process(process)
    tgt = target if isinstance(target, Target) else Target.from_material(target)
    if method not in proc.methods:
        raise ValueError(f"method = {method!r} but require one of {list(proc.methods)} for process {process!r}")
    form_factor = form_factor or proc.default_form_factor
    if form_factor not in proc.form_factors:
        raise ValueError(f"form_factor = {form_factor!r} but require one of {list(proc.form_factors)}")
    unknown = sorted(set(params) - set(proc.card_fields))
    if unknown:
        raise ValueError(f"{', '.join(unknown)} not a parameter of process {process!r}; "
                         f"allowed: {', '.join(proc.card_fields) or 'none'}")
    check_request(proc, tgt, energy, mass, coupling)
    _require_number("precision", precision, "a number with 0 < precision < 1")
    for name, value in (("seed", seed), ("neval", neval)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise NotANumber(name, value, "an integer >= 0", kind="an integer")
    g2 = coupling * coupling
    if method == "exact":
        r = integrate_exact(proc, tgt, energy, mass, form_factor=form_factor,
                            settings=VegasSettings(rel_precision=precision, neval=neval), seed=seed,
                            params=params)
        return CrossSection(r.mean * g2, r.sdev * g2, "exact", r.n_eval, r.chi2_dof)
    sigma, error = proc.approximations[method].sigma(energy, mass, tgt, form_factor_code(form_factor), params)
    return CrossSection(sigma * g2, error * g2, method)
