r"""Weizsäcker–Williams (WW) and improved WW (IWW) for  mu N -> mu N V  with a massive vector V (the Z').

WW (the vector twin of :mod:`generator.processes.ww`). The 2->3 cross section is replaced by the real-photon
2->2 process gamma(q) mu(p) -> mu(p') V(k) weighted by the photon flux chi at the *true* minimum momentum
transfer of each (x, theta_V), x = E_V/E, theta_V the lab angle of V::

    d sigma / (dx dcos theta) = (alpha chi(t_min(x, theta)) / pi) * 2 E^2 x beta_V / (1 - x)
                                * |M_2->2|^2 / (16 pi s~^2)
    U      = x E^2 theta^2 + m_V^2 (1 - x)/x + m_mu^2 x,    s~ = U/(1 - x),    u~ = -U
    t_min  = U^2 / (4 E^2 (1 - x)^2),   t_max = m_V^2 + m_mu^2,   chi(t_min) = int dt (t - t_min)/t^2 G2(t)

|M_2->2|^2 (photon polarisations and muon spins averaged, the three V polarisations summed, g = 1) comes
from the spinor kernel of the exact process (:func:`generator.processes.vector_brems.lepton_amplitudes_vector`)
with the nucleus current replaced by the photon polarisation vectors. It equals the closed form of the
"massive Compton" process (derived here; tested against the kernel and an explicit-matrix trace)::

    |M_2->2|^2 = 2 e^2 g^2 [ -s~/u~ - u~/s~ + 2 (m_V^2 + 2 m^2) ( m^2 (1/s~ + 1/u~)^2 - t_2/(s~ u~) ) ]
    s~ = s_2 - m^2,  u~ = u_2 - m^2,  t_2 = m_V^2 - s~ - u~

which is Compton scattering (Peskin–Schroeder eq. 5.87) for m_V -> 0 and q g -> q gamma* for m -> 0; in the
collinear variables above it is the bracket of DMG4 ``DarkZ::CrossSectionDSDXDTheta`` and of Bjorken et al.
App. A (A' from electrons) with m_e -> m_mu.

IWW (``dsigma_dx_iww_vector``, ``sigma_iww_vector``). The variant used: the WW integrand above with the
x- and angle-independent flux chi(t_min = m_V^4/(4E^2), t_max = m_V^2 + m_mu^2) (the t limits of
Chen–Pospelov–Zhong eq. 13 and of DMG4's IWW), integrated analytically over the angle (U from U_0 to
infinity, dcos theta = dU/(2 x E^2)), with the muon mass kept everywhere::

    d sigma/dx = g^2 alpha^2 chi beta_V / (6 pi U_0^2) [ 2 U_0 (3 - 3x + x^2) + m_mu^2 x (x^2 + 2x - 2) ]
    U_0 = m_V^2 (1 - x)/x + m_mu^2 x,    beta_V = sqrt(1 - m_V^2/(x E)^2),    m_V/E <= x <= 1 - m_mu/E

This is derived here from the WW formula. It is algebraically identical to DMG4's
``DarkZ::CrossSectionDSDX_IWW`` (which cites arXiv:1705.01633 eq. 30, second line) and, for m_mu^2 x^2 << m_V^2
(1 - x), reduces to the familiar A' form g^2 alpha^2 chi beta_V (1 - x + x^2/3) / (pi U_0) (Bjorken et al.
App. A; Andreas, Niebuhr, Ringwald, PRD 86 (2012) 095019, with alpha^3 eps^2 -> alpha^2 g^2/(4 pi) and
m_e -> m_mu). The text of Kirpichnikov et al. (arXiv:2107.13297) was not available while writing this
module, so its IWW equation is not quoted; the formula above is the one its companion code DMG4 uses for
the Z'. x runs up to the kinematic end point 1 - m_mu/E (DMG4: 1 - m_V^4/(8E^3 A) - m_mu/E, the same to
< 1e-9 at 160 GeV); the paper convention x <= 1 of the scalar IWW is not offered here.

Units: energies and masses in GeV, t in GeV^2, cross sections in pb at g = 1 (sigma scales as g^2).

References: Kirpichnikov, Sieber, Molina Bueno, Crivelli, Kirsanov, PRD 104 (2021) 076012, arXiv:2107.13297
(WW, IWW and exact tree level for mu N -> mu N Z'); Bjorken, Essig, Schuster, Toro, PRD 80 (2009) 075018,
App. A; Kim & Tsai, PRD 8 (1973) 3109; Liu & Miller, PRD 96 (2017) 016004; DMG4 (Bondi et al., Comput. Phys.
Commun. 269 (2021) 108129) ``DarkZ.cc``; docs/physics.md sections 4, 5.2 and 13.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..constants import ALPHA_EM, GEV2_TO_PB, M_MU
from ..results import CrossSection
from .iww import photon_flux_chi
from .vector_brems import lepton_current_squared_vector, polarisation_vectors
from .ww import ChiTable, cm_frame_2to2, dsigma_dx_dcos_ww, sigma_ww

__all__ = [
    "amplitude_squared_gamma_lepton_vector",
    "amplitude_squared_gamma_lepton_vector_closed",
    "dsigma_dx_dcos_ww_vector",
    "dsigma_dx_iww_vector",
    "sigma_iww_vector",
    "sigma_ww_vector",
]


@numba.njit(cache=True)
def amplitude_squared_gamma_lepton_vector(s2: float, u2: float, m: float, m_x: float) -> float:
    """|M|^2 of gamma mu(m) -> mu(m) V(m_x) at g = 1: photon polarisation and muon spin averaged, the three V
    polarisations summed, e^2 of the photon vertex included (dimensionless).

    Built in the 2->2 CM frame from the invariants s2 = (p + q)^2 and u2 = (p - k)^2 (GeV^2) with the spinor
    kernel of the exact process; returns -1 if the point is outside the physical region.
    """
    ok, p, k, pp = cm_frame_2to2(s2, u2, m, m, m_x)
    if not ok:
        return -1.0
    den_a = u2 - m * m  # V^2 - m^2 with V = p - k
    den_b = s2 - m * m  # W^2 - m^2 with W = p + q
    pols = polarisation_vectors(k, m_x)
    e2 = 4.0 * math.pi * ALPHA_EM
    total = 0.0
    for pol in range(2):
        jp = (0.0, 1.0, 0.0, 0.0) if pol == 0 else (0.0, 0.0, 1.0, 0.0)
        for lam in range(3):
            eps = (pols[lam, 0], pols[lam, 1], pols[lam, 2], pols[lam, 3])
            total += lepton_current_squared_vector(p, pp, k, jp, m, m, eps, den_a, den_b)
    return e2 * total / 4.0


def amplitude_squared_gamma_lepton_vector_closed(s2: float, u2: float, m: float, m_x: float) -> float:
    """Closed form of :func:`amplitude_squared_gamma_lepton_vector` (module docstring; derived here)::

        2 e^2 [ -s~/u~ - u~/s~ + 2 (m_x^2 + 2 m^2) ( m^2 (1/s~ + 1/u~)^2 - t_2/(s~ u~) ) ],  g = 1

    with s~ = s2 - m^2, u~ = u2 - m^2, t_2 = m_x^2 - s~ - u~ (GeV^2). Dimensionless.
    """
    st = s2 - m * m
    ut = u2 - m * m
    t2 = m_x * m_x - st - ut
    inv = 1.0 / st + 1.0 / ut
    e2 = 4.0 * math.pi * ALPHA_EM
    return 2.0 * e2 * (-st / ut - ut / st + 2.0 * (m_x * m_x + 2.0 * m * m) * (m * m * inv * inv - t2 / (st * ut)))


def dsigma_dx_dcos_ww_vector(
    x: np.ndarray,
    theta: np.ndarray,
    energy: float,
    m_x: float,
    chi_table: ChiTable,
    *,
    t_min_fixed: float | None = None,
) -> np.ndarray:
    """WW d sigma/(dx dcos theta_V) in pb at g = 1 for mu N -> mu N V (module docstring formula): the
    scalar's :func:`generator.processes.ww.dsigma_dx_dcos_ww` with the vector's 2->2 |M|^2.

    ``x`` = E_V/E and ``theta`` (rad) are arrays of the same shape; ``energy`` and ``m_x`` in GeV;
    ``chi_table`` gives chi(t_min) for the target (:class:`generator.processes.ww.ChiTable` with
    t_max = m_x^2 + m_mu^2). ``t_min_fixed`` (GeV^2) replaces t_min(x, theta) by a constant (IWW's).
    """
    return dsigma_dx_dcos_ww(x, theta, energy, m_x, chi_table, t_min_fixed=t_min_fixed,
                             amplitude=_vector_amplitude(m_x))


def _vector_amplitude(m_x: float):
    def amplitude(s2: float, u2: float) -> float:
        return amplitude_squared_gamma_lepton_vector(s2, u2, M_MU, m_x)

    return amplitude


def sigma_ww_vector(
    energy: float,
    mass: float,
    z: float,
    a: float,
    ff_kind: int = 0,
    *,
    n_x: int = 160,
    n_theta: int = 160,
    t_min_fixed: float | None = None,
    return_spectrum: bool = False,
):
    """Total WW cross section in pb at g = 1 for mu N -> mu N V, exact t_min(x, theta) (module docstring).

    The quadrature of :func:`generator.processes.ww.sigma_ww` (Gauss–Legendre in y = ln(1 - x) over
    x in [m_V/E, 1 - m_mu/E] and in ln(theta^2 + theta_c^2) over theta in [0, pi]) with the vector's 2->2
    |M|^2. ``energy``, ``mass`` in GeV; ``z``, ``a`` the target; ``ff_kind`` the form-factor code.
    Returns sigma (and the x nodes and d sigma/dx in pb if ``return_spectrum``).
    """
    if not (math.isfinite(mass) and mass > 0.0):
        raise ValueError(f"mass = {mass} GeV but require 0 < mass < E - m_mu")
    if not (math.isfinite(energy) and energy > mass + M_MU):
        raise ValueError(f"energy = {energy} GeV but require energy > mass + m_mu = {mass + M_MU:.6g} GeV")
    return sigma_ww(energy, mass, z, a, ff_kind, n_x=n_x, n_theta=n_theta, t_min_fixed=t_min_fixed,
                    return_spectrum=return_spectrum, amplitude=_vector_amplitude(mass))


def _iww_shape(x: np.ndarray, energy: float, mass: float) -> np.ndarray:
    """d sigma/dx of the IWW at g = 1, chi = 1, in GeV^-2 (module docstring), 0 outside the x range."""
    x = np.asarray(x, dtype=float)
    x_lo, x_hi = mass / energy, 1.0 - M_MU / energy
    inside = (x >= x_lo) & (x <= x_hi)
    xs = np.where(inside, x, 0.5 * (x_lo + x_hi))
    mm2, mv2 = M_MU * M_MU, mass * mass
    u0 = mv2 * (1.0 - xs) / xs + mm2 * xs
    ratio = mass / (xs * energy)
    beta_v = np.sqrt(np.clip((1.0 - ratio) * (1.0 + ratio), 0.0, None))
    bracket = 2.0 * u0 * (3.0 - 3.0 * xs + xs * xs) + mm2 * xs * (xs * xs + 2.0 * xs - 2.0)
    return np.where(inside, ALPHA_EM**2 * beta_v * bracket / (6.0 * math.pi * u0 * u0), 0.0)


def dsigma_dx_iww_vector(
    energy: float, mass: float, x: float | np.ndarray, z: float, a: float, ff_kind: int = 0
) -> float | np.ndarray:
    r"""IWW d sigma/dx in pb at g = 1 for mu N -> mu N V (the variant of the module docstring)::

        d sigma/dx = g^2 alpha^2 chi beta_V / (6 pi U_0^2) [2 U_0 (3 - 3x + x^2) + m_mu^2 x (x^2 + 2x - 2)]

    with chi = :func:`generator.processes.iww.photon_flux_chi` at t_min = m_V^4/(4E^2),
    t_max = m_V^2 + m_mu^2 (x independent). Zero outside m_V/E <= x <= 1 - m_mu/E.

    Parameters
    ----------
    energy, mass : float
        Muon lab energy and vector mass in GeV.
    x : float or array
        E_V/E.
    z, a : float
        Target atomic number and mass number.
    ff_kind : int
        Form-factor code (``generator.form_factors``).

    References
    ----------
    Derived here from the WW formula; = DMG4 ``DarkZ::CrossSectionDSDX_IWW`` (arXiv:1705.01633 eq. 30);
    Bjorken et al., PRD 80 075018, App. A with m_e -> m_mu; Kirpichnikov et al., arXiv:2107.13297.

    >>> float(dsigma_dx_iww_vector(160.0, 0.1, 1.5, 82, 207.2))
    0.0
    """
    chi = photon_flux_chi(energy, mass, z, a, ff_kind)
    out = _iww_shape(np.asarray(x, dtype=float), energy, mass) * chi * GEV2_TO_PB
    return float(out) if out.ndim == 0 else out


def sigma_iww_vector(energy: float, mass: float, z: float, a: float, ff_kind: int = 0) -> CrossSection:
    """Total IWW cross section in pb at g = 1: the integral of :func:`dsigma_dx_iww_vector` over
    m_V/E <= x <= 1 - m_mu/E (adaptive quadrature in ln x, break points around x = m_V/m_mu where the
    spectrum turns over). Returns a :class:`~generator.results.CrossSection` (``method = "iww"``).

    >>> sigma_iww_vector(160.0, 0.1, 82, 207.2).sigma_pb > 0
    True
    """
    if not (math.isfinite(mass) and mass > 0.0):
        raise ValueError(f"mass = {mass} GeV but require 0 < mass < E - m_mu")
    if not (math.isfinite(energy) and energy > mass + M_MU):
        raise ValueError(f"energy = {energy} GeV but require energy > mass + m_mu = {mass + M_MU:.6g} GeV")
    chi = photon_flux_chi(energy, mass, z, a, ff_kind)
    x_lo, x_hi = mass / energy, 1.0 - M_MU / energy

    def integrand(log_x: float) -> float:
        xv = math.exp(log_x)
        return xv * float(_iww_shape(np.asarray(xv), energy, mass))

    l_lo, l_hi = math.log(x_lo), math.log(x_hi)
    turn = math.log(mass / M_MU)
    pts = [p for p in (turn - 1.0, turn, turn + 1.0) if l_lo < p < l_hi]
    from scipy import integrate  # here, not at import: 0.4 s of every command (issue 19)
    val, err, info = integrate.quad(
        integrand, l_lo, l_hi, points=pts or None, limit=200, epsabs=0.0, epsrel=1e-9, full_output=1
    )[:3]
    scale = chi * GEV2_TO_PB
    sigma = val * scale
    return CrossSection(sigma, abs(err) * scale + 1e-9 * abs(sigma), "iww", int(info["neval"]))
