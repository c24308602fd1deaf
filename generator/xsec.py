"""Cross sections: one entry point for the exact 2->3 (VEGAS), WW and IWW methods (DESIGN.md rule 4).

``cross_section(...)`` resolves the target material, refuses unphysical requests before any work, and
returns a :class:`~generator.results.CrossSection` in pb. The integration is done once at unit coupling
and scaled by g_mu^2 (DESIGN.md rule 3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .exceptions import UnphysicalRequest
from .form_factors import form_factor_code
from .integrate import IntegrationResult, VegasSettings, integrate
from .processes import Process, get_process
from .results import CrossSection

METHODS = ("exact", "ww", "iww")


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
    """Nucleus mass in GeV (A u)."""
    mass_number: int
    """Integer mass number (for PDG ion codes)."""

    @classmethod
    def from_material(cls, name: str) -> Target:
        """Resolve a material name (``Pb``, ``tungsten``, ...) through ``geometry.materials``."""
        from geometry.materials import get_material

        mat = get_material(name)
        return cls(name=mat.symbol, z=float(mat.z), a=float(mat.a_g_mol), m_nucleus=float(mat.nucleus_mass_GeV),
                   mass_number=int(mat.mass_number))


@dataclass(frozen=True, slots=True)
class FixedEnergyIntegrand:
    """d sigma [pb, unit coupling] on the unit cube at a fixed beam energy: ``f(u[n, dim]) -> w[n]``."""

    process: Process
    par: np.ndarray
    energy: float

    def __call__(self, u: np.ndarray) -> np.ndarray:
        u = np.ascontiguousarray(u, dtype=np.float64)
        return self.process.dsigma(u, np.full(u.shape[0], self.energy), self.par)

    def momenta(self, u: np.ndarray) -> tuple[np.ndarray, ...]:
        """Lab four-vectors (p_in, P_in, p_out, P_out, k) and (x, theta_k, Q^2) of the points ``u``."""
        u = np.ascontiguousarray(u, dtype=np.float64)
        return self.process.kinematics(u, np.full(u.shape[0], self.energy), self.par)


def check_request(process: Process, target: Target, energy: float, mass: float, coupling: float) -> None:
    """Refuse unphysical requests before any work (DESIGN.md rule 10)."""
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
                    form_factor: str = "tsai") -> FixedEnergyIntegrand:
    """The exact 2->3 integrand at unit coupling (for VEGAS or event generation)."""
    par = process.parameters(mass, target.z, target.a, target.m_nucleus, form_factor_code(form_factor))
    return FixedEnergyIntegrand(process, par, float(energy))


def integrate_exact(
    process: Process,
    target: Target,
    energy: float,
    mass: float,
    *,
    form_factor: str = "tsai",
    settings: VegasSettings | None = None,
    seed: int = 0,
) -> IntegrationResult:
    """VEGAS integration of the exact 2->3 at unit coupling; keeps the adapted map for sampling."""
    f = exact_integrand(process, target, energy, mass, form_factor)
    return integrate(f, process.dim, settings=settings, seed=seed)


def cross_section(
    *,
    target: str | Target,
    energy: float,
    mass: float,
    coupling: float = 1.0,
    process: str = "scalar",
    method: str = "exact",
    form_factor: str = "tsai",
    precision: float = 0.01,
    seed: int = 0,
    neval: int = 20_000,
) -> CrossSection:
    """Total cross section in pb of ``process`` on ``target`` at beam ``energy`` (GeV).

    Parameters
    ----------
    target
        Material name (``"Pb"``, ``"W"``, ``"Cu"``, ``"Mo"``, ``"Fe"``, ...) or a :class:`Target`.
    energy, mass
        Beam-lepton lab energy and boson mass in GeV.
    coupling
        g_mu; sigma scales as g_mu^2 (the integral is done at g_mu = 1).
    method
        ``"exact"`` (VEGAS over the exact 2->3), ``"ww"`` (WW with exact t_min) or ``"iww"``.
    form_factor
        ``"tsai"`` (000 App. A as printed), ``"tsai_unsquared"`` or ``"lfv"``.
    precision
        Target relative error of the VEGAS estimate (exact method).
    seed
        Random seed; the same seed gives the same result.

    >>> cs = cross_section(target="Pb", energy=160.0, mass=0.1, coupling=1.0, method="iww")
    >>> cs.sigma_pb > 0
    True
    """
    proc = get_process(process)
    tgt = target if isinstance(target, Target) else Target.from_material(target)
    if method not in METHODS:
        raise ValueError(f"method = {method!r} but require one of {list(METHODS)}")
    check_request(proc, tgt, energy, mass, coupling)
    g2 = coupling * coupling
    if method == "exact":
        r = integrate_exact(proc, tgt, energy, mass, form_factor=form_factor,
                            settings=VegasSettings(rel_precision=precision, neval=neval), seed=seed)
        return CrossSection(r.mean * g2, r.sdev * g2, "exact", r.n_eval, r.chi2_dof)
    if proc.name != "scalar":
        raise ValueError(f"method = {method!r} is implemented for the scalar process only; use 'exact'")
    ff = form_factor_code(form_factor)
    if method == "iww":
        from .processes.iww import sigma_iww

        return sigma_iww(energy, mass, coupling, tgt.z, tgt.a, ff)
    from .processes.ww import sigma_ww

    s = sigma_ww(energy, mass, tgt.z, tgt.a, ff)
    s2 = sigma_ww(energy, mass, tgt.z, tgt.a, ff, n_x=80, n_theta=80)
    return CrossSection(s * g2, abs(s - s2) * g2, "ww")
