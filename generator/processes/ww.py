r"""Weizsäcker–Williams (WW) approximation with the exact, x- and angle-dependent t_min.

The 2->3 cross section is replaced by the real-photon 2->2 process gamma(q) mu(p) -> mu(p') S(k) weighted
by the effective photon flux chi evaluated from the *true* minimum momentum transfer at each (x, theta_S)
(the choice DMG4 makes for muon beams), instead of IWW's x-independent m_S^4 / 4E^2::

    d sigma / (dx dcos theta) = (alpha chi(t_min(x, theta)) / pi) * 2 E^2 x beta_S / (1 - x)
                                * |M_2->2|^2 / (16 pi s~^2)
    U      = x E^2 theta^2 + m_S^2 (1 - x)/x + m_mu^2 x          (= -u~)
    s~     = s_2 - m_mu^2 = U / (1 - x),    u~ = u_2 - m_mu^2 = -U
    t_min  = U^2 / (4 E^2 (1 - x)^2),      chi(t_min) = int_{t_min}^{t_max} dt (t - t_min)/t^2 G2(t)

The factor 2 E^2 x beta_S / (1 - x) is the Jacobian |d(ln s~, t_2)/d(x, cos theta)| of the collinear map
(photon flux dN = (alpha chi / pi) ds~/s~); |M_2->2|^2 (averaged over the photon's two polarisations and
the muon spin) is evaluated with the same spinor kernel as the exact process, with the nucleus current
replaced by the photon polarisation vectors. t_max = m_S^2 + m_mu^2 as in IWW.

Unequal lepton masses (l(m) -> l'(m'), the LFV ALP mu -> tau a, docs/physics.md section 5.2 "collinear
limits"): with D = m'^2 - V^2 = x E^2 theta^2 + m_X^2 (1 - x)/x + m'^2 - (1 - x) m^2 the same derivation
gives s~ = D/(1 - x), u_2 = (p - k)^2 = m'^2 - D, t_min = D^2/(4 E^2 (1 - x)^2), t_max = m_X^2 + m'^2, the
same Jacobian, and the 2->2 amplitude gamma l -> l' X from the spinor kernel with both masses and the
vertex c_s + c_p gamma5 (derived here; not in the seeds, which give no WW formula for m' != m: checked
against the exact 2->3 where WW must hold).

Integrating this over theta with t_min -> m_S^4 / 4E^2 reproduces IWW (000 eq. 12) at high energy, which
the tests check; the difference from IWW is the growth of t_min with x and theta.

References: Kim & Tsai, PRD 8 (1973) 3109; Bjorken, Essig, Schuster, Toro, PRD 80 (2009) 075018, App. A;
Liu & Miller, PRD 96 (2017) 016004; docs/physics.md sections 4 and 5.2 (collinear limits).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numba
import numpy as np

from ..constants import ALPHA_EM, GEV2_TO_PB, M_MU
from .iww import photon_flux_chi
from .scalar_brems import lepton_current_squared


@numba.njit(cache=True)
def cm_frame_2to2(s2: float, u2: float, m: float, m_out: float, m_x: float
                  ) -> tuple[bool, tuple[float, float, float, float], tuple[float, float, float, float],
                             tuple[float, float, float, float]]:
    """The four-vectors of gamma l -> l' X in the 2->2 CM frame from the invariants s2 = (p + q)^2 and
    u2 = (p - k)^2 (GeV^2): the incoming lepton p (along -z; the photon along +z), the boson k and the
    outgoing lepton p' (in the xz plane). ``ok`` is False outside the physical region."""
    rs = math.sqrt(s2)
    w = (s2 - m * m) / (2.0 * rs)  # photon energy = |p| in CM
    e_p = (s2 + m * m) / (2.0 * rs)
    e_k = (s2 + m_x * m_x - m_out * m_out) / (2.0 * rs)
    kk2 = e_k * e_k - m_x * m_x
    zero = (0.0, 0.0, 0.0, 0.0)
    if kk2 <= 0.0 or w <= 0.0 or rs <= m_x + m_out:
        return False, zero, zero, zero
    kk = math.sqrt(kk2)
    # u2 = m^2 + m_x^2 - 2 p.k, p.k = e_p e_k + w kk cos(th)
    cth = (m * m + m_x * m_x - u2 - 2.0 * e_p * e_k) / (2.0 * w * kk)
    if cth > 1.0 or cth < -1.0:
        return False, zero, zero, zero
    sth = math.sqrt(max(0.0, 1.0 - cth * cth))
    p = (e_p, 0.0, 0.0, -w)
    k = (e_k, kk * sth, 0.0, kk * cth)
    pp = (rs - e_k, -kk * sth, 0.0, -kk * cth)
    return True, p, k, pp


@numba.njit(cache=True)
def amplitude_squared_gamma_lepton(s2: float, u2: float, m: float, m_out: float, m_x: float, cs: float,
                                   cp: float) -> float:
    """|M|^2 of gamma l(m) -> l'(m_out) X at coupling g = 1, averaged over photon polarisation and lepton spin.

    Built in the 2->2 CM frame from the invariants s2 = (p + q)^2 and u2 = (p - k)^2 (lepton masses may
    differ: mu -> tau for the LFV ALP); returns -1 if the point is outside the physical region. Includes
    e^2 (one photon vertex).
    """
    ok, p, k, pp = cm_frame_2to2(s2, u2, m, m_out, m_x)
    if not ok:
        return -1.0
    den_a = u2 - m_out * m_out  # V^2 - m'^2 with V = p - k
    den_b = s2 - m * m  # W^2 - m^2 with W = p + q
    e2 = 4.0 * math.pi * ALPHA_EM
    total = 0.0
    for pol in range(2):
        eps = (0.0, 1.0, 0.0, 0.0) if pol == 0 else (0.0, 0.0, 1.0, 0.0)
        total += lepton_current_squared(p, pp, k, eps, m, m_out, cs, cp, den_a, den_b)
    return e2 * total / 4.0


class ChiTable:
    """chi(t_min) tabulated in ln t_min for one (target, t_max); linear interpolation in ln t_min."""

    def __init__(self, z: float, a: float, ff_kind: int, t_max: float, t_lo: float = 1e-24, n: int = 400):
        self.log_t = np.linspace(math.log(t_lo), math.log(t_max), n)
        self.chi = np.array(
            [photon_flux_chi(1e6, 1e-6, z, a, ff_kind, t_min=math.exp(lt), t_max=t_max)
             for lt in self.log_t[:-1]]
            + [0.0]
        )

    def __call__(self, t_min: np.ndarray) -> np.ndarray:
        lt = np.log(np.clip(t_min, math.exp(self.log_t[0]), math.exp(self.log_t[-1])))
        return np.interp(lt, self.log_t, self.chi)


def dsigma_dx_dcos_ww(
    x: np.ndarray,
    theta: np.ndarray,
    energy: float,
    m_x: float,
    chi_table: ChiTable,
    *,
    t_min_fixed: float | None = None,
    m_in: float = M_MU,
    m_out: float | None = None,
    vertex: tuple[float, float] = (1.0, 0.0),
    amplitude: Callable[[float, float], float] | None = None,
) -> np.ndarray:
    """WW d sigma/(dx dcos theta_S) in pb at g = 1 (module docstring formula).

    ``t_min_fixed`` replaces t_min(x, theta) by a constant (IWW's m_S^4/4E^2) for the consistency test.
    ``m_in``, ``m_out`` (default m_in) and ``vertex`` = (c_s, c_p) generalise to l -> l' X (module docstring,
    "unequal lepton masses"). ``amplitude(s2, u2)`` replaces the spin-0 2->2 |M|^2 (e.g. the vector's of
    :mod:`generator.processes.zprime_ww`); the flux, Jacobian and phase space are the same for any boson.
    """
    x = np.asarray(x, dtype=float)
    theta = np.asarray(theta, dtype=float)
    m = m_in
    mo = m_in if m_out is None else m_out
    cs, cp = vertex
    if amplitude is None:
        def amplitude(s2: float, u2: float) -> float:
            return amplitude_squared_gamma_lepton(s2, u2, m, mo, m_x, cs, cp)
    u_var = x * energy**2 * theta**2 + m_x**2 * (1 - x) / x + mo**2 - (1 - x) * m**2
    s_t = u_var / (1 - x)
    t_min = u_var**2 / (4 * energy**2 * (1 - x) ** 2) if t_min_fixed is None else np.full_like(x, t_min_fixed)
    chi = chi_table(t_min)
    beta_s = np.sqrt(np.clip(1 - m_x**2 / (x * energy) ** 2, 0, None))
    msq = np.array(
        [amplitude(m * m + st, mo * mo - uv) for st, uv in zip(s_t.ravel(), u_var.ravel())]
    ).reshape(x.shape)
    msq = np.where(msq < 0, 0.0, msq)
    out = ALPHA_EM * chi / math.pi * 2 * energy**2 * x * beta_s / (1 - x) * msq / (16 * math.pi * s_t**2)
    return out * GEV2_TO_PB


def sigma_ww(
    energy: float,
    m_x: float,
    z: float,
    a: float,
    ff_kind: int = 0,
    *,
    n_x: int = 160,
    n_theta: int = 160,
    t_min_fixed: float | None = None,
    return_spectrum: bool = False,
    m_in: float = M_MU,
    m_out: float | None = None,
    vertex: tuple[float, float] = (1.0, 0.0),
    amplitude: Callable[[float, float], float] | None = None,
):
    """Total WW cross section in pb at g_mu = 1, by Gauss–Legendre quadrature in x and ln(theta^2 + theta_c^2).

    The theta range is [0, pi] mapped so that the collinear peak theta ~ theta_c(x) = sqrt(U0 / (x E^2))
    is flat; x in [m_X/E, 1 - m'/E]. Returns sigma (and x nodes, d sigma/dx if ``return_spectrum``).
    ``m_in``, ``m_out`` (default m_in), ``vertex`` = (c_s, c_p): l -> l' X with t_max = m_X^2 + m'^2;
    ``amplitude(s2, u2)``: another boson's 2->2 |M|^2 (:func:`dsigma_dx_dcos_ww`).
    """
    m = m_in
    mo = m_in if m_out is None else m_out
    t_max = m_x**2 + mo**2
    table = ChiTable(z, a, ff_kind, t_max)
    x_lo, x_hi = m_x / energy, 1 - mo / energy
    # split x at the peak region with a graded Gauss-Legendre mesh in x (two panels in ln(1-x))
    gx, wx = np.polynomial.legendre.leggauss(n_x)
    # map in y = ln(1 - x) to resolve the x -> 1 region, plus linear for small x
    y_lo, y_hi = math.log(1 - x_hi), math.log(1 - x_lo)
    y = 0.5 * (y_hi - y_lo) * gx + 0.5 * (y_hi + y_lo)
    xs = 1 - np.exp(y)
    wxs = wx * 0.5 * (y_hi - y_lo) * np.exp(y)
    gt, wt = np.polynomial.legendre.leggauss(n_theta)
    dsdx = np.empty_like(xs)
    for i, xv in enumerate(xs):
        u0 = m_x**2 * (1 - xv) / xv + mo**2 - (1 - xv) * m**2
        th_c2 = u0 / (xv * energy**2)
        span = math.log1p(math.pi**2 / th_c2)
        w_var = 0.5 * (gt + 1) * span
        th2 = th_c2 * np.expm1(w_var)
        th = np.sqrt(th2)
        dcos = np.sin(th) * (th2 + th_c2) / (2 * th) * span * 0.5 * wt
        f = dsigma_dx_dcos_ww(np.full_like(th, xv), th, energy, m_x, table, t_min_fixed=t_min_fixed,
                              m_in=m, m_out=mo, vertex=vertex, amplitude=amplitude)
        dsdx[i] = np.sum(f * dcos)
    sigma = float(np.sum(dsdx * wxs))
    if return_spectrum:
        return sigma, xs, dsdx
    return sigma
